// Runs in headless Chromium (bundled by esbuild with the package): raw IndexedDB vs memspace,
// same data, same durability, same profile on disk. Results go to window.__bench.
import { Memspace } from "memspace";
import { req, HAS_GET_ALL_RECORDS, rawOpen, rawAppend, rawAppendChecked, rawAppendSpaceAdd, rawAppendAddOnly, rawPutHeadAfter, rawNewestHeadAfter, rawBatch, rawNewest, rawNewestChecked, rawPutSessions, rawListSessions, text, emitter, sessionId } from "./raw.js";

const params = new URLSearchParams(location.search);
const N = Number(params.get("n") ?? 10000);
const SINGLE = Number(params.get("single") ?? 2000);
const BATCH = 200;
const READS = Number(params.get("reads") ?? 300);
const DURABILITY = params.get("durability") ?? "strict";
const tag = `${Date.now()}`;

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function percentiles(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { p50: at(0.5), p95: at(0.95) };
}

/** Interleaved samples of the readers, so drift (GC, disk) hits all alike. A sample times 10
 * reads in a row (performance.now() is coarsened to 0.1 ms in a page that is not isolated). */
async function readAll(...readers) {
  return sampled(READS, readers);
}

async function sampled(rounds, readers) {
  for (let i = 0; i < 20; i++) for (const r of readers) await r();
  const samples = readers.map(() => []);
  for (let i = 0; i < rounds; i++) {
    for (const [j, r] of readers.entries()) {
      samples[j].push(
        (await timed(async () => {
          for (let k = 0; k < 10; k++) await r();
        })) / 10,
      );
    }
  }
  return samples.map(percentiles);
}

/** memspace's read request replayed from plain JS: one read's `transaction()` and
 * `getAllRecords` arguments are captured (same connection, store, mode, binary key range,
 * count, direction); the replay issues them with a fresh key range and reads every record's
 * key and value, as the wasm side does — the floor of memspace's read, apples to apples. */
async function captureRead(read) {
  const tx = IDBDatabase.prototype.transaction;
  const gar = IDBObjectStore.prototype.getAllRecords;
  let seen;
  let opts;
  IDBDatabase.prototype.transaction = function (...args) {
    seen = { db: this, args };
    return tx.apply(this, args);
  };
  IDBObjectStore.prototype.getAllRecords = function (o) {
    opts = { lower: new Uint8Array(o.query.lower), upper: new Uint8Array(o.query.upper), lowerOpen: o.query.lowerOpen, upperOpen: o.query.upperOpen, count: o.count, direction: o.direction };
    return gar.call(this, o);
  };
  try {
    await read();
  } finally {
    IDBDatabase.prototype.transaction = tx;
    IDBObjectStore.prototype.getAllRecords = gar;
  }
  if (!seen || !opts) throw new Error("memspace's read issued no getAllRecords");
  const { db, args } = seen;
  return async () => {
    const store = db.transaction(...args).objectStore(args[0]);
    const query = IDBKeyRange.bound(opts.lower.slice(), opts.upper.slice(), opts.lowerOpen, opts.upperOpen);
    const recs = await req(store.getAllRecords({ query, count: opts.count, direction: opts.direction }));
    let bytes = 0;
    for (const r of recs) bytes += r.key.byteLength + r.value.byteLength;
    return bytes;
  };
}

async function main() {
  const out = { n: N, single: SINGLE, batch: BATCH, reads: READS, durability: DURABILITY, getAllRecords: HAS_GET_ALL_RECORDS };
  out.bodyBytes = JSON.stringify({ content: text(9999) }).length;
  const raw = await rawOpen(`raw-${tag}`);
  const ms = await Memspace.open({ storage: "indexeddb", name: `ms-${tag}`, durability: DURABILITY });
  const sp = (await ms.createSpace()).id;
  const single = (await ms.createSession(sp, { participants: ["u1"] })).id;
  const batched = (await ms.createSession(sp, { participants: ["u1"] })).id;
  const rawSingle = sessionId(1);
  const rawBatched = sessionId(2);

  // Appends one per call, alternating blocks so both see the same disk and heap state.
  out.rawSingleMs = 0;
  out.rawCheckedMs = 0;
  out.msSingleMs = 0;
  out.rawSpaceAddMs = 0;
  out.rawAddOnlyMs = 0;
  for (let b = 0; b < SINGLE; b += 250) {
    const to = Math.min(SINGLE, b + 250);
    out.rawSingleMs += await timed(async () => {
      for (let i = b; i < to; i++) await rawAppend(raw, rawSingle, i, DURABILITY);
    });
    out.rawCheckedMs += await timed(async () => {
      for (let i = b; i < to; i++) await rawAppendChecked(raw, sessionId(3), i, DURABILITY);
    });
    out.msSingleMs += await timed(async () => {
      for (let i = b; i < to; i++) await ms.postEvent(sp, single, { body: { content: text(i) }, emitter, eventType: "message" });
    });
    out.rawSpaceAddMs += await timed(async () => {
      for (let i = b; i < to; i++) await rawAppendSpaceAdd(raw, sessionId(4), i, DURABILITY);
    });
    out.rawAddOnlyMs += await timed(async () => {
      for (let i = b; i < to; i++) await rawAppendAddOnly(raw, sessionId(5), i, DURABILITY);
    });
  }
  // Batches of 200 into one session.
  out.rawBatchMs = 0;
  out.msBatchMs = 0;
  for (let i = 0; i < N; i += BATCH) {
    out.rawBatchMs += await timed(() => rawBatch(raw, rawBatched, i, BATCH, DURABILITY));
    const events = [];
    for (let j = i; j < i + BATCH; j++) events.push({ body: { content: text(j) }, emitter, eventType: "message" });
    out.msBatchMs += await timed(() => ms.postEvents(sp, batched, events));
  }
  // Newest 20 of the 10k-event session.
  const rawCheck = await rawNewest(raw, rawBatched, 20, N);
  const msCheck = await ms.listEvents(sp, batched, { lastN: 20 });
  out.readsAgree = rawCheck.length === 20 && msCheck.length === 20 && rawCheck[19].sequenceId === N - 1 && msCheck[19].sequenceId === N - 1 && rawCheck[0].body.content === msCheck[0].body.content;
  await rawPutHeadAfter(raw, rawBatched, N);
  const exact = await captureRead(() => ms.listEvents(sp, batched, { lastN: 20 }));
  [out.rawRead, out.rawCheckedRead, out.msRead, out.rawHeadAfterSpaceRead, out.rawHeadAfterRead, out.msExactRead] = await readAll(
    () => rawNewest(raw, rawBatched, 20, N),
    () => rawNewestChecked(raw, rawBatched, 20),
    () => ms.listEvents(sp, batched, { lastN: 20 }),
    () => rawNewestHeadAfter(raw, rawBatched, 20, true),
    () => rawNewestHeadAfter(raw, rawBatched, 20, false),
    exact,
  );
  // listSessions of a space with 100 sessions: two pages of 50 (two calls), against the same
  // session records stored as plain objects and read with one getAll per page.
  const listed = (await ms.createSpace()).id;
  for (let i = 0; i < 100; i++) await ms.createSession(listed, { participants: ["u1"], description: `session ${i}`, metadata: { n: i } });
  await rawPutSessions(raw, [...(await ms.listSessions(listed, { limit: 50 })), ...(await ms.listSessions(listed, { offset: 50, limit: 50 }))]);
  [out.rawList, out.msList] = await sampled(Math.ceil(READS / 5), [
    () => rawListSessions(raw, 50),
    async () => {
      const a = await ms.listSessions(listed, { limit: 50 });
      const b = await ms.listSessions(listed, { offset: 50, limit: 50 });
      if (a.length + b.length !== 100) throw new Error(`listSessions gave ${a.length + b.length}`);
    },
  ]);
  out.cold = { rawName: `raw-${tag}`, rawSession: rawBatched, name: `ms-${tag}`, space: sp, session: batched, n: N };
  ms.close();
  raw.close();
  return out;
}

main().then((r) => (window.__bench = r), (e) => (window.__bench = { failed: String(e && e.stack ? e.stack : e) }));
