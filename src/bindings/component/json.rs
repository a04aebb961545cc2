//! The interface's `json` strings: parsed on the way in (bad JSON is `validation`),
//! serialised on the way out.

use crate::error::{Error, Result};
use serde_json::{Map, Value};

/// Parses a JSON document given for `field`: nesting and numbers are checked on the text first
/// (a number no double holds is `validation`, never stored as something else).
pub(crate) fn parse(field: &str, text: &str) -> Result<Value> {
    crate::json::parse(field, text)
}

/// Parses a JSON object given for `field`.
pub(crate) fn parse_object(field: &str, text: &str) -> Result<Map<String, Value>> {
    match parse(field, text)? {
        Value::Object(m) => Ok(m),
        _ => Err(Error::validation(field, "must be a JSON object")),
    }
}

/// Parses an optional JSON object given for `field`.
pub(crate) fn parse_opt_object(
    field: &str,
    text: Option<String>,
) -> Result<Option<Map<String, Value>>> {
    text.map(|t| parse_object(field, &t)).transpose()
}

/// Serialises a JSON object.
pub(crate) fn object(m: Map<String, Value>) -> String {
    Value::Object(m).to_string()
}
