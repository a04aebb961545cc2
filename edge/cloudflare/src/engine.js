// The engine for workerd: the crate's wasm-bindgen `--target web` build with the `js` and
// `rest` features (scripts/build-edge.sh). The `.wasm` arrives as a compiled
// WebAssembly.Module (miniflare `CompiledWasm`, wrangler's default wasm rule), so
// instantiation is synchronous and no fetch of the binary is needed at run time.

import { initSync, Memspace, Rest, newSpaceId, errorClass } from "../build/pkg/memspace.js";
import wasmModule from "../build/pkg/memspace_bg.wasm";

initSync({ module: wasmModule });

/** The engine's error class: every rejection from a Memspace method is an instance. */
export const MemspaceError = errorClass();

export { Memspace, Rest, newSpaceId };
