// The plain-JSON reading of event inputs against the field-by-field one in headless Chromium,
// on IndexedDB: test/shared/event-input-cases.js bundled with the built package (dist/).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { build } from "esbuild";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { start } from "../../www/serve.mjs";
import { launch } from "./chromium.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let dir;
let server;
let url;
let browser;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "memspace-event-input-"));
  await writeFile(
    join(dir, "entry.js"),
    `import { Memspace } from "memspace";\nimport { plainJson } from ${JSON.stringify(join(root, "dist/input.js"))};\nimport { check } from ${JSON.stringify(join(root, "test/shared/event-input-cases.js"))};\n` +
      `check(Memspace, { storage: "indexeddb", wasm: new URL("./memspace_bg.wasm", location.href) }, plainJson).then((r) => (window.__done = { ok: r }), (e) => (window.__done = { failed: String(e && e.stack ? e.stack : e) }));\n`,
  );
  await build({ entryPoints: [join(dir, "entry.js")], bundle: true, format: "esm", platform: "browser", target: "es2022", outfile: join(dir, "page.js"), logLevel: "warning", alias: { memspace: join(root, "dist/index.js") } });
  await writeFile(join(dir, "index.html"), '<!doctype html><meta charset="utf-8"><script type="module" src="./page.js"></script>\n');
  await copyFile(join(root, "dist/memspace_bg.wasm"), join(dir, "memspace_bg.wasm"));
  ({ server, url } = await start(0, dir));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("in Chromium on IndexedDB, plain event inputs and inputs read field by field store the same events and refuse with the same errors", async () => {
  const page = await (await browser.newContext()).newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  const r = await (await page.waitForFunction(() => window.__done, null, { timeout: 120_000, polling: 100 })).jsonValue();
  assert.deepEqual(errors, []);
  assert.equal(r.failed, undefined, r.failed);
  assert.ok(r.ok.bodies > 10 && r.ok.refused > 10);
});
