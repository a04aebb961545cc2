// HTTP helpers: JSON bodies with `Content-Type: application/json` exactly (the DataRobot SDK
// compares the header with `==`), and the error bodies the SDK and its async ORM read.

/** A JSON response. */
export function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

/** An empty response (204 for deletes). */
export function empty(status = 204) {
  return new Response(null, { status });
}

/** An error response `{"detail": …, "code": …}`. */
export function error(status, detail, extra = {}) {
  return json(status, { detail, ...extra });
}

/** A plain result `{status, body?, headers?}` as returned by the Durable Objects over RPC. */
export function fromResult(r) {
  if (r.body === undefined) return empty(r.status);
  return json(r.status, r.body, r.headers);
}

/** A result object (what Durable Object RPC methods return instead of Responses). */
export function result(status, body) {
  return body === undefined ? { status } : { status, body };
}

/** An error result. */
export function errorResult(status, detail, extra = {}) {
  return { status, body: { detail, ...extra } };
}
