// Every error reaches the host as the typed `error` variant: a ComponentError whose payload
// is { tag, val: { message, details } }, details being a JSON object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { world, spaceAndSession, expectError, keep, set, root } from './harness.mjs';

test('each reachable error variant arrives typed, with its message and details', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w, { deduplicationKey: 'k' });
  const seen = new Set();
  const check = (tag, fn, detail) => {
    const e = expectError(fn, tag);
    if (detail) assert.deepEqual(Object.fromEntries(Object.keys(detail).map((k) => [k, e.details[k]])), detail);
    seen.add(tag);
  };
  check('validation', () => w.ms.listSpaces({ limit: 0n }), { field: 'limit' });
  check('not-found', () => w.ms.getSession(space.id, 'ses_00000000000000000000000000'), { kind: 'session' });
  check('conflict', () => w.ms.updateSession(space.id, session.id, { description: set('x'), metadata: keep, ifMatch: 9n }), {
    precondition: 'if_match',
  });
  check('duplicate', () => w.ms.createSession(space.id, { participants: ['u1'], lifecycleStrategies: [], deduplicationKey: 'k' }), {
    existing_id: session.id,
  });
  w.kv.failNextCommit({ tag: 'quota' });
  check('quota', () => w.ms.createSpace({}));
  w.kv.failNextCommit({ tag: 'storage' });
  check('storage', () => w.ms.deleteSession(space.id, session.id));
  const store = w.stores.createStore(w.ms, space.id, { name: 'notes' });
  w.stores.archiveStore(w.ms, space.id, store.id);
  check('archived', () => w.stores.createEntry(w.ms, space.id, store.id, { path: 'a.md', content: 'x' }));
  w.ms.deleteSpace(space.id);
  check('gone', () => w.ms.getSpace(space.id), { kind: 'memory_space', id: space.id });
  // `unsupported` comes only from an asynchronous Kv, which a component's imports cannot be.
  assert.deepEqual([...seen].sort(), ['archived', 'conflict', 'duplicate', 'gone', 'not-found', 'quota', 'storage', 'validation']);
});

test('a thrown error is a ComponentError (an Error) carrying the payload', async () => {
  const w = await world();
  try {
    w.ms.getSpace('spc_nope');
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof Error);
    assert.equal(e.payload.tag, 'not-found');
    assert.match(e.payload.val.message, /not found/);
  }
});

test('the WIT error variant has exactly one case per engine error code', () => {
  const codes = [...readFileSync(path.join(root, 'src/error.rs'), 'utf8').matchAll(/ErrorCode::\w+ => "(\w+)"/g)].map((m) => m[1].replaceAll('_', '-'));
  const wit = readFileSync(path.join(root, 'wit/types.wit'), 'utf8');
  const body = wit.slice(wit.indexOf('variant error {'));
  const cases = [...body.slice(0, body.indexOf('\n    }')).matchAll(/^\s+([a-z-]+)\(error-info\),/gm)].map((m) => m[1]);
  assert.equal(codes.length, 10);
  assert.deepEqual(cases.sort(), codes.sort());
});
