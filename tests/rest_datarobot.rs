//! The DataRobot memory API of the REST surface, natively (no HTTP, no workerd): wire shapes,
//! status codes, error bodies, isolation, limits and the shard routing a sharded host uses.
//! The same API is driven by the real SDK against workerd in edge/cloudflare/test.

mod rest_common;

use memspace::rest::{route, Options, Request, Route, Target, MAX_BODY_BYTES};
use rest_common::*;
use serde_json::{json, Value};

const API: &str = "/api/v2";

fn new_space(w: &World, body: Value) -> String {
    let (st, s) = w.a("POST", &format!("{API}/memory/new/"), Some(body));
    assert_eq!(st, 201, "{s}");
    s["memorySpaceId"].as_str().unwrap().to_string()
}

fn new_session(w: &World, space: &str) -> String {
    let (st, s) = w.a(
        "POST",
        &format!("{API}/memory/{space}/sessions/"),
        Some(json!({"participants": ["u1"], "lifecycleStrategies": []})),
    );
    assert_eq!(st, 201, "{s}");
    format!(
        "{API}/memory/{space}/sessions/{}",
        s["id"].as_str().unwrap()
    )
}

#[test]
fn version_probe_answers_what_the_sdk_checks() {
    let w = world();
    assert_eq!(
        w.a("GET", &format!("{API}/version/"), None),
        (200, json!({"versionString": "2.49.0"}))
    );
}

#[test]
fn smoke_sequence_has_the_wire_shapes() {
    let w = world();
    let (st, space) = w.a(
        "POST",
        &format!("{API}/memory/new/"),
        Some(json!({"description": "d"})),
    );
    assert_eq!(st, 201);
    let keys: Vec<&str> = space
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "memorySpaceId",
            "userId",
            "tenantId",
            "description",
            "llmModelName",
            "llmBaseUrl",
            "customInstructions",
            "createdAt",
            "deduplicationKey"
        ]
    );
    assert_eq!(
        (space["userId"].as_str(), space["tenantId"].as_str()),
        (Some("alice"), Some("acme"))
    );
    assert!(space["createdAt"].as_str().unwrap().ends_with('Z'));
    let sid = space["memorySpaceId"].as_str().unwrap();
    let session = new_session(&w, sid);
    let (_, s) = w.a("GET", &format!("{session}/"), None);
    assert_eq!(
        s["lifecycleStrategies"],
        json!([{"type": "soft_delete", "trigger": {"ttl": 15552000}, "opts": null}])
    );
    assert_eq!(s["version"], 1);
    let (st, ev) = w.a(
        "POST",
        &format!("{session}/events/"),
        Some(json!({"body": {"content": "hi"}, "emitter": {"type": "user", "id": "u1"}, "type": "message"})),
    );
    assert_eq!(st, 201);
    assert_eq!(
        ev,
        json!({"sequenceId": 0, "eventType": "message", "body": {"content": "hi"}, "emitterType": "user", "emitterId": "u1", "createdAt": ev["createdAt"]})
    );
    let (st, b) = w.a(
        "POST",
        &format!("{session}/events/batch/"),
        Some(json!({"events": [{"body": {"content": "a"}, "emitter": {"type": "agent"}, "type": "message"}, {"body": {"content": "b"}, "emitter": {"type": "agent"}}]})),
    );
    assert_eq!(st, 201);
    assert_eq!(b["items"][1]["sequenceId"], 2);
    let seqs = |q: &str| -> Vec<u64> {
        let (_, r) = w.a("GET", &format!("{session}/events/{q}"), None);
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["sequenceId"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(seqs("?lastN=2"), vec![1, 2]);
    assert_eq!(seqs("?offset=1&limit=1&eventType=message"), vec![1]);
    let r = w.serve(
        Some(&alice()),
        Request::new("DELETE", &format!("{session}/")),
    );
    assert_eq!((r.status, r.body.is_empty()), (204, true));
}

#[test]
fn user_payloads_are_stored_verbatim() {
    let w = world();
    let sp = new_space(&w, json!({}));
    let meta = json!({"thread_title": "t", "nested": {"someKey": {"other_key": 1}}});
    let strategies = json!([{"type": "extract_memories", "trigger": {"eventCount": 5}, "opts": {"softDelete": false, "agentId": "a", "metadata": {"k_1": 1}}}]);
    let (st, s) = w.a(
        "POST",
        &format!("{API}/memory/{sp}/sessions/"),
        Some(json!({"participants": ["u1"], "metadata": meta, "lifecycleStrategies": strategies})),
    );
    assert_eq!(st, 201);
    assert_eq!(
        (&s["metadata"], &s["lifecycleStrategies"]),
        (&meta, &strategies)
    );
    let body = json!({"tool_call_id": "x", "userID": 1, "HTTPServer": {"snake_key": [{"camelKey": null}]}, "content": "ü ✓"});
    let path = format!(
        "{API}/memory/{sp}/sessions/{}/events/",
        s["id"].as_str().unwrap()
    );
    let (_, ev) = w.a(
        "POST",
        &path,
        Some(json!({"body": body, "emitter": {"type": "agent"}})),
    );
    assert_eq!(ev["body"], body);
}

#[test]
fn every_route_needs_its_trailing_slash() {
    let w = world();
    let sp = new_space(&w, json!({}));
    let session = new_session(&w, &sp);
    for p in [
        format!("{API}/version"),
        format!("{API}/memory"),
        format!("{API}/memory/{sp}"),
        session.clone(),
        format!("{session}/events"),
        format!("{session}/events/batch"),
    ] {
        let r = w.serve(Some(&alice()), Request::new("GET", &p));
        assert_eq!(r.status, 404, "{p}");
        assert_eq!(r.header_value("content-type"), Some("application/json"));
    }
}

#[test]
fn without_credentials_every_path_is_401_and_nothing_changes() {
    let w = world();
    let sp = new_space(&w, json!({"description": "mine"}));
    let before = w.snapshot();
    for (m, p) in [
        ("GET", format!("{API}/version/")),
        ("GET", format!("{API}/memory/")),
        ("POST", format!("{API}/memory/new/")),
        ("DELETE", format!("{API}/memory/{sp}/")),
        ("GET", format!("{API}/no/such/route")),
        ("GET", "/elsewhere".to_string()),
    ] {
        let r = w.serve(
            None,
            Request::new(m, &p).json(&json!({"description": "sneaky"})),
        );
        assert_eq!(r.status, 401, "{m} {p}");
        assert_eq!(r.header_value("content-type"), Some("application/json"));
        assert_eq!(r.json_body()["detail"], "Invalid or missing API token");
    }
    assert_eq!(w.snapshot(), before);
}

#[test]
fn error_bodies_are_json_with_a_detail_and_the_documented_status() {
    let w = world();
    let sp = new_space(&w, json!({}));
    let session = new_session(&w, &sp);
    let cases: Vec<(&str, String, Option<Value>, u16)> = vec![
        (
            "GET",
            format!("{API}/memory/{sp}/sessions/ses_00000000000000000000000000/"),
            None,
            404,
        ),
        (
            "GET",
            format!("{API}/memory/00000000-0000-4000-8000-000000000000/"),
            None,
            404,
        ),
        ("GET", format!("{API}/memory/not-a-space/"), None, 404),
        ("GET", format!("{session}/events/?lastN=0"), None, 422),
        (
            "GET",
            format!("{session}/events/?lastN=2&offset=1"),
            None,
            422,
        ),
        ("GET", format!("{session}/events/?limit=101"), None, 422),
        ("GET", format!("{session}/events/?limit=x"), None, 422),
        (
            "POST",
            format!("{session}/events/"),
            Some(json!({"body": {}, "emitter": {"type": "user", "id": "nobody"}})),
            400,
        ),
        (
            "POST",
            format!("{session}/events/batch/"),
            Some(json!({"events": vec![json!({"body": {}, "emitter": {"type": "agent"}}); 201]})),
            422,
        ),
        (
            "POST",
            format!("{API}/memory/new/"),
            Some(json!({"llmModelName": "x".repeat(201)})),
            422,
        ),
        (
            "POST",
            format!("{API}/memory/{sp}/sessions/"),
            Some(
                json!({"participants": ["u1"], "lifecycleStrategies": [{"type": "soft_delete", "trigger": {"never": true}}]}),
            ),
            422,
        ),
        (
            "POST",
            format!("{session}/events/"),
            Some(json!("not an object")),
            422,
        ),
        ("PUT", format!("{API}/memory/{sp}/"), None, 405),
        ("GET", format!("{API}/memory/?limit=0"), None, 422),
        ("GET", format!("{API}/memory/?limit=101"), None, 422),
    ];
    for (m, p, body, status) in cases {
        let mut req = Request::new(m, &p);
        if let Some(b) = &body {
            req = req.json(b);
        }
        let r = w.serve(Some(&alice()), req);
        assert_eq!(
            r.status,
            status,
            "{m} {p}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(r.header_value("content-type"), Some("application/json"));
        assert!(r.json_body().get("detail").is_some());
    }
    for raw in [&b""[..], b"{not json", b"\xff\xfe"] {
        let mut req = Request::new("POST", &format!("{session}/events/"));
        req.body = raw.to_vec();
        let r = w.serve(Some(&alice()), req);
        assert_eq!(r.status, 422, "{raw:?}");
    }
}

#[test]
fn method_not_allowed_names_the_allowed_ones() {
    let w = world();
    let sp = new_space(&w, json!({}));
    let r = w.serve(
        Some(&alice()),
        Request::new("PUT", &format!("{API}/memory/{sp}/")),
    );
    assert_eq!(r.status, 405);
    assert_eq!(r.header_value("allow"), Some("GET, PATCH, DELETE"));
}

#[test]
fn a_body_over_the_cap_is_413_before_it_is_parsed_and_changes_nothing() {
    let w = world();
    let sp = new_space(&w, json!({}));
    let session = new_session(&w, &sp);
    let before = w.snapshot();
    let mut big = Request::new("POST", &format!("{session}/events/batch/"));
    big.body = vec![b' '; MAX_BODY_BYTES + 1];
    let declared =
        Request::new("POST", &format!("{session}/events/")).header("Content-Length", "12582912");
    for req in [big, declared] {
        let r = w.serve(Some(&alice()), req);
        assert_eq!(r.status, 413);
        assert_eq!(r.json_body()["code"], "too_large");
        assert_eq!(r.json_body()["maxBytes"], MAX_BODY_BYTES);
    }
    assert_eq!(w.snapshot(), before);
}

#[test]
fn malformed_percent_escapes_in_a_path_id_are_400_and_change_nothing() {
    let w = world();
    let sp = new_space(&w, json!({}));
    let before = w.snapshot();
    for bad in ["%ZZ", "%FF", "%", "ab%", "%E2%82", "%C3"] {
        for (m, p) in [
            ("GET", format!("{API}/memory/{sp}/sessions/{bad}/")),
            ("PATCH", format!("{API}/memory/{sp}/sessions/{bad}/")),
            ("DELETE", format!("{API}/memory/{sp}/sessions/{bad}/")),
            ("GET", format!("{API}/memory/{sp}/sessions/{bad}/events/")),
            (
                "POST",
                format!("{API}/memory/{sp}/sessions/{bad}/events/batch/"),
            ),
            (
                "PATCH",
                format!("{API}/memory/{sp}/sessions/{bad}/events/0/"),
            ),
        ] {
            let r = w.serve(
                Some(&alice()),
                Request::new(m, &p).json(&json!({"events": []})),
            );
            assert_eq!(r.status, 400, "{m} {p}");
            assert_eq!(r.json_body()["code"], "bad_request");
        }
    }
    let r = w.serve(
        Some(&alice()),
        Request::new(
            "GET",
            &format!("{API}/memory/{sp}/sessions/?participants=%zz"),
        ),
    );
    assert_eq!(r.status, 400);
    assert_eq!(w.snapshot(), before);
}

#[test]
fn numbers_a_double_would_change_and_deep_nesting_are_422_never_stored() {
    let w = world();
    let sp = new_space(&w, json!({}));
    let session = new_session(&w, &sp);
    let post = |body_json: &str| {
        let mut req = Request::new("POST", &format!("{session}/events/"));
        req.body =
            format!(r#"{{"body": {body_json}, "emitter": {{"type": "agent"}}}}"#).into_bytes();
        w.serve(Some(&alice()), req)
    };
    for n in [
        "1e309",
        "-1e309",
        &"9".repeat(400),
        "0.1000000000000000000001",
        "9007199254740993",
    ] {
        let r = post(&format!(r#"{{"n": {n}}}"#));
        assert_eq!(r.status, 422, "{n}");
        assert!(
            r.json_body()["detail"][0]["msg"]
                .as_str()
                .unwrap()
                .contains("cannot be stored exactly"),
            "{n}"
        );
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let r = post(&deep);
    assert_eq!(r.status, 422);
    assert!(r.json_body()["detail"][0]["msg"]
        .as_str()
        .unwrap()
        .contains("nested deeper than 64"));
    let (_, evs) = w.a("GET", &format!("{session}/events/"), None);
    assert_eq!(evs["items"], json!([]));
    let r = post(r#"{"n": [1.5, 1e300, 9007199254740992]}"#);
    assert_eq!(r.status, 201);
    assert_eq!(
        r.json_body()["body"],
        json!({"n": [1.5, 1e300, 9007199254740992u64]})
    );
}

#[test]
fn if_match_accepts_quoted_unquoted_and_weak_and_a_stale_one_is_409() {
    let w = world();
    let sp = new_space(&w, json!({}));
    let session = new_session(&w, &sp);
    for (h, v) in [("\"1\"", 2), ("2", 3), ("W/\"3\"", 4)] {
        let r = w.serve(
            Some(&alice()),
            Request::new("PATCH", &format!("{session}/"))
                .header("If-Match", h)
                .json(&json!({"description": format!("v{v}")})),
        );
        assert_eq!(
            (r.status, r.json_body()["version"].clone()),
            (200, json!(v))
        );
    }
    let r = w.serve(
        Some(&alice()),
        Request::new("PATCH", &format!("{session}/"))
            .header("If-Match", "1")
            .json(&json!({"description": "stale"})),
    );
    assert_eq!(r.status, 409);
    assert!(r.json_body()["detail"]
        .as_str()
        .unwrap()
        .starts_with("Session version mismatch"));
    assert_eq!(r.json_body()["currentVersion"], 4);
    let r = w.serve(
        Some(&alice()),
        Request::new("PATCH", &format!("{session}/"))
            .header("If-Match", "abc")
            .json(&json!({"description": "x"})),
    );
    assert_eq!(r.status, 422);
    assert_eq!(
        w.a("GET", &format!("{session}/"), None).1["description"],
        "v4"
    );
}

#[test]
fn created_at_token_in_both_spellings_and_a_stale_one_is_the_orm_422() {
    let w = world();
    let sp = new_space(&w, json!({}));
    let session = new_session(&w, &sp);
    let (_, ev) = w.a(
        "POST",
        &format!("{session}/events/"),
        Some(json!({"body": {"n": 0}, "emitter": {"type": "agent"}})),
    );
    let z = ev["createdAt"].as_str().unwrap().to_string();
    w.advance_secs(1);
    let offset = z.replace('Z', "+00:00");
    let enc = |s: &str| s.replace('+', "%2B").replace(':', "%3A");
    let (st, r) = w.a(
        "PATCH",
        &format!("{session}/events/0/?createdAt={}", enc(&offset)),
        Some(json!({"body": {"n": 1}})),
    );
    assert_eq!(st, 200);
    assert!(r["createdAt"].as_str().unwrap() > z.as_str());
    let (st, stale) = w.a(
        "PATCH",
        &format!("{session}/events/0/?createdAt={}", enc(&z)),
        Some(json!({"body": {"n": 3}})),
    );
    assert_eq!(st, 422);
    assert_eq!(stale["detail"], "Patch of incorrect version of event");
    let (st, _) = w.a(
        "PATCH",
        &format!("{session}/events/0/?createdAt=yesterday"),
        Some(json!({"body": {"n": 3}})),
    );
    assert_eq!(st, 422);
    let (st, b) = w.a(
        "PATCH",
        &format!("{session}/events/batch/"),
        Some(json!({"events": [{"sequenceId": 0, "type": "status", "createdAt": r["createdAt"]}]})),
    );
    assert_eq!(st, 200, "{b}");
    assert_eq!(
        (&b["items"][0]["eventType"], &b["items"][0]["body"]),
        (&json!("status"), &json!({"n": 1}))
    );
}

#[test]
fn space_deduplication_conflict_names_the_existing_space() {
    let w = world();
    let a = new_space(&w, json!({"deduplicationKey": "k1"}));
    let (st, dup) = w.a(
        "POST",
        &format!("{API}/memory/new/"),
        Some(json!({"deduplicationKey": "k1"})),
    );
    assert_eq!(st, 409);
    assert_eq!(
        dup,
        json!({"detail": dup["detail"], "errorName": "MemorySpaceDeduplicationConflict", "deduplicationKey": "k1", "existingMemorySpaceId": a, "existingMemorySpaceUrl": format!("/memory/{a}/")})
    );
    let ids = |q: &str| -> Vec<String> {
        let (_, r) = w.a("GET", &format!("{API}/memory/{q}"), None);
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["memorySpaceId"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids("?deduplicationKey=k1"), vec![a.clone()]);
    assert!(ids("?deduplicationKey=k1&offset=1").is_empty());
    assert!(ids(&format!("?deduplicationKey={}", "x".repeat(300))).is_empty());
    let b = new_space(&w, json!({}));
    assert_eq!(ids(""), vec![a.clone(), b.clone()]);
    assert_eq!(ids("?offset=1&limit=1"), vec![b]);
}

#[test]
fn session_deduplication_conflict_and_the_key_filter_is_an_index_read() {
    let w = world();
    let sp = new_space(&w, json!({}));
    let body = json!({"participants": ["u1"], "deduplicationKey": "chat-1"});
    let (_, s) = w.a(
        "POST",
        &format!("{API}/memory/{sp}/sessions/"),
        Some(body.clone()),
    );
    let (st, dup) = w.a("POST", &format!("{API}/memory/{sp}/sessions/"), Some(body));
    assert_eq!(st, 409);
    assert_eq!(dup["errorName"], "SessionDeduplicationConflict");
    assert_eq!(dup["existingSessionId"], s["id"]);
    assert_eq!(
        dup["existingSessionUrl"],
        format!("/memory/{sp}/sessions/{}/", s["id"].as_str().unwrap())
    );
    let (_, l) = w.a(
        "GET",
        &format!("{API}/memory/{sp}/sessions/?deduplicationKey=chat-1"),
        None,
    );
    assert_eq!(l["items"][0]["id"], s["id"]);
    let (_, l) = w.a(
        "GET",
        &format!("{API}/memory/{sp}/sessions/?deduplicationKey=other"),
        None,
    );
    assert_eq!(l["items"], json!([]));
    let (st, l) = w.a(
        "GET",
        &format!("{API}/memory/{sp}/sessions/?deduplicationKey="),
        None,
    );
    assert_eq!((st, &l["items"]), (200, &json!([])));
}

#[test]
fn another_principal_gets_404_on_every_route_and_nothing_changes() {
    let w = world();
    let sp = new_space(&w, json!({"description": "alice private"}));
    let session = new_session(&w, &sp);
    w.a(
        "POST",
        &format!("{session}/events/"),
        Some(json!({"body": {"content": "secret"}, "emitter": {"type": "agent"}})),
    );
    let before = w.snapshot();
    for who in [bob(), carol()] {
        for (m, p, body) in [
            ("GET", format!("{API}/memory/{sp}/"), None),
            (
                "PATCH",
                format!("{API}/memory/{sp}/"),
                Some(json!({"description": "x"})),
            ),
            ("DELETE", format!("{API}/memory/{sp}/"), None),
            ("POST", format!("{API}/memory/{sp}/restore/"), None),
            ("GET", format!("{API}/memory/{sp}/extraction-jobs/"), None),
            ("GET", format!("{API}/memory/{sp}/sessions/"), None),
            (
                "POST",
                format!("{API}/memory/{sp}/sessions/"),
                Some(json!({"participants": ["x"]})),
            ),
            ("GET", format!("{session}/"), None),
            (
                "PATCH",
                format!("{session}/"),
                Some(json!({"description": "x"})),
            ),
            ("DELETE", format!("{session}/"), None),
            ("GET", format!("{session}/events/?lastN=5"), None),
            (
                "POST",
                format!("{session}/events/"),
                Some(json!({"body": {}, "emitter": {"type": "agent"}})),
            ),
            (
                "POST",
                format!("{session}/events/batch/"),
                Some(json!({"events": [{"body": {}, "emitter": {"type": "agent"}}]})),
            ),
            (
                "PATCH",
                format!("{session}/events/batch/"),
                Some(json!({"events": [{"sequenceId": 0, "body": {}}]})),
            ),
            (
                "PATCH",
                format!("{session}/events/0/"),
                Some(json!({"body": {}})),
            ),
        ] {
            let (st, out) = w.as_(&who, m, &p, body);
            assert_eq!(st, 404, "{who:?} {m} {p}: {out}");
        }
        let (_, l) = w.as_(&who, "GET", &format!("{API}/memory/"), None);
        assert_eq!(l["items"], json!([]));
    }
    assert_eq!(w.snapshot(), before);
}

#[test]
fn a_space_patch_with_session_fields_is_refused_and_a_delete_is_undone_by_restore() {
    let w = world();
    let sp = new_space(
        &w,
        json!({"description": "keep me", "deduplicationKey": "dot"}),
    );
    let session = new_session(&w, &sp);
    let (st, out) = w.a(
        "PATCH",
        &format!("{API}/memory/{sp}/"),
        Some(json!({"description": "hijacked", "metadata": {"a": 1}})),
    );
    assert_eq!(st, 422);
    assert_eq!(out["detail"][0]["loc"], json!(["body", "metadata"]));
    assert_eq!(w.a("DELETE", &format!("{API}/memory/{sp}/"), None).0, 204);
    assert_eq!(w.a("GET", &format!("{API}/memory/{sp}/"), None).0, 404);
    assert_eq!(
        w.as_(&bob(), "POST", &format!("{API}/memory/{sp}/restore/"), None)
            .0,
        404
    );
    let (st, back) = w.a("POST", &format!("{API}/memory/{sp}/restore/"), None);
    assert_eq!((st, &back["deduplicationKey"]), (200, &json!("dot")));
    assert_eq!(w.a("GET", &format!("{session}/"), None).0, 200);
    assert_eq!(
        w.a("POST", &format!("{API}/memory/{sp}/restore/"), None).0,
        200
    );
    // A key taken meanwhile: the restore is a 409 naming the holder.
    w.a("DELETE", &format!("{API}/memory/{sp}/"), None);
    let other = new_space(&w, json!({"deduplicationKey": "dot"}));
    let (st, out) = w.a("POST", &format!("{API}/memory/{sp}/restore/"), None);
    assert_eq!(st, 409);
    assert_eq!(
        (&out["existingMemorySpaceId"], &out["deduplicationKey"]),
        (&json!(other), &json!("dot"))
    );
}

#[test]
fn a_host_chosen_space_id_is_used_and_a_retried_create_returns_the_same_space() {
    let w = world();
    let id = "01234567-89ab-cdef-0123-456789abcdef";
    let opts = Options {
        new_space_id: Some(id.into()),
    };
    let req = || {
        Request::new("POST", &format!("{API}/memory/new/")).json(&json!({"description": "sharded"}))
    };
    let r = w.serve_with(Some(&alice()), req(), &opts);
    assert_eq!(
        (r.status, r.json_body()["memorySpaceId"].clone()),
        (201, json!(id))
    );
    let again = w.serve_with(Some(&alice()), req(), &opts);
    assert_eq!(again.json_body(), r.json_body());
    let foreign = w.serve_with(Some(&bob()), req(), &opts);
    assert_eq!(foreign.status, 409);
    let bad = Options {
        new_space_id: Some("spc_01kabcdefghjkmnpqrstvwxyz0".into()),
    };
    assert_eq!(w.serve_with(Some(&alice()), req(), &bad).status, 422);
}

#[test]
fn deleting_an_event_answers_204_keeps_later_ids_and_then_404s() {
    let w = world();
    let sp = new_space(&w, json!({}));
    let session = new_session(&w, &sp);
    w.a(
        "POST",
        &format!("{session}/events/batch/"),
        Some(json!({"events": [
            {"body": {"content": "a"}, "emitter": {"type": "agent"}},
            {"body": {"content": "b"}, "emitter": {"type": "agent"}},
            {"body": {"content": "c"}, "emitter": {"type": "agent"}}
        ]})),
    );
    let r = w.serve(
        Some(&alice()),
        Request::new("DELETE", &format!("{session}/events/1/")),
    );
    assert_eq!((r.status, r.body.is_empty()), (204, true));
    let seqs = |q: &str| -> Vec<u64> {
        let (_, r) = w.a("GET", &format!("{session}/events/{q}"), None);
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["sequenceId"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(seqs(""), vec![0, 2]);
    assert_eq!(seqs("?offset=1&limit=1"), vec![2]);
    assert_eq!(seqs("?lastN=2"), vec![0, 2]);
    let (st, again) = w.a("DELETE", &format!("{session}/events/1/"), None);
    assert_eq!((st, again["code"].as_str()), (404, Some("gone")));
    let (st, never) = w.a("DELETE", &format!("{session}/events/7/"), None);
    assert_eq!((st, never["code"].as_str()), (404, Some("not_found")));
    let (st, _) = w.a(
        "PATCH",
        &format!("{session}/events/1/"),
        Some(json!({"body": {"content": "x"}})),
    );
    assert_eq!(st, 404);
    let (st, ev) = w.a(
        "POST",
        &format!("{session}/events/"),
        Some(json!({"body": {}, "emitter": {"type": "agent"}})),
    );
    assert_eq!((st, ev["sequenceId"].as_u64()), (201, Some(3)));
}

#[test]
fn route_names_the_shard_or_answers_without_one() {
    let sp = "01234567-89ab-cdef-0123-456789abcdef";
    let fwd = |m: &str, p: &str, body: Option<Value>| {
        let mut r = Request::new(m, &format!("{API}/{p}"));
        if let Some(b) = body {
            r = r.json(&b);
        }
        route(&r, true)
    };
    assert_eq!(
        fwd("GET", "memory/?offset=2&limit=5&deduplicationKey=k", None),
        Route::Forward(Target::ListSpaces {
            offset: 2,
            limit: 5,
            deduplication_key: Some("k".into())
        })
    );
    assert_eq!(
        fwd(
            "POST",
            "memory/new/",
            Some(json!({"deduplicationKey": "k"}))
        ),
        Route::Forward(Target::CreateSpace {
            deduplication_key: Some("k".into())
        })
    );
    assert_eq!(
        fwd("POST", &format!("memory/{sp}/restore/"), None),
        Route::Forward(Target::RestoreSpace {
            space_id: sp.into()
        })
    );
    assert_eq!(
        fwd("PATCH", &format!("memory/{sp}/"), Some(json!({}))),
        Route::Forward(Target::Space {
            space_id: sp.into(),
            changes_space: true
        })
    );
    assert_eq!(
        fwd("GET", &format!("memory/{sp}/sessions/"), None),
        Route::Forward(Target::Space {
            space_id: sp.into(),
            changes_space: false
        })
    );
    let status = |r: Route| match r {
        Route::Respond(r) => r.status,
        Route::Forward(t) => panic!("forwarded {t:?}"),
    };
    assert_eq!(status(fwd("GET", "version/", None)), 200);
    assert_eq!(status(fwd("GET", "memory/?limit=0", None)), 422);
    assert_eq!(
        status(fwd(
            "POST",
            "memory/new/",
            Some(json!({"deduplicationKey": 5}))
        )),
        422
    );
    assert_eq!(status(fwd("GET", "memory/not-a-space/", None)), 404);
    assert_eq!(status(fwd("PUT", &format!("memory/{sp}/"), None)), 405);
    assert_eq!(
        status(fwd("GET", &format!("memory/{sp}/sessions/%ZZ/"), None)),
        400
    );
    assert_eq!(
        status(route(
            &Request::new("GET", &format!("{API}/memory/")),
            false
        )),
        401
    );
    let mut big = Request::new("POST", &format!("{API}/memory/{sp}/sessions/"));
    big.body = vec![b' '; MAX_BODY_BYTES + 1];
    assert_eq!(status(route(&big, true)), 413);
}

#[test]
fn space_ids_on_the_wire_are_uuid_shaped_and_sort_by_creation() {
    let w = world();
    let a = new_space(&w, json!({}));
    w.host.advance_micros(2_000);
    let b = new_space(&w, json!({}));
    for id in [&a, &b] {
        assert_eq!((id.len(), id.matches('-').count()), (36, 4), "{id}");
        assert_eq!(w.a("GET", &format!("{API}/memory/{id}/"), None).0, 200);
    }
    assert!(a < b, "{a} then {b}");
    assert_eq!(
        w.a("GET", &format!("{API}/memory/{}/", a.to_uppercase()), None)
            .0,
        404
    );
    let engine = memspace::rest::datarobot::space_engine_id(&a).unwrap();
    assert!(engine.starts_with("spc_"));
    assert_eq!(memspace::rest::datarobot::space_wire_id(&engine), a);
}
