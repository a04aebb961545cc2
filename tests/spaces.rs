//! Memory spaces as seed 001 documents them: create, list, get, update (tri-state), delete,
//! deduplication, limits and principal isolation.

mod common;
use common::*;
use memspace::model::*;
use memspace::ErrorCode;

#[test]
fn create_space_records_fields_owner_and_creation_time() {
    let w = World::new();
    let s = run(w.ms.create_space(NewSpace {
        description: Some("support bot".into()),
        llm_model_name: Some("gpt-4o".into()),
        llm_base_url: Some("https://llm.example/v1".into()),
        custom_instructions: Some("extract preferences".into()),
        deduplication_key: None,
        ..Default::default()
    }))
    .unwrap();
    assert!(s.id.starts_with("spc_"));
    assert_eq!((s.user_id.as_str(), s.tenant_id.as_str()), ("u1", "t1"));
    assert_eq!(s.llm_model_name.as_deref(), Some("gpt-4o"));
    assert_eq!(s.created_at, memspace::host::Host::now(&w.host));
    assert_eq!(run(w.ms.get_space(&s.id)).unwrap(), s);
}

#[test]
fn llm_model_name_accepts_200_characters_and_rejects_201() {
    let w = World::new();
    let ok = NewSpace {
        llm_model_name: Some("m".repeat(200)),
        ..Default::default()
    };
    run(w.ms.create_space(ok)).unwrap();
    let bad = NewSpace {
        llm_model_name: Some("m".repeat(201)),
        ..Default::default()
    };
    let e = expect_code(run(w.ms.create_space(bad)), ErrorCode::Validation);
    assert_eq!(e.details["field"], "llm_model_name");
}

#[test]
fn llm_base_url_accepts_2083_characters_and_rejects_2084_and_non_urls() {
    let w = World::new();
    let url = |n: usize| format!("https://{}", "a".repeat(n - 8));
    run(w.ms.create_space(NewSpace {
        llm_base_url: Some(url(2083)),
        ..Default::default()
    }))
    .unwrap();
    expect_code(
        run(w.ms.create_space(NewSpace {
            llm_base_url: Some(url(2084)),
            ..Default::default()
        })),
        ErrorCode::Validation,
    );
    expect_code(
        run(w.ms.create_space(NewSpace {
            llm_base_url: Some("ftp://x".into()),
            ..Default::default()
        })),
        ErrorCode::Validation,
    );
}

#[test]
fn custom_instructions_accept_10000_characters_and_reject_10001() {
    let w = World::new();
    run(w.ms.create_space(NewSpace {
        custom_instructions: Some("é".repeat(10_000)),
        ..Default::default()
    }))
    .unwrap();
    expect_code(
        run(w.ms.create_space(NewSpace {
            custom_instructions: Some("é".repeat(10_001)),
            ..Default::default()
        })),
        ErrorCode::Validation,
    );
}

#[test]
fn space_deduplication_key_returns_duplicate_with_the_existing_id() {
    let w = World::new();
    let input = NewSpace {
        deduplication_key: Some("k1".into()),
        ..Default::default()
    };
    let first = run(w.ms.create_space(input.clone())).unwrap();
    let e = expect_code(run(w.ms.create_space(input)), ErrorCode::Duplicate);
    assert_eq!(e.details["existing_id"], first.id.as_str());
    assert_eq!(e.status(), 409);
}

#[test]
fn space_deduplication_key_must_be_1_to_72_characters() {
    let w = World::new();
    run(w.ms.create_space(NewSpace {
        deduplication_key: Some("k".repeat(72)),
        ..Default::default()
    }))
    .unwrap();
    expect_code(
        run(w.ms.create_space(NewSpace {
            deduplication_key: Some("k".repeat(73)),
            ..Default::default()
        })),
        ErrorCode::Validation,
    );
    expect_code(
        run(w.ms.create_space(NewSpace {
            deduplication_key: Some(String::new()),
            ..Default::default()
        })),
        ErrorCode::Validation,
    );
}

#[test]
fn deleting_a_space_frees_its_deduplication_key() {
    let w = World::new();
    let input = NewSpace {
        deduplication_key: Some("k1".into()),
        ..Default::default()
    };
    let first = run(w.ms.create_space(input.clone())).unwrap();
    run(w.ms.delete_space(&first.id)).unwrap();
    let second = run(w.ms.create_space(input)).unwrap();
    assert_ne!(first.id, second.id);
}

#[test]
fn deleted_space_is_gone_and_not_listed() {
    let w = World::new();
    let a = w.space();
    let b = w.space();
    run(w.ms.delete_space(&a.id)).unwrap();
    expect_code(run(w.ms.get_space(&a.id)), ErrorCode::Gone);
    expect_code(run(w.ms.delete_space(&a.id)), ErrorCode::Gone);
    let listed: Vec<_> = run(w.ms.list_spaces(Page::default()))
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(listed, vec![b.id]);
}

#[test]
fn list_spaces_pages_with_offset_and_limit_in_creation_order() {
    let w = World::new();
    let ids: Vec<String> = (0..7)
        .map(|_| {
            w.host.advance_micros(1000);
            w.space().id
        })
        .collect();
    let page = |o, l| {
        run(w.ms.list_spaces(Page {
            offset: Some(o),
            limit: Some(l),
        }))
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect::<Vec<_>>()
    };
    assert_eq!(page(0, 3), ids[0..3]);
    assert_eq!(page(3, 3), ids[3..6]);
    assert_eq!(page(6, 3), ids[6..7]);
    assert!(page(9, 3).is_empty());
    expect_code(
        run(w.ms.list_spaces(Page {
            offset: None,
            limit: Some(0),
        })),
        ErrorCode::Validation,
    );
    expect_code(
        run(w.ms.list_spaces(Page {
            offset: None,
            limit: Some(101),
        })),
        ErrorCode::Validation,
    );
}

#[test]
fn update_space_leaves_absent_fields_clears_null_fields_and_sets_values() {
    let w = World::new();
    let s = run(w.ms.create_space(NewSpace {
        description: Some("d".into()),
        llm_model_name: Some("gpt-4o".into()),
        ..Default::default()
    }))
    .unwrap();
    let u: SpaceUpdate = serde_json::from_value(
        serde_json::json!({"description": null, "customInstructions": "be brief"}),
    )
    .unwrap();
    let after = run(w.ms.update_space(&s.id, u)).unwrap();
    assert_eq!(after.description, None);
    assert_eq!(after.llm_model_name.as_deref(), Some("gpt-4o"));
    assert_eq!(after.custom_instructions.as_deref(), Some("be brief"));
    assert_eq!(run(w.ms.get_space(&s.id)).unwrap(), after);
}

#[test]
fn update_space_without_fields_changes_nothing_visible() {
    let w = World::new();
    let s = run(w.ms.create_space(NewSpace {
        description: Some("d".into()),
        ..Default::default()
    }))
    .unwrap();
    let after = run(w.ms.update_space(&s.id, SpaceUpdate::default())).unwrap();
    assert_eq!(
        (after.description, after.llm_model_name),
        (s.description, s.llm_model_name)
    );
}

#[test]
fn another_principal_never_sees_a_space_and_gets_not_found() {
    let w = World::new();
    let s = w.space();
    for other in [Principal::new("u2", "t1"), Principal::new("u1", "t2")] {
        let o = w.ms.for_principal(other).unwrap();
        expect_code(run(o.get_space(&s.id)), ErrorCode::NotFound);
        expect_code(
            run(o.update_space(&s.id, SpaceUpdate::default())),
            ErrorCode::NotFound,
        );
        expect_code(run(o.delete_space(&s.id)), ErrorCode::NotFound);
        expect_code(
            run(o.create_session(
                &s.id,
                NewSession {
                    participants: vec!["x".into()],
                    ..Default::default()
                },
            )),
            ErrorCode::NotFound,
        );
        assert!(run(o.list_spaces(Page::default())).unwrap().is_empty());
    }
}

#[test]
fn deduplication_keys_are_per_principal() {
    let w = World::new();
    let input = NewSpace {
        deduplication_key: Some("same".into()),
        ..Default::default()
    };
    run(w.ms.create_space(input.clone())).unwrap();
    let other = w.ms.for_principal(Principal::new("u2", "t1")).unwrap();
    run(other.create_space(input)).unwrap();
}

#[test]
fn malformed_ids_are_not_found_not_panics() {
    let w = World::new();
    for id in [
        "",
        "spc_",
        "spc_../../etc",
        "ses_0000000000000000000000000a",
        "\0",
        "spc_ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
    ] {
        expect_code(run(w.ms.get_space(id)), ErrorCode::NotFound);
    }
}

#[test]
fn principal_ids_are_validated() {
    let w = World::new();
    assert_eq!(
        w.ms.for_principal(Principal::new("", "t"))
            .unwrap_err()
            .code,
        ErrorCode::Validation
    );
    assert_eq!(
        w.ms.for_principal(Principal::new("u\n", "t"))
            .unwrap_err()
            .code,
        ErrorCode::Validation
    );
}
