//! Entry paths (seed 002): relative, `/`-separated, at most 1024 bytes, no leading `/`, no
//! empty, `.` or `..` segment, no control characters. Paths are case-sensitive and compared
//! byte for byte; the engine never rewrites them (the memory tool normalises its own paths
//! before they get here).

use crate::error::{Error, Result};

/// Longest path, in UTF-8 bytes.
pub const PATH_MAX_BYTES: usize = 1024;

/// Checks an entry path.
pub fn check(field: &str, path: &str) -> Result<()> {
    if path.is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    if path.len() > PATH_MAX_BYTES {
        return Err(Error::validation(
            field,
            format!("must be at most {PATH_MAX_BYTES} bytes, got {}", path.len()),
        )
        .with("max", PATH_MAX_BYTES as u64));
    }
    if path.starts_with('/') {
        return Err(Error::validation(
            field,
            "must be relative (must not start with /)",
        ));
    }
    if path.chars().any(char::is_control) {
        return Err(Error::validation(
            field,
            "must not contain control characters",
        ));
    }
    for segment in path.split('/') {
        match segment {
            "" => {
                return Err(Error::validation(
                    field,
                    "must not contain empty segments (// or a trailing /)",
                ))
            }
            ".." => return Err(Error::validation(field, "must not contain a .. segment")),
            "." => return Err(Error::validation(field, "must not contain a . segment")),
            _ => {}
        }
    }
    Ok(())
}

/// Normalises a directory-like list prefix: `""` lists everything; otherwise the prefix names
/// a directory (with or without its trailing `/`) and matches whole segments only, so
/// `projects` lists `projects/a.md` but not `projects-old/b.md`. Returns the prefix with its
/// trailing `/`, or `""`.
pub fn dir_prefix(prefix: &str) -> Result<String> {
    if prefix.is_empty() {
        return Ok(String::new());
    }
    let dir = prefix.strip_suffix('/').unwrap_or(prefix);
    check("prefix", dir)?;
    Ok(format!("{dir}/"))
}
