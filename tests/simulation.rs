//! The simulation: several handles on one store (each with its own record cache) take turns
//! at seeded random operations — spaces, sessions with ttl/idle/event-count soft-delete
//! strategies, event appends and edits, memories with logical-key supersession, soft forgets,
//! `sweep` — while the clock moves, jumps a day ahead or steps back, and the backend fails a
//! random write (a storage error; the process goes on) or crashes at one (the process dies:
//! every handle is dropped and the store is reopened from what landed). After every step the
//! whole visible state, read through a random handle, is compared with a reference model.
//!
//! An operation the backend cut off must show its whole effect or none of it (the model keeps
//! both and takes the one the store shows); every other outcome must be the model's exactly.
//! Seeded: MEMSPACE_SIM_SEED=<n> replays one case (a failure prints it), MEMSPACE_SIM_CASES /
//! MEMSPACE_SIM_STEPS change the budget (CI: 16 cases × 150 steps on each backend kind).

mod common;
use common::*;
use memspace::host::{Host, ManualHost};
use memspace::kv::faulty::FaultyKv;
use memspace::kv::MemoryKv;
use memspace::model::*;
use memspace::{ErrorCode, Memspace, Timestamp};
use serde_json::{json, Value};
use std::rc::Rc;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, pct: usize) -> bool {
        self.below(100) < pct
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Rule {
    Ttl(u64),
    Idle(u64),
    Count(u64),
}

#[derive(Clone, Debug)]
struct MSession {
    id: String,
    created: Timestamp,
    last_event: Option<Timestamp>,
    rule: Option<Rule>,
    deleted: bool,
    events: Vec<Value>,
}

impl MSession {
    /// When a time rule is due (lifecycle.rs: ttl from creation, idle from the last event).
    fn due(&self) -> Option<Timestamp> {
        match self.rule {
            Some(Rule::Ttl(s)) => Some(self.created.plus_secs(s as i64)),
            Some(Rule::Idle(s)) => Some(
                self.last_event
                    .unwrap_or(self.created)
                    .max(self.created)
                    .plus_secs(s as i64),
            ),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum MStatus {
    Active,
    Superseded,
    Forgotten,
}

#[derive(Clone, Debug)]
struct MMemory {
    id: String,
    content: String,
    key: Option<String>,
    status: MStatus,
    valid_at: Timestamp,
}

#[derive(Clone, Debug)]
struct MSpace {
    id: String,
    deleted: bool,
    sessions: Vec<MSession>,
    memories: Vec<MMemory>,
}

#[derive(Clone, Debug, Default)]
struct Model {
    spaces: Vec<MSpace>,
}

impl Model {
    /// Time rules that are due have fired (the state is read after every step, which touches
    /// every session of a live space; `sweep` reaches the others).
    fn expire(&mut self, now: Timestamp) {
        for sp in &mut self.spaces {
            for s in &mut sp.sessions {
                if !s.deleted && s.due().is_some_and(|d| d <= now) {
                    s.deleted = true;
                }
            }
        }
    }
}

/// The store and its handles (a "process"): rebuilt from the data after a crash.
struct Proc {
    kv: Rc<FaultyKv>,
    handles: Vec<Memspace>,
}

fn open(data: MemoryKv, atomic: bool, host: &ManualHost, n: usize) -> Proc {
    let kv = Rc::new(FaultyKv::new(data, atomic));
    let handles = (0..n)
        .map(|_| {
            Memspace::new(
                kv.clone(),
                Rc::new(host.clone()),
                Principal::new("u1", "t1"),
            )
            .unwrap()
        })
        .collect();
    Proc { kv, handles }
}

type Outcome = Result<String, ErrorCode>;

/// What the engine shows, and what the model says, in the same shape (ids sorted: with the
/// clock stepping back, "creation order" and "newest first" are the clock's, not the model's).
fn visible(ms: &Memspace, m: &Model) -> Result<(String, String), String> {
    let e = |r: memspace::Error| format!("reading the state failed: {r}");
    let mut eng = Vec::new();
    let mut spaces = run(ms.list_spaces(Page::default())).map_err(e)?;
    spaces.sort_by(|a, b| a.id.cmp(&b.id));
    for sp in spaces {
        let mut sessions = Vec::new();
        let mut listed = run(ms.list_sessions(&sp.id, SessionFilter::default())).map_err(e)?;
        listed.sort_by(|a, b| a.id.cmp(&b.id));
        for s in listed {
            let evs = run(ms.list_events(&sp.id, &s.id, EventQuery::default())).map_err(e)?;
            let bodies: Vec<Value> = evs.into_iter().map(|x| x.body).collect();
            sessions.push((s.id, s.event_count, bodies));
        }
        let filter = MemoryFilter {
            statuses: vec![MemoryStatus::Active, MemoryStatus::Superseded],
            ..Default::default()
        };
        let mut mems: Vec<(String, String, Option<String>, String)> =
            run(ms.list_memories(&sp.id, filter, Page::default()))
                .map_err(e)?
                .into_iter()
                .map(|x| (x.id, x.content, x.logical_key, format!("{:?}", x.status)))
                .collect();
        mems.sort();
        let stats = run(ms.memory_stats(&sp.id)).map_err(e)?;
        eng.push((
            sp.id,
            sessions,
            mems,
            (stats.active, stats.superseded, stats.forgotten),
        ));
    }
    let mut model = Vec::new();
    let mut live: Vec<&MSpace> = m.spaces.iter().filter(|s| !s.deleted).collect();
    live.sort_by(|a, b| a.id.cmp(&b.id));
    for sp in live {
        let mut sessions: Vec<(String, u64, Vec<Value>)> = sp
            .sessions
            .iter()
            .filter(|s| !s.deleted)
            .map(|s| (s.id.clone(), s.events.len() as u64, s.events.clone()))
            .collect();
        sessions.sort_by(|a, b| a.0.cmp(&b.0));
        let mut mems: Vec<(String, String, Option<String>, String)> = sp
            .memories
            .iter()
            .filter(|x| x.status != MStatus::Forgotten)
            .map(|x| {
                (
                    x.id.clone(),
                    x.content.clone(),
                    x.key.clone(),
                    format!("{:?}", x.status),
                )
            })
            .collect();
        mems.sort();
        let count = |st: MStatus| sp.memories.iter().filter(|x| x.status == st).count() as u64;
        model.push((
            sp.id.clone(),
            sessions,
            mems,
            (
                count(MStatus::Active),
                count(MStatus::Superseded),
                count(MStatus::Forgotten),
            ),
        ));
    }
    Ok((format!("{eng:?}"), format!("{model:?}")))
}

const CONTENTS: [&str; 4] = [
    "Lives in Paris",
    "Lives in Berlin",
    "Prefers tea",
    "Deadline is Friday",
];
const KEYS: [&str; 2] = ["user.city", "project.deadline"];

/// One operation on handle `ms`: its name, the model's outcome, the engine's, and the model
/// after it (`None` when the model cannot know the new id before the engine answers: then the
/// model is completed from the engine's answer, or, after a cut-off write, from the store).
struct Step {
    op: String,
    expected: Outcome,
    got: Outcome,
    after: Model,
    /// A created record whose id only the engine knows.
    created: Option<Created>,
    /// That id, from the engine's answer.
    id: Option<String>,
}

#[derive(Clone)]
enum Created {
    Space,
    Session(usize, MSession),
    Memory(usize, MMemory, Option<usize>),
}

fn pick_live<T>(items: &[T], live: impl Fn(&T) -> bool, rng: &mut Rng) -> Option<usize> {
    let idx: Vec<usize> = (0..items.len()).filter(|i| live(&items[*i])).collect();
    if items.is_empty() {
        None
    } else if idx.is_empty() || rng.chance(8) {
        Some(rng.below(items.len()))
    } else {
        Some(idx[rng.below(idx.len())])
    }
}

fn step(ms: &Memspace, m: &Model, now: Timestamp, rng: &mut Rng) -> Step {
    let mut after = m.clone();
    let done = |op: &str, expected: Outcome, got: Outcome, after: Model| Step {
        op: op.into(),
        expected,
        got,
        after,
        created: None,
        id: None,
    };
    let choice = rng.below(100);
    let Some(si) = pick_live(&m.spaces, |s| !s.deleted, rng).filter(|_| choice >= 6) else {
        let got = run(ms.create_space(NewSpace::default())).map_err(|e| e.code);
        return Step {
            op: "create_space".into(),
            expected: Ok("created".into()),
            id: got.as_ref().ok().map(|s| s.id.clone()),
            got: got.map(|_| "created".into()),
            after,
            created: Some(Created::Space),
        };
    };
    let sp = &m.spaces[si];
    let space_err = sp.deleted.then_some(ErrorCode::Gone);
    let gone_or = |ok: Outcome| space_err.map_or(ok, Err);
    match choice {
        6..=7 => {
            let got = run(ms.delete_space(&sp.id))
                .map(|_| "ok".to_string())
                .map_err(|e| e.code);
            if space_err.is_none() {
                after.spaces[si].deleted = true;
            }
            done("delete_space", gone_or(Ok("ok".into())), got, after)
        }
        8..=11 => {
            let got = run(ms.sweep(1000))
                .map(|_| "ok".to_string())
                .map_err(|e| e.code);
            done("sweep", Ok("ok".into()), got, after)
        }
        12..=25 => {
            let rule = match rng.below(4) {
                0 => None,
                1 => Some(Rule::Ttl(30 + rng.below(600) as u64)),
                2 => Some(Rule::Idle(30 + rng.below(300) as u64)),
                _ => Some(Rule::Count(1 + rng.below(6) as u64)),
            };
            let strategies = match &rule {
                None => vec![],
                Some(Rule::Ttl(s)) => vec![LifecycleStrategy::soft_delete(Trigger::Ttl(*s))],
                Some(Rule::Idle(s)) => vec![LifecycleStrategy::soft_delete(Trigger::Idle(*s))],
                Some(Rule::Count(n)) => {
                    vec![LifecycleStrategy::soft_delete(Trigger::EventCount(*n))]
                }
            };
            let input = NewSession {
                participants: vec!["u1".into()],
                lifecycle_strategies: strategies,
                ..Default::default()
            };
            let got = run(ms.create_session(&sp.id, input)).map_err(|e| e.code);
            let ses = MSession {
                id: String::new(),
                created: now,
                last_event: None,
                rule,
                deleted: false,
                events: vec![],
            };
            Step {
                op: "create_session".into(),
                expected: gone_or(Ok("created".into())),
                id: got.as_ref().ok().map(|s| s.id.clone()),
                got: got.map(|_| "created".into()),
                after,
                created: space_err.is_none().then_some(Created::Session(si, ses)),
            }
        }
        26..=40 => {
            let content = CONTENTS[rng.below(CONTENTS.len())].to_string();
            let key = rng
                .chance(60)
                .then(|| KEYS[rng.below(KEYS.len())].to_string());
            let input = NewMemory {
                content: content.clone(),
                logical_key: key.clone(),
                ..Default::default()
            };
            let got = run(ms.remember(&sp.id, input)).map_err(|e| e.code);
            // Replay: the same content and logical key as an active memory returns it.
            let replay = sp
                .memories
                .iter()
                .find(|x| x.status == MStatus::Active && x.content == content && x.key == key);
            if let Some(space_err) = space_err {
                return done("remember", Err(space_err), got.map(|_| "?".into()), after);
            }
            if let Some(r) = replay {
                let got = got.map(|x| format!("{} replayed={}", x.memory.id, x.replayed));
                return done(
                    "remember(replay)",
                    Ok(format!("{} replayed=true", r.id)),
                    got,
                    after,
                );
            }
            let holder = key.as_ref().and_then(|k| {
                sp.memories
                    .iter()
                    .position(|x| x.status == MStatus::Active && x.key.as_deref() == Some(k))
            });
            // Older news (the clock stepped back): the new memory arrives already closed by
            // the holder, which stays active.
            let older = holder.is_some_and(|h| now < sp.memories[h].valid_at);
            let holder = holder.filter(|_| !older);
            let mem = MMemory {
                id: String::new(),
                content,
                key,
                status: if older {
                    MStatus::Superseded
                } else {
                    MStatus::Active
                },
                valid_at: now,
            };
            let expected = Ok(format!(
                "superseded={:?}",
                holder.map(|h| sp.memories[h].id.clone())
            ));
            Step {
                op: "remember".into(),
                expected,
                id: got.as_ref().ok().map(|x| x.memory.id.clone()),
                got: got.map(|x| format!("superseded={:?}", x.superseded_id)),
                after,
                created: Some(Created::Memory(si, mem, holder)),
            }
        }
        41..=44 => {
            let Some(mi) = pick_live(&sp.memories, |x| x.status == MStatus::Active, rng)
                .filter(|i| sp.memories[*i].status == MStatus::Active)
            else {
                return done("noop", Ok(String::new()), Ok(String::new()), after);
            };
            let got = run(ms.forget_memory(&sp.id, &sp.memories[mi].id, false))
                .map(|_| "ok".to_string())
                .map_err(|e| e.code);
            if space_err.is_none() {
                after.spaces[si].memories[mi].status = MStatus::Forgotten;
            }
            done("forget_memory", gone_or(Ok("ok".into())), got, after)
        }
        _ => {
            let Some(ki) = pick_live(&sp.sessions, |s| !s.deleted, rng) else {
                return done("noop", Ok(String::new()), Ok(String::new()), after);
            };
            let s = &sp.sessions[ki];
            let err = space_err.or(s.deleted.then_some(ErrorCode::Gone));
            let ms_ = &mut after.spaces[si].sessions[ki];
            match choice {
                45..=49 => {
                    let got = run(ms.delete_session(&sp.id, &s.id))
                        .map(|_| "ok".to_string())
                        .map_err(|e| e.code);
                    if err.is_none() {
                        ms_.deleted = true;
                    }
                    done(
                        "delete_session",
                        err.map_or(Ok("ok".into()), Err),
                        got,
                        after,
                    )
                }
                50..=79 => {
                    let n = 1 + rng.below(3);
                    let bodies: Vec<Value> = (0..n)
                        .map(|_| json!({ "content": format!("m{}", rng.below(1000)) }))
                        .collect();
                    let evs = bodies
                        .iter()
                        .map(|b| NewEvent {
                            body: b.clone(),
                            emitter: Emitter::new("user", "u1"),
                            event_type: Some("message".into()),
                        })
                        .collect();
                    let got = run(ms.post_events(&sp.id, &s.id, evs))
                        .map(|v| {
                            format!("{:?}", v.iter().map(|e| e.sequence_id).collect::<Vec<_>>())
                        })
                        .map_err(|e| e.code);
                    let expected = match err {
                        Some(c) => Err(c),
                        None => {
                            let start = ms_.events.len() as u64;
                            ms_.events.extend(bodies);
                            ms_.last_event = Some(now);
                            if let Some(Rule::Count(c)) = ms_.rule {
                                if ms_.events.len() as u64 >= c {
                                    ms_.deleted = true;
                                }
                            }
                            Ok(format!(
                                "{:?}",
                                (start..ms_.events.len() as u64).collect::<Vec<_>>()
                            ))
                        }
                    };
                    done("post_events", expected, got, after)
                }
                80..=89 => {
                    let seq = rng.below(s.events.len() + 1) as u64;
                    let body = json!({ "edited": rng.below(100) });
                    let got = run(ms.update_event(
                        &sp.id,
                        &s.id,
                        EventUpdate {
                            sequence_id: seq,
                            body: Some(body.clone()),
                            ..Default::default()
                        },
                    ))
                    .map(|e| e.sequence_id.to_string())
                    .map_err(|e| e.code);
                    let expected = match err {
                        Some(c) => Err(c),
                        None if seq as usize >= ms_.events.len() => Err(ErrorCode::NotFound),
                        None => {
                            ms_.events[seq as usize] = body;
                            Ok(seq.to_string())
                        }
                    };
                    done("update_event", expected, got, after)
                }
                _ => {
                    let got = run(ms.get_session(&sp.id, &s.id))
                        .map(|x| format!("{} n{}", x.id, x.event_count))
                        .map_err(|e| e.code);
                    let expected =
                        err.map_or_else(|| Ok(format!("{} n{}", s.id, s.events.len())), Err);
                    done("get_session", expected, got, after)
                }
            }
        }
    }
}

/// The model after a create whose id is `id`.
fn complete(mut after: Model, created: &Created, id: &str) -> Model {
    match created.clone() {
        Created::Space => after.spaces.push(MSpace {
            id: id.into(),
            deleted: false,
            sessions: vec![],
            memories: vec![],
        }),
        Created::Session(si, mut s) => {
            s.id = id.into();
            after.spaces[si].sessions.push(s);
        }
        Created::Memory(si, mut x, holder) => {
            x.id = id.into();
            if let Some(h) = holder {
                after.spaces[si].memories[h].status = MStatus::Superseded;
            }
            after.spaces[si].memories.push(x);
        }
    }
    after
}

/// The id of a record the store holds that the model does not (after a cut-off create).
fn new_id(ms: &Memspace, m: &Model, created: &Created) -> Option<String> {
    match created {
        Created::Space => run(ms.list_spaces(Page::default()))
            .ok()?
            .into_iter()
            .map(|s| s.id)
            .find(|id| !m.spaces.iter().any(|s| &s.id == id)),
        Created::Session(si, _) => {
            let sp = &m.spaces[*si];
            run(ms.list_sessions(&sp.id, SessionFilter::default()))
                .ok()?
                .into_iter()
                .map(|s| s.id)
                .find(|id| !sp.sessions.iter().any(|s| &s.id == id))
        }
        Created::Memory(si, _, _) => {
            let sp = &m.spaces[*si];
            let filter = MemoryFilter {
                statuses: vec![MemoryStatus::Active, MemoryStatus::Superseded],
                ..Default::default()
            };
            run(ms.list_memories(&sp.id, filter, Page::default()))
                .ok()?
                .into_iter()
                .map(|x| x.id)
                .find(|id| !sp.memories.iter().any(|x| &x.id == id))
        }
    }
}

#[derive(Default, Debug)]
struct Counts {
    steps: u64,
    crashes: u64,
    failures: u64,
    cut_applied: u64,
    cut_undone: u64,
    sweeps: u64,
    jumps: u64,
    back_steps: u64,
}

fn run_case(seed: u64, steps: usize, atomic: bool, counts: &mut Counts) -> Result<(), String> {
    let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ atomic as u64);
    let host = ManualHost::default();
    let handles = 2 + rng.below(3);
    let mut p = open(MemoryKv::new(), atomic, &host, handles);
    let mut m = Model::default();
    for i in 0..steps {
        // Time: a few seconds, sometimes a day ahead, sometimes back a minute.
        match rng.below(100) {
            0..=2 => {
                host.advance_secs(86_400 + rng.below(86_400) as i64);
                counts.jumps += 1;
            }
            3..=5 => {
                host.advance_secs(-(1 + rng.below(60) as i64));
                counts.back_steps += 1;
            }
            _ => host.advance_secs(rng.below(40) as i64),
        }
        host.advance_micros(1000);
        let now = host.now();
        m.expire(now);
        // A fault at a random write of this step: a failed write or a crash.
        let fault = rng.below(100);
        if fault < 6 {
            p.kv.crash_after(rng.below(8) as u64);
        } else if fault < 12 {
            p.kv.fail_write_at(1 + rng.below(8) as u64);
        }
        let h = rng.below(p.handles.len());
        let st = step(&p.handles[h], &m, now, &mut rng);
        if st.op == "sweep" {
            counts.sweeps += 1;
        }
        // Disarm what this step did not reach.
        p.kv.crash_after(1 << 60);
        p.kv.fail_write_at(1 << 60);
        let crashed = p.kv.crashed();
        let cut = crashed || st.got == Err(ErrorCode::Storage);
        if std::env::var("MEMSPACE_SIM_TRACE").is_ok() {
            eprintln!(
                "step {i} t={now} handle {h} fault {fault} {}: model {:?} engine {:?} crashed {crashed}",
                st.op, st.expected, st.got
            );
        }
        if crashed {
            counts.crashes += 1;
            p = open(p.kv.data(), atomic, &host, handles);
        } else if cut {
            counts.failures += 1;
        }
        let ctx = |what: String| {
            format!(
                "seed {seed} ({}) step {i} handle {h} {}: {what}",
                if atomic { "atomic" } else { "key-by-key" },
                st.op
            )
        };
        let reader = &p.handles[rng.below(p.handles.len())];
        if cut {
            // All or nothing: the store shows the model before the step or after it.
            let (eng, before) = visible(reader, &m).map_err(ctx)?;
            if eng == before {
                counts.cut_undone += 1;
                continue;
            }
            let after = match &st.created {
                Some(c) => new_id(reader, &m, c).map(|id| complete(st.after.clone(), c, &id)),
                None => Some(st.after.clone()),
            };
            let Some(after) = after else {
                return Err(ctx(format!("cut off; the store shows neither the state before nor a completed create\nengine {eng}\nbefore {before}")));
            };
            let (eng, after_s) = visible(reader, &after).map_err(ctx)?;
            if eng != after_s {
                return Err(ctx(format!("cut off; the store shows a mix\nengine {eng}\nbefore {before}\nafter  {after_s}")));
            }
            counts.cut_applied += 1;
            m = after;
            continue;
        }
        if st.expected != st.got {
            return Err(ctx(format!("model {:?}, engine {:?}", st.expected, st.got)));
        }
        m = match (&st.created, &st.id) {
            (Some(c), Some(id)) => complete(st.after, c, id),
            _ => st.after,
        };
        let (eng, model) = visible(reader, &m).map_err(ctx)?;
        if eng != model {
            return Err(ctx(format!("states differ\nengine {eng}\nmodel  {model}")));
        }
        counts.steps += 1;
    }
    // The store is consistent at the end: every live space verifies clean.
    let ms = &p.handles[0];
    for sp in m.spaces.iter().filter(|s| !s.deleted) {
        let report =
            run(ms.verify_space(&sp.id)).map_err(|e| format!("seed {seed}: verify {e}"))?;
        if !report.problems.is_empty() {
            return Err(format!(
                "seed {seed}: verify_space({}) found {:?}",
                sp.id, report.problems
            ));
        }
    }
    Ok(())
}

fn budget(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn simulate(atomic: bool) {
    let steps = budget("MEMSPACE_SIM_STEPS", 150) as usize;
    let seeds: Vec<u64> = match std::env::var("MEMSPACE_SIM_SEED") {
        Ok(s) => vec![s.parse().expect("MEMSPACE_SIM_SEED is a number")],
        Err(_) => {
            let base = budget("MEMSPACE_FUZZ_SEED", 20261201);
            (0..budget("MEMSPACE_SIM_CASES", 16))
                .map(|i| base + i)
                .collect()
        }
    };
    let mut counts = Counts::default();
    for seed in seeds {
        if let Err(msg) = run_case(seed, steps, atomic, &mut counts) {
            panic!("{msg}\nreplay: MEMSPACE_SIM_SEED={seed} cargo test --test simulation");
        }
    }
    println!(
        "simulation ({}): {} steps checked against the model, {} crashes, {} failed writes ({} cut-off operations applied whole, {} undone), {} sweeps, {} day jumps, {} clock steps back",
        if atomic { "atomic" } else { "key-by-key" },
        counts.steps, counts.crashes, counts.failures, counts.cut_applied, counts.cut_undone, counts.sweeps, counts.jumps, counts.back_steps
    );
    assert!(
        counts.crashes > 0 && counts.cut_applied + counts.cut_undone > 0,
        "{counts:?}"
    );
}

#[test]
fn several_handles_crashes_failed_writes_clock_jumps_lifecycle_and_sweep_match_the_reference_model_on_an_atomic_store(
) {
    simulate(true);
}

#[test]
fn several_handles_crashes_failed_writes_clock_jumps_lifecycle_and_sweep_match_the_reference_model_on_a_key_by_key_store(
) {
    simulate(false);
}
