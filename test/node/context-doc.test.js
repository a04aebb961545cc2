// The JavaScript agent loop of docs/context.md, run as written (Node has no IndexedDB, so the
// example's storage is swapped for memory): turns keep the block snapshot, a block edit
// retries on conflict.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";
import { writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";

const here = dirname(fileURLToPath(import.meta.url));

test("the JavaScript agent loop in docs/context.md runs as written", async () => {
  const doc = await readFile(join(here, "..", "..", "docs", "context.md"), "utf8");
  const code = doc.match(/```js\n([\s\S]*?)```/)[1];
  const body = code
    .replace('storage: "indexeddb", name: "my-agent"', `storage: "memory", name: "doc-${Math.random()}"`)
    .replace('import { Memspace } from "memspace";', 'import { Memspace } from "memspace";\nconst prompts = [];\nasync function callModel(p) { prompts.push(p.system); return "ok"; }');
  assert.ok(body.includes('storage: "memory"'), "the example's open() call was found");
  const dir = await mkdtemp(join(tmpdir(), "ctxdoc-"));
  const file = join(dir, "example.mjs");
  // Resolve "memspace" from this package, not from the temp dir.
  const pkg = pathToFileURL(join(here, "..", "..", "dist", "node.js")).href;
  await writeFile(file, body.replace('from "memspace"', `from ${JSON.stringify(pkg)}`) + "\nexport { turn, remember, prompts, ms, space };\n");
  const m = await import(pathToFileURL(file).href);
  await m.turn("When is my dentist appointment?");
  await m.turn("Move it to Friday.");
  const [a, b] = m.prompts;
  const blocksOf = (p) => p.slice(0, p.indexOf("<conversation"));
  assert.equal(blocksOf(a), blocksOf(b), "the block snapshot keeps its bytes across turns");
  const edited = await m.remember("- Lives in Europe/Berlin");
  assert.ok(edited.content.endsWith("- Lives in Europe/Berlin"));
  assert.equal(edited.version, 2);
});
