// Writes the same events into this origin's IndexedDB, raw (`?mode=raw`) or through memspace
// (`?mode=ms`): `n` events of ~300 B in 100 sessions, in batches of 100 per session. run.mjs
// measures the origin's IndexedDB directory on disk afterwards.
import { Memspace } from "memspace";
import { rawOpen, rawBatch, text, emitter, sessionId } from "./raw.js";

const p = new URLSearchParams(location.search);
const N = Number(p.get("n") ?? 10000);
const SESSIONS = 100;
const per = N / SESSIONS;

async function main() {
  if (p.get("mode") === "raw") {
    const db = await rawOpen("bytes");
    for (let s = 0; s < SESSIONS; s++) await rawBatch(db, sessionId(s), 0, per, "strict");
    db.close();
  } else {
    const ms = await Memspace.open({ storage: "indexeddb", name: "bytes" });
    const sp = (await ms.createSpace()).id;
    for (let s = 0; s < SESSIONS; s++) {
      const se = (await ms.createSession(sp, { participants: ["u1"] })).id;
      const eventType = p.get("typed") === "0" ? null : "message";
      const events = Array.from({ length: per }, (_, i) => ({ body: { content: text(i) }, emitter, eventType }));
      await ms.postEvents(sp, se, events);
    }
    ms.close();
  }
  return { n: N };
}

main().then((r) => (window.__bytes = r), (e) => (window.__bytes = { failed: String(e && e.stack ? e.stack : e) }));
