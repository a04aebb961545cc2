// Reads write nothing unless a lifecycle trigger is due, and an unfiltered listEvents is one
// snapshot read (space, head and events together; in IndexedDB one readonly transaction). With
// lastN the head comes from its copy stored after the events: one scan returns both.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Memspace, MemoryKv } from "memspace";

function counting() {
  const inner = new MemoryKv();
  const calls = { get: 0, getMany: 0, scan: 0, commit: 0 };
  return {
    calls,
    atomicBatches: true,
    get: (k) => (calls.get++, inner.get(k)),
    getMany: (ks) => (calls.getMany++, inner.getMany(ks)),
    scan: (...a) => (calls.scan++, inner.scan(...a)),
    commit: (b) => (calls.commit++, inner.commit(b)),
  };
}

test("a read writes nothing unless a lifecycle trigger is due", async () => {
  let now = Date.parse("2026-01-01T00:00:00Z");
  const kv = counting();
  const ms = await Memspace.open({ kv, clock: () => now });
  const sp = await ms.createSpace();
  const se = await ms.createSession(sp.id, { participants: ["u1"], lifecycleStrategies: [{ type: "soft_delete", trigger: { idle: 3600 } }] });
  await ms.postEvents(sp.id, se.id, Array.from({ length: 30 }, (_, i) => ({ body: { i }, emitter: { type: "user", id: "u1" } })));
  for (const k in kv.calls) kv.calls[k] = 0;
  const last = await ms.listEvents(sp.id, se.id, { lastN: 20 });
  assert.deepEqual(last.map((e) => e.body.i), Array.from({ length: 20 }, (_, i) => i + 10));
  assert.deepEqual(kv.calls, { get: 1, getMany: 0, scan: 1, commit: 0 }, "one snapshot: the space, then the head copy and the events in one scan");
  const page = await ms.listEvents(sp.id, se.id, { offset: 25, limit: 10 });
  assert.deepEqual(page.map((e) => e.body.i), [25, 26, 27, 28, 29]);
  await ms.getSession(sp.id, se.id);
  assert.equal(kv.calls.commit, 0, "no writes on reads");
  now += 3601 * 1000; // the idle trigger is due now: the read fires it (one write) and sees the session gone
  const gone = await ms.listEvents(sp.id, se.id, { lastN: 5 }).catch((e) => e);
  assert.equal(gone.code, "gone");
  assert.equal(kv.calls.commit, 1);
});
