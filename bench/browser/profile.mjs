// Self time per function of a Chromium CPU profile (CDP `Profiler.stop`), shared by the probes.

/** Self time (µs) per "function file:line", and the total sampled. */
export function selfTimes(prof) {
  const self = new Map();
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  prof.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  let total = 0;
  for (const [id, t] of dt) {
    const n = byId.get(id);
    const k = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber}`;
    self.set(k, (self.get(k) ?? 0) + t);
    total += t;
  }
  return { self, total };
}
