// Runs in headless Chromium (bundled by esbuild with the package): raw IndexedDB vs memspace,
// same data, same durability. Results go to window.__bench; run.mjs prints the table.
import { Memspace } from "memspace";

const params = new URLSearchParams(location.search);
const N = Number(params.get("n") ?? 10000);
const BATCH = 200;
const READS = Number(params.get("reads") ?? 200);
const DURABILITY = params.get("durability") ?? "strict";
const tag = `${Date.now()}`;
const text = (i) => `message ${i}: ` + "lorem ipsum dolor sit amet ".repeat(10).slice(0, 270);
const emitter = { type: "user", id: "u1" };

const req = (r) => new Promise((ok, ko) => ((r.onsuccess = () => ok(r.result)), (r.onerror = () => ko(r.error))));
const done = (tx) => new Promise((ok, ko) => ((tx.oncomplete = ok), (tx.onabort = () => ko(tx.error))));

async function rawOpen(name) {
  const r = indexedDB.open(name, 1);
  r.onupgradeneeded = () => r.result.createObjectStore("events");
  return req(r);
}

function record(session, i) {
  const now = new Date().toISOString();
  return { sessionId: session, sequenceId: i, eventType: "message", body: { content: text(i) }, emitter, createdAt: now, updatedAt: now };
}

async function rawSingle(db, session) {
  for (let i = 0; i < N; i++) {
    const tx = db.transaction("events", "readwrite", { durability: DURABILITY });
    tx.objectStore("events").put(record(session, i), [session, i]);
    await done(tx);
  }
}

async function rawBatched(db, session) {
  for (let i = 0; i < N; i += BATCH) {
    const tx = db.transaction("events", "readwrite", { durability: DURABILITY });
    const store = tx.objectStore("events");
    for (let j = i; j < Math.min(N, i + BATCH); j++) store.put(record(session, j), [session, j]);
    await done(tx);
  }
}

async function rawLast20(db, session) {
  const tx = db.transaction("events", "readonly");
  const cursorReq = tx.objectStore("events").openCursor(IDBKeyRange.bound([session, 0], [session, Infinity]), "prev");
  const out = [];
  await new Promise((ok, ko) => {
    cursorReq.onerror = () => ko(cursorReq.error);
    cursorReq.onsuccess = () => {
      const c = cursorReq.result;
      if (!c || out.length === 20) return ok();
      out.push(c.value);
      c.continue();
    };
  });
  return out.reverse();
}

async function msSingle(ms, sp, se) {
  for (let i = 0; i < N; i++) await ms.postEvent(sp, se, { body: { content: text(i) }, emitter, eventType: "message" });
}

async function msBatched(ms, sp, se) {
  for (let i = 0; i < N; i += BATCH) {
    const events = [];
    for (let j = i; j < Math.min(N, i + BATCH); j++) events.push({ body: { content: text(j) }, emitter, eventType: "message" });
    await ms.postEvents(sp, se, events);
  }
}

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

async function readBench(fn) {
  for (let i = 0; i < 10; i++) await fn(); // warm up
  const samples = [];
  for (let i = 0; i < READS; i++) samples.push(await timed(fn));
  return percentiles(samples);
}

async function main() {
  const out = { n: N, batch: BATCH, reads: READS, durability: DURABILITY, bodyBytes: JSON.stringify({ content: text(9999) }).length };
  // (a) raw IndexedDB
  const raw = await rawOpen(`raw-${tag}`);
  out.rawSingleMs = await timed(() => rawSingle(raw, "single"));
  out.rawBatchMs = await timed(() => rawBatched(raw, "batched"));
  // (b) memspace
  const ms = await Memspace.open({ storage: "indexeddb", name: `ms-${tag}`, durability: DURABILITY });
  const sp = (await ms.createSpace()).id;
  const single = (await ms.createSession(sp, { participants: ["u1"] })).id;
  const batched = (await ms.createSession(sp, { participants: ["u1"] })).id;
  out.msSingleMs = await timed(() => msSingle(ms, sp, single));
  out.msBatchMs = await timed(() => msBatched(ms, sp, batched));
  // (c) read the last 20 of a 10k-event session
  const rawCheck = await rawLast20(raw, "batched");
  const msCheck = await ms.listEvents(sp, batched, { lastN: 20 });
  out.readsAgree = rawCheck.length === 20 && msCheck.length === 20 && rawCheck[19].sequenceId === N - 1 && msCheck[19].sequenceId === N - 1;
  out.rawRead = await readBench(() => rawLast20(raw, "batched"));
  out.msRead = await readBench(() => ms.listEvents(sp, batched, { lastN: 20 }));
  out.coldName = `ms-${tag}`;
  out.coldSpace = sp;
  out.coldSession = batched;
  ms.close();
  raw.close();
  return out;
}

main().then((r) => (window.__bench = r), (e) => (window.__bench = { failed: String(e && e.stack ? e.stack : e) }));
