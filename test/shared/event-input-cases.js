// Event inputs that are plain JSON data cross into WebAssembly as one JSON text; any other
// input is read field by field. Both readings must store the same events and refuse the same
// inputs with the same error: each case is posted as plain data and again with every object
// and array given a prototype of its own (which only the field-by-field reading takes), and
// the answers, the stored events and the session are compared. Shared by
// test/node/event-input.test.js (in-memory store) and test/browser/event-input.test.mjs
// (IndexedDB in Chromium). `check` throws an Error naming the first difference.

const user = { type: "user", id: "u1" };
const clock = () => Date.parse("2026-01-01T00:00:00Z");

/** `v` with every plain object and array copied onto a prototype that is not the plain one. */
function unplain(v) {
  if (Array.isArray(v)) {
    const a = Object.setPrototypeOf([], Object.create(Array.prototype));
    for (let i = 0; i < v.length; i++) if (i in v) a[i] = unplain(v[i]);
    a.length = v.length;
    return a;
  }
  if (v && typeof v === "object" && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    const o = Object.create(Object.create(Object.prototype));
    for (const k of Reflect.ownKeys(v)) Object.defineProperty(o, k, { ...Object.getOwnPropertyDescriptor(v, k), value: unplain(v[k]) });
    return o;
  }
  return v;
}

/** What a call answers, as comparable text: the records (-0 kept), or the error's fields. */
async function outcome(promise) {
  try {
    const r = await promise;
    return `ok ${JSON.stringify(r, (k, x) => (Object.is(x, -0) ? "-0" : x))}`;
  } catch (e) {
    if (!e || typeof e.code !== "string") return `not a MemspaceError: ${e}`;
    return `error ${e.code} ${e.message} ${JSON.stringify(e.details)}`;
  }
}

function sparse() {
  const a = [1];
  a[3] = 4;
  return a;
}

/** Bodies stored alike by both readings (some of them are read field by field either way). */
export const bodies = [
  { content: "plain text" },
  { b: 1, 2: "two", a: [3, { z: 1, y: 2 }], 1: null, "": "empty key" },
  { s: 'quote " backslash \\ newline \n tab \t nul \u0000 unit sep \u001f del \u007f line sep \u2028 é 😀 /' },
  { n: [0, 1, -1, 0.1, 0.1 + 0.2, 1e-7, 1.5e-7, 4.35, 1 / 3, 123.456e10, 2 ** 53 - 1, -(2 ** 53 - 1), 5e-324, 2.2250738585072014e-308, -2.5e-300, 5.0] },
  { max: [1.7976931348623157e308, -1.7976931348623157e308, 1e21] },
  { zero: -0, list: [-0, 0] },
  { big: [2 ** 53, 2 ** 53 + 2, 1e21, -(2 ** 60)] },
  { t: true, f: false, nothing: null, gone: undefined, list: [undefined, null, [], {}] },
  { holes: sparse() },
  { date: new Date(0), when: [new Date(0)] },
  {
    viaToJSON: new (class {
      a = 1;
      toJSON() {
        return "replaced";
      }
    })(),
  },
  { [Symbol("s")]: 1, kept: 2 },
  "a string body",
  42,
  null,
  [1, "two", { three: 3 }],
  JSON.parse(`${"[".repeat(60)}1${"]".repeat(60)}`),
];

/** Indexes of `bodies` whose events must cross as one JSON text (the rest are read field by field either way). */
export const plainBodies = [0, 1, 2, 3, 8, 11, 12, 13, 14, 15, 16];

/** Event inputs both readings refuse, with the field-by-field reading's error. */
export const refused = [
  [{ body: 1, emitter: user, Body: 2 }, "an unknown key, named as spelled"],
  [{ body: 1, emitter: { type: "user", id: "u1", ID: 1 } }, "an unknown emitter key"],
  [{ body: 1, emitter: user, extra: undefined }, "an unknown key whose value is undefined"],
  [{ body: 1, emitter: { type: "user", id: "u1", extra: undefined } }, "an unknown emitter key whose value is undefined"],
  [{ body: 1, emitter: user, toJSON: undefined }, "an own toJSON key whose value is undefined"],
  [{ emitter: user }, "no body"],
  [{ body: 1 }, "no emitter"],
  [{ body: 1, emitter: user, eventType: 5 }, "a number for a string"],
  [{ body: 1, emitter: { type: 1 } }, "a number for the emitter type"],
  [{ body: { x: NaN }, emitter: user }, "NaN"],
  [{ body: { x: Infinity }, emitter: user }, "Infinity"],
  [{ body: { x: -Infinity }, emitter: user }, "-Infinity"],
  [{ body: { x: 10n }, emitter: user }, "a BigInt"],
  [{ body: { f() {} }, emitter: user }, "a function"],
  [{ body: { s: Symbol("s") }, emitter: user }, "a symbol value"],
  [{ body: { toJSON: () => 1 }, emitter: user }, "an own toJSON function"],
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

/** Runs every case against `Memspace` opened with `options` (plus a fixed clock); `plainJson` is dist/input.js's. */
export async function check(Memspace, options, plainJson) {
  // The cases that should take the one-text reading do: were it never taken, both readings
  // below would be the field-by-field one and every comparison would hold trivially.
  for (const i of plainBodies) {
    if (plainJson([{ body: bodies[i], emitter: user, eventType: "message" }], 2 * 256 * 1024, 64, 10_000) === undefined) throw new Error(`body ${i} is not read as one JSON text`);
  }
  let n = 0;
  const fresh = async () => {
    const ms = await Memspace.open({ ...options, name: `${options.name ?? "in"}-${n++}-${Math.random()}`, clock });
    const sp = (await ms.createSpace()).id;
    const se = (await ms.createSession(sp, { participants: ["u1"] })).id;
    return { ms, sp, se, ids: (t) => t.replaceAll(se, "S").replaceAll(sp, "P") };
  };
  const same = (x, y, what) => {
    if (x !== y) throw new Error(`${what}: the two readings differ:\n  plain:   ${x.slice(0, 600)}\n  by field: ${y.slice(0, 600)}`);
  };
  for (const [i, body] of bodies.entries()) {
    const events = [
      { body, emitter: user, eventType: "message" },
      { body, emitter: { type: "agent" }, eventType: null },
      { body, emitter: { type: "tool", id: null } },
    ];
    const a = await fresh();
    const b = await fresh();
    const pairs = [
      ["postEvents", (h, ev) => h.ms.postEvents(h.sp, h.se, ev)],
      ["postEvent", (h, ev) => h.ms.postEvent(h.sp, h.se, ev[0])],
      ["listEvents", (h) => h.ms.listEvents(h.sp, h.se, {})],
      // The session too: its token count is counted from the stored bodies.
      ["getSession", (h) => h.ms.getSession(h.sp, h.se)],
    ];
    for (const [what, call] of pairs) {
      const ox = a.ids(await outcome(call(a, events)));
      const oy = b.ids(await outcome(call(b, unplain(events))));
      if (!ox.startsWith("ok ")) throw new Error(`body ${i}, ${what}: ${ox}`);
      same(ox, oy, `body ${i}, ${what}`);
    }
    a.ms.free();
    b.ms.free();
  }
  for (const [event, what] of refused) {
    const a = await fresh();
    const got = [
      await outcome(a.ms.postEvents(a.sp, a.se, [{ body: 0, emitter: user }, event])),
      await outcome(a.ms.postEvents(a.sp, a.se, unplain([{ body: 0, emitter: user }, event]))),
      await outcome(a.ms.postEvent(a.sp, a.se, event)),
      await outcome(a.ms.postEvent(a.sp, a.se, unplain(event))),
    ];
    if (!got[0].startsWith("error validation ") || !got[2].startsWith("error validation ")) throw new Error(`${what}: not refused: ${got[0]} / ${got[2]}`);
    same(got[0], got[1], `${what} (postEvents)`);
    same(got[2], got[3], `${what} (postEvent)`);
    same(await outcome(a.ms.listEvents(a.sp, a.se, {})), "ok []", `${what}: nothing stored`);
    a.ms.free();
  }
  // A field the field-by-field reading sees is not lost: a non-enumerable eventType is read.
  const c = await fresh();
  const hidden = { body: 1, emitter: user };
  Object.defineProperty(hidden, "eventType", { value: "hidden", enumerable: false });
  const [e] = await c.ms.postEvents(c.sp, c.se, [hidden]);
  same(String(e.eventType), "hidden", "a non-enumerable eventType");
  // An inherited eventType is read too (the field-by-field reading takes fields from the prototype chain).
  const inherited = Object.assign(Object.create({ eventType: "inherited" }), { body: 1, emitter: user });
  const [f] = await c.ms.postEvents(c.sp, c.se, [inherited]);
  same(String(f.eventType), "inherited", "an inherited eventType");
  // A getter in a body is read once and its value stored; one that throws is refused.
  let reads = 0;
  const counted = {
    get x() {
      reads += 1;
      return reads;
    },
  };
  const [g] = await c.ms.postEvents(c.sp, c.se, [{ body: counted, emitter: user }]);
  same(`${JSON.stringify(g.body)} ${reads}`, '{"x":1} 1', "a getter");
  // Getters are called by the field-by-field reading only: once each, in field order (body,
  // emitter, eventType), also when the input would otherwise be plain.
  let calls = 0;
  const getters = {
    get eventType() {
      calls += 1;
      return `t${calls}`;
    },
    get body() {
      calls += 1;
      return calls;
    },
    emitter: user,
  };
  const [h] = await c.ms.postEvents(c.sp, c.se, [getters]);
  same(`${h.eventType} ${JSON.stringify(h.body)} ${calls}`, "t2 1 2", "getters on an event");
  let m = 0;
  const late = {
    get n() {
      m += 1;
      return m;
    },
    d: 1,
  };
  const [l] = await c.ms.postEvents(c.sp, c.se, [{ body: late, emitter: user }]);
  same(`${JSON.stringify(l.body)} ${m}`, '{"n":1,"d":1} 1', "a getter before plain data");
  // An optional field on Object.prototype is read as the field-by-field reading reads it.
  Object.prototype.eventType = "polluted";
  let polluted;
  try {
    [polluted] = await c.ms.postEvents(c.sp, c.se, [{ body: 1, emitter: user }]);
  } finally {
    delete Object.prototype.eventType;
  }
  same(String(polluted.eventType), "polluted", "an eventType on Object.prototype");
  const hostile = {
    get x() {
      throw new Error("getter");
    },
  };
  const err = await outcome(c.ms.postEvents(c.sp, c.se, [{ body: hostile, emitter: user }]));
  if (!err.startsWith("error validation ")) throw new Error(`a throwing getter: ${err}`);
  c.ms.free();
  return { bodies: bodies.length, refused: refused.length };
}
