//! The Anthropic memory-tool handler over a memory store: every command, the path rules and
//! the errors the model reads.

mod stores_common;

use memspace::model::*;
use memspace::{Error, ErrorCode, Memspace};
use serde_json::json;
use stores_common::*;

struct T {
    ms: Memspace,
    kv: memspace::kv::MemoryKv,
    space: String,
    store: String,
}

impl T {
    fn new() -> T {
        let (ms, kv, _, space) = setup();
        let store = store(&ms, &space, "agent").id;
        T {
            ms,
            kv,
            space,
            store,
        }
    }

    fn call(&self, cmd: serde_json::Value) -> Result<String, Error> {
        run(self
            .ms
            .memory_tool(&self.space, &self.store, &cmd.to_string()))
    }

    fn ok(&self, cmd: serde_json::Value) -> String {
        self.call(cmd.clone())
            .unwrap_or_else(|e| panic!("{cmd}: {e}"))
    }

    fn err(&self, cmd: serde_json::Value) -> Error {
        let e = self.call(cmd.clone()).expect_err(&cmd.to_string());
        assert_eq!(e.details.get("tool_error"), Some(&json!(true)), "{e}");
        e
    }

    fn create(&self, path: &str, text: &str) {
        self.ok(json!({"command": "create", "path": path, "file_text": text}));
    }

    fn content(&self, path: &str) -> String {
        run(self.ms.get_entry_by_path(&self.space, &self.store, path))
            .unwrap()
            .content
            .unwrap()
    }

    fn count(&self) -> u64 {
        run(self.ms.get_store(&self.space, &self.store))
            .unwrap()
            .entry_count
    }
}

#[test]
fn create_writes_an_entry_under_the_memories_root() {
    let t = T::new();
    assert_eq!(t.ok(json!({"command": "create", "path": "/memories/prefs/food.md", "file_text": "likes ramen\n"})), "File created successfully at: /memories/prefs/food.md");
    assert_eq!(t.content("prefs/food.md"), "likes ramen\n");
    let e =
        t.err(json!({"command": "create", "path": "/memories/prefs/food.md", "file_text": "x"}));
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::Conflict,
            "File /memories/prefs/food.md already exists"
        )
    );
    assert_eq!(
        t.err(json!({"command": "create", "path": "/memories/prefs", "file_text": "x"}))
            .code,
        ErrorCode::Conflict,
        "a directory"
    );
    assert_eq!(
        t.err(json!({"command": "create", "path": "/memories/prefs/food.md/x", "file_text": "x"}))
            .code,
        ErrorCode::Conflict,
        "below a file"
    );
    assert_eq!(
        t.err(json!({"command": "create", "path": "/memories", "file_text": "x"}))
            .code,
        ErrorCode::Conflict
    );
    assert_eq!(t.count(), 1);
}

#[test]
fn create_without_file_text_or_with_blank_text_writes_nothing() {
    let t = T::new();
    let e = t.err(json!({"command": "create", "path": "/memories/a.md"}));
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::Validation,
            "Parameter `file_text` is required for command: create"
        )
    );
    t.err(json!({"command": "create", "path": "/memories/a.md", "file_text": null}));
    t.err(json!({"command": "create", "path": "/memories/a.md", "file_text": 42}));
    t.err(json!({"command": "create", "path": "/memories/a.md", "file_text": "  \n"}));
    t.err(json!({"command": "create", "path": "/memories/a.md", "file_text": "x".repeat(102_401)}));
    assert_eq!(t.count(), 0);
}

#[test]
fn view_of_a_file_numbers_its_lines_and_honours_view_range() {
    let t = T::new();
    t.create("/memories/notes.md", "one\ntwo\nthree");
    assert_eq!(t.ok(json!({"command": "view", "path": "/memories/notes.md"})), "Here's the content of /memories/notes.md with line numbers:\n     1\tone\n     2\ttwo\n     3\tthree");
    assert_eq!(
        t.ok(json!({"command": "view", "path": "/memories/notes.md", "view_range": [2, -1]})),
        "Here's the content of /memories/notes.md with line numbers:\n     2\ttwo\n     3\tthree"
    );
    assert_eq!(
        t.ok(json!({"command": "view", "path": "/memories/notes.md", "view_range": [1, 1]})),
        "Here's the content of /memories/notes.md with line numbers:\n     1\tone"
    );
    t.err(json!({"command": "view", "path": "/memories/notes.md", "view_range": [0, 2]}));
    t.err(json!({"command": "view", "path": "/memories/notes.md", "view_range": [4, 5]}));
    t.err(json!({"command": "view", "path": "/memories/notes.md", "view_range": [3, 2]}));
    t.err(json!({"command": "view", "path": "/memories/notes.md", "view_range": "1-2"}));
    let e = t.err(json!({"command": "view", "path": "/memories/missing.md"}));
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::NotFound,
            "The path /memories/missing.md does not exist. Please provide a valid path."
        )
    );
}

#[test]
fn view_of_a_directory_lists_two_levels_with_sizes_and_hides_dot_names() {
    let t = T::new();
    assert_eq!(t.ok(json!({"command": "view", "path": "/memories"})), "Here're the files and directories up to 2 levels deep in /memories, excluding hidden items:\n0B\t/memories");
    t.create("/memories/a.md", "12345");
    t.create("/memories/projects/acme/status.md", &"x".repeat(2048));
    t.create("/memories/projects/acme/deep/more.md", "zz");
    t.create("/memories/projects/readme.md", "r");
    t.create("/memories/.secret/s.md", "hidden");
    let listing = t.ok(json!({"command": "view", "path": "/memories/"}));
    assert_eq!(
        listing,
        "Here're the files and directories up to 2 levels deep in /memories, excluding hidden items:\n\
         2.0K\t/memories\n\
         5B\t/memories/a.md\n\
         2.0K\t/memories/projects/\n\
         2.0K\t/memories/projects/acme/\n\
         1B\t/memories/projects/readme.md"
    );
    let sub = t.ok(json!({"command": "view", "path": "/memories/projects"}));
    assert!(sub.ends_with("\n2.0K\t/memories/projects/acme/\n2B\t/memories/projects/acme/deep/\n2K\t/memories/projects/acme/status.md\n1B\t/memories/projects/readme.md"), "{sub}");
}

#[test]
fn traversal_attempts_are_rejected_before_touching_storage() {
    let t = T::new();
    t.create("/memories/a.md", "x");
    let before = t.kv.snapshot();
    for path in [
        "/memories/../x",
        "/memories/../../etc/passwd",
        "/memories/a/../../x",
        "/memories/%2e%2e/x",
        "/memories/%2E%2E%2Fx",
        "/memories/..%2fx",
        "/memories/%252e%252e/x",
        "/memories/..\\x",
        "/etc/passwd",
        "/tmp/memories/x",
        "/memoriesx/a.md",
        "memories/a.md",
        "../memories/a.md",
        "",
        "/memories/a\u{0}b",
        "/memories/new\nline",
    ] {
        for cmd in [
            json!({"command": "view", "path": path}),
            json!({"command": "create", "path": path, "file_text": "pwned"}),
            json!({"command": "delete", "path": path}),
            json!({"command": "rename", "old_path": "/memories/a.md", "new_path": path}),
            json!({"command": "rename", "old_path": path, "new_path": "/memories/b.md"}),
        ] {
            assert_eq!(t.err(cmd.clone()).code, ErrorCode::Validation, "{cmd}");
        }
    }
    assert_eq!(t.kv.snapshot(), before, "nothing was written");
}

#[test]
fn paths_are_normalised_inside_the_root() {
    let t = T::new();
    t.create("/memories//notes/./today.md/", "x");
    assert_eq!(t.content("notes/today.md"), "x");
    assert!(t
        .ok(json!({"command": "view", "path": "/memories/notes/"}))
        .contains("/memories/notes/today.md"));
}

#[test]
fn str_replace_requires_an_exact_unique_match_and_handles_multiple_lines() {
    let t = T::new();
    t.create(
        "/memories/plan.md",
        "# Plan\n- step one\n- step two\n- step one\n\nend\n",
    );
    let e = t.err(json!({"command": "str_replace", "path": "/memories/plan.md", "old_str": "- step one", "new_str": "x"}));
    assert_eq!(e.message, "No replacement was performed. Multiple occurrences of old_str `- step one` in lines: 2, 4. Please ensure it is unique");
    let e = t.err(json!({"command": "str_replace", "path": "/memories/plan.md", "old_str": "- Step two", "new_str": "x"}));
    assert_eq!(e.message, "No replacement was performed, old_str `- Step two` did not appear verbatim in /memories/plan.md.");
    let out = t.ok(json!({"command": "str_replace", "path": "/memories/plan.md", "old_str": "- step two\n- step one\n", "new_str": "- step 2\n- step 3\n- step 4\n"}));
    assert!(out.starts_with("The memory file has been edited."), "{out}");
    assert!(
        out.contains("     3\t- step 2\n     4\t- step 3\n     5\t- step 4"),
        "{out}"
    );
    assert_eq!(
        t.content("plan.md"),
        "# Plan\n- step one\n- step 2\n- step 3\n- step 4\n\nend\n"
    );
    // Whitespace matters: a near match is not a match.
    t.err(json!({"command": "str_replace", "path": "/memories/plan.md", "old_str": "- step 2 \n", "new_str": "x"}));
    // Overlapping occurrences are not unique either.
    t.create("/memories/aaa.md", "aaa");
    t.err(json!({"command": "str_replace", "path": "/memories/aaa.md", "old_str": "aa", "new_str": "b"}));
    let e = run(t.ms.get_entry_by_path(&t.space, &t.store, "plan.md")).unwrap();
    assert_eq!(e.version, 2);
}

#[test]
fn str_replace_without_new_str_never_writes_it_as_text() {
    let t = T::new();
    t.create("/memories/a.md", "keep this line\n");
    for cmd in [
        json!({"command": "str_replace", "path": "/memories/a.md", "old_str": "this"}),
        json!({"command": "str_replace", "path": "/memories/a.md", "old_str": "this", "new_str": null}),
        json!({"command": "str_replace", "path": "/memories/a.md", "old_str": "this", "new_str": 7}),
        json!({"command": "str_replace", "path": "/memories/a.md", "new_str": "x"}),
        json!({"command": "str_replace", "path": "/memories/a.md", "old_str": "", "new_str": "x"}),
    ] {
        assert_eq!(t.err(cmd).code, ErrorCode::Validation);
    }
    assert_eq!(t.content("a.md"), "keep this line\n");
    // An explicit empty new_str removes old_str.
    t.ok(json!({"command": "str_replace", "path": "/memories/a.md", "old_str": "this ", "new_str": ""}));
    assert_eq!(t.content("a.md"), "keep line\n");
    // Removing everything is refused: a memory file needs text.
    let e = t.err(json!({"command": "str_replace", "path": "/memories/a.md", "old_str": "keep line\n", "new_str": ""}));
    assert!(e.message.contains("use delete"), "{}", e.message);
}

#[test]
fn str_replace_on_a_directory_or_missing_file_is_an_error() {
    let t = T::new();
    t.create("/memories/d/a.md", "x");
    assert_eq!(
        t.err(
            json!({"command": "str_replace", "path": "/memories/d", "old_str": "x", "new_str": "y"})
        )
        .message,
        "The path /memories/d is not a file."
    );
    assert_eq!(t.err(json!({"command": "str_replace", "path": "/memories/nope.md", "old_str": "x", "new_str": "y"})).code, ErrorCode::NotFound);
}

#[test]
fn insert_adds_text_at_a_line_within_range() {
    let t = T::new();
    t.create("/memories/list.md", "a\nb\n");
    assert_eq!(t.ok(json!({"command": "insert", "path": "/memories/list.md", "insert_line": 0, "insert_text": "top\n"})), "The file /memories/list.md has been edited.");
    t.ok(json!({"command": "insert", "path": "/memories/list.md", "insert_line": 3, "insert_text": "end"}));
    t.ok(json!({"command": "insert", "path": "/memories/list.md", "insert_line": 2, "insert_text": "x\ny"}));
    assert_eq!(t.content("list.md"), "top\na\nx\ny\nb\nend\n");
    let e = t.err(json!({"command": "insert", "path": "/memories/list.md", "insert_line": 7, "insert_text": "z"}));
    assert_eq!(e.message, "Invalid `insert_line` parameter: 7. It should be within the range of lines of the file: [0, 6]");
    t.err(json!({"command": "insert", "path": "/memories/list.md", "insert_line": -1, "insert_text": "z"}));
    t.err(json!({"command": "insert", "path": "/memories/list.md", "insert_line": 1.5, "insert_text": "z"}));
    t.err(json!({"command": "insert", "path": "/memories/list.md", "insert_line": 1}));
    t.err(json!({"command": "insert", "path": "/memories/list.md", "insert_text": "z"}));
    assert_eq!(t.content("list.md"), "top\na\nx\ny\nb\nend\n");
}

#[test]
fn delete_removes_a_file_or_a_whole_directory_atomically() {
    let t = T::new();
    t.create("/memories/keep.md", "k");
    t.create("/memories/old/a.md", "a");
    t.create("/memories/old/deep/b.md", "b");
    assert_eq!(
        t.ok(json!({"command": "delete", "path": "/memories/keep.md"})),
        "Successfully deleted /memories/keep.md"
    );
    assert_eq!(
        t.ok(json!({"command": "delete", "path": "/memories/old/"})),
        "Successfully deleted /memories/old"
    );
    assert_eq!(t.count(), 0);
    assert_eq!(
        t.err(json!({"command": "delete", "path": "/memories/old"}))
            .message,
        "The path /memories/old does not exist"
    );
    assert_eq!(
        t.err(json!({"command": "delete", "path": "/memories"}))
            .message,
        "Cannot delete the /memories directory itself"
    );
    let versions = run(t
        .ms
        .list_versions(&t.space, &t.store, None, Page::default()))
    .unwrap();
    assert_eq!(
        versions
            .iter()
            .filter(|v| v.action == VersionAction::Deleted)
            .count(),
        3,
        "versions survive"
    );
    check_invariants(&t.ms, &t.kv, &t.space, &t.store);
}

#[test]
fn rename_moves_a_file_or_a_directory_and_keeps_ids() {
    let t = T::new();
    t.create("/memories/a.md", "a");
    t.create("/memories/dir/x.md", "x");
    t.create("/memories/dir/sub/y.md", "y");
    let a = run(t.ms.get_entry_by_path(&t.space, &t.store, "a.md"))
        .unwrap()
        .id;
    assert_eq!(t.ok(json!({"command": "rename", "old_path": "/memories/a.md", "new_path": "/memories/archive/a.md"})), "Successfully renamed /memories/a.md to /memories/archive/a.md");
    assert_eq!(
        run(t.ms.get_entry_by_path(&t.space, &t.store, "archive/a.md"))
            .unwrap()
            .id,
        a
    );
    t.ok(json!({"command": "rename", "old_path": "/memories/dir", "new_path": "/memories/folder"}));
    assert_eq!(t.content("folder/sub/y.md"), "y");
    assert_eq!(
        run(t
            .ms
            .list_entries(&t.space, &t.store, "dir", Page::default()))
        .unwrap()
        .len(),
        0
    );
    assert_eq!(
        t.err(
            json!({"command": "rename", "old_path": "/memories/nope", "new_path": "/memories/x"})
        )
        .code,
        ErrorCode::NotFound
    );
    let e = t.err(json!({"command": "rename", "old_path": "/memories/folder/x.md", "new_path": "/memories/archive/a.md"}));
    assert_eq!(
        e.message,
        "The destination /memories/archive/a.md already exists"
    );
    t.err(json!({"command": "rename", "old_path": "/memories/folder/x.md", "new_path": "/memories/archive"}));
    t.err(json!({"command": "rename", "old_path": "/memories/folder", "new_path": "/memories/folder/inner"}));
    t.err(json!({"command": "rename", "old_path": "/memories", "new_path": "/memories/x"}));
    t.err(json!({"command": "rename", "old_path": "/memories/folder/x.md", "new_path": "/memories/archive/a.md/x.md"}));
    assert_eq!(t.count(), 3);
    check_invariants(&t.ms, &t.kv, &t.space, &t.store);
}

#[test]
fn an_archived_store_can_be_viewed_but_not_written_through_the_tool() {
    let t = T::new();
    t.create("/memories/a.md", "a");
    run(t.ms.archive_store(&t.space, &t.store)).unwrap();
    assert!(t
        .ok(json!({"command": "view", "path": "/memories/a.md"}))
        .contains("\ta"));
    for cmd in [
        json!({"command": "create", "path": "/memories/b.md", "file_text": "b"}),
        json!({"command": "str_replace", "path": "/memories/a.md", "old_str": "a", "new_str": "b"}),
        json!({"command": "insert", "path": "/memories/a.md", "insert_line": 0, "insert_text": "b"}),
        json!({"command": "rename", "old_path": "/memories/a.md", "new_path": "/memories/b.md"}),
    ] {
        let e = t.err(cmd);
        assert_eq!(e.code, ErrorCode::Archived);
        assert!(e.message.contains("archived"), "{}", e.message);
    }
    // Deleting stays allowed, as `delete_entry` is on archived stores.
    t.ok(json!({"command": "delete", "path": "/memories/a.md"}));
    assert_eq!(t.count(), 0);
}

#[test]
fn a_directory_view_reads_a_bounded_number_of_files() {
    let t = T::new();
    for i in 0..1001 {
        t.create(&format!("/memories/many/{i:04}.md"), "x");
    }
    let out = t.ok(json!({"command": "view", "path": "/memories"}));
    assert!(out.contains("1000B\t/memories/many/"), "{}", &out[..200]);
    assert!(out.ends_with("view a subdirectory to see the rest)"));
}

#[test]
fn malformed_commands_get_clear_errors() {
    let t = T::new();
    assert!(t
        .err(json!({"command": "explode", "path": "/memories"}))
        .message
        .starts_with("Unknown command: explode"));
    t.err(json!({"path": "/memories"}));
    t.err(json!(["view"]));
    t.err(json!({"command": "view"}));
    let e = run(t.ms.memory_tool(&t.space, &t.store, "{not json")).unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(
        run(t.ms.memory_tool(
            &t.space,
            "memstore_nope",
            r#"{"command":"view","path":"/memories"}"#
        ))
        .unwrap_err()
        .code,
        ErrorCode::NotFound
    );
}
