// Recall through the built npm package: recall (text or options object, camelCase results,
// explain, filters, paging, budget, validAt), the embed option (memories embedded when
// written, queries when recalled, Float32Array vectors, failures typed), reflect and the llm
// modes without an LLM, reindex with progress callbacks, checkIndex.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Memspace, MemspaceError } from "memspace";

let clockMs = Date.parse("2026-03-01T00:00:00Z");
const clock = () => clockMs;
const HOUR = 3600 * 1000;

// A deterministic toy embedder: one dimension per concept (synonyms share one), unit length.
const CONCEPTS = [["city", "town", "lives", "live", "moved", "based"], ["job", "work", "works", "employer"], ["dog", "pet", "cat"], ["porto"], ["lisbon"], ["alice"], ["bob"], ["coffee", "espresso"]];
const DIMS = 16;
function vectorOf(text) {
  const v = new Float32Array(DIMS);
  for (const w of text.toLowerCase().split(/[^a-z]+/)) {
    const i = CONCEPTS.findIndex((c) => c.includes(w));
    if (i >= 0) v[i] += 1;
  }
  v[DIMS - 1] += 0.05; // never all zero
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

async function fresh(extra = {}) {
  const ms = await Memspace.open({ storage: "memory", name: `recall-${Math.random()}`, clock, ...extra });
  const space = await ms.createSpace();
  return { ms, sp: space.id };
}

async function expectError(promise, code, status) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof MemspaceError, `a MemspaceError, got ${e}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.status, status);
    return e;
  }
  assert.fail(`expected ${code}`);
}

const contents = (r) => r.memories.map((m) => m.content);

test("recall finds remembered memories by their words: camelCase results with scores, confidence and explain", async () => {
  const { ms, sp } = await fresh();
  await ms.remember(sp, { content: "Alice lives in Porto", tags: ["people"], importance: 0.9 });
  await ms.remember(sp, { content: "Bob drinks espresso every morning" });
  const r = await ms.recall(sp, { query: "Where does Alice live?", explain: true });
  assert.deepEqual(contents(r), ["Alice lives in Porto"]);
  assert.equal(Object.getPrototypeOf(r), Object.prototype, "a plain object");
  for (const k of ["memories", "totalCount", "modeUsed", "queryTokens", "searchLatencyMs", "retrievalConfidence", "confidenceReasons", "relationPaths"]) {
    assert.ok(k in r, `result has ${k}`);
  }
  assert.equal(r.modeUsed, "rag");
  assert.equal(r.totalCount, 1);
  const m = r.memories[0];
  assert.match(m.id, /^mry_/);
  assert.deepEqual(m.tags, ["people"]);
  assert.equal(m.source, "search");
  assert.ok(m.relevanceScore > 0 && m.relevanceScore <= 1);
  assert.ok(m.boostedScore > 0 && m.boostedScore <= 1);
  assert.ok(["strong", "moderate", "weak"].includes(r.retrievalConfidence));
  const e = m.explain;
  assert.deepEqual(Object.keys(e).sort(), ["ageHours", "exact", "fused", "importanceFactor", "lexical", "rrf", "recencyFactor", "vector", "via"].sort());
  assert.equal(e.lexical.rank, 1);
  assert.equal(e.vector, null, "no embedder: no vector channel");
  assert.equal(e.importanceFactor, 0.98);
  const plain = await ms.recall(sp, "Where does Alice live?");
  assert.deepEqual(contents(plain), contents(r), "the query text alone is the same query");
  assert.equal(plain.memories[0].explain, undefined, "explain only when asked");
});

test("nothing relevant remembered is a weak, empty answer, not a guess", async () => {
  const { ms, sp } = await fresh();
  await ms.remember(sp, { content: "Alice lives in Porto" });
  const r = await ms.recall(sp, "quarterly tax filing deadline");
  assert.deepEqual(r.memories, []);
  assert.equal(r.retrievalConfidence, "weak");
  assert.ok(r.confidenceReasons.includes("no_results"), r.confidenceReasons.join());
});

test("recall options are read strictly: unknown keys named as spelled, ranges and types checked", async () => {
  const { ms, sp } = await fresh();
  let e = await expectError(ms.recall(sp, { query: "x", min_relevance: 0 }), "validation", 422);
  assert.match(e.details.field, /min_relevance/);
  e = await expectError(ms.recall(sp, { query: "x", limit: 101 }), "validation", 422);
  assert.equal(e.details.field, "limit");
  e = await expectError(ms.recall(sp, { query: "x", recencyWeight: 2 }), "validation", 422);
  assert.equal(e.details.field, "recencyWeight");
  assert.match(e.message, /recencyWeight/, "messages name fields in JS spelling");
  e = await expectError(ms.recall(sp, { query: "x", traverseDepth: 9 }), "validation", 422);
  assert.equal(e.details.field, "traverseDepth");
  e = await expectError(ms.recall(sp, { query: "x", minRelevance: NaN }), "validation", 422);
  assert.match(e.details.field, /minRelevance/);
  await expectError(ms.recall(sp, { query: "x", mode: "magic" }), "validation", 422);
  await expectError(ms.recall(sp, { query: "   " }), "validation", 422);
  await expectError(ms.recall(sp, 42), "validation", 422);
  await expectError(ms.recall("spc_nope", "x"), "not_found", 404);
  e = await expectError(ms.recall(sp, { query: "x", createdAfter: "2026-03-02T00:00:00Z", createdBefore: "2026-03-01T00:00:00Z" }), "validation", 422);
  assert.match(e.message, /createdBefore/);
});

test("filters, paging and budget: types, subtypes, tags, createdAfter/Before, limit/offset, budgetTokens", async () => {
  const { ms, sp } = await fresh();
  const t0 = clockMs;
  await ms.remember(sp, { content: "coffee order: flat white", type: "semantic", tags: ["food", "office"] });
  clockMs += HOUR;
  await ms.remember(sp, { content: "coffee machine broke on Monday", type: "episodic", tags: ["office"] });
  clockMs += HOUR;
  await ms.remember(sp, { content: "coffee beans come from Ethiopia", subtype: "profile", tags: ["food"] });
  const all = await ms.recall(sp, { query: "coffee", minRelevance: 0, limit: 10 });
  assert.equal(all.memories.length, 3);
  assert.deepEqual(contents(await ms.recall(sp, { query: "coffee", types: ["episodic"] })), ["coffee machine broke on Monday"]);
  assert.deepEqual(contents(await ms.recall(sp, { query: "coffee", subtypes: ["profile"] })), ["coffee beans come from Ethiopia"]);
  assert.deepEqual(contents(await ms.recall(sp, { query: "coffee", tags: ["food", "office"] })), ["coffee order: flat white"], "every tag must match");
  const after = new Date(t0 + 30 * 60 * 1000).toISOString();
  const before = new Date(t0 + 90 * 60 * 1000).toISOString();
  assert.deepEqual(contents(await ms.recall(sp, { query: "coffee", createdAfter: after, createdBefore: before })), ["coffee machine broke on Monday"]);
  const page1 = await ms.recall(sp, { query: "coffee", limit: 2 });
  const page2 = await ms.recall(sp, { query: "coffee", limit: 2, offset: 2 });
  assert.equal(page1.memories.length, 2);
  assert.equal(page2.memories.length, 1);
  assert.equal(page1.totalCount, 3);
  assert.deepEqual([...contents(page1), ...contents(page2)], contents(all), "pages partition the ranking");
  const budget = await ms.recall(sp, { query: "coffee", budgetTokens: 8 });
  assert.ok(budget.memories.length < 3, "the budget cut the results");
  assert.equal(budget.budgetSummary.budgetTokens, 8);
  assert.ok(budget.budgetSummary.usedTokens <= 8);
  assert.equal(budget.budgetSummary.omitted, 3 - budget.memories.length);
  assert.equal(all.budgetSummary, undefined);
});

test("recencyWeight reorders equal matches toward the newer one and never filters", async () => {
  const { ms, sp } = await fresh();
  await ms.remember(sp, { content: "standup notes: release slipped" });
  clockMs += 24 * 7 * HOUR * 4;
  await ms.remember(sp, { content: "standup notes: release shipped" });
  const heavy = await ms.recall(sp, { query: "standup notes release", recencyWeight: 1, explain: true });
  assert.deepEqual(contents(heavy), ["standup notes: release shipped", "standup notes: release slipped"]);
  assert.ok(heavy.memories[1].explain.recencyFactor < 0.1, "four weeks old at weight 1");
  const none = await ms.recall(sp, { query: "standup notes release", recencyWeight: 0, explain: true });
  assert.equal(none.memories.length, 2);
  assert.ok(none.memories.every((m) => m.explain.recencyFactor === 1));
});

test("tolerance and minRelevance: strict hides a weak match, minRelevance ≤ 0 bypasses every threshold", async () => {
  const { ms, sp } = await fresh();
  await ms.remember(sp, { content: "Alice works at the harbour office in Porto with Bob" });
  const loose = await ms.recall(sp, { query: "Alice birthday cake flavour", tolerance: "loose", explain: true });
  const strict = await ms.recall(sp, { query: "Alice birthday cake flavour", tolerance: "strict" });
  const all = await ms.recall(sp, { query: "Alice birthday cake flavour", minRelevance: 0 });
  assert.equal(all.memories.length, 1, "no threshold at all");
  assert.equal(strict.memories.length, 0);
  if (loose.memories.length) assert.ok(loose.memories[0].relevanceScore >= 0.15);
  assert.ok(all.memories[0].relevanceScore < 0.6);
});

test("never a forgotten memory; a superseded fact only as of a time when it was valid (validAt)", async () => {
  const { ms, sp } = await fresh();
  const lisbon = (await ms.remember(sp, { content: "Alice lives in Lisbon", logicalKey: "alice.city" })).memory;
  clockMs += 24 * HOUR;
  const porto = (await ms.remember(sp, { content: "Alice lives in Porto", logicalKey: "alice.city" })).memory;
  const typo = (await ms.remember(sp, { content: "Alice lives in Lisbonn" })).memory;
  await ms.forgetMemory(sp, typo.id);
  const now = await ms.recall(sp, { query: "Alice lives", minRelevance: 0 });
  assert.deepEqual(contents(now), ["Alice lives in Porto"], "superseded and forgotten are not recalled");
  const then = await ms.recall(sp, { query: "Alice lives", minRelevance: 0, validAt: lisbon.createdAt });
  assert.deepEqual(contents(then), ["Alice lives in Lisbon"], "as of the first day only the first fact was valid");
  await ms.forgetMemory(sp, porto.id, { hard: true });
  assert.deepEqual(contents(await ms.recall(sp, { query: "Porto", minRelevance: 0 })), []);
  const check = await ms.checkIndex(sp);
  assert.deepEqual(check.missing, []);
  assert.deepEqual(check.orphans, []);
  assert.equal(check.statsConsistent, true);
});

test("includeAssociations adds linked memories (source association, relationPaths); traverseDepth 0 and false switch it off", async () => {
  const { ms, sp } = await fresh();
  const job = (await ms.remember(sp, { content: "Alice works as a nurse" })).memory;
  const hosp = (await ms.remember(sp, { content: "The general hospital is on Rua Augusta" })).memory;
  await ms.associate(sp, job.id, { targetId: hosp.id, relationship: "related_to", strength: 0.9 });
  const r = await ms.recall(sp, { query: "nurse", explain: true });
  assert.deepEqual(contents(r), ["Alice works as a nurse", "The general hospital is on Rua Augusta"]);
  assert.equal(r.memories[1].source, "association");
  assert.equal(r.memories[1].explain.via, job.id);
  assert.deepEqual(r.relationPaths[0].memoryIds, [job.id, hosp.id]);
  assert.deepEqual(contents(await ms.recall(sp, { query: "nurse", includeAssociations: false })), ["Alice works as a nurse"]);
  assert.deepEqual(contents(await ms.recall(sp, { query: "nurse", traverseDepth: 0 })), ["Alice works as a nurse"]);
  const capped = await ms.recall(sp, { query: "nurse", maxExpansion: 1 });
  assert.equal(capped.memories.length, 2);
});

test("the embed option embeds memories when written and queries when recalled: a paraphrase is found by the vector channel", async () => {
  const calls = [];
  const embed = async (texts) => {
    calls.push(texts);
    return texts.map(vectorOf);
  };
  const { ms, sp } = await fresh({ embed, embeddingModel: { id: "toy-16", dimensions: DIMS } });
  await ms.remember(sp, { content: "Alice moved to Porto" });
  await ms.remember(sp, { content: "Bob has a dog" });
  assert.deepEqual(calls, [["Alice moved to Porto"], ["Bob has a dog"]], "one call per written memory, with its text");
  const r = await ms.recall(sp, { query: "which town is Alice based in", explain: true });
  assert.deepEqual(calls.at(-1), ["which town is Alice based in"], "the query was embedded");
  assert.equal(r.memories[0].content, "Alice moved to Porto");
  assert.equal(r.memories[0].explain.vector.rank, 1);
  assert.ok(r.memories[0].explain.vector.score > 0.5);
  // A query vector given by the caller (Float32Array) is used as is: no embed call.
  const before = calls.length;
  const byVector = await ms.recall(sp, { query: "", embedding: vectorOf("pet"), minRelevance: 0, limit: 1 });
  assert.equal(calls.length, before);
  assert.deepEqual(contents(byVector), ["Bob has a dog"]);
  const asArray = await ms.recall(sp, { query: "", embedding: Array.from(vectorOf("pet")), minRelevance: 0, limit: 1 });
  assert.deepEqual(contents(asArray), ["Bob has a dog"], "a plain array is the same vector");
  const bad = await expectError(ms.recall(sp, { query: "", embedding: new Float32Array([NaN, 1]) }), "validation", 422);
  assert.match(bad.details.field, /embedding/);
  await expectError(ms.recall(sp, { query: "x", embedding: new Float32Array(3) }), "validation", 422);
});

test("embed and embeddingModel go together; a bad model or answer is validation; a rejecting embed fails the write whole (unsupported)", async () => {
  await expectError(Memspace.open({ storage: "memory", embed: async () => [] }), "validation", 422);
  await expectError(Memspace.open({ storage: "memory", embeddingModel: { id: "m", dimensions: 4 } }), "validation", 422);
  let e = await expectError(Memspace.open({ storage: "memory", embed: async () => [], embeddingModel: { id: "m", dimensions: 0 } }), "validation", 422);
  assert.equal(e.details.field, "embeddingModel.dimensions");
  await expectError(Memspace.open({ storage: "memory", embed: "no", embeddingModel: { id: "m", dimensions: 4 } }), "validation", 422);
  const wrongCount = await fresh({ embed: async () => [], embeddingModel: { id: "m", dimensions: 4 } });
  e = await expectError(wrongCount.ms.remember(wrongCount.sp, { content: "hello" }), "validation", 422);
  assert.equal(e.details.field, "embed");
  const wrongDims = await fresh({ embed: async (t) => t.map(() => new Float32Array(3).fill(1)), embeddingModel: { id: "m", dimensions: 4 } });
  await expectError(wrongDims.ms.remember(wrongDims.sp, { content: "hello" }), "validation", 422);
  const failing = await fresh({
    embed: async () => {
      throw new Error("model server down");
    },
    embeddingModel: { id: "m", dimensions: 4 },
  });
  e = await expectError(failing.ms.remember(failing.sp, { content: "hello" }), "unsupported", 501);
  assert.equal(e.details.capability, "embedding");
  assert.match(e.message, /model server down/);
  const stats = await failing.ms.memoryStats(failing.sp);
  assert.equal(stats.active, 0, "nothing was stored by the failed remember");
  const throwing = await fresh({
    embed: () => {
      throw new TypeError("sync throw");
    },
    embeddingModel: { id: "m", dimensions: 4 },
  });
  await expectError(throwing.ms.remember(throwing.sp, { content: "hello" }), "unsupported", 501);
});

test("a space keeps one embedding model: writes and query vectors of another model are validation; recall through it is lexical", async () => {
  const name = `recall-model-${Math.random()}`;
  const a = await Memspace.open({ storage: "memory", name, clock, embed: async (t) => t.map(vectorOf), embeddingModel: { id: "toy-16", dimensions: DIMS } });
  const sp = (await a.createSpace()).id;
  await a.remember(sp, { content: "Alice moved to Porto" });
  const b = await Memspace.open({ storage: "memory", name, clock, embed: async (t) => t.map(() => new Float32Array(8).fill(0.5)), embeddingModel: { id: "other-8", dimensions: 8 } });
  await expectError(b.remember(sp, { content: "Bob has a dog" }), "validation", 422);
  const lexical = await b.recall(sp, { query: "Alice", explain: true });
  assert.deepEqual(contents(lexical), ["Alice moved to Porto"], "recall through the other model searches lexically");
  assert.equal(lexical.memories[0].explain.vector, null, "and never compares vectors of two models");
  await expectError(b.recall(sp, { query: "Alice", embedding: new Float32Array(8).fill(0.5) }), "validation", 422);
  const stats = await a.memoryStats(sp);
  assert.equal(stats.active, 1);
});

test("reflect and mode llm/hybrid are unsupported without a host LLM (never a fabricated answer)", async () => {
  const { ms, sp } = await fresh();
  await ms.remember(sp, { content: "Alice lives in Porto" });
  let e = await expectError(ms.reflect(sp, "Where does Alice live?"), "unsupported", 501);
  assert.equal(e.details.capability, "llm");
  e = await expectError(ms.reflect(sp, { query: "Where?", maxTokens: 200, includeSources: true }), "unsupported", 501);
  e = await expectError(ms.reflect(sp, { query: "Where?", maxTokens: 0 }), "validation", 422);
  assert.match(e.message, /maxTokens/);
  await expectError(ms.reflect(sp, { query: "Where?", max_tokens: 5 }), "validation", 422);
  for (const mode of ["llm", "hybrid"]) {
    e = await expectError(ms.recall(sp, { query: "Alice", mode }), "unsupported", 501);
    assert.equal(e.details.capability, "llm");
  }
});

/** An llm option answering from a script; records the requests. */
function scriptedLlm(script) {
  const requests = [];
  const llm = async (request) => {
    requests.push(request);
    const next = script.shift();
    if (next === undefined) throw new Error("script used up");
    return next;
  };
  return { llm, requests };
}

test("mode llm searches the host LLM's rewrites of the query; hybrid asks it only when rag is not strong", async () => {
  const { llm, requests } = scriptedLlm([{ text: JSON.stringify({ queries: ["Alice Porto"] }) }, { text: '["Alice Porto"]' }]);
  const { ms, sp } = await fresh({ llm });
  await ms.remember(sp, { content: "Alice moved to Porto" });
  await ms.remember(sp, { content: "Bob drinks espresso" });
  assert.equal((await ms.recall(sp, "which town is her home")).memories.length, 0);
  const r = await ms.recall(sp, { query: "which town is her home", mode: "llm" });
  assert.equal(r.modeUsed, "llm");
  assert.deepEqual(contents(r), ["Alice moved to Porto"]);
  assert.equal(requests[0].purpose, "recall");
  assert.equal(requests[0].format, "json");
  assert.equal(requests[0].messages.at(-1).content, "which town is her home");
  const strong = await ms.recall(sp, { query: "Bob drinks espresso", mode: "hybrid" });
  assert.equal(strong.modeUsed, "rag");
  assert.equal(requests.length, 1, "a strong rag answer does not ask the LLM");
  const weak = await ms.recall(sp, { query: "which town is her home", mode: "hybrid" });
  assert.equal(weak.modeUsed, "llm");
  assert.deepEqual(contents(weak), ["Alice moved to Porto"]);
  const failed = await ms.recall(sp, { query: "which town is her home", mode: "hybrid" });
  assert.equal(failed.modeUsed, "rag", "hybrid keeps its rag answer when the LLM fails");
  assert.ok(failed.confidenceReasons.some((x) => x.startsWith("llm_fallback_failed=")));
  await expectError(ms.recall(sp, { query: "which town is her home", mode: "llm" }), "upstream", 502);
});

test("reflect synthesises over recalled memories with the host LLM and returns their ids", async () => {
  const { llm, requests } = scriptedLlm([{ text: "Alice lives in Porto." }, { text: "Porto." }]);
  const { ms, sp } = await fresh({ llm });
  const alice = await ms.remember(sp, { content: "Alice moved to Porto" });
  await ms.remember(sp, { content: "Bob drinks espresso" });
  const r = await ms.reflect(sp, { query: "Where did Alice move?", maxTokens: 64 });
  assert.equal(r.reflection, "Alice lives in Porto.");
  assert.equal(r.sourceMemories[0], alice.memory.id);
  assert.ok(r.confidence > 0 && r.confidence <= 1);
  assert.ok(r.tokensProcessed > 0);
  assert.equal(requests[0].purpose, "reflect");
  assert.equal(requests[0].maxTokens, 64);
  assert.match(requests[0].messages.at(-1).content, new RegExp(`\\[${alice.memory.id}\\].*Alice moved to Porto`));
  const bare = await ms.reflect(sp, { query: "Where did Alice move?", includeSources: false });
  assert.deepEqual(bare.sourceMemories, []);
  const none = await ms.reflect(sp, "quantum chromodynamics");
  assert.deepEqual([none.sourceMemories, none.confidence, requests.length], [[], 0, 2], "nothing relevant: the LLM is not asked");
});

test("reindex rebuilds the whole index step by step, reporting totals to onProgress; false stops and the cursor resumes", async () => {
  const { ms, sp } = await fresh();
  for (let i = 0; i < 7; i++) await ms.remember(sp, { content: `note number ${i} about gardening` });
  const seen = [];
  const done = await ms.reindex(sp, { batchSize: 3, onProgress: (p) => void seen.push({ ...p }) });
  assert.deepEqual(
    seen.map((p) => [p.processed, p.indexed, p.done]),
    [
      [3, 3, false],
      [6, 6, false],
      [7, 7, true],
    ],
  );
  assert.ok(seen.every((p) => p.total === 7));
  assert.equal(done.done, true);
  assert.equal(done.cursor, null);
  assert.deepEqual(done, seen.at(-1));
  // Stop after the first step, then resume from its cursor.
  const first = await ms.reindex(sp, { batchSize: 4, onProgress: () => false });
  assert.equal(first.done, false);
  assert.equal(first.processed, 4);
  assert.match(first.cursor, /^mry_/);
  const rest = await ms.reindex(sp, { batchSize: 4, cursor: first.cursor });
  assert.equal(rest.processed, 3);
  assert.equal(rest.done, true);
  // A throwing callback stops the rebuild and rejects with what it threw.
  const boom = new Error("stop");
  await assert.rejects(ms.reindex(sp, { batchSize: 2, onProgress: () => { throw boom; } }), (e) => e === boom);
  const check = await ms.checkIndex(sp);
  assert.equal(check.recordsIndexable, 7);
  assert.equal(check.indexed, 7);
  assert.deepEqual([check.missing, check.orphans, check.stale, check.statsConsistent], [[], [], [], true]);
  assert.equal((await ms.recall(sp, "gardening")).totalCount, 7);
  await expectError(ms.reindex(sp, { batchSize: 0 }), "validation", 422);
  await expectError(ms.reindex(sp, { onProgress: 5 }), "validation", 422);
  await expectError(ms.reindex(sp, { batch_size: 5 }), "validation", 422);
});
