// Bundled (esbuild, Vite) from the installed package and run in headless Chromium on IndexedDB.
// A bundle whose .wasm was not shipped must fail at Memspace.open() with a MemspaceError; one
// shipped without memspace_full_bg.wasm works for events and fails the first memories call.
import { Memspace, MemspaceError } from "memspace";

async function main() {
  let ms;
  try {
    ms = await Memspace.open({ storage: "indexeddb", name: `smoke-${Date.now()}` });
  } catch (e) {
    return { loadError: { memspaceError: e instanceof MemspaceError, code: e.code, message: e.message, wasm: e.details?.wasm } };
  }
  const space = await ms.createSpace();
  const session = await ms.createSession(space.id, { participants: ["u1"] });
  const body = { content: "from a bundle", z: 1, a: 2 };
  await ms.postEvent(space.id, session.id, { body, emitter: { type: "user", id: "u1" } });
  const [ev] = await ms.listEvents(space.id, session.id, { lastN: 20 });
  const err = await ms.getSession(space.id, "ses_missing").catch((e) => e);
  const typo = await ms.listEvents(space.id, session.id, { lastn: 2 }).catch((e) => e);
  // A method of the full module: loads memspace_full_bg.wasm, whose handle sees the space the
  // default module's handle created (the same IndexedDB database, two connections).
  let memory;
  try {
    const r = await ms.remember(space.id, { content: "remembered in a bundle" });
    const listed = await ms.listMemories(space.id);
    memory = { content: r.memory.content, listed: listed.length };
  } catch (e) {
    memory = { fullError: { memspaceError: e instanceof MemspaceError, code: e.code, message: e.message, file: e.details?.file } };
  }
  return {
    memory,
    storage: ms.storage,
    content: ev.body.content,
    keys: Object.keys(ev.body).join(","),
    errorOk: err instanceof MemspaceError && err.code === "not_found",
    typoOk: typo instanceof MemspaceError && typo.code === "validation" && typo.details.field === "query.lastn",
  };
}

main().then((r) => (window.__smoke = r), (e) => (window.__smoke = { failed: String(e && e.stack ? e.stack : e) }));
