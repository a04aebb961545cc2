//! A trivial executor for hosts whose storage answers synchronously (native tests with the
//! memory backend, component hosts with a synchronous KV import): poll once, no threads.

use crate::error::{Error, ErrorCode, Result};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Runs `fut` to completion when every await inside it is already ready; otherwise fails with
/// `unsupported` (an asynchronous backend needs a real executor, e.g. the browser's).
pub fn block_on<F: Future>(fut: F) -> Result<F::Output> {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    // A ready-only future completes on the first poll; a few more polls tolerate futures that
    // yield once cooperatively without ever needing a wake-up.
    for _ in 0..16 {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return Ok(v);
        }
    }
    Err(Error::new(
        ErrorCode::Unsupported,
        "the storage backend is asynchronous; drive memspace with an async executor",
    ))
}
