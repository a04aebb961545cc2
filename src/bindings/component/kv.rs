//! The imported `kv` interface as the engine's [`Kv`] seam. The import is synchronous, so
//! every future returned here is already complete.

use super::memspace::memory::kv as wit;
use crate::kv::{
    Batch, Capabilities, Entry, KeyRange, Kv, KvError, KvFuture, Limits, Op, Precondition,
};
use std::future::ready;

/// The host's store, reached through the `kv` import.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct HostKv;

fn kv_error(e: wit::KvError) -> KvError {
    match e {
        wit::KvError::Conflict(key) => KvError::Conflict { key },
        wit::KvError::Quota(m) => KvError::Quota(m),
        wit::KvError::Storage(m) => KvError::Storage(m),
    }
}

fn entry(key: Vec<u8>, value: Vec<u8>) -> wit::Entry {
    wit::Entry { key, value }
}

fn batch(b: Batch) -> wit::Batch {
    wit::Batch {
        ops: b
            .ops
            .into_iter()
            .map(|op| match op {
                Op::Put(k, v) => wit::Op::Put(entry(k, v)),
                Op::Delete(k) => wit::Op::Delete(k),
            })
            .collect(),
        preconditions: b
            .preconditions
            .into_iter()
            .map(|p| match p {
                Precondition::Absent(k) => wit::Precondition::Absent(k),
                Precondition::Equals(k, v) => wit::Precondition::Equals(entry(k, v)),
            })
            .collect(),
    }
}

impl Kv for HostKv {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            atomic_batches: wit::capabilities().atomic_batches,
        }
    }

    fn limits(&self) -> Limits {
        let c = wit::capabilities();
        Limits {
            max_key_bytes: c.max_key_bytes.map(|n| n as usize),
            max_value_bytes: c.max_value_bytes.map(|n| n as usize),
        }
    }

    fn get<'a>(&'a self, key: &'a [u8]) -> KvFuture<'a, Option<Vec<u8>>> {
        Box::pin(ready(wit::get(key).map_err(kv_error)))
    }

    fn get_many<'a>(&'a self, keys: &'a [Vec<u8>]) -> KvFuture<'a, Vec<Option<Vec<u8>>>> {
        let result = wit::get_many(keys).map_err(kv_error).and_then(|values| {
            if values.len() == keys.len() {
                Ok(values)
            } else {
                Err(KvError::Storage(format!(
                    "kv.get-many returned {} values for {} keys",
                    values.len(),
                    keys.len()
                )))
            }
        });
        Box::pin(ready(result))
    }

    fn scan<'a>(
        &'a self,
        range: &'a KeyRange,
        limit: usize,
        reverse: bool,
    ) -> KvFuture<'a, Vec<Entry>> {
        let range = wit::KeyRange {
            start: range.start.clone(),
            end: range.end.clone(),
        };
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        let result = wit::scan(&range, limit, reverse)
            .map(|entries| entries.into_iter().map(|e| (e.key, e.value)).collect());
        Box::pin(ready(result.map_err(kv_error)))
    }

    fn commit<'a>(&'a self, b: Batch) -> KvFuture<'a, ()> {
        Box::pin(ready(wit::commit(&batch(b)).map_err(kv_error)))
    }
}
