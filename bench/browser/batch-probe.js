// 200-event batches into one session, raw IndexedDB and memspace interleaved batch by batch
// (headless Chromium). ?wasm=<url> picks the module; ?profile=1 (or raw) waits for window.__go and runs
// memspace's (raw's) batches only (for a CPU profile). Results go to window.__probe.
import { Memspace } from "memspace";
import { rawOpen, rawBatch, text, emitter, sessionId } from "./raw.js";

const params = new URLSearchParams(location.search);
const N = Number(params.get("n") ?? 10000);
const PROFILE = params.has("profile");
const BATCH = 200;
const tag = `${Date.now()}`;

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const batchOf = (from) => {
  const events = [];
  for (let j = from; j < from + BATCH; j++) events.push({ body: { content: text(j) }, emitter, eventType: "message" });
  return events;
};

/** memspace's write pattern from plain JS: 200 puts of a fresh 90-byte Uint8Array value under
 * a fresh 73-byte Uint8Array key (the sizes memspace's event keys and values have here). */
async function binaryBatch(db, from) {
  const tx = db.transaction("events", "readwrite", { durability: "strict" });
  const store = tx.objectStore("events");
  const key = new Uint8Array(73).fill(97);
  const value = new Uint8Array(90).fill(7);
  for (let i = from; i < from + BATCH; i++) {
    key[72] = i & 255;
    key[71] = i >> 8;
    value[0] = i & 255;
    store.put(value.slice(), key.slice());
  }
  await new Promise((ok, ko) => ((tx.oncomplete = ok), (tx.onabort = () => ko(tx.error))));
}

async function main() {
  const raw = await rawOpen(`raw-${tag}`);
  const ms = await Memspace.open({ storage: "indexeddb", name: `ms-${tag}`, durability: "strict", wasm: new URL(params.get("wasm"), location.href) });
  const sp = (await ms.createSpace()).id;
  const ses = (await ms.createSession(sp, { participants: ["u1"] })).id;
  const rawSes = sessionId(2);
  if (PROFILE) {
    await ms.postEvents(sp, ses, batchOf(0));
    window.__ready = true;
    while (!window.__go) await new Promise((r) => setTimeout(r, 50));
    const rawSide = params.get("profile") === "raw";
    const msMs = await timed(async () => {
      for (let i = BATCH; i < N; i += BATCH) await (rawSide ? rawBatch(raw, rawSes, i, BATCH, "strict") : ms.postEvents(sp, ses, batchOf(i)));
    });
    window.__probe = { msMs, events: N - BATCH };
    return;
  }
  let rawMs = 0;
  let msMs = 0;
  let binMs = 0;
  let repMs = 0;
  const bin = await rawOpen(`bin-${tag}`);
  const rep = await rawOpen(`rep-${tag}`);
  // memspace's writes of one batch, captured, replayed from plain JS as puts.
  const captured = [];
  const { put, add } = IDBObjectStore.prototype;
  IDBObjectStore.prototype.put = function (v, k) {
    captured.push([v.slice(), k.slice()]);
    return put.call(this, v, k);
  };
  IDBObjectStore.prototype.add = function (v, k) {
    captured.push([v.slice(), k.slice()]);
    return add.call(this, v, k);
  };
  await ms.postEvents(sp, ses, batchOf(0));
  Object.assign(IDBObjectStore.prototype, { put, add });
  const replay = async () => {
    const tx = rep.transaction("events", "readwrite", { durability: "strict" });
    const store = tx.objectStore("events");
    for (const [v, k] of captured) store.put(v.slice(), k.slice());
    await new Promise((ok, ko) => ((tx.oncomplete = ok), (tx.onabort = () => ko(tx.error))));
  };
  // Where a memspace batch's time goes: call → returned (the arguments read into wasm),
  // call → first write issued, first → last write issued
  // (the issuing loop), last write → resolved (commit, answer); and the same issuing loop for
  // the replay. Means per batch, ms.
  const cut = { call: 0, pre: 0, issue: 0, post: 0, replayIssue: 0, rawIssue: 0, rawPost: 0 };
  let mark = null;
  const hook = (orig) =>
    function (v, k) {
      if (!mark) return orig.call(this, v, k);
      if (mark.first === undefined) mark.first = performance.now();
      const r = orig.call(this, v, k);
      mark.last = performance.now();
      return r;
    };
  IDBObjectStore.prototype.put = hook(put);
  IDBObjectStore.prototype.add = hook(add);
  const cutOf = async (fn) => {
    mark = {};
    const t0 = performance.now();
    const p = fn();
    const tCall = performance.now();
    await p;
    const t1 = performance.now();
    const m = mark;
    mark = null;
    return { call: tCall - t0, pre: m.first - t0, issue: m.last - m.first, post: t1 - m.last };
  };
  for (let i = BATCH; i < N; i += BATCH) {
    const r = await cutOf(replay);
    repMs += r.pre + r.issue + r.post;
    cut.replayIssue += r.issue;
    const rc = await cutOf(() => rawBatch(raw, rawSes, i, BATCH, "strict"));
    rawMs += rc.pre + rc.issue + rc.post;
    cut.rawIssue += rc.pre + rc.issue;
    cut.rawPost += rc.post;
    binMs += await timed(() => binaryBatch(bin, i));
    const events = batchOf(i);
    const c = await cutOf(() => ms.postEvents(sp, ses, events));
    msMs += c.pre + c.issue + c.post;
    cut.call += c.call;
    cut.pre += c.pre;
    cut.issue += c.issue;
    cut.post += c.post;
  }
  Object.assign(IDBObjectStore.prototype, { put, add });
  const batches = N / BATCH - 1;
  for (const k of Object.keys(cut)) cut[k] /= batches;
  window.__probe = { rawMs, msMs, binMs, binRatio: rawMs / binMs, repRatio: rawMs / repMs, requests: captured.length, cut, rawEvS: ((N - BATCH) / rawMs) * 1000, msEvS: ((N - BATCH) / msMs) * 1000, ratio: rawMs / msMs };
}
main().catch((e) => (window.__probe = { failed: String(e && e.stack ? e.stack : e) }));
