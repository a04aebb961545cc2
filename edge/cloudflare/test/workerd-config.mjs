// The Miniflare (workerd) configuration of the tests and the bench: the same entry point,
// bindings, SQLite-backed classes and compatibility date as wrangler.toml, on 127.0.0.1 only.

import { Log, LogLevel } from "miniflare";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** Test principals: two users of one tenant and a user of another tenant. */
export const TOKENS = {
  EDGE_TOKEN_A: ["token-alice", { userId: "alice", tenantId: "acme" }],
  EDGE_TOKEN_B: ["token-bob", { userId: "bob", tenantId: "acme" }],
  EDGE_TOKEN_C: ["token-carol", { userId: "carol", tenantId: "globex" }],
};

async function sha256Hex(s) {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s));
  return Buffer.from(d).toString("hex");
}

/** The MEMSPACE_TOKENS table; carol's entry is stored hashed (the sha256: form). */
export async function tokenTable() {
  const table = {};
  for (const [name, [token, principal]] of Object.entries(TOKENS)) {
    table[name === "EDGE_TOKEN_C" ? `sha256:${await sha256Hex(token)}` : token] = principal;
  }
  return JSON.stringify(table);
}

/**
 * Miniflare options; `sweepSeconds` is the SpaceObject alarm interval; `llm` = { baseUrl,
 * apiKey, model } points the Worker's LLM at an OpenAI-compatible server (the tests' stub).
 */
export async function options({ sweepSeconds = "3600", llm = null } = {}) {
  const llmBindings = llm ? { LLM_BASE_URL: `${llm.baseUrl}/v1`, LLM_API_KEY: llm.apiKey, LLM_MODEL: llm.model ?? "stub-default" } : {};
  return {
    rootPath: root,
    scriptPath: "src/worker.js",
    modules: true,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    durableObjects: {
      SPACES: { className: "SpaceObject", useSQLite: true },
      DIRECTORY: { className: "DirectoryObject", useSQLite: true },
      PRINCIPALS: { className: "PrincipalObject", useSQLite: true },
    },
    bindings: { MEMSPACE_TOKENS: await tokenTable(), SWEEP_INTERVAL_SECONDS: String(sweepSeconds), ...llmBindings },
    cf: false, // placeholder request.cf: never fetch it from the network
    host: "127.0.0.1",
    port: 0,
    log: new Log(LogLevel.WARN),
  };
}
