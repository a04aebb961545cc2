//! A deterministic host: a clock that moves only when told and a seeded generator.

use super::Host;
use crate::time::Timestamp;
use std::cell::Cell;
use std::rc::Rc;

/// Deterministic host for tests and simulations; clones share the clock and generator.
#[derive(Clone, Debug)]
pub struct ManualHost {
    now: Rc<Cell<i64>>,
    rng: Rc<Cell<u64>>,
}

impl ManualHost {
    /// A host whose clock reads `start` and whose generator is seeded with `seed`.
    pub fn new(start: Timestamp, seed: u64) -> Self {
        ManualHost {
            now: Rc::new(Cell::new(start.0)),
            rng: Rc::new(Cell::new(seed)),
        }
    }

    /// An independent copy with the same clock reading and generator state (replays ids).
    pub fn fork(&self) -> Self {
        ManualHost::new(Timestamp(self.now.get()), self.rng.get())
    }

    /// Moves the clock forward by `secs` seconds.
    pub fn advance_secs(&self, secs: i64) {
        self.now.set(Timestamp(self.now.get()).plus_secs(secs).0);
    }

    /// Moves the clock forward by `micros` microseconds.
    pub fn advance_micros(&self, micros: i64) {
        self.now.set(self.now.get().saturating_add(micros));
    }

    /// Sets the clock.
    pub fn set_now(&self, t: Timestamp) {
        self.now.set(t.0);
    }

    fn next_u64(&self) -> u64 {
        // splitmix64
        let s = self.rng.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.rng.set(s);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Default for ManualHost {
    fn default() -> Self {
        // 2026-01-01T00:00:00Z
        ManualHost::new(Timestamp::from_secs(1_767_225_600), 42)
    }
}

impl Host for ManualHost {
    fn now(&self) -> Timestamp {
        Timestamp(self.now.get())
    }

    fn fill_random(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let r = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&r[..chunk.len()]);
        }
    }
}
