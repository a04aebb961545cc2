// Recall through the component's `recall` interface, with and without the host's `embedding`
// import: every query parameter, explain, confidence, reflect without an LLM, reindex and the
// index check, forgotten/superseded/expired never returned, isolation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { world, expectError, TestEmbedder } from './harness.mjs';

const newMemory = (content, extra = {}) => ({ content, tags: [], ...extra });
const query = (text, extra = {}) => ({ query: text, types: [], subtypes: [], tags: [], explain: false, minRelevance: 0, includeAssociations: false, ...extra });
const ids = (r) => r.memories.map((m) => m.memory.id);

async function recallWorld(opts) {
  const w = await world(opts);
  const space = w.ms.createSpace({});
  const add = (content, extra) => w.memories.remember(w.ms, space.id, newMemory(content, extra)).memory.id;
  const find = (q) => w.recall.recall(w.ms, space.id, q);
  return { ...w, space, add, find };
}

test('a remembered memory is recalled by its words, with scores in [0, 1] and a confidence', async () => {
  const { add, find } = await recallWorld();
  const a = add('Alice lives in Lisbon and works as a nurse');
  add('Bob prefers green tea');
  const r = find(query('where does Alice live'));
  assert.deepEqual(ids(r), [a]);
  const m = r.memories[0];
  assert.ok(m.relevanceScore > 0 && m.relevanceScore <= 1);
  assert.ok(m.boostedScore > 0 && m.boostedScore <= 1);
  assert.equal(m.source, 'search');
  assert.equal(r.modeUsed, 'rag');
  assert.equal(r.totalCount, 1n);
  assert.ok(['strong', 'moderate', 'weak'].includes(r.retrievalConfidence));
  const none = find(query('quantum chromodynamics', { minRelevance: undefined }));
  assert.equal(none.memories.length, 0);
  assert.equal(none.retrievalConfidence, 'weak');
});

test('forgotten memories are never recalled; a restored one is; hard forget passes the index check', async () => {
  const { ms, space, memories, add, find, ...w } = await recallWorld();
  const a = add('The vault code is 4711');
  const b = add('The alarm code is 1234');
  memories.forgetMemory(ms, space.id, a, false);
  memories.forgetMemory(ms, space.id, b, true);
  assert.deepEqual(ids(find(query('vault alarm code'))), []);
  memories.restoreMemory(ms, space.id, a);
  assert.deepEqual(ids(find(query('vault code'))), [a]);
  const check = w.recall.checkIndex(ms, space.id);
  assert.deepEqual({ missing: check.missing, orphans: check.orphans, stale: check.stale, ok: check.statsConsistent }, { missing: [], orphans: [], stale: [], ok: true });
});

test('a superseded fact is recalled only as of a time it was valid; an expired one not at all', async () => {
  const { host, add, find } = await recallWorld();
  const old = add('The user lives in Lisbon', { logicalKey: 'user.city' });
  const then = host.micros;
  host.advanceSecs(3600);
  const now = add('The user lives in Porto', { logicalKey: 'user.city' });
  assert.deepEqual(ids(find(query('where does the user live'))), [now]);
  assert.deepEqual(ids(find(query('where does the user live', { validAt: then }))), [old]);
  add('Parking spot 42 today', { expiresAt: host.micros + 60_000_000n });
  assert.equal(find(query('parking spot')).memories.length, 1);
  host.advanceSecs(61);
  assert.equal(find(query('parking spot')).memories.length, 0);
});

test('filters: types, subtypes, tags (all), creation time; limit and offset page', async () => {
  const { host, add, find } = await recallWorld();
  const a = add('deploy checklist for the api', { type: 'procedural', subtype: 'workflow', tags: ['ops', 'api'] });
  host.advanceSecs(10);
  const mid = host.micros;
  const b = add('the api deploy failed', { type: 'episodic', subtype: 'error', tags: ['ops'] });
  assert.deepEqual(ids(find(query('api deploy', { types: ['procedural'] }))), [a]);
  assert.deepEqual(ids(find(query('api deploy', { subtypes: ['error'] }))), [b]);
  assert.deepEqual(ids(find(query('api deploy', { tags: ['ops', 'api'] }))), [a]);
  assert.deepEqual(ids(find(query('api deploy', { createdAfter: mid }))), [b]);
  assert.deepEqual(ids(find(query('api deploy', { createdBefore: mid }))), [a]);
  assert.equal(find(query('api deploy', { limit: 1 })).memories.length, 1);
  assert.equal(find(query('api deploy', { limit: 1, offset: 1 })).memories.length, 1);
  expectError(() => find(query('x', { limit: 0 })), 'validation');
  expectError(() => find(query('x', { limit: 101 })), 'validation');
});

test('tolerance floors and minRelevance; recency weight reorders but never filters', async () => {
  const { host, add, find } = await recallWorld();
  for (const f of ['lunch menu', 'printer jam', 'team offsite', 'laptop request', 'parking rules', 'holiday calendar', 'quarterly goals', 'budget']) add(f);
  const full = add('quarterly budget review');
  const strict = find(query('quarterly budget review', { minRelevance: undefined, tolerance: 'strict' }));
  assert.deepEqual(ids(strict), [full]);
  assert.ok(find(query('quarterly budget review', { minRelevance: undefined, tolerance: 'loose' })).memories.length > 1);
  assert.equal(find(query('quarterly budget review', { minRelevance: -1, tolerance: 'strict' })).memories.length, 3, 'every memory sharing a word');
  const old = add('lunch order sushi');
  host.advanceSecs(60 * 24 * 3600);
  const fresh = add('lunch order sushi please');
  assert.deepEqual(ids(find(query('lunch order sushi', { recencyWeight: 0 }))).slice(0, 2), [old, fresh]);
  assert.deepEqual(ids(find(query('lunch order sushi', { recencyWeight: 1 }))).slice(0, 2), [fresh, old]);
  expectError(() => find(query('x', { recencyWeight: 2 })), 'validation');
});

test('associations bring in linked memories with their paths; depth, cap and off switch', async () => {
  const { ms, space, memories, add, find } = await recallWorld();
  const bug = add('Checkout crashes when the cart is empty');
  const fix = add('Guard added in CartService total');
  memories.associate(ms, space.id, fix, { targetId: bug, relationship: 'solves', strength: 0.8 });
  const r = find(query('checkout crashes empty cart', { includeAssociations: undefined }));
  assert.deepEqual(r.memories.map((m) => [m.memory.id, m.source]), [[bug, 'search'], [fix, 'association']]);
  assert.equal(r.relationPaths.length, 1);
  assert.deepEqual(ids(find(query('checkout crashes empty cart', { includeAssociations: undefined, traverseDepth: 0 }))), [bug]);
  assert.deepEqual(ids(find(query('checkout crashes empty cart', { includeAssociations: false }))), [bug]);
  expectError(() => find(query('x', { traverseDepth: 6 })), 'validation');
  expectError(() => find(query('x', { maxExpansion: 0 })), 'validation');
});

test('budget, explain and token counts', async () => {
  const { add, find } = await recallWorld();
  for (let i = 0; i < 5; i++) add(`incident ${i}: the payment service timed out after deploy ${i}`);
  const all = find(query('payment service incident'));
  const cut = find(query('payment service incident', { budgetTokens: 40n }));
  assert.ok(cut.budgetSummary.usedTokens <= 40n && cut.memories.length < all.memories.length && cut.memories.length > 0);
  const e = find(query('payment service incident', { explain: true })).memories[0].explain;
  assert.equal(e.lexical.rank, 1);
  assert.ok(e.fused > 0 && e.fused <= 1 && e.importanceFactor <= 1 && e.recencyFactor <= 1);
  assert.ok(all.queryTokens > 0n);
});

test('the host embedder makes paraphrases findable; a space keeps one model; a query vector must fit', async () => {
  const embedder = new TestEmbedder({ dims: 32 });
  const { add, find, ...w } = await recallWorld({ embedder });
  const a = add('Carla lives in Osaka');
  add('Carla likes ramen');
  assert.ok(embedder.calls >= 2);
  const r = find(query('which town is she based in', { explain: true }));
  assert.equal(r.memories[0].memory.id, a);
  assert.equal(r.memories[0].explain.vector.rank, 1);
  const v = find(query('', { embedding: embedder.vector('town based') }));
  assert.equal(v.memories[0].memory.id, a);
  expectError(() => find(query('x', { embedding: new Float32Array(8) })), 'validation');
  embedder.fail = 'model offline';
  expectError(() => add('one more'), 'unsupported');
  // A second instance whose host embeds with another model is refused by this space.
  const other = await world({ embedder: new TestEmbedder({ dims: 16, id: 'other' }) });
  const kvShared = w.kv;
  const { memory, memories } = await (await import('./harness.mjs')).instanceExports(kvShared, w.host, new TestEmbedder({ dims: 16, id: 'other' }));
  const ms2 = memory.Memspace.open({ userId: 'u1', tenantId: 't1' });
  expectError(() => memories.remember(ms2, w.space.id, newMemory('from another model')), 'validation');
  assert.ok(other);
});

test('llm and hybrid modes and reflect are unsupported without a host LLM', async () => {
  const { ms, space, add, find, ...w } = await recallWorld();
  add('The team ships on Fridays');
  expectError(() => find(query('ship', { mode: 'llm' })), 'unsupported');
  expectError(() => find(query('ship', { mode: 'hybrid' })), 'unsupported');
  const e = expectError(() => w.recall.reflect(ms, space.id, 'when do we ship?', 500, true), 'unsupported');
  assert.equal(e.details.capability, 'llm');
});

test('mode llm searches the host LLM rewrites of the query; hybrid asks the LLM only when rag is not strong', async () => {
  const { add, find, llm } = await recallWorld({ llm: [{ queries: ['Alice Porto'] }, ['Alice Porto'], { fail: 'timeout' }] });
  const porto = add('Alice moved to Porto');
  add('Bob drinks espresso');
  assert.deepEqual(ids(find(query('which town is her home'))), []);
  const r = find(query('which town is her home', { mode: 'llm' }));
  assert.equal(r.modeUsed, 'llm');
  assert.deepEqual(ids(r), [porto]);
  assert.equal(llm.requests[0].purpose, 'recall');
  assert.equal(llm.requests[0].messages.at(-1).content, 'which town is her home');
  const strong = find(query('Bob drinks espresso', { mode: 'hybrid' }));
  assert.equal(strong.modeUsed, 'rag');
  assert.equal(llm.requests.length, 1, 'a strong rag answer does not ask the LLM');
  const weak = find(query('which town is her home', { mode: 'hybrid' }));
  assert.equal(weak.modeUsed, 'llm');
  assert.deepEqual(ids(weak), [porto]);
  const failed = find(query('which town is her home', { mode: 'hybrid' }));
  assert.equal(failed.modeUsed, 'rag');
  assert.ok(failed.confidenceReasons.includes('llm_fallback_failed=timeout'));
  expectError(() => find(query('which town is her home', { mode: 'llm' })), 'upstream');
});

test('reflect synthesises over recalled memories with the host LLM and returns their ids', async () => {
  const { ms, space, add, llm, ...w } = await recallWorld({ llm: ['Alice lives in Porto.', 'Porto.'] });
  const porto = add('Alice moved to Porto');
  add('Bob drinks espresso');
  const r = w.recall.reflect(ms, space.id, 'Where did Alice move?', 64, true);
  assert.equal(r.reflection, 'Alice lives in Porto.');
  assert.equal(r.sourceMemories[0], porto);
  assert.ok(r.confidence > 0 && r.confidence <= 1);
  assert.ok(r.tokensProcessed > 0n);
  assert.equal(llm.requests[0].purpose, 'reflect');
  assert.equal(llm.requests[0].maxTokens, 64);
  assert.ok(llm.requests[0].messages.at(-1).content.includes(`[${porto}]`));
  const bare = w.recall.reflect(ms, space.id, 'Where did Alice move?', undefined, false);
  assert.deepEqual(bare.sourceMemories, []);
  const none = w.recall.reflect(ms, space.id, 'quantum chromodynamics', undefined, undefined);
  assert.deepEqual([none.sourceMemories, none.confidence, llm.requests.length], [[], 0, 2]);
});

test('reindex steps through a space and leaves index and records agreeing; isolation holds', async () => {
  const { ms, space, add, find, memory, ...w } = await recallWorld();
  for (let i = 0; i < 12; i++) add(`note ${i} about the harbour project`);
  let cursor;
  let steps = 0;
  for (;;) {
    const p = w.recall.reindex(ms, space.id, { batchSize: 5, cursor });
    steps++;
    if (p.done) break;
    cursor = p.cursor;
  }
  assert.equal(steps, 3);
  const c = w.recall.checkIndex(ms, space.id);
  assert.equal(c.indexed, 12n);
  assert.ok(c.statsConsistent && c.missing.length === 0 && c.stale.length === 0);
  assert.equal(find(query('harbour project', { limit: 100 })).memories.length, 12);
  const eve = memory.Memspace.open({ userId: 'eve', tenantId: 't1' });
  expectError(() => w.recall.recall(eve, space.id, query('harbour')), 'not-found');
});
