// bench/browser (memories): one headless Chromium page, memspace's remember (one per call and
// atomic batches of 100) against raw IndexedDB puts of the same records, get by id, and a
// traversal. Prints a table and never fails the build.
import { build } from "esbuild";
import { mkdir, copyFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { start } from "../../www/serve.mjs";
import { launch } from "../../test/browser/chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "out", "browser-memories");
const n = Number(process.env.BENCH_MEMORIES_N ?? 2000);
const durability = process.env.BENCH_DURABILITY ?? "strict";
const fmt = (x, d = 0) => (typeof x === "number" ? x.toFixed(d) : String(x));
const rate = (ms) => n / (ms / 1000);

async function main() {
  await mkdir(out, { recursive: true });
  await build({ entryPoints: [join(here, "memories.js")], bundle: true, format: "esm", platform: "browser", target: "es2022", outfile: join(out, "memories.js"), logLevel: "warning" });
  await copyFile(join(here, "..", "..", "dist", "memspace_bg.wasm"), join(out, "memspace_bg.wasm"));
  await copyFile(join(here, "..", "..", "dist", "memspace_full_bg.wasm"), join(out, "memspace_full_bg.wasm"));
  await writeFile(join(out, "index.html"), '<!doctype html><meta charset="utf-8"><script type="module" src="./memories.js"></script>\n');
  const { server, url } = await start(0, out);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(30 * 60 * 1000);
    await page.goto(`${url}?n=${n}&durability=${durability}`);
    const r = await (await page.waitForFunction(() => window.__memories)).jsonValue();
    if (r.failed) throw new Error(r.failed);
    console.log(`\nbench/browser memories — headless Chromium, ${n} memories of ~${r.contentBytes} B content, durability "${r.durability}" (counts agree: ${r.countsAgree})\n`);
    console.log("| measure | raw IndexedDB | memspace | memspace / raw |");
    console.log("| --- | ---: | ---: | ---: |");
    console.log(`| remember, one per transaction / call | ${fmt(rate(r.rawSingleMs))} /s | ${fmt(rate(r.msSingleMs))} /s | ${fmt(r.rawSingleMs / r.msSingleMs, 2)}× |`);
    console.log(`| remember, batches of ${r.batch} (atomic) | ${fmt(rate(r.rawBatchMs))} /s | ${fmt(rate(r.msBatchMs))} /s | ${fmt(r.rawBatchMs / r.msBatchMs, 2)}× |`);
    console.log(`| get by id, p50 / p95 | ${fmt(r.rawGet.p50, 3)} / ${fmt(r.rawGet.p95, 3)} ms | ${fmt(r.msGet.p50, 3)} / ${fmt(r.msGet.p95, 3)} ms | ${fmt(r.rawGet.p50 / r.msGet.p50, 2)}× |`);
    console.log(`| traverse depth 2 (2 edges per memory), p50 / p95 | — | ${fmt(r.msTraverse.p50, 3)} / ${fmt(r.msTraverse.p95, 3)} ms (${fmt(r.reachedPerTraversal, 1)} reached) | |`);
    console.log("\nraw IndexedDB stores one plain object per memory and nothing else (no dedup, no supersession, no indexes, no counts); memspace writes the record, its list and dedup index keys and the space's memory head in the same transaction.");
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e) => console.log(`bench/browser memories failed (not fatal): ${e.stack ?? e}`));
