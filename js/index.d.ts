// Types of the memspace JS/TS API. Records are plain objects; every method is async and
// rejects with a MemspaceError.

/** Any JSON value (event bodies, session metadata). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };
/** An RFC 3339 UTC timestamp with microseconds, e.g. `2026-01-01T00:00:00.000000Z`. */
export type Timestamp = string;

/** Stable error codes. */
export type ErrorCode = "validation" | "not_found" | "conflict" | "duplicate" | "archived" | "gone" | "quota" | "storage" | "unsupported" | "upstream";

/** The HTTP status a REST facade answers each code with. */
export interface ErrorStatus {
  validation: 422;
  not_found: 404;
  conflict: 409;
  duplicate: 409;
  archived: 409;
  gone: 410;
  quota: 507;
  storage: 500;
  unsupported: 501;
  upstream: 502;
}

/** What `details` holds for each code (camelCase keys). */
export interface ErrorDetails {
  /** `field`: the input path in the caller's spelling (`query.lastn`, `events[2].body`). */
  validation: { field?: string; max?: number; maxDepth?: number; toolError?: true };
  not_found: { kind?: string; id?: string; sequenceId?: number; toolError?: true };
  /** `precondition` names what did not hold; `race` marks a lost race the engine gave up retrying. */
  conflict: {
    precondition?: "ifMatch" | "ifUnmodifiedSince" | "expectedVersion" | "expectedSha256" | "notCurrentVersion" | "executedStrategy" | "logicalKey" | "notExpired" | "jobStatus" | "jobLease";
    currentVersion?: number;
    currentSha256?: string;
    sequenceId?: number;
    updatedAt?: Timestamp;
    race?: true;
    toolError?: true;
    /** `restoreMemory` blocked by a logical key: the key and the memory holding it. */
    logicalKey?: string;
    holderId?: string;
    /** A memory's status where it matters (`restoreMemory` of an expired memory). */
    status?: MemoryStatus;
    /** In the results of an atomic batch that failed: the operation that failed. */
    failedIndex?: number;
  };
  /** `deduplicationKey` for spaces and sessions; an association's (source, target, relationship) has none. */
  duplicate: { existingId: string; deduplicationKey?: string };
  archived: { kind: string; id: string; toolError?: true };
  /** For a memory: its status (`forgotten`, `expired`, `deleted`) and whether `restoreMemory` can bring it back. A session hidden until its extraction job is done has `state: "awaiting_extraction"`, `jobId` and `hiddenSince`. */
  gone: { kind: string; id: string; status?: MemoryStatus; restorable?: boolean; state?: "awaiting_extraction"; jobId?: string; hiddenSince?: Timestamp };
  quota: {};
  storage: { cause?: string };
  /** From loading the WebAssembly module: `wasm` is the URL or path that failed. A missing host capability (`llm`, `embedding`) or a failed embed callback: `capability`. */
  unsupported: { wasm?: string | null; file?: "memspace_bg.wasm" | "memspace_full_bg.wasm"; method?: string; reason?: string; capability?: "llm" | "embedding" };
  /** The host LLM failed: `reason` is "timeout" | "refusal" | "malformed_output" | "truncated" | "http" | "unavailable"; from commitSession also `jobId`. */
  upstream: { reason?: string; status?: number; jobId?: string; causeCode?: string };
}

/** Every error memspace throws: a real `Error` with a stable code, the HTTP status a REST facade would use, and details typed by code. */
export type MemspaceError = {
  [C in ErrorCode]: Error & {
    readonly name: "MemspaceError";
    readonly code: C;
    readonly status: ErrorStatus[C];
    readonly details: ErrorDetails[C];
  };
}[ErrorCode];
/** The class of every error memspace throws (`e instanceof MemspaceError`, then narrow on `e.code`). */
export declare const MemspaceError: {
  new <C extends ErrorCode>(code: C, status: ErrorStatus[C], message: string, details: ErrorDetails[C]): Extract<MemspaceError, { code: C }>;
  readonly prototype: MemspaceError;
};

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
  /** Display name (a workspace's name; 1–200 characters). */
  name?: string;
  /** Discovery tags: a sorted set (≤ 20, each 1–64 characters). */
  tags?: string[];
  /** Application settings, verbatim (≤ 16 KiB). */
  settings?: JsonObject;
}

/** Input of createSpace. */
export interface NewSpace {
  description?: string | null;
  llmModelName?: string | null;
  llmBaseUrl?: string | null;
  customInstructions?: string | null;
  /** A live space of this principal with the same key → `duplicate` (details.existingId). */
  deduplicationKey?: string | null;
  name?: string | null;
  tags?: string[] | null;
  settings?: JsonObject | null;
}

/** Input of updateSpace: absent = unchanged, null = clear, value = set. */
export interface SpaceUpdate {
  description?: string | null;
  llmModelName?: string | null;
  llmBaseUrl?: string | null;
  customInstructions?: string | null;
  name?: string | null;
  /** Replaces the tags (`[]` clears them). */
  tags?: string[] | null;
  /** Replaces the settings (`{}` clears them). */
  settings?: JsonObject | null;
}

/** Offset pagination (limit 1–100, default 100). */
export interface Page {
  offset?: number;
  limit?: number;
}

/** When a strategy fires: exactly one condition, an integer. */
export type Trigger =
  | {
      /** Seconds after the session was created (1–63,072,000: up to two years). */
      ttl: number;
      idle?: never;
      eventCount?: never;
      tokenCount?: never;
    }
  | {
      /** Seconds since the last event, or since creation when there is none (1–63,072,000). */
      idle: number;
      ttl?: never;
      eventCount?: never;
      tokenCount?: never;
    }
  | {
      /** Events posted to the session, counted from its start (1–1,000,000). */
      eventCount: number;
      ttl?: never;
      idle?: never;
      tokenCount?: never;
    }
  | {
      /** Tokens of event content, cumulative (1–100,000,000; `countTokens` or a built-in estimate). */
      tokenCount: number;
      ttl?: never;
      idle?: never;
      eventCount?: never;
    };
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
  /** Last touchSession: `idle` triggers count from the later of this and the last event. */
  touchedAt?: Timestamp;
  /** When a ttl/idle strategy that deletes the session fires if nothing else happens. */
  expiresAt?: Timestamp;
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
  /** The live session holding this key (an index read): zero or one session. */
  deduplicationKey?: string;
}

/** Who produced an event; a `user` must be a participant. */
export interface Emitter {
  type: string;
  id?: string | null;
}

/** An event of a session (named so it does not shadow the DOM's `Event`); `B` types the body. */
export interface SessionEvent<B = Json> {
  sessionId: string;
  /** 0, 1, 2… within the session. */
  sequenceId: number;
  eventType: string | null;
  /** Stored exactly as given: key order and number values kept. */
  body: B;
  emitter: Emitter;
  createdAt: Timestamp;
  /** Strictly increases on each update: pass it back as `ifUnmodifiedSince`. */
  updatedAt: Timestamp;
}

/** Input of postEvent / postEvents: `B` types the body (JSON: no NaN/Infinity, ≤ 256 KiB encoded, ≤ 64 levels deep). */
export interface NewEvent<B extends Json = Json> {
  body: B;
  emitter: Emitter;
  eventType?: string | null;
}

/** Input of listEvents: a page (`offset` + `limit`) or the newest `lastN` (still ascending), optionally of one `eventType`. */
export type EventQuery = (
  | { offset?: number; limit?: number; lastN?: never }
  | {
      /** The newest n events (1–100), in ascending order. */
      lastN: number;
      offset?: never;
      limit?: never;
    }
) & {
  eventType?: string;
};

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

/** Where an extraction job stands. */
export type JobStatus = "pending" | "running" | "done" | "failed";

/** How a job extracts (a strategy's agentId/metadata, or commitSession's arguments). */
export interface ExtractionOptions {
  agentId?: string;
  metadata?: Record<string, unknown>;
  minImportance: number;
  deduplicate: boolean;
  categories: string[];
  maxMemories: number;
}

/** Counts over a job's committed chunks. */
export interface ExtractionStats {
  extracted: number;
  deduplicated: number;
  filtered: number;
  created: number;
  superseded: number;
  corrected: number;
}

/** A failed attempt, kept on the job. */
export interface JobError {
  code: ErrorCode;
  /** For `upstream`: "timeout" | "refusal" | "malformed_output" | "truncated" | "http" | "unavailable". */
  reason?: string;
  message: string;
  attempt: number;
  at: Timestamp;
  /** The model's raw answer when it was unusable (≤ 16 KiB). */
  rawOutput?: string;
}

/** An extraction job: pending → running (leased) → done | failed. */
export interface ExtractionJob {
  id: string;
  memorySpaceId: string;
  sessionId: string;
  /** The session's n-th job. */
  seq: number;
  kind: "strategy" | "commit";
  strategyIndex?: number;
  strategy?: LifecycleStrategy;
  options: ExtractionOptions;
  /** The session is hidden until the job is done, then soft-deleted. */
  softDeleteAfter: boolean;
  fromSequenceId: number;
  toSequenceId: number;
  dueAt: Timestamp;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  llm: LlmSettings;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  /** When runExtraction may take it next (pending: due or backoff end; running: lease end). */
  nextRunAt?: Timestamp;
  leaseUntil?: Timestamp;
  startedAt?: Timestamp;
  finishedAt?: Timestamp;
  /** Where the next chunk starts. */
  cursor: { sequenceId: number; part: number };
  chunksDone: number;
  stats: ExtractionStats;
  /** Created memories by subtype (or type). */
  breakdown: Record<string, number>;
  memoryIds: string[];
  usage: LlmUsage;
  lastError?: JobError;
  sessionDeleted: boolean;
}

/** A chat request to the host LLM (the `llm` option). */
export interface LlmRequest {
  /** "extraction". */
  purpose: string;
  /** The space's llmModelName, if set. */
  model: string | null;
  /** The space's llmBaseUrl, if set (keep API keys on the host side). */
  baseUrl: string | null;
  messages: { role: "system" | "user" | "assistant"; content: string }[];
  /** "json": answer with one JSON object (use the API's JSON mode). */
  format: "json" | "text";
  maxTokens?: number;
  temperature?: number;
}

/** Token usage reported by the model. */
export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** The host LLM's answer: a string, or this object. Reject to fail the attempt (an `AbortError`/`TimeoutError` counts as a timeout). */
export interface LlmResponse {
  text?: string;
  /** The answer already parsed. */
  json?: unknown;
  model?: string;
  finishReason?: string;
  refusal?: string;
  usage?: Partial<LlmUsage>;
}

/** Filters of listExtractionJobs (in id order: by session, then seq). */
export interface JobFilter {
  status?: JobStatus;
  sessionId?: string;
  offset?: number;
  limit?: number;
}

/** Options of runExtraction. */
export interface RunOptions {
  /** 1–100, default 10. */
  limit?: number;
  /** Only this space's jobs (one of the caller's); default: every space of the store. */
  spaceId?: string;
  /** 10–3600, default 300; renewed at every chunk. */
  leaseSecs?: number;
  /** Transcript tokens per model call, 256–100000, default 6000. */
  chunkTokens?: number;
}

/** How one job of a run ended. */
export interface JobOutcome {
  jobId: string;
  memorySpaceId: string;
  sessionId: string;
  status: JobStatus;
  attempts: number;
  memoriesCreated: number;
  /** This run soft-deleted the job's session. */
  sessionDeleted: boolean;
  error?: JobError;
}

/** What runExtraction did. */
export interface RunReport {
  claimed: number;
  done: number;
  retrying: number;
  failed: number;
  sessionsDeleted: number;
  memoriesCreated: number;
  jobs: JobOutcome[];
}

/** Arguments of commitSession. */
export interface CommitOptions {
  /** 0–1, default 0.5. */
  minImportance?: number;
  /** Default true. */
  deduplicate?: boolean;
  /** "fact" | "preference" | "event" | "instruction", a memory type or a subtype. */
  categories?: string[];
  /** 1–500, default 50. */
  maxMemories?: number;
  agentId?: string;
  metadata?: Record<string, unknown>;
}

/** What commitSession did. */
export interface CommitReport {
  sessionId: string;
  jobIds: string[];
  memoriesExtracted: number;
  memoriesDeduplicated: number;
  memoriesFiltered: number;
  memoriesCreated: number;
  memoryIds: string[];
  breakdown: Record<string, number>;
  extractionTimeMs: number;
}

/** Options of pruneExtractionJobs. */
export interface PruneOptions {
  finishedBefore?: Timestamp;
  /** Also prune failed jobs (their hidden sessions are soft-deleted). */
  includeFailed?: boolean;
  /** 1–1000, default 100. */
  limit?: number;
}

/** What one sweep did. */
/** One thing verifySpace found wrong. */
export interface Problem {
  kind: "corrupt" | "dangling" | "count_mismatch";
  /** The record, as `tag/part/…` (numbers as `#n`). */
  key: string;
  message: string;
}

/** What verifySpace found: every problem, not only the first (at most 1,000 listed). */
export interface VerifyReport {
  recordsChecked: number;
  problems: Problem[];
  truncated: boolean;
}

export interface SweepReport {
  examined: number;
  fired: number;
  staleRemoved: number;
  /** Memories whose expiry was recorded. */
  memoriesExpired: number;
}

/** Store and entry metadata: at most 16 string pairs, keys 1–64 characters, values ≤ 512 characters. Passed through verbatim (keys are not renamed). */
export type Metadata = { [key: string]: string };
/** A metadata merge patch: a string sets the key, `null` removes it, keys not named stay. */
export type MetadataPatch = { [key: string]: string | null };

/** Whether a store accepts entry writes (`archived` is irreversible). */
export type StoreStatus = "active" | "archived";

/** A memory store: named, path-addressed documents inside a memory space. */
export interface MemoryStore {
  /** `memstore_…` */
  id: string;
  memorySpaceId: string;
  /** Trimmed, 1–64 characters (not unique). */
  name: string;
  /** Trimmed, ≤ 1,024 characters; `""` when none was given. */
  description: string;
  status: StoreStatus;
  /** Live entries; exact. */
  entryCount: number;
  /** Sum of the live entries' `size` in bytes; exact. */
  totalSize: number;
  metadata: Metadata;
  /** Present only when `status` is `"archived"`. */
  archivedAt?: Timestamp;
  createdAt: Timestamp;
  /** Last change of name, description, metadata or status (entry writes do not touch it). */
  updatedAt: Timestamp;
}

/** Input of createStore. */
export interface NewStore {
  name: string;
  description?: string;
  metadata?: Metadata;
}

/** Input of updateStore: absent fields stay; `archived` on an archived store. */
export interface StoreUpdate {
  name?: string;
  /** `""` clears it. */
  description?: string;
  metadata?: MetadataPatch;
}

/** Options of listStores (creation order). */
export interface StoreQuery extends Page {
  /** Include archived stores (default false). */
  includeArchived?: boolean;
}

/** An entry as lists return it: everything but the content. */
export interface MemoryEntrySummary {
  /** `mem_…`; kept across renames. */
  id: string;
  storeId: string;
  /** Relative path, e.g. `projects/acme/status.md` (≤ 1,024 bytes, no leading `/`, no empty, `.` or `..` segment). */
  path: string;
  /** Content size in UTF-8 bytes. */
  size: number;
  /** Lowercase hex SHA-256 of the exact content bytes: pass it back as `expectedSha256`. */
  contentSha256: string;
  /** 1 on create, +1 per update that changes something: pass it back as `expectedVersion`. */
  version: number;
  metadata: Metadata;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** An entry with its content (createEntry, getEntry, getEntryByPath, updateEntry). */
export interface MemoryEntry extends MemoryEntrySummary {
  /** Stored exactly as given. */
  content: string;
}

/** Input of createEntry; a path in use is `conflict`, an archived store `archived`. */
export interface NewEntry {
  path: string;
  /** Not blank, ≤ 102,400 UTF-8 bytes. */
  content: string;
  metadata?: Metadata;
}

/** Optimistic preconditions: a stale value is `conflict` (details.precondition names it). */
export interface EntryPrecondition {
  expectedVersion?: number;
  /** 64 hex digits (case-insensitive). */
  expectedSha256?: string;
}

/** Input of updateEntry: at least one of content, path (a rename), metadata. */
export interface EntryUpdate extends EntryPrecondition {
  content?: string;
  path?: string;
  metadata?: MetadataPatch;
}

/** Options of listEntries (path order, no content). */
export interface EntryQuery extends Page {
  /** Directory-like prefix: `""` (default) = all; `a/b` and `a/b/` list what is inside `a/b`. */
  prefix?: string;
}

/** What a version records. */
export type VersionAction = "created" | "updated" | "deleted";

/** A version as lists return it (never with content). */
export interface MemoryVersionSummary {
  /** `memver_…`; ids of one store sort in recording order. */
  id: string;
  storeId: string;
  /** Still listed after the entry is deleted. */
  entryId: string;
  /** The entry's path when this version was recorded. */
  entryPath: string;
  /** The entry version it produced (a delete records last + 1). */
  entryVersion: number;
  size: number;
  contentSha256: string;
  action: VersionAction;
  /** True once the content was erased from storage. */
  redacted: boolean;
  /** Present only when `redacted`. */
  redactedAt?: Timestamp;
  createdAt: Timestamp;
}

/** A version from getVersion / redactVersion. */
export interface MemoryVersion extends MemoryVersionSummary {
  /** Only from getVersion, never for `deleted` or redacted versions. */
  content?: string;
}

/** Options of listVersions (newest first, no content). */
export interface VersionQuery extends Page {
  /** Versions of one entry (also after its deletion); absent = the whole store. */
  entryId?: string;
}

/**
 * One command of Anthropic's memory tool (`memory_20250818`), as the model sends it; paths
 * are under `/memories`. Field names are the tool's own (snake_case), passed through verbatim.
 */
export type MemoryToolCommand =
  | { command: "view"; path: string; view_range?: [number, number] }
  | { command: "create"; path: string; file_text: string }
  | { command: "str_replace"; path: string; old_str: string; new_str: string }
  | { command: "insert"; path: string; insert_line: number; insert_text: string }
  | { command: "delete"; path: string }
  | { command: "rename"; old_path: string; new_path: string };

// ---- core blocks, archival recall, the memory context, working context, workspaces ----

/** Who a block belongs to. */
export type BlockScope = "user" | "agent";

/** A core memory block. */
export interface MemoryBlock {
  id: string;
  /** `core` or a named type (1–64 of a-z 0-9 _ - .; not `archival`). */
  blockType: string;
  content: string;
  scope: BlockScope;
  agentId?: string;
  description?: string;
  limitTokens: number;
  limitBytes: number;
  readOnly: boolean;
  tokens: number;
  version: number;
  createdAt: Timestamp;
  /** Strictly increases with every change: the expectedUpdatedAt of the next write. */
  updatedAt: Timestamp;
}

/** Input of updateBlock. */
export interface BlockWrite {
  content: string;
  /** The agent whose block it is (absent: the user's). */
  agentId?: string | null;
  /** Absent/null: create a missing block only; else the updatedAt last read (stale → `conflict` with details.currentUpdatedAt). */
  expectedUpdatedAt?: Timestamp | null;
  /** `""` clears it. */
  description?: string | null;
  /** 1–16,384 (default 2,000). */
  limitTokens?: number | null;
  /** 1–65,536 (default 8,192). */
  limitBytes?: number | null;
  readOnly?: boolean | null;
}

/** Input of listBlocks. */
export interface BlockQuery {
  /** Default: "agent" with agentId, else "user". */
  scope?: "user" | "agent" | "all" | null;
  agentId?: string | null;
}

/** One recorded state of a block. */
export interface BlockVersion {
  version: number;
  change: "created" | "updated" | "deleted";
  block?: MemoryBlock;
  recordedAt: Timestamp;
}

/** Input of recallArchival. */
export interface ArchivalQuery {
  query: string;
  agentId?: string | null;
  /** 1–100 (default 10). */
  limit?: number | null;
  /** 0–1 (default 0). */
  minScore?: number | null;
}

/** One archival match (archival memory is the space's memories). */
export interface ArchivalMatch {
  content: string;
  score: number;
  blockType: "archival";
  scope: BlockScope;
  agentId?: string;
  lineNumber: number;
  updatedAt: Timestamp;
  memoryId: string;
}

/** Per-run memory policy. */
export interface MemoryPolicy {
  /** Default "tool_only". */
  archivalMode?: "tool_only" | "auto" | null;
  /** 1–50 (default 5). */
  archivalLimit?: number | null;
  /** 0–1 (default 0.25). */
  archivalMinScore?: number | null;
  includeUserCore?: boolean | null;
  includeAgentCore?: boolean | null;
}

/** Input of contextFor. */
export interface ContextRequest {
  agentId?: string | null;
  sessionId?: string | null;
  /** Default: the session's newest user message. */
  query?: string | null;
  /** 1–1,000,000 (default 4,096); never exceeded. */
  budgetTokens?: number | null;
  policy?: MemoryPolicy;
  /** Re-read the blocks instead of the handle's snapshot. */
  refresh?: boolean;
}

/** One part of the context, in render order. */
export interface ContextPart {
  kind: "user_core" | "agent_core" | "events" | "archival";
  rendered: string;
  tokens: number;
  included: number;
  omitted: number;
}

/** What contextFor returns. */
export interface MemoryContext {
  /** The text to send: the non-empty parts joined by a line break. */
  rendered: string;
  /** ≤ budgetTokens. */
  tokens: number;
  budgetTokens: number;
  parts: ContextPart[];
  /** The block parts: the same bytes turn after turn until a block changes. */
  snapshot: { hash: string; tokens: number; blocksVersion?: string; reused: boolean };
  blocks: MemoryBlock[];
  events: SessionEvent[];
  archival: ArchivalMatch[];
  query?: string;
}

/** A working-context entry. */
export interface ContextEntry {
  key: string;
  value: Json;
  ttlSeconds?: number;
  expiresAt?: Timestamp;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** What touchSession returns. */
export interface SessionTouch {
  sessionId: string;
  touchedAt: Timestamp;
  expiresAt?: Timestamp;
}

/** Input of findSpaces. */
export interface SpaceQuery {
  tags?: string[];
  /** Default "all". */
  match?: "all" | "any";
  offset?: number;
  limit?: number;
}

/** Input of briefing. */
export interface BriefingQuery {
  /** 1–43,200 (default 60). */
  lookbackMinutes?: number | null;
  /** 1–100 (default 10). */
  limit?: number | null;
  includeMemories?: boolean | null;
  includeContradictions?: boolean | null;
}

/** What briefing returns. Memories are the memory records as the memories API returns them. */
export interface Briefing {
  since: Timestamp;
  until: Timestamp;
  summary: {
    totalMemories: number;
    supersededMemories: number;
    totalAssociations: number;
    recentMemories: number;
    recentlySuperseded: number;
    memoryTypes: { [type: string]: number };
    activeTopics: string[];
    activeSessions: number;
    truncated: boolean;
  };
  newMemories: JsonObject[];
  supersededMemories: JsonObject[];
  contradictions: {
    memoryA: string;
    memoryB: string;
    relationship: "supersedes";
    needsResolution: boolean;
    logicalKey?: string;
    detectedAt: Timestamp;
  }[];
  activeSessions: {
    sessionId: string;
    description?: string;
    participants: string[];
    eventCount: number;
    lastActivityAt: Timestamp;
    expiresAt?: Timestamp;
  }[];
}

/** What workspaceSchema returns. */
export interface WorkspaceSchema {
  relationshipTypes: { name: string; category: string; description: string; inverse: string | null }[];
  memoryTypes: string[];
  memorySubtypes: string[];
  canCustomize: false;
}

/** One write of a KV batch. */
// ---- memories and associations (docs/memories.md) ---------------------------------------

/** What kind of memory it is. */
export type MemoryType = "episodic" | "semantic" | "procedural" | "working";
/** The twelve subtypes. */
export type MemorySubtype =
  | "solution" | "problem" | "code_pattern" | "fix" | "error" | "workflow"
  | "preference" | "decision" | "profile" | "entity" | "event" | "directive";
/** Where a memory stands (expiry applied as of the read). */
export type MemoryStatus = "active" | "superseded" | "forgotten" | "expired" | "deleted";
/** What produced a memory's current version. */
export type MemoryChange = "created" | "updated" | "decayed" | "superseded" | "forgotten" | "restored" | "expired" | "deleted";

/** Where a memory came from (set by extraction, or by the caller). */
export interface Provenance {
  /** A label such as `"user"`, `"agent"`, `"extraction"` (≤ 64 characters). */
  source?: string;
  sessionId?: string;
  /** First event (sequence id) it was learned from. */
  eventFrom?: number;
  /** Last event (sequence id, inclusive). */
  eventTo?: number;
  jobId?: string;
  agentId?: string;
}

/** A memory. */
export interface Memory {
  /** `mry_…` */
  id: string;
  memorySpaceId: string;
  /** The text (`""` only on a hard-forgotten tombstone). */
  content: string;
  type: MemoryType;
  subtype?: MemorySubtype;
  /** 0–1. */
  importance: number;
  /** A set, sorted. */
  tags: string[];
  metadata: JsonObject;
  contextId?: string;
  /** e.g. `"user.city"`: a newer memory with the same key supersedes this one. */
  logicalKey?: string;
  provenance?: Provenance;
  /** Lowercase hex SHA-256 of the content (`""` on a tombstone). */
  contentHash: string;
  status: MemoryStatus;
  /** 1 on remember, +1 on every change: the `expectedVersion` token. */
  version: number;
  lastChange: MemoryChange;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  /** When it became true. */
  validAt: Timestamp;
  /** When it stopped being true (set by supersession). */
  invalidAt?: Timestamp;
  /** When it stops being shown. */
  expiresAt?: Timestamp;
  supersededBy?: string;
  forgottenAt?: Timestamp;
}

/** Input of `remember`. */
export interface NewMemory {
  /** Not blank, ≤ 16 KiB; stored exactly as given. */
  content: string;
  /** Default: from the subtype, else `"semantic"`. */
  type?: MemoryType;
  subtype?: MemorySubtype;
  /** 0–1, default 0.5. */
  importance?: number;
  /** ≤ 32 tags of 1–64 characters; duplicates collapse. */
  tags?: string[];
  /** ≤ 16 KiB encoded. */
  metadata?: JsonObject;
  /** 1–128 characters. */
  contextId?: string;
  /** 1–128 characters: supersedes the active memory holding it, in the same commit. */
  logicalKey?: string;
  /** Default: now. */
  validAt?: Timestamp;
  /** In the future. */
  expiresAt?: Timestamp;
  provenance?: Provenance;
  /** 1–128 characters: a used key returns the first memory (`replayed`). */
  idempotencyKey?: string;
}

/** What `remember` did. */
export interface Remembered {
  memory: Memory;
  /** True when an idempotency key, or the same content, context and logical key of an active memory, matched: that memory is returned unchanged. */
  replayed: boolean;
  /** The memory this one superseded. */
  supersededId?: string;
}

/** Input of `updateMemory`: at least one of content, importance, tags, metadata. */
export interface MemoryUpdate {
  content?: string;
  importance?: number;
  /** Replaces the tag set. */
  tags?: string[];
  /** Replaces the metadata object. */
  metadata?: JsonObject;
  /** Reject with `conflict` unless the memory is at this version. */
  expectedVersion?: number;
}

/** Filters of `listMemories` (all must match) and paging. */
export interface MemoryQuery extends Page {
  type?: MemoryType;
  subtype?: MemorySubtype;
  /** Memories carrying every one of these tags. */
  tags?: string[];
  contextId?: string;
  logicalKey?: string;
  /** Default `["active"]`; `["active", "superseded"]` with `logicalKey` is a key's history. */
  statuses?: MemoryStatus[];
}

/** Exact counts by stored status, and of associations. */
export interface MemoryStats {
  /** Including memories past `expiresAt` whose expiry `sweep` has not recorded yet. */
  active: number;
  superseded: number;
  forgotten: number;
  expired: number;
  deleted: number;
  /** Stored associations (hidden ones included). */
  associations: number;
}

/** What `traceMemory` returns. */
export interface MemoryTrace {
  /** In any status (a tombstone after a hard forget). */
  memory: Memory;
  /** Earlier versions, newest first (≤ 100). */
  history: Memory[];
  historyTruncated: boolean;
  /** The association chain around it, superseded memories included. */
  associations: Traversal;
}

/** One operation of `batchMemories`. */
export type BatchOp =
  | ({ op: "create" } & NewMemory)
  | ({ op: "update"; memoryId: string } & MemoryUpdate)
  | { op: "delete"; memoryId: string; hard?: boolean };

/** The result of one batch operation. */
export interface BatchOpResult {
  index: number;
  type: "create" | "update" | "delete";
  /** `skipped`: not applied because another operation of an atomic batch failed. */
  status: "success" | "error" | "skipped";
  memoryId?: string;
  /** A create that matched an existing memory. */
  replayed: boolean;
  /** Why it failed (for `skipped`: `details.failedIndex` names the failing operation). */
  error?: MemspaceError;
}

/** What `batchMemories` did. */
export interface BatchResult {
  totalOperations: number;
  successful: number;
  failed: number;
  atomic: boolean;
  results: BatchOpResult[];
}

/** A typed, weighted edge `sourceId → targetId`. */
export interface Association {
  /** `asc_…` */
  id: string;
  memorySpaceId: string;
  sourceId: string;
  targetId: string;
  /** One of `relationshipTypes()`. */
  relationship: string;
  /** 0–1. */
  strength: number;
  metadata: JsonObject;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** Input of `associate`. */
export interface NewAssociation {
  targetId: string;
  relationship: string;
  /** 0–1, default 0.5. */
  strength?: number;
  /** ≤ 4 KiB encoded. */
  metadata?: JsonObject;
}

/** Input of `updateAssociation`: at least one field. */
export interface AssociationUpdate {
  strength?: number;
  metadata?: JsonObject;
}

/** Edges leaving a memory, entering it, or both. */
export type Direction = "out" | "in" | "both";

/** Filters of `getAssociations` and paging. */
export interface AssociationQuery extends Page {
  /** Default `"both"` (outgoing first). */
  direction?: Direction;
  relationships?: string[];
  /** Also edges to superseded memories. */
  includeSuperseded?: boolean;
}

/** Input of `traverse`. */
export interface TraverseQuery {
  /** 1–5, default 2. */
  maxDepth?: number;
  direction?: Direction;
  /** 0–1, default 0. */
  minStrength?: number;
  relationshipTypes?: string[];
  /** 1–500, default 50. */
  maxNodes?: number;
  includeSuperseded?: boolean;
}

/** The path from the start to one reached memory. */
export interface GraphPath {
  memoryIds: string[];
  /** The edges walked, one per hop (possibly against their direction). */
  associations: Association[];
  /** Product of the edges' strengths. */
  strength: number;
  depth: number;
}

/** What a traversal reached: one shortest path per memory, breadth first, stronger edges first. */
export interface Traversal {
  startId: string;
  paths: GraphPath[];
  nodes: Memory[];
  /** `maxNodes` stopped it. */
  truncated: boolean;
}

/** One relationship type of the closed list. */
export interface RelationshipType {
  name: string;
  category: "hierarchical" | "causal" | "temporal" | "similarity" | "learning" | "refinement" | "reference" | "solution" | "context" | "workflow" | "quality";
  description: string;
  inverse: string | null;
}

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
  /** Longest key the store accepts, in bytes of memspace's keys (e.g. 512 for Workers KV). */
  readonly maxKeyBytes?: number;
  /** Largest value it accepts; bigger writes are refused with a `validation` MemspaceError. */
  readonly maxValueBytes?: number;
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

/** The runtime's own class, where its lib declares one (no DOM or Node types required). */
type Global<K extends string> = typeof globalThis extends { [P in K]: abstract new (...args: never[]) => infer T } ? T : never;
/** Where the WebAssembly module comes from: a URL or path, a fetch() Response, the file's bytes, or a compiled module. */
export type WasmSource = string | Global<"URL"> | Global<"Response"> | ArrayBuffer | ArrayBufferView | (typeof globalThis extends { WebAssembly: { Module: abstract new (...args: never[]) => infer M } } ? M : never);

/** Options of Memspace.open. */
export interface OpenOptions {
  /**
   * Where the WebAssembly module comes from, read on the first open() only. Default:
   * `memspace_bg.wasm` next to the package's JS (bundlers that follow
   * `new URL("…", import.meta.url)` emit it; otherwise copy it and pass its URL). A URL or
   * path, a fetch() Response, the file's bytes, or a compiled `WebAssembly.Module`.
   */
  wasm?: WasmSource;
  /**
   * Where the full WebAssembly module comes from (memories, recall, blocks, context,
   * extraction, memory stores, ...), read when a method first needs it. Default:
   * `memspace_full_bg.wasm` next to the package's JS. The same kinds of source as `wasm`.
   */
  fullWasm?: WasmSource;
  /** Default: "indexeddb" where `indexedDB` exists, else "memory". Not together with `kv`. */
  storage?: "indexeddb" | "memory";
  /** Database (or in-memory store) name; default "memspace". Handles with the same name share data. */
  name?: string;
  /** `storage: "memory"`: most bytes of keys and values it holds (default and maximum 1 GiB); a write past it is `quota`, nothing applied. */
  maxBytes?: number;
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
  /**
   * The embedding capability: one vector per text, in order, of `embeddingModel.dimensions`
   * (required with it). Memories are embedded when written, queries when recalled; a
   * rejection fails that call with `unsupported` (`details.capability: "embedding"`).
   */
  embed?: (texts: string[]) => Promise<Vector[]> | Vector[];
  /** The model `embed` uses; a space keeps vectors of one model (another one is `validation`). */
  embeddingModel?: EmbeddingModel;
  /** The LLM for memory extraction: without it, jobs stay queued and runExtraction rejects with `unsupported`. */
  llm?: (request: LlmRequest) => Promise<LlmResponse | string> | LlmResponse | string;
}

/** A memspace handle for one principal over one store. */
export declare class Memspace {
  private constructor();
  /** Opens a handle (loading the WebAssembly module first); rejects with MemspaceError (`unsupported` where IndexedDB or the module is missing). Unknown options are `validation`. */
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
  /** Undoes deleteSpace: the space comes back with its sessions, events, stores and key. */
  restoreSpace(spaceId: string): Promise<Space>;
  /** Walks a space's records; reports every corrupt value, dangling reference, count mismatch. */
  verifySpace(spaceId: string): Promise<VerifyReport>;

  createSession(spaceId: string, input: NewSession): Promise<Session>;
  getSession(spaceId: string, sessionId: string): Promise<Session>;
  listSessions(spaceId: string, filter?: SessionFilter): Promise<Session[]>;
  updateSession(spaceId: string, sessionId: string, update: SessionUpdate): Promise<Session>;
  deleteSession(spaceId: string, sessionId: string): Promise<void>;

  postEvent<B extends Json = Json>(spaceId: string, sessionId: string, event: NewEvent<B>): Promise<SessionEvent<B>>;
  /** Up to 200 events, atomically, in order. */
  postEvents<B extends Json = Json>(spaceId: string, sessionId: string, events: NewEvent<B>[]): Promise<SessionEvent<B>[]>;
  /** `B` is what you know the bodies to be (not checked at run time). */
  listEvents<B = Json>(spaceId: string, sessionId: string, query?: EventQuery): Promise<SessionEvent<B>[]>;
  updateEvent<B = Json>(spaceId: string, sessionId: string, update: EventUpdate): Promise<SessionEvent<B>>;
  /** Up to 200 updates, atomically. */
  updateEvents<B = Json>(spaceId: string, sessionId: string, updates: EventUpdate[]): Promise<SessionEvent<B>[]>;
  /** Deletes one event: later events keep their ids, listings skip it; a deleted id is then `gone`. */
  deleteEvent(spaceId: string, sessionId: string, sequenceId: number): Promise<void>;

  createStore(spaceId: string, input: NewStore): Promise<MemoryStore>;
  getStore(spaceId: string, storeId: string): Promise<MemoryStore>;
  listStores(spaceId: string, query?: StoreQuery): Promise<MemoryStore[]>;
  updateStore(spaceId: string, storeId: string, update: StoreUpdate): Promise<MemoryStore>;
  /** Irreversible, idempotent: entries and versions stay readable; entry create/update then fail with `archived`. */
  archiveStore(spaceId: string, storeId: string): Promise<MemoryStore>;
  /** Deletes the store with all its entries and versions (irreversible). */
  deleteStore(spaceId: string, storeId: string): Promise<void>;

  createEntry(spaceId: string, storeId: string, input: NewEntry): Promise<MemoryEntry>;
  getEntry(spaceId: string, storeId: string, entryId: string): Promise<MemoryEntry>;
  getEntryByPath(spaceId: string, storeId: string, path: string): Promise<MemoryEntry>;
  listEntries(spaceId: string, storeId: string, query?: EntryQuery): Promise<MemoryEntrySummary[]>;
  /** A stale expectedVersion / expectedSha256 is `conflict`, unless the entry already is exactly as requested. */
  updateEntry(spaceId: string, storeId: string, entryId: string, update: EntryUpdate): Promise<MemoryEntry>;
  /** Allowed on archived stores; the versions stay, plus a `deleted` one. */
  deleteEntry(spaceId: string, storeId: string, entryId: string, precondition?: EntryPrecondition): Promise<void>;

  listVersions(spaceId: string, storeId: string, query?: VersionQuery): Promise<MemoryVersionSummary[]>;
  getVersion(spaceId: string, storeId: string, versionId: string): Promise<MemoryVersion>;
  /** Erases the content from storage; the record stays (`redacted: true`). The current version of a live entry is `conflict`. */
  redactVersion(spaceId: string, storeId: string, versionId: string): Promise<MemoryVersion>;

  /**
   * Runs one memory-tool command (an object, or the JSON text the model sent) and resolves to
   * the tool's text. A command the tool refuses rejects with a MemspaceError whose `message`
   * is the text to return to the model (`is_error: true`) and whose `details.toolError` is true.
   */
  memoryTool(spaceId: string, storeId: string, command: MemoryToolCommand | string): Promise<string>;

  /** Stores a memory (replay, supersession by logical key: docs/memories.md). */
  remember(spaceId: string, input: NewMemory): Promise<Remembered>;
  /** An active or superseded memory; `gone` (details `status`, `restorable`) for forgotten, expired and deleted ones. */
  getMemory(spaceId: string, memoryId: string): Promise<Memory>;
  /** Newest first. */
  listMemories(spaceId: string, query?: MemoryQuery): Promise<Memory[]>;
  /** A stale expectedVersion is `conflict`, unless the memory already is exactly as requested. */
  updateMemory(spaceId: string, memoryId: string, update: MemoryUpdate): Promise<Memory>;
  /** importance × (1 − rate); rate 0–1, default 0.1. */
  decayMemory(spaceId: string, memoryId: string, rate?: number): Promise<Memory>;
  /** Soft by default (hidden, restorable); `{ hard: true }` erases content, history, links and index entries, leaving a tombstone. */
  forgetMemory(spaceId: string, memoryId: string, options?: { hard?: boolean }): Promise<void>;
  restoreMemory(spaceId: string, memoryId: string): Promise<Memory>;
  /** Depth 0–5, default 2. */
  traceMemory(spaceId: string, memoryId: string, options?: { depth?: number }): Promise<MemoryTrace>;
  /** 1–100 operations; `{ atomic: true }`: all in one commit or none. */
  batchMemories(spaceId: string, operations: BatchOp[], options?: { atomic?: boolean }): Promise<BatchResult>;
  memoryStats(spaceId: string): Promise<MemoryStats>;

  /** The closed list of relationship types (synchronous). */
  relationshipTypes(): RelationshipType[];
  /** The same (source, target, relationship) twice is `duplicate` (details `existingId`). */
  associate(spaceId: string, sourceId: string, input: NewAssociation): Promise<Association>;
  getAssociations(spaceId: string, memoryId: string, query?: AssociationQuery): Promise<Association[]>;
  updateAssociation(spaceId: string, associationId: string, update: AssociationUpdate): Promise<Association>;
  deleteAssociation(spaceId: string, associationId: string): Promise<void>;
  traverse(spaceId: string, startId: string, query?: TraverseQuery): Promise<Traversal>;

  /** Creates (no expectedUpdatedAt) or replaces a block; a stale token is `conflict` carrying details.currentUpdatedAt. */
  updateBlock(spaceId: string, blockType: string, write: BlockWrite): Promise<MemoryBlock>;
  getBlock(spaceId: string, blockType: string, options?: { agentId?: string | null }): Promise<MemoryBlock>;
  listBlocks(spaceId: string, query?: BlockQuery): Promise<MemoryBlock[]>;
  deleteBlock(spaceId: string, blockType: string, options?: { agentId?: string | null; expectedUpdatedAt?: Timestamp | null }): Promise<void>;
  listBlockVersions(spaceId: string, blockType: string, query?: { agentId?: string | null; offset?: number; limit?: number }): Promise<BlockVersion[]>;
  /** Searches archival memory (the space's memories): the user's, and with agentId also that agent's. */
  recallArchival(spaceId: string, query: ArchivalQuery): Promise<ArchivalMatch[]>;
  /** The memory context of one model turn, within budgetTokens: call it before every model call. */
  contextFor(spaceId: string, request?: ContextRequest): Promise<MemoryContext>;
  setContext(spaceId: string, sessionId: string, key: string, value: Json, options?: { ttlSeconds?: number | null }): Promise<ContextEntry>;
  /** The named keys that are set and live, or every live key without `keys`. */
  getContext(spaceId: string, sessionId: string, keys?: string[] | null): Promise<ContextEntry[]>;
  deleteContext(spaceId: string, sessionId: string, key: string): Promise<boolean>;
  /** Marks a session active now: its idle strategies count from now. */
  touchSession(spaceId: string, sessionId: string): Promise<SessionTouch>;
  findSpaces(query?: SpaceQuery): Promise<Space[]>;
  /** The live space holding a deduplication key (a caller-chosen workspace id), or null. */
  spaceByKey(key: string): Promise<Space | null>;
  workspaceSchema(spaceId: string): Promise<WorkspaceSchema>;
  /** What changed in a space lately (from records; no LLM). */
  briefing(spaceId: string, query?: BriefingQuery): Promise<Briefing>;

  /** Claims and runs due extraction jobs (needs the `llm` option); also soft-deletes sessions whose job is done. */
  runExtraction(options?: RunOptions): Promise<RunReport>;
  /** Extracts memories from a live session now; a model failure rejects with `upstream` and the job stays queued. */
  commitSession(spaceId: string, sessionId: string, options?: CommitOptions): Promise<CommitReport>;
  listExtractionJobs(spaceId: string, filter?: JobFilter): Promise<ExtractionJob[]>;
  getExtractionJob(spaceId: string, jobId: string): Promise<ExtractionJob>;
  /** A failed job back to pending; `conflict` for any other. */
  retryExtractionJob(spaceId: string, jobId: string): Promise<ExtractionJob>;
  /** Removes finished jobs; resolves to how many. */
  pruneExtractionJobs(spaceId: string, options?: PruneOptions): Promise<number>;
  /** Fires due time triggers across the store (eager lifecycle); limit 1–1,000,000, default 100. */
  sweep(limit?: number): Promise<SweepReport>;

  /**
   * The memories that matter for a query (docs/recall.md): lexical, vector and exact
   * tag/key channels fused, thresholded, biased by importance and recency, never a
   * forgotten, expired or (unless `validAt` says so) superseded memory.
   */
  recall(spaceId: string, query: string | RecallQuery): Promise<RecallResult>;
  /** A synthesis over recalled memories by the host LLM; `unsupported` without one. */
  reflect(spaceId: string, query: string | ReflectQuery): Promise<ReflectResult>;
  /** Rebuilds the index from the records, step by step (`onProgress` after each); resolves to the last progress. */
  reindex(spaceId: string, options?: ReindexOptions): Promise<ReindexProgress>;
  /** Compares a space's index with its records. */
  checkIndex(spaceId: string): Promise<IndexCheck>;
}

// ---- recall (docs/recall.md) ---------------------------------------------------------------

/** The embedding model the `embed` option's vectors come from. */
export interface EmbeddingModel {
  /** The model's name, 1–128 characters (e.g. `"bge-small-en-v1.5"`); a space keeps vectors of one model. */
  id: string;
  /** Dimensions of every vector, 1–4096. */
  dimensions: number;
}

/** A vector: a Float32Array, a Float64Array or an array of finite numbers. */
export type Vector = Float32Array | Float64Array | number[];

/** How recall searches: `rag` (default) fuses the channels; `llm` and `hybrid` use the host LLM to rewrite the query. */
export type RecallMode = "rag" | "llm" | "hybrid";
/** Relevance floors: strict 0.6, moderate 0.3 (default), loose 0.15. */
export type Tolerance = "strict" | "moderate" | "loose";

/** Input of `recall`. */
export interface RecallQuery {
  /** 1–4,096 characters; blank only with `embedding`. */
  query: string;
  /** Only these memory types (`semantic`, `episodic`, …). */
  types?: string[];
  /** Only these memory subtypes. */
  subtypes?: string[];
  /** Only memories carrying every one of these tags. */
  tags?: string[];
  /** 1–100, default 10. */
  limit?: number;
  /** 0–1,000, default 0. */
  offset?: number;
  mode?: RecallMode;
  /** ≤ 1; unset: the tolerance floor; ≤ 0: no threshold at all. */
  minRelevance?: number;
  tolerance?: Tolerance;
  /** 0–1, default 0.2: weight of recency in the score. */
  recencyWeight?: number;
  /** Add memories linked to the results (default true). */
  includeAssociations?: boolean;
  /** Hops, 0–5 (default 2). */
  traverseDepth?: number;
  /** Linked memories added at most, 1–500 (default 50). */
  maxExpansion?: number;
  /** Created at or after. */
  createdAfter?: Timestamp;
  /** Created before. */
  createdBefore?: Timestamp;
  /** Recall as of this time (default now): memories valid then, superseded ones included. */
  validAt?: Timestamp;
  /** Stop adding results once their content would pass this many tokens. */
  budgetTokens?: number;
  /** Per-channel ranks and scores and the bias terms on each result. */
  explain?: boolean;
  /** The query's vector, of the space's model (else the `embed` option makes one). */
  embedding?: Vector;
}

/** Where a result stood in one channel. */
export interface ChannelScore {
  /** 1-based. */
  rank: number;
  /** The channel's own score (BM25, cosine, share of the query a tag/key spells). */
  score: number;
  /** In [0, 1]. */
  relevance: number;
}

/** Why a result scored what it did. */
export interface RecallExplain {
  lexical: ChannelScore | null;
  vector: ChannelScore | null;
  exact: ChannelScore | null;
  /** Relevance-weighted reciprocal-rank sum. */
  rrf: number;
  /** `rrf` normalised to [0, 1]. */
  fused: number;
  /** 0.8–1.0. */
  importanceFactor: number;
  /** 1 − recencyWeight … 1. */
  recencyFactor: number;
  ageHours: number;
  /** For an association result: the result it was reached from. */
  via: string | null;
}

/** One recalled memory: every field of the memory record (id, content, type, tags, …) and its scores. */
export interface RecalledMemory extends Memory {
  /** Relevance to the query in [0, 1] (what thresholds compare). */
  relevanceScore: number;
  /** The ranking score in [0, 1]: fused relevance with the importance and recency bias. */
  boostedScore: number;
  /** Found by the query, or linked to a result. */
  source: "search" | "association";
  /** With `explain`. */
  explain?: RecallExplain;
}

/** How much of a token budget the results used. */
export interface BudgetSummary {
  budgetTokens: number;
  usedTokens: number;
  /** Results left out because they did not fit. */
  omitted: number;
}

/** What `recall` returns. */
export interface RecallResult {
  /** Best first. */
  memories: RecalledMemory[];
  /** Results above the threshold in all (before offset, limit and budget). */
  totalCount: number;
  modeUsed: RecallMode;
  queryTokens: number;
  searchLatencyMs: number;
  /** `weak` also means "nothing relevant is remembered": say so rather than guess. */
  retrievalConfidence: "strong" | "moderate" | "weak";
  confidenceReasons: string[];
  /** With `budgetTokens`. */
  budgetSummary?: BudgetSummary;
  /** The association paths that brought in `association` results. */
  relationPaths: Array<{ memoryIds: string[]; strength: number; [field: string]: unknown }>;
}

/** Input of `reflect`. */
export interface ReflectQuery {
  /** 1–4,096 characters. */
  query: string;
  /** 1–8,192. */
  maxTokens?: number;
  includeSources?: boolean;
}

/** What `reflect` returns. */
export interface ReflectResult {
  reflection: string;
  /** Ids of the memories the synthesis was given (with `includeSources`). */
  sourceMemories: string[];
  /** strong 0.9, moderate 0.6, weak 0.3. */
  confidence: number;
  tokensProcessed: number;
}

/** Progress of `reindex` (totals of this run). */
export interface ReindexProgress {
  /** Memory records looked at. */
  processed: number;
  /** Memories indexed. */
  indexed: number;
  /** Index entries removed because no indexable record backs them. */
  removed: number;
  /** Where to resume; null when done. */
  cursor: string | null;
  done: boolean;
  /** Memory records of the space (any status): `processed` reaches it when a rebuild from the start is done. */
  total: number;
}

/** Options of `reindex`. */
export interface ReindexOptions {
  /** Memories per step, 1–1,000 (default 200). */
  batchSize?: number;
  /** Resume after this memory id (a progress's `cursor`). */
  cursor?: string | null;
  /** Called after each step with the totals so far; returning `false` stops there. A throw stops it and rejects with what was thrown. */
  onProgress?: (progress: ReindexProgress) => void | boolean;
}

/** What `checkIndex` returns. */
export interface IndexCheck {
  /** Records that should be indexed (active or superseded). */
  recordsIndexable: number;
  indexed: number;
  /** Indexable records the index lacks. */
  missing: string[];
  /** Index entries without an indexable record. */
  orphans: string[];
  /** Memories whose postings or doc entry differ from their record. */
  stale: string[];
  statsConsistent: boolean;
}

/** Bytes of WebAssembly memory the module holds (0 before the first open): a diagnostic. */
export declare function wasmMemoryBytes(): number;

export { MemoryKv, conflictError } from "./memory-kv.js";
