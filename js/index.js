// memspace for browsers, workers and bundlers. Importing does nothing; the first
// Memspace.open() fetches memspace_bg.wasm (spaces, sessions, events, lifecycle) from next to
// this module (compiled while it streams in) or from `options.wasm`. The first call of a method
// only the full module has (memories, recall, blocks, context, extraction, memory stores)
// fetches memspace_full_bg.wasm the same way, or from `options.fullWasm`. A module that cannot
// be loaded rejects that call with a MemspaceError that says which file was missing and how to
// pass its URL, bytes or a compiled WebAssembly.Module.
import { setLoader, instantiate, loadError } from "./api.js";

async function fetched(where, file) {
  if (!(typeof where === "string" || where instanceof URL)) return where;
  let res;
  try {
    res = await fetch(where);
  } catch (e) {
    throw loadError(where, `fetch failed (${e && e.message ? e.message : e})`, file);
  }
  if (!res.ok) throw loadError(where, `HTTP ${res.status} ${res.statusText}`.trim(), file);
  return res;
}

setLoader({
  // Written out here so bundlers (Vite, webpack) see `new URL("./…", import.meta.url)` and emit the files.
  async core(source) {
    await instantiate(await fetched(source ?? new URL("./memspace_bg.wasm", import.meta.url), "memspace_bg.wasm"));
  },
  async full(source) {
    const input = await fetched(source ?? new URL("./memspace_full_bg.wasm", import.meta.url), "memspace_full_bg.wasm");
    const glue = await import("./memspace_full.js");
    await glue.default({ module_or_path: input });
    return glue;
  },
});

export { Memspace, MemspaceError, MemoryKv, conflictError, wasmMemoryBytes } from "./api.js";
