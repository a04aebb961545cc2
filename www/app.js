// The memspace playground: a chat with a local agent whose every turn shows the memory context
// it was given, and panels for what memspace holds (core memory, lifecycle, memory store, the
// raw records). Everything lives in this browser's IndexedDB; other tabs follow along through
// a BroadcastChannel. Bundled by esbuild into www/dist/app.js (npm run demo).
import { Memspace } from "memspace";
import { h, $, when, describe } from "./ui.js";
import { factsIn, scriptedReply, endpointReply, loadEndpoint, saveEndpoint, scriptedExtraction, endpointExtraction } from "./agent.js";
import { renderLifecycle, strategiesFromForm, memoriesByFromForm } from "./panels/lifecycle.js";
import { renderStore } from "./panels/store.js";
import { renderInspector } from "./panels/inspector.js";
import { renderMemory } from "./panels/memory.js";
import { renderMemories, explainText } from "./panels/memories.js";
import { exportSpace, importSpace } from "./transfer.js";

const DB = "memspace-demo";
const USER = "visitor";
const AGENT = "guide";
const KEY = { space: `${DB}.space`, session: `${DB}.session`, clock: `${DB}.clockOffsetMs`, tab: `${DB}.tab` };

// The page's clock: real time plus the fast-forward offset, shared by every tab through localStorage.
let clockOffset = Number(localStorage.getItem(KEY.clock)) || 0;
// Extraction jobs ask this `llm`: the scripted extractor (same rules as the chat), or the
// OpenAI-compatible endpoint when the user entered one.
const llm = (request) => {
  const endpoint = loadEndpoint();
  return endpoint ? endpointExtraction(endpoint, request) : scriptedExtraction(request);
};
const ms = await Memspace.open({ storage: "indexeddb", name: DB, principal: { userId: USER, tenantId: "demo" }, clock: () => Date.now() + clockOffset, llm });
const channel = new BroadcastChannel(DB);

/** What the page shows; `space`/`session` are the records last read. */
const S = { spaces: [], space: null, sessions: [], session: null, goneSession: null, goneState: null, tab: localStorage.getItem(KEY.tab) ?? "memories" };

const ctx = {
  ms,
  DB,
  USER,
  AGENT,
  S,
  now: () => Date.now() + clockOffset,
  act,
  changed,
  /** Moves the shared clock forward and lets lifecycle run (sweep fires due time triggers, then due jobs run). */
  async fastForward(ms_) {
    clockOffset += ms_;
    localStorage.setItem(KEY.clock, String(clockOffset));
    const report = await ms.sweep(1000);
    await runJobs();
    return report;
  },
  runJobs,
  lastRun: () => lastRun,
  extractorName: () => (loadEndpoint() ? `the endpoint's model (${loadEndpoint().model || "gpt-4o-mini"})` : "the scripted extractor"),
};

/** What the page's last runExtraction did (shown in the Lifecycle panel). */
let lastRun = null;

/** Runs the space's due extraction jobs: what a browser app does when it is idle. */
async function runJobs() {
  if (!S.space) return null;
  lastRun = await ms.runExtraction({ spaceId: S.space.id });
  return lastRun;
}

// ---- actions: one at a time, errors shown in words and cleared by the next success ----

let queue = Promise.resolve();
let pending = 0;
function setPending(d) {
  pending += d;
  document.body.dataset.pending = String(pending);
}

/** Runs `fn` after every earlier action; shows its error or clears the error line on success. */
function act(fn) {
  setPending(1);
  const run = queue.then(async () => {
    try {
      await fn();
      $("error").textContent = "";
      $("error").hidden = true;
    } catch (e) {
      console.warn(e);
      $("error").textContent = describe(e);
      $("error").hidden = false;
    } finally {
      setPending(-1);
    }
  });
  queue = run;
  return run;
}

/** After a write: tell the other tabs, then redraw. */
async function changed() {
  channel.postMessage({ spaceId: S.space?.id ?? null, at: Date.now() });
  await refresh();
}

channel.onmessage = () => act(refresh);
addEventListener("storage", (e) => {
  if (e.key === KEY.clock) {
    clockOffset = Number(e.newValue) || 0;
    act(refresh);
  }
});

// ---- loading ----

async function loadState() {
  S.spaces = await ms.listSpaces({ limit: 100 });
  const wanted = localStorage.getItem(KEY.space);
  S.space = S.spaces.find((s) => s.id === wanted) ?? S.spaces.at(-1) ?? null;
  S.sessions = S.space ? await ms.listSessions(S.space.id, { limit: 100 }) : [];
  const wantedSession = localStorage.getItem(KEY.session);
  S.session = S.sessions.find((s) => s.id === wantedSession) ?? null;
  S.goneSession = null;
  S.goneState = null;
  if (!S.session && wantedSession && S.space && wantedSession.startsWith("ses_")) {
    // Not listed: deleted (by the user or by a lifecycle strategy) or of another space.
    try {
      S.session = await ms.getSession(S.space.id, wantedSession);
    } catch (e) {
      if (e.code === "gone") {
        S.goneSession = wantedSession;
        S.goneState = e.details?.state ?? "deleted";
      }
      else if (e.code !== "not_found") throw e;
    }
  }
  if (!S.session && !S.goneSession) S.session = S.sessions.at(-1) ?? null;
}

async function refresh() {
  await loadState();
  renderHeader();
  await renderChat();
  await renderPanel();
}

// ---- header: spaces and sessions switcher, clock, endpoint ----

function renderHeader() {
  const spaceSel = $("space-select");
  spaceSel.replaceChildren(
    ...(S.spaces.length === 0 ? [h("option", { value: "" }, "no space yet")] : []),
    ...S.spaces.map((s) => h("option", { value: s.id, selected: s.id === S.space?.id }, `${s.name ?? s.description ?? "space"} · ${s.id.slice(-6)}`)),
  );
  const sessionSel = $("session-select");
  const options = S.sessions.map((s) => h("option", { value: s.id, selected: s.id === S.session?.id }, `${s.description ?? "session"} · ${s.eventCount} events`));
  if (S.session && !S.sessions.some((s) => s.id === S.session.id)) options.push(h("option", { value: S.session.id, selected: true }, `${S.session.description ?? "session"} (deleted)`));
  if (S.goneSession) options.push(h("option", { value: S.goneSession, selected: true }, S.goneState === "awaiting_extraction" ? "session awaiting extraction" : "deleted session"));
  if (options.length === 0) options.push(h("option", { value: "" }, S.space ? "no session yet" : "—"));
  sessionSel.replaceChildren(...options);
  spaceSel.disabled = S.spaces.length === 0;
  sessionSel.disabled = S.sessions.length === 0 && !S.session;
  $("new-session").disabled = !S.space;
  $("export").disabled = !S.space;
  $("clock").textContent = when(new Date(ctx.now()).toISOString()) + (clockOffset ? ` (+${formatDuration(clockOffset)})` : "");
  const endpoint = loadEndpoint();
  $("agent-mode").textContent = endpoint ? `model: ${endpoint.model || "gpt-4o-mini"} at ${endpoint.baseUrl}` : "scripted agent (offline)";
  $("status").textContent = `storage: ${ms.storage} · database "${DB}"`;
}

function formatDuration(msec) {
  const h_ = Math.round(msec / 3_600_000);
  return h_ >= 48 ? `${Math.round(h_ / 24)} days` : `${h_} h`;
}

// ---- chat ----

function contextView(c) {
  if (!c) return null;
  return h(
    "details",
    { className: "ctx" },
    h("summary", {}, `memory context: ${c.tokens} / ${c.budgetTokens} tokens`, c.snapshot ? ` · blocks ${c.snapshot.reused ? "reused" : "new"} ${c.snapshot.hash.slice(0, 8)}` : ""),
    h(
      "table",
      { className: "parts" },
      h("tr", {}, h("th", {}, "part"), h("th", {}, "tokens"), h("th", {}, "included"), h("th", {}, "omitted")),
      (c.parts ?? []).map((p) => h("tr", { "data-kind": p.kind }, h("td", {}, p.kind), h("td", {}, p.tokens), h("td", {}, p.included), h("td", {}, p.omitted))),
    ),
    (c.archival ?? []).length
      ? h(
          "ol",
          { className: "recalled" },
          c.archival.map((a) => h("li", {}, h("span", { className: "score" }, a.score.toFixed(3)), " ", a.content, a.explain ? h("div", { className: "explain muted" }, a.explain) : null)),
        )
      : null,
    h("pre", { className: "rendered" }, c.rendered || "(empty: nothing in memory yet)"),
  );
}

async function renderChat() {
  const list = $("events");
  const hint = $("chat-hint");
  const canPost = Boolean(S.session) && !S.session.deletedAt;
  $("message").disabled = $("send").disabled = !canPost;
  if (!S.space) {
    hint.textContent = "Create a space to start: a space holds one user's memory.";
    list.replaceChildren();
    return;
  }
  if (S.goneState === "awaiting_extraction") {
    hint.textContent = "This session's extraction strategy fired: it takes no more messages, its extraction job reads it, then it is soft-deleted. Its memories stay in the space; start a new session.";
    list.replaceChildren();
    return;
  }
  if (S.goneSession || S.session?.deletedAt) {
    hint.textContent = "This session was deleted (by you or by its lifecycle strategy). Its memories stay in the space; start a new session.";
    list.replaceChildren();
    return;
  }
  if (!S.session) {
    hint.textContent = "Start a session (a conversation). Lifecycle strategies for it are chosen in the Lifecycle panel.";
    list.replaceChildren();
    return;
  }
  hint.textContent = "";
  const events = await ms.listEvents(S.space.id, S.session.id, { lastN: 100 });
  list.replaceChildren(
    ...events.map((ev) => {
      const body = ev.body && typeof ev.body === "object" ? ev.body : { content: JSON.stringify(ev.body) };
      const who = ev.emitter.type === "user" ? "user" : "agent";
      return h(
        "li",
        { className: `turn ${who}`, "data-seq": ev.sequenceId },
        h("div", { className: "who" }, ev.emitter.id ?? ev.emitter.type, h("span", { className: "seq" }, ` #${ev.sequenceId}`)),
        h("div", { className: "text" }, String(body.content ?? "")),
        body.remembered ? h("div", { className: "remembered" }, "remembered: ", body.remembered.join("; ")) : null,
        body.toExtract ? h("div", { className: "remembered to-extract" }, "left to the extraction job: ", body.toExtract.join("; ")) : null,
        contextView(body.context),
      );
    }),
  );
  list.scrollTop = list.scrollHeight;
}

/** What a turn keeps of its memory context (shown under the reply, also after a reload). */
function summarize(c, explained = new Map()) {
  return {
    tokens: c.tokens,
    budgetTokens: c.budgetTokens,
    snapshot: { hash: c.snapshot.hash, reused: c.snapshot.reused },
    parts: c.parts.map((p) => ({ kind: p.kind, tokens: p.tokens, included: p.included, omitted: p.omitted })),
    archival: c.archival.map((a) => ({ content: a.content, score: a.score, memoryId: a.memoryId, ...(explained.has(a.memoryId) ? { explain: explainText(explained.get(a.memoryId)) } : {}) })),
    rendered: c.rendered,
  };
}

const SLOT = { name: "Name:", home: "Lives in", work: "Works at" };

/** Writes the facts into the user's core block (a fact with a slot replaces the slot's line); retried on conflict. */
async function rememberInCore(spaceId, facts) {
  for (let attempt = 0; ; attempt++) {
    let block = null;
    try {
      block = await ms.getBlock(spaceId, "core");
    } catch (e) {
      if (e.code !== "not_found") throw e;
    }
    let lines = block ? block.content.split("\n").filter((l) => l.trim()) : [];
    for (const f of facts) {
      if (f.key) lines = lines.filter((l) => !l.replace(/^-\s*/, "").startsWith(SLOT[f.key]));
      const line = `- ${f.text}`;
      if (!lines.includes(line)) lines.push(line);
    }
    try {
      return await ms.updateBlock(spaceId, "core", { content: lines.join("\n"), expectedUpdatedAt: block?.updatedAt ?? null, description: "What the user told the agent" });
    } catch (e) {
      if (e.code !== "conflict" || attempt >= 4) throw e;
    }
  }
}

/** One turn: store the message, build the memory context, answer from it, store the answer, remember the facts. */
async function turn(text) {
  const space = S.space;
  const session = S.session;
  const said = await ms.postEvent(space.id, session.id, { body: { content: text }, emitter: { type: "user", id: USER }, eventType: "message" });
  try {
    await answer(space, session, text, said);
  } catch (e) {
    // The message itself fired a strategy that closed the session (soft delete, or extraction
    // that deletes after): the turn ends there, the page shows why.
    if (e.code !== "gone") throw e;
  }
}

/** The agent's half of a turn: context, reply, memories. */
async function answer(space, session, text, said) {  const context = await ms.contextFor(space.id, {
    agentId: AGENT,
    sessionId: session.id,
    budgetTokens: 1500,
    policy: { archivalMode: "auto", archivalLimit: 5, archivalMinScore: 0.1 },
  });
  const facts = factsIn(text);
  const endpoint = loadEndpoint();
  const reply = endpoint ? await endpointReply(endpoint, text, context) : scriptedReply(text, context, facts);
  // Why each recalled memory scored what it did: the same query through recall with explain.
  const explained = new Map();
  if (context.archival.length && context.query) for (const m of (await ms.recall(space.id, { query: context.query, limit: 20, explain: true })).memories) explained.set(m.id, m);
  const body = { content: reply, context: summarize(context, explained) };
  const byAgent = session.metadata?.memoriesBy !== "extraction";
  if (facts.length) body[byAgent ? "remembered" : "toExtract"] = facts.map((f) => f.text);
  await ms.postEvent(space.id, session.id, { body, emitter: { type: "agent", id: AGENT }, eventType: "message" });
  if (facts.length === 0) return;
  // Profile facts (name, home, work) go to core memory, sent every turn; every fact becomes a
  // memory, recalled when relevant. A slot's logical key makes a newer fact supersede the old one.
  const profile = facts.filter((f) => f.key);
  if (profile.length) await rememberInCore(space.id, profile);
  if (!byAgent) return; // the session's extraction job writes the memories
  const provenance = { source: "agent", sessionId: session.id, eventFrom: said.sequenceId, eventTo: said.sequenceId, agentId: AGENT };
  const ops = facts.map((f) => ({
    op: "create",
    content: f.text,
    importance: f.importance,
    tags: ["about-user", ...(f.key ? [f.key] : [])],
    provenance,
    ...(f.subtype ? { subtype: f.subtype } : {}),
    ...(f.key ? { logicalKey: `user.${f.key}` } : {}),
  }));
  const result = await ms.batchMemories(space.id, ops, { atomic: true });
  const failed = result.results.find((r) => r.status === "error");
  if (failed) throw failed.error;
}

// ---- panels ----

const PANELS = { memories: renderMemories, memory: renderMemory, lifecycle: renderLifecycle, store: renderStore, inspector: renderInspector };

async function renderPanel() {
  if (!PANELS[S.tab]) S.tab = "memories";
  for (const b of document.querySelectorAll("#tabs button")) b.setAttribute("aria-selected", String(b.dataset.tab === S.tab));
  const root = $("panel");
  root.dataset.panel = S.tab;
  const content = S.space ? await PANELS[S.tab](ctx) : h("p", { className: "muted" }, "No space yet.");
  root.replaceChildren(content);
}

// ---- wiring ----

$("new-space").onclick = () =>
  act(async () => {
    const n = S.spaces.length + 1;
    const space = await ms.createSpace({ name: `Space ${n}`, description: "playground space" });
    localStorage.setItem(KEY.space, space.id);
    localStorage.removeItem(KEY.session);
    await changed();
  });

$("new-session").onclick = () =>
  act(async () => {
    const session = await ms.createSession(S.space.id, {
      participants: [USER],
      description: `Conversation ${S.sessions.length + 1}`,
      lifecycleStrategies: strategiesFromForm(ctx),
      metadata: { memoriesBy: memoriesByFromForm() },
    });
    localStorage.setItem(KEY.session, session.id);
    await changed();
  });

$("space-select").onchange = (e) =>
  act(async () => {
    localStorage.setItem(KEY.space, e.target.value);
    localStorage.removeItem(KEY.session);
    await refresh();
  });

$("session-select").onchange = (e) =>
  act(async () => {
    localStorage.setItem(KEY.session, e.target.value);
    await refresh();
  });

$("post").onsubmit = (event) => {
  event.preventDefault();
  const text = $("message").value.trim();
  if (!text) return;
  $("message").value = "";
  act(async () => {
    await turn(text);
    await runJobs();
    await changed();
  });
};

for (const b of document.querySelectorAll("#tabs button")) {
  b.onclick = () =>
    act(async () => {
      S.tab = b.dataset.tab;
      localStorage.setItem(KEY.tab, S.tab);
      await renderPanel();
    });
}

$("endpoint-form").onsubmit = (event) => {
  event.preventDefault();
  act(async () => {
    const baseUrl = $("endpoint-url").value.trim();
    if (baseUrl && !/^https?:\/\//.test(baseUrl)) throw new Error("The endpoint address must start with http:// or https://.");
    saveEndpoint(baseUrl ? { baseUrl, model: $("endpoint-model").value.trim(), apiKey: $("endpoint-key").value } : null);
    renderHeader();
  });
};
$("endpoint-clear").onclick = () =>
  act(async () => {
    saveEndpoint(null);
    for (const id of ["endpoint-url", "endpoint-model", "endpoint-key"]) $(id).value = "";
    renderHeader();
  });
{
  const e = loadEndpoint();
  if (e) {
    $("endpoint-url").value = e.baseUrl;
    $("endpoint-model").value = e.model ?? "";
    $("endpoint-key").value = e.apiKey ?? "";
  }
}

$("export").onclick = () =>
  act(async () => {
    const data = await exportSpace(ms, S.space.id, ctx.now());
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
    const a = h("a", { href: URL.createObjectURL(blob), download: `${(S.space.name ?? "space").replace(/\W+/g, "-")}.memspace.json` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  });

$("import-file").onchange = (e) => {
  const file = e.target.files?.[0];
  e.target.value = "";
  if (!file) return;
  act(async () => {
    let data;
    try {
      data = JSON.parse(await file.text());
    } catch {
      throw new Error(`${file.name} is not a memspace export (not JSON).`);
    }
    const space = await importSpace(ms, data);
    localStorage.setItem(KEY.space, space.id);
    localStorage.removeItem(KEY.session);
    await changed();
  });
};

await act(refresh);
document.body.dataset.ready = "true";
