// Starts the worker in real workerd (miniflare) on 127.0.0.1, runs a command with EDGE_URL set,
// and stops workerd afterwards — also when the command fails or this process is interrupted.
//
//   node test/with-workerd.mjs [--sweep-seconds N] -- <command> [args…]
//
// The test principals (tokens) are defined in workerd-config.mjs and exported to the command as
// EDGE_TOKEN_*. Unless --no-llm is given, a local OpenAI-compatible stub (openai-stub.mjs) is
// started on 127.0.0.1 first, the Worker's LLM_BASE_URL / LLM_API_KEY point at it, and its URL
// is exported as LLM_STUB_URL (GET /requests lists what the Worker sent).

import { Miniflare } from "miniflare";
import { spawn } from "node:child_process";
import { options, TOKENS } from "./workerd-config.mjs";
import { startStub, STUB_KEY } from "./openai-stub.mjs";

const argv = process.argv.slice(2);
const sep = argv.indexOf("--");
const opts = sep < 0 ? argv : argv.slice(0, sep);
const cmd = sep < 0 ? [] : argv.slice(sep + 1);
const sweepIdx = opts.indexOf("--sweep-seconds");
const sweepSeconds = sweepIdx >= 0 ? opts[sweepIdx + 1] : "1";

const stub = opts.includes("--no-llm") ? null : await startStub();
const mf = new Miniflare(await options({ sweepSeconds, llm: stub && { baseUrl: stub.url, apiKey: STUB_KEY } }));

let stopping = null;
function stop() {
  stopping ??= mf
    .dispose()
    .catch((e) => console.error("workerd: dispose failed:", e))
    .then(() => stub?.close());
  return stopping;
}

let child = null;
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, async () => {
    if (child) child.kill("SIGTERM");
    await stop();
    process.exit(130);
  });
}

let code = 1;
try {
  const url = await mf.ready;
  const base = `http://127.0.0.1:${url.port}`;
  console.error(`workerd: listening on ${base} (sweep alarm every ${sweepSeconds}s)`);
  if (cmd.length === 0) {
    console.log(base);
    await new Promise(() => {}); // serve until a signal arrives
  }
  const env = { ...process.env, EDGE_URL: base, ...(stub ? { LLM_STUB_URL: stub.url } : {}) };
  for (const [name, [token]] of Object.entries(TOKENS)) env[name] = token;
  child = spawn(cmd[0], cmd.slice(1), { stdio: "inherit", env });
  code = await new Promise((resolve) => {
    child.on("exit", (c, sig) => resolve(c ?? (sig ? 128 : 1)));
    child.on("error", (e) => {
      console.error(`could not run ${cmd[0]}:`, e.message);
      resolve(127);
    });
  });
} catch (e) {
  console.error("workerd: failed:", e && e.stack ? e.stack : e);
  code = 1;
} finally {
  await stop();
  console.error("workerd: stopped");
}
process.exit(code);
