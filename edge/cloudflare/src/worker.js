// The Worker: authenticates, routes by memory space id, and speaks the DataRobot memory REST API
// (compat/datarobot-rest.md). Space-scoped routes go to that space's SpaceObject; listing and
// creating spaces go through the principal's DirectoryObject (see README.md).

import { authenticate } from "./auth.js";
import { match } from "./routes.js";
import { error, fromResult, json } from "./http.js";
import * as wire from "./wire.js";
import { engineErrorResult, isEngineError, wireErrorResult } from "./errors.js";
import { checkJsonText } from "./engine.js";

export { SpaceObject } from "./space-object.js";
export { DirectoryObject } from "./directory-object.js";

/** The version the DataRobot SDK 3.20 expects (`dr.Client()` checks it). */
const SERVER_VERSION = "2.49.0";
const API = "/api/v2/";
/**
 * Largest request body, in bytes (README "Limits"): checked against Content-Length before
 * anything is read, and while reading a body without one. It bounds what one request can make
 * a Durable Object's engine hold (a body of tiny numbers expands ~70x as parsed JSON).
 */
const MAX_BODY_BYTES = 1024 * 1024;

class TooLarge extends Error {}

function directory(env, p) {
  return env.DIRECTORY.get(env.DIRECTORY.idFromName(JSON.stringify([p.tenantId, p.userId])));
}

function space(env, id) {
  return env.SPACES.get(env.SPACES.idFromName(id));
}

/** The body as text, at most MAX_BODY_BYTES of UTF-8 (TooLarge, before reading when declared). */
async function readText(request) {
  const declared = request.headers.get("Content-Length");
  if (declared !== null && !(Number(declared) <= MAX_BODY_BYTES)) throw new TooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new TooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new wire.WireError("body", "is not valid UTF-8");
  }
}

/** The body as JSON: the engine checks the text first (nesting, numbers a double would change). */
async function readJson(request) {
  const text = await readText(request);
  if (text.trim() === "") return {};
  checkJsonText("body", text);
  try {
    return JSON.parse(text);
  } catch {
    throw new wire.WireError("body", "is not valid JSON");
  }
}

function dedupConflict(key, id) {
  return json(409, {
    detail: `a memory space with deduplication key ${JSON.stringify(key)} exists`,
    errorName: "MemorySpaceDeduplicationConflict",
    deduplicationKey: key,
    existingMemorySpaceId: id,
    existingMemorySpaceUrl: id ? `/memory/${id}/` : null,
  });
}

/** POST memory/new/: reserve in the directory, create in the space object, confirm. */
async function createSpace(env, principal, body) {
  const input = wire.newSpaceIn(body);
  const key = input.deduplicationKey ?? null;
  if (key !== null && typeof key !== "string") throw new wire.WireError("deduplicationKey", "must be a string");
  const dir = directory(env, principal);
  for (let attempt = 0; attempt < 3; attempt++) {
    const id = crypto.randomUUID();
    const r = await dir.reserve(principal, id, key);
    if (r.duplicate) return dedupConflict(key, r.duplicate);
    if (r.contended) continue;
    const res = await space(env, id).createSpace(principal, id, input);
    if (res.status === 201) {
      await dir.confirm(id);
      return fromResult(res);
    }
    await dir.release(id);
    if (res.body?.code !== "abandoned") return fromResult(res);
  }
  return dedupConflict(key, null); // lost every race for the key: no winner could be resolved
}

/**
 * POST memory/{s}/restore/ (extension): undoes a space delete, in createSpace's order — the
 * directory reserves the entry (and the deduplication key), the object restores, the directory
 * confirms; a refused restore releases the reservation.
 */
async function restoreSpace(env, principal, id) {
  const obj = space(env, id);
  const key = await obj.deletedKey(principal);
  if (key === undefined) return fromResult(await obj.handle({ principal, wireId: id, route: "restore", method: "POST", params: {}, query: "", body: {} }));
  const dir = directory(env, principal);
  const r = await dir.reserve(principal, id, key);
  if (r.duplicate) return dedupConflict(key, r.duplicate);
  if (r.contended) return error(409, "the deduplication key is being claimed; retry", { code: "conflict" });
  const res = await obj.handle({ principal, wireId: id, route: "restore", method: "POST", params: {}, query: "", body: {} });
  if (res.status === 200) await dir.confirm(id);
  else await dir.release(id);
  return fromResult(res);
}

/** GET memory/: the directory's listing. */
async function listSpaces(env, principal, q) {
  const offset = wire.intParam(q, "offset") ?? 0;
  const limit = wire.intParam(q, "limit") ?? 100;
  if (limit < 1 || limit > 100) throw new wire.WireError("limit", "must be 1–100");
  const items = await directory(env, principal).listSpaces(principal, { offset, limit, dedupKey: q.get("deduplicationKey") });
  return json(200, { items });
}

async function serve(request, env) {
  const url = new URL(request.url);
  // Authentication comes first: without a valid token nothing else is looked at.
  const principal = await authenticate(request, env);
  if (!principal) return error(401, "Invalid or missing API token", { code: "unauthorized" });
  if (!url.pathname.startsWith(API)) return error(404, "Not Found", { code: "not_found" });
  const m = match(url.pathname.slice(API.length), request.method);
  if (!m.route) return error(404, "Not Found", { code: "not_found" });
  if (m.badEncoding) return error(400, "Malformed percent-encoding in the URL path", { code: "bad_request" });
  if (m.methodNotAllowed) return error(405, "Method Not Allowed", { code: "method_not_allowed" });
  const body = request.method === "POST" || request.method === "PATCH" ? await readJson(request) : undefined;
  switch (m.route) {
    case "version":
      return json(200, { versionString: SERVER_VERSION });
    case "spaces":
      return listSpaces(env, principal, url.searchParams);
    case "new-space":
      return createSpace(env, principal, body);
    case "restore":
      return restoreSpace(env, principal, m.params.spaceId);
  }
  const id = m.params.spaceId;
  const res = await space(env, id).handle({
    principal,
    wireId: id,
    route: m.route,
    method: request.method,
    params: m.params,
    query: url.search,
    ifMatch: m.route === "session" ? wire.parseIfMatch(request.headers.get("If-Match")) : null,
    body,
  });
  if (m.route === "space" && request.method === "DELETE" && res.status === 204) {
    await directory(env, principal).forget(id);
  }
  return fromResult(res);
}

export default {
  async fetch(request, env) {
    try {
      return await serve(request, env);
    } catch (e) {
      if (e instanceof wire.WireError) return fromResult(wireErrorResult(e));
      if (e instanceof TooLarge) return error(413, `Request body too large: at most ${MAX_BODY_BYTES} bytes`, { code: "too_large", maxBytes: MAX_BODY_BYTES });
      if (isEngineError(e)) return fromResult(engineErrorResult(e));
      console.error("memspace worker:", e && e.stack ? e.stack : e);
      return error(500, "Internal Server Error", { code: "storage" });
    }
  },
};
