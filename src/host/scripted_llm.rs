//! A deterministic LLM for tests, demos and benchmarks: it answers from a script (text, JSON,
//! timeouts, refusals, errors, truncated answers) and records every request it got. When the
//! script runs out it answers with its fallback: by default an `unavailable` error, or a small
//! rule-based extractor ([`ScriptedLlm::with_rules`]) that turns plain first-person statements
//! of a transcript ("I live in Lisbon", "I like green tea", "always answer in French") into
//! memories the way the extraction prompt asks a real model to.

use super::llm::{reason, upstream, Llm, LlmRequest, LlmResponse, LlmRole, LlmUsage};
use super::HostFuture;
use crate::error::Error;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::VecDeque;

/// One scripted answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Scripted {
    /// Answer with this text (malformed JSON included, on purpose or not).
    Text(String),
    /// Answer with this JSON value as text.
    Json(Value),
    /// Fail with an `upstream` timeout.
    Timeout,
    /// Answer with a refusal and no content.
    Refusal(String),
    /// Answer with this text cut off at the token limit (`finish_reason: length`).
    Truncated(String),
    /// Fail with this error.
    Fail(Error),
}

/// What answers once the script is used up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fallback {
    Unavailable,
    Rules,
}

/// A scripted, recording LLM (see the module docs). Not `Sync`: one per test or handle.
#[derive(Debug)]
pub struct ScriptedLlm {
    script: RefCell<VecDeque<Scripted>>,
    requests: RefCell<Vec<LlmRequest>>,
    fallback: Fallback,
}

impl Default for ScriptedLlm {
    fn default() -> Self {
        ScriptedLlm::new(Vec::new())
    }
}

impl ScriptedLlm {
    /// Answers with `script`, in order, then fails every call as `unavailable`.
    pub fn new(script: Vec<Scripted>) -> Self {
        ScriptedLlm {
            script: RefCell::new(script.into()),
            requests: RefCell::new(Vec::new()),
            fallback: Fallback::Unavailable,
        }
    }

    /// Answers with `script`, then with the built-in rule-based extractor.
    pub fn with_rules(script: Vec<Scripted>) -> Self {
        ScriptedLlm {
            fallback: Fallback::Rules,
            ..ScriptedLlm::new(script)
        }
    }

    /// Appends answers to the script.
    pub fn push(&self, answers: impl IntoIterator<Item = Scripted>) {
        self.script.borrow_mut().extend(answers);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<LlmRequest> {
        self.requests.borrow().clone()
    }

    /// Requests received so far.
    pub fn calls(&self) -> usize {
        self.requests.borrow().len()
    }

    /// Scripted answers not used yet.
    pub fn remaining(&self) -> usize {
        self.script.borrow().len()
    }

    fn answer(&self, request: &LlmRequest) -> Result<LlmResponse, Error> {
        let next = self.script.borrow_mut().pop_front();
        let usage = Some(usage_of(request));
        let with_usage = |mut r: LlmResponse| {
            r.usage = usage;
            r.model = request.model.clone().or_else(|| Some("scripted".into()));
            r
        };
        match next {
            Some(Scripted::Text(t)) => Ok(with_usage(LlmResponse::text(t))),
            Some(Scripted::Json(v)) => Ok(with_usage(LlmResponse::text(v.to_string()))),
            Some(Scripted::Timeout) => {
                Err(upstream(reason::TIMEOUT, "the scripted model timed out"))
            }
            Some(Scripted::Refusal(why)) => Ok(with_usage(LlmResponse {
                refusal: Some(why),
                finish_reason: Some("stop".into()),
                ..Default::default()
            })),
            Some(Scripted::Truncated(t)) => Ok(with_usage(LlmResponse {
                text: t,
                finish_reason: Some("length".into()),
                ..Default::default()
            })),
            Some(Scripted::Fail(e)) => Err(e),
            None => match self.fallback {
                Fallback::Unavailable => Err(upstream(
                    reason::UNAVAILABLE,
                    "the scripted model has no answer left",
                )),
                Fallback::Rules => Ok(with_usage(LlmResponse::text(
                    rule_based_extraction(request).to_string(),
                ))),
            },
        }
    }
}

/// A token usage derived from the text lengths (about four characters a token).
fn usage_of(request: &LlmRequest) -> LlmUsage {
    let chars: usize = request.messages.iter().map(|m| m.content.len()).sum();
    let prompt = (chars as u64).div_ceil(4);
    LlmUsage {
        prompt_tokens: prompt,
        completion_tokens: 50,
        total_tokens: prompt + 50,
    }
}

impl Llm for ScriptedLlm {
    fn complete<'a>(&'a self, request: &'a LlmRequest) -> HostFuture<'a, LlmResponse> {
        self.requests.borrow_mut().push(request.clone());
        let out = self.answer(request);
        Box::pin(async move { out })
    }
}

/// The rule-based answer to an extraction request: every transcript line of the form
/// `[seq] user…: text` is split into sentences, and sentences matching a few first-person
/// patterns become memories (with logical keys for facts that change, such as the city).
pub fn rule_based_extraction(request: &LlmRequest) -> Value {
    let transcript = request
        .messages
        .iter()
        .filter(|m| m.role == LlmRole::User)
        .map(|m| m.content.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    for line in transcript.lines() {
        let Some((seq, speaker, text)) = transcript_line(line) else {
            continue;
        };
        if !speaker.starts_with("user") {
            continue;
        }
        for sentence in text.split(['.', '!', ';', '\n']) {
            if let Some(m) = rule(sentence.trim(), seq) {
                out.push(m);
            }
        }
    }
    json!({ "memories": out })
}

/// `[12] user (u1): text` → (12, "user (u1)", "text").
fn transcript_line(line: &str) -> Option<(u64, &str, &str)> {
    let rest = line.strip_prefix('[')?;
    let (seq, rest) = rest.split_once(']')?;
    let seq: u64 = seq.trim().parse().ok()?;
    let (speaker, text) = rest.split_once(':')?;
    Some((seq, speaker.trim(), text.trim()))
}

fn rule(s: &str, seq: u64) -> Option<Value> {
    let lower = s.to_lowercase();
    let after = |prefixes: &[&str]| {
        prefixes.iter().find_map(|p| {
            lower
                .strip_prefix(p)
                .map(|_| s[p.len()..].trim().trim_end_matches(['.', ',']).to_string())
        })
    };
    let memory = |content: String, subtype: &str, key: Option<&str>, importance: f64| {
        let mut m = json!({
            "content": content,
            "subtype": subtype,
            "importance": importance,
            "sourceEvents": [seq],
        });
        if let Some(k) = key {
            m["logicalKey"] = json!(k);
        }
        m
    };
    if let Some(city) = after(&["i live in ", "i moved to ", "i now live in "]) {
        return Some(memory(
            format!("The user lives in {city}"),
            "profile",
            Some("user.city"),
            0.8,
        ));
    }
    if let Some(name) = after(&["my name is ", "call me "]) {
        return Some(memory(
            format!("The user's name is {name}"),
            "profile",
            Some("user.name"),
            0.9,
        ));
    }
    if let Some(work) = after(&["i work at ", "i work for "]) {
        return Some(memory(
            format!("The user works at {work}"),
            "profile",
            Some("user.employer"),
            0.7,
        ));
    }
    if let Some(thing) = after(&["i like ", "i love ", "i prefer ", "i enjoy "]) {
        return Some(memory(
            format!("The user likes {thing}"),
            "preference",
            None,
            0.6,
        ));
    }
    if let Some(thing) = after(&[
        "i don't like ",
        "i dislike ",
        "i hate ",
        "i am allergic to ",
    ]) {
        return Some(memory(
            format!("The user dislikes {thing}"),
            "preference",
            None,
            0.7,
        ));
    }
    if lower.starts_with("always ")
        || lower.starts_with("never ")
        || lower.starts_with("please always ")
    {
        return Some(memory(
            format!("Instruction from the user: {s}"),
            "directive",
            None,
            0.8,
        ));
    }
    if let Some(what) = after(&["tomorrow i ", "next week i ", "today i "]) {
        let when = lower.split(' ').next().unwrap_or("soon");
        return Some(memory(
            format!("The user said that {when} they {what}"),
            "event",
            None,
            0.5,
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::llm::{LlmFormat, LlmMessage};
    use crate::runtime::block_on;

    fn req(user: &str) -> LlmRequest {
        LlmRequest {
            purpose: "extraction".into(),
            model: None,
            base_url: None,
            messages: vec![LlmMessage::new(LlmRole::User, user)],
            format: LlmFormat::Json,
            max_tokens: None,
            temperature: Some(0.0),
        }
    }

    #[test]
    fn scripted_answers_come_in_order_then_the_fallback() {
        let llm = ScriptedLlm::new(vec![
            Scripted::Text("{not json".into()),
            Scripted::Timeout,
            Scripted::Refusal("no".into()),
        ]);
        let r = req("x");
        assert_eq!(
            block_on(llm.complete(&r)).unwrap().unwrap().text,
            "{not json"
        );
        let e = block_on(llm.complete(&r)).unwrap().unwrap_err();
        assert_eq!(e.details["reason"], "timeout");
        let refusal = block_on(llm.complete(&r)).unwrap().unwrap();
        assert_eq!(refusal.refusal.as_deref(), Some("no"));
        let e = block_on(llm.complete(&r)).unwrap().unwrap_err();
        assert_eq!(e.details["reason"], "unavailable");
        assert_eq!(llm.calls(), 4);
    }

    #[test]
    fn the_rule_based_fallback_extracts_first_person_statements_of_the_user() {
        let llm = ScriptedLlm::with_rules(vec![]);
        let r = req("[0] user (u1): Hi! I live in Lisbon. I like green tea\n[1] agent (bot): I live in the cloud\n[2] user (u1): Always answer in French");
        let out = block_on(llm.complete(&r)).unwrap().unwrap();
        let v: Value = serde_json::from_str(&out.text).unwrap();
        let contents: Vec<&str> = v["memories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["content"].as_str().unwrap())
            .collect();
        assert_eq!(
            contents,
            vec![
                "The user lives in Lisbon",
                "The user likes green tea",
                "Instruction from the user: Always answer in French"
            ]
        );
        assert_eq!(v["memories"][0]["logicalKey"], "user.city");
        assert_eq!(v["memories"][2]["sourceEvents"], json!([2]));
    }
}
