// An in-memory KvAdapter: the reference implementation of the seam `Memspace.open({ kv })`
// expects. Keys are Uint8Arrays compared byte-wise (kept sorted as lowercase hex, which sorts
// the same way); values are copied in and out. Commits are atomic and isolated: preconditions
// are checked and operations applied synchronously, in order, inside one call.

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function hex(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** An error a KvAdapter rejects with when a precondition does not hold. */
export function conflictError(key) {
  return Object.assign(new Error("kv precondition failed"), { code: "conflict", key });
}

export class MemoryKv {
  /** Commits are all-or-nothing and isolated. */
  atomicBatches = true;
  #sorted = []; // hex keys, ascending
  #map = new Map(); // hex key -> [key, value]

  /** Number of keys stored. */
  get size() {
    return this.#sorted.length;
  }

  #lowerBound(h) {
    let lo = 0;
    let hi = this.#sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#sorted[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #read(key) {
    const e = this.#map.get(hex(key));
    return e ? e[1].slice() : null;
  }

  async get(key) {
    return this.#read(key);
  }

  async getMany(keys) {
    return keys.map((k) => this.#read(k));
  }

  async scan(start, end, limit, reverse) {
    const lo = this.#lowerBound(hex(start));
    const hi = end == null ? this.#sorted.length : this.#lowerBound(hex(end));
    if (hi <= lo || limit <= 0) return [];
    const picked = reverse ? this.#sorted.slice(Math.max(lo, hi - limit), hi).reverse() : this.#sorted.slice(lo, Math.min(hi, lo + limit));
    return picked.map((h) => {
      const [k, v] = this.#map.get(h);
      return [k.slice(), v.slice()];
    });
  }

  async commit({ ops, preconditions }) {
    for (const p of preconditions) {
      const cur = this.#map.get(hex(p.key));
      const holds = p.type === "absent" ? cur === undefined : cur !== undefined && sameBytes(cur[1], p.value);
      if (!holds) throw conflictError(p.key);
    }
    for (const op of ops) {
      const h = hex(op.key);
      if (op.type === "put") {
        if (!this.#map.has(h)) this.#sorted.splice(this.#lowerBound(h), 0, h);
        this.#map.set(h, [op.key.slice(), op.value.slice()]);
      } else if (this.#map.delete(h)) {
        this.#sorted.splice(this.#lowerBound(h), 1);
      }
    }
  }
}
