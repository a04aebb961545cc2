//! The primitives of the binary value formats: LEB128 varints, zigzag for signed numbers,
//! length-prefixed strings, and a bounds-checked reader whose every failure is a `storage`
//! error.

use crate::error::{Error, Result};

/// Appends `v` as a LEB128 varint (7 bits a byte, low first).
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Maps a signed number to an unsigned one small for small magnitudes.
pub fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// The inverse of [`zigzag`].
pub fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Appends a string as its length then its UTF-8.
pub fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Appends an optional string: varint 0 for none, else its length + 1 then its UTF-8.
pub fn put_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            put_varint(out, s.len() as u64 + 1);
            out.extend_from_slice(s.as_bytes());
        }
    }
}

/// Reads the fields of a binary value front to back.
pub struct Reader<'a>(pub &'a [u8]);

impl<'a> Reader<'a> {
    /// The next varint.
    pub fn varint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for (i, &b) in self.0.iter().enumerate().take(10) {
            v |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                self.0 = &self.0[i + 1..];
                return Ok(v);
            }
        }
        Err(Error::storage("malformed value (varint)"))
    }

    /// The next `len` bytes as UTF-8.
    pub fn str(&mut self, len: u64) -> Result<&'a str> {
        let len = usize::try_from(len).map_err(|_| Error::storage("malformed value (length)"))?;
        if len > self.0.len() {
            return Err(Error::storage("malformed value (length)"));
        }
        let (s, rest) = self.0.split_at(len);
        self.0 = rest;
        std::str::from_utf8(s).map_err(|_| Error::storage("malformed value (UTF-8)"))
    }

    /// The next string written by [`put_str`].
    pub fn string(&mut self) -> Result<&'a str> {
        let n = self.varint()?;
        self.str(n)
    }

    /// The next string written by [`put_opt_str`].
    pub fn opt_str(&mut self) -> Result<Option<&'a str>> {
        match self.varint()? {
            0 => Ok(None),
            n => self.str(n - 1).map(Some),
        }
    }
}
