// SpaceObject: one Durable Object per memory space. It runs memspace over its own SQLite-backed
// storage (DurableObjectKv) and answers every route under /memory/{s}/ for the principal the
// Worker authenticated. Ownership is the engine's: a principal that does not own the space gets
// `not_found` from the engine itself, so isolation does not depend on the directory.
//
// Creation and the directory's resolution of an unconfirmed entry run under
// blockConcurrencyWhile, so "create" and "abandon" are ordered: once a resolution has found no
// space and sealed the object, a late create fails instead of leaving an unlisted space.

import { DurableObject } from "cloudflare:workers";
import { Memspace } from "./engine.js";
import { DurableObjectKv } from "./do-kv.js";
import { guard } from "./errors.js";
import { errorResult, result } from "./http.js";
import * as wire from "./wire.js";

const SEALED = "m:sealed"; // set when the directory abandoned a creation that never happened
const ALARM = "m:alarm"; // the sweep interval in use, once an alarm has been scheduled
const DELETED = "m:deleted"; // { principal, id, key } of the deleted space, for restore
const MAX_HANDLES = 16; // per-principal engine handles kept by one object

export class SpaceObject extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.kv = new DurableObjectKv(ctx.storage);
    this.base = null; // the Memspace handle (opened lazily)
    this.handles = new Map(); // principal key → Memspace handle for that principal (bounded)
    this.engineIds = new Map(); // principal key → engine space id (positive results only)
  }

  /**
   * A Memspace handle acting for `principal`. Handles are kept per principal (one per request
   * would allocate a wasm object per request); evicted ones are only dropped, never freed, since a
   * request still in flight may hold one (wasm-bindgen's finalizer frees them once unreachable).
   */
  async engine(principal) {
    if (!this.base) this.base = await Memspace.open({ kv: this.kv, principal: { userId: "system", tenantId: "system" } });
    const key = `${principal.tenantId}\u0000${principal.userId}`;
    let h = this.handles.get(key);
    if (!h) {
      if (this.handles.size >= MAX_HANDLES) this.handles.clear();
      h = this.base.forPrincipal(principal);
      this.handles.set(key, h);
    }
    return h;
  }

  /** The engine id of the live space this principal owns here, or null. */
  async spaceIdFor(ms, principal) {
    const key = `${principal.tenantId}\u0000${principal.userId}`;
    const known = this.engineIds.get(key);
    if (known) return known;
    const [space] = await ms.listSpaces({ limit: 1 });
    if (!space) return null;
    this.engineIds.set(key, space.id);
    return space.id;
  }

  // ---- RPC: creation and the directory's questions ----

  /** Creates the space (idempotent for its owner). → { status, body } */
  async createSpace(principal, wireId, input) {
    return this.ctx.blockConcurrencyWhile(async () => {
      if (this.ctx.storage.kv.get(SEALED)) {
        return errorResult(409, "this memory space creation was abandoned; retry the request", { code: "abandoned" });
      }
      return guard(async () => {
        const ms = await this.engine(principal);
        const existing = await this.spaceIdFor(ms, principal);
        const space = existing ? await ms.getSpace(existing) : await ms.createSpace(input);
        this.engineIds.set(`${principal.tenantId}\u0000${principal.userId}`, space.id);
        await this.ensureAlarm();
        return result(201, wire.spaceOut(space, wireId));
      });
    });
  }

  /**
   * The space as the directory sees it: { live: true, space } or { live: false }. With
   * `seal`, a space that does not exist is sealed so that it never will.
   */
  async describe(principal, wireId, seal = false) {
    const look = async () => {
      const ms = await this.engine(principal);
      const id = await this.spaceIdFor(ms, principal);
      if (id) {
        try {
          return { live: true, space: wire.spaceOut(await ms.getSpace(id), wireId) };
        } catch (e) {
          if (e.code !== "gone" && e.code !== "not_found") throw e;
          return { live: false };
        }
      }
      if (seal) this.ctx.storage.kv.put(SEALED, true);
      return { live: false };
    };
    return seal ? this.ctx.blockConcurrencyWhile(look) : look();
  }

  /** The deduplication key (or null) of this principal's deleted space; undefined if none. */
  deletedKey(principal) {
    const d = this.ctx.storage.kv.get(DELETED);
    return d && d.principal === `${principal.tenantId}\u0000${principal.userId}` ? d.key : undefined;
  }

  /** POST memory/{s}/restore/: the engine's restore of this principal's deleted space. */
  async restore(ms, req) {
    const d = this.ctx.storage.kv.get(DELETED);
    const mine = d && d.principal === `${req.principal.tenantId}\u0000${req.principal.userId}`;
    if (!mine) {
      const sid = await this.spaceIdFor(ms, req.principal);
      if (!sid) return errorResult(404, `memory space ${req.wireId} not found`, { code: "not_found" });
      return result(200, wire.spaceOut(await ms.getSpace(sid), req.wireId)); // live: unchanged
    }
    const space = await ms.restoreSpace(d.id);
    this.ctx.storage.kv.delete(DELETED);
    this.engineIds.set(d.principal, space.id);
    return result(200, wire.spaceOut(space, req.wireId));
  }

  // ---- RPC: the HTTP routes under /memory/{s}/ ----

  /** Serves one parsed request: { principal, wireId, route, method, params, query, ifMatch, body }. */
  async handle(req) {
    const ctx = { spaceId: req.wireId };
    return guard(async () => {
      const ms = await this.engine(req.principal);
      if (req.route === "restore") {
        const out = await this.restore(ms, req);
        if (out.status === 200) await this.ensureAlarm();
        return out;
      }
      const sid = await this.spaceIdFor(ms, req.principal);
      if (!sid) return errorResult(404, `memory space ${req.wireId} not found`, { code: "not_found" });
      const out = await this.route(ms, sid, req);
      if (req.method !== "GET" && req.route !== "space" && out.status < 300) await this.ensureAlarm();
      return out;
    }, ctx);
  }

  async route(ms, sid, req) {
    const { route, method, params, query, ifMatch, body, wireId } = req;
    const q = new URLSearchParams(query);
    const session = params.sessionId;
    switch (`${method} ${route}`) {
      case "GET space":
        return result(200, wire.spaceOut(await ms.getSpace(sid), wireId));
      case "PATCH space":
        return result(200, wire.spaceOut(await ms.updateSpace(sid, wire.spaceUpdateIn(body)), wireId));
      case "DELETE space": {
        // Kept so that POST memory/{s}/restore/ can undo the delete (README "Dot segments").
        const key = (await ms.getSpace(sid)).deduplicationKey ?? null;
        await ms.deleteSpace(sid);
        this.ctx.storage.kv.put(DELETED, { principal: `${req.principal.tenantId}\u0000${req.principal.userId}`, id: sid, key });
        this.engineIds.clear();
        this.ctx.storage.kv.put(SEALED, true); // a deleted space's object never holds another
        this.ctx.storage.kv.delete(ALARM);
        await this.ctx.storage.deleteAlarm();
        return result(204);
      }
      case "POST sessions":
        return result(201, wire.sessionOut(await ms.createSession(sid, wire.newSessionIn(body))));
      case "GET sessions":
        return result(200, { items: (await this.listSessions(ms, sid, q)).map(wire.sessionOut) });
      case "GET session":
        return result(200, wire.sessionOut(await ms.getSession(sid, session)));
      case "PATCH session":
        return result(200, wire.sessionOut(await ms.updateSession(sid, session, wire.sessionUpdateIn(body, ifMatch))));
      case "DELETE session":
        await ms.deleteSession(sid, session);
        return result(204);
      case "POST events":
        return result(201, wire.eventOut(await ms.postEvent(sid, session, wire.newEventIn(body))));
      case "POST events-batch": {
        const items = wire.batchIn(body).map((e, i) => wire.newEventIn(e, `events[${i}]`));
        return result(201, { items: (await ms.postEvents(sid, session, items)).map(wire.eventOut) });
      }
      case "GET events": {
        const query = {
          offset: wire.intParam(q, "offset"),
          limit: wire.intParam(q, "limit"),
          lastN: wire.intParam(q, "lastN"),
          eventType: q.get("eventType") ?? undefined,
        };
        return result(200, { items: (await ms.listEvents(sid, session, query)).map(wire.eventOut) });
      }
      case "PATCH event": {
        const u = wire.eventUpdateIn(body, params.sequenceId, q.get("createdAt"));
        return result(200, wire.eventOut(await ms.updateEvent(sid, session, u)));
      }
      case "PATCH events-batch": {
        const items = wire.batchIn(body).map((e, i) => {
          if (!Number.isSafeInteger(e?.sequenceId) || e.sequenceId < 0) throw new wire.WireError(`events[${i}].sequenceId`, "must be a non-negative integer");
          return wire.eventUpdateIn(e, e.sequenceId, e.createdAt, `events[${i}]`);
        });
        return result(200, { items: (await ms.updateEvents(sid, session, items)).map(wire.eventOut) });
      }
      case "DELETE event":
        // The ORM's DREvent.delete(): the engine has no per-event soft delete yet.
        return errorResult(501, "deleting a single event is not supported by memspace", { code: "unsupported" });
      case "GET jobs":
        return result(200, { items: await ms.listExtractionJobs(sid) });
      default:
        return errorResult(405, `${method} is not allowed here`, { code: "method_not_allowed" });
    }
  }

  /** Session listing; `deduplicationKey` is the engine's index read (zero or one session). */
  async listSessions(ms, sid, q) {
    const filter = {
      offset: wire.intParam(q, "offset"),
      limit: wire.intParam(q, "limit"),
      participants: q.getAll("participants").length ? q.getAll("participants") : undefined,
      description: q.get("description") ?? undefined,
    };
    const key = q.get("deduplicationKey");
    if (key === null) return ms.listSessions(sid, filter);
    try {
      return await ms.listSessions(sid, { ...filter, deduplicationKey: key });
    } catch (e) {
      // A key no session can hold (empty, too long) matches nothing, as a filter should.
      if (e && e.code === "validation" && e.details?.field === "deduplicationKey") return [];
      throw e;
    }
  }

  // ---- eager lifecycle ----

  /** Schedules the sweep alarm once (SWEEP_INTERVAL_SECONDS, default 3600; 0 disables it). */
  async ensureAlarm() {
    const secs = Number(this.env.SWEEP_INTERVAL_SECONDS ?? 3600);
    if (!(secs > 0) || this.ctx.storage.kv.get(ALARM) === secs) return;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + secs * 1000);
    this.ctx.storage.kv.put(ALARM, secs);
  }

  /** Fires due time triggers (so due extraction jobs are queued without waiting for a request). */
  async alarm() {
    const secs = Number(this.env.SWEEP_INTERVAL_SECONDS ?? 3600);
    const ms = await this.engine({ userId: "system", tenantId: "system" });
    let report;
    do report = await ms.sweep(100);
    while (report.examined === 100);
    if (secs > 0) await this.ctx.storage.setAlarm(Date.now() + secs * 1000);
  }
}
