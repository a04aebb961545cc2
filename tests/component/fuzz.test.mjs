// The WIT boundary fuzzer's bounded slice (CI): seeded hostile calls through every exported
// interface of the transpiled component, on an atomic and a key-by-key store
// (tests/component/wit-fuzz.mjs has the invariants). `npm run fuzz` runs it longer with a fresh
// seed; MEMSPACE_FUZZ_SEED picks the seed here (a failure prints the seed and a replay line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzWit } from './wit-fuzz.mjs';
import { seedFromEnv } from '../../test/fuzz/rng.mjs';

const seed = seedFromEnv(20261201);
const CALLS = Number(process.env.MEMSPACE_WIT_FUZZ_CALLS ?? 4000);

for (const atomic of [true, false]) {
  const kind = atomic ? 'atomic' : 'key-by-key';
  test(`wit fuzz: hostile calls through every interface on the ${kind} store are typed errors that change nothing, never traps`, async () => {
    const s = await fuzzWit({ seed, calls: CALLS, atomic });
    assert.equal(s.calls, CALLS);
    assert.ok(s.accepted > CALLS / 5, `only ${s.accepted} calls were accepted: the generator is too hostile to reach the engine`);
    assert.ok(s.rejectedWritesChecked > CALLS / 20, `${s.rejectedWritesChecked} refused writes checked`);
    assert.ok(s.roundTrips > CALLS / 20, `${s.roundTrips} round trips`);
    assert.ok(s.glueRefusals > 0 && s.badClocks > 0 && s.clockJumps > 0, JSON.stringify(s));
    if (atomic) assert.ok(s.injectedFailures > 0, 'no injected storage failure was met');
    console.log(`# ${kind} seed ${seed}: ${s.calls} calls, ${s.accepted} accepted, rejected ${JSON.stringify(s.rejected)}, ${s.rejectedWritesChecked} refused writes unchanged, ${s.roundTrips} read back, ${s.glueRefusals} glue refusals, ${s.injectedFailures} injected failures`);
  });
}
