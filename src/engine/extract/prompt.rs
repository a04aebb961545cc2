//! The prompt contract: our system prompt, the space's custom instructions, the output format,
//! and the transcript of one chunk of events cut to a token budget. (docs/extraction.md
//! quotes these texts; change both together.)

use crate::host::{LlmFormat, LlmMessage, LlmRequest, LlmRole};
use crate::model::{Event, JobCursor, Space};
use crate::time::Timestamp;
use serde_json::Value;
use std::collections::BTreeMap;

/// Our instructions: what to extract and how.
pub(crate) const SYSTEM_PROMPT: &str = "\
You are the memory extractor of an AI agent. You read part of a conversation between a user \
and the agent and write down what is worth remembering in later conversations: durable facts \
about the user and the people, places, projects and things they mention; their preferences; \
notable events; and instructions they gave the agent.

Rules:
- One memory per fact. Write each as a short, self-contained sentence in the third person \
that makes sense without the conversation (\"The user lives in Lisbon\", not \"He moved there\").
- Only what the conversation states or clearly implies. Never invent or guess.
- Skip greetings, small talk, questions that were not answered, and what the agent says \
about itself unless the user confirmed it.
- When a fact can change over time (where the user lives or works, their name, the status or \
date of a plan), give it a logicalKey: a short dotted name such as user.city, user.employer, \
user.name or project.deadline. Reuse a known key when it is the same fact, so the newer memory \
replaces the older one. Facts that do not change get no logicalKey.
- importance from 0 to 1: 0.9 identity and hard constraints (names, allergies), 0.7 stable \
preferences and facts, 0.5 ordinary details, 0.3 trivia.
- If nothing is worth remembering, return an empty list.";

/// The output format, always last so custom instructions cannot displace it.
pub(crate) const OUTPUT_CONTRACT: &str = "\
Output format: answer with one JSON object and nothing else:
{\"memories\": [{\"content\": \"…\", \"category\": \"fact\" | \"preference\" | \"event\" | \"instruction\", \
\"type\": \"semantic\" | \"episodic\" | \"procedural\", \
\"subtype\": \"profile\" | \"entity\" | \"preference\" | \"decision\" | \"event\" | \"directive\" | \
\"workflow\" | \"solution\" | \"problem\" | \"fix\" | \"error\" | \"code_pattern\", \
\"importance\": 0.7, \"tags\": [\"…\"], \"logicalKey\": \"user.city\" or null, \
\"sourceEvents\": [sequence ids of the lines it comes from]}]}
A fact is semantic (subtype profile for the user, entity for anything else), a preference is \
semantic/preference, an event is episodic/event, an instruction is procedural/directive.";

/// Heads the session's working context (when it has any), before the conversation.
pub(crate) const WORKING_CONTEXT_INTRO: &str = "\
Working context the agent holds for this session (\"key: JSON value\", one per line). Use it to \
understand the conversation; it may itself hold facts worth remembering (cite no sourceEvents \
for those):\n";

/// The system message: our prompt, the space's custom instructions, known keys, category
/// filter, then the output format.
pub(crate) fn system_message(
    custom: Option<&str>,
    known_keys: &[String],
    categories: &[String],
) -> String {
    let mut s = String::from(SYSTEM_PROMPT);
    if let Some(c) = custom.map(str::trim).filter(|c| !c.is_empty()) {
        s.push_str(
            "\n\nInstructions of this memory space (they take precedence over the rules above, \
             not over the output format):\n",
        );
        s.push_str(c);
    }
    if !known_keys.is_empty() {
        s.push_str("\n\nKnown logical keys in this memory space: ");
        s.push_str(&known_keys.join(", "));
    }
    if !categories.is_empty() {
        s.push_str("\n\nExtract only memories of these categories: ");
        s.push_str(&categories.join(", "));
    }
    s.push_str("\n\n");
    s.push_str(OUTPUT_CONTRACT);
    s
}

/// The request for one chunk.
pub(crate) fn request(
    space: &Space,
    system: String,
    session_id: &str,
    working: &[String],
    chunk: &Chunk,
    max_tokens: u32,
) -> LlmRequest {
    let mut user = String::new();
    if !working.is_empty() {
        user.push_str(WORKING_CONTEXT_INTRO);
        user.push_str(&working.join("\n"));
        user.push_str("\n\n");
    }
    user.push_str(&format!(
        "Conversation to extract memories from: session {session_id}, events {}–{}",
        chunk.first_seq, chunk.last_seq
    ));
    if chunk.start != JobCursor::default() {
        user.push_str(" (continuing: earlier events were extracted already)");
    }
    user.push_str(
        ".\nEach line is \"[sequence id] speaker: text\"; cite the ids in sourceEvents.\n\n",
    );
    user.push_str(&chunk.lines.join("\n"));
    LlmRequest {
        purpose: "extraction".into(),
        model: space.llm_model_name.clone(),
        base_url: space.llm_base_url.clone(),
        messages: vec![
            LlmMessage::new(LlmRole::System, system),
            LlmMessage::new(LlmRole::User, user),
        ],
        format: LlmFormat::Json,
        max_tokens: Some(max_tokens),
        temperature: Some(0.0),
    }
}

/// The text of an event body: its `content` string when it has one, the body itself when it
/// is a string, else its string leaves, else its compact JSON.
pub(crate) fn body_text(body: &Value) -> String {
    if let Some(s) = body.get("content").and_then(Value::as_str) {
        return s.to_string();
    }
    if let Some(s) = body.as_str() {
        return s.to_string();
    }
    let mut out = String::new();
    leaves(body, &mut out);
    if out.trim().is_empty() {
        body.to_string()
    } else {
        out
    }
}

fn leaves(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(s);
        }
        Value::Array(items) => items.iter().for_each(|i| leaves(i, out)),
        Value::Object(map) => map.values().for_each(|i| leaves(i, out)),
        _ => {}
    }
}

/// `user (u1)`, `agent (bot) [tool_output]`.
fn speaker(e: &Event) -> String {
    let mut s = e.emitter.kind.clone();
    if let Some(id) = &e.emitter.id {
        s.push_str(&format!(" ({id})"));
    }
    if let Some(t) = e.event_type.as_deref().filter(|t| *t != "message") {
        s.push_str(&format!(" [{t}]"));
    }
    s
}

/// The transcript lines of one event: one line, or parts of at most `budget` tokens each when
/// the event alone is longer than that (continuation lines are indented).
pub(crate) fn event_parts(e: &Event, budget: u64, count: &dyn Fn(&str) -> u64) -> Vec<String> {
    let text = body_text(&e.body).trim().replace('\n', "\n    ");
    let who = speaker(e);
    let whole = format!("[{}] {who}: {text}", e.sequence_id);
    if count(&whole) <= budget {
        return vec![whole];
    }
    let chars: Vec<char> = text.chars().collect();
    let mut k = (count(&whole) / budget.max(1) + 1).max(2) as usize;
    loop {
        let parts = split_even(&chars, k);
        let lines: Vec<String> = parts
            .iter()
            .enumerate()
            .map(|(i, p)| format!("[{}] {who} (part {}/{}): {p}", e.sequence_id, i + 1, k))
            .collect();
        // Stop when every part fits, or when parts are single characters (a budget smaller
        // than a header: the chunker then sends one part per call).
        if lines.iter().all(|l| count(l) <= budget) || k >= chars.len().max(1) {
            return lines;
        }
        k = (k * 2).min(chars.len().max(1));
    }
}

/// `chars` in `k` nearly equal pieces, each ending after whitespace when one is near.
fn split_even(chars: &[char], k: usize) -> Vec<String> {
    let k = k.clamp(1, chars.len().max(1));
    let mut out = Vec::with_capacity(k);
    let mut start = 0;
    for i in 1..=k {
        let mut end = if i == k {
            chars.len()
        } else {
            chars.len() * i / k
        };
        if i < k {
            // Move back to just after a space, at most an eighth of a piece.
            let floor = end.saturating_sub(chars.len() / k / 8).max(start + 1);
            if let Some(p) = (floor..end).rev().find(|&p| chars[p - 1].is_whitespace()) {
                end = p;
            }
        }
        let end = end.max(start);
        out.push(chars[start..end].iter().collect::<String>());
        start = end;
    }
    out
}

/// One model call's worth of transcript.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chunk {
    /// Where it starts.
    pub start: JobCursor,
    /// Where the next chunk starts.
    pub next: JobCursor,
    /// Transcript lines.
    pub lines: Vec<String>,
    /// Tokens of the lines.
    pub tokens: u64,
    /// First and last event it covers.
    pub first_seq: u64,
    /// Last event it covers.
    pub last_seq: u64,
    /// Creation time of each event it covers.
    pub event_times: BTreeMap<u64, Timestamp>,
}

/// Fills a chunk from events offered in sequence order, up to a token budget.
pub(crate) struct ChunkBuilder<'a> {
    budget: u64,
    count: &'a dyn Fn(&str) -> u64,
    chunk: Chunk,
    full: bool,
}

impl<'a> ChunkBuilder<'a> {
    /// An empty chunk starting at `cursor`.
    pub(crate) fn new(cursor: JobCursor, budget: u64, count: &'a dyn Fn(&str) -> u64) -> Self {
        ChunkBuilder {
            budget,
            count,
            chunk: Chunk {
                start: cursor,
                next: cursor,
                first_seq: cursor.sequence_id,
                last_seq: cursor.sequence_id,
                ..Default::default()
            },
            full: false,
        }
    }

    /// Adds what fits of event `e`; false once the chunk is full (then `e` is where the next
    /// chunk starts).
    pub(crate) fn offer(&mut self, e: &Event) -> bool {
        if self.full || e.sequence_id != self.chunk.next.sequence_id {
            return !self.full;
        }
        let parts = event_parts(e, self.budget, self.count);
        let from = self.chunk.next.part as usize;
        for (i, line) in parts.iter().enumerate().skip(from) {
            let t = (self.count)(line);
            if !self.chunk.lines.is_empty() && self.chunk.tokens + t > self.budget {
                self.full = true;
                return false;
            }
            if self.chunk.lines.is_empty() {
                self.chunk.first_seq = e.sequence_id;
            }
            self.chunk.lines.push(line.clone());
            self.chunk.tokens += t;
            self.chunk.last_seq = e.sequence_id;
            self.chunk.event_times.insert(e.sequence_id, e.created_at);
            self.chunk.next = JobCursor {
                sequence_id: e.sequence_id,
                part: (i + 1) as u32,
            };
        }
        self.chunk.next = JobCursor {
            sequence_id: e.sequence_id + 1,
            part: 0,
        };
        true
    }

    /// Moves past the deleted event `seq` (when it is the next one and the chunk has room).
    pub(crate) fn skip(&mut self, seq: u64) {
        if !self.full && seq == self.chunk.next.sequence_id {
            self.chunk.next = JobCursor {
                sequence_id: seq + 1,
                part: 0,
            };
        }
    }

    /// The chunk.
    pub(crate) fn finish(self) -> Chunk {
        self.chunk
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Emitter;
    use crate::tokens::estimate_tokens;
    use serde_json::json;

    fn ev(seq: u64, text: &str) -> Event {
        Event {
            session_id: "s".into(),
            sequence_id: seq,
            event_type: Some("message".into()),
            body: json!({ "content": text }),
            emitter: Emitter::new(
                if seq.is_multiple_of(2) {
                    "user"
                } else {
                    "agent"
                },
                "x",
            ),
            created_at: Timestamp(seq as i64),
            updated_at: Timestamp(seq as i64),
        }
    }

    fn count(s: &str) -> u64 {
        estimate_tokens(s)
    }

    /// Cuts `events` into chunks the way the extractor does.
    fn chunks(events: &[Event], budget: u64) -> Vec<Chunk> {
        let mut out = Vec::new();
        let mut cursor = JobCursor::default();
        while cursor.sequence_id < events.len() as u64 {
            let mut b = ChunkBuilder::new(cursor, budget, &count);
            for e in &events[cursor.sequence_id as usize..] {
                if !b.offer(e) {
                    break;
                }
            }
            let c = b.finish();
            assert!(c.next > cursor, "every chunk makes progress");
            cursor = c.next;
            out.push(c);
        }
        out
    }

    #[test]
    fn long_sessions_are_chunked_to_the_token_budget_without_losing_a_line() {
        let events: Vec<Event> = (0..200)
            .map(|i| ev(i, &format!("message number {i} about the weather in town")))
            .collect();
        let cs = chunks(&events, 300);
        assert!(cs.len() > 5);
        for c in &cs {
            assert!(c.tokens <= 300, "{}", c.tokens);
        }
        let all: Vec<String> = cs.iter().flat_map(|c| c.lines.clone()).collect();
        assert_eq!(all.len(), 200);
        assert!(all[7].starts_with("[7] agent (x): message number 7"));
        assert_eq!(cs[1].first_seq, cs[0].last_seq + 1);
    }

    #[test]
    fn an_event_longer_than_the_budget_is_split_into_parts_across_chunks() {
        let long = "word ".repeat(2000);
        let events = vec![ev(0, "short"), ev(1, &long), ev(2, "after")];
        let cs = chunks(&events, 256);
        let parts: Vec<&String> = cs
            .iter()
            .flat_map(|c| c.lines.iter())
            .filter(|l| l.starts_with("[1]"))
            .collect();
        assert!(parts.len() > 2);
        assert!(parts[0].contains("(part 1/"));
        let words: usize = parts.iter().map(|p| p.matches("word").count()).sum();
        assert_eq!(words, 2000, "no text lost at the cuts");
        for c in &cs {
            assert!(c.tokens <= 256);
        }
    }

    #[test]
    fn custom_instructions_come_between_our_rules_and_the_output_contract() {
        let s = system_message(
            Some("Only extract food preferences."),
            &["user.city".into()],
            &["preference".into()],
        );
        let rules = s.find("Rules:").unwrap();
        let custom = s.find("Only extract food preferences.").unwrap();
        let keys = s
            .find("Known logical keys in this memory space: user.city")
            .unwrap();
        let contract = s.find("Output format:").unwrap();
        assert!(rules < custom && custom < keys && keys < contract);
        assert!(s.contains("Extract only memories of these categories: preference"));
        assert!(!system_message(None, &[], &[]).contains("Instructions of this memory space"));
    }

    #[test]
    fn event_bodies_render_as_their_content_or_their_text_leaves() {
        assert_eq!(body_text(&json!({"content": "hi", "x": 1})), "hi");
        assert_eq!(body_text(&json!("plain")), "plain");
        assert_eq!(body_text(&json!({"a": "one", "b": ["two"]})), "one\ntwo");
        assert_eq!(body_text(&json!({"n": 1})), r#"{"n":1}"#);
        let mut e = ev(3, "x");
        e.event_type = Some("tool_output".into());
        assert_eq!(
            event_parts(&e, 1000, &count),
            vec!["[3] agent (x) [tool_output]: x"]
        );
    }
}
