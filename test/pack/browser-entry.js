// Bundled by esbuild from the installed package and run in headless Chromium (IndexedDB).
import { Memspace, MemspaceError } from "memspace";

async function main() {
  const ms = await Memspace.open({ storage: "indexeddb", name: `smoke-${Date.now()}` });
  const space = await ms.createSpace();
  const session = await ms.createSession(space.id, { participants: ["u1"] });
  await ms.postEvent(space.id, session.id, { body: { content: "from a bundle" }, emitter: { type: "user", id: "u1" } });
  const [ev] = await ms.listEvents(space.id, session.id);
  const err = await ms.getSession(space.id, "ses_missing").catch((e) => e);
  return { storage: ms.storage, content: ev.body.content, errorOk: err instanceof MemspaceError && err.code === "not_found" };
}

main().then((r) => (window.__smoke = r), (e) => (window.__smoke = { failed: String(e) }));
