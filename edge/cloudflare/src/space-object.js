// SpaceObject: one Durable Object per DataRobot memory space (named by the space's `spc_…`
// id). It runs the engine's REST surface over its own SQLite-backed storage and answers every
// route under /api/v2/memory/{s}/ for the principal the Worker authenticated. Ownership is the
// engine's: a principal that does not own the space gets a 404 from the engine itself, so
// isolation does not depend on the directory.
//
// Creation and the directory's resolution of an unconfirmed entry run under
// blockConcurrencyWhile, so "create" and "abandon" are ordered: once a resolution has found no
// space and sealed the object, a late create fails instead of leaving an unlisted space.
//
// The directory keeps a copy of each space (for listings without a call per space). A change
// of the space (PATCH, DELETE) is pushed to it with a sequence number; an outbox record
// written before the change and cleared after the push lets the alarm repeat a push that a
// dying request never made (README "Directory").

import { DurableObject } from "cloudflare:workers";
import { Memspace, Rest } from "./engine.js";
import { DurableObjectKv } from "./do-kv.js";
import { workerLlm } from "./llm.js";
import { bodyJson, getRequest } from "./http.js";

const SEALED = "m:sealed"; // set when the directory abandoned a creation that never happened
const ALARM = "m:alarm"; // the sweep interval in use, once an alarm has been scheduled
const DELETED = "m:deleted"; // { principal, key } of the deleted space, for restore
const SEQ = "m:seq"; // sequence number of the last change pushed to the directory
const OUTBOX = "m:outbox"; // { principal } while a change may not have reached the directory
const OUTBOX_RETRY_MS = 2_000;

const principalKey = (p) => `${p.tenantId}\u0000${p.userId}`;

export class SpaceObject extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.kv = new DurableObjectKv(ctx.storage);
    this.rest = null; // the REST surface (opened lazily)
    this.ms = null; // its Memspace handle (with the Worker's LLM when one is configured)
    // ALARM's stored value, read once per instance: every write of ALARM goes through this
    // object, so the copy stays equal to storage and a write request reads no metadata row.
    this.alarmSecs = undefined;
  }

  get store() {
    return this.ctx.storage.kv;
  }

  async surface() {
    if (!this.rest) {
      const llm = workerLlm(this.env);
      this.ms = await Memspace.open({ kv: this.kv, principal: { userId: "system", tenantId: "system" }, ...(llm ? { llm } : {}) });
      this.rest = new Rest(this.ms);
    }
    return this.rest;
  }

  /** The next sequence number of a change (committed with the object's storage). */
  nextSeq() {
    const seq = (this.store.get(SEQ) ?? 0) + 1;
    this.store.put(SEQ, seq);
    return seq;
  }

  // ---- RPC: creation and the directory's questions ----

  /**
   * POST memory/new/ with this object's space id: creates the space (a retried create of the
   * caller's live space returns it). → response + { seq } or { abandoned: true }.
   */
  async create(principal, id, req) {
    return this.ctx.blockConcurrencyWhile(async () => {
      if (this.store.get(SEALED)) {
        const body = new TextEncoder().encode(JSON.stringify({ detail: "this memory space creation was abandoned; retry the request", code: "abandoned" }));
        return { status: 409, headers: [["content-type", "application/json"]], body, abandoned: true };
      }
      const res = await (await this.surface()).handle(principal, req, { newSpaceId: id });
      if (res.status === 201) {
        await this.ensureAlarm();
        return { ...res, seq: this.nextSeq() };
      }
      return res;
    });
  }

  /** `createSpace(principal, id, input)`: `create` with a body object (tests, tools). */
  async createSpace(principal, id, input) {
    const body = new TextEncoder().encode(JSON.stringify(input ?? {}));
    const r = await this.create(principal, id, { method: "POST", path: "/api/v2/memory/new/", query: "", headers: [], body });
    return { status: r.status, body: bodyJson(r) };
  }

  /**
   * The space as the directory sees it: { live: true, space, seq } or { live: false }. With
   * `seal`, a space that does not exist is sealed so that it never will.
   */
  async describe(principal, id, seal = false) {
    const look = async () => {
      const r = await (await this.surface()).handle(principal, getRequest(`/api/v2/memory/${id}/`), {});
      if (r.status === 200) return { live: true, space: bodyJson(r), seq: this.store.get(SEQ) ?? 0 };
      if (r.status !== 404) throw new Error(`describe: ${r.status} ${new TextDecoder().decode(r.body)}`);
      if (seal) this.store.put(SEALED, true);
      return { live: false };
    };
    return seal ? this.ctx.blockConcurrencyWhile(look) : look();
  }

  /** The deduplication key (or null) of this principal's deleted space; undefined if none. */
  deletedKey(principal) {
    const d = this.store.get(DELETED);
    return d && d.principal === principalKey(principal) ? d.key : undefined;
  }

  // ---- RPC: the HTTP routes under /api/v2/memory/{s}/ ----

  /**
   * Serves one request. `changesSpace` (PATCH or DELETE of the space itself): the directory's
   * copy is updated after the change, through the outbox (an alarm is set before the change,
   * so a request that dies before the push is repaired within OUTBOX_RETRY_MS). `push: false`
   * stops after the change, as a request dying there would (the directory tests cut it so).
   */
  async handle(principal, req, changesSpace = false, push = true) {
    const rest = await this.surface();
    const restore = req.method === "POST" && req.path.endsWith("/restore/");
    if (!changesSpace && !restore) {
      const res = await rest.handle(principal, req, {});
      if (req.method !== "GET" && res.status < 300) await this.ensureAlarm();
      return res;
    }
    const del = req.method === "DELETE";
    const id = req.path.split("/")[4];
    let key = null;
    if (del) {
      // Kept so that POST memory/{s}/restore/ can undo the delete (README "Dot segments").
      const cur = await rest.handle(principal, getRequest(`/api/v2/memory/${id}/`), {});
      if (cur.status !== 200) return cur;
      key = bodyJson(cur).deduplicationKey ?? null;
    }
    if (!restore) {
      this.store.put(OUTBOX, { principal, id });
      await this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
    }
    const res = await rest.handle(principal, req, {});
    if (res.status >= 300) {
      if (!restore) this.store.delete(OUTBOX);
      return res;
    }
    const seq = this.nextSeq();
    if (restore) {
      this.store.delete(DELETED); // the object stays sealed: it holds this space and no other
      await this.ensureAlarm();
      return { ...res, seq };
    }
    if (del) {
      this.store.put(DELETED, { principal: principalKey(principal), key });
      this.store.put(SEALED, true); // a deleted space's object never holds another
      this.store.delete(ALARM); // no more sweeps; the outbox alarm stays until the push is done
      this.alarmSecs = null;
    }
    if (!push) return res;
    await this.push(principal, id, del ? null : bodyJson(res), seq);
    return res;
  }

  /** Tells the directory about a change, then clears the outbox (an alarm retries on failure). */
  async push(principal, id, snapshot, seq) {
    try {
      const dir = this.env.DIRECTORY.get(this.env.DIRECTORY.idFromName(JSON.stringify([principal.tenantId, principal.userId])));
      if (snapshot === null) await dir.forget(id);
      else await dir.refresh(id, snapshot, seq);
      this.store.delete(OUTBOX);
    } catch (e) {
      console.error("memspace space object: directory push failed, the alarm retries:", e && e.stack ? e.stack : e);
      await this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
    }
  }

  // ---- eager lifecycle and the outbox ----

  /** Schedules the sweep alarm once (SWEEP_INTERVAL_SECONDS, default 3600; 0 disables it). */
  async ensureAlarm() {
    const secs = Number(this.env.SWEEP_INTERVAL_SECONDS ?? 3600);
    this.alarmSecs ??= this.store.get(ALARM) ?? null;
    if (!(secs > 0) || this.alarmSecs === secs) return;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + secs * 1000);
    this.store.put(ALARM, secs);
    this.alarmSecs = secs;
  }

  /**
   * Repeats an unfinished directory push, fires due time triggers (so due extraction jobs are
   * queued without waiting for a request), then runs due extraction jobs with the Worker's LLM
   * (src/llm.js): memories are written and sessions whose strategy soft-deletes them are
   * deleted after their extraction. Without an LLM configured the jobs stay queued; a job whose
   * model call fails waits for its backoff and a later alarm.
   */
  async alarm() {
    const pending = this.store.get(OUTBOX);
    if (pending) {
      const r = await (await this.surface()).handle(pending.principal, getRequest(`/api/v2/memory/${pending.id}/`), {});
      const seq = this.nextSeq();
      await this.push(pending.principal, pending.id, r.status === 200 ? bodyJson(r) : null, seq);
    }
    if (this.store.get(SEALED)) return; // deleted: nothing to sweep
    const secs = Number(this.env.SWEEP_INTERVAL_SECONDS ?? 3600);
    await this.surface();
    const ms = this.ms;
    try {
      let report;
      do report = await ms.sweep(100);
      while (report.examined === 100);
      if (workerLlm(this.env)) {
        for (let round = 0; round < 10; round++) {
          const run = await ms.runExtraction({ limit: 10 });
          if (run.claimed < 10) break;
        }
      }
    } finally {
      if (secs > 0) await this.ctx.storage.setAlarm(Date.now() + secs * 1000);
    }
  }
}
