//! Reading MemoryLayer inputs: a JSON object body with only the documented keys, and query
//! parameters, each wrong shape a 422 naming the field.

use super::super::fault::{self, invalid, Served};
use super::super::http::{Query, Request};
use crate::model::{MemorySubtype, MemoryType};
use crate::time::Timestamp;
use serde_json::{Map, Value};

/// A JSON object body.
pub(crate) struct Body(pub Map<String, Value>);

impl Body {
    /// The body (empty = `{}`), refusing keys outside `allowed`.
    pub fn parse(req: &Request, allowed: &[&str]) -> Served<Body> {
        let map = fault::object(req)?;
        if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(invalid(k, "unknown field"));
        }
        Ok(Body(map))
    }

    fn get(&self, k: &str) -> Option<&Value> {
        self.0.get(k).filter(|v| !v.is_null())
    }

    /// True when the key is present and not null.
    pub fn has(&self, k: &str) -> bool {
        self.get(k).is_some()
    }

    /// A string field.
    pub fn str(&self, k: &str) -> Served<Option<String>> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(k, "must be a string")),
        }
    }

    /// A number field.
    pub fn f64(&self, k: &str) -> Served<Option<f64>> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| invalid(k, "must be a number")),
        }
    }

    /// A number field in [0, 1].
    pub fn unit(&self, k: &str) -> Served<Option<f64>> {
        match self.f64(k)? {
            Some(x) if !(0.0..=1.0).contains(&x) => Err(invalid(k, "must be between 0 and 1")),
            x => Ok(x),
        }
    }

    /// A non-negative integer field within `lo..=hi`.
    pub fn int(&self, k: &str, lo: u64, hi: u64) -> Served<Option<u64>> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => match v.as_u64() {
                Some(n) if (lo..=hi).contains(&n) => Ok(Some(n)),
                _ => Err(invalid(k, format!("must be an integer from {lo} to {hi}"))),
            },
        }
    }

    /// A boolean field.
    pub fn bool(&self, k: &str) -> Served<Option<bool>> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(invalid(k, "must be true or false")),
        }
    }

    /// A list of strings.
    pub fn strings(&self, k: &str) -> Served<Option<Vec<String>>> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| invalid(k, "must be a list of strings"))
                })
                .collect::<Served<Vec<_>>>()
                .map(Some),
            Some(_) => Err(invalid(k, "must be a list of strings")),
        }
    }

    /// A JSON object field.
    pub fn object(&self, k: &str) -> Served<Option<Map<String, Value>>> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m.clone())),
            Some(_) => Err(invalid(k, "must be a JSON object")),
        }
    }

    /// Any JSON value (null included) when the key is present.
    pub fn raw(&self, k: &str) -> Option<&Value> {
        self.0.get(k)
    }

    /// An RFC 3339 time field.
    pub fn time(&self, k: &str) -> Served<Option<Timestamp>> {
        match self.str(k)? {
            None => Ok(None),
            Some(s) => time(k, &s).map(Some),
        }
    }

    /// A memory type field.
    pub fn memory_type(&self, k: &str) -> Served<Option<MemoryType>> {
        self.str(k)?.map(|s| memory_type(k, &s)).transpose()
    }

    /// A memory subtype field.
    pub fn subtype(&self, k: &str) -> Served<Option<MemorySubtype>> {
        self.str(k)?.map(|s| subtype(k, &s)).transpose()
    }
}

/// An RFC 3339 time (a time without an offset is read as UTC, as the SDK's naive ISO strings
/// mean).
pub(crate) fn time(k: &str, s: &str) -> Served<Timestamp> {
    Timestamp::parse(s)
        .or_else(|| Timestamp::parse(&format!("{s}Z")))
        .ok_or_else(|| invalid(k, "must be an RFC 3339 date-time"))
}

pub(crate) fn memory_type(k: &str, s: &str) -> Served<MemoryType> {
    MemoryType::parse(s)
        .ok_or_else(|| invalid(k, "must be one of episodic, semantic, procedural, working"))
}

pub(crate) fn subtype(k: &str, s: &str) -> Served<MemorySubtype> {
    MemorySubtype::parse(&s.to_ascii_lowercase()).ok_or_else(|| {
        let names: Vec<&str> = MemorySubtype::ALL.iter().map(|t| t.as_str()).collect();
        invalid(k, format!("must be one of {}", names.join(", ")))
    })
}

/// A boolean query parameter (`true`/`false`, any case).
pub(crate) fn qbool(q: &Query, k: &str) -> Served<Option<bool>> {
    match q.get(k).map(str::to_ascii_lowercase).as_deref() {
        None | Some("") => Ok(None),
        Some("true") | Some("1") => Ok(Some(true)),
        Some("false") | Some("0") => Ok(Some(false)),
        Some(_) => Err(invalid(k, "must be true or false")),
    }
}

/// An integer query parameter within `lo..=hi`.
pub(crate) fn qint(q: &Query, k: &str, lo: u64, hi: u64) -> Served<Option<u64>> {
    match fault::uint(q, k)? {
        Some(n) if !(lo..=hi).contains(&n) => {
            Err(invalid(k, format!("must be an integer from {lo} to {hi}")))
        }
        n => Ok(n),
    }
}

/// A non-empty string query parameter.
pub(crate) fn qstr(q: &Query, k: &str) -> Option<String> {
    q.get(k).filter(|v| !v.is_empty()).map(str::to_string)
}

/// Refuses query parameters outside `allowed`.
pub(crate) fn only_params(q: &Query, allowed: &[&str]) -> Served<()> {
    match q.0.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        Some((k, _)) => Err(invalid(k, "unknown query parameter")),
        None => Ok(()),
    }
}
