// Core blocks, archival recall, contextFor, working context, briefing and workspaces through
// the built npm package: camelCase names, values verbatim, engine errors as MemspaceError.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Memspace, MemspaceError } from "memspace";

let clockMs = Date.parse("2026-03-01T00:00:00Z");
const clock = () => clockMs;

async function fresh() {
  const name = `context-${Math.random()}`;
  const ms = await Memspace.open({ storage: "memory", name, clock });
  const space = await ms.createSpace();
  return { ms, sp: space.id, name };
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

test("blocks: create with no token, update with the last-read updatedAt, stale token is a 409 carrying the current one", async () => {
  const { ms, sp, name } = await fresh();
  const b = await ms.updateBlock(sp, "core", { content: "- Prefers concise answers" });
  assert.equal(b.blockType, "core");
  assert.equal(b.scope, "user");
  assert.equal(b.version, 1);
  const again = await expectError(ms.updateBlock(sp, "core", { content: "x" }), "conflict", 409);
  assert.equal(again.details.currentUpdatedAt, b.updatedAt);
  // Two handles on one store (two tabs): the second writer with the same token loses.
  const tab2 = await Memspace.open({ storage: "memory", name, clock });
  const winner = await tab2.updateBlock(sp, "core", { content: "from tab 2", expectedUpdatedAt: b.updatedAt });
  const loser = await expectError(ms.updateBlock(sp, "core", { content: "from tab 1", expectedUpdatedAt: b.updatedAt }), "conflict", 409);
  assert.equal(loser.details.currentUpdatedAt, winner.updatedAt);
  assert.equal(loser.details.precondition, "expectedUpdatedAt");
  const agent = await ms.updateBlock(sp, "persona", { content: "I file emails.", agentId: "agent_emails", description: "Who I am" });
  assert.equal(agent.scope, "agent");
  assert.deepEqual((await ms.listBlocks(sp)).map((x) => x.content), ["from tab 2"]);
  assert.deepEqual((await ms.listBlocks(sp, { scope: "all" })).map((x) => x.blockType), ["core", "persona"]);
  assert.equal((await ms.getBlock(sp, "persona", { agentId: "agent_emails" })).description, "Who I am");
  const history = await ms.listBlockVersions(sp, "core");
  assert.deepEqual(history.map((v) => [v.version, v.change]), [[2, "updated"], [1, "created"]]);
  await ms.deleteBlock(sp, "persona", { agentId: "agent_emails" });
  await expectError(ms.getBlock(sp, "persona", { agentId: "agent_emails" }), "not_found", 404);
  await expectError(ms.updateBlock(sp, "archival", { content: "x" }), "validation", 422);
  await expectError(ms.updateBlock(sp, "core", { content: "x", bogus: 1 }), "validation", 422);
});

test("contextFor: blocks, newest events, the snapshot's bytes stable across turns until a block changes, budget kept", async () => {
  const { ms, sp } = await fresh();
  const core = await ms.updateBlock(sp, "core", { content: "- Prefers concise answers" });
  const session = await ms.createSession(sp, { participants: ["u1"] });
  const first = await ms.contextFor(sp, { sessionId: session.id });
  const hashes = [];
  for (let i = 0; i < 3; i++) {
    await ms.postEvent(sp, session.id, { body: { content: `when is the Acme renewal? (${i})` }, emitter: { type: "user", id: "u1" } });
    clockMs += 30_000;
    const c = await ms.contextFor(sp, { sessionId: session.id, budgetTokens: 300, policy: { archivalMode: "auto" } });
    assert.ok(c.tokens <= 300);
    assert.ok(c.rendered.startsWith(first.rendered), "the block snapshot is the unchanged prefix");
    assert.equal(c.events.length, i + 1);
    assert.equal(c.query, `when is the Acme renewal? (${i})`);
    assert.deepEqual(c.parts.map((p) => p.kind), ["user_core", "agent_core", "events", "archival"]);
    hashes.push(c.snapshot.hash);
  }
  assert.ok(hashes.every((h) => h === first.snapshot.hash));
  await ms.updateBlock(sp, "core", { content: "- Prefers long answers", expectedUpdatedAt: core.updatedAt });
  const changed = await ms.contextFor(sp, { sessionId: session.id });
  assert.notEqual(changed.snapshot.hash, first.snapshot.hash);
  assert.ok(changed.rendered.includes("- Prefers long answers"));
  assert.ok(!changed.rendered.includes("- Prefers concise answers"));
  await expectError(ms.contextFor(sp, { budgetTokens: 0 }), "validation", 422);
});

test("working context: JSON values verbatim with a TTL; touchSession extends an idle session", async () => {
  const { ms, sp } = await fresh();
  const session = await ms.createSession(sp, { participants: ["u1"], lifecycleStrategies: [{ type: "soft_delete", trigger: { idle: 3600 } }] });
  assert.ok(session.expiresAt);
  const value = { plan: ["a", "b"], snake_case: { keptAs: "is" } };
  const e = await ms.setContext(sp, session.id, "task", value, { ttlSeconds: 60 });
  assert.deepEqual(e.value, value);
  assert.equal(e.ttlSeconds, 60);
  assert.deepEqual((await ms.getContext(sp, session.id)).map((x) => x.key), ["task"]);
  clockMs += 61_000;
  assert.deepEqual(await ms.getContext(sp, session.id, ["task"]), []);
  assert.equal(await ms.deleteContext(sp, session.id, "task"), false);
  const t = await ms.touchSession(sp, session.id);
  assert.equal(t.sessionId, session.id);
  assert.equal(Date.parse(t.expiresAt) - Date.parse(t.touchedAt), 3_600_000);
  await expectError(ms.setContext(sp, session.id, "k", undefined), "validation", 422);
});

test("workspaces: tags, settings verbatim, lookup by key, schema", async () => {
  const { ms } = await fresh();
  const fin = await ms.createSpace({ name: "fin", tags: ["topic:finance", "knowledge"], settings: { retention_days: 30 }, deduplicationKey: "ws-fin" });
  assert.deepEqual(fin.tags, ["knowledge", "topic:finance"]);
  assert.deepEqual(fin.settings, { retention_days: 30 });
  assert.deepEqual((await ms.findSpaces({ tags: ["knowledge"] })).map((s) => s.name), ["fin"]);
  assert.equal((await ms.spaceByKey("ws-fin")).id, fin.id);
  assert.equal(await ms.spaceByKey("nope"), null);
  const schema = await ms.workspaceSchema(fin.id);
  assert.ok(schema.relationshipTypes.length >= 60);
  assert.equal(schema.canCustomize, false);
});

test("briefing without memories: the session active in the window, counts at zero, bad lookback refused", async () => {
  const { ms, sp } = await fresh();
  const s = await ms.createSession(sp, { participants: ["u1"], description: "planning" });
  await ms.postEvent(sp, s.id, { body: { content: "hello" }, emitter: { type: "user", id: "u1" } });
  const b = await ms.briefing(sp, { lookbackMinutes: 5 });
  assert.equal(b.summary.totalMemories, 0);
  assert.equal(b.summary.activeSessions, 1);
  assert.deepEqual(b.activeSessions.map((x) => [x.sessionId, x.description, x.eventCount]), [[s.id, "planning", 1]]);
  assert.deepEqual(b.newMemories, []);
  await expectError(ms.briefing(sp, { lookbackMinutes: 0 }), "validation", 422);
});
