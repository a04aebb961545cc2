// The JS boundary fuzzer's bounded slice (CI): seeded hostile calls to every method on the
// in-memory store, an atomic adapter and a key-by-key adapter (test/fuzz/js-boundary.mjs has
// the invariants). `npm run fuzz` runs the same fuzzer for over a million calls with a fresh
// seed; MEMSPACE_FUZZ_SEED picks the seed here (a failure prints the seed and a replay line).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fuzzJs } from "../fuzz/js-boundary.mjs";
import { seedFromEnv } from "../fuzz/rng.mjs";

const seed = seedFromEnv(20261130);
const CALLS = Number(process.env.MEMSPACE_FUZZ_CALLS ?? 20000);

for (const backend of ["memory", "adapter", "keyed"]) {
  test(`fuzz: hostile calls to every method on the ${backend} backend are typed rejections that change nothing, and accepted values read back exactly`, async () => {
    const s = await fuzzJs({ seed, calls: CALLS, backend });
    assert.equal(s.calls, CALLS);
    assert.ok(s.accepted > CALLS / 10, `only ${s.accepted} calls were accepted: the generator is too hostile to reach the engine`);
    assert.ok(s.rejectedWritesChecked > CALLS / 20, `${s.rejectedWritesChecked} rejected writes checked`);
    assert.ok(s.roundTrips > CALLS / 20, `${s.roundTrips} round trips`);
    console.log(`# ${backend} seed ${seed}: ${s.calls} calls, ${s.accepted} accepted, rejected ${JSON.stringify(s.rejected)}, ${s.rejectedWritesChecked} rejected writes unchanged, ${s.roundTrips} read back`);
  });
}
