// Inspector: the records behind the current space, read straight from IndexedDB (not through
// the engine), keys decoded, envelopes checksum-verified, JSON shown as stored; plus what
// verifySpace reports.
import { h } from "../ui.js";
import { recordsOfSpace } from "../inspect.js";

let openTable = null;

export async function renderInspector(c) {
  const { ms, S, DB } = c;
  const rows = await recordsOfSpace(DB, S.space.id);
  const report = await ms.verifySpace(S.space.id);
  const byTable = new Map();
  for (const r of rows) {
    if (!byTable.has(r.tag)) byTable.set(r.tag, []);
    byTable.get(r.tag).push(r);
  }
  const corrupt = rows.filter((r) => r.value.kind === "corrupt").length;
  const root = h(
    "div",
    { className: "inspector" },
    h("h2", {}, "Inspector"),
    h("p", { className: "muted" }, `What IndexedDB database "${DB}" holds for ${S.space.id}, decoded in the page. Each record is [format][crc32][payload]: JSON, or a binary event (format 3) or session head (format 4) shown as JSON; the checksum is verified here.`),
    h(
      "p",
      { id: "verify", "data-problems": report.problems.length },
      `${rows.length} records · ${corrupt} failing their checksum · verifySpace checked ${report.recordsChecked} records: `,
      report.problems.length === 0 ? h("strong", { className: "ok" }, "no problems") : h("strong", { className: "bad" }, `${report.problems.length} problems`),
    ),
    report.problems.length ? h("ul", {}, report.problems.map((p) => h("li", {}, `${p.kind} ${p.key}: ${p.message}`))) : null,
  );
  for (const [tag, list] of byTable) {
    const details = h(
      "details",
      { className: "table", "data-table": tag, open: openTable === tag, ontoggle: (e) => (openTable = e.target.open ? tag : openTable === tag ? null : openTable) },
      h("summary", {}, h("code", {}, tag), ` ${list[0].table} · ${list.length}`),
      list.map((r) =>
        h(
          "div",
          { className: "record", "data-kind": r.value.kind },
          h("div", { className: "key" }, h("code", {}, [r.keyTag ?? r.tag, ...r.parts].join(" / ")), h("span", { className: "muted" }, ` ${r.bytes} B`)),
          r.value.kind === "record"
            ? h("pre", {}, JSON.stringify(r.value.json, null, 2))
            : r.value.kind === "empty"
              ? h("div", { className: "muted" }, "(empty: the key is the information)")
              : r.value.kind === "corrupt"
                ? h("div", { className: "bad" }, r.value.reason)
                : h("pre", {}, r.value.text),
        ),
      ),
    );
    root.append(details);
  }
  return root;
}
