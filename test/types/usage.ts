// Compile-only check of the published types (tsc --noEmit, strict): typical calls type-check,
// records are precisely typed (no `any`), and misuse is rejected (@ts-expect-error).
import { Memspace, MemspaceError, MemoryKv, wasmMemoryBytes } from "memspace";
import type {
  Association,
  BatchResult,
  GraphPath,
  Memory,
  MemoryStats,
  MemoryStatus,
  MemoryTrace,
  MemoryType,
  RelationshipType,
  Remembered,
  Traversal,
  CommitReport,
  SessionEvent,
  ExtractionJob,
  LlmRequest,
  LlmResponse,
  RunReport,
  VerifyReport,
  Json,
  KvAdapter,
  MemoryEntry,
  MemoryEntrySummary,
  MemoryStore,
  MemoryToolCommand,
  MemoryVersion,
  MemoryVersionSummary,
  Session,
  Space,
  SweepReport,
  RecallResult,
  RecalledMemory,
  ReindexProgress,
  IndexCheck,
} from "memspace";

type IsAny<T> = 0 extends 1 & T ? true : false;
type AssertFalse<T extends false> = T;
export type NoAnyOnRecords = [
  AssertFalse<IsAny<Space["llmModelName"]>>,
  AssertFalse<IsAny<Session["metadata"]>>,
  AssertFalse<IsAny<SessionEvent["body"]>>,
  AssertFalse<IsAny<SessionEvent["sequenceId"]>>,
  AssertFalse<IsAny<ExtractionJob["strategy"]>>,
  AssertFalse<IsAny<MemspaceError["details"]>>,
  AssertFalse<IsAny<MemoryStore["metadata"]>>,
  AssertFalse<IsAny<MemoryStore["status"]>>,
  AssertFalse<IsAny<MemoryEntry["content"]>>,
  AssertFalse<IsAny<MemoryEntrySummary["version"]>>,
  AssertFalse<IsAny<MemoryVersion["action"]>>,
  AssertFalse<IsAny<MemoryVersion["content"]>>,
];

export async function stores(ms: Memspace, spaceId: string): Promise<string> {
  const store: MemoryStore = await ms.createStore(spaceId, { name: "notes", metadata: { team: "a" } });
  const stores: MemoryStore[] = await ms.listStores(spaceId, { includeArchived: true, limit: 10 });
  await ms.updateStore(spaceId, store.id, { description: "", metadata: { team: null, owner: "u" } });
  const entry: MemoryEntry = await ms.createEntry(spaceId, store.id, { path: "a/b.md", content: "hi" });
  const text: string = entry.content;
  const listed: MemoryEntrySummary[] = await ms.listEntries(spaceId, store.id, { prefix: "a" });
  const updated: MemoryEntry = await ms.updateEntry(spaceId, store.id, entry.id, {
    content: "hello",
    expectedVersion: entry.version,
    expectedSha256: entry.contentSha256,
  });
  const versions: MemoryVersionSummary[] = await ms.listVersions(spaceId, store.id, { entryId: entry.id });
  const first = versions[versions.length - 1];
  const redacted: MemoryVersion = first ? await ms.redactVersion(spaceId, store.id, first.id) : await ms.getVersion(spaceId, store.id, "memver_x");
  const maybe: string | undefined = redacted.content;
  await ms.deleteEntry(spaceId, store.id, updated.id, { expectedVersion: updated.version });
  const archived: MemoryStore = await ms.archiveStore(spaceId, store.id);
  const status: "active" | "archived" = archived.status;
  const cmd: MemoryToolCommand = { command: "str_replace", path: "/memories/a.md", old_str: "x", new_str: "" };
  const out: string = await ms.memoryTool(spaceId, store.id, cmd);
  await ms.memoryTool(spaceId, store.id, '{"command":"view","path":"/memories"}');
  await ms.deleteStore(spaceId, store.id);
  void [stores, text, listed, maybe, status];
  // @ts-expect-error lists return entries without content
  void listed[0]?.content.length;
  // @ts-expect-error metadata values are strings
  await ms.createStore(spaceId, { name: "x", metadata: { n: 1 } });
  // @ts-expect-error preconditions are camelCase
  await ms.deleteEntry(spaceId, store.id, entry.id, { expected_version: 1 });
  // @ts-expect-error memory-tool commands need their own fields (file_text for create)
  await ms.memoryTool(spaceId, store.id, { command: "create", path: "/memories/a.md" });
  // @ts-expect-error unknown version actions are rejected
  const action: MemoryVersion["action"] = "moved";
  void action;
  return out;
}

export async function usage(): Promise<void> {
  const kv: KvAdapter = new MemoryKv();
  const ms: Memspace = await Memspace.open({ storage: "memory", name: "x", principal: { userId: "u", tenantId: "t" } });
  const viaKv = await Memspace.open({ kv, clock: () => Date.now(), countTokens: (t) => t.length });
  const space: Space = await ms.createSpace({ llmModelName: "m", description: null });
  const session: Session = await ms.createSession(space.id, {
    participants: ["u"],
    lifecycleStrategies: [{ type: "extract_memories", trigger: { eventCount: 10 }, opts: { softDelete: false } }],
  });
  const body: Json = { content: "hi", parts: [1, "two", null, { ok: true }] };
  const ev: SessionEvent = await ms.postEvent(space.id, session.id, { body, emitter: { type: "user", id: "u" }, eventType: "message" });
  const seq: number = ev.sequenceId;
  const last: SessionEvent[] = await viaKv.listEvents(space.id, session.id, { lastN: 20 });
  await ms.updateEvent(space.id, session.id, { sequenceId: seq, body: "x", ifUnmodifiedSince: ev.updatedAt });
  await ms.updateSession(space.id, session.id, { ifMatch: session.version, metadata: { a: 1 } });
  const report: SweepReport = await ms.sweep(10);
  const jobs: ExtractionJob[] = await ms.listExtractionJobs(space.id, { status: "pending", limit: 10 });
  const withLlm = await Memspace.open({
    storage: "memory",
    llm: async (req: LlmRequest): Promise<LlmResponse> => ({ text: JSON.stringify({ memories: [] }), model: req.model ?? "m", usage: { totalTokens: 1 } }),
  });
  const run: RunReport = await withLlm.runExtraction({ limit: 5, leaseSecs: 60 });
  const committed: CommitReport = await withLlm.commitSession(space.id, session.id, { minImportance: 0.3, categories: ["fact"], maxMemories: 5 });
  const pruned: number = await withLlm.pruneExtractionJobs(space.id, { includeFailed: true });
  // @ts-expect-error job statuses are a closed set
  await ms.listExtractionJobs(space.id, { status: "queued" });
  const check: VerifyReport = await ms.verifySpace(space.id);
  const kind: "corrupt" | "dangling" | "count_mismatch" | undefined = check.problems[0]?.kind;
  const restored: Space = await ms.restoreSpace(space.id);
  // @ts-expect-error a space id is a string
  await ms.verifySpace(7);
  void [last, report, jobs, run, committed, pruned, kind, restored];
  try {
    await ms.getSpace("nope");
  } catch (e) {
    if (e instanceof MemspaceError) {
      const code: "validation" | "not_found" | "conflict" | "duplicate" | "archived" | "gone" | "quota" | "storage" | "unsupported" | "upstream" = e.code;
      const status: number = e.status;
      void [code, status];
      if (e.code === "duplicate") {
        const existing: string = e.details.existingId;
        const s409: 409 = e.status;
        void [existing, s409];
      }
      if (e.code === "conflict" && e.details.precondition === "ifMatch") {
        const current: number | undefined = e.details.currentVersion;
        void current;
      }
      if (e.code === "not_found") {
        // @ts-expect-error details are typed per code: not_found has no existingId
        void e.details.existingId;
      }
      if (e.code === "validation") {
        const field: string | undefined = e.details.field;
        void field;
      }
    }
  }
  // @ts-expect-error storage must be "indexeddb" or "memory"
  await Memspace.open({ storage: "floppy" });
  // @ts-expect-error trigger takes exactly one known condition
  await ms.createSession(space.id, { participants: ["u"], lifecycleStrategies: [{ type: "soft_delete", trigger: { weeks: 2 } }] });
  // @ts-expect-error fields are camelCase
  await ms.createSpace({ llm_model_name: "m" });
  // @ts-expect-error body must be JSON
  await ms.postEvent(space.id, session.id, { body: () => 1, emitter: { type: "agent" } });
  // @ts-expect-error records are read as typed values
  const wrong: string = ev.sequenceId;
  void wrong;
  // @ts-expect-error a trigger is exactly one condition
  await ms.createSession(space.id, { participants: ["u"], lifecycleStrategies: [{ type: "soft_delete", trigger: { ttl: 60, idle: 60 } }] });
  // @ts-expect-error lastN excludes offset
  await ms.listEvents(space.id, session.id, { lastN: 5, offset: 1 });
  // @ts-expect-error lastN excludes limit
  await ms.listEvents(space.id, session.id, { lastN: 5, limit: 10 });
  await ms.listEvents(space.id, session.id, { offset: 10, limit: 10, eventType: "message" });
  // @ts-expect-error unknown keys are mistakes (they are rejected at run time too)
  await ms.createSpace({ descripton: "typo" });
  // @ts-expect-error unknown query keys too
  await ms.listEvents(space.id, session.id, { lastn: 5 });
  const bySession: Session[] = await ms.listSessions(space.id, { deduplicationKey: "conv-1" });
  void bySession;
  const status: "pending" | "running" | "done" | "failed" = jobs[0]!.status;
  // @ts-expect-error job status is a union of known states
  const bogus: ExtractionJob["status"] = "bogus";
  void [status, bogus];
  // Typed bodies: what goes in comes back typed.
  type Chat = { role: "user" | "assistant"; content: string };
  const msg = await ms.postEvent<Chat>(space.id, session.id, { body: { role: "user", content: "hi" }, emitter: { type: "user", id: "u" } });
  const role: "user" | "assistant" = msg.body.role;
  const history: SessionEvent<Chat>[] = await ms.listEvents<Chat>(space.id, session.id, { lastN: 20 });
  void [role, history];
  // @ts-expect-error a typed body must match its type
  await ms.postEvent<Chat>(space.id, session.id, { body: { role: "robot", content: "x" }, emitter: { type: "agent" } });
  await Memspace.open({ storage: "memory", wasm: "/assets/memspace_bg.wasm" });
  await Memspace.open({ storage: "memory", wasm: new Uint8Array(8) });
  // @ts-expect-error wasm is a URL, path, Response, bytes or module
  await Memspace.open({ storage: "memory", wasm: 42 });
  await Memspace.open({ storage: "memory", wasm: "/a/memspace_bg.wasm", fullWasm: new Uint8Array(8) });
  // @ts-expect-error fullWasm is a URL, path, Response, bytes or module too
  await Memspace.open({ storage: "memory", fullWasm: 42 });
  const bytes: number = wasmMemoryBytes();
  void bytes;
  // Memories and associations.
  const r: Remembered = await ms.remember(space.id, { content: "likes tea", subtype: "preference", logicalKey: "user.drink", tags: ["t"], metadata: { k: [1] } });
  const mem: Memory = r.memory;
  const memType: MemoryType = mem.type;
  const st: MemoryStatus = mem.status;
  void [memType, st];
  // @ts-expect-error subtypes are a closed list
  await ms.remember(space.id, { content: "x", subtype: "gossip" });
  // @ts-expect-error fields are camelCase
  await ms.remember(space.id, { content: "x", logical_key: "k" });
  const listed: Memory[] = await ms.listMemories(space.id, { statuses: ["active", "superseded"], tags: ["t"], limit: 10 });
  await ms.updateMemory(space.id, mem.id, { importance: 0.9, expectedVersion: mem.version });
  await ms.decayMemory(space.id, mem.id, 0.2);
  await ms.forgetMemory(space.id, mem.id, { hard: false });
  await ms.restoreMemory(space.id, mem.id);
  const trace: MemoryTrace = await ms.traceMemory(space.id, mem.id, { depth: 1 });
  const batch: BatchResult = await ms.batchMemories(space.id, [{ op: "create", content: "a" }, { op: "update", memoryId: mem.id, importance: 0.1 }, { op: "delete", memoryId: mem.id, hard: true }], { atomic: true });
  const err: MemspaceError | undefined = batch.results[0]!.error;
  // @ts-expect-error a batch op names its kind
  await ms.batchMemories(space.id, [{ content: "a" }]);
  const stats: MemoryStats = await ms.memoryStats(space.id);
  const types: RelationshipType[] = ms.relationshipTypes();
  const link: Association = await ms.associate(space.id, mem.id, { targetId: listed[0]!.id, relationship: "related_to", strength: 0.4 });
  const links: Association[] = await ms.getAssociations(space.id, mem.id, { direction: "out", includeSuperseded: true });
  await ms.updateAssociation(space.id, link.id, { strength: 0.5 });
  await ms.deleteAssociation(space.id, link.id);
  const walk: Traversal = await ms.traverse(space.id, mem.id, { maxDepth: 3, direction: "both", minStrength: 0.2, maxNodes: 20 });
  const path: GraphPath | undefined = walk.paths[0];
  // @ts-expect-error direction is out, in or both
  await ms.traverse(space.id, mem.id, { direction: "sideways" });
  void [trace, err, stats, types, links, path];
}

export async function recall(): Promise<number> {
  const ms = await Memspace.open({
    storage: "memory",
    embed: async (texts: string[]) => texts.map(() => new Float32Array(384)),
    embeddingModel: { id: "bge-small-en-v1.5", dimensions: 384 },
  });
  const sp = (await ms.createSpace()).id;
  const r: RecallResult = await ms.recall(sp, { query: "where does Alice live?", tags: ["people"], tolerance: "loose", validAt: "2026-01-01T00:00:00Z", explain: true, embedding: new Float32Array(384) });
  const first: RecalledMemory | undefined = r.memories[0];
  const score: number = first?.boostedScore ?? 0;
  const asMemory: Memory | undefined = first; // a recalled memory is a Memory with scores
  const memoryTags: string[] = first?.tags ?? [];
  // @ts-expect-error Memory fields keep their types (tags is a string array)
  const wrongTags: number = first?.tags;
  void [asMemory, memoryTags, wrongTags];
  const lexRank: number | undefined = first?.explain?.lexical?.rank;
  const confidence: "strong" | "moderate" | "weak" = r.retrievalConfidence;
  const text = await ms.recall(sp, "Alice");
  const progress: ReindexProgress = await ms.reindex(sp, { batchSize: 100, onProgress: (p) => p.processed < 1000 });
  const check: IndexCheck = await ms.checkIndex(sp);
  void [lexRank, confidence, text, progress, check];
  // @ts-expect-error options are camelCase
  await ms.recall(sp, { query: "x", min_relevance: 0 });
  // @ts-expect-error the mode is one of rag, llm, hybrid
  await ms.recall(sp, { query: "x", mode: "fast" });
  // @ts-expect-error embed needs vectors, not strings
  await Memspace.open({ embed: async (t: string[]) => t, embeddingModel: { id: "m", dimensions: 4 } });
  return score;
}
