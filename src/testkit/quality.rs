//! The seeded quality generator: multi-session histories of facts about people, with facts
//! that change (superseded by logical key, or by rewriting the memory), forgotten memories
//! (soft and hard), near-duplicate people (`Jon Mills` / `John Mills`), expiring memories,
//! episodic noise, and two queries per current fact: a **keyword** query (the fact's own
//! words) and a **paraphrase** (other words of the same meaning, which only a semantic
//! channel bridges). Nothing is downloaded; the same seed gives the same history.

use super::corpus::{CITIES, FIRST, LAST};
use super::rng::Rng;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// One memory the history creates.
#[derive(Debug, Clone, PartialEq)]
pub struct GenMemory {
    /// Content.
    pub content: String,
    /// Type.
    pub kind: &'static str,
    /// Subtype.
    pub subtype: &'static str,
    /// Tags.
    pub tags: Vec<String>,
    /// Logical key (a fact that later memories with the same key supersede).
    pub logical_key: Option<String>,
    /// Importance.
    pub importance: f32,
    /// Expires this many seconds after creation.
    pub expires_after: Option<i64>,
}

/// One step of the history, at a time in seconds from its start.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Remember memory `i` (superseding any live memory with its logical key).
    Remember(usize),
    /// Rewrite memory `target`'s content to memory `with`'s content (the old text is stale).
    Rewrite {
        /// The memory rewritten.
        target: usize,
        /// The memory (never remembered itself) whose content it takes.
        with: usize,
    },
    /// Forget memory `i`.
    Forget {
        /// The memory.
        target: usize,
        /// Hard (erase) rather than soft.
        hard: bool,
    },
}

/// A query and what a correct recall does with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Query text.
    pub text: String,
    /// A paraphrase (true) or a keyword query (false).
    pub paraphrase: bool,
    /// The memory holding the current answer (`None`: nothing valid answers it).
    pub expected: Option<usize>,
    /// Contents that are no longer true (must never be returned).
    pub stale: Vec<String>,
}

/// A generated history.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// Every memory (some only as rewrite sources).
    pub memories: Vec<GenMemory>,
    /// Steps in time order: (seconds from start, step).
    pub steps: Vec<(i64, Step)>,
    /// Queries, asked at `end`.
    pub queries: Vec<Query>,
    /// Memories forgotten by the end.
    pub forgotten: Vec<usize>,
    /// Memories expired by the end.
    pub expired: Vec<usize>,
    /// Memories superseded by key by the end.
    pub superseded: Vec<usize>,
    /// When the queries are asked (seconds from start).
    pub end: i64,
}

const NEAR: &[(&str, &str)] = &[
    ("Jon", "John"),
    ("Ana", "Anna"),
    ("Eric", "Erik"),
    ("Sara", "Sarah"),
    ("Mark", "Marc"),
    ("Katrin", "Katrina"),
    ("Alex", "Alexa"),
    ("Leon", "Leona"),
    ("Nina", "Nino"),
    ("Theo", "Thea"),
];
const JOBS: &[&str] = &[
    "nurse",
    "architect",
    "data engineer",
    "teacher",
    "chef",
    "pilot",
    "lawyer",
    "pharmacist",
    "plumber",
    "translator",
];
const PETS: &[&str] = &["dog", "cat", "parrot", "rabbit", "tortoise"];
const PET_NAMES: &[&str] = &[
    "Biscuit", "Pepper", "Mochi", "Rex", "Luna", "Kiwi", "Ziggy", "Olive",
];
const FOODS: &[&str] = &[
    "thai",
    "italian",
    "ethiopian",
    "mexican",
    "georgian",
    "korean",
];
const SPORTS: &[&str] = &["tennis", "chess", "football", "badminton", "volleyball"];
const LANGS: &[&str] = &[
    "Portuguese",
    "Japanese",
    "Swahili",
    "Polish",
    "Turkish",
    "Greek",
];
const MONTHS: &[&str] = &["January", "March", "May", "July", "September", "November"];
const PROJECTS: &[&str] = &[
    "billing",
    "search",
    "onboarding",
    "analytics",
    "payments",
    "mobile",
];

struct Builder {
    h: History,
}

impl Builder {
    fn mem(
        &mut self,
        content: String,
        kind: &'static str,
        subtype: &'static str,
        key: Option<String>,
        tags: &[&str],
    ) -> usize {
        self.h.memories.push(GenMemory {
            content,
            kind,
            subtype,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            logical_key: key,
            importance: 0.5,
            expires_after: None,
        });
        self.h.memories.len() - 1
    }
    fn at(&mut self, t: i64, s: Step) {
        self.h.steps.push((t, s));
    }
    fn ask(&mut self, kw: String, para: String, expected: Option<usize>, stale: Vec<String>) {
        self.h.queries.push(Query {
            text: kw,
            paraphrase: false,
            expected,
            stale: stale.clone(),
        });
        self.h.queries.push(Query {
            text: para,
            paraphrase: true,
            expected,
            stale,
        });
    }
}

/// A history about `people` people (near-duplicate pairs included) from `seed`.
pub fn history(seed: u64, people: usize) -> History {
    let mut r = Rng::new(seed);
    let mut names: Vec<String> = Vec::new();
    let mut i = 0;
    while names.len() < people {
        let last = LAST[(i / 2 + r.below(3)) % LAST.len()];
        if i % 5 == 0 && names.len() + 2 <= people {
            let (a, b) = NEAR[(i / 5) % NEAR.len()];
            names.push(format!("{a} {last}"));
            names.push(format!("{b} {last}"));
        } else {
            names.push(format!(
                "{} {last}",
                FIRST[(i * 7 + r.below(5)) % FIRST.len()]
            ));
        }
        names.sort();
        names.dedup();
        i += 1;
    }
    let mut b = Builder {
        h: History {
            memories: vec![],
            steps: vec![],
            queries: vec![],
            forgotten: vec![],
            expired: vec![],
            superseded: vec![],
            end: 90 * DAY,
        },
    };
    for (pi, n) in names.iter().enumerate() {
        let slug = n.to_lowercase().replace(' ', "_");
        let t0 = (pi as i64 % 10) * 3600 + r.below(3600) as i64;
        // City: superseded by key once or twice.
        let c0 = *r.pick(CITIES);
        let m = b.mem(
            format!("{n} lives in {c0}"),
            "semantic",
            "profile",
            Some(format!("{slug}.city")),
            &["location"],
        );
        b.at(t0, Step::Remember(m));
        let mut current = m;
        let mut stale = vec![];
        for (k, day) in [30, 60].into_iter().enumerate() {
            if k == 0 || r.chance(0.5) {
                // A city not lived in before: moving back would repeat an earlier text, which
                // memory deduplication answers with the earlier memory.
                let c = loop {
                    let c = *r.pick(CITIES);
                    let text = format!("{n} moved to {c}");
                    if c != c0 && !b.h.memories.iter().any(|m| m.content == text) {
                        break c;
                    }
                };
                stale.push(b.h.memories[current].content.clone());
                b.h.superseded.push(current);
                let m = b.mem(
                    format!("{n} moved to {c}"),
                    "semantic",
                    "profile",
                    Some(format!("{slug}.city")),
                    &["location"],
                );
                b.at(day * DAY + t0, Step::Remember(m));
                current = m;
            }
        }
        b.ask(
            format!("{n} city"),
            format!("Which town is {n} based in now?"),
            Some(current),
            stale,
        );
        // Job: changed by rewriting the memory for half of the people.
        let j0 = *r.pick(JOBS);
        let m = b.mem(
            format!("{n} works as a {j0}"),
            "semantic",
            "profile",
            None,
            &["work"],
        );
        b.at(t0 + 60, Step::Remember(m));
        let mut stale = vec![];
        if r.chance(0.5) {
            let j1 = JOBS[(JOBS.iter().position(|j| *j == j0).unwrap_or(0)
                + 1
                + r.below(JOBS.len() - 1))
                % JOBS.len()];
            let w = b.mem(
                format!("{n} works as a {j1}"),
                "semantic",
                "profile",
                None,
                &["work"],
            );
            stale.push(b.h.memories[m].content.clone());
            b.at(45 * DAY + t0, Step::Rewrite { target: m, with: w });
        }
        b.ask(
            format!("{n} works"),
            format!("What is {n}'s career?"),
            Some(m),
            stale,
        );
        // Stable facts.
        let pet = b.mem(
            format!(
                "{n}'s pet is a {} called {}",
                r.pick(PETS),
                r.pick(PET_NAMES)
            ),
            "semantic",
            "entity",
            Some(format!("{slug}.pet")),
            &["pets"],
        );
        b.at(t0 + 120, Step::Remember(pet));
        let food = b.mem(
            format!("{n} loves {} food", r.pick(FOODS)),
            "semantic",
            "preference",
            None,
            &["food"],
        );
        b.at(30 * DAY + t0 + 120, Step::Remember(food));
        let sport = b.mem(
            format!("{n} plays {} on weekends", r.pick(SPORTS)),
            "semantic",
            "preference",
            None,
            &["hobby"],
        );
        b.at(30 * DAY + t0 + 180, Step::Remember(sport));
        let lang = b.mem(
            format!("{n} speaks {} fluently", r.pick(LANGS)),
            "semantic",
            "profile",
            None,
            &[],
        );
        b.at(60 * DAY + t0 + 60, Step::Remember(lang));
        let born = b.mem(
            format!("{n} was born on {} {}", r.pick(MONTHS), 1 + r.below(28)),
            "semantic",
            "profile",
            Some(format!("{slug}.birthday")),
            &[],
        );
        b.at(60 * DAY + t0 + 120, Step::Remember(born));
        // Forgetting: a pet (hard) or a food preference (soft) for some people.
        let forget = match r.below(6) {
            0 => Some((pet, true)),
            1 => Some((food, false)),
            _ => None,
        };
        if let Some((f, hard)) = forget {
            b.at(75 * DAY + t0, Step::Forget { target: f, hard });
            b.h.forgotten.push(f);
        }
        let pet_ok = forget.is_none_or(|x| x.0 != pet);
        let food_ok = forget.is_none_or(|x| x.0 != food);
        b.ask(
            format!("{n} pet"),
            format!("Does {n} own an animal?"),
            pet_ok.then_some(pet),
            vec![],
        );
        b.ask(
            format!("{n} food"),
            format!("What cuisine does {n} enjoy?"),
            food_ok.then_some(food),
            vec![],
        );
        b.ask(
            format!("{n} plays"),
            format!("Which game does {n} like?"),
            Some(sport),
            vec![],
        );
        b.ask(
            format!("{n} speaks"),
            format!("Which language is {n} fluent in?"),
            Some(lang),
            vec![],
        );
        b.ask(
            format!("{n} born"),
            format!("When is {n}'s birthday?"),
            Some(born),
            vec![],
        );
        // An expiring plan: a visit that is over by the end.
        let city = *r.pick(CITIES);
        let visit = b.mem(
            format!("{n} is visiting {city} this week"),
            "episodic",
            "event",
            None,
            &["travel"],
        );
        b.h.memories[visit].expires_after = Some(7 * DAY);
        b.at(50 * DAY + t0, Step::Remember(visit));
        b.h.expired.push(visit);
        // Episodic noise.
        for k in 0..2 {
            let p = *r.pick(PROJECTS);
            let m = b.mem(
                format!("Call with {n} about the {p} project went well"),
                "episodic",
                "event",
                None,
                &["meetings"],
            );
            b.at((10 + 20 * k) * DAY + t0, Step::Remember(m));
        }
    }
    b.h.steps.sort_by_key(|s| s.0);
    b.h
}

/// Scores of one channel configuration over a history's queries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scores {
    /// Queries with an expected memory.
    pub queries: usize,
    /// Share answered first.
    pub recall_at_1: f64,
    /// Share answered in the top five.
    pub recall_at_5: f64,
    /// Mean reciprocal rank (within the results returned).
    pub mrr: f64,
    /// Queries whose results held a stale (no longer true) content.
    pub stale_results: usize,
    /// Results that were forgotten or expired memories.
    pub deleted_results: usize,
}

impl Scores {
    /// Adds one query's ranked result contents (best first); `ids` are the memory indexes
    /// the results correspond to where known.
    pub fn add(&mut self, q: &Query, history: &History, ranked: &[(Option<usize>, String)]) {
        if q.stale.iter().any(|s| ranked.iter().any(|r| r.1 == *s)) {
            self.stale_results += 1;
        }
        self.deleted_results += ranked
            .iter()
            .filter(|r| {
                r.0.is_some_and(|i| history.forgotten.contains(&i) || history.expired.contains(&i))
            })
            .count();
        let Some(want) = q.expected else { return };
        self.queries += 1;
        if let Some(pos) = ranked.iter().position(|r| r.0 == Some(want)) {
            self.mrr += 1.0 / (pos as f64 + 1.0);
            if pos == 0 {
                self.recall_at_1 += 1.0;
            }
            if pos < 5 {
                self.recall_at_5 += 1.0;
            }
        }
    }

    /// Turns sums into rates.
    pub fn finish(mut self) -> Self {
        let n = self.queries.max(1) as f64;
        self.recall_at_1 /= n;
        self.recall_at_5 /= n;
        self.mrr /= n;
        self
    }
}

/// Plays `history` into a fresh in-memory space through the public API (remember, update,
/// forget, with the clock moved to each step's time) and scores recall three ways: lexical
/// (no embedder), vector (the query's vector alone) and fused (text and vector). `dims` is
/// the test embedder's dimension count. Runs on the synchronous executor.
pub fn evaluate(history: &History, dims: usize) -> crate::Result<Vec<(&'static str, Scores)>> {
    use crate::host::{HashEmbedder, ManualHost};
    use crate::kv::MemoryKv;
    use crate::model::{MemoryType, MemoryUpdate, NewMemory, NewSpace, Principal, RecallQuery};
    use crate::runtime::block_on;
    use crate::time::Timestamp;
    use crate::Memspace;
    use std::rc::Rc;

    let start = Timestamp::from_secs(1_767_225_600);
    let host = ManualHost::new(start, 5);
    let kv = Rc::new(MemoryKv::new());
    let embedder = Rc::new(HashEmbedder::new(dims));
    let principal = Principal::new("quality", "quality");
    let ms = Memspace::new(kv.clone(), Rc::new(host.clone()), principal.clone())?
        .with_embedder(embedder.clone());
    let run = |f: std::pin::Pin<Box<dyn std::future::Future<Output = crate::Result<()>> + '_>>| {
        block_on(f).and_then(|r| r)
    };
    let space = block_on(ms.create_space(NewSpace::default()))??.id;
    let mut ids: Vec<Option<String>> = vec![None; history.memories.len()];
    for (t, step) in &history.steps {
        host.set_now(start.plus_secs(*t));
        match step {
            Step::Remember(i) => {
                let g = &history.memories[*i];
                let input = NewMemory {
                    content: g.content.clone(),
                    memory_type: MemoryType::parse(g.kind),
                    subtype: crate::model::MemorySubtype::parse(g.subtype),
                    importance: Some(g.importance as f64),
                    tags: g.tags.clone(),
                    logical_key: g.logical_key.clone(),
                    expires_at: g.expires_after.map(|e| start.plus_secs(*t + e)),
                    ..Default::default()
                };
                let r = block_on(ms.remember(&space, input))??;
                ids[*i] = Some(r.memory.id);
            }
            Step::Rewrite { target, with } => {
                let Some(id) = ids[*target].clone() else {
                    continue;
                };
                let content = history.memories[*with].content.clone();
                let up = MemoryUpdate {
                    content: Some(content),
                    ..Default::default()
                };
                run(Box::pin(async {
                    ms.update_memory(&space, &id, up).await.map(|_| ())
                }))?;
            }
            Step::Forget { target, hard } => {
                let Some(id) = ids[*target].clone() else {
                    continue;
                };
                run(Box::pin(async {
                    ms.forget_memory(&space, &id, *hard).await
                }))?;
            }
        }
    }
    host.set_now(start.plus_secs(history.end));
    let lexical = Memspace::new(kv.clone(), Rc::new(host.clone()), principal)?;
    let index_of: std::collections::HashMap<String, usize> = ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| id.clone().map(|id| (id, i)))
        .collect();
    let mut out = Vec::new();
    for name in ["lexical", "vector", "fused"] {
        let mut s = Scores::default();
        for q in &history.queries {
            let mut rq = RecallQuery {
                query: q.text.clone(),
                min_relevance: Some(0.0),
                include_associations: Some(false),
                ..Default::default()
            };
            let handle = if name == "lexical" { &lexical } else { &ms };
            if name == "vector" {
                rq.query = String::new();
                rq.embedding = Some(embedder.vector(&q.text));
            }
            let r = block_on(handle.recall(&space, rq))??;
            let ranked: Vec<(Option<usize>, String)> = r
                .memories
                .iter()
                .map(|m| {
                    (
                        index_of.get(&m.memory.id).copied(),
                        m.memory.content.clone(),
                    )
                })
                .collect();
            s.add(q, history, &ranked);
        }
        out.push((name, s.finish()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histories_are_seeded_and_hold_every_kind_of_change() {
        let h = history(1, 30);
        assert_eq!(h, history(1, 30));
        assert!(h.memories.len() > 200);
        assert!(!h.forgotten.is_empty() && !h.expired.is_empty() && !h.superseded.is_empty());
        assert!(h.steps.iter().any(|s| matches!(s.1, Step::Rewrite { .. })));
        assert!(h
            .steps
            .iter()
            .any(|s| matches!(s.1, Step::Forget { hard: true, .. })));
        assert!(
            h.memories.iter().any(|m| m.content.starts_with("John "))
                && h.memories.iter().any(|m| m.content.starts_with("Jon "))
        );
        assert!(h.steps.windows(2).all(|w| w[0].0 <= w[1].0));
        assert!(
            h.queries.iter().any(|q| q.paraphrase) && h.queries.iter().any(|q| !q.stale.is_empty())
        );
    }
}
