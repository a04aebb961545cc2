// Hardening through the component (issue 10): JSON text the engine cannot hold exactly, nesting,
// a host clock in the wrong unit, and verify-space over a store with a flipped byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { world, spaceAndSession, message, expectError } from './harness.mjs';

test('a body with 1e309 or a 400-digit integer is refused, never stored changed', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w);
  const before = w.kv.snapshot();
  for (const n of ['1e309', '-1e309', '9'.repeat(400), '0.1000000000000000000001', '18446744073709551616']) {
    const e = expectError(() => w.ms.postEvent(space.id, session.id, { ...message('x'), body: `{"n": ${n}}` }), 'validation');
    assert.equal(e.details.field, 'body');
    assert.match(e.message, /cannot be stored exactly/);
  }
  assert.deepEqual(w.kv.snapshot(), before, 'a refused write changed storage');
  // Numbers the engine holds exactly come back with the same value.
  const body = '{"big":18446744073709551615,"neg":-9223372036854775808,"f":0.30000000000000004,"e":1e300}';
  const ev = w.ms.postEvent(space.id, session.id, { ...message('x'), body });
  // (`1e300` comes back as `1e+300`: the same value, written by the engine's serialiser.)
  assert.equal(ev.body, '{"big":18446744073709551615,"neg":-9223372036854775808,"f":0.30000000000000004,"e":1e+300}');
  const meta = expectError(() => w.ms.createSession(space.id, { participants: ['u1'], lifecycleStrategies: [], metadata: '{"x": 1e400}' }), 'validation');
  assert.equal(meta.details.field, 'metadata');
});

test('a body nested 10,000 deep is refused naming the depth limit', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w);
  const deep = '['.repeat(10_000) + ']'.repeat(10_000);
  const e = expectError(() => w.ms.postEvent(space.id, session.id, { ...message('x'), body: deep }), 'validation');
  assert.match(e.message, /nested deeper than 64/);
  assert.equal(e.details.max_depth, 64);
  const ok = '['.repeat(64) + ']'.repeat(64);
  assert.equal(w.ms.postEvent(space.id, session.id, { ...message('x'), body: ok }).body, ok);
});

test('a host clock in nanoseconds is refused: nothing is written that would not decode', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w);
  const before = w.kv.snapshot();
  const micros = w.host.micros;
  w.host.micros = micros * 1000n; // nanoseconds: year 57,970
  const e = expectError(() => w.ms.postEvent(space.id, session.id, message('x')), 'unsupported');
  assert.match(e.message, /host clock/);
  expectError(() => w.ms.createSpace({}), 'unsupported');
  assert.deepEqual(w.kv.snapshot(), before);
  w.host.micros = -(2n ** 63n); // the most negative s64: reads still answer, writes refuse
  expectError(() => w.ms.createSpace({}), 'unsupported');
  w.host.micros = micros;
  assert.equal(w.ms.postEvent(space.id, session.id, message('x')).sequenceId, 0n);
  assert.equal(w.ms.getSession(space.id, session.id).eventCount, 1n);
});

test('verify-space reports a flipped byte; the other records stay readable', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w);
  w.ms.postEvents(space.id, session.id, ['a', 'b', 'c'].map((c) => message(c)));
  assert.deepEqual(w.ms.verifySpace(space.id).problems, []);
  // Find the stored event #1 (the key ends in its 8-byte sequence number) and flip a byte.
  const [hexKey] = w.kv.sorted.filter((h) => h.startsWith(Buffer.from('ev\0').toString('hex')) && h.endsWith('0000000000000001'));
  const entry = w.kv.map.get(hexKey);
  entry.value[entry.value.length - 2] ^= 1;
  expectError(() => w.ms.listEvents(space.id, session.id, { offset: 1n, limit: 1n }), 'storage');
  assert.equal(w.ms.listEvents(space.id, session.id, { offset: 2n, limit: 1n }).length, 1);
  const report = w.ms.verifySpace(space.id);
  assert.equal(report.problems.length, 1);
  assert.equal(report.problems[0].kind, 'corrupt');
  assert.equal(report.problems[0].key, `ev/${space.id}/${session.id}/#1`);
  assert.equal(report.truncated, false);
});
