//! The imported `llm` interface as the engine's [`Llm`] capability (used when the host's
//! `available()` says it has a model).

use super::memspace::memory::llm as wit;
use crate::host::llm::upstream;
use crate::host::{HostFuture, Llm, LlmFormat, LlmRequest, LlmResponse, LlmRole, LlmUsage};

/// True when the host lends an LLM.
pub(super) fn available() -> bool {
    wit::available()
}

/// The host's LLM, reached through the `llm` import (synchronous: the future is ready).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct ImportedLlm;

fn request(r: &LlmRequest) -> wit::LlmRequest {
    wit::LlmRequest {
        purpose: r.purpose.clone(),
        model: r.model.clone(),
        base_url: r.base_url.clone(),
        messages: r
            .messages
            .iter()
            .map(|m| wit::LlmMessage {
                role: match m.role {
                    LlmRole::System => wit::LlmRole::System,
                    LlmRole::User => wit::LlmRole::User,
                    LlmRole::Assistant => wit::LlmRole::Assistant,
                },
                content: m.content.clone(),
            })
            .collect(),
        format: match r.format {
            LlmFormat::Text => wit::LlmFormat::Text,
            LlmFormat::Json => wit::LlmFormat::Json,
        },
        max_tokens: r.max_tokens,
        temperature: r.temperature,
    }
}

impl Llm for ImportedLlm {
    fn complete<'a>(&'a self, r: &'a LlmRequest) -> HostFuture<'a, LlmResponse> {
        let out = match wit::complete(&request(r)) {
            Ok(a) => Ok(LlmResponse {
                text: a.text,
                json: None,
                model: a.model,
                finish_reason: a.finish_reason,
                refusal: a.refusal,
                usage: a.usage.map(|u| LlmUsage {
                    prompt_tokens: u.prompt_tokens,
                    completion_tokens: u.completion_tokens,
                    total_tokens: u.total_tokens,
                }),
            }),
            Err(e) => Err(upstream(
                &e.reason,
                format!("the host's llm failed: {}", e.message),
            )),
        };
        Box::pin(async move { out })
    }
}
