//! Memories and associations (seed 003) inside a memory space.
//!
//! One record per space, the **memory head** `mh/{space}`, is the commit point of every memory
//! and association write of the space: it holds the exact counts by status and a write
//! sequence. Every write goes through [`commit`]'s one write path, which derives all index
//! keys of a memory from its record (before and after), so indexes never disagree with
//! records; on a backend without atomic batches the write travels through a redo journal and
//! readers roll a committed journal forward before they read. See docs/storage.md.

pub(crate) mod batch;
pub(crate) mod change;
pub(crate) mod commit;
pub(crate) mod expiry;
pub(crate) mod limits;
pub(crate) mod links;
pub(crate) mod read;
pub(crate) mod record;
pub(crate) mod remember;
pub(crate) mod trace;
pub(crate) mod traverse;
pub(crate) mod tx;

pub(crate) use record::{MemoryHead, MemoryRecord};

/// Kind of a memory in errors.
pub(crate) const MEMORY: &str = "memory_record";
/// Kind of an association in errors.
pub(crate) const ASSOCIATION: &str = "association";
/// Memory id prefix (`mem_` is a memory-store entry).
pub(crate) const MEMORY_PREFIX: &str = "mry";
/// Association id prefix.
pub(crate) const ASSOCIATION_PREFIX: &str = "asc";

#[cfg(test)]
mod tests {
    use crate::host::ManualHost;
    use crate::kv::faulty::FaultyKv;
    use crate::kv::{Kv, MemoryKv, Precondition};
    use crate::model::{NewMemory, NewSpace, Principal};
    use crate::runtime::block_on;
    use crate::Memspace;
    use std::rc::Rc;

    fn handle(kv: Rc<dyn Kv>) -> Memspace {
        Memspace::new(kv, Rc::new(ManualHost::default()), Principal::new("u", "t")).unwrap()
    }

    fn fact(content: &str) -> NewMemory {
        NewMemory {
            content: content.into(),
            ..Default::default()
        }
    }

    /// Remembers `content` with a chosen id plus a raw put of `extra`, in one write.
    fn remember_with(
        ms: &Memspace,
        space: &str,
        id: &str,
        extra: &[u8],
        pre: Vec<Precondition>,
    ) -> crate::Result<bool> {
        block_on(async {
            let mut tx = ms.begin_memories(space).await?;
            let r = ms
                .plan_remember_as(&mut tx, &fact("from a job"), Some(id))
                .await?;
            tx.add_ops(
                vec![crate::kv::Op::Put(extra.to_vec(), b"done".to_vec())],
                pre,
            );
            ms.commit_tx(tx).await?;
            Ok(r.replayed)
        })?
    }

    #[test]
    fn extra_ops_commit_with_the_memories_or_not_at_all() {
        let kv = MemoryKv::new();
        let ms = handle(Rc::new(kv.clone()));
        let space = block_on(ms.create_space(NewSpace::default()))
            .unwrap()
            .unwrap()
            .id;
        let id = "mry_0000000000aaaaaaaaaaaaaaa1";
        let blocked = vec![Precondition::Absent(b"held".to_vec())];
        block_on(kv.commit({
            let mut b = crate::kv::Batch::new();
            b.put(b"held".to_vec(), b"x".to_vec());
            b
        }))
        .unwrap()
        .unwrap();
        assert!(remember_with(&ms, &space, id, b"job", blocked).is_err());
        assert!(
            !kv.snapshot().contains_key(b"job".as_slice()),
            "nothing applied"
        );
        assert!(block_on(ms.get_memory(&space, id)).unwrap().is_err());
        assert!(!remember_with(&ms, &space, id, b"job", vec![]).unwrap());
        assert_eq!(
            kv.snapshot().get(b"job".as_slice()).map(Vec::as_slice),
            Some(b"done".as_slice())
        );
        assert_eq!(block_on(ms.get_memory(&space, id)).unwrap().unwrap().id, id);
        assert!(
            remember_with(&ms, &space, id, b"job2", vec![]).unwrap(),
            "a chosen id that exists is a replay"
        );
        let bad = block_on(async {
            let mut tx = ms.begin_memories(&space).await?;
            ms.plan_remember_as(&mut tx, &fact("x"), Some("mem_0000000000aaaaaaaaaaaaaaa1"))
                .await
        })
        .unwrap();
        assert_eq!(bad.unwrap_err().code, crate::ErrorCode::Validation);
    }

    #[test]
    fn extra_ops_ride_in_the_journal_on_a_key_by_key_backend() {
        let disk = MemoryKv::new();
        let ms = handle(Rc::new(disk.clone()));
        let space = block_on(ms.create_space(NewSpace::default()))
            .unwrap()
            .unwrap()
            .id;
        let faulty = Rc::new(FaultyKv::new(disk.clone(), false));
        faulty.crash_after(2); // the journal and the pending head land: committed
        let id = "mry_0000000000aaaaaaaaaaaaaaa2";
        assert!(remember_with(&handle(faulty.clone()), &space, id, b"job", vec![]).is_err());
        let reopened = handle(Rc::new(FaultyKv::new(faulty.data(), false)));
        assert_eq!(
            block_on(reopened.get_memory(&space, id))
                .unwrap()
                .unwrap()
                .id,
            id
        );
        assert_eq!(
            faulty
                .data()
                .snapshot()
                .get(b"job".as_slice())
                .map(Vec::as_slice),
            Some(b"done".as_slice())
        );
    }
}
