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
        ("GET", format!("{API}/{id}/memories"), None, 501),
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
