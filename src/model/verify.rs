//! The report of `verify_space`: what a walk over a space's records found wrong.

use serde::{Deserialize, Serialize};

/// What kind of damage a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A value fails its checksum or does not decode (it reads as a `storage` error).
    Corrupt,
    /// A record names another record that does not exist.
    Dangling,
    /// A counter disagrees with the records it counts.
    CountMismatch,
}

/// One thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// The kind of damage.
    pub kind: ProblemKind,
    /// The record, as `tag/part/…` (numbers as `#n`).
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

/// The outcome of `verify_space`: every problem found, not only the first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    /// Records read and checked.
    pub records_checked: u64,
    /// Problems found, in walk order (at most 1,000).
    pub problems: Vec<Problem>,
    /// True when more problems were found than listed.
    pub truncated: bool,
}

impl VerifyReport {
    /// True when nothing was found wrong.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}
