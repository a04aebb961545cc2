// A/B of two builds of the Cloudflare Worker in the same run: starts each edge directory (its
// src/ and build/pkg/, e.g. a checkout of main and the working tree) in its own workerd, then
// alternates short rounds of the same requests against A and B (A B B A …) and prints each
// side's workerd CPU per request and the B/A ratio. On a shared machine the CPU a request costs
// moves with the load; rounds interleaved in one run see the same load, so the ratio is what to
// read. Never fails.
//
//   node bench/edge/ab.mjs <edge dir A> <edge dir B> [rounds] [requests per round]
//   (each dir after scripts/build-edge.sh there; miniflare from this tree's edge/cloudflare)

import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../edge/cloudflare");
const { Miniflare } = createRequire(path.join(here, "package.json"))("miniflare");
const [dirA, dirB] = process.argv.slice(2, 4).map((d) => path.resolve(d));
const ROUNDS = Number(process.argv[4] ?? 6);
const PER = Number(process.argv[5] ?? 200);

/** user+system CPU seconds of one process. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Pids of the workerd processes this process started. */
function workerds() {
  const out = new Set();
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm === "workerd" && ppid === process.pid) out.add(pid);
    } catch {}
  }
  return out;
}

async function start(dir) {
  const before = workerds();
  const { options, TOKENS } = await import(path.join(dir, "test/workerd-config.mjs"));
  // Module names are paths relative to modulesRoot (else to the current directory, which a
  // directory outside this one cannot be reached from).
  const mf = new Miniflare({ ...(await options({ sweepSeconds: "3600" })), modulesRoot: dir });
  const url = await mf.ready;
  const pid = [...workerds()].find((p) => !before.has(p));
  const base = `http://127.0.0.1:${url.port}`;
  const H = { Authorization: `Token ${TOKENS.EDGE_TOKEN_A[0]}`, "Content-Type": "application/json" };
  const call = async (method, p, body) => {
    const r = await fetch(p.startsWith("/") ? `${base}${p}` : `${base}/api/v2/${p}`, { method, headers: H, body: body === undefined ? undefined : JSON.stringify(body) });
    const t = await r.text();
    if (r.status >= 300) throw new Error(`${method} ${p} → ${r.status} ${t}`);
    return t ? JSON.parse(t) : null;
  };
  const space = await call("POST", "memory/new/", { description: "ab" });
  const ses = await call("POST", `memory/${space.memorySpaceId}/sessions/`, { participants: ["u1"], lifecycleStrategies: [] });
  const events = `memory/${space.memorySpaceId}/sessions/${ses.id}/events/`;
  const store = await call("POST", "/v1/memory_stores", { name: "ab" });
  const mems = [];
  for (let i = 0; i < 20; i++) mems.push(await call("POST", `/v1/memory_stores/${store.id}/memories`, { path: `/ab/n-${i}.md`, content: `note ${i}: the quick brown fox` }));
  for (let i = 0; i < 100; i++) await call("POST", "/v1/memories", { content: `fact ${i}: the ${["red", "green", "blue", "amber"][i % 4]} fox number ${i} likes ${["apples", "rivers", "music", "snow"][i % 4]}`, importance: 0.5 });
  const ops = {
    post_event: (i) => call("POST", events, { body: { content: `message ${i}: the quick brown fox jumps over the lazy dog` }, emitter: { type: "user", id: "u1" }, type: "message" }),
    "events(last_n=20)": () => call("GET", `${events}?lastN=20`),
    "memory_store read": (i) => call("GET", `/v1/memory_stores/${store.id}/memories/${mems[i % mems.length].id}`),
    "recall (100 memories)": () => call("POST", "/v1/memories/recall", { query: "which fox likes music", limit: 10 }),
  };
  for (let i = 0; i < 50; i++) await ops.post_event(i);
  return { mf, pid, ops };
}

async function round(side, name) {
  const c0 = cpuSeconds(side.pid);
  for (let i = 0; i < PER; i++) await side.ops[name](i);
  return cpuSeconds(side.pid) - c0;
}

const sides = [];
try {
  sides.push(await start(dirA), await start(dirB));
  const [A, B] = sides;
  const names = Object.keys(A.ops);
  const cpu = Object.fromEntries(names.map((n) => [n, [0, 0]]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const n of names) for (const s of order) cpu[n][s] += await round(sides[s], n);
  }
  console.log(`\nA/B of the Worker, ${ROUNDS} interleaved rounds × ${PER} requests per operation and side, concurrency 1`);
  console.log(`A = ${dirA}\nB = ${dirB}`);
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(" ")} (${cpus().length} cores)`);
  console.log(`${"operation".padEnd(24)} ${"A cpu ms/req".padStart(13)} ${"B cpu ms/req".padStart(13)} ${"B/A".padStart(6)}`);
  for (const n of names) {
    const [a, b] = cpu[n].map((s) => (s * 1000) / (ROUNDS * PER));
    console.log(`${n.padEnd(24)} ${a.toFixed(3).padStart(13)} ${b.toFixed(3).padStart(13)} ${(b / a).toFixed(2).padStart(6)}`);
  }
} catch (e) {
  console.error(`ab: could not complete (${e && e.stack ? e.stack : e}); not a failure`);
} finally {
  for (const s of sides) await s.mf.dispose();
}
