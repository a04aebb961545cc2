// Every Memspace call through the built npm package (`memspace` resolves to dist/node.js),
// on the in-memory storage: camelCase names and fields, plain-object records.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Memspace, MemspaceError, MemoryKv } from "memspace";

const user = (id = "u1") => ({ type: "user", id });
let clockMs = Date.parse("2026-01-01T00:00:00Z");
const clock = () => clockMs;

async function fresh(extra = {}) {
  return Memspace.open({ storage: "memory", name: `api-${Math.random()}`, clock, principal: { userId: "u1", tenantId: "t1" }, ...extra });
}

test("open reports its storage and principal", async () => {
  const ms = await fresh();
  assert.equal(ms.storage, "memory");
  assert.deepEqual(ms.principal, { userId: "u1", tenantId: "t1" });
  const other = ms.forPrincipal({ userId: "u2", tenantId: "t1" });
  assert.deepEqual(other.principal, { userId: "u2", tenantId: "t1" });
  ms.close();
  assert.equal((await Memspace.open({ kv: new MemoryKv() })).storage, "adapter");
});

test("spaces: create, get, list, update, delete", async () => {
  const ms = await fresh();
  const a = await ms.createSpace({ description: "notes", llmModelName: "gpt-x", llmBaseUrl: "https://llm.example/v1", customInstructions: "be brief", deduplicationKey: "k1" });
  assert.match(a.id, /^spc_/);
  assert.equal(a.llmModelName, "gpt-x");
  assert.equal(a.llmBaseUrl, "https://llm.example/v1");
  assert.equal(a.customInstructions, "be brief");
  assert.equal(a.deduplicationKey, "k1");
  assert.equal(a.userId, "u1");
  assert.equal(a.tenantId, "t1");
  assert.match(a.createdAt, /^2026-01-01T00:00:00\.000000Z$/);
  assert.equal(Object.getPrototypeOf(a), Object.prototype, "records are plain objects");
  clockMs += 1;
  const b = await ms.createSpace();
  assert.deepEqual(await ms.getSpace(a.id), a);
  assert.deepEqual((await ms.listSpaces()).map((s) => s.id), [a.id, b.id]);
  assert.deepEqual((await ms.listSpaces({ offset: 1, limit: 1 })).map((s) => s.id), [b.id]);
  clockMs += 1000;
  const u = await ms.updateSpace(a.id, { description: null, llmModelName: "m2" });
  assert.equal(u.description, null);
  assert.equal(u.llmModelName, "m2");
  assert.equal(u.customInstructions, "be brief", "absent fields are unchanged");
  assert.ok(u.updatedAt > a.updatedAt);
  assert.equal(await ms.deleteSpace(a.id), undefined);
  assert.deepEqual((await ms.listSpaces()).map((s) => s.id), [b.id]);
});

test("sessions: create, get, list with filters, update with ifMatch, delete", async () => {
  const ms = await fresh();
  const sp = await ms.createSpace();
  const s = await ms.createSession(sp.id, {
    participants: ["u1", "agent-7"],
    description: "Trip planning",
    metadata: { snake_case: { nested_key: true } },
    deduplicationKey: "conv-1",
    lifecycleStrategies: [{ type: "soft_delete", trigger: { ttl: 3600 } }],
  });
  assert.match(s.id, /^ses_/);
  assert.equal(s.memorySpaceId, sp.id);
  assert.deepEqual(s.metadata, { snake_case: { nested_key: true } }, "metadata passes through verbatim");
  assert.deepEqual(s.lifecycleStrategies, [{ type: "soft_delete", trigger: { ttl: 3600 }, opts: null }]);
  assert.equal(s.version, 1);
  assert.equal(s.eventCount, 0);
  assert.equal(s.tokenCount, 0);
  assert.equal(s.lastEventAt, null);
  assert.deepEqual(s.executedStrategies, []);
  clockMs += 1; // ids order by millisecond; within one millisecond their order is random
  const other = await ms.createSession(sp.id, { participants: ["u9"] });
  assert.deepEqual(await ms.getSession(sp.id, s.id), s);
  assert.deepEqual((await ms.listSessions(sp.id, { participants: ["u9"] })).map((x) => x.id), [other.id]);
  assert.deepEqual((await ms.listSessions(sp.id, { description: "trip" })).map((x) => x.id), [s.id]);
  assert.deepEqual((await ms.listSessions(sp.id, { offset: 1, limit: 5 })).map((x) => x.id), [other.id]);
  const u = await ms.updateSession(sp.id, s.id, { description: "v2", metadata: null, ifMatch: 1 });
  assert.equal(u.version, 2);
  assert.equal(u.metadata, null);
  const strategies = [{ type: "extract_memories", trigger: { eventCount: 100 }, opts: { softDelete: false, agentId: "a1", metadata: { any_key: 1 } } }];
  const u2 = await ms.updateSession(sp.id, s.id, { lifecycleStrategies: strategies });
  assert.deepEqual(u2.lifecycleStrategies, strategies, "opts keys stay camelCase, user metadata verbatim");
  await ms.deleteSession(sp.id, other.id);
  assert.deepEqual((await ms.listSessions(sp.id)).map((x) => x.id), [s.id]);
});

test("events: post, post batch, list by page, lastN and type, update one and many", async () => {
  const ms = await fresh();
  const sp = await ms.createSpace();
  const se = await ms.createSession(sp.id, { participants: ["u1"] });
  const first = await ms.postEvent(sp.id, se.id, { body: { content: "hello", tool_call: { some_arg: 1 } }, emitter: user(), eventType: "message" });
  assert.deepEqual(Object.keys(first).sort(), ["body", "createdAt", "emitter", "eventType", "sequenceId", "sessionId", "updatedAt"]);
  assert.equal(first.sequenceId, 0);
  assert.equal(first.sessionId, se.id);
  assert.deepEqual(first.body, { content: "hello", tool_call: { some_arg: 1 } }, "bodies are verbatim JSON");
  const batch = await ms.postEvents(sp.id, se.id, [
    { body: "plain string body", emitter: { type: "agent", id: "a1" } },
    { body: [1, 2, 3], emitter: { type: "tool" }, eventType: "tool" },
    { body: { content: "again" }, emitter: user(), eventType: "message" },
  ]);
  assert.deepEqual(batch.map((e) => e.sequenceId), [1, 2, 3]);
  assert.equal(batch[0].eventType, null);
  assert.deepEqual(batch[1].emitter, { type: "tool", id: null });
  assert.deepEqual((await ms.listEvents(sp.id, se.id)).map((e) => e.sequenceId), [0, 1, 2, 3]);
  assert.deepEqual((await ms.listEvents(sp.id, se.id, { offset: 1, limit: 2 })).map((e) => e.sequenceId), [1, 2]);
  assert.deepEqual((await ms.listEvents(sp.id, se.id, { lastN: 2 })).map((e) => e.sequenceId), [2, 3]);
  assert.deepEqual((await ms.listEvents(sp.id, se.id, { eventType: "message" })).map((e) => e.sequenceId), [0, 3]);
  clockMs += 5;
  const up = await ms.updateEvent(sp.id, se.id, { sequenceId: 0, body: { content: "hello!" }, ifUnmodifiedSince: first.updatedAt });
  assert.deepEqual(up.body, { content: "hello!" });
  assert.ok(up.updatedAt > first.updatedAt);
  const many = await ms.updateEvents(sp.id, se.id, [
    { sequenceId: 1, eventType: "note" },
    { sequenceId: 2, emitter: { type: "agent", id: "a2" }, eventType: null },
  ]);
  assert.deepEqual(many.map((e) => [e.sequenceId, e.eventType, e.emitter.type]), [[1, "note", "agent"], [2, null, "agent"]]);
  const head = await ms.getSession(sp.id, se.id);
  assert.equal(head.eventCount, 4);
  assert.ok(head.tokenCount > 0);
  assert.equal(typeof head.lastEventAt, "string");
});

test("deleteEvent: later ids stay, listings count live events, a deleted id is gone", async () => {
  const ms = await fresh();
  const sp = await ms.createSpace({});
  const se = await ms.createSession(sp.id, { participants: ["u1"] });
  await ms.postEvents(sp.id, se.id, ["a", "b", "c", "d"].map((body) => ({ body, emitter: user() })));
  assert.equal(await ms.deleteEvent(sp.id, se.id, 1), undefined);
  assert.deepEqual((await ms.listEvents(sp.id, se.id)).map((e) => e.sequenceId), [0, 2, 3]);
  assert.deepEqual((await ms.listEvents(sp.id, se.id, { offset: 1, limit: 1 })).map((e) => e.sequenceId), [2]);
  assert.deepEqual((await ms.listEvents(sp.id, se.id, { lastN: 3 })).map((e) => e.sequenceId), [0, 2, 3]);
  const gone = await ms.deleteEvent(sp.id, se.id, 1).catch((e) => e);
  assert.ok(gone instanceof Error);
  assert.equal(gone.code, "gone");
  assert.equal(gone.status, 410);
  const missing = await ms.deleteEvent(sp.id, se.id, 9).catch((e) => e);
  assert.equal(missing.code, "not_found");
  const bad = await ms.deleteEvent(sp.id, se.id, -1).catch((e) => e);
  assert.equal(bad.code, "validation");
  assert.equal((await ms.postEvent(sp.id, se.id, { body: "e", emitter: user() })).sequenceId, 4);
});

test("lifecycle: eventCount queues an extraction job; sweep fires idle sessions", async () => {
  const ms = await fresh();
  const sp = await ms.createSpace({ llmModelName: "m" });
  const se = await ms.createSession(sp.id, {
    participants: ["u1"],
    lifecycleStrategies: [{ type: "extract_memories", trigger: { eventCount: 2 }, opts: { softDelete: false } }],
  });
  await ms.postEvents(sp.id, se.id, [{ body: "a", emitter: user() }, { body: "b", emitter: user() }]);
  const jobs = await ms.listExtractionJobs(sp.id);
  assert.equal(jobs.length, 1);
  const job = jobs[0];
  assert.deepEqual(
    [job.memorySpaceId, job.sessionId, job.strategyIndex, job.fromSequenceId, job.toSequenceId, job.status],
    [sp.id, se.id, 0, 0, 2, "pending"],
  );
  assert.deepEqual(job.llm, { llmModelName: "m", llmBaseUrl: null, customInstructions: null });
  const after = await ms.getSession(sp.id, se.id);
  assert.equal(after.executedStrategies[0].jobId, job.id);
  assert.equal(after.executedStrategies[0].type, "extract_memories");

  const idle = await ms.createSession(sp.id, { participants: ["u1"], lifecycleStrategies: [{ type: "soft_delete", trigger: { idle: 60 } }] });
  assert.deepEqual(await ms.sweep(), { examined: 0, fired: 0, staleRemoved: 0, memoriesExpired: 0 });
  clockMs += 61_000;
  const report = await ms.sweep(10);
  assert.equal(report.fired, 1);
  await assert.rejects(ms.getSession(sp.id, idle.id), (e) => e instanceof MemspaceError && e.code === "gone");
});

test("countTokens callback feeds the tokenCount trigger", async () => {
  const ms = await fresh({ countTokens: (text) => text.length * 10 });
  const sp = await ms.createSpace();
  const se = await ms.createSession(sp.id, { participants: ["u1"], lifecycleStrategies: [{ type: "soft_delete", trigger: { tokenCount: 50 } }] });
  const ev = await ms.postEvent(sp.id, se.id, { body: { content: "abcdef" }, emitter: user() });
  assert.equal(ev.sequenceId, 0);
  await assert.rejects(ms.getSession(sp.id, se.id), { code: "gone" });
});

test("memory storage with the same name is shared by handles", async () => {
  const name = `shared-${Math.random()}`;
  const a = await Memspace.open({ storage: "memory", name });
  const b = await Memspace.open({ storage: "memory", name });
  const sp = await a.createSpace({ description: "seen by b" });
  assert.equal((await b.getSpace(sp.id)).description, "seen by b");
  const c = await Memspace.open({ storage: "memory", name: `${name}-other` });
  await assert.rejects(c.getSpace(sp.id), { code: "not_found" });
});
