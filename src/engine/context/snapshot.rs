//! The per-handle block snapshot: the rendered blocks of a (space, agent), kept with the
//! bytes of the block store record they were read under. One read of that record tells
//! whether any block of the space changed since; when none did, the context is rendered from
//! the snapshot without reading a block.

use super::render;
use crate::engine::stores::BLOCK_STORE_ID;
use crate::engine::Memspace;
use crate::error::{ErrorCode, Result};
use crate::model::{MemoryBlock, Space};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Snapshots kept before the cache starts over.
const MAX_ENTRIES: usize = 256;

/// A block with its rendered text and the text's tokens.
#[derive(Debug, Clone)]
pub(crate) struct RenderedBlock {
    pub block: MemoryBlock,
    pub text: String,
    pub tokens: u64,
}

/// The blocks of one (space, agent) as of one block-store state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Blocks {
    /// The user's blocks, in type order.
    pub user: Vec<RenderedBlock>,
    /// The agent's blocks, in type order (empty without an agent).
    pub agent: Vec<RenderedBlock>,
    /// The block store's last version id (`None` before the first block write).
    pub version: Option<String>,
    /// True when served from the cache.
    pub reused: bool,
}

#[derive(Debug, Clone)]
struct Entry {
    stamp: Vec<u8>,
    blocks: Blocks,
}

/// A snapshot's key: the space and the agent (none for user blocks only).
type SnapshotKey = (String, Option<String>);

/// The cache, shared by clones of a handle.
#[derive(Debug, Clone, Default)]
pub(crate) struct SnapshotCache(Rc<RefCell<HashMap<SnapshotKey, Entry>>>);

impl Memspace {
    /// The blocks of `space` for `agent`, from the snapshot when the block store record is
    /// unchanged (and `refresh` is false), else read, rendered and remembered.
    pub(crate) async fn snapshot_blocks(
        &self,
        space: &Space,
        agent: Option<&str>,
        refresh: bool,
    ) -> Result<Blocks> {
        let key = (space.id.clone(), agent.map(String::from));
        let loaded = match self.load_store_of(space.clone(), BLOCK_STORE_ID).await {
            Ok(l) => Some(l),
            Err(e) if e.code == ErrorCode::NotFound => None,
            Err(e) => return Err(e),
        };
        let stamp = loaded.as_ref().map(|l| l.bytes.clone()).unwrap_or_default();
        if !refresh {
            if let Some(hit) = self.snapshots.0.borrow().get(&key) {
                if hit.stamp == stamp {
                    let mut blocks = hit.blocks.clone();
                    blocks.reused = true;
                    return Ok(blocks);
                }
            }
        }
        let mut blocks = Blocks {
            version: loaded.as_ref().and_then(|l| l.rec.last_version_id.clone()),
            ..Default::default()
        };
        if let Some(l) = &loaded {
            for (target, prefix) in [
                (
                    &mut blocks.user,
                    Some(super::super::blocks::scope_prefix(None)),
                ),
                (
                    &mut blocks.agent,
                    agent.map(|a| super::super::blocks::scope_prefix(Some(a))),
                ),
            ] {
                let Some(prefix) = prefix else { continue };
                let mut records = self.entries_under(l, &prefix, 0, u64::MAX).await?;
                self.fill_content(l, &mut records).await?;
                for rec in records {
                    let body = super::super::blocks::BlockBody::parse(
                        rec.entry.content.as_deref().unwrap_or_default(),
                    )?;
                    let block = body.to_block(rec.entry.version);
                    let text = render::block(&block);
                    let tokens = self.text_tokens(&text);
                    target.push(RenderedBlock {
                        block,
                        text,
                        tokens,
                    });
                }
            }
        }
        let mut map = self.snapshots.0.borrow_mut();
        if map.len() >= MAX_ENTRIES && !map.contains_key(&key) {
            map.clear();
        }
        map.insert(
            key,
            Entry {
                stamp,
                blocks: blocks.clone(),
            },
        );
        Ok(blocks)
    }
}
