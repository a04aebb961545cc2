// Runs in headless Chromium (bundled by esbuild with the package): contextFor — the call an
// agent makes before every model turn — on IndexedDB, in a space holding N memories (10k,
// 100k), three core blocks and a 40-event session. Measured per call (p50/p95):
//   * contextFor with the default policy (archival tool_only): blocks + newest events;
//   * contextFor with archivalMode "auto": the same plus archival recall over the N memories;
//   * the same first call from a fresh handle (no block snapshot yet).
// Against, in the same page and database engine: the raw IndexedDB form of the same reads —
// one transaction, getAll of the blocks and a getAll of the last 40 events, string joining —
// and, for archival, one getAll of every memory text and a keyword scan in JS.
// Results go to window.__context; context.mjs prints them.
import { Memspace } from "memspace";

const params = new URLSearchParams(location.search);
const SIZES = (params.get("sizes") ?? "10000,100000").split(",").map(Number);
const SAMPLES = Number(params.get("samples") ?? 200);
const BATCH = 100;
const EVENTS = 40;
const tag = `${Date.now()}`;

// A seeded generator of memory-like sentences (people, companies, preferences, events).
let seed = 12345;
const rnd = () => ((seed = (Math.imul(seed ^ (seed >>> 15), 2246822519) + 0x6d2b79f5) >>> 0) / 2 ** 32);
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const people = ["Dana", "Lee", "Priya", "Marco", "Yuki", "Amara", "Tom", "Ines", "Omar", "Sofia"];
const orgs = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell"];
const topics = ["renewal", "invoice", "onboarding", "migration", "security review", "pricing", "roadmap", "outage", "hiring", "budget"];
const verbs = ["prefers", "asked about", "decided on", "complained about", "approved", "postponed", "owns", "reviewed"];
const months = ["January", "February", "March", "April", "May", "June", "July", "August"];
function sentence(i) {
  return `${pick(people)} ${pick(verbs)} the ${pick(orgs)} ${pick(topics)} in ${pick(months)}; note ${i}: ${pick(topics)} follows ${pick(orgs)} ${pick(topics)}`;
}

const req = (r) => new Promise((ok, ko) => ((r.onsuccess = () => ok(r.result)), (r.onerror = () => ko(r.error))));
const done = (tx) => new Promise((ok, ko) => ((tx.oncomplete = ok), (tx.onabort = () => ko(tx.error))));

function percentiles(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { p50: at(0.5), p95: at(0.95) };
}

async function sample(count, fn) {
  for (let i = 0; i < 10; i++) await fn(i); // warm up
  const out = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return percentiles(out);
}

const blocks = [
  ["core", undefined, "- Prefers concise answers\n- Works in America/New_York\n- Reports to Dana\n" + "- Cares about the Acme renewal and pricing\n".repeat(8)],
  ["persona", "agent_records", "I am the records agent. I keep account notes, renewals and invoices straight and answer from them."],
  ["tasks", "agent_records", "- Prepare the Acme renewal summary\n- Chase the Globex invoice\n- Review the Initech migration plan"],
];

/** The raw IndexedDB form of the same data: blocks, events and memory texts in plain stores. */
async function rawSeed(n) {
  const r = indexedDB.open(`raw-context-${n}-${tag}`, 1);
  r.onupgradeneeded = () => {
    r.result.createObjectStore("blocks");
    r.result.createObjectStore("events");
    r.result.createObjectStore("memories");
  };
  const db = await req(r);
  let tx = db.transaction(["blocks", "events"], "readwrite", { durability: "relaxed" });
  for (const [t, a, c] of blocks) tx.objectStore("blocks").put({ type: t, agent: a ?? null, content: c }, `${a ?? "user"}/${t}`);
  for (let i = 0; i < EVENTS; i++) tx.objectStore("events").put({ seq: i, who: i % 2 ? "agent" : "user", text: `turn ${i}: ${sentence(i)}` }, i);
  await done(tx);
  for (let i = 0; i < n; i += 1000) {
    tx = db.transaction("memories", "readwrite", { durability: "relaxed" });
    for (let j = i; j < Math.min(n, i + 1000); j++) tx.objectStore("memories").put({ content: sentence(j) }, j);
    await done(tx);
  }
  return db;
}

/** Blocks and the last 40 events in one transaction, joined into a prompt. */
async function rawContext(db) {
  const tx = db.transaction(["blocks", "events"], "readonly");
  const [bs, evs] = await Promise.all([req(tx.objectStore("blocks").getAll()), req(tx.objectStore("events").getAll(IDBKeyRange.lowerBound(0), EVENTS))]);
  return bs.map((b) => `<block type="${b.type}">\n${b.content}\n</block>`).join("\n") + "\n" + evs.map((e) => `[${e.who}] ${e.text}`).join("\n");
}

/** Every memory text in one getAll, scored by query words found, top 5. */
async function rawArchival(db, query) {
  const words = query.toLowerCase().split(/\W+/).filter((w) => w.length > 2);
  const all = await req(db.transaction("memories", "readonly").objectStore("memories").getAll());
  const scored = [];
  for (const m of all) {
    const text = m.content.toLowerCase();
    let s = 0;
    for (const w of words) if (text.includes(w)) s++;
    if (s) scored.push([s, m.content]);
  }
  scored.sort((a, b) => b[0] - a[0]);
  return scored.slice(0, 5);
}

async function one(n) {
  const name = `bench-context-${n}-${tag}`;
  const ms = await Memspace.open({ storage: "indexeddb", name, durability: "relaxed", principal: { userId: "u", tenantId: "t" } });
  const sp = (await ms.createSpace()).id;
  const t0 = performance.now();
  for (let i = 0; i < n; i += BATCH) {
    const ops = [];
    for (let j = i; j < Math.min(n, i + BATCH); j++) {
      ops.push({ op: "create", content: sentence(j), tags: [`topic-${j % 20}`], ...(j % 5 === 0 ? { provenance: { agentId: "agent_records" } } : {}) });
    }
    const r = await ms.batchMemories(sp, ops, { atomic: true });
    if (r.successful !== ops.length) throw new Error(`seed batch failed: ${JSON.stringify(r.results.find((x) => x.error))}`);
  }
  const seedMs = performance.now() - t0;
  for (const [t, a, c] of blocks) await ms.updateBlock(sp, t, { content: c, ...(a ? { agentId: a } : {}) });
  const session = await ms.createSession(sp, { participants: ["u"] });
  const evs = [];
  for (let i = 0; i < EVENTS; i++) evs.push({ body: { content: `turn ${i}: ${sentence(i)}` }, emitter: { type: i % 2 ? "agent" : "user", id: i % 2 ? "agent_records" : "u" } });
  await ms.postEvents(sp, session.id, evs);

  const queries = Array.from({ length: 64 }, (_, i) => `what did ${pick(people)} say about the ${pick(orgs)} ${pick(topics)}? (${i})`);
  const base = { agentId: "agent_records", sessionId: session.id, budgetTokens: 4000 };
  let last;
  const toolOnly = await sample(SAMPLES, async () => (last = await ms.contextFor(sp, base)));
  const shape = { tokens: last.tokens, blocks: last.blocks.length, events: last.events.length, reused: last.snapshot.reused };
  const auto = await sample(Math.min(SAMPLES, 100), async (i) => {
    last = await ms.contextFor(sp, { ...base, query: queries[i % queries.length], policy: { archivalMode: "auto", archivalLimit: 5, archivalMinScore: 0.25 } });
  });
  const autoShape = { tokens: last.tokens, archival: last.archival.length };
  // A fresh handle per call: the snapshot cache is empty, every block is read.
  const fresh = await sample(50, async () => {
    const h = await Memspace.open({ storage: "indexeddb", name, principal: { userId: "u", tenantId: "t" } });
    await h.contextFor(sp, base);
    h.close();
  });
  ms.close();

  const raw = await rawSeed(n);
  const rawCtx = await sample(SAMPLES, () => rawContext(raw));
  const rawArch = await sample(20, (i) => rawArchival(raw, queries[i % queries.length]));
  raw.close();
  return { n, seedMs, toolOnly, auto, fresh, rawCtx, rawArch, shape, autoShape };
}

(async () => {
  try {
    const results = [];
    for (const n of SIZES) results.push(await one(n));
    window.__context = { results, samples: SAMPLES };
  } catch (e) {
    window.__context = { failed: String(e?.stack ?? e) };
  }
})();
