//! Typed-read helpers: events tagged by number, rows of (sequence id, body, type), and the
//! exhaustive comparison of typed queries against the unfiltered list filtered.

use super::interleave::interleave;
use memspace::model::*;
use memspace::Memspace;
use serde_json::json;

pub fn go<T>(f: impl std::future::Future<Output = memspace::Result<T>>) -> memspace::Result<T> {
    interleave(vec![Box::pin(f)], 3).remove(0)
}

pub fn ev(tag: u64, ty: Option<&str>) -> NewEvent {
    NewEvent {
        body: json!({ "n": tag }),
        emitter: Emitter::new("agent", "bot"),
        event_type: ty.map(str::to_string),
    }
}

/// `n` events of type `ty`, tagged from `from`.
pub fn evs(from: u64, n: u64, ty: Option<&str>) -> Vec<NewEvent> {
    (from..from + n).map(|i| ev(i, ty)).collect()
}

pub type Row = (u64, serde_json::Value, Option<String>);

pub fn rows(e: &[Event]) -> Vec<Row> {
    e.iter()
        .map(|e| (e.sequence_id, e.body.clone(), e.event_type.clone()))
        .collect()
}

pub fn list(ms: &Memspace, sp: &str, s: &str, q: EventQuery) -> memspace::Result<Vec<Row>> {
    go(ms.list_events(sp, s, q)).map(|e| rows(&e))
}

pub fn all(ms: &Memspace, sp: &str, s: &str, ty: Option<&str>) -> memspace::Result<Vec<Row>> {
    let mut out = Vec::new();
    loop {
        let page = list(
            ms,
            sp,
            s,
            EventQuery {
                offset: Some(out.len() as u64),
                limit: Some(100),
                event_type: ty.map(str::to_string),
                ..Default::default()
            },
        )?;
        let n = page.len();
        out.extend(page);
        if n < 100 {
            return Ok(out);
        }
    }
}

/// Every typed query of `types` against the unfiltered list filtered: `lastN` 1..=100 and
/// pages of 1, 16, 17 and 100 at every offset. Returns the first difference.
pub fn exhaustive(ms: &Memspace, sp: &str, s: &str, types: &[&str]) -> Result<(), String> {
    let unfiltered = all(ms, sp, s, None).map_err(|e| e.to_string())?;
    for ty in types {
        let want = of_type(&unfiltered, ty);
        for n in 1..=100u64 {
            let q = EventQuery {
                last_n: Some(n),
                event_type: Some(ty.to_string()),
                ..Default::default()
            };
            let got = list(ms, sp, s, q).map_err(|e| format!("{ty} lastN {n}: {e}"))?;
            let tail = &want[want.len().saturating_sub(n as usize)..];
            if got != tail {
                return Err(format!(
                    "{ty} lastN {n}: got {:?}, want {:?}",
                    seqs_of(&got),
                    seqs_of(tail)
                ));
            }
        }
        for limit in [1u64, 16, 17, 100] {
            let step = if limit == 1 { 1 } else { 5 };
            for offset in (0..=want.len() as u64 + 1).step_by(step) {
                let q = EventQuery {
                    offset: Some(offset),
                    limit: Some(limit),
                    event_type: Some(ty.to_string()),
                    ..Default::default()
                };
                let got = list(ms, sp, s, q)
                    .map_err(|e| format!("{ty} offset {offset} limit {limit}: {e}"))?;
                let page: Vec<Row> = want
                    .iter()
                    .skip(offset as usize)
                    .take(limit as usize)
                    .cloned()
                    .collect();
                if got != page {
                    return Err(format!(
                        "{ty} offset {offset} limit {limit}: got {:?}, want {:?}",
                        seqs_of(&got),
                        seqs_of(&page)
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The rows of `rows` whose event type is `ty`, in order: what a typed listing must answer.
pub fn of_type(rows: &[Row], ty: &str) -> Vec<Row> {
    rows.iter()
        .filter(|r| r.2.as_deref() == Some(ty))
        .cloned()
        .collect()
}

pub fn seqs_of(r: &[Row]) -> Vec<u64> {
    r.iter().map(|r| r.0).collect()
}
