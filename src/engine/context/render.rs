//! How each part of the memory context is written as text. Pure and deterministic: the same
//! blocks always render to the same bytes (no times, versions or counters in the text),
//! which is what keeps the block snapshot stable for prefix caching.

use crate::model::{ArchivalMatch, Event, MemoryBlock};
use serde_json::Value;

/// An attribute value with `& < > "` escaped.
fn attr(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// One block: `<block type="…" description="…">` content `</block>`.
pub(crate) fn block(b: &MemoryBlock) -> String {
    let mut out = format!("<block type=\"{}\"", attr(&b.block_type));
    if let Some(d) = &b.description {
        out.push_str(&format!(" description=\"{}\"", attr(d)));
    }
    if b.read_only {
        out.push_str(" read_only=\"true\"");
    }
    out.push_str(">\n");
    out.push_str(&b.content);
    if !b.content.is_empty() && !b.content.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("</block>");
    out
}

/// The opening and closing lines of a core-memory part.
pub(crate) fn blocks_wrapper(agent_id: Option<&str>) -> (String, &'static str) {
    let open = match agent_id {
        None => "<core_memory scope=\"user\">".to_string(),
        Some(a) => format!("<core_memory scope=\"agent\" agent=\"{}\">", attr(a)),
    };
    (open, "</core_memory>")
}

/// The readable text of an event body: its `content` string when it has one, else its
/// string leaves joined by spaces.
pub(crate) fn event_text(body: &Value) -> String {
    fn leaves(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(items) => items.iter().for_each(|i| leaves(i, out)),
            Value::Object(map) => map.values().for_each(|i| leaves(i, out)),
            _ => {}
        }
    }
    if let Some(Value::String(s)) = body.get("content") {
        return s.clone();
    }
    let mut parts = Vec::new();
    leaves(body, &mut parts);
    parts.join(" ")
}

/// One event as a line: `[kind id] text`.
pub(crate) fn event(e: &Event) -> String {
    let who = match &e.emitter.id {
        Some(id) => format!("{} {}", e.emitter.kind, id),
        None => e.emitter.kind.clone(),
    };
    format!("[{who}] {}", event_text(&e.body))
}

/// The opening and closing lines of the events part.
pub(crate) fn events_wrapper(session_id: &str) -> (String, &'static str) {
    (
        format!("<conversation session=\"{}\">", attr(session_id)),
        "</conversation>",
    )
}

/// One archival match as a list item (continuation lines indented).
pub(crate) fn archival(m: &ArchivalMatch) -> String {
    format!("- {}", m.content.replace('\n', "\n  "))
}

/// The opening and closing lines of the archival part.
pub(crate) fn archival_wrapper(query: &str) -> (String, &'static str) {
    (
        format!("<archival_memory query=\"{}\">", attr(query)),
        "</archival_memory>",
    )
}

/// A part's text from its wrapper and items (empty when there are no items).
pub(crate) fn part(open: &str, items: &[&str], close: &str) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut out = String::from(open);
    for i in items {
        out.push('\n');
        out.push_str(i);
    }
    out.push('\n');
    out.push_str(close);
    out
}
