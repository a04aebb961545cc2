// DirectoryObject: one Durable Object per principal (named by [tenantId, userId]). It lists the
// principal's DataRobot memory spaces in creation order, holds their deduplication keys, and
// keeps a copy of each space's wire object so that a listing reads no space object. It is an
// index, never the authority: a space exists iff its SpaceObject says so, every disagreement is
// repaired from the SpaceObject's answer, and copies are replaced only by newer ones (each
// change of a space carries the space object's sequence number).
//
// Storage (SQLite-backed synchronous KV):
//   e:<spaceId>        → { id, order, state: "pending" | "live", dedupKey, createdAt, space, seq }
//   o:<order>          → spaceId        order = 15-digit creation ms + ":" + spaceId
//   d:<dedupKey>       → spaceId        the space holding a deduplication key

import { DurableObject } from "cloudflare:workers";

/** How long an unconfirmed (pending) entry is left alone before a reader resolves it. */
export const PENDING_GRACE_MS = 30_000;
/** How long a create waits for a young pending holder of its deduplication key to finish. */
const HOLDER_WAIT_MS = 1_000;
const HOLDER_POLL_MS = 25;

export class DirectoryObject extends DurableObject {
  get kv() {
    return this.ctx.storage.kv;
  }

  space(id) {
    return this.env.SPACES.get(this.env.SPACES.idFromName(id));
  }

  entry(id) {
    return this.kv.get(`e:${id}`) ?? null;
  }

  /** Removes an entry, its order key and its dedup claim (if it still holds it). */
  drop(id) {
    this.ctx.storage.transactionSync(() => {
      const e = this.entry(id);
      if (!e) return;
      this.kv.delete(`e:${id}`);
      this.kv.delete(`o:${e.order}`);
      if (e.dedupKey !== null && this.kv.get(`d:${e.dedupKey}`) === id) this.kv.delete(`d:${e.dedupKey}`);
    });
  }

  /** Marks an entry live with the space's copy, unless the entry already has a newer one. */
  markLive(id, space, seq) {
    this.ctx.storage.transactionSync(() => {
      const e = this.entry(id);
      if (!e) return;
      const newer = space && (!e.space || !(e.seq >= seq));
      if (e.state !== "live" || newer) {
        this.kv.put(`e:${id}`, { ...e, state: "live", ...(newer ? { space, seq } : {}) });
      }
    });
  }

  /**
   * Asks the space object whether an entry's space is live, repairing the entry from the
   * answer. `seal` (for entries that may still be being created) makes "absent" final.
   */
  async resolve(principal, id, seal) {
    const r = await this.space(id).describe(principal, id, seal);
    if (r.live) this.markLive(id, r.space, r.seq);
    else if (seal || this.entry(id)?.state === "live") this.drop(id);
    return r;
  }

  // ---- RPC ----

  /**
   * Step 1 of creating a space: a pending entry, and the dedup claim if a key is given.
   * → { ok: true } | { duplicate: existingId } | { contended: true }
   */
  async reserve(principal, id, dedupKey, now = Date.now()) {
    for (let attempt = 0; attempt < 4; attempt++) {
      if (dedupKey !== null) {
        const holder = this.kv.get(`d:${dedupKey}`);
        if (holder !== undefined) {
          if (await this.holderIsLive(principal, dedupKey, holder, now)) return { duplicate: holder };
          continue; // the holder was dropped: look again (someone may have claimed it meanwhile)
        }
      }
      const ok = this.ctx.storage.transactionSync(() => {
        if (dedupKey !== null && this.kv.get(`d:${dedupKey}`) !== undefined) return false;
        const order = `${String(now).padStart(15, "0")}:${id}`;
        this.kv.put(`e:${id}`, { id, order, state: "pending", dedupKey, createdAt: now, space: null, seq: 0 });
        this.kv.put(`o:${order}`, id);
        if (dedupKey !== null) this.kv.put(`d:${dedupKey}`, id);
        return true;
      });
      if (ok) return { ok: true };
    }
    return { contended: true };
  }

  /**
   * Whether the space holding a deduplication key is live. A holder still being created
   * (pending, younger than the grace period) is given up to HOLDER_WAIT_MS to finish — the first
   * claimer wins a race — before its creation is presumed dead and sealed.
   */
  async holderIsLive(principal, dedupKey, holder, now) {
    const e = this.entry(holder);
    if (e && e.state === "pending" && now - e.createdAt < PENDING_GRACE_MS) {
      for (let waited = 0; waited <= HOLDER_WAIT_MS; waited += HOLDER_POLL_MS) {
        const r = await this.space(holder).describe(principal, holder, false);
        if (r.live) {
          this.markLive(holder, r.space, r.seq);
          return true;
        }
        if (this.kv.get(`d:${dedupKey}`) !== holder) return false; // released meanwhile
        await new Promise((resolve) => setTimeout(resolve, HOLDER_POLL_MS));
      }
    }
    return (await this.resolve(principal, holder, true)).live;
  }

  /** Step 3: the space object created (or restored) the space; its wire object and sequence. */
  confirm(id, space, seq) {
    this.markLive(id, space, seq);
  }

  /** The space object changed the space (PATCH): its new wire object, if newer. */
  refresh(id, space, seq) {
    const e = this.entry(id);
    if (e && e.state === "live") this.markLive(id, space, seq);
  }

  /** The creation failed: drop the pending entry and free its key. */
  release(id) {
    const e = this.entry(id);
    if (e && e.state === "pending") this.drop(id);
  }

  /** The space was deleted. */
  forget(id) {
    this.drop(id);
  }

  /**
   * The principal's live spaces (wire objects) in creation order, from the copies: no space
   * object is asked, except for an entry left pending past the grace period (a creation that
   * died midway), which is resolved once.
   */
  async listSpaces(principal, { offset = 0, limit = 100, dedupKey = null }, now = Date.now()) {
    const settled = (e) => e.state === "live" && e.space;
    if (dedupKey !== null) {
      const holder = this.kv.get(`d:${dedupKey}`);
      const e = holder === undefined ? null : this.entry(holder);
      if (!e || offset > 0 || (e.state === "pending" && now - e.createdAt < PENDING_GRACE_MS)) return [];
      if (settled(e)) return [e.space];
      const r = await this.resolve(principal, e.id, e.state === "pending");
      return r.live ? [r.space] : [];
    }
    for (let round = 0; round < 8; round++) {
      const visible = [];
      for (const [, id] of this.kv.list({ prefix: "o:" })) {
        const e = this.entry(id);
        if (!e || (e.state === "pending" && now - e.createdAt < PENDING_GRACE_MS)) continue;
        visible.push(e);
        if (visible.length >= offset + limit) break;
      }
      const unsettled = visible.filter((e) => !settled(e));
      if (unsettled.length === 0) return visible.slice(offset, offset + limit).map((e) => e.space);
      // Creations or pushes that died midway: repair those entries, then read again.
      await Promise.all(unsettled.map((e) => this.resolve(principal, e.id, e.state === "pending")));
    }
    throw new Error("directory listing did not settle");
  }
}
