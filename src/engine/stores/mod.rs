//! Memory stores (seed 002): path-addressed, versioned documents inside a memory space.
//!
//! One record per store, `ms/{space}/{store}`, is the commit point of every write in the
//! store: it holds the exact `entry_count` / `total_size` and the id of the last version
//! recorded. An entry write changes the entry record, the path index and the version records
//! *and* the store record in one batch (see [`commit`]); on a backend without atomic batches
//! the batch goes through a redo journal, and every reader loads the store record first and
//! rolls a committed journal forward before it reads anything else. So counts, entries,
//! paths and versions never disagree, whatever write a crash interrupts.

pub(crate) mod commit;
pub(crate) mod entries;
pub(crate) mod limits;
pub(crate) mod paths;
pub(crate) mod store;
mod versions;

use crate::error::Result;
use crate::kv::Op;
use crate::model::{MemoryEntry, MemoryStore, MemoryVersion};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

use super::layout;
use crate::codec::envelope;

/// Error kinds used in `not_found` errors.
pub(crate) const STORE: &str = "memory_store";
/// Kind of an entry in errors.
pub(crate) const ENTRY: &str = "memory";
/// Kind of a version in errors.
pub(crate) const VERSION: &str = "memory_version";

/// Id prefixes.
pub(crate) const STORE_PREFIX: &str = "memstore";
/// Entry id prefix.
pub(crate) const ENTRY_PREFIX: &str = "mem";
/// Version id prefix.
pub(crate) const VERSION_PREFIX: &str = "memver";

/// Id of the reserved store that holds a space's core blocks (see `engine::blocks`): a valid
/// store id no generated one can equal (its time part is the epoch, its random part fixed),
/// hidden from every store operation.
pub(crate) const BLOCK_STORE_ID: &str = "memstore_0000000000000000000000b1ck";

/// True for a store id the store API must not reach.
pub(crate) fn is_reserved(store_id: &str) -> bool {
    store_id == BLOCK_STORE_ID
}

/// The stored store record: the public store plus the bookkeeping of the commit protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoreRecord {
    /// The public record, counters included.
    #[serde(flatten)]
    pub store: MemoryStore,
    /// The newest version id of the store; the next one is made to sort after it.
    #[serde(default)]
    pub last_version_id: Option<String>,
    /// Id of a committed redo journal not yet rolled forward (non-atomic backends only).
    #[serde(default)]
    pub pending_tx: Option<String>,
    /// Set when the store was deleted and its keys are being purged; readers see `not_found`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Timestamp>,
}

/// The stored entry record: the entry and its newest version. In storage its content lives
/// under its own key (`mec`, see [`Change::ops`]); in memory `entry.content` carries it when
/// it was read or is being written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EntryRecord {
    /// The public record (`content` always present in storage).
    #[serde(flatten)]
    pub entry: MemoryEntry,
    /// Id of the version holding the same content as the entry (the current version).
    pub head_version_id: String,
}

/// One key change of an entry write, as carried in a redo journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum Change {
    /// Write an entry record.
    PutEntry {
        /// The record.
        record: EntryRecord,
    },
    /// Remove an entry record.
    DeleteEntry {
        /// The entry.
        entry_id: String,
    },
    /// Point a path at an entry.
    PutPath {
        /// The path.
        path: String,
        /// The entry.
        entry_id: String,
    },
    /// Free a path.
    DeletePath {
        /// The path.
        path: String,
    },
    /// Record a version (and its entry-index key).
    PutVersion {
        /// The version.
        version: MemoryVersion,
    },
}

impl Change {
    /// The key operations of this change inside store `store_id` of space `space_id`.
    pub(crate) fn ops(&self, space_id: &str, store_id: &str) -> Result<Vec<Op>> {
        Ok(match self {
            Change::PutEntry { record } => {
                // The record without its content, and the content (when carried) on its own key.
                let mut meta = record.clone();
                let content = meta.entry.content.take();
                let id = &record.entry.id;
                let mut ops = vec![Op::Put(
                    layout::entry(space_id, store_id, id),
                    envelope::encode(&meta)?,
                )];
                if let Some(c) = content {
                    ops.push(Op::Put(
                        layout::entry_content(space_id, store_id, id),
                        envelope::encode(&c)?,
                    ));
                }
                ops
            }
            Change::DeleteEntry { entry_id } => vec![
                Op::Delete(layout::entry(space_id, store_id, entry_id)),
                Op::Delete(layout::entry_content(space_id, store_id, entry_id)),
            ],
            Change::PutPath { path, entry_id } => vec![Op::Put(
                layout::entry_path(space_id, store_id, path),
                envelope::encode(entry_id)?,
            )],
            Change::DeletePath { path } => {
                vec![Op::Delete(layout::entry_path(space_id, store_id, path))]
            }
            Change::PutVersion { version } => vec![
                Op::Put(
                    layout::version(space_id, store_id, &version.id),
                    envelope::encode(version)?,
                ),
                Op::Put(
                    layout::entry_version(space_id, store_id, &version.entry_id, &version.id),
                    Vec::new(),
                ),
            ],
        })
    }
}

/// Lowercase hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}
