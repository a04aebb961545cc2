//! Principal isolation of memories and associations: another principal can neither read,
//! list, change, link to nor traverse into a space's memories; and a memory is only ever
//! reached through the space it belongs to.

mod memories_common;

use memories_common::*;
use memspace::model::*;
use memspace::{ErrorCode, Memspace};

struct Two {
    owner: Memspace,
    other: Memspace,
    space: String,
    other_space: String,
    a: Memory,
    b: Memory,
    link: Association,
}

fn two_principals() -> Two {
    let (owner, _, _, space) = setup();
    let other = owner.for_principal(Principal::new("u2", "t1")).unwrap();
    let other_space = run(other.create_space(NewSpace::default())).unwrap().id;
    let a = remember(&owner, &space, text("owner's secret"));
    let b = remember(&owner, &space, text("owner's other fact"));
    let link = link(&owner, &space, &a.id, &b.id, "related_to", 0.5);
    Two {
        owner,
        other,
        space,
        other_space,
        a,
        b,
        link,
    }
}

#[test]
fn another_principal_can_neither_read_list_trace_nor_count_a_spaces_memories() {
    let t = two_principals();
    let (o, sp) = (&t.other, t.space.as_str());
    expect_code(run(o.get_memory(sp, &t.a.id)), ErrorCode::NotFound);
    expect_code(
        run(o.list_memories(sp, MemoryFilter::default(), Page::default())),
        ErrorCode::NotFound,
    );
    expect_code(run(o.trace_memory(sp, &t.a.id, None)), ErrorCode::NotFound);
    expect_code(run(o.memory_stats(sp)), ErrorCode::NotFound);
    expect_code(
        run(o.get_associations(sp, &t.a.id, AssociationQuery::default(), Page::default())),
        ErrorCode::NotFound,
    );
    // Through its own space, the owner's memory ids lead nowhere.
    let os = t.other_space.as_str();
    expect_code(run(o.get_memory(os, &t.a.id)), ErrorCode::NotFound);
    expect_code(run(o.trace_memory(os, &t.a.id, None)), ErrorCode::NotFound);
    assert!(run(o.list_memories(
        os,
        MemoryFilter {
            statuses: MemoryStatus::ALL.to_vec(),
            ..Default::default()
        },
        Page::default()
    ))
    .unwrap()
    .is_empty());
    // Another tenant with the same user id is another principal too.
    let tenant = t.owner.for_principal(Principal::new("u1", "t2")).unwrap();
    expect_code(run(tenant.get_memory(sp, &t.a.id)), ErrorCode::NotFound);
}

#[test]
fn another_principal_can_neither_remember_change_forget_nor_restore_in_a_space() {
    let t = two_principals();
    let (o, sp) = (&t.other, t.space.as_str());
    let before = mem_snap(&t.owner, sp);
    expect_code(run(o.remember(sp, text("planted"))), ErrorCode::NotFound);
    expect_code(
        run(o.update_memory(
            sp,
            &t.a.id,
            MemoryUpdate {
                content: Some("x".into()),
                ..Default::default()
            },
        )),
        ErrorCode::NotFound,
    );
    expect_code(
        run(o.decay_memory(sp, &t.a.id, Some(1.0))),
        ErrorCode::NotFound,
    );
    expect_code(run(o.forget_memory(sp, &t.a.id, true)), ErrorCode::NotFound);
    expect_code(run(o.restore_memory(sp, &t.a.id)), ErrorCode::NotFound);
    expect_code(
        run(o.batch_memories(
            sp,
            vec![BatchOp::Delete {
                memory_id: t.a.id.clone(),
                hard: true,
            }],
            true,
        )),
        ErrorCode::NotFound,
    );
    // Naming the owner's memory through its own space does nothing either.
    let os = t.other_space.as_str();
    expect_code(run(o.forget_memory(os, &t.a.id, true)), ErrorCode::NotFound);
    let r = run(o.batch_memories(
        os,
        vec![BatchOp::Update {
            memory_id: t.a.id.clone(),
            update: MemoryUpdate {
                importance: Some(0.0),
                ..Default::default()
            },
        }],
        false,
    ))
    .unwrap();
    assert_eq!(
        r.results[0].error.as_ref().unwrap().code,
        ErrorCode::NotFound
    );
    assert_eq!(mem_snap(&t.owner, sp), before, "nothing changed");
}

#[test]
fn another_principal_can_neither_link_to_nor_traverse_into_a_spaces_memories() {
    let t = two_principals();
    let (o, sp, os) = (&t.other, t.space.as_str(), t.other_space.as_str());
    let mine = remember(o, os, text("mine"));
    let to = |target: &str| NewAssociation {
        target_id: target.into(),
        relationship: "references".into(),
        ..Default::default()
    };
    expect_code(
        run(o.associate(os, &mine.id, to(&t.a.id))),
        ErrorCode::NotFound,
    );
    expect_code(
        run(o.associate(sp, &t.a.id, to(&t.b.id))),
        ErrorCode::NotFound,
    );
    expect_code(
        run(o.associate(sp, &t.a.id, to(&mine.id))),
        ErrorCode::NotFound,
    );
    expect_code(
        run(o.traverse(sp, &t.a.id, TraverseQuery::default())),
        ErrorCode::NotFound,
    );
    expect_code(
        run(o.traverse(os, &t.a.id, TraverseQuery::default())),
        ErrorCode::NotFound,
    );
    expect_code(
        run(o.update_association(
            sp,
            &t.link.id,
            AssociationUpdate {
                strength: Some(0.0),
                metadata: None,
            },
        )),
        ErrorCode::NotFound,
    );
    expect_code(
        run(o.delete_association(sp, &t.link.id)),
        ErrorCode::NotFound,
    );
    expect_code(
        run(o.delete_association(os, &t.link.id)),
        ErrorCode::NotFound,
    );
    let reach = run(o.traverse(
        os,
        &mine.id,
        TraverseQuery {
            max_depth: Some(5),
            ..Default::default()
        },
    ))
    .unwrap();
    assert!(reach.nodes.is_empty());
    assert_eq!(
        all_links(&t.owner, sp, &t.a.id).unwrap(),
        vec![t.link.clone()]
    );
}

#[test]
fn two_spaces_of_one_principal_never_share_memories_or_links() {
    let (ms, kv, _, sp1) = setup();
    let sp2 = run(ms.create_space(NewSpace::default())).unwrap().id;
    let a = remember(&ms, &sp1, text("same text"));
    let b = run(ms.remember(&sp2, text("same text"))).unwrap();
    assert!(!b.replayed, "dedup is per space");
    let k1 = remember(&ms, &sp1, keyed("v1", "user.city"));
    let k2 = run(ms.remember(&sp2, keyed("v2", "user.city"))).unwrap();
    assert_eq!(k2.superseded_id, None, "logical keys are per space");
    assert_eq!(
        run(ms.get_memory(&sp1, &k1.id)).unwrap().status,
        MemoryStatus::Active
    );
    expect_code(run(ms.get_memory(&sp2, &a.id)), ErrorCode::NotFound);
    let cross = NewAssociation {
        target_id: b.memory.id.clone(),
        relationship: "similar_to".into(),
        ..Default::default()
    };
    expect_code(run(ms.associate(&sp1, &a.id, cross)), ErrorCode::NotFound);
    run(ms.delete_space(&sp2)).unwrap();
    expect_code(run(ms.get_memory(&sp2, &b.memory.id)), ErrorCode::Gone);
    expect_code(run(ms.remember(&sp2, text("x"))), ErrorCode::Gone);
    check_memory_invariants(&ms, &kv, &sp1);
}
