//! Model-based test: seeded random operation sequences applied to the engine and to a plain
//! in-memory reference model, compared after every step (results, error codes and the whole
//! visible state). A failure prints the seed and step; rerun one seed with MEMSPACE_SEED=n.

mod common;
use common::*;
use memspace::host::Host;
use memspace::model::*;
use memspace::{ErrorCode, Timestamp};
use serde_json::json;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
}

#[derive(Clone, Debug)]
struct MSession {
    id: String,
    participants: Vec<String>,
    description: Option<String>,
    version: u64,
    dedup: Option<String>,
    ttl_deadline: Timestamp,
    deleted: bool,
    /// Posted events by sequence id; `None` once deleted.
    events: Vec<Option<(serde_json::Value, Option<String>)>>,
}

#[derive(Clone, Debug)]
struct MSpace {
    id: String,
    description: Option<String>,
    dedup: Option<String>,
    deleted: bool,
    sessions: Vec<MSession>,
}

#[derive(Default)]
struct Model {
    spaces: Vec<MSpace>,
}

impl Model {
    /// Lazy lifecycle in the model: a ttl that has passed deletes the session.
    fn expire(&mut self, now: Timestamp) {
        for sp in &mut self.spaces {
            for s in &mut sp.sessions {
                if now >= s.ttl_deadline {
                    s.deleted = true;
                }
            }
        }
    }
}

type Outcome = std::result::Result<String, ErrorCode>;

fn code<T>(r: memspace::Result<T>) -> std::result::Result<T, ErrorCode> {
    r.map_err(|e| e.code)
}

const KEYS: [&str; 3] = ["k1", "k2", "k3"];
const PEOPLE: [&str; 3] = ["ann", "bob", "cy"];
const TYPES: [&str; 2] = ["message", "tool_output"];

fn step(w: &World, m: &mut Model, rng: &mut Rng) -> (String, Outcome, Outcome) {
    w.host.advance_secs(rng.below(40) as i64);
    w.host.advance_micros(1000);
    let now = w.host.now();
    m.expire(now);
    let live_spaces: Vec<usize> = (0..m.spaces.len())
        .filter(|i| !m.spaces[*i].deleted)
        .collect();
    let pick_space = |rng: &mut Rng| -> Option<usize> {
        if live_spaces.is_empty() || rng.chance(5) {
            (!m.spaces.is_empty()).then(|| rng.below(m.spaces.len() as u64) as usize)
        } else {
            Some(live_spaces[rng.below(live_spaces.len() as u64) as usize])
        }
    };
    let choice = rng.below(100);
    let Some(si) = pick_space(rng).filter(|_| choice >= 8) else {
        // Create a space.
        let dedup = rng
            .chance(40)
            .then(|| KEYS[rng.below(3) as usize].to_string());
        let desc = rng.chance(50).then(|| format!("space {}", rng.below(100)));
        let holder = dedup.as_ref().and_then(|k| {
            m.spaces
                .iter()
                .find(|s| !s.deleted && s.dedup.as_ref() == Some(k))
        });
        let expected = match holder {
            Some(h) => Err(ErrorCode::Duplicate).map_err(|c| (c, h.id.clone())),
            None => Ok(()),
        };
        let got = code(run(w.ms.create_space(NewSpace {
            description: desc.clone(),
            deduplication_key: dedup.clone(),
            ..Default::default()
        })));
        let (exp, act) = match (&expected, &got) {
            (Ok(()), Ok(s)) => {
                m.spaces.push(MSpace {
                    id: s.id.clone(),
                    description: desc,
                    dedup,
                    deleted: false,
                    sessions: vec![],
                });
                (Ok("created".into()), Ok("created".into()))
            }
            (Err((c, _)), _) => (Err(*c), got.map(|s| s.id)),
            (Ok(()), Err(c)) => (Ok("created".into()), Err(*c)),
        };
        return ("create_space".into(), exp, act);
    };
    let sp = m.spaces[si].clone();
    let space_err = sp.deleted.then_some(ErrorCode::Gone);
    let live_sessions: Vec<usize> = (0..sp.sessions.len())
        .filter(|i| !sp.sessions[*i].deleted)
        .collect();
    let pick_session = |rng: &mut Rng| -> Option<usize> {
        if sp.sessions.is_empty() {
            None
        } else if live_sessions.is_empty() || rng.chance(10) {
            Some(rng.below(sp.sessions.len() as u64) as usize)
        } else {
            Some(live_sessions[rng.below(live_sessions.len() as u64) as usize])
        }
    };
    match choice {
        8..=11 => {
            let got = code(run(w.ms.delete_space(&sp.id))).map(|_| "ok".to_string());
            if space_err.is_none() {
                m.spaces[si].deleted = true;
            }
            (
                "delete_space".into(),
                space_err.map_or(Ok("ok".into()), Err),
                got,
            )
        }
        12..=17 => {
            let desc = if rng.chance(30) {
                Patch::Clear
            } else {
                Patch::Set(format!("d{}", rng.below(9)))
            };
            let got = code(run(w.ms.update_space(
                &sp.id,
                SpaceUpdate {
                    description: desc.clone(),
                    ..Default::default()
                },
            )))
            .map(|s| format!("{:?}", s.description));
            let exp = match space_err {
                Some(c) => Err(c),
                None => {
                    desc.apply(&mut m.spaces[si].description);
                    Ok(format!("{:?}", m.spaces[si].description))
                }
            };
            ("update_space".into(), exp, got)
        }
        18..=34 => {
            let dedup = rng
                .chance(40)
                .then(|| KEYS[rng.below(3) as usize].to_string());
            let participants: Vec<String> = PEOPLE
                .iter()
                .filter(|_| rng.chance(60))
                .map(|p| p.to_string())
                .collect();
            let ttl = 50 + rng.below(2000);
            let desc = rng.chance(60).then(|| {
                format!(
                    "Topic {}",
                    ["Billing", "shipping", "BILLS"][rng.below(3) as usize]
                )
            });
            let input = NewSession {
                participants: participants.clone(),
                lifecycle_strategies: vec![LifecycleStrategy::soft_delete(Trigger::Ttl(ttl))],
                description: desc.clone(),
                metadata: None,
                deduplication_key: dedup.clone(),
            };
            let got = code(run(w.ms.create_session(&sp.id, input)));
            let holder = dedup.as_ref().and_then(|k| {
                sp.sessions
                    .iter()
                    .find(|s| !s.deleted && s.dedup.as_ref() == Some(k))
            });
            // Input is validated before any state is read.
            let exp: Outcome = if participants.is_empty() {
                Err(ErrorCode::Validation)
            } else if let Some(c) = space_err {
                Err(c)
            } else if let Some(h) = holder {
                if let Err(ErrorCode::Duplicate) = &got {
                    return (
                        "create_session(dup)".into(),
                        Ok(h.id.clone()),
                        Ok(h.id.clone()),
                    );
                }
                Err(ErrorCode::Duplicate)
            } else {
                Ok("created".into())
            };
            if let (Ok(_), Ok(s)) = (&exp, &got) {
                m.spaces[si].sessions.push(MSession {
                    id: s.id.clone(),
                    participants,
                    description: desc,
                    version: 1,
                    dedup,
                    ttl_deadline: now.plus_secs(ttl as i64),
                    deleted: false,
                    events: vec![],
                });
            }
            ("create_session".into(), exp, got.map(|_| "created".into()))
        }
        _ => {
            let Some(ki) = pick_session(rng) else {
                return ("noop".into(), Ok(String::new()), Ok(String::new()));
            };
            let s = sp.sessions[ki].clone();
            let sess_err = space_err.or(s.deleted.then_some(ErrorCode::Gone));
            let ms = &mut m.spaces[si].sessions[ki];
            match choice {
                35..=42 => {
                    let stale = rng.chance(30);
                    let if_match = if stale {
                        Some(s.version + 1)
                    } else if rng.chance(50) {
                        Some(s.version)
                    } else {
                        None
                    };
                    let desc = format!("Topic {}", rng.below(50));
                    let got = code(run(w.ms.update_session(
                        &sp.id,
                        &s.id,
                        SessionUpdate {
                            description: Patch::Set(desc.clone()),
                            if_match,
                            ..Default::default()
                        },
                    )))
                    .map(|x| x.version.to_string());
                    let exp = match sess_err {
                        Some(c) => Err(c),
                        None if stale => Err(ErrorCode::Conflict),
                        None => {
                            ms.version += 1;
                            ms.description = Some(desc);
                            Ok(ms.version.to_string())
                        }
                    };
                    ("update_session".into(), exp, got)
                }
                43..=46 => {
                    let got =
                        code(run(w.ms.delete_session(&sp.id, &s.id))).map(|_| "ok".to_string());
                    let exp = match sess_err {
                        Some(c) => Err(c),
                        None => {
                            ms.deleted = true;
                            Ok("ok".into())
                        }
                    };
                    ("delete_session".into(), exp, got)
                }
                47..=69 => {
                    let n = 1 + rng.below(4) as usize;
                    let mut batch = Vec::new();
                    let mut bad = false;
                    for _ in 0..n {
                        let who = PEOPLE[rng.below(3) as usize];
                        let user = rng.chance(70);
                        bad |= user && !s.participants.iter().any(|p| p == who);
                        let t = rng
                            .chance(80)
                            .then(|| TYPES[rng.below(2) as usize].to_string());
                        batch.push(NewEvent {
                            body: json!({"content": format!("{who} says {}", rng.below(1000))}),
                            emitter: Emitter::new(if user { "user" } else { "agent" }, who),
                            event_type: t,
                        });
                    }
                    let got =
                        code(run(w.ms.post_events(&sp.id, &s.id, batch.clone()))).map(|evs| {
                            format!(
                                "{:?}",
                                evs.iter().map(|e| e.sequence_id).collect::<Vec<_>>()
                            )
                        });
                    let exp = match sess_err {
                        Some(c) => Err(c),
                        None if bad => Err(ErrorCode::Validation),
                        None => {
                            let start = ms.events.len() as u64;
                            ms.events
                                .extend(batch.into_iter().map(|e| Some((e.body, e.event_type))));
                            Ok(format!(
                                "{:?}",
                                (start..ms.events.len() as u64).collect::<Vec<_>>()
                            ))
                        }
                    };
                    ("post_events".into(), exp, got)
                }
                70..=84 => {
                    let filter = rng
                        .chance(30)
                        .then(|| TYPES[rng.below(2) as usize].to_string());
                    let q = if rng.chance(50) {
                        EventQuery {
                            last_n: Some(1 + rng.below(8)),
                            event_type: filter.clone(),
                            ..Default::default()
                        }
                    } else {
                        EventQuery {
                            offset: Some(rng.below(10)),
                            limit: Some(1 + rng.below(8)),
                            event_type: filter.clone(),
                            ..Default::default()
                        }
                    };
                    let got = code(run(w.ms.list_events(&sp.id, &s.id, q.clone()))).map(|evs| {
                        format!(
                            "{:?}",
                            evs.iter()
                                .map(|e| (e.sequence_id, e.body.clone()))
                                .collect::<Vec<_>>()
                        )
                    });
                    let exp = match sess_err {
                        Some(c) => Err(c),
                        None => {
                            let matching: Vec<(u64, serde_json::Value)> = ms
                                .events
                                .iter()
                                .enumerate()
                                .filter_map(|(i, e)| e.as_ref().map(|e| (i, e)))
                                .filter(|(_, (_, t))| filter.is_none() || t == &filter)
                                .map(|(i, (b, _))| (i as u64, b.clone()))
                                .collect();
                            let sel: Vec<_> = match q.last_n {
                                Some(n) => {
                                    matching[matching.len().saturating_sub(n as usize)..].to_vec()
                                }
                                None => matching
                                    .into_iter()
                                    .skip(q.offset.unwrap_or(0) as usize)
                                    .take(q.limit.unwrap_or(100) as usize)
                                    .collect(),
                            };
                            Ok(format!("{sel:?}"))
                        }
                    };
                    ("list_events".into(), exp, got)
                }
                85..=89 => {
                    let seq = rng.below(ms.events.len() as u64 + 2);
                    let body = json!({"edited": rng.below(100)});
                    let got = code(run(w.ms.update_event(
                        &sp.id,
                        &s.id,
                        EventUpdate {
                            sequence_id: seq,
                            body: Some(body.clone()),
                            ..Default::default()
                        },
                    )))
                    .map(|e| e.sequence_id.to_string());
                    let exp = match sess_err {
                        Some(c) => Err(c),
                        None => match ms.events.get_mut(seq as usize) {
                            None => Err(ErrorCode::NotFound),
                            Some(None) => Err(ErrorCode::Gone),
                            Some(Some(e)) => {
                                e.0 = body;
                                Ok(seq.to_string())
                            }
                        },
                    };
                    ("update_event".into(), exp, got)
                }
                90..=92 => {
                    let seq = rng.below(ms.events.len() as u64 + 2);
                    let got =
                        code(run(w.ms.delete_event(&sp.id, &s.id, seq))).map(|_| seq.to_string());
                    let exp = match sess_err {
                        Some(c) => Err(c),
                        None => match ms.events.get_mut(seq as usize) {
                            None => Err(ErrorCode::NotFound),
                            Some(None) => Err(ErrorCode::Gone),
                            Some(e) => {
                                *e = None;
                                Ok(seq.to_string())
                            }
                        },
                    };
                    ("delete_event".into(), exp, got)
                }
                _ => {
                    let got = code(run(w.ms.get_session(&sp.id, &s.id)))
                        .map(|x| format!("{} v{} n{}", x.id, x.version, x.event_count));
                    let exp = sess_err.map_or_else(
                        || Ok(format!("{} v{} n{}", s.id, s.version, s.events.len())),
                        Err,
                    );
                    ("get_session".into(), exp, got)
                }
            }
        }
    }
}

/// The whole visible state of the engine and of the model, in the same shape.
fn visible(w: &World, m: &Model) -> (String, String) {
    let mut eng = Vec::new();
    for sp in run(w.ms.list_spaces(Page::default())).unwrap() {
        let mut sessions = Vec::new();
        for s in run(w.ms.list_sessions(&sp.id, SessionFilter::default())).unwrap() {
            let evs = run(w.ms.list_events(&sp.id, &s.id, EventQuery::default())).unwrap();
            sessions.push((
                s.id,
                s.version,
                s.description,
                evs.into_iter()
                    .map(|e| (e.body, e.event_type))
                    .collect::<Vec<_>>(),
            ));
        }
        let billing = run(w.ms.list_sessions(
            &sp.id,
            SessionFilter {
                description: Some("bill".into()),
                ..Default::default()
            },
        ))
        .unwrap()
        .len();
        let bob = run(w.ms.list_sessions(
            &sp.id,
            SessionFilter {
                participants: Some(vec!["bob".into()]),
                ..Default::default()
            },
        ))
        .unwrap()
        .len();
        eng.push((sp.id, sp.description, sessions, billing, bob));
    }
    let mut model = Vec::new();
    for sp in m.spaces.iter().filter(|s| !s.deleted) {
        let live: Vec<&MSession> = sp.sessions.iter().filter(|s| !s.deleted).collect();
        let sessions: Vec<_> = live
            .iter()
            .take(100)
            .map(|s| {
                (
                    s.id.clone(),
                    s.version,
                    s.description.clone(),
                    s.events
                        .iter()
                        .flatten()
                        .take(100)
                        .cloned()
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let billing = live
            .iter()
            .filter(|s| {
                s.description
                    .as_ref()
                    .is_some_and(|d| d.to_lowercase().contains("bill"))
            })
            .count();
        let bob = live
            .iter()
            .filter(|s| s.participants.iter().any(|p| p == "bob"))
            .count();
        model.push((
            sp.id.clone(),
            sp.description.clone(),
            sessions,
            billing,
            bob,
        ));
    }
    (format!("{eng:?}"), format!("{model:?}"))
}

fn run_seed(seed: u64, steps: usize) -> std::result::Result<(), String> {
    let w = World::new();
    let mut m = Model::default();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    for i in 0..steps {
        let (op, exp, got) = step(&w, &mut m, &mut rng);
        if exp != got {
            return Err(format!(
                "seed {seed} step {i} {op}: model {exp:?} engine {got:?}"
            ));
        }
        let (eng, model) = visible(&w, &m);
        if eng != model {
            return Err(format!(
                "seed {seed} step {i} after {op}: states differ\nengine {eng}\nmodel  {model}"
            ));
        }
    }
    Ok(())
}

#[test]
fn random_operation_sequences_match_the_reference_model() {
    let seeds: Vec<u64> = match std::env::var("MEMSPACE_SEED") {
        Ok(s) => vec![s.parse().expect("MEMSPACE_SEED is a number")],
        Err(_) => (1..=40).collect(),
    };
    for seed in seeds {
        if let Err(msg) = run_seed(seed, 250) {
            panic!("{msg}\nrerun with MEMSPACE_SEED={seed}");
        }
    }
}
