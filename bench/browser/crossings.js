// Counting every call across the JS↔wasm boundary, by name (imports the module calls, exports
// JS calls), so a change's crossings per operation are counted exactly. Shared by the probes.

/** Wraps WebAssembly instantiation so that every later module counts its calls into the
 * returned map (call before the first `Memspace.open`). */
export function countCrossings() {
  const crossings = new Map();
  const count = (name, f) =>
    function (...a) {
      crossings.set(name, (crossings.get(name) ?? 0) + 1);
      return f.apply(this, a);
    };
  const wrapImports = (imports) => {
    for (const mod of Object.values(imports ?? {})) for (const [k, f] of Object.entries(mod)) if (typeof f === "function") mod[k] = count(`import ${k.replace(/_[0-9a-f]{16}$/, "")}`, f);
    return imports;
  };
  const wrapExports = (res) => {
    const inst = res.instance ?? res;
    const ex = {};
    for (const [k, f] of Object.entries(inst.exports)) ex[k] = typeof f === "function" ? count(`export ${k}`, f) : f;
    const wrapped = Object.create(WebAssembly.Instance.prototype, { exports: { value: ex } });
    return res.instance ? { module: res.module, instance: wrapped } : wrapped;
  };
  const stream = WebAssembly.instantiateStreaming;
  const inst = WebAssembly.instantiate;
  WebAssembly.instantiateStreaming = async (src, imports) => wrapExports(await stream(src, wrapImports(imports)));
  WebAssembly.instantiate = async (src, imports) => wrapExports(await inst(src, wrapImports(imports)));
  return crossings;
}
