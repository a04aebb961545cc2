// Plain JSON data as JSON text in one call, for src/bindings/js/input.rs: an input that is
// nothing but plain objects, arrays, strings, finite numbers, booleans and null crosses into
// WebAssembly as one string instead of one call per key, value and type check. Anything else
// (and anything over the limits) answers undefined, and the caller reads the value field by
// field, which is what names the offending value in its error.

/**
 * The JSON text of `value` (UTF-8 bytes) if it is plain JSON data within the limits, else
 * undefined.
 * Plain: objects whose prototype is Object.prototype or null and whose own properties are
 * all enumerable data properties (no getter is called), arrays whose prototype is
 * Array.prototype; strings; finite numbers other than -0, integers only when safe (larger
 * ones are not sent as integers); booleans; null. Undefined array items are null, as the
 * field-by-field reading makes them; an object entry whose value is undefined, a `__proto__`
 * key, a function, symbol or BigInt anywhere, or an optional event field on
 * Object.prototype answers undefined. Limits: nesting below
 * `maxDepth` (from the root), arrays and objects of at most `maxList` items, and a running
 * lower bound of the encoded size (strings, numbers, literals as the field-by-field reading
 * counts them; keys at 3 bytes a UTF-16 unit) of at most `budget`: the walk stops as soon as
 * it is passed, so a huge value is neither walked nor copied. A getter or Proxy trap that
 * throws answers undefined (the field-by-field reading then reports it).
 */
export function plainJson(value, budget, maxDepth, maxList) {
  // The field-by-field reading takes a missing optional field from the prototype chain:
  // while Object.prototype has one, every input is read that way.
  for (const k of INHERITABLE) if (k in Object.prototype) return undefined;
  let left = budget;
  const text = (v, depth) => {
    switch (typeof v) {
      case "string":
        left -= v.length + 2;
        return left < 0 ? undefined : quote(v);
      case "number":
        left -= 2;
        if (!Number.isFinite(v) || Object.is(v, -0) || (Number.isInteger(v) && !Number.isSafeInteger(v))) return undefined;
        return String(v);
      case "boolean":
        left -= 4;
        return v ? "true" : "false";
      case "object":
        break;
      default:
        return undefined;
    }
    if (v === null) {
      left -= 4;
      return "null";
    }
    if (depth >= maxDepth) return undefined;
    const proto = Object.getPrototypeOf(v);
    if (Array.isArray(v)) {
      const n = v.length;
      left -= n + 2;
      if (proto !== Array.prototype || n > maxList || left < 0) return undefined;
      let s = "[";
      for (let i = 0; i < n; i++) {
        const x = v[i];
        let t = "null";
        if (x === undefined) left -= 4;
        else if ((t = text(x, depth + 1)) === undefined) return undefined;
        s += i === 0 ? t : "," + t;
      }
      return s + "]";
    }
    if (proto !== Object.prototype && proto !== null) return undefined;
    const keys = Object.keys(v);
    if (keys.length > maxList || keys.length !== Object.getOwnPropertyNames(v).length) return undefined;
    left -= 2;
    let s = "{";
    for (const k of keys) {
      // An accessor has no value; an entry whose value is undefined answers undefined too: in
      // an event or emitter the field-by-field reading refuses it as an unknown key unless it
      // is a field, and JSON has no such value.
      // A descriptor, not a read: an accessor answers undefined without its getter being
      // called, so a getter runs only in the field-by-field reading, once and in field order.
      // One key at a time: Object.getOwnPropertyDescriptors costs ~20× as much per object.
      const x = Object.getOwnPropertyDescriptor(v, k)?.value;
      if (x === undefined) return undefined;
      left -= 3 * k.length + 3;
      if (k === "__proto__" || left < 0) return undefined;
      const t = text(x, depth + 1);
      if (t === undefined) return undefined;
      s += (s.length === 1 ? "" : ",") + quote(k) + ":" + t;
    }
    return s + "}";
  };
  try {
    const t = text(value, 0);
    // As UTF-8 bytes (exact: the text has no lone surrogate, JSON.stringify escaped them),
    // copied into WebAssembly in one `set`, not the glue's loop over the string's units.
    return left < 0 || t === undefined ? undefined : ENCODER.encode(t);
  } catch {
    return undefined;
  }
}

const ENCODER = new TextEncoder();

// The optional fields of an event and its emitter (src/model: NewEvent, Emitter).
const INHERITABLE = ["eventType", "id"];

// What JSON.stringify escapes in a string (and surrogates, paired or not): a string without
// any is its JSON text in quotes, with no call.
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;
const quote = (s) => (ESCAPED.test(s) ? JSON.stringify(s) : '"' + s + '"');
