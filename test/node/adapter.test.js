// The host KV adapter path: Memspace.open({ kv }) with the in-memory reference adapter,
// atomic and non-atomic, and two handles racing on one adapter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Memspace, MemoryKv, conflictError } from "memspace";
import { MemoryKv as DirectMemoryKv } from "memspace/memory-kv";

const user = { type: "user", id: "u1" };

test("the reference adapter is exported both ways", () => {
  assert.equal(MemoryKv, DirectMemoryKv);
  assert.equal(conflictError(new Uint8Array([1])).code, "conflict");
});

test("a full session flow persists in the adapter and a second handle reads it", async () => {
  const kv = new MemoryKv();
  const a = await Memspace.open({ kv, principal: { userId: "u1", tenantId: "t" } });
  const sp = await a.createSpace({ description: "kv" });
  const se = await a.createSession(sp.id, { participants: ["u1"] });
  await a.postEvents(sp.id, se.id, Array.from({ length: 150 }, (_, i) => ({ body: { i }, emitter: user })));
  assert.ok(kv.size > 150);
  const b = await Memspace.open({ kv, principal: { userId: "u1", tenantId: "t" } });
  const last = await b.listEvents(sp.id, se.id, { lastN: 3 });
  assert.deepEqual(last.map((e) => e.body.i), [147, 148, 149]);
  const page = await b.listEvents(sp.id, se.id, { offset: 100, limit: 100 });
  assert.equal(page.length, 50);
});

test("a non-atomic adapter (Workers KV-like) still applies multi-event updates whole", async () => {
  const inner = new MemoryKv();
  const kv = { atomicBatches: false, get: (k) => inner.get(k), getMany: (k) => inner.getMany(k), scan: (...a) => inner.scan(...a), commit: (b) => inner.commit(b) };
  const ms = await Memspace.open({ kv });
  const sp = await ms.createSpace();
  const se = await ms.createSession(sp.id, { participants: ["u1"] });
  await ms.postEvents(sp.id, se.id, [{ body: 1, emitter: user }, { body: 2, emitter: user }]);
  const out = await ms.updateEvents(sp.id, se.id, [{ sequenceId: 0, body: 10 }, { sequenceId: 1, body: 20 }]);
  assert.deepEqual(out.map((e) => e.body), [10, 20]);
  assert.deepEqual((await ms.listEvents(sp.id, se.id)).map((e) => e.body), [10, 20]);
});

test("synchronous adapters (plain return values) work too", async () => {
  const inner = new MemoryKv();
  const kvSync = {
    atomicBatches: true,
    _last: null,
  };
  // Wrap the async reference adapter in a synchronous facade backed by a Map snapshot.
  const map = new Map();
  const hex = (u) => Buffer.from(u).toString("hex");
  kvSync.get = (k) => map.get(hex(k))?.[1] ?? null;
  kvSync.getMany = (ks) => ks.map((k) => kvSync.get(k));
  kvSync.scan = (s, e, limit, reverse) => {
    const lo = hex(s);
    const hi = e ? hex(e) : null;
    let keys = [...map.keys()].filter((k) => k >= lo && (hi === null || k < hi)).sort();
    if (reverse) keys.reverse();
    return keys.slice(0, limit).map((k) => map.get(k));
  };
  kvSync.commit = ({ ops, preconditions }) => {
    for (const p of preconditions) {
      const cur = map.get(hex(p.key));
      const ok = p.type === "absent" ? !cur : cur && Buffer.compare(Buffer.from(cur[1]), Buffer.from(p.value)) === 0;
      if (!ok) throw conflictError(p.key);
    }
    for (const op of ops) {
      if (op.type === "put") map.set(hex(op.key), [op.key, op.value]);
      else map.delete(hex(op.key));
    }
  };
  void inner;
  const ms = await Memspace.open({ kv: kvSync });
  const sp = await ms.createSpace();
  const se = await ms.createSession(sp.id, { participants: ["u1"] });
  await ms.postEvent(sp.id, se.id, { body: "sync", emitter: user });
  assert.equal((await ms.listEvents(sp.id, se.id))[0].body, "sync");
});

test("two handles racing on one adapter: conflicts surface as conflict, no event lost or duplicated", async () => {
  // A slow adapter: every call yields to the event loop, so the handles' reads and commits interleave.
  const inner = new MemoryKv();
  const tick = () => new Promise((r) => setImmediate(r));
  const kv = {
    atomicBatches: true,
    get: async (k) => (await tick(), inner.get(k)),
    getMany: async (k) => (await tick(), inner.getMany(k)),
    scan: async (...a) => (await tick(), inner.scan(...a)),
    commit: async (b) => (await tick(), inner.commit(b)),
  };
  const a = await Memspace.open({ kv });
  const b = await Memspace.open({ kv });
  const sp = await a.createSpace();
  const se = await a.createSession(sp.id, { participants: ["u1"] });
  const tab = async (ms, name) => {
    for (let i = 0; i < 20; i++) await ms.postEvent(sp.id, se.id, { body: `${name}-${i}`, emitter: user });
  };
  await Promise.all([tab(a, "a"), tab(b, "b")]);
  const events = await a.listEvents(sp.id, se.id);
  assert.equal(events.length, 40);
  assert.deepEqual(events.map((e) => e.sequenceId), [...Array(40).keys()]);
  assert.deepEqual(events.map((e) => e.body).filter((x) => x.startsWith("a-")), Array.from({ length: 20 }, (_, i) => `a-${i}`));

  const results = await Promise.allSettled([a, b].map((ms, i) => ms.updateSession(sp.id, se.id, { description: `tab ${i}`, ifMatch: 1 })));
  assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
  const rejected = results.find((r) => r.status === "rejected");
  assert.equal(rejected.reason.code, "conflict");
  assert.equal((await b.getSession(sp.id, se.id)).version, 2);
});
