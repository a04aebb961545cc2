//! The default host natively and on WASI: the system clock and OS-seeded randomness.

use super::Host;
use crate::time::Timestamp;
use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

/// System clock + SipHash keyed from the OS random source (std's `RandomState`).
#[derive(Debug, Default)]
pub struct SystemHost {
    state: RandomState,
    counter: Cell<u64>,
}

impl SystemHost {
    /// A new system host.
    pub fn new() -> Self {
        SystemHost::default()
    }
}

impl Host for SystemHost {
    fn now(&self) -> Timestamp {
        let micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        Timestamp(micros)
    }

    fn fill_random(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let n = self.counter.get().wrapping_add(1);
            self.counter.set(n);
            let mut h = self.state.build_hasher();
            h.write_u64(n);
            let r = h.finish().to_le_bytes();
            chunk.copy_from_slice(&r[..chunk.len()]);
        }
    }
}
