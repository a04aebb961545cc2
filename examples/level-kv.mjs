// A memspace KvAdapter over LevelDB (the `classic-level` package: the Level project's binding
// of Google's LevelDB, the store Chromium's IndexedDB is built on). Persists a Node program's
// memory in a directory. docs/browser.md ("Persisting in Node") walks through it; the test in
// test/node/level-adapter.test.js runs it.
//
// Keys and values are Uint8Arrays; LevelDB orders keys byte-wise, as the seam requires.
// `commit` checks the preconditions and writes the batch (LevelDB batches are atomic) while
// holding an in-process lock, and LevelDB lets only one process open a database, so commits are
// all-or-nothing and isolated: `atomicBatches: true`.
import { ClassicLevel } from "classic-level";

const sameBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

export class LevelKv {
  atomicBatches = true;
  #db;
  #tail = Promise.resolve(); // commits run one at a time

  constructor(path) {
    this.#db = new ClassicLevel(path, { keyEncoding: "view", valueEncoding: "view" });
  }

  /** Opens the database (creating it); call before Memspace.open({ kv }). */
  open() {
    return this.#db.open();
  }

  close() {
    return this.#db.close();
  }

  async get(key) {
    return (await this.#db.get(key)) ?? null;
  }

  async getMany(keys) {
    return (await this.#db.getMany(keys)).map((v) => v ?? null);
  }

  async scan(start, end, limit, reverse) {
    const range = end === null ? { gte: start } : { gte: start, lt: end };
    return this.#db.iterator({ ...range, limit, reverse }).all();
  }

  commit({ ops, preconditions }) {
    const run = this.#tail.then(async () => {
      const current = await this.#db.getMany(preconditions.map((p) => p.key));
      preconditions.forEach((p, i) => {
        const cur = current[i];
        const holds = p.type === "absent" ? cur === undefined : cur !== undefined && sameBytes(cur, p.value);
        if (!holds) throw Object.assign(new Error("kv precondition failed"), { code: "conflict", key: p.key });
      });
      await this.#db.batch(ops.map((o) => (o.type === "put" ? { type: "put", key: o.key, value: o.value } : { type: "del", key: o.key })), { sync: true });
    });
    this.#tail = run.catch(() => {});
    return run;
  }
}
