// Small DOM helpers shared by the playground's panels.
import { MemspaceError } from "memspace";

/** `h("div", { className: "x", onclick }, child, "text")`: an element with properties and children. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("data-")) el.setAttribute(k, String(v));
    else if (k === "style") el.setAttribute("style", v);
    else el[k] = v;
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export const $ = (id) => document.getElementById(id);

/** A short, readable time for a stored timestamp. */
export function when(ts) {
  if (!ts) return "—";
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? ts : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/** What went wrong, in words a user understands (the code and message stay visible for developers). */
export function describe(error) {
  if (error instanceof MemspaceError) {
    const lead = {
      validation: "That input was not accepted",
      not_found: "That no longer exists",
      conflict: "Something changed it first (another tab?) — reload the view and try again",
      duplicate: "That already exists",
      archived: "That store is archived and read-only",
      gone: "That was deleted",
      quota: "The browser's storage for this page is full",
      storage: "The browser's storage failed",
      unsupported: "This browser or build cannot do that",
      upstream: "The model behind extraction failed",
    }[error.code] ?? "Something went wrong";
    return `${lead}: ${error.message} (${error.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** A line diff (LCS): rows of `{ op: " " | "+" | "-", text }`. */
export function diffLines(before, after) {
  const a = before.split("\n");
  const b = after.split("\n");
  const n = a.length;
  const m = b.length;
  if (n * m > 4_000_000) return [...a.map((text) => ({ op: "-", text })), ...b.map((text) => ({ op: "+", text }))];
  const dp = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  const rows = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      rows.push({ op: " ", text: a[i] });
      i++;
      j++;
    } else if (dp[i + 1][j] >= dp[i][j + 1]) rows.push({ op: "-", text: a[i++] });
    else rows.push({ op: "+", text: b[j++] });
  }
  while (i < n) rows.push({ op: "-", text: a[i++] });
  while (j < m) rows.push({ op: "+", text: b[j++] });
  return rows;
}
