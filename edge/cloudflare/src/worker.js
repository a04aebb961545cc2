// The Worker: a thin shell around the engine's REST surface (src/rest/ in the crate). It
// authenticates, asks the engine where a request goes (`Rest.route`), and sends it there:
//
//   * DataRobot `memory/{s}/…`      → that space's SpaceObject (one Durable Object per space)
//   * DataRobot `GET memory/`, `POST memory/new/`, `POST memory/{s}/restore/`
//                                    → the principal's DirectoryObject and the space's object
//   * `/v1/…` (MemoryLayer, memory stores) → the principal's PrincipalObject
//
// Everything about the APIs (routes, bodies, errors, limits) is the engine's; the directory
// protocol (README "Directory") is the only logic here.

import { authenticate } from "./auth.js";
import { Rest, newSpaceId } from "./engine.js";
import { bodyJson, json, plainRequest, toResponse } from "./http.js";

export { SpaceObject } from "./space-object.js";
export { DirectoryObject } from "./directory-object.js";
export { PrincipalObject } from "./principal-object.js";

function directory(env, p) {
  return env.DIRECTORY.get(env.DIRECTORY.idFromName(JSON.stringify([p.tenantId, p.userId])));
}

function space(env, id) {
  return env.SPACES.get(env.SPACES.idFromName(id));
}

function principalObject(env, p) {
  return env.PRINCIPALS.get(env.PRINCIPALS.idFromName(JSON.stringify([p.tenantId, p.userId])));
}

/** POST memory/new/: reserve in the directory, create in the new space's object, confirm. */
async function createSpace(env, principal, req, key) {
  const dir = directory(env, principal);
  for (let attempt = 0; attempt < 3; attempt++) {
    const id = newSpaceId();
    const r = await dir.reserve(principal, id, key);
    if (r.duplicate) return toResponse(Rest.spaceConflict(key, r.duplicate));
    if (r.contended) continue;
    const res = await space(env, id).create(principal, id, req);
    if (res.status === 201) {
      await dir.confirm(id, bodyJson(res), res.seq);
      return toResponse(res);
    }
    await dir.release(id);
    if (!res.abandoned) return toResponse(res);
  }
  return toResponse(Rest.spaceConflict(key, null)); // lost every race for the key
}

/**
 * POST memory/{s}/restore/: undoes a space delete in createSpace's order — the directory
 * reserves the entry (and the deduplication key), the object restores, the directory confirms;
 * a refused restore releases the reservation.
 */
async function restoreSpace(env, principal, req, id) {
  const obj = space(env, id);
  const key = await obj.deletedKey(principal);
  if (key === undefined) return toResponse(await obj.handle(principal, req));
  const dir = directory(env, principal);
  const r = await dir.reserve(principal, id, key);
  if (r.duplicate) return toResponse(Rest.spaceConflict(key, r.duplicate));
  if (r.contended) return json(409, { detail: "the deduplication key is being claimed; retry", code: "conflict" });
  const res = await obj.handle(principal, req);
  if (res.status === 200) await dir.confirm(id, bodyJson(res), res.seq);
  else await dir.release(id);
  return toResponse(res);
}

async function serve(request, env) {
  const req = await plainRequest(request);
  // Authentication comes first: without a valid token nothing else is looked at.
  const principal = await authenticate(request, env);
  const routed = Rest.route(req, principal !== null);
  if (routed.respond) return toResponse(routed.respond);
  const t = routed.target;
  switch (t.target) {
    case "list_spaces": {
      const items = await directory(env, principal).listSpaces(principal, { offset: t.offset, limit: t.limit, dedupKey: t.deduplicationKey });
      return json(200, { items });
    }
    case "create_space":
      return createSpace(env, principal, req, t.deduplicationKey);
    case "restore_space":
      return restoreSpace(env, principal, req, t.spaceId);
    case "space":
      return toResponse(await space(env, t.spaceId).handle(principal, req, t.changesSpace));
    case "principal":
      return toResponse(await principalObject(env, principal).handle(principal, req));
  }
  throw new Error(`unknown route target ${t.target}`);
}

export default {
  async fetch(request, env) {
    try {
      return await serve(request, env);
    } catch (e) {
      // Only a bug in this shell or a platform failure gets here: the engine answers every
      // request it is given, including malformed ones.
      console.error("memspace worker:", e && e.stack ? e.stack : e);
      return json(500, { detail: "Internal Server Error", code: "storage" });
    }
  },
};
