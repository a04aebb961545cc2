// Serves a directory holding index.html + a bundle, loads it in headless Chromium and prints
// the page's window.__smoke result (exit 1 on failure).
import { start } from "../../www/serve.mjs";
import { launch } from "../browser/chromium.mjs";
import { resolve } from "node:path";

const dir = resolve(process.argv[2]);
const { server, url } = await start(0, dir);
const browser = await launch();
try {
  const page = await browser.newPage();
  await page.goto(url);
  const result = await (await page.waitForFunction(() => window.__smoke, null, { timeout: 30_000 })).jsonValue();
  console.log("browser bundle:", JSON.stringify(result));
  if (result.failed || result.content !== "from a bundle" || !result.errorOk || result.storage !== "indexeddb") process.exitCode = 1;
} finally {
  await browser.close();
  server.close();
}
