// Compile-only check of the published types (tsc --noEmit, strict): typical calls type-check,
// records are precisely typed (no `any`), and misuse is rejected (@ts-expect-error).
import { Memspace, MemspaceError, MemoryKv } from "memspace";
import type { Event, ExtractionJob, Json, KvAdapter, Session, Space, SweepReport } from "memspace";

type IsAny<T> = 0 extends 1 & T ? true : false;
type AssertFalse<T extends false> = T;
export type NoAnyOnRecords = [
  AssertFalse<IsAny<Space["llmModelName"]>>,
  AssertFalse<IsAny<Session["metadata"]>>,
  AssertFalse<IsAny<Event["body"]>>,
  AssertFalse<IsAny<Event["sequenceId"]>>,
  AssertFalse<IsAny<ExtractionJob["strategy"]>>,
  AssertFalse<IsAny<MemspaceError["details"]>>,
];

export async function usage(): Promise<void> {
  const kv: KvAdapter = new MemoryKv();
  const ms: Memspace = await Memspace.open({ storage: "memory", name: "x", principal: { userId: "u", tenantId: "t" } });
  const viaKv = await Memspace.open({ kv, clock: () => Date.now(), countTokens: (t) => t.length });
  const space: Space = await ms.createSpace({ llmModelName: "m", description: null });
  const session: Session = await ms.createSession(space.id, {
    participants: ["u"],
    lifecycleStrategies: [{ type: "extract_memories", trigger: { eventCount: 10 }, opts: { softDelete: false } }],
  });
  const body: Json = { content: "hi", parts: [1, "two", null, { ok: true }] };
  const ev: Event = await ms.postEvent(space.id, session.id, { body, emitter: { type: "user", id: "u" }, eventType: "message" });
  const seq: number = ev.sequenceId;
  const last: Event[] = await viaKv.listEvents(space.id, session.id, { lastN: 20 });
  await ms.updateEvent(space.id, session.id, { sequenceId: seq, body: "x", ifUnmodifiedSince: ev.updatedAt });
  await ms.updateSession(space.id, session.id, { ifMatch: session.version, metadata: { a: 1 } });
  const report: SweepReport = await ms.sweep(10);
  const jobs: ExtractionJob[] = await ms.listExtractionJobs(space.id);
  void [last, report, jobs];
  try {
    await ms.getSpace("nope");
  } catch (e) {
    if (e instanceof MemspaceError) {
      const code: "validation" | "not_found" | "conflict" | "duplicate" | "archived" | "gone" | "quota" | "storage" | "unsupported" = e.code;
      const status: number = e.status;
      void [code, status, e.details["existingId"]];
    }
  }
  // @ts-expect-error storage must be "indexeddb" or "memory"
  await Memspace.open({ storage: "floppy" });
  // @ts-expect-error trigger takes exactly one known condition
  await ms.createSession(space.id, { participants: ["u"], lifecycleStrategies: [{ type: "soft_delete", trigger: { weeks: 2 } }] });
  // @ts-expect-error fields are camelCase
  await ms.createSpace({ llm_model_name: "m" });
  // @ts-expect-error body must be JSON
  await ms.postEvent(space.id, session.id, { body: () => 1, emitter: { type: "agent" } });
  // @ts-expect-error records are read as typed values
  const wrong: string = ev.sequenceId;
  void wrong;
}
