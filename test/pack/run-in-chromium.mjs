// Serves a directory holding index.html + a bundle, loads it in headless Chromium and checks
// the page's window.__smoke result (exit 1 on failure). `--missing-wasm`: the bundle was
// shipped without memspace_bg.wasm, and open() must reject with a MemspaceError naming it.
// `--missing-full-wasm`: shipped without memspace_full_bg.wasm: events work, and the first
// memories call rejects with a MemspaceError naming that file.
import { start } from "../../www/serve.mjs";
import { launch } from "../browser/chromium.mjs";
import { resolve } from "node:path";

const dir = resolve(process.argv[2]);
const missing = process.argv.includes("--missing-wasm");
const missingFull = process.argv.includes("--missing-full-wasm");
const label = process.argv[3] && !process.argv[3].startsWith("--") ? process.argv[3] : "browser bundle";
const { server, url } = await start(0, dir);
const browser = await launch();
try {
  const page = await browser.newPage();
  await page.goto(url);
  const r = await (await page.waitForFunction(() => window.__smoke, null, { timeout: 30_000 })).jsonValue();
  console.log(`${label}:`, JSON.stringify(r));
  const ok = missing
    ? r.loadError?.memspaceError && r.loadError.code === "unsupported" && /memspace_bg\.wasm/.test(r.loadError.message) && /WebAssembly\.Module/.test(r.loadError.message)
    : !r.failed && !r.loadError && r.content === "from a bundle" && r.keys === "content,z,a" && r.errorOk && r.typoOk && r.storage === "indexeddb" &&
      (missingFull
        ? r.memory?.fullError?.memspaceError && r.memory.fullError.code === "unsupported" && r.memory.fullError.file === "memspace_full_bg.wasm" &&
          /memspace_full_bg\.wasm/.test(r.memory.fullError.message) && /fullWasm/.test(r.memory.fullError.message)
        : r.memory?.content === "remembered in a bundle" && r.memory.listed === 1);
  if (!ok) process.exitCode = 1;
} finally {
  await browser.close();
  server.close();
}
