// A failed host commit leaves nothing half-applied: on an atomic store nothing changes; on
// a non-atomic store, a commit cut after any number of its operations leaves either nothing
// visible or the whole operation, and the next call works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { world, spaceAndSession, message, expectError, keep } from './harness.mjs';

test('a failed commit on an atomic store surfaces as storage and changes nothing', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w);
  const before = w.kv.snapshot();
  w.kv.failNextCommit({ tag: 'storage', message: 'disk on fire' });
  const e = expectError(() => w.ms.postEvents(space.id, session.id, [message('a'), message('b')]), 'storage');
  assert.match(e.message, /disk on fire/);
  assert.deepEqual(w.kv.snapshot(), before);
  assert.equal(w.ms.getSession(space.id, session.id).eventCount, 0n);
  assert.deepEqual(w.ms.postEvents(space.id, session.id, [message('a'), message('b')]).map((x) => x.sequenceId), [0n, 1n]);
});

test('a quota failure surfaces as quota and changes nothing', async () => {
  const w = await world();
  const before = w.kv.snapshot();
  w.kv.failNextCommit({ tag: 'quota', message: 'store full' });
  expectError(() => w.ms.createSpace({ deduplicationKey: 'k' }), 'quota');
  assert.deepEqual(w.kv.snapshot(), before);
  assert.deepEqual(w.ms.listSpaces({}), []);
  w.ms.createSpace({ deduplicationKey: 'k' }); // the key was not left claimed
});

/** Runs `op` with its commit cut after every possible number of operations. */
async function everyCut({ prepare, op, observe, check = () => {} }) {
  const w = await world({ atomic: false });
  const ctx = await prepare(w);
  const before = w.kv.snapshot();
  const old = observe(w, ctx);
  // A clean run tells how many operations the commit has and what "done" looks like.
  op(w, ctx);
  const done = observe(w, ctx);
  const opCount = w.kv.commits.at(-1).ops.length;
  assert.notDeepEqual(done, old);
  const outcomes = [];
  for (let cut = 0; cut <= opCount; cut++) {
    w.kv.restore(before);
    w.kv.failNextCommit({ tag: 'storage', afterOps: cut });
    expectError(() => op(w, ctx), 'storage');
    const seen = observe(w, ctx);
    assert.ok(
      JSON.stringify(seen) === JSON.stringify(old) || JSON.stringify(seen) === JSON.stringify(done),
      `cut after ${cut}/${opCount} ops left a partial state: ${JSON.stringify(seen)}`,
    );
    outcomes.push(JSON.stringify(seen) === JSON.stringify(old) ? 'none' : 'all');
    check(w, ctx, outcomes.at(-1));
  }
  // The first cuts lose everything, the last ones (after the commit point) keep everything.
  assert.equal(outcomes[0], 'none');
  assert.equal(outcomes[opCount], 'all');
  return outcomes;
}

const bigintSafe = (v) => JSON.parse(JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x)));

test('post_events cut after every operation on a non-atomic store: none or all of the batch', async () => {
  const outcomes = await everyCut({
    prepare: async (w) => spaceAndSession(w),
    op: (w, { space, session }) => w.ms.postEvents(space.id, session.id, [message('a'), message('b'), message('c')]),
    observe: (w, { space, session }) =>
      bigintSafe({
        count: w.ms.getSession(space.id, session.id).eventCount,
        events: w.ms.listEvents(space.id, session.id, {}).map((e) => [e.sequenceId, e.body]),
      }),
  });
  // The three events, one event-type page mark (they share a type and a page of 16), and
  // the head last: the commit point.
  assert.deepEqual(outcomes, ['none', 'none', 'none', 'none', 'none', 'all']);
});

test('update_events cut after every operation on a non-atomic store: the journal makes it none or all', async () => {
  const outcomes = await everyCut({
    prepare: async (w) => {
      const ctx = await spaceAndSession(w);
      w.ms.postEvents(ctx.space.id, ctx.session.id, [message('a'), message('b'), message('c')]);
      return ctx;
    },
    op: (w, { space, session }) =>
      w.ms.updateEvents(space.id, session.id, [0n, 2n].map((sequenceId) => ({ sequenceId, body: '"new"', eventType: keep }))),
    observe: (w, { space, session }) => bigintSafe(w.ms.listEvents(space.id, session.id, {}).map((e) => e.body)),
  });
  assert.ok(outcomes.includes('none') && outcomes.includes('all'));
});

test('create_session with a deduplication key cut anywhere: no session and a free key, or the session holding it', async () => {
  const create = (w, space) => w.ms.createSession(space.id, { participants: ['u1'], lifecycleStrategies: [], deduplicationKey: 'k' });
  await everyCut({
    prepare: async (w) => ({ space: w.ms.createSpace({}) }),
    op: (w, { space }) => create(w, space),
    observe: (w, { space }) => w.ms.listSessions(space.id, {}).map((s) => s.deduplicationKey),
    check: (w, { space }, outcome) => {
      if (outcome === 'all') expectError(() => create(w, space), 'duplicate');
      else create(w, space); // a torn claim must not block the key
    },
  });
});
