//! The engine's host on Fastly Compute: the wall clock and randomness from WASI.

use memspace::host::Host;
use memspace::Timestamp;
use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

/// System clock + SipHash keyed from WASI's random source (std's `RandomState`).
#[derive(Debug, Default)]
pub struct FastlyHost {
    state: RandomState,
    counter: Cell<u64>,
}

impl Host for FastlyHost {
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
