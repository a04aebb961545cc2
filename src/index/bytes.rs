//! Binary page encoding: `[kind: u8][crc32 of payload: u32 LE][payload]`.
//!
//! Index pages are read on every query, so they are compact little-endian binary rather than
//! the JSON envelope of records. The checksum turns a torn or corrupted page into a `storage`
//! error instead of a wrong answer; every read is bounds-checked (no panic on bad bytes).

use crate::error::{Error, Result};

/// Bytes before the payload: kind and checksum.
const HEADER: usize = 5;

/// Appends little-endian values to a buffer. The buffer starts with room for the header,
/// which [`Writer::seal`] fills in place (the payload is never copied).
#[derive(Debug)]
pub struct Writer(Vec<u8>);

impl Default for Writer {
    fn default() -> Self {
        Writer::with_capacity(0)
    }
}

impl Writer {
    /// A writer with room for `cap` payload bytes.
    pub fn with_capacity(cap: usize) -> Self {
        let mut v = Vec::with_capacity(HEADER + cap);
        v.extend_from_slice(&[0; HEADER]);
        Writer(v)
    }
    /// Appends a byte.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    /// Appends a u16.
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// Appends a u32.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// Appends an i64.
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// Appends an f32.
    pub fn f32(&mut self, v: f32) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// Appends raw bytes.
    pub fn raw(&mut self, v: &[u8]) -> &mut Self {
        self.0.extend_from_slice(v);
        self
    }
    /// Appends signed bytes as they are (two's complement).
    pub fn i8s(&mut self, v: &[i8]) -> &mut Self {
        self.0.extend(v.iter().map(|x| *x as u8));
        self
    }
    /// Appends a length-prefixed (u16) string; longer strings are an encoding error.
    pub fn str(&mut self, v: &str) -> Result<&mut Self> {
        let len = u16::try_from(v.len()).map_err(|_| Error::storage("index string too long"))?;
        self.u16(len);
        self.0.extend_from_slice(v.as_bytes());
        Ok(self)
    }
    /// The page: kind byte, checksum, payload.
    pub fn seal(self, kind: u8) -> Vec<u8> {
        // Every constructor starts the buffer with HEADER bytes, so these ranges exist.
        let mut out = self.0;
        let crc = crate::codec::crc32::hash(&out[HEADER..]);
        out[0] = kind;
        out[1..HEADER].copy_from_slice(&crc.to_le_bytes());
        out
    }
}

/// Reads little-endian values from a page payload; every read is bounds-checked.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

fn torn() -> Error {
    Error::storage("index page is truncated or malformed")
}

impl<'a> Reader<'a> {
    /// Opens a page of `kind`, checking its checksum.
    pub fn open(bytes: &'a [u8], kind: u8) -> Result<Self> {
        if bytes.len() < 5 {
            return Err(torn());
        }
        if bytes[0] != kind {
            return Err(Error::storage(format!(
                "index page of kind {} where {kind} was expected",
                bytes[0]
            )));
        }
        let mut crc = [0u8; 4];
        crc.copy_from_slice(&bytes[1..5]);
        let payload = &bytes[5..];
        if crate::codec::crc32::hash(payload) != u32::from_le_bytes(crc) {
            return Err(Error::storage("index page checksum mismatch"));
        }
        Ok(Reader {
            buf: payload,
            pos: 0,
        })
    }
    /// Takes `n` raw bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or_else(torn)?;
        let s = self.buf.get(self.pos..end).ok_or_else(torn)?;
        self.pos = end;
        Ok(s)
    }
    fn arr<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    /// Reads a byte.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    /// Reads a u16.
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.arr()?))
    }
    /// Reads a u32.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.arr()?))
    }
    /// Reads an i64.
    pub fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.arr()?))
    }
    /// Reads an f32.
    pub fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_le_bytes(self.arr()?))
    }
    /// Reads a length-prefixed string.
    pub fn str(&mut self) -> Result<String> {
        let n = self.u16()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| torn())
    }
    /// Skips a length-prefixed string.
    pub fn skip_str(&mut self) -> Result<()> {
        let n = self.u16()? as usize;
        self.take(n).map(|_| ())
    }
    /// True when every byte was read.
    pub fn done(&self) -> bool {
        self.pos == self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_page_is_kind_then_payload_checksum_then_payload() {
        let mut w = Writer::with_capacity(2);
        w.u16(0x0102).i8s(&[-1, 5]).raw(b"ab");
        let payload = [2u8, 1, 0xff, 5, b'a', b'b'];
        let mut want = vec![0x58];
        want.extend_from_slice(&crate::codec::crc32::hash(&payload).to_le_bytes());
        want.extend_from_slice(&payload);
        assert_eq!(w.seal(0x58), want);
        assert_eq!(Writer::default().seal(1).len(), 5);
    }

    #[test]
    fn pages_round_trip_and_corruption_is_a_storage_error() {
        let mut w = Writer::default();
        w.u8(7).u16(300).u32(70000).i64(-5).f32(1.5);
        w.str("héllo").unwrap();
        let mut page = w.seal(9);
        let mut r = Reader::open(&page, 9).unwrap();
        assert_eq!(
            (
                r.u8().unwrap(),
                r.u16().unwrap(),
                r.u32().unwrap(),
                r.i64().unwrap(),
                r.f32().unwrap()
            ),
            (7, 300, 70000, -5, 1.5)
        );
        assert_eq!(r.str().unwrap(), "héllo");
        assert!(r.done() && r.u8().is_err());
        assert!(Reader::open(&page, 8).is_err());
        let last = page.len() - 1;
        page[last] ^= 1;
        assert_eq!(
            Reader::open(&page, 9).unwrap_err().code,
            crate::ErrorCode::Storage
        );
        assert!(Reader::open(&[9, 0], 9).is_err());
    }
}
