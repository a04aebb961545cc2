// Loading the WebAssembly module: importing the package does no work, and a module that
// cannot be found fails the first Memspace.open() with a MemspaceError that says which file
// and how to pass it; a later open() can still succeed. (Its own file: node --test runs each
// file in a fresh process, so the module is not loaded yet.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { Memspace, MemspaceError, wasmMemoryBytes } from "memspace";

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
