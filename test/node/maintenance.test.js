// verifySpace and restoreSpace through the built npm package, over a JS KV adapter whose bytes
// the test can flip.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Memspace, MemspaceError, MemoryKv } from "memspace";

const user = { type: "user", id: "u1" };

test("verifySpace reports a flipped byte; the other events stay readable", async () => {
  const kv = new MemoryKv();
  const ms = await Memspace.open({ kv, principal: { userId: "u1", tenantId: "t1" } });
  const space = await ms.createSpace({});
  const session = await ms.createSession(space.id, { participants: ["u1"] });
  await ms.postEvents(space.id, session.id, ["a", "b", "c"].map((c) => ({ body: { c }, emitter: user })));
  assert.deepEqual((await ms.verifySpace(space.id)).problems, []);
  // Flip a byte of the value of event #1 (its key ends in the 8-byte sequence number 1).
  let flipped = 0;
  for (const [key, value] of await kv.scan(new Uint8Array([0x65, 0x76, 0]), new Uint8Array([0x65, 0x76, 1]), 100, false)) {
    if (key[key.length - 1] === 1 && key[key.length - 2] === 0) {
      value[value.length - 2] ^= 1;
      await kv.commit({ ops: [{ type: "put", key, value }], preconditions: [] });
      flipped++;
    }
  }
  assert.equal(flipped, 1);
  await assert.rejects(ms.listEvents(space.id, session.id, { offset: 1, limit: 1 }), (e) => e instanceof MemspaceError && e.code === "storage");
  assert.equal((await ms.listEvents(space.id, session.id, { offset: 2 })).length, 1);
  const report = await ms.verifySpace(space.id);
  assert.equal(report.problems.length, 1);
  assert.equal(report.problems[0].kind, "corrupt");
  assert.equal(report.problems[0].key, `ev/${space.id}/${session.id}/#1`);
  assert.equal(report.truncated, false);
  assert.ok(report.recordsChecked >= 5);
});

test("restoreSpace undoes deleteSpace with the space's sessions and events", async () => {
  const ms = await Memspace.open({ storage: "memory", name: `restore-${Math.random()}`, principal: { userId: "u1", tenantId: "t1" } });
  const space = await ms.createSpace({ deduplicationKey: "k" });
  const session = await ms.createSession(space.id, { participants: ["u1"] });
  await ms.postEvent(space.id, session.id, { body: { c: "kept" }, emitter: user });
  await ms.deleteSpace(space.id);
  await assert.rejects(ms.getSpace(space.id), (e) => e.code === "gone");
  const back = await ms.restoreSpace(space.id);
  assert.equal(back.id, space.id);
  assert.deepEqual((await ms.listEvents(space.id, session.id)).map((e) => e.body), [{ c: "kept" }]);
  await assert.rejects(ms.restoreSpace(7), (e) => e instanceof MemspaceError && e.code === "validation");
});
