// Drives the www/ playground in headless Chromium (Debian's, through playwright-core): a
// conversation with the scripted agent, each panel, a reload, a second tab, export/import,
// errors, a 390 px layout. Every page fails the test on a console error or an uncaught
// exception. Screenshots go to test-output/playground-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:http";
import { start } from "../../www/serve.mjs";
import { launch } from "./chromium.mjs";

let server;
let url;
let browser;

before(async () => {
  ({ server, url } = await start(0));
  browser = await launch();
  await mkdir("test-output", { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** A fresh profile (its own IndexedDB); `errors` collects console errors and page errors. */
async function profile(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const errors = [];
  const open = async () => {
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(`pageerror: ${e}`));
    page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
    await page.goto(url);
    await page.waitForSelector("body[data-ready=true]");
    await settled(page);
    return page;
  };
  return { context, errors, open };
}

/** Waits until every queued action of the page is done. */
// Polled on a timer, not on animation frames: a background tab (the first of two) gets no frames.
const settled = (page) => page.waitForFunction(() => document.body.dataset.pending === "0", undefined, { polling: 25 });

async function click(page, selector) {
  await page.click(selector);
  await settled(page);
}

async function say(page, text) {
  const before = await page.locator("#events li").count();
  await page.fill("#message", text);
  await click(page, "#send");
  const error = await page.textContent("#error");
  assert.equal(await page.locator("#error").isHidden(), true, `after "${text}": ${error}`);
  await page.waitForFunction((n) => document.querySelectorAll("#events li").length >= n + 2, before);
}

async function tab(page, name) {
  await click(page, `#tabs button[data-tab=${name}]`);
  await page.waitForSelector(`#panel[data-panel=${name}]`);
}

async function noError(page, errors) {
  assert.equal(await page.locator("#error").isHidden(), true, `error line: ${await page.textContent("#error")}`);
  assert.deepEqual(errors, []);
  await nothingPrintsNull(page);
}

/** No text node reads "null" or "undefined" (a missing value appended as text). */
async function nothingPrintsNull(page) {
  const stray = await page.evaluate(() => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const found = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) if (/^(null|undefined)$/.test(n.nodeValue.trim())) found.push(n.parentElement?.outerHTML.slice(0, 120));
    return found;
  });
  assert.deepEqual(stray, [], "text printed from a missing value");
}

async function startConversation(page) {
  await click(page, "#new-space");
  await click(page, "#new-session");
  await page.waitForFunction(() => !document.getElementById("send").disabled);
}

test("a conversation with the scripted agent writes core memory and each turn shows its memory context", async () => {
  const { context, errors, open } = await profile();
  try {
    const page = await open();
    assert.equal(await page.locator("#events li").count(), 0, "a fresh profile starts empty");
    assert.match(await page.textContent("#agent-mode"), /scripted agent/);
    await startConversation(page);
    await say(page, "Hi! My name is Ada.");
    await say(page, "I live in Lisbon and I prefer trains over planes.");
    await say(page, "What is my name?");
    const texts = await page.locator("#events li .text").allTextContents();
    assert.equal(texts.length, 6);
    assert.match(texts[1], /remember: Name: Ada/);
    assert.match(texts[5], /your name: Ada/, "the third answer comes from core memory in the context");

    // The third turn's memory context holds the core block and the recent events, with token counts.
    const third = page.locator("#events li.agent").nth(2);
    await third.locator("details.ctx summary").click();
    const summary = await third.locator("details.ctx summary").textContent();
    const [, used, budget] = summary.match(/memory context: (\d+) \/ (\d+) tokens/);
    assert.ok(Number(used) > 0 && Number(used) <= Number(budget), summary);
    assert.equal(await third.locator("tr[data-kind=user_core]").count(), 1);
    assert.equal(await third.locator("tr[data-kind=events]").count(), 1);
    const rendered = await third.locator("pre.rendered").textContent();
    assert.match(rendered, /Name: Ada/);
    assert.match(rendered, /Lives in Lisbon/);
    // The first turn had nothing in memory yet.
    assert.doesNotMatch(await page.locator("#events li.agent").first().locator("pre.rendered").textContent(), /Name: Ada/);

    // The Memory panel shows the block the agent wrote, with its history.
    await tab(page, "memory");
    const core = page.locator("section.block[data-block=core]");
    assert.equal(await core.locator("textarea").inputValue(), "- Name: Ada\n- Lives in Lisbon");
    assert.match(await core.locator("h3").textContent(), /v2/);
    // A later fact with the same slot replaces the line.
    await say(page, "I moved to Porto.");
    assert.equal(await core.locator("textarea").inputValue(), "- Name: Ada\n- Lives in Porto");
    await page.screenshot({ path: "test-output/playground-chat.png", fullPage: true });
    await noError(page, errors);
  } finally {
    await context.close();
  }
});

test("the conversation's memories: superseded struck through beside the successor, recalled with scores, forget/restore, an association", async () => {
  const { context, errors, open } = await profile();
  try {
    const page = await open();
    await startConversation(page);
    await say(page, "My name is Ada.");
    await say(page, "I live in Lisbon and I prefer trains over planes.");
    await say(page, "I moved to Porto.");
    await say(page, "Remember that my sister Maria visits in June.");
    await tab(page, "memories");
    assert.match(await page.textContent("#memory-stats"), /^4 active · 1 superseded · 0 forgotten/);
    const old = page.locator("#memory-list li[data-status=superseded]");
    assert.equal(await old.locator(".content").textContent(), "Lives in Lisbon");
    assert.equal(await old.locator(".successor").textContent(), "→ replaced by: Lives in Porto");
    assert.match(await old.locator(".content").evaluate((e) => getComputedStyle(e).textDecorationLine), /line-through/);
    assert.match(await old.textContent(), /valid .* → .*superseded/);
    const trains = page.locator("#memory-list li[data-status=active]", { hasText: "Likes trains over planes" });
    assert.match(await trains.textContent(), /semantic\/preference · importance 0\.60 · #about-user/);

    // The recall box: live results, best first, with scores.
    await page.fill("#recall-query", "trains");
    await settled(page);
    await page.waitForSelector("#recall-results[data-query=trains] li");
    const top = page.locator("#recall-results li").first();
    assert.equal(await top.getAttribute("data-source"), "search");
    assert.match(await top.textContent(), /^\d\.\d{3} Likes trains over planes/);
    assert.ok(Number(await top.locator(".score").textContent()) > 0);
    assert.match(await top.locator(".explain").textContent(), /^relevance \d\.\d{3} = lexical #1 \(\d+\.\d{2}\) · .* × importance \d\.\d{2} × recency \d\.\d{2}/);
    assert.match(await page.textContent("#recall-summary"), /found · confidence (strong|moderate|weak) · mode /);

    // A turn about trains: the agent's context recalls that memory (the archival part) with its score.
    await say(page, "Which trains should I book?");
    const turn = page.locator("#events li.agent").last();
    assert.equal(await turn.locator("tr[data-kind=archival]").count(), 1);
    assert.match(await turn.locator(".recalled li").first().textContent(), /^\d\.\d{3} Likes trains over planes/);
    assert.match(await turn.locator(".recalled li .explain").first().textContent(), /lexical #1/, "the recalled memory's explain scores");
    assert.match(await turn.locator(".text").textContent(), /Likes trains over planes/);

    // Forget, then restore.
    const sister = () => page.locator("#memory-list li", { hasText: "my sister Maria" });
    await click(page, '#memory-list li:has-text("my sister Maria") button.forget');
    assert.equal(await sister().getAttribute("data-status"), "forgotten");
    assert.match(await page.textContent("#memory-stats"), /^3 active · 1 superseded · 1 forgotten/);
    await click(page, '#memory-list li:has-text("my sister Maria") button.restore');
    assert.equal(await sister().getAttribute("data-status"), "active");

    // An association between two memories.
    const id = (text) => page.locator("#memory-list li[data-status=active]", { hasText: text }).getAttribute("data-memory");
    await page.selectOption("#assoc-source", await id("Likes trains"));
    await page.selectOption("#assoc-target", await id("Lives in Porto"));
    await page.selectOption("#assoc-relationship", "related_to");
    await click(page, "#assoc-add");
    // Supersession recorded its own edge; the new link is listed beside it.
    assert.deepEqual((await page.locator("#associations li").allTextContents()).sort(), ["Likes trains over planes —related_to (0.50)→ Lives in Porto", "Lives in Porto —supersedes (1.00)→ Lives in Lisbon"]);
    assert.match(await page.textContent("#memory-stats"), / 2 associations/);
    // Recall now also brings the linked memory, saying which result it was reached from.
    const linked = page.locator("#recall-results li[data-source=association]");
    assert.match(await linked.textContent(), /^\d\.\d{3} Lives in Porto/);
    assert.match(await linked.locator(".explain").textContent(), /linked from "Likes trains over planes"$/);
    // The same links as a small graph: one node per linked memory, one arrow per link.
    assert.equal(await page.locator("#assoc-graph circle.node").count(), 3);
    assert.deepEqual((await page.locator("#assoc-graph line.edge").evaluateAll((els) => els.map((e) => e.dataset.relationship))).sort(), ["related_to", "supersedes"]);
    assert.equal(await page.locator("#assoc-graph circle.node.superseded").count(), 1, "Lives in Lisbon, superseded");
    const last = page.locator("#events li.agent").last();
    await last.locator("details.ctx").evaluate((e) => (e.open = true));
    // The whole turn (the chat list scrolls at 70% of the window height; unclip it for the picture).
    await page.evaluate(() => (document.getElementById("events").style.maxHeight = "none"));
    await last.screenshot({ path: "test-output/playground-turn-context.png" });
    await page.evaluate(() => (document.getElementById("events").style.maxHeight = ""));
    await page.screenshot({ path: "test-output/playground-memories.png", fullPage: true });
    await noError(page, errors);
  } finally {
    await context.close();
  }
});

test("lifecycle: an extraction strategy fires, its job runs with the scripted extractor and memories appear; an idle strategy fires after a fast-forward; extraction then soft-delete", async () => {
  const { context, errors, open } = await profile();
  try {
    const page = await open();
    await click(page, "#new-space");
    await tab(page, "lifecycle");
    assert.equal(await page.isChecked("#st-by-agent"), true, "by default the agent writes memories during the turn");
    await page.check("#st-by-extraction");
    await page.fill("#st-extract-n", "4");
    await page.dispatchEvent("#st-extract-n", "change");
    await page.fill("#st-idle-min", "30");
    await page.dispatchEvent("#st-idle-min", "change");
    await click(page, "#new-session");
    assert.match(await page.textContent("#memories-by"), /extraction job/);
    assert.equal(await page.locator(".strategy-list li").count(), 2);
    assert.deepEqual(await page.locator(".strategy-list li").evaluateAll((els) => els.map((e) => e.dataset.fired)), ["false", "false"]);
    await say(page, "My name is Ada.");
    assert.match(await page.locator("#events li.agent .to-extract").last().textContent(), /left to the extraction job: Name: Ada/);
    assert.equal(await page.locator("#jobs li").count(), 0, "two events: nothing fired yet");
    await say(page, "I work at the harbour office.");
    // Four events: the eventCount strategy fired, queued a job, and the page ran it with the scripted extractor.
    await page.waitForSelector(".strategy-list li[data-index='0'][data-fired=true]");
    assert.match(await page.textContent(".strategy-list li[data-index='0']"), /fired .* → job job_/);
    const job = page.locator("#jobs li");
    assert.equal(await job.count(), 1);
    assert.equal(await job.getAttribute("data-status"), "done");
    const jobId = await job.getAttribute("data-job");
    assert.match(await job.locator(".job-stats").textContent(), /^2 extracted · 2 created/);
    assert.match(await page.textContent("#run-report"), /1 claimed, 1 done, .* 2 memories created/);
    assert.equal(await page.locator(".strategy-list li[data-index='1']").getAttribute("data-fired"), "false");
    assert.equal(await page.getAttribute("#session-state", "data-state"), "live");
    await page.screenshot({ path: "test-output/playground-lifecycle-extraction.png", fullPage: true });

    // The memories the job wrote, with its provenance.
    await tab(page, "memories");
    assert.match(await page.textContent("#memory-stats"), /^2 active/);
    const extracted = page.locator("#memory-list li", { hasText: "Works at the harbour office" });
    assert.equal(await extracted.locator(".provenance").getAttribute("data-source"), "extraction");
    assert.match(await extracted.locator(".provenance").textContent(), /^extracted by job job_\S+ from event #2 of session/);
    assert.ok((await extracted.locator(".provenance").textContent()).includes(jobId), "the job that ran");
    await page.screenshot({ path: "test-output/playground-memories-extracted.png", fullPage: true });

    // Fast-forward an hour: the idle strategy fires on the sweep.
    await tab(page, "lifecycle");
    const clockBefore = await page.textContent("#lifecycle-now");
    await click(page, "#ff-hour");
    assert.notEqual(await page.textContent("#lifecycle-now"), clockBefore, "the clock moved");
    assert.match(await page.textContent("#sweep-report"), /1 fired/);
    assert.equal(await page.getAttribute("#session-state", "data-state"), "deleted", "idle for an hour: soft-deleted");
    assert.equal(await page.isDisabled("#send"), true, "a deleted session takes no messages");
    assert.match(await page.textContent("#chat-hint"), /deleted/);
    await page.screenshot({ path: "test-output/playground-lifecycle.png", fullPage: true });

    // Extraction that deletes after: the session is soft-deleted once its job is done.
    await page.check("#st-extract-delete");
    await page.fill("#st-extract-n", "2");
    await page.dispatchEvent("#st-extract-n", "change");
    await click(page, "#new-session");
    assert.equal(await page.getAttribute("#session-state", "data-state"), "live");
    await page.fill("#message", "I live in Lisbon.");
    await click(page, "#send");
    assert.equal(await page.getAttribute("#session-state", "data-state"), "deleted");
    assert.equal(await page.locator("#jobs li").count(), 2);
    const second = page.locator("#jobs li").nth(1);
    assert.equal(await second.getAttribute("data-status"), "done");
    assert.match(await second.locator(".job-stats").textContent(), /^1 extracted · 1 created .* then soft-delete the session \(done\)/);
    assert.match(await page.textContent("#run-report"), /1 session deleted/);
    await tab(page, "memories");
    assert.match(await page.locator("#memory-list li", { hasText: "Lives in Lisbon" }).locator(".provenance").textContent(), /^extracted by job/);
    await noError(page, errors);
  } finally {
    await context.close();
  }
});

test("lifecycle: extract memories now (commitSession) from a live session; asking again with no new events extracts nothing", async () => {
  const { context, errors, open } = await profile();
  try {
    const page = await open();
    await click(page, "#new-space");
    await tab(page, "lifecycle");
    await page.check("#st-by-extraction");
    await page.fill("#st-extract-n", "50");
    await page.dispatchEvent("#st-extract-n", "change");
    await click(page, "#new-session");
    await say(page, "My name is Ada.");
    await say(page, "I prefer green tea and I'm allergic to peanuts.");
    await click(page, "#commit-session");
    assert.match(await page.textContent("#commit-report"), /^last commit: 3 extracted, 3 created, 0 deduplicated, 0 filtered/);
    assert.equal(await page.getAttribute("#session-state", "data-state"), "live", "commitSession leaves the session live");
    assert.equal(await page.locator("#jobs li[data-status=done]").count(), 1);
    assert.match(await page.textContent("#jobs li"), /^done commit job_/);
    await click(page, "#commit-session");
    assert.match(await page.textContent("#commit-report"), /^last commit: 0 extracted, 0 created/);
    await tab(page, "memories");
    assert.match(await page.textContent("#memory-stats"), /^3 active/);
    assert.match(await page.locator("#memory-list li", { hasText: "Allergic to peanuts" }).textContent(), /importance 1\.00/);
    // The agent recalls the extracted memory.
    await say(page, "Can you suggest a snack with peanuts?");
    assert.match(await page.locator("#events li.agent .text").last().textContent(), /Allergic to peanuts/);
    await noError(page, errors);
  } finally {
    await context.close();
  }
});

test("a memory-store edit records a version with its diff, an old version is redacted, the console runs memory-tool commands", async () => {
  const { context, errors, open } = await profile();
  try {
    const page = await open();
    await click(page, "#new-space");
    await tab(page, "store");
    await click(page, "#create-store");
    await page.fill("#new-path", "trips/lisbon.md");
    await page.fill("#new-content", "# Lisbon\n- train on Friday\n");
    await click(page, "#create-entry");
    await page.waitForSelector("#file-tree button.file[data-path='trips/lisbon.md']");
    await page.fill("#entry-content", "# Lisbon\n- train on Saturday\n- hotel near Alfama\n");
    await click(page, "#save-entry");
    assert.deepEqual(await page.locator("#versions li").evaluateAll((els) => els.map((e) => e.dataset.version)), ["2", "1"]);
    await click(page, "#versions li[data-version='2'] button.show-diff");
    const diff = await page.locator("#diff").textContent();
    assert.match(diff, /- - train on Friday/);
    assert.match(diff, /\+ - train on Saturday/);
    assert.match(diff, /\+ - hotel near Alfama/);

    // The current version cannot be redacted (no button); the older one can.
    assert.equal(await page.locator("#versions li[data-version='2'] button.redact").count(), 0);
    await click(page, "#versions li[data-version='1'] button.redact");
    assert.equal(await page.getAttribute("#versions li[data-version='1']", "data-redacted"), "true");

    // Memory-tool console: create a file and view the directory.
    await page.fill("#tool-command", JSON.stringify({ command: "create", path: "/memories/todo.md", file_text: "- pack light\n" }));
    await click(page, "#tool-run");
    await page.fill("#tool-command", JSON.stringify({ command: "view", path: "/memories" }));
    await click(page, "#tool-run");
    const out = await page.locator("#tool-output pre").last().textContent();
    assert.match(out, /todo\.md/);
    assert.match(out, /lisbon\.md/);
    await page.waitForSelector("#file-tree button.file[data-path='todo.md']");
    // A command the tool refuses is its answer to the model, not a page error.
    await page.fill("#tool-command", JSON.stringify({ command: "view", path: "/memories/missing.md" }));
    await click(page, "#tool-run");
    assert.match(await page.locator("#tool-output pre").last().textContent(), /^error: /);
    await page.screenshot({ path: "test-output/playground-store.png", fullPage: true });
    await noError(page, errors);
  } finally {
    await context.close();
  }
});

test("the inspector shows the space's records decoded from IndexedDB with checksums verified", async () => {
  const { context, errors, open } = await profile();
  try {
    const page = await open();
    await startConversation(page);
    await say(page, "My name is Ada.");
    await tab(page, "inspector");
    assert.equal(await page.getAttribute("#verify", "data-problems"), "0");
    for (const table of ["sp", "se", "ev"]) assert.equal(await page.locator(`details.table[data-table=${table}]`).count(), 1, table);
    assert.equal(await page.locator(".record[data-kind=corrupt]").count(), 0);
    const events = page.locator("details.table[data-table=ev]");
    await events.locator("summary").click();
    assert.match(await events.locator("summary").textContent(), /event · 2/);
    const first = events.locator(".record").first();
    assert.match(await first.locator(".key").textContent(), /^ev \/ spc_\S+ \/ ses_\S+ \/ #0/);
    assert.equal(JSON.parse(await first.locator("pre").textContent()).body.content, "My name is Ada.");
    // The memory the turn wrote: its record, decoded, with its logical key and provenance.
    const memories = page.locator("details.table[data-table=mr]");
    await memories.locator("summary").click();
    assert.match(await memories.locator("summary").textContent(), /memory · 1/);
    const memory = JSON.parse(await memories.locator(".record pre").first().textContent());
    assert.equal(memory.content, "Name: Ada");
    assert.equal(memory.logicalKey, "user.name");
    assert.equal(memory.provenance.source, "agent");
    for (const table of ["mh", "mk", "rh"]) assert.equal(await page.locator(`details.table[data-table=${table}]`).count(), 1, table);
    await page.screenshot({ path: "test-output/playground-inspector.png", fullPage: true });
    await noError(page, errors);
  } finally {
    await context.close();
  }
});

test("the inspector shows a record whose bytes were changed on disk as failing its checksum, and verifySpace reports it", async () => {
  const { context, errors, open } = await profile();
  try {
    const page = await open();
    await startConversation(page);
    await say(page, "My name is Ada.");
    // Flip one byte of the first event's JSON, behind the engine's back.
    await page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const req = indexedDB.open("memspace-demo");
          req.onsuccess = () => {
            const db = req.result;
            const store = db.transaction("kv", "readwrite").objectStore("kv");
            const cursor = store.openCursor();
            cursor.onsuccess = () => {
              const c = cursor.result;
              if (!c) return reject(new Error("no event record"));
              const key = new Uint8Array(c.key);
              if (key[0] === 0x65 && key[1] === 0x76 && key[2] === 0) {
                const value = new Uint8Array(c.value);
                value[value.length - 3] ^= 0x20;
                c.update(value);
                c.source.transaction.oncomplete = () => (db.close(), resolve());
                return;
              }
              c.continue();
            };
          };
          req.onerror = () => reject(req.error);
        }),
    );
    await tab(page, "inspector");
    assert.equal(await page.locator(".record[data-kind=corrupt]").count(), 1);
    assert.match(await page.locator(".record[data-kind=corrupt]").textContent(), /^ev \/ .* #0 .*checksum mismatch$/);
    assert.equal(await page.getAttribute("#verify", "data-problems"), "1");
    assert.match(await page.textContent("#verify"), /1 failing their checksum/);
    // Reading the conversation now is a storage error, said in words.
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    await settled(page);
    assert.match(await page.textContent("#error"), /^The browser's storage failed: .*checksum mismatch.*\(storage\)$/);
    await page.screenshot({ path: "test-output/playground-inspector-corrupt.png", fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("a reload keeps everything and a second tab follows changes without a reload", async () => {
  const { context, errors, open } = await profile();
  try {
    const page = await open();
    await startConversation(page);
    await say(page, "My name is Ada.");
    const session = await page.inputValue("#session-select");
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    await settled(page);
    assert.equal(await page.inputValue("#session-select"), session, "the same session is shown");
    assert.deepEqual(await page.locator("#events li .text").allTextContents(), ["My name is Ada.", "Got it, I'll remember: Name: Ada."]);
    assert.match(await page.textContent("#status"), /storage: indexeddb/);

    const second = await open();
    assert.equal(await second.inputValue("#session-select"), session);
    await say(page, "I live in Lisbon.");
    await second.waitForFunction(() => document.querySelectorAll("#events li").length === 4);
    assert.equal(await second.locator("#events li .text").nth(2).textContent(), "I live in Lisbon.");
    // A block edited in the second tab shows in the first.
    await tab(second, "memory");
    await tab(page, "memory");
    await second.fill("section.block[data-block=core] textarea", "- Name: Ada\n- Lives in Lisbon\n- Vegetarian");
    await click(second, "section.block[data-block=core] button.save-block");
    await page.waitForFunction(() => document.querySelector("section.block[data-block=core] textarea")?.value.includes("Vegetarian"));
    // A memory forgotten in the first tab shows forgotten in the second; the clock moved in one moves in both.
    await tab(second, "memories");
    await tab(page, "memories");
    await click(page, '#memory-list li:has-text("Lives in Lisbon") button.forget');
    await second.waitForSelector('#memory-list li[data-status=forgotten]:has-text("Lives in Lisbon")');
    await second.screenshot({ path: "test-output/playground-second-tab.png", fullPage: true });
    await nothingPrintsNull(second);
    await tab(page, "lifecycle");
    await click(page, "#ff-day");
    await second.waitForFunction(() => document.getElementById("clock").textContent.endsWith("(+24 h)"));
    await noError(page, errors);
  } finally {
    await context.close();
  }
});

test("a space exported as a file imports as a new space with its sessions, blocks, memories, links and store", async () => {
  const { context, errors, open } = await profile();
  try {
    const page = await open();
    await startConversation(page);
    await say(page, "My name is Ada.");
    await say(page, "I live in Lisbon and I prefer trains over planes.");
    await say(page, "I moved to Porto.");
    await say(page, "Remember that my sister Maria visits in June.");
    await tab(page, "memories");
    const id = (text) => page.locator("#memory-list li[data-status=active]", { hasText: text }).getAttribute("data-memory");
    await page.selectOption("#assoc-source", await id("Likes trains"));
    await page.selectOption("#assoc-target", await id("my sister Maria"));
    await page.selectOption("#assoc-relationship", "related_to");
    await click(page, "#assoc-add");
    await click(page, '#memory-list li:has-text("Name: Ada") button.forget');
    const stats = await page.textContent("#memory-stats");
    assert.match(stats, /^3 active · 1 superseded · 1 forgotten · 2 associations/);
    const chat = await page.locator("#events li .text").allTextContents();
    await tab(page, "store");
    await click(page, "#create-store");
    await page.fill("#new-path", "notes.md");
    await page.fill("#new-content", "hello");
    await click(page, "#create-entry");
    const original = await page.inputValue("#space-select");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export")]);
    await settled(page);
    const file = `test-output/${download.suggestedFilename()}`;
    await download.saveAs(file);
    await page.setInputFiles("#import-file", file);
    await page.waitForFunction((id) => document.getElementById("space-select").value !== id, original);
    await settled(page);
    assert.equal(await page.locator("#space-select option").count(), 2);
    assert.match(await page.locator("#space-select option:checked").textContent(), /imported/);
    assert.deepEqual(await page.locator("#events li .text").allTextContents(), chat);
    await page.waitForSelector("#file-tree button.file[data-path='notes.md']");
    await tab(page, "memory");
    assert.equal(await page.inputValue("section.block[data-block=core] textarea"), "- Name: Ada\n- Lives in Porto");
    await tab(page, "memories");
    // The memories came along: supersession re-made in order, the forgotten one forgotten, the link re-made.
    assert.equal(await page.textContent("#memory-stats"), stats);
    const old = page.locator("#memory-list li[data-status=superseded]");
    assert.equal(await old.locator(".content").textContent(), "Lives in Lisbon");
    assert.equal(await old.locator(".successor").textContent(), "→ replaced by: Lives in Porto");
    assert.equal(await page.locator("#memory-list li[data-status=forgotten] .content").textContent(), "Name: Ada");
    assert.deepEqual((await page.locator("#associations li").allTextContents()).sort(), ["Likes trains over planes —related_to (0.50)→ my sister Maria visits in June", "Lives in Porto —supersedes (1.00)→ Lives in Lisbon"]);
    await page.screenshot({ path: "test-output/playground-imported.png", fullPage: true });
    // The switcher goes back to the original space and its conversation.
    await page.selectOption("#space-select", original);
    await settled(page);
    assert.equal(await page.locator("#space-select option:checked").textContent(), await page.locator(`#space-select option[value="${original}"]`).textContent());
    assert.doesNotMatch(await page.locator("#space-select option:checked").textContent(), /imported/);
    assert.equal(await page.locator("#events li").count(), chat.length);
    await noError(page, errors);
  } finally {
    await context.close();
  }
});

test("errors are shown in words and cleared by the next action that succeeds; the layout fits 390 px", async () => {
  const { context, errors, open } = await profile({ width: 390, height: 844 });
  try {
    const page = await open();
    await startConversation(page);
    await say(page, `Remember that ${"a very long sentence without end ".repeat(12)}`);
    await tab(page, "store");
    await click(page, "#create-store");
    await page.fill("#new-path", "../escape.md");
    await page.fill("#new-content", "x");
    await click(page, "#create-entry");
    assert.equal(await page.locator("#error").isVisible(), true);
    assert.match(await page.textContent("#error"), /^That input was not accepted: .*\(validation\)$/);
    await page.fill("#new-path", "fine.md");
    await click(page, "#create-entry");
    assert.equal(await page.locator("#error").isHidden(), true, "cleared by the next success");
    await page.screenshot({ path: "test-output/playground-390px.png", fullPage: true });
    for (const name of ["store", "memories", "memory", "lifecycle", "inspector"]) {
      await tab(page, name);
      for (const d of await page.locator("#panel details").all()) await d.evaluate((e) => (e.open = true));
      for (const d of await page.locator("details.ctx").all()) await d.evaluate((e) => (e.open = true));
      await nothingPrintsNull(page);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(overflow, 0, `nothing wider than the screen (${name})`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("with an OpenAI-compatible endpoint entered, the page sends the memory context as the system message and shows the model's answer", async () => {
  // A local server speaking the chat-completions shape: it records what the page sent.
  const requests = [];
  const model = createServer((req, res) => {
    const cors = { "access-control-allow-origin": "*", "access-control-allow-headers": "content-type, authorization" };
    if (req.method === "OPTIONS") return res.writeHead(204, cors).end();
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      requests.push({ url: req.url, authorization: req.headers.authorization, body: JSON.parse(body) });
      res.writeHead(200, { ...cors, "content-type": "application/json" });
      res.end(JSON.stringify({ choices: [{ message: { role: "assistant", content: `model answer ${requests.length}` } }] }));
    });
  });
  await new Promise((r) => model.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${model.address().port}/v1`;
  const { context, errors, open } = await profile();
  try {
    const page = await open();
    await startConversation(page);
    await say(page, "My name is Ada.");
    await page.click(".endpoint summary");
    await page.fill("#endpoint-url", base);
    await page.fill("#endpoint-model", "test-model");
    await page.fill("#endpoint-key", "sk-test");
    await click(page, "#endpoint-form button[type=submit]");
    assert.match(await page.textContent("#agent-mode"), /model: test-model at http:\/\/127\.0\.0\.1/);
    await say(page, "What is my name?");
    assert.equal(await page.locator("#events li.agent .text").last().textContent(), "model answer 1");
    assert.equal(requests.length, 1);
    const [r] = requests;
    assert.equal(r.url, "/v1/chat/completions");
    assert.equal(r.authorization, "Bearer sk-test");
    assert.equal(r.body.model, "test-model");
    assert.equal(r.body.messages[0].role, "system");
    assert.match(r.body.messages[0].content, /Name: Ada/, "the memory context is in the system message");
    assert.deepEqual(r.body.messages[1], { role: "user", content: "What is my name?" });

    // Kept in page storage across a reload; cleared back to the scripted agent.
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    await settled(page);
    assert.equal(await page.inputValue("#endpoint-url"), base);
    await page.click(".endpoint summary");
    await click(page, "#endpoint-clear");
    assert.match(await page.textContent("#agent-mode"), /scripted agent/);
    await say(page, "What is my name?");
    assert.equal(await page.locator("#events li.agent .text").last().textContent(), "You told me your name: Ada.");
    assert.equal(requests.length, 1, "nothing more was sent to the endpoint");

    // An endpoint that cannot be reached is an error in words, cleared by the next success.
    const closed = createServer();
    await new Promise((r) => closed.listen(0, "127.0.0.1", r));
    const closedPort = closed.address().port;
    await new Promise((r) => closed.close(r));
    await page.fill("#endpoint-url", `http://127.0.0.1:${closedPort}/v1`);
    await click(page, "#endpoint-form button[type=submit]");
    await page.fill("#message", "Hello?");
    await click(page, "#send");
    assert.match(await page.textContent("#error"), /Could not reach the model endpoint/);
    await click(page, "#endpoint-clear");
    assert.equal(await page.locator("#error").isHidden(), true);
    assert.deepEqual(errors.filter((e) => !e.includes("ERR_CONNECTION_REFUSED")), [], "only the refused connection was logged");
  } finally {
    await context.close();
    model.close();
  }
});

test("with an endpoint entered, extraction jobs ask that model in JSON mode; an unusable answer keeps the session awaiting extraction until a retry after a fast-forward succeeds", async () => {
  // A chat-completions server: chat turns get a plain answer; extraction (JSON mode) first gets
  // text that is no JSON object, then a memory citing the first event.
  const extraction = [];
  const model = createServer((req, res) => {
    const cors = { "access-control-allow-origin": "*", "access-control-allow-headers": "content-type, authorization" };
    if (req.method === "OPTIONS") return res.writeHead(204, cors).end();
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const request = JSON.parse(body);
      let content = "model answer";
      if (request.response_format?.type === "json_object") {
        extraction.push(request);
        content = extraction.length === 1 ? "Sorry, I cannot help with that." : JSON.stringify({ memories: [{ content: "Enjoys sailing on weekends", category: "preference", importance: 0.7, tags: ["hobby"], sourceEvents: [0] }] });
      }
      res.writeHead(200, { ...cors, "content-type": "application/json" });
      res.end(JSON.stringify({ model: "test-model", choices: [{ message: { role: "assistant", content }, finish_reason: "stop" }], usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 } }));
    });
  });
  await new Promise((r) => model.listen(0, "127.0.0.1", r));
  const { context, errors, open } = await profile();
  try {
    const page = await open();
    await click(page, "#new-space");
    await page.click(".endpoint summary");
    await page.fill("#endpoint-url", `http://127.0.0.1:${model.address().port}/v1`);
    await page.fill("#endpoint-model", "test-model");
    await click(page, "#endpoint-form button[type=submit]");
    await tab(page, "lifecycle");
    await page.check("#st-by-extraction");
    await page.check("#st-extract-delete");
    await page.fill("#st-extract-n", "2");
    await page.dispatchEvent("#st-extract-n", "change");
    await click(page, "#new-session");
    assert.match(await page.textContent(".jobs"), /the endpoint's model \(test-model\)/);
    await page.fill("#message", "I go sailing every weekend.");
    await click(page, "#send");

    // The first answer was unusable: the job waits for a retry, the session is closed but not deleted yet.
    assert.equal(extraction.length, 1);
    assert.equal(extraction[0].model, "test-model");
    assert.match(extraction[0].messages.at(-1).content, /\[0\] user \(visitor\): I go sailing every weekend\./);
    const job = page.locator("#jobs li");
    assert.equal(await job.getAttribute("data-status"), "pending");
    assert.match(await job.locator(".job-error").textContent(), /^last error \(attempt 1\): /);
    assert.match(await page.textContent("#run-report"), /1 retrying/);
    assert.equal(await page.getAttribute("#session-state", "data-state"), "awaiting_extraction");
    assert.match(await page.textContent("#chat-hint"), /extraction job reads it/);
    assert.equal(await page.isDisabled("#send"), true);
    await page.screenshot({ path: "test-output/playground-lifecycle-retry.png", fullPage: true });

    // An hour later the backoff is over: the run retries, the memory appears, the session is deleted.
    await click(page, "#ff-hour");
    assert.equal(extraction.length, 2);
    assert.equal(await job.getAttribute("data-status"), "done");
    assert.match(await job.textContent(), /attempts 2/);
    assert.equal(await page.getAttribute("#session-state", "data-state"), "deleted");
    await tab(page, "memories");
    const memory = page.locator("#memory-list li", { hasText: "Enjoys sailing on weekends" });
    assert.match(await memory.textContent(), /semantic\/preference · importance 0\.70 · #hobby/);
    assert.match(await memory.locator(".provenance").textContent(), /^extracted by job job_\S+ from event #0/);
    await noError(page, errors);
  } finally {
    await context.close();
    model.close();
  }
});
