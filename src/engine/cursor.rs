//! Chunked forward scans: lists read a key range a chunk at a time instead of all at once.

use super::kv_error;
use crate::error::Result;
use crate::kv::{Entry, KeyRange, Kv};

/// A cursor over a key range, forward or (made with [`Cursor::reverse`]) backward.
pub(crate) struct Cursor {
    range: KeyRange,
    chunk: usize,
    done: bool,
    reverse: bool,
}

impl Cursor {
    /// A cursor reading `range` `chunk` entries at a time.
    pub(crate) fn new(range: KeyRange, chunk: usize) -> Self {
        Cursor {
            range,
            chunk,
            done: false,
            reverse: false,
        }
    }

    /// A cursor reading `range` from its end, `chunk` entries at a time.
    pub(crate) fn reverse(range: KeyRange, chunk: usize) -> Self {
        Cursor {
            range,
            chunk,
            done: false,
            reverse: true,
        }
    }

    /// The next chunk, empty once the range is exhausted.
    pub(crate) async fn next(&mut self, kv: &dyn Kv) -> Result<Vec<Entry>> {
        if self.done {
            return Ok(Vec::new());
        }
        let entries = kv
            .scan(&self.range, self.chunk, self.reverse)
            .await
            .map_err(kv_error)?;
        match entries.last() {
            Some((last, _)) if entries.len() == self.chunk => {
                if self.reverse {
                    self.range.end = Some(last.clone());
                } else {
                    self.range.start = successor(last);
                }
            }
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

/// Offset/limit paging over the items that pass a list's filters.
pub(crate) struct Pager<T> {
    /// Matches still to skip.
    pub skip: u64,
    limit: u64,
    items: Vec<T>,
}

impl<T> Pager<T> {
    /// A page skipping `offset` matches and holding at most `limit`.
    pub(crate) fn new(offset: u64, limit: u64) -> Self {
        Pager {
            skip: offset,
            limit,
            items: Vec::new(),
        }
    }

    /// Offers the next matching item; true once the page is full.
    pub(crate) fn offer(&mut self, item: T) -> bool {
        if self.skip > 0 {
            self.skip -= 1;
            return false;
        }
        self.items.push(item);
        self.items.len() as u64 >= self.limit
    }

    /// The page.
    pub(crate) fn into_items(self) -> Vec<T> {
        self.items
    }
}
