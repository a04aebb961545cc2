// PrincipalObject: one Durable Object per principal (named by [tenantId, userId]) for the `/v1`
// APIs — the MemoryLayer workspaces, memories, associations and sessions, and the memory
// stores. It runs the engine's REST surface over its own SQLite-backed storage; the engine
// keeps each API in its own namespace of the principal.

import { DurableObject } from "cloudflare:workers";
import { Memspace, Rest } from "./engine.js";
import { DurableObjectKv } from "./do-kv.js";
import { workerLlm } from "./llm.js";

const ALARM = "m:alarm"; // the sweep interval in use, once an alarm has been scheduled

export class PrincipalObject extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.kv = new DurableObjectKv(ctx.storage);
    this.rest = null;
    this.alarmSecs = undefined; // ALARM's stored value, read once (only ensureAlarm writes it)
  }

  async surface() {
    if (!this.rest) {
      // The Worker's LLM (when configured) serves MemoryLayer commit_session and reflect.
      const llm = workerLlm(this.env);
      this.ms = await Memspace.open({ kv: this.kv, principal: { userId: "system", tenantId: "system" }, ...(llm ? { llm } : {}) });
      this.rest = new Rest(this.ms);
    }
    return this.rest;
  }

  /** Serves one `/v1` request for the principal the Worker authenticated. */
  async handle(principal, req) {
    const res = await (await this.surface()).handle(principal, req, {});
    if (req.method !== "GET" && res.status < 300) await this.ensureAlarm();
    return res;
  }

  /** Schedules the sweep alarm once (SWEEP_INTERVAL_SECONDS, default 3600; 0 disables it). */
  async ensureAlarm() {
    const secs = Number(this.env.SWEEP_INTERVAL_SECONDS ?? 3600);
    this.alarmSecs ??= this.ctx.storage.kv.get(ALARM) ?? null;
    if (!(secs > 0) || this.alarmSecs === secs) return;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + secs * 1000);
    this.ctx.storage.kv.put(ALARM, secs);
    this.alarmSecs = secs;
  }

  /** Fires due time triggers: expired sessions and memories are recorded without a request. */
  async alarm() {
    await this.surface();
    let report;
    do report = await this.ms.sweep(100);
    while (report.examined === 100);
    const secs = Number(this.env.SWEEP_INTERVAL_SECONDS ?? 3600);
    if (secs > 0) await this.ctx.storage.setAlarm(Date.now() + secs * 1000);
  }
}
