// What the package's entry points share: the Memspace class from the generated glue, made
// safe to hold (every async method rejects with a MemspaceError, also when called unbound or
// after free()), and loading of the WebAssembly module deferred to the first Memspace.open()
// so that importing the package does no work and a module that cannot be found is an error
// the caller can catch, not a failed import.
import __wbg_init, { Memspace, wasmMemoryBytes as rawMemoryBytes } from "./memspace.js";
import { MemspaceError } from "./error.js";

// Methods that return a value synchronously (they throw instead of rejecting).
const SYNC = new Set(["constructor", "free", "close", "forPrincipal", "relationshipTypes"]);

let loader = null; // (source) => Promise<void>, set by the entry point
let loading = null; // the one load in progress or done
let loaded = false;

/** Sets how the entry point finds and instantiates the .wasm (called once by index.js / node.js). */
export function setLoader(load) {
  loader = load;
}

/** Instantiates the module from a URL, a path, a Response, bytes or a compiled module. */
export function instantiate(input) {
  return __wbg_init({ module_or_path: input });
}

function ensureLoaded(source) {
  if (loaded) return Promise.resolve();
  if (!loading) {
    loading = loader(source).then(
      () => {
        loaded = true;
      },
      (e) => {
        loading = null; // a later open() may pass `wasm` and try again
        throw e instanceof MemspaceError ? e : loadError(source, String(e && e.message ? e.message : e));
      },
    );
  }
  return loading;
}

/** The error for a module that could not be fetched, read or compiled. */
export function loadError(where, why) {
  const at = where === undefined || where === null ? "memspace_bg.wasm next to the package's JS" : describe(where);
  return new MemspaceError(
    "unsupported",
    501,
    `memspace could not load its WebAssembly module (${at}): ${why}. ` +
      "If your bundler did not emit node_modules/memspace/dist/memspace_bg.wasm, copy it next to your bundle, " +
      "or tell memspace where it is: Memspace.open({ wasm: new URL(\"/assets/memspace_bg.wasm\", location.href) }) " +
      "(a URL or path, a fetch() Response, the file's bytes, or a compiled WebAssembly.Module).",
    { wasm: typeof where === "string" || where instanceof URL ? String(where) : null, reason: why },
  );
}

function describe(where) {
  if (typeof where === "string" || where instanceof URL) return String(where);
  if (typeof Response !== "undefined" && where instanceof Response) return where.url || "a Response";
  if (typeof WebAssembly !== "undefined" && where instanceof WebAssembly.Module) return "a WebAssembly.Module";
  return "the given bytes";
}

/** Anything a method threw, as a MemspaceError. */
function asError(e) {
  if (e instanceof MemspaceError) return e;
  const message = e && e.message ? e.message : String(e);
  return new MemspaceError("storage", 500, `memspace failed unexpectedly: ${message}`, { cause: String(e) });
}

function unusable(name, self) {
  const why = self instanceof Memspace ? "on a handle after free()" : "without its Memspace (an unbound method?)";
  return new MemspaceError("validation", 422, `Memspace.${name} was called ${why}`, { field: "this" });
}

// Every async method: checked receiver, synchronous throws become rejections.
for (const name of Object.getOwnPropertyNames(Memspace.prototype)) {
  const desc = Object.getOwnPropertyDescriptor(Memspace.prototype, name);
  if (typeof desc.value !== "function" || name === "constructor") continue;
  const raw = desc.value;
  const sync = SYNC.has(name);
  const wrapped = {
    [name](...args) {
      if (!(this instanceof Memspace) || !this.__wbg_ptr) {
        if (sync && name !== "free" && name !== "close") throw unusable(name, this);
        if (sync) return undefined; // free() / close() twice: nothing to do
        return Promise.reject(unusable(name, this));
      }
      try {
        return raw.apply(this, args);
      } catch (e) {
        if (sync) throw asError(e);
        return Promise.reject(asError(e));
      }
    },
  }[name];
  Object.defineProperty(Memspace.prototype, name, { ...desc, value: wrapped });
}

const rawOpen = Memspace.open;
Object.defineProperty(Memspace, "open", {
  configurable: true,
  writable: true,
  /** Loads the module on first use (`options.wasm` says where from), then opens a handle. */
  value: async function open(options) {
    let wasm;
    try {
      if (options !== null && typeof options === "object" && !Array.isArray(options) && "wasm" in options) {
        ({ wasm, ...options } = options);
      }
    } catch (e) {
      // A Proxy or getter that throws while the options are read.
      const why = e && typeof e.message === "string" ? e.message.slice(0, 200) : "an exception";
      throw new MemspaceError("validation", 422, `options: reading them threw: ${why}`, { field: "options" });
    }
    await ensureLoaded(wasm);
    try {
      return await rawOpen.call(Memspace, options);
    } catch (e) {
      throw asError(e);
    }
  },
});

/** Bytes of WebAssembly memory in use by the module (0 before the first open): a diagnostic. */
export function wasmMemoryBytes() {
  return loaded ? rawMemoryBytes() : 0;
}

export { Memspace, MemspaceError };
export { MemoryKv, conflictError } from "./memory-kv.js";
