//! The MemoryLayer API (`/v1`) of the REST surface, natively: memories, recall, batch,
//! associations, traversal, sessions with working memory and a sliding TTL, the briefing,
//! workspaces and their schema, the 501s of what memspace does not serve, error bodies and
//! per-principal isolation. The same routes are driven by the real `memorylayer-client` SDK
//! against workerd and Viceroy in edge/cloudflare/test/test_memorylayer.py.

mod rest_common;

use memspace::rest::Request;
use rest_common::*;
use serde_json::{json, Value};

fn remember(w: &World, body: Value) -> Value {
    let (st, r) = w.a("POST", "/v1/memories", Some(body));
    assert_eq!(st, 201, "{r}");
    w.advance_secs(1);
    r["memory"].clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

#[test]
fn remember_returns_the_memory_nested_with_the_wire_fields_the_sdk_validates() {
    let w = world();
    let (st, r) = w.a(
        "POST",
        "/v1/memories",
        Some(
            json!({"content": "User prefers Python", "type": "semantic", "subtype": "preference",
                    "importance": 0.8, "tags": ["b", "a"], "metadata": {"src": "t"}}),
        ),
    );
    assert_eq!(st, 201, "{r}");
    assert_eq!(r["replayed"], json!(false));
    let m = &r["memory"];
    assert!(m["id"].as_str().unwrap().starts_with("mry_"));
    assert_eq!(m["workspace_id"], json!("_default"));
    assert_eq!(m["tenant_id"], json!("acme"));
    assert_eq!(m["type"], json!("semantic"));
    assert_eq!(m["subtype"], json!("preference"));
    assert_eq!(m["importance"], json!(0.8));
    assert_eq!(m["tags"], json!(["a", "b"]));
    assert_eq!(m["status"], json!("active"));
    assert_eq!(m["created_at"], json!("2026-01-01T00:00:00.000000Z"));
    // The same content again is a replay of the first memory.
    let (st, again) = w.a(
        "POST",
        "/v1/memories",
        Some(json!({"content": "User prefers Python"})),
    );
    assert_eq!(st, 201);
    assert_eq!(again["replayed"], json!(true));
    assert_eq!(again["memory"]["id"], m["id"]);
    // GET by id.
    let (st, g) = w.a("GET", &format!("/v1/memories/{}", id(m)), None);
    assert_eq!((st, &g["memory"]), (200, m));
}

#[test]
fn the_workspace_comes_from_the_body_then_the_session_header_then_default() {
    let w = world();
    let m = remember(&w, json!({"content": "in ws1", "workspace_id": "ws1"}));
    assert_eq!(m["workspace_id"], json!("ws1"));
    // Created on first use, named after its id.
    let (st, ws) = w.a("GET", "/v1/workspaces/ws1", None);
    assert_eq!((st, &ws["name"]), (200, &json!("ws1")));
    // A session in ws2 routes header-carrying writes there.
    let (st, s) = w.a(
        "POST",
        "/v1/sessions",
        Some(json!({"ttl_seconds": 600, "workspace_id": "ws2"})),
    );
    assert_eq!(st, 201, "{s}");
    let req = Request::new("POST", "/v1/memories")
        .json(&json!({"content": "via the session"}))
        .header("X-Session-ID", s["id"].as_str().unwrap());
    let r = w.serve(Some(&alice()), req);
    assert_eq!(r.status, 201);
    assert_eq!(r.json_body()["memory"]["workspace_id"], json!("ws2"));
    // Nothing named: _default. A memory of ws1 is found by id alone.
    let d = remember(&w, json!({"content": "default"}));
    assert_eq!(d["workspace_id"], json!("_default"));
    let (st, g) = w.a("GET", &format!("/v1/memories/{}", id(&m)), None);
    assert_eq!((st, &g["memory"]["content"]), (200, &json!("in ws1")));
    // Listing is per workspace.
    let (_, l) = w.a("GET", "/v1/memories?workspace_id=ws1", None);
    assert_eq!(l["total_count"], json!(1));
    let (_, l) = w.a("GET", "/v1/memories", None);
    assert_eq!(l["memories"][0]["content"], json!("default"));
    let (_, l) = w.a("GET", "/v1/memories?workspace_id=nowhere", None);
    assert_eq!(l, json!({"total_count": 0, "memories": []}));
}

#[test]
fn list_filters_by_type_tag_and_context_newest_first_and_pages() {
    let w = world();
    remember(
        &w,
        json!({"content": "a", "type": "episodic", "tags": ["x"]}),
    );
    remember(
        &w,
        json!({"content": "b", "type": "semantic", "tags": ["x", "y"], "context_id": "c1"}),
    );
    remember(&w, json!({"content": "c", "type": "semantic"}));
    let contents = |path: &str| -> Vec<String> {
        let (st, l) = w.a("GET", path, None);
        assert_eq!(st, 200, "{l}");
        l["memories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["content"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(contents("/v1/memories"), ["c", "b", "a"]);
    assert_eq!(contents("/v1/memories?type=semantic"), ["c", "b"]);
    assert_eq!(contents("/v1/memories?tag=x"), ["b", "a"]);
    assert_eq!(contents("/v1/memories?context_id=c1"), ["b"]);
    assert_eq!(contents("/v1/memories?limit=1&offset=1"), ["b"]);
    assert_eq!(w.a("GET", "/v1/memories?limit=201", None).0, 422);
    assert_eq!(w.a("GET", "/v1/memories?type=nope", None).0, 422);
}

#[test]
fn recall_finds_memories_with_scores_and_the_fields_of_recall_result() {
    let w = world();
    remember(
        &w,
        json!({"content": "The user lives in Lisbon", "importance": 0.9}),
    );
    remember(
        &w,
        json!({"content": "The build uses cargo and wasm-bindgen"}),
    );
    let (st, r) = w.a(
        "POST",
        "/v1/memories/recall",
        Some(json!({"query": "where does the user live", "limit": 5,
                    "include_confidence": true, "include_relations": true})),
    );
    assert_eq!(st, 200, "{r}");
    assert_eq!(
        r["memories"][0]["content"],
        json!("The user lives in Lisbon")
    );
    assert!(r["memories"][0]["relevance_score"].as_f64().unwrap() > 0.0);
    assert!(r["total_count"].as_u64().unwrap() >= 1);
    assert_eq!(r["mode_used"], json!("rag"));
    assert!(r["search_latency_ms"].is_u64());
    assert!(["strong", "moderate", "weak"].contains(&r["retrieval_confidence"].as_str().unwrap()));
    assert_eq!(r["relation_paths"], json!([]));
    // Modes that need an LLM are 501 without one; event-time filters are refused.
    let (st, e) = w.a(
        "POST",
        "/v1/memories/recall",
        Some(json!({"query": "x", "mode": "llm"})),
    );
    assert_eq!(st, 501, "{e}");
    assert!(e["detail"].as_str().unwrap().to_lowercase().contains("llm"));
    let (st, _) = w.a(
        "POST",
        "/v1/memories/recall",
        Some(json!({"query": "x", "event_after": "2026-01-01T00:00:00Z"})),
    );
    assert_eq!(st, 422);
}

#[test]
fn update_decay_and_soft_then_hard_forget() {
    let w = world();
    let m = remember(
        &w,
        json!({"content": "old", "importance": 0.5, "workspace_id": "w"}),
    );
    let p = format!("/v1/memories/{}", id(&m));
    let (st, u) = w.a("PUT", &p, Some(json!({"content": "new", "tags": ["t"]})));
    assert_eq!(st, 200, "{u}");
    assert_eq!(
        (
            &u["memory"]["content"],
            &u["memory"]["tags"],
            &u["memory"]["version"]
        ),
        (&json!("new"), &json!(["t"]), &json!(2))
    );
    let (st, d) = w.a(
        "POST",
        &format!("{p}/decay"),
        Some(json!({"decay_rate": 0.5})),
    );
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["memory"]["importance"], json!(0.25));
    let (st, _) = w.a("DELETE", &format!("{p}?hard=false"), None);
    assert_eq!(st, 204);
    let (st, e) = w.a("GET", &p, None);
    assert_eq!(st, 404, "{e}");
    assert_eq!(w.a("DELETE", &format!("{p}?hard=false"), None).0, 404);
    // A soft-forgotten memory can still be erased.
    assert_eq!(w.a("DELETE", &format!("{p}?hard=true"), None).0, 204);
    assert_eq!(w.a("GET", &p, None).0, 404);
}

#[test]
fn batch_takes_the_servers_op_form_and_the_sdk_docstrings_type_data_form() {
    let w = world();
    let keep = remember(&w, json!({"content": "keep"}));
    let (st, r) = w.a(
        "POST",
        "/v1/memories/batch",
        Some(json!({"operations": [
            {"op": "create", "content": "one", "type": "episodic"},
            {"type": "create", "data": {"content": "two"}},
            {"type": "update", "data": {"memory_id": id(&keep), "content": "kept"}},
            {"op": "delete", "memory_id": "mry_00000000000000000000000000"},
        ]})),
    );
    assert_eq!(st, 200, "{r}");
    assert_eq!(
        (&r["total_operations"], &r["successful"], &r["failed"]),
        (&json!(4), &json!(3), &json!(1))
    );
    assert_eq!(r["results"][0]["type"], json!("create"));
    assert_eq!(r["results"][0]["status"], json!("success"));
    assert_eq!(r["results"][3]["status"], json!("error"));
    assert!(r["results"][3]["error"].is_string());
    let (_, g) = w.a("GET", &format!("/v1/memories/{}", id(&keep)), None);
    assert_eq!(g["memory"]["content"], json!("kept"));
    let (st, e) = w.a(
        "POST",
        "/v1/memories/batch",
        Some(json!({"operations": [{"op": "create", "content": "x", "bogus": 1}]})),
    );
    assert_eq!(st, 422);
    assert_eq!(
        e["detail"][0]["loc"],
        json!(["body", "operations[0].bogus"])
    );
}

#[test]
fn associations_are_returned_flat_and_nested_listed_updated_deleted_and_traversed() {
    let w = world();
    let a = remember(&w, json!({"content": "bug: login fails"}));
    let b = remember(&w, json!({"content": "fix: refresh the token"}));
    let c = remember(&w, json!({"content": "token refresh needs the clock"}));
    let (st, x) = w.a(
        "POST",
        &format!("/v1/memories/{}/associate", id(&b)),
        Some(json!({"target_id": id(&a), "relationship": "solves", "strength": 0.9})),
    );
    assert_eq!(st, 201, "{x}");
    assert!(x["id"].as_str().unwrap().starts_with("asc_"));
    assert_eq!(x["association"], {
        let mut flat = x.clone();
        flat.as_object_mut().unwrap().remove("association");
        flat
    });
    assert_eq!(
        (
            &x["source_id"],
            &x["target_id"],
            &x["relationship"],
            &x["workspace_id"]
        ),
        (
            &json!(id(&b)),
            &json!(id(&a)),
            &json!("solves"),
            &json!("_default")
        )
    );
    let (st, _) = w.a(
        "POST",
        &format!("/v1/memories/{}/associate", id(&c)),
        Some(json!({"target_id": id(&b), "relationship": "requires"})),
    );
    assert_eq!(st, 201);
    let list = |dir: &str| {
        let (st, l) = w.a(
            "GET",
            &format!("/v1/memories/{}/associations?direction={dir}", id(&b)),
            None,
        );
        assert_eq!(st, 200, "{l}");
        l["associations"].as_array().unwrap().len()
    };
    assert_eq!(
        (list("outgoing"), list("incoming"), list("both")),
        (1, 1, 2)
    );
    let (st, t) = w.a(
        "POST",
        &format!("/v1/memories/{}/traverse", id(&c)),
        Some(json!({"max_depth": 2, "direction": "outgoing", "min_strength": 0.0})),
    );
    assert_eq!(st, 200, "{t}");
    assert_eq!(t["total_paths"], json!(2));
    let nodes = t["unique_nodes"].as_array().unwrap();
    assert!(nodes.contains(&json!(id(&a))) && nodes.contains(&json!(id(&b))));
    let aid = id(&x);
    // Update through either end; a memory that is not an end is 404.
    let (st, u) = w.a(
        "PATCH",
        &format!("/v1/memories/{}/associations/{aid}", id(&a)),
        Some(json!({"strength": 0.3})),
    );
    assert_eq!((st, &u["strength"]), (200, &json!(0.3)));
    assert_eq!(
        w.a(
            "PATCH",
            &format!("/v1/memories/{}/associations/{aid}", id(&c)),
            Some(json!({"strength": 0.3}))
        )
        .0,
        404
    );
    assert_eq!(
        w.a(
            "DELETE",
            &format!("/v1/memories/{}/associations/{aid}", id(&b)),
            None
        )
        .0,
        204
    );
    assert_eq!(list("outgoing"), 0);
    assert_eq!(
        w.a(
            "DELETE",
            &format!("/v1/memories/{}/associations/{aid}", id(&b)),
            None
        )
        .0,
        404
    );
    // An unknown relationship type is a 422.
    let (st, _) = w.a(
        "POST",
        &format!("/v1/memories/{}/associate", id(&c)),
        Some(json!({"target_id": id(&a), "relationship": "likes"})),
    );
    assert_eq!(st, 422);
}

#[test]
fn sessions_expire_ttl_seconds_after_their_last_activity_and_touch_slides_it() {
    let w = world();
    let (st, s) = w.a("POST", "/v1/sessions", Some(json!({"ttl_seconds": 600})));
    assert_eq!(st, 201, "{s}");
    assert_eq!(s["session"]["id"], s["id"]);
    assert_eq!(s["briefing"], Value::Null);
    assert_eq!(s["workspace_id"], json!("_default"));
    assert_eq!(s["expires_at"], json!("2026-01-01T00:10:00.000000Z"));
    let sid = id(&s);
    let p = format!("/v1/sessions/{sid}");
    w.advance_secs(500);
    let (st, t) = w.a("POST", &format!("{p}/touch"), None);
    assert_eq!(st, 200, "{t}");
    assert_eq!(t["expires_at"], json!("2026-01-01T00:18:20.000000Z"));
    w.advance_secs(500);
    let (st, g) = w.a("GET", &p, None);
    assert_eq!((st, &g["id"]), (200, &json!(sid)));
    assert_eq!(g["ttl_seconds"], json!(600));
    w.advance_secs(601);
    let (st, e) = w.a("GET", &p, None);
    assert_eq!(st, 404, "{e}");
    assert!(e["detail"].is_string());
    // TTL limits.
    assert_eq!(
        w.a("POST", "/v1/sessions", Some(json!({"ttl_seconds": 59})))
            .0,
        422
    );
    assert_eq!(
        w.a("POST", "/v1/sessions", Some(json!({"ttl_seconds": 86401})))
            .0,
        422
    );
}

#[test]
fn working_memory_is_set_per_key_and_read_back_by_comma_joined_keys() {
    let w = world();
    let (_, s) = w.a(
        "POST",
        "/v1/sessions",
        Some(
            json!({"workspace_id": "proj", "context_id": "c9", "metadata": {"k": 1},
                    "working_memory": {"seed": true}}),
        ),
    );
    let sid = id(&s);
    assert_eq!(
        (&s["context_id"], &s["metadata"]),
        (&json!("c9"), &json!({"k": 1}))
    );
    let p = format!("/v1/sessions/{sid}/memory");
    let (st, e) = w.a(
        "POST",
        &p,
        Some(json!({"key": "current_file", "value": {"path": "auth.py", "line": 42}})),
    );
    assert_eq!(st, 201, "{e}");
    assert_eq!(e["key"], json!("current_file"));
    w.a(
        "POST",
        &p,
        Some(json!({"key": "intent", "value": "fix", "ttl_seconds": 5})),
    );
    let (st, got) = w.a("GET", &format!("{p}?key=current_file,intent,missing"), None);
    assert_eq!(st, 200);
    assert_eq!(
        got,
        json!({"current_file": {"path": "auth.py", "line": 42}, "intent": "fix"})
    );
    w.advance_secs(6);
    let (_, all) = w.a("GET", &p, None);
    assert_eq!(
        all,
        json!({"current_file": {"path": "auth.py", "line": 42}, "seed": true})
    );
    // Listing and deleting.
    let (_, l) = w.a("GET", "/v1/sessions?workspace_id=proj&context_id=c9", None);
    assert_eq!(l["total_count"], json!(1));
    let (_, l) = w.a(
        "GET",
        "/v1/sessions?workspace_id=proj&context_id=other",
        None,
    );
    assert_eq!(l["total_count"], json!(0));
    assert_eq!(w.a("DELETE", &format!("/v1/sessions/{sid}"), None).0, 204);
    assert_eq!(w.a("GET", &p, None).0, 404);
    let (_, l) = w.a("GET", "/v1/sessions?workspace_id=proj", None);
    assert_eq!(l["total_count"], json!(0));
}

#[test]
fn commit_and_reflect_without_a_host_llm_are_501_with_a_json_detail() {
    let w = world();
    let (_, s) = w.a("POST", "/v1/sessions", Some(json!({})));
    let (st, e) = w.a(
        "POST",
        &format!("/v1/sessions/{}/commit", id(&s)),
        Some(json!({"min_importance": 0.5, "deduplicate": true, "max_memories": 50})),
    );
    assert_eq!(st, 501, "{e}");
    assert!(e["detail"].as_str().unwrap().to_lowercase().contains("llm"));
    let (st, e) = w.a(
        "POST",
        "/v1/memories/reflect",
        Some(json!({"query": "summarise", "max_tokens": 500, "include_sources": true})),
    );
    assert_eq!(st, 501, "{e}");
}

#[test]
fn the_briefing_is_the_sdks_flat_session_briefing_plus_the_nested_copy() {
    let w = world();
    remember(
        &w,
        json!({"content": "We chose SQLite", "subtype": "decision"}),
    );
    w.a("POST", "/v1/sessions", Some(json!({})));
    let (st, b) = w.a(
        "GET",
        "/v1/sessions/briefing?lookback_minutes=60&detail_level=abstract&limit=10&include_memories=true&include_contradictions=true",
        None,
    );
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["workspace_summary"]["total_memories"], json!(1));
    assert_eq!(b["recent_activity"][0]["memories_created"], json!(1));
    assert_eq!(
        b["recent_activity"][0]["key_decisions"],
        json!(["We chose SQLite"])
    );
    assert_eq!(b["open_threads"].as_array().unwrap().len(), 1);
    assert_eq!(b["contradictions_detected"], json!([]));
    assert_eq!(b["briefing"]["workspace_summary"], b["workspace_summary"]);
}

#[test]
fn workspaces_are_created_listed_by_tags_updated_and_carry_a_schema() {
    let w = world();
    let (st, x) = w.a(
        "POST",
        "/v1/workspaces",
        Some(json!({"name": "Project X", "tags": ["knowledge", "topic:finance"]})),
    );
    assert_eq!(st, 201, "{x}");
    let wid = id(&x);
    assert!(wid.starts_with("ws_"));
    assert_eq!(x["workspace"]["id"], x["id"]);
    assert_eq!(
        (&x["tenant_id"], &x["name"]),
        (&json!("acme"), &json!("Project X"))
    );
    w.a(
        "POST",
        "/v1/workspaces",
        Some(json!({"name": "other", "id": "mine"})),
    );
    assert_eq!(
        w.a(
            "POST",
            "/v1/workspaces",
            Some(json!({"name": "again", "id": "mine"}))
        )
        .0,
        409
    );
    let names = |path: &str| -> Vec<String> {
        let (_, l) = w.a("GET", path, None);
        l["workspaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("/v1/workspaces"), ["Project X", "other"]);
    assert_eq!(
        names("/v1/workspaces?tags=knowledge&match=all"),
        ["Project X"]
    );
    assert_eq!(
        names("/v1/workspaces?tags=knowledge&tags=none&match=any"),
        ["Project X"]
    );
    let (st, u) = w.a(
        "PUT",
        &format!("/v1/workspaces/{wid}"),
        Some(json!({"name": "Renamed", "settings": {"a": 1}})),
    );
    assert_eq!(st, 200, "{u}");
    assert_eq!(
        (&u["name"], &u["settings"]),
        (&json!("Renamed"), &json!({"a": 1}))
    );
    assert_eq!(u["workspace"]["name"], json!("Renamed"));
    let (st, s) = w.a("GET", &format!("/v1/workspaces/{wid}/schema"), None);
    assert_eq!(st, 200, "{s}");
    assert!(s["relationship_types"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == json!("solves")));
    assert_eq!(
        s["memory_types"],
        json!(["episodic", "semantic", "procedural", "working"])
    );
    assert_eq!(w.a("GET", "/v1/workspaces/nope", None).0, 404);
}

#[test]
fn the_sandbox_contexts_and_context_packs_answer_501_in_json() {
    let w = world();
    for (m, p) in [
        ("POST", "/v1/context/execute"),
        ("POST", "/v1/context/inspect"),
        ("GET", "/v1/context/status"),
        ("DELETE", "/v1/context/cleanup"),
        ("POST", "/v1/workspaces/ws1/contexts"),
        ("POST", "/v1/sessions/ses_x/context-pack"),
    ] {
        let (st, e) = w.a(m, p, Some(json!({})));
        assert_eq!(st, 501, "{m} {p}: {e}");
        assert_eq!(e["code"], json!("unsupported"));
        assert!(e["detail"].is_string());
    }
    // Unauthenticated, it is a 401 like every route.
    let r = w.serve(None, Request::new("POST", "/v1/context/execute"));
    assert_eq!(r.status, 401);
}

#[test]
fn another_principals_ids_are_not_found_and_no_token_touches_nothing() {
    let w = world();
    let m = remember(&w, json!({"content": "alice's", "workspace_id": "ws1"}));
    let other = remember(&w, json!({"content": "other", "workspace_id": "ws1"}));
    let (_, s) = w.a("POST", "/v1/sessions", Some(json!({"workspace_id": "ws1"})));
    let (_, x) = w.a(
        "POST",
        &format!("/v1/memories/{}/associate", id(&m)),
        Some(json!({"target_id": id(&other), "relationship": "related_to"})),
    );
    let (mid, sid, aid) = (id(&m), id(&s), id(&x));
    let routes: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", format!("/v1/memories/{mid}"), None),
        (
            "PUT",
            format!("/v1/memories/{mid}"),
            Some(json!({"content": "x"})),
        ),
        ("DELETE", format!("/v1/memories/{mid}?hard=true"), None),
        ("POST", format!("/v1/memories/{mid}/decay"), Some(json!({}))),
        (
            "POST",
            format!("/v1/memories/{mid}/associate"),
            Some(json!({"target_id": mid, "relationship": "related_to"})),
        ),
        ("GET", format!("/v1/memories/{mid}/associations"), None),
        (
            "PATCH",
            format!("/v1/memories/{mid}/associations/{aid}"),
            Some(json!({"strength": 0.1})),
        ),
        (
            "DELETE",
            format!("/v1/memories/{mid}/associations/{aid}"),
            None,
        ),
        (
            "POST",
            format!("/v1/memories/{mid}/traverse"),
            Some(json!({})),
        ),
        ("GET", format!("/v1/sessions/{sid}"), None),
        ("DELETE", format!("/v1/sessions/{sid}"), None),
        ("GET", format!("/v1/sessions/{sid}/memory"), None),
        (
            "POST",
            format!("/v1/sessions/{sid}/memory"),
            Some(json!({"key": "k", "value": 1})),
        ),
        ("POST", format!("/v1/sessions/{sid}/touch"), None),
        (
            "POST",
            format!("/v1/sessions/{sid}/commit"),
            Some(json!({})),
        ),
        ("GET", "/v1/workspaces/ws1".to_string(), None),
        (
            "PUT",
            "/v1/workspaces/ws1".to_string(),
            Some(json!({"name": "x"})),
        ),
        ("GET", "/v1/workspaces/ws1/schema".to_string(), None),
    ];
    for who in [bob(), carol()] {
        for (m, p, b) in &routes {
            let (st, e) = w.as_(&who, m, p, b.clone());
            assert_eq!(st, 404, "{} {m} {p}: {e}", who.user_id);
            assert!(e["detail"].is_string(), "{e}");
        }
        // Their own listings and recall do not see alice's.
        let (_, l) = w.as_(&who, "GET", "/v1/memories?workspace_id=ws1", None);
        assert_eq!(l["total_count"], json!(0));
        let (_, r) = w.as_(
            &who,
            "POST",
            "/v1/memories/recall",
            Some(json!({"query": "alice's", "workspace_id": "ws1"})),
        );
        assert_eq!(r["memories"], json!([]));
    }
    let before = w.snapshot();
    for (m, p, b) in &routes {
        let mut req = Request::new(m, p);
        if let Some(b) = b {
            req = req.json(b);
        }
        let r = w.serve(None, req);
        assert_eq!(r.status, 401, "{m} {p}");
        assert!(r.json_body()["detail"].is_string());
    }
    let r = w.serve(
        None,
        Request::new("POST", "/v1/memories").json(&json!({"content": "x"})),
    );
    assert_eq!(r.status, 401);
    assert_eq!(w.snapshot(), before, "a refused request changed the store");
    // Alice still has everything.
    assert_eq!(w.a("GET", &format!("/v1/memories/{mid}"), None).0, 200);
    assert_eq!(w.a("GET", &format!("/v1/sessions/{sid}"), None).0, 200);
}

#[test]
fn malformed_requests_get_fastapi_style_errors_and_never_a_500() {
    let w = world();
    let raw = |m: &str, p: &str, body: &[u8]| {
        let mut req = Request::new(m, p);
        req.body = body.to_vec();
        let r = w.serve(Some(&alice()), req);
        (r.status, r.json_body())
    };
    let cases: Vec<(&str, &str, &[u8], u16)> = vec![
        ("POST", "/v1/memories", b"{not json", 422),
        ("POST", "/v1/memories", b"[1]", 422),
        ("POST", "/v1/memories", br#"{"content": ""}"#, 422),
        (
            "POST",
            "/v1/memories",
            br#"{"content": "x", "importance": 2}"#,
            422,
        ),
        (
            "POST",
            "/v1/memories",
            br#"{"content": "x", "type": "fact"}"#,
            422,
        ),
        (
            "POST",
            "/v1/memories",
            br#"{"content": "x", "extra": 1}"#,
            422,
        ),
        (
            "POST",
            "/v1/memories",
            br#"{"content": "x", "user_id": "u"}"#,
            422,
        ),
        ("POST", "/v1/memories/recall", br#"{"limit": 5}"#, 422),
        (
            "POST",
            "/v1/memories/recall",
            br#"{"query": "x", "limit": 0}"#,
            422,
        ),
        ("POST", "/v1/memories/batch", br#"{"operations": "x"}"#, 422),
        ("POST", "/v1/sessions", br#"{"ttl_seconds": "long"}"#, 422),
        ("GET", "/v1/memories/mry_%ZZ", b"", 400),
        ("GET", "/v1/memories/not-an-id", b"", 404),
        ("PATCH", "/v1/sessions", b"", 405),
        ("GET", "/v1/nowhere", b"", 404),
    ];
    for (m, p, body, want) in cases {
        let (st, e) = raw(m, p, body);
        assert_eq!(st, want, "{m} {p} {}: {e}", String::from_utf8_lossy(body));
        assert!(e.get("detail").is_some(), "{e}");
    }
    let mut big = Request::new("POST", "/v1/memories");
    big.body = vec![b' '; memspace::rest::MAX_BODY_BYTES + 1];
    let r = w.serve(Some(&alice()), big);
    assert_eq!(r.status, 413);
    assert!(r.json_body()["detail"].is_string());
}
