//! Answers prepared while an append's commit is in flight (`post_event_with`,
//! `post_events_with`): prepared after the commit is issued and before it completes, kept
//! only when that commit succeeds, and always the stored events, also when two handles race.

mod common;
use common::interleave::*;
use common::*;
use memspace::kv::MemoryKv;
use memspace::model::*;
use memspace::{ErrorCode, Memspace};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Handles over one store that yields at every call (each commit is pending once).
fn handles(n: usize) -> (Vec<Memspace>, MemoryKv, Space, Session) {
    let store = MemoryKv::new();
    let (hs, space, session) = handles_over(Rc::new(YieldingKv::new(store.clone())), n);
    (hs, store, space, session)
}

fn one<T>(fut: impl std::future::Future<Output = T> + 'static) -> T {
    interleave(vec![Box::pin(fut)], 1).remove(0)
}

#[test]
fn the_answer_is_prepared_before_the_commit_lands_and_is_the_stored_event() {
    let (hs, store, sp, s) = handles(1);
    let h = hs[0].clone();
    let (sp_id, s_id) = (sp.id.clone(), s.id.clone());
    // What the store held when the answer was prepared: the commit had not landed yet.
    let seen = Rc::new(Cell::new(None));
    let seen2 = seen.clone();
    let store2 = store.clone();
    let before = store.snapshot();
    let answer = one(async move {
        h.post_event_with(&sp_id, &s_id, msg("hello"), move |text| {
            seen2.set(Some(store2.snapshot()));
            text
        })
        .await
    })
    .unwrap();
    assert_eq!(
        seen.take(),
        Some(before),
        "prepared before the commit applied"
    );
    let h = hs[0].clone();
    let (sp_id, s_id) = (sp.id.clone(), s.id.clone());
    let listed =
        one(async move { h.list_events(&sp_id, &s_id, EventQuery::default()).await }).unwrap();
    assert_eq!(answer, serde_json::to_string(&listed[0]).unwrap());
    // A batch answers the array, the same way.
    let h = hs[0].clone();
    let (sp_id, s_id) = (sp.id.clone(), s.id.clone());
    let many = one(async move {
        h.post_events_with(&sp_id, &s_id, vec![msg("a"), msg("b")], |t| t)
            .await
    })
    .unwrap();
    let h = hs[0].clone();
    let (sp_id, s_id) = (sp.id.clone(), s.id.clone());
    let listed =
        one(async move { h.list_events(&sp_id, &s_id, EventQuery::default()).await }).unwrap();
    assert_eq!(many, serde_json::to_string(&listed[1..]).unwrap());
}

#[test]
fn a_failed_commit_drops_its_prepared_answer_and_stores_nothing() {
    let (hs, store, sp, s) = handles(1);
    let before = store.snapshot();
    store.set_quota(Some(store.bytes()));
    // The answer holds a counted token: dropped with the error, nothing keeps it.
    let token = Rc::new(());
    let prepared = Rc::new(Cell::new(0));
    let (h, sp_id, s_id) = (hs[0].clone(), sp.id.clone(), s.id.clone());
    let (t, p) = (token.clone(), prepared.clone());
    let err = one(async move {
        h.post_event_with(&sp_id, &s_id, msg("too big for the quota"), move |_| {
            p.set(p.get() + 1);
            t.clone()
        })
        .await
    })
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Quota);
    assert_eq!(
        prepared.get(),
        1,
        "the answer was prepared while the commit was in flight"
    );
    assert_eq!(
        Rc::strong_count(&token),
        1,
        "the prepared answer was dropped"
    );
    assert_eq!(store.snapshot(), before);
}

#[test]
fn two_handles_appending_each_answer_the_events_they_stored() {
    for seed in 0..100 {
        let (hs, _store, sp, s) = handles(2);
        let answers = Rc::new(RefCell::new(Vec::new()));
        let post_many = |h: &Memspace, tag: &'static str| {
            let (h, sp, s, answers) = (h.clone(), sp.id.clone(), s.id.clone(), answers.clone());
            Box::pin(async move {
                for i in 0..4 {
                    let text = h
                        .post_event_with(&sp, &s, msg(&format!("{tag}{i}")), |t| t)
                        .await?;
                    answers.borrow_mut().push(text);
                }
                Ok::<_, memspace::Error>(())
            }) as Task<'_, memspace::Result<()>>
        };
        for r in interleave(vec![post_many(&hs[0], "a"), post_many(&hs[1], "b")], seed) {
            r.unwrap();
        }
        let (h, sp_id, s_id) = (hs[0].clone(), sp.id.clone(), s.id.clone());
        let listed =
            one(async move { h.list_events(&sp_id, &s_id, EventQuery::default()).await }).unwrap();
        assert_eq!(listed.len(), 8, "seed {seed}");
        for text in answers.borrow().iter() {
            let answered: Event = serde_json::from_str(text).unwrap();
            let stored = &listed[answered.sequence_id as usize];
            assert_eq!(
                &answered, stored,
                "seed {seed}: an answer that is not the stored event"
            );
        }
    }
}
