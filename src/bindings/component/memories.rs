//! The exported `memories` interface: memories, associations and traversal through a
//! borrowed `memspace` handle. Each function converts, runs the engine operation and
//! converts back; nothing else.

use super::convert::{all, try_all};
use super::exports::memspace::memory::memories::{self as w, Guest};
use super::exports::memspace::memory::memory::MemspaceBorrow;
use super::memory::{run, with, MemspaceResource};
use super::memspace::memory::types as t;
use super::Component;

type Out<T> = std::result::Result<T, t::Error>;

/// The engine behind a borrowed handle.
fn engine<'a>(handle: &'a MemspaceBorrow<'_>) -> &'a crate::Memspace {
    &handle.get::<MemspaceResource>().engine
}

impl Guest for Component {
    fn remember(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        input: w::NewMemory,
    ) -> Out<w::Remembered> {
        let ms = engine(&handle);
        with(input.try_into(), |i| ms.remember(&space_id, i), Into::into)
    }

    fn get_memory(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        memory_id: String,
    ) -> Out<w::Memory> {
        run(
            engine(&handle).get_memory(&space_id, &memory_id),
            Into::into,
        )
    }

    fn list_memories(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        filter: w::MemoryFilter,
        page: t::Page,
    ) -> Out<Vec<w::Memory>> {
        run(
            engine(&handle).list_memories(&space_id, filter.into(), page.into()),
            all,
        )
    }

    fn update_memory(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        memory_id: String,
        update: w::MemoryUpdate,
    ) -> Out<w::Memory> {
        let ms = engine(&handle);
        with(
            update.try_into(),
            |u| ms.update_memory(&space_id, &memory_id, u),
            Into::into,
        )
    }

    fn decay_memory(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        memory_id: String,
        rate: Option<f64>,
    ) -> Out<w::Memory> {
        run(
            engine(&handle).decay_memory(&space_id, &memory_id, rate),
            Into::into,
        )
    }

    fn forget_memory(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        memory_id: String,
        hard: bool,
    ) -> Out<()> {
        run(
            engine(&handle).forget_memory(&space_id, &memory_id, hard),
            |()| (),
        )
    }

    fn restore_memory(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        memory_id: String,
    ) -> Out<w::Memory> {
        run(
            engine(&handle).restore_memory(&space_id, &memory_id),
            Into::into,
        )
    }

    fn trace_memory(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        memory_id: String,
        depth: Option<u32>,
    ) -> Out<w::MemoryTrace> {
        run(
            engine(&handle).trace_memory(&space_id, &memory_id, depth),
            Into::into,
        )
    }

    fn batch_memories(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        operations: Vec<w::BatchOp>,
        atomic: bool,
    ) -> Out<w::BatchResult> {
        let ms = engine(&handle);
        with(
            try_all(operations),
            |ops| ms.batch_memories(&space_id, ops, atomic),
            Into::into,
        )
    }

    fn memory_stats(handle: MemspaceBorrow<'_>, space_id: String) -> Out<w::MemoryCounts> {
        run(engine(&handle).memory_stats(&space_id), Into::into)
    }

    fn relationship_types(handle: MemspaceBorrow<'_>) -> Vec<w::RelationshipType> {
        engine(&handle)
            .relationship_types()
            .iter()
            .map(Into::into)
            .collect()
    }

    fn associate(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        source_id: String,
        input: w::NewAssociation,
    ) -> Out<w::Association> {
        let ms = engine(&handle);
        with(
            input.try_into(),
            |i| ms.associate(&space_id, &source_id, i),
            Into::into,
        )
    }

    fn get_associations(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        memory_id: String,
        query: w::AssociationQuery,
        page: t::Page,
    ) -> Out<Vec<w::Association>> {
        run(
            engine(&handle).get_associations(&space_id, &memory_id, query.into(), page.into()),
            all,
        )
    }

    fn update_association(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        association_id: String,
        update: w::AssociationUpdate,
    ) -> Out<w::Association> {
        let ms = engine(&handle);
        with(
            update.try_into(),
            |u| ms.update_association(&space_id, &association_id, u),
            Into::into,
        )
    }

    fn delete_association(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        association_id: String,
    ) -> Out<()> {
        run(
            engine(&handle).delete_association(&space_id, &association_id),
            |()| (),
        )
    }

    fn traverse(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        start_id: String,
        query: w::TraverseQuery,
    ) -> Out<w::Traversal> {
        run(
            engine(&handle).traverse(&space_id, &start_id, query.into()),
            Into::into,
        )
    }
}
