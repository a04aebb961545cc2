//! The Anthropic memory tool (`memory_20250818`) executed against a memory store.
//!
//! Agents send commands (`view`, `create`, `str_replace`, `insert`, `delete`, `rename`) on
//! paths under `/memories`; [`Memspace::memory_tool`] runs one and returns the tool's text.
//! `/memories` is the store's root: `/memories/notes/a.md` is the entry at path `notes/a.md`,
//! and a "directory" is a path prefix ending in `/`. Safety rules:
//! - paths are normalised (`//`, `.` segments and a trailing `/` dropped) and confined to the
//!   store: anything outside `/memories`, any `..` segment, backslashes, percent-escapes
//!   (`%2e%2e`, `%2f`, …) and control characters are rejected before any storage access;
//! - `old_str` must match the file exactly (multi-line included) and exactly once;
//! - a missing or `null` `new_str`, `file_text` or `insert_text` is an error, never the text
//!   "null"/"None"/"undefined" written into a file;
//! - directory deletes and renames are one atomic store write (at most
//!   [`MAX_DIRECTORY_ENTRIES`] files), so a crash never leaves half a directory moved.
//!
//! A failure the model should see comes back as `Err` whose `message` is the text to return
//! to the model (with `is_error: true`) and whose details carry `"tool_error": true`.

use super::sessions::retry;
use super::stores::commit::LoadedStore;
use super::stores::entries::Plan;
use super::stores::store::archived;
use super::stores::{limits, paths, EntryRecord};
use super::{is_race, Memspace, MAX_RETRIES};
use crate::error::{Error, ErrorCode, Result};
use crate::model::StoreStatus;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The tool's root directory.
pub const ROOT: &str = "/memories";
/// Most files one directory `delete` or `rename` may touch.
pub const MAX_DIRECTORY_ENTRIES: usize = 200;
/// Most files a directory `view` reads (memory stays bounded however large the store is).
pub const MAX_VIEW_ENTRIES: usize = 1000;
/// Most lines a file may have to be viewed.
const MAX_LINES: usize = 999_999;
/// Width of the line-number column.
const LINE_NUMBER_WIDTH: usize = 6;

/// A model-facing failure: `message` is what the model reads.
fn tool_error(code: ErrorCode, message: impl Into<String>) -> Error {
    let e = Error::new(code, message).with("tool_error", true);
    if code == ErrorCode::Conflict {
        // Not a lost race: the retry loop must hand it to the model, not retry it.
        e.with("precondition", "memory_tool")
    } else {
        e
    }
}

fn invalid(message: impl Into<String>) -> Error {
    tool_error(ErrorCode::Validation, message)
}

fn missing(display: &str) -> Error {
    tool_error(
        ErrorCode::NotFound,
        format!("The path {display} does not exist. Please provide a valid path."),
    )
}

/// A path under `/memories`, resolved: `rel` is the entry path (`""` for the root itself).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ToolPath {
    rel: String,
}

impl ToolPath {
    fn is_root(&self) -> bool {
        self.rel.is_empty()
    }

    /// How the path is shown to the model (normalised).
    fn display(&self) -> String {
        if self.is_root() {
            ROOT.to_string()
        } else {
            format!("{ROOT}/{}", self.rel)
        }
    }

    /// The directory prefix of entries below this path.
    fn dir_prefix(&self) -> String {
        if self.is_root() {
            String::new()
        } else {
            format!("{}/", self.rel)
        }
    }
}

/// True when `s` holds a percent-escape (`%` and two hex digits), e.g. `%2e%2e`.
fn has_percent_escape(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

/// Normalises and confines a model-given path.
fn resolve(raw: &str) -> Result<ToolPath> {
    if raw.chars().any(char::is_control) {
        return Err(invalid(format!(
            "The path {raw:?} contains control characters."
        )));
    }
    if raw.contains('\\') {
        return Err(invalid(format!(
            "The path {raw} contains a backslash; use / to separate directories."
        )));
    }
    if has_percent_escape(raw) {
        return Err(invalid(format!("The path {raw} contains percent-encoded characters, which are not allowed in memory paths.")));
    }
    let rest = match raw.strip_prefix(ROOT) {
        Some(r) if r.is_empty() || r.starts_with('/') => r,
        _ => {
            return Err(invalid(format!(
                "The path {raw} is outside {ROOT}; memory paths must start with {ROOT}/"
            )))
        }
    };
    let mut segments = Vec::new();
    for seg in rest.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                return Err(invalid(format!(
                    "The path {raw} would escape the {ROOT} directory (.. is not allowed)."
                )))
            }
            s => segments.push(s),
        }
    }
    let rel = segments.join("/");
    if !rel.is_empty() {
        paths::check("path", &rel).map_err(|e| {
            invalid(format!(
                "The path {raw} is not a valid memory path: {}",
                e.message.trim_start_matches("path: ")
            ))
        })?;
    }
    Ok(ToolPath { rel })
}

/// A required string parameter; absent, `null` or not a string is an error.
fn string_param<'a>(args: &'a Map<String, Value>, name: &str, command: &str) -> Result<&'a str> {
    match args.get(name) {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) => Err(invalid(format!(
            "Parameter `{name}` is required for command: {command}"
        ))),
        Some(_) => Err(invalid(format!(
            "Parameter `{name}` must be a string for command: {command}"
        ))),
    }
}

/// Formats a byte count like `ls -h`: `0B`, `512B`, `1.5K`, `2M`.
fn human_size(bytes: u64) -> String {
    if bytes == 0 {
        return "0B".into();
    }
    let units = ["B", "K", "M", "G"];
    let i = ((63 - bytes.leading_zeros()) / 10).min(3) as usize;
    let size = bytes as f64 / (1u64 << (10 * i)) as f64;
    if size.fract() == 0.0 {
        format!("{}{}", size as u64, units[i])
    } else {
        format!("{size:.1}{}", units[i])
    }
}

/// Numbers lines `from` (1-based) on, as the tool shows files.
fn numbered<'a>(lines: impl Iterator<Item = &'a str>, from: usize) -> String {
    lines
        .enumerate()
        .map(|(i, l)| format!("{:>width$}\t{l}", i + from, width = LINE_NUMBER_WIDTH))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The number of (possibly overlapping) occurrences of `needle` in `hay`, and the byte
/// offsets of the first `keep` of them, in time linear in both lengths (Knuth–Morris–Pratt
/// over bytes: a UTF-8 needle matches UTF-8 text only at character boundaries).
fn occurrences(hay: &str, needle: &str, keep: usize) -> (usize, Vec<usize>) {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return (0, Vec::new());
    }
    // fail[i]: length of the longest proper border of needle[..=i].
    let mut fail = vec![0usize; n.len()];
    let mut k = 0;
    for i in 1..n.len() {
        while k > 0 && n[i] != n[k] {
            k = fail[k - 1];
        }
        if n[i] == n[k] {
            k += 1;
        }
        fail[i] = k;
    }
    let (mut count, mut first, mut k) = (0usize, Vec::new(), 0usize);
    for (i, &c) in h.iter().enumerate() {
        while k > 0 && c != n[k] {
            k = fail[k - 1];
        }
        if c == n[k] {
            k += 1;
        }
        if k == n.len() {
            count += 1;
            if first.len() < keep {
                first.push(i + 1 - n.len());
            }
            k = fail[k - 1];
        }
    }
    (count, first)
}

/// 1-based line numbers of the ascending byte offsets `at`, in one pass over `content`.
fn lines_of(content: &str, at: &[usize]) -> Vec<usize> {
    let (mut line, mut from, mut out) = (1usize, 0usize, Vec::with_capacity(at.len()));
    for &pos in at {
        line += content.as_bytes()[from..pos]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        from = pos;
        out.push(line);
    }
    out
}

/// 1-based line number of byte offset `at`.
fn line_of(content: &str, at: usize) -> usize {
    lines_of(content, &[at])[0]
}

/// Most occurrences a "not unique" message locates by line.
const MAX_REPORTED_LINES: usize = 10;
/// Most characters of a model-given string quoted back in a message.
const MAX_QUOTED_CHARS: usize = 200;

/// `s` for a message: at most [`MAX_QUOTED_CHARS`] characters, saying how long it really is.
fn quoted(s: &str) -> String {
    match s.char_indices().nth(MAX_QUOTED_CHARS) {
        None => s.to_string(),
        Some((cut, _)) => format!("{}… ({} characters in all)", &s[..cut], s.chars().count()),
    }
}

/// The content rules of an entry, worded for the model.
fn check_content(display: &str, content: &str) -> Result<()> {
    if content.len() > limits::CONTENT_MAX_BYTES {
        return Err(invalid(format!(
            "The file {display} would be {} bytes; a memory file holds at most {} bytes.",
            content.len(),
            limits::CONTENT_MAX_BYTES
        )));
    }
    if content.trim().is_empty() {
        return Err(invalid(format!("The file {display} would be empty; a memory file must hold non-blank text (use delete to remove it).")));
    }
    Ok(())
}

/// What a path names in the store.
enum Target {
    File(Box<EntryRecord>),
    Directory,
    Nothing,
}

impl Memspace {
    /// Executes one memory-tool command (JSON, e.g. `{"command":"view","path":"/memories"}`)
    /// against a store and returns the tool's text result.
    pub async fn memory_tool(
        &self,
        space_id: &str,
        store_id: &str,
        command_json: &str,
    ) -> Result<String> {
        let value: Value = serde_json::from_str(command_json)
            .map_err(|e| invalid(format!("The tool input is not valid JSON: {e}")))?;
        let Value::Object(args) = value else {
            return Err(invalid("The tool input must be a JSON object."));
        };
        let command = string_param(&args, "command", "memory")?;
        match command {
            "view" => {
                let path = resolve(string_param(&args, "path", command)?)?;
                let range = view_range(&args)?;
                self.tool_view(space_id, store_id, &path, range).await
            }
            "create" => {
                let path = resolve(string_param(&args, "path", command)?)?;
                let text = string_param(&args, "file_text", command)?;
                retry!(self.tool_create(space_id, store_id, &path, text).await)
            }
            "str_replace" => {
                let path = resolve(string_param(&args, "path", command)?)?;
                let old = string_param(&args, "old_str", command)?;
                let new = match args.get("new_str") {
                    Some(Value::String(s)) => s.as_str(),
                    None | Some(Value::Null) => {
                        return Err(invalid("Parameter `new_str` is required for command: str_replace (use \"\" to remove `old_str`)."));
                    }
                    Some(_) => return Err(invalid("Parameter `new_str` must be a string for command: str_replace")),
                };
                if old.is_empty() {
                    return Err(invalid("Parameter `old_str` must not be empty for command: str_replace"));
                }
                retry!(self.tool_str_replace(space_id, store_id, &path, old, new).await)
            }
            "insert" => {
                let path = resolve(string_param(&args, "path", command)?)?;
                let line = match args.get("insert_line") {
                    Some(Value::Number(n)) => n.as_u64().ok_or_else(|| invalid(format!("Invalid `insert_line` parameter: {n}. It must be a whole number of 0 or more.")))?,
                    None | Some(Value::Null) => return Err(invalid("Parameter `insert_line` is required for command: insert")),
                    Some(v) => return Err(invalid(format!("Invalid `insert_line` parameter: {v}. It must be a whole number of 0 or more."))),
                };
                let text = string_param(&args, "insert_text", command)?;
                retry!(self.tool_insert(space_id, store_id, &path, line, text).await)
            }
            "delete" => {
                let path = resolve(string_param(&args, "path", command)?)?;
                retry!(self.tool_delete(space_id, store_id, &path).await)
            }
            "rename" => {
                let old = resolve(string_param(&args, "old_path", command)?)?;
                let new = resolve(string_param(&args, "new_path", command)?)?;
                retry!(self.tool_rename(space_id, store_id, &old, &new).await)
            }
            other => Err(invalid(format!("Unknown command: {other}. Use one of view, create, str_replace, insert, delete, rename."))),
        }
    }

    /// What `path` names: a file (an entry), a directory (entries below it) or nothing.
    async fn target(&self, loaded: &LoadedStore, path: &ToolPath) -> Result<Target> {
        if path.is_root() {
            return Ok(Target::Directory);
        }
        if let Some(id) = self.entry_id_at(loaded, &path.rel).await? {
            return Ok(Target::File(Box::new(self.load_entry(loaded, &id).await?)));
        }
        if self
            .entries_under(loaded, &path.dir_prefix(), 0, 1)
            .await?
            .is_empty()
        {
            Ok(Target::Nothing)
        } else {
            Ok(Target::Directory)
        }
    }

    /// Fails when a proper ancestor directory of `path` is a file.
    async fn check_ancestors(&self, loaded: &LoadedStore, path: &ToolPath) -> Result<()> {
        let mut end = 0;
        while let Some(i) = path.rel[end..].find('/') {
            let ancestor = &path.rel[..end + i];
            if self.entry_id_at(loaded, ancestor).await?.is_some() {
                return Err(tool_error(
                    ErrorCode::Conflict,
                    format!("{ROOT}/{ancestor} is a file, not a directory."),
                ));
            }
            end += i + 1;
        }
        Ok(())
    }

    /// Loads the store for a write: archived stores refuse with a model-readable `archived`.
    async fn writable_store(
        &self,
        space_id: &str,
        store_id: &str,
        command: &str,
    ) -> Result<LoadedStore> {
        let loaded = self.load_store(space_id, store_id).await?;
        if loaded.rec.store.status == StoreStatus::Archived {
            let e = archived(&loaded.rec.store);
            return Err(Error {
                message: format!(
                    "The memory store is archived and read-only; {command} is not allowed."
                ),
                ..e
            }
            .with("tool_error", true));
        }
        Ok(loaded)
    }

    async fn tool_view(
        &self,
        space_id: &str,
        store_id: &str,
        path: &ToolPath,
        range: Option<(i64, i64)>,
    ) -> Result<String> {
        let loaded = self.load_store(space_id, store_id).await?;
        let display = path.display();
        match self.target(&loaded, path).await? {
            Target::Nothing => Err(missing(&display)),
            Target::File(rec) => {
                let content = rec.entry.content.unwrap_or_default();
                let lines: Vec<&str> = content.split('\n').collect();
                if lines.len() > MAX_LINES {
                    return Err(invalid(format!(
                        "File {display} exceeds maximum line limit of 999,999 lines."
                    )));
                }
                let (from, to) = match range {
                    None => (1, lines.len()),
                    Some((start, end)) => {
                        let n = lines.len() as i64;
                        if start < 1 || start > n {
                            return Err(invalid(format!("Invalid `view_range`: [{start}, {end}]. Its first element should be within the range of lines of the file: [1, {n}]")));
                        }
                        if end != -1 && end < start {
                            return Err(invalid(format!("Invalid `view_range`: [{start}, {end}]. Its second element should be -1 or at least its first element {start}")));
                        }
                        let to = if end == -1 { n } else { end.min(n) };
                        (start as usize, to as usize)
                    }
                };
                let shown = lines.get(from - 1..to).unwrap_or_default().iter().copied();
                Ok(format!(
                    "Here's the content of {display} with line numbers:\n{}",
                    numbered(shown, from)
                ))
            }
            Target::Directory => {
                if range.is_some() {
                    return Err(invalid(format!(
                        "The `view_range` parameter is not allowed when {display} is a directory."
                    )));
                }
                let mut entries = self
                    .entries_under(&loaded, &path.dir_prefix(), 0, MAX_VIEW_ENTRIES as u64 + 1)
                    .await?;
                let truncated = entries.len() > MAX_VIEW_ENTRIES;
                entries.truncate(MAX_VIEW_ENTRIES);
                let mut text = directory_listing(&display, &path.dir_prefix(), &entries);
                if truncated {
                    text.push_str(&format!("\n(more than {MAX_VIEW_ENTRIES} files below {display}: the listing and sizes cover the first {MAX_VIEW_ENTRIES} in path order; view a subdirectory to see the rest)"));
                }
                Ok(text)
            }
        }
    }

    async fn tool_create(
        &self,
        space_id: &str,
        store_id: &str,
        path: &ToolPath,
        text: &str,
    ) -> Result<String> {
        let display = path.display();
        if path.is_root() {
            return Err(tool_error(ErrorCode::Conflict, format!("{ROOT} is the memory directory itself; give a file path such as {ROOT}/notes.md")));
        }
        check_content(&display, text)?;
        let loaded = self.writable_store(space_id, store_id, "create").await?;
        match self.target(&loaded, path).await? {
            Target::File(_) => {
                return Err(tool_error(
                    ErrorCode::Conflict,
                    format!("File {display} already exists"),
                ))
            }
            Target::Directory => {
                return Err(tool_error(
                    ErrorCode::Conflict,
                    format!("{display} is a directory; choose another file name"),
                ))
            }
            Target::Nothing => {}
        }
        self.check_ancestors(&loaded, path).await?;
        let mut plan = Plan::new(&loaded);
        self.plan_create(&mut plan, &path.rel, text, Default::default())?;
        self.commit_plan(&loaded, plan).await?;
        Ok(format!("File created successfully at: {display}"))
    }

    /// Loads the file at `path` for an edit: errors for the root, directories and nothing.
    async fn file_for_edit(&self, loaded: &LoadedStore, path: &ToolPath) -> Result<EntryRecord> {
        let display = path.display();
        match self.target(loaded, path).await? {
            Target::File(rec) => Ok(*rec),
            Target::Directory => Err(invalid(format!("The path {display} is not a file."))),
            Target::Nothing => Err(missing(&display)),
        }
    }

    async fn tool_str_replace(
        &self,
        space_id: &str,
        store_id: &str,
        path: &ToolPath,
        old: &str,
        new: &str,
    ) -> Result<String> {
        let display = path.display();
        let loaded = self
            .writable_store(space_id, store_id, "str_replace")
            .await?;
        let rec = self.file_for_edit(&loaded, path).await?;
        let content = rec.entry.content.clone().unwrap_or_default();
        let (count, first) = occurrences(&content, old, MAX_REPORTED_LINES);
        let at = match (count, first.as_slice()) {
            (0, _) | (_, []) => return Err(tool_error(ErrorCode::Conflict, format!("No replacement was performed, old_str `{}` did not appear verbatim in {display}.", quoted(old)))),
            (1, [at]) => *at,
            (_, shown) => {
                let lines: Vec<String> = lines_of(&content, shown).iter().map(usize::to_string).collect();
                let more = if count > shown.len() { format!(" and {} more occurrences", count - shown.len()) } else { String::new() };
                return Err(tool_error(
                    ErrorCode::Conflict,
                    format!("No replacement was performed. Multiple occurrences of old_str `{}` in lines: {}{more}. Please ensure it is unique", quoted(old), lines.join(", ")),
                )
                .with("occurrences", count as u64));
            }
        };
        let updated = format!("{}{new}{}", &content[..at], &content[at + old.len()..]);
        check_content(&display, &updated)?;
        if updated != content {
            let mut plan = Plan::new(&loaded);
            self.plan_update(&mut plan, &rec, Some(&updated), None, None)?;
            self.commit_plan(&loaded, plan).await?;
        }
        let first = line_of(&updated, at);
        let last = first + new.matches('\n').count();
        let lines: Vec<&str> = updated.split('\n').collect();
        let from = first.saturating_sub(2).max(1);
        let to = (last + 2).min(lines.len());
        Ok(format!(
            "The memory file has been edited. Here is the snippet showing the change (with line numbers):\n{}",
            numbered(lines.get(from - 1..to).unwrap_or_default().iter().copied(), from)
        ))
    }

    async fn tool_insert(
        &self,
        space_id: &str,
        store_id: &str,
        path: &ToolPath,
        line: u64,
        text: &str,
    ) -> Result<String> {
        let display = path.display();
        let loaded = self.writable_store(space_id, store_id, "insert").await?;
        let rec = self.file_for_edit(&loaded, path).await?;
        let content = rec.entry.content.clone().unwrap_or_default();
        let mut lines: Vec<&str> = content.split('\n').collect();
        if content.ends_with('\n') {
            lines.pop(); // the empty piece after the final newline is not a line
        }
        let n = lines.len();
        let at = usize::try_from(line).ok().filter(|l| *l <= n).ok_or_else(|| invalid(format!("Invalid `insert_line` parameter: {line}. It should be within the range of lines of the file: [0, {n}]")))?;
        lines.insert(at, text.trim_end_matches('\n'));
        let mut updated = lines.join("\n");
        updated.push('\n');
        check_content(&display, &updated)?;
        if updated != content {
            let mut plan = Plan::new(&loaded);
            self.plan_update(&mut plan, &rec, Some(&updated), None, None)?;
            self.commit_plan(&loaded, plan).await?;
        }
        Ok(format!("The file {display} has been edited."))
    }

    /// Entries of a directory for a delete or rename, within the per-command cap.
    async fn directory_entries(
        &self,
        loaded: &LoadedStore,
        path: &ToolPath,
        command: &str,
    ) -> Result<Vec<EntryRecord>> {
        let entries = self
            .entries_under(
                loaded,
                &path.dir_prefix(),
                0,
                MAX_DIRECTORY_ENTRIES as u64 + 1,
            )
            .await?;
        if entries.len() > MAX_DIRECTORY_ENTRIES {
            return Err(invalid(format!(
                "{} holds more than {MAX_DIRECTORY_ENTRIES} files; {command} its subdirectories or files separately.",
                path.display()
            )));
        }
        Ok(entries)
    }

    async fn tool_delete(&self, space_id: &str, store_id: &str, path: &ToolPath) -> Result<String> {
        let display = path.display();
        if path.is_root() {
            return Err(invalid(format!(
                "Cannot delete the {ROOT} directory itself"
            )));
        }
        // Deleting is allowed in an archived store, as `delete_entry` is.
        let loaded = self.load_store(space_id, store_id).await?;
        let victims = match self.target(&loaded, path).await? {
            Target::Nothing => {
                return Err(tool_error(
                    ErrorCode::NotFound,
                    format!("The path {display} does not exist"),
                ))
            }
            Target::File(rec) => vec![*rec],
            Target::Directory => self.directory_entries(&loaded, path, "delete").await?,
        };
        let mut plan = Plan::new(&loaded);
        for rec in &victims {
            self.plan_delete(&mut plan, rec)?;
        }
        self.commit_plan(&loaded, plan).await?;
        Ok(format!("Successfully deleted {display}"))
    }

    async fn tool_rename(
        &self,
        space_id: &str,
        store_id: &str,
        old: &ToolPath,
        new: &ToolPath,
    ) -> Result<String> {
        let (old_display, new_display) = (old.display(), new.display());
        if old.is_root() {
            return Err(invalid(format!(
                "Cannot rename the {ROOT} directory itself"
            )));
        }
        let loaded = self.writable_store(space_id, store_id, "rename").await?;
        let source = self.target(&loaded, old).await?;
        if matches!(source, Target::Nothing) {
            return Err(tool_error(
                ErrorCode::NotFound,
                format!("The path {old_display} does not exist"),
            ));
        }
        if new.is_root() || !matches!(self.target(&loaded, new).await?, Target::Nothing) {
            return Err(tool_error(
                ErrorCode::Conflict,
                format!("The destination {new_display} already exists"),
            ));
        }
        self.check_ancestors(&loaded, new).await?;
        let mut plan = Plan::new(&loaded);
        match source {
            Target::File(rec) => {
                self.plan_update(&mut plan, &rec, None, Some(&new.rel), None)?;
            }
            _ => {
                if new.rel.starts_with(&old.dir_prefix()) {
                    return Err(invalid(format!(
                        "Cannot move the directory {old_display} into itself ({new_display})"
                    )));
                }
                let from = old.dir_prefix();
                let mut moved = self.directory_entries(&loaded, old, "rename").await?;
                self.fill_content(&loaded, &mut moved).await?; // versions record content
                for rec in moved {
                    let rest = rec.entry.path.get(from.len()..).unwrap_or_default();
                    let target = format!("{}{rest}", new.dir_prefix());
                    paths::check("path", &target).map_err(|e| {
                        invalid(format!(
                            "Cannot rename {old_display} to {new_display}: {ROOT}/{target} {}",
                            e.message.trim_start_matches("path: ")
                        ))
                    })?;
                    self.plan_update(&mut plan, &rec, None, Some(&target), None)?;
                }
            }
        }
        self.commit_plan(&loaded, plan).await?;
        Ok(format!(
            "Successfully renamed {old_display} to {new_display}"
        ))
    }
}

/// The optional `view_range` of `view`: two integers, the second may be -1 (to the end).
fn view_range(args: &Map<String, Value>) -> Result<Option<(i64, i64)>> {
    match args.get("view_range") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) if items.len() == 2 => {
            match (items[0].as_i64(), items[1].as_i64()) {
                (Some(a), Some(b)) => Ok(Some((a, b))),
                _ => Err(invalid(
                    "Invalid `view_range`: it must be two integers [start, end]; end may be -1.",
                )),
            }
        }
        Some(_) => Err(invalid(
            "Invalid `view_range`: it must be two integers [start, end]; end may be -1.",
        )),
    }
}

/// The `view` text of a directory: itself, then what is up to two levels below it (hidden
/// names, starting with `.`, left out), each with its size; directories end in `/`.
fn directory_listing(display: &str, prefix: &str, entries: &[EntryRecord]) -> String {
    // name → (is_dir, size, children: name → (is_dir, size))
    type Children = BTreeMap<(String, bool), u64>;
    let mut top: BTreeMap<(String, bool), (u64, Children)> = BTreeMap::new();
    let mut total = 0u64;
    for rec in entries {
        let e = &rec.entry;
        total = total.saturating_add(e.size);
        let rel = e.path.get(prefix.len()..).unwrap_or_default();
        let mut parts = rel.splitn(3, '/');
        let Some(first) = parts.next() else { continue };
        if first.starts_with('.') {
            continue;
        }
        let second = parts.next();
        let deeper = parts.next().is_some();
        let slot = top
            .entry((first.to_string(), second.is_some()))
            .or_default();
        slot.0 = slot.0.saturating_add(e.size);
        if let Some(second) = second {
            if second.starts_with('.') {
                continue;
            }
            let size = slot.1.entry((second.to_string(), deeper)).or_default();
            *size = size.saturating_add(e.size);
        }
    }
    let mut lines = vec![format!("Here're the files and directories up to 2 levels deep in {display}, excluding hidden items:"), format!("{}\t{display}", human_size(total))];
    for ((name, is_dir), (size, children)) in &top {
        let slash = if *is_dir { "/" } else { "" };
        lines.push(format!("{}\t{display}/{name}{slash}", human_size(*size)));
        for ((child, child_dir), child_size) in children {
            let slash = if *child_dir { "/" } else { "" };
            lines.push(format!(
                "{}\t{display}/{name}/{child}{slash}",
                human_size(*child_size)
            ));
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_and_confined() {
        assert_eq!(resolve("/memories").unwrap().rel, "");
        assert_eq!(resolve("/memories/").unwrap().rel, "");
        assert_eq!(resolve("/memories//a/./b.md").unwrap().rel, "a/b.md");
        for bad in [
            "/memories/../x",
            "/memories/a/../../x",
            "/etc/passwd",
            "/memoriesx/a",
            "memories/a",
            "/memories/%2e%2e/x",
            "/memories/a\\..\\b",
            "/memories/a\u{0}b",
        ] {
            assert!(resolve(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes_read_like_ls() {
        assert_eq!(human_size(0), "0B");
        assert_eq!(human_size(512), "512B");
        assert_eq!(human_size(1536), "1.5K");
        assert_eq!(human_size(2 * 1024 * 1024), "2M");
    }

    #[test]
    fn occurrences_count_overlaps() {
        assert_eq!(occurrences("aaa", "aa", 10), (2, vec![0, 1]));
        assert_eq!(occurrences("é é", "é", 10), (2, vec![0, 3]));
        assert_eq!(occurrences("abababab", "abab", 1), (3, vec![0]));
        assert_eq!(occurrences("xyz", "q", 10), (0, vec![]));
        assert_eq!(lines_of("a\nb\n\nc", &[0, 2, 4, 5]), vec![1, 2, 3, 4]);
    }
}
