//! The memory-store API (`/v1/memory_stores`) of the REST surface, natively: the store routes,
//! their wire shapes, cursor pages, archive, delete, error bodies and per-principal isolation.
//! The same routes are driven by the real `anthropic` SDK against workerd in edge/cloudflare/test.

mod rest_common;

use memspace::rest::Request;
use rest_common::*;
use serde_json::{json, Value};

const API: &str = "/v1/memory_stores";

fn new_store(w: &World, name: &str) -> String {
    let (st, s) = w.a(
        "POST",
        API,
        Some(json!({"name": name, "metadata": {"team": "a"}})),
    );
    assert_eq!(st, 200, "{s}");
    w.host.advance_micros(1_000); // listings are in creation order
    s["id"].as_str().unwrap().to_string()
}

#[test]
fn create_retrieve_update_with_a_metadata_merge_patch() {
    let w = world();
    let (st, s) = w.a(
        "POST",
        API,
        Some(json!({"name": "notes", "description": "d", "metadata": {"a": "1", "b": "2"}})),
    );
    assert_eq!(st, 200);
    let keys: Vec<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "type",
            "id",
            "name",
            "description",
            "metadata",
            "created_at",
            "updated_at",
            "archived_at"
        ]
    );
    assert_eq!(
        (&s["type"], &s["archived_at"]),
        (&json!("memory_store"), &Value::Null)
    );
    let id = s["id"].as_str().unwrap();
    assert!(id.starts_with("memstore_"));
    assert_eq!(w.a("GET", &format!("{API}/{id}"), None), (200, s.clone()));
    let (st, u) = w.a(
        "POST",
        &format!("{API}/{id}"),
        Some(json!({"metadata": {"a": null, "c": "3"}, "description": ""})),
    );
    assert_eq!(st, 200, "{u}");
    assert_eq!(
        (&u["metadata"], &u["description"]),
        (&json!({"b": "2", "c": "3"}), &json!(""))
    );
}

#[test]
fn list_pages_with_an_opaque_cursor_and_hides_archived_stores() {
    let w = world();
    let ids: Vec<String> = (0..5).map(|i| new_store(&w, &format!("s{i}"))).collect();
    let (st, a) = w.a("POST", &format!("{API}/{}/archive", ids[1]), None);
    assert_eq!(st, 200);
    assert!(a["archived_at"].is_string());
    assert_eq!(
        w.a("POST", &format!("{API}/{}/archive", ids[1]), None),
        (200, a.clone()),
        "idempotent"
    );
    let mut seen = Vec::new();
    let mut page = String::new();
    loop {
        let (st, p) = w.a("GET", &format!("{API}?limit=2{page}"), None);
        assert_eq!(st, 200, "{p}");
        seen.extend(
            p["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_string()),
        );
        match p["next_page"].as_str() {
            Some(n) => page = format!("&page={n}"),
            None => break,
        }
    }
    let active: Vec<String> = ids
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, s)| s.clone())
        .collect();
    assert_eq!(seen, active);
    let (_, all) = w.a(
        "GET",
        &format!("{API}?include_archived=true&limit=100"),
        None,
    );
    assert_eq!(all["data"].as_array().unwrap().len(), 5);
    let (_, none) = w.a(
        "GET",
        &format!("{API}?created_at[lte]=2000-01-01T00:00:00Z"),
        None,
    );
    assert_eq!(none["data"], json!([]));
    assert_eq!(w.a("GET", &format!("{API}?page=zzz"), None).0, 400);
    assert_eq!(w.a("GET", &format!("{API}?limit=101"), None).0, 400);
}

#[test]
fn an_archived_store_refuses_updates_and_a_deleted_store_is_gone() {
    let w = world();
    let id = new_store(&w, "x");
    w.a("POST", &format!("{API}/{id}/archive"), None);
    let (st, e) = w.a("POST", &format!("{API}/{id}"), Some(json!({"name": "y"})));
    assert_eq!(
        (st, &e["type"], &e["error"]["type"]),
        (400, &json!("error"), &json!("invalid_request_error"))
    );
    assert_eq!(
        w.a("DELETE", &format!("{API}/{id}"), None),
        (200, json!({"id": id, "type": "memory_store_deleted"}))
    );
    let (st, e) = w.a("GET", &format!("{API}/{id}"), None);
    assert_eq!((st, &e["error"]["type"]), (404, &json!("not_found_error")));
}

#[test]
fn another_principal_gets_404_and_no_token_gets_401_touching_nothing() {
    let w = world();
    let id = new_store(&w, "mine");
    for who in [bob(), carol()] {
        assert_eq!(w.as_(&who, "GET", &format!("{API}/{id}"), None).0, 404);
        assert_eq!(
            w.as_(
                &who,
                "POST",
                &format!("{API}/{id}"),
                Some(json!({"name": "theirs"}))
            )
            .0,
            404
        );
        assert_eq!(
            w.as_(&who, "POST", &format!("{API}/{id}/archive"), None).0,
            404
        );
        assert_eq!(w.as_(&who, "DELETE", &format!("{API}/{id}"), None).0, 404);
        assert_eq!(w.as_(&who, "GET", API, None).1["data"], json!([]));
    }
    let r = w.serve(None, Request::new("DELETE", &format!("{API}/{id}")));
    assert_eq!(
        (r.status, r.json_body()["error"]["type"].clone()),
        (401, json!("authentication_error"))
    );
    assert_eq!(
        w.a("GET", &format!("{API}/{id}"), None).1["name"],
        json!("mine")
    );
}

#[test]
fn malformed_requests_get_the_error_shape_never_a_500() {
    let w = world();
    let id = new_store(&w, "m");
    let cases: Vec<(&str, String, Option<&str>, u16)> = vec![
        ("POST", API.to_string(), Some("{"), 400),
        ("POST", API.to_string(), Some("[1]"), 400),
        ("POST", API.to_string(), Some(r#"{"name": 5}"#), 400),
        (
            "POST",
            API.to_string(),
            Some(r#"{"name": "a", "bogus": 1}"#),
            400,
        ),
        ("POST", API.to_string(), Some(r#"{}"#), 400),
        (
            "POST",
            API.to_string(),
            Some(r#"{"name": "a", "metadata": {"k": 5}}"#),
            400,
        ),
        ("PUT", format!("{API}/{id}"), None, 405),
        ("GET", format!("{API}/%ZZ"), None, 400),
        ("GET", format!("{API}/{id}/nope"), None, 404),
        (
            "POST",
            format!("{API}/{id}/memories"),
            Some(r#"{"path": "a.md", "content": "x"}"#),
            400,
        ),
        (
            "POST",
            format!("{API}/{id}/memories"),
            Some(r#"{"path": "/a.md"}"#),
            400,
        ),
        (
            "POST",
            format!("{API}/{id}/memories"),
            Some(r#"{"path": "/a.md", "content": 5}"#),
            400,
        ),
        (
            "POST",
            format!("{API}/{id}/memories"),
            Some(r#"{"path": "/a/../b", "content": "x"}"#),
            400,
        ),
        (
            "POST",
            format!("{API}/{id}/memories"),
            Some(r#"{"path": "/a", "content": "x", "x": 1}"#),
            400,
        ),
        (
            "GET",
            format!("{API}/{id}/memories?path_prefix=/notes"),
            None,
            400,
        ),
        ("GET", format!("{API}/{id}/memories?depth=-1"), None, 400),
        ("GET", format!("{API}/{id}/memories?view=huge"), None, 400),
        ("GET", format!("{API}/{id}/memories?page=zz"), None, 400),
        ("PUT", format!("{API}/{id}/memories"), None, 405),
        ("GET", format!("{API}/{id}/memories/mem_nope"), None, 404),
        ("GET", format!("{API}/{id}/memories/%ZZ"), None, 400),
        (
            "DELETE",
            format!("{API}/{id}/memories/mem_x?expected_content_sha256=xyz"),
            None,
            400,
        ),
        (
            "GET",
            format!("{API}/{id}/memory_versions?operation=renamed"),
            None,
            400,
        ),
        (
            "GET",
            format!("{API}/{id}/memory_versions?created_at[gte]=yesterday"),
            None,
            400,
        ),
        (
            "GET",
            format!("{API}/{id}/memory_versions/memver_nope"),
            None,
            404,
        ),
        (
            "DELETE",
            format!("{API}/{id}/memory_versions/memver_nope"),
            None,
            405,
        ),
        (
            "GET",
            format!("{API}/{id}/memory_versions/memver_nope/redact"),
            None,
            405,
        ),
    ];
    for (m, path, body, want) in cases {
        let mut req = Request::new(m, &path);
        if let Some(b) = body {
            req.body = b.as_bytes().to_vec();
        }
        let r = w.serve(Some(&alice()), req);
        assert_eq!(
            r.status,
            want,
            "{m} {path} {body:?}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(r.json_body()["type"], json!("error"), "{m} {path}");
    }
    let mut big = Request::new("POST", API);
    big.body = vec![b' '; memspace::rest::MAX_BODY_BYTES + 1];
    assert_eq!(w.serve(Some(&alice()), big).status, 413);
}

fn new_memory(w: &World, store: &str, path: &str, content: &str) -> Value {
    let (st, m) = w.a(
        "POST",
        &format!("{API}/{store}/memories"),
        Some(json!({"path": path, "content": content})),
    );
    assert_eq!(st, 200, "{m}");
    w.host.advance_micros(1_000);
    m
}

fn sha(s: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_memory_is_created_read_renamed_and_updated_with_wire_paths_and_views() {
    let w = world();
    let s = new_store(&w, "notes");
    let m = new_memory(&w, &s, "/notes/a.md", "hello");
    assert_eq!(m["type"], "memory");
    assert_eq!(m["path"], "/notes/a.md");
    assert_eq!(m["content"], Value::Null, "create answers the basic view");
    assert_eq!(m["content_sha256"], json!(sha("hello")));
    assert_eq!(m["content_size_bytes"], 5);
    assert_eq!(m["memory_store_id"], json!(s));
    let id = m["id"].as_str().unwrap();
    let v1 = m["memory_version_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("mem_") && v1.starts_with("memver_"));
    let (_, got) = w.a("GET", &format!("{API}/{s}/memories/{id}"), None);
    assert_eq!(got["content"], "hello", "retrieve answers the full view");
    let (_, basic) = w.a("GET", &format!("{API}/{s}/memories/{id}?view=basic"), None);
    assert_eq!(basic["content"], Value::Null);
    let (st, u) = w.a(
        "POST",
        &format!("{API}/{s}/memories/{id}?view=full"),
        Some(json!({"content": "hello world", "path": "/notes/b.md",
                    "precondition": {"type": "content_sha256", "content_sha256": sha("hello")}})),
    );
    assert_eq!(st, 200, "{u}");
    assert_eq!(
        (u["id"].as_str(), &u["path"], &u["content"]),
        (Some(id), &json!("/notes/b.md"), &json!("hello world"))
    );
    assert_ne!(u["memory_version_id"], json!(v1));
    let (st, _) = w.a("GET", &format!("{API}/{s}/memories/{id}"), None);
    assert_eq!(st, 200, "a rename keeps the id");
}

#[test]
fn a_stale_precondition_is_a_409_not_retried_unless_the_memory_already_is_as_asked() {
    let w = world();
    let s = new_store(&w, "p");
    let m = new_memory(&w, &s, "/a.md", "one");
    let id = m["id"].as_str().unwrap();
    let stale = json!({"type": "content_sha256", "content_sha256": sha("zero")});
    let r = w.serve(
        Some(&alice()),
        Request::new("POST", &format!("{API}/{s}/memories/{id}"))
            .json(&json!({"content": "two", "precondition": stale})),
    );
    assert_eq!(r.status, 409);
    assert_eq!(r.header_value("x-should-retry"), Some("false"));
    assert_eq!(
        r.json_body()["error"]["type"],
        "memory_precondition_failed_error"
    );
    // The same update retried after it applied: 200, no new version.
    let pre = json!({"type": "content_sha256", "content_sha256": sha("one")});
    let (st, first) = w.a(
        "POST",
        &format!("{API}/{s}/memories/{id}"),
        Some(json!({"content": "two", "precondition": pre})),
    );
    assert_eq!(st, 200);
    let (st, again) = w.a(
        "POST",
        &format!("{API}/{s}/memories/{id}"),
        Some(json!({"content": "two", "precondition": pre})),
    );
    assert_eq!(
        (st, &again["memory_version_id"]),
        (200, &first["memory_version_id"])
    );
    // Delete with a stale hash: 409, nothing deleted.
    let (st, e) = w.a(
        "DELETE",
        &format!(
            "{API}/{s}/memories/{id}?expected_content_sha256={}",
            sha("one")
        ),
        None,
    );
    assert_eq!(
        (st, &e["error"]["type"]),
        (409, &json!("memory_precondition_failed_error"))
    );
    assert_eq!(w.a("GET", &format!("{API}/{s}/memories/{id}"), None).0, 200);
    assert_eq!(
        w.a(
            "DELETE",
            &format!(
                "{API}/{s}/memories/{id}?expected_content_sha256={}",
                sha("two")
            ),
            None
        ),
        (200, json!({"id": id, "type": "memory_deleted"}))
    );
    assert_eq!(w.a("GET", &format!("{API}/{s}/memories/{id}"), None).0, 404);
}

#[test]
fn a_used_or_overlapping_path_is_a_path_conflict_naming_the_other_memory() {
    let w = world();
    let s = new_store(&w, "c");
    let a = new_memory(&w, &s, "/a/b.md", "x");
    for path in ["/a/b.md", "/a/b.md/c.md", "/a"] {
        let r = w.serve(
            Some(&alice()),
            Request::new("POST", &format!("{API}/{s}/memories"))
                .json(&json!({"path": path, "content": "y"})),
        );
        assert_eq!(r.status, 409, "{path}");
        assert_eq!(r.header_value("x-should-retry"), Some("false"));
        let e = r.json_body()["error"].clone();
        assert_eq!(e["type"], "memory_path_conflict_error");
        assert_eq!(e["conflicting_memory_id"], a["id"]);
        assert_eq!(e["conflicting_path"], "/a/b.md");
    }
    let other = new_memory(&w, &s, "/c.md", "z");
    let (st, e) = w.a(
        "POST",
        &format!("{API}/{s}/memories/{}", other["id"].as_str().unwrap()),
        Some(json!({"path": "/a/b.md"})),
    );
    assert_eq!(
        (st, &e["error"]["type"]),
        (409, &json!("memory_path_conflict_error"))
    );
}

#[test]
fn list_rolls_deeper_paths_into_prefixes_and_pages_with_a_cursor() {
    let w = world();
    let s = new_store(&w, "l");
    for p in [
        "/a/x/1.md",
        "/a/x/2.md",
        "/a/y.md",
        "/b.md",
        "/c/z/3.md",
        "/notes-old/q.md",
    ] {
        new_memory(&w, &s, p, "c");
    }
    let list = |q: &str| {
        let mut items = Vec::new();
        let mut url = format!("{API}/{s}/memories?{q}");
        loop {
            let (st, page) = w.a("GET", &url, None);
            assert_eq!(st, 200, "{page}");
            for it in page["data"].as_array().unwrap() {
                items.push(format!(
                    "{}:{}",
                    it["type"].as_str().unwrap(),
                    it["path"].as_str().unwrap()
                ));
            }
            match page["next_page"].as_str() {
                Some(n) => url = format!("{API}/{s}/memories?{q}&page={n}"),
                None => return items,
            }
        }
    };
    assert_eq!(
        list("depth=1&limit=2"),
        [
            "memory_prefix:/a/",
            "memory:/b.md",
            "memory_prefix:/c/",
            "memory_prefix:/notes-old/"
        ]
    );
    assert_eq!(
        list("path_prefix=/a/&depth=1&limit=1"),
        ["memory_prefix:/a/x/", "memory:/a/y.md"]
    );
    assert_eq!(list("path_prefix=/a/x/").len(), 2);
    assert_eq!(list("limit=4").len(), 6);
    let (_, full) = w.a(
        "GET",
        &format!("{API}/{s}/memories?view=full&limit=100"),
        None,
    );
    let data = full["data"].as_array().unwrap();
    assert_eq!(data.len(), 6);
    assert!(data.iter().all(|m| m["content"] == "c"));
}

#[test]
fn versions_record_every_change_survive_deletion_and_redact_to_nulls() {
    let w = world();
    let s = new_store(&w, "v");
    let m = new_memory(&w, &s, "/a.md", "one");
    let id = m["id"].as_str().unwrap();
    w.a(
        "POST",
        &format!("{API}/{s}/memories/{id}"),
        Some(json!({"content": "two"})),
    );
    w.host.advance_micros(1_000);
    w.a("DELETE", &format!("{API}/{s}/memories/{id}"), None);
    let (_, page) = w.a(
        "GET",
        &format!("{API}/{s}/memory_versions?memory_id={id}"),
        None,
    );
    let vs = page["data"].as_array().unwrap().clone();
    let ops: Vec<_> = vs
        .iter()
        .map(|v| v["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["deleted", "modified", "created"], "newest first");
    assert_eq!(
        vs[0]["content_sha256"],
        Value::Null,
        "a deleted version has no content"
    );
    assert_eq!(vs[2]["content"], Value::Null, "lists answer the basic view");
    assert_eq!(vs[2]["content_sha256"], json!(sha("one")));
    let (_, only_created) = w.a(
        "GET",
        &format!("{API}/{s}/memory_versions?operation=created"),
        None,
    );
    assert_eq!(only_created["data"].as_array().unwrap().len(), 1);
    let (_, by_key) = w.a(
        "GET",
        &format!("{API}/{s}/memory_versions?api_key_id=apikey_1"),
        None,
    );
    assert_eq!(by_key["data"], json!([]));
    let first = vs[2]["id"].as_str().unwrap();
    let (_, got) = w.a("GET", &format!("{API}/{s}/memory_versions/{first}"), None);
    assert_eq!(
        (got["content"].as_str(), got["path"].as_str()),
        (Some("one"), Some("/a.md"))
    );
    let (st, red) = w.a(
        "POST",
        &format!("{API}/{s}/memory_versions/{first}/redact"),
        None,
    );
    assert_eq!(st, 200, "{red}");
    for k in ["content", "path", "content_sha256", "content_size_bytes"] {
        assert_eq!(red[k], Value::Null, "{k}");
    }
    assert!(red["redacted_at"].is_string());
    let (st, again) = w.a("GET", &format!("{API}/{s}/memory_versions/{first}"), None);
    assert_eq!((st, &again["redacted_at"]), (200, &red["redacted_at"]));
}

#[test]
fn an_archived_store_keeps_reads_deletes_and_redaction_but_refuses_memory_writes() {
    let w = world();
    let s = new_store(&w, "arch");
    let m = new_memory(&w, &s, "/a.md", "one");
    let id = m["id"].as_str().unwrap();
    w.a(
        "POST",
        &format!("{API}/{s}/memories/{id}"),
        Some(json!({"content": "two"})),
    );
    w.a("POST", &format!("{API}/{s}/archive"), None);
    let (st, e) = w.a(
        "POST",
        &format!("{API}/{s}/memories"),
        Some(json!({"path": "/b.md", "content": "x"})),
    );
    assert_eq!(
        (st, &e["error"]["type"]),
        (400, &json!("invalid_request_error"))
    );
    assert_eq!(
        w.a(
            "POST",
            &format!("{API}/{s}/memories/{id}"),
            Some(json!({"content": "three"}))
        )
        .0,
        400
    );
    assert_eq!(
        w.a("GET", &format!("{API}/{s}/memories/{id}"), None).1["content"],
        "two"
    );
    let (_, vs) = w.a(
        "GET",
        &format!("{API}/{s}/memory_versions?memory_id={id}&operation=created"),
        None,
    );
    let v1 = vs["data"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        w.a(
            "POST",
            &format!("{API}/{s}/memory_versions/{v1}/redact"),
            None
        )
        .0,
        200
    );
    assert_eq!(
        w.a("DELETE", &format!("{API}/{s}/memories/{id}"), None).0,
        200
    );
}

#[test]
fn memories_and_versions_of_another_principal_are_404_and_no_token_is_401() {
    let w = world();
    let s = new_store(&w, "iso");
    let m = new_memory(&w, &s, "/a.md", "secret");
    let id = m["id"].as_str().unwrap();
    let v = m["memory_version_id"].as_str().unwrap();
    let before = w.snapshot();
    let routes = [
        ("GET", format!("{API}/{s}/memories"), None),
        (
            "POST",
            format!("{API}/{s}/memories"),
            Some(json!({"path": "/b.md", "content": "x"})),
        ),
        ("GET", format!("{API}/{s}/memories/{id}"), None),
        (
            "POST",
            format!("{API}/{s}/memories/{id}"),
            Some(json!({"content": "x"})),
        ),
        ("DELETE", format!("{API}/{s}/memories/{id}"), None),
        ("GET", format!("{API}/{s}/memory_versions"), None),
        ("GET", format!("{API}/{s}/memory_versions/{v}"), None),
        (
            "POST",
            format!("{API}/{s}/memory_versions/{v}/redact"),
            None,
        ),
    ];
    for who in [bob(), carol()] {
        for (m, path, body) in &routes {
            let (st, e) = w.as_(&who, m, path, body.clone());
            assert_eq!(
                (st, &e["error"]["type"]),
                (404, &json!("not_found_error")),
                "{m} {path}"
            );
        }
    }
    for (m, path, body) in &routes {
        let mut req = Request::new(m, path);
        if let Some(b) = body {
            req = req.json(b);
        }
        assert_eq!(w.serve(None, req).status, 401, "{m} {path}");
    }
    assert!(w.snapshot() == before, "refused requests wrote nothing");
}
