// The class of every error memspace throws. A plain module, so it exists before (and without)
// the WebAssembly module: errors about loading the module are MemspaceErrors too.

/** A real Error with a stable `code`, the HTTP `status` a REST facade would use, and `details`. */
export class MemspaceError extends Error {
  constructor(code, status, message, details) {
    super(message);
    this.name = "MemspaceError";
    this.code = code;
    this.status = status;
    this.details = details ?? {};
  }
}
