// Memories and associations through the built npm package: camelCase records and inputs,
// unknown keys refused, replay and supersession, forget/restore/trace, batches with
// MemspaceError results, links and traversal, expiry, principal isolation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Memspace, MemspaceError } from "memspace";

let clockMs = Date.parse("2026-03-01T00:00:00Z");
const clock = () => clockMs;
const sha256 = (s) => createHash("sha256").update(s, "utf8").digest("hex");

async function fresh(extra = {}) {
  const ms = await Memspace.open({ storage: "memory", name: `memories-${Math.random()}`, clock, ...extra });
  const space = await ms.createSpace();
  return { ms, sp: space.id };
}

async function expectError(promise, code, status) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof MemspaceError, `a MemspaceError, got ${e}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.status, status);
    return e;
  }
  assert.fail(`expected ${code}`);
}

test("remember returns camelCase records; the same content is replayed; unknown keys are refused", async () => {
  const { ms, sp } = await fresh();
  const r = await ms.remember(sp, {
    content: "prefers dark mode",
    subtype: "preference",
    importance: 0.8,
    tags: ["ui", "prefs", "ui"],
    metadata: { snake_key: 1, nested: { a: [1, 2] } },
    contextId: "app",
    provenance: { source: "extraction", sessionId: "ses_x", eventFrom: 2, eventTo: 5 },
  });
  assert.equal(r.replayed, false);
  const m = r.memory;
  assert.equal(Object.getPrototypeOf(m), Object.prototype, "records are plain objects");
  assert.match(m.id, /^mry_/);
  assert.equal(m.type, "semantic");
  assert.deepEqual(m.tags, ["prefs", "ui"]);
  assert.deepEqual(m.metadata, { snake_key: 1, nested: { a: [1, 2] } }, "metadata keys are not renamed");
  assert.deepEqual(m.provenance, { source: "extraction", sessionId: "ses_x", eventFrom: 2, eventTo: 5 });
  assert.equal(m.contentHash, sha256("prefers dark mode"));
  assert.equal(m.status, "active");
  assert.equal(m.version, 1);
  assert.equal(m.lastChange, "created");
  assert.equal(m.validAt, m.createdAt);
  assert.deepEqual(await ms.getMemory(sp, m.id), m);
  const again = await ms.remember(sp, { content: "prefers dark mode", contextId: "app" });
  assert.equal(again.replayed, true);
  assert.deepEqual(again.memory, m);
  const bad = await expectError(ms.remember(sp, { content: "x", logical_key: "k" }), "validation", 422);
  assert.match(bad.details.field, /logical_key/);
  await expectError(ms.remember(sp, { content: "x", importance: NaN }), "validation", 422);
  const long = await expectError(ms.remember(sp, { content: "x", logicalKey: "k".repeat(129) }), "validation", 422);
  assert.equal(long.details.field, "logicalKey");
  assert.match(long.message, /^logicalKey: /, "messages use the JS field names");
  const order = await expectError(ms.remember(sp, { content: "x", provenance: { eventFrom: 3, eventTo: 2 } }), "validation", 422);
  assert.match(order.message, /provenance\.eventTo: must not be before eventFrom/);
  await expectError(ms.remember(sp, { content: " " }), "validation", 422);
  await expectError(ms.remember(sp, { content: "x", subtype: "gossip" }), "validation", 422);
});

test("a logical key supersedes the holder; history and stats follow; restore can be blocked by the key", async () => {
  const { ms, sp } = await fresh();
  const paris = (await ms.remember(sp, { content: "lives in Paris", logicalKey: "user.city" })).memory;
  clockMs += 60_000;
  const r = await ms.remember(sp, { content: "lives in Berlin", logicalKey: "user.city" });
  assert.equal(r.supersededId, paris.id);
  const old = await ms.getMemory(sp, paris.id);
  assert.equal(old.status, "superseded");
  assert.equal(old.invalidAt, r.memory.validAt);
  assert.equal(old.supersededBy, r.memory.id);
  assert.deepEqual((await ms.listMemories(sp)).map((x) => x.id), [r.memory.id]);
  const history = await ms.listMemories(sp, { logicalKey: "user.city", statuses: ["active", "superseded"] });
  assert.deepEqual(history.map((x) => x.content), ["lives in Berlin", "lives in Paris"]);
  assert.deepEqual(await ms.memoryStats(sp), { active: 1, superseded: 1, forgotten: 0, expired: 0, deleted: 0, associations: 1 });

  await ms.forgetMemory(sp, r.memory.id);
  const gone = await expectError(ms.getMemory(sp, r.memory.id), "gone", 410);
  assert.deepEqual([gone.details.status, gone.details.restorable], ["forgotten", true]);
  const oslo = (await ms.remember(sp, { content: "lives in Oslo", logicalKey: "user.city" })).memory;
  const blocked = await expectError(ms.restoreMemory(sp, r.memory.id), "conflict", 409);
  assert.equal(blocked.details.precondition, "logicalKey");
  assert.equal(blocked.details.holderId, oslo.id);
});

test("update, decay, trace and hard forget", async () => {
  const { ms, sp } = await fresh();
  const m = (await ms.remember(sp, { content: "draft", importance: 0.8 })).memory;
  const u = await ms.updateMemory(sp, m.id, { content: "final", tags: ["t"], expectedVersion: 1 });
  assert.equal(u.version, 2);
  const stale = await expectError(ms.updateMemory(sp, m.id, { content: "x", expectedVersion: 1 }), "conflict", 409);
  assert.equal(stale.details.precondition, "expectedVersion");
  assert.equal(stale.details.currentVersion, 2);
  const d = await ms.decayMemory(sp, m.id, 0.5);
  assert.ok(Math.abs(d.importance - 0.4) < 1e-12);
  assert.equal((await ms.decayMemory(sp, m.id)).lastChange, "decayed");
  await expectError(ms.decayMemory(sp, m.id, "fast"), "validation", 422);
  const t = await ms.traceMemory(sp, m.id);
  assert.deepEqual(t.history.map((h) => h.content), ["draft"]);
  assert.equal(t.historyTruncated, false);
  await ms.forgetMemory(sp, m.id, { hard: true });
  const tomb = await ms.traceMemory(sp, m.id, { depth: 0 });
  assert.equal(tomb.memory.status, "deleted");
  assert.equal(tomb.memory.content, "");
  assert.deepEqual(tomb.history, []);
  await expectError(ms.forgetMemory(sp, m.id, { hard: true, really: true }), "validation", 422);
});

test("batches: per-operation results with MemspaceError errors; atomic is all or nothing", async () => {
  const { ms, sp } = await fresh();
  const existing = (await ms.remember(sp, { content: "existing" })).memory;
  const r = await ms.batchMemories(sp, [
    { op: "create", content: "one" },
    { op: "update", memoryId: existing.id, importance: 0.9 },
    { op: "delete", memoryId: "mry_0000000000aaaaaaaaaaaaaaaa" },
  ]);
  assert.deepEqual([r.totalOperations, r.successful, r.failed, r.atomic], [3, 2, 1, false]);
  assert.deepEqual(r.results.map((x) => x.status), ["success", "success", "error"]);
  assert.ok(r.results[2].error instanceof MemspaceError);
  assert.equal(r.results[2].error.code, "not_found");
  assert.equal(r.results[2].error.status, 404);
  const failed = await ms.batchMemories(sp, [{ op: "create", content: "two" }, { op: "update", memoryId: existing.id }], { atomic: true });
  assert.deepEqual(failed.results.map((x) => x.status), ["skipped", "error"]);
  assert.equal(failed.results[0].error.details.failedIndex, 1);
  assert.equal((await ms.memoryStats(sp)).active, 2, "nothing of the failed atomic batch applied");
  await expectError(ms.batchMemories(sp, [{ op: "create", content: "x", colour: "red" }]), "validation", 422);
  await expectError(ms.batchMemories(sp, []), "validation", 422);
});

test("associations and traversal; edges of a forgotten memory are hidden", async () => {
  const { ms, sp } = await fresh();
  const types = ms.relationshipTypes();
  assert.ok(Array.isArray(types) && types.length >= 60);
  assert.equal(new Set(types.map((t) => t.category)).size, 11);
  const parentOf = types.find((t) => t.name === "parent_of");
  assert.equal(parentOf.inverse, "child_of");
  const ids = [];
  for (const content of ["bug", "fix", "release"]) ids.push((await ms.remember(sp, { content })).memory.id);
  const ba = await ms.associate(sp, ids[1], { targetId: ids[0], relationship: "solves", strength: 0.9, metadata: { by: "agent" } });
  assert.match(ba.id, /^asc_/);
  assert.deepEqual(Object.keys(ba).sort(), ["createdAt", "id", "memorySpaceId", "metadata", "relationship", "sourceId", "strength", "targetId", "updatedAt"]);
  await ms.associate(sp, ids[2], { targetId: ids[1], relationship: "depends_on" });
  const dup = await expectError(ms.associate(sp, ids[1], { targetId: ids[0], relationship: "solves" }), "duplicate", 409);
  assert.equal(dup.details.existingId, ba.id);
  await expectError(ms.associate(sp, ids[1], { targetId: ids[0], relationship: "loves" }), "validation", 422);
  assert.deepEqual((await ms.getAssociations(sp, ids[1], { direction: "out" })).map((x) => x.id), [ba.id]);
  assert.equal((await ms.updateAssociation(sp, ba.id, { strength: 0.3 })).strength, 0.3);
  const t = await ms.traverse(sp, ids[2], { maxDepth: 2 });
  assert.deepEqual(t.nodes.map((n) => n.content), ["fix", "bug"]);
  assert.deepEqual(t.paths[1].memoryIds, [ids[2], ids[1], ids[0]]);
  assert.equal(t.truncated, false);
  await expectError(ms.traverse(sp, ids[2], { maxDepth: 6 }), "validation", 422);
  await ms.forgetMemory(sp, ids[1]);
  assert.deepEqual(await ms.getAssociations(sp, ids[0]), []);
  await ms.restoreMemory(sp, ids[1]);
  await ms.deleteAssociation(sp, ba.id);
  await expectError(ms.deleteAssociation(sp, ba.id), "not_found", 404);
});

test("expiry hides on read; sweep records it", async () => {
  const { ms, sp } = await fresh();
  const at = new Date(clockMs + 60_000).toISOString();
  const m = (await ms.remember(sp, { content: "in a meeting", type: "working", expiresAt: at })).memory;
  clockMs += 61_000;
  assert.equal((await expectError(ms.getMemory(sp, m.id), "gone", 410)).details.status, "expired");
  assert.equal((await ms.sweep(10)).memoriesExpired, 1);
  assert.equal((await ms.memoryStats(sp)).expired, 1);
});

test("another principal can neither read nor link to a space's memories", async () => {
  const name = `iso-${Math.random()}`;
  const owner = await Memspace.open({ storage: "memory", name, clock, principal: { userId: "u1", tenantId: "t" } });
  const other = await Memspace.open({ storage: "memory", name, clock, principal: { userId: "u2", tenantId: "t" } });
  const sp = (await owner.createSpace()).id;
  const m = (await owner.remember(sp, { content: "secret" })).memory;
  const mine = (await other.createSpace()).id;
  const own = (await other.remember(mine, { content: "mine" })).memory;
  await expectError(other.getMemory(sp, m.id), "not_found", 404);
  await expectError(other.listMemories(sp), "not_found", 404);
  await expectError(other.associate(mine, own.id, { targetId: m.id, relationship: "references" }), "not_found", 404);
  await expectError(other.traverse(sp, m.id), "not_found", 404);
});

test("the JavaScript example of docs/memories.md runs as written (with in-memory storage)", async () => {
  const { readFile, writeFile, rm } = await import("node:fs/promises");
  const doc = await readFile(new URL("../../docs/memories.md", import.meta.url), "utf8");
  const block = doc.match(/```js\n([\s\S]*?)```/);
  assert.ok(block, "docs/memories.md has a js example");
  const code = block[1]
    .replace('storage: "indexeddb"', 'storage: "memory"')
    .replace(/^(\S.*?);\s*\/\/ (\[.*\]|true|"[a-z]+")$/gm, (_, expr, want) => `assert.deepEqual(${expr}, ${want});`);
  assert.equal(code.split("assert.deepEqual").length - 1, 3, "the example's three results are checked");
  const file = new URL(`./doc-example-${process.pid}.tmp.mjs`, import.meta.url);
  await writeFile(file, `import assert from "node:assert/strict";\n${code}`);
  try {
    await import(file.href);
  } finally {
    await rm(file, { force: true });
  }
});
