// What a user runs after `npm install memspace` in Node: memory storage and the adapter path.
import assert from "node:assert/strict";
import { Memspace, MemspaceError, MemoryKv } from "memspace";

for (const options of [{ storage: "memory" }, { kv: new MemoryKv() }]) {
  const ms = await Memspace.open(options);
  const space = await ms.createSpace({ description: "smoke" });
  const session = await ms.createSession(space.id, { participants: ["u1"] });
  await ms.postEvents(space.id, session.id, [
    { body: { content: "hello" }, emitter: { type: "user", id: "u1" } },
    { body: { content: "hi there" }, emitter: { type: "agent", id: "bot" } },
  ]);
  const events = await ms.listEvents(space.id, session.id, { lastN: 20 });
  assert.deepEqual(events.map((e) => e.body.content), ["hello", "hi there"]);
  const err = await ms.getSpace("spc_missing").catch((e) => e);
  assert.ok(err instanceof MemspaceError && err instanceof Error && err.code === "not_found" && err.status === 404);
  // The full module (memories): loaded on first use, over the same store.
  const { memory } = await ms.remember(space.id, { content: "from node" });
  assert.deepEqual((await ms.listMemories(space.id)).map((m) => m.id), [memory.id]);
  console.log(`smoke ok: ${ms.storage}, ${events.length} events, 1 memory`);
}
