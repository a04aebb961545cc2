// Memory stores through the component's `stores` interface (functions that borrow the
// `memspace` handle): stores, entries, versions, preconditions, archiving, the memory tool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { world, expectError } from './harness.mjs';

async function storeWorld() {
  const w = await world();
  const space = w.ms.createSpace({});
  const store = w.stores.createStore(w.ms, space.id, { name: '  Notes ', description: 'agent notes', metadata: [['team', 'a']] });
  return { ...w, space, store };
}

test('a store is created in a space, listed, and updated with a metadata merge patch', async () => {
  const { ms, stores, space, store, host } = await storeWorld();
  assert.match(store.id, /^memstore_/);
  assert.equal(store.name, 'Notes');
  assert.equal(store.status, 'active');
  assert.equal(store.entryCount, 0n);
  assert.deepEqual(store.metadata, [['team', 'a']]);
  assert.deepEqual(stores.getStore(ms, space.id, store.id), store);
  host.advanceSecs(1);
  const u = stores.updateStore(ms, space.id, store.id, { metadata: [['team', undefined], ['owner', 'u1']] });
  assert.deepEqual(u.metadata, [['owner', 'u1']]);
  assert.equal(u.updatedAt, store.updatedAt + 1_000_000n);
  assert.deepEqual(stores.listStores(ms, space.id, false, {}).map((s) => s.id), [store.id]);
  const dup = expectError(() => stores.createStore(ms, space.id, { name: 'x', metadata: [['k', '1'], ['k', '2']] }), 'validation');
  assert.equal(dup.details.field, 'metadata');
});

test('entries live at paths with exact counts; lists omit content; versions record every change', async () => {
  const { ms, stores, space, store } = await storeWorld();
  const a = stores.createEntry(ms, space.id, store.id, { path: 'projects/acme/status.md', content: 'green' });
  stores.createEntry(ms, space.id, store.id, { path: 'projects/zeta.md', content: 'amber' });
  stores.createEntry(ms, space.id, store.id, { path: 'todo.md', content: 'ship it' });
  assert.equal(a.version, 1n);
  assert.equal(a.size, 5n);
  assert.match(a.contentSha256, /^[0-9a-f]{64}$/);
  const s = stores.getStore(ms, space.id, store.id);
  assert.equal(s.entryCount, 3n);
  assert.equal(s.totalSize, 17n);
  assert.deepEqual(stores.getEntryByPath(ms, space.id, store.id, 'projects/acme/status.md'), a);
  const listed = stores.listEntries(ms, space.id, store.id, 'projects', {});
  assert.deepEqual(listed.map((e) => e.path), ['projects/acme/status.md', 'projects/zeta.md']);
  assert.ok(listed.every((e) => e.content === undefined));
  expectError(() => stores.createEntry(ms, space.id, store.id, { path: 'todo.md', content: 'again' }), 'conflict');

  const b = stores.updateEntry(ms, space.id, store.id, a.id, { content: 'red', expectedVersion: 1n });
  assert.equal(b.version, 2n);
  const stale = expectError(() => stores.updateEntry(ms, space.id, store.id, a.id, { content: 'blue', expectedVersion: 1n }), 'conflict');
  assert.ok(stale.message.length > 0);
  const moved = stores.updateEntry(ms, space.id, store.id, a.id, { path: 'archive/acme.md', expectedSha256: b.contentSha256 });
  assert.equal(moved.id, a.id);
  assert.equal(moved.path, 'archive/acme.md');
  expectError(() => stores.getEntryByPath(ms, space.id, store.id, 'projects/acme/status.md'), 'not-found');

  const versions = stores.listVersions(ms, space.id, store.id, a.id, {});
  assert.deepEqual(versions.map((v) => v.action), ['updated', 'updated', 'created']);
  assert.deepEqual(versions.map((v) => v.entryVersion), [3n, 2n, 1n]);
  const first = stores.getVersion(ms, space.id, store.id, versions[2].id);
  assert.equal(first.content, 'green');
  const redacted = stores.redactVersion(ms, space.id, store.id, first.id);
  assert.equal(redacted.redacted, true);
  assert.equal(stores.getVersion(ms, space.id, store.id, first.id).content, undefined);
  expectError(() => stores.redactVersion(ms, space.id, store.id, versions[0].id), 'conflict');

  stores.deleteEntry(ms, space.id, store.id, a.id, { expectedVersion: 3n });
  assert.equal(stores.getStore(ms, space.id, store.id).entryCount, 2n);
  assert.equal(stores.listVersions(ms, space.id, store.id, a.id, {})[0].action, 'deleted');
});

test('an archived store refuses entry writes with the typed archived error', async () => {
  const { ms, stores, space, store } = await storeWorld();
  const e = stores.createEntry(ms, space.id, store.id, { path: 'a.md', content: 'x' });
  const archived = stores.archiveStore(ms, space.id, store.id);
  assert.equal(archived.status, 'archived');
  assert.ok(archived.archivedAt >= archived.createdAt);
  expectError(() => stores.createEntry(ms, space.id, store.id, { path: 'b.md', content: 'y' }), 'archived');
  expectError(() => stores.updateEntry(ms, space.id, store.id, e.id, { content: 'z' }), 'archived');
  expectError(() => stores.updateStore(ms, space.id, store.id, { name: 'new' }), 'archived');
  assert.deepEqual(stores.listStores(ms, space.id, false, {}), []);
  assert.deepEqual(stores.listStores(ms, space.id, true, {}).map((s) => s.id), [store.id]);
  stores.deleteEntry(ms, space.id, store.id, e.id, {}); // deletion stays allowed
  stores.deleteStore(ms, space.id, store.id);
  expectError(() => stores.getStore(ms, space.id, store.id), 'not-found');
});

test('the memory tool edits files under /memories and reports tool errors typed', async () => {
  const { ms, stores, space, store } = await storeWorld();
  const tool = (cmd) => stores.memoryTool(ms, space.id, store.id, JSON.stringify(cmd));
  tool({ command: 'create', path: '/memories/notes.md', file_text: 'likes tea\n' });
  tool({ command: 'str_replace', path: '/memories/notes.md', old_str: 'tea', new_str: 'coffee' });
  const view = tool({ command: 'view', path: '/memories/notes.md' });
  assert.match(view, /likes coffee/);
  assert.equal(stores.getEntryByPath(ms, space.id, store.id, 'notes.md').content, 'likes coffee\n');
  const bad = expectError(() => tool({ command: 'view', path: '/etc/passwd' }), 'validation');
  assert.equal(bad.details.tool_error, true);
  expectError(() => stores.memoryTool(ms, space.id, store.id, '{nope'), 'validation');
});

test('stores are scoped to the handle\'s principal', async () => {
  const { memory, stores, space, store } = await storeWorld();
  const other = memory.Memspace.open({ userId: 'u2', tenantId: 't1' });
  expectError(() => stores.getStore(other, space.id, store.id), 'not-found');
});
