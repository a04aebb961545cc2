//! A seeded generator of memory-like texts for benchmarks (10k, 100k, …): short facts,
//! preferences, episodes and procedures about a population of people, projects and tools,
//! with a Zipf-like vocabulary, plus keyword queries drawn from the same distribution.

use super::rng::Rng;

/// First names (also used by the quality generator).
pub const FIRST: &[&str] = &[
    "Alice", "Bob", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemal",
    "Lena", "Marco", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma", "Viktor",
    "Wen", "Yara", "Zoltan", "Amara", "Bruno", "Chloe", "Diego", "Esther", "Felix", "Greta",
    "Hassan", "Irene", "Jamal", "Keiko", "Luca", "Maya", "Nils", "Olga", "Pablo", "Rania",
    "Stefan", "Tomas", "Vera", "Willem",
];
/// Last names.
pub const LAST: &[&str] = &[
    "Moreno", "Berg", "Okafor", "Tanaka", "Novak", "Silva", "Fischer", "Haddad", "Kowalski",
    "Larsen", "Mendes", "Nguyen", "Ortiz", "Petrov", "Quinn", "Rossi", "Schmidt", "Thorne",
    "Varga", "Weber", "Yilmaz", "Zhang", "Abbott", "Bianchi", "Castro", "Duarte", "Eriksen",
    "Ferreira", "Gallo", "Hansen",
];
/// Cities.
pub const CITIES: &[&str] = &[
    "Lisbon",
    "Porto",
    "Berlin",
    "Munich",
    "Osaka",
    "Kyoto",
    "Nairobi",
    "Lagos",
    "Toronto",
    "Denver",
    "Austin",
    "Seattle",
    "Madrid",
    "Valencia",
    "Krakow",
    "Prague",
    "Vienna",
    "Oslo",
    "Bergen",
    "Dublin",
    "Cork",
    "Lyon",
    "Marseille",
    "Istanbul",
    "Izmir",
    "Seoul",
    "Busan",
    "Hanoi",
    "Lima",
    "Quito",
];
const TOPICS: &[&str] = &[
    "billing",
    "onboarding",
    "search",
    "latency",
    "caching",
    "pricing",
    "migration",
    "security",
    "analytics",
    "mobile",
    "payments",
    "notifications",
    "reporting",
    "accessibility",
    "localization",
    "backups",
    "quota",
    "indexing",
    "sharding",
    "logging",
    "alerting",
    "dashboards",
    "permissions",
    "invoices",
    "exports",
];
const TOOLS: &[&str] = &[
    "postgres",
    "redis",
    "kafka",
    "nginx",
    "terraform",
    "kubernetes",
    "webpack",
    "vite",
    "django",
    "rails",
    "spark",
    "airflow",
    "grafana",
    "sentry",
    "stripe",
    "twilio",
    "elastic",
    "clickhouse",
    "sqlite",
    "deno",
];
const TEMPLATES: &[&str] = &[
    "{p} prefers {t} for {x} work and asked to keep using it",
    "Meeting with {p} about {x}: agreed to move the {x} service to {t} next sprint",
    "{p} reported slow {x} queries in {c}; the cause was a missing {t} index",
    "To fix {x} errors in {t}, restart the worker and clear the {x} queue",
    "{p} lives in {c} and works on {x} for the {t} team",
    "Decision: {x} data stays in {t}; {p} owns the rollout in {c}",
    "{p} dislikes long {x} meetings and prefers written {t} notes",
    "The {x} dashboard in {t} shows errors spiking every Monday in {c}",
    "Checklist for {x}: back up {t}, run the migration, notify {p}",
    "{p} is travelling to {c} for the {x} workshop with the {t} vendor",
];

/// One generated text with a short id-like tag set.
#[derive(Debug, Clone)]
pub struct Doc {
    /// Text.
    pub text: String,
    /// Tags (topic and tool).
    pub tags: Vec<String>,
}

fn zipf(r: &mut Rng, n: usize) -> usize {
    // Rank-frequency ∝ 1/rank (inverse transform over harmonic weights, approximated).
    let u = r.unit();
    let h = (n as f64).ln() + 0.5772;
    let k = (u * h).exp() - 1.0;
    (k as usize).min(n - 1)
}

/// `n` memory-like texts from `seed`.
pub fn docs(seed: u64, n: usize) -> Vec<Doc> {
    let mut r = Rng::new(seed);
    (0..n)
        .map(|i| {
            let p = format!(
                "{} {}",
                FIRST[zipf(&mut r, FIRST.len())],
                LAST[zipf(&mut r, LAST.len())]
            );
            let x = TOPICS[zipf(&mut r, TOPICS.len())];
            let t = TOOLS[zipf(&mut r, TOOLS.len())];
            let c = CITIES[zipf(&mut r, CITIES.len())];
            let tpl = TEMPLATES[r.below(TEMPLATES.len())];
            let mut text = tpl
                .replace("{p}", &p)
                .replace("{x}", x)
                .replace("{t}", t)
                .replace("{c}", c);
            text.push_str(&format!(
                " (ticket {}-{})",
                x.to_uppercase(),
                1000 + i % 9000
            ));
            Doc {
                text,
                tags: vec![x.to_string(), t.to_string()],
            }
        })
        .collect()
}

/// `n` keyword queries (two or three words from the corpus vocabulary).
pub fn queries(seed: u64, n: usize) -> Vec<String> {
    let mut r = Rng::new(seed ^ 0x5eed);
    (0..n)
        .map(|_| match r.below(3) {
            0 => format!(
                "{} {}",
                TOPICS[zipf(&mut r, TOPICS.len())],
                TOOLS[zipf(&mut r, TOOLS.len())]
            ),
            1 => format!(
                "{} {} {}",
                FIRST[zipf(&mut r, FIRST.len())],
                LAST[zipf(&mut r, LAST.len())],
                TOPICS[r.below(TOPICS.len())]
            ),
            _ => format!(
                "{} errors {}",
                TOPICS[r.below(TOPICS.len())],
                CITIES[zipf(&mut r, CITIES.len())]
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_benchmark_corpus_is_deterministic() {
        assert_eq!(
            super::docs(1, 50)
                .iter()
                .map(|d| &d.text)
                .collect::<Vec<_>>(),
            super::docs(1, 50)
                .iter()
                .map(|d| &d.text)
                .collect::<Vec<_>>()
        );
        assert_ne!(super::docs(1, 5)[0].text, super::docs(2, 5)[0].text);
        assert_eq!(super::queries(3, 10).len(), 10);
    }
}
