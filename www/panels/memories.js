// Memories panel: the space's memories with type, importance, tags and
// validity; superseded ones struck through beside their successor; forget / restore;
// associations as a list with a form to add one; a recall box with live, scored results.
import { h, when } from "../ui.js";

let recallQuery = "";

function validity(m) {
  return m.invalidAt ? `valid ${when(m.validAt)} → ${when(m.invalidAt)}` : `valid since ${when(m.validAt)}`;
}

/** One line of why a memory scored what it did (recall's `explain`). */
export function explainText(m) {
  const e = m.explain;
  const ch = (name, x) => (x ? `${name} #${x.rank} (${x.score.toFixed(2)})` : `${name} —`);
  return `relevance ${m.relevanceScore.toFixed(3)} = ${ch("lexical", e.lexical)} · ${ch("vector", e.vector)} · ${ch("exact", e.exact)} · fused ${e.fused.toFixed(3)} × importance ${e.importanceFactor.toFixed(2)} × recency ${e.recencyFactor.toFixed(2)}${e.via ? ` · via ${e.via}` : ""}`;
}

/** Where a memory came from (its provenance), in words. */
function origin(p) {
  const events = p.eventFrom === undefined || p.eventFrom === null ? "" : p.eventTo !== undefined && p.eventTo !== null && p.eventTo !== p.eventFrom ? ` events #${p.eventFrom}–#${p.eventTo}` : ` event #${p.eventFrom}`;
  const where = p.sessionId ? ` of session ${p.sessionId.slice(-6)}` : "";
  if (p.source === "extraction") return `extracted by job ${p.jobId ?? "?"} from${events}${where}`;
  return `written by ${p.agentId ?? p.source ?? "the caller"} from${events}${where}`;
}

export async function renderMemories(c) {
  const { ms, S } = c;
  const sp = S.space.id;
  const stats = await ms.memoryStats(sp);
  const memories = await ms.listMemories(sp, { statuses: ["active", "superseded", "forgotten"], limit: 100 });
  const byId = new Map(memories.map((m) => [m.id, m]));
  const edges = [];
  for (const m of memories) if (m.status !== "forgotten") for (const a of await ms.getAssociations(sp, m.id, { direction: "out", includeSuperseded: true })) edges.push(a);

  const root = h(
    "div",
    { className: "memories" },
    h("h2", {}, "Memories"),
    h("p", { id: "memory-stats", className: "muted" }, `${stats.active} active · ${stats.superseded} superseded · ${stats.forgotten} forgotten · ${stats.associations} associations. The agent recalls them into the context ("archival" part) by relevance to your message.`),
  );

  // Recall box: live results as you type (recall with explain: best first, each with its scores).
  const input = h("input", { id: "recall-query", type: "search", placeholder: "Recall… (e.g. trains)", value: recallQuery, autocomplete: "off" });
  const results = h("ol", { id: "recall-results", className: "recall-results" });
  const confidence = h("div", { id: "recall-summary", className: "muted" });
  const runRecall = async () => {
    recallQuery = input.value;
    const q = recallQuery.trim();
    if (!q) {
      results.replaceChildren();
      confidence.textContent = "";
      results.dataset.query = "";
      return;
    }
    const r = await ms.recall(sp, { query: q, limit: 10, explain: true });
    if (input.value !== recallQuery) return; // a newer keystroke is on its way
    results.replaceChildren(
      ...(r.memories.length === 0 ? [h("li", { className: "muted" }, "nothing recalled")] : []),
      ...r.memories.map((m) => h("li", { "data-memory": m.id, "data-source": m.source }, h("span", { className: "score" }, m.boostedScore.toFixed(3)), " ", m.content, m.explain ? h("div", { className: "explain muted" }, explainText(m)) : null)),
    );
    results.dataset.confidence = r.retrievalConfidence;
    confidence.textContent = `${r.totalCount} found · confidence ${r.retrievalConfidence} · mode ${r.modeUsed} · ${r.searchLatencyMs.toFixed(1)} ms`;
    results.dataset.query = q;
  };
  input.oninput = () => c.act(runRecall);
  root.append(h("div", { className: "recall" }, h("h3", {}, "Recall"), input, confidence, results));
  if (recallQuery.trim()) await runRecall();

  if (memories.length === 0) root.append(h("p", { className: "empty" }, "No memories yet: tell the agent what you like, where you live, or \"remember that …\"."));
  root.append(
    h(
      "ul",
      { id: "memory-list", className: "memory-list" },
      memories.map((m) => {
        const successor = m.supersededBy ? byId.get(m.supersededBy) : null;
        return h(
          "li",
          { "data-status": m.status, "data-memory": m.id },
          h("div", { className: "content" }, m.content),
          successor ? h("div", { className: "successor" }, "→ replaced by: ", successor.content) : null,
          m.provenance ? h("div", { className: "provenance muted", "data-source": m.provenance.source ?? "" }, origin(m.provenance)) : null,
          h("div", { className: "muted" }, [m.type, m.subtype].filter(Boolean).join("/"), ` · importance ${m.importance.toFixed(2)}`, m.tags.length ? ` · ${m.tags.map((t) => `#${t}`).join(" ")}` : "", m.logicalKey ? ` · key ${m.logicalKey}` : "", ` · ${validity(m)} · ${m.status}`),
          m.status === "active"
            ? h("button", {
                className: "forget",
                onclick: () =>
                  c.act(async () => {
                    await ms.forgetMemory(sp, m.id);
                    await c.changed();
                  }),
              }, "Forget")
            : m.status === "forgotten"
              ? h("button", {
                  className: "restore",
                  onclick: () =>
                    c.act(async () => {
                      await ms.restoreMemory(sp, m.id);
                      await c.changed();
                    }),
                }, "Restore")
              : null,
        );
      }),
    ),
  );

  // Associations: a list of edges, and a form to link two memories.
  const live = memories.filter((m) => m.status === "active");
  const short = (m) => (m.content.length > 40 ? `${m.content.slice(0, 39)}…` : m.content);
  const source = h("select", { id: "assoc-source", "aria-label": "from" }, live.map((m) => h("option", { value: m.id }, short(m))));
  const target = h("select", { id: "assoc-target", "aria-label": "to" }, live.map((m, i) => h("option", { value: m.id, selected: i === 1 }, short(m))));
  const rel = h("select", { id: "assoc-relationship", "aria-label": "relationship" }, ms.relationshipTypes().map((r) => h("option", { value: r.name, title: r.description, selected: r.name === "related_to" }, r.name)));
  root.append(
    h("h3", {}, "Associations"),
    edges.length === 0
      ? h("p", { className: "muted" }, "No links yet.")
      : h(
          "ul",
          { id: "associations" },
          edges.map((a) => h("li", { "data-relationship": a.relationship }, byId.get(a.sourceId)?.content ?? a.sourceId, h("span", { className: "edge" }, ` —${a.relationship} (${a.strength.toFixed(2)})→ `), byId.get(a.targetId)?.content ?? a.targetId)),
        ),
    live.length >= 2
      ? h(
          "div",
          { className: "row link-form" },
          source,
          rel,
          target,
          h("button", {
            id: "assoc-add",
            onclick: () =>
              c.act(async () => {
                await ms.associate(sp, source.value, { targetId: target.value, relationship: rel.value });
                await c.changed();
              }),
          }, "Link"),
        )
      : null,
  );
  return root;
}
