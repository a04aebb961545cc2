// The playground inspector decodes the keys the engine writes. Keys come from a real engine on
// the in-memory KV; the head copy after a session's events (number part 2^64 − 1, first byte
// 0xff) is the case a left-to-right reader gets wrong.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Memspace, MemoryKv } from "memspace";
import { decodeKey, decodeValue, foldHead } from "../../www/inspect.js";

const ALL = [new Uint8Array([]), null, Number.MAX_SAFE_INTEGER, false];

test("the inspector decodes event keys and the session head copy stored after the events", async () => {
  const kv = new MemoryKv();
  const ms = await Memspace.open({ kv });
  const sp = await ms.createSpace();
  const se = await ms.createSession(sp.id, { participants: ["u1"] });
  await ms.postEvents(sp.id, se.id, Array.from({ length: 3 }, (_, i) => ({ body: { i }, emitter: { type: "user", id: "u1" } })));
  const keys = (await kv.scan(...ALL)).map(([k]) => decodeKey(k)).filter((k) => k.tag === "ev");
  assert.deepEqual(
    keys.map((k) => k.parts),
    [
      [sp.id, se.id, "#0"],
      [sp.id, se.id, "#1"],
      [sp.id, se.id, "#2"],
      [sp.id, se.id, `#${(1n << 64n) - 1n}`],
    ],
  );
  ms.close();
});

test("the inspector keeps a NUL escaped inside a string part before a trailing number", () => {
  const enc = new TextEncoder();
  const str = (s) => [...[...enc.encode(s)].flatMap((b) => (b === 0 ? [0, 0xff] : [b])), 0];
  const key = new Uint8Array([...str("ev"), ...str("a\u0000b"), ...str("c"), 0xff, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(decodeKey(key), { tag: "ev", parts: ["a\u0000b", "c", `#${(0xffn << 56n) | 1n}`] });
});

test("the inspector decodes the compact session head and its copy as the engine wrote them", async () => {
  const kv = new MemoryKv();
  // The append must move the idle schedule, or (in the millisecond the session was created) it
  // writes its event alone and the stored head keeps eventCount 0 for readers to fold.
  let now = Date.parse("2026-01-01T00:00:00Z");
  const ms = await Memspace.open({ kv, clock: () => now });
  const sp = await ms.createSpace();
  const created = await ms.createSession(sp.id, {
    participants: ["u1", "agent-é"],
    description: "head",
    metadata: { team: "a", n: [1, 2.5], nested: { k: null } },
    lifecycleStrategies: [{ type: "soft_delete", trigger: { idle: 3600 } }],
  });
  now += 1000;
  await ms.postEvents(sp.id, created.id, [{ body: { i: 0 }, emitter: { type: "user", id: "u1" }, eventType: "msg" }]);
  const se = await ms.getSession(sp.id, created.id);
  const rows = (await kv.scan(...ALL)).map(([k, v]) => [decodeKey(k), decodeValue(v), v]);
  const heads = rows.filter(([k]) => k.tag === "se" || (k.tag === "ev" && k.parts[2] === `#${(1n << 64n) - 1n}`));
  assert.equal(heads.length, 2);
  assert.deepEqual(heads[0][2], heads[1][2]);
  for (const [, value, bytes] of heads) {
    assert.equal(bytes[0], 4);
    assert.equal(value.kind, "record");
    assert.equal(value.format, 4);
    for (const [field, expected] of Object.entries(se)) assert.deepEqual(value.json[field], expected, field);
    assert.equal(value.json.nextDue, se.expiresAt);
    assert.equal(value.json.typePages, true);
    assert.equal(value.json.typeRuns, true);
    assert.deepEqual(value.json.typeMarks, [["msg", 0]]);
  }
  const broken = Uint8Array.from(heads[0][2]);
  broken[broken.length - 1] ^= 1;
  assert.deepEqual(decodeValue(broken), { kind: "corrupt", reason: "checksum mismatch" });
  ms.close();
});

test("the inspector decodes the running token count of appended events and folds them into the head", async () => {
  const kv = new MemoryKv();
  const ms = await Memspace.open({ kv });
  const sp = await ms.createSpace();
  const created = await ms.createSession(sp.id, { participants: ["u1"] });
  for (let i = 0; i < 3; i++) await ms.postEvent(sp.id, created.id, { body: { text: `message ${i}` }, emitter: { type: "user", id: "u1" } });
  const se = await ms.getSession(sp.id, created.id);
  const rows = (await kv.scan(...ALL)).map(([k, v]) => [decodeKey(k), decodeValue(v)]);
  const events = rows.filter(([k]) => k.tag === "ev" && k.parts[2] !== `#${(1n << 64n) - 1n}`);
  assert.equal(events.length, 3);
  const [key, newest] = events[2];
  assert.equal(newest.format, 5);
  assert.equal(newest.json.tokensAfter, se.tokenCount);
  assert.deepEqual(newest.json.body, { text: "message 2" });
  // The stored head predates these appends; folded with the newest event it is the session.
  const [, head] = rows.find(([k]) => k.tag === "se");
  assert.ok(head.json.eventCount < 3);
  const folded = foldHead(head.json, { seq: BigInt(key.parts[2].slice(1)), value: newest });
  assert.deepEqual(folded, { eventCount: se.eventCount, tokenCount: se.tokenCount, lastEventAt: se.lastEventAt });
  ms.close();
});
