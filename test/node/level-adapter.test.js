// The "Persisting in Node" recipe of docs/browser.md: examples/level-kv.mjs, a KvAdapter over
// LevelDB. A full flow survives closing and reopening the database, and the adapter passes the
// engine's precondition rules (a stale writer gets `conflict`, nothing half-applied).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Memspace } from "memspace";
import { LevelKv } from "../../examples/level-kv.mjs";

test("a KV adapter over LevelDB keeps a conversation across a restart", async () => {
  const dir = await mkdtemp(join(tmpdir(), "memspace-level-"));
  try {
    let kv = new LevelKv(dir);
    await kv.open();
    let ms = await Memspace.open({ kv, principal: { userId: "u1", tenantId: "t1" } });
    const sp = await ms.createSpace({ description: "assistant" });
    const se = await ms.createSession(sp.id, { participants: ["u1"], deduplicationKey: "chat-1" });
    const user = { type: "user", id: "u1" };
    await ms.postEvents(sp.id, se.id, Array.from({ length: 30 }, (_, i) => ({ body: { i, text: `m${i}` }, emitter: user })));
    // Two handles racing on one adapter: every acknowledged append lands exactly once.
    const other = await Memspace.open({ kv, principal: { userId: "u1", tenantId: "t1" } });
    const results = await Promise.allSettled([
      ...Array.from({ length: 5 }, (_, i) => ms.postEvent(sp.id, se.id, { body: { a: i }, emitter: user })),
      ...Array.from({ length: 5 }, (_, i) => other.postEvent(sp.id, se.id, { body: { b: i }, emitter: user })),
    ]);
    const ok = results.filter((r) => r.status === "fulfilled").length;
    await kv.close();

    kv = new LevelKv(dir);
    await kv.open();
    ms = await Memspace.open({ kv, principal: { userId: "u1", tenantId: "t1" } });
    const session = await ms.getSession(sp.id, se.id);
    assert.equal(session.eventCount, 30 + ok);
    const last = await ms.listEvents(sp.id, se.id, { lastN: 3 });
    assert.equal(last.at(-1).sequenceId, 30 + ok - 1);
    const [found] = await ms.listSessions(sp.id, { deduplicationKey: "chat-1" });
    assert.equal(found.id, se.id);
    await kv.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
