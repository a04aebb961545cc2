// The directory protocol under failure, in real workerd: each test cuts a space creation or
// deletion at one of the points where a request can die between the DirectoryObject and the
// SpaceObject (by calling the objects' RPC methods directly instead of going through the
// Worker), then checks over HTTP that listings, deduplication keys and direct access recover.
// Also concurrency: racing creates with one deduplication key, racing appends to one session.
//
//   node --test test/directory.test.mjs      (scripts/test-edge.sh runs it)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Miniflare } from "miniflare";
import { options, TOKENS } from "./workerd-config.mjs";

const [TOKEN] = TOKENS.EDGE_TOKEN_A;
const ALICE = TOKENS.EDGE_TOKEN_A[1];
const GRACE_MS = 30_000;
let mf, base, dir, spaces;

before(async () => {
  mf = new Miniflare(await options());
  const url = await mf.ready;
  base = `http://127.0.0.1:${url.port}/api/v2/`;
  const dirs = await mf.getDurableObjectNamespace("DIRECTORY");
  dir = dirs.get(dirs.idFromName(JSON.stringify([ALICE.tenantId, ALICE.userId])));
  spaces = await mf.getDurableObjectNamespace("SPACES");
});

after(async () => {
  await mf?.dispose();
});

async function http(method, path, body) {
  const r = await fetch(base + path, {
    method,
    headers: { Authorization: `Token ${TOKEN}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

const key = (name) => `${name}-${crypto.randomUUID().slice(0, 8)}`;
const space = (id) => spaces.get(spaces.idFromName(id));
const listed = async (q = "") => (await http("GET", `memory/${q}`)).body.items.map((s) => s.memorySpaceId);
const plain = (v) => JSON.parse(JSON.stringify(v));

test("dies after reserve, before create: invisible, and the key is taken over", async () => {
  const k = key("reserve-only");
  const id = crypto.randomUUID();
  assert.deepEqual(plain(await dir.reserve(ALICE, id, k)), { ok: true });
  assert.deepEqual(await listed(`?deduplicationKey=${k}`), []);
  assert.ok(!(await listed()).includes(id));
  const created = await http("POST", "memory/new/", { description: "winner", deduplicationKey: k });
  assert.equal(created.status, 201);
  assert.notEqual(created.body.memorySpaceId, id);
  // The dead request's object was sealed: its create can never succeed now.
  const late = plain(await space(id).createSpace(ALICE, id, { deduplicationKey: k }));
  assert.equal(late.status, 409);
  assert.equal(late.body.code, "abandoned");
  assert.equal((await http("GET", `memory/${id}/`)).status, 404);
  assert.deepEqual(await listed(`?deduplicationKey=${k}`), [created.body.memorySpaceId]);
  const all = await listed();
  assert.ok(all.includes(created.body.memorySpaceId) && !all.includes(id));
});

test("dies after reserve, before create, without a key: resolved and dropped after the grace period", async () => {
  const id = crypto.randomUUID();
  await dir.reserve(ALICE, id, null);
  const later = plain(await dir.listSpaces(ALICE, { offset: 0, limit: 100, dedupKey: null }, Date.now() + GRACE_MS + 1000));
  assert.ok(!later.map((s) => s.memorySpaceId).includes(id));
  const late = plain(await space(id).createSpace(ALICE, id, {}));
  assert.equal(late.status, 409);
});

test("dies after create, before confirm: reachable at once, listed after the grace period, key held", async () => {
  const k = key("unconfirmed");
  const id = crypto.randomUUID();
  await dir.reserve(ALICE, id, k);
  const made = plain(await space(id).createSpace(ALICE, id, { description: "orphan?", deduplicationKey: k }));
  assert.equal(made.status, 201);
  assert.equal(made.body.memorySpaceId, id);
  const got = await http("GET", `memory/${id}/`);
  assert.equal(got.status, 200);
  assert.equal(got.body.description, "orphan?");
  assert.ok(!(await listed()).includes(id), "young pending entries are not listed");
  // A retry with the same key adopts it (409 with this id), as the SDK's dedup expects.
  const retry = await http("POST", "memory/new/", { deduplicationKey: k });
  assert.equal(retry.status, 409);
  assert.equal(retry.body.existingMemorySpaceId, id);
  assert.ok((await listed()).includes(id), "the dedup check confirmed the entry");
});

test("dies after create, before confirm, without a key: the listing confirms it after the grace period", async () => {
  const id = crypto.randomUUID();
  await dir.reserve(ALICE, id, null);
  assert.equal(plain(await space(id).createSpace(ALICE, id, { description: "late" })).status, 201);
  assert.ok(!(await listed()).includes(id));
  const later = plain(await dir.listSpaces(ALICE, { offset: 0, limit: 100, dedupKey: null }, Date.now() + GRACE_MS + 1000));
  assert.ok(later.map((s) => s.memorySpaceId).includes(id));
  assert.ok((await listed()).includes(id), "confirmed for good");
});

test("dies after delete, before forget: dropped from listings, key free again", async () => {
  for (const firstLook of ["list", "create"]) {
    const k = key(`deleted-${firstLook}`);
    const made = await http("POST", "memory/new/", { deduplicationKey: k });
    assert.equal(made.status, 201);
    const id = made.body.memorySpaceId;
    // The request dies between the delete and the directory's forget (no push): the space
    // object's outbox alarm tells the directory (listings read the directory's copies).
    const req = { method: "DELETE", path: `/api/v2/memory/${id}/`, query: "", headers: [], body: new Uint8Array(0) };
    const del = await space(id).handle(ALICE, req, true, false);
    assert.equal(del.status, 204);
    assert.equal((await http("GET", `memory/${id}/`)).status, 404, "gone at once for direct access");
    if (firstLook === "list") {
      const deadline = Date.now() + 15_000;
      while ((await listed()).includes(id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      assert.ok(!(await listed()).includes(id));
      assert.deepEqual(await listed(`?deduplicationKey=${k}`), []);
    }
    const again = await http("POST", "memory/new/", { deduplicationKey: k });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.notEqual(again.body.memorySpaceId, id);
    assert.deepEqual(await listed(`?deduplicationKey=${k}`), [again.body.memorySpaceId]);
    // A deleted space's object is sealed: it never holds another space.
    assert.equal(plain(await space(id).createSpace(ALICE, id, {})).status, 409);
  }
});

test("a refused creation releases its reservation and key", async () => {
  const k = key("refused");
  const bad = await http("POST", "memory/new/", { deduplicationKey: k, llmModelName: "x".repeat(201) });
  assert.equal(bad.status, 422);
  const ok = await http("POST", "memory/new/", { deduplicationKey: k });
  assert.equal(ok.status, 201);
  assert.deepEqual(await listed(`?deduplicationKey=${k}`), [ok.body.memorySpaceId]);
});

test("racing creates with one deduplication key: one winner, the others get its id", async () => {
  const k = key("race");
  const results = await Promise.all(Array.from({ length: 8 }, () => http("POST", "memory/new/", { deduplicationKey: k })));
  const won = results.filter((r) => r.status === 201);
  assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
  const winner = won[0].body.memorySpaceId;
  for (const r of results.filter((r) => r.status !== 201)) {
    assert.equal(r.status, 409);
    assert.equal(r.body.errorName, "MemorySpaceDeduplicationConflict");
    assert.equal(r.body.existingMemorySpaceId, winner);
  }
  assert.deepEqual(await listed(`?deduplicationKey=${k}`), [winner]);
  assert.equal((await listed()).filter((id) => id === winner).length, 1);
});

test("racing appends to one session get distinct, contiguous sequence ids", async () => {
  const s = (await http("POST", "memory/new/", {})).body.memorySpaceId;
  const ses = (await http("POST", `memory/${s}/sessions/`, { participants: ["u1"] })).body.id;
  const path = `memory/${s}/sessions/${ses}/events/`;
  const posted = await Promise.all(Array.from({ length: 24 }, (_, i) => http("POST", path, { body: { n: i }, emitter: { type: "agent" } })));
  assert.ok(posted.every((r) => r.status === 201));
  assert.deepEqual(posted.map((r) => r.body.sequenceId).sort((a, b) => a - b), Array.from({ length: 24 }, (_, i) => i));
  const read = (await http("GET", `${path}?limit=100`)).body.items;
  assert.deepEqual(read.map((e) => e.sequenceId), Array.from({ length: 24 }, (_, i) => i));
  const bySeq = new Map(posted.map((r) => [r.body.sequenceId, r.body.body.n]));
  assert.ok(read.every((e) => bySeq.get(e.sequenceId) === e.body.n), "each stored body is the one its post returned");
});
