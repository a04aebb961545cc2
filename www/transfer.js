// Export and import of a space as a JSON file, through the public API only: the space's
// settings, its live sessions with their events, its core blocks, its memories (active,
// superseded and forgotten, oldest first) with the links between them, and its memory stores
// with their current entries. Importing creates a new space (new ids): memories are
// remembered again in the order they became true, so a logical key's newer memory supersedes
// the older one as it did; forgotten ones are forgotten again; links are re-made.

export const FORMAT = "memspace-playground-export/1";

async function all(fetchPage) {
  const out = [];
  for (let offset = 0; ; offset += 100) {
    const page = await fetchPage({ offset, limit: 100 });
    out.push(...page);
    if (page.length < 100) return out;
  }
}

export async function exportSpace(ms, spaceId, now = Date.now()) {
  const space = await ms.getSpace(spaceId);
  const sessions = [];
  for (const s of await all((p) => ms.listSessions(spaceId, p))) {
    const events = await all((p) => ms.listEvents(spaceId, s.id, p));
    sessions.push({ id: s.id, participants: s.participants, description: s.description, metadata: s.metadata, lifecycleStrategies: s.lifecycleStrategies, events: events.map((e) => ({ body: e.body, emitter: e.emitter, eventType: e.eventType })) });
  }
  const blocks = (await ms.listBlocks(spaceId, { scope: "all" })).map((b) => ({ blockType: b.blockType, content: b.content, agentId: b.agentId ?? null, description: b.description ?? null, limitTokens: b.limitTokens, limitBytes: b.limitBytes, readOnly: b.readOnly }));
  const memories = (await all((p) => ms.listMemories(spaceId, { ...p, statuses: ["active", "superseded", "forgotten"] })))
    // Past their expiry they are not shown any more (and remember refuses a past expiresAt).
    .filter((m) => !m.expiresAt || Date.parse(m.expiresAt) > now)
    .sort((a, b) => a.validAt.localeCompare(b.validAt) || a.createdAt.localeCompare(b.createdAt));
  const exported = new Set(memories.map((m) => m.id));
  const associations = [];
  for (const m of memories) {
    if (m.status === "forgotten") continue;
    for (const a of await all((p) => ms.getAssociations(spaceId, m.id, { ...p, direction: "out", includeSuperseded: true }))) {
      // Supersession records its own `supersedes` edge when the memories are remembered again.
      if (a.relationship !== "supersedes" && exported.has(a.targetId)) associations.push({ sourceId: a.sourceId, targetId: a.targetId, relationship: a.relationship, strength: a.strength, metadata: a.metadata });
    }
  }
  const stores = [];
  for (const st of await all((p) => ms.listStores(spaceId, p))) {
    const entries = [];
    for (const e of await all((p) => ms.listEntries(spaceId, st.id, p))) {
      const full = await ms.getEntry(spaceId, st.id, e.id);
      entries.push({ path: full.path, content: full.content, metadata: full.metadata });
    }
    stores.push({ name: st.name, description: st.description, metadata: st.metadata, entries });
  }
  return {
    format: FORMAT,
    exportedAt: new Date().toISOString(),
    space: { name: space.name ?? null, description: space.description, tags: space.tags ?? [], settings: space.settings ?? {}, customInstructions: space.customInstructions, llmModelName: space.llmModelName, llmBaseUrl: space.llmBaseUrl },
    sessions,
    blocks,
    memories: memories.map((m) => ({
      id: m.id,
      content: m.content,
      type: m.type,
      subtype: m.subtype,
      importance: m.importance,
      tags: m.tags,
      metadata: m.metadata,
      contextId: m.contextId,
      logicalKey: m.logicalKey,
      provenance: m.provenance,
      validAt: m.validAt,
      expiresAt: m.expiresAt,
      status: m.status,
    })),
    associations,
    stores,
  };
}

export async function importSpace(ms, data) {
  if (!data || data.format !== FORMAT) throw new Error(`This file is not a playground export (expected format "${FORMAT}").`);
  const s = data.space ?? {};
  const space = await ms.createSpace({ name: s.name ? `${s.name} (imported)` : "Imported space", description: s.description ?? null, tags: s.tags ?? [], settings: s.settings ?? {}, customInstructions: s.customInstructions ?? null, llmModelName: s.llmModelName ?? null, llmBaseUrl: s.llmBaseUrl ?? null });
  for (const b of data.blocks ?? []) await ms.updateBlock(space.id, b.blockType, { content: b.content, agentId: b.agentId, description: b.description, limitTokens: b.limitTokens, limitBytes: b.limitBytes, readOnly: b.readOnly });
  const sessionIds = new Map();
  for (const se of data.sessions ?? []) {
    const session = await ms.createSession(space.id, { participants: se.participants, description: se.description, metadata: se.metadata, lifecycleStrategies: se.lifecycleStrategies });
    if (se.id) sessionIds.set(se.id, session.id);
    for (let i = 0; i < se.events.length; i += 200) await ms.postEvents(space.id, session.id, se.events.slice(i, i + 200));
  }
  const memoryIds = new Map();
  for (const m of data.memories ?? []) {
    const provenance = m.provenance ? { ...m.provenance } : undefined;
    if (provenance?.sessionId) provenance.sessionId = sessionIds.get(provenance.sessionId) ?? provenance.sessionId;
    const input = { content: m.content, type: m.type, subtype: m.subtype, importance: m.importance, tags: m.tags, metadata: m.metadata, contextId: m.contextId, logicalKey: m.logicalKey, provenance, validAt: m.validAt, expiresAt: m.expiresAt };
    for (const k of Object.keys(input)) if (input[k] === undefined || input[k] === null) delete input[k];
    const { memory } = await ms.remember(space.id, input);
    memoryIds.set(m.id, memory.id);
    if (m.status === "forgotten") await ms.forgetMemory(space.id, memory.id);
  }
  for (const a of data.associations ?? []) {
    const source = memoryIds.get(a.sourceId);
    const target = memoryIds.get(a.targetId);
    if (source && target) await ms.associate(space.id, source, { targetId: target, relationship: a.relationship, strength: a.strength, metadata: a.metadata });
  }
  for (const st of data.stores ?? []) {
    const store = await ms.createStore(space.id, { name: st.name, description: st.description, metadata: st.metadata });
    for (const e of st.entries) await ms.createEntry(space.id, store.id, { path: e.path, content: e.content, metadata: e.metadata });
  }
  return space;
}
