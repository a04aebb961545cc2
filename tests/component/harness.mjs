// Test harness for the memspace component transpiled by jco (build/component/gen): a JS
// implementation of the imported `kv` (a sorted in-memory map with preconditions and
// injectable commit failures) and `host` (a manual clock, seeded randomness, an optional
// tokenizer), and helpers to open handles and check typed errors.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import assert from 'node:assert/strict';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
export const genDir = path.join(root, 'build/component/gen');

const { instantiate } = await import(path.join(genDir, 'memspace.js'));

// Core modules are compiled once and instantiated per component instance.
const modules = new Map();
async function getCoreModule(name) {
  if (!modules.has(name)) {
    modules.set(name, WebAssembly.compile(await readFile(path.join(genDir, name))));
  }
  return modules.get(name);
}

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const equalBytes = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** A `kv-error` thrown from an import: jco turns `payload` into the `err` case of the result. */
export class KvError extends Error {
  constructor(payload) {
    super(`kv error: ${payload.tag}`);
    this.payload = payload;
  }
}

/**
 * The imported `kv`: keys kept sorted byte-wise (hex strings of bytes sort the same way).
 * `atomic: false` models Workers KV / Fastly KV: a batch lands op by op, and an injected
 * failure can cut it after any number of operations.
 */
export class MemoryKv {
  constructor({ atomic = true } = {}) {
    this.atomic = atomic;
    this.sorted = []; // hex keys, ascending
    this.map = new Map(); // hex key -> { key, value }
    this.failure = null;
    this.commits = []; // every batch seen, in order
  }

  /** Makes the next commit fail with `tag` after applying `afterOps` operations (non-atomic only). */
  failNextCommit({ tag = 'storage', message = 'injected failure', afterOps = 0 } = {}) {
    this.failure = { tag, message, afterOps };
  }

  /** A copy of the whole store, for "nothing changed" comparisons. */
  snapshot() {
    return this.sorted.map((h) => [h, hex(this.map.get(h).value)]);
  }

  /** Replaces the store with a snapshot. */
  restore(snap) {
    this.sorted = snap.map(([h]) => h);
    this.map = new Map(snap.map(([h, v]) => [h, { key: Buffer.from(h, 'hex'), value: new Uint8Array(Buffer.from(v, 'hex')) }]));
  }

  lowerBound(h) {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  put(key, value) {
    const h = hex(key);
    if (!this.map.has(h)) this.sorted.splice(this.lowerBound(h), 0, h);
    this.map.set(h, { key: new Uint8Array(key), value: new Uint8Array(value) });
  }

  delete(key) {
    const h = hex(key);
    if (this.map.delete(h)) this.sorted.splice(this.lowerBound(h), 1);
  }

  imports() {
    return {
      capabilities: () => ({ atomicBatches: this.atomic }),
      get: (key) => this.map.get(hex(key))?.value,
      getMany: (keys) => keys.map((k) => this.map.get(hex(k))?.value),
      scan: (range, limit, reverse) => {
        const from = this.lowerBound(hex(range.start));
        const to = range.end === undefined ? this.sorted.length : this.lowerBound(hex(range.end));
        let keys = this.sorted.slice(from, Math.max(from, to));
        if (reverse) keys = keys.reverse();
        return keys.slice(0, limit).map((h) => {
          const { key, value } = this.map.get(h);
          return { key, value };
        });
      },
      commit: (batch) => {
        this.commits.push(batch);
        for (const p of batch.preconditions) {
          const current = this.map.get(hex(p.val.key ?? p.val))?.value;
          const holds = p.tag === 'absent' ? current === undefined : current !== undefined && equalBytes(current, p.val.value);
          if (!holds) throw new KvError({ tag: 'conflict', val: p.tag === 'absent' ? p.val : p.val.key });
        }
        // An injected fault hits the next commit that gets to write (a refused one writes nothing).
        const failure = this.failure;
        this.failure = null;
        const cut = failure ? (this.atomic ? 0 : failure.afterOps) : batch.ops.length;
        for (const op of batch.ops.slice(0, cut)) {
          if (op.tag === 'put') this.put(op.val.key, op.val.value);
          else this.delete(op.val);
        }
        if (failure) throw new KvError({ tag: failure.tag, val: failure.message });
      },
    };
  }
}

/** The imported `host`: a clock that moves only when told, seeded ids, an optional tokenizer. */
export class ManualHost {
  constructor({ now = 1_767_225_600_000_000n, seed = 42 } = {}) {
    this.micros = now; // 2026-01-01T00:00:00Z
    this.state = seed >>> 0 || 1;
    this.tokenizer = null;
    this.tokenRequests = []; // texts memspace asked the host to count
  }

  advanceSecs(secs) {
    this.micros += BigInt(secs) * 1_000_000n;
  }

  imports() {
    return {
      now: () => this.micros,
      randomBytes: (len) => {
        const out = new Uint8Array(len);
        for (let i = 0; i < len; i++) {
          // xorshift32
          this.state ^= this.state << 13;
          this.state ^= this.state >>> 17;
          this.state ^= this.state << 5;
          this.state >>>= 0;
          out[i] = this.state & 0xff;
        }
        return out;
      },
      countTokens: (text) => {
        this.tokenRequests.push(text);
        return this.tokenizer ? BigInt(this.tokenizer(text)) : undefined;
      },
    };
  }
}

/**
 * The imported `embedding`: with `dims`, a deterministic bag-of-words embedder (each lower-cased
 * word adds a fixed pseudo-random ±1 vector; words listed together in `synonyms` share one), as
 * a host's model would put paraphrases close; without, the "no embedder" capability flag.
 */
export class TestEmbedder {
  constructor({ dims = 0, id = 'test-bow', synonyms = [['town', 'city', 'lives', 'based']] } = {}) {
    this.dims = dims;
    this.id = id;
    this.synonyms = synonyms;
    this.calls = 0;
    this.fail = null;
  }

  wordVector(word) {
    const group = this.synonyms.findIndex((g) => g.includes(word));
    let h = 2166136261;
    for (const c of group >= 0 ? `syn${group}` : word) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
    const v = new Float32Array(this.dims);
    for (let i = 0; i < this.dims; i++) {
      h = Math.imul(h ^ (h >>> 15), 2246822519) >>> 0;
      v[i] = h & 1 ? 1 : -1;
    }
    return v;
  }

  vector(text) {
    const v = new Float32Array(this.dims);
    for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? ['empty']) {
      const x = this.wordVector(w);
      for (let i = 0; i < this.dims; i++) v[i] += x[i];
    }
    return v;
  }

  imports() {
    return {
      model: () => (this.dims ? { id: this.id, dimensions: this.dims } : undefined),
      embed: (texts) => {
        this.calls += 1;
        if (this.fail) {
          const e = new Error('embed failed');
          e.payload = this.fail;
          throw e;
        }
        return texts.map((t) => this.vector(t));
      },
    };
  }
}

/** An `llm-error` thrown from the `llm` import: jco turns `payload` into the `err` case. */
export class LlmError extends Error {
  constructor(reason, message) {
    super(`llm error: ${reason}`);
    this.payload = { reason, message };
  }
}

/**
 * The imported `llm`: `available()` is false unless answers are scripted. Each call takes the
 * next scripted answer: a string (the answer text), an object (answered as JSON text),
 * `{ fail: reason }` (an `llm-error`), `{ refusal }`, or a function of the request; an
 * exhausted script fails `unavailable`.
 */
export class ScriptedLlm {
  constructor(script = null) {
    this.script = script; // null: no LLM
    this.requests = [];
  }

  imports() {
    return {
      available: () => this.script !== null,
      complete: (request) => {
        this.requests.push(request);
        const next = this.script?.shift();
        const usage = { promptTokens: 10n, completionTokens: 5n, totalTokens: 15n };
        if (next === undefined) throw new LlmError('unavailable', 'the script is used up');
        const answer = typeof next === 'function' ? next(request) : next;
        if (answer?.fail) throw new LlmError(answer.fail, `scripted ${answer.fail}`);
        if (answer?.refusal) return { text: '', refusal: answer.refusal, finishReason: 'stop', usage };
        const text = typeof answer === 'string' ? answer : JSON.stringify(answer);
        return { text, model: request.model ?? 'scripted', finishReason: 'stop', usage };
      },
    };
  }
}

/** A fresh component instance over `kv`, `host`, `embedder` and `llm`; returns all its exports. */
export async function instanceExports(kv = new MemoryKv(), host = new ManualHost(), embedder = new TestEmbedder(), llm = new ScriptedLlm()) {
  return instantiate(getCoreModule, {
    'memspace:memory/kv': kv.imports(),
    'memspace:memory/host': host.imports(),
    'memspace:memory/embedding': embedder.imports(),
    'memspace:memory/llm': llm.imports(),
  });
}

/** A fresh component instance over `kv` and `host`; returns its `memory` export. */
export async function instance(kv = new MemoryKv(), host = new ManualHost()) {
  return (await instanceExports(kv, host)).memory;
}

/**
 * A world: one instance, its kv, host, embedder and llm (none unless `llm` is a script), and a
 * handle for user `u1` of tenant `t1`. `kv` and `host` may be shared with another world.
 */
export async function world({ atomic = true, principal = { userId: 'u1', tenantId: 't1' }, embedder = new TestEmbedder(), llm = null, kv = null, host = null } = {}) {
  kv ??= new MemoryKv({ atomic });
  host ??= new ManualHost();
  const model = new ScriptedLlm(llm);
  const { memory, stores, memories, recall, agentContext, extraction } = await instanceExports(kv, host, embedder, model);
  const ms = memory.Memspace.open(principal);
  return { kv, host, llm: model, memory, stores, memories, recall, agentContext, extraction, embedder, ms };
}

/** A space and a session with participant `u1` (and the given extra session fields). */
export async function spaceAndSession(w, session = {}) {
  const space = w.ms.createSpace({});
  const s = w.ms.createSession(space.id, { participants: ['u1'], lifecycleStrategies: [], ...session });
  return { space, session: s };
}

/** A message event from user u1. */
export const message = (content, eventType = 'message') => ({
  body: JSON.stringify({ content }),
  emitter: { kind: 'user', id: 'u1' },
  eventType,
});

/** Runs `fn`, expects it to throw the typed error `tag`, and returns `{ message, details }`. */
export function expectError(fn, tag) {
  let thrown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown, `expected a ${tag} error, but the call succeeded`);
  assert.ok(thrown.payload, `expected a typed error, got ${thrown}`);
  assert.equal(thrown.payload.tag, tag, `expected ${tag}, got ${thrown.payload.tag}: ${thrown.payload.val?.message}`);
  const { message: msg, details } = thrown.payload.val;
  assert.equal(typeof msg, 'string');
  const parsed = JSON.parse(details);
  assert.equal(typeof parsed, 'object');
  return { message: msg, details: parsed };
}

/** Trigger helpers (u64 crosses as BigInt). */
export const ttl = (secs) => ({ tag: 'ttl', val: BigInt(secs) });
export const idle = (secs) => ({ tag: 'idle', val: BigInt(secs) });
export const eventCount = (n) => ({ tag: 'event-count', val: BigInt(n) });
export const tokenCount = (n) => ({ tag: 'token-count', val: BigInt(n) });
export const keep = { tag: 'keep' };
export const clear = { tag: 'clear' };
export const set = (val) => ({ tag: 'set', val });
