//! Host capabilities the engine imports instead of building in: clock, randomness and token
//! counting. Tests inject [`ManualHost`]; native programs use [`SystemHost`]; bindings adapt
//! JS callbacks or WIT imports to [`Host`] (in `src/bindings/`).

mod embed;
mod manual;
#[cfg(not(target_arch = "wasm32"))]
mod system;

pub use embed::{check_embeddings, Embedder, HashEmbedder, HostFuture, SYNONYMS};
pub use manual::ManualHost;
#[cfg(not(target_arch = "wasm32"))]
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
