// Drives the www/ demo in headless Chromium: create a space and a session, post messages,
// reload, and find them still there (IndexedDB persistence). Saves test-output/demo.png.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { start } from "../../www/serve.mjs";
import { launch } from "./chromium.mjs";

test("the demo keeps a conversation across a reload", async () => {
  const { server, url } = await start(0);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForSelector("body[data-ready=true]");
    assert.equal(await page.locator("#events li").count(), 0, "a fresh profile starts empty");
    await page.click("#new-space");
    await page.waitForFunction(() => !document.getElementById("new-session").disabled);
    await page.click("#new-session");
    await page.waitForFunction(() => !document.getElementById("send").disabled);
    const messages = ["Plan a trip to Lisbon", "Prefer trains over planes", "Budget is 900 euros"];
    for (const [i, m] of messages.entries()) {
      await page.fill("#message", m);
      await page.click("#send");
      await page.waitForSelector(`#events li[data-seq="${i}"]`);
    }
    const before = await page.locator("#events li .text").allTextContents();
    assert.deepEqual(before, messages);
    const sessionId = await page.textContent("#session");

    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForSelector(`#events li[data-seq="2"]`);
    assert.deepEqual(await page.locator("#events li .text").allTextContents(), messages, "the events survived the reload");
    assert.equal(await page.textContent("#session"), sessionId, "the same session is shown");
    assert.match(await page.textContent("#status"), /storage: indexeddb · 3 events/);
    await mkdir("test-output", { recursive: true });
    await page.screenshot({ path: "test-output/demo.png", fullPage: true });
    assert.deepEqual(errors, []);
    assert.equal(await page.textContent("#error"), "");
  } finally {
    await browser.close();
    server.close();
  }
});
