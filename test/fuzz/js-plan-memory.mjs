// The JS boundary fuzzer's calls to the memory-layer methods: memories and associations,
// recall/reflect/reindex, core blocks, contextFor and the working context, workspaces,
// extraction (runExtraction, commitSession, jobs). js-boundary.mjs draws from `planMemory`
// beside its own `plan`, checks the same invariants, and asks `roundTripMemory` what an
// accepted call implies; the world it opens gives the handle a deterministic embedder and a
// seeded, sometimes unusable, LLM so that these paths run with and without their capability.
//
// `relationshipTypes()` is the API's one synchronous method (a constant list): it is called
// once per world to aim `associate` at real relationship names, not fuzzed as a promise.

import { NUMBERS, junk } from "./values.mjs";

/** Memory-layer methods that write (a rejection must change nothing). */
export const MEMORY_WRITES = [
  "remember", "updateMemory", "decayMemory", "forgetMemory", "restoreMemory", "batchMemories",
  "associate", "updateAssociation", "deleteAssociation",
  "updateBlock", "deleteBlock", "setContext", "deleteContext", "touchSession",
  "runExtraction", "commitSession", "retryExtractionJob", "pruneExtractionJobs", "reindex",
];

const TYPES = ["episodic", "semantic", "procedural", "working"];
const SUBTYPES = ["solution", "problem", "code_pattern", "fix", "error", "workflow", "preference", "decision", "profile", "entity", "event", "directive"];
const STATUSES = ["active", "superseded", "forgotten", "expired", "deleted"];
const KEYS = ["user.city", "user.name", "project.deadline", "user.employer"];
const WORDS = ["paris", "berlin", "coffee", "tea", "deadline", "friday", "rust", "wasm", "likes", "lives", "city", "project", "name", "ada", "bob"];

/** Sentinel an `onProgress` callback throws: reindex must reject with exactly it. */
export class ProgressStop extends Error {}

/** The world's pools of memory-layer ids, per space. */
export function memoryPools() {
  return { memories: new Map(), associations: new Map(), jobs: new Map(), relationships: [] };
}

const listOf = (map, sp) => map.get(sp) ?? [];
const push = (map, sp, id, max = 60) => {
  const l = map.get(sp) ?? [];
  if (!l.includes(id)) l.push(id);
  if (l.length > max) l.splice(0, l.length - max);
  map.set(sp, l);
};

/** Sentences of a small vocabulary, so that recall finds something. */
function sentence(g) {
  const r = g.r;
  return Array.from({ length: 2 + r.below(6) }, () => r.pick(WORDS)).join(" ");
}

/** An RFC 3339 time near the world's clock (2026), or a hostile one. */
function timestamp(g, future = false) {
  const r = g.r;
  if (g.hostile() && r.chance(0.5)) return r.pick(["yesterday", "", "2026-13-01T00:00:00Z", "+055970-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "2026-01-01", junk(r)]);
  const base = Date.UTC(2026, 0, 1) + (future ? 1 : -1) * r.below(400) * 86_400_000 + r.below(86_400_000);
  return new Date(base).toISOString();
}

function memoryOf(g, sp) {
  const l = listOf(g.p.memory.memories, sp);
  return l.length && !g.r.chance(0.07) ? g.r.pick(l) : g.idLike("mry");
}

function newMemory(g, sp, raw = false) {
  const r = g.r;
  const m = { content: g.or(r.chance(0.02) ? "m".repeat(16 * 1024 + 1) : r.chance(0.7) ? sentence(g) : g.str(80)) };
  if (r.chance(0.3)) m.type = g.or(r.pick([...TYPES, "bogus"]));
  if (r.chance(0.3)) m.subtype = g.or(r.pick([...SUBTYPES, "nope"]));
  if (r.chance(0.4)) m.importance = g.or(r.chance(0.85) ? r.below(101) / 100 : r.pick(NUMBERS));
  if (r.chance(0.4)) m.tags = g.or(Array.from({ length: r.chance(0.03) ? 33 : r.below(4) }, () => r.pick(["t1", "t2", "food", g.str(10)])));
  if (r.chance(0.3)) m.metadata = g.meta();
  if (r.chance(0.2)) m.contextId = g.or(r.pick(["c1", "c2", g.str(20)]));
  if (r.chance(0.3)) m.logicalKey = g.or(r.pick([...KEYS, g.str(30)]));
  if (r.chance(0.1)) m.validAt = timestamp(g);
  if (r.chance(0.1)) m.expiresAt = timestamp(g, true);
  if (r.chance(0.15)) {
    const ses = g.sessionOf(sp);
    m.provenance = g.mutate({ source: g.or(r.pick(["user", "agent", "extraction"])), sessionId: ses.id, eventFrom: g.int(5), eventTo: g.int(9) });
  }
  if (r.chance(0.2)) m.idempotencyKey = g.or(r.pick(["i1", "i2", "i3", g.str(130)]));
  return raw ? m : g.mutate(m);
}

function memoryUpdate(g, raw = false) {
  const r = g.r;
  const u = {};
  if (r.chance(0.5)) u.content = g.or(sentence(g));
  if (r.chance(0.3)) u.importance = g.or(r.below(101) / 100);
  if (r.chance(0.3)) u.tags = g.or([r.pick(["t1", "t2", "food"])]);
  if (r.chance(0.2)) u.metadata = g.meta();
  if (r.chance(0.2)) u.expectedVersion = g.int(4);
  return raw ? u : g.mutate(u);
}

function relationship(g) {
  const rels = g.p.memory.relationships;
  return g.or(rels.length && !g.r.chance(0.05) ? g.r.pick(rels) : g.r.pick(["RELATES", "", "supersedes", g.str(12)]));
}

function agentId(g) {
  return g.r.chance(0.5) ? undefined : g.or(g.r.pick(["a1", "a2", null, g.str(20)]));
}

function blockType(g) {
  return g.or(g.r.pick(["core", "persona", "tasks", "archival", "", "x".repeat(65), g.str(12)]));
}

function sessionPair(g) {
  const s = g.spaceWith("sessions");
  return [s, g.sessionOf(s)];
}

/** One memory-layer operation: [method, args, context], as `plan` returns. */
export function planMemory(g, r) {
  const pools = g.p.memory;
  switch (r.below(40)) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4: {
      const s = g.space();
      const input = newMemory(g, s);
      return ["remember", [s, input], { space: s, input }];
    }
    case 5: {
      const s = g.space();
      return ["getMemory", [s, memoryOf(g, s)]];
    }
    case 6: {
      const s = g.space();
      const q = {};
      if (r.chance(0.2)) q.type = g.or(r.pick(TYPES));
      if (r.chance(0.2)) q.tags = g.or(["t1"]);
      if (r.chance(0.2)) q.logicalKey = g.or(r.pick(KEYS));
      if (r.chance(0.3)) q.statuses = g.or(Array.from({ length: 1 + r.below(3) }, () => r.pick([...STATUSES, "bogus"])));
      if (r.chance(0.1)) q.contextId = g.or("c1");
      return ["listMemories", [s, g.page(q)]];
    }
    case 7:
    case 8: {
      const s = g.space();
      const u = memoryUpdate(g);
      return ["updateMemory", [s, memoryOf(g, s), u], { space: s, input: u }];
    }
    case 9: {
      const s = g.space();
      return ["decayMemory", [s, memoryOf(g, s), ...(r.chance(0.5) ? [g.or(r.below(101) / 100)] : [])]];
    }
    case 10: {
      const s = g.space();
      return ["forgetMemory", [s, memoryOf(g, s), ...(r.chance(0.5) ? [g.mutate({ hard: g.or(r.chance(0.3)) })] : [])]];
    }
    case 11: {
      const s = g.space();
      return ["restoreMemory", [s, memoryOf(g, s)]];
    }
    case 12: {
      const s = g.space();
      return ["traceMemory", [s, memoryOf(g, s), ...(r.chance(0.5) ? [g.mutate({ depth: g.int(7) })] : [])]];
    }
    case 13:
    case 14: {
      const s = g.space();
      const ops = Array.from({ length: r.chance(0.03) ? 101 : r.below(6) }, () => {
        const k = r.below(3);
        if (k === 0) return g.mutate({ op: "create", ...newMemory(g, s, true) });
        if (k === 1) return g.mutate({ op: "update", memoryId: memoryOf(g, s), ...memoryUpdate(g, true) });
        return g.mutate({ op: g.or("delete"), memoryId: memoryOf(g, s), hard: g.or(r.chance(0.2)) });
      });
      return ["batchMemories", [s, g.or(ops), ...(r.chance(0.5) ? [g.mutate({ atomic: g.or(r.chance(0.5)) })] : [])], { space: s, input: ops }];
    }
    case 15:
      return ["memoryStats", [g.space()]];
    case 16:
    case 17: {
      const s = g.space();
      const input = { targetId: memoryOf(g, s), relationship: relationship(g) };
      if (r.chance(0.5)) input.strength = g.or(r.below(101) / 100);
      if (r.chance(0.3)) input.metadata = g.meta();
      return ["associate", [s, memoryOf(g, s), g.mutate(input)], { space: s, input }];
    }
    case 18: {
      const s = g.space();
      const q = {};
      if (r.chance(0.4)) q.direction = g.or(r.pick(["out", "in", "both"]));
      if (r.chance(0.2)) q.relationships = g.or([relationship(g)]);
      if (r.chance(0.2)) q.includeSuperseded = g.or(true);
      return ["getAssociations", [s, memoryOf(g, s), g.page(q)]];
    }
    case 19: {
      const s = g.space();
      const l = listOf(pools.associations, s);
      const id = l.length && r.chance(0.9) ? r.pick(l) : g.idLike("asc");
      if (r.chance(0.5)) return ["deleteAssociation", [s, id]];
      const u = {};
      if (r.chance(0.6)) u.strength = g.or(r.below(101) / 100);
      if (r.chance(0.4)) u.metadata = g.meta();
      return ["updateAssociation", [s, id, g.mutate(u)], { input: u }];
    }
    case 20: {
      const s = g.space();
      const q = {};
      if (r.chance(0.4)) q.maxDepth = g.int(7);
      if (r.chance(0.3)) q.direction = g.or(r.pick(["out", "in", "both"]));
      if (r.chance(0.2)) q.minStrength = g.or(r.below(11) / 10);
      if (r.chance(0.2)) q.maxNodes = g.int(600);
      if (r.chance(0.2)) q.relationshipTypes = g.or([relationship(g)]);
      return ["traverse", [s, memoryOf(g, s), ...(r.chance(0.8) ? [g.mutate(q)] : [])]];
    }
    case 21:
    case 22: {
      const s = g.space();
      if (r.chance(0.2)) return ["recall", [s, g.or(sentence(g))]];
      const q = { query: g.or(r.chance(0.9) ? sentence(g) : r.pick(["", " ", "x".repeat(4097)])) };
      if (r.chance(0.2)) q.limit = g.int(120);
      if (r.chance(0.1)) q.offset = g.int(1200);
      if (r.chance(0.15)) q.mode = g.or(r.pick(["rag", "llm", "hybrid"]));
      if (r.chance(0.15)) q.tolerance = g.or(r.pick(["strict", "moderate", "loose"]));
      if (r.chance(0.15)) q.minRelevance = g.or(r.below(11) / 10 - 0.2);
      if (r.chance(0.1)) q.tags = g.or(["t1"]);
      if (r.chance(0.1)) q.types = g.or([r.pick(TYPES)]);
      if (r.chance(0.1)) q.validAt = timestamp(g);
      if (r.chance(0.1)) q.budgetTokens = g.int(300);
      if (r.chance(0.1)) q.traverseDepth = g.int(7);
      if (r.chance(0.1)) q.explain = g.or(true);
      if (r.chance(0.1)) q.embedding = g.or(r.chance(0.5) ? new Float32Array(8).fill(0.5) : [1, 2, NaN]);
      return ["recall", [s, g.mutate(q)]];
    }
    case 23: {
      const s = g.space();
      const q = { query: g.or(sentence(g)) };
      if (r.chance(0.3)) q.maxTokens = g.int(9000);
      if (r.chance(0.3)) q.includeSources = g.or(true);
      return ["reflect", [s, r.chance(0.3) ? q.query : g.mutate(q)]];
    }
    case 24: {
      const s = g.space();
      if (r.chance(0.4)) return ["checkIndex", [s]];
      const o = {};
      if (r.chance(0.4)) o.batchSize = g.int(1200);
      if (r.chance(0.1)) o.cursor = g.or(memoryOf(g, s));
      let stop = false;
      if (r.chance(0.3)) {
        const how = r.below(3);
        stop = how === 2;
        o.onProgress = how === 0 ? () => undefined : how === 1 ? () => false : () => {
          throw new ProgressStop("stop");
        };
      }
      return ["reindex", [s, ...(r.chance(0.8) ? [g.mutate(o)] : [])], { stopsWith: stop ? ProgressStop : null }];
    }
    case 25:
    case 26: {
      const s = g.space();
      const w = { content: g.or(r.chance(0.02) ? "b".repeat(70_000) : sentence(g)) };
      const a = agentId(g);
      if (a !== undefined) w.agentId = a;
      if (r.chance(0.3)) w.expectedUpdatedAt = r.chance(0.5) ? null : timestamp(g);
      if (r.chance(0.2)) w.description = g.or(g.str(40));
      if (r.chance(0.15)) w.limitTokens = g.int(20_000);
      if (r.chance(0.15)) w.limitBytes = g.int(70_000);
      if (r.chance(0.1)) w.readOnly = g.or(r.chance(0.5));
      return ["updateBlock", [s, blockType(g), g.mutate(w)], { space: s, input: w }];
    }
    case 27: {
      const s = g.space();
      const bt = blockType(g);
      const a = agentId(g);
      switch (r.below(4)) {
        case 0:
          return ["getBlock", [s, bt, ...(a === undefined ? [] : [g.mutate({ agentId: a })])]];
        case 1:
          return ["listBlocks", [s, g.mutate({ scope: g.or(r.pick(["user", "agent", "all", null])), ...(a === undefined ? {} : { agentId: a }) })]];
        case 2:
          return ["deleteBlock", [s, bt, ...(r.chance(0.7) ? [g.mutate({ agentId: a ?? null, expectedUpdatedAt: r.chance(0.5) ? null : timestamp(g) })] : [])]];
        default:
          return ["listBlockVersions", [s, bt, g.mutate({ agentId: a ?? null, offset: g.int(5), limit: g.int(120) })]];
      }
    }
    case 28: {
      const s = g.space();
      const q = { query: g.or(sentence(g)) };
      const a = agentId(g);
      if (a !== undefined) q.agentId = a;
      if (r.chance(0.3)) q.limit = g.int(120);
      if (r.chance(0.3)) q.minScore = g.or(r.below(11) / 10);
      return ["recallArchival", [s, g.mutate(q)]];
    }
    case 29:
    case 30: {
      const [s, ses] = sessionPair(g);
      const q = {};
      const a = agentId(g);
      if (a !== undefined) q.agentId = a;
      if (r.chance(0.7)) q.sessionId = ses.id;
      if (r.chance(0.4)) q.query = g.or(sentence(g));
      if (r.chance(0.4)) q.budgetTokens = g.or(r.chance(0.9) ? 1 + r.below(5000) : r.pick(NUMBERS));
      if (r.chance(0.3)) q.policy = g.mutate({ archivalMode: g.or(r.pick(["tool_only", "auto"])), archivalLimit: g.int(60), archivalMinScore: g.or(r.below(11) / 10), includeUserCore: g.or(true), includeAgentCore: g.or(false) });
      if (r.chance(0.2)) q.refresh = g.or(true);
      return ["contextFor", [s, ...(r.chance(0.9) ? [g.mutate(q)] : [])]];
    }
    case 31:
    case 32: {
      const [s, ses] = sessionPair(g);
      const key = g.or(r.pick(["task", "step", "plan", "", "k".repeat(129), g.str(12)]));
      const value = r.chance(0.02) ? "v".repeat(70_000) : g.json(2);
      const opts = r.chance(0.4) ? [g.mutate({ ttlSeconds: r.chance(0.3) ? null : g.or(1 + r.below(100_000)) })] : [];
      return ["setContext", [s, ses.id, key, value, ...opts], { space: s, input: { key, value } }];
    }
    case 33: {
      const [s, ses] = sessionPair(g);
      const k = r.below(3);
      if (k === 0) return ["getContext", [s, ses.id, ...(r.chance(0.6) ? [g.or(r.chance(0.5) ? null : [r.pick(["task", "step", "plan", g.str(5)])])] : [])]];
      if (k === 1) return ["deleteContext", [s, ses.id, g.or(r.pick(["task", "step", "plan", g.str(5)]))]];
      return ["touchSession", [s, ses.id]];
    }
    case 34: {
      const k = r.below(4);
      if (k === 0) return ["findSpaces", [g.mutate({ tags: g.or([g.str(6)]), match: g.or(r.pick(["all", "any"])), offset: g.int(5), limit: g.int(120) })]];
      if (k === 1) return ["spaceByKey", [g.or(r.pick(["k1", "k2", "k3", g.str(80)]))]];
      if (k === 2) return ["workspaceSchema", [g.space()]];
      return ["briefing", [g.space(), ...(r.chance(0.8) ? [g.mutate({ lookbackMinutes: g.int(50_000), limit: g.int(120), includeMemories: g.or(true), includeContradictions: g.or(true) })] : [])]];
    }
    case 35:
    case 36: {
      const [s, ses] = sessionPair(g);
      const o = {};
      if (r.chance(0.3)) o.minImportance = g.or(r.below(11) / 10);
      if (r.chance(0.2)) o.deduplicate = g.or(r.chance(0.5));
      if (r.chance(0.2)) o.categories = g.or([r.pick(["fact", "preference", "event", "instruction", "bogus"])]);
      if (r.chance(0.2)) o.maxMemories = g.int(600);
      if (r.chance(0.2)) o.agentId = g.or(g.str(10));
      if (r.chance(0.1)) o.metadata = g.meta();
      return ["commitSession", [s, ses.id, ...(r.chance(0.7) ? [g.mutate(o)] : [])], { space: s }];
    }
    case 37: {
      const o = {};
      if (r.chance(0.4)) o.limit = g.int(120);
      if (r.chance(0.4)) o.spaceId = g.space();
      if (r.chance(0.2)) o.leaseSecs = g.int(4000);
      if (r.chance(0.2)) o.chunkTokens = g.or(256 + r.below(10_000));
      return ["runExtraction", r.chance(0.8) ? [g.mutate(o)] : []];
    }
    default: {
      const s = g.space();
      const l = listOf(pools.jobs, s);
      const id = l.length && r.chance(0.9) ? r.pick(l) : g.idLike("job");
      const k = r.below(4);
      if (k === 0) return ["getExtractionJob", [s, id]];
      if (k === 1) return ["retryExtractionJob", [s, id]];
      if (k === 2) return ["listExtractionJobs", [s, g.page({ status: g.or(r.pick(["pending", "running", "done", "failed"])) })]];
      return ["pruneExtractionJobs", [s, ...(r.chance(0.7) ? [g.mutate({ finishedBefore: timestamp(g, true), includeFailed: g.or(r.chance(0.5)), limit: g.int(1200) })] : [])]];
    }
  }
}

/**
 * What an accepted memory-layer call implies (what was sent reads back unchanged), and the ids
 * it adds to the pools. `same(what, sent, got)` and `back(promise)` are js-boundary's. Returns
 * false for a method this module does not know.
 */
export async function roundTripMemory(ms, method, args, ctx, value, pools, same, back) {
  const mp = pools.memory;
  const input = ctx?.input;
  switch (method) {
    case "remember": {
      const m = value.memory;
      push(mp.memories, args[0], m.id);
      if (value.supersededId) push(mp.memories, args[0], value.supersededId);
      if (!value.replayed && input && args[1] === input) {
        if (typeof input.content === "string") same("content", input.content, m.content);
        if (input.metadata) same("metadata", input.metadata, m.metadata);
        if (typeof input.importance === "number") same("importance", input.importance, m.importance);
        if (Array.isArray(input.tags) && input.tags.every((t) => typeof t === "string")) same("tags", [...new Set(input.tags)].sort(), m.tags);
        if (typeof input.logicalKey === "string") same("logicalKey", input.logicalKey, m.logicalKey);
      }
      const read = await back(ms.getMemory(args[0], m.id));
      if (read && !value.replayed) same("memory read back", m, read);
      return true;
    }
    case "updateMemory":
      if (input && args[2] === input) {
        if (typeof input.content === "string") same("content", input.content, value.content);
        if (input.metadata) same("metadata", input.metadata, value.metadata);
      }
      same("memory read back", value, await back(ms.getMemory(args[0], value.id)));
      return true;
    case "batchMemories":
      for (const res of value.results ?? []) if (res.memoryId) push(mp.memories, args[0], res.memoryId);
      if (Array.isArray(input) && args[1] === input) {
        for (const res of value.results ?? []) {
          const op = input[res.index];
          if (res.status !== "success" || res.replayed || !op || op.op !== "create" || typeof op.content !== "string" || !res.memoryId) continue;
          const m = await back(ms.getMemory(args[0], res.memoryId));
          if (m && m.status === "active") same("batch-created content", op.content, m.content);
        }
      }
      return true;
    case "associate":
      push(mp.associations, args[0], value.id);
      if (input && args[2] === input) {
        if (typeof input.strength === "number") same("strength", input.strength, value.strength);
        if (input.metadata) same("metadata", input.metadata, value.metadata);
      }
      return true;
    case "updateAssociation":
      if (input && args[2] === input && typeof input.strength === "number") same("strength", input.strength, value.strength);
      return true;
    case "updateBlock":
      if (input && args[2] === input && typeof input.content === "string") same("content", input.content, value.content);
      {
        const read = await back(ms.getBlock(args[0], args[1], { agentId: value.agentId ?? null }));
        if (read) same("block read back", value, read);
      }
      return true;
    case "setContext": {
      if (input && args[3] === input.value) same("value", input.value, value.value);
      const [read] = (await back(ms.getContext(args[0], args[1], [value.key]))) ?? [];
      if (read) same("context read back", value.value, read.value);
      return true;
    }
    case "commitSession":
      for (const id of value.jobIds ?? []) push(mp.jobs, args[0], id);
      for (const id of value.memoryIds ?? []) push(mp.memories, args[0], id);
      return true;
    case "runExtraction":
      for (const j of value.jobs ?? []) push(mp.jobs, j.memorySpaceId, j.jobId);
      return true;
    case "listExtractionJobs":
      for (const j of value ?? []) push(mp.jobs, args[0], j.id);
      return true;
    case "listMemories":
      for (const m of value ?? []) push(mp.memories, args[0], m.id);
      return true;
    default:
      return false;
  }
}

/** The memory layer's part of a space's view (rejected-write checks on the in-memory store). */
export async function spaceViewMemory(ms, sp, get) {
  await get("memories", ms.listMemories(sp, { statuses: STATUSES, limit: 100 }));
  await get("memoryStats", ms.memoryStats(sp));
  await get("blocks", ms.listBlocks(sp, { scope: "all" }));
  await get("index", ms.checkIndex(sp));
}

/** A deterministic embedder (8 dimensions, bag of words) that sometimes misbehaves. */
export function fuzzEmbedder(rng) {
  return (texts) => {
    const roll = rng.below(200);
    if (roll === 0) throw new Error("embedder down");
    if (roll === 1) return texts.map(() => [1, 2, 3]); // wrong dimensions
    if (roll === 2) return texts.map(() => new Float32Array(8).fill(NaN));
    if (roll === 3) return "not vectors";
    return texts.map((t) => {
      const v = new Float32Array(8);
      for (const w of String(t).toLowerCase().match(/[a-z0-9]+/g) ?? ["empty"]) {
        let h = 2166136261;
        for (const c of w) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
        for (let i = 0; i < 8; i++) v[i] += (h >>> i) & 1 ? 1 : -1;
      }
      return v;
    });
  };
}

/** A seeded LLM: mostly usable extraction answers, sometimes down, refusing or unusable. */
export function fuzzLlm(rng) {
  return async (req) => {
    const roll = rng.below(20);
    if (roll === 0) throw new Error("model down");
    if (roll === 1) return "not json at all";
    if (roll === 2) return { refusal: "I cannot help with that" };
    if (roll === 3) return { text: JSON.stringify({ memories: [{ content: "", category: "fact", importance: 7 }] }) };
    if (roll === 4) return junk(rng);
    if (req?.purpose !== "extraction") return { text: "a short synthesis" };
    const memories = Array.from({ length: rng.below(4) }, () => ({
      content: Array.from({ length: 3 + rng.below(5) }, () => rng.pick(WORDS)).join(" "),
      category: rng.pick(["fact", "preference", "event", "instruction"]),
      importance: rng.below(11) / 10,
      tags: [rng.pick(["t1", "t2", "food"])],
      ...(rng.chance(0.3) ? { logicalKey: rng.pick(KEYS) } : {}),
    }));
    return { json: { memories }, usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 } };
  };
}

