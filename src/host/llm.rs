//! The LLM capability: an optional, asynchronous host service that answers chat requests.
//! Like the [`Embedder`](super::Embedder) it is separate from the synchronous
//! [`Host`](super::Host) and injected with [`Memspace::with_llm`](crate::Memspace::with_llm);
//! without one, extraction jobs wait (nothing is lost) and LLM-only operations answer
//! `unsupported`.
//!
//! One request/response shape for every host (JS callback, WIT import, the Cloudflare Worker's
//! OpenAI-compatible call): messages in, text (or a JSON value) out, token usage back. The
//! shape is documented in docs/extraction.md.

use super::HostFuture;
use crate::error::{Error, ErrorCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Who says a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LlmRole {
    /// Instructions (our prompt and the space's custom instructions).
    System,
    /// The material to work on (a conversation transcript, a question).
    User,
    /// An earlier model answer.
    Assistant,
}

impl LlmRole {
    /// The snake_case name (as OpenAI-compatible APIs spell it).
    pub fn as_str(self) -> &'static str {
        match self {
            LlmRole::System => "system",
            LlmRole::User => "user",
            LlmRole::Assistant => "assistant",
        }
    }
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LlmMessage {
    /// Who says it.
    pub role: LlmRole,
    /// What is said.
    pub content: String,
}

impl LlmMessage {
    /// A message from `role`.
    pub fn new(role: LlmRole, content: impl Into<String>) -> Self {
        LlmMessage {
            role,
            content: content.into(),
        }
    }
}

/// What the answer should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LlmFormat {
    /// Free text.
    #[default]
    Text,
    /// One JSON object (hosts may use their API's JSON mode; memspace validates either way).
    Json,
}

/// A chat request to the host's LLM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LlmRequest {
    /// What it is for: `extraction` (more may follow: `recall`, `reflect`). Hosts may route or
    /// meter by it.
    pub purpose: String,
    /// The space's `llm_model_name`, if set (the host's default model otherwise).
    pub model: Option<String>,
    /// The space's `llm_base_url`, if set: the chat API the space asks for. Hosts decide
    /// whether to honour it (the Cloudflare Worker does; credentials stay with the host).
    pub base_url: Option<String>,
    /// The conversation: system instructions first, then the material.
    pub messages: Vec<LlmMessage>,
    /// Text or one JSON object.
    pub format: LlmFormat,
    /// Most tokens the answer may use.
    pub max_tokens: Option<u32>,
    /// Sampling temperature (memspace asks for 0 when it wants repeatable answers).
    pub temperature: Option<f64>,
}

/// Tokens a request used, as the model's API reported them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LlmUsage {
    /// Tokens of the request.
    pub prompt_tokens: u64,
    /// Tokens of the answer.
    pub completion_tokens: u64,
    /// Both.
    pub total_tokens: u64,
}

impl LlmUsage {
    /// The sum of two usages (saturating).
    pub fn plus(self, o: LlmUsage) -> LlmUsage {
        LlmUsage {
            prompt_tokens: self.prompt_tokens.saturating_add(o.prompt_tokens),
            completion_tokens: self.completion_tokens.saturating_add(o.completion_tokens),
            total_tokens: self.total_tokens.saturating_add(o.total_tokens),
        }
    }
}

/// The host LLM's answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LlmResponse {
    /// The answer text (for a JSON request: the JSON text, possibly in a code fence).
    pub text: String,
    /// The answer already parsed, when the host has it as JSON (then `text` may be empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    /// The model that answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Why generation stopped (`stop`, `length`, `content_filter`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// The model declined; the reason it gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// Token usage, when reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<LlmUsage>,
}

impl LlmResponse {
    /// A plain text answer.
    pub fn text(text: impl Into<String>) -> Self {
        LlmResponse {
            text: text.into(),
            finish_reason: Some("stop".into()),
            ..Default::default()
        }
    }

    /// The answer as a caller would debug it: the text, else the JSON value serialised.
    pub fn raw(&self) -> String {
        match (&self.json, self.text.is_empty()) {
            (Some(v), true) => v.to_string(),
            _ => self.text.clone(),
        }
    }
}

/// Answers chat requests. Implementations time out on their own (a call that never returns
/// only holds a job's lease until it expires; see docs/extraction.md).
pub trait Llm {
    /// Sends `request`; fails with an [`upstream`] error when the model cannot answer.
    fn complete<'a>(&'a self, request: &'a LlmRequest) -> HostFuture<'a, LlmResponse>;
}

/// Why a host LLM call failed (the `reason` detail of an `upstream` error).
pub mod reason {
    /// The call took too long.
    pub const TIMEOUT: &str = "timeout";
    /// The model declined to answer.
    pub const REFUSAL: &str = "refusal";
    /// The answer is not the JSON the prompt asked for.
    pub const MALFORMED_OUTPUT: &str = "malformed_output";
    /// The answer was cut off at the token limit.
    pub const TRUNCATED: &str = "truncated";
    /// The model API answered with an error status.
    pub const HTTP: &str = "http";
    /// The model API could not be reached.
    pub const UNAVAILABLE: &str = "unavailable";
}

/// An `upstream` error: the host's LLM failed for `reason` (see [`reason`]).
pub fn upstream(reason: &str, message: impl Into<String>) -> Error {
    Error::new(ErrorCode::Upstream, message).with("reason", reason)
}
