// Reads a corpus of {"kind","text"} JSON lines and writes each line back with "tiktoken": the
// exact cl100k_base token count (js-tiktoken ships the ranks; no network needed).
//
//   node measure.mjs [corpus.jsonl] > measured.jsonl

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { getEncoding } from "js-tiktoken";

const path = process.argv[2] ?? fileURLToPath(new URL("corpus.jsonl", import.meta.url));
const enc = getEncoding("cl100k_base");

for (const line of readFileSync(path, "utf8").split("\n")) {
  if (!line.trim()) continue;
  const { kind, text } = JSON.parse(line);
  // Special-token strings such as "<|endoftext|>" are counted as plain text, as the engine sees them.
  const tiktoken = enc.encode(text, [], []).length;
  process.stdout.write(JSON.stringify({ kind, text, tiktoken }) + "\n");
}
