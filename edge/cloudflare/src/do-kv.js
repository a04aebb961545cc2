// The memspace Kv seam over a SQLite-backed Durable Object's synchronous KV API
// (`ctx.storage.kv`). Engine keys are bytes; Durable Object keys are strings, so a key is stored
// as "k:" + lowercase hex, which sorts exactly as the bytes do. Values are stored as Uint8Array.
// Every method is synchronous (the adapter seam accepts plain values as well as Promises);
// `commit` checks its preconditions and applies its writes inside one `transactionSync`, so a
// failed precondition rolls everything back and nothing else can run in between.

const PREFIX = "k:";
const END = "k;"; // the first string after every "k:…" key
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lowercase hex of bytes: order-preserving (byte-wise order = string order). */
export function hex(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

/** Bytes of a lowercase hex string. */
export function unhex(s) {
  const out = new Uint8Array(s.length >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function toBytes(v) {
  if (v === undefined || v === null) return null;
  return v instanceof Uint8Array ? v : new Uint8Array(v);
}

/** A memspace KvAdapter over `storage` (a DurableObjectStorage with `.kv`). */
export class DurableObjectKv {
  /** Commits are all-or-nothing and isolated (one SQLite transaction). */
  atomicBatches = true;
  /**
   * A SQLite-backed object stores a key and its value in one row of at most 2 MB (Cloudflare's
   * limit; local workerd refuses rows past ~2 MiB with SQLITE_TOOBIG). Keys are stored as
   * "k:" + hex (twice their bytes), so: keys up to 16,383 bytes (32 KiB encoded, far beyond
   * any key memspace makes), values up to 2,000,000 − 32,768 bytes. The engine refuses bigger
   * writes with a typed `validation` error before committing (docs/storage.md "Backend limits").
   */
  maxKeyBytes = 16_383;
  maxValueBytes = 2_000_000 - 32_768;

  constructor(storage) {
    if (!storage.kv || typeof storage.transactionSync !== "function") {
      throw new Error("DurableObjectKv needs a SQLite-backed Durable Object (new_sqlite_classes / useSQLite)");
    }
    this.storage = storage;
    this.kv = storage.kv;
  }

  get(key) {
    return toBytes(this.kv.get(PREFIX + hex(key)));
  }

  getMany(keys) {
    return keys.map((k) => this.get(k));
  }

  scan(start, end, limit, reverse) {
    if (limit <= 0) return [];
    // The engine asks for "everything in the range" with a huge limit (usize::MAX as a JS
    // number); the storage API takes a 32-bit integer only.
    const opts = { start: PREFIX + hex(start), end: end == null ? END : PREFIX + hex(end), limit: Math.min(limit, 2147483647), reverse: !!reverse };
    const out = [];
    for (const [k, v] of this.kv.list(opts)) out.push([unhex(k.slice(PREFIX.length)), toBytes(v)]);
    return out;
  }

  commit({ ops, preconditions }) {
    this.storage.transactionSync(() => {
      for (const p of preconditions) {
        const cur = toBytes(this.kv.get(PREFIX + hex(p.key)));
        const holds = p.type === "absent" ? cur === null : cur !== null && sameBytes(cur, p.value);
        if (!holds) throw Object.assign(new Error("kv precondition failed"), { code: "conflict", key: p.key });
      }
      for (const op of ops) {
        const k = PREFIX + hex(op.key);
        if (op.type === "put") this.kv.put(k, op.value);
        else this.kv.delete(k);
      }
    });
  }
}
