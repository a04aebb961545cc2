//! Engine keys (arbitrary bytes) as Fastly KV keys (1–1024 bytes of UTF-8 without `#;?^|`, CR
//! or LF, not `.`/`..`, not under `.well-known/acme-challenge/`; Viceroy also refuses `./` and
//! `../` anywhere).
//!
//! Every key is `m/` followed by its bytes, one unit per byte: a byte in [`SAFE`] stands for
//! itself, any other byte is `%` and two uppercase hex digits. The encoding is a prefix code,
//! so the encoding of a byte prefix is a string prefix of the encoding of the key (prefix
//! listing works) and decoding is unambiguous. Order is not preserved (`%` sorts between
//! literals): scans sort the decoded keys themselves, which they must do anyway because
//! Fastly does not document an order for its listing.

/// Before every engine key: keeps keys clear of `.`, `..` and `.well-known/…`, and lets the
/// store hold other data beside memspace's.
pub const KEY_PREFIX: &str = "m/";

/// Fastly's key limit, in bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// Fastly's default value limit, in bytes (25 MB).
pub const MAX_VALUE_BYTES: usize = 25 * 1000 * 1000;

/// Bytes that stand for themselves in an encoded key (not `.`: no `./` or `../` can appear).
fn safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-_~/:@!$&'()*+,=".contains(&b)
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// The Fastly key of an engine key (no length check; see [`check`]).
pub fn encode(key: &[u8]) -> String {
    let mut out = String::with_capacity(KEY_PREFIX.len() + key.len() * 2);
    out.push_str(KEY_PREFIX);
    for &b in key {
        if safe(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

/// The length of [`encode`]`(key)`, without building it.
pub fn encoded_len(key: &[u8]) -> usize {
    KEY_PREFIX.len()
        + key
            .iter()
            .map(|&b| if safe(b) { 1 } else { 3 })
            .sum::<usize>()
}

fn unhex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The engine key of a Fastly key (`None`: not a key this encoding wrote).
pub fn decode(s: &str) -> Option<Vec<u8>> {
    let b = s.strip_prefix(KEY_PREFIX)?.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hi = unhex(*b.get(i + 1)?)?;
            let lo = unhex(*b.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else if safe(b[i]) {
            out.push(b[i]);
            i += 1;
        } else {
            return None;
        }
    }
    Some(out)
}

/// Why a key or value cannot be stored in Fastly's KV store.
pub fn check(encoded: &str, value_len: usize) -> Result<(), String> {
    if encoded.len() > MAX_KEY_BYTES {
        return Err(format!(
            "a key of {} bytes (encoded) exceeds Fastly KV's {MAX_KEY_BYTES}-byte key limit",
            encoded.len()
        ));
    }
    if value_len > MAX_VALUE_BYTES {
        return Err(format!(
            "a value of {value_len} bytes exceeds Fastly KV's {MAX_VALUE_BYTES}-byte value limit"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips_and_encodes_to_allowed_characters() {
        let all: Vec<u8> = (0..=255u8).collect();
        let e = encode(&all);
        assert_eq!(decode(&e).as_deref(), Some(all.as_slice()));
        for bad in ['#', ';', '?', '^', '|', '\n', '\r', ' ', '.'] {
            assert!(!e.contains(bad), "{bad:?} in {e}");
        }
        assert!(e.is_ascii());
    }

    #[test]
    fn encoded_len_is_the_length_of_the_encoding() {
        for key in [
            &b""[..],
            b"ev\0sp\0\xff\x01abc",
            b"a.md/b c/\xc3\xa9",
            &[0u8; 341],
        ] {
            assert_eq!(encoded_len(key), encode(key).len());
        }
    }

    #[test]
    fn the_encoding_of_a_prefix_is_a_prefix() {
        let key = b"ev\0sp\0\xff\x01abc";
        for n in 0..=key.len() {
            assert!(encode(key).starts_with(&encode(&key[..n])));
        }
    }

    #[test]
    fn foreign_or_malformed_keys_do_not_decode() {
        assert_eq!(decode("other/x"), None);
        assert_eq!(decode("m/%4"), None);
        assert_eq!(decode("m/%zz"), None);
        assert_eq!(decode("m/a b"), None);
        assert_eq!(decode("m/"), Some(Vec::new()));
    }

    #[test]
    fn keys_over_the_limit_and_huge_values_are_refused() {
        assert!(check(&encode(&[b'a'; 1022]), 10).is_ok());
        assert!(check(&encode(&[b'a'; 1023]), 10).is_err());
        assert!(check(&encode(&[0u8; 340]), 10).is_ok());
        assert!(check(&encode(&[0u8; 341]), 10).is_err());
        assert!(check("m/x", MAX_VALUE_BYTES + 1).is_err());
    }
}
