// memspace for Node (and other runtimes with `node:fs`): loads the WebAssembly module
// synchronously from next to this file, then exports the same API as the browser entry.
import { readFileSync } from "node:fs";
import { initSync, Memspace, errorClass } from "./memspace.js";

initSync({ module: readFileSync(new URL("./memspace_bg.wasm", import.meta.url)) });

/** The class of every error memspace throws (`instanceof Error` too). */
export const MemspaceError = errorClass();
export { Memspace };
export { MemoryKv, conflictError } from "./memory-kv.js";
