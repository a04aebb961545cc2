//! CRC-32 (IEEE 802.3, the checksum of zip and PNG) of value envelopes and index blobs.
//!
//! Native builds use `crc32fast` (hardware carry-less multiply where there is one). WebAssembly
//! builds compute the same slice-by-16 tables `crc32fast` ships, but once at first use instead of
//! as 16 KB of constants in the module: the npm package's default module has a size budget, and
//! those tables gzip to almost their own size. Both give the same checksum (tested below).

/// The CRC-32 of `bytes`.
#[cfg(not(target_arch = "wasm32"))]
pub fn hash(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

/// The CRC-32 of `bytes`.
#[cfg(target_arch = "wasm32")]
pub fn hash(bytes: &[u8]) -> u32 {
    static TABLES: std::sync::OnceLock<Box<Tables>> = std::sync::OnceLock::new();
    slice_by_16(TABLES.get_or_init(tables), bytes)
}

/// Sixteen 256-entry tables: `t[0]` is the byte-wise table, `t[k][b]` advances `t[k-1][b]`
/// by one more zero byte.
type Tables = [[u32; 256]; 16];

/// The reflected polynomial 0x04C11DB7.
const POLY: u32 = 0xEDB8_8320;

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // natively only in tests
fn tables() -> Box<Tables> {
    let mut t = Box::new([[0u32; 256]; 16]);
    for b in 0..256 {
        let mut c = b as u32;
        for _ in 0..8 {
            c = if c & 1 == 1 { (c >> 1) ^ POLY } else { c >> 1 };
        }
        t[0][b] = c;
    }
    for k in 1..16 {
        for b in 0..256 {
            let prev = t[k - 1][b];
            t[k][b] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
        }
    }
    t
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // natively only in tests
fn slice_by_16(t: &Tables, bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    let mut chunks = bytes.chunks_exact(16);
    for c in &mut chunks {
        let a = crc ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        crc = t[15][(a & 0xFF) as usize]
            ^ t[14][((a >> 8) & 0xFF) as usize]
            ^ t[13][((a >> 16) & 0xFF) as usize]
            ^ t[12][(a >> 24) as usize]
            ^ t[11][c[4] as usize]
            ^ t[10][c[5] as usize]
            ^ t[9][c[6] as usize]
            ^ t[8][c[7] as usize]
            ^ t[7][c[8] as usize]
            ^ t[6][c[9] as usize]
            ^ t[5][c[10] as usize]
            ^ t[4][c[11] as usize]
            ^ t[3][c[12] as usize]
            ^ t[2][c[13] as usize]
            ^ t[1][c[14] as usize]
            ^ t[0][c[15] as usize];
    }
    for &b in chunks.remainder() {
        crc = (crc >> 8) ^ t[0][((crc ^ b as u32) & 0xFF) as usize];
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_driven_checksum_gives_the_crc32_check_value() {
        let t = tables();
        assert_eq!(slice_by_16(&t, b"123456789"), 0xCBF4_3926);
        assert_eq!(slice_by_16(&t, b""), 0);
    }

    #[cfg(not(target_arch = "wasm32"))] // crc32fast is a native dependency only
    #[test]
    fn the_table_driven_checksum_equals_crc32fast_at_every_length_and_alignment() {
        let t = tables();
        let data: Vec<u8> = (0..2100u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for len in (0..100).chain([255, 256, 1000, 1999]) {
            for start in 0..3 {
                let s = &data[start..start + len];
                assert_eq!(
                    slice_by_16(&t, s),
                    crc32fast::hash(s),
                    "len {len} start {start}"
                );
            }
        }
    }
}
