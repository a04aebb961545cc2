// Runs in headless Chromium (bundled by esbuild with the package): recall on IndexedDB against
// the alternatives a page would otherwise use, same texts, same queries, same page:
//   * lexical top-10 at 10k: memspace recall (a handle without an embedder: lexical channel
//     only) vs Orama (@orama/orama, full-text search over an in-memory index of the texts);
//   * vector top-10 at 10k × 384: memspace recall with a query vector and no text (vector
//     channel only) vs a plain Float32Array scan in JS (exact dot products, top 10);
//   * hybrid (lexical + vector, the query embedded by the embed callback) at every size;
//   * remember, one per call: un-indexed (the index write switched off on that handle),
//     lexical only and lexical + 384-d vector, in turns;
//   * a fresh handle on the largest space to its first recall (the runner does this in a new
//     page: recall-cold.js).
// Results go to window.__recall; recall.mjs prints them.
import { Memspace, wasmMemoryBytes } from "memspace";
import { create, insertMultiple, search } from "@orama/orama";

const params = new URLSearchParams(location.search);
const SIZES = (params.get("sizes") ?? "10000,100000").split(",").map(Number);
const SAMPLES = Number(params.get("samples") ?? 200);
const DIMS = 384;
const BATCH = 100;
const tag = params.get("tag") ?? `${Date.now()}`;

// A seeded generator of memory-like sentences (people, companies, topics, preferences).
let seed = 12345;
const rnd = () => ((seed = (Math.imul(seed ^ (seed >>> 15), 2246822519) + 0x6d2b79f5) >>> 0) / 2 ** 32);
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const people = ["Dana", "Lee", "Priya", "Marco", "Yuki", "Amara", "Tom", "Ines", "Omar", "Sofia", "Kwame", "Lena"];
const orgs = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell", "Soylent", "Cyberdyne"];
const topics = ["renewal", "invoice", "onboarding", "migration", "security review", "pricing", "roadmap", "outage", "hiring", "budget", "contract", "launch"];
const verbs = ["prefers", "asked about", "decided on", "complained about", "approved", "postponed", "owns", "reviewed", "escalated", "forgot"];
const places = ["Porto", "Lisbon", "Berlin", "Osaka", "Nairobi", "Austin", "Toronto", "Lyon"];
const months = ["January", "February", "March", "April", "May", "June", "July", "August"];
function sentence(i) {
  return `${pick(people)} ${pick(verbs)} the ${pick(orgs)} ${pick(topics)} in ${pick(months)} from ${pick(places)}; note ${i}`;
}
function queryText() {
  const shapes = [
    () => `${pick(orgs)} ${pick(topics)}`,
    () => `what did ${pick(people)} say about the ${pick(topics)}`,
    () => `${pick(people)} ${pick(places)} ${pick(months)}`,
    () => `who ${pick(verbs)} the ${pick(orgs)} ${pick(topics)}`,
  ];
  return pick(shapes)();
}

// A deterministic 384-d embedder (feature hashing of lowercase words, unit length): the same
// function embeds memories (through open({ embed })), queries, and the JS scan's data.
function embedOne(text) {
  const v = new Float32Array(DIMS);
  for (const w of text.toLowerCase().split(/[^a-z0-9]+/)) {
    if (!w) continue;
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
    v[(h >>> 0) % DIMS] += 1;
    v[((h >>> 9) >>> 0) % DIMS] += (h & 1) ? 0.5 : -0.5;
  }
  let n = 0;
  for (let i = 0; i < DIMS; i++) n += v[i] * v[i];
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < DIMS; i++) v[i] /= n;
  return v;
}
const embed = async (texts) => texts.map(embedOne);
const embeddingModel = { id: "bench-hash-384", dimensions: DIMS };

function percentiles(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { p50: at(0.5), p95: at(0.95) };
}

async function sample(queries, fn) {
  for (const q of queries) await fn(q); // warm: every query once (both sides), then timed
  const out = [];
  for (let i = 0; i < SAMPLES; i++) {
    const q = queries[i % queries.length];
    const t0 = performance.now();
    await fn(q);
    out.push(performance.now() - t0);
  }
  return percentiles(out);
}

const VECTOR_SAMPLES = Number(params.get("vectorSamples") ?? 1000);

/** `a` and `b` in turns (the order alternating), VECTOR_SAMPLES each after one warm pass of
 * every query: percentiles of each and the median of the per-turn ratio a/b. */
async function paired(queries, a, b) {
  for (const q of queries) {
    await a(q);
    await b(q);
  }
  const ta = [];
  const tb = [];
  const inner = []; // what `a` reports as its own latency (memspace: searchLatencyMs)
  const ratios = [];
  for (let i = 0; i < VECTOR_SAMPLES; i++) {
    const q = queries[i % queries.length];
    let da;
    let db;
    const timeA = async () => {
      const t0 = performance.now();
      const res = await a(q);
      da = performance.now() - t0;
      if (typeof res?.searchLatencyMs === "number") inner.push(res.searchLatencyMs);
    };
    const timeB = async () => {
      const t0 = performance.now();
      await b(q);
      db = performance.now() - t0;
    };
    if (i % 2 === 0) {
      await timeA();
      await timeB();
    } else {
      await timeB();
      await timeA();
    }
    ta.push(da);
    tb.push(db);
    ratios.push(da / Math.max(db, 1e-3));
  }
  return {
    a: percentiles(ta),
    b: percentiles(tb),
    inner: inner.length ? percentiles(inner) : null,
    ratio: percentiles(ratios).p50,
  };
}

/** One readonly IndexedDB get (a transaction of its own) on a small probe database. */
function idbGet(db) {
  return new Promise((resolve, reject) => {
    const req = db.transaction("kv", "readonly").objectStore("kv").get("k");
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openProbe(name) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore("kv").put("v", "k");
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** The plain JS alternative: every vector in one Float32Array, exact dot products, top 10. */
function scanTop10(all, n, q) {
  const topS = new Float64Array(10).fill(-Infinity);
  const topI = new Int32Array(10).fill(-1);
  for (let d = 0; d < n; d++) {
    let s = 0;
    const o = d * DIMS;
    for (let i = 0; i < DIMS; i++) s += all[o + i] * q[i];
    if (s > topS[9]) {
      let j = 9;
      while (j > 0 && topS[j - 1] < s) {
        topS[j] = topS[j - 1];
        topI[j] = topI[j - 1];
        j--;
      }
      topS[j] = s;
      topI[j] = d;
    }
  }
  return topI;
}

const noteOf = (content) => Number(content.slice(content.lastIndexOf(" ") + 1));

async function rememberRate(ms, sp, texts) {
  const t0 = performance.now();
  for (const content of texts) await ms.remember(sp, { content });
  return texts.length / ((performance.now() - t0) / 1000);
}

async function run() {
  const out = { sizes: [], samples: SAMPLES, vectorSamples: VECTOR_SAMPLES, dims: DIMS };
  const queries = Array.from({ length: 50 }, queryText);
  const probe = await openProbe(`recall-probe-${tag}`);

  // Remember one per call, 1,000 each, un-indexed / lexical index / lexical + vector, taking
  // turns 100 memories at a time (so a change in the machine's load falls on all three alike).
  // Un-indexed is the same remember on a handle whose index write is switched off
  // (skipRecallIndexForBenchmarks): same records, same IndexedDB transaction, no index entries.
  {
    const texts = Array.from({ length: 1000 }, (_, i) => sentence(1e9 + i));
    const plain = await Memspace.open({ storage: "indexeddb", name: `recall-rate-plain-${tag}` });
    const spP = (await plain.createSpace()).id;
    await plain.skipRecallIndexForBenchmarks();
    const lex = await Memspace.open({ storage: "indexeddb", name: `recall-rate-lex-${tag}` });
    const spL = (await lex.createSpace()).id;
    const vec = await Memspace.open({ storage: "indexeddb", name: `recall-rate-vec-${tag}`, embed, embeddingModel });
    const spV = (await vec.createSpace()).id;
    const spent = [0, 0, 0];
    const TURN = 100;
    for (let i = 0; i < texts.length; i += TURN) {
      const chunk = texts.slice(i, i + TURN);
      spent[0] += chunk.length / (await rememberRate(plain, spP, chunk));
      spent[1] += chunk.length / (await rememberRate(lex, spL, chunk));
      spent[2] += chunk.length / (await rememberRate(vec, spV, chunk));
    }
    out.rememberPlain = texts.length / spent[0];
    out.rememberLexical = texts.length / spent[1];
    out.rememberVector = texts.length / spent[2];
    plain.close();
    lex.close();
    vec.close();
  }

  for (const n of SIZES) {
    const name = `recall-${n}-${tag}`;
    const texts = Array.from({ length: n }, (_, i) => sentence(i));
    const ms = await Memspace.open({ storage: "indexeddb", name, embed, embeddingModel });
    const sp = (await ms.createSpace()).id;
    const t0 = performance.now();
    for (let i = 0; i < n; i += BATCH) {
      const ops = texts.slice(i, i + BATCH).map((content) => ({ op: "create", content }));
      await ms.batchMemories(sp, ops, { atomic: true });
    }
    const seedMs = performance.now() - t0;
    const r = { n, seedMs, name, sp };

    // Hybrid: the query text through both channels, the query embedded by the callback.
    r.hybrid = await sample(queries, (q) => ms.recall(sp, { query: q, limit: 10 }));

    if (n === SIZES[0]) {
      // Lexical only: a second handle on the same database without an embedder.
      const lex = await Memspace.open({ storage: "indexeddb", name });
      r.lexical = await sample(queries, (q) => lex.recall(sp, { query: q, limit: 10 }));
      lex.close();

      const t1 = performance.now();
      const orama = create({ schema: { content: "string" } });
      await insertMultiple(orama, texts.map((content, i) => ({ id: String(i), content })), 1000);
      r.oramaBuildMs = performance.now() - t1;
      r.orama = await sample(queries, (q) => search(orama, { term: q, limit: 10 }));

      // Vector only (a query vector and no text) against the JS scan, taking turns query by
      // query (so a change in the machine's load falls on both), VECTOR_SAMPLES of each.
      const qv = new Map(queries.map((q) => [q, embedOne(q)]));
      const all = new Float32Array(n * DIMS);
      texts.forEach((t, i) => all.set(embedOne(t), i * DIMS));
      const pair = await paired(
        queries,
        (q) => ms.recall(sp, { query: "", embedding: qv.get(q), limit: 10 }),
        (q) => scanTop10(all, n, qv.get(q)),
      );
      r.vector = pair.a;
      r.scan = pair.b;
      r.vectorRatio = pair.ratio;
      r.vectorInner = pair.inner;
      // What one IndexedDB read transaction costs in this page meanwhile (the floor under
      // any recall that must check the store for other tabs' writes).
      r.idbGet = await sample(queries, () => idbGet(probe));
      // How many of the exact top 10 memspace's vector channel returns (int8 scan + rescoring).
      let hit = 0;
      for (const q of queries) {
        const exact = new Set(scanTop10(all, n, qv.get(q)));
        const got = await ms.recall(sp, { query: "", embedding: qv.get(q), limit: 10 });
        for (const m of got.memories) if (exact.has(noteOf(m.content))) hit++;
      }
      r.vectorRecallAt10 = hit / (queries.length * 10);
    }
    r.wasmBytes = wasmMemoryBytes();
    r.jsHeap = performance.memory?.usedJSHeapSize ?? null;
    ms.close();
    out.sizes.push(r);
  }
  return out;
}

run()
  .then((r) => (window.__recall = r))
  .catch((e) => (window.__recall = { failed: String(e?.stack ?? e) }));
