// DirectoryObject: one Durable Object per principal (named by [tenantId, userId]). It lists the
// principal's spaces in creation order and holds their space deduplication keys. It is an index,
// never the authority: a space exists iff its SpaceObject says so, and every disagreement is
// repaired from the SpaceObject's answer (see README.md, "Directory").
//
// Storage (SQLite-backed synchronous KV):
//   e:<spaceId>        → { id, order, state: "pending" | "live", dedupKey, createdAt }
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

  markLive(id) {
    this.ctx.storage.transactionSync(() => {
      const e = this.entry(id);
      if (e && e.state !== "live") this.kv.put(`e:${id}`, { ...e, state: "live" });
    });
  }

  /**
   * Asks the space object whether an entry's space is live, repairing the entry from the
   * answer. `seal` (for entries that may still be being created) makes "absent" final.
   */
  async resolve(principal, id, seal) {
    const r = await this.space(id).describe(principal, id, seal);
    if (r.live) this.markLive(id);
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
        this.kv.put(`e:${id}`, { id, order, state: "pending", dedupKey, createdAt: now });
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
          this.markLive(holder);
          return true;
        }
        if (this.kv.get(`d:${dedupKey}`) !== holder) return false; // released meanwhile
        await new Promise((resolve) => setTimeout(resolve, HOLDER_POLL_MS));
      }
    }
    return (await this.resolve(principal, holder, true)).live;
  }

  /** Step 3: the space object created the space. */
  confirm(id) {
    this.markLive(id);
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

  /** The principal's live spaces (wire objects) in creation order. */
  async listSpaces(principal, { offset = 0, limit = 100, dedupKey = null }, now = Date.now()) {
    if (dedupKey !== null) {
      const holder = this.kv.get(`d:${dedupKey}`);
      if (holder === undefined) return [];
      const e = this.entry(holder);
      if (e && e.state === "pending" && now - e.createdAt < PENDING_GRACE_MS) return [];
      const r = await this.resolve(principal, holder, e?.state === "pending");
      return r.live && offset === 0 ? [r.space] : [];
    }
    for (let round = 0; round < 8; round++) {
      const visible = [];
      for (const [, id] of this.kv.list({ prefix: "o:" })) {
        const e = this.entry(id);
        if (!e || (e.state === "pending" && now - e.createdAt < PENDING_GRACE_MS)) continue;
        visible.push(e);
        if (visible.length >= offset + limit) break;
      }
      const page = visible.slice(offset, offset + limit);
      const answers = await Promise.all(page.map((e) => this.resolve(principal, e.id, e.state === "pending")));
      if (answers.every((r) => r.live)) return answers.map((r) => r.space);
      // Some entries were stale and are now repaired: the page shifted, read it again.
    }
    throw new Error("directory listing did not settle");
  }
}
