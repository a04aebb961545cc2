// Where an append's CPU goes in the Worker: starts the Worker in workerd (miniflare) with the V8
// inspector on, samples the isolate's CPU (Profiler domain of the DevTools protocol) while it
// serves N DataRobot appends (post_event), and prints the functions with the most self time
// (JS and wasm, by name) and the share of time outside JS/wasm (V8 "(program)", GC, workerd's
// own C++ reached from JS). Never fails.
//
//   cd edge/cloudflare && node ../../bench/edge/profile.mjs [requests] [path-filter]
//   (after scripts/build-edge.sh; the bench itself is npm run bench:edge)

import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const edge = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../edge/cloudflare");
const require = createRequire(path.join(edge, "package.json"));
const { Miniflare } = require("miniflare");
const WebSocket = require("ws");
const { options, TOKENS } = await import(path.join(edge, "test/workerd-config.mjs"));

const N = Number(process.argv[2] ?? 500);
const PORT = 9229 + Math.floor(Math.random() * 500);

async function main() {
  const mf = new Miniflare({ ...(await options({ sweepSeconds: "3600" })), inspectorPort: PORT });
  try {
    const url = await mf.ready;
    const base = `http://127.0.0.1:${url.port}`;
    const H = { Authorization: `Token ${TOKENS.EDGE_TOKEN_A[0]}`, "Content-Type": "application/json" };
    const call = async (method, p, body) => {
      const r = await fetch(`${base}/api/v2/${p}`, { method, headers: H, body: body === undefined ? undefined : JSON.stringify(body) });
      const t = await r.text();
      if (r.status >= 300) throw new Error(`${method} ${p} → ${r.status} ${t}`);
      return t ? JSON.parse(t) : null;
    };
    const space = await call("POST", "memory/new/", { description: "profile" });
    const ses = await call("POST", `memory/${space.memorySpaceId}/sessions/`, { participants: ["u1"], lifecycleStrategies: [] });
    const events = `memory/${space.memorySpaceId}/sessions/${ses.id}/events/`;
    const post = (i) => call("POST", events, { body: { content: `message ${i}: the quick brown fox jumps over the lazy dog` }, emitter: { type: "user", id: "u1" }, type: "message" });
    for (let i = 0; i < 50; i++) await post(i);

    const targets = await (await fetch(`http://127.0.0.1:${PORT}/json/list`)).json();
    const target = targets.find((t) => /core:user/.test(t.title ?? "") || /core:user/.test(t.id ?? "")) ?? targets[0];
    const ws = new WebSocket(target.webSocketDebuggerUrl ?? `ws://127.0.0.1:${PORT}/${target.id}`);
    await new Promise((res, rej) => (ws.once("open", res), ws.once("error", rej)));
    let seq = 0;
    const pending = new Map();
    ws.on("message", (m) => {
      const msg = JSON.parse(m);
      if (msg.id && pending.has(msg.id)) {
        pending.get(msg.id)(msg);
        pending.delete(msg.id);
      }
    });
    const send = (method, params = {}) =>
      new Promise((res) => {
        const id = ++seq;
        pending.set(id, res);
        ws.send(JSON.stringify({ id, method, params }));
      });
    await send("Profiler.enable");
    await send("Profiler.setSamplingInterval", { interval: 100 });
    await send("Profiler.start");
    for (let i = 0; i < N; i++) await post(1000 + i);
    const { result } = await send("Profiler.stop");
    ws.close();
    report(result.profile);
  } finally {
    await mf.dispose();
  }
}

function report(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
  // Time of a sample = the gap to the next one (timeDeltas[i + 1], µs); busy = not "(idle)".
  let busyUs = 0;
  let idleUs = 0;
  for (let i = 0; i < profile.samples.length - 1; i++) {
    const dt = profile.timeDeltas[i + 1];
    if (byId.get(profile.samples[i]).callFrame.functionName === "(idle)") idleUs += dt;
    else busyUs += dt;
  }
  const self = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, c] of counts) {
    const n = byId.get(id);
    const f = n.callFrame;
    const name = f.functionName || "(anonymous)";
    if (name === "(idle)") {
      idle += c;
      continue;
    }
    total += c;
    const file = f.url ? f.url.split("/").pop() : "";
    const key = `${name}  ${file}${f.url ? `:${f.lineNumber + 1}` : ""}`;
    self.set(key, (self.get(key) ?? 0) + c);
  }
  console.log(`\nCPU profile of ${N} appends (post_event) in the Worker's isolate (Worker + SpaceObject): ${total} busy samples, ${idle} idle`);
  // Wall time between samples, not CPU time: on a loaded machine it includes the time the
  // isolate's thread waited for a core (and the sampler's own overhead), so it is an upper bound.
  console.log(`isolate busy wall time: ${(busyUs / 1000 / N).toFixed(3)} ms per append (${(busyUs / 1000).toFixed(0)} ms busy, ${(idleUs / 1000).toFixed(0)} ms idle; an upper bound of its CPU time: waits for a core and the sampler's overhead included)`);
  console.log("shares of busy samples:");
  const groups = new Map();
  for (const [k, c] of self) {
    const g = /^(wasm-function|js-to-wasm|wasm-to-js)/.test(k) || /\.wasm|[0-9a-f]{8}:1$/.test(k)
      ? "engine (wasm)"
      : /memspace\.js/.test(k)
        ? "wasm-bindgen glue (memspace.js)"
        : /(worker|http|auth|space-object|do-kv|principal-object|directory-object|engine|llm)\.js/.test(k)
          ? "Worker shell (src/*.js)"
          : /^\((program|garbage collector)\)/.test(k)
            ? "V8 (program, GC)"
            : "workerd built-ins (storage, Response, RPC stubs, streams)";
    groups.set(g, (groups.get(g) ?? 0) + c);
  }
  for (const [g, c] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`${((100 * c) / total).toFixed(1).padStart(5)}%  ${g}`);
  console.log("top functions by self time:");
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, 25);
  for (const [k, c] of rows) console.log(`${((100 * c) / total).toFixed(1).padStart(5)}%  ${k}`);
}

main().catch((e) => {
  console.error(`profile: could not complete (${e && e.stack ? e.stack : e}); not a failure`);
});
