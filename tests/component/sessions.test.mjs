// Sessions through the component: defaults, echo, filters, pagination, optimistic
// concurrency (if-match), deduplication, soft deletion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { world, spaceAndSession, message, expectError, keep, clear, set, ttl, eventCount } from './harness.mjs';

test('a session without strategies gets the default soft_delete after 180 days', async () => {
  const w = await world();
  const { session } = await spaceAndSession(w);
  assert.match(session.id, /^ses_/);
  assert.equal(session.version, 1n);
  assert.equal(session.eventCount, 0n);
  assert.deepEqual(session.lifecycleStrategies, [{ kind: 'soft-delete', trigger: ttl(180 * 86400), opts: undefined }]);
});

test('create_session echoes participants, description, metadata (JSON) and key', async () => {
  const w = await world();
  const space = w.ms.createSpace({});
  const s = w.ms.createSession(space.id, {
    participants: ['u1', 'a1'],
    lifecycleStrategies: [],
    description: 'Trip planning',
    metadata: JSON.stringify({ topic: 'travel', n: 1 }),
    deduplicationKey: 'trip',
  });
  assert.deepEqual(s.participants, ['u1', 'a1']);
  assert.equal(s.description, 'Trip planning');
  assert.deepEqual(JSON.parse(s.metadata), { topic: 'travel', n: 1 });
  assert.equal(s.deduplicationKey, 'trip');
  assert.deepEqual(w.ms.getSession(space.id, s.id), s);
});

test('metadata must be a JSON object', async () => {
  const w = await world();
  const space = w.ms.createSpace({});
  for (const metadata of ['[1,2]', '{not json', '"text"']) {
    const v = expectError(() => w.ms.createSession(space.id, { participants: ['u1'], lifecycleStrategies: [], metadata }), 'validation');
    assert.equal(v.details.field, 'metadata');
  }
  assert.deepEqual(w.ms.listSessions(space.id, {}), []);
});

test('list_sessions filters by participant and description, and pages', async () => {
  const w = await world();
  const space = w.ms.createSpace({});
  // Ids order by creation time in milliseconds: move the clock between creations.
  const mk = (participants, description) => {
    w.host.advanceSecs(1);
    return w.ms.createSession(space.id, { participants, lifecycleStrategies: [], description }).id;
  };
  const a = mk(['u1'], 'Trip to Rome');
  const b = mk(['u2'], 'Groceries');
  const c = mk(['u1', 'u2'], 'ROME again');
  assert.deepEqual(w.ms.listSessions(space.id, {}).map((s) => s.id), [a, b, c]);
  assert.deepEqual(w.ms.listSessions(space.id, { participants: ['u2'] }).map((s) => s.id), [b, c]);
  assert.deepEqual(w.ms.listSessions(space.id, { description: 'rome' }).map((s) => s.id), [a, c]);
  assert.deepEqual(w.ms.listSessions(space.id, { offset: 1n, limit: 1n }).map((s) => s.id), [b]);
  expectError(() => w.ms.listSessions(space.id, { description: 'ro' }), 'validation');
});

test('update_session bumps the version; a stale if_match is a conflict that changes nothing', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w, { description: 'a', metadata: '{"x":1}' });
  const u = w.ms.updateSession(space.id, session.id, { description: set('b'), metadata: clear, lifecycleStrategies: undefined, ifMatch: 1n });
  assert.equal(u.version, 2n);
  assert.equal(u.description, 'b');
  assert.equal(u.metadata, undefined);
  const c = expectError(
    () => w.ms.updateSession(space.id, session.id, { description: set('c'), metadata: keep, lifecycleStrategies: undefined, ifMatch: 1n }),
    'conflict',
  );
  assert.equal(c.details.precondition, 'if_match');
  assert.equal(c.details.current_version, 2);
  assert.deepEqual(w.ms.getSession(space.id, session.id), u);
});

test('strategies cannot be cleared, and an executed strategy cannot change type', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w, {
    lifecycleStrategies: [{ kind: 'extract-memories', trigger: eventCount(1), opts: { softDelete: false } }],
  });
  const upd = (lifecycleStrategies) => () =>
    w.ms.updateSession(space.id, session.id, { description: keep, metadata: keep, lifecycleStrategies, ifMatch: undefined });
  expectError(upd([]), 'validation');
  w.ms.postEvent(space.id, session.id, message('hi'));
  const c = expectError(upd([{ kind: 'soft-delete', trigger: ttl(60), opts: undefined }]), 'conflict');
  assert.equal(c.details.precondition, 'executed_strategy');
});

test('a deduplication key returns duplicate with the existing id until the session is deleted', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w, { deduplicationKey: 'chat-1' });
  const d = expectError(() => w.ms.createSession(space.id, { participants: ['u1'], lifecycleStrategies: [], deduplicationKey: 'chat-1' }), 'duplicate');
  assert.equal(d.details.existing_id, session.id);
  w.ms.deleteSession(space.id, session.id);
  const again = w.ms.createSession(space.id, { participants: ['u1'], lifecycleStrategies: [], deduplicationKey: 'chat-1' });
  assert.notEqual(again.id, session.id);
});

test('a soft-deleted session is gone, its events unreadable, and it is not listed', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w);
  w.ms.postEvent(space.id, session.id, message('hi'));
  w.ms.deleteSession(space.id, session.id);
  expectError(() => w.ms.getSession(space.id, session.id), 'gone');
  expectError(() => w.ms.listEvents(space.id, session.id, {}), 'gone');
  expectError(() => w.ms.postEvent(space.id, session.id, message('again')), 'gone');
  assert.deepEqual(w.ms.listSessions(space.id, {}), []);
});
