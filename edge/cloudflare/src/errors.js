// Engine errors (MemspaceError: code, status, details) → DataRobot wire errors.
//
// * `not_found` and `gone` → 404: the real service answers 404 for deleted things.
// * `conflict` on the session `ifMatch` precondition → 409 "Session version mismatch: …".
// * `conflict` on an event's `ifUnmodifiedSince` (the wire `?createdAt=` / `createdAt`) → 422
//   `{"detail": "Patch of incorrect version of event"}` (the string the SDK's ORM matches).
// * `validation` → 422, except a `user` emitter that is not a participant → 400 (as the service).
// * `duplicate` (session deduplication key) → 409 with `errorName` and the existing id + url.
// * `archived` 409, `quota` 507, `storage` 500, `unsupported` 501.

import { errorResult } from "./http.js";
import { MemspaceError } from "./engine.js";
import { WireError } from "./wire.js";

/** True for errors the engine raised on purpose (as opposed to bugs in this worker). */
export function isEngineError(e) {
  return e instanceof MemspaceError || (e && typeof e.code === "string" && typeof e.status === "number");
}

/** The wire result for an engine error; `ctx` = { spaceId } for dedup urls. */
export function engineErrorResult(e, ctx = {}) {
  const d = e.details || {};
  switch (e.code) {
    case "not_found":
    case "gone":
      return errorResult(404, e.message, { code: e.code });
    case "duplicate": {
      const id = d.existingId ?? null;
      return errorResult(409, e.message, {
        errorName: "SessionDeduplicationConflict",
        deduplicationKey: d.deduplicationKey ?? null,
        existingSessionId: id,
        existingSessionUrl: id ? `/memory/${ctx.spaceId}/sessions/${id}/` : null,
      });
    }
    case "conflict":
      if (d.precondition === "ifUnmodifiedSince") {
        return errorResult(422, "Patch of incorrect version of event", {
          code: "conflict",
          sequenceId: d.sequenceId ?? null,
          updatedAt: d.updatedAt ?? null,
        });
      }
      // The ifMatch message already starts with "Session version mismatch".
      return errorResult(409, e.message, { code: "conflict", ...(d.currentVersion !== undefined ? { currentVersion: d.currentVersion } : {}) });
    case "validation":
      if (d.field === "emitter.id" && /participant/.test(e.message)) return errorResult(400, e.message, { code: "bad_request" });
      return errorResult(422, [{ loc: ["body", d.field ?? "body"], msg: e.message, type: "value_error" }], { code: "validation" });
    default:
      return errorResult(typeof e.status === "number" ? e.status : 500, e.message, { code: e.code });
  }
}

/** The wire result for a malformed request body, header or query parameter (422). */
export function wireErrorResult(e) {
  return errorResult(422, [{ loc: ["body", e.field], msg: e.message, type: "value_error" }], { code: "validation" });
}

/** Runs `fn`, turning engine errors into wire results; anything else is rethrown (a 500). */
export async function guard(fn, ctx) {
  try {
    return await fn();
  } catch (e) {
    if (isEngineError(e)) return engineErrorResult(e, ctx);
    if (e instanceof WireError) return wireErrorResult(e);
    throw e;
  }
}
