// Two builds of memspace in one page (bench/browser/ab.mjs): newest-20 reads (or, with
// `op=append`, one-event appends at the page's durability; `op=batch`, 200-event batches into
// one session; `op=list`, listSessions of 100 sessions in two pages of 50) of raw IndexedDB,
// build A and build B, sampled in turns, so load changes hit all three alike.
import { Memspace as A } from "memspace-a";
import { Memspace as B } from "memspace-b";
import { rawOpen, rawBatch, rawNewest, rawAppend, rawPutSessions, rawListSessions, text, emitter, sessionId } from "./raw.js";

const params = new URLSearchParams(location.search);
const N = Number(params.get("n") ?? 10000);
const ROUNDS = Number(params.get("rounds") ?? 300);
const OP = params.get("op") ?? "read";
const APPEND = OP === "append";
const DURABILITY = params.get("durability") ?? "strict";
// With `miss=1`: also newest-20 reads that find nothing remembered, beside the usual ones
// (B then reads A's database, as with `shared=1`).
const MISS = params.get("miss") === "1";
const SHARED = params.get("shared") === "1" || MISS;
// Sessions the miss readers go round (40 events each): more event texts than a handle keeps
// (its record cache starts over before a session comes round again), so every read renders.
const MISS_SESSIONS = 60;
const MISS_EVENTS = 40;
const tag = `${Date.now()}`;

function percentiles(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { p50: at(0.5), p95: at(0.95), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

async function filled(Memspace, name) {
  const ms = await Memspace.open({ storage: "indexeddb", name, wasm: `./${name.split("-")[0]}/memspace_bg.wasm`, fullWasm: `./${name.split("-")[0]}/memspace_full_bg.wasm` });
  const sp = (await ms.createSpace()).id;
  const ses = (await ms.createSession(sp, { participants: ["u1"] })).id;
  for (let i = 0; i < N; i += 200) {
    const events = [];
    for (let j = i; j < i + 200; j++) events.push({ body: { content: text(j) }, emitter, eventType: "message" });
    await ms.postEvents(sp, ses, events);
  }
  return Object.assign(() => ms.listEvents(sp, ses, { lastN: 20 }), { sp, ses, ms });
}

/** Readers going round MISS_SESSIONS sessions (raw's, A's, and B's through its own handle). */
async function missReaders(raw, a, b) {
  const sp = (await a.createSpace()).id;
  const sessions = [];
  for (let k = 0; k < MISS_SESSIONS; k++) {
    const ses = (await a.createSession(sp, { participants: ["u1"] })).id;
    const events = [];
    for (let j = 0; j < MISS_EVENTS; j++) events.push({ body: { content: text(j + 100 * k) }, emitter, eventType: "message" });
    await a.postEvents(sp, ses, events);
    await rawBatch(raw, sessionId(100 + k), 0, MISS_EVENTS, "strict");
    sessions.push(ses);
  }
  const round = (f) => {
    let k = 0;
    return () => f(k++ % MISS_SESSIONS);
  };
  return {
    rawMiss: round((k) => rawNewest(raw, sessionId(100 + k), 20, MISS_EVENTS)),
    aMiss: round((k) => a.listEvents(sp, sessions[k], { lastN: 20 })),
    bMiss: round((k) => b.listEvents(sp, sessions[k], { lastN: 20 })),
  };
}

/** One `postEvent` per call on a session of its own (strict durability unless asked). */
async function appender(Memspace, name) {
  const ms = await Memspace.open({ storage: "indexeddb", name, durability: DURABILITY, wasm: `./${name.split("-")[0]}/memspace_bg.wasm`, fullWasm: `./${name.split("-")[0]}/memspace_full_bg.wasm` });
  const sp = (await ms.createSpace()).id;
  const ses = (await ms.createSession(sp, { participants: ["u1"] })).id;
  let i = 0;
  return () => ms.postEvent(sp, ses, { body: { content: text(i++) }, emitter, eventType: "message" });
}

async function appenders() {
  const raw = await rawOpen(`raw-${tag}`);
  let n = 0;
  const rawSes = sessionId(1);
  const a = await appender(A, `a-${tag}`);
  const b = await appender(B, `b-${tag}`);
  const ra = await a();
  const rb = await b();
  if (JSON.stringify([ra.sequenceId, ra.body]) !== JSON.stringify([rb.sequenceId, rb.body])) throw new Error("A and B answer differently");
  return { raw: () => rawAppend(raw, rawSes, n++, DURABILITY), a, b };
}

/** With `shared=1`: B reads the very records A wrote (a handle of its own on A's database, like
 * a second tab), so the two builds differ only in their code, not in where their data lies. */
async function sharedReader(Memspace, name, read) {
  const ms = await Memspace.open({ storage: "indexeddb", name, wasm: "./b/memspace_bg.wasm", fullWasm: "./b/memspace_full_bg.wasm" });
  return Object.assign(() => ms.listEvents(read.sp, read.ses, { lastN: 20 }), { ms });
}

async function newestReaders() {
  const raw = await rawOpen(`raw-${tag}`);
  const rawSes = sessionId(2);
  for (let i = 0; i < N; i += 200) await rawBatch(raw, rawSes, i, 200, "strict");
  const a = await filled(A, `a-${tag}`);
  const b = SHARED ? await sharedReader(B, `a-${tag}`, a) : await filled(B, `b-${tag}`);
  const readers = { raw: () => rawNewest(raw, rawSes, 20, N), a, b };
  if (MISS) Object.assign(readers, await missReaders(raw, a.ms, b.ms));
  const ra = await readers.a();
  const rb = await readers.b();
  if (JSON.stringify(ra.map((e) => [e.sequenceId, e.body])) !== JSON.stringify(rb.map((e) => [e.sequenceId, e.body]))) throw new Error("A and B answer differently");
  return readers;
}

/** 200-event batches into one session per build (raw: 200 puts in one transaction). */
async function batchers() {
  const raw = await rawOpen(`raw-${tag}`);
  const rawSes = sessionId(3);
  let n = 0;
  const batcher = async (Memspace, name) => {
    const ms = await Memspace.open({ storage: "indexeddb", name, durability: DURABILITY, wasm: `./${name.split("-")[0]}/memspace_bg.wasm`, fullWasm: `./${name.split("-")[0]}/memspace_full_bg.wasm` });
    const sp = (await ms.createSpace()).id;
    const ses = (await ms.createSession(sp, { participants: ["u1"] })).id;
    let i = 0;
    return async () => {
      const events = [];
      for (let j = i; j < i + 200; j++) events.push({ body: { content: text(j) }, emitter, eventType: "message" });
      i += 200;
      await ms.postEvents(sp, ses, events);
    };
  };
  return {
    raw: () => rawBatch(raw, rawSes, (n += 200) - 200, 200, DURABILITY),
    a: await batcher(A, `a-${tag}`),
    b: await batcher(B, `b-${tag}`),
  };
}

/** listSessions of a space of 100 sessions, two pages of 50 (raw: one getAll per page). */
async function listers() {
  const raw = await rawOpen(`raw-${tag}`);
  const lister = async (Memspace, name) => {
    const ms = await Memspace.open({ storage: "indexeddb", name, wasm: `./${name.split("-")[0]}/memspace_bg.wasm`, fullWasm: `./${name.split("-")[0]}/memspace_full_bg.wasm` });
    const sp = (await ms.createSpace()).id;
    for (let i = 0; i < 100; i++) await ms.createSession(sp, { participants: ["u1"], description: `session ${i}`, metadata: { n: i } });
    return async () => {
      const a = await ms.listSessions(sp, { limit: 50 });
      const b = await ms.listSessions(sp, { offset: 50, limit: 50 });
      if (a.length + b.length !== 100) throw new Error(`listSessions gave ${a.length + b.length}`);
      return [...a, ...b];
    };
  };
  const readers = { raw: () => rawListSessions(raw, 50), a: await lister(A, `a-${tag}`), b: await lister(B, `b-${tag}`) };
  const la = await readers.a();
  const lb = await readers.b();
  const shape = (l) => JSON.stringify(l.map((s) => [s.description, s.eventCount, s.tokenCount]));
  if (shape(la) !== shape(lb)) throw new Error("A and B list differently");
  await rawPutSessions(raw, la);
  return readers;
}

async function main() {
  const readers = APPEND ? await appenders() : OP === "batch" ? await batchers() : OP === "list" ? await listers() : await newestReaders();
  const fns = Object.values(readers);
  for (let i = 0; i < 30; i++) for (const r of fns) await r();
  const samples = fns.map(() => []);
  for (let i = 0; i < ROUNDS; i++) {
    // Rotate the order each round so no reader always follows the same one.
    for (let k = 0; k < fns.length; k++) {
      const j = (i + k) % fns.length;
      const t0 = performance.now();
      for (let n = 0; n < 10; n++) await fns[j]();
      samples[j].push((performance.now() - t0) / 10);
    }
  }
  return Object.fromEntries(Object.keys(readers).map((k, j) => [k, percentiles(samples[j])]));
}

main().then((r) => (window.__ab = r), (e) => (window.__ab = { failed: String(e && e.stack ? e.stack : e) }));
