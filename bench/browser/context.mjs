// bench/browser (context): contextFor p50/p95 at 10k and 100k memories in headless Chromium
// on IndexedDB, beside the raw IndexedDB form of the same reads. Prints a table and never
// fails the build. BENCH_CONTEXT_SIZES (default "10000,100000"), BENCH_CONTEXT_SAMPLES (200).
import { build } from "esbuild";
import { mkdir, copyFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { start } from "../../www/serve.mjs";
import { launch } from "../../test/browser/chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "out", "browser-context");
const sizes = process.env.BENCH_CONTEXT_SIZES ?? "10000,100000";
const samples = Number(process.env.BENCH_CONTEXT_SAMPLES ?? 200);
const ms = (x) => `${x.toFixed(2)} ms`;
const pp = (p) => `${ms(p.p50)} / ${ms(p.p95)}`;

async function main() {
  await mkdir(out, { recursive: true });
  await build({ entryPoints: [join(here, "context.js")], bundle: true, format: "esm", platform: "browser", target: "es2022", outfile: join(out, "context.js"), logLevel: "warning" });
  await copyFile(join(here, "..", "..", "dist", "memspace_bg.wasm"), join(out, "memspace_bg.wasm"));
  await copyFile(join(here, "..", "..", "dist", "memspace_full_bg.wasm"), join(out, "memspace_full_bg.wasm"));
  await writeFile(join(out, "index.html"), '<!doctype html><meta charset="utf-8"><script type="module" src="./context.js"></script>\n');
  const { server, url } = await start(0, out);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(120 * 60 * 1000);
    page.on("pageerror", (e) => console.log(`page error: ${e}`));
    await page.goto(`${url}?sizes=${sizes}&samples=${samples}`);
    const r = await (await page.waitForFunction(() => window.__context, null, { polling: 1000 })).jsonValue();
    if (r.failed) throw new Error(r.failed);
    console.log(`\nbench/browser context — headless Chromium, IndexedDB; 3 core blocks, a 40-event session, budget 4,000 tokens; p50 / p95 over ${r.samples} calls (archival: 100)\n`);
    console.log("| memories | contextFor, tool_only | contextFor, auto archival | first call, fresh handle | raw IndexedDB blocks + events | raw IndexedDB getAll + JS keyword scan | target |");
    console.log("| ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for (const x of r.results) {
      console.log(`| ${x.n} | ${pp(x.toolOnly)} | ${pp(x.auto)} | ${pp(x.fresh)} | ${pp(x.rawCtx)} | ${pp(x.rawArch)} | p50 ≤ 10 ms at 100k |`);
    }
    for (const x of r.results) {
      console.log(`\n${x.n} memories: seeded in ${(x.seedMs / 1000).toFixed(1)} s (atomic batches of 100, recall index included); tool_only context ${x.shape.tokens} tokens (${x.shape.blocks} blocks, ${x.shape.events} events, snapshot reused: ${x.shape.reused}); auto context ${x.autoShape.tokens} tokens with ${x.autoShape.archival} archival matches`);
    }
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e) => console.log(`bench/browser context failed (not fatal): ${e.stack ?? e}`));
