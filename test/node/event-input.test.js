// Event inputs that are plain JSON data cross into WebAssembly as one JSON text; any other
// input is read field by field. Both readings store the same events and refuse the same
// inputs with the same error: each case is posted as plain data and again with every object
// given a prototype of its own (which only the field-by-field reading takes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Memspace, MemspaceError } from "memspace";

const user = { type: "user", id: "u1" };
const clock = () => Date.parse("2026-01-01T00:00:00Z");

async function fresh() {
  const ms = await Memspace.open({ storage: "memory", name: `in-${Math.random()}`, clock });
  const sp = (await ms.createSpace()).id;
  const se = (await ms.createSession(sp, { participants: ["u1"] })).id;
  return { ms, sp, se };
}

/** `v` with every plain object and array copied onto a prototype that is not the plain one. */
function unplain(v) {
  if (Array.isArray(v)) {
    const a = Object.setPrototypeOf([], Object.create(Array.prototype));
    for (let i = 0; i < v.length; i++) a[i] = unplain(v[i]);
    return a;
  }
  if (v && typeof v === "object") {
    const o = Object.create(Object.create(Object.prototype));
    for (const k of Object.keys(v)) Object.defineProperty(o, k, { value: unplain(v[k]), enumerable: true, writable: true, configurable: true });
    return o;
  }
  return v;
}

/** What a call answers, as comparable data: the records (-0 kept), or the error's fields. */
async function outcome(promise) {
  try {
    const r = await promise;
    return { ok: JSON.stringify(r, (k, x) => (Object.is(x, -0) ? "-0" : x)) };
  } catch (e) {
    assert.ok(e instanceof MemspaceError, `a MemspaceError, got ${e}`);
    return { code: e.code, message: e.message, details: e.details };
  }
}

const bodies = [
  { content: "plain text" },
  { b: 1, 2: "two", a: [3, { z: 1, y: 2 }], 1: null, "": "empty key" },
  { s: "quote \" backslash \\ newline \n tab \t nul \u0000 unit sep \u001f del \u007f line sep \u2028 é 😀 /" },
  { n: [0, 1, -1, 0.1, 1e-7, 123.456e10, 2 ** 53 - 1, -(2 ** 53 - 1), 5e-324, 1.7976931348623157e308, -2.5e-300] },
  { zero: -0 },
  { big: 2 ** 53 },
  { big: [1e21, -(2 ** 60)] },
  { t: true, f: false, nothing: null, gone: undefined, list: [undefined, null, [], {}] },
  "a string body",
  42,
  null,
  [1, "two", { three: 3 }],
  JSON.parse(`${"[".repeat(60)}1${"]".repeat(60)}`),
];

test("plain event inputs are stored exactly as the field-by-field reading stores them", async () => {
  for (const [i, body] of bodies.entries()) {
    const events = [
      { body, emitter: user, eventType: "message" },
      { body, emitter: { type: "agent" }, eventType: null },
      { body, emitter: { type: "tool", id: null } },
    ];
    const a = await fresh();
    const b = await fresh();
    const posted = [await outcome(a.ms.postEvents(a.sp, a.se, events)), await outcome(b.ms.postEvents(b.sp, b.se, unplain(events)))];
    const one = [await outcome(a.ms.postEvent(a.sp, a.se, events[0])), await outcome(b.ms.postEvent(b.sp, b.se, unplain(events[0])))];
    const read = [await outcome(a.ms.listEvents(a.sp, a.se, {})), await outcome(b.ms.listEvents(b.sp, b.se, {}))];
    // The session too: its token count is counted from the stored bodies.
    const session = [await outcome(a.ms.getSession(a.sp, a.se)), await outcome(b.ms.getSession(b.sp, b.se))];
    for (const [x, y] of [posted, one, read, session]) {
      assert.ok(x.ok, `body ${i}: ${x.message}`);
      assert.deepEqual(x.ok.replaceAll(a.se, "S").replaceAll(a.sp, "P"), y.ok.replaceAll(b.se, "S").replaceAll(b.sp, "P"), `body ${i}`);
    }
  }
});

test("event inputs the plain reading cannot take are refused alike, with the field-by-field reading's error", async () => {
  const cases = [
    [{ body: 1, emitter: user, Body: 2 }, "an unknown key, named as spelled"],
    [{ body: 1, emitter: { type: "user", id: "u1", ID: 1 } }, "an unknown emitter key"],
    [{ emitter: user }, "no body"],
    [{ body: 1 }, "no emitter"],
    [{ body: 1, emitter: user, eventType: 5 }, "a number for a string"],
    [{ body: 1, emitter: { type: 1 } }, "a number for the emitter type"],
    [{ body: { x: NaN }, emitter: user }, "NaN"],
    [{ body: { x: Infinity }, emitter: user }, "Infinity"],
    [{ body: { x: 10n }, emitter: user }, "a BigInt"],
    [{ body: { f() {} }, emitter: user }, "a function"],
    [{ body: { s: Symbol("s") }, emitter: user }, "a symbol"],
    [{ body: { s: "lone \ud800 surrogate" }, emitter: user }, "a lone surrogate"],
    [{ body: { ["lone \udc00"]: 1 }, emitter: user }, "a lone surrogate in a key"],
    [{ body: JSON.parse('{"__proto__":1}'), emitter: user }, "an own __proto__ key"],
    [{ body: JSON.parse(`${"[".repeat(70)}1${"]".repeat(70)}`), emitter: user }, "nested too deep"],
    [{ body: { big: "x".repeat(300 * 1024) }, emitter: user }, "too large"],
    [{ body: 1, emitter: user, eventType: "m".repeat(200) }, "an event type too long"],
    [null, "null"],
    [undefined, "undefined"],
    ["text", "a string for an event"],
  ];
  for (const [event, what] of cases) {
    const a = await fresh();
    const got = [
      await outcome(a.ms.postEvents(a.sp, a.se, [{ body: 0, emitter: user }, event])),
      await outcome(a.ms.postEvents(a.sp, a.se, unplain([{ body: 0, emitter: user }, event]))),
      await outcome(a.ms.postEvent(a.sp, a.se, event)),
      await outcome(a.ms.postEvent(a.sp, a.se, unplain(event))),
    ];
    assert.equal(got[0].code, "validation", `${what}: ${JSON.stringify(got[0])}`);
    assert.deepEqual(got[1], got[0], what);
    assert.equal(got[2].code, "validation", `${what}: ${JSON.stringify(got[2])}`);
    assert.deepEqual(got[3], got[2], what);
    assert.deepEqual(await outcome(a.ms.listEvents(a.sp, a.se, {})), { ok: "[]" }, `${what}: nothing stored`);
  }
});

test("a field the field-by-field reading sees is not lost: a non-enumerable eventType is read", async () => {
  const { ms, sp, se } = await fresh();
  const event = { body: 1, emitter: user };
  Object.defineProperty(event, "eventType", { value: "hidden", enumerable: false });
  const [e] = await ms.postEvents(sp, se, [event]);
  assert.equal(e.eventType, "hidden");
});

test("a getter in a body is read once and its value stored; one that throws is a validation error", async () => {
  const { ms, sp, se } = await fresh();
  let reads = 0;
  const body = {
    get x() {
      reads += 1;
      return reads;
    },
  };
  const [e] = await ms.postEvents(sp, se, [{ body, emitter: user }]);
  assert.deepEqual(e.body, { x: 1 });
  assert.equal(reads, 1);
  const hostile = {
    get x() {
      throw new Error("getter");
    },
  };
  const err = await outcome(ms.postEvents(sp, se, [{ body: hostile, emitter: user }]));
  assert.equal(err.code, "validation", JSON.stringify(err));
});
