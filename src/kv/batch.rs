//! Write batches: ordered operations plus preconditions.

/// One write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Store `value` at `key`.
    Put(Vec<u8>, Vec<u8>),
    /// Remove `key` (no error when absent).
    Delete(Vec<u8>),
}

impl Op {
    /// The key this operation writes.
    pub fn key(&self) -> &[u8] {
        match self {
            Op::Put(k, _) | Op::Delete(k) => k,
        }
    }
}

/// A condition checked before a batch applies; a failed one makes the commit a conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// The key must not exist.
    Absent(Vec<u8>),
    /// The key must hold exactly these bytes.
    Equals(Vec<u8>, Vec<u8>),
}

impl Precondition {
    /// The key this condition reads.
    pub fn key(&self) -> &[u8] {
        match self {
            Precondition::Absent(k) | Precondition::Equals(k, _) => k,
        }
    }

    /// True when the current value `current` satisfies the condition.
    pub fn holds(&self, current: Option<&[u8]>) -> bool {
        match self {
            Precondition::Absent(_) => current.is_none(),
            Precondition::Equals(_, v) => current == Some(v.as_slice()),
        }
    }
}

/// Ordered operations and their preconditions. On a non-atomic backend the operations land
/// one at a time in this order, so the engine puts its commit point last.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// Writes, in protocol order.
    pub ops: Vec<Op>,
    /// Conditions checked before any write.
    pub preconditions: Vec<Precondition>,
    /// On a backend with epochs ([`super::Kv::epoch`]): commit only while the epoch is still
    /// this one, else `Conflict` with nothing applied. Only set when the backend has epochs.
    pub epoch: Option<u64>,
    /// On a backend with epochs: every other handle's epoch moves before the batch is visible
    /// (so what a handle read before can no longer pass for current). Others ignore it.
    pub exclusive: bool,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Batch::default()
    }

    /// Appends a put.
    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) -> &mut Self {
        self.ops.push(Op::Put(key, value));
        self
    }

    /// Appends a delete.
    pub fn delete(&mut self, key: Vec<u8>) -> &mut Self {
        self.ops.push(Op::Delete(key));
        self
    }

    /// Requires `key` to be absent.
    pub fn require_absent(&mut self, key: Vec<u8>) -> &mut Self {
        self.preconditions.push(Precondition::Absent(key));
        self
    }

    /// Requires `key` to hold `value`.
    pub fn require_equals(&mut self, key: Vec<u8>, value: Vec<u8>) -> &mut Self {
        self.preconditions.push(Precondition::Equals(key, value));
        self
    }

    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Total bytes of keys and values written (for quota accounting in tests).
    pub fn write_bytes(&self) -> usize {
        self.ops
            .iter()
            .map(|op| match op {
                Op::Put(k, v) => k.len() + v.len(),
                Op::Delete(k) => k.len(),
            })
            .sum()
    }
}
