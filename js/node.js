// memspace for Node (and other runtimes with `node:fs`). Importing does nothing; the first
// Memspace.open() reads memspace_bg.wasm from next to this module (or takes `options.wasm`:
// a path, a file: URL, bytes or a compiled WebAssembly.Module).
import { readFile } from "node:fs/promises";
import { setLoader, instantiate, loadError } from "./api.js";

setLoader(async (source) => {
  const where = source ?? new URL("./memspace_bg.wasm", import.meta.url);
  let input = where;
  if (typeof where === "string" || where instanceof URL) {
    try {
      input = await readFile(where);
    } catch (e) {
      throw loadError(where, e && e.code === "ENOENT" ? "file not found" : String(e && e.message ? e.message : e));
    }
  }
  await instantiate(input);
});

export { Memspace, MemspaceError, MemoryKv, conflictError, wasmMemoryBytes } from "./api.js";
