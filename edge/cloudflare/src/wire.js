// The DataRobot wire shapes (compat/datarobot-rest.md §1.3) ↔ memspace's JS records.
// Only field names are mapped; `body`, `metadata` and strategy `trigger`/`opts` pass through
// verbatim in both directions (the engine's JS binding never re-cases them either).

/** Thrown for a request body that is not the documented shape (→ 422). */
export class WireError extends Error {
  constructor(field, msg) {
    super(`${field}: ${msg}`);
    this.field = field;
  }
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

/** Copies the listed keys that are present (including explicit nulls). */
function pick(src, keys) {
  const out = {};
  for (const k of keys) if (Object.prototype.hasOwnProperty.call(src, k)) out[k] = src[k];
  return out;
}

/** A request body that must be a JSON object. */
export function requireObject(v, what = "body") {
  if (!isObject(v)) throw new WireError(what, "must be a JSON object");
  return v;
}

// ---- memory spaces ----

/** Engine space → wire MemorySpace; `wireId` is the Durable Object's space id. */
export function spaceOut(s, wireId) {
  return {
    memorySpaceId: wireId,
    userId: s.userId,
    tenantId: s.tenantId,
    description: s.description ?? null,
    llmModelName: s.llmModelName ?? null,
    llmBaseUrl: s.llmBaseUrl ?? null,
    customInstructions: s.customInstructions ?? null,
    createdAt: s.createdAt,
    deduplicationKey: s.deduplicationKey ?? null,
  };
}

const SPACE_FIELDS = ["description", "llmModelName", "llmBaseUrl", "customInstructions"];

/** POST memory/new/ body → engine NewSpace. */
export function newSpaceIn(body) {
  requireObject(body);
  return pick(body, [...SPACE_FIELDS, "deduplicationKey"]);
}

/** Fields only a session update has: on the space route they mean the URL was a session's. */
const SESSION_ONLY = ["participants", "metadata", "lifecycleStrategies"];

/** PATCH memory/{s}/ body → engine SpaceUpdate (absent = keep, null = clear). */
export function spaceUpdateIn(body) {
  requireObject(body);
  const stray = SESSION_ONLY.find((k) => Object.prototype.hasOwnProperty.call(body, k));
  if (stray) {
    // e.g. PATCH …/sessions/%2e%2e/: the platform resolves the dot segment to the space's URL.
    throw new WireError(stray, "is a session field, not a memory space field (was a session id such as \"..\" resolved to the space URL?)");
  }
  return pick(body, SPACE_FIELDS);
}

// ---- sessions ----

/** Engine session → wire Session. */
export function sessionOut(s) {
  return {
    id: s.id,
    participants: s.participants,
    description: s.description ?? null,
    metadata: s.metadata ?? null,
    createdAt: s.createdAt,
    lifecycleStrategies: s.lifecycleStrategies,
    version: s.version,
    deduplicationKey: s.deduplicationKey ?? null,
  };
}

/** POST memory/{s}/sessions/ body → engine NewSession. */
export function newSessionIn(body) {
  requireObject(body);
  const out = pick(body, ["participants", "lifecycleStrategies", "description", "metadata", "deduplicationKey"]);
  if (out.lifecycleStrategies === null) delete out.lifecycleStrategies; // null = "none given" = default
  return out;
}

/** PATCH memory/{s}/sessions/{sid}/ body + If-Match → engine SessionUpdate. */
export function sessionUpdateIn(body, ifMatch) {
  requireObject(body);
  const out = pick(body, ["description", "metadata", "lifecycleStrategies"]);
  if (out.lifecycleStrategies === null) throw new WireError("lifecycleStrategies", "cannot be cleared; give 1–5 strategies");
  if (ifMatch !== null) out.ifMatch = ifMatch;
  return out;
}

/** `If-Match: "3"` (models SDK), `3` (ORM) or `W/"3"` → 3; absent → null. */
export function parseIfMatch(h) {
  if (h === null || h === undefined) return null;
  const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(h);
  if (!m) throw new WireError("If-Match", "must be a session version such as \"3\"");
  return Number(m[1]);
}

// ---- events ----

/** Engine event → wire Event. `createdAt` is the last modification time (the OCC token). */
export function eventOut(e) {
  return {
    sequenceId: e.sequenceId,
    eventType: e.eventType ?? null,
    body: e.body,
    emitterType: e.emitter?.type ?? null,
    emitterId: e.emitter?.id ?? null,
    createdAt: e.updatedAt ?? e.createdAt,
  };
}

/** One wire new event `{body, emitter, type?}` → engine NewEvent. */
export function newEventIn(item, what = "body") {
  requireObject(item, what);
  const out = { body: item.body, emitter: item.emitter };
  if (item.type !== undefined && item.type !== null) out.eventType = item.type;
  return out;
}

/** `{"events": [...]}` → list. */
export function batchIn(body) {
  requireObject(body);
  if (!Array.isArray(body.events)) throw new WireError("events", "must be a list");
  return body.events;
}

/** One wire event update (`type` in requests is the engine's `eventType`). */
export function eventUpdateIn(item, sequenceId, createdAt, what = "body") {
  requireObject(item, what);
  const out = { sequenceId };
  if (Object.prototype.hasOwnProperty.call(item, "body")) out.body = item.body;
  if (Object.prototype.hasOwnProperty.call(item, "type")) out.eventType = item.type;
  if (Object.prototype.hasOwnProperty.call(item, "emitter")) out.emitter = item.emitter;
  if (createdAt !== undefined && createdAt !== null) out.ifUnmodifiedSince = normalizeTime(createdAt, "createdAt");
  return out;
}

/** An ISO-8601 time as the engine parses it (RFC 3339 with `Z` or `±hh:mm`). */
export function normalizeTime(s, field) {
  if (typeof s !== "string") throw new WireError(field, "must be an ISO-8601 datetime");
  let t = s.trim().replace(" ", "T");
  // Python's isoformat() without an offset (naive) is taken as UTC; `+0000` gets its colon.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(t)) t += "Z";
  t = t.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|z|[+-]\d{2}:\d{2})$/.test(t)) {
    throw new WireError(field, "must be an ISO-8601 datetime");
  }
  return t;
}

/** A non-negative integer query parameter, or undefined when absent. */
export function intParam(params, name) {
  const v = params.get(name);
  if (v === null || v === "") return undefined;
  if (!/^\d{1,15}$/.test(v)) throw new WireError(name, "must be a non-negative integer");
  return Number(v);
}
