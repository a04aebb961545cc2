// The JS boundary: what crosses into the engine is exactly what the caller wrote (key order,
// exact values), typos are refused by name, and hostile values (huge, non-JSON, unbound
// calls, a misbehaving adapter) are typed rejections that leave nothing behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Memspace, MemspaceError, MemoryKv, wasmMemoryBytes } from "memspace";

const user = { type: "user", id: "u1" };

async function fresh(extra = {}) {
  const ms = await Memspace.open({ storage: "memory", name: `b-${Math.random()}`, ...extra });
  const sp = await ms.createSpace();
  const se = await ms.createSession(sp.id, { participants: ["u1"] });
  return { ms, sp: sp.id, se: se.id };
}

async function rejects(promise, code, field) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof MemspaceError, `expected a MemspaceError, got ${err}`);
  assert.equal(err.code, code, err.message);
  if (field !== undefined) assert.equal(err.details.field, field, err.message);
  return err;
}

/** Settles within `ms` or fails: a call that never settles is the bug, not a slow test. */
function settles(promise, ms = 5000) {
  let timer;
  const timeout = new Promise((_, ko) => (timer = setTimeout(() => ko(new Error(`did not settle within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

test("unknown keys are rejected with validation naming the key as the caller spelled it", async () => {
  const { ms, sp, se } = await fresh();
  let e = await rejects(ms.createSpace({ descripton: "typo" }), "validation", "input.descripton");
  assert.match(e.message, /descripton/);
  assert.match(e.message, /description/, "the message lists the keys that exist");
  e = await rejects(ms.listEvents(sp, se, { lastn: 5 }), "validation", "query.lastn");
  assert.match(e.message, /lastN/);
  await rejects(ms.postEvent(sp, se, { body: {}, emitter: { type: "user", id: "u1", kind: "x" } }), "validation", "event.emitter.kind");
  await rejects(ms.postEvents(sp, se, [{ body: 1, emitter: user }, { body: 2, emitter: user, event_type: "m" }]), "validation", "events[1].event_type");
  await rejects(
    ms.createSession(sp, { participants: ["u1"], lifecycleStrategies: [{ type: "soft_delete", trigger: { ttl: 60 }, opt: {} }] }),
    "validation",
    "input.lifecycleStrategies[0].opt",
  );
  await rejects(ms.updateSession(sp, se, { if_match: 1 }), "validation", "update.if_match");
  await rejects(ms.listStores(sp, { includearchived: true }), "validation", "query.includearchived");
  await rejects(Memspace.open({ storage: "memory", nmae: "x" }), "validation", "nmae");
  await rejects(Memspace.open({ storage: "memory", principal: { userId: "u", tenantID: "t" } }), "validation", "principal.tenantID");
  assert.deepEqual(await ms.listEvents(sp, se), [], "nothing was written");
});

test("event bodies and metadata keep their key order and exact values", async () => {
  const { ms, sp, se } = await fresh();
  const body = {
    zeta: 1,
    alpha: { y: [3, 2, 1], b: null, a: "é ✓ 𝄞" },
    snake_case_key: true,
    camelKey: false,
    max: Number.MAX_SAFE_INTEGER,
    min: Number.MIN_SAFE_INTEGER,
    tiny: 5e-324,
    huge: 1.7976931348623157e308,
    third: 0.1 + 0.2,
    neg: -2.5,
    empty: {},
    list: [],
  };
  const posted = await ms.postEvent(sp, se, { body, emitter: user });
  const [read] = await ms.listEvents(sp, se);
  for (const ev of [posted, read]) {
    assert.deepEqual(ev.body, body);
    assert.deepEqual(Object.keys(ev.body), Object.keys(body), "key order kept");
    assert.deepEqual(Object.keys(ev.body.alpha), ["y", "b", "a"]);
    assert.ok(Object.is(ev.body.third, 0.30000000000000004));
  }
  const meta = { z: 1, a: { c: 2, b: 1 } };
  const s = await ms.createSession(sp, { participants: ["u1"], metadata: meta });
  assert.deepEqual(Object.keys((await ms.getSession(sp, s.id)).metadata), ["z", "a"]);
  assert.deepEqual(Object.keys((await ms.getSession(sp, s.id)).metadata.a), ["c", "b"]);
});

test("text holding a real U+FFFD is stored as written; a lone surrogate in a key or value is refused", async () => {
  const { ms, sp, se } = await fresh();
  const body = { "k\uFFFD": "a \uFFFD b", list: ["\uFFFD"], ok: "😀" };
  const [stored] = await ms.postEvents(sp, se, [{ body, emitter: user, eventType: "t\uFFFD" }]);
  assert.deepEqual(stored.body, body);
  assert.equal(stored.eventType, "t\uFFFD");
  const [read] = await ms.listEvents(sp, se, { lastN: 1 });
  assert.deepEqual(read.body, body);
  for (const bad of [{ content: "x\uD800y" }, { ["k\uDC00"]: 1 }, ["\uFFFD", "\uDBFF"]]) {
    await rejects(ms.postEvents(sp, se, [{ body: { ok: 1 }, emitter: user }, { body: bad, emitter: user }]), "validation");
  }
  await rejects(ms.postEvent(sp, se, { body: {}, emitter: user, eventType: "\uD83D" }), "validation");
  assert.equal((await ms.listEvents(sp, se, { lastN: 10 })).length, 1, "a refused batch writes nothing");
});

test("error messages use the JS field names", async () => {
  const { ms, sp, se } = await fresh();
  let e = await rejects(ms.listEvents(sp, se, { lastN: 0 }), "validation", "lastN");
  assert.match(e.message, /^lastN: /);
  assert.doesNotMatch(e.message, /last_n/);
  e = await rejects(ms.listEvents(sp, se, { lastN: 2, offset: 1 }), "validation", "lastN");
  assert.match(e.message, /offset and lastN/);
  e = await rejects(ms.createSpace({ llmBaseUrl: "ftp://x" }), "validation", "llmBaseUrl");
  assert.match(e.message, /^llmBaseUrl: /);
  e = await rejects(ms.postEvent(sp, se, { body: {}, emitter: { type: "user", id: "stranger" } }), "validation", "emitter.id");
});

test("a body containing a non-finite number is rejected, never stored as null", async () => {
  const { ms, sp, se } = await fresh();
  for (const bad of [NaN, Infinity, -Infinity]) {
    const e = await rejects(ms.postEvent(sp, se, { body: { a: [1, { x: bad }] }, emitter: user }), "validation", "event.body.a[1].x");
    assert.match(e.message, /finite/);
  }
  await rejects(ms.createSession(sp, { participants: ["u1"], metadata: { n: NaN } }), "validation", "input.metadata.n");
  await rejects(ms.postEvent(sp, se, { body: { big: 10n }, emitter: user }), "validation", "event.body.big");
  await rejects(ms.postEvent(sp, se, { body: { f() {} }, emitter: user }), "validation", "event.body.f");
  assert.deepEqual(await ms.listEvents(sp, se), [], "nothing was stored");
});

test("limit: NaN or Infinity in options is a validation error, not absent", async () => {
  const { ms, sp, se } = await fresh();
  await rejects(ms.listEvents(sp, se, { limit: NaN }), "validation", "query.limit");
  await rejects(ms.listEvents(sp, se, { lastN: Infinity }), "validation", "query.lastN");
  await rejects(ms.listSpaces({ limit: Infinity }), "validation", "page.limit");
  await rejects(ms.listSessions(sp, { offset: -Infinity }), "validation", "filter.offset");
  await rejects(ms.listEvents(sp, se, { limit: 2.5 }), "validation", "query.limit");
  await rejects(ms.sweep(NaN), "validation", "limit");
  await rejects(ms.sweep(Infinity), "validation", "limit");
});

test("a method called unbound or after free() rejects with a MemspaceError", async () => {
  const { ms } = await fresh();
  const unbound = ms.listSpaces;
  let p = unbound();
  assert.ok(p instanceof Promise, "a promise, not a synchronous TypeError");
  await rejects(p, "validation");
  await rejects(ms.getSpace.call({}, "spc_x"), "validation");
  const other = await Memspace.open({ storage: "memory" });
  other.free();
  p = other.listSpaces();
  assert.ok(p instanceof Promise);
  const e = await rejects(p, "validation");
  assert.match(e.message, /free\(\)/);
  assert.doesNotThrow(() => other.free(), "free() twice is harmless");
  assert.throws(() => other.forPrincipal({ userId: "a", tenantId: "b" }), MemspaceError);
});

test("an adapter missing a method is validation, not storage", async () => {
  const e = await rejects(Memspace.open({ kv: { get() {}, scan() {}, commit() {} } }), "validation", "kv");
  assert.match(e.message, /getMany/);
  await rejects(Memspace.open({ kv: 42 }), "validation", "kv");
});

test("a JS KV adapter that throws where a Uint8Array is built rejects the call and releases the write lock", async () => {
  const inner = new MemoryKv();
  let poison = false;
  const kv = {
    atomicBatches: true,
    // -1 makes `new Uint8Array(value)` throw a RangeError inside the engine's adapter glue.
    get: async (k) => (poison ? -1 : inner.get(k)),
    getMany: async (ks) => (poison ? ks.map(() => -1) : inner.getMany(ks)),
    scan: (...a) => inner.scan(...a),
    commit: (b) => inner.commit(b),
  };
  const ms = await Memspace.open({ kv });
  const sp = await ms.createSpace();
  const se = await ms.createSession(sp.id, { participants: ["u1"] });
  const again = await Memspace.open({ kv }); // a handle with a cold cache reads through get()
  poison = true;
  const e = await settles(rejects(again.postEvent(sp.id, se.id, { body: 1, emitter: user }), "storage"));
  assert.match(e.message, /Uint8Array/);
  poison = false;
  const ev = await settles(again.postEvent(sp.id, se.id, { body: 2, emitter: user }));
  assert.equal(ev.sequenceId, 0, "the failed call wrote nothing and the next write ran");
});

test("an event body of 6 million numbers is rejected before it is copied into wasm; memory stays bounded", async () => {
  const { ms, sp, se } = await fresh();
  await ms.postEvent(sp, se, { body: { warm: "up" }, emitter: user });
  const before = wasmMemoryBytes();
  assert.ok(before > 0);
  const huge = new Array(6_000_000).fill(1.5);
  const e = await rejects(ms.postEvent(sp, se, { body: huge, emitter: user }), "validation", "event.body");
  assert.match(e.message, /too large/);
  const deep = {};
  let cur = deep;
  for (let i = 0; i < 10_000; i++) cur = cur.d = {};
  const d = await rejects(ms.postEvent(sp, se, { body: deep, emitter: user }), "validation");
  assert.match(d.message, /nested deeper than 64/);
  const ok64 = {};
  cur = ok64;
  for (let i = 0; i < 63; i++) cur = cur.d = {};
  await ms.postEvent(sp, se, { body: ok64, emitter: user }); // 64 levels: the limit itself
  await rejects(ms.postEvents(sp, se, Array.from({ length: 20_000 }, () => ({ body: 1, emitter: user }))), "validation", "events");
  await rejects(ms.createSpace({ description: "x".repeat(20_000_000) }), "validation", "input.description");
  const grown = wasmMemoryBytes() - before;
  assert.ok(grown < 8 * 1024 * 1024, `wasm memory grew by ${grown} bytes`);
  assert.equal((await ms.listEvents(sp, se)).length, 2);
});

test("storage \"memory\" filled toward the wasm memory limit gives a typed quota error and commits nothing", async () => {
  // The default quota (1 GiB) keeps a full store far from wasm32's 4 GiB; a small one shows the behaviour quickly.
  const ms = await Memspace.open({ storage: "memory", name: `quota-${Math.random()}`, maxBytes: 300_000 });
  const sp = await ms.createSpace();
  const se = await ms.createSession(sp.id, { participants: ["u1"] });
  // Letters that do not compress (xorshift), so each event stores its full size.
  let x = 0x2545f491;
  const noise = () => Array.from({ length: 1000 }, () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), String.fromCharCode(97 + ((x >>> 0) % 26)))).join("");
  const batch = Array.from({ length: 50 }, (_, i) => ({ body: { i, text: noise() }, emitter: user }));
  let err;
  for (let round = 0; round < 20 && !err; round++) {
    const before = (await ms.getSession(sp.id, se.id)).eventCount;
    try {
      await settles(ms.postEvents(sp.id, se.id, batch));
    } catch (e) {
      err = e;
      assert.equal((await ms.getSession(sp.id, se.id)).eventCount, before, "the failing batch committed nothing");
    }
  }
  assert.ok(err instanceof MemspaceError, `expected a quota error, got ${err}`);
  assert.equal(err.code, "quota");
  assert.equal(err.status, 507);
  const events = await ms.listEvents(sp.id, se.id, { lastN: 1 });
  assert.equal(events.length, 1, "what was acknowledged is still readable");
  await rejects(Memspace.open({ storage: "memory", maxBytes: 0 }), "validation", "maxBytes");
  await rejects(Memspace.open({ storage: "memory", maxBytes: 2 ** 33 }), "validation", "maxBytes");
});
