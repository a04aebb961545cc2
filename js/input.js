// Plain JSON data as JSON text in one call, for src/bindings/js/input.rs: an input that is
// nothing but plain objects, arrays, strings, finite numbers, booleans and null crosses into
// WebAssembly as one string instead of one call per key, value and type check. Anything else
// (and anything over the limits) answers undefined, and the caller reads the value field by
// field, which is what names the offending value in its error.

/**
 * The JSON text of `value` if it is plain JSON data within the limits, else undefined.
 * Plain: objects whose prototype is Object.prototype or null and whose own properties are
 * all enumerable (none but the keys is read), arrays whose prototype is Array.prototype;
 * strings; finite numbers other than -0, integers only when safe (larger ones are not sent
 * as integers); booleans; null. Object entries whose value is undefined are left out and
 * undefined array items are null, as the field-by-field reading does; a `__proto__` key,
 * a function, symbol or BigInt anywhere answers undefined. Limits: nesting below
 * `maxDepth` (from the root), arrays and objects of at most `maxList` items, and a running
 * lower bound of the encoded size (strings, numbers, literals as the field-by-field reading
 * counts them; keys at 3 bytes a UTF-16 unit) of at most `budget`: the walk stops as soon as
 * it is passed, so a huge value is neither walked nor copied. A getter or Proxy trap that
 * throws answers undefined (the field-by-field reading then reports it).
 */
export function plainJson(value, budget, maxDepth, maxList) {
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
      const x = v[k];
      if (x === undefined) continue;
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
    return left < 0 ? undefined : t;
  } catch {
    return undefined;
  }
}

// What JSON.stringify escapes in a string (and surrogates, paired or not): a string without
// any is its JSON text in quotes, with no call.
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;
const quote = (s) => (ESCAPED.test(s) ? JSON.stringify(s) : '"' + s + '"');
