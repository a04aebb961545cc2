//! Archival memory (seed 004 `recall(query, agent_id?)`): the space's memories, recalled
//! through the recall index and returned in the shape of a block match.

use super::Memspace;
use crate::error::{Error, ErrorCode, Result};
use crate::model::{ArchivalMatch, Space};

impl Memspace {
    /// Archival matches for `query` (recall over memories), best first.
    pub(crate) async fn archival_matches(
        &self,
        _space: &Space,
        _query: &str,
        _agent: Option<&str>,
        _limit: u32,
        _min_score: f64,
    ) -> Result<Vec<ArchivalMatch>> {
        Err(Error::new(
            ErrorCode::Unsupported,
            "archival recall needs the recall index, which is not in this build yet",
        ))
    }
}
