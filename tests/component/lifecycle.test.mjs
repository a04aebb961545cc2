// Lazy lifecycle through the component: strategies fire when the host clock moves (on
// access, or by sweep), dated at their due time; count triggers fire with the event that
// reaches them; extraction jobs land in the outbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { world, spaceAndSession, message, expectError, ttl, idle, eventCount, tokenCount } from './harness.mjs';

test('a ttl soft_delete fires on the first access after the host clock passes it', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w, { lifecycleStrategies: [{ kind: 'soft-delete', trigger: ttl(3600) }] });
  w.host.advanceSecs(3599);
  assert.equal(w.ms.getSession(space.id, session.id).executedStrategies.length, 0);
  w.host.advanceSecs(2);
  expectError(() => w.ms.getSession(space.id, session.id), 'gone');
  assert.deepEqual(w.ms.listSessions(space.id, {}), []);
});

test('idle extract_memories (soft_delete false) fires dated at last event + idle and queues a job', async () => {
  const w = await world();
  const space = w.ms.createSpace({ llmModelName: 'gpt-x', customInstructions: 'facts only' });
  const session = w.ms.createSession(space.id, {
    participants: ['u1'],
    lifecycleStrategies: [{ kind: 'extract-memories', trigger: idle(600), opts: { softDelete: false, agentId: 'agent-7', metadata: '{"src":"chat"}' } }],
  });
  w.host.advanceSecs(100);
  const last = w.ms.postEvents(space.id, session.id, [message('a'), message('b')]).at(-1);
  w.host.advanceSecs(3600);
  const s = w.ms.getSession(space.id, session.id);
  assert.equal(s.executedStrategies.length, 1);
  const [x] = s.executedStrategies;
  assert.equal(x.kind, 'extract-memories');
  assert.equal(x.dueAt, last.createdAt + 600_000_000n);
  assert.equal(x.firedAt, w.host.micros);
  const [job] = w.extraction.listExtractionJobs(w.ms, space.id, {});
  assert.equal(job.id, x.jobId);
  assert.equal(job.sessionId, session.id);
  assert.equal(job.fromSequenceId, 0n);
  assert.equal(job.toSequenceId, 2n);
  assert.equal(job.status, 'pending');
  assert.equal(job.llm.llmModelName, 'gpt-x');
  assert.equal(job.llm.customInstructions, 'facts only');
  assert.deepEqual(JSON.parse(job.strategy.opts.metadata), { src: 'chat' });
  // It fired once: touching again changes nothing.
  w.host.advanceSecs(3600);
  assert.deepEqual(w.ms.getSession(space.id, session.id), s);
});

test('an event_count strategy fires in the same commit as the event that reaches it', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w, {
    lifecycleStrategies: [{ kind: 'extract-memories', trigger: eventCount(3), opts: { softDelete: false } }],
  });
  w.ms.postEvents(space.id, session.id, [message('1'), message('2')]);
  assert.deepEqual(w.extraction.listExtractionJobs(w.ms, space.id, {}), []);
  w.ms.postEvent(space.id, session.id, message('3'));
  const [job] = w.extraction.listExtractionJobs(w.ms, space.id, {});
  assert.equal(job.toSequenceId, 3n);
  assert.equal(w.ms.getSession(space.id, session.id).executedStrategies[0].jobId, job.id);
});

test('a token_count strategy counts with the host tokenizer when it provides one', async () => {
  const w = await world();
  w.host.tokenizer = (text) => text.split(/\s+/).filter(Boolean).length; // words
  const { space, session } = await spaceAndSession(w, { lifecycleStrategies: [{ kind: 'soft-delete', trigger: tokenCount(5) }] });
  w.ms.postEvent(space.id, session.id, message('one two three four'));
  assert.equal(w.ms.getSession(space.id, session.id).tokenCount, 4n);
  w.ms.postEvent(space.id, session.id, message('five'));
  expectError(() => w.ms.getSession(space.id, session.id), 'gone');
});

test('when the host tokenizer answers none, the built-in estimate counts instead', async () => {
  const w = await world();
  const { space, session } = await spaceAndSession(w);
  w.ms.postEvent(space.id, session.id, message('hello world, this is a test'));
  assert.deepEqual(w.host.tokenRequests, ['hello world, this is a test']);
  const first = w.ms.getSession(space.id, session.id).tokenCount;
  assert.ok(first > 0n, 'the estimate counted the text');
  w.ms.postEvent(space.id, session.id, message('hello world, this is a test'));
  assert.equal(w.ms.getSession(space.id, session.id).tokenCount, 2n * first);
});

test('sweep fires due time triggers without any access, once, across principals', async () => {
  const w = await world();
  const { space } = await spaceAndSession(w);
  const ids = [0, 1, 2].map(() => w.ms.createSession(space.id, { participants: ['u1'], lifecycleStrategies: [{ kind: 'soft-delete', trigger: ttl(60) }] }).id);
  const other = w.memory.Memspace.open({ userId: 'ops', tenantId: 'host' });
  assert.deepEqual(other.sweep(10), { examined: 0n, fired: 0n, staleRemoved: 0n, memoriesExpired: 0n });
  w.host.advanceSecs(61);
  assert.deepEqual(other.sweep(2), { examined: 2n, fired: 2n, staleRemoved: 0n, memoriesExpired: 0n });
  assert.deepEqual(other.sweep(10), { examined: 1n, fired: 1n, staleRemoved: 0n, memoriesExpired: 0n });
  assert.deepEqual(other.sweep(10), { examined: 0n, fired: 0n, staleRemoved: 0n, memoriesExpired: 0n });
  for (const id of ids) expectError(() => w.ms.getSession(space.id, id), 'gone');
  assert.equal(w.ms.listSessions(space.id, {}).length, 1); // the default 180-day session lives on
});

test('a year of host time: every strategy fires exactly once', async () => {
  const w = await world();
  const space = w.ms.createSpace({});
  const strategies = [
    { kind: 'extract-memories', trigger: ttl(86400), opts: { softDelete: false } },
    { kind: 'extract-memories', trigger: idle(7 * 86400), opts: { softDelete: false } },
    { kind: 'soft-delete', trigger: ttl(300 * 86400) },
  ];
  const s = w.ms.createSession(space.id, { participants: ['u1'], lifecycleStrategies: strategies });
  for (let day = 0; day < 365; day++) {
    w.host.advanceSecs(86400);
    if (day < 3) w.ms.postEvent(space.id, s.id, message(`day ${day}`));
    w.ms.sweep(100);
  }
  expectError(() => w.ms.getSession(space.id, s.id), 'gone');
  assert.equal(w.extraction.listExtractionJobs(w.ms, space.id, {}).length, 2);
});
