// Extraction through the component: the imported `llm` (a scripted model behind the
// capability flag) and the exported `extraction` interface — jobs run to memories with
// provenance, soft delete after extraction, malformed answers retried after a backoff,
// leases, commit-session, and exactly-once memories when the commit after the model's
// answer is cut after every one of its writes (atomic and key-by-key stores).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { world, message, expectError, eventCount } from './harness.mjs';

const noFilter = { tags: [], statuses: [] };
const run = (w, extra = {}) => w.extraction.runExtraction(w.ms, { ...extra });
const jobs = (w, space) => w.extraction.listExtractionJobs(w.ms, space.id, {});
const contents = (w, space) => w.memories.listMemories(w.ms, space.id, noFilter, {}).map((m) => m.content).sort();
const answer = (...items) => ({ memories: items });

async function chat(w, { softDelete = false, lines = ['I live in Lisbon', 'I like green tea'] } = {}) {
  const space = w.ms.createSpace({ llmModelName: 'gpt-4o-mini', customInstructions: 'Be brief.' });
  const session = w.ms.createSession(space.id, {
    participants: ['u1'],
    lifecycleStrategies: [{ kind: 'extract-memories', trigger: eventCount(lines.length), opts: { softDelete, agentId: 'bot-1', metadata: '{"app":"demo"}' } }],
  });
  w.ms.postEvents(space.id, session.id, lines.map((l) => message(l)));
  return { space, session };
}

test('without an llm (available = false) run-extraction is unsupported and jobs stay pending', async () => {
  const w = await world();
  const { space } = await chat(w);
  expectError(() => run(w), 'unsupported');
  assert.equal(jobs(w, space)[0].status, 'pending');
});

test('a job becomes memories with provenance, agent id and metadata; the request carries the prompt', async () => {
  const w = await world({
    llm: [answer(
      { content: 'The user lives in Lisbon', category: 'fact', logicalKey: 'user.city', importance: 0.8, sourceEvents: [0] },
      { content: 'The user likes green tea', category: 'preference', sourceEvents: [1] },
    )],
  });
  const { space, session } = await chat(w);
  const r = run(w);
  assert.equal(r.done, 1n);
  assert.equal(r.memoriesCreated, 2n);
  const [job] = jobs(w, space);
  assert.equal(job.status, 'done');
  assert.equal(job.kind, 'strategy');
  assert.deepEqual(JSON.parse(job.breakdown), { preference: 1, profile: 1 });
  assert.equal(job.totalTokens, 15n);
  const city = w.memories.listMemories(w.ms, space.id, noFilter, {}).find((m) => m.logicalKey === 'user.city');
  assert.equal(city.provenance.sessionId, session.id);
  assert.equal(city.provenance.jobId, job.id);
  assert.equal(city.provenance.agentId, 'bot-1');
  assert.equal(city.provenance.eventFrom, 0n);
  assert.deepEqual(JSON.parse(city.metadata), { app: 'demo' });
  const [req] = w.llm.requests;
  assert.equal(req.purpose, 'extraction');
  assert.equal(req.model, 'gpt-4o-mini');
  assert.equal(req.format, 'json');
  assert.equal(req.messages[0].role, 'system');
  assert.ok(req.messages[0].content.includes('Be brief.'));
  assert.ok(req.messages[1].content.includes('[0] user (u1): I live in Lisbon'));
});

test('soft delete after extraction: hidden meanwhile (gone, awaiting_extraction), deleted once done', async () => {
  const w = await world({ llm: [answer({ content: 'The user likes green tea' })] });
  const { space, session } = await chat(w, { softDelete: true });
  const hidden = expectError(() => w.ms.getSession(space.id, session.id), 'gone');
  assert.equal(hidden.details.state, 'awaiting_extraction');
  assert.equal(hidden.details.job_id, jobs(w, space)[0].id);
  assert.match(hidden.message, /readable only to the extractor/);
  const r = run(w);
  assert.equal(r.memoriesCreated, 1n);
  const [job] = jobs(w, space);
  assert.equal(job.sessionDeleted, true);
  const gone = expectError(() => w.ms.getSession(space.id, session.id), 'gone');
  assert.equal(gone.details.state, undefined);
});

test('a malformed answer fails the attempt with the raw text kept; it is retried after the backoff', async () => {
  const w = await world({ llm: ['{"memories": [', { fail: 'timeout' }, answer({ content: 'The user likes jazz' })] });
  const { space } = await chat(w, { lines: ['I like jazz'] });
  let r = run(w);
  assert.equal(r.retrying, 1n);
  let [job] = jobs(w, space);
  assert.equal(job.lastError.reason, 'malformed_output');
  assert.equal(job.lastError.rawOutput, '{"memories": [');
  assert.equal(run(w).claimed, 0n, 'not before the backoff');
  w.host.advanceSecs(30);
  r = run(w);
  assert.equal(r.jobs[0].error.reason, 'timeout');
  w.host.advanceSecs(60);
  r = run(w);
  assert.equal(r.done, 1n);
  [job] = jobs(w, space);
  assert.equal(job.attempts, 3);
  assert.deepEqual(contents(w, space), ['The user likes jazz']);
});

test('a failed job can be retried; retrying any other is a conflict; done jobs are pruned', async () => {
  const w = await world({ llm: [{ fail: 'http' }, { fail: 'http' }, { fail: 'http' }, { fail: 'http' }, { fail: 'http' }, answer({ content: 'x' })] });
  const { space } = await chat(w, { lines: ['hello'] });
  for (let i = 0; i < 5; i++) {
    run(w);
    w.host.advanceSecs(3600);
  }
  let [job] = jobs(w, space);
  assert.equal(job.status, 'failed');
  const again = w.extraction.retryExtractionJob(w.ms, space.id, job.id);
  assert.equal(again.status, 'pending');
  expectError(() => w.extraction.retryExtractionJob(w.ms, space.id, job.id), 'conflict');
  assert.equal(run(w).done, 1n);
  assert.equal(w.extraction.getExtractionJob(w.ms, space.id, job.id).status, 'done');
  assert.equal(w.extraction.pruneExtractionJobs(w.ms, space.id, { includeFailed: false }), 1n);
  expectError(() => w.extraction.getExtractionJob(w.ms, space.id, job.id), 'not-found');
  assert.deepEqual(contents(w, space), ['x']);
});

test('commit-session extracts on demand and reports extracted, deduplicated and created', async () => {
  const w = await world({
    llm: [answer(
      { content: 'The user likes opera', importance: 0.9 },
      { content: 'the user likes OPERA', importance: 0.9 },
      { content: 'Trivia', importance: 0.1 },
    )],
  });
  const space = w.ms.createSpace({});
  const session = w.ms.createSession(space.id, { participants: ['u1'], lifecycleStrategies: [] });
  w.ms.postEvent(space.id, session.id, message('I like opera'));
  const r = w.extraction.commitSession(w.ms, space.id, session.id, { deduplicate: true, maxMemories: 10 });
  assert.equal(r.memoriesExtracted, 3n);
  assert.equal(r.memoriesDeduplicated, 1n);
  assert.equal(r.memoriesFiltered, 1n);
  assert.equal(r.memoriesCreated, 1n);
  assert.equal(r.jobIds.length, 1);
  const bad = expectError(() => w.extraction.commitSession(w.ms, space.id, session.id, { maxMemories: 0 }), 'validation');
  assert.equal(bad.details.field, 'max_memories');
  const failing = await world({ llm: [{ fail: 'timeout' }] });
  const s2 = failing.ms.createSpace({});
  const ses2 = failing.ms.createSession(s2.id, { participants: ['u1'], lifecycleStrategies: [] });
  failing.ms.postEvent(s2.id, ses2.id, message('I like tea'));
  const up = expectError(() => failing.extraction.commitSession(failing.ms, s2.id, ses2.id, {}), 'upstream');
  assert.equal(up.details.reason, 'timeout');
  assert.equal(jobs(failing, s2)[0].status, 'pending');
});

for (const atomic of [true, false]) {
  test(`memories are exactly once when the commit after the answer is cut after each write (${atomic ? 'atomic' : 'key-by-key'} store)`, async () => {
    const items = answer(
      { content: 'The user lives in Porto', logicalKey: 'user.city' },
      { content: 'The user likes tea' },
      { content: 'The user likes tea' },
      { content: 'The user works at Acme', logicalKey: 'user.employer' },
    );
    let expected = null;
    for (let cut = 0; cut < 80; cut++) {
      const base = await world({ atomic });
      const { space } = await chat(base, { softDelete: true, lines: ['I moved to Porto', 'I like tea', 'I work at Acme'] });
      // The model answers; the commit that follows is cut after `cut` of its writes.
      const crashing = await world({
        kv: base.kv,
        host: base.host,
        llm: [(req) => { base.kv.failNextCommit({ afterOps: cut }); return items; }],
      });
      let failed = false;
      try {
        run(crashing);
      } catch (e) {
        failed = true;
        assert.equal(e.payload.tag, 'storage');
      }
      // A restarted host: past the lease, it runs the job again with the same answer.
      base.host.advanceSecs(301);
      const again = await world({ kv: base.kv, host: base.host, llm: [items, items] });
      run(again);
      base.host.advanceSecs(3600);
      run(again);
      const state = {
        memories: contents(again, space),
        job: jobs(again, space).map((j) => [j.status, j.stats.created, j.sessionDeleted]),
        stats: again.memories.memoryStats(again.ms, space.id),
      };
      if (expected === null) expected = state;
      assert.deepEqual(state, expected, `cut after ${cut} writes`);
      if (!failed) break;
    }
    assert.deepEqual(expected.memories, ['The user likes tea', 'The user lives in Porto', 'The user works at Acme']);
    assert.deepEqual(expected.job, [['done', 3n, true]]);
  });
}
