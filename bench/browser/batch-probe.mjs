// A/B of 200-event batches: runs bench/browser/batch-probe.js in headless Chromium once per
// module, alternating (A, B, A, B, …), each page timing raw IndexedDB and memspace batch by
// batch; prints each page's ratio to raw. Never fails.
//   node bench/browser/batch-probe.mjs <distA> [<distB> …]   (ROUNDS=4 pages per module, N=10000)
//   PROFILE=1|raw node bench/browser/batch-probe.mjs <dist>      a Chromium CPU profile (self time)
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { mkdir, mkdtemp, copyFile, writeFile, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { start } from "../../www/serve.mjs";
import { CHROMIUM, FLAGS } from "../../test/browser/chromium.mjs";
import { selfTimes } from "./profile.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "out", "batch-probe");
const rounds = Number(process.env.ROUNDS ?? 4);
const n = Number(process.env.N ?? 10000);
const dists = process.argv.slice(2).map((d) => resolve(d));
if (!dists.length) dists.push(resolve(here, "..", "..", "dist"));

async function main() {
  await mkdir(out, { recursive: true });
  for (const [i, d] of dists.entries()) {
    if (!existsSync(join(d, "memspace_full.js"))) await writeFile(join(d, "memspace_full.js"), "export default async () => { throw new Error('no full module'); };\n");
    await build({ entryPoints: [join(here, "batch-probe.js")], bundle: true, format: "esm", platform: "browser", target: "es2022", outfile: join(out, `probe${i}.js`), logLevel: "warning", alias: { memspace: join(d, "index.js") } });
    await writeFile(join(out, `probe${i}.html`), `<!doctype html><meta charset="utf-8"><script type="module" src="./probe${i}.js"></script>\n`);
    await copyFile(join(d, "memspace_bg.wasm"), join(out, `m${i}.wasm`));
  }
  const { server, url } = await start(0, out);
  const profile = await mkdtemp(join(tmpdir(), "memspace-batch-probe-"));
  const l0 = loadavg()[0];
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: FLAGS, headless: true });
    if (process.env.PROFILE) {
      const p = await context.newPage();
      p.on("pageerror", (e) => console.log(`page error: ${e}`));
      await p.goto(`${url}probe0.html?wasm=m0.wasm&profile=${process.env.PROFILE}&n=${n}`);
      await p.waitForFunction(() => window.__ready || window.__probe, null, { timeout: 30 * 60 * 1000, polling: 200 });
      const cdp = await context.newCDPSession(p);
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
      await cdp.send("Profiler.start");
      await p.evaluate(() => (window.__go = true));
      const r = await (await p.waitForFunction(() => window.__probe, null, { timeout: 30 * 60 * 1000, polling: 200 })).jsonValue();
      const { profile: prof } = await cdp.send("Profiler.stop");
      await writeFile(join(out, "profile.cpuprofile"), JSON.stringify(prof));
      const { self, total } = selfTimes(prof);
      const ev = r.events;
      console.log(`profile: ${(total / 1000).toFixed(0)} ms sampled over ${ev} events (${((r.msMs * 1000) / ev).toFixed(1)} µs/event wall), load ${l0.toFixed(1)}`);
      for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 50))) console.log(`  ${((100 * t) / total).toFixed(1).padStart(5)}%  ${(t / ev).toFixed(2).padStart(6)} µs/ev  ${k}`);
      await context.close();
      return;
    }
    const ratios = dists.map(() => []);
    for (let r = 0; r < rounds; r++) {
      for (const [i] of dists.entries()) {
        const p = await context.newPage();
        p.on("pageerror", (e) => console.log(`page error: ${e}`));
        await p.goto(`${url}probe${i}.html?wasm=m${i}.wasm&n=${n}`);
        const v = await (await p.waitForFunction(() => window.__probe, null, { timeout: 30 * 60 * 1000, polling: 200 })).jsonValue();
        await p.close();
        if (v.failed) throw new Error(v.failed);
        ratios[i].push(v.ratio);
        const c = v.cut;
        console.log(`  memspace per batch: call→returned (input read) ${c.call.toFixed(2)} ms, call→first write ${c.pre.toFixed(2)} ms, issuing ${v.requests} writes ${c.issue.toFixed(2)} ms (replay from JS: ${c.replayIssue.toFixed(2)} ms), last write→resolved ${c.post.toFixed(2)} ms; raw: call→last write ${c.rawIssue.toFixed(2)} ms, last write→resolved ${c.rawPost.toFixed(2)} ms`);
        console.log(`round ${r} module ${i} (${dists[i]}): raw ${v.rawEvS.toFixed(0)} ev/s, memspace ${v.msEvS.toFixed(0)} ev/s, ${v.ratio.toFixed(3)}× raw (binary keys+values from JS ${v.binRatio.toFixed(3)}×, memspace's ${v.requests} writes replayed from JS ${v.repRatio.toFixed(3)}×), load ${loadavg()[0].toFixed(1)}`);
      }
    }
    const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    for (const [i, d] of dists.entries()) console.log(`module ${i} (${d}): median ${med(ratios[i]).toFixed(3)}× raw over ${rounds} pages [${ratios[i].map((x) => x.toFixed(2)).join(", ")}]`);
    console.log(`load average (1 min): ${l0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`);
    await context.close();
  } finally {
    server.close();
    await rm(profile, { recursive: true, force: true });
  }
}
main().catch((e) => console.log(`batch-probe failed (not fatal): ${e.stack ?? e}`));
