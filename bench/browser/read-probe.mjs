// Runs bench/browser/read-probe.js in headless Chromium and prints where a newest-20 read's
// time goes (memspace vs its exact request from plain JS vs raw IndexedDB). Never fails.
// SPLIT=1: means of the read cut at its platform calls (time-stamping wrappers) instead;
// PROFILE=mem|exact: a Chromium CPU profile of 3,000 reads (self time per function);
// CALLS=1: every JS↔wasm crossing of 100 reads counted by name (exact, load-independent);
// WASM=path: another build of the default module (e.g. one with names kept, for PROFILE);
// MISS=1: memspace's reads go round 60 sessions of 40 events, so every read renders its events.
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
const out = join(here, "..", "out", "read-probe");
const rounds = Number(process.env.BENCH_ROUNDS ?? 300);

async function main() {
  await mkdir(out, { recursive: true });
  await build({ entryPoints: [join(here, "read-probe.js")], bundle: true, format: "esm", platform: "browser", target: "es2022", outfile: join(out, "read-probe.js"), logLevel: "warning" });
  await writeFile(join(out, "index.html"), '<!doctype html><meta charset="utf-8"><script type="module" src="./read-probe.js"></script>\n');
  await copyFile(process.env.WASM ?? join(here, "..", "..", "dist", "memspace_bg.wasm"), join(out, "memspace_bg.wasm"));
  await copyFile(join(here, "..", "..", "dist", "memspace_full_bg.wasm"), join(out, "memspace_full_bg.wasm"));
  const { server, url } = await start(0, out);
  const profile = await mkdtemp(join(tmpdir(), "memspace-probe-"));
  const l0 = loadavg()[0];
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: FLAGS, headless: true });
    const p = await context.newPage();
    p.on("pageerror", (e) => console.log(`page error: ${e}`));
    await p.goto(`${url}?rounds=${rounds}${process.env.PROFILE ? `&profile=${process.env.PROFILE}` : ""}${process.env.SPLIT ? "&split=1" : ""}${process.env.CALLS ? "&calls=1" : ""}${process.env.MISS ? "&miss=1" : ""}`);
    if (process.env.PROFILE) {
      await p.waitForFunction(() => window.__ready || window.__probe, null, { timeout: 30 * 60 * 1000, polling: 200 });
      const cdp = await context.newCDPSession(p);
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
      await cdp.send("Profiler.start");
      await p.evaluate(() => (window.__go = true));
      await p.waitForFunction(() => window.__probe, null, { timeout: 30 * 60 * 1000, polling: 200 });
      const { profile: prof } = await cdp.send("Profiler.stop");
      await writeFile(join(out, "profile.cpuprofile"), JSON.stringify(prof));
      const { self, total } = selfTimes(prof);
      console.log(`profile (${process.env.PROFILE}), ${(total / 1000).toFixed(0)} ms sampled, ${JSON.stringify(await p.evaluate(() => window.__probe))}`);
      for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 40))) console.log(`  ${((100 * t) / total).toFixed(1).padStart(5)}%  ${(t / 3000).toFixed(1).padStart(6)} µs/read  ${k}`);
      await context.close();
      return;
    }
    const r = await (await p.waitForFunction(() => window.__probe, null, { timeout: 30 * 60 * 1000, polling: 500 })).jsonValue();
    await context.close();
    if (r.failed) throw new Error(r.failed);
    if (r.calls) {
      const total = Object.values(r.calls).reduce((a, b) => a + b, 0);
      console.log(`JS↔wasm crossings per newest-20 read (means of 100 listEvents calls): ${total.toFixed(1)}`);
      for (const [k, v] of Object.entries(r.calls)) console.log(`  ${v.toFixed(2).padStart(6)}  ${k}`);
      return;
    }
    if (r.split) {
      console.log(`memspace read cut at its platform calls (means, µs): ${Object.entries(r.split.cut).map(([k, v]) => `${k} ${(v * 1000).toFixed(0)}`).join(", ")}`);
      delete r.split.cut;
      for (const [k, v] of Object.entries(r.split)) console.log(`split ${k.padEnd(10)} call→issued ${(v.pre * 1000).toFixed(0)} µs, issued→success ${(v.request * 1000).toFixed(0)} µs, success→resolved ${(v.post * 1000).toFixed(0)} µs (means)`);
      console.log(`load average (1 min): ${l0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`);
      return;
    }
    const base = r.results.raw.p50;
    console.log(`read-probe: newest 20 of 10000, ${rounds} samples of 10 reads each, interleaved; request: ${JSON.stringify(r.info)}; ${r.records} records, ${r.valueBytes} B values; JSON.parse of the result alone ${r.parseUs.toFixed(1)} µs`);
    for (const [k, v] of Object.entries(r.results)) console.log(`  ${k.padEnd(11)} p50 ${v.p50.toFixed(3)} ms  mean ${v.mean.toFixed(3)} ms  p95 ${v.p95.toFixed(3)} ms  (${(v.p50 / base).toFixed(2)}× raw p50)`);
    console.log(`load average (1 min): ${l0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`);
  } finally {
    server.close();
    await rm(profile, { recursive: true, force: true });
  }
}
main().catch((e) => console.log(`read-probe failed (not fatal): ${e.stack ?? e}`));
