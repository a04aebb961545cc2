// Cold start with memspace, measured from navigation start: import the package, open the
// IndexedDB database (the first open() fetches and compiles the .wasm), read the newest 20
// events of a known session.
const p = new URLSearchParams(location.search);
const t0 = performance.now();
const { Memspace } = await import("memspace");
const tImported = performance.now();
const ms = await Memspace.open({ storage: "indexeddb", name: p.get("name") });
const tOpen = performance.now();
const events = await ms.listEvents(p.get("space"), p.get("session"), { lastN: 20 });
const tRead = performance.now();
window.__cold = { scriptStart: t0, imported: tImported, open: tOpen, firstRead: tRead, events: events.length };
