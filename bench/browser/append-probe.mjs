// Runs bench/browser/append-probe.js in headless Chromium and prints where a one-event append
// (postEvent, strict durability) spends its time: memspace vs its exact write transaction
// replayed from plain JS on its own connection vs raw IndexedDB. Never fails.
// SPLIT=1: means of each append cut at its platform calls (time-stamping wrappers) instead;
// PROFILE=mem|exact: a Chromium CPU profile of COUNT (1000) appends (self time per function);
// CALLS=1: every JS↔wasm crossing of 100 appends counted by name (exact, load-independent);
// WASM=path: another build of the default module (e.g. one with names kept, for PROFILE).
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { mkdir, mkdtemp, copyFile, writeFile, rm } from "node:fs/promises";
import { tmpdir, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { start } from "../../www/serve.mjs";
import { CHROMIUM, FLAGS } from "../../test/browser/chromium.mjs";
import { selfTimes } from "./profile.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "out", "append-probe");
const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
const count = Number(process.env.COUNT ?? 1000);

async function main() {
  await mkdir(out, { recursive: true });
  await build({ entryPoints: [join(here, "append-probe.js")], bundle: true, format: "esm", platform: "browser", target: "es2022", outfile: join(out, "append-probe.js"), logLevel: "warning" });
  await writeFile(join(out, "index.html"), '<!doctype html><meta charset="utf-8"><script type="module" src="./append-probe.js"></script>\n');
  await copyFile(process.env.WASM ?? join(here, "..", "..", "dist", "memspace_bg.wasm"), join(out, "memspace_bg.wasm"));
  await copyFile(join(here, "..", "..", "dist", "memspace_full_bg.wasm"), join(out, "memspace_full_bg.wasm"));
  const { server, url } = await start(0, out);
  const profile = await mkdtemp(join(tmpdir(), "memspace-append-probe-"));
  const l0 = loadavg()[0];
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: FLAGS, headless: true });
    const p = await context.newPage();
    p.on("pageerror", (e) => console.log(`page error: ${e}`));
    await p.goto(`${url}?rounds=${rounds}&count=${count}${process.env.PROFILE ? `&profile=${process.env.PROFILE}` : ""}${process.env.SPLIT ? "&split=1" : ""}${process.env.SPIN ? `&spin=${process.env.SPIN}` : ""}${process.env.CALLS ? "&calls=1" : ""}`);
    if (process.env.PROFILE) {
      await p.waitForFunction(() => window.__ready || window.__probe, null, { timeout: 30 * 60 * 1000, polling: 200 });
      const cdp = await context.newCDPSession(p);
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
      await cdp.send("Profiler.start");
      await p.evaluate(() => (window.__go = true));
      await p.waitForFunction(() => window.__probe, null, { timeout: 30 * 60 * 1000, polling: 200 });
      const { profile: prof } = await cdp.send("Profiler.stop");
      await writeFile(join(out, `profile-${process.env.PROFILE}.cpuprofile`), JSON.stringify(prof));
      const r = await p.evaluate(() => window.__probe);
      const { self, total } = selfTimes(prof);
      // Busy (non-idle) time and wasm vs JS split.
      const idle = [...self].filter(([k]) => k.startsWith("(idle)") || k.startsWith("(program)")).reduce((a, [, t]) => a + t, 0);
      const wasmT = [...self].filter(([k]) => k.includes("wasm")).reduce((a, [, t]) => a + t, 0);
      console.log(`profile (${process.env.PROFILE}), ${(total / 1000).toFixed(0)} ms sampled over ${r.count} appends (${r.profiled.toFixed(3)} ms each); idle+program ${(idle / r.count).toFixed(0)} µs/append, busy ${((total - idle) / r.count).toFixed(0)} µs/append, of which wasm ${(wasmT / r.count).toFixed(0)} µs`);
      for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 45))) console.log(`  ${((100 * t) / total).toFixed(1).padStart(5)}%  ${(t / r.count).toFixed(1).padStart(6)} µs/append  ${k}`);
      await context.close();
      return;
    }
    const r = await (await p.waitForFunction(() => window.__probe, null, { timeout: 30 * 60 * 1000, polling: 500 })).jsonValue();
    await context.close();
    if (r.failed) throw new Error(r.failed);
    console.log(`append-probe: memspace's write transaction: ${r.info.calls}; transaction(${r.info.transaction.join(", ")}); ${r.info.writes.map((w) => `${w.op}(${w.valueBytes} B, key ${w.keyBytes} B ${w.key})`).join(", ")}`);
    if (process.env.HEAD) console.log(`session head as stored: ${r.info.head}`);
    if (r.calls) {
      const total = Object.values(r.calls).reduce((a, b) => a + b, 0);
      console.log(`JS↔wasm crossings per append (means of 100 postEvent calls): ${total.toFixed(1)}`);
      for (const [k, v] of Object.entries(r.calls)) console.log(`  ${v.toFixed(2).padStart(6)}  ${k}`);
      return;
    }
    if (r.split) {
      for (const [k, v] of Object.entries(r.split)) console.log(`split ${k.padEnd(10)} ${Object.entries(v).map(([a, b]) => `${a} ${(b * 1000).toFixed(0)}`).join(", ")} (µs, means of ${r.appends})`);
      console.log(`load average (1 min): ${l0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`);
      return;
    }
    const base = r.results.rawPut.mean;
    console.log(`${r.rounds} samples of ${r.block} appends per writer, interleaved (ms per append; ratio = raw put's mean ÷ this mean, as the bench's ev/s ratio)`);
    for (const [k, v] of Object.entries(r.results)) console.log(`  ${k.padEnd(11)} mean ${v.mean.toFixed(3)} ms  p50 ${v.p50.toFixed(3)} ms  p95 ${v.p95.toFixed(3)} ms  (${(base / v.mean).toFixed(2)}× raw)`);
    console.log(`memspace − exactParse: ${((r.results.memspace.mean - r.results.exactParse.mean) * 1000).toFixed(0)} µs per append (mean)`);
    console.log(`load average (1 min): ${l0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`);
  } finally {
    server.close();
    await rm(profile, { recursive: true, force: true });
  }
}
main().catch((e) => console.log(`append-probe failed (not fatal): ${e.stack ?? e}`));
