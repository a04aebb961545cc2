// Memory store panel: the space's path-addressed documents as a file tree, an editor, each
// entry's version history with diffs and redaction, and a console for memory-tool commands.
import { h, when, diffLines } from "../ui.js";

let selected = null; // entry id
let diffOf = null; // version id whose diff is shown
let toolLog = [];

const EXAMPLES = [
  { command: "view", path: "/memories" },
  { command: "create", path: "/memories/todo.md", file_text: "- book the train\n- pack\n" },
  { command: "str_replace", path: "/memories/todo.md", old_str: "pack", new_str: "pack light" },
];

function tree(entries, onPick) {
  // Nest paths into directories; files are buttons.
  const root = { dirs: new Map(), files: [] };
  for (const e of entries) {
    const parts = e.path.split("/");
    let node = root;
    for (const dir of parts.slice(0, -1)) {
      if (!node.dirs.has(dir)) node.dirs.set(dir, { dirs: new Map(), files: [] });
      node = node.dirs.get(dir);
    }
    node.files.push({ name: parts.at(-1), entry: e });
  }
  const draw = (node) =>
    h(
      "ul",
      {},
      [...node.dirs].map(([name, child]) => h("li", { className: "dir" }, h("span", {}, `${name}/`), draw(child))),
      node.files.map((f) => h("li", {}, h("button", { className: `file${f.entry.id === selected ? " selected" : ""}`, "data-path": f.entry.path, onclick: () => onPick(f.entry) }, f.name), h("span", { className: "muted" }, ` v${f.entry.version} · ${f.entry.size} B`))),
    );
  return draw(root);
}

export async function renderStore(c) {
  const { ms, S } = c;
  const sp = S.space.id;
  const root = h("div", { className: "store" }, h("h2", {}, "Memory store"));
  const stores = await ms.listStores(sp);
  if (stores.length === 0) {
    root.append(
      h("p", { className: "muted" }, "A memory store holds documents by path, every change versioned (the agent's files, or Anthropic's memory tool)."),
      h("button", {
        id: "create-store",
        onclick: () =>
          c.act(async () => {
            await ms.createStore(sp, { name: "notes", description: "The agent's notes" });
            await c.changed();
          }),
      }, "Create a notes store"),
    );
    return root;
  }
  const store = stores[0];
  const entries = await ms.listEntries(sp, store.id, { limit: 100 });
  if (selected && !entries.some((e) => e.id === selected)) selected = null;
  root.append(h("p", { className: "muted" }, `${store.name}: ${store.entryCount} entries, ${store.totalSize} bytes`));

  const pick = (e) =>
    c.act(async () => {
      selected = e.id;
      diffOf = null;
      await c.changed();
    });
  const newPath = h("input", { id: "new-path", type: "text", placeholder: "path, e.g. trips/lisbon.md", autocomplete: "off" });
  const newContent = h("textarea", { id: "new-content", rows: 3, placeholder: "content" });
  root.append(
    h("div", { className: "files", id: "file-tree" }, entries.length ? tree(entries, pick) : h("p", { className: "muted" }, "No entries yet.")),
    h(
      "form",
      {
        className: "new-entry",
        onsubmit: (ev) => {
          ev.preventDefault();
          c.act(async () => {
            const e = await ms.createEntry(sp, store.id, { path: newPath.value.trim(), content: newContent.value });
            selected = e.id;
            await c.changed();
          });
        },
      },
      newPath,
      newContent,
      h("button", { id: "create-entry", type: "submit" }, "Create entry"),
    ),
  );

  if (selected) {
    const entry = await ms.getEntry(sp, store.id, selected);
    const editor = h("textarea", { id: "entry-content", rows: Math.min(14, entry.content.split("\n").length + 2), value: entry.content });
    const versions = await ms.listVersions(sp, store.id, { entryId: entry.id, limit: 50 });
    const current = versions.find((v) => v.entryVersion === entry.version);
    let diff = null;
    if (diffOf) {
      const i = versions.findIndex((v) => v.id === diffOf);
      const v = i >= 0 ? await ms.getVersion(sp, store.id, versions[i].id) : null;
      const prev = versions.slice(i + 1).find((p) => p.action !== "deleted" && !p.redacted);
      const before = prev ? ((await ms.getVersion(sp, store.id, prev.id)).content ?? "") : "";
      if (v) diff = h("pre", { id: "diff", className: "diff" }, v.redacted ? "(redacted: the content was erased)" : diffLines(before, v.content ?? "").map((r) => h("div", { className: r.op === "+" ? "add" : r.op === "-" ? "del" : "same" }, `${r.op} ${r.text}`)));
    }
    root.append(
      h(
        "section",
        { className: "entry", "data-entry": entry.path },
        h("h3", {}, entry.path, h("span", { className: "muted" }, ` · v${entry.version} · sha256 ${entry.contentSha256.slice(0, 10)}…`)),
        editor,
        h(
          "div",
          { className: "row" },
          h("button", {
            id: "save-entry",
            onclick: () =>
              c.act(async () => {
                await ms.updateEntry(sp, store.id, entry.id, { content: editor.value, expectedVersion: entry.version });
                diffOf = null;
                await c.changed();
              }),
          }, "Save (new version)"),
          h("button", {
            id: "delete-entry",
            className: "danger",
            onclick: () =>
              c.act(async () => {
                await ms.deleteEntry(sp, store.id, entry.id, { expectedVersion: entry.version });
                selected = null;
                await c.changed();
              }),
          }, "Delete"),
        ),
        h("h4", {}, "Versions"),
        h(
          "ol",
          { id: "versions", className: "versions" },
          versions.map((v) =>
            h(
              "li",
              { "data-version": v.entryVersion, "data-redacted": String(v.redacted) },
              `v${v.entryVersion} ${v.action} · ${v.size} B · ${when(v.createdAt)}${v.redacted ? " · redacted" : ""}${v === current ? " · current" : ""} `,
              v.action !== "deleted"
                ? h("button", {
                    className: "show-diff",
                    onclick: () =>
                      c.act(async () => {
                        diffOf = v.id;
                        await c.changed();
                      }),
                  }, "diff")
                : null,
              v !== current && !v.redacted && v.action !== "deleted"
                ? h("button", {
                    className: "redact danger",
                    onclick: () =>
                      c.act(async () => {
                        await ms.redactVersion(sp, store.id, v.id);
                        await c.changed();
                      }),
                  }, "redact")
                : null,
            ),
          ),
        ),
        diff,
      ),
    );
  }

  const input = h("textarea", { id: "tool-command", rows: 3, spellcheck: false, value: JSON.stringify(EXAMPLES[0]) });
  root.append(
    h(
      "section",
      { className: "console" },
      h("h3", {}, "Memory-tool console"),
      h("p", { className: "muted" }, "Commands of Anthropic's memory tool (memory_20250818), as a model sends them, run against this store."),
      h("div", { className: "row" }, EXAMPLES.map((e) => h("button", { type: "button", className: "example", onclick: () => (input.value = JSON.stringify(e)) }, e.command))),
      input,
      h("button", {
        id: "tool-run",
        onclick: () =>
          c.act(async () => {
            const text = input.value.trim();
            let out;
            try {
              out = await ms.memoryTool(sp, store.id, text);
            } catch (e) {
              // A refused command is the tool's own answer to the model (is_error), not a page error.
              if (!e.details?.toolError) throw e;
              out = `error: ${e.message}`;
            }
            toolLog = [...toolLog.slice(-9), { command: text, out }];
            await c.changed();
          }),
      }, "Run"),
      h("div", { id: "tool-output" }, toolLog.map((l) => h("div", { className: "tool-run" }, h("code", {}, l.command), h("pre", {}, l.out)))),
    ),
  );
  return root;
}
