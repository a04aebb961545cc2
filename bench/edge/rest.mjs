// Bench of the REST surface through the Cloudflare Worker in local workerd, over loopback, with
// a bounded load (a fixed request count per phase, capped in time): a DataRobot append
// (post_event) and lastN read, a MemoryLayer recall (`POST /v1/memories/recall`, once the Worker
// serves it), a memory-store read (`GET /v1/memory_stores/{s}/memories/{m}`), the space read
// (`GET /api/v2/memory/{s}/`: the Durable Object hop with the least engine work), the version
// probe (`GET /api/v2/version/`: answered by the Worker without a Durable Object) and an empty
// Worker in a second workerd (the platform floor: what any request costs here before memspace
// code runs). Prints requests/s, latency percentiles, workerd's CPU time per request and that
// CPU over the floor; never fails.
//
// Run through scripts/bench-edge.sh (npm run bench:edge; it starts and stops workerd). CPU time comes from
// /proc/<workerd>/stat (user+system of the whole workerd process divided by requests served):
// workerd reports cpuTime = 0 to tail workers when it runs locally. The process time includes
// HTTP parsing and miniflare's entry worker, which a deployed Worker is not billed for; the
// empty Worker's CPU, measured right after each phase, is subtracted in the "over floor" column.

import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const edge = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../edge/cloudflare");

const BASE = process.env.EDGE_URL;
const TOKEN = process.env.EDGE_TOKEN_A;
const N = Number(process.env.BENCH_REQUESTS ?? 500); // per phase
const CAP_MS = Number(process.env.BENCH_SECONDS ?? 30) * 1000; // per phase
const H = { Authorization: `Token ${TOKEN}`, "Content-Type": "application/json" };

/** A request to `/api/v2/{path}` (or to `path` itself when it starts with `/`). */
async function call(method, path, body) {
  const url = path.startsWith("/") ? `${BASE}${path}` : `${BASE}/api/v2/${path}`;
  const r = await fetch(url, { method, headers: H, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  if (r.status >= 300) throw Object.assign(new Error(`${method} ${path} → ${r.status} ${text}`), { status: r.status });
  return text ? JSON.parse(text) : null;
}

/** user+system CPU seconds of the workerd processes whose parent is `parent` (default: with-workerd.mjs). */
function workerdCpuSeconds(parent = process.ppid) {
  if (process.platform !== "linux") return null;
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  let found = false;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ppid = Number(f[1]);
    if (comm === "workerd" && ppid === parent) {
      total += (Number(f[11]) + Number(f[12])) / tick; // utime, stime
      found = true;
    }
  }
  return found ? total : null;
}

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function phase(name, concurrency, op, parent = process.ppid) {
  const lat = [];
  let next = 0;
  let errors = 0;
  const cpu0 = workerdCpuSeconds(parent);
  const t0 = performance.now();
  const worker = async () => {
    while (next < N && performance.now() - t0 < CAP_MS) {
      const i = next++;
      const s = performance.now();
      try {
        await op(i);
        lat.push(performance.now() - s);
      } catch (e) {
        errors++;
        if (errors === 1) console.error(`  first error in ${name}: ${e.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = (performance.now() - t0) / 1000;
  const cpu1 = workerdCpuSeconds(parent);
  lat.sort((a, b) => a - b);
  const done = lat.length;
  const cpuMs = cpu0 !== null && cpu1 !== null && done > 0 ? ((cpu1 - cpu0) * 1000) / done : null;
  return { name, concurrency, done, errors, rps: done / wall, p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99), cpuMs };
}

function row(r) {
  const f = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : "n/a");
  const over = r.cpuMs !== null && Number.isFinite(r.floorMs) ? r.cpuMs - r.floorMs : null;
  return [r.name.padEnd(22), String(r.concurrency).padStart(4), String(r.done).padStart(6), String(r.errors).padStart(4), f(r.rps).padStart(9), f(r.p50, 2).padStart(8), f(r.p95, 2).padStart(8), f(r.p99, 2).padStart(8), (r.cpuMs === null ? "n/a" : f(r.cpuMs, 2)).padStart(10), f(r.floorMs, 2).padStart(6), (over === null ? "n/a" : f(over, 2)).padStart(10)].join(" ");
}

/** A second workerd serving an empty Worker, or null when miniflare cannot be loaded here. */
async function emptyWorker() {
  try {
    const { Miniflare, Log, LogLevel } = createRequire(path.join(edge, "package.json"))("miniflare");
    const mf = new Miniflare({
      modules: true,
      script: 'export default { fetch() { return new Response("ok"); } };',
      compatibilityDate: "2026-04-01",
      cf: false,
      host: "127.0.0.1",
      port: 0,
      log: new Log(LogLevel.WARN),
    });
    const url = await mf.ready;
    const op = async () => {
      const r = await fetch(`http://127.0.0.1:${url.port}/`, { headers: H });
      await r.text();
    };
    for (let i = 0; i < 50; i++) await op();
    return { op, dispose: () => mf.dispose() };
  } catch (e) {
    console.error(`  floor not benched: ${e.message}`);
    return null;
  }
}

try {
  const space = await call("POST", "memory/new/", { description: "bench" });
  const sid = space.memorySpaceId;
  const ses = await call("POST", `memory/${sid}/sessions/`, { participants: ["u1"], lifecycleStrategies: [] });
  const events = `memory/${sid}/sessions/${ses.id}/events/`;
  const post = (i) => call("POST", events, { body: { content: `message ${i}: the quick brown fox jumps over the lazy dog` }, emitter: { type: "user", id: "u1" }, type: "message" });
  const last20 = () => call("GET", `${events}?lastN=20`).then((r) => {
    if (r.items.length !== 20) throw new Error(`lastN=20 returned ${r.items.length}`);
  });
  for (let i = 0; i < 50; i++) await post(i); // warm-up: instantiate the isolate and objects
  await last20();
  const version = () => call("GET", "version/");
  // The space itself: the Worker → Durable Object hop with the least engine work behind it.
  const getSpace = () => call("GET", `memory/${sid}/`);

  // Memory store: one store, 50 memories; the phase reads one of them (full view).
  const store = await call("POST", "/v1/memory_stores", { name: "bench" });
  const mems = [];
  for (let i = 0; i < 50; i++) {
    mems.push(await call("POST", `/v1/memory_stores/${store.id}/memories`, { path: `/bench/note-${i}.md`, content: `note ${i}: the quick brown fox jumps over the lazy dog` }));
  }
  const msRead = (i) => call("GET", `/v1/memory_stores/${store.id}/memories/${mems[i % mems.length].id}`);
  await msRead(0);

  // MemoryLayer recall over 200 memories, if the Worker serves /v1/memories.
  let recall = null;
  try {
    for (let i = 0; i < 200; i++) {
      await call("POST", "/v1/memories", { content: `fact ${i}: the ${["red", "green", "blue", "amber"][i % 4]} fox number ${i} likes ${["apples", "rivers", "music", "snow"][i % 4]}`, importance: 0.5 });
    }
    recall = () => call("POST", "/v1/memories/recall", { query: "which fox likes music", limit: 10 });
    await recall();
  } catch (e) {
    console.error(`  recall not benched: the Worker does not serve MemoryLayer recall here (${e.status ?? e.message})`);
    recall = null;
  }

  // The local platform floor: a Worker that only answers "ok", in a second workerd of the same
  // miniflare build. Its CPU per request is what every request costs here before any memspace
  // code runs (HTTP parsing, miniflare's entry worker and its hop to the user worker) — CPU a
  // deployed Worker is not billed for.
  const floor = await emptyWorker();

  // Each phase is followed by a floor phase (same requests, same concurrency), so the two see
  // the same machine load and the difference is the memspace code's CPU.
  const results = [];
  const measure = async (name, c, op) => {
    const r = await phase(name, c, op);
    r.floorMs = floor ? (await phase("floor", c, floor.op, process.pid)).cpuMs : null;
    results.push(r);
  };
  for (const c of [1, 8]) {
    await measure("version (no object)", c, version);
    await measure("space read (DO hop)", c, getSpace);
    await measure("post_event", c, post);
    await measure("events(last_n=20)", c, last20);
    await measure("memory_store read", c, msRead);
    if (recall) await measure("recall (200 memories)", c, recall);
  }
  console.log(`\nmemspace REST bench — the Worker in workerd (miniflare) on 127.0.0.1: one DataRobot space (its Durable Object), one principal's /v1 object; ${N} requests per phase, cap ${CAP_MS / 1000}s`);
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(" ")} (${cpus().length} cores)`);
  console.log(`${"operation".padEnd(22)} ${"conc".padStart(4)} ${"done".padStart(6)} ${"err".padStart(4)} ${"req/s".padStart(9)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"cpu ms/req".padStart(10)} ${"floor".padStart(6)} ${"over floor".padStart(10)}`);
  for (const r of results) console.log(row(r));
  console.log("cpu ms/req: user+system time of the workerd process per request served (workerd reports cpuTime=0 locally); includes HTTP parsing, miniflare's entry worker and the Worker → Durable Object hop.");
  console.log("floor: the same for an empty Worker in a second workerd of the same build, measured right after the phase with the same requests and concurrency; over floor = cpu ms/req − floor: the CPU of the memspace Worker, its Durable Object and the engine.");
  await floor?.dispose();
  await call("DELETE", `memory/${sid}/`);
  await call("DELETE", `/v1/memory_stores/${store.id}`);
} catch (e) {
  console.error(`bench: could not complete (${e.message}); not a failure`);
}
process.exit(0);
