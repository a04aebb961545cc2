// Every error kind arrives as a real Error (MemspaceError) with code, status and details.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Memspace, MemspaceError, MemoryKv } from "memspace";

async function fresh() {
  return Memspace.open({ storage: "memory", name: `err-${Math.random()}` });
}

async function expectError(promise, code, status) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof Error, "an Error instance");
    assert.ok(e instanceof MemspaceError, "a MemspaceError");
    assert.equal(e.name, "MemspaceError");
    assert.equal(e.code, code, e.message);
    assert.equal(e.status, status);
    assert.equal(typeof e.message, "string");
    assert.ok(e.message.length > 0);
    assert.equal(typeof e.details, "object");
    assert.ok(typeof e.stack === "string");
    return e;
  }
  assert.fail(`expected ${code}`);
}

/** A MemoryKv whose next commit fails the given way. */
function failingKv(makeError) {
  const kv = new MemoryKv();
  let armed = false;
  return {
    atomicBatches: true,
    arm() {
      armed = true;
    },
    get: (k) => kv.get(k),
    getMany: (ks) => kv.getMany(ks),
    scan: (...a) => kv.scan(...a),
    async commit(batch) {
      if (armed) {
        armed = false;
        throw makeError();
      }
      return kv.commit(batch);
    },
  };
}

test("validation (422): bad input, with the camelCase field in details", async () => {
  const ms = await fresh();
  const e = await expectError(ms.createSpace({ llmBaseUrl: "ftp://nope" }), "validation", 422);
  assert.equal(e.details.field, "llmBaseUrl");
  await expectError(ms.createSpace({ description: 42 }), "validation", 422);
  await expectError(ms.getSpace(42), "validation", 422);
  await expectError(ms.listSpaces({ limit: 0 }), "validation", 422);
  await expectError(ms.sweep(0), "validation", 422);
  await expectError(ms.postEvents("spc_x", "ses_x", "not an array"), "validation", 422);
  await expectError(Memspace.open({ storage: "floppy" }), "validation", 422);
  const sp = await ms.createSpace();
  const se = await ms.createSession(sp.id, { participants: ["u1"] });
  const notParticipant = await expectError(ms.postEvent(sp.id, se.id, { body: 1, emitter: { type: "user", id: "stranger" } }), "validation", 422);
  assert.equal(notParticipant.details.field, "emitter.id");
  await expectError(ms.postEvent(sp.id, se.id, { body: 1n, emitter: { type: "agent" } }), "validation", 422);
});

test("not_found (404): unknown ids and other principals' spaces", async () => {
  const ms = await fresh();
  const e = await expectError(ms.getSpace("spc_00000000000000000000000000"), "not_found", 404);
  assert.equal(e.details.kind, "memory_space");
  const sp = await ms.createSpace();
  await expectError(ms.forPrincipal({ userId: "someone", tenantId: "else" }).getSpace(sp.id), "not_found", 404);
  await expectError(ms.updateEvent(sp.id, "ses_nope", { sequenceId: 0, body: 1 }), "not_found", 404);
});

test("conflict (409): stale ifMatch and ifUnmodifiedSince", async () => {
  const ms = await fresh();
  const sp = await ms.createSpace();
  const se = await ms.createSession(sp.id, { participants: ["u1"] });
  await ms.updateSession(sp.id, se.id, { description: "x", ifMatch: 1 });
  const e = await expectError(ms.updateSession(sp.id, se.id, { description: "y", ifMatch: 1 }), "conflict", 409);
  assert.deepEqual(e.details, { precondition: "ifMatch", currentVersion: 2 });
  const ev = await ms.postEvent(sp.id, se.id, { body: 1, emitter: { type: "agent" } });
  await ms.updateEvent(sp.id, se.id, { sequenceId: 0, body: 2 });
  const c = await expectError(ms.updateEvent(sp.id, se.id, { sequenceId: 0, body: 3, ifUnmodifiedSince: ev.updatedAt }), "conflict", 409);
  assert.equal(c.details.precondition, "ifUnmodifiedSince");
  assert.equal(c.details.sequenceId, 0);
});

test("duplicate (409): deduplication keys carry the existing id", async () => {
  const ms = await fresh();
  const sp = await ms.createSpace({ deduplicationKey: "k" });
  const e = await expectError(ms.createSpace({ deduplicationKey: "k" }), "duplicate", 409);
  assert.equal(e.details.existingId, sp.id);
  assert.equal(e.details.deduplicationKey, "k");
  const se = await ms.createSession(sp.id, { participants: ["u1"], deduplicationKey: "c" });
  const s = await expectError(ms.createSession(sp.id, { participants: ["u1"], deduplicationKey: "c" }), "duplicate", 409);
  assert.equal(s.details.existingId, se.id);
});

test("gone (410): soft-deleted spaces and sessions", async () => {
  const ms = await fresh();
  const sp = await ms.createSpace();
  const se = await ms.createSession(sp.id, { participants: ["u1"] });
  await ms.deleteSession(sp.id, se.id);
  await expectError(ms.getSession(sp.id, se.id), "gone", 410);
  await expectError(ms.listEvents(sp.id, se.id), "gone", 410);
  await ms.deleteSpace(sp.id);
  await expectError(ms.getSpace(sp.id), "gone", 410);
});

test("quota (507): the adapter reports out of space", async () => {
  for (const make of [() => Object.assign(new Error("disk full"), { code: "quota" }), () => new DOMException("full", "QuotaExceededError")]) {
    const kv = failingKv(make);
    const ms = await Memspace.open({ kv });
    const sp = await ms.createSpace();
    kv.arm();
    await expectError(ms.createSession(sp.id, { participants: ["u1"] }), "quota", 507);
  }
});

test("storage (500): adapter failures and undecodable bytes", async () => {
  const kv = failingKv(() => new Error("socket closed"));
  const ms = await Memspace.open({ kv });
  const sp = await ms.createSpace();
  kv.arm();
  const e = await expectError(ms.createSession(sp.id, { participants: ["u1"] }), "storage", 500);
  assert.match(e.message, /socket closed/);
  const corrupt = new MemoryKv();
  const ms2 = await Memspace.open({ kv: corrupt });
  const sp2 = await ms2.createSpace();
  const [[key]] = await corrupt.scan(new TextEncoder().encode("sp\0"), new TextEncoder().encode("sp\x01"), 1, false);
  await corrupt.commit({ ops: [{ type: "put", key, value: new Uint8Array([1, 0, 0, 0, 0, 123]) }], preconditions: [] });
  await expectError(ms2.getSpace(sp2.id), "storage", 500);
});

test("unsupported (501): IndexedDB where there is none", async () => {
  await expectError(Memspace.open({ storage: "indexeddb", name: "x" }), "unsupported", 501);
});

test("archived (409): entry writes on an archived memory store", async () => {
  const ms = await fresh();
  const sp = await ms.createSpace();
  const st = await ms.createStore(sp.id, { name: "kb" });
  await ms.archiveStore(sp.id, st.id);
  const e = await expectError(ms.createEntry(sp.id, st.id, { path: "a.md", content: "x" }), "archived", 409);
  assert.deepEqual(e.details, { kind: "memory_store", id: st.id });
  assert.match(e.message, /archived/);
});
