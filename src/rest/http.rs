//! The HTTP exchange without a framework: a [`Request`] as the host received it (method, raw
//! path, raw query, headers, body bytes) and the [`Response`] it sends back. Paths and queries
//! stay percent-encoded until a route decodes them, so a malformed escape is an error in the
//! API's own shape rather than something the host had to reject.

use serde::Serialize;
use serde_json::Value;

/// Largest request body, in bytes (1 MiB). A host reads at most one byte more than this and
/// passes what it read; a body (or a `Content-Length`) over the cap is answered with 413
/// before anything is parsed.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// One HTTP request as the host received it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, … (compared case-sensitively, as HTTP methods are).
    pub method: String,
    /// The path, still percent-encoded (`/api/v2/memory/…/`).
    pub path: String,
    /// The query string without the `?`, still percent-encoded (`""` when none).
    pub query: String,
    /// Header names and values as received (names compared case-insensitively).
    pub headers: Vec<(String, String)>,
    /// The body bytes (at most [`MAX_BODY_BYTES`] + 1: a host stops reading there).
    pub body: Vec<u8>,
}

impl Request {
    /// A request without headers or body (tests, hosts building one by hand).
    pub fn new(method: &str, path_and_query: &str) -> Request {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        Request {
            method: method.to_string(),
            path: path.to_string(),
            query: query.to_string(),
            ..Default::default()
        }
    }

    /// The same request with a header added.
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The same request with a JSON body.
    pub fn json(mut self, body: &Value) -> Request {
        self.body = body.to_string().into_bytes();
        self.headers
            .push(("content-type".into(), "application/json".into()));
        self
    }

    /// The first value of a header (case-insensitive name).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// True when the body (or its declared length) is over [`MAX_BODY_BYTES`].
    pub fn too_large(&self) -> bool {
        self.body.len() > MAX_BODY_BYTES
            || self.header_value("content-length").is_some_and(|v| {
                v.trim()
                    .parse::<u64>()
                    .map_or(true, |n| n > MAX_BODY_BYTES as u64)
            })
    }
}

/// One HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// Body bytes (empty for 204).
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON response with `Content-Type: application/json` exactly (the DataRobot SDK
    /// compares the header with `==`).
    pub fn json(status: u16, body: &Value) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// A response without a body (204 for deletes).
    pub fn empty(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// The same response with a header added.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The first value of a header (case-insensitive name).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (`Null` when empty or not JSON): for tests and hosts.
    pub fn json_body(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// A percent-escape that is malformed (`%ZZ`, a lone `%`) or decodes to bytes that are not
/// UTF-8 (`%FF`, a truncated `%E2%82`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadEncoding;

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes percent-escapes (and `+` as a space when `plus` is set, as in query strings).
pub fn percent_decode(s: &str, plus: bool) -> Result<String, BadEncoding> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hi = b.get(i + 1).copied().and_then(hex).ok_or(BadEncoding)?;
                let lo = b.get(i + 2).copied().and_then(hex).ok_or(BadEncoding)?;
                out.push(hi * 16 + lo);
                i += 3;
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| BadEncoding)
}

/// A parsed query string: decoded pairs in order (keys may repeat).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    /// Parses `a=1&b=x%20y&a=2`; a malformed escape anywhere is [`BadEncoding`].
    pub fn parse(raw: &str) -> Result<Query, BadEncoding> {
        let mut pairs = Vec::new();
        for part in raw.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            pairs.push((percent_decode(k, true)?, percent_decode(v, true)?));
        }
        Ok(Query(pairs))
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Splits a path below a prefix into its raw segments; a trailing `/` leaves a final `""`
/// (DataRobot routes need it; the `/v1` APIs tolerate it).
pub fn segments(rest: &str) -> Vec<&str> {
    if rest.is_empty() {
        return Vec::new();
    }
    rest.split('/').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_refuses_malformed_escapes_and_invalid_utf8() {
        assert_eq!(percent_decode("a%20b", false).unwrap(), "a b");
        assert_eq!(percent_decode("a+b", true).unwrap(), "a b");
        assert_eq!(percent_decode("a+b", false).unwrap(), "a+b");
        assert_eq!(percent_decode("%C3%BC", false).unwrap(), "ü");
        for bad in ["%ZZ", "%", "ab%", "%F", "%FF", "%E2%82", "%C3"] {
            assert_eq!(percent_decode(bad, false), Err(BadEncoding), "{bad}");
        }
    }

    #[test]
    fn query_keeps_repeated_keys_in_order() {
        let q = Query::parse("participants=a&x=1&participants=b%2Fc&flag").unwrap();
        assert_eq!(q.all("participants"), vec!["a", "b/c"]);
        assert_eq!(q.get("flag"), Some(""));
        assert_eq!(q.get("missing"), None);
        assert!(Query::parse("a=%zz").is_err());
    }

    #[test]
    fn declared_or_read_bodies_over_the_cap_are_too_large() {
        let mut r = Request::new("POST", "/x");
        assert!(!r.too_large());
        r.body = vec![b' '; MAX_BODY_BYTES + 1];
        assert!(r.too_large());
        let r = Request::new("POST", "/x").header("Content-Length", "99999999");
        assert!(r.too_large());
        let r = Request::new("POST", "/x").header("Content-Length", "12");
        assert!(!r.too_large());
    }
}
