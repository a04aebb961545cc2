// Hardening rows found by the JS boundary fuzzer and the in-memory store's quota: values come
// back exactly as sent or are refused, messages stay bounded, a hostile options object is a
// typed rejection, and a full in-memory store is a `quota` error that commits nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Memspace, MemspaceError } from "memspace";

const user = { type: "user", id: "u1" };

async function fresh(extra = {}) {
  const ms = await Memspace.open({ storage: "memory", name: `h-${Math.random()}`, ...extra });
  const sp = await ms.createSpace();
  const se = await ms.createSession(sp.id, { participants: ["u1"] });
  return { ms, sp: sp.id, se: se.id };
}

async function rejects(promise, code) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof MemspaceError, `expected a MemspaceError, got ${err}`);
  assert.equal(err.code, code, err.message);
  return err;
}

test("-0 in an event body comes back as -0, not 0", async () => {
  const { ms, sp, se } = await fresh();
  const ev = await ms.postEvent(sp, se, { body: { x: -0, list: [-0, 0] }, emitter: user });
  assert.ok(Object.is(ev.body.x, -0));
  const [back] = await ms.listEvents(sp, se, { limit: 1 });
  assert.ok(Object.is(back.body.x, -0), "read back");
  assert.ok(Object.is(back.body.list[0], -0) && Object.is(back.body.list[1], 0));
});

test("an own __proto__ key in a body or metadata is refused, never silently dropped", async () => {
  const { ms, sp, se } = await fresh();
  const body = JSON.parse('{"a":1,"__proto__":{"polluted":true}}');
  const e = await rejects(ms.postEvent(sp, se, { body, emitter: user }), "validation");
  assert.match(e.message, /__proto__/);
  await rejects(ms.createSession(sp, { participants: ["u1"], metadata: JSON.parse('{"__proto__":1}') }), "validation");
  assert.deepEqual(await ms.listEvents(sp, se), [], "nothing was written");
  assert.equal({}.polluted, undefined, "no prototype was touched");
});

test("updateEvent with body null sets the body to null instead of silently keeping it", async () => {
  const { ms, sp, se } = await fresh();
  await ms.postEvent(sp, se, { body: { keep: "me?" }, emitter: user });
  const ev = await ms.updateEvent(sp, se, { sequenceId: 0, body: null });
  assert.equal(ev.body, null);
  const [back] = await ms.listEvents(sp, se);
  assert.equal(back.body, null);
  const after = await ms.updateEvent(sp, se, { sequenceId: 0, eventType: "note" });
  assert.equal(after.body, null, "an absent body keeps it");
});

test("setContext with the value null stores null, not {} (found by the fuzzer)", async () => {
  const { ms, sp, se } = await fresh();
  const e = await ms.setContext(sp, se, "k", null);
  assert.equal(e.value, null);
  const [back] = await ms.getContext(sp, se, ["k"]);
  assert.equal(back.value, null);
  await rejects(ms.setContext(sp, se, "k", undefined), "validation");
});

test("a refused first updateBlock (a token for a missing block) writes nothing (found by the fuzzer)", async () => {
  const { MemoryKv } = await import("memspace");
  const kv = new MemoryKv();
  const ms = await Memspace.open({ kv });
  const sp = (await ms.createSpace()).id;
  const dump = async () => JSON.stringify((await kv.scan(new Uint8Array(), null, 100000, false)).map(([k, v]) => [Array.from(k), Array.from(v)]));
  const before = await dump();
  await rejects(ms.updateBlock(sp, "core", { content: "x", expectedUpdatedAt: "2026-01-01T00:00:00.000000Z" }), "conflict");
  assert.equal(await dump(), before);
});

test("error messages stay bounded when the input that caused them is huge", async () => {
  const { ms, sp } = await fresh();
  const store = await ms.createStore(sp, { name: "s" });
  const key = "k".repeat(70_000);
  const e1 = await rejects(ms.createEntry(sp, store.id, { path: "a.md", content: "x", metadata: { [key]: "v" } }), "validation");
  const e2 = await rejects(ms.memoryTool(sp, store.id, JSON.stringify({ command: "z".repeat(70_000), path: "/memories" })), "validation");
  const e3 = await ms.getSpace("spc_" + "0".repeat(70_000)).then(() => assert.fail("resolved"), (e) => e);
  assert.ok(e3 instanceof MemspaceError);
  for (const e of [e1, e2, e3]) {
    assert.ok(e.message.length <= 1100, `a ${e.message.length}-character message`);
    for (const v of Object.values(e.details)) if (typeof v === "string") assert.ok(v.length <= 300, `a ${v.length}-character detail`);
  }
});

test("Memspace.open with options whose getters throw rejects with a MemspaceError", async () => {
  const hostile = new Proxy({}, { has() { throw new Error("trap"); }, get() { throw new Error("trap"); }, ownKeys() { throw new Error("trap"); } });
  const p = Memspace.open(hostile);
  assert.ok(p instanceof Promise);
  await rejects(p, "validation");
});
