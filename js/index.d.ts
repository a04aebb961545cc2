// Types of the memspace JS/TS API. Records are plain objects; every method is async and
// rejects with a MemspaceError.

/** Any JSON value (event bodies, metadata). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };
/** An RFC 3339 UTC timestamp with microseconds, e.g. `2026-01-01T00:00:00.000000Z`. */
export type Timestamp = string;

/** Stable error codes. */
export type ErrorCode = "validation" | "not_found" | "conflict" | "duplicate" | "archived" | "gone" | "quota" | "storage" | "unsupported";

/** Every error memspace throws: a real `Error` with a stable code and the HTTP status a REST facade would use. */
export declare class MemspaceError extends Error {
  readonly name: "MemspaceError";
  readonly code: ErrorCode;
  /** 422 validation, 404 not_found, 409 conflict/duplicate/archived, 410 gone, 507 quota, 500 storage, 501 unsupported. */
  readonly status: 404 | 409 | 410 | 422 | 500 | 501 | 507;
  /** Structured details, camelCase keys (e.g. `existingId` on duplicate, `currentVersion` on a stale ifMatch). */
  readonly details: JsonObject;
}

/** Who is calling: every space belongs to one user within one tenant. */
export interface Principal {
  userId: string;
  tenantId: string;
}

/** A memory space. */
export interface Space {
  id: string;
  userId: string;
  tenantId: string;
  description: string | null;
  llmModelName: string | null;
  llmBaseUrl: string | null;
  customInstructions: string | null;
  deduplicationKey: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  deletedAt?: Timestamp;
}

/** Input of createSpace. */
export interface NewSpace {
  description?: string | null;
  llmModelName?: string | null;
  llmBaseUrl?: string | null;
  customInstructions?: string | null;
  /** A live space of this principal with the same key → `duplicate` (details.existingId). */
  deduplicationKey?: string | null;
}

/** Input of updateSpace: absent = unchanged, null = clear, value = set. */
export interface SpaceUpdate {
  description?: string | null;
  llmModelName?: string | null;
  llmBaseUrl?: string | null;
  customInstructions?: string | null;
}

/** Offset pagination (limit 1–100, default 100). */
export interface Page {
  offset?: number;
  limit?: number;
}

/** When a strategy fires: exactly one condition. */
export type Trigger = { ttl: number } | { idle: number } | { eventCount: number } | { tokenCount: number };
/** What a strategy does. */
export type StrategyType = "soft_delete" | "extract_memories";

/** Options of extract_memories. */
export interface StrategyOpts {
  softDelete?: boolean;
  agentId?: string;
  metadata?: JsonObject;
}

/** A lifecycle strategy (1–5 per session). */
export interface LifecycleStrategy {
  type: StrategyType;
  trigger: Trigger;
  opts?: StrategyOpts | null;
}

/** A record that a strategy fired. */
export interface StrategyExecution {
  index: number;
  type: StrategyType;
  dueAt: Timestamp;
  firedAt: Timestamp;
  jobId?: string;
}

/** A session (conversation). */
export interface Session {
  id: string;
  memorySpaceId: string;
  participants: string[];
  description: string | null;
  metadata: JsonObject | null;
  lifecycleStrategies: LifecycleStrategy[];
  /** Starts at 1, +1 per update: pass it back as `ifMatch`. */
  version: number;
  deduplicationKey: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  eventCount: number;
  tokenCount: number;
  lastEventAt: Timestamp | null;
  executedStrategies: StrategyExecution[];
  deletedAt?: Timestamp;
}

/** Input of createSession. */
export interface NewSession {
  participants: string[];
  lifecycleStrategies?: LifecycleStrategy[];
  description?: string | null;
  metadata?: JsonObject | null;
  deduplicationKey?: string | null;
}

/** Input of updateSession. */
export interface SessionUpdate {
  description?: string | null;
  metadata?: JsonObject | null;
  lifecycleStrategies?: LifecycleStrategy[];
  /** Expected current version; stale → `conflict` with details.currentVersion. */
  ifMatch?: number;
}

/** Filters of listSessions. */
export interface SessionFilter extends Page {
  participants?: string[];
  /** Case-insensitive substring (≥ 3 chars). */
  description?: string;
}

/** Who produced an event; a `user` must be a participant. */
export interface Emitter {
  type: string;
  id?: string | null;
}

/** An event. */
export interface Event {
  sessionId: string;
  /** 0, 1, 2… within the session. */
  sequenceId: number;
  eventType: string | null;
  body: Json;
  emitter: Emitter;
  createdAt: Timestamp;
  /** Strictly increases on each update: pass it back as `ifUnmodifiedSince`. */
  updatedAt: Timestamp;
}

/** Input of postEvent / postEvents. */
export interface NewEvent {
  body: Json;
  emitter: Emitter;
  eventType?: string | null;
}

/** Input of listEvents: `offset`+`limit`, or `lastN`; optionally one `eventType`. */
export interface EventQuery extends Page {
  lastN?: number;
  eventType?: string;
}

/** Input of updateEvent / updateEvents: at least one of body, eventType, emitter. */
export interface EventUpdate {
  sequenceId: number;
  body?: Json;
  eventType?: string | null;
  emitter?: Emitter;
  /** Reject with `conflict` if the event was modified after this time. */
  ifUnmodifiedSince?: Timestamp;
}

/** The space's LLM settings, copied into a job. */
export interface LlmSettings {
  llmModelName: string | null;
  llmBaseUrl: string | null;
  customInstructions: string | null;
}

/** A queued memory-extraction job (the outbox). */
export interface ExtractionJob {
  id: string;
  memorySpaceId: string;
  sessionId: string;
  strategyIndex: number;
  strategy: LifecycleStrategy;
  fromSequenceId: number;
  toSequenceId: number;
  dueAt: Timestamp;
  createdAt: Timestamp;
  llm: LlmSettings;
  status: string;
}

/** What one sweep did. */
export interface SweepReport {
  examined: number;
  fired: number;
  staleRemoved: number;
}

/** One write of a KV batch. */
export type KvOp = { type: "put"; key: Uint8Array; value: Uint8Array } | { type: "delete"; key: Uint8Array };
/** A condition checked before a batch applies. */
export type KvPrecondition = { type: "absent"; key: Uint8Array } | { type: "equals"; key: Uint8Array; value: Uint8Array };
/** Ordered writes plus preconditions. */
export interface KvBatch {
  ops: KvOp[];
  preconditions: KvPrecondition[];
}

/**
 * The storage seam, implemented by the caller (Node, Durable Objects, …). Keys compare byte-wise.
 * A failed precondition rejects with `{ code: "conflict" }`; `{ code: "quota" }` or a
 * `QuotaExceededError` means out of space; anything else is a storage error.
 */
export interface KvAdapter {
  /** True when commit is all-or-nothing and isolated (default false: the engine then journals multi-key updates). */
  readonly atomicBatches?: boolean;
  get(key: Uint8Array): Promise<Uint8Array | null | undefined> | Uint8Array | null | undefined;
  getMany(keys: Uint8Array[]): Promise<(Uint8Array | null | undefined)[]> | (Uint8Array | null | undefined)[];
  /** Up to `limit` entries of `[start, end)` (`end = null`: no end), ascending or, when `reverse`, descending. */
  scan(start: Uint8Array, end: Uint8Array | null, limit: number, reverse: boolean): Promise<[Uint8Array, Uint8Array][]> | [Uint8Array, Uint8Array][];
  commit(batch: KvBatch): Promise<void> | void;
}

/** Structural stand-in for the DOM's IDBFactory (e.g. a Storage Bucket's `indexedDB`). */
export interface IDBFactoryLike {
  open(name: string, version?: number): unknown;
}

/** Options of Memspace.open. */
export interface OpenOptions {
  /** Default: "indexeddb" where `indexedDB` exists, else "memory". Not together with `kv`. */
  storage?: "indexeddb" | "memory";
  /** Database (or in-memory store) name; default "memspace". Handles with the same name share data. */
  name?: string;
  /** A caller-supplied storage adapter instead of `storage`. */
  kv?: KvAdapter;
  /** Default { userId: "local", tenantId: "local" }. */
  principal?: Principal;
  /** IndexedDB commit durability; default "strict" (resolve after the data is on disk). */
  durability?: "strict" | "relaxed" | "default";
  /** An IndexedDB factory other than the global one (e.g. a Storage Bucket's). */
  indexedDB?: IDBFactoryLike;
  /** Clock in milliseconds since the epoch (default Date.now). */
  clock?: () => number;
  /** Token counter for the tokenCount trigger (default: a built-in estimate). */
  countTokens?: (text: string) => number;
}

/** A memspace handle for one principal over one store. */
export declare class Memspace {
  private constructor();
  /** Opens a handle; rejects with MemspaceError (`unsupported` for IndexedDB where there is none). */
  static open(options?: OpenOptions): Promise<Memspace>;
  /** Which storage this handle uses. */
  readonly storage: "indexeddb" | "memory" | "adapter";
  /** The calling principal. */
  readonly principal: Principal;
  /** The same store acting for another principal. */
  forPrincipal(principal: Principal): Memspace;
  /** Closes the IndexedDB connection (the next call reopens it). */
  close(): void;
  /** Releases the wasm-side handle. */
  free(): void;

  createSpace(input?: NewSpace): Promise<Space>;
  getSpace(spaceId: string): Promise<Space>;
  listSpaces(page?: Page): Promise<Space[]>;
  updateSpace(spaceId: string, update: SpaceUpdate): Promise<Space>;
  deleteSpace(spaceId: string): Promise<void>;

  createSession(spaceId: string, input: NewSession): Promise<Session>;
  getSession(spaceId: string, sessionId: string): Promise<Session>;
  listSessions(spaceId: string, filter?: SessionFilter): Promise<Session[]>;
  updateSession(spaceId: string, sessionId: string, update: SessionUpdate): Promise<Session>;
  deleteSession(spaceId: string, sessionId: string): Promise<void>;

  postEvent(spaceId: string, sessionId: string, event: NewEvent): Promise<Event>;
  /** Up to 200 events, atomically, in order. */
  postEvents(spaceId: string, sessionId: string, events: NewEvent[]): Promise<Event[]>;
  listEvents(spaceId: string, sessionId: string, query?: EventQuery): Promise<Event[]>;
  updateEvent(spaceId: string, sessionId: string, update: EventUpdate): Promise<Event>;
  /** Up to 200 updates, atomically. */
  updateEvents(spaceId: string, sessionId: string, updates: EventUpdate[]): Promise<Event[]>;

  listExtractionJobs(spaceId: string): Promise<ExtractionJob[]>;
  /** Fires due time triggers across the store (eager lifecycle); limit 1–1,000,000, default 100. */
  sweep(limit?: number): Promise<SweepReport>;
}

export { MemoryKv, conflictError } from "./memory-kv.js";
