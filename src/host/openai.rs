//! The OpenAI-compatible chat-completions wire form of an [`LlmRequest`] and its answer, for
//! hosts that implement the LLM capability over HTTP (OpenAI, Azure-style gateways, vLLM,
//! llama.cpp's server, Ollama's `/v1`, Cloudflare AI Gateway / Workers AI's OpenAI endpoint).
//! Pure functions: the host does the HTTP call and owns the API key.

use super::llm::{reason, upstream, LlmFormat, LlmRequest, LlmResponse, LlmUsage};
use crate::error::Result;
use serde_json::{json, Map, Value};

/// The URL to POST to: `base` itself when it already ends in `/chat/completions`, else
/// `base` + `/chat/completions` (so both `https://api.openai.com/v1` and a full endpoint work).
pub fn chat_completions_url(base: &str) -> String {
    let base = base.trim_end_matches('/');
    if base.ends_with("/chat/completions") {
        base.to_string()
    } else {
        format!("{base}/chat/completions")
    }
}

/// The JSON body of a chat-completions request; `default_model` is used when the request
/// names none.
pub fn chat_completions_body(request: &LlmRequest, default_model: &str) -> Value {
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|m| json!({ "role": m.role.as_str(), "content": m.content }))
        .collect();
    let mut body = Map::new();
    body.insert(
        "model".into(),
        json!(request.model.as_deref().unwrap_or(default_model)),
    );
    body.insert("messages".into(), Value::Array(messages));
    if let Some(n) = request.max_tokens {
        body.insert("max_tokens".into(), json!(n));
    }
    if let Some(t) = request.temperature {
        body.insert("temperature".into(), json!(t));
    }
    if request.format == LlmFormat::Json {
        body.insert("response_format".into(), json!({ "type": "json_object" }));
    }
    Value::Object(body)
}

/// Reads a chat-completions answer (`status` and body text) into an [`LlmResponse`]; a
/// non-2xx status or a body without a first choice is an `upstream` error.
pub fn parse_chat_completion(status: u16, body: &str) -> Result<LlmResponse> {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    if !(200..300).contains(&status) {
        let msg = parsed
            .as_ref()
            .and_then(|v| v.pointer("/error/message").or_else(|| v.get("error")))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| body.chars().take(300).collect());
        let reason = if status == 408 || status == 504 {
            reason::TIMEOUT
        } else {
            reason::HTTP
        };
        return Err(
            upstream(reason, format!("the model API answered {status}: {msg}"))
                .with("status", status),
        );
    }
    let Some(v) = parsed else {
        return Err(upstream(
            reason::HTTP,
            "the model API answered with a body that is not JSON",
        ));
    };
    let Some(choice) = v.pointer("/choices/0") else {
        return Err(upstream(
            reason::HTTP,
            "the model API answer has no choices[0]",
        ));
    };
    let text = choice
        .pointer("/message/content")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let refusal = choice
        .pointer("/message/refusal")
        .and_then(Value::as_str)
        .map(str::to_string);
    let usage = v.get("usage").map(|u| {
        let n = |k: &str| u.get(k).and_then(Value::as_u64).unwrap_or(0);
        LlmUsage {
            prompt_tokens: n("prompt_tokens"),
            completion_tokens: n("completion_tokens"),
            total_tokens: n("total_tokens"),
        }
    });
    Ok(LlmResponse {
        text,
        json: None,
        model: v.get("model").and_then(Value::as_str).map(str::to_string),
        finish_reason: choice
            .get("finish_reason")
            .and_then(Value::as_str)
            .map(str::to_string),
        refusal,
        usage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::llm::{LlmMessage, LlmRole};

    #[test]
    fn openai_request_body_carries_messages_model_and_json_mode() {
        let r = LlmRequest {
            purpose: "extraction".into(),
            model: None,
            base_url: None,
            messages: vec![
                LlmMessage::new(LlmRole::System, "s"),
                LlmMessage::new(LlmRole::User, "u"),
            ],
            format: LlmFormat::Json,
            max_tokens: Some(100),
            temperature: Some(0.0),
        };
        let b = chat_completions_body(&r, "gpt-4o-mini");
        assert_eq!(b["model"], "gpt-4o-mini");
        assert_eq!(b["messages"][1], json!({"role": "user", "content": "u"}));
        assert_eq!(b["response_format"]["type"], "json_object");
        assert_eq!(b["max_tokens"], 100);
        assert_eq!(
            chat_completions_url("https://api.openai.com/v1/"),
            "https://api.openai.com/v1/chat/completions"
        );
        assert_eq!(
            chat_completions_url("http://h/x/chat/completions"),
            "http://h/x/chat/completions"
        );
    }

    #[test]
    fn openai_answers_errors_and_refusals_are_read() {
        let ok = r#"{"model":"m","choices":[{"message":{"content":"{\"memories\":[]}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}"#;
        let r = parse_chat_completion(200, ok).unwrap();
        assert_eq!(r.text, r#"{"memories":[]}"#);
        assert_eq!(r.usage.unwrap().total_tokens, 5);
        let refused = r#"{"choices":[{"message":{"content":null,"refusal":"I can't"},"finish_reason":"stop"}]}"#;
        assert_eq!(
            parse_chat_completion(200, refused)
                .unwrap()
                .refusal
                .as_deref(),
            Some("I can't")
        );
        let e = parse_chat_completion(429, r#"{"error":{"message":"slow down"}}"#).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::Upstream);
        assert!(e.message.contains("slow down"));
        assert_eq!(e.details["status"], 429);
        assert_eq!(
            parse_chat_completion(504, "gateway").unwrap_err().details["reason"],
            "timeout"
        );
        assert!(parse_chat_completion(200, "<html>").is_err());
    }
}
