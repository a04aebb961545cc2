//! User JSON at the boundaries (event bodies, metadata, the memory tool's input): a documented
//! nesting limit, and numbers that are stored exactly as sent or refused — never changed.
//!
//! The engine keeps user JSON as `serde_json::Value` without arbitrary precision: integers in
//! the i64/u64 range are exact, every other number is an IEEE double. A JSON text can spell
//! numbers that no double holds (`1e309`, a 400-digit integer, `0.1000000000000000000001`);
//! parsed naively they turn into `null`, infinity or a rounded neighbour, and the caller is
//! told "stored". So every boundary that receives JSON *text* (the WIT component's `json`
//! strings, a REST body) checks each number before parsing: it is accepted only if parsing
//! and writing it back denotes the same decimal value (`1e2` and `100` and `100.0` are one
//! value; `9007199254740993` read into a double is not). What is refused is a `validation`
//! error naming the field and the number; a caller that needs such numbers sends them as
//! strings.
//!
//! Nesting is limited to [`MAX_DEPTH`] levels of arrays and objects, checked without
//! recursion, so a body nested 10,000 deep is a `validation` error that says so, not a stack
//! overflow or a record that decodes nowhere.

use crate::error::{Error, Result};
use serde_json::Value;

/// Deepest nesting of arrays and objects in a user JSON value (`{"a":[1]}` is 2 deep).
pub const MAX_DEPTH: usize = 64;

/// How the receiving side represents JSON numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbers {
    /// serde_json as the engine stores user JSON: integers within i64/u64 exactly, every other
    /// number as a double (the WIT component, a Rust REST facade).
    Engine,
    /// A JavaScript number (an IEEE double) for every number, as `JSON.parse` makes them
    /// (a Worker that parses the body in JS before it reaches the engine).
    Double,
}

/// The `validation` error of a value nested deeper than [`MAX_DEPTH`].
pub fn depth_error(field: &str) -> Error {
    Error::validation(
        field,
        format!(
            "is nested deeper than {MAX_DEPTH} levels of arrays and objects (the nesting limit)"
        ),
    )
    .with("max_depth", MAX_DEPTH as u64)
}

/// Checks the nesting depth of a parsed value, iteratively (any depth is safe to check).
pub fn check_value(field: &str, v: &Value) -> Result<()> {
    let mut stack: Vec<(&Value, usize)> = vec![(v, 0)];
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        if depth + 1 > MAX_DEPTH {
            return Err(depth_error(field));
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    Ok(())
}

/// Checks a JSON text before it is parsed: nesting within [`MAX_DEPTH`] and every number
/// representable exactly under `numbers`. Syntax is left to the parser (a malformed text
/// passes this check and fails to parse).
pub fn check_text(field: &str, text: &str, numbers: Numbers) -> Result<()> {
    let b = text.as_bytes();
    let (mut i, mut depth, mut in_string) = (0usize, 0usize, false);
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 1, // skip the escaped byte (`\"` does not end the string)
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(depth_error(field));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < b.len() && matches!(b[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    i += 1;
                }
                check_number(field, &text[start..i], numbers)?;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Parses a JSON text received at a boundary of the engine (checked as [`Numbers::Engine`]).
pub fn parse(field: &str, text: &str) -> Result<Value> {
    check_text(field, text, Numbers::Engine)?;
    serde_json::from_str(text).map_err(|e| Error::validation(field, format!("invalid JSON: {e}")))
}

/// True when `tok` is a number by the JSON grammar: `-?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?`.
fn is_json_number(tok: &str) -> bool {
    let b = tok.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    let int_start = i;
    let n = digits(&mut i);
    if n == 0 || (n > 1 && b[int_start] == b'0') {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// A decimal number as (negative, significant digits without leading/trailing zeros,
/// exponent of the last digit); zero is `(false, "", 0)` whatever its sign.
fn decimal(tok: &str) -> Option<(bool, String, i64)> {
    let (neg, rest) = match tok.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, tok.strip_prefix('+').unwrap_or(tok)),
    };
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, "0"),
    };
    // Exponents beyond ±10^15 are clamped: no double is that far out, and the digit count
    // (bounded by the text length) cannot bring them back.
    let exp_digits = exp.trim_start_matches(['+', '-']);
    let mut exp10: i64 = if exp_digits.trim_start_matches('0').len() > 15 {
        1_000_000_000_000_000
    } else {
        exp_digits.parse().ok()?
    };
    if exp.starts_with('-') {
        exp10 = -exp10;
    }
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: String = int.chars().chain(frac.chars()).collect();
    exp10 -= frac.len() as i64;
    let trimmed = digits.trim_end_matches('0');
    exp10 += (digits.len() - trimmed.len()) as i64;
    digits = trimmed.trim_start_matches('0').to_string();
    if digits.is_empty() {
        return Some((false, String::new(), 0));
    }
    Some((neg, digits, exp10))
}

/// How `tok` reads back after the receiving side parsed it, or `None` if it cannot hold it.
fn read_back(tok: &str, numbers: Numbers) -> Option<String> {
    match numbers {
        Numbers::Engine => match serde_json::from_str::<Value>(tok) {
            Ok(v @ Value::Number(_)) => Some(v.to_string()),
            _ => None,
        },
        Numbers::Double => {
            let f: f64 = tok.parse().ok()?;
            f.is_finite().then(|| format!("{f:e}"))
        }
    }
}

fn check_number(field: &str, tok: &str, numbers: Numbers) -> Result<()> {
    let plain_digits = tok.strip_prefix('-').unwrap_or(tok);
    let safe_len = match numbers {
        Numbers::Engine => 18, // every 18-digit integer fits an i64
        Numbers::Double => 15, // every 15-digit integer is an exact double
    };
    if plain_digits.len() <= safe_len && plain_digits.bytes().all(|c| c.is_ascii_digit()) {
        return Ok(());
    }
    if !is_json_number(tok) {
        return Ok(()); // not a number token at all: the parser reports the syntax error
    }
    let shown: String = if tok.len() > 40 {
        format!("{}…", &tok[..40])
    } else {
        tok.to_string()
    };
    let refuse = |why: &str| {
        Err(Error::validation(
            field,
            format!("the number {shown} cannot be stored exactly ({why}); send it as a string"),
        )
        .with("number", shown.as_str()))
    };
    match read_back(tok, numbers) {
        None => refuse("it is beyond the range of a 64-bit float"),
        Some(back) if decimal(&back) != decimal(tok) => {
            refuse("it has more precision than a 64-bit float holds")
        }
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn numbers_a_double_holds_pass_in_every_spelling() {
        for t in [
            "0",
            "-0",
            "-0.0",
            "1e2",
            "100.0",
            "0.1",
            "0.30000000000000004",
            "1.7976931348623157e308",
            "5e-324",
            "2.2250738585072014e-308",
            "123456789012345",
            "1E+21",
            "0e999999999999999999999",
        ] {
            for n in [Numbers::Engine, Numbers::Double] {
                check_text("body", t, n).unwrap_or_else(|e| panic!("{t} {n:?}: {e}"));
            }
        }
    }

    #[test]
    fn numbers_that_would_change_are_refused() {
        let four_hundred = "9".repeat(400);
        for t in [
            "1e309",
            "-1e309",
            four_hundred.as_str(),
            "0.1000000000000000000001",
            "4.9406564584124654e-324",
            "1e-400",
            "18446744073709551616",
        ] {
            for n in [Numbers::Engine, Numbers::Double] {
                let e = check_text("body", &format!("{{\"x\":[{t}]}}"), n).unwrap_err();
                assert_eq!(e.code, ErrorCode::Validation, "{t}");
                assert!(e.message.contains("cannot be stored exactly"), "{e}");
            }
        }
        // Integers beyond 2^53 are exact in the engine, rounded by a JS double.
        check_text("body", "9007199254740993", Numbers::Engine).unwrap();
        check_text("body", "-9223372036854775808", Numbers::Engine).unwrap();
        check_text("body", "18446744073709551615", Numbers::Engine).unwrap();
        assert!(check_text("body", "9007199254740993", Numbers::Double).is_err());
    }

    #[test]
    fn numbers_inside_strings_and_keys_are_text() {
        check_text(
            "body",
            r#"{"1e309": "1e309 \" 1e309", "a\\": 1}"#,
            Numbers::Double,
        )
        .unwrap();
    }

    #[test]
    fn a_body_nested_10000_deep_says_depth() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        let e = parse("body", &deep).unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        assert!(e.message.contains("nested deeper than 64"), "{e}");
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse("body", &ok).is_ok());
        let mut v = Value::Null;
        for _ in 0..MAX_DEPTH {
            v = Value::Array(vec![v]);
        }
        check_value("body", &v).unwrap();
        let v = Value::Array(vec![v]);
        assert!(check_value("body", &v).is_err());
        // Drop the deep value without recursing through 65 levels of frames (harmless here).
        drop(v);
    }
}
