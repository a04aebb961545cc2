// bench/browser: one headless Chromium (one on-disk profile), raw IndexedDB vs memspace side
// by side. Prints every figure beside its target and never fails the build.
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { mkdir, mkdtemp, copyFile, writeFile, readFile, readdir, stat, rm } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { tmpdir, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { start } from "../../www/serve.mjs";
import { CHROMIUM, FLAGS } from "../../test/browser/chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "out", "browser");
const n = Number(process.env.BENCH_N ?? 10000);
const single = Number(process.env.BENCH_SINGLE ?? 2000);
const durability = process.env.BENCH_DURABILITY ?? "strict";
const COLD_RUNS = 7;

const fmt = (x, d = 0) => (typeof x === "number" ? x.toFixed(d) : String(x));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function du(path) {
  let total = 0;
  for (const e of await readdir(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    total += e.isDirectory() ? await du(p) : (await stat(p)).size;
  }
  return total;
}

/** Bytes of one origin's IndexedDB data in the profile. */
async function originBytes(profile, port) {
  const dir = join(profile, "Default", "IndexedDB");
  let total = 0;
  const names = [];
  for (const e of await readdir(dir)) {
    if (e.includes(`_${port}.`) || e.endsWith(`_${port}`)) {
      names.push(e);
      total += (await stat(join(dir, e))).isDirectory() ? await du(join(dir, e)) : (await stat(join(dir, e))).size;
    }
  }
  return { total, names };
}

async function page(context, url, key, timeout = 30 * 60 * 1000) {
  const p = await context.newPage();
  p.on("pageerror", (e) => console.log(`page error (${url}): ${e}`));
  await p.goto(url);
  const v = await (await p.waitForFunction((k) => window[k], key, { timeout })).jsonValue();
  await p.close();
  if (v && v.failed) throw new Error(v.failed);
  return v;
}

async function main() {
  await mkdir(out, { recursive: true });
  for (const entry of ["bench.js", "cold.js", "cold-raw.js", "bytes.js", "reopen.js"]) {
    await build({ entryPoints: [join(here, entry)], bundle: true, format: "esm", platform: "browser", target: "es2022", outfile: join(out, entry), logLevel: "warning", splitting: false });
    await writeFile(join(out, entry.replace(".js", ".html")), `<!doctype html><meta charset="utf-8"><script type="module" src="./${entry}"></script>\n`);
  }
  await copyFile(join(here, "..", "..", "dist", "memspace_bg.wasm"), join(out, "memspace_bg.wasm"));
  await copyFile(join(here, "..", "..", "dist", "memspace_full_bg.wasm"), join(out, "memspace_full_bg.wasm"));
  const wasm = await readFile(join(out, "memspace_bg.wasm"));
  const fullWasm = await readFile(join(out, "memspace_full_bg.wasm"));

  // Three servers = three origins: the speed runs, raw bytes, memspace bytes.
  const servers = [await start(0, out), await start(0, out), await start(0, out)];
  const [main, rawOrigin, msOrigin] = servers.map((s) => s.url);
  const port = (u) => new URL(u).port;
  const profile = await mkdtemp(join(tmpdir(), "memspace-bench-"));
  const launch = () => chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: FLAGS, headless: true });
  try {
    const loadStart = loadavg()[0];
    let context = await launch();
    const r = await page(context, `${main}bench.html?n=${n}&single=${single}&durability=${durability}`, "__bench");
    const c = r.cold;
    const colds = [];
    const rawColds = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      rawColds.push(await page(context, `${main}cold-raw.html?name=${c.rawName}&session=${c.rawSession}&n=${c.n}`, "__cold"));
      colds.push(await page(context, `${main}cold.html?name=${c.name}&space=${c.space}&session=${c.session}`, "__cold"));
    }
    await page(context, `${rawOrigin}bytes.html?mode=raw&n=${n}`, "__bytes");
    await page(context, `${msOrigin}bytes.html?mode=ms&n=${n}`, "__bytes");
    await context.close();
    // Reopen both databases in a fresh browser (LevelDB turns its logs into tables), then measure.
    context = await launch();
    await page(context, `${rawOrigin}reopen.html`, "__reopen");
    await page(context, `${msOrigin}reopen.html`, "__reopen");
    await context.close();
    const rawBytes = await originBytes(profile, port(rawOrigin));
    const msBytes = await originBytes(profile, port(msOrigin));

    const rate = (count, ms) => count / (ms / 1000);
    const cold = {
      imported: median(colds.map((x) => x.imported)),
      open: median(colds.map((x) => x.open)),
      firstRead: median(colds.map((x) => x.firstRead)),
      scriptStart: median(colds.map((x) => x.scriptStart)),
    };
    const rawCold = { open: median(rawColds.map((x) => x.open)), firstRead: median(rawColds.map((x) => x.firstRead)), scriptStart: median(rawColds.map((x) => x.scriptStart)) };
    const gz = gzipSync(wasm, { level: 9 }).length;
    const fullGz = gzipSync(fullWasm, { level: 9 }).length;
    const verdict = (ok) => (ok ? "met" : "MISSED");
    const rows = [
      [`read newest 20 of ${n}, p50`, `${fmt(r.rawRead.p50, 3)} ms`, `${fmt(r.msRead.p50, 3)} ms`, `${fmt(r.msRead.p50 / r.rawRead.p50, 2)}×`, "≤ 1.20×", verdict(r.msRead.p50 / r.rawRead.p50 <= 1.2)],
      [`read newest 20 of ${n}, p95`, `${fmt(r.rawRead.p95, 3)} ms`, `${fmt(r.msRead.p95, 3)} ms`, `${fmt(r.msRead.p95 / r.rawRead.p95, 2)}×`, "", ""],
      [`append one per call (${single}, ${durability})`, `${fmt(rate(single, r.rawSingleMs))} ev/s`, `${fmt(rate(single, r.msSingleMs))} ev/s`, `${fmt(r.rawSingleMs / r.msSingleMs, 2)}×`, "≥ 0.90×", verdict(r.rawSingleMs / r.msSingleMs >= 0.9)],
      [`append 200-event batches into one session (${n})`, `${fmt(rate(n, r.rawBatchMs))} ev/s`, `${fmt(rate(n, r.msBatchMs))} ev/s`, `${fmt(r.rawBatchMs / r.msBatchMs, 2)}×`, "≥ 0.90×", verdict(r.rawBatchMs / r.msBatchMs >= 0.9)],
      ["cold start: navigation → first read (median of 7)", `${fmt(rawCold.firstRead, 1)} ms`, `${fmt(cold.firstRead, 1)} ms`, `${fmt(cold.firstRead / rawCold.firstRead, 2)}×`, "≤ 3×", verdict(cold.firstRead / rawCold.firstRead <= 3)],
      [`on-disk bytes per event (${n} events, 100 sessions)`, `${fmt(rawBytes.total / n)} B`, `${fmt(msBytes.total / n)} B`, `${fmt(msBytes.total / rawBytes.total, 2)}×`, "≤ 1.30×", verdict(msBytes.total / rawBytes.total <= 1.3)],
      ["listSessions of a space with 100 sessions (two pages of 50), p50", `${fmt(r.rawList.p50, 3)} ms`, `${fmt(r.msList.p50, 3)} ms`, `${fmt(r.msList.p50 / r.rawList.p50, 2)}×`, "(no target)", ""],
      ["shipped wasm, gzip level 9 (Node zlib): default module (memspace_bg.wasm, what the default entry loads)", "—", `${gz} B (${fmt(gz / 1024, 1)} KiB)`, "", "≤ 250 KB", verdict(gz <= 250_000)],
      ["shipped wasm, gzip level 9 (Node zlib): full module (memspace_full_bg.wasm, loaded on the first memories/recall/blocks/context/extraction/stores call)", "—", `${fullGz} B (${fmt(fullGz / 1024, 1)} KiB)`, "", "(no target)", ""],
    ];
    console.log(`\nbench/browser — one headless Chromium, on-disk profile, ~${r.bodyBytes} B JSON bodies, durability "${r.durability}", raw reads with ${r.getAllRecords ? "one getAllRecords request" : "getAll (no getAllRecords in this browser)"} (reads agree: ${r.readsAgree})\n`);
    console.log("| measure | raw IndexedDB | memspace | ratio | target | |");
    console.log("| --- | ---: | ---: | ---: | --- | --- |");
    for (const row of rows) console.log(`| ${row.join(" | ")} |`);
    console.log(`\nwhere the time goes — raw IndexedDB with the older three-request pattern (space and head read in the same transaction as the events; on appends also the head put; memspace no longer issues it since the head copy and epoch-trusted spaces): read p50 ${fmt(r.rawCheckedRead.p50, 3)} ms (${fmt(r.rawCheckedRead.p50 / r.rawRead.p50, 2)}× the one-request read); append ${fmt(rate(single, r.rawCheckedMs))} ev/s (${fmt(r.rawSingleMs / r.rawCheckedMs, 2)}× the one-put append)`);
    console.log(`memspace's own read request (same connection, binary key range, count and direction) issued from plain JS, every record's key and value read: p50 ${fmt(r.msExactRead.p50, 3)} ms (${fmt(r.msExactRead.p50 / r.rawRead.p50, 2)}× raw; memspace ${fmt(r.msRead.p50 / r.msExactRead.p50, 2)}× this floor)`);
    console.log(`candidate request patterns, plain JS — reads with the head stored right after the events (one reverse getAllRecords of n + 1): with the space read beside it p50 ${fmt(r.rawHeadAfterSpaceRead.p50, 3)} ms (${fmt(r.rawHeadAfterSpaceRead.p50 / r.rawRead.p50, 2)}×), alone ${fmt(r.rawHeadAfterRead.p50, 3)} ms (${fmt(r.rawHeadAfterRead.p50 / r.rawRead.p50, 2)}×); appends with the event add()ed (the cross-tab check without a head read) and the head put: with the space read ${fmt(rate(single, r.rawSpaceAddMs))} ev/s (${fmt(r.rawSingleMs / r.rawSpaceAddMs, 2)}×), with no read and commit() at once ${fmt(rate(single, r.rawAddOnlyMs))} ev/s (${fmt(r.rawSingleMs / r.rawAddOnlyMs, 2)}×)`);
    console.log(`\ncold start, medians (ms since navigation): raw: script ${fmt(rawCold.scriptStart, 1)}, open ${fmt(rawCold.open, 1)}, first read ${fmt(rawCold.firstRead, 1)}; memspace: script ${fmt(cold.scriptStart, 1)}, imported ${fmt(cold.imported, 1)}, open (incl. fetch + compile + instantiate) ${fmt(cold.open, 1)}, first read ${fmt(cold.firstRead, 1)}`);
    console.log(`on disk: raw ${rawBytes.total} B (${rawBytes.names.join(", ")}), memspace ${msBytes.total} B (${msBytes.names.join(", ")})`);
    console.log(`wasm: default module ${wasm.length} B raw, ${gz} B gzip level 9 (Node zlib); full module ${fullWasm.length} B raw, ${fullGz} B gzip level 9 (Node zlib)`);
    console.log(`load average (1 min): ${fmt(loadStart, 1)} at the start, ${fmt(loadavg()[0], 1)} at the end`);
  } finally {
    for (const s of servers) s.server.close();
    await rm(profile, { recursive: true, force: true });
  }
}

main().catch((e) => console.log(`bench/browser failed (not fatal): ${e.stack ?? e}`));
