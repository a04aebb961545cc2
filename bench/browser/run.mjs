// bench/browser: one headless Chromium run, raw IndexedDB vs memspace side by side. Prints a
// table and never fails the build (errors are printed, exit code stays 0).
import { build } from "esbuild";
import { mkdir, copyFile, writeFile, readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { start } from "../../www/serve.mjs";
import { launch } from "../../test/browser/chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "out", "browser");
const n = Number(process.env.BENCH_N ?? 10000);
const durability = process.env.BENCH_DURABILITY ?? "strict";

const fmt = (x, d = 0) => (typeof x === "number" ? x.toFixed(d) : String(x));
const rate = (ms) => (n / (ms / 1000));

async function main() {
  await mkdir(out, { recursive: true });
  for (const entry of ["bench.js", "cold.js"]) {
    await build({ entryPoints: [join(here, entry)], bundle: true, format: "esm", platform: "browser", target: "es2022", outfile: join(out, entry), logLevel: "warning", splitting: false });
  }
  await copyFile(join(here, "..", "..", "dist", "memspace_bg.wasm"), join(out, "memspace_bg.wasm"));
  await writeFile(join(out, "index.html"), '<!doctype html><meta charset="utf-8"><script type="module" src="./bench.js"></script>\n');
  await writeFile(join(out, "cold.html"), '<!doctype html><meta charset="utf-8"><script type="module" src="./cold.js"></script>\n');
  const wasm = await readFile(join(out, "memspace_bg.wasm"));

  const { server, url } = await start(0, out);
  const browser = await launch();
  try {
    const context = await browser.newContext(); // one profile: the cold pages read the bench's data
    const page = await context.newPage();
    page.setDefaultTimeout(30 * 60 * 1000);
    await page.goto(`${url}?n=${n}&durability=${durability}`);
    const r = await (await page.waitForFunction(() => window.__bench)).jsonValue();
    if (r.failed) throw new Error(r.failed);
    const colds = [];
    for (let i = 0; i < 5; i++) {
      const cold = await context.newPage();
      cold.on("pageerror", (e) => console.log(`cold page error: ${e}`));
      cold.on("console", (m) => console.log(`cold page: ${m.text()}`));
      await cold.goto(`${url}cold.html?name=${r.coldName}&space=${r.coldSpace}&session=${r.coldSession}`);
      colds.push(await (await cold.waitForFunction(() => window.__cold)).jsonValue());
      await cold.close();
    }
    colds.sort((a, b) => a.firstRead - b.firstRead);
    const cold = colds[2];

    const rows = [
      ["append, one per transaction / call", `${fmt(rate(r.rawSingleMs))} ev/s`, `${fmt(rate(r.msSingleMs))} ev/s`, fmt(r.rawSingleMs / r.msSingleMs, 2), "≥ 0.90×"],
      [`append, batches of ${r.batch}`, `${fmt(rate(r.rawBatchMs))} ev/s`, `${fmt(rate(r.msBatchMs))} ev/s`, fmt(r.rawBatchMs / r.msBatchMs, 2), "≥ 0.80×"],
      [`read last 20 of ${n}, p50`, `${fmt(r.rawRead.p50, 3)} ms`, `${fmt(r.msRead.p50, 3)} ms`, fmt(r.msRead.p50 / r.rawRead.p50, 2), "≤ 1.20× raw"],
      [`read last 20 of ${n}, p95`, `${fmt(r.rawRead.p95, 3)} ms`, `${fmt(r.msRead.p95, 3)} ms`, fmt(r.msRead.p95 / r.rawRead.p95, 2), ""],
    ];
    console.log(`\nbench/browser — headless Chromium, ${n} events of ~${r.bodyBytes} B JSON body, durability "${r.durability}", reads ${r.reads} (reads agree: ${r.readsAgree})\n`);
    console.log("| measure | raw IndexedDB | memspace | ratio | target |");
    console.log("| --- | ---: | ---: | ---: | --- |");
    for (const row of rows) console.log(`| ${row.join(" | ")} |`);
    console.log(`\ncold start (median of 5 fresh pages, ms since navigation): script ${fmt(cold.scriptStart, 1)}, package loaded + wasm instantiated ${fmt(cold.loaded, 1)}, open ${fmt(cold.open, 1)}, first read ${fmt(cold.firstRead, 1)} (load→first read ${fmt(cold.firstRead - cold.scriptStart, 1)})`);
    console.log(`wasm: ${wasm.length} B raw, ${gzipSync(wasm, { level: 9 }).length} B gzip -9 (target ≤ 250 KB gzip)`);
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e) => console.log(`bench/browser failed (not fatal): ${e.stack ?? e}`));
