// Core blocks, the per-turn memory context, working context and workspaces through the
// component's `agent-context` interface (functions that borrow the `memspace` handle).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { world, instanceExports, expectError, message, idle, set, keep } from './harness.mjs';

async function ctxWorld() {
  const w = await world();
  const space = w.ms.createSpace({});
  return { ...w, ac: w.agentContext, space };
}

const write = (content, extra = {}) => ({ content, ...extra });

test('expected-updated-at none creates a missing block; an existing block needs its updated-at', async () => {
  const { ms, ac, space, host } = await ctxWorld();
  const b = ac.updateBlock(ms, space.id, 'core', write('- Prefers concise answers'));
  assert.match(b.id, /^blk_/);
  assert.equal(b.scope, 'user');
  assert.equal(b.version, 1n);
  assert.equal(b.limitTokens, 2000n);
  assert.equal(b.limitBytes, 8192n);
  const again = expectError(() => ac.updateBlock(ms, space.id, 'core', write('x')), 'conflict');
  assert.equal(again.details.current_updated_at_micros, Number(b.updatedAt));
  host.advanceSecs(1);
  const u = ac.updateBlock(ms, space.id, 'core', write('- Works in America/New_York', { expectedUpdatedAt: b.updatedAt }));
  assert.equal(u.version, 2n);
  assert.ok(u.updatedAt > b.updatedAt);
  assert.deepEqual(ac.getBlock(ms, space.id, 'core', undefined), u);
  const missing = expectError(() => ac.updateBlock(ms, space.id, 'persona', write('x', { expectedUpdatedAt: 1n })), 'conflict');
  assert.equal(missing.details.current_updated_at, null);
});

test('two writers updating one block: exactly one wins, the other gets conflict with the current updated-at', async () => {
  const { kv, host, ms, ac, space } = await ctxWorld();
  // A second component instance over the same store: another worker request.
  const other = await instanceExports(kv, host);
  const ms2 = other.memory.Memspace.open({ userId: 'u1', tenantId: 't1' });
  const b = ac.updateBlock(ms, space.id, 'core', write('start'));
  const read1 = ac.getBlock(ms, space.id, 'core', undefined);
  const read2 = other.agentContext.getBlock(ms2, space.id, 'core', undefined);
  assert.equal(read1.updatedAt, read2.updatedAt);
  const winner = other.agentContext.updateBlock(ms2, space.id, 'core', write('from B', { expectedUpdatedAt: read2.updatedAt }));
  const loser = expectError(() => ac.updateBlock(ms, space.id, 'core', write('from A', { expectedUpdatedAt: read1.updatedAt })), 'conflict');
  assert.equal(loser.details.current_updated_at_micros, Number(winner.updatedAt));
  assert.equal(loser.details.precondition, 'expected_updated_at');
  assert.equal(ac.getBlock(ms, space.id, 'core', undefined).content, 'from B');
  assert.equal(b.version, 1n);
});

test('blocks are user- or agent-scoped, listed by scope, versioned, and read-only until unlocked', async () => {
  const { ms, ac, space } = await ctxWorld();
  ac.updateBlock(ms, space.id, 'core', write('user facts'));
  ac.updateBlock(ms, space.id, 'core', write('agent facts', { agentId: 'agent_emails' }));
  const persona = ac.updateBlock(ms, space.id, 'persona', write('I file emails.', { agentId: 'agent_emails', description: 'Who I am', readOnly: true }));
  assert.equal(persona.scope, 'agent');
  assert.deepEqual(ac.listBlocks(ms, space.id, {}).map((b) => b.content), ['user facts']);
  assert.deepEqual(ac.listBlocks(ms, space.id, { agentId: 'agent_emails' }).map((b) => b.blockType), ['core', 'persona']);
  assert.equal(ac.listBlocks(ms, space.id, { scope: 'all' }).length, 3);
  const locked = expectError(() => ac.updateBlock(ms, space.id, 'persona', write('changed', { agentId: 'agent_emails', expectedUpdatedAt: persona.updatedAt })), 'conflict');
  assert.equal(locked.details.precondition, 'read_only');
  expectError(() => ac.deleteBlock(ms, space.id, 'persona', 'agent_emails', undefined), 'conflict');
  const open = ac.updateBlock(ms, space.id, 'persona', write('I file and answer emails.', { agentId: 'agent_emails', expectedUpdatedAt: persona.updatedAt, readOnly: false }));
  const history = ac.listBlockVersions(ms, space.id, 'persona', 'agent_emails', {});
  assert.deepEqual(history.map((v) => [v.version, v.change]), [[2n, 'updated'], [1n, 'created']]);
  assert.deepEqual(history[0].block, open);
  ac.deleteBlock(ms, space.id, 'persona', 'agent_emails', open.updatedAt);
  expectError(() => ac.getBlock(ms, space.id, 'persona', 'agent_emails'), 'not-found');
  expectError(() => ac.updateBlock(ms, space.id, 'archival', write('x')), 'validation');
  expectError(() => ac.updateBlock(ms, space.id, 'small', write('12345678901', { limitBytes: 10n })), 'validation');
});

test('context-for keeps the block snapshot byte-identical across turns until a block changes', async () => {
  const { ms, ac, space, host } = await ctxWorld();
  ac.updateBlock(ms, space.id, 'core', write('- Prefers concise answers'));
  ac.updateBlock(ms, space.id, 'persona', write('I am the records agent.', { agentId: 'agent_records' }));
  const session = ms.createSession(space.id, { participants: ['u1'], lifecycleStrategies: [] });
  const req = { agentId: 'agent_records', sessionId: session.id, policy: {}, refresh: false };
  const first = ac.contextFor(ms, space.id, req);
  assert.equal(first.parts.map((p) => p.kind).join(','), 'user-core,agent-core,events,archival');
  for (let i = 0; i < 3; i++) {
    ms.postEvent(space.id, session.id, message(`turn ${i}`));
    host.advanceSecs(30);
    const c = ac.contextFor(ms, space.id, req);
    assert.equal(c.snapshot.hash, first.snapshot.hash);
    assert.ok(c.snapshot.reused);
    assert.ok(c.rendered.startsWith(first.rendered), 'the blocks are the unchanged prefix');
    assert.equal(c.events.length, i + 1);
  }
  const core = ac.getBlock(ms, space.id, 'core', undefined);
  ac.updateBlock(ms, space.id, 'core', write('- Prefers detailed answers', { expectedUpdatedAt: core.updatedAt }));
  const changed = ac.contextFor(ms, space.id, req);
  assert.notEqual(changed.snapshot.hash, first.snapshot.hash);
  assert.ok(changed.rendered.includes('detailed'));
  assert.equal(ac.contextFor(ms, space.id, req).snapshot.hash, changed.snapshot.hash);
});

test('context-for never exceeds the budget and leaves archival memory out with tool-only', async () => {
  const { ms, ac, space } = await ctxWorld();
  ac.updateBlock(ms, space.id, 'core', write('many words in the user block '.repeat(10)));
  const session = ms.createSession(space.id, { participants: ['u1'], lifecycleStrategies: [] });
  for (let i = 0; i < 20; i++) ms.postEvent(space.id, session.id, message(`message ${i} with some words in it`));
  for (const budget of [1n, 5n, 17n, 40n, 80n, 160n, 400n, 4096n]) {
    const c = ac.contextFor(ms, space.id, { sessionId: session.id, query: 'acme', budgetTokens: budget, policy: {}, refresh: false });
    assert.ok(c.tokens <= budget, `${c.tokens} tokens for ${budget}`);
    assert.equal(c.archival.length, 0);
    assert.equal(c.query, undefined);
  }
  expectError(() => ac.contextFor(ms, space.id, { budgetTokens: 0n, policy: {}, refresh: false }), 'validation');
});

test('working context: values verbatim, lazy ttl, delete, and touch-session extending an idle session', async () => {
  const { ms, ac, space, host } = await ctxWorld();
  const session = ms.createSession(space.id, { participants: ['u1'], lifecycleStrategies: [{ kind: 'soft-delete', trigger: idle(3600) }] });
  assert.equal(session.expiresAt, session.createdAt + 3600_000_000n);
  const value = JSON.stringify({ step: 3, snake_case: ['kept'] });
  const e = ac.setContext(ms, space.id, session.id, 'task', value, undefined);
  assert.equal(e.value, value);
  ac.setContext(ms, space.id, session.id, 'otp', '"1234"', 30n);
  assert.deepEqual(ac.getContext(ms, space.id, session.id, []).map((x) => x.key), ['otp', 'task']);
  host.advanceSecs(31);
  assert.deepEqual(ac.getContext(ms, space.id, session.id, ['otp', 'task']).map((x) => x.key), ['task']);
  assert.equal(ac.deleteContext(ms, space.id, session.id, 'task'), true);
  assert.equal(ac.deleteContext(ms, space.id, session.id, 'task'), false);
  expectError(() => ac.setContext(ms, space.id, session.id, 'bad', '{not json', undefined), 'validation');
  host.advanceSecs(3000);
  const t = ac.touchSession(ms, space.id, session.id);
  assert.equal(t.expiresAt, t.touchedAt + 3600_000_000n);
  host.advanceSecs(3000);
  assert.equal(ms.getSession(space.id, session.id).touchedAt, t.touchedAt);
  host.advanceSecs(700);
  expectError(() => ac.getContext(ms, space.id, session.id, []), 'gone');
});

test('spaces carry workspace name, tags and settings, and are found by tags or by key', async () => {
  const { ms, ac } = await ctxWorld();
  const fin = ms.createSpace({ name: 'fin', tags: ['topic:finance', 'knowledge'], settings: '{"retention_days":30}', deduplicationKey: 'ws-fin' });
  assert.deepEqual(fin.tags, ['knowledge', 'topic:finance']);
  assert.equal(JSON.parse(fin.settings).retention_days, 30);
  ms.createSpace({ name: 'ops', tags: ['knowledge'] });
  const byTag = ac.findSpaces(ms, { tags: ['knowledge'], page: {} }).map((s) => s.name);
  assert.deepEqual(byTag, ['fin', 'ops']);
  assert.deepEqual(ac.findSpaces(ms, { tags: ['topic:finance', 'nope'], matchMode: 'any', page: {} }).map((s) => s.name), ['fin']);
  assert.equal(ac.spaceByKey(ms, 'ws-fin').id, fin.id);
  assert.equal(ac.spaceByKey(ms, 'nope'), undefined);
  const u = ms.updateSpace(fin.id, { description: keep, llmModelName: keep, llmBaseUrl: keep, customInstructions: keep, name: set('finance'), tags: [] });
  assert.equal(u.name, 'finance');
  assert.deepEqual(u.tags, []);
  assert.equal(JSON.parse(u.settings).retention_days, 30);
  expectError(() => ms.createSpace({ settings: '[1]' }), 'validation');
});

test('briefing: new and superseded memories, the contradiction that closed one, active sessions', async () => {
  const w = await world();
  const { ms, memories, agentContext: ac, host } = w;
  const space = ms.createSpace({});
  const old = memories.remember(ms, space.id, { content: 'Lives in Boston', tags: [], logicalKey: 'user.city' }).memory;
  host.advanceSecs(2 * 3600);
  const quiet = ms.createSession(space.id, { participants: ['u1'], lifecycleStrategies: [] });
  host.advanceSecs(60);
  const now = memories.remember(ms, space.id, { content: 'Lives in Denver', tags: ['home'], logicalKey: 'user.city' }).memory;
  const busy = ms.createSession(space.id, { participants: ['u1'], lifecycleStrategies: [] });
  ms.postEvent(space.id, busy.id, message('moving next week'));
  const b = ac.briefing(ms, space.id, { lookbackMinutes: 30n });
  assert.deepEqual(b.newMemories.map((m) => m.id), [now.id]);
  assert.deepEqual(b.supersededMemories.map((m) => m.id), [old.id]);
  assert.equal(b.contradictions.length, 1);
  assert.equal(b.contradictions[0].memoryA, now.id);
  assert.equal(b.contradictions[0].memoryB, old.id);
  assert.equal(b.contradictions[0].logicalKey, 'user.city');
  assert.deepEqual(b.activeSessions.map((s) => s.sessionId), [busy.id, quiet.id]);
  assert.equal(b.summary.recentMemories, 1n);
  assert.deepEqual(b.summary.memoryTypes, [{ memoryType: 'semantic', count: 1n }]);
  assert.deepEqual(b.summary.activeTopics, ['home']);
  expectError(() => ac.briefing(ms, space.id, { lookbackMinutes: 0n }), 'validation');
});

test('the workspace schema lists the relationship types, memory types and subtypes', async () => {
  const { ms, ac, space } = await ctxWorld();
  const schema = ac.workspaceSchema(ms, space.id);
  assert.ok(schema.relationshipTypes.length >= 60);
  assert.ok(schema.relationshipTypes.some((r) => r.name === 'supersedes' && r.category));
  assert.equal(schema.memoryTypes.length, 4);
  assert.equal(schema.memorySubtypes.length, 12);
  assert.equal(schema.canCustomize, false);
});

test('recall-archival answers in the block platform shape and context-for auto adds bounded matches', async () => {
  const w = await world();
  const { ms, memories, agentContext: ac } = w;
  const space = ms.createSpace({});
  memories.remember(ms, space.id, { content: 'Acme account\nThe Acme renewal is due in March', tags: [] });
  memories.remember(ms, space.id, { content: 'Acme renewal pricing agreed', tags: [], provenance: { agentId: 'agent_records' } });
  const user = ac.recallArchival(ms, space.id, { query: 'Acme renewal' });
  assert.equal(user.length, 1);
  assert.equal(user[0].blockType, 'archival');
  assert.equal(user[0].scope, 'user');
  assert.equal(user[0].lineNumber, 2n);
  assert.ok(user[0].score > 0 && user[0].score <= 1);
  const both = ac.recallArchival(ms, space.id, { query: 'Acme renewal', agentId: 'agent_records' });
  assert.deepEqual(both.map((m) => m.scope).sort(), ['agent', 'user']);
  expectError(() => ac.recallArchival(ms, space.id, { query: '' }), 'validation');
  const c = ac.contextFor(ms, space.id, {
    agentId: 'agent_records', query: 'Acme renewal', policy: { archivalMode: 'auto', archivalLimit: 1 }, refresh: false,
  });
  assert.equal(c.archival.length, 1);
  assert.equal(c.query, 'Acme renewal');
  assert.ok(c.rendered.endsWith('</archival_memory>'));
});
