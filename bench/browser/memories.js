// Runs in headless Chromium (bundled by esbuild with the package): remembering memories one
// per call and in atomic batches of 100 with memspace, against raw IndexedDB puts of the
// same records (one per transaction, and 100 per transaction), same durability, same page.
// Then reads by id and a traversal. Results go to window.__memories; memories.mjs prints them.
import { Memspace } from "memspace";

const params = new URLSearchParams(location.search);
const N = Number(params.get("n") ?? 2000);
const BATCH = 100;
const READS = 500;
const DURABILITY = params.get("durability") ?? "strict";
const tag = `${Date.now()}`;
const subtypes = ["preference", "decision", "profile", "entity", "event", "workflow"];

/** A memory like extraction produces: a sentence, a subtype, two tags; every tenth has a logical key. */
function input(i) {
  return {
    content: `the user mentioned fact number ${i}: prefers option ${i % 7} for task ${i % 13}, with some context`,
    subtype: subtypes[i % subtypes.length],
    tags: [`topic-${i % 20}`, "bench"],
    importance: (i % 10) / 10,
    ...(i % 10 === 0 ? { logicalKey: `fact.${i % 100}` } : {}),
  };
}

const req = (r) => new Promise((ok, ko) => ((r.onsuccess = () => ok(r.result)), (r.onerror = () => ko(r.error))));
const done = (tx) => new Promise((ok, ko) => ((tx.oncomplete = ok), (tx.onabort = () => ko(tx.error))));

async function rawOpen(name) {
  const r = indexedDB.open(name, 1);
  r.onupgradeneeded = () => r.result.createObjectStore("memories");
  return req(r);
}

/** The record a minimal app would store for the same memory. */
function record(i) {
  const now = new Date().toISOString();
  return { id: `m${i}`, ...input(i), type: "semantic", status: "active", version: 1, createdAt: now, updatedAt: now, validAt: now };
}

async function rawSingle(db, from) {
  for (let i = from; i < from + N; i++) {
    const tx = db.transaction("memories", "readwrite", { durability: DURABILITY });
    tx.objectStore("memories").put(record(i), `m${i}`);
    await done(tx);
  }
}

async function rawBatched(db, from) {
  for (let i = from; i < from + N; i += BATCH) {
    const tx = db.transaction("memories", "readwrite", { durability: DURABILITY });
    const store = tx.objectStore("memories");
    for (let j = i; j < Math.min(from + N, i + BATCH); j++) store.put(record(j), `m${j}`);
    await done(tx);
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

async function main() {
  const out = { n: N, batch: BATCH, durability: DURABILITY, contentBytes: input(N - 1).content.length };
  const raw = await rawOpen(`raw-mem-${tag}`);
  out.rawSingleMs = await timed(() => rawSingle(raw, 0));
  out.rawBatchMs = await timed(() => rawBatched(raw, N));

  const ms = await Memspace.open({ storage: "indexeddb", name: `ms-mem-${tag}`, durability: DURABILITY });
  const sp = (await ms.createSpace()).id;
  const ids = [];
  out.msSingleMs = await timed(async () => {
    for (let i = 0; i < N; i++) ids.push((await ms.remember(sp, input(i))).memory.id);
  });
  const sp2 = (await ms.createSpace()).id;
  out.msBatchMs = await timed(async () => {
    for (let i = 0; i < N; i += BATCH) {
      const ops = [];
      for (let j = i; j < Math.min(N, i + BATCH); j++) ops.push({ op: "create", ...input(j) });
      const r = await ms.batchMemories(sp2, ops, { atomic: true });
      if (r.successful !== ops.length) throw new Error(`batch failed: ${JSON.stringify(r.results.find((x) => x.error))}`);
    }
  });
  const stats = await ms.memoryStats(sp);
  out.countsAgree = stats.active + stats.superseded === N && (await ms.memoryStats(sp2)).active === stats.active;

  out.rawGet = await sample(READS, (i) => req(raw.transaction("memories").objectStore("memories").get(`m${(i * 7919) % N}`)));
  out.msGet = await sample(READS, (i) => ms.getMemory(sp, ids[(i * 7919) % N]));

  // A graph: each memory links to two others; traversals of depth 2 from random memories.
  const links = Math.min(N, 1000);
  for (let i = 0; i < links; i++) {
    for (const k of [1, 37]) {
      const to = ids[(i + k) % links];
      await ms.associate(sp, ids[i], { targetId: to, relationship: "related_to", strength: 0.5 }).catch(() => {});
    }
  }
  let reached = 0;
  out.msTraverse = await sample(200, async (i) => {
    const t = await ms.traverse(sp, ids[(i * 31) % links], { maxDepth: 2 }).catch(() => null);
    reached += t ? t.nodes.length : 0;
  });
  out.reachedPerTraversal = reached / 210;
  ms.close();
  raw.close();
  return out;
}

main().then((r) => (window.__memories = r), (e) => (window.__memories = { failed: String(e && e.stack ? e.stack : e) }));
