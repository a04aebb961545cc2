// Cold start, measured from navigation start: module load + wasm instantiate (the package's
// top-level await), open the IndexedDB database, first read (last 20 events of a session).
const p = new URLSearchParams(location.search);
const t0 = performance.now();
const { Memspace } = await import("memspace");
const tLoaded = performance.now();
const ms = await Memspace.open({ storage: "indexeddb", name: p.get("name") });
const tOpen = performance.now();
const events = await ms.listEvents(p.get("space"), p.get("session"), { lastN: 20 });
const tRead = performance.now();
window.__cold = { scriptStart: t0, loaded: tLoaded, open: tOpen, firstRead: tRead, events: events.length };
