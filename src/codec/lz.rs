//! A small LZ77 byte compressor for event bodies (IndexedDB's LevelDB keeps its newest
//! megabytes in an uncompressed log, so text stored there costs its full size).
//!
//! Stream: a sequence of tokens, each a varint `t`: `t & 1 == 0` is a literal run of `t >> 1`
//! bytes that follow; `t & 1 == 1` is a match of `(t >> 1) + MIN_MATCH` bytes copied from
//! `offset` (a varint that follows, ≥ 1) bytes back in the output. Greedy, one hash probe per
//! position: fast, and small in code.

use crate::error::{Error, Result};

const MIN_MATCH: usize = 4;
const HASH_BITS: u32 = 12;

fn put_varint(out: &mut Vec<u8>, mut v: usize) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn hash(b: &[u8]) -> usize {
    let v = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

/// Appends `src` compressed to `out`.
pub fn compress(src: &[u8], out: &mut Vec<u8>) {
    // Positions + 1 of the last occurrence of each hash (0 = none).
    let mut table = vec![0u32; 1 << HASH_BITS];
    let mut lit = 0; // start of the pending literal run
    let mut i = 0;
    while i + MIN_MATCH <= src.len() {
        let h = hash(&src[i..]);
        let cand = table[h] as usize;
        table[h] = (i + 1) as u32;
        if cand > 0 && src[cand - 1..cand - 1 + MIN_MATCH] == src[i..i + MIN_MATCH] {
            let from = cand - 1;
            let mut len = MIN_MATCH;
            while i + len < src.len() && src[from + len] == src[i + len] {
                len += 1;
            }
            if lit < i {
                put_varint(out, (i - lit) << 1);
                out.extend_from_slice(&src[lit..i]);
            }
            put_varint(out, ((len - MIN_MATCH) << 1) | 1);
            put_varint(out, i - from);
            i += len;
            lit = i;
        } else {
            i += 1;
        }
    }
    if lit < src.len() {
        put_varint(out, (src.len() - lit) << 1);
        out.extend_from_slice(&src[lit..]);
    }
}

fn varint(src: &[u8], pos: &mut usize) -> Result<usize> {
    let mut v = 0usize;
    for shift in (0..35).step_by(7) {
        let b = *src.get(*pos).ok_or_else(malformed)?;
        *pos += 1;
        v |= usize::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Ok(v);
        }
    }
    Err(malformed())
}

fn malformed() -> Error {
    Error::storage("malformed compressed body")
}

/// Appends the decompression of `src` to `out`, refusing output longer than `max` bytes.
pub fn decompress(src: &[u8], out: &mut Vec<u8>, max: usize) -> Result<()> {
    let base = out.len();
    let mut pos = 0;
    while pos < src.len() {
        let t = varint(src, &mut pos)?;
        let len = t >> 1;
        let produced = out.len() - base;
        if t & 1 == 0 {
            let end = pos.checked_add(len).ok_or_else(malformed)?;
            let run = src.get(pos..end).ok_or_else(malformed)?;
            if produced + len > max {
                return Err(malformed());
            }
            out.extend_from_slice(run);
            pos = end;
        } else {
            let len = len + MIN_MATCH;
            let offset = varint(src, &mut pos)?;
            if offset == 0 || offset > produced || produced + len > max {
                return Err(malformed());
            }
            // In pieces of at most `offset` bytes: a match may overlap the bytes it produces
            // (a repeated run), and each piece then copies bytes already written.
            let mut left = len;
            while left > 0 {
                let n = left.min(offset);
                let from = out.len() - offset;
                out.extend_from_within(from..from + n);
                left -= n;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(src: &[u8]) -> Vec<u8> {
        let mut c = Vec::new();
        compress(src, &mut c);
        let mut out = b"prefix".to_vec();
        decompress(&c, &mut out, src.len()).unwrap();
        assert_eq!(&out[6..], src);
        c
    }

    #[test]
    fn compressed_text_decompresses_to_itself_and_repetition_shrinks() {
        for s in [
            &b""[..],
            b"a",
            b"abcd",
            b"aaaaaaaaaaaaaaaaaaaaaaaaaa",
            b"abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc",
            b"abcdefgh-abcdefgh-abcdefgh-abcdefgh-abcdefgh-abcdefgh-x",
            "{\"content\":\"héllo wörld, héllo wörld, héllo\"}".as_bytes(),
        ] {
            round_trip(s);
        }
        let text = "lorem ipsum dolor sit amet ".repeat(10);
        assert!(round_trip(text.as_bytes()).len() < 60);
        let noise: Vec<u8> = (0..5000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        round_trip(&noise);
    }

    #[test]
    fn malformed_or_oversized_streams_are_storage_errors() {
        let mut c = Vec::new();
        compress(&"xyz".repeat(100).into_bytes(), &mut c);
        assert!(decompress(&c, &mut Vec::new(), 299).is_err());
        for bad in [
            &[0x03, 0x01][..],
            &[0x03, 0x00],
            &[0x04, b'a'],
            &[0x80],
            &[0x01],
        ] {
            assert_eq!(
                decompress(bad, &mut Vec::new(), 1000).unwrap_err().code,
                crate::ErrorCode::Storage
            );
        }
        for n in 0..c.len() {
            let _ = decompress(&c[..n], &mut Vec::new(), 300);
        }
    }
}
