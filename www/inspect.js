// The inspector's decoder: reads memspace's IndexedDB object store directly (not through the
// engine) and decodes each key tuple and value envelope, checking the envelope's CRC-32 the way
// the engine does, so what the page shows is what is on disk.
//
// Keys: a table tag, then parts. A string part is UTF-8 with 0x00 escaped as 0x00 0xff and
// terminated by 0x00; a number part is 8 bytes big-endian; a timestamp part is microseconds
// with the sign bit flipped, 8 bytes big-endian. Values: [format version][crc32 LE][JSON],
// events in their binary format 3 (docs/storage.md, "Event values"): the record's fields
// besides the two ids (those are the key's), the body's JSON text possibly LZ-compressed, and
// session heads in their compact format 4 (docs/storage.md, "Session head values").

/** Part kinds after the tag, for tables whose keys hold numbers or timestamps (others: strings). */
const SHAPES = {
  ev: "ssn",
  evt: "sssn",
  due: "tss",
  mx: "tss",
  jq: "tss",
  mrv: "ssn",
  rd: "sn",
  rv: "sn",
  rp: "ssn",
};

/** What each table holds, for the inspector's labels. */
export const TABLES = {
  sp: "space record",
  spo: "owner index",
  spd: "space dedup claim",
  se: "session head",
  sed: "session dedup claim",
  ev: "event",
  evh: "session head copy",
  evt: "event-type index",
  tx: "event journal",
  job: "extraction job",
  jq: "job queue",
  due: "lifecycle schedule",
  ms: "memory store",
  me: "store entry",
  mec: "entry content",
  mp: "entry path",
  mv: "store version",
  mve: "entry version index",
  mtx: "store journal",
  wc: "working context",
  mh: "memories head",
  mj: "memories journal",
  mr: "memory",
  mrv: "memory version",
  mi: "memory list index",
  mk: "logical key",
  mch: "content hash",
  mik: "idempotency key",
  mx: "expiry schedule",
  ma: "association",
  mao: "association out-edge",
  mai: "association in-edge",
  rh: "recall index head",
  rp: "recall postings",
  rv: "recall vectors",
  rd: "recall doc table",
  rm: "recall ordinal",
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

function readString(bytes, at) {
  const out = [];
  let i = at;
  for (;;) {
    if (i >= bytes.length) return null;
    if (bytes[i] === 0) {
      if (bytes[i + 1] === 0xff) {
        out.push(0);
        i += 2;
        continue;
      }
      break;
    }
    out.push(bytes[i]);
    i += 1;
  }
  try {
    return { value: utf8.decode(new Uint8Array(out)), next: i + 1 };
  } catch {
    return null;
  }
}

function readU64(bytes, at) {
  if (at + 8 > bytes.length) return null;
  let n = 0n;
  for (let i = 0; i < 8; i++) n = (n << 8n) | BigInt(bytes[at + i]);
  return { value: n, next: at + 8 };
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Decodes a key into `{ tag, parts: string[] }`; undecodable bytes come out as hex. */
export function decodeKey(bytes) {
  const tag = readString(bytes, 0);
  if (!tag) return { tag: "?", parts: [hex(bytes)] };
  const shape = SHAPES[tag.value] ?? "";
  // A trailing number part is the key's last 8 bytes: split it off first. Read left to right,
  // a string's terminator followed by a number whose first byte is 0xff would look like an
  // escaped NUL (the session head copy at 2^64 − 1 is such a key).
  const last = shape[shape.length - 1];
  if (last && last !== "s" && bytes.length >= tag.next + 9 && bytes[bytes.length - 9] === 0) {
    const front = readParts(bytes.subarray(0, bytes.length - 8), tag.next, shape.slice(0, -1));
    const n = readU64(bytes, bytes.length - 8);
    return { tag: tag.value, parts: [...front, numberPart(last, n.value)] };
  }
  return { tag: tag.value, parts: readParts(bytes, tag.next, shape) };
}

function readParts(bytes, from, shape) {
  const parts = [];
  let at = from;
  for (let k = 0; at < bytes.length; k++) {
    const kind = shape[k] ?? "s";
    const p = kind === "s" ? readString(bytes, at) : readU64(bytes, at);
    if (!p) return [...parts, hex(bytes.subarray(at))];
    parts.push(kind === "s" ? p.value : numberPart(kind, p.value));
    at = p.next;
  }
  return parts;
}

/** A number part as shown: `#n`, or a timestamp ("t": microseconds, sign bit flipped). */
function numberPart(kind, n) {
  if (kind !== "t") return `#${n}`;
  const micros = n ^ (1n << 63n);
  const signed = micros >= 1n << 63n ? micros - (1n << 64n) : micros;
  return new Date(Number(signed / 1000n)).toISOString();
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE), as crc32fast computes it. */
export function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A reader over a binary value's payload (src/codec/varint.rs); every overrun throws. */
function reader(p) {
  const r = { at: 0 };
  r.varint = () => {
    let v = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (r.at >= p.length) throw new Error("truncated");
      const b = p[r.at++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, v);
    }
    throw new Error("varint too long");
  };
  r.zigzag = () => {
    const v = r.varint();
    return (v >> 1n) ^ -(v & 1n);
  };
  r.str = (len) => {
    const n = Number(len);
    if (r.at + n > p.length) throw new Error("truncated");
    const s = utf8.decode(p.subarray(r.at, r.at + n));
    r.at += n;
    return s;
  };
  r.string = () => r.str(r.varint());
  r.optStr = () => {
    const n = r.varint();
    return n === 0n ? null : r.str(n - 1n);
  };
  // Plain numbers where they are exact, else the decimal text.
  r.number = () => {
    const v = r.varint();
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  };
  return r;
}

/** Microseconds since the epoch as the engine renders them (RFC 3339, six fraction digits). */
function time(us) {
  const ms = Number(us / 1000n - (us < 0n && us % 1000n !== 0n ? 1n : 0n)); // floored
  const frac = String(((us % 1000000n) + 1000000n) % 1000000n).padStart(6, "0");
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${frac}Z`);
}

/** The fields of a binary event value's payload (format 3, or 5 with the session's token count
 * after the event as `tokensAfter`; checksum already verified). */
function decodeEvent(p, running) {
  const r = reader(p);
  const form = r.varint();
  const tokensAfter = running ? r.number() : undefined;
  const created = r.zigzag();
  const updated = created + r.zigzag();
  const eventType = r.optStr();
  const type = r.string();
  const id = r.optStr();
  let body = p.subarray(r.at);
  if (form !== 0n) body = lzDecompress(body, Number(form - 1n));
  const event = { eventType, body: JSON.parse(utf8.decode(body)), emitter: { type, id }, createdAt: time(created), updatedAt: time(updated) };
  return running ? { ...event, tokensAfter } : event;
}

/**
 * The session a stored head describes once the newest key of its events is folded in
 * (docs/storage.md, "One-record appends"): an event at `seq ≥ head.eventCount` carrying the
 * running token count (format 5) makes the count `seq + 1`, the token count its `tokensAfter`
 * and `lastEventAt` its `createdAt`. `null` when there is nothing to fold (the head is the
 * session as stored). `newest` is `{ seq, value }` (a decoded value) or undefined.
 */
export function foldHead(head, newest) {
  if (!newest || newest.seq < BigInt(head.eventCount)) return null;
  const e = newest.value;
  if (e.kind !== "record" || e.format !== 5) return null;
  return { eventCount: Number(newest.seq) + 1, tokenCount: e.json.tokensAfter, lastEventAt: e.json.createdAt };
}

/** A compact session head's payload (format 4, src/engine/head.rs; checksum already verified),
 * as the JSON record format 2 stored: the session's fields and the bookkeeping side by side. */
function decodeHead(p) {
  const r = reader(p);
  const flags = r.varint();
  if (flags >= 512n) throw new Error("unknown flags");
  const id = r.string();
  const memorySpaceId = r.string();
  const participants = [];
  for (let n = r.varint(); n > 0n; n--) participants.push(r.string());
  const json = (s) => (s === null ? null : JSON.parse(s));
  const description = r.optStr();
  const metadata = json(r.optStr());
  const deduplicationKey = r.optStr();
  const lifecycleStrategies = [];
  for (let n = r.varint(); n > 0n; n--) {
    const code = Number(r.varint());
    if (code > 7) throw new Error("unknown strategy type");
    const trigger = { [["ttl", "idle", "eventCount", "tokenCount"][code % 4]]: r.number() };
    lifecycleStrategies.push({ type: code < 4 ? "soft_delete" : "extract_memories", trigger, opts: json(r.optStr()) });
  }
  const executedStrategies = json(r.optStr()) ?? [];
  const [version, eventCount, tokenCount, extractedThrough, deletedEvents, jobSeq] = Array.from({ length: 6 }, r.number);
  const created = r.zigzag();
  const at = () => time(created + r.zigzag());
  const updatedAt = at();
  const [lastEventAt, deletedAt, touchedAt, expiresAt, nextDue] = [0n, 1n, 2n, 3n, 4n].map((bit) => (flags & (1n << bit) ? at() : null));
  const pendingTx = r.optStr();
  const typeMarks = [];
  for (let n = r.varint(); n > 0n; n--) typeMarks.push([r.string(), r.number()]);
  const awaitingExtraction = flags & 128n ? { jobId: r.string(), since: at() } : null;
  if (r.at !== p.length) throw new Error("trailing bytes");
  const head = { id, memorySpaceId, participants, description, metadata, lifecycleStrategies, version, deduplicationKey, createdAt: time(created), updatedAt, eventCount, tokenCount, lastEventAt, executedStrategies };
  if (deletedAt) head.deletedAt = deletedAt;
  if (touchedAt) head.touchedAt = touchedAt;
  if (expiresAt) head.expiresAt = expiresAt;
  Object.assign(head, { nextDue, extractedThrough, pendingTx });
  if (flags & 32n) head.typeIndex = true;
  if (flags & 64n) head.typePages = true;
  if (flags & 256n) head.typeRuns = true;
  if (typeMarks.length) head.typeMarks = typeMarks;
  if (deletedEvents) head.deletedEvents = deletedEvents;
  head.jobSeq = jobSeq;
  if (awaitingExtraction) head.awaitingExtraction = awaitingExtraction;
  return head;
}

/** The engine's LZ77 stream (src/codec/lz.rs) back to `len` bytes. */
function lzDecompress(src, len) {
  const out = new Uint8Array(len);
  let at = 0;
  let n = 0;
  const varint = () => {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (at >= src.length) throw new Error("truncated");
      const b = src[at++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    throw new Error("varint too long");
  };
  while (at < src.length) {
    const t = varint();
    const count = Math.floor(t / 2);
    if (t % 2 === 0) {
      if (at + count > src.length || n + count > len) throw new Error("bad literal run");
      out.set(src.subarray(at, at + count), n);
      at += count;
      n += count;
    } else {
      const m = count + 4;
      const offset = varint();
      if (offset === 0 || offset > n || n + m > len) throw new Error("bad match");
      for (let k = 0; k < m; k++, n++) out[n] = out[n - offset];
    }
  }
  if (n !== len) throw new Error("wrong length");
  return out;
}

/**
 * Decodes a value: `{ kind: "empty" }`, `{ kind: "record", format, json }` (checksum verified),
 * `{ kind: "corrupt", reason }`, or `{ kind: "bytes", text }` for values that are not envelopes.
 */
export function decodeValue(bytes) {
  if (bytes.length === 0) return { kind: "empty" };
  const binary = {
    3: [(p) => decodeEvent(p, false), "binary event"],
    4: [decodeHead, "session head"],
    5: [(p) => decodeEvent(p, true), "binary event"],
  }[bytes[0]];
  if (bytes.length >= 5 && binary) {
    const payload = bytes.subarray(5);
    const stored = (bytes[1] | (bytes[2] << 8) | (bytes[3] << 16) | (bytes[4] << 24)) >>> 0;
    if (crc32(payload) !== stored) return { kind: "corrupt", reason: "checksum mismatch" };
    try {
      return { kind: "record", format: bytes[0], json: binary[0](payload) };
    } catch (e) {
      return { kind: "corrupt", reason: `not a ${binary[1]} (${e.message})` };
    }
  }
  if (bytes.length >= 5 && (bytes[0] === 2 || bytes[0] === 1)) {
    const payload = bytes.subarray(5);
    const stored = (bytes[1] | (bytes[2] << 8) | (bytes[3] << 16) | (bytes[4] << 24)) >>> 0;
    if (crc32(payload) !== stored) return { kind: "corrupt", reason: "checksum mismatch" };
    try {
      return { kind: "record", format: bytes[0], json: JSON.parse(utf8.decode(payload)) };
    } catch {
      return { kind: "corrupt", reason: "the payload is not JSON" };
    }
  }
  try {
    return { kind: "bytes", text: utf8.decode(bytes) };
  } catch {
    return { kind: "bytes", text: `0x${hex(bytes)}` };
  }
}

/** Every `[key, value]` of memspace's object store in database `name`, in key order. */
export function readAll(name) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(name);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains("kv")) {
        db.close();
        resolve([]);
        return;
      }
      const store = db.transaction("kv", "readonly").objectStore("kv");
      const keys = store.getAllKeys();
      const values = store.getAll();
      values.onsuccess = () => {
        db.close();
        const toBytes = (v) => (v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
        resolve(keys.result.map((k, i) => [toBytes(k), toBytes(values.result[i])]));
      };
      values.onerror = () => {
        db.close();
        reject(values.error);
      };
    };
  });
}

const HEAD_COPY = `#${(1n << 64n) - 1n}`;

/** The decoded records that belong to a space (a key part equals its id), grouped by table. */
export async function recordsOfSpace(name, spaceId) {
  const rows = [];
  for (const [k, v] of await readAll(name)) {
    const key = decodeKey(k);
    // The copy of a session head stored after its events: ev / space / session / 2^64 − 1.
    const copy = key.tag === "ev" && key.parts[key.parts.length - 1] === HEAD_COPY;
    if (!key.parts.includes(spaceId)) continue;
    const tag = copy ? "evh" : key.tag;
    rows.push({ tag, keyTag: key.tag, table: TABLES[tag] ?? tag, parts: key.parts, bytes: v.length, value: decodeValue(v) });
  }
  // Each head with the events one-record appends wrote after it folded in: keys come in
  // order, so the last event row of a session is its newest.
  const newest = new Map();
  for (const r of rows) if (r.tag === "ev") newest.set(r.parts[1], { seq: BigInt(r.parts[2].slice(1)), value: r.value });
  for (const r of rows) {
    if (r.tag === "se" && r.value.kind === "record") r.folded = foldHead(r.value.json, newest.get(r.parts[1]));
  }
  return rows;
}
