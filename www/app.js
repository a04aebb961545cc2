// The demo page: one space, one session, messages posted and listed, all in IndexedDB.
// Bundled by esbuild into www/dist/app.js (npm run demo).
import { Memspace, MemspaceError } from "memspace";

const $ = (id) => document.getElementById(id);
const ms = await Memspace.open({ storage: "indexeddb", name: "memspace-demo", principal: { userId: "visitor", tenantId: "demo" } });
let space = null;
let session = null;

function show(error) {
  $("error").textContent = error instanceof MemspaceError ? `${error.code} (${error.status}): ${error.message}` : String(error);
}

async function render() {
  $("space").textContent = space ? `${space.id} — ${space.description ?? ""}` : "no space yet";
  $("session").textContent = session ? `${session.id}` : "no session yet";
  $("new-session").disabled = !space;
  $("message").disabled = $("send").disabled = !session;
  const list = $("events");
  list.replaceChildren();
  if (!session) {
    $("status").textContent = `storage: ${ms.storage}`;
    return;
  }
  const events = await ms.listEvents(space.id, session.id, { lastN: 100 });
  for (const ev of events) {
    const li = document.createElement("li");
    li.dataset.seq = String(ev.sequenceId);
    const seq = Object.assign(document.createElement("span"), { className: "seq", textContent: `#${ev.sequenceId}` });
    const who = Object.assign(document.createElement("span"), { className: "who", textContent: ev.emitter.id ?? ev.emitter.type });
    const text = Object.assign(document.createElement("span"), { className: "text", textContent: typeof ev.body === "object" && ev.body && "content" in ev.body ? String(ev.body.content) : JSON.stringify(ev.body) });
    li.append(seq, who, text);
    list.append(li);
  }
  const head = await ms.getSession(space.id, session.id);
  $("status").textContent = `storage: ${ms.storage} · ${head.eventCount} events · version ${head.version} · ~${head.tokenCount} tokens`;
}

async function load() {
  const spaces = await ms.listSpaces();
  space = spaces.at(-1) ?? null;
  session = space ? ((await ms.listSessions(space.id)).at(-1) ?? null) : null;
  await render();
  document.body.dataset.ready = "true";
}

$("new-space").onclick = async () => {
  try {
    space = await ms.createSpace({ description: `demo space ${new Date().toLocaleTimeString()}` });
    session = null;
    await render();
  } catch (e) {
    show(e);
  }
};

$("new-session").onclick = async () => {
  try {
    session = await ms.createSession(space.id, { participants: ["visitor"], description: "demo conversation" });
    await render();
  } catch (e) {
    show(e);
  }
};

$("post").onsubmit = async (event) => {
  event.preventDefault();
  const content = $("message").value.trim();
  if (!content) return;
  try {
    await ms.postEvent(space.id, session.id, { body: { content }, emitter: { type: "user", id: "visitor" }, eventType: "message" });
    $("message").value = "";
    await render();
  } catch (e) {
    show(e);
  }
};

load().catch(show);
