//! Associations and traversal: one test per rule, named after it.

mod memories_common;

use memories_common::*;
use memspace::model::*;
use memspace::ErrorCode;
use serde_json::json;
use std::collections::BTreeSet;

fn ids(ms: &[Memory]) -> Vec<String> {
    ms.iter().map(|m| m.id.clone()).collect()
}

#[test]
fn relationship_types_are_a_closed_list_of_at_least_60_snake_case_names_in_11_categories() {
    let (ms, _, _, _) = setup();
    let types = ms.relationship_types();
    assert!(types.len() >= 60, "{} types", types.len());
    let names: BTreeSet<&str> = types.iter().map(|t| t.name).collect();
    assert_eq!(names.len(), types.len(), "names are unique");
    for t in types {
        assert!(
            t.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                && !t.name.starts_with('_')
                && !t.name.ends_with('_'),
            "{} is snake_case",
            t.name
        );
        assert!(!t.description.is_empty());
        if let Some(inv) = t.inverse {
            let back = types
                .iter()
                .find(|x| x.name == inv)
                .expect("inverse is in the list");
            assert_eq!(
                back.inverse,
                Some(t.name),
                "{} and {inv} are inverses",
                t.name
            );
        }
    }
    let categories: BTreeSet<&str> = types.iter().map(|t| t.category).collect();
    assert_eq!(
        categories,
        BTreeSet::from([
            "hierarchical",
            "causal",
            "temporal",
            "similarity",
            "learning",
            "refinement",
            "reference",
            "solution",
            "context",
            "workflow",
            "quality"
        ])
    );
    // Every name the seed lists is there.
    for seed in [
        "parent_of",
        "child_of",
        "part_of",
        "contains",
        "instance_of",
        "subtype_of",
        "causes",
        "triggers",
        "leads_to",
        "prevents",
        "precedes",
        "concurrent_with",
        "follows_temporally",
        "similar_to",
        "variant_of",
        "related_to",
        "analogous_to",
        "builds_on",
        "contradicts",
        "confirms",
        "supersedes",
        "refines",
        "abstracts",
        "specializes",
        "generalizes",
        "references",
        "referenced_by",
        "solves",
        "addresses",
        "alternative_to",
        "improves",
        "occurs_in",
        "applies_to",
        "works_with",
        "requires",
        "follows",
        "depends_on",
        "enables",
        "blocks",
        "effective_for",
        "preferred_over",
        "deprecated_by",
    ] {
        assert!(names.contains(seed), "{seed} missing");
    }
    assert_eq!(
        serde_json::to_value(types[0]).unwrap()["category"],
        "hierarchical"
    );
}

#[test]
fn associate_links_two_memories_of_a_space_with_a_strength_and_metadata() {
    let (ms, kv, host, sp) = setup();
    let a = remember(&ms, &sp, text("bug in parser"));
    let b = remember(&ms, &sp, text("patched the tokenizer"));
    let assoc = run(ms.associate(
        &sp,
        &b.id,
        NewAssociation {
            target_id: a.id.clone(),
            relationship: "solves".into(),
            strength: Some(0.9),
            metadata: Some(json!({"by": "agent"}).as_object().unwrap().clone()),
        },
    ))
    .unwrap();
    assert!(assoc.id.starts_with("asc_"));
    assert_eq!(
        (assoc.source_id.as_str(), assoc.target_id.as_str()),
        (b.id.as_str(), a.id.as_str())
    );
    assert_eq!(
        (assoc.relationship.as_str(), assoc.strength),
        ("solves", 0.9)
    );
    assert_eq!(assoc.metadata["by"], "agent");
    assert_eq!(assoc.memory_space_id, sp);
    use memspace::host::Host;
    assert_eq!(assoc.created_at, host.now());
    let default = run(ms.associate(
        &sp,
        &a.id,
        NewAssociation {
            target_id: b.id.clone(),
            relationship: "related_to".into(),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(default.strength, 0.5);
    assert_eq!(run(ms.memory_stats(&sp)).unwrap().associations, 2);
    check_memory_invariants(&ms, &kv, &sp);
}

#[test]
fn associate_rejects_unknown_types_bad_strengths_self_links_missing_ends_and_duplicates() {
    let (ms, _, _, sp) = setup();
    let a = remember(&ms, &sp, text("a"));
    let b = remember(&ms, &sp, text("b"));
    let new = |to: &str, rel: &str, s: Option<f64>| NewAssociation {
        target_id: to.into(),
        relationship: rel.into(),
        strength: s,
        metadata: None,
    };
    expect_code(
        run(ms.associate(&sp, &a.id, new(&b.id, "likes", None))),
        ErrorCode::Validation,
    );
    expect_code(
        run(ms.associate(&sp, &a.id, new(&b.id, "Related_To", None))),
        ErrorCode::Validation,
    );
    for bad in [-0.1, 1.1, f64::NAN] {
        expect_code(
            run(ms.associate(&sp, &a.id, new(&b.id, "causes", Some(bad)))),
            ErrorCode::Validation,
        );
    }
    expect_code(
        run(ms.associate(&sp, &a.id, new(&a.id, "causes", None))),
        ErrorCode::Validation,
    );
    expect_code(
        run(ms.associate(
            &sp,
            &a.id,
            new("mry_0000000000aaaaaaaaaaaaaaaa", "causes", None),
        )),
        ErrorCode::NotFound,
    );
    let big = NewAssociation {
        metadata: Some(json!({"k": "x".repeat(4096)}).as_object().unwrap().clone()),
        ..new(&b.id, "causes", None)
    };
    expect_code(run(ms.associate(&sp, &a.id, big)), ErrorCode::Validation);
    let first = run(ms.associate(&sp, &a.id, new(&b.id, "causes", None))).unwrap();
    let e = expect_code(
        run(ms.associate(&sp, &a.id, new(&b.id, "causes", Some(0.2)))),
        ErrorCode::Duplicate,
    );
    assert_eq!(e.details["existing_id"], first.id.as_str());
    run(ms.associate(&sp, &a.id, new(&b.id, "prevents", None))).unwrap(); // another type is another edge
    run(ms.associate(&sp, &b.id, new(&a.id, "causes", None))).unwrap(); // and so is the reverse
    run(ms.forget_memory(&sp, &b.id, false)).unwrap();
    expect_code(
        run(ms.associate(&sp, &a.id, new(&b.id, "confirms", None))),
        ErrorCode::Gone,
    );
}

#[test]
fn get_associations_by_direction_out_in_and_both_with_a_relationship_filter() {
    let (ms, _, _, sp) = setup();
    let [a, b, c] = ["a", "b", "c"].map(|t| remember(&ms, &sp, text(t)));
    let ab = link(&ms, &sp, &a.id, &b.id, "causes", 0.5);
    let ca = link(&ms, &sp, &c.id, &a.id, "references", 0.5);
    let ac = link(&ms, &sp, &a.id, &c.id, "related_to", 0.5);
    let get = |d: Direction, rels: Vec<&str>| -> Vec<String> {
        let q = AssociationQuery {
            direction: d,
            relationships: rels.into_iter().map(String::from).collect(),
            include_superseded: false,
        };
        run(ms.get_associations(&sp, &a.id, q, Page::default()))
            .unwrap()
            .into_iter()
            .map(|x| x.id)
            .collect()
    };
    let out: BTreeSet<String> = get(Direction::Out, vec![]).into_iter().collect();
    assert_eq!(out, BTreeSet::from([ab.id.clone(), ac.id.clone()]));
    assert_eq!(get(Direction::In, vec![]), vec![ca.id.clone()]);
    let both = get(Direction::Both, vec![]);
    assert_eq!(both.len(), 3);
    assert_eq!(both.last(), Some(&ca.id), "outgoing first");
    assert_eq!(
        get(Direction::Both, vec!["references", "causes"])
            .into_iter()
            .collect::<BTreeSet<_>>(),
        BTreeSet::from([ab.id.clone(), ca.id.clone()])
    );
    let paged = run(ms.get_associations(
        &sp,
        &a.id,
        AssociationQuery::default(),
        Page {
            offset: Some(1),
            limit: Some(1),
        },
    ))
    .unwrap();
    assert_eq!(paged.len(), 1);
    expect_code(
        run(ms.get_associations(
            &sp,
            &a.id,
            AssociationQuery {
                relationships: vec!["nope".into()],
                ..Default::default()
            },
            Page::default(),
        )),
        ErrorCode::Validation,
    );
    let q: AssociationQuery = serde_json::from_value(json!({"direction": "in"})).unwrap();
    assert_eq!(q.direction, Direction::In);
}

#[test]
fn update_association_changes_strength_and_metadata() {
    let (ms, kv, host, sp) = setup();
    let [a, b] = ["a", "b"].map(|t| remember(&ms, &sp, text(t)));
    let l = link(&ms, &sp, &a.id, &b.id, "builds_on", 0.3);
    host.advance_secs(1);
    let u = run(ms.update_association(
        &sp,
        &l.id,
        AssociationUpdate {
            strength: Some(0.8),
            metadata: Some(json!({"why": "confirmed"}).as_object().unwrap().clone()),
        },
    ))
    .unwrap();
    assert_eq!(
        (u.strength, u.metadata["why"].as_str()),
        (0.8, Some("confirmed"))
    );
    assert!(u.updated_at > l.updated_at && u.created_at == l.created_at);
    assert_eq!(
        all_links(&ms, &sp, &b.id).unwrap(),
        vec![u.clone()],
        "every index of the edge changed"
    );
    expect_code(
        run(ms.update_association(&sp, &l.id, AssociationUpdate::default())),
        ErrorCode::Validation,
    );
    expect_code(
        run(ms.update_association(
            &sp,
            &l.id,
            AssociationUpdate {
                strength: Some(2.0),
                metadata: None,
            },
        )),
        ErrorCode::Validation,
    );
    expect_code(
        run(ms.update_association(
            &sp,
            "asc_0000000000aaaaaaaaaaaaaaaa",
            AssociationUpdate {
                strength: Some(0.1),
                metadata: None,
            },
        )),
        ErrorCode::NotFound,
    );
    check_memory_invariants(&ms, &kv, &sp);
}

#[test]
fn delete_association_removes_the_edge_everywhere() {
    let (ms, kv, _, sp) = setup();
    let [a, b] = ["a", "b"].map(|t| remember(&ms, &sp, text(t)));
    let l = link(&ms, &sp, &a.id, &b.id, "contradicts", 0.7);
    run(ms.delete_association(&sp, &l.id)).unwrap();
    assert!(
        all_links(&ms, &sp, &a.id).unwrap().is_empty()
            && all_links(&ms, &sp, &b.id).unwrap().is_empty()
    );
    expect_code(run(ms.delete_association(&sp, &l.id)), ErrorCode::NotFound);
    assert_eq!(run(ms.memory_stats(&sp)).unwrap().associations, 0);
    link(&ms, &sp, &a.id, &b.id, "contradicts", 0.7); // can be made again
    check_memory_invariants(&ms, &kv, &sp);
}

#[test]
fn edges_of_a_forgotten_memory_are_hidden_and_come_back_when_it_is_restored() {
    let (ms, kv, _, sp) = setup();
    let [a, b, c] = ["a", "b", "c"].map(|t| remember(&ms, &sp, text(t)));
    let ab = link(&ms, &sp, &a.id, &b.id, "causes", 0.5);
    link(&ms, &sp, &b.id, &c.id, "causes", 0.5);
    run(ms.forget_memory(&sp, &b.id, false)).unwrap();
    assert!(all_links(&ms, &sp, &a.id).unwrap().is_empty());
    assert!(all_links(&ms, &sp, &c.id).unwrap().is_empty());
    expect_code(
        run(ms.update_association(
            &sp,
            &ab.id,
            AssociationUpdate {
                strength: Some(0.1),
                metadata: None,
            },
        )),
        ErrorCode::NotFound,
    );
    expect_code(run(ms.delete_association(&sp, &ab.id)), ErrorCode::NotFound);
    let t = run(ms.traverse(&sp, &a.id, TraverseQuery::default())).unwrap();
    assert!(t.nodes.is_empty(), "not reached, nor walked through");
    assert_eq!(
        run(ms.memory_stats(&sp)).unwrap().associations,
        2,
        "kept while hidden"
    );
    run(ms.restore_memory(&sp, &b.id)).unwrap();
    assert_eq!(all_links(&ms, &sp, &a.id).unwrap(), vec![ab]);
    assert_eq!(
        ids(&run(ms.traverse(&sp, &a.id, TraverseQuery::default()))
            .unwrap()
            .nodes),
        vec![b.id.clone(), c.id.clone()]
    );
    check_memory_invariants(&ms, &kv, &sp);
}

#[test]
fn hard_forget_removes_the_edges_of_the_memory() {
    let (ms, kv, _, sp) = setup();
    let [a, b, c] = ["a", "b", "c"].map(|t| remember(&ms, &sp, text(t)));
    link(&ms, &sp, &a.id, &b.id, "causes", 0.5);
    link(&ms, &sp, &c.id, &b.id, "causes", 0.5);
    let ac = link(&ms, &sp, &a.id, &c.id, "causes", 0.5);
    run(ms.forget_memory(&sp, &b.id, true)).unwrap();
    assert_eq!(all_links(&ms, &sp, &a.id).unwrap(), vec![ac]);
    assert_eq!(run(ms.memory_stats(&sp)).unwrap().associations, 1);
    check_memory_invariants(&ms, &kv, &sp);
}

#[test]
fn traverse_returns_one_shortest_path_per_memory_up_to_the_depth() {
    let (ms, _, _, sp) = setup();
    // a → b → c → d → e → f → g, plus a shortcut a → d.
    let n: Vec<Memory> = ["a", "b", "c", "d", "e", "f", "g"]
        .iter()
        .map(|t| remember(&ms, &sp, text(t)))
        .collect();
    for w in n.windows(2) {
        link(&ms, &sp, &w[0].id, &w[1].id, "leads_to", 0.5);
    }
    link(&ms, &sp, &n[0].id, &n[3].id, "causes", 0.8);
    let t = run(ms.traverse(
        &sp,
        &n[0].id,
        TraverseQuery {
            max_depth: Some(1),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(
        ids(&t.nodes),
        vec![n[3].id.clone(), n[1].id.clone()],
        "stronger edges first"
    );
    let t = run(ms.traverse(
        &sp,
        &n[0].id,
        TraverseQuery {
            max_depth: Some(2),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(
        ids(&t.nodes).into_iter().collect::<BTreeSet<_>>(),
        [1, 2, 3, 4].map(|i| n[i].id.clone()).into_iter().collect()
    );
    let to_e = t
        .paths
        .iter()
        .find(|p| p.memory_ids.last() == Some(&n[4].id))
        .unwrap();
    assert_eq!(
        to_e.memory_ids,
        vec![n[0].id.clone(), n[3].id.clone(), n[4].id.clone()]
    );
    assert_eq!(to_e.depth, 2);
    assert!((to_e.strength - 0.4).abs() < 1e-12, "product of strengths");
    assert_eq!(to_e.associations[0].relationship, "causes");
    let t = run(ms.traverse(
        &sp,
        &n[0].id,
        TraverseQuery {
            max_depth: Some(5),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(t.nodes.len(), 6);
    assert_eq!(t.paths.iter().map(|p| p.depth).max(), Some(4));
    assert!(!t.truncated);
    for bad in [0, 6] {
        expect_code(
            run(ms.traverse(
                &sp,
                &n[0].id,
                TraverseQuery {
                    max_depth: Some(bad),
                    ..Default::default()
                },
            )),
            ErrorCode::Validation,
        );
    }
}

#[test]
fn traverse_follows_the_direction_minimum_strength_and_relationship_filter() {
    let (ms, _, _, sp) = setup();
    let [hub, weak, strong, parent, other] =
        ["hub", "weak", "strong", "parent", "other"].map(|t| remember(&ms, &sp, text(t)));
    link(&ms, &sp, &hub.id, &weak.id, "related_to", 0.2);
    link(&ms, &sp, &hub.id, &strong.id, "related_to", 0.9);
    link(&ms, &sp, &parent.id, &hub.id, "parent_of", 0.6);
    link(&ms, &sp, &hub.id, &other.id, "causes", 0.7);
    let reach = |q: TraverseQuery| -> BTreeSet<String> {
        ids(&run(ms.traverse(&sp, &hub.id, q)).unwrap().nodes)
            .into_iter()
            .collect()
    };
    let set = |ms: &[&Memory]| -> BTreeSet<String> { ms.iter().map(|m| m.id.clone()).collect() };
    assert_eq!(
        reach(TraverseQuery {
            direction: Direction::Out,
            ..Default::default()
        }),
        set(&[&weak, &strong, &other])
    );
    assert_eq!(
        reach(TraverseQuery {
            direction: Direction::In,
            ..Default::default()
        }),
        set(&[&parent])
    );
    assert_eq!(
        reach(TraverseQuery {
            min_strength: Some(0.65),
            ..Default::default()
        }),
        set(&[&strong, &other])
    );
    assert_eq!(
        reach(TraverseQuery {
            relationship_types: vec!["parent_of".into(), "causes".into()],
            ..Default::default()
        }),
        set(&[&parent, &other])
    );
    expect_code(
        run(ms.traverse(
            &sp,
            &hub.id,
            TraverseQuery {
                min_strength: Some(1.5),
                ..Default::default()
            },
        )),
        ErrorCode::Validation,
    );
    expect_code(
        run(ms.traverse(
            &sp,
            &hub.id,
            TraverseQuery {
                relationship_types: vec!["x".into()],
                ..Default::default()
            },
        )),
        ErrorCode::Validation,
    );
}

#[test]
fn traverse_stops_at_the_node_cap_and_says_it_was_truncated() {
    let (ms, _, _, sp) = setup();
    let hub = remember(&ms, &sp, text("hub"));
    for i in 0..12 {
        let m = remember(&ms, &sp, text(&format!("leaf {i}")));
        link(&ms, &sp, &hub.id, &m.id, "contains", 0.5);
    }
    let t = run(ms.traverse(
        &sp,
        &hub.id,
        TraverseQuery {
            max_nodes: Some(5),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!((t.nodes.len(), t.paths.len(), t.truncated), (5, 5, true));
    let t = run(ms.traverse(
        &sp,
        &hub.id,
        TraverseQuery {
            max_nodes: Some(12),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!((t.nodes.len(), t.truncated), (12, false));
    for bad in [0, 501] {
        expect_code(
            run(ms.traverse(
                &sp,
                &hub.id,
                TraverseQuery {
                    max_nodes: Some(bad),
                    ..Default::default()
                },
            )),
            ErrorCode::Validation,
        );
    }
    assert_eq!(
        run(ms.traverse(&sp, &hub.id, TraverseQuery::default()))
            .unwrap()
            .nodes
            .len(),
        12,
        "default cap 50"
    );
}

#[test]
fn traverse_from_a_hidden_memory_is_gone() {
    let (ms, _, _, sp) = setup();
    let a = remember(&ms, &sp, text("a"));
    run(ms.forget_memory(&sp, &a.id, false)).unwrap();
    expect_code(
        run(ms.traverse(&sp, &a.id, TraverseQuery::default())),
        ErrorCode::Gone,
    );
    expect_code(
        run(ms.get_associations(&sp, &a.id, AssociationQuery::default(), Page::default())),
        ErrorCode::Gone,
    );
}
