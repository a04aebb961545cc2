// The raw-IndexedDB baseline: what a web developer writes by hand, in its fastest form. One
// object store of plain objects keyed [sessionId, sequenceId]; reads are one getAllRecords
// request on a key range (Chromium ≥ 141); writes are one readwrite transaction per call.
export const req = (r) => new Promise((ok, ko) => ((r.onsuccess = () => ok(r.result)), (r.onerror = () => ko(r.error))));
export const done = (tx) => new Promise((ok, ko) => ((tx.oncomplete = ok), (tx.onabort = () => ko(tx.error)), (tx.onerror = () => {})));

export const HAS_GET_ALL_RECORDS = typeof IDBObjectStore !== "undefined" && "getAllRecords" in IDBObjectStore.prototype;

export async function rawOpen(name) {
  const r = indexedDB.open(name, 1);
  r.onupgradeneeded = () => r.result.createObjectStore("events");
  return req(r);
}

export const text = (i) => `message ${i}: ` + "lorem ipsum dolor sit amet ".repeat(10).slice(0, 270);
export const emitter = { type: "user", id: "u1" };
/** A session id shaped like memspace's (same key lengths on both sides). */
export const sessionId = (i) => `ses_${String(i).padStart(4, "0")}01jz8k3m9q2v7w5x4y6t`;

export function record(session, i, now = new Date().toISOString()) {
  return { sessionId: session, sequenceId: i, eventType: "message", body: { content: text(i) }, emitter, createdAt: now, updatedAt: now };
}

export async function rawAppend(db, session, i, durability) {
  const tx = db.transaction("events", "readwrite", { durability });
  tx.objectStore("events").put(record(session, i), [session, i]);
  await done(tx);
}

export async function rawBatch(db, session, from, count, durability) {
  const tx = db.transaction("events", "readwrite", { durability });
  const store = tx.objectStore("events");
  const now = new Date().toISOString();
  for (let i = from; i < from + count; i++) store.put(record(session, i, now), [session, i]);
  await done(tx);
}

/** The newest `n` events of a session, ascending: one request in one readonly transaction. */
export async function rawNewest(db, session, n, known) {
  const store = db.transaction("events", "readonly").objectStore("events");
  if (HAS_GET_ALL_RECORDS) {
    const recs = await req(store.getAllRecords({ query: IDBKeyRange.bound([session, 0], [session, Infinity]), count: n, direction: "prev" }));
    return recs.map((r) => r.value).reverse();
  }
  // Fallback for browsers without getAllRecords: getAll on the range the app knows.
  return req(store.getAll(IDBKeyRange.bound([session, Math.max(0, known - n)], [session, known], false, true)));
}

/** The same append with memspace's request pattern (two precondition reads, event + head puts). */
export async function rawAppendChecked(db, session, i, durability) {
  const tx = db.transaction("events", "readwrite", { durability });
  const store = tx.objectStore("events");
  const space = req(store.get(["space", session]));
  const head = req(store.get(["head", session]));
  store.put(record(session, i), [session, i]);
  store.put({ sessionId: session, eventCount: i + 1 }, ["head", session]);
  await space;
  await head;
  await done(tx);
}

/** Candidate append patterns (what a memspace append could issue instead, plain JS): the
 * space read kept, the event written with `add()` (a key that must not exist: the cross-tab
 * check without a read) and the head put; or no read at all, `commit()` right after issuing. */
export async function rawAppendSpaceAdd(db, session, i, durability) {
  const tx = db.transaction("events", "readwrite", { durability });
  const store = tx.objectStore("events");
  const finished = done(tx);
  const space = req(store.get(["space", session]));
  store.add(record(session, i), [session, i]);
  store.put({ sessionId: session, eventCount: i + 1 }, ["head", session]);
  await space;
  tx.commit();
  await finished;
}

export async function rawAppendAddOnly(db, session, i, durability) {
  const tx = db.transaction("events", "readwrite", { durability });
  const store = tx.objectStore("events");
  store.add(record(session, i), [session, i]);
  store.put({ sessionId: session, eventCount: i + 1 }, ["head", session]);
  tx.commit();
  await done(tx);
}

/** A session head stored right after its events ([session, []] sorts after [session, n]). */
export async function rawPutHeadAfter(db, session, count) {
  const tx = db.transaction("events", "readwrite");
  tx.objectStore("events").put({ sessionId: session, eventCount: count }, [session, []]);
  tx.objectStore("events").put({ id: "space" }, ["space", session]);
  await done(tx);
}

/** Candidate read patterns: the head sorted after the events, so one reverse getAllRecords of
 * n + 1 returns the head and the newest n; with or without the space read beside it. */
export async function rawNewestHeadAfter(db, session, n, withSpace) {
  const store = db.transaction("events", "readonly").objectStore("events");
  const space = withSpace ? req(store.get(["space", session])) : null;
  const recs = await req(store.getAllRecords({ query: IDBKeyRange.bound([session, 0], [session, []]), count: n + 1, direction: "prev" }));
  if (space) await space;
  return recs.slice(1).map((r) => r.value).reverse();
}

/** The newest `n` with memspace's request pattern (space and head read in the same transaction). */
export async function rawNewestChecked(db, session, n) {
  const store = db.transaction("events", "readonly").objectStore("events");
  const space = req(store.get(["space", session]));
  const head = req(store.get(["head", session]));
  const recs = await req(store.getAllRecords({ query: IDBKeyRange.bound([session, 0], [session, Infinity]), count: n, direction: "prev" }));
  await space;
  await head;
  return recs.map((r) => r.value).reverse();
}

/** Session records as plain objects keyed ["sessions", i] (the listSessions baseline). */
export async function rawPutSessions(db, sessions) {
  const tx = db.transaction("events", "readwrite");
  const store = tx.objectStore("events");
  sessions.forEach((s, i) => store.put(s, ["sessions", i]));
  await done(tx);
}

/** 100 sessions in two pages of 50: one getAll per page, each in its own transaction. */
export async function rawListSessions(db, page) {
  const out = [];
  for (const from of [0, page]) {
    const store = db.transaction("events", "readonly").objectStore("events");
    out.push(...(await req(store.getAll(IDBKeyRange.bound(["sessions", from], ["sessions", Infinity]), page))));
  }
  if (out.length !== 2 * page) throw new Error(`raw listed ${out.length}`);
  return out;
}
