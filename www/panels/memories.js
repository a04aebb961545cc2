// Memories panel: the space's memories with type, importance, tags and
// validity; superseded ones struck through beside their successor; forget / restore;
// associations as a list with a form to add one; a recall box with live, scored results.
import { h, when } from "../ui.js";

let recallQuery = "";

function validity(m) {
  return m.invalidAt ? `valid ${when(m.validAt)} → ${when(m.invalidAt)}` : `valid since ${when(m.validAt)}`;
}

/** One line of why a memory scored what it did (recall's `explain`). */
export function explainText(m, nameOf = (id) => id) {
  const e = m.explain;
  const ch = (name, x) => (x ? `${name} #${x.rank} (${x.score.toFixed(2)})` : `${name} —`);
  return `relevance ${m.relevanceScore.toFixed(3)} = ${ch("lexical", e.lexical)} · ${ch("vector", e.vector)} · ${ch("exact", e.exact)} · fused ${e.fused.toFixed(3)} × importance ${e.importanceFactor.toFixed(2)} × recency ${e.recencyFactor.toFixed(2)}${e.via ? ` · linked from "${nameOf(e.via)}"` : ""}`;
}

/** Where a memory came from (its provenance), in words. */
function origin(p) {
  const events = p.eventFrom === undefined || p.eventFrom === null ? "" : p.eventTo !== undefined && p.eventTo !== null && p.eventTo !== p.eventFrom ? ` events #${p.eventFrom}–#${p.eventTo}` : ` event #${p.eventFrom}`;
  const where = p.sessionId ? ` of session ${p.sessionId.slice(-6)}` : "";
  if (p.source === "extraction") return `extracted by job ${p.jobId ?? "?"} from${events}${where}`;
  return `written by ${p.agentId ?? p.source ?? "the caller"} from${events}${where}`;
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** The linked memories as a small graph: nodes on a circle, one arrow per association. */
function graph(edges, byId) {
  const ids = [...new Set(edges.flatMap((a) => [a.sourceId, a.targetId]))];
  const W = 420;
  const H = ids.length <= 2 ? 150 : 260;
  const R = ids.length <= 2 ? 0 : Math.min(W, H) / 2 - 40;
  const at = new Map(
    ids.map((id, i) => {
      if (ids.length <= 2) return [id, { x: ids.length === 1 ? W / 2 : 90 + i * (W - 180), y: H / 2 }];
      const t = -Math.PI / 2 + (2 * Math.PI * i) / ids.length;
      return [id, { x: W / 2 + (R + 40) * Math.cos(t), y: H / 2 + R * Math.sin(t) }];
    }),
  );
  const label = (text) => (text.length > 22 ? `${text.slice(0, 21)}…` : text);
  const root = svg("svg", { id: "assoc-graph", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "associations graph" });
  root.append(svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow" }))));
  for (const a of edges) {
    const p = at.get(a.sourceId);
    const q = at.get(a.targetId);
    const len = Math.hypot(q.x - p.x, q.y - p.y) || 1;
    const r = 9; // stop at the node's circle
    const [x1, y1, x2, y2] = [p.x + ((q.x - p.x) * r) / len, p.y + ((q.y - p.y) * r) / len, q.x - ((q.x - p.x) * r) / len, q.y - ((q.y - p.y) * r) / len];
    root.append(
      svg("line", { x1, y1, x2, y2, class: `edge ${a.relationship}`, "stroke-width": 1 + 2 * a.strength, "marker-end": "url(#arrow)", "data-relationship": a.relationship }),
      svg("text", { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 4, class: "edge-label", "text-anchor": "middle" }, a.relationship),
    );
  }
  for (const id of ids) {
    const m = byId.get(id);
    const { x, y } = at.get(id);
    root.append(
      svg("circle", { cx: x, cy: y, r: 8, class: `node ${m?.status ?? "unknown"}`, "data-memory": id }, svg("title", {}, m?.content ?? id)),
      svg("text", { x, y: y + 22, class: `node-label ${m?.status ?? ""}`, "text-anchor": "middle" }, label(m?.content ?? id)),
    );
  }
  return root;
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
      ...r.memories.map((m) => h("li", { "data-memory": m.id, "data-source": m.source }, h("span", { className: "score" }, m.boostedScore.toFixed(3)), " ", m.content, m.explain ? h("div", { className: "explain muted" }, explainText(m, (id) => byId.get(id)?.content ?? id)) : null)),
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
    h(
      "section",
      { className: "associations" },
      h("h3", {}, "Associations"),
      edges.length === 0 ? null : graph(edges, byId),
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
    ),
  );
  return root;
}
