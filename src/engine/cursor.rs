//! Chunked forward scans: lists read a key range a chunk at a time instead of all at once.

use super::kv_error;
use crate::error::Result;
use crate::kv::{Entry, KeyRange, Kv};

/// A forward cursor over a key range.
pub(crate) struct Cursor {
    range: KeyRange,
    chunk: usize,
    done: bool,
}

impl Cursor {
    /// A cursor reading `range` `chunk` entries at a time.
    pub(crate) fn new(range: KeyRange, chunk: usize) -> Self {
        Cursor {
            range,
            chunk,
            done: false,
        }
    }

    /// The next chunk, empty once the range is exhausted.
    pub(crate) async fn next(&mut self, kv: &dyn Kv) -> Result<Vec<Entry>> {
        if self.done {
            return Ok(Vec::new());
        }
        let entries = kv
            .scan(&self.range, self.chunk, false)
            .await
            .map_err(kv_error)?;
        match entries.last() {
            Some((last, _)) if entries.len() == self.chunk => self.range.start = successor(last),
            _ => self.done = true,
        }
        Ok(entries)
    }
}

/// The smallest key after `key`.
pub(crate) fn successor(key: &[u8]) -> Vec<u8> {
    let mut k = key.to_vec();
    k.push(0);
    k
}
