//! The two helpers every suite uses: run an engine future, assert an error code.

use memspace::runtime::block_on;
use memspace::{ErrorCode, Result};
use std::future::Future;

/// Runs an engine future on the synchronous executor.
pub fn run<T>(f: impl Future<Output = Result<T>>) -> Result<T> {
    block_on(f).and_then(|r| r)
}

/// Asserts that `r` failed with `code` and returns the error.
#[track_caller]
pub fn expect_code<T: std::fmt::Debug>(r: Result<T>, code: ErrorCode) -> memspace::Error {
    match r {
        Ok(v) => panic!("expected {code}, got Ok({v:?})"),
        Err(e) => {
            assert_eq!(e.code, code, "unexpected error: {e}");
            e
        }
    }
}
