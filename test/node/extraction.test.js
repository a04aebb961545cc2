// Extraction through the built npm package: the `llm` option (an async function), jobs run
// to memories, a rejected promise (timeout) and a malformed answer retried after a backoff,
// soft delete after extraction, commitSession, paged job lists and pruning.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Memspace, MemspaceError } from "memspace";

let clockMs = Date.parse("2026-03-01T00:00:00Z");
const clock = () => clockMs;
const user = { type: "user", id: "u1" };

/** An llm option answering from a script; records the requests. */
function scripted(script) {
  const requests = [];
  const llm = async (request) => {
    requests.push(request);
    const next = script.shift();
    if (next === undefined) throw new Error("script used up");
    if (next instanceof Error) throw next;
    return typeof next === "function" ? next(request) : next;
  };
  return { llm, requests };
}

async function fresh(llm) {
  return Memspace.open({ storage: "memory", name: `x-${Math.random()}`, clock, principal: { userId: "u1", tenantId: "t1" }, ...(llm ? { llm } : {}) });
}

async function conversation(ms, lines, opts = { softDelete: false }) {
  const sp = await ms.createSpace({ llmModelName: "gpt-4o-mini", customInstructions: "Only durable facts." });
  const se = await ms.createSession(sp.id, {
    participants: ["u1"],
    lifecycleStrategies: [{ type: "extract_memories", trigger: { eventCount: lines.length }, opts }],
  });
  await ms.postEvents(sp.id, se.id, lines.map((content) => ({ body: { content }, emitter: user, eventType: "message" })));
  return { sp, se };
}

test("without an llm option runExtraction rejects with unsupported", async () => {
  const ms = await fresh();
  await conversation(ms, ["I like tea"]);
  await assert.rejects(ms.runExtraction(), (e) => e instanceof MemspaceError && e.code === "unsupported" && e.status === 501);
});

test("the llm option gets the documented request and its answer becomes memories", async () => {
  const { llm, requests } = scripted([
    { text: JSON.stringify({ memories: [{ content: "The user lives in Lisbon", category: "fact", logicalKey: "user.city", sourceEvents: [0] }] }), usage: { promptTokens: 100, completionTokens: 20, totalTokens: 120 } },
  ]);
  const ms = await fresh(llm);
  const { sp, se } = await conversation(ms, ["I live in Lisbon"], { softDelete: false, agentId: "bot", metadata: { snake_key: 1 } });
  const report = await ms.runExtraction({ limit: 5 });
  assert.equal(report.done, 1);
  assert.equal(report.memoriesCreated, 1);
  const [req] = requests;
  assert.equal(req.purpose, "extraction");
  assert.equal(req.model, "gpt-4o-mini");
  assert.equal(req.baseUrl, null);
  assert.equal(req.format, "json");
  assert.equal(req.maxTokens, 4096);
  assert.deepEqual(req.messages.map((m) => m.role), ["system", "user"]);
  assert.match(req.messages[0].content, /Only durable facts\./);
  assert.match(req.messages[1].content, /\[0\] user \(u1\): I live in Lisbon/);
  const [job] = await ms.listExtractionJobs(sp.id);
  assert.equal(job.status, "done");
  assert.equal(job.usage.totalTokens, 120);
  assert.deepEqual(job.options.metadata, { snake_key: 1 }, "metadata stays verbatim");
  assert.equal(job.options.agentId, "bot");
  assert.deepEqual(job.breakdown, { profile: 1 });
  assert.equal(job.memoryIds.length, 1);
  assert.equal(job.sessionId, se.id);
});

test("a rejected llm promise and a malformed answer are retried after a backoff", async () => {
  const timeout = Object.assign(new Error("took too long"), { name: "TimeoutError" });
  const { llm } = scripted([timeout, "not json at all", { json: { memories: [{ content: "The user likes tea" }] } }]);
  const ms = await fresh(llm);
  const { sp } = await conversation(ms, ["I like tea"]);
  let r = await ms.runExtraction();
  assert.equal(r.retrying, 1);
  assert.equal(r.jobs[0].error.reason, "timeout");
  assert.equal(r.jobs[0].error.code, "upstream");
  clockMs += 30_000;
  r = await ms.runExtraction();
  let [job] = await ms.listExtractionJobs(sp.id);
  assert.equal(job.lastError.reason, "malformed_output");
  assert.equal(job.lastError.rawOutput, "not json at all");
  assert.equal((await ms.runExtraction()).claimed, 0, "backing off");
  clockMs += 60_000;
  r = await ms.runExtraction();
  assert.equal(r.done, 1);
  [job] = await ms.listExtractionJobs(sp.id, { status: "done" });
  assert.equal(job.attempts, 3);
});

test("soft delete after extraction: hidden meanwhile, soft-deleted once the job is done", async () => {
  const { llm } = scripted([{ text: '{"memories": [{"content": "The user likes jazz"}]}' }]);
  const ms = await fresh(llm);
  const { sp, se } = await conversation(ms, ["I like jazz"], { softDelete: true });
  await assert.rejects(ms.listEvents(sp.id, se.id), (e) => e.code === "gone" && e.details.state === "awaiting_extraction" && typeof e.details.jobId === "string");
  const r = await ms.runExtraction();
  assert.equal(r.memoriesCreated, 1);
  const [job] = await ms.listExtractionJobs(sp.id);
  assert.equal(job.sessionDeleted, true);
  await assert.rejects(ms.getSession(sp.id, se.id), (e) => e.code === "gone" && e.details.state === undefined);
});

test("commitSession reports extracted, deduplicated and created; jobs are paged and pruned", async () => {
  const { llm } = scripted([
    { text: JSON.stringify({ memories: [{ content: "The user likes opera", importance: 0.9 }, { content: "the user likes opera!", importance: 0.9 }] }) },
  ]);
  const ms = await fresh(llm);
  const sp = await ms.createSpace({});
  const se = await ms.createSession(sp.id, { participants: ["u1"] });
  await ms.postEvent(sp.id, se.id, { body: { content: "I like opera" }, emitter: user });
  const r = await ms.commitSession(sp.id, se.id, { maxMemories: 5, categories: ["preference", "fact"] });
  assert.deepEqual([r.memoriesExtracted, r.memoriesDeduplicated, r.memoriesCreated], [2, 1, 1]);
  assert.equal(r.sessionId, se.id);
  await assert.rejects(ms.commitSession(sp.id, se.id, { maxMemories: 501 }), (e) => e.code === "validation" && e.details.field === "maxMemories");
  const page = await ms.listExtractionJobs(sp.id, { sessionId: se.id, limit: 1 });
  assert.equal(page.length, 1);
  assert.equal(page[0].kind, "commit");
  assert.equal(await ms.getExtractionJob(sp.id, page[0].id).then((j) => j.id), page[0].id);
  await assert.rejects(ms.retryExtractionJob(sp.id, page[0].id), (e) => e.code === "conflict");
  assert.equal(await ms.pruneExtractionJobs(sp.id, {}), 1);
  assert.deepEqual(await ms.listExtractionJobs(sp.id), []);
});
