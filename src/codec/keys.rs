//! Order-preserving key encoding (tuple style, as in FoundationDB's tuple layer).
//!
//! A key is a sequence of parts. A string part is its UTF-8 bytes with `0x00` escaped as
//! `0x00 0xff`, terminated by `0x00`; a number part is 8 bytes big-endian. Byte-wise order of
//! encoded keys equals part-wise order of the tuples, and no encoded string is a prefix of
//! another string's encoding, so "all keys under this tuple" is a plain prefix scan.

use crate::kv::KeyRange;
use crate::time::Timestamp;

/// Builds one key from parts.
#[derive(Debug, Clone, Default)]
pub struct Key(Vec<u8>);

impl Key {
    /// A key whose first part is the table tag.
    pub fn table(tag: &str) -> Self {
        Key(Vec::with_capacity(64)).s(tag)
    }

    /// Appends a string part.
    pub fn s(mut self, part: &str) -> Self {
        for &b in part.as_bytes() {
            self.0.push(b);
            if b == 0 {
                self.0.push(0xff);
            }
        }
        self.0.push(0);
        self
    }

    /// Appends an unsigned number part.
    pub fn n(mut self, part: u64) -> Self {
        self.0.extend_from_slice(&part.to_be_bytes());
        self
    }

    /// Appends a timestamp part (order-preserving for negative times too).
    pub fn t(self, part: Timestamp) -> Self {
        self.n((part.0 as u64) ^ (1 << 63))
    }

    /// The encoded bytes.
    pub fn build(self) -> Vec<u8> {
        self.0
    }

    /// Every key that starts with this one.
    pub fn range(self) -> KeyRange {
        KeyRange::prefix(&self.0)
    }
}

/// Reads a trailing 8-byte number part from `key` (for keys ending in a number).
pub fn last_u64(key: &[u8]) -> Option<u64> {
    let tail: [u8; 8] = key.get(key.len().checked_sub(8)?..)?.try_into().ok()?;
    Some(u64::from_be_bytes(tail))
}

/// Splits a key into its string parts (for keys made only of string parts).
pub fn string_parts(key: &[u8]) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    while i < key.len() {
        match key[i] {
            0 if key.get(i + 1) == Some(&0xff) => {
                cur.push(0);
                i += 2;
            }
            0 => {
                parts.push(String::from_utf8(std::mem::take(&mut cur)).ok()?);
                i += 1;
            }
            b => {
                cur.push(b);
                i += 1;
            }
        }
    }
    if cur.is_empty() {
        Some(parts)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_parts_order_like_tuples_and_do_not_prefix_each_other() {
        let a = Key::table("t").s("ab").build();
        let b = Key::table("t").s("ab\0").build();
        let c = Key::table("t").s("abc").build();
        assert!(a < b && b < c);
        assert!(!Key::table("t").s("ab").range().contains(&c));
        assert!(Key::table("t")
            .s("ab")
            .range()
            .contains(&Key::table("t").s("ab").s("x").build()));
        assert_eq!(string_parts(&b), Some(vec!["t".into(), "ab\0".into()]));
    }

    #[test]
    fn numbers_and_timestamps_order_numerically() {
        let k = |n| Key::table("e").n(n).build();
        assert!(k(2) < k(10) && k(10) < k(1 << 40));
        let t = |m| Key::table("d").t(Timestamp(m)).build();
        assert!(t(-5) < t(0) && t(0) < t(7));
        assert_eq!(last_u64(&k(77)), Some(77));
    }
}
