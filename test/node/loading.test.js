// Loading the WebAssembly module: importing the package does no work, and a module that
// cannot be found fails the first Memspace.open() with a MemspaceError that says which file
// and how to pass it; a later open() can still succeed. (Its own file: node --test runs each
// file in a fresh process, so the module is not loaded yet.) The full module loads on the first
// call that needs it, beside the default one, over the same store.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { Memspace, MemspaceError, MemoryKv, wasmMemoryBytes } from "memspace";

test("the wasm-not-found error is caught at open(), never at import", async () => {
  assert.equal(wasmMemoryBytes(), 0, "importing loaded nothing");
  let err;
  try {
    await Memspace.open({ storage: "memory", wasm: "/nowhere/memspace_bg.wasm" });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof MemspaceError, String(err));
  assert.equal(err.code, "unsupported");
  assert.equal(err.details.wasm, "/nowhere/memspace_bg.wasm");
  assert.match(err.message, /\/nowhere\/memspace_bg\.wasm/, "names the file");
  assert.match(err.message, /file not found/);
  assert.match(err.message, /WebAssembly\.Module/, "says what else can be passed");
  assert.equal(wasmMemoryBytes(), 0);

  // Bytes work as a source too; afterwards the module stays loaded.
  const path = createRequire(import.meta.url).resolve("memspace/memspace_bg.wasm");
  const ms = await Memspace.open({ storage: "memory", wasm: await readFile(path) });
  assert.ok(wasmMemoryBytes() > 0);
  const sp = await ms.createSpace();
  assert.match(sp.id, /^spc_/);
  assert.equal((await Memspace.open({ storage: "memory" })).storage, "memory");
});

test("the full module loads on the first call that needs it; a missing one fails that call, not open() or the events", async () => {
  const before = wasmMemoryBytes();
  const ms = await Memspace.open({ storage: "memory", name: "split", fullWasm: "/nowhere/memspace_full_bg.wasm" });
  const sp = await ms.createSpace();
  const ses = await ms.createSession(sp.id, { participants: ["u1"] });
  await ms.postEvent(sp.id, ses.id, { body: { content: "hi" }, emitter: { type: "user", id: "u1" } });
  assert.equal(wasmMemoryBytes(), before, "events need only the default module");
  assert.equal(ms.relationshipTypes().length > 0, true, "relationshipTypes is in the default module");

  const err = await ms.remember(sp.id, { content: "likes tea" }).catch((e) => e);
  assert.ok(err instanceof MemspaceError, String(err));
  assert.equal(err.code, "unsupported");
  assert.equal(err.details.file, "memspace_full_bg.wasm");
  assert.equal(err.details.method, "remember");
  assert.equal(err.details.wasm, "/nowhere/memspace_full_bg.wasm");
  assert.match(err.message, /\/nowhere\/memspace_full_bg\.wasm/, "names the file");
  assert.match(err.message, /fullWasm/, "says how to pass it");
  assert.equal((await ms.listEvents(sp.id, ses.id, { lastN: 5 })).length, 1, "the handle still works");

  // The next call retries; a handle opened with the right file loads it, over the same store.
  const path = createRequire(import.meta.url).resolve("memspace/memspace_full_bg.wasm");
  const ms2 = await Memspace.open({ storage: "memory", name: "split", fullWasm: await readFile(path) });
  const { memory } = await ms2.remember(sp.id, { content: "likes tea" });
  assert.ok(wasmMemoryBytes() > before, "the full module's memory counts too");
  // The first handle's twin (now loadable: the module is loaded once per process) sees it.
  assert.deepEqual((await ms.listMemories(sp.id)).map((m) => m.id), [memory.id]);
});

test("a forPrincipal handle reaches the full module as its principal", async () => {
  const ms = await Memspace.open({ storage: "memory", name: "principals" });
  const other = ms.forPrincipal({ userId: "u2", tenantId: "t2" });
  const sp = await other.createSpace();
  await other.remember(sp.id, { content: "mine" });
  const err = await ms.listMemories(sp.id).catch((e) => e);
  assert.ok(err instanceof MemspaceError && err.code === "not_found", `another principal's space is not found: ${err}`);
  assert.equal((await other.listMemories(sp.id)).length, 1);
  other.free();
  const freed = await other.listMemories(sp.id).catch((e) => e);
  assert.ok(freed instanceof MemspaceError && freed.code === "validation");
});

test("both modules writing one session at once (appends in one, event updates and memories in the other) lose nothing", async () => {
  for (const options of [{ storage: "memory", name: "both-modules" }, { kv: new MemoryKv() }]) {
    const ms = await Memspace.open(options);
    const sp = await ms.createSpace();
    const ses = await ms.createSession(sp.id, { participants: ["u1"] });
    const ev = (i) => ({ body: { content: `m${i}` }, emitter: { type: "user", id: "u1" } });
    await ms.postEvent(sp.id, ses.id, ev(0));
    const n = 20;
    const results = await Promise.allSettled([
      ...Array.from({ length: n }, (_, i) => ms.postEvent(sp.id, ses.id, ev(i + 1))), // default module
      ...Array.from({ length: 5 }, (_, i) => ms.updateEvent(sp.id, ses.id, { sequenceId: 0, body: { content: `edit${i}` } })), // full module
      ...Array.from({ length: 5 }, (_, i) => ms.remember(sp.id, { content: `fact ${i}` })), // full module
    ]);
    const failed = results.filter((r) => r.status === "rejected").map((r) => `${r.reason.code}: ${r.reason.message}`);
    assert.deepEqual(failed, [], `${options.kv ? "adapter" : "memory"}: every write lands (the engines retry lost races)`);
    const events = await ms.listEvents(sp.id, ses.id, { lastN: 50 });
    assert.equal(events.length, n + 1);
    assert.deepEqual(events.map((e) => e.sequenceId), Array.from({ length: n + 1 }, (_, i) => i), "dense, no duplicates");
    assert.match(events[0].body.content, /^edit\d$/, "an update of event 0 is what it holds");
    assert.equal((await ms.getSession(sp.id, ses.id)).eventCount, n + 1);
    assert.equal((await ms.listMemories(sp.id)).length, 5);
  }
});
