// Where a memspace append (one postEvent, strict durability) spends its time (headless
// Chromium): memspace's exact write transaction — captured from one postEvent: the
// connection, `transaction()` arguments, every add/put with its key and value bytes, commit()
// — replayed from plain JS on memspace's own connection, beside raw IndexedDB and memspace,
// interleaved. Results go to window.__probe.
import { Memspace } from "memspace";
import { countCrossings } from "./crossings.js";
import { rawOpen, rawAppend, rawAppendAddOnly, text, emitter, sessionId } from "./raw.js";
import { decodeValue } from "../../www/inspect.js";

const params = new URLSearchParams(location.search);
const ROUNDS = Number(params.get("rounds") ?? 40);
const BLOCK = 10;
const DURABILITY = params.get("durability") ?? "strict";
const tag = `${Date.now()}`;
const done = (tx) => new Promise((ok, ko) => ((tx.oncomplete = ok), (tx.onabort = () => ko(tx.error)), (tx.onerror = () => {})));

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { p50: at(0.5), p95: at(0.95), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

/** Interleaved blocks of BLOCK appends per writer, so drift hits all alike; ms per append. */
async function sampled(rounds, writers) {
  for (let i = 0; i < 5; i++) for (const w of writers) await w();
  const samples = writers.map(() => []);
  for (let i = 0; i < rounds; i++) {
    for (const [j, w] of writers.entries()) {
      const t0 = performance.now();
      for (let k = 0; k < BLOCK; k++) await w();
      samples[j].push((performance.now() - t0) / BLOCK);
    }
  }
  return samples.map(stats);
}

/** Captures the platform calls of one `fn()`: transactions, requests, commit(). */
async function capture(fn) {
  const calls = [];
  const orig = {
    tx: IDBDatabase.prototype.transaction,
    add: IDBObjectStore.prototype.add,
    put: IDBObjectStore.prototype.put,
    get: IDBObjectStore.prototype.get,
    del: IDBObjectStore.prototype.delete,
    commit: IDBTransaction.prototype.commit,
  };
  const copy = (v) => (v instanceof Uint8Array ? v.slice() : v instanceof ArrayBuffer ? new Uint8Array(v).slice() : v);
  IDBDatabase.prototype.transaction = function (...a) {
    calls.push({ op: "transaction", db: this, args: a });
    return orig.tx.apply(this, a);
  };
  for (const op of ["add", "put"]) {
    IDBObjectStore.prototype[op] = function (v, k) {
      calls.push({ op, store: this.name, value: copy(v), key: copy(k) });
      return orig[op].call(this, v, k);
    };
  }
  IDBObjectStore.prototype.get = function (k) {
    calls.push({ op: "get", key: copy(k) });
    return orig.get.call(this, k);
  };
  IDBObjectStore.prototype.delete = function (k) {
    calls.push({ op: "delete", key: copy(k) });
    return orig.del.call(this, k);
  };
  IDBTransaction.prototype.commit = function () {
    calls.push({ op: "commit" });
    return orig.commit.call(this);
  };
  try {
    await fn();
  } finally {
    IDBDatabase.prototype.transaction = orig.tx;
    IDBObjectStore.prototype.add = orig.add;
    IDBObjectStore.prototype.put = orig.put;
    IDBObjectStore.prototype.get = orig.get;
    IDBObjectStore.prototype.delete = orig.del;
    IDBTransaction.prototype.commit = orig.commit;
  }
  return calls;
}

const hex = (b) => (b instanceof Uint8Array ? [...b].map((x) => (x >= 32 && x < 127 && x !== 37 ? String.fromCharCode(x) : `%${x.toString(16).padStart(2, "0")}`)).join("") : JSON.stringify(b));

/** With `calls=1`: every JS↔wasm call is counted by name, per append. */
const crossings = params.get("calls") ? countCrossings() : new Map();

async function main() {
  const raw = await rawOpen(`raw-${tag}`);
  const ms = await Memspace.open({ storage: "indexeddb", name: `ms-${tag}`, durability: DURABILITY });
  const sp = (await ms.createSpace()).id;
  const ses = (await ms.createSession(sp, { participants: ["u1"] })).id;
  let i = 0;
  const event = () => ({ body: { content: text(i++) }, emitter, eventType: "message" });
  for (let k = 0; k < 20; k++) await ms.postEvent(sp, ses, event());
  // memspace's exact write transaction, from one postEvent after the first few.
  const calls = await capture(() => ms.postEvent(sp, ses, event()));
  const txCall = calls.find((c) => c.op === "transaction");
  const writes = calls.filter((c) => c.op === "add" || c.op === "put" || c.op === "delete");
  const info = {
    calls: calls.map((c) => c.op).join(" "),
    transaction: txCall.args.map((a) => (typeof a === "object" ? JSON.stringify(a) : String(a))),
    writes: writes.map((w) => ({ op: w.op, key: hex(w.key), keyBytes: w.key.length, valueBytes: w.value ? w.value.length : 0 })),
    // The session head as stored, decoded by the playground inspector's decoder.
    head: JSON.stringify(decodeValue(writes[writes.length - 1].value)),
  };
  const db = txCall.db;
  const [store, mode, options] = txCall.args;
  // The replay writes the same shapes under keys of its own: the table tag's first byte is
  // changed (another key space of the same store), and the add()ed key gets a fresh sequence
  // number (its last 8 bytes) each time, as memspace's next event key does.
  let seq = 0;
  const mine = writes.map((w) => {
    const key = w.key.slice();
    key[0] = 0x7a;
    return { op: w.op, key, value: w.value, seqAt: w.op === "add" ? key.length - 8 : -1 };
  });
  const issue = (st, which = mine) => {
    for (const w of which) {
      let key = w.key;
      if (w.seqAt >= 0) {
        key = w.key.slice();
        new DataView(key.buffer).setBigUint64(w.seqAt, BigInt(seq++));
      }
      st[w.op](w.value.slice(), key);
    }
  };
  // The floor: memspace's exact transaction (same connection, arguments, keys and values).
  const exact = async () => {
    const tx = db.transaction(store, mode, options);
    const fin = done(tx);
    issue(tx.objectStore(store));
    tx.commit();
    await fin;
  };
  // The same with ~SPIN µs of main-thread work right after commit() (does the flush overlap it?).
  const SPIN = Number(params.get("spin") ?? 0);
  const exactBusy = async () => {
    const tx = db.transaction(store, mode, options);
    const fin = done(tx);
    issue(tx.objectStore(store));
    tx.commit();
    const t = performance.now();
    while (performance.now() - t < SPIN / 1000);
    await fin;
  };
  const exactBusyBefore = async () => {
    const t = performance.now();
    while (performance.now() - t < SPIN / 1000);
    await exact();
  };
  // The same minus one of the two head puts (what writing the head once would issue).
  const oneHead = mine.filter((w, k) => !(w.op === "put" && k === mine.findIndex((x) => x.op === "put")));
  const exactOneHead = async () => {
    const tx = db.transaction(store, mode, options);
    const fin = done(tx);
    issue(tx.objectStore(store), oneHead);
    tx.commit();
    await fin;
  };
  // The same three requests with 64-byte head values (what a smaller head would weigh).
  const small = mine.map((w) => (w.op === "put" ? { ...w, value: w.value.slice(0, 64) } : w));
  const exactSmallHead = async () => {
    const tx = db.transaction(store, mode, options);
    const fin = done(tx);
    issue(tx.objectStore(store), small);
    tx.commit();
    await fin;
  };
  // + the answer built after complete (the stored event as JSON text, parsed).
  const answer = JSON.stringify(await ms.postEvent(sp, ses, event()));
  const exactParse = async () => {
    await exact();
    return JSON.parse(answer);
  };
  // + the answer built before the transaction is issued (on the critical path either way).
  const mem = () => ms.postEvent(sp, ses, event());
  const rawPut = (() => {
    let n = 0;
    return () => rawAppend(raw, sessionId(1), n++, DURABILITY);
  })();
  const rawAdd = (() => {
    let n = 0;
    return () => rawAppendAddOnly(raw, sessionId(2), n++, DURABILITY);
  })();

  if (params.get("calls")) {
    const n = 100;
    crossings.clear();
    for (let k = 0; k < n; k++) await mem();
    return { info, calls: Object.fromEntries([...crossings].map(([k, v]) => [k, v / n]).sort((a, b) => b[1] - a[1])) };
  }

  if (params.get("profile")) {
    const which = params.get("profile") === "exact" ? exactParse : mem;
    for (let k = 0; k < 50; k++) await which();
    window.__ready = true;
    while (!window.__go) await new Promise((ok) => setTimeout(ok, 50));
    const n = Number(params.get("count") ?? 1000);
    const t0 = performance.now();
    for (let k = 0; k < n; k++) await which();
    return { profiled: (performance.now() - t0) / n, count: n, info };
  }

  if (params.get("split")) {
    // Each append cut at the platform calls (wrappers time-stamp them; performance.now() is
    // coarsened to 0.1 ms in this page, so only means over many appends are usable).
    const origTx = IDBDatabase.prototype.transaction;
    const origCommit = IDBTransaction.prototype.commit;
    const origParse = JSON.parse;
    const origAdd = IDBObjectStore.prototype.add;
    const m = {};
    IDBDatabase.prototype.transaction = function (...a) {
      m.tx = performance.now();
      const tx = origTx.apply(this, a);
      m.txMade = performance.now();
      tx.addEventListener("complete", () => (m.complete = performance.now()));
      return tx;
    };
    IDBObjectStore.prototype.add = function (...a) {
      m.add = performance.now();
      return origAdd.apply(this, a);
    };
    IDBTransaction.prototype.commit = function () {
      m.commit = performance.now();
      return origCommit.call(this);
    };
    // Inside call → transaction(): the first queueMicrotask (the binding's promise task is
    // queued: arguments converted) and the first Date.now (the engine reads its clock).
    const origQm = globalThis.queueMicrotask;
    const origNow = Date.now;
    globalThis.queueMicrotask = function (f) {
      m.qm ??= performance.now();
      return origQm.call(globalThis, f);
    };
    Date.now = function () {
      m.now ??= performance.now();
      return origNow.call(Date);
    };
    JSON.parse = function (t) {
      m.parse = performance.now();
      const v = origParse(t);
      m.parsed = performance.now();
      return v;
    };
    const keys = ["inTx", "callToQueued", "queuedToClock", "clockToTx", "callToTx", "txToAdd", "addToCommit", "commitToComplete", "completeToParse", "parse", "parsedToResolved", "total"];
    const cut = { memspace: Object.fromEntries(keys.map((k) => [k, 0])), exactParse: Object.fromEntries(keys.map((k) => [k, 0])) };
    const N = ROUNDS * BLOCK;
    for (let k = 0; k < 30; k++) for (const f of [mem, exactParse]) await f();
    for (let k = 0; k < N; k++) {
      for (const [name, f] of [["memspace", mem], ["exactParse", exactParse]]) {
        for (const key of Object.keys(m)) delete m[key];
        const t0 = performance.now();
        await f();
        const t1 = performance.now();
        const c = cut[name];
        c.callToQueued += ((m.qm ?? t0) - t0) / N;
        c.queuedToClock += ((m.now ?? m.qm ?? t0) - (m.qm ?? t0)) / N;
        c.clockToTx += (m.tx - (m.now ?? m.qm ?? t0)) / N;
        c.callToTx += (m.tx - t0) / N;
        c.inTx += (m.txMade - m.tx) / N;
        c.txToAdd += (m.add - m.tx) / N;
        c.addToCommit += (m.commit - m.add) / N;
        c.commitToComplete += (m.complete - m.commit) / N;
        c.completeToParse += (m.parse - m.complete) / N;
        c.parse += (m.parsed - m.parse) / N;
        c.parsedToResolved += (t1 - m.parsed) / N;
        c.total += (t1 - t0) / N;
      }
    }
    IDBDatabase.prototype.transaction = origTx;
    IDBTransaction.prototype.commit = origCommit;
    IDBObjectStore.prototype.add = origAdd;
    JSON.parse = origParse;
    globalThis.queueMicrotask = origQm;
    Date.now = origNow;
    return { info, split: cut, appends: N };
  }

  const names = ["rawPut", "rawAddHead", "memspace", "exact", "exactParse", "exactOneHead", "exactSmallHead", ...(SPIN ? ["exactBusyAfter", "exactBusyBefore"] : [])];
  const res = await sampled(ROUNDS, [rawPut, rawAdd, mem, exact, exactParse, exactOneHead, exactSmallHead, ...(SPIN ? [exactBusy, exactBusyBefore] : [])]);
  ms.close();
  raw.close();
  return { info, rounds: ROUNDS, block: BLOCK, results: Object.fromEntries(names.map((n, k) => [n, res[k]])) };
}

main().then((r) => (window.__probe = r), (e) => (window.__probe = { failed: String(e && e.stack ? e.stack : e) }));
