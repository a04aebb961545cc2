// Cold start with raw IndexedDB, measured from navigation start: open the database, read the
// newest 20 events of a known session with one getAllRecords request.
import { rawNewest } from "./raw.js";

const p = new URLSearchParams(location.search);
const t0 = performance.now();
const db = await new Promise((ok, ko) => {
  const r = indexedDB.open(p.get("name"));
  r.onsuccess = () => ok(r.result);
  r.onerror = () => ko(r.error);
});
const tOpen = performance.now();
const events = await rawNewest(db, p.get("session"), 20, Number(p.get("n")));
const tRead = performance.now();
window.__cold = { scriptStart: t0, open: tOpen, firstRead: tRead, events: events.length };
