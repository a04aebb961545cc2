// bench/browser (recall): memspace recall in headless Chromium on IndexedDB beside Orama
// (lexical) and a plain Float32Array scan (vector), same texts and queries, same run; hybrid at
// every size; remember rates; a fresh page's open → first recall on the largest space. Prints
// a table with each figure beside the target and never fails the build.
// BENCH_RECALL_SIZES (default "10000,100000"), BENCH_RECALL_SAMPLES (default 200).
import { build } from "esbuild";
import { mkdir, copyFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { start } from "../../www/serve.mjs";
import { launch } from "../../test/browser/chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "out", "browser-recall");
const sizes = process.env.BENCH_RECALL_SIZES ?? "10000,100000";
const samples = Number(process.env.BENCH_RECALL_SAMPLES ?? 200);
const ms = (x) => `${x.toFixed(2)} ms`;
const pp = (p) => `${ms(p.p50)} / ${ms(p.p95)}`;
const mb = (b) => (b == null ? "n/a" : `${(b / 2 ** 20).toFixed(1)} MiB`);

async function main() {
  await mkdir(out, { recursive: true });
  for (const entry of ["recall.js", "recall-cold.js"]) {
    await build({ entryPoints: [join(here, entry)], bundle: true, format: "esm", platform: "browser", target: "es2022", outfile: join(out, entry), logLevel: "warning" });
  }
  await copyFile(join(here, "..", "..", "dist", "memspace_bg.wasm"), join(out, "memspace_bg.wasm"));
  await copyFile(join(here, "..", "..", "dist", "memspace_full_bg.wasm"), join(out, "memspace_full_bg.wasm"));
  await writeFile(join(out, "index.html"), '<!doctype html><meta charset="utf-8"><script type="module" src="./recall.js"></script>\n');
  await writeFile(join(out, "cold.html"), '<!doctype html><meta charset="utf-8"><script type="module" src="./recall-cold.js"></script>\n');
  const { server, url } = await start(0, out);
  const browser = await launch();
  try {
    const context = await browser.newContext(); // one profile: the cold page reads the seeded database
    const page = await context.newPage();
    page.setDefaultTimeout(120 * 60 * 1000);
    page.on("pageerror", (e) => console.log(`page error: ${e}`));
    await page.goto(`${url}?sizes=${sizes}&samples=${samples}`);
    const r = await (await page.waitForFunction(() => window.__recall, null, { polling: 1000 })).jsonValue();
    if (r.failed) throw new Error(r.failed);
    await page.close();
    const big = r.sizes[r.sizes.length - 1];
    const cold = await context.newPage();
    cold.setDefaultTimeout(10 * 60 * 1000);
    cold.on("pageerror", (e) => console.log(`cold page error: ${e}`));
    await cold.goto(`${url}cold.html?name=${big.name}&space=${big.sp}`);
    const c = await (await cold.waitForFunction(() => window.__cold, null, { polling: 200 })).jsonValue();

    const small = r.sizes[0];
    console.log(`\nbench/browser recall — headless Chromium, IndexedDB (durability strict), ${r.dims}-d vectors from a feature-hashing embedder (JS callback), top 10; p50 / p95 over ${r.samples} queries\n`);
    console.log("| measure | memspace | alternative (same page) | ratio (p50) | target |");
    console.log("| --- | ---: | ---: | ---: | --- |");
    console.log(`| lexical top-10 at ${small.n} | ${pp(small.lexical)} | Orama 3.1.18 ${pp(small.orama)} | ${(small.lexical.p50 / small.orama.p50).toFixed(2)} | ≤ 0.5× Orama |`);
    console.log(`| vector top-10 at ${small.n} × ${r.dims} (the two in turns, ${r.vectorSamples} each; ratio = median of the per-turn ratios) | ${pp(small.vector)} | Float32Array scan ${pp(small.scan)} | ${small.vectorRatio.toFixed(2)} (of p50s: ${(small.vector.p50 / small.scan.p50).toFixed(2)}) | ≤ 0.5× scan |`);
    if (small.vectorInner) console.log(`| … of which inside the engine (its searchLatencyMs, whole milliseconds) | ${pp(small.vectorInner)} | | | |`);
    console.log(`| one IndexedDB read transaction in this page (probe) | ${pp(small.idbGet)} | | | |`);
    for (const x of r.sizes) console.log(`| hybrid top-10 at ${x.n} (query embedded by the callback) | ${pp(x.hybrid)} | | | ${x.n >= 100000 ? "p50 ≤ 25 ms" : ""} |`);
    const vsPlain = (x) => (x / r.rememberPlain).toFixed(2);
    console.log(`| remember, one per call, lexical index (1,000 each, in turns of 100 with the un-indexed one) | ${r.rememberLexical.toFixed(0)}/s | un-indexed (same remember, index write off) ${r.rememberPlain.toFixed(0)}/s | ${vsPlain(r.rememberLexical)} | ≥ 0.5× un-indexed |`);
    console.log(`| remember, one per call, lexical + ${r.dims}-d vector (embed callback included) | ${r.rememberVector.toFixed(0)}/s | un-indexed ${r.rememberPlain.toFixed(0)}/s | ${vsPlain(r.rememberVector)} | ≥ 0.5× un-indexed |`);
    console.log(`| open ${big.n} memories → first recall, fresh page | ${(c.firstRecall - c.scriptStart).toFixed(1)} ms (package ${(c.loaded - c.scriptStart).toFixed(1)}, open ${(c.open - c.loaded).toFixed(1)}, first recall ${(c.firstRecall - c.open).toFixed(1)}; second ${c.second.toFixed(1)}) | | | report |`);
    console.log(`| memory held after it | wasm ${mb(c.wasmBytes)}, JS heap ${mb(c.jsHeap)} | | | report |`);
    console.log(`\nvector channel vs exact scan at ${small.n}: ${(small.vectorRecallAt10 * 100).toFixed(1)}% of the exact top 10 returned (int8 scan + f32 rescoring). Orama index built in ${(small.oramaBuildMs / 1000).toFixed(2)} s.`);
    for (const x of r.sizes) console.log(`${x.n} memories seeded in ${(x.seedMs / 1000).toFixed(1)} s (atomic batches of 100, embedded + indexed); afterwards wasm ${mb(x.wasmBytes)}, JS heap ${mb(x.jsHeap)}`);
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e) => console.log(`bench/browser recall failed (not fatal): ${e.stack ?? e}`));
