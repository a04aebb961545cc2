// The REST surface's requests and responses as plain objects (what crosses Durable Object
// RPC): { method, path, query, headers: [[name, value]…], body: Uint8Array } in,
// { status, headers, body } out. Reading a body stops one byte past the cap, so the engine can
// answer 413 without the Worker holding more.

/** Largest request body the REST surface accepts (its MAX_BODY_BYTES). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The plain request of a fetch Request (the body read up to MAX_BODY_BYTES + 1 bytes). */
export async function plainRequest(request) {
  const url = new URL(request.url);
  const headers = [...request.headers];
  const declared = request.headers.get("Content-Length");
  let body = new Uint8Array(0);
  // A declared length over the cap is refused by the engine from the header alone; a declared
  // length within it is read in one native call (HTTP framing bounds the body by it); a body
  // without one is read chunk by chunk, stopping one byte past the cap.
  if (request.body && declared !== null && /^\d+$/.test(declared) && Number(declared) <= MAX_BODY_BYTES) {
    body = new Uint8Array(await request.arrayBuffer());
  } else if (request.body && declared === null) {
    body = await readCapped(request.body, MAX_BODY_BYTES + 1);
  }
  return { method: request.method, path: url.pathname, query: url.search.slice(1), headers, body };
}

async function readCapped(stream, cap) {
  const reader = stream.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= cap) {
      await reader.cancel();
      break;
    }
  }
  const out = new Uint8Array(Math.min(size, cap));
  let at = 0;
  for (const c of chunks) {
    const n = Math.min(c.byteLength, out.length - at);
    out.set(c.subarray(0, n), at);
    at += n;
    if (at >= out.length) break;
  }
  return out;
}

/** A fetch Response of a plain response. */
export function toResponse(r) {
  return new Response(r.status === 204 || r.body.length === 0 ? null : r.body, { status: r.status, headers: r.headers });
}

/** A JSON response with `Content-Type: application/json` exactly. */
export function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** The body of a plain JSON response, parsed. */
export function bodyJson(r) {
  return r.body.length ? JSON.parse(new TextDecoder().decode(r.body)) : null;
}

/** A plain GET request for a path (what objects ask their own engine). */
export function getRequest(path) {
  return { method: "GET", path, query: "", headers: [], body: new Uint8Array(0) };
}
