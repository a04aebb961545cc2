// Token authentication. `Authorization: Token <t>` (the DataRobot models SDK) or `Bearer <t>`
// (its async ORM, the MemoryLayer and memory-store SDKs) or `X-Api-Key: <t>` maps to a principal
// { userId, tenantId } through the MEMSPACE_TOKENS table, a JSON object
// held in the Worker's environment (deploy it as a secret):
//
//   { "<token>": { "userId": "u1", "tenantId": "t1" },
//     "sha256:<hex of SHA-256(token)>": { "userId": "u2", "tenantId": "t1" } }
//
// Hashed entries keep raw tokens out of the configuration. Anything else is unauthenticated.

let cached = { source: null, table: null };

function table(env) {
  const src = env.MEMSPACE_TOKENS ?? "{}";
  if (cached.source !== src) {
    const parsed = typeof src === "string" ? JSON.parse(src) : src;
    cached = { source: src, table: new Map(Object.entries(parsed)) };
  }
  return cached.table;
}

function valid(p) {
  return p && typeof p.userId === "string" && p.userId && typeof p.tenantId === "string" && p.tenantId;
}

async function sha256Hex(text) {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The principal of a request, or null (→ 401). */
export async function authenticate(request, env) {
  const h = request.headers.get("Authorization");
  const m = h && /^(?:Token|Bearer)\s+(\S+)\s*$/i.exec(h);
  // `X-Api-Key: <t>` is how older memory-store clients send the same token.
  const token = m ? m[1] : h === null ? request.headers.get("X-Api-Key")?.trim() : null;
  if (!token) return null;
  if (token.startsWith("sha256:")) return null; // a hashed entry's key is not a credential
  const t = table(env);
  const p = t.get(token) ?? t.get(`sha256:${await sha256Hex(token)}`);
  return valid(p) ? { userId: p.userId, tenantId: p.tenantId } : null;
}
