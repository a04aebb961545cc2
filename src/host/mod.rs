//! Host capabilities the engine imports instead of building in: clock, randomness and token
//! counting ([`Host`]), and the optional asynchronous services: embeddings ([`Embedder`]) and
//! an LLM ([`Llm`]). Tests inject [`ManualHost`], [`HashEmbedder`] and [`ScriptedLlm`]; native
//! programs use [`SystemHost`]; bindings adapt JS callbacks or WIT imports (in `src/bindings/`).

mod embed;
pub mod llm;
mod manual;
pub mod openai;
mod scripted_llm;
#[cfg(any(not(target_arch = "wasm32"), target_os = "wasi"))]
mod system;

pub use embed::{check_embeddings, Embedder, HashEmbedder, HostFuture, SYNONYMS};
pub use llm::{Llm, LlmFormat, LlmMessage, LlmRequest, LlmResponse, LlmRole, LlmUsage};
pub use manual::ManualHost;
pub use scripted_llm::{rule_based_extraction, Scripted, ScriptedLlm};
#[cfg(any(not(target_arch = "wasm32"), target_os = "wasi"))]
pub use system::SystemHost;

use crate::time::Timestamp;

/// What the engine needs from its host.
pub trait Host {
    /// The current wall-clock time.
    fn now(&self) -> Timestamp;
    /// Fills `buf` with random bytes (used for ids only; need not be cryptographic).
    fn fill_random(&self, buf: &mut [u8]);
    /// Counts tokens of event text with the host's tokenizer; `None` uses the built-in estimate.
    fn count_tokens(&self, _text: &str) -> Option<u64> {
        None
    }
}
