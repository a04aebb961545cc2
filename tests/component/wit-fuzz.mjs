// The WIT boundary fuzzer: seeded random and hostile calls to the jco-transpiled component
// (build/component/gen, built by scripts/test-component.sh), through every exported interface
// (memory, stores, memories, recall, agent-context, extraction), over the harness's host
// (tests/component/harness.mjs) on an atomic and a key-by-key `kv`, checking after every call:
//
//  * an `err` is a typed WIT `error` (a known case, a bounded message, JSON details), never a
//    wasm trap (`WebAssembly.RuntimeError`: the instance would be poisoned) nor another throw;
//  * a value the host's glue cannot lower (a wrong JS type) is refused by jco before the
//    engine sees it, and the instance keeps working;
//  * a refused write changes no stored byte (the whole `kv` is compared);
//  * a commit the host fails (injected `storage` failures on the atomic store) is a `storage`
//    error that changed nothing;
//  * a host clock in the wrong unit (nanoseconds) makes writes `unsupported`, changing nothing;
//  * what was accepted reads back exactly (event bodies, memory contents, block contents,
//    working-context values);
//  * another principal's handle is refused on u1's spaces;
//  * every space verifies clean (`verify-space`) when the world is reset.
//
// The clock also jumps forward (up to 30 days), after which the fuzzer sweeps (time triggers
// fire then, not inside a later refused write); the embedder and the LLM sometimes fail.
//
//   node tests/component/wit-fuzz.mjs [--calls N] [--seed S] [--kv atomic|keyed|all]
//
// A failure prints the seed, the call number and the call, with a replay line.

import { pathToFileURL } from 'node:url';
import { MemoryKv, ManualHost, TestEmbedder, instanceExports } from './harness.mjs';
import { Rng } from '../../test/fuzz/rng.mjs';
import { STRINGS, NUMBERS, jsonValue } from '../../test/fuzz/values.mjs';

const TAGS = new Set(['validation', 'not-found', 'conflict', 'duplicate', 'archived', 'gone', 'quota', 'storage', 'unsupported', 'upstream']);
const MAX_MESSAGE = 4096;
const RESET_EVERY = 1000;

export class Violation extends Error {}

const WRITES = new Set([
  'createSpace', 'updateSpace', 'deleteSpace', 'restoreSpace', 'createSession', 'updateSession', 'deleteSession',
  'postEvent', 'postEvents', 'updateEvent', 'updateEvents', 'deleteEvent', 'sweep',
  'createStore', 'updateStore', 'archiveStore', 'deleteStore', 'createEntry', 'updateEntry', 'deleteEntry', 'redactVersion', 'memoryTool',
  'remember', 'updateMemory', 'decayMemory', 'forgetMemory', 'restoreMemory', 'batchMemories', 'associate', 'updateAssociation', 'deleteAssociation',
  'reindex', 'updateBlock', 'deleteBlock', 'setContext', 'deleteContext', 'touchSession',
  'runExtraction', 'commitSession', 'retryExtractionJob', 'pruneExtractionJobs',
]);

const TYPES = ['episodic', 'semantic', 'procedural', 'working'];
const SUBTYPES = ['solution', 'problem', 'code-pattern', 'fix', 'error', 'workflow', 'preference', 'decision', 'profile', 'entity', 'event', 'directive'];
const STATUSES = ['active', 'superseded', 'forgotten', 'expired', 'deleted'];
const WORDS = ['paris', 'berlin', 'coffee', 'tea', 'deadline', 'friday', 'rust', 'wasm', 'likes', 'lives', 'city', 'ada'];
const KEYS = ['user.city', 'user.name', 'project.deadline'];
const U64 = [0n, 1n, 2n, 5n, 100n, 101n, 1000n, 2n ** 31n, 2n ** 32n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];
const U32 = [0, 1, 2, 5, 100, 101, 500, 501, 1000, 4096, 65535, 2 ** 31, 2 ** 32 - 1];
const TIMES = [0n, -1n, 1_767_225_600_000_000n, 1_767_225_600_000_000n * 1000n, -(2n ** 63n), 2n ** 63n - 1n, 253_402_300_799_999_999n, 253_402_300_800_000_000n];

/** A seeded LLM import: usable extraction JSON most of the time, failures and junk otherwise. */
class FuzzLlm {
  constructor(rng) {
    this.r = rng;
  }
  imports() {
    return {
      available: () => true,
      complete: (req) => {
        const r = this.r;
        const usage = { promptTokens: 10n, completionTokens: 5n, totalTokens: 15n };
        const roll = r.below(20);
        if (roll === 0) {
          const e = new Error('llm error');
          e.payload = { reason: r.pick(['timeout', 'refusal', 'http', 'unavailable']), message: 'injected' };
          throw e;
        }
        if (roll === 1) return { text: 'not json', finishReason: 'stop', usage };
        if (roll === 2) return { text: '', refusal: 'no', finishReason: 'stop', usage };
        if (roll === 3) return { text: '{"memories": [{"content": "", "importance": 9}]}', finishReason: 'length', usage };
        const memories = Array.from({ length: r.below(4) }, () => ({
          content: Array.from({ length: 3 + r.below(4) }, () => r.pick(WORDS)).join(' '),
          category: r.pick(['fact', 'preference', 'event', 'instruction']),
          importance: r.below(11) / 10,
          ...(r.chance(0.3) ? { logicalKey: r.pick(KEYS) } : {}),
        }));
        return { text: req.purpose === 'extraction' ? JSON.stringify({ memories }) : 'a synthesis', model: 'fuzz', finishReason: 'stop', usage };
      },
    };
  }
}

/** Argument generators: mostly well-typed, aimed at known ids, with hostile values. */
class Gen {
  constructor(r, pools) {
    this.r = r;
    this.p = pools;
  }
  hostile(p = 0.15) {
    return this.r.chance(p);
  }
  str(max = 30) {
    if (this.hostile()) return this.r.pick(STRINGS);
    const a = 'abcdefghijklmnopqrstuvwxyz0123456789 _-./é😀';
    let s = '';
    for (let i = 0, n = 1 + this.r.below(max); i < n; i++) s += a[this.r.below(a.length)];
    return s;
  }
  words() {
    return Array.from({ length: 2 + this.r.below(5) }, () => this.r.pick(WORDS)).join(' ');
  }
  opt(v, p = 0.5) {
    return this.r.chance(p) ? v() : undefined;
  }
  u64() {
    return this.hostile() ? this.r.pick(U64) : BigInt(this.r.below(120));
  }
  u32() {
    return this.hostile() ? this.r.pick(U32) : this.r.below(120);
  }
  f64() {
    return this.hostile() ? this.r.pick(NUMBERS) : this.r.below(101) / 100;
  }
  time() {
    return this.hostile(0.3) ? this.r.pick(TIMES) : this.p.now() + BigInt(this.r.below(2_000_000) - 1_000_000) * 1_000_000n;
  }
  /** JSON text: a value, or text the engine must refuse (malformed, deep, 1e309, huge). */
  json(depth = 2) {
    if (this.hostile(0.12)) {
      return this.r.pick(['', '{not json', '1e309', '{"n": ' + '9'.repeat(400) + '}', '['.repeat(10_000) + ']'.repeat(10_000), '"\\ud800"', '{"a":1,"a":2}', 'null', '[]', '"' + 'x'.repeat(300_000) + '"', 'NaN']);
    }
    return JSON.stringify(jsonValue(this.r, depth, false)) ?? 'null';
  }
  object() {
    if (this.hostile(0.1)) return this.json();
    const o = {};
    for (let i = 0, n = this.r.below(3); i < n; i++) o[this.str(6)] = this.r.below(10);
    return JSON.stringify(o);
  }
  id(prefix, list) {
    if (list && list.length && !this.r.chance(0.07)) return this.r.pick(list);
    return this.r.pick([`${prefix}_${'0'.repeat(26)}`, `${prefix}_`, prefix, this.r.pick(STRINGS)]);
  }
  space() {
    return this.id('spc', this.p.spaces);
  }
  session(sp) {
    return this.id('ses', this.p.sessions.get(sp));
  }
  store(sp) {
    return this.id('memstore', this.p.stores.get(sp));
  }
  entry(st) {
    return this.id('mementry', this.p.entries.get(st));
  }
  memory(sp) {
    return this.id('mry', this.p.memories.get(sp));
  }
  page() {
    return { offset: this.opt(() => this.u64(), 0.3), limit: this.opt(() => this.u64(), 0.4) };
  }
  strPatch() {
    const k = this.r.below(3);
    return k === 0 ? { tag: 'keep' } : k === 1 ? { tag: 'clear' } : { tag: 'set', val: this.str(40) };
  }
  strategy() {
    const trig = this.r.pick(['ttl', 'idle', 'event-count', 'token-count']);
    return {
      kind: this.r.pick(['soft-delete', 'extract-memories']),
      trigger: { tag: trig, val: trig === 'event-count' ? BigInt(1 + this.r.below(8)) : this.hostile() ? this.r.pick(U64) : BigInt(1 + this.r.below(100_000)) },
      opts: this.opt(() => ({ softDelete: this.opt(() => this.r.chance(0.5)), agentId: this.opt(() => this.str(10)), metadata: this.opt(() => this.object()) }), 0.3),
    };
  }
  event() {
    return { body: this.r.chance(0.6) ? JSON.stringify({ content: this.words() }) : this.json(), emitter: { kind: this.r.pick(['user', 'agent', 'tool', this.str(8)]), id: this.opt(() => this.r.pick(['u1', 'u2', this.str(8)]), 0.8) }, eventType: this.opt(() => this.r.pick(['message', 'note', 'tool_output', this.str(10)]), 0.5) };
  }
  newMemory(sp) {
    return {
      content: this.r.chance(0.02) ? 'm'.repeat(16 * 1024 + 1) : this.r.chance(0.8) ? this.words() : this.str(80),
      type: this.opt(() => this.r.pick(TYPES), 0.2),
      subtype: this.opt(() => this.r.pick(SUBTYPES), 0.2),
      importance: this.opt(() => this.f64(), 0.4),
      tags: Array.from({ length: this.r.chance(0.03) ? 33 : this.r.below(3) }, () => this.r.pick(['t1', 't2', this.str(10)])),
      metadata: this.opt(() => this.object(), 0.3),
      contextId: this.opt(() => this.r.pick(['c1', 'c2', this.str(20)]), 0.2),
      logicalKey: this.opt(() => this.r.pick([...KEYS, this.str(30)]), 0.3),
      validAt: this.opt(() => this.time(), 0.1),
      expiresAt: this.opt(() => this.time(), 0.1),
      provenance: this.opt(() => ({ source: this.opt(() => this.str(10)), sessionId: this.opt(() => this.session(sp)), eventFrom: this.opt(() => this.u64()), eventTo: this.opt(() => this.u64()) }), 0.15),
      idempotencyKey: this.opt(() => this.r.pick(['i1', 'i2', this.str(130)]), 0.2),
    };
  }
  memoryUpdate() {
    return { content: this.opt(() => this.words(), 0.5), importance: this.opt(() => this.f64(), 0.3), tags: this.opt(() => [this.r.pick(['t1', 't2'])], 0.3), metadata: this.opt(() => this.object(), 0.2), expectedVersion: this.opt(() => this.u64(), 0.2) };
  }
  relationship() {
    return this.p.relationships.length && !this.hostile(0.05) ? this.r.pick(this.p.relationships) : this.str(12);
  }
  agent() {
    return this.opt(() => this.r.pick(['a1', 'a2', this.str(20)]), 0.4);
  }
  meta() {
    return this.opt(() => Array.from({ length: this.r.below(3) }, () => [this.str(8), this.str(20)]), 0.3);
  }
  /** A value of the wrong JS type for a WIT parameter (jco's glue must refuse it). */
  wrongType() {
    return this.r.pick([undefined, null, 12, 1n, {}, [], () => 1, Symbol('s'), 'text', { tag: 'nope' }, -1, 2 ** 33]);
  }
}

/** One call: [interface ('memory' for the handle's own methods), method, args, context]. */
function plan(g, r) {
  const sp = () => g.space();
  switch (r.below(56)) {
    case 0:
    case 1:
      return ['memory', 'createSpace', [{ description: g.opt(() => g.str(40)), deduplicationKey: g.opt(() => r.pick(['k1', 'k2', g.str(80)]), 0.2), name: g.opt(() => g.str(20), 0.2), tags: g.opt(() => [g.str(6)], 0.2), settings: g.opt(() => g.object(), 0.2), llmBaseUrl: g.opt(() => r.pick(['https://llm.example/v1', 'ftp://x', g.str(10)]), 0.1) }]];
    case 2:
      return ['memory', r.pick(['getSpace', 'verifySpace', 'restoreSpace']), [sp()]];
    case 3:
      return ['memory', 'listSpaces', [g.page()]];
    case 4:
      return ['memory', 'updateSpace', [sp(), { description: g.strPatch(), llmModelName: g.strPatch(), llmBaseUrl: { tag: 'keep' }, customInstructions: g.strPatch(), settings: g.opt(() => g.object(), 0.2) }]];
    case 5:
      return ['memory', 'deleteSpace', [r.chance(0.2) ? sp() : g.id('spc')]];
    case 6:
    case 7: {
      const s = sp();
      return ['memory', 'createSession', [s, { participants: r.chance(0.9) ? ['u1'] : Array.from({ length: r.below(4) }, () => g.str(8)), lifecycleStrategies: Array.from({ length: r.chance(0.6) ? 0 : 1 + r.below(r.chance(0.05) ? 8 : 2) }, () => g.strategy()), description: g.opt(() => g.str(40)), metadata: g.opt(() => g.object(), 0.3), deduplicationKey: g.opt(() => r.pick(['d1', g.str(80)]), 0.1) }], { space: s }];
    }
    case 8: {
      const s = sp();
      const k = r.below(3);
      if (k === 0) return ['memory', 'getSession', [s, g.session(s)]];
      if (k === 1) return ['memory', 'listSessions', [s, { ...g.page(), participants: g.opt(() => ['u1'], 0.2), description: g.opt(() => g.str(5), 0.1) }]];
      return ['memory', 'deleteSession', [s, r.chance(0.3) ? g.session(s) : g.id('ses')]];
    }
    case 9: {
      const s = sp();
      return ['memory', 'updateSession', [s, g.session(s), { description: g.strPatch(), metadata: r.pick([{ tag: 'keep' }, { tag: 'clear' }, { tag: 'set', val: g.object() }]), lifecycleStrategies: g.opt(() => [g.strategy()], 0.2), ifMatch: g.opt(() => g.u64(), 0.2) }]];
    }
    case 10:
    case 11:
    case 12: {
      const s = sp();
      const ses = g.session(s);
      if (r.chance(0.7)) {
        const ev = g.event();
        return ['memory', 'postEvent', [s, ses, ev], { space: s, session: ses, events: [ev] }];
      }
      const evs = Array.from({ length: r.chance(0.05) ? 201 : r.below(5) }, () => g.event());
      return ['memory', 'postEvents', [s, ses, evs], { space: s, session: ses, events: evs }];
    }
    case 13: {
      const s = sp();
      return ['memory', 'listEvents', [s, g.session(s), { offset: g.opt(() => g.u64(), 0.3), limit: g.opt(() => g.u64(), 0.3), lastN: g.opt(() => g.u64(), 0.3), eventType: g.opt(() => r.pick(['message', 'note', g.str(6)]), 0.2) }]];
    }
    case 14: {
      const s = sp();
      const u = () => ({ sequenceId: g.u64(), body: g.opt(() => g.json()), eventType: g.strPatch(), emitter: g.opt(() => ({ kind: 'user', id: 'u1' }), 0.1), ifUnmodifiedSince: g.opt(() => g.time(), 0.1) });
      if (r.chance(0.2)) return ['memory', 'deleteEvent', [s, g.session(s), r.chance(0.8) ? BigInt(r.below(8)) : g.u64()]];
      return r.chance(0.6) ? ['memory', 'updateEvent', [s, g.session(s), u()]] : ['memory', 'updateEvents', [s, g.session(s), Array.from({ length: r.below(4) }, u)]];
    }
    case 15:
      return ['memory', 'sweep', [r.chance(0.8) ? 1 + r.below(1000) : r.pick(U32)]];
    case 16: {
      const s = sp();
      return ['stores', 'createStore', [s, { name: g.str(30), description: g.opt(() => g.str(40)), metadata: g.meta() }], { space: s }];
    }
    case 17: {
      const s = sp();
      const st = g.store(s);
      const k = r.below(5);
      if (k === 0) return ['stores', 'getStore', [s, st]];
      if (k === 1) return ['stores', 'listStores', [s, r.chance(0.3), g.page()]];
      if (k === 2) return ['stores', 'updateStore', [s, st, { name: g.opt(() => g.str(20)), description: g.opt(() => g.str(20)), metadata: g.opt(() => [[g.str(5), r.chance(0.5) ? undefined : g.str(5)]], 0.3) }]];
      if (k === 3) return ['stores', 'archiveStore', [s, st]];
      return ['stores', 'deleteStore', [s, r.chance(0.3) ? st : g.id('memstore')]];
    }
    case 18:
    case 19: {
      const s = sp();
      const st = g.store(s);
      return ['stores', 'createEntry', [s, st, { path: r.pick(['a.md', 'notes/x.md', 'a.md/b.md', '../x', '', 'é/ü.txt', g.str(20)]), content: r.chance(0.03) ? 'c'.repeat(102_401) : g.str(200), metadata: g.meta() }], { space: s, store: st }];
    }
    case 20: {
      const s = sp();
      const st = g.store(s);
      const e = g.entry(st);
      const k = r.below(6);
      if (k === 0) return ['stores', 'getEntry', [s, st, e]];
      if (k === 1) return ['stores', 'getEntryByPath', [s, st, r.pick(['a.md', 'notes/x.md', g.str(10)])]];
      if (k === 2) return ['stores', 'listEntries', [s, st, r.pick(['', 'notes/', 'a', g.str(4)]), g.page()]];
      if (k === 3) return ['stores', 'updateEntry', [s, st, e, { content: g.opt(() => g.str(100)), path: g.opt(() => r.pick(['b.md', 'notes/y.md', g.str(10)]), 0.3), metadata: g.opt(() => [[g.str(4), g.str(4)]], 0.2), expectedVersion: g.opt(() => g.u64(), 0.2), expectedSha256: g.opt(() => '0'.repeat(64), 0.1) }]];
      if (k === 4) return ['stores', 'deleteEntry', [s, st, e, { expectedVersion: g.opt(() => g.u64(), 0.2) }]];
      return ['stores', 'listVersions', [s, st, g.opt(() => e, 0.3), g.page()]];
    }
    case 21: {
      const s = sp();
      const st = g.store(s);
      const v = g.id('memver', g.p.versions.get(st));
      return ['stores', r.pick(['getVersion', 'redactVersion']), [s, st, v]];
    }
    case 22:
    case 23: {
      const s = sp();
      const st = g.store(s);
      const p = () => `/memories/${r.pick(['a.md', 'notes/x.md', 'dir', '..', g.str(8)])}`;
      const cmd = r.pick(['view', 'create', 'str_replace', 'insert', 'delete', 'rename', 'nope']);
      const c = { command: cmd, path: p() };
      if (cmd === 'rename') Object.assign(c, { old_path: p(), new_path: p() });
      if (cmd === 'create') c.file_text = g.str(120);
      if (cmd === 'str_replace') Object.assign(c, { old_str: g.str(3), new_str: g.str(5) });
      if (cmd === 'insert') Object.assign(c, { insert_line: r.below(5), insert_text: g.str(20) });
      return ['stores', 'memoryTool', [s, st, r.chance(0.1) ? g.json() : JSON.stringify(c)], { readOnly: cmd === 'view' }];
    }
    case 24:
    case 25:
    case 26:
    case 27: {
      const s = sp();
      const m = g.newMemory(s);
      return ['memories', 'remember', [s, m], { space: s, input: m }];
    }
    case 28: {
      const s = sp();
      const k = r.below(4);
      if (k === 0) return ['memories', 'getMemory', [s, g.memory(s)]];
      if (k === 1) return ['memories', 'listMemories', [s, { type: g.opt(() => r.pick(TYPES), 0.2), subtype: undefined, tags: r.chance(0.2) ? ['t1'] : [], contextId: g.opt(() => 'c1', 0.1), logicalKey: g.opt(() => r.pick(KEYS), 0.2), statuses: r.chance(0.3) ? [r.pick(STATUSES)] : [] }, g.page()]];
      if (k === 2) return ['memories', 'memoryStats', [s]];
      return ['memories', 'traceMemory', [s, g.memory(s), g.opt(() => g.u32())]];
    }
    case 29:
    case 30: {
      const s = sp();
      const k = r.below(4);
      if (k === 0) return ['memories', 'updateMemory', [s, g.memory(s), g.memoryUpdate()]];
      if (k === 1) return ['memories', 'decayMemory', [s, g.memory(s), g.opt(() => g.f64())]];
      if (k === 2) return ['memories', 'forgetMemory', [s, g.memory(s), r.chance(0.3)]];
      return ['memories', 'restoreMemory', [s, g.memory(s)]];
    }
    case 31: {
      const s = sp();
      const ops = Array.from({ length: r.chance(0.03) ? 101 : r.below(5) }, () => {
        const k = r.below(3);
        if (k === 0) return { tag: 'create', val: g.newMemory(s) };
        if (k === 1) return { tag: 'update', val: { memoryId: g.memory(s), update: g.memoryUpdate() } };
        return { tag: 'delete', val: { memoryId: g.memory(s), hard: r.chance(0.2) } };
      });
      return ['memories', 'batchMemories', [s, ops, r.chance(0.5)], { space: s }];
    }
    case 32:
    case 33: {
      const s = sp();
      const k = r.below(5);
      if (k <= 1) return ['memories', 'associate', [s, g.memory(s), { targetId: g.memory(s), relationship: g.relationship(), strength: g.opt(() => g.f64()), metadata: g.opt(() => g.object(), 0.3) }], { space: s }];
      const a = g.id('asc', g.p.associations.get(s));
      if (k === 2) return ['memories', 'getAssociations', [s, g.memory(s), { direction: r.pick(['out', 'in', 'both']), relationships: r.chance(0.2) ? [g.relationship()] : [], includeSuperseded: r.chance(0.3) }, g.page()]];
      if (k === 3) return r.chance(0.5) ? ['memories', 'deleteAssociation', [s, a]] : ['memories', 'updateAssociation', [s, a, { strength: g.opt(() => g.f64()), metadata: g.opt(() => g.object(), 0.3) }]];
      return ['memories', 'traverse', [s, g.memory(s), { maxDepth: g.opt(() => g.u32(), 0.3), direction: r.pick(['out', 'in', 'both']), minStrength: g.opt(() => g.f64(), 0.2), relationshipTypes: [], maxNodes: g.opt(() => g.u32(), 0.2), includeSuperseded: r.chance(0.3) }]];
    }
    case 34:
    case 35: {
      const s = sp();
      const q = {
        query: r.chance(0.9) ? g.words() : r.pick(['', ' ', 'x'.repeat(4097), g.str(10)]),
        types: r.chance(0.1) ? [r.pick(TYPES)] : [],
        subtypes: [],
        tags: r.chance(0.1) ? ['t1'] : [],
        limit: g.opt(() => g.u32(), 0.2),
        offset: g.opt(() => g.u32(), 0.1),
        mode: g.opt(() => r.pick(['rag', 'llm', 'hybrid']), 0.15),
        minRelevance: g.opt(() => g.f64(), 0.15),
        tolerance: g.opt(() => r.pick(['strict', 'moderate', 'loose']), 0.15),
        recencyWeight: g.opt(() => g.f64(), 0.1),
        includeAssociations: g.opt(() => r.chance(0.5), 0.2),
        traverseDepth: g.opt(() => g.u32(), 0.1),
        maxExpansion: g.opt(() => g.u32(), 0.1),
        createdAfter: g.opt(() => g.time(), 0.05),
        createdBefore: g.opt(() => g.time(), 0.05),
        validAt: g.opt(() => g.time(), 0.1),
        budgetTokens: g.opt(() => g.u64(), 0.1),
        explain: r.chance(0.2),
        embedding: g.opt(() => (r.chance(0.5) ? new Float32Array(8).fill(0.5) : new Float32Array([1, NaN, 3])), 0.1),
      };
      return ['recall', 'recall', [s, q]];
    }
    case 36: {
      const s = sp();
      const k = r.below(3);
      if (k === 0) return ['recall', 'reflect', [s, r.chance(0.9) ? g.words() : g.str(10), g.opt(() => g.u32(), 0.3), g.opt(() => r.chance(0.5), 0.3)]];
      if (k === 1) return ['recall', 'reindex', [s, { batchSize: g.opt(() => g.u32(), 0.4), cursor: g.opt(() => g.memory(s), 0.1) }]];
      return ['recall', 'checkIndex', [s]];
    }
    case 37:
    case 38: {
      const s = sp();
      const w = { content: r.chance(0.02) ? 'b'.repeat(70_000) : g.words(), agentId: g.agent(), expectedUpdatedAt: g.opt(() => g.time(), 0.2), description: g.opt(() => g.str(40), 0.2), limitTokens: g.opt(() => g.u64(), 0.1), limitBytes: g.opt(() => g.u64(), 0.1), readOnly: g.opt(() => r.chance(0.5), 0.1) };
      return ['agentContext', 'updateBlock', [s, r.pick(['core', 'persona', 'tasks', 'archival', '', g.str(12)]), w], { space: s, block: w }];
    }
    case 39: {
      const s = sp();
      const bt = r.pick(['core', 'persona', 'tasks', g.str(8)]);
      const k = r.below(4);
      if (k === 0) return ['agentContext', 'getBlock', [s, bt, g.agent()]];
      if (k === 1) return ['agentContext', 'listBlocks', [s, { scope: g.opt(() => r.pick(['user', 'agent', 'all'])), agentId: g.agent() }]];
      if (k === 2) return ['agentContext', 'deleteBlock', [s, bt, g.agent(), g.opt(() => g.time(), 0.3)]];
      return ['agentContext', 'listBlockVersions', [s, bt, g.agent(), g.page()]];
    }
    case 40:
    case 41: {
      const s = sp();
      const req = { agentId: g.agent(), sessionId: g.opt(() => g.session(s), 0.7), query: g.opt(() => g.words(), 0.4), budgetTokens: g.opt(() => g.u64(), 0.4), policy: { archivalMode: g.opt(() => r.pick(['tool-only', 'auto']), 0.3), archivalLimit: g.opt(() => g.u32(), 0.2), archivalMinScore: g.opt(() => g.f64(), 0.2), includeUserCore: g.opt(() => r.chance(0.5), 0.1), includeAgentCore: g.opt(() => r.chance(0.5), 0.1) }, refresh: r.chance(0.2) };
      return r.chance(0.8) ? ['agentContext', 'contextFor', [s, req]] : ['agentContext', 'recallArchival', [s, { query: g.words(), agentId: g.agent(), limit: g.opt(() => g.u32(), 0.3), minScore: g.opt(() => g.f64(), 0.3) }]];
    }
    case 42:
    case 43: {
      const s = sp();
      const ses = g.session(s);
      const k = r.below(4);
      const key = r.pick(['task', 'step', 'plan', '', 'k'.repeat(129), g.str(10)]);
      if (k <= 1) {
        const value = r.chance(0.02) ? `"${'v'.repeat(70_000)}"` : g.json();
        return ['agentContext', 'setContext', [s, ses, key, value, g.opt(() => g.u64(), 0.4)], { space: s, ctxValue: value }];
      }
      if (k === 2) return r.chance(0.5) ? ['agentContext', 'getContext', [s, ses, r.chance(0.3) ? [] : [key]]] : ['agentContext', 'deleteContext', [s, ses, key]];
      return ['agentContext', 'touchSession', [s, ses]];
    }
    case 44: {
      const k = r.below(4);
      if (k === 0) return ['agentContext', 'findSpaces', [{ tags: r.chance(0.5) ? [g.str(6)] : [], matchMode: g.opt(() => r.pick(['all', 'any'])), page: g.page() }]];
      if (k === 1) return ['agentContext', 'spaceByKey', [r.pick(['k1', 'k2', g.str(80)])]];
      if (k === 2) return ['agentContext', 'workspaceSchema', [sp()]];
      return ['agentContext', 'briefing', [sp(), { lookbackMinutes: g.opt(() => g.u64(), 0.4), limit: g.opt(() => g.u32(), 0.3), includeMemories: g.opt(() => r.chance(0.5), 0.3), includeContradictions: g.opt(() => r.chance(0.5), 0.3) }]];
    }
    case 45:
    case 46: {
      const s = sp();
      return ['extraction', 'commitSession', [s, g.session(s), { minImportance: g.opt(() => g.f64(), 0.3), deduplicate: g.opt(() => r.chance(0.5), 0.2), categories: g.opt(() => [r.pick(['fact', 'preference', 'event', 'instruction', 'bogus'])], 0.2), maxMemories: g.opt(() => g.u32(), 0.2), agentId: g.opt(() => g.str(10), 0.2), metadata: g.opt(() => g.object(), 0.1) }], { space: s }];
    }
    case 47:
      return ['extraction', 'runExtraction', [{ limit: g.opt(() => g.u32(), 0.4), spaceId: g.opt(() => sp(), 0.4), leaseSecs: g.opt(() => g.u64(), 0.2), chunkTokens: g.opt(() => (r.chance(0.8) ? 256 + r.below(10_000) : g.u32()), 0.2) }]];
    case 48: {
      const s = sp();
      const job = g.id('job', g.p.jobs.get(s));
      const k = r.below(4);
      if (k === 0) return ['extraction', 'listExtractionJobs', [s, { status: g.opt(() => r.pick(['pending', 'running', 'done', 'failed'])), sessionId: g.opt(() => g.session(s), 0.3), offset: g.opt(() => g.u64(), 0.2), limit: g.opt(() => g.u64(), 0.3) }]];
      if (k === 1) return ['extraction', 'getExtractionJob', [s, job]];
      if (k === 2) return ['extraction', 'retryExtractionJob', [s, job]];
      return ['extraction', 'pruneExtractionJobs', [s, { finishedBefore: g.opt(() => g.time(), 0.5), includeFailed: r.chance(0.5), limit: g.opt(() => g.u32(), 0.3) }]];
    }
    default: {
      // Another interface's read, to keep reads beside writes.
      const s = sp();
      return ['memory', 'listEvents', [s, g.session(s), { limit: 10n }]];
    }
  }
}

/** Why `e` (thrown by a component call) is not a typed WIT error, or null. */
function badError(e) {
  if (e instanceof WebAssembly.RuntimeError) return `wasm trap: ${e.message}`;
  const p = e && e.payload;
  if (!p || typeof p !== 'object') return `not a typed error: ${e && e.constructor ? e.constructor.name : typeof e}: ${e && e.message}`;
  if (!TAGS.has(p.tag)) return `unknown error case ${p.tag}`;
  const v = p.val;
  if (!v || typeof v.message !== 'string' || v.message.length === 0) return 'no message';
  if (v.message.length > MAX_MESSAGE) return `a ${v.message.length}-character message`;
  let details;
  try {
    details = JSON.parse(v.details);
  } catch {
    return `details are not JSON: ${String(v.details).slice(0, 80)}`;
  }
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return 'details are not an object';
  return null;
}

/** A call's argument for a failure message (bigints and typed arrays shown, long text cut). */
function short(v) {
  let s;
  try {
    s = typeof v === 'bigint' ? `${v}n` : typeof v === 'symbol' || typeof v === 'function' ? String(v) : JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : ArrayBuffer.isView(x) ? Array.from(x) : x));
  } catch {
    s = Object.prototype.toString.call(v);
  }
  s ??= String(v);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

/** A fresh world: one instance over a fresh `kv`, a handle for u1 and one for u2. */
async function openWorld(atomic, seed) {
  const kv = new MemoryKv({ atomic });
  const host = new ManualHost({ seed });
  const rng = new Rng(seed);
  const embedder = new TestEmbedder({ dims: rng.chance(0.75) ? 8 : 0 });
  const llm = new FuzzLlm(rng.fork());
  const ex = await instanceExports(kv, host, embedder, llm);
  const ms = ex.memory.Memspace.open({ userId: 'u1', tenantId: 't1' });
  const other = ex.memory.Memspace.open({ userId: 'u2', tenantId: 't1' });
  const pools = {
    spaces: [], sessions: new Map(), stores: new Map(), entries: new Map(), versions: new Map(),
    memories: new Map(), associations: new Map(), jobs: new Map(),
    relationships: ex.memories.relationshipTypes(ms).map((t) => t.name),
    now: () => host.micros,
  };
  return { kv, host, embedder, ex, ms, other, pools };
}

const add = (map, k, id, max = 50) => {
  const l = map.get(k) ?? [];
  if (!l.includes(id)) l.push(id);
  if (l.length > max) l.shift();
  map.set(k, l);
};

/** Pools and read-backs after an accepted call. */
function accepted(w, iface, method, args, ctx, value, stats) {
  const { pools, ex, ms } = w;
  const same = (what, sent, got) => {
    // A WIT `string` is Unicode scalar values: jco's glue encodes a lone surrogate as U+FFFD
    // before the engine sees it (the JS API refuses one instead), so compare what crossed.
    if (typeof sent === 'string') sent = sent.toWellFormed();
    if (sent !== got) throw new Violation(`${method}: ${what} changed: sent ${short(sent)}, read ${short(got)}`);
    stats.roundTrips++;
  };
  switch (method) {
    case 'createSpace':
      pools.spaces.push(value.id);
      if (pools.spaces.length > 30) pools.spaces.shift();
      break;
    case 'createSession':
      add(pools.sessions, args[0], value.id);
      break;
    case 'postEvent':
    case 'postEvents': {
      const got = method === 'postEvent' ? [value] : value;
      // Read back as the newest events (offsets count live events, so with deleted events
      // an offset is not a sequence id).
      const back = (() => {
        try {
          return ms.listEvents(args[0], args[1], { lastN: BigInt(got.length) });
        } catch {
          return [];
        }
      })();
      for (let i = 0; i < got.length; i++) {
        // The engine stores a body's JSON value; its text comes back in the engine's own
        // serialisation, so compare values (numbers it cannot hold exactly are refused).
        same('body', JSON.stringify(JSON.parse(ctx.events[i].body)), JSON.stringify(JSON.parse(got[i].body)));
        const read = back[i];
        if (read) {
          same('event read back', got[i].sequenceId, read.sequenceId);
          same('event read back', got[i].body, read.body);
        }
      }
      break;
    }
    case 'createStore':
      add(pools.stores, args[0], value.id);
      break;
    case 'createEntry':
      add(pools.entries, args[1], value.id);
      if (value.content !== undefined) same('content', args[2].content, value.content);
      for (const v of ex.stores.listVersions(ms, args[0], args[1], value.id, { limit: 5n })) add(pools.versions, args[1], v.id);
      break;
    case 'remember':
      add(pools.memories, args[0], value.memory.id);
      if (!value.replayed) same('memory content', args[1].content, value.memory.content);
      if (!value.replayed) same('memory read back', value.memory.content, ex.memories.getMemory(ms, args[0], value.memory.id).content);
      break;
    case 'batchMemories':
      for (const res of value.results) if (res.memoryId) add(pools.memories, args[0], res.memoryId);
      break;
    case 'associate':
      add(pools.associations, args[0], value.id);
      break;
    case 'updateBlock':
      same('block content', ctx.block.content, value.content);
      same('block read back', value.content, ex.agentContext.getBlock(ms, args[0], args[1], value.agentId).content);
      break;
    case 'setContext': {
      same('context value', JSON.stringify(JSON.parse(ctx.ctxValue)), JSON.stringify(JSON.parse(value.value)));
      const [read] = ex.agentContext.getContext(ms, args[0], args[1], [value.key]);
      if (read) same('context read back', value.value, read.value);
      break;
    }
    case 'commitSession':
      for (const id of value.jobIds) add(pools.jobs, args[0], id);
      for (const id of value.memoryIds) add(pools.memories, args[0], id);
      break;
    case 'listExtractionJobs':
      for (const j of value) add(pools.jobs, args[0], j.id);
      break;
  }
}

/** Runs `calls` calls on an atomic or key-by-key store from `seed`; returns the counts. */
export async function fuzzWit({ seed = 1, calls = 5000, atomic = true } = {}) {
  const rng = new Rng(seed ^ (atomic ? 0 : 0x5bd1e995));
  const stats = { kv: atomic ? 'atomic' : 'keyed', seed, calls: 0, accepted: 0, rejected: {}, rejectedWritesChecked: 0, roundTrips: 0, glueRefusals: 0, injectedFailures: 0, badClocks: 0, clockJumps: 0, upstreamKept: 0, crossPrincipal: 0, verified: 0, worlds: 0 };
  let w = null;
  let i = 0;
  const where = () => `seed ${seed}, kv ${stats.kv}, call ${i}`;
  const verifyAll = () => {
    for (const sp of w.pools.spaces) {
      let report;
      try {
        report = w.ms.verifySpace(sp);
      } catch (e) {
        const bad = badError(e);
        if (bad) throw new Violation(`verifySpace(${sp}): ${bad}`);
        continue; // gone / not-found
      }
      stats.verified++;
      if (report.problems.length) throw new Violation(`verifySpace(${sp}): ${short(report.problems.slice(0, 3))}`);
    }
  };
  try {
    for (i = 0; i < calls; i++) {
      if (i % RESET_EVERY === 0) {
        if (w) verifyAll();
        w = await openWorld(atomic, rng.u32());
        stats.worlds++;
      }
      const r = rng.fork();
      oneCall(w, r, stats);
      stats.calls++;
    }
    if (w) verifyAll();
  } catch (e) {
    if (e instanceof Violation) e.message = `${where()}: ${e.message}\nreplay: node tests/component/wit-fuzz.mjs --kv ${stats.kv} --seed ${seed} --calls ${i + 1}`;
    else e.message = `${where()}: fuzzer failure: ${e.message}`;
    throw e;
  }
  return stats;
}

function oneCall(w, r, stats) {
  const g = new Gen(r, w.pools);
  // The clock jumps forward; a sweep then fires what came due (not a refused write later).
  if (r.chance(0.004)) {
    w.host.advanceSecs(1 + r.below(30 * 86_400));
    stats.clockJumps++;
    try {
      w.ms.sweep(1_000_000);
    } catch (e) {
      throw new Violation(`sweep after a clock jump: ${badError(e) ?? e.payload?.val?.message}`);
    }
    return;
  }
  const [iface, method, args, ctx] = plan(g, r);
  const write = WRITES.has(method) && !ctx?.readOnly;
  let handle = w.ms;
  let how = 'bound';
  const roll = r.below(1000);
  if (roll < 25) (handle = w.other), (how = 'other');
  else if (roll < 35) how = 'wrong-type';
  else if (roll < 45 && write && w.kv.atomic) how = 'storage-failure';
  else if (roll < 50 && write) how = 'bad-clock';
  const callArgs = [...args];
  if (how === 'wrong-type') callArgs[r.below(callArgs.length || 1)] = g.wrongType();
  const call = () => `${how} ${iface}.${method}(${callArgs.map(short).join(', ')})`;
  const before = write ? w.kv.snapshot() : null;
  if (how === 'storage-failure') w.kv.failNextCommit({ tag: 'storage' });
  const savedClock = w.host.micros;
  if (how === 'bad-clock') w.host.micros = savedClock * 1000n;
  let value;
  let error = null;
  try {
    value = iface === 'memory' ? handle[method](...callArgs) : w.ex[iface][method](handle, ...callArgs);
  } catch (e) {
    error = e;
  } finally {
    w.host.micros = savedClock;
    w.kv.failure = null;
  }
  if (error instanceof WebAssembly.RuntimeError) throw new Violation(`${call()} trapped: ${error.message}`);
  if (how === 'wrong-type') {
    // jco's glue refuses the value (TypeError/RangeError) before the engine runs, or lowers
    // it to something legal (e.g. an absent option); either way the instance keeps working.
    if (error && !error.payload) {
      if (!(error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError)) throw new Violation(`${call()}: the glue threw ${error.constructor?.name}: ${error.message}`);
      stats.glueRefusals++;
      if (write && !sameStore(before, w.kv.snapshot())) throw new Violation(`${call()}: the glue refused the value but storage changed`);
      return;
    }
  }
  if (error) {
    const bad = badError(error);
    if (bad) throw new Violation(`${call()}: ${bad}`);
    const tag = error.payload.tag;
    stats.rejected[tag] = (stats.rejected[tag] ?? 0) + 1;
    if (how === 'other') stats.crossPrincipal++;
    if (how === 'storage-failure') stats.injectedFailures++;
    if (how === 'bad-clock') {
      stats.badClocks++;
      if (tag !== 'unsupported' && tag !== 'validation' && tag !== 'not-found' && tag !== 'gone' && tag !== 'conflict' && tag !== 'duplicate' && tag !== 'archived')
        throw new Violation(`${call()} with the clock in nanoseconds failed with ${tag}: ${error.payload.val.message}`);
    }
    if (write && method === 'commitSession' && tag === 'upstream') {
      stats.upstreamKept++; // documented: the job stays queued for a retry
    } else if (write) {
      if (!sameStore(before, w.kv.snapshot())) throw new Violation(`${call()} was refused (${tag}: ${error.payload.val.message}) but changed storage`);
      stats.rejectedWritesChecked++;
    }
    return;
  }
  if (how === 'bad-clock' && !sameStore(before, w.kv.snapshot())) throw new Violation(`${call()} wrote with the clock in nanoseconds`);
  if (how === 'other' && typeof args[0] === 'string' && w.pools.spaces.includes(args[0]) && method !== 'sweep' && method !== 'runExtraction') {
    throw new Violation(`${call()} through another principal's handle succeeded on u1's space`);
  }
  stats.accepted++;
  if (how === 'bound') accepted(w, iface, method, args, ctx, value, stats);
}

function sameStore(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i][0] !== b[i][0] || a[i][1] !== b[i][1]) return false;
  return true;
}

// ---- command line --------------------------------------------------------------------------------

function arg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seed = Number(arg('seed', process.env.MEMSPACE_FUZZ_SEED ?? 1)) >>> 0;
  const calls = Number(arg('calls', 20_000));
  const which = arg('kv', 'all');
  const kinds = which === 'all' ? ['atomic', 'keyed'] : [which];
  const started = Date.now();
  const totals = { calls: 0, accepted: 0, rejected: 0, rejectedWritesChecked: 0, roundTrips: 0 };
  try {
    for (const kind of kinds) {
      const s = await fuzzWit({ seed, calls: Math.ceil(calls / kinds.length), atomic: kind === 'atomic' });
      const rejected = Object.values(s.rejected).reduce((a, b) => a + b, 0);
      console.log(
        `wit fuzz [${kind}] seed ${seed}: ${s.calls} calls, ${s.accepted} accepted, ${rejected} rejected ${JSON.stringify(s.rejected)}, ${s.rejectedWritesChecked} refused writes checked unchanged, ` +
          `${s.roundTrips} values read back, ${s.glueRefusals} wrong-typed values refused by the glue, ${s.injectedFailures} refused calls with a storage failure armed, ${s.badClocks} calls with a nanosecond clock, ` +
          `${s.clockJumps} clock jumps, ${s.upstreamKept} commitSession model failures (job kept), ${s.crossPrincipal} cross-principal refusals, ${s.verified} spaces verified in ${s.worlds} worlds`,
      );
      totals.calls += s.calls;
      totals.accepted += s.accepted;
      totals.rejected += rejected;
      totals.rejectedWritesChecked += s.rejectedWritesChecked;
      totals.roundTrips += s.roundTrips;
    }
  } catch (e) {
    console.error(`wit fuzz FAILED: ${e.message}`);
    if (!(e instanceof Violation)) console.error(e.stack);
    process.exit(1);
  }
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`wit fuzz: ${totals.calls} calls, seed ${seed} (${totals.accepted} accepted, ${totals.rejected} rejected), 0 violations: 0 traps, 0 untyped errors, 0 state changes from refused writes (${totals.rejectedWritesChecked} checked), 0 silent value changes (${totals.roundTrips} read back) in ${secs} s`);
}
