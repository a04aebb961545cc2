//! The imported `host` interface as the engine's [`Host`] seam.

use super::memspace::memory::host as wit;
use crate::host::Host;
use crate::time::Timestamp;

/// Clock, randomness and token counting, reached through the `host` import.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ImportedHost;

impl Host for ImportedHost {
    fn now(&self) -> Timestamp {
        Timestamp(wit::now())
    }

    fn fill_random(&self, buf: &mut [u8]) {
        let bytes = wit::random_bytes(u32::try_from(buf.len()).unwrap_or(u32::MAX));
        // A host that returns too few bytes gets zeros for the rest (documented in host.wit).
        for (i, b) in buf.iter_mut().enumerate() {
            *b = bytes.get(i).copied().unwrap_or(0);
        }
    }

    fn count_tokens(&self, text: &str) -> Option<u64> {
        wit::count_tokens(text)
    }
}
