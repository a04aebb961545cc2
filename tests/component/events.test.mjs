// Events through the component: sequence ids, verbatim JSON bodies, batches, paging,
// last_n, event-type filters, updates with optimistic concurrency, two instances sharing a store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { world, instance, spaceAndSession, message, expectError, keep, set } from './harness.mjs';

const seqs = (events) => events.map((e) => Number(e.sequenceId));

test('sequence ids start at 0 and increase by one; the body comes back as the same JSON', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w);
  const body = { content: 'hi', parts: [1, 2.5, null, true], nested: { 'ü': 'ß' } };
  const e0 = w.ms.postEvent(space.id, session.id, { body: JSON.stringify(body), emitter: { kind: 'user', id: 'u1' }, eventType: 'message' });
  const e1 = w.ms.postEvent(space.id, session.id, { body: '"just a string"', emitter: { kind: 'agent', id: undefined }, eventType: undefined });
  assert.equal(e0.sequenceId, 0n);
  assert.equal(e1.sequenceId, 1n);
  assert.equal(e0.sessionId, session.id);
  assert.deepEqual(JSON.parse(e0.body), body);
  assert.equal(JSON.parse(e1.body), 'just a string');
  assert.equal(w.ms.getSession(space.id, session.id).eventCount, 2n);
});

test('a user emitter must be a participant; bad JSON is a validation error', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w);
  const v = expectError(() => w.ms.postEvent(space.id, session.id, { ...message('x'), emitter: { kind: 'user', id: 'stranger' } }), 'validation');
  assert.equal(v.details.field, 'emitter.id');
  const j = expectError(() => w.ms.postEvent(space.id, session.id, { ...message('x'), body: '{"content":' }), 'validation');
  assert.equal(j.details.field, 'body');
  assert.equal(w.ms.getSession(space.id, session.id).eventCount, 0n);
});

test('post_events appends a batch in order; one invalid item creates nothing; 1–200 items', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w);
  const batch = ['a', 'b', 'c'].map((c) => message(c));
  assert.deepEqual(seqs(w.ms.postEvents(space.id, session.id, batch)), [0, 1, 2]);
  expectError(() => w.ms.postEvents(space.id, session.id, [message('d'), { ...message('e'), emitter: { kind: '', id: undefined } }]), 'validation');
  expectError(() => w.ms.postEvents(space.id, session.id, []), 'validation');
  expectError(() => w.ms.postEvents(space.id, session.id, Array.from({ length: 201 }, () => message('x'))), 'validation');
  assert.equal(w.ms.postEvents(space.id, session.id, Array.from({ length: 200 }, () => message('x'))).length, 200);
  assert.equal(w.ms.getSession(space.id, session.id).eventCount, 203n);
});

test('offset and limit page events ascending', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w);
  w.ms.postEvents(space.id, session.id, Array.from({ length: 30 }, (_, i) => message(`m${i}`)));
  assert.deepEqual(seqs(w.ms.listEvents(space.id, session.id, { offset: 10n, limit: 5n })), [10, 11, 12, 13, 14]);
  assert.equal(w.ms.listEvents(space.id, session.id, {}).length, 30);
  assert.deepEqual(w.ms.listEvents(space.id, session.id, { offset: 40n }), []);
});

test('last_n returns the most recent events, still ascending, also with an event-type filter', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w);
  w.ms.postEvents(space.id, session.id, Array.from({ length: 30 }, (_, i) => message(`m${i}`, i % 3 === 0 ? 'tool' : 'message')));
  assert.deepEqual(seqs(w.ms.listEvents(space.id, session.id, { lastN: 5n })), [25, 26, 27, 28, 29]);
  assert.deepEqual(seqs(w.ms.listEvents(space.id, session.id, { lastN: 3n, eventType: 'tool' })), [21, 24, 27]);
  assert.deepEqual(seqs(w.ms.listEvents(space.id, session.id, { eventType: 'tool', limit: 2n })), [0, 3]);
  expectError(() => w.ms.listEvents(space.id, session.id, { offset: 1n, lastN: 2n }), 'validation');
  expectError(() => w.ms.listEvents(space.id, session.id, { lastN: 0n }), 'validation');
  expectError(() => w.ms.listEvents(space.id, session.id, { limit: 101n }), 'validation');
});

test('update_event replaces the body and strictly increases updated_at', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w);
  const e = w.ms.postEvent(space.id, session.id, message('draft'));
  const u = w.ms.updateEvent(space.id, session.id, {
    sequenceId: 0n,
    body: JSON.stringify({ content: 'final' }),
    eventType: set('note'),
    emitter: undefined,
    ifUnmodifiedSince: e.updatedAt,
  });
  assert.deepEqual(JSON.parse(u.body), { content: 'final' });
  assert.equal(u.eventType, 'note');
  assert.ok(u.updatedAt > e.updatedAt); // same host time, still strictly greater
  assert.deepEqual(w.ms.listEvents(space.id, session.id, {}), [u]);
  expectError(() => w.ms.updateEvent(space.id, session.id, { sequenceId: 0n, eventType: keep }), 'validation');
  const nf = expectError(() => w.ms.updateEvent(space.id, session.id, { sequenceId: 5n, body: '1', eventType: keep }), 'not-found');
  assert.equal(nf.details.sequence_id, 5);
});

test('update_event with a stale if_unmodified_since is a conflict; update_events is all or nothing', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w);
  const [e0, e1] = w.ms.postEvents(space.id, session.id, [message('a'), message('b')]);
  w.host.advanceSecs(1);
  w.ms.updateEvent(space.id, session.id, { sequenceId: 1n, body: '"b2"', eventType: keep });
  const c = expectError(
    () => w.ms.updateEvent(space.id, session.id, { sequenceId: 1n, body: '"b3"', eventType: keep, ifUnmodifiedSince: e1.updatedAt }),
    'conflict',
  );
  assert.equal(c.details.precondition, 'if_unmodified_since');
  const before = w.ms.listEvents(space.id, session.id, {});
  expectError(
    () =>
      w.ms.updateEvents(space.id, session.id, [
        { sequenceId: 0n, body: '"a2"', eventType: keep, ifUnmodifiedSince: e0.updatedAt },
        { sequenceId: 1n, body: '"b4"', eventType: keep, ifUnmodifiedSince: e1.updatedAt },
      ]),
    'conflict',
  );
  assert.deepEqual(w.ms.listEvents(space.id, session.id, {}), before);
  expectError(
    () => w.ms.updateEvents(space.id, session.id, [0n, 0n].map((sequenceId) => ({ sequenceId, body: '1', eventType: keep }))),
    'validation',
  );
  const both = w.ms.updateEvents(space.id, session.id, [0n, 1n].map((sequenceId) => ({ sequenceId, body: '"z"', eventType: keep })));
  assert.deepEqual(both.map((e) => e.body), ['"z"', '"z"']);
});

test('two component instances over one store alternate appends without sharing a sequence id', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w);
  const second = (await instance(w.kv, w.host)).Memspace.open({ userId: 'u1', tenantId: 't1' });
  const got = [];
  for (let i = 0; i < 10; i++) {
    got.push(w.ms.postEvent(space.id, session.id, message(`a${i}`)).sequenceId);
    got.push(second.postEvent(space.id, session.id, message(`b${i}`)).sequenceId);
  }
  assert.deepEqual(got.map(Number), Array.from({ length: 20 }, (_, i) => i));
  assert.equal(second.getSession(space.id, session.id).eventCount, 20n);
});

test('a body comes back as the same JSON value, compact, with object keys in the order given', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w);
  const e = w.ms.postEvent(space.id, session.id, { body: '{ "b": 1, "a": [ 2, {"d": 0, "c": 1.5} ] }', emitter: { kind: 'agent' } });
  assert.equal(e.body, '{"b":1,"a":[2,{"d":0,"c":1.5}]}');
  assert.equal(w.ms.listEvents(space.id, session.id, {})[0].body, e.body);
});

test('delete-event: later ids stay, listings count live events, a deleted id is gone', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w);
  w.ms.postEvents(space.id, session.id, Array.from({ length: 6 }, (_, i) => message(`m${i}`)));
  assert.equal(w.ms.deleteEvent(space.id, session.id, 1n), undefined);
  assert.equal(w.ms.deleteEvent(space.id, session.id, 4n), undefined);
  assert.deepEqual(seqs(w.ms.listEvents(space.id, session.id, {})), [0, 2, 3, 5]);
  assert.deepEqual(seqs(w.ms.listEvents(space.id, session.id, { offset: 1n, limit: 2n })), [2, 3]);
  assert.deepEqual(seqs(w.ms.listEvents(space.id, session.id, { lastN: 3n })), [2, 3, 5]);
  assert.equal(w.ms.postEvent(space.id, session.id, message('next')).sequenceId, 6n);
  expectError(() => w.ms.deleteEvent(space.id, session.id, 1n), 'gone');
  expectError(() => w.ms.updateEvent(space.id, session.id, { sequenceId: 4n, body: '"x"', eventType: keep }), 'gone');
  expectError(() => w.ms.deleteEvent(space.id, session.id, 7n), 'not-found');
});
