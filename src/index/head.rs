//! The index head `rh/space`: the statistics BM25 needs, the space's embedding model, and
//! a generation that every index write bumps (so one `Equals` precondition on the head
//! serialises a space's index writers, and a cached index is current iff its generation is).

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The embedding model a space's vectors come from; fixed by the first vector stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddingModel {
    /// Model id as the host names it (`"bge-small-en-v1.5"`, `"caller"` for caller vectors).
    pub id: String,
    /// Dimensions.
    pub dims: u32,
}

/// Index-wide state of one space.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IndexHead {
    /// Bumped by every index write.
    pub generation: u64,
    /// The next ordinal to give a memory (ordinals are never reused).
    pub next_ord: u32,
    /// Indexed memories (BM25's N).
    pub docs: u64,
    /// Sum of indexed document lengths, in terms.
    pub total_len: u64,
    /// Indexed memories that have a vector.
    pub vectors: u64,
    /// Delta records not yet folded into the pages (`rx` keys; see `index::delta`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub deltas: u32,
    /// Postings those delta records hold.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub delta_postings: u32,
    /// The space's embedding model, once a vector was stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<EmbeddingModel>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl IndexHead {
    /// Mean document length (1 when the index is empty).
    pub fn avg_len(&self) -> f32 {
        if self.docs == 0 {
            1.0
        } else {
            (self.total_len as f64 / self.docs as f64).max(1.0) as f32
        }
    }

    /// Checks that a vector from `model` fits the space: `validation` on another model id or
    /// dimension count.
    pub fn check_model(&self, model: &EmbeddingModel) -> Result<()> {
        match &self.model {
            Some(m) if m != model => Err(Error::validation(
                "embedding",
                format!(
                    "this space holds {}-dimension vectors of model {:?}, not {}-dimension vectors of {:?}",
                    m.dims, m.id, model.dims, model.id
                ),
            )
            .with("space_model", m.id.as_str())
            .with("space_dimensions", m.dims as u64)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_space_keeps_one_embedding_model() {
        let m = |id: &str, dims| EmbeddingModel {
            id: id.into(),
            dims,
        };
        let mut h = IndexHead::default();
        assert!(h.check_model(&m("a", 3)).is_ok());
        h.model = Some(m("a", 3));
        assert!(h.check_model(&m("a", 3)).is_ok());
        assert_eq!(
            h.check_model(&m("a", 4)).unwrap_err().code,
            crate::ErrorCode::Validation
        );
        assert!(h.check_model(&m("b", 3)).is_err());
        assert_eq!(IndexHead::default().avg_len(), 1.0);
    }
}
