// memspace for browsers, workers and bundlers. Importing does nothing; the first
// Memspace.open() fetches memspace_bg.wasm from next to this module (compiled while it
// streams in) or from `options.wasm`. A module that cannot be loaded rejects that open() with
// a MemspaceError that says which file was missing and how to pass its URL, bytes or a
// compiled WebAssembly.Module.
import { setLoader, instantiate, loadError } from "./api.js";

setLoader(async (source) => {
  // Written out here so bundlers (Vite, webpack) see `new URL("./…", import.meta.url)` and emit the file.
  const where = source ?? new URL("./memspace_bg.wasm", import.meta.url);
  let input = where;
  if (typeof where === "string" || where instanceof URL) {
    let res;
    try {
      res = await fetch(where);
    } catch (e) {
      throw loadError(where, `fetch failed (${e && e.message ? e.message : e})`);
    }
    if (!res.ok) throw loadError(where, `HTTP ${res.status} ${res.statusText}`.trim());
    input = res;
  }
  await instantiate(input);
});

export { Memspace, MemspaceError, MemoryKv, conflictError, wasmMemoryBytes } from "./api.js";
