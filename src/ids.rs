//! Ids: a type prefix, then 10 base-32 characters of creation time (ms) and 16 of randomness,
//! so ids sort by creation time (as ULIDs do) and keys built from them list in creation order.

use crate::host::Host;

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Makes a new id such as `ses_01k9x…`.
pub fn new_id(prefix: &str, host: &dyn Host) -> String {
    let ms = (host.now().micros().max(0) / 1000) as u64;
    let mut rnd = [0u8; 10];
    host.fill_random(&mut rnd);
    let mut out = String::with_capacity(prefix.len() + 27);
    out.push_str(prefix);
    out.push('_');
    for i in (0..10).rev() {
        out.push(ALPHABET[((ms >> (i * 5)) & 31) as usize] as char);
    }
    let mut acc: u128 = 0;
    for b in rnd {
        acc = (acc << 8) | b as u128;
    }
    for i in (0..16).rev() {
        out.push(ALPHABET[((acc >> (i * 5)) & 31) as usize] as char);
    }
    out
}

/// The 10 characters of creation time of an id `new_id` made.
pub fn time_part(id: &str) -> Option<&str> {
    let (_, rest) = id.split_once('_')?;
    rest.get(..10)
}

/// The id of a session's `seq`-th extraction job: the session's time characters, 10
/// characters of a hash of the session id and `seq` in 6 characters, so a session's jobs sort
/// together and by seq, and the same job always gets the same id (a creation retried after a
/// crash overwrites its own orphan). `None` for a session id `new_id` did not make or a `seq`
/// of 2^30 or more.
pub fn job_id(session_id: &str, seq: u64) -> Option<String> {
    use sha2::{Digest, Sha256};
    if seq >= 1 << 30 {
        return None;
    }
    let time = time_part(session_id).filter(|t| t.bytes().all(|c| ALPHABET.contains(&c)))?;
    let hash = Sha256::digest(session_id.as_bytes());
    let mut acc: u64 = 0;
    for b in &hash[..8] {
        acc = (acc << 8) | *b as u64;
    }
    let mut out = String::with_capacity(30);
    out.push_str("job_");
    out.push_str(time);
    for i in (0..10).rev() {
        out.push(ALPHABET[((acc >> (i * 5)) & 31) as usize] as char);
    }
    for i in (0..6).rev() {
        out.push(ALPHABET[((seq >> (i * 5)) & 31) as usize] as char);
    }
    Some(out)
}

/// An id made from `material` instead of randomness: `prefix`, the time of `at`, and 16
/// characters of the material's SHA-256. The same material at the same time gives the same id.
pub fn derived_id(prefix: &str, at: crate::time::Timestamp, material: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let ms = (at.micros().max(0) / 1000) as u64;
    let hash = Sha256::digest(material);
    let mut acc: u128 = 0;
    for b in &hash[..10] {
        acc = (acc << 8) | *b as u128;
    }
    let mut out = String::with_capacity(prefix.len() + 27);
    out.push_str(prefix);
    out.push('_');
    for i in (0..10).rev() {
        out.push(ALPHABET[((ms >> (i * 5)) & 31) as usize] as char);
    }
    for i in (0..16).rev() {
        out.push(ALPHABET[((acc >> (i * 5)) & 31) as usize] as char);
    }
    out
}

/// True when `id` has the given prefix and the shape `new_id` makes.
pub fn is_valid(prefix: &str, id: &str) -> bool {
    match id.strip_prefix(prefix).and_then(|r| r.strip_prefix('_')) {
        Some(rest) => rest.len() == 26 && rest.bytes().all(|c| ALPHABET.contains(&c)),
        None => false,
    }
}

/// Makes a new id that sorts after `last` (an id with the same prefix), for records that must
/// list in recording order even when the clock stalls or steps back: a fresh id when it already
/// sorts after `last`, else `last` plus one in its last characters (as monotonic ULIDs do).
/// `None` only when `last` is the largest id there is.
pub fn new_id_after(prefix: &str, last: Option<&str>, host: &dyn Host) -> Option<String> {
    let fresh = new_id(prefix, host);
    let Some(last) = last.filter(|l| is_valid(prefix, l) && fresh.as_str() <= *l) else {
        return Some(fresh);
    };
    let mut out = last.as_bytes().to_vec();
    for i in (prefix.len() + 1..out.len()).rev() {
        let pos = ALPHABET.iter().position(|c| *c == out[i])?;
        if pos + 1 < ALPHABET.len() {
            out[i] = ALPHABET[pos + 1];
            return String::from_utf8(out).ok();
        }
        out[i] = ALPHABET[0];
    }
    None
}

/// The 128-bit number an id stands for (its 26 characters read as base 32), when it has the
/// prefix and fits 128 bits (every id `new_id` makes before the year 10889 does).
pub fn to_u128(prefix: &str, id: &str) -> Option<u128> {
    if !is_valid(prefix, id) {
        return None;
    }
    let rest = &id[prefix.len() + 1..];
    let mut acc: u128 = 0;
    for c in rest.bytes() {
        let d = ALPHABET.iter().position(|&a| a == c)? as u128;
        acc = acc.checked_mul(32)?.checked_add(d)?;
    }
    Some(acc)
}

/// The id with `prefix` that stands for `n` (the inverse of [`to_u128`]).
pub fn from_u128(prefix: &str, n: u128) -> String {
    let mut out = String::with_capacity(prefix.len() + 27);
    out.push_str(prefix);
    out.push('_');
    for i in (0..26).rev() {
        out.push(ALPHABET[((n >> (i * 5)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::ManualHost;

    #[test]
    fn an_id_and_its_128_bit_number_convert_both_ways() {
        let host = ManualHost::default();
        let id = new_id("spc", &host);
        let n = to_u128("spc", &id).unwrap();
        assert_eq!(from_u128("spc", n), id);
        assert_eq!(
            to_u128("spc", &from_u128("spc", u128::MAX)),
            Some(u128::MAX)
        );
        assert_eq!(
            to_u128("spc", "spc_8zzzzzzzzzzzzzzzzzzzzzzzzz"),
            None,
            "over 128 bits"
        );
        assert_eq!(to_u128("ses", &id), None, "other prefix");
    }

    #[test]
    fn ids_sort_by_creation_time_and_have_the_prefix() {
        let host = ManualHost::default();
        let a = new_id("ses", &host);
        host.advance_micros(1000);
        let b = new_id("ses", &host);
        assert!(a < b);
        assert!(is_valid("ses", &a));
        assert!(!is_valid("spc", &a));
        assert!(!is_valid("ses", "ses_../../x"));
    }

    #[test]
    fn job_ids_are_derived_from_the_session_and_sort_by_seq() {
        let host = ManualHost::default();
        let ses = new_id("ses", &host);
        let a = job_id(&ses, 0).unwrap();
        let b = job_id(&ses, 1).unwrap();
        assert!(is_valid("job", &a) && a < b);
        assert_eq!(job_id(&ses, 1).unwrap(), b);
        assert_eq!(time_part(&a), time_part(&ses));
        assert_ne!(job_id(&new_id("ses", &host), 0).unwrap(), a);
        assert_eq!(job_id("nope", 0), None);
        assert_eq!(job_id(&ses, 1 << 30), None);
        let m = derived_id("mry", host.now(), b"job_x/0/0/1");
        assert!(is_valid("mry", &m));
        assert_eq!(m, derived_id("mry", host.now(), b"job_x/0/0/1"));
        assert_ne!(m, derived_id("mry", host.now(), b"job_x/0/0/2"));
    }

    #[test]
    fn ids_made_after_another_sort_after_it_even_when_the_clock_steps_back() {
        let host = ManualHost::default();
        host.advance_micros(5_000_000);
        let late = new_id("v", &host);
        host.set_now(crate::time::Timestamp(0));
        let next = new_id_after("v", Some(&late), &host).unwrap();
        assert!(next > late && is_valid("v", &next));
        let carry = format!("v_{}", "z".repeat(25) + "y");
        assert_eq!(
            new_id_after("v", Some(&carry), &host).unwrap(),
            format!("v_{}", "z".repeat(26))
        );
        assert_eq!(
            new_id_after("v", Some(&format!("v_{}", "z".repeat(26))), &host),
            None
        );
        let fresh = new_id_after("v", None, &host).unwrap();
        assert!(is_valid("v", &fresh));
    }
}
