// The route table of the DataRobot memory API under /api/v2/. Every route ends with "/"
// (the service runs with redirect_slashes=False: a missing slash is a 404).

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const SEG = "[^/]+";

const TABLE = [
  ["version", /^version\/$/, ["GET"]],
  ["spaces", /^memory\/$/, ["GET"]],
  ["new-space", /^memory\/new\/$/, ["POST"]],
  ["space", new RegExp(`^memory\\/(${UUID})\\/$`), ["GET", "PATCH", "DELETE"]],
  ["jobs", new RegExp(`^memory\\/(${UUID})\\/extraction-jobs\\/$`), ["GET"]],
  ["restore", new RegExp(`^memory\\/(${UUID})\\/restore\\/$`), ["POST"]],
  ["sessions", new RegExp(`^memory\\/(${UUID})\\/sessions\\/$`), ["GET", "POST"]],
  ["session", new RegExp(`^memory\\/(${UUID})\\/sessions\\/(${SEG})\\/$`), ["GET", "PATCH", "DELETE"]],
  ["events", new RegExp(`^memory\\/(${UUID})\\/sessions\\/(${SEG})\\/events\\/$`), ["GET", "POST"]],
  ["events-batch", new RegExp(`^memory\\/(${UUID})\\/sessions\\/(${SEG})\\/events\\/batch\\/$`), ["POST", "PATCH"]],
  ["event", new RegExp(`^memory\\/(${UUID})\\/sessions\\/(${SEG})\\/events\\/(\\d{1,15})\\/$`), ["PATCH", "DELETE"]],
];

/** A space id shaped like the ones this worker hands out (a lowercase UUID). */
export const isSpaceId = (s) => new RegExp(`^${UUID}$`).test(s);

/**
 * Matches a path below /api/v2/ → { route, params, allowed } | { route: null } (404) |
 * { route, allowed, methodNotAllowed: true } (405) | { route, badEncoding: true } (400: a path id
 * with a malformed percent-escape or one that decodes to invalid UTF-8).
 */
export function match(rest, method) {
  for (const [route, re, allowed] of TABLE) {
    const m = re.exec(rest);
    if (!m) continue;
    if (!allowed.includes(method)) return { route, allowed, methodNotAllowed: true };
    const params = {};
    if (m[1]) params.spaceId = m[1];
    if (m[2]) {
      try {
        params.sessionId = decodeURIComponent(m[2]);
      } catch {
        return { route, badEncoding: true };
      }
    }
    if (m[3]) params.sequenceId = Number(m[3]);
    return { route, params, allowed };
  }
  return { route: null };
}
