// Recall through the built npm package, what needs no memories: strict options, the embed
// option's checks at open, reflect and the llm modes without an LLM, an empty space's recall,
// reindex with progress callbacks and checkIndex. (Recall over remembered memories: the
// tests that follow the package's JS memories API.)
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


test("embed and embeddingModel go together at open: one without the other, a bad model, a non-function embed are validation", async () => {
  await expectError(Memspace.open({ storage: "memory", embed: async () => [] }), "validation", 422);
  await expectError(Memspace.open({ storage: "memory", embeddingModel: { id: "m", dimensions: 4 } }), "validation", 422);
  const e = await expectError(Memspace.open({ storage: "memory", embed: async () => [], embeddingModel: { id: "m", dimensions: 0 } }), "validation", 422);
  assert.equal(e.details.field, "embeddingModel.dimensions");
  await expectError(Memspace.open({ storage: "memory", embed: "no", embeddingModel: { id: "m", dimensions: 4 } }), "validation", 422);
  await expectError(Memspace.open({ storage: "memory", embed: async () => [], embeddingModel: { id: "m", dimensions: 4, extra: 1 } }), "validation", 422);
});

test("reflect and mode llm/hybrid are unsupported without a host LLM (never a fabricated answer)", async () => {
  const { ms, sp } = await fresh();
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

test("an empty space recalls nothing (weak), reindexes in one done step and checks clean; reindex options are read strictly", async () => {
  const { ms, sp } = await fresh();
  const r = await ms.recall(sp, { query: "anything at all", explain: true });
  assert.deepEqual(contents(r), []);
  assert.equal(r.totalCount, 0);
  assert.equal(r.retrievalConfidence, "weak");
  const seen = [];
  const done = await ms.reindex(sp, { onProgress: (p) => void seen.push({ ...p }) });
  assert.equal(done.done, true);
  assert.equal(done.processed, 0);
  assert.deepEqual(done, seen.at(-1));
  const check = await ms.checkIndex(sp);
  assert.deepEqual([check.recordsIndexable, check.indexed, check.missing, check.orphans, check.stale, check.statsConsistent], [0, 0, [], [], [], true]);
  await expectError(ms.reindex(sp, { batchSize: 0 }), "validation", 422);
  await expectError(ms.reindex(sp, { onProgress: 5 }), "validation", 422);
  await expectError(ms.reindex(sp, { batch_size: 5 }), "validation", 422);
  await expectError(ms.checkIndex("spc_nope"), "not_found", 404);
});
