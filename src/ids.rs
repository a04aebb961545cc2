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

/// True when `id` has the given prefix and the shape `new_id` makes.
pub fn is_valid(prefix: &str, id: &str) -> bool {
    match id.strip_prefix(prefix).and_then(|r| r.strip_prefix('_')) {
        Some(rest) => rest.len() == 26 && rest.bytes().all(|c| ALPHABET.contains(&c)),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::ManualHost;

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
}
