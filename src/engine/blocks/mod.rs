//! Core memory blocks (small always-in-context texts), stored as entries of one reserved
//! memory store per space.
//!
//! **Why a store.** A block is a small document that changes by whole-content replacement
//! and must keep every version: exactly what a memory-store entry is. So each space has one
//! reserved store (fixed id `BLOCK_STORE_ID`, created by the first block write, hidden from
//! the store API) whose entries are the blocks, at paths `u/{type}` (user scope) and
//! `a/{agent}/{type}` (agent scope). Every block write is one store write: entry, path index,
//! version record and the store record (the commit point) in one batch, or through the
//! store's redo journal on a non-atomic backend. Block writers of a space are serialised by
//! the store record's `Equals` precondition, which is what makes `expected_updated_at` exact:
//! of two writers holding the same token, one commits and the other re-reads and sees a newer
//! `updated_at`.
//!
//! **What an entry holds.** The entry content is the block's JSON body ([`BlockBody`]):
//! content plus settings (description, limits, read-only) and the block's own timestamps, so
//! a version records settings changes too. `updated_at` strictly increases (at least 1 µs per
//! change) so it identifies one state even when two changes land in the same microsecond.
//!
//! The store record's `last_version_id` changes with every block write in the space: the
//! context renderer uses it as the stamp of its frozen block snapshot.

mod limits;
mod read;
mod write;

pub(crate) use limits::agent_id as check_agent_id;

use crate::error::{Error, Result};
use crate::model::{BlockScope, MemoryBlock};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Kind of a block in errors.
pub(crate) const BLOCK: &str = "memory_block";
/// Id prefix of blocks.
pub(crate) const BLOCK_PREFIX: &str = "blk";

/// A block as stored: the entry content of its path in the reserved store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BlockBody {
    pub id: String,
    pub block_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub limit_tokens: u64,
    pub limit_bytes: u64,
    #[serde(default)]
    pub read_only: bool,
    pub tokens: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl BlockBody {
    /// The public block at entry version `version`.
    pub(crate) fn to_block(&self, version: u64) -> MemoryBlock {
        MemoryBlock {
            id: self.id.clone(),
            block_type: self.block_type.clone(),
            content: self.content.clone(),
            scope: if self.agent_id.is_some() {
                BlockScope::Agent
            } else {
                BlockScope::User
            },
            agent_id: self.agent_id.clone(),
            description: self.description.clone(),
            limit_tokens: self.limit_tokens,
            limit_bytes: self.limit_bytes,
            read_only: self.read_only,
            tokens: self.tokens,
            version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    /// Parses an entry's content.
    pub(crate) fn parse(content: &str) -> Result<Self> {
        serde_json::from_str(content)
            .map_err(|e| Error::storage(format!("a core block does not decode: {e}")))
    }

    /// The entry content.
    pub(crate) fn encode(&self) -> Result<String> {
        serde_json::to_string(self)
            .map_err(|e| Error::storage(format!("a core block does not encode: {e}")))
    }
}

/// Path of a block in the reserved store.
pub(crate) fn path(block_type: &str, agent_id: Option<&str>) -> String {
    match agent_id {
        None => format!("u/{block_type}"),
        Some(a) => format!("a/{a}/{block_type}"),
    }
}

/// The path prefix listing user blocks (`None`) or one agent's blocks.
pub(crate) fn scope_prefix(agent_id: Option<&str>) -> String {
    match agent_id {
        None => "u/".to_string(),
        Some(a) => format!("a/{a}/"),
    }
}

/// The `not_found` of a missing block.
pub(crate) fn not_found(block_type: &str, agent_id: Option<&str>) -> Error {
    let e = Error::not_found(BLOCK, block_type).with("block_type", block_type);
    match agent_id {
        Some(a) => e.with("agent_id", a).with("scope", "agent"),
        None => e.with("scope", "user"),
    }
}
