// The shipped default module (what Memspace.open() loads) stays within its stated budget:
// 250 KB gzip, read as fewer than 250,000 bytes at gzip level 9 by Node's zlib and, where the
// gzip tool is installed, by `gzip -9` (the two differ by a few KB). Sizes, not timings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";

const LIMIT = 250_000;
const path = createRequire(import.meta.url).resolve("memspace/memspace_bg.wasm");

test("the default module is under 250,000 bytes gzipped at level 9 (Node zlib)", async () => {
  const gz = gzipSync(await readFile(path), { level: 9 }).length;
  assert.ok(gz < LIMIT, `memspace_bg.wasm is ${gz} B gzip -9 (Node zlib); the budget is < ${LIMIT} B`);
});

test("the default module is under 250,000 bytes by gzip -9", (t) => {
  let out;
  try {
    out = execFileSync("gzip", ["-9", "-c", path], { maxBuffer: 64 << 20 });
  } catch (e) {
    if (e.code === "ENOENT") return t.skip("no gzip tool on PATH");
    throw e;
  }
  assert.ok(out.length < LIMIT, `memspace_bg.wasm is ${out.length} B by gzip -9; the budget is < ${LIMIT} B`);
});
