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
