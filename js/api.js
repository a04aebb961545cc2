// What the package's entry points share: the Memspace class from the default module's glue,
// made safe to hold (every async method rejects with a MemspaceError, also when called unbound
// or after free()), and loading of the WebAssembly modules deferred to first use, so that
// importing the package does no work and a module that cannot be found is an error the caller
// can catch, not a failed import.
//
// Two modules: memspace_bg.wasm (spaces, sessions, events, lifecycle) loads at the first
// Memspace.open(); memspace_full_bg.wasm (every method) loads at the first call of a method
// only it has (memories, recall, blocks, context, extraction, memory stores, ...). That call
// opens a second handle in the full module over the same storage with the same options; both
// handles commit with preconditions, like two tabs, so neither can lose the other's writes.
import __wbg_init, {
  Memspace,
  memoryStoreAdapter,
  wasmMemoryBytes as rawMemoryBytes,
} from "./memspace.js";
import { FULL_METHODS } from "./full-methods.js";
import { MemspaceError } from "./error.js";

// Methods that return a value synchronously (they throw instead of rejecting).
const SYNC = new Set(["constructor", "free", "close", "forPrincipal", "relationshipTypes"]);

const CORE_FILE = "memspace_bg.wasm";
const FULL_FILE = "memspace_full_bg.wasm";

let loader = null; // { core(source), full(source) => Promise<glue> }, set by the entry point
let loading = null; // the one load of the default module in progress or done
let loaded = false;
let loadingFull = null; // the one load of the full module in progress or done
let fullGlue = null;

/** Sets how the entry point finds and instantiates each .wasm (called once by index.js / node.js). */
export function setLoader(load) {
  loader = load;
}

/** Instantiates the default module from a URL, a path, a Response, bytes or a compiled module. */
export function instantiate(input) {
  return __wbg_init({ module_or_path: input });
}

function ensureLoaded(source) {
  if (loaded) return Promise.resolve();
  if (!loading) {
    loading = loader.core(source).then(
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

function ensureFull(source, method) {
  if (!loadingFull) {
    loadingFull = loader.full(source).then(
      (glue) => {
        fullGlue = glue;
        return glue;
      },
      (e) => {
        loadingFull = null; // a later call may succeed (a handle opened with `fullWasm`)
        throw e instanceof MemspaceError ? e : loadError(source, String(e && e.message ? e.message : e), FULL_FILE);
      },
    );
  }
  return loadingFull.catch((e) => {
    if (e instanceof MemspaceError && e.details && e.details.file === FULL_FILE) {
      e.details.method = method;
    }
    throw e;
  });
}

/** The error for a module that could not be fetched, read or compiled (`file`: which one). */
export function loadError(where, why, file = CORE_FILE) {
  const full = file === FULL_FILE;
  const option = full ? "fullWasm" : "wasm";
  const at = where === undefined || where === null ? `${file} next to the package's JS` : describe(where);
  return new MemspaceError(
    "unsupported",
    501,
    `memspace could not load its ${full ? "full " : ""}WebAssembly module (${at}): ${why}. ` +
      (full
        ? "It holds event updates, memories, associations, recall, blocks, context, extraction and memory stores, and loads on the first call of one of their methods. "
        : "") +
      `If your bundler did not emit node_modules/memspace/dist/${file}, copy it next to your bundle, ` +
      `or tell memspace where it is: Memspace.open({ ${option}: new URL("/assets/${file}", location.href) }) ` +
      "(a URL or path, a fetch() Response, the file's bytes, or a compiled WebAssembly.Module).",
    { wasm: typeof where === "string" || where instanceof URL ? String(where) : null, file, reason: why },
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

// Per default-module handle: how to open its twin in the full module.
//   { options, fullWasm } for a handle from open(); { parent, principal } for forPrincipal().
const origin = new WeakMap();
// Per default-module handle: the promise of its full-module twin (opened on first need).
const twins = new WeakMap();
// Per default-module handle: the twin once open (for the synchronous close() and free()).
const openTwins = new WeakMap();

function twin(handle, method) {
  let p = twins.get(handle);
  if (!p) {
    p = openTwin(handle, method);
    twins.set(handle, p);
    // A failure is not remembered: the next call tries again.
    p.then(
      (t) => openTwins.set(handle, t),
      () => twins.delete(handle),
    );
  }
  return p;
}

async function openTwin(handle, method) {
  const o = origin.get(handle);
  if (o.parent) return (await twin(o.parent, method)).forPrincipal(o.principal);
  const glue = await ensureFull(o.fullWasm, method);
  let options = o.options;
  if (handle.storage === "memory") {
    // The named in-memory store lives in the default module: the full module reaches it
    // through an adapter (same store, same quota, commits still atomic).
    const { storage, name, maxBytes, durability, indexedDB, ...rest } = options ?? {};
    options = { ...rest, kv: memoryStoreAdapter(typeof name === "string" ? name : "memspace") };
  }
  return glue.Memspace.open(options);
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
        const out = raw.apply(this, args);
        if (name === "close" || name === "free") closeTwin(this, name);
        else if (name === "forPrincipal") origin.set(out, { parent: this, principal: out.principal });
        return out;
      } catch (e) {
        if (sync) throw asError(e);
        return Promise.reject(asError(e));
      }
    },
  }[name];
  Object.defineProperty(Memspace.prototype, name, { ...desc, value: wrapped });
}

function closeTwin(handle, name) {
  const t = openTwins.get(handle);
  if (t) t[name]();
  if (name === "free") {
    twins.delete(handle);
    openTwins.delete(handle);
  }
}

// The methods only the full module has: load it (once), open this handle's twin (once), call.
for (const name of FULL_METHODS) {
  const method = {
    async [name](...args) {
      if (!(this instanceof Memspace) || !this.__wbg_ptr) throw unusable(name, this);
      let t;
      try {
        t = await twin(this, name);
      } catch (e) {
        throw asError(e);
      }
      if (!this.__wbg_ptr) throw unusable(name, this); // freed while the module loaded
      return t[name](...args); // the full module's methods reject with MemspaceErrors themselves
    },
  }[name];
  Object.defineProperty(Memspace.prototype, name, { configurable: true, writable: true, value: method });
}

const rawOpen = Memspace.open;
Object.defineProperty(Memspace, "open", {
  configurable: true,
  writable: true,
  /** Loads the default module on first use (`options.wasm` says where from), then opens a handle. */
  value: async function open(options) {
    let wasm;
    let fullWasm;
    try {
      if (options !== null && typeof options === "object" && !Array.isArray(options) && ("wasm" in options || "fullWasm" in options)) {
        ({ wasm, fullWasm, ...options } = options);
      }
    } catch (e) {
      // A Proxy or getter that throws while the options are read.
      const why = e && typeof e.message === "string" ? e.message.slice(0, 200) : "an exception";
      throw new MemspaceError("validation", 422, `options: reading them threw: ${why}`, { field: "options" });
    }
    await ensureLoaded(wasm);
    let handle;
    try {
      handle = await rawOpen.call(Memspace, options);
    } catch (e) {
      throw asError(e);
    }
    // A copy: the twin opens with the options as they were, whatever the caller changes later.
    origin.set(handle, { options: options !== null && typeof options === "object" ? { ...options } : options, fullWasm });
    return handle;
  },
});

/** Bytes of WebAssembly memory in use by the modules loaded so far (0 before the first open): a diagnostic. */
export function wasmMemoryBytes() {
  return (loaded ? rawMemoryBytes() : 0) + (fullGlue ? fullGlue.wasmMemoryBytes() : 0);
}

export { Memspace, MemspaceError };
export { MemoryKv, conflictError } from "./memory-kv.js";
