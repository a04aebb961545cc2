// The JS boundary fuzzer: seeded random and hostile calls to every method of the public API
// (the `memspace` package as built in dist/), on the in-memory store and on caller-supplied
// adapters (atomic, and key-by-key so the engine journals), checking after every call:
//
//  * every rejection is a MemspaceError with a known code, its status and a bounded message,
//    never a synchronous throw, a plain Error, a wasm trap or a `storage` error from a healthy
//    backend;
//  * a rejected write changes nothing (adapters: every stored byte; memory: everything the
//    API shows of the space it addressed);
//  * every call settles within a timeout (no hangs, no lost locks);
//  * what was accepted reads back exactly as sent (key order, -0, own "__proto__" keys, …);
//  * a handle for another principal is refused whatever ids it is given;
//  * the spaces verify clean (verifySpace) whenever the world is reset.
//
//   node test/fuzz/js-boundary.mjs [--calls N] [--seed S] [--backend memory|adapter|keyed|all]
//
// A failure prints the seed, the call number and the call; MEMSPACE_FUZZ_SEED / --seed with
// --calls up to that number replays it.

import { pathToFileURL } from "node:url";
import { Memspace, MemspaceError, MemoryKv } from "memspace";
import { Rng } from "./rng.mjs";
import { STRINGS, NUMBERS, junk, jsonValue, isPlainJson, diff, show } from "./values.mjs";
import { MEMORY_WRITES, memoryPools, planMemory, roundTripMemory, spaceViewMemory, fuzzEmbedder, fuzzLlm } from "./js-plan-memory.mjs";

const STATUS = { validation: 422, not_found: 404, conflict: 409, duplicate: 409, archived: 409, gone: 410, quota: 507, storage: 500, unsupported: 501, upstream: 502 };
const MAX_MESSAGE = 4096; // characters: messages are for people and models, not dumps
const TIMEOUT_MS = 10_000;
const RESET_EVERY = 1500; // calls per world (a fresh store keeps snapshots small)

export class Violation extends Error {}

const hex = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

/**
 * A KvAdapter over the package's MemoryKv that remembers, for the call in progress, the value
 * every key had before the call first wrote it — so a rejected call can be checked to have
 * left every stored byte as it was.
 */
class TrackedKv {
  constructor(atomic) {
    this.inner = new MemoryKv();
    this.atomicBatches = atomic;
    this.prior = null; // Map hex -> Uint8Array | null while a call is tracked
  }
  get(k) {
    return this.inner.get(k);
  }
  getMany(ks) {
    return this.inner.getMany(ks);
  }
  scan(s, e, l, r) {
    return this.inner.scan(s, e, l, r);
  }
  async commit(batch) {
    if (this.prior) {
      for (const op of batch.ops) {
        const h = hex(op.key);
        if (!this.prior.has(h)) this.prior.set(h, await this.inner.get(op.key));
      }
    }
    return this.inner.commit(batch);
  }
  /** Keys whose value differs from before the tracked call. */
  async changedSince() {
    const out = [];
    for (const [h, before] of this.prior ?? []) {
      const now = await this.inner.get(new Uint8Array(Buffer.from(h, "hex")));
      const same = before === null || before === undefined ? now === null || now === undefined : now != null && Buffer.compare(Buffer.from(before), Buffer.from(now)) === 0;
      if (!same) out.push(Buffer.from(h, "hex").toString("latin1").replace(/[^\x20-\x7e]/g, "·"));
    }
    return out;
  }
}

function settle(fn) {
  let p;
  try {
    p = fn();
  } catch (e) {
    return Promise.resolve({ sync: true, error: e });
  }
  if (!(p instanceof Promise)) return Promise.resolve({ sync: true, value: p });
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ hung: true }), TIMEOUT_MS);
  });
  return Promise.race([p.then((value) => ({ value }), (error) => ({ error })), timeout]).finally(() => clearTimeout(timer));
}

/** Why `e` is not an acceptable rejection, or null. */
function badError(e, backendFaults) {
  if (!(e instanceof MemspaceError)) return `not a MemspaceError: ${e && e.constructor ? e.constructor.name : typeof e}: ${e && e.message}`;
  if (!(e.code in STATUS)) return `unknown code ${e.code}`;
  if (e.status !== STATUS[e.code]) return `code ${e.code} with status ${e.status}`;
  if (typeof e.message !== "string" || e.message.length === 0) return "no message";
  if (e.message.length > MAX_MESSAGE) return `a ${e.message.length}-character message`;
  if (typeof e.details !== "object" || e.details === null) return "details is not an object";
  if (e.code === "storage" && !backendFaults) return `storage error from a healthy backend: ${e.message}`;
  return null;
}

const WRITES = new Set([
  "createSpace", "updateSpace", "deleteSpace", "restoreSpace",
  "createSession", "updateSession", "deleteSession",
  "postEvent", "postEvents", "updateEvent", "updateEvents", "deleteEvent",
  "createStore", "updateStore", "archiveStore", "deleteStore",
  "createEntry", "updateEntry", "deleteEntry", "redactVersion", "memoryTool", "sweep",
  ...MEMORY_WRITES,
]);

/** The ids the world knows, to aim most calls at things that exist. */
class Pools {
  constructor() {
    this.spaces = []; // { id, deleted }
    this.sessions = new Map(); // space -> [{ id, participants, events }]
    this.stores = new Map(); // space -> [{ id, archived, entries: [{id, path}], versions: [id] }]
    this.memory = memoryPools(); // memories, associations, jobs (js-plan-memory.mjs)
  }
  sessionsOf(sp) {
    return this.sessions.get(sp) ?? [];
  }
  storesOf(sp) {
    return this.stores.get(sp) ?? [];
  }
}

/** Argument generators: mostly well-formed, aimed at known ids, with hostile mutations. */
class Gen {
  constructor(rng, pools) {
    this.r = rng;
    this.p = pools;
    this.hostility = 0.25;
  }
  hostile() {
    return this.r.chance(this.hostility);
  }
  /** `v`, or (sometimes) something hostile in its place. */
  or(v) {
    return this.r.chance(this.hostility / 3) ? junk(this.r) : v;
  }
  str(max = 40) {
    if (this.r.chance(0.15)) return this.r.pick(STRINGS);
    const alphabet = "abcdefghijklmnopqrstuvwxyzABC0123456789 _-./é😀";
    let s = "";
    for (let i = 0, n = 1 + this.r.below(max); i < n; i++) s += alphabet[this.r.below(alphabet.length)];
    return s;
  }
  idLike(prefix) {
    return this.r.pick([`${prefix}_${"0".repeat(26)}`, `${prefix}_`, prefix, this.r.pick(STRINGS), junk(this.r)]);
  }
  space() {
    const { spaces } = this.p;
    if (spaces.length && !this.r.chance(0.08)) return this.r.pick(spaces).id;
    return this.idLike("spc");
  }
  spaceWith(kind) {
    const with_ = this.p.spaces.filter((s) => (kind === "sessions" ? this.p.sessionsOf(s.id) : this.p.storesOf(s.id)).length);
    if (with_.length && !this.r.chance(0.05)) return this.r.pick(with_).id;
    return this.space();
  }
  sessionOf(sp) {
    const list = this.p.sessionsOf(sp);
    if (list.length && !this.r.chance(0.06)) return this.r.pick(list);
    return { id: this.idLike("ses"), participants: ["u1"] };
  }
  storeOf(sp) {
    const list = this.p.storesOf(sp);
    if (list.length && !this.r.chance(0.06)) return this.r.pick(list);
    return { id: this.idLike("memstore"), entries: [], versions: [] };
  }
  entryOf(store) {
    if (store.entries?.length && !this.r.chance(0.08)) return this.r.pick(store.entries);
    return { id: this.idLike("mementry"), path: this.path() };
  }
  int(max = 200) {
    return this.r.chance(0.1) ? this.r.pick(NUMBERS) : this.r.below(max);
  }
  json(depth = 3) {
    return jsonValue(this.r, depth, this.r.chance(this.hostility / 2));
  }
  meta() {
    const o = this.json(2);
    return o !== null && typeof o === "object" && !Array.isArray(o) ? o : { k: o };
  }
  stringMeta() {
    const o = {};
    for (let i = 0, n = this.r.below(4); i < n; i++) o[this.str(8)] = this.or(this.str(20));
    return o;
  }
  path() {
    const segs = Array.from({ length: 1 + this.r.below(3) }, () => this.r.pick(["a", "b", "notes", "x.md", "y.txt", "dir", "é", ".", "..", "", " ", "a b", this.str(6)]));
    return segs.join("/");
  }
  trigger() {
    const n = this.or(1 + this.r.below(100_000));
    return this.r.pick([{ ttl: n }, { idle: n }, { eventCount: this.or(1 + this.r.below(50)) }, { tokenCount: n }, {}, { ttl: 1, idle: 1 }]);
  }
  strategy() {
    const s = { type: this.or(this.r.pick(["soft_delete", "extract_memories", "archive"])), trigger: this.trigger() };
    if (this.r.chance(0.3)) s.opts = this.r.chance(0.5) ? null : { softDelete: this.or(this.r.chance(0.5)), agentId: this.or(this.str(10)) };
    return s;
  }
  emitter(session) {
    const user = this.r.chance(0.6);
    return { type: this.or(user ? "user" : this.r.pick(["agent", "tool", "system", ""])), id: this.or(user ? this.r.pick(session.participants ?? ["u1"]) : this.str(10)) };
  }
  event(session) {
    const e = { body: this.json(), emitter: this.emitter(session) };
    if (this.r.chance(0.6)) e.eventType = this.or(this.r.pick(["message", "tool_output", "note", null, ""]));
    return this.mutate(e);
  }
  /** Sometimes one hostile change to an input object: a field made hostile, added or removed. */
  mutate(o) {
    if (!this.hostile()) return o;
    const keys = Object.keys(o);
    switch (this.r.below(5)) {
      case 0:
        return junk(this.r);
      case 1:
        return { ...o, [this.r.pick(["typo", "__proto__", "id", "snake_case", this.str(6)])]: junk(this.r) };
      case 2:
        if (keys.length) delete o[this.r.pick(keys)];
        return o;
      default:
        if (keys.length) o[this.r.pick(keys)] = junk(this.r);
        return o;
    }
  }
  page(extra = {}) {
    const o = { ...extra };
    if (this.r.chance(0.4)) o.offset = this.int(20);
    if (this.r.chance(0.4)) o.limit = this.int(120);
    return this.r.chance(0.2) ? undefined : this.mutate(o);
  }
}

/** One operation: [method, args, context] where context feeds the pools and round-trip checks. */
function plan(g, r) {
  // The memory layer (memories, recall, blocks, context, extraction) gets 45% of the calls.
  if (r.chance(0.45)) return planMemory(g, r);
  const sp = () => g.space();
  switch (r.below(34)) {
    case 0:
    case 1: {
      const input = {};
      if (r.chance(0.5)) input.description = g.or(g.str(60));
      if (r.chance(0.2)) input.deduplicationKey = g.or(r.pick(["k1", "k2", "k3", g.str(80)]));
      if (r.chance(0.2)) input.llmBaseUrl = g.or(r.pick(["https://llm.example/v1", "ftp://x", "javascript:alert(1)", g.str(10)]));
      if (r.chance(0.2)) input.llmModelName = g.or(g.str(30));
      if (r.chance(0.15)) input.customInstructions = g.or(g.str(200));
      if (r.chance(0.15)) input.name = g.or(g.str(30));
      if (r.chance(0.15)) input.tags = g.or(Array.from({ length: r.below(4) }, () => g.str(10)));
      if (r.chance(0.2)) input.settings = g.meta();
      return ["createSpace", [r.chance(0.1) ? undefined : g.mutate(input)], { input }];
    }
    case 2:
      return ["getSpace", [sp()]];
    case 3:
      return ["listSpaces", [g.page()]];
    case 4: {
      const u = {};
      for (const f of ["description", "llmModelName", "customInstructions"]) if (r.chance(0.4)) u[f] = r.chance(0.2) ? null : g.or(g.str(40));
      return ["updateSpace", [sp(), g.mutate(u)], { input: u }];
    }
    case 5:
      return ["deleteSpace", [r.chance(0.3) ? sp() : g.idLike("spc")]];
    case 6:
      return ["restoreSpace", [sp()]];
    case 7:
      return ["verifySpace", [sp()]];
    case 8:
    case 9: {
      const s = sp();
      const input = { participants: g.or(r.chance(0.9) ? ["u1", ...(r.chance(0.4) ? ["u2"] : [])] : Array.from({ length: r.below(5) }, () => g.str(8))) };
      if (r.chance(0.5)) input.lifecycleStrategies = g.or(Array.from({ length: r.below(3) }, () => g.strategy()));
      if (r.chance(0.4)) input.description = g.or(g.str(40));
      if (r.chance(0.4)) input.metadata = r.chance(0.1) ? null : g.meta();
      if (r.chance(0.2)) input.deduplicationKey = g.or(r.pick(["d1", "d2", g.str(80)]));
      return ["createSession", [s, g.mutate(input)], { space: s, input }];
    }
    case 10: {
      const s = g.spaceWith("sessions");
      return ["getSession", [s, g.sessionOf(s).id]];
    }
    case 11: {
      const f = {};
      if (r.chance(0.3)) f.participants = g.or(["u1"]);
      if (r.chance(0.3)) f.description = g.or(g.str(5));
      if (r.chance(0.2)) f.deduplicationKey = g.or("d1");
      return ["listSessions", [sp(), g.page(f)]];
    }
    case 12: {
      const s = g.spaceWith("sessions");
      const u = {};
      if (r.chance(0.5)) u.description = r.chance(0.2) ? null : g.or(g.str(40));
      if (r.chance(0.4)) u.metadata = r.chance(0.2) ? null : g.meta();
      if (r.chance(0.2)) u.lifecycleStrategies = g.or([g.strategy()]);
      if (r.chance(0.3)) u.ifMatch = g.int(5);
      return ["updateSession", [s, g.sessionOf(s).id, g.mutate(u)], { input: u }];
    }
    case 13: {
      const s = g.spaceWith("sessions");
      if (r.chance(0.5)) {
        const ses = g.sessionOf(s);
        return ["deleteEvent", [s, ses.id, g.or(r.below(Math.max(1, ses.events ?? 1) + 1))]];
      }
      return ["deleteSession", [s, r.chance(0.3) ? g.sessionOf(s).id : g.idLike("ses")]];
    }
    case 14:
    case 15:
    case 16: {
      const s = g.spaceWith("sessions");
      const ses = g.sessionOf(s);
      const ev = g.event(ses);
      return ["postEvent", [s, ses.id, ev], { space: s, session: ses, input: ev }];
    }
    case 17: {
      const s = g.spaceWith("sessions");
      const ses = g.sessionOf(s);
      const evs = r.chance(0.05) ? Array.from({ length: 201 }, () => ({ body: 1, emitter: { type: "agent" } })) : Array.from({ length: r.below(6) }, () => g.event(ses));
      return ["postEvents", [s, ses.id, g.or(evs)], { space: s, session: ses, input: evs }];
    }
    case 18:
    case 19: {
      const s = g.spaceWith("sessions");
      const ses = g.sessionOf(s);
      const q = {};
      if (r.chance(0.3)) q.lastN = g.int(10);
      else {
        if (r.chance(0.5)) q.offset = g.int(20);
        if (r.chance(0.5)) q.limit = g.int(110);
      }
      if (r.chance(0.3)) q.eventType = g.or(r.pick(["message", "note", "tool_output"]));
      return ["listEvents", [s, ses.id, r.chance(0.15) ? undefined : g.mutate(q)]];
    }
    case 20: {
      const s = g.spaceWith("sessions");
      const ses = g.sessionOf(s);
      const u = { sequenceId: g.or(r.below(Math.max(1, ses.events ?? 1) + 1)) };
      if (r.chance(0.6)) u.body = g.json();
      if (r.chance(0.2)) u.eventType = g.or(r.pick(["message", "note", null]));
      if (r.chance(0.1)) u.emitter = g.emitter(ses);
      if (r.chance(0.1)) u.ifUnmodifiedSince = g.or(r.pick(["2026-01-01T00:00:00Z", "yesterday", "+055970-01-01T00:00:00Z"]));
      const batch = r.chance(0.3);
      return [batch ? "updateEvents" : "updateEvent", [s, ses.id, batch ? g.or([g.mutate(u)]) : g.mutate(u)], { space: s, input: u }];
    }
    case 21: {
      const s = sp();
      const input = { name: g.or(g.str(30)) };
      if (r.chance(0.4)) input.description = g.or(g.str(60));
      if (r.chance(0.3)) input.metadata = g.stringMeta();
      return ["createStore", [s, g.mutate(input)], { space: s, input }];
    }
    case 22: {
      const s = g.spaceWith("stores");
      const which = r.below(4);
      const st = g.storeOf(s);
      if (which === 0) return ["getStore", [s, st.id]];
      if (which === 1) return ["listStores", [s, g.page(r.chance(0.4) ? { includeArchived: g.or(true) } : {})]];
      if (which === 2) return ["archiveStore", [s, st.id]];
      return ["deleteStore", [s, r.chance(0.3) ? st.id : g.idLike("memstore")]];
    }
    case 23: {
      const s = g.spaceWith("stores");
      const u = {};
      if (r.chance(0.5)) u.name = g.or(g.str(20));
      if (r.chance(0.3)) u.description = g.or(g.str(20));
      if (r.chance(0.3)) u.metadata = g.stringMeta();
      return ["updateStore", [s, g.storeOf(s).id, g.mutate(u)], { input: u }];
    }
    case 24:
    case 25: {
      const s = g.spaceWith("stores");
      const st = g.storeOf(s);
      const input = { path: g.or(g.path()), content: g.or(r.chance(0.05) ? "c".repeat(102_401) : g.str(200)) };
      if (r.chance(0.3)) input.metadata = g.stringMeta();
      return ["createEntry", [s, st.id, g.mutate(input)], { space: s, store: st, input }];
    }
    case 26: {
      const s = g.spaceWith("stores");
      const st = g.storeOf(s);
      const e = g.entryOf(st);
      const which = r.below(3);
      if (which === 0) return ["getEntry", [s, st.id, e.id]];
      if (which === 1) return ["getEntryByPath", [s, st.id, g.or(r.chance(0.7) ? e.path : g.path())]];
      return ["listEntries", [s, st.id, g.page(r.chance(0.4) ? { prefix: g.or(r.pick(["", "a", "dir/", e.path])) } : {})]];
    }
    case 27: {
      const s = g.spaceWith("stores");
      const st = g.storeOf(s);
      const e = g.entryOf(st);
      const u = {};
      if (r.chance(0.6)) u.content = g.or(g.str(100));
      if (r.chance(0.3)) u.path = g.or(g.path());
      if (r.chance(0.2)) u.metadata = g.stringMeta();
      if (r.chance(0.2)) u.expectedVersion = g.int(4);
      if (r.chance(0.1)) u.expectedSha256 = g.or("0".repeat(64));
      return ["updateEntry", [s, st.id, e.id, g.mutate(u)], { space: s, store: st, entry: e, input: u }];
    }
    case 28: {
      const s = g.spaceWith("stores");
      const st = g.storeOf(s);
      const args = [s, st.id, g.entryOf(st).id];
      if (r.chance(0.3)) args.push(g.mutate({ expectedVersion: g.int(4) }));
      return ["deleteEntry", args];
    }
    case 29: {
      const s = g.spaceWith("stores");
      const st = g.storeOf(s);
      const which = r.below(3);
      const v = st.versions?.length && r.chance(0.9) ? r.pick(st.versions) : g.idLike("memver");
      if (which === 0) return ["listVersions", [s, st.id, g.page(r.chance(0.4) ? { entryId: g.entryOf(st).id } : {})]];
      if (which === 1) return ["getVersion", [s, st.id, v]];
      return ["redactVersion", [s, st.id, v]];
    }
    case 30:
    case 31: {
      const s = g.spaceWith("stores");
      const st = g.storeOf(s);
      const p = () => g.or(`/memories/${r.chance(0.7) ? g.entryOf(st).path : g.path()}`);
      const cmd = r.pick(["view", "create", "str_replace", "insert", "delete", "rename", "nope"]);
      const c = { command: g.or(cmd) };
      if (cmd === "rename") Object.assign(c, { old_path: p(), new_path: p() });
      else c.path = p();
      if (cmd === "create") c.file_text = g.or(g.str(120));
      if (cmd === "str_replace") Object.assign(c, { old_str: g.or(g.str(3)), new_str: g.or(g.str(5)) });
      if (cmd === "insert") Object.assign(c, { insert_line: g.int(5), insert_text: g.or(g.str(20)) });
      if (cmd === "view" && r.chance(0.3)) c.view_range = g.or([g.int(4) - 1, g.int(6) - 1]);
      const text = () => {
        try {
          return JSON.stringify(c) ?? "";
        } catch {
          return "{"; // a hostile value in the command: send broken text instead
        }
      };
      const sent = r.chance(0.3) ? text() : r.chance(0.05) ? g.str(30) : g.mutate(c);
      return ["memoryTool", [s, st.id, sent], { space: s, store: st, input: c, readOnly: cmd === "view" }];
    }
    case 32:
      return ["listExtractionJobs", [sp()]];
    default:
      return ["sweep", r.chance(0.5) ? [] : [g.or(1 + r.below(1000))]];
  }
}

/** Everything the API shows of one space (for the in-memory store, where bytes are out of reach). */
async function spaceView(ms, sp) {
  const out = [];
  const get = async (label, p) => {
    try {
      out.push([label, await p]);
    } catch (e) {
      out.push([label, e && e.code ? `error:${e.code}` : `thrown:${e}`]);
    }
  };
  await get("space", ms.getSpace(sp));
  let sessions = [];
  try {
    sessions = await ms.listSessions(sp, { limit: 100 });
  } catch {}
  out.push(["sessions", sessions]);
  for (const s of sessions) await get(`events ${s.id}`, ms.listEvents(sp, s.id, { limit: 100 }));
  let stores = [];
  try {
    stores = await ms.listStores(sp, { includeArchived: true, limit: 100 });
  } catch {}
  out.push(["stores", stores]);
  for (const st of stores) {
    await get(`entries ${st.id}`, ms.listEntries(sp, st.id, { limit: 100 }));
    await get(`versions ${st.id}`, ms.listVersions(sp, st.id, { limit: 100 }));
  }
  await get("jobs", ms.listExtractionJobs(sp));
  await spaceViewMemory(ms, sp, get);
  return JSON.stringify(out);
}

/** The checks a call's acceptance implies: what was sent reads back unchanged. */
async function roundTrip(ms, method, args, ctx, value, pools, stats) {
  const same = (what, sent, got) => {
    if (!isPlainJson(sent)) return; // the engine may only have accepted it because it was equal in JSON
    const d = diff(sent, got);
    if (d) throw new Violation(`${method}: ${what} changed: ${d}`);
    stats.roundTrips++;
  };
  const input = ctx?.input;
  // A read-back of what was just written; undefined when a lifecycle strategy the write fired
  // (a soft delete at an event count) already removed it.
  const back = (p) =>
    p.catch((e) => {
      if (e && (e.code === "gone" || e.code === "not_found")) return undefined;
      throw new Violation(`${method}: reading back what was accepted failed: ${e && e.message}`);
    });
  switch (method) {
    case "createSpace": {
      pools.spaces.push({ id: value.id, deleted: false });
      if (input && args[0] === input) {
        for (const f of ["description", "llmModelName", "llmBaseUrl", "customInstructions", "deduplicationKey", "name"]) if (typeof input[f] === "string") same(f, input[f], value[f]);
        // An empty settings object is the default and is not repeated in the record.
        if (input.settings) same("settings", input.settings, value.settings ?? {});
      }
      same("space read back", value, await back(ms.getSpace(value.id)));
      break;
    }
    case "updateSpace":
      if (input && args[1] === input) for (const f of Object.keys(input)) if (input[f] === null || typeof input[f] === "string") same(f, input[f], value[f]);
      break;
    case "deleteSpace":
      for (const s of pools.spaces) if (s.id === args[0]) s.deleted = true;
      break;
    case "restoreSpace":
      for (const s of pools.spaces) if (s.id === args[0]) s.deleted = false;
      break;
    case "createSession": {
      const list = pools.sessions.get(ctx.space) ?? [];
      list.push({ id: value.id, participants: value.participants, events: 0 });
      pools.sessions.set(ctx.space, list);
      if (input && args[1] === input) {
        same("participants", input.participants, value.participants);
        if (input.metadata !== undefined) same("metadata", input.metadata, value.metadata);
        if (typeof input.description === "string") same("description", input.description, value.description);
      }
      const read = await back(ms.getSession(ctx.space, value.id));
      if (read) same("session read back", { ...value, updatedAt: 0 }, { ...read, updatedAt: 0 });
      break;
    }
    case "updateSession":
      if (input && args[2] === input) {
        if (input.metadata !== undefined) same("metadata", input.metadata, value.metadata);
        if (input.description !== undefined) same("description", input.description, value.description);
      }
      break;
    case "deleteSession": {
      const list = pools.sessions.get(args[0]);
      if (list) pools.sessions.set(args[0], list.filter((s) => s.id !== args[1]));
      break;
    }
    case "postEvent":
    case "postEvents": {
      const sent = method === "postEvent" ? [args[2]] : args[2];
      const got = method === "postEvent" ? [value] : value;
      if (ctx.session.events !== undefined) ctx.session.events += got.length;
      // Read back as the newest events (offsets count live events: with deleted events an
      // offset is not a sequence id).
      const tail = got.length <= 100 ? await back(ms.listEvents(args[0], args[1], { lastN: got.length })) : null;
      for (let i = 0; i < got.length; i++) {
        const ev = sent[i];
        if (!ev || typeof ev !== "object") continue;
        same("body", ev.body, got[i].body);
        if (typeof ev.eventType === "string") same("eventType", ev.eventType, got[i].eventType);
        if (tail) same("event read back", got[i], tail[i]);
      }
      break;
    }
    case "updateEvent":
      if (input && args[2] === input && "body" in input) same("body", input.body, value.body);
      break;
    case "createStore": {
      const list = pools.stores.get(ctx.space) ?? [];
      list.push({ id: value.id, entries: [], versions: [] });
      pools.stores.set(ctx.space, list);
      if (input && args[1] === input) {
        // Store names are trimmed and metadata is a map sorted by key (docs/stores.md).
        if (typeof input.name === "string") same("name", input.name.trim(), value.name);
        if (input.metadata) same("metadata", sortedKeys(input.metadata), value.metadata);
      }
      break;
    }
    case "createEntry": {
      ctx.store.entries?.push({ id: value.id, path: value.path });
      if (input && args[2] === input) {
        same("path", input.path, value.path);
        same("content", input.content, value.content);
        if (input.metadata) same("metadata", sortedKeys(input.metadata), value.metadata);
      }
      same("entry read back", value, await back(ms.getEntry(args[0], args[1], value.id)));
      await noteVersions(ms, args[0], ctx.store);
      break;
    }
    case "updateEntry": {
      if (input && args[3] === input) {
        if (typeof input.content === "string") same("content", input.content, value.content);
        if (typeof input.path === "string") same("path", input.path, value.path);
      }
      if (ctx.entry) ctx.entry.path = value.path;
      same("entry read back", value, await back(ms.getEntry(args[0], args[1], value.id)));
      await noteVersions(ms, args[0], ctx.store);
      break;
    }
    case "deleteEntry": {
      await noteVersions(ms, args[0], { id: args[1], entries: [], versions: [] });
      break;
    }
    case "memoryTool": {
      const c = ctx.input;
      if (typeof value !== "string") throw new Violation(`memoryTool resolved to ${show(value)}, not text`);
      if (c && c.command === "create" && typeof c.path === "string" && typeof c.file_text === "string" && (args[2] === c || args[2] === JSON.stringify(c))) {
        // The tool resolves `//` and `.` segments (its documented path rule).
        const rel = c.path.slice("/memories/".length).split("/").filter((x) => x !== "" && x !== ".").join("/");
        const e = await back(ms.getEntryByPath(args[0], args[1], rel));
        if (e) same("file_text", c.file_text, e.content);
        if (e && ctx.store.entries && !ctx.store.entries.some((x) => x.id === e.id)) ctx.store.entries.push({ id: e.id, path: e.path });
      }
      if (!ctx.readOnly) await noteVersions(ms, args[0], ctx.store);
      break;
    }
    default:
      await roundTripMemory(ms, method, args, ctx, value, pools, same, back);
  }
}

function sortedKeys(o) {
  if (!o || typeof o !== "object" || Array.isArray(o)) return o;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}

async function noteVersions(ms, sp, store) {
  if (!store.versions) return;
  try {
    const vs = await ms.listVersions(sp, store.id, { limit: 20 });
    for (const v of vs) if (!store.versions.includes(v.id)) store.versions.push(v.id);
    if (store.versions.length > 40) store.versions.splice(0, store.versions.length - 40);
  } catch {}
}

/** A fresh world on `backend`: a handle, another principal's handle, a freed handle. */
async function openWorld(backend, name) {
  const clock = { now: Date.UTC(2026, 0, 1) };
  // A deterministic embedder and a seeded LLM, both sometimes failing (js-plan-memory.mjs);
  // one world in four has neither, so the calls that need them meet `unsupported`.
  const caps = new Rng(name.length * 7919 + Number(name.replace(/\D/g, "").slice(-9) || 0));
  const capable = !caps.chance(0.25);
  const common = { clock: () => clock.now, principal: { userId: "u1", tenantId: "t1" }, ...(capable ? { embed: fuzzEmbedder(caps.fork()), embeddingModel: { id: "fuzz-bow", dimensions: 8 }, llm: fuzzLlm(caps.fork()) } : {}) };
  let kv = null;
  let ms;
  if (backend === "memory") ms = await Memspace.open({ storage: "memory", name, ...common });
  else {
    kv = new TrackedKv(backend === "adapter");
    ms = await Memspace.open({ kv, ...common });
  }
  const other = ms.forPrincipal({ userId: "u2", tenantId: "t1" });
  const dead = ms.forPrincipal({ userId: "u1", tenantId: "t1" });
  dead.free();
  const pools = new Pools();
  pools.memory.relationships = ms.relationshipTypes().map((t) => t.name);
  return { ms, other, dead, kv, clock, pools, views: new Map() };
}

async function closeWorld(w, stats) {
  for (const s of w.pools.spaces) {
    const report = await w.ms.verifySpace(s.id).catch((e) => e);
    if (report instanceof Error) {
      if (report.code === "gone" || report.code === "not_found") continue;
      throw new Violation(`verifySpace(${s.id}) failed: ${report.message}`);
    }
    stats.verified++;
    if (report.problems.length) throw new Violation(`verifySpace(${s.id}): ${JSON.stringify(report.problems.slice(0, 3))}`);
  }
  w.ms.free();
  w.other.free();
}

/** Runs `calls` fuzz calls on `backend` from `seed`; returns the counts; throws a Violation. */
export async function fuzzJs({ seed = 1, calls = 10_000, backend = "memory", keepGoing = false, log = () => {} } = {}) {
  const rng = new Rng(seed);
  const stats = { backend, seed, clockJumps: 0, upstreamKept: 0, progressStops: 0, calls: 0, accepted: 0, rejected: {}, rejectedWritesChecked: 0, roundTrips: 0, unbound: 0, freed: 0, crossPrincipal: 0, opens: 0, verified: 0, worlds: 0, violations: new Map() };
  let w = null;
  let i = 0;
  try {
    for (i = 0; i < calls; i++) {
      if (i % RESET_EVERY === 0) {
        if (w) await closeWorld(w, stats);
        w = await openWorld(backend, `fuzz-${seed}-${i}`);
        stats.worlds++;
      }
      try {
        await oneCall(w, rng, stats, backend, i);
      } catch (e) {
        if (!(keepGoing && e instanceof Violation)) throw e;
        const kind = e.message.replace(/\(.*?\)|"[^"]*"|\d+/g, "_").slice(0, 90);
        if (!stats.violations.has(kind)) stats.violations.set(kind, { n: 0, first: `call ${i}: ${e.message.slice(0, 600)}` });
        stats.violations.get(kind).n++;
        if (w.kv) w.kv.prior = null;
        w.views.clear();
      }
      stats.calls++;
    }
    if (w) await closeWorld(w, stats);
  } catch (e) {
    const where = `seed ${seed}, backend ${backend}, call ${i}`;
    if (e instanceof Violation) e.message = `${where}: ${e.message}\nreplay: node test/fuzz/js-boundary.mjs --backend ${backend} --seed ${seed} --calls ${i + 1}`;
    else e.message = `${where}: fuzzer failure: ${e.message}`;
    throw e;
  }
  log(stats);
  return stats;
}

async function oneCall(w, rng, stats, backend, i) {
  const r = rng.fork();
  const g = new Gen(r, w.pools);
  // Occasionally Memspace.open with hostile options, or a hostile principal.
  if (r.chance(0.004)) {
    stats.opens++;
    const opts = r.chance(0.5) ? junk(r) : { storage: r.pick(["memory", "indexeddb", "disk", junk(r)]), name: g.or("x"), principal: g.or({ userId: g.or("u"), tenantId: g.or("t") }), clock: g.or(() => 0), [r.pick(["kv", "nmae", "durability"])]: junk(r) };
    const out = await settle(() => Memspace.open(opts));
    if (out.sync) throw new Violation(`Memspace.open threw synchronously: ${out.error?.message}`);
    if (out.hung) throw new Violation(`Memspace.open(${show(opts)}) did not settle`);
    if (out.error) {
      const bad = badError(out.error, false);
      if (bad && !(out.error.code === "unsupported")) throw new Violation(`Memspace.open(${show(opts)}): ${bad}`);
    } else out.value.free();
    return;
  }
  if (r.chance(0.003)) {
    const p = r.chance(0.5) ? junk(r) : { userId: g.or(g.str(10)), tenantId: g.or(g.str(10)) };
    try {
      w.ms.forPrincipal(p).free();
    } catch (e) {
      const bad = badError(e, false);
      if (bad) throw new Violation(`forPrincipal(${show(p)}): ${bad}`);
    }
    return;
  }
  // Sometimes the clock jumps forward (up to 30 days), and a sweep fires what came due: time
  // triggers and expiries then fire here, not lazily inside a later refused write (where a
  // fired strategy is a legitimate change of its own).
  if (r.chance(0.004)) {
    w.clock.now += 1 + r.below(30 * 86_400_000);
    const out = await settle(() => w.ms.sweep(1_000_000));
    if (out.error || out.hung || out.sync) throw new Violation(`sweep after a clock jump failed: ${out.error?.message ?? "did not settle"}`);
    w.views.clear();
    stats.clockJumps++;
    return;
  }
  const [method, args, ctx] = plan(g, r);
  const write = WRITES.has(method) && !(ctx && ctx.readOnly);
  // Which handle, and how the method is called.
  let target = w.ms;
  let how = "bound";
  const roll = r.below(100);
  if (roll < 3) (target = w.other), (how = "other");
  else if (roll < 4) (target = w.dead), (how = "freed");
  else if (roll < 5) how = "unbound";
  else if (roll < 6) how = "foreign-this";
  const spaceArg = typeof args[0] === "string" && w.pools.spaces.some((s) => s.id === args[0]) ? args[0] : null;
  // Before a write: what a rejection must leave unchanged.
  let before = null;
  if (write) {
    if (w.kv) w.kv.prior = new Map();
    else before = await viewOf(w, method === "createSpace" || method === "sweep" ? null : spaceArg);
  }
  const fn = target[method];
  const out = await settle(() => {
    if (how === "unbound") return fn(...args);
    if (how === "foreign-this") return fn.call({}, ...args);
    return fn.apply(target, args);
  });
  const call = () => `${how} ${method}(${args.map(show).join(", ")})`;
  if (out.hung) throw new Violation(`${call()} did not settle within ${TIMEOUT_MS} ms`);
  if (out.sync) throw new Violation(`${call()} threw synchronously instead of rejecting: ${out.error?.message ?? show(out.value)}`);
  if (out.error && ctx?.stopsWith && out.error instanceof ctx.stopsWith) {
    // reindex's onProgress threw: the call rejects with exactly that, keeping the steps done
    // (reindex is resumable; its committed steps are not a rejected write's changes).
    stats.progressStops++;
    if (w.kv) w.kv.prior = null;
    w.views.clear();
    return;
  }
  if (out.error) {
    const bad = badError(out.error, false);
    if (bad) throw new Violation(`${call()}: ${bad}`);
    stats.rejected[out.error.code] = (stats.rejected[out.error.code] ?? 0) + 1;
    if (how === "unbound" || how === "foreign-this") stats.unbound++;
    if (how === "freed") stats.freed++;
    if (how === "other") stats.crossPrincipal++;
    if (write && method === "commitSession" && out.error.code === "upstream") {
      // The documented exception: a model failure keeps the session's job queued for retry
      // (docs/extraction.md), so the rejected call may leave the job record behind.
      stats.upstreamKept++;
      if (w.kv) w.kv.prior = null;
      w.views.clear();
    } else if (write) {
      if (w.kv) {
        const changed = await w.kv.changedSince();
        if (changed.length) throw new Violation(`${call()} was rejected (${out.error.code}: ${out.error.message}) but changed ${changed.length} stored keys, e.g. ${changed[0]}`);
      } else {
        const after = await viewOf(w, method === "createSpace" || method === "sweep" ? null : spaceArg);
        if (after !== before) throw new Violation(`${call()} was rejected (${out.error.code}: ${out.error.message}) but changed what the API shows:\nbefore ${before.slice(0, 2000)}\nafter  ${after.slice(0, 2000)}`);
      }
      stats.rejectedWritesChecked++;
    }
  } else {
    if (how === "unbound" || how === "foreign-this" || how === "freed") throw new Violation(`${call()} succeeded`);
    if (how === "other" && spaceArg && method !== "sweep") throw new Violation(`${call()} through another principal's handle succeeded on u1's space`);
    stats.accepted++;
    if (how === "bound") await roundTrip(w.ms, method, args, ctx, out.value, w.pools, stats);
    if (write && !w.kv) w.views.clear();
  }
  if (w.kv) w.kv.prior = null;
}

/** The in-memory store's view for rejected-write checks: the space's records, or the space list. */
async function viewOf(w, sp) {
  const key = sp ?? "";
  let v = w.views.get(key);
  if (v === undefined) {
    v = sp ? await spaceView(w.ms, sp) : JSON.stringify(await w.ms.listSpaces({ limit: 100 }));
    w.views.set(key, v);
  }
  return v;
}

// ---- command line --------------------------------------------------------------------------------

function arg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seed = Number(arg("seed", process.env.MEMSPACE_FUZZ_SEED ?? 1));
  const calls = Number(arg("calls", 20_000));
  const which = arg("backend", "all");
  const backends = which === "all" ? ["memory", "adapter", "keyed"] : [which];
  const totals = { calls: 0, accepted: 0, rejected: 0, rejectedWritesChecked: 0, roundTrips: 0, violations: 0 };
  const started = Date.now();
  try {
    for (const backend of backends) {
      const s = await fuzzJs({ seed, calls: Math.ceil(calls / backends.length), backend, keepGoing: process.argv.includes("--keep-going") });
      for (const [, v] of s.violations) {
        console.log(`VIOLATION x${v.n}: ${v.first}\n`);
        totals.violations += v.n;
      }
      const rejected = Object.values(s.rejected).reduce((a, b) => a + b, 0);
      console.log(
        `js fuzz [${backend}] seed ${seed}: ${s.calls} calls, ${s.accepted} accepted, ${rejected} rejected ${JSON.stringify(s.rejected)}, ` +
          `${s.rejectedWritesChecked} rejected writes checked unchanged, ${s.roundTrips} values read back, ${s.unbound} unbound + ${s.freed} freed + ${s.crossPrincipal} cross-principal calls refused, ${s.opens} hostile opens, ${s.clockJumps} clock jumps, ${s.upstreamKept} commitSession model failures (job kept), ${s.progressStops} reindex stops, ${s.verified} spaces verified in ${s.worlds} worlds`,
      );
      totals.calls += s.calls;
      totals.accepted += s.accepted;
      totals.rejected += rejected;
      totals.rejectedWritesChecked += s.rejectedWritesChecked;
      totals.roundTrips += s.roundTrips;
    }
  } catch (e) {
    console.error(`js fuzz FAILED: ${e.message}`);
    if (!(e instanceof Violation)) console.error(e.stack);
    process.exit(1);
  }
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  if (totals.violations) {
    console.log(`js fuzz: ${totals.calls} calls, seed ${seed}: ${totals.violations} VIOLATIONS (listed above) in ${secs} s`);
    process.exit(1);
  }
  console.log(`js fuzz: ${totals.calls} calls, seed ${seed} (${totals.accepted} accepted, ${totals.rejected} rejected), 0 violations: 0 non-MemspaceError rejections, 0 hangs, 0 state changes from rejected writes (${totals.rejectedWritesChecked} checked), 0 silent value changes (${totals.roundTrips} read back) in ${secs} s`);
}
