//! The imported `embedding` interface as the engine's [`Embedder`]: asked once per handle
//! whether the host has a model (the capability flag), then called synchronously.

use super::memspace::memory::embedding as wit;
use crate::error::{Error, ErrorCode};
use crate::host::{Embedder, HostFuture};
use crate::index::head::EmbeddingModel;

/// The host's embedder, for a host whose `model` returned `some`.
#[derive(Debug, Clone)]
pub(crate) struct ImportedEmbedder(EmbeddingModel);

impl ImportedEmbedder {
    /// The host's embedder, if it has one.
    pub(crate) fn probe() -> Option<Self> {
        wit::model().map(|m| {
            ImportedEmbedder(EmbeddingModel {
                id: m.id,
                dims: m.dimensions,
            })
        })
    }
}

impl Embedder for ImportedEmbedder {
    fn model(&self) -> EmbeddingModel {
        self.0.clone()
    }

    fn embed<'a>(&'a self, texts: &'a [String]) -> HostFuture<'a, Vec<Vec<f32>>> {
        let out = wit::embed(texts).map_err(|m| {
            Error::new(
                ErrorCode::Unsupported,
                format!("the host embedder failed: {m}"),
            )
            .with("capability", "embedding")
        });
        Box::pin(async move { out })
    }
}
