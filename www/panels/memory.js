// Memory panel: the core memory blocks the agent sees every turn (what the scripted agent
// wrote from the conversation), editable, with their version history.
import { h, when, diffLines } from "../ui.js";

export async function renderMemory(c) {
  const { ms, S } = c;
  const blocks = await ms.listBlocks(S.space.id, { scope: "all" });
  const root = h("div", { className: "memory" }, h("h2", {}, "Core memory"), h("p", { className: "muted" }, "Blocks are sent in full with every turn (the first parts of the memory context). The agent keeps your profile (name, home, work) in the user's core block; everything else you tell it becomes a memory (Memories tab)."));
  if (blocks.length === 0) root.append(h("p", { className: "empty" }, "No blocks yet: tell the agent who you are (\"my name is Ada\", \"I live in Lisbon\")."));
  for (const b of blocks) {
    const editor = h("textarea", { className: "block-editor", rows: Math.min(12, b.content.split("\n").length + 1), value: b.content, "aria-label": `${b.blockType} block content` });
    const versions = await ms.listBlockVersions(S.space.id, b.blockType, { agentId: b.agentId ?? null, limit: 10 });
    root.append(
      h(
        "section",
        { className: "block", "data-block": b.blockType },
        h("h3", {}, b.blockType, h("span", { className: "muted" }, ` · ${b.scope}${b.agentId ? ` ${b.agentId}` : ""} · v${b.version} · ${b.tokens}/${b.limitTokens} tokens${b.readOnly ? " · read-only" : ""}`)),
        b.description ? h("div", { className: "muted" }, b.description) : null,
        editor,
        h(
          "div",
          { className: "row" },
          h("button", {
            className: "save-block",
            onclick: () =>
              c.act(async () => {
                await ms.updateBlock(S.space.id, b.blockType, { content: editor.value, agentId: b.agentId ?? null, expectedUpdatedAt: b.updatedAt });
                await c.changed();
              }),
          }, "Save block"),
        ),
        h(
          "details",
          { className: "history" },
          h("summary", {}, `history (${versions.length} shown)`),
          h(
            "ol",
            {},
            versions.map((v, i) => {
              const older = versions[i + 1]?.block?.content ?? "";
              const rows = v.block ? diffLines(older, v.block.content) : [];
              return h("li", {}, `v${v.version} ${v.change} · ${when(v.recordedAt)}`, h("pre", { className: "diff" }, rows.filter((r) => r.op !== " ").map((r) => h("div", { className: r.op === "+" ? "add" : "del" }, `${r.op} ${r.text}`))));
            }),
          ),
        ),
      ),
    );
  }
  return root;
}
