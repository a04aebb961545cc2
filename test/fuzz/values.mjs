// Hostile JavaScript values for the boundary fuzzers: everything a careless or malicious caller
// can hand a JS API (wrong types, non-JSON values, extreme numbers and strings, objects that
// throw when read, cycles, prototype tricks), and JSON values that stress what is accepted.

const boom = () => {
  throw new Error("hostile getter");
};

/** Strings at the edges: empty, control characters, lone surrogates, huge, path tricks. */
export const STRINGS = [
  "",
  " ",
  "a",
  "u1",
  "\0",
  "\u0001\u007f",
  "\ud800",
  "x\udc00y",
  "😀",
  "\u202eevil",
  "é",
  "e\u0301",
  "\n\r\t",
  "null",
  "{}",
  "[]",
  "__proto__",
  "constructor",
  "toString",
  "..",
  ".",
  "%2e%2e",
  "%ZZ",
  "/",
  "//",
  "a/../b",
  "/memories",
  "/memories/",
  "/memories/..",
  "/memories/../x",
  "/memories/a\0b",
  "C:\\x",
  "spc_00000000000000000000000000",
  "ses_zzzzzzzzzzzzzzzzzzzzzzzzzz",
  "memstore_0000000000000000000000b1ck",
  "x".repeat(73),
  "x".repeat(257),
  "y".repeat(1025),
  "z".repeat(70_000),
];

/** Numbers at the edges, including the ones JSON cannot hold. */
export const NUMBERS = [
  0,
  -0,
  1,
  -1,
  2.5,
  0.1 + 0.2,
  255,
  256,
  1000,
  1001,
  65535,
  2 ** 31,
  2 ** 32,
  2 ** 32 + 1,
  2 ** 53,
  2 ** 53 - 1,
  -(2 ** 53),
  2 ** 64,
  -(2 ** 63),
  1e21,
  1e300,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.EPSILON,
  NaN,
  Infinity,
  -Infinity,
];

function cyclic() {
  const o = { a: 1 };
  o.self = o;
  return o;
}

function deep(n) {
  let v = {};
  for (let i = 0; i < n; i++) v = { d: v };
  return v;
}

function deepArray(n) {
  let v = [];
  for (let i = 0; i < n; i++) v = [v];
  return v;
}

/** Objects that are not plain JSON, or that misbehave when read. */
export function hostileObjects() {
  return [
    {},
    [],
    [1, , 3], // a hole
    Object.create(null),
    Object.assign(Object.create(null), { a: 1 }),
    JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'),
    JSON.parse('{"constructor": {"prototype": {"x": 1}}}'),
    Object.defineProperty({}, "x", { get: boom, enumerable: true }),
    Object.defineProperty({ content: "x" }, "body", { get: boom, enumerable: true }),
    new Proxy({}, { get: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, has: boom }),
    new Proxy([], { get: boom }),
    cyclic(),
    deep(70),
    deep(2000),
    deepArray(65),
    new Date(0),
    new Map([["a", 1]]),
    new Set([1]),
    new Uint8Array([1, 2, 3]),
    new ArrayBuffer(4),
    new Number(1),
    new String("s"),
    new Boolean(false),
    new Error("an error"),
    /re/g,
    Object.assign([1, 2], { extra: true }),
    { toJSON: () => "surprise", a: 1 },
    { [Symbol("s")]: 1, a: 1 },
    { valueOf: () => 7, toString: () => "7" },
    Promise.resolve(1),
    new (class Thing {
      constructor() {
        this.a = 1;
      }
    })(),
    { length: 3, 0: "a" },
    { length: 1e9 },
  ];
}

const OBJECTS = hostileObjects();

/** Any value a JS caller could pass: a primitive, a number or string at an edge, or an object. */
export function junk(rng) {
  switch (rng.below(9)) {
    case 0:
      return rng.pick([undefined, null, true, false]);
    case 1:
    case 2:
      return rng.pick(NUMBERS);
    case 3:
    case 4:
      return rng.pick(STRINGS);
    case 5:
      return rng.pick([0n, -1n, 2n ** 64n, Symbol("x"), () => 1, function named() {}]);
    default:
      return rng.pick(OBJECTS);
  }
}

/**
 * A JSON value (what an event body or metadata may hold) with edge-case numbers, strings and
 * keys, nested up to `depth`; with `hostile`, occasionally something JSON cannot hold.
 */
export function jsonValue(rng, depth = 3, hostile = false) {
  if (hostile && rng.chance(0.03)) return junk(rng);
  const k = rng.below(depth > 0 ? 8 : 5);
  switch (k) {
    case 0:
      return rng.pick([null, true, false]);
    case 1: {
      const n = rng.pick(NUMBERS);
      return Number.isFinite(n) || hostile ? n : rng.below(1000);
    }
    case 2:
      return rng.below(1_000_000) - 500_000;
    case 3:
    case 4: {
      const s = rng.pick(STRINGS);
      return s.length > 2000 && rng.chance(0.9) ? s.slice(0, 10) : s;
    }
    case 5:
    case 6: {
      const o = {};
      for (let i = 0, n = rng.below(5); i < n; i++) {
        const key = rng.chance(0.5) ? rng.pick(["a", "b", "z", "A", "content", "1", "0", "", "é", "__proto__", "key with spaces"]) : rng.pick(STRINGS).slice(0, 20);
        // Own properties even for "__proto__" (what JSON.parse makes).
        Object.defineProperty(o, key, { value: jsonValue(rng, depth - 1, hostile), enumerable: true, writable: true, configurable: true });
      }
      return o;
    }
    default:
      return Array.from({ length: rng.below(5) }, () => jsonValue(rng, depth - 1, hostile));
  }
}

/** True for a value JSON can hold exactly (what a round trip must give back unchanged). */
export function isPlainJson(v, depth = 0) {
  if (depth > 64) return false;
  if (v === null || typeof v === "boolean" || typeof v === "string") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) {
    // No holes (JSON makes them null) and no own non-index keys (JSON drops them).
    if (Object.getPrototypeOf(v) !== Array.prototype || Object.keys(v).length !== v.length) return false;
    for (let i = 0; i < v.length; i++) if (!(i in v) || !isPlainJson(v[i], depth + 1)) return false;
    return true;
  }
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.getOwnPropertySymbols(v).length === 0 && Object.keys(v).every((k) => isPlainJson(v[k], depth + 1));
  }
  return false;
}

/**
 * Structural equality that sees what a silent change would change: key order, -0 vs 0,
 * own "__proto__" keys. Returns null when equal, else the path of the first difference.
 */
export function diff(a, b, path = "$") {
  if (typeof a === "number" && typeof b === "number") return Object.is(a, b) ? null : `${path}: ${a} vs ${b}`;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b ? null : `${path}: ${show(a)} vs ${show(b)}`;
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return `${path}: keys ${show(ka)} vs ${show(kb)}`;
  for (const k of ka) {
    const d = diff(a[k], b[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

export function show(v) {
  try {
    const s = typeof v === "bigint" ? `${v}n` : typeof v === "symbol" || typeof v === "function" ? String(v) : JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 120 ? `${s.slice(0, 120)}…` : s;
  } catch {
    try {
      return Object.prototype.toString.call(v);
    } catch {
      return "[a value whose description throws]";
    }
  }
}
