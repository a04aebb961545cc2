// Memories and associations through the component's `memories` interface (functions that
// borrow the `memspace` handle): remember with replay and supersession, reads, updates,
// forgetting, batches, links, traversal, trace, expiry, isolation and cut commits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { world, expectError } from './harness.mjs';

const noFilter = { tags: [], statuses: [] };
const newMemory = (content, extra = {}) => ({ content, tags: [], ...extra });
const both = { direction: 'both', relationships: [], includeSuperseded: false };
const walk = (extra = {}) => ({ direction: 'both', relationshipTypes: [], includeSuperseded: false, ...extra });

async function memWorld(opts) {
  const w = await world(opts);
  const space = w.ms.createSpace({});
  return { ...w, space, mem: w.memories };
}

test('remember stores typed memories with JSON metadata; the same content is replayed', async () => {
  const { ms, mem, space } = await memWorld();
  const r = mem.remember(ms, space.id, newMemory('prefers dark mode', {
    subtype: 'preference',
    importance: 0.8,
    tags: ['ui', 'prefs', 'ui'],
    metadata: '{"source":"chat","n":1}',
    contextId: 'app',
    provenance: { sessionId: 'ses_x', eventFrom: 2n, eventTo: 5n, source: 'extraction' },
  }));
  assert.equal(r.replayed, false);
  const m = r.memory;
  assert.match(m.id, /^mry_/);
  assert.equal(m.type, 'semantic', 'the type follows the subtype');
  assert.equal(m.subtype, 'preference');
  assert.deepEqual(m.tags, ['prefs', 'ui']);
  assert.deepEqual(JSON.parse(m.metadata), { source: 'chat', n: 1 });
  assert.equal(m.provenance.eventTo, 5n);
  assert.match(m.contentHash, /^[0-9a-f]{64}$/);
  assert.equal(m.status, 'active');
  assert.equal(m.version, 1n);
  assert.equal(m.lastChange, 'created');
  assert.deepEqual(mem.getMemory(ms, space.id, m.id), m);
  const again = mem.remember(ms, space.id, newMemory('prefers dark mode', { contextId: 'app' }));
  assert.equal(again.replayed, true);
  assert.deepEqual(again.memory, m);
  const bad = expectError(() => mem.remember(ms, space.id, newMemory('x', { metadata: '[1]' })), 'validation');
  assert.equal(bad.details.field, 'metadata');
  expectError(() => mem.remember(ms, space.id, newMemory('   ')), 'validation');
  expectError(() => mem.remember(ms, space.id, newMemory('x', { importance: 1.5 })), 'validation');
});

test('a logical key supersedes the holder in one commit; history lists and stats follow', async () => {
  const { ms, mem, space, host } = await memWorld();
  const paris = mem.remember(ms, space.id, newMemory('lives in Paris', { logicalKey: 'user.city' })).memory;
  host.advanceSecs(60);
  const r = mem.remember(ms, space.id, newMemory('lives in Berlin', { logicalKey: 'user.city' }));
  assert.equal(r.supersededId, paris.id);
  const old = mem.getMemory(ms, space.id, paris.id);
  assert.equal(old.status, 'superseded');
  assert.equal(old.invalidAt, r.memory.validAt);
  assert.equal(old.supersededBy, r.memory.id);
  assert.deepEqual(mem.listMemories(ms, space.id, noFilter, {}).map((x) => x.id), [r.memory.id]);
  const history = mem.listMemories(ms, space.id, { ...noFilter, logicalKey: 'user.city', statuses: ['active', 'superseded'] }, {});
  assert.deepEqual(history.map((x) => x.id), [r.memory.id, paris.id]);
  const links = mem.getAssociations(ms, space.id, r.memory.id, { ...both, includeSuperseded: true }, {});
  assert.deepEqual(links.map((a) => [a.relationship, a.targetId]), [['supersedes', paris.id]]);
  assert.deepEqual(mem.memoryStats(ms, space.id), { active: 1n, superseded: 1n, forgotten: 0n, expired: 0n, deleted: 0n, associations: 1n });
});

test('update with expected version, decay, soft forget and restore, hard forget and trace', async () => {
  const { ms, mem, space, kv } = await memWorld();
  const m = mem.remember(ms, space.id, newMemory('draft note', { importance: 0.8, metadata: '{"secret":"zz-meta"}' })).memory;
  const u = mem.updateMemory(ms, space.id, m.id, { content: 'final note', expectedVersion: 1n });
  assert.equal(u.version, 2n);
  const stale = expectError(() => mem.updateMemory(ms, space.id, m.id, { content: 'other', expectedVersion: 1n }), 'conflict');
  assert.equal(stale.details.precondition, 'expected_version');
  const d = mem.decayMemory(ms, space.id, m.id, 0.5);
  assert.ok(Math.abs(d.importance - 0.4) < 1e-12);
  assert.equal(mem.decayMemory(ms, space.id, m.id, undefined).lastChange, 'decayed');

  mem.forgetMemory(ms, space.id, m.id, false);
  const gone = expectError(() => mem.getMemory(ms, space.id, m.id), 'gone');
  assert.deepEqual([gone.details.status, gone.details.restorable], ['forgotten', true]);
  assert.equal(mem.traceMemory(ms, space.id, m.id, 0).memory.status, 'forgotten');
  assert.equal(mem.restoreMemory(ms, space.id, m.id).status, 'active');

  const trace = mem.traceMemory(ms, space.id, m.id, undefined);
  assert.deepEqual(trace.history.map((h) => h.content), ['final note', 'final note', 'draft note']);
  mem.forgetMemory(ms, space.id, m.id, true);
  const tomb = mem.traceMemory(ms, space.id, m.id, undefined);
  assert.equal(tomb.memory.status, 'deleted');
  assert.equal(tomb.memory.content, '');
  assert.deepEqual(tomb.history, []);
  const raw = JSON.stringify(kv.snapshot().map(([k, v]) => Buffer.from(k + v, 'hex').toString('latin1')));
  assert.ok(!raw.includes('note') && !raw.includes('zz-meta'), 'hard forget leaves no content behind');
  expectError(() => mem.restoreMemory(ms, space.id, m.id), 'gone');
});

test('batches: per-operation results; atomic batches apply all or nothing', async () => {
  const { ms, mem, space, kv } = await memWorld();
  const existing = mem.remember(ms, space.id, newMemory('existing')).memory;
  const r = mem.batchMemories(ms, space.id, [
    { tag: 'create', val: newMemory('one') },
    { tag: 'update', val: { memoryId: existing.id, update: { importance: 0.9 } } },
    { tag: 'update', val: { memoryId: 'mry_0000000000aaaaaaaaaaaaaaaa', update: { content: 'x' } } },
  ], false);
  assert.deepEqual([r.totalOperations, r.successful, r.failed, r.atomic], [3, 2, 1, false]);
  assert.deepEqual(r.results.map((x) => x.status), ['success', 'success', 'error']);
  assert.equal(r.results[2].error.tag, 'not-found');
  assert.equal(r.results[0].op, 'create');

  const before = kv.snapshot();
  const failed = mem.batchMemories(ms, space.id, [
    { tag: 'create', val: newMemory('two') },
    { tag: 'delete', val: { memoryId: 'mry_0000000000aaaaaaaaaaaaaaaa', hard: false } },
  ], true);
  assert.deepEqual(failed.results.map((x) => x.status), ['skipped', 'error']);
  assert.deepEqual(kv.snapshot(), before, 'nothing applied');
  const ok = mem.batchMemories(ms, space.id, [
    { tag: 'create', val: newMemory('two') },
    { tag: 'create', val: newMemory('two') },
    { tag: 'delete', val: { memoryId: existing.id, hard: true } },
  ], true);
  assert.equal(ok.successful, 3);
  assert.equal(ok.results[1].replayed, true);
  assert.equal(ok.results[1].memoryId, ok.results[0].memoryId);
  expectError(() => mem.batchMemories(ms, space.id, [], true), 'validation');
});

test('associations: typed and weighted, by direction; traversal returns paths; hidden with a forgotten end', async () => {
  const { ms, mem, space } = await memWorld();
  const types = mem.relationshipTypes(ms);
  assert.ok(types.length >= 60);
  assert.deepEqual(new Set(types.map((t) => t.category)).size, 11);
  assert.ok(types.some((t) => t.name === 'supersedes' && t.category === 'learning'));
  const [a, b, c] = ['bug', 'fix', 'release'].map((t) => mem.remember(ms, space.id, newMemory(t)).memory);
  const ba = mem.associate(ms, space.id, b.id, { targetId: a.id, relationship: 'solves', strength: 0.9, metadata: '{"by":"agent"}' });
  assert.match(ba.id, /^asc_/);
  assert.deepEqual(JSON.parse(ba.metadata), { by: 'agent' });
  mem.associate(ms, space.id, c.id, { targetId: b.id, relationship: 'depends_on' });
  const dup = expectError(() => mem.associate(ms, space.id, b.id, { targetId: a.id, relationship: 'solves' }), 'duplicate');
  assert.equal(dup.details.existing_id, ba.id);
  expectError(() => mem.associate(ms, space.id, b.id, { targetId: a.id, relationship: 'loves' }), 'validation');
  assert.deepEqual(mem.getAssociations(ms, space.id, b.id, { ...both, direction: 'out' }, {}).map((x) => x.id), [ba.id]);
  assert.equal(mem.getAssociations(ms, space.id, b.id, { ...both, direction: 'in' }, {}).length, 1);
  const u = mem.updateAssociation(ms, space.id, ba.id, { strength: 0.3 });
  assert.equal(u.strength, 0.3);

  const t = mem.traverse(ms, space.id, c.id, walk({ maxDepth: 2 }));
  assert.deepEqual(t.nodes.map((n) => n.content), ['fix', 'bug']);
  assert.deepEqual(t.paths[1].memoryIds, [c.id, b.id, a.id]);
  assert.equal(t.paths[1].depth, 2);
  assert.equal(t.truncated, false);
  assert.equal(mem.traverse(ms, space.id, c.id, walk({ maxDepth: 2, maxNodes: 1 })).truncated, true);
  expectError(() => mem.traverse(ms, space.id, c.id, walk({ maxDepth: 6 })), 'validation');

  mem.forgetMemory(ms, space.id, b.id, false);
  assert.deepEqual(mem.getAssociations(ms, space.id, a.id, both, {}), []);
  assert.deepEqual(mem.traverse(ms, space.id, c.id, walk()).nodes, []);
  mem.restoreMemory(ms, space.id, b.id);
  assert.equal(mem.getAssociations(ms, space.id, a.id, both, {}).length, 1);
  mem.deleteAssociation(ms, space.id, ba.id);
  expectError(() => mem.deleteAssociation(ms, space.id, ba.id), 'not-found');
  assert.equal(mem.memoryStats(ms, space.id).associations, 1n);
});

test('expiry hides a memory on read; sweep records it and reports it', async () => {
  const { ms, mem, space, host } = await memWorld();
  const m = mem.remember(ms, space.id, newMemory('in a meeting', { type: 'working', expiresAt: host.micros + 60_000_000n })).memory;
  host.advanceSecs(60);
  assert.equal(expectError(() => mem.getMemory(ms, space.id, m.id), 'gone').details.status, 'expired');
  assert.deepEqual(mem.listMemories(ms, space.id, noFilter, {}), []);
  assert.equal(mem.memoryStats(ms, space.id).active, 1n);
  const report = ms.sweep(10);
  assert.equal(report.memoriesExpired, 1n);
  assert.equal(mem.memoryStats(ms, space.id).expired, 1n);
  assert.equal(mem.traceMemory(ms, space.id, m.id, 0).memory.lastChange, 'expired');
});

test('another principal can neither read, change, link to nor traverse into a space\'s memories', async () => {
  const w = await memWorld();
  const a = w.mem.remember(w.ms, w.space.id, newMemory('secret')).memory;
  const b = w.mem.remember(w.ms, w.space.id, newMemory('other')).memory;
  w.mem.associate(w.ms, w.space.id, a.id, { targetId: b.id, relationship: 'related_to' });
  const other = w.memory.Memspace.open({ userId: 'u2', tenantId: 't1' });
  const mine = other.createSpace({});
  const own = w.mem.remember(other, mine.id, newMemory('mine')).memory;
  expectError(() => w.mem.getMemory(other, w.space.id, a.id), 'not-found');
  expectError(() => w.mem.listMemories(other, w.space.id, noFilter, {}), 'not-found');
  expectError(() => w.mem.getMemory(other, mine.id, a.id), 'not-found');
  expectError(() => w.mem.forgetMemory(other, w.space.id, a.id, true), 'not-found');
  expectError(() => w.mem.associate(other, mine.id, own.id, { targetId: a.id, relationship: 'references' }), 'not-found');
  expectError(() => w.mem.traverse(other, w.space.id, a.id, walk()), 'not-found');
  assert.equal(w.mem.getMemory(w.ms, w.space.id, a.id).content, 'secret');
});

test('remember superseding a key, cut after every operation on a non-atomic store: before or after', async () => {
  const w = await memWorld({ atomic: false });
  const { ms, mem, space, kv } = w;
  const paris = mem.remember(ms, space.id, newMemory('lives in Paris', { logicalKey: 'user.city', tags: ['home'] })).memory;
  const observe = () => JSON.stringify(
    mem.listMemories(ms, space.id, { ...noFilter, statuses: ['active', 'superseded'] }, {}).map((m) => [m.content, m.status, m.version.toString()]),
  ) + JSON.stringify(mem.memoryStats(ms, space.id), (_, x) => (typeof x === 'bigint' ? x.toString() : x));
  const before = kv.snapshot();
  const old = observe();
  mem.remember(ms, space.id, newMemory('lives in Berlin', { logicalKey: 'user.city' }));
  const done = observe();
  const opCount = kv.commits.at(-1).ops.length;
  assert.notEqual(done, old);
  const outcomes = [];
  for (let cut = 0; cut <= opCount; cut++) {
    kv.restore(before);
    kv.failNextCommit({ tag: 'storage', afterOps: cut });
    expectError(() => mem.remember(ms, space.id, newMemory('lives in Berlin', { logicalKey: 'user.city' })), 'storage');
    const seen = observe();
    assert.ok(seen === old || seen === done, `cut after ${cut}/${opCount} ops: ${seen}`);
    outcomes.push(seen === old ? 'none' : 'all');
  }
  assert.deepEqual([outcomes[0], outcomes[1], outcomes[2], outcomes.at(-1)], ['none', 'none', 'all', 'all'], 'journal, then the head is the commit point');
  assert.equal(mem.getMemory(ms, space.id, paris.id).status, 'superseded');
});
