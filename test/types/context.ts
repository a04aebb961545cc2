// Compile-only check of the context API's types: core blocks, contextFor, working context,
// workspaces. Typical calls type-check; misuse is rejected (@ts-expect-error).
import { Memspace } from "memspace";
import type { ArchivalMatch, ContextEntry, MemoryBlock, MemoryContext, Space } from "memspace";

export async function agentTurn(ms: Memspace, spaceId: string, sessionId: string): Promise<string> {
  const core: MemoryBlock = await ms.getBlock(spaceId, "core");
  await ms.updateBlock(spaceId, "core", { content: core.content + "\n- likes tea", expectedUpdatedAt: core.updatedAt });
  await ms.updateBlock(spaceId, "persona", { content: "I help.", agentId: "agent_a", readOnly: true });
  // @ts-expect-error content is required
  await ms.updateBlock(spaceId, "core", { expectedUpdatedAt: null });
  const ctx: MemoryContext = await ms.contextFor(spaceId, {
    agentId: "agent_a",
    sessionId,
    budgetTokens: 2000,
    policy: { archivalMode: "auto", archivalLimit: 5, archivalMinScore: 0.25 },
  });
  // @ts-expect-error archivalMode is tool_only or auto
  await ms.contextFor(spaceId, { policy: { archivalMode: "always" } });
  const matches: ArchivalMatch[] = await ms.recallArchival(spaceId, { query: "Acme renewal", agentId: "agent_a" });
  const line: number = matches[0]!.lineNumber;
  const entry: ContextEntry = await ms.setContext(spaceId, sessionId, "task", { step: 1 }, { ttlSeconds: 60 });
  const all: ContextEntry[] = await ms.getContext(spaceId, sessionId);
  const removed: boolean = await ms.deleteContext(spaceId, sessionId, "task");
  const touched = await ms.touchSession(spaceId, sessionId);
  const found: Space[] = await ms.findSpaces({ tags: ["knowledge"], match: "any" });
  const ws: Space | null = await ms.spaceByKey("_default");
  const b = await ms.briefing(spaceId, { lookbackMinutes: 120 });
  void [line, entry, all, removed, touched.expiresAt, found, ws, b.contradictions, ctx.snapshot.hash];
  return ctx.rendered;
}
