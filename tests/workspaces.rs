//! Workspaces (seed 003 workspaces, MemoryLayer REST): a memory space carries the name, tags
//! and settings of a workspace, spaces are found by tags, and a caller-chosen workspace id
//! resolves through the space's deduplication key.

mod context_common;

use context_common::*;
use memspace::model::*;
use memspace::ErrorCode;
use serde_json::json;

fn new_space(name: &str, tags: &[&str]) -> NewSpace {
    NewSpace {
        name: Some(name.into()),
        tags: Some(tags.iter().map(|t| t.to_string()).collect()),
        ..Default::default()
    }
}

fn names(spaces: &[Space]) -> Vec<&str> {
    spaces.iter().filter_map(|s| s.name.as_deref()).collect()
}

#[test]
fn a_space_carries_a_workspace_name_tags_as_a_sorted_set_and_settings_verbatim() {
    let w = World::new();
    let settings = json!({"retention_days": 30, "nested_key": {"camelCase": true}});
    let s = run(w.ms.create_space(NewSpace {
        name: Some("my-project".into()),
        tags: Some(vec![
            "topic:finance".into(),
            "knowledge".into(),
            "knowledge".into(),
        ]),
        settings: settings.as_object().cloned(),
        ..Default::default()
    }))
    .unwrap();
    assert_eq!(s.name.as_deref(), Some("my-project"));
    assert_eq!(s.tags, ["knowledge", "topic:finance"]);
    assert_eq!(serde_json::Value::Object(s.settings.clone()), settings);
    assert_eq!(run(w.ms.get_space(&s.id)).unwrap(), s);
}

#[test]
fn a_space_without_workspace_fields_serialises_as_before() {
    let w = World::new();
    let s = run(w.ms.get_space(&w.space)).unwrap();
    let v = serde_json::to_value(&s).unwrap();
    for field in ["name", "tags", "settings"] {
        assert!(v.get(field).is_none(), "{field} appears on a plain space");
    }
}

#[test]
fn update_space_sets_or_clears_the_name_and_replaces_tags_and_settings() {
    let w = World::new();
    let s = run(w.ms.create_space(new_space("a", &["x", "y"]))).unwrap();
    let u = run(w.ms.update_space(
        &s.id,
        SpaceUpdate {
            name: Patch::Set("b".into()),
            tags: Some(vec!["z".into()]),
            settings: json!({"k": 1}).as_object().cloned(),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(
        (u.name.as_deref(), u.tags.clone()),
        (Some("b"), vec!["z".to_string()])
    );
    assert_eq!(u.settings["k"], 1);
    let kept = run(w.ms.update_space(
        &s.id,
        SpaceUpdate {
            description: Patch::Set("d".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(
        (kept.name, kept.tags, kept.settings),
        (u.name, u.tags, u.settings)
    );
    let cleared = run(w.ms.update_space(
        &s.id,
        SpaceUpdate {
            name: Patch::Clear,
            tags: Some(vec![]),
            settings: Some(Default::default()),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(cleared.name, None);
    assert!(cleared.tags.is_empty() && cleared.settings.is_empty());
}

#[test]
fn find_spaces_matches_all_tags_by_default_or_any_tag() {
    let w = World::new();
    run(w
        .ms
        .create_space(new_space("fin", &["knowledge", "topic:finance"])))
    .unwrap();
    run(w
        .ms
        .create_space(new_space("ops", &["knowledge", "topic:ops"])))
    .unwrap();
    run(w.ms.create_space(new_space("misc", &["scratch"]))).unwrap();
    let find = |tags: &[&str], m: TagMatch| {
        run(w.ms.find_spaces(SpaceQuery {
            tags: tags.iter().map(|t| t.to_string()).collect(),
            match_mode: m,
            ..Default::default()
        }))
        .unwrap()
    };
    assert_eq!(names(&find(&["knowledge"], TagMatch::All)), ["fin", "ops"]);
    assert_eq!(
        names(&find(&["knowledge", "topic:ops"], TagMatch::All)),
        ["ops"]
    );
    assert_eq!(
        names(&find(&["topic:ops", "scratch"], TagMatch::Any)),
        ["ops", "misc"]
    );
    assert_eq!(
        find(&[], TagMatch::All).len(),
        4,
        "no tags: every space (the world's too)"
    );
}

#[test]
fn find_spaces_skips_deleted_and_foreign_spaces() {
    let w = World::new();
    let gone = run(w.ms.create_space(new_space("gone", &["t"]))).unwrap();
    run(w.ms.delete_space(&gone.id)).unwrap();
    run(w.stranger().create_space(new_space("theirs", &["t"]))).unwrap();
    let found = run(w.ms.find_spaces(SpaceQuery {
        tags: vec!["t".into()],
        ..Default::default()
    }))
    .unwrap();
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn names_tags_and_settings_out_of_bounds_are_validation_errors() {
    let w = World::new();
    let bad = [
        NewSpace {
            name: Some(String::new()),
            ..Default::default()
        },
        NewSpace {
            name: Some("n".repeat(201)),
            ..Default::default()
        },
        NewSpace {
            tags: Some((0..21).map(|i| format!("t{i}")).collect()),
            ..Default::default()
        },
        NewSpace {
            tags: Some(vec![String::new()]),
            ..Default::default()
        },
        NewSpace {
            tags: Some(vec!["x".repeat(65)]),
            ..Default::default()
        },
        NewSpace {
            settings: json!({"big": "x".repeat(16 * 1024)}).as_object().cloned(),
            ..Default::default()
        },
    ];
    for input in bad {
        expect_code(run(w.ms.create_space(input.clone())), ErrorCode::Validation);
    }
    expect_code(
        run(w.ms.update_space(
            &w.space,
            SpaceUpdate {
                tags: Some(vec!["a\nb".into()]),
                ..Default::default()
            },
        )),
        ErrorCode::Validation,
    );
}

#[test]
fn a_caller_chosen_workspace_id_resolves_to_its_space_through_the_deduplication_key() {
    let w = World::new();
    assert_eq!(run(w.ms.space_by_key("_default")).unwrap(), None);
    let s = run(w.ms.create_space(NewSpace {
        deduplication_key: Some("_default".into()),
        name: Some("_default".into()),
        ..Default::default()
    }))
    .unwrap();
    assert_eq!(run(w.ms.space_by_key("_default")).unwrap(), Some(s.clone()));
    assert_eq!(run(w.stranger().space_by_key("_default")).unwrap(), None);
    run(w.ms.delete_space(&s.id)).unwrap();
    assert_eq!(run(w.ms.space_by_key("_default")).unwrap(), None);
    expect_code(run(w.ms.space_by_key("")), ErrorCode::Validation);
}

#[test]
fn the_workspace_schema_lists_the_relationship_types_memory_types_and_subtypes() {
    let w = World::new();
    let schema = run(w.ms.workspace_schema(&w.space)).unwrap();
    assert!(schema.relationship_types.len() >= 60);
    let names: Vec<&str> = schema.relationship_types.iter().map(|r| r.name).collect();
    for n in [
        "parent_of",
        "causes",
        "similar_to",
        "supersedes",
        "contradicts",
        "depends_on",
    ] {
        assert!(names.contains(&n), "{n} missing");
    }
    assert_eq!(schema.memory_types.len(), 4);
    assert_eq!(schema.memory_subtypes.len(), 12);
    assert!(!schema.can_customize);
    expect_code(
        run(w.stranger().workspace_schema(&w.space)),
        ErrorCode::NotFound,
    );
}
