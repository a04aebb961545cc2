// Where a memspace newest-20 read spends its time (headless Chromium): memspace's exact
// request replayed from plain JS on memspace's own connection, step by step, beside raw
// IndexedDB and memspace, interleaved. Results go to window.__probe.
import { Memspace } from "memspace";
import { countCrossings } from "./crossings.js";
import { rawOpen, rawBatch, rawNewest, text, emitter, sessionId } from "./raw.js";

const params = new URLSearchParams(location.search);
const N = Number(params.get("n") ?? 10000);
const ROUNDS = Number(params.get("rounds") ?? 300);
const tag = `${Date.now()}`;
const req = (r) => new Promise((ok, ko) => ((r.onsuccess = () => ok(r.result)), (r.onerror = () => ko(r.error))));

function percentiles(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { p50: at(0.5), p95: at(0.95), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

async function sampled(rounds, readers) {
  for (let i = 0; i < 20; i++) for (const r of readers) await r();
  const samples = readers.map(() => []);
  for (let i = 0; i < rounds; i++) {
    for (const [j, r] of readers.entries()) {
      const t0 = performance.now();
      for (let k = 0; k < 10; k++) await r();
      samples[j].push((performance.now() - t0) / 10);
    }
  }
  return samples.map(percentiles);
}

/** With `miss=1`: memspace's reads go round 60 sessions of 40 events (as `MISS=1` in ab.mjs):
 * more event texts than a handle keeps, so every read renders its events. */
async function goingRound(ms, sp) {
  const sessions = [];
  for (let k = 0; k < 60; k++) {
    const ses = (await ms.createSession(sp, { participants: ["u1"] })).id;
    const events = [];
    for (let j = 0; j < 40; j++) events.push({ body: { content: text(j + 100 * k) }, emitter, eventType: "message" });
    await ms.postEvents(sp, ses, events);
    sessions.push(ses);
  }
  let k = 0;
  return () => ms.listEvents(sp, sessions[k++ % sessions.length], { lastN: 20 });
}

/** With `calls=1`: every JS↔wasm call is counted by name, per read. */
const crossings = params.get("calls") ? countCrossings() : new Map();

async function main() {
  const raw = await rawOpen(`raw-${tag}`);
  const ms = await Memspace.open({ storage: "indexeddb", name: `ms-${tag}` });
  const sp = (await ms.createSpace()).id;
  const ses = (await ms.createSession(sp, { participants: ["u1"] })).id;
  const rawSes = sessionId(2);
  for (let i = 0; i < N; i += 200) {
    await rawBatch(raw, rawSes, i, 200, "strict");
    const events = [];
    for (let j = i; j < i + 200; j++) events.push({ body: { content: text(j) }, emitter, eventType: "message" });
    await ms.postEvents(sp, ses, events);
  }
  // Capture memspace's connection, transaction arguments and getAllRecords options.
  const seen = { tx: [], gar: [] };
  const origTx = IDBDatabase.prototype.transaction;
  const origGar = IDBObjectStore.prototype.getAllRecords;
  IDBDatabase.prototype.transaction = function (...a) {
    seen.tx.push({ db: this, args: a });
    return origTx.apply(this, a);
  };
  IDBObjectStore.prototype.getAllRecords = function (o) {
    seen.gar.push({ store: this.name, opts: o, lower: new Uint8Array(o.query.lower), upper: new Uint8Array(o.query.upper), lowerOpen: o.query.lowerOpen, upperOpen: o.query.upperOpen });
    return origGar.call(this, o);
  };
  await ms.listEvents(sp, ses, { lastN: 20 });
  const check = await ms.listEvents(sp, ses, { lastN: 20 });
  IDBDatabase.prototype.transaction = origTx;
  IDBObjectStore.prototype.getAllRecords = origGar;
  const t = seen.tx[seen.tx.length - 1];
  const g = seen.gar[seen.gar.length - 1];
  const db = t.db;
  const store = t.args[0];
  const mode = t.args[1];
  const count = g.opts.count;
  const direction = g.opts.direction;
  const range = IDBKeyRange.bound(g.lower, g.upper, g.lowerOpen, g.upperOpen);
  const jsonText = JSON.stringify(check);
  const info = { txArgs: t.args.map((a) => (typeof a === "object" ? JSON.stringify(a) : String(a))), txCalls: seen.tx.length, garCalls: seen.gar.length, count, direction, lowerLen: g.lower.length, upperLen: g.upperLen, jsonBytes: jsonText.length, check: check.length };

  // The exact request, awaited like raw.js does: the floor for memspace's read.
  const exact = async () => {
    const st = db.transaction(store, mode).objectStore(store);
    return req(st.getAllRecords({ query: range, count, direction }));
  };
  // + the key range built from fresh Uint8Array bounds each call (as the wasm side does).
  const exactRange = async () => {
    const st = db.transaction(store, mode).objectStore(store);
    const r = IDBKeyRange.bound(g.lower.slice(), g.upper.slice(), false, true);
    return req(st.getAllRecords({ query: r, count, direction }));
  };
  // + each record's key and value read (values are deserialized when first read).
  const exactTouch = async () => {
    const recs = await exactRange();
    let n = 0;
    for (const rec of recs) n += rec.key.byteLength + rec.value.length;
    return n;
  };
  // + each record's key and value copied out (what crossing into wasm copies).
  const exactCopy = async () => {
    const recs = await exactRange();
    let n = 0;
    for (const rec of recs) n += new Uint8Array(rec.key).slice().length + rec.value.slice().length;
    return n;
  };
  // + the result handed over as one JSON text and parsed (what listEvents returns).
  const exactParse = async () => {
    await exactCopy();
    return JSON.parse(jsonText);
  };
  // The exact request issued from under a wasm frame (a tiny module that calls an import),
  // to see whether the caller's stack changes the cost of the native calls.
  const wasmBytes = new Uint8Array([0,97,115,109,1,0,0,0, 1,4,1,96,0,0, 2,7,1,1,106,1,102,0,0, 3,2,1,0, 7,5,1,1,103,0,1, 10,6,1,4,0,16,0,11]);
  let pending;
  const inst = new WebAssembly.Instance(new WebAssembly.Module(wasmBytes), { j: { f: () => {
    const st = db.transaction(store, mode).objectStore(store);
    const r = IDBKeyRange.bound(g.lower.slice(), g.upper.slice(), false, true);
    pending = req(st.getAllRecords({ query: r, count, direction }));
  } } });
  const viaWasm = async () => {
    inst.exports.g();
    const recs = await pending;
    let n = 0;
    for (const rec of recs) n += new Uint8Array(rec.key).slice().length + rec.value.slice().length;
    return JSON.parse(jsonText);
  };
  const deep = (k, f) => (k === 0 ? f() : deep(k - 1, f));
  const viaDeep = async () => {
    let p;
    deep(40, () => {
      const st = db.transaction(store, mode).objectStore(store);
      const r = IDBKeyRange.bound(g.lower.slice(), g.upper.slice(), false, true);
      p = req(st.getAllRecords({ query: r, count, direction }));
    });
    const recs = await p;
    let n = 0;
    for (const rec of recs) n += new Uint8Array(rec.key).slice().length + rec.value.slice().length;
    return JSON.parse(jsonText);
  };
  // memspace over its in-memory store (same events): the read without IndexedDB.
  const inMem = await Memspace.open({ storage: "memory", name: `mem-${tag}` });
  const msp = (await inMem.createSpace()).id;
  const mses = (await inMem.createSession(msp, { participants: ["u1"] })).id;
  for (let i = 0; i < N; i += 200) {
    const events = [];
    for (let j = i; j < i + 200; j++) events.push({ body: { content: text(j) }, emitter, eventType: "message" });
    await inMem.postEvents(msp, mses, events);
  }
  const memOnly = () => inMem.listEvents(msp, mses, { lastN: 20 });
  const mem = params.get("miss") ? await goingRound(ms, sp) : () => ms.listEvents(sp, ses, { lastN: 20 });
  const rawRead = () => rawNewest(raw, rawSes, 20, N);
  if (params.get("calls")) {
    const n = 100;
    for (let k = 0; k < 20; k++) await mem();
    crossings.clear();
    for (let k = 0; k < n; k++) await mem();
    return { info, calls: Object.fromEntries([...crossings].map(([k, v]) => [k, v / n]).sort((a, b) => b[1] - a[1])) };
  }
  if (params.get("profile")) {
    const which = params.get("profile") === "exact" ? exactParse : mem;
    for (let i = 0; i < 200; i++) await which();
    window.__ready = true;
    while (!window.__go) await new Promise((ok) => setTimeout(ok, 50));
    const t0 = performance.now();
    for (let i = 0; i < 3000; i++) await which();
    return { profiled: (performance.now() - t0) / 3000 };
  }
  if (params.get("split")) {
    // Where each read's wall time goes: call → getAllRecords issued → success event → resolved.
    // performance.now() is coarsened (0.1 ms, jittered) here: means over many reads.
    let tIssue = 0;
    let tSuccess = 0;
    IDBObjectStore.prototype.getAllRecords = function (o) {
      const r = origGar.call(this, o);
      tIssue = performance.now();
      r.addEventListener("success", () => (tSuccess = performance.now()));
      return r;
    };
    // memspace's read cut at the platform calls it makes (wrapped; the wrappers are trivial).
    const marks = {};
    const origResult = Object.getOwnPropertyDescriptor(IDBRequest.prototype, "result");
    const origParse = JSON.parse;
    IDBDatabase.prototype.transaction = function (...a) {
      marks.tx ??= performance.now();
      return origTx.apply(this, a);
    };
    Object.defineProperty(IDBRequest.prototype, "result", { configurable: true, get() { marks.result ??= performance.now(); return origResult.get.call(this); } });
    JSON.parse = function (t) {
      marks.parse = performance.now();
      const v = origParse(t);
      marks.parsed = performance.now();
      return v;
    };
    const cut = { callToTx: 0, txToIssued: 0, request: 0, successToResult: 0, resultToParse: 0, parse: 0, parsedToResolved: 0 };
    for (let i = 0; i < 50; i++) await mem();
    const M = ROUNDS * 10;
    for (let i = 0; i < M; i++) {
      for (const k of Object.keys(marks)) delete marks[k];
      const t0 = performance.now();
      await mem();
      const t1 = performance.now();
      cut.callToTx += (marks.tx - t0) / M;
      cut.txToIssued += (tIssue - marks.tx) / M;
      cut.request += (tSuccess - tIssue) / M;
      cut.successToResult += (marks.result - tSuccess) / M;
      cut.resultToParse += (marks.parse - marks.result) / M;
      cut.parse += (marks.parsed - marks.parse) / M;
      cut.parsedToResolved += (t1 - marks.parsed) / M;
    }
    IDBDatabase.prototype.transaction = origTx;
    Object.defineProperty(IDBRequest.prototype, "result", origResult);
    JSON.parse = origParse;
    const split = { cut };
    for (const [name, fn] of [["memspace", mem], ["exactParse", exactParse]]) split[name] = { pre: 0, request: 0, post: 0 };
    for (let i = 0; i < 100; i++) for (const fn of [mem, exactParse]) await fn();
    for (let i = 0; i < ROUNDS * 10; i++) {
      for (const [name, fn] of [["memspace", mem], ["exactParse", exactParse]]) {
        const t0 = performance.now();
        await fn();
        const t1 = performance.now();
        split[name].pre += (tIssue - t0) / (ROUNDS * 10);
        split[name].request += (tSuccess - tIssue) / (ROUNDS * 10);
        split[name].post += (t1 - tSuccess) / (ROUNDS * 10);
      }
    }
    IDBObjectStore.prototype.getAllRecords = origGar;
    for (const k of ["memspace", "exactParse"]) split[k] = { ...split[k] };
    return { split };
  }
  const names = ["raw", "memspace", "memStore", "exact", "exactRange", "exactTouch", "exactCopy", "exactParse", "viaWasm", "viaDeep"];
  const res = await sampled(ROUNDS, [rawRead, mem, memOnly, exact, exactRange, exactTouch, exactCopy, exactParse, viaWasm, viaDeep]);
  // JSON.parse alone, and the record count/bytes.
  const recs = await exact();
  const valueBytes = recs.reduce((a, r) => a + r.value.length, 0);
  const t0 = performance.now();
  for (let i = 0; i < 2000; i++) JSON.parse(jsonText);
  const parseUs = ((performance.now() - t0) / 2000) * 1000;
  ms.close();
  raw.close();
  return { info, records: recs.length, valueBytes, parseUs, results: Object.fromEntries(names.map((n, i) => [n, res[i]])) };
}

main().then((r) => (window.__probe = r), (e) => (window.__probe = { failed: String(e && e.stack ? e.stack : e) }));
