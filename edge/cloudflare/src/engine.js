// The npm package's workerd entry (the package ships browser and node ones): loads the
// package's wasm-bindgen `--target web` module once per isolate: the `.wasm` arrives
// as a compiled WebAssembly.Module (miniflare `CompiledWasm`, wrangler's default wasm rule),
// so instantiation is synchronous and no fetch of the binary is needed at run time.

import { initSync, Memspace, errorClass, checkJsonText } from "../build/pkg/memspace.js";
import wasmModule from "../build/pkg/memspace_bg.wasm";

initSync({ module: wasmModule });

/** The engine's error class: every rejection from a Memspace method is an instance. */
export const MemspaceError = errorClass();

export { Memspace, checkJsonText };
