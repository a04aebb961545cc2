// A fresh page on the largest space recall.js seeded: load the package, open the IndexedDB
// database (with the embed callback), first hybrid recall; times from navigation start, and
// the memory held afterwards (WebAssembly memory + JS heap).
const p = new URLSearchParams(location.search);
const DIMS = 384;
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
const t0 = performance.now();
const { Memspace, wasmMemoryBytes } = await import("memspace");
const tLoaded = performance.now();
const ms = await Memspace.open({
  storage: "indexeddb",
  name: p.get("name"),
  embed: async (texts) => texts.map(embedOne),
  embeddingModel: { id: "bench-hash-384", dimensions: DIMS },
});
const tOpen = performance.now();
const r = await ms.recall(p.get("space"), { query: "Acme renewal in Porto", limit: 10 });
const tRecall = performance.now();
const t2 = performance.now();
await ms.recall(p.get("space"), { query: "who approved the Globex invoice", limit: 10 });
const second = performance.now() - t2;
window.__cold = {
  scriptStart: t0,
  loaded: tLoaded,
  open: tOpen,
  firstRecall: tRecall,
  second,
  found: r.memories.length,
  wasmBytes: wasmMemoryBytes(),
  jsHeap: performance.memory?.usedJSHeapSize ?? null,
};
