//! Validating the model's answer. The shape must be right — one JSON object with a
//! `memories` array of objects that each have a non-blank string `content` (a bare array, or
//! the object inside a code fence, is accepted too) — or the attempt fails as
//! `malformed_output` with the raw text kept. Wrong values inside a well-shaped item are
//! corrected and counted (`stats.corrected`): an unknown type or subtype is derived or
//! dropped, an importance out of range is clamped, malformed tags and logical keys are
//! dropped, an over-long item is dropped.

use super::limits;
use crate::error::{Error, Result};
use crate::host::llm::{reason, upstream};
use crate::host::LlmResponse;
use serde_json::Value;

/// The four kinds of memory the prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Category {
    /// A durable fact (semantic; profile or entity).
    Fact,
    /// A preference (semantic / preference).
    Preference,
    /// Something that happened (episodic / event).
    Event,
    /// An instruction to the agent (procedural / directive).
    Instruction,
}

impl Category {
    /// All categories.
    pub(crate) const ALL: [Category; 4] = [
        Category::Fact,
        Category::Preference,
        Category::Event,
        Category::Instruction,
    ];

    /// The name used in prompts and filters.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Category::Fact => "fact",
            Category::Preference => "preference",
            Category::Event => "event",
            Category::Instruction => "instruction",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.trim_end_matches('s'); // "facts", "preferences", …
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Type and subtype a memory of this category gets when the model names none.
    fn defaults(self) -> (&'static str, &'static str) {
        match self {
            Category::Fact => ("semantic", "profile"),
            Category::Preference => ("semantic", "preference"),
            Category::Event => ("episodic", "event"),
            Category::Instruction => ("procedural", "directive"),
        }
    }

    /// The category of a subtype.
    fn of_subtype(subtype: &str) -> Category {
        match subtype {
            "preference" => Category::Preference,
            "event" => Category::Event,
            "directive" | "workflow" => Category::Instruction,
            _ => Category::Fact,
        }
    }
}

/// Memory types extraction may produce (`working` memory is not extracted).
pub(crate) const TYPES: [&str; 3] = ["semantic", "episodic", "procedural"];

/// The twelve subtypes.
pub(crate) const SUBTYPES: [&str; 12] = [
    "solution",
    "problem",
    "code_pattern",
    "fix",
    "error",
    "workflow",
    "preference",
    "decision",
    "profile",
    "entity",
    "event",
    "directive",
];

/// The type a subtype implies.
fn type_of_subtype(subtype: &str) -> &'static str {
    match subtype {
        "event" | "error" | "problem" => "episodic",
        "solution" | "fix" | "code_pattern" | "workflow" | "directive" => "procedural",
        _ => "semantic",
    }
}

/// True when `name` is a category, a type or a subtype (what `categories` filters accept).
pub(crate) fn is_category_name(name: &str) -> bool {
    Category::parse(name).is_some() || TYPES.contains(&name) || SUBTYPES.contains(&name)
}

/// One validated memory the model proposed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Item {
    /// The text, whitespace-normalised.
    pub content: String,
    /// Its category.
    pub category: Category,
    /// `semantic`, `episodic` or `procedural`.
    pub memory_type: &'static str,
    /// One of the twelve subtypes.
    pub subtype: Option<&'static str>,
    /// 0–1.
    pub importance: f64,
    /// Valid tags, as given.
    pub tags: Vec<String>,
    /// A valid logical key, lower-cased.
    pub logical_key: Option<String>,
    /// The events it cites, as (first, last) within the chunk.
    pub source: Option<(u64, u64)>,
}

impl Item {
    /// True when a `categories` filter entry names this item's category, type or subtype.
    pub(crate) fn matches(&self, filter: &[String]) -> bool {
        filter.is_empty()
            || filter.iter().any(|f| {
                Category::parse(f) == Some(self.category)
                    || f == self.memory_type
                    || Some(f.as_str()) == self.subtype
            })
    }

    /// A fingerprint of the content that ignores case, punctuation and spacing.
    pub(crate) fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let norm: String = self
            .content
            .chars()
            .flat_map(char::to_lowercase)
            .filter(|c| c.is_alphanumeric() || c.is_whitespace())
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let h = Sha256::digest(norm.as_bytes());
        h[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A validated answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Answer {
    /// The items, in the model's order.
    pub items: Vec<Item>,
    /// Values corrected or items dropped.
    pub corrected: u64,
}

/// The raw answer for a job's `last_error` (at most 16 KiB, cut at a character boundary).
pub(crate) fn raw_for_debugging(r: &LlmResponse) -> String {
    let raw = r.raw();
    if raw.len() <= limits::RAW_OUTPUT_MAX_BYTES {
        return raw;
    }
    let mut end = limits::RAW_OUTPUT_MAX_BYTES;
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    raw[..end].to_string()
}

fn malformed(why: &str) -> Error {
    upstream(
        reason::MALFORMED_OUTPUT,
        format!("the model's answer is not the JSON the prompt asks for: {why}"),
    )
}

/// The JSON value in an answer: the host's parsed value, the text, the text inside a code
/// fence, or the text from its first `{` to its last `}`.
pub(crate) fn json_of(r: &LlmResponse) -> Option<Value> {
    if let Some(v) = &r.json {
        return Some(v.clone());
    }
    let t = r.text.trim();
    if let Ok(v) = serde_json::from_str(t) {
        return Some(v);
    }
    let fenced = t
        .strip_prefix("```json")
        .or_else(|| t.strip_prefix("```JSON"))
        .or_else(|| t.strip_prefix("```"))
        .and_then(|r| r.trim_end().strip_suffix("```"));
    if let Some(Ok(v)) = fenced.map(|f| serde_json::from_str(f.trim())) {
        return Some(v);
    }
    let (a, b) = (t.find('{')?, t.rfind('}')?);
    serde_json::from_str(t.get(a..=b)?).ok()
}

/// Validates a model answer for a chunk covering events `first..=last`.
pub(crate) fn parse_answer(r: &LlmResponse, first: u64, last: u64) -> Result<Answer> {
    if let Some(why) = r.refusal.as_deref().filter(|w| !w.trim().is_empty()) {
        return Err(upstream(
            reason::REFUSAL,
            format!("the model declined to answer: {why}"),
        ));
    }
    if r.finish_reason.as_deref() == Some("length") {
        return Err(upstream(
            reason::TRUNCATED,
            "the model's answer was cut off at its token limit",
        ));
    }
    if r.json.is_none() && r.text.trim().is_empty() {
        return Err(malformed("it is empty"));
    }
    let Some(v) = json_of(r) else {
        return Err(malformed("it does not parse as JSON"));
    };
    let list = match &v {
        Value::Array(items) => items,
        Value::Object(o) => match o.get("memories") {
            Some(Value::Array(items)) => items,
            Some(_) => return Err(malformed("\"memories\" is not an array")),
            None => return Err(malformed("the object has no \"memories\" array")),
        },
        _ => return Err(malformed("it is neither an object nor an array")),
    };
    if list.len() > limits::MAX_ITEMS_PER_ANSWER {
        return Err(malformed(&format!(
            "it holds {} items, more than {}",
            list.len(),
            limits::MAX_ITEMS_PER_ANSWER
        )));
    }
    let mut out = Answer::default();
    for (i, raw) in list.iter().enumerate() {
        let Some(obj) = raw.as_object() else {
            return Err(malformed(&format!("memories[{i}] is not an object")));
        };
        let content = match obj.get("content").and_then(Value::as_str) {
            Some(c) if !c.trim().is_empty() => c.split_whitespace().collect::<Vec<_>>().join(" "),
            _ => {
                return Err(malformed(&format!(
                    "memories[{i}] has no non-blank string \"content\""
                )))
            }
        };
        if content.len() > limits::ITEM_CONTENT_MAX_BYTES {
            out.corrected += 1;
            continue;
        }
        let mut fixes = 0u64;
        let word = |k: &str| -> Option<String> {
            obj.get(k)
                .and_then(Value::as_str)
                .map(|s| s.trim().to_ascii_lowercase().replace([' ', '-'], "_"))
                .filter(|s| !s.is_empty())
        };
        let category = word("category").and_then(|c| {
            let parsed = Category::parse(&c);
            if parsed.is_none() {
                fixes += 1;
            }
            parsed
        });
        let subtype = word("subtype").and_then(|s| {
            let found = SUBTYPES.iter().find(|t| **t == s).copied();
            if found.is_none() {
                fixes += 1;
            }
            found
        });
        let given_type = word("type").and_then(|s| {
            let found = TYPES.iter().find(|t| **t == s).copied();
            if found.is_none() {
                fixes += 1;
            }
            found
        });
        let category = category
            .or_else(|| subtype.map(Category::of_subtype))
            .unwrap_or(Category::Fact);
        let subtype = subtype.or_else(|| {
            // Only when the model named nothing more specific than the category.
            given_type.is_none().then(|| category.defaults().1)
        });
        let memory_type = given_type
            .or_else(|| subtype.map(type_of_subtype))
            .unwrap_or(category.defaults().0);
        let importance = match obj.get("importance") {
            None | Some(Value::Null) => 0.5,
            Some(v) => match v.as_f64().filter(|f| f.is_finite()) {
                Some(f) if (0.0..=1.0).contains(&f) => f,
                Some(f) => {
                    fixes += 1;
                    f.clamp(0.0, 1.0)
                }
                None => {
                    fixes += 1;
                    0.5
                }
            },
        };
        let mut tags = Vec::new();
        match obj.get("tags") {
            None | Some(Value::Null) => {}
            Some(Value::Array(ts)) => {
                for t in ts {
                    match t.as_str().map(str::trim) {
                        Some(t) if valid_tag(t) && tags.len() < limits::ITEM_TAGS_MAX => {
                            if !tags.iter().any(|x: &String| x == t) {
                                tags.push(t.to_string());
                            }
                        }
                        _ => fixes += 1,
                    }
                }
            }
            Some(_) => fixes += 1,
        }
        let logical_key = match obj.get("logicalKey").or_else(|| obj.get("logical_key")) {
            None | Some(Value::Null) => None,
            Some(v) => match v
                .as_str()
                .map(|s| s.trim().to_lowercase().replace(' ', "_"))
            {
                Some(k) if valid_key(&k) => Some(k),
                _ => {
                    fixes += 1;
                    None
                }
            },
        };
        let cited: Vec<u64> = match obj.get("sourceEvents").or_else(|| obj.get("source_events")) {
            Some(Value::Array(xs)) => xs.iter().filter_map(Value::as_u64).collect(),
            Some(v) => v.as_u64().into_iter().collect(),
            None => Vec::new(),
        };
        let inside: Vec<u64> = cited
            .iter()
            .copied()
            .filter(|s| (first..=last).contains(s))
            .collect();
        if inside.len() != cited.len() {
            fixes += 1;
        }
        let source = match (inside.iter().min(), inside.iter().max()) {
            (Some(a), Some(b)) => Some((*a, *b)),
            _ => None,
        };
        out.corrected += fixes;
        out.items.push(Item {
            content,
            category,
            memory_type,
            subtype,
            importance,
            tags,
            logical_key,
            source,
        });
    }
    Ok(out)
}

fn valid_tag(t: &str) -> bool {
    let n = t.chars().count();
    (1..=limits::ITEM_TAG_MAX_CHARS).contains(&n) && !t.chars().any(char::is_control)
}

fn valid_key(k: &str) -> bool {
    let n = k.chars().count();
    (1..=limits::ITEM_KEY_MAX_CHARS).contains(&n) && !k.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(t: &str) -> LlmResponse {
        LlmResponse::text(t)
    }

    fn reason_of(e: Error) -> String {
        e.details["reason"].as_str().unwrap_or_default().to_string()
    }

    #[test]
    fn malformed_answers_are_rejected_with_a_reason() {
        for bad in [
            "",
            "{not json",
            "[1, 2]",
            r#"{"memories": "x"}"#,
            r#"{"facts": []}"#,
            r#"{"memories": [{"content": "  "}]}"#,
            r#"{"memories": [{"text": "no content"}]}"#,
            "42",
        ] {
            let e = parse_answer(&text(bad), 0, 9).unwrap_err();
            assert_eq!(e.code, crate::ErrorCode::Upstream, "{bad}");
            assert_eq!(reason_of(e), "malformed_output", "{bad}");
        }
        let refused = LlmResponse {
            refusal: Some("I can't help with that".into()),
            ..Default::default()
        };
        assert_eq!(
            reason_of(parse_answer(&refused, 0, 0).unwrap_err()),
            "refusal"
        );
        let cut = LlmResponse {
            text: r#"{"memories": [{"content": "The user li"#.into(),
            finish_reason: Some("length".into()),
            ..Default::default()
        };
        assert_eq!(
            reason_of(parse_answer(&cut, 0, 0).unwrap_err()),
            "truncated"
        );
    }

    #[test]
    fn fenced_prefixed_and_bare_array_answers_are_accepted() {
        let fenced = "```json\n{\"memories\": [{\"content\": \"The user likes tea\"}]}\n```";
        assert_eq!(parse_answer(&text(fenced), 0, 0).unwrap().items.len(), 1);
        let chatty = "Sure! Here you go: {\"memories\": []} Hope that helps.";
        assert!(parse_answer(&text(chatty), 0, 0).unwrap().items.is_empty());
        let bare = r#"[{"content": "x"}]"#;
        assert_eq!(parse_answer(&text(bare), 0, 0).unwrap().items.len(), 1);
        let parsed = LlmResponse {
            json: Some(json!({"memories": [{"content": "y"}]})),
            ..Default::default()
        };
        assert_eq!(parse_answer(&parsed, 0, 0).unwrap().items[0].content, "y");
    }

    #[test]
    fn wrong_values_in_well_shaped_items_are_corrected_and_counted() {
        let answer = json!({"memories": [
            {"content": "  The user   lives in Lisbon ", "category": "facts", "importance": 1.7,
             "tags": ["home", "", 3, "home"], "logicalKey": "User.City", "sourceEvents": [2, 4, 99]},
            {"content": "Always answer in French", "category": "instruction"},
            {"content": "Met Ana", "type": "episodic", "subtype": "meeting"},
            {"content": "Likes jazz", "subtype": "preference", "importance": "high"}
        ]});
        let a = parse_answer(&text(&answer.to_string()), 2, 9).unwrap();
        let i = &a.items[0];
        assert_eq!(i.content, "The user lives in Lisbon");
        assert_eq!(
            (i.category, i.memory_type, i.subtype),
            (Category::Fact, "semantic", Some("profile"))
        );
        assert_eq!(i.importance, 1.0);
        assert_eq!(i.tags, vec!["home"]);
        assert_eq!(i.logical_key.as_deref(), Some("user.city"));
        assert_eq!(i.source, Some((2, 4)));
        let d = &a.items[1];
        assert_eq!(
            (d.memory_type, d.subtype),
            ("procedural", Some("directive"))
        );
        let e = &a.items[2];
        assert_eq!((e.memory_type, e.subtype), ("episodic", None));
        let p = &a.items[3];
        assert_eq!((p.category, p.importance), (Category::Preference, 0.5));
        // importance clamp, two bad tags + a repeat is not a fix, a cited event outside the
        // chunk, an unknown subtype, an importance that is not a number.
        assert_eq!(a.corrected, 1 + 2 + 1 + 1 + 1);
    }

    #[test]
    fn fingerprints_ignore_case_punctuation_and_spacing() {
        let a = parse_answer(
            &text(r#"[{"content": "The user likes tea."}, {"content": "the user  LIKES tea"}, {"content": "The user likes coffee"}]"#),
            0,
            0,
        )
        .unwrap();
        assert_eq!(a.items[0].fingerprint(), a.items[1].fingerprint());
        assert_ne!(a.items[0].fingerprint(), a.items[2].fingerprint());
        assert!(a.items[0].matches(&["fact".into()]));
        assert!(a.items[0].matches(&["profile".into()]));
        assert!(!a.items[0].matches(&["event".into()]));
    }
}
