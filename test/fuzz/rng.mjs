// A small seeded generator for the fuzzers (sfc32): the same seed makes the same calls.

export class Rng {
  constructor(seed) {
    this.seed = seed >>> 0;
    let s = this.seed ^ 0x9e3779b9;
    const mix = () => {
      s = Math.imul(s ^ (s >>> 16), 0x85ebca6b);
      s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35);
      s ^= s >>> 16;
      return s >>> 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix() | 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform 32-bit unsigned integer. */
  u32() {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, n). */
  below(n) {
    return n <= 1 ? 0 : Math.floor((this.u32() / 4294967296) * n);
  }

  /** True with probability p. */
  chance(p) {
    return this.u32() / 4294967296 < p;
  }

  pick(items) {
    return items[this.below(items.length)];
  }

  /** A child generator (its own stream, derived from this one). */
  fork() {
    return new Rng(this.u32());
  }
}

/** The seed a fuzzer runs with: MEMSPACE_FUZZ_SEED, else a fixed default. */
export function seedFromEnv(fallback) {
  const v = process.env.MEMSPACE_FUZZ_SEED;
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`MEMSPACE_FUZZ_SEED must be a non-negative integer, got ${v}`);
  return n >>> 0;
}
