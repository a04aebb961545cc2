import type { KvAdapter, KvBatch } from "./index.js";

/** An error a KvAdapter rejects with when a precondition does not hold. */
export declare function conflictError(key: Uint8Array): Error & { code: "conflict"; key: Uint8Array };

/** In-memory reference KvAdapter: sorted, atomic, isolated. */
export declare class MemoryKv implements KvAdapter {
  readonly atomicBatches: true;
  /** Number of keys stored. */
  readonly size: number;
  get(key: Uint8Array): Promise<Uint8Array | null>;
  getMany(keys: Uint8Array[]): Promise<(Uint8Array | null)[]>;
  scan(start: Uint8Array, end: Uint8Array | null, limit: number, reverse: boolean): Promise<[Uint8Array, Uint8Array][]>;
  commit(batch: KvBatch): Promise<void>;
}
