// Lifecycle panel: the strategies a new session gets (and who writes its memories: the agent
// during each turn, or an extraction job when the strategy fires), the page's clock
// (fast-forward it and the due strategies fire: sweep), what fired on the current session, the
// extraction jobs (run by the page with the scripted extractor, or the model entered) and what
// the last run did.
import { h, $, when } from "../ui.js";

const FORM = `memspace-demo.strategies`;
const DEFAULTS = { memoriesBy: "agent", extractEvents: 6, extractDeletes: false, idle: true, idleMinutes: 30, ttl: false, ttlHours: 24 };

function loadForm() {
  try {
    return { ...DEFAULTS, ...JSON.parse(localStorage.getItem(FORM) ?? "{}") };
  } catch {
    return { ...DEFAULTS };
  }
}

/** Who writes the next new session's memories: "agent" (each turn) or "extraction" (a job). */
export function memoriesByFromForm() {
  return loadForm().memoriesBy === "extraction" ? "extraction" : "agent";
}

/** The strategies chosen in the form (kept in page storage), as createSession takes them. */
export function strategiesFromForm(c) {
  const f = loadForm();
  const out = [];
  if (f.memoriesBy === "extraction") out.push({ type: "extract_memories", trigger: { eventCount: f.extractEvents }, opts: { agentId: c.AGENT, softDelete: f.extractDeletes } });
  if (f.idle) out.push({ type: "soft_delete", trigger: { idle: f.idleMinutes * 60 } });
  if (f.ttl) out.push({ type: "soft_delete", trigger: { ttl: f.ttlHours * 3600 } });
  return out;
}

function describeTrigger(t) {
  if ("eventCount" in t) return `after ${t.eventCount} events`;
  if ("tokenCount" in t) return `after ${t.tokenCount} tokens`;
  if ("idle" in t) return `when idle ${t.idle / 60} min`;
  if ("ttl" in t) return `${t.ttl / 3600} h after creation`;
  return JSON.stringify(t);
}

let lastSweep = null;
/** The last commitSession report, with the session it was for. */
let lastCommit = null;

export async function renderLifecycle(c) {
  const { ms, S } = c;
  const f = loadForm();
  const save = () => {
    localStorage.setItem(
      FORM,
      JSON.stringify({
        memoriesBy: $("st-by-extraction").checked ? "extraction" : "agent",
        extractEvents: Math.max(1, Number($("st-extract-n").value) || 1),
        extractDeletes: $("st-extract-delete").checked,
        idle: $("st-idle").checked,
        idleMinutes: Math.max(1, Number($("st-idle-min").value) || 1),
        ttl: $("st-ttl").checked,
        ttlHours: Math.max(1, Number($("st-ttl-h").value) || 1),
      }),
    );
  };
  const num = (id, value) => h("input", { type: "number", id, min: 1, value, className: "num", onchange: save });
  const form = h(
    "fieldset",
    { className: "strategies" },
    h("legend", {}, "Strategies for the next new session"),
    h("div", { className: "muted" }, "Who writes the conversation's memories:"),
    h("label", {}, h("input", { type: "radio", name: "st-by", id: "st-by-agent", checked: f.memoriesBy !== "extraction", onchange: save }), " the agent, during each turn (batchMemories)"),
    h("label", {}, h("input", { type: "radio", name: "st-by", id: "st-by-extraction", checked: f.memoriesBy === "extraction", onchange: save }), " an extraction job: extract memories after ", num("st-extract-n", f.extractEvents), " events, ", h("label", { className: "inline" }, h("input", { type: "checkbox", id: "st-extract-delete", checked: f.extractDeletes, onchange: save }), " then soft-delete the session")),
    h("label", {}, h("input", { type: "checkbox", id: "st-idle", checked: f.idle, onchange: save }), " soft-delete when idle ", num("st-idle-min", f.idleMinutes), " minutes"),
    h("label", {}, h("input", { type: "checkbox", id: "st-ttl", checked: f.ttl, onchange: save }), " soft-delete ", num("st-ttl-h", f.ttlHours), " hours after creation"),
  );

  const ff = (label, id, msec) =>
    h("button", {
      id,
      onclick: () =>
        c.act(async () => {
          lastSweep = await c.fastForward(msec);
          await c.changed();
        }),
    }, label);
  const clock = h(
    "section",
    { className: "clock" },
    h("h3", {}, "Clock"),
    h("div", {}, "Now (this page's clock): ", h("strong", { id: "lifecycle-now" }, when(new Date(c.now()).toISOString()))),
    h("div", { className: "row" }, ff("+1 hour", "ff-hour", 3_600_000), ff("+1 day", "ff-day", 86_400_000), ff("+1 week", "ff-week", 7 * 86_400_000)),
    lastSweep ? h("div", { id: "sweep-report", className: "muted" }, `last sweep: ${lastSweep.examined} examined, ${lastSweep.fired} fired, ${lastSweep.staleRemoved} stale removed`) : null,
  );

  const sessionInfo = h("section", { className: "session-info" }, h("h3", {}, "Current session"));
  if (S.goneSession) {
    const waiting = S.goneState === "awaiting_extraction";
    sessionInfo.append(
      h(
        "p",
        { id: "session-state", "data-state": waiting ? "awaiting_extraction" : "deleted" },
        waiting
          ? `Session ${S.goneSession} is closed, waiting for its extraction job: only the extractor reads its events now; it is soft-deleted when the job is done.`
          : `Session ${S.goneSession} was deleted: its strategy fired (or you deleted it). Events are no longer listed; memories stay.`,
      ),
    );
  } else if (!S.session) {
    sessionInfo.append(h("p", { className: "muted" }, "No session."));
  } else {
    const s = S.session;
    // One wrapper, built by h(), which skips the null children (Element.append would print "null").
    sessionInfo.append(
      h(
        "div",
        {},
        h("p", { id: "session-state", "data-state": s.deletedAt ? "deleted" : "live" }, s.deletedAt ? `deleted at ${when(s.deletedAt)}` : `live · ${s.eventCount} events · ~${s.tokenCount} tokens · last event ${when(s.lastEventAt)}`),
        h("p", { id: "memories-by", className: "muted" }, s.metadata?.memoriesBy === "extraction" ? "Memories of this session are written by its extraction job." : "Memories of this session are written by the agent during each turn."),
        s.deletedAt
          ? null
          : h(
              "div",
              { className: "row" },
              h("button", {
                id: "commit-session",
                title: "Extract the events no job has covered yet, now (commitSession)",
                onclick: () =>
                  c.act(async () => {
                    lastCommit = { sessionId: s.id, report: await ms.commitSession(S.space.id, s.id, { agentId: c.AGENT }) };
                    await c.changed();
                  }),
              }, "Extract memories now"),
              h("span", { className: "muted" }, "commitSession: runs the extractor over the events no job covered yet"),
            ),
        lastCommit?.sessionId === s.id
          ? h("div", { id: "commit-report", className: "muted" }, `last commit: ${lastCommit.report.memoriesExtracted} extracted, ${lastCommit.report.memoriesCreated} created, ${lastCommit.report.memoriesDeduplicated} deduplicated, ${lastCommit.report.memoriesFiltered} filtered · ${lastCommit.report.extractionTimeMs} ms`)
          : null,
        s.expiresAt ? h("p", {}, "deleted by lifecycle at ", h("strong", {}, when(s.expiresAt)), " unless something happens first") : null,
        h(
          "ul",
          { className: "strategy-list" },
          s.lifecycleStrategies.length === 0 ? h("li", { className: "muted" }, "no strategies") : null,
          s.lifecycleStrategies.map((st, i) => {
            const fired = s.executedStrategies.find((x) => x.index === i);
            return h(
              "li",
              { "data-index": i, "data-fired": fired ? "true" : "false" },
              `${st.type} ${describeTrigger(st.trigger)}`,
              fired ? h("span", { className: "fired" }, ` — fired ${when(fired.firedAt)} (due ${when(fired.dueAt)})${fired.jobId ? ` → job ${fired.jobId}` : ""}`) : h("span", { className: "muted" }, " — not yet"),
            );
          }),
        ),
      ),
    );
  }

  const jobs = await ms.listExtractionJobs(S.space.id);
  const run = c.lastRun();
  const jobList = h(
    "section",
    { className: "jobs" },
    h("h3", {}, "Extraction jobs"),
    h("p", { className: "muted" }, `The page runs due jobs after each turn and each fast-forward (runExtraction), with ${c.extractorName()} as the model.`),
    run
      ? h("div", { id: "run-report", className: "muted" }, `last run: ${run.claimed} claimed, ${run.done} done, ${run.retrying} retrying, ${run.failed} failed, ${run.memoriesCreated} memories created, ${run.sessionsDeleted} session${run.sessionsDeleted === 1 ? "" : "s"} deleted`)
      : null,
    jobs.length === 0
      ? h("p", { className: "muted" }, "None yet. An extract_memories strategy queues one when it fires.")
      : h(
          "ul",
          { id: "jobs" },
          jobs.map((j) =>
            h(
              "li",
              { "data-status": j.status, "data-job": j.id },
              h("strong", {}, j.status),
              ` ${j.kind} ${j.id} · session ${j.sessionId.slice(-6)} · events #${j.fromSequenceId}–#${j.toSequenceId - 1} · due ${when(j.dueAt)} · attempts ${j.attempts}${j.status === "pending" && j.lastError && j.nextRunAt ? ` · next try ${when(j.nextRunAt)}` : ""}`,
              h("div", { className: "job-stats muted" }, `${j.stats.extracted} extracted · ${j.stats.created} created · ${j.stats.superseded} superseded · ${j.stats.deduplicated} deduplicated${j.softDeleteAfter ? ` · then soft-delete the session${j.sessionDeleted ? " (done)" : ""}` : ""}${j.finishedAt ? ` · finished ${when(j.finishedAt)}` : ""}`),
              j.lastError ? h("div", { className: "bad job-error" }, `last error (attempt ${j.lastError.attempt}): ${j.lastError.message}`) : null,
            ),
          ),
        ),
    h(
      "div",
      { className: "row" },
      h("button", {
        id: "run-jobs",
        onclick: () =>
          c.act(async () => {
            await c.runJobs();
            await c.changed();
          }),
      }, "Run due jobs now"),
    ),
  );
  return h("div", { className: "lifecycle" }, h("h2", {}, "Lifecycle"), form, clock, sessionInfo, jobList);
}
