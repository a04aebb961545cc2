// Memory spaces through the component: create, get, list, update, delete, deduplication,
// principal isolation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { world, expectError, keep, clear, set } from './harness.mjs';

test('create_space returns the space with an spc_ id, the owner and host-clock times', async () => {
  const w = await world();
  const s = w.ms.createSpace({ description: 'notes', llmModelName: 'gpt-x', llmBaseUrl: 'https://llm.example/v1' });
  assert.match(s.id, /^spc_[0-9a-z]{26}$/);
  assert.equal(s.userId, 'u1');
  assert.equal(s.tenantId, 't1');
  assert.equal(s.description, 'notes');
  assert.equal(s.llmModelName, 'gpt-x');
  assert.equal(s.createdAt, w.host.micros);
  assert.equal(s.updatedAt, w.host.micros);
  assert.equal(s.deletedAt, undefined);
  assert.deepEqual(w.ms.getSpace(s.id), s);
});

test('list_spaces lists the principal\'s live spaces in creation order, paginated', async () => {
  const w = await world();
  const ids = [];
  for (let i = 0; i < 5; i++) {
    ids.push(w.ms.createSpace({ description: `s${i}` }).id);
    w.host.advanceSecs(1);
  }
  assert.deepEqual(w.ms.listSpaces({}).map((s) => s.id), ids);
  assert.deepEqual(w.ms.listSpaces({ offset: 1n, limit: 2n }).map((s) => s.id), ids.slice(1, 3));
  w.ms.deleteSpace(ids[0]);
  assert.deepEqual(w.ms.listSpaces({}).map((s) => s.id), ids.slice(1));
});

test('update_space keeps, clears and sets fields', async () => {
  const w = await world();
  const s = w.ms.createSpace({ description: 'a', llmModelName: 'm' });
  w.host.advanceSecs(5);
  const u = w.ms.updateSpace(s.id, {
    description: set('b'),
    llmModelName: clear,
    llmBaseUrl: keep,
    customInstructions: set('be brief'),
  });
  assert.equal(u.description, 'b');
  assert.equal(u.llmModelName, undefined);
  assert.equal(u.customInstructions, 'be brief');
  assert.equal(u.updatedAt, s.updatedAt + 5_000_000n);
  assert.deepEqual(w.ms.getSpace(s.id), u);
});

test('a deleted space is gone and its deduplication key is free again', async () => {
  const w = await world();
  const s = w.ms.createSpace({ deduplicationKey: 'k' });
  const dup = expectError(() => w.ms.createSpace({ deduplicationKey: 'k' }), 'duplicate');
  assert.equal(dup.details.existing_id, s.id);
  w.ms.deleteSpace(s.id);
  expectError(() => w.ms.getSpace(s.id), 'gone');
  expectError(() => w.ms.deleteSpace(s.id), 'gone');
  const again = w.ms.createSpace({ deduplicationKey: 'k' });
  assert.notEqual(again.id, s.id);
});

test('another principal sees not_found, even on the same instance and store', async () => {
  const w = await world();
  const s = w.ms.createSpace({});
  const other = w.memory.Memspace.open({ userId: 'u2', tenantId: 't1' });
  assert.deepEqual(other.principal(), { userId: 'u2', tenantId: 't1' });
  const nf = expectError(() => other.getSpace(s.id), 'not-found');
  assert.equal(nf.details.kind, 'memory_space');
  assert.deepEqual(other.listSpaces({}), []);
});

test('open validates the principal', async () => {
  const w = await world();
  const v = expectError(() => w.memory.Memspace.open({ userId: '', tenantId: 't1' }), 'validation');
  assert.equal(v.details.field, 'principal.user_id');
});
