// Compares two builds of the npm package in one headless Chromium page: A=<dist dir>
// B=<dist dir> node bench/browser/ab.mjs. Newest-20 reads of raw IndexedDB, A and B are
// sampled in turns (BENCH_ROUNDS × 10 reads each); OP=append: one-event appends instead
// (postEvent vs one raw put per transaction, strict durability unless DURABILITY says);
// OP=batch: 200-event postEvents vs 200 raw puts in one transaction; OP=list: listSessions
// of 100 sessions in two pages of 50 vs one raw getAll per page.
// SHARED=1 (reads): B reads the records A wrote, through a handle of its own on A's database.
// MISS=1 (reads): also rawMiss/aMiss/bMiss, newest-20 reads going round 60 sessions of 40
// events, more than a handle remembers, so no read finds its events' texts rendered already.
// Prints p50/mean and each build's ratio to raw taken in the same run, and the load
// average. Never fails.
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { mkdir, mkdtemp, copyFile, writeFile, rm } from "node:fs/promises";
import { tmpdir, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { start } from "../../www/serve.mjs";
import { CHROMIUM, FLAGS } from "../../test/browser/chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "out", "ab");
const rounds = Number(process.env.BENCH_ROUNDS ?? 300);
const op = process.env.OP ?? "read";

async function main() {
  const dirs = { a: resolve(process.env.A ?? "dist"), b: resolve(process.env.B ?? "dist") };
  await mkdir(out, { recursive: true });
  await build({ entryPoints: [join(here, "ab.js")], bundle: true, format: "esm", platform: "browser", target: "es2022", outfile: join(out, "ab.js"), logLevel: "warning", alias: { "memspace-a": join(dirs.a, "index.js"), "memspace-b": join(dirs.b, "index.js") } });
  await writeFile(join(out, "index.html"), '<!doctype html><meta charset="utf-8"><script type="module" src="./ab.js"></script>\n');
  for (const [k, d] of Object.entries(dirs)) {
    await mkdir(join(out, k), { recursive: true });
    for (const f of ["memspace_bg.wasm", "memspace_full_bg.wasm"]) await copyFile(join(d, f), join(out, k, f));
  }
  const { server, url } = await start(0, out);
  const profile = await mkdtemp(join(tmpdir(), "memspace-ab-"));
  const l0 = loadavg()[0];
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: FLAGS, headless: true });
    const p = await context.newPage();
    p.on("pageerror", (e) => console.log(`page error: ${e}`));
    await p.goto(`${url}?rounds=${rounds}${op !== "read" ? `&op=${op}&durability=${process.env.DURABILITY ?? "strict"}` : ""}${process.env.SHARED ? "&shared=1" : ""}${process.env.MISS ? "&miss=1" : ""}`);
    const r = await (await p.waitForFunction(() => window.__ab, null, { timeout: 30 * 60 * 1000, polling: 500 })).jsonValue();
    await context.close();
    if (r.failed) throw new Error(r.failed);
    const what = { append: `one-event appends (${process.env.DURABILITY ?? "strict"})`, batch: `200-event batches (${process.env.DURABILITY ?? "strict"})`, list: "listSessions, 100 sessions in two pages of 50", read: `newest 20 of 10000${process.env.SHARED || process.env.MISS ? ", B reading A's database" : ""}` }[op];
    console.log(`ab: ${what}, ${rounds} samples of 10 each, interleaved; A=${dirs.a} B=${dirs.b}`);
    for (const [k, v] of Object.entries(r)) console.log(`  ${k.padEnd(4)} p50 ${v.p50.toFixed(3)} ms  mean ${v.mean.toFixed(3)} ms  p95 ${v.p95.toFixed(3)} ms  (${(v.p50 / (k.endsWith("Miss") ? r.rawMiss : r.raw).p50).toFixed(2)}× ${k.endsWith("Miss") ? "rawMiss" : "raw"} p50)`);
    console.log(`  B/A p50 ${(r.b.p50 / r.a.p50).toFixed(3)}, mean ${(r.b.mean / r.a.mean).toFixed(3)}`);
    if (r.rawMiss) console.log(`  misses: A ${(r.aMiss.p50 / r.rawMiss.p50).toFixed(2)}× rawMiss p50, B ${(r.bMiss.p50 / r.rawMiss.p50).toFixed(2)}×; B/A p50 ${(r.bMiss.p50 / r.aMiss.p50).toFixed(3)}, mean ${(r.bMiss.mean / r.aMiss.mean).toFixed(3)}`);
    console.log(`load average (1 min): ${l0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`);
  } finally {
    server.close();
    await rm(profile, { recursive: true, force: true });
  }
}
main().catch((e) => console.log(`ab failed (not fatal): ${e.stack ?? e}`));
