// A commit's writes issued in one call, for src/bindings/js/indexeddb.rs: the keys and values
// are read from WebAssembly memory here, so a 200-event batch is one call across the boundary
// instead of a call per write and per key and value copied out.

/**
 * Issues writes on `store` in order. `at` holds five numbers per write: its kind (0 put,
 * 1 add, 2 delete), the key's offset and length in `memory`, the value's offset and length.
 * A key is a view of the memory (IndexedDB copies a key when the request is made); a value is
 * a copy of its bytes in a buffer of its own (a view would store the whole memory). Answers
 * the add requests, in order; throws what put/add/delete throw.
 */
export function issueWrites(store, memory, at) {
  const bytes = new Uint8Array(memory.buffer);
  const added = [];
  for (let i = 0; i < at.length; i += 5) {
    const key = bytes.subarray(at[i + 1], at[i + 1] + at[i + 2]);
    if (at[i] === 2) {
      store.delete(key);
      continue;
    }
    const value = bytes.slice(at[i + 3], at[i + 3] + at[i + 4]);
    if (at[i] === 1) added.push(store.add(value, key));
    else store.put(value, key);
  }
  return added;
}
