// memspace for browsers and bundlers: loads the WebAssembly module once (top-level await),
// then exports the Memspace class, the MemspaceError class and the in-memory reference adapter.
// The .wasm file is fetched from next to this module (`memspace_bg.wasm`); bundlers that do
// not copy it need it copied next to the bundle.
import init, { Memspace, errorClass } from "./memspace.js";

await init({ module_or_path: new URL("./memspace_bg.wasm", import.meta.url) });

/** The class of every error memspace throws (`instanceof Error` too). */
export const MemspaceError = errorClass();
export { Memspace };
export { MemoryKv, conflictError } from "./memory-kv.js";
