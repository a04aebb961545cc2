// memspace for Node (and other runtimes with `node:fs`). Importing does nothing; the first
// Memspace.open() reads memspace_bg.wasm from next to this module (or takes `options.wasm`:
// a path, a file: URL, bytes or a compiled WebAssembly.Module); the first call of a method only
// the full module has reads memspace_full_bg.wasm (or `options.fullWasm`).
import { readFile } from "node:fs/promises";
import { setLoader, instantiate, loadError } from "./api.js";

async function read(where, file) {
  if (!(typeof where === "string" || where instanceof URL)) return where;
  try {
    return await readFile(where);
  } catch (e) {
    throw loadError(where, e && e.code === "ENOENT" ? "file not found" : String(e && e.message ? e.message : e), file);
  }
}

setLoader({
  async core(source) {
    await instantiate(await read(source ?? new URL("./memspace_bg.wasm", import.meta.url), "memspace_bg.wasm"));
  },
  async full(source) {
    const input = await read(source ?? new URL("./memspace_full_bg.wasm", import.meta.url), "memspace_full_bg.wasm");
    const glue = await import("./memspace_full.js");
    await glue.default({ module_or_path: input });
    return glue;
  },
});

export { Memspace, MemspaceError, MemoryKv, conflictError, wasmMemoryBytes } from "./api.js";
