//! The exported `stores` interface: memory stores, entries, versions and the memory tool,
//! through a borrowed `memspace` handle. Each function converts, runs the engine operation
//! and converts back; nothing else.

use super::convert::all;
use super::exports::memspace::memory::memory::MemspaceBorrow;
use super::exports::memspace::memory::stores::{self as s, Guest};
use super::memory::{run, with, MemspaceResource};
use super::memspace::memory::types as w;
use super::Component;

type Out<T> = std::result::Result<T, w::Error>;

/// The engine behind a borrowed handle.
fn engine<'a>(handle: &'a MemspaceBorrow<'_>) -> &'a crate::Memspace {
    &handle.get::<MemspaceResource>().engine
}

impl Guest for Component {
    fn create_store(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        input: s::NewStore,
    ) -> Out<s::MemoryStore> {
        let ms = engine(&handle);
        with(
            input.try_into(),
            |i| ms.create_store(&space_id, i),
            Into::into,
        )
    }

    fn get_store(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        store_id: String,
    ) -> Out<s::MemoryStore> {
        run(engine(&handle).get_store(&space_id, &store_id), Into::into)
    }

    fn list_stores(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        include_archived: bool,
        page: w::Page,
    ) -> Out<Vec<s::MemoryStore>> {
        run(
            engine(&handle).list_stores(&space_id, include_archived, page.into()),
            all,
        )
    }

    fn update_store(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        store_id: String,
        update: s::StoreUpdate,
    ) -> Out<s::MemoryStore> {
        let ms = engine(&handle);
        with(
            update.try_into(),
            |u| ms.update_store(&space_id, &store_id, u),
            Into::into,
        )
    }

    fn archive_store(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        store_id: String,
    ) -> Out<s::MemoryStore> {
        run(
            engine(&handle).archive_store(&space_id, &store_id),
            Into::into,
        )
    }

    fn delete_store(handle: MemspaceBorrow<'_>, space_id: String, store_id: String) -> Out<()> {
        run(engine(&handle).delete_store(&space_id, &store_id), |()| ())
    }

    fn create_entry(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        store_id: String,
        input: s::NewEntry,
    ) -> Out<s::MemoryEntry> {
        let ms = engine(&handle);
        with(
            input.try_into(),
            |i| ms.create_entry(&space_id, &store_id, i),
            Into::into,
        )
    }

    fn get_entry(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        store_id: String,
        entry_id: String,
    ) -> Out<s::MemoryEntry> {
        run(
            engine(&handle).get_entry(&space_id, &store_id, &entry_id),
            Into::into,
        )
    }

    fn get_entry_by_path(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        store_id: String,
        path: String,
    ) -> Out<s::MemoryEntry> {
        run(
            engine(&handle).get_entry_by_path(&space_id, &store_id, &path),
            Into::into,
        )
    }

    fn list_entries(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        store_id: String,
        prefix: String,
        page: w::Page,
    ) -> Out<Vec<s::MemoryEntry>> {
        run(
            engine(&handle).list_entries(&space_id, &store_id, &prefix, page.into()),
            all,
        )
    }

    fn update_entry(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        store_id: String,
        entry_id: String,
        update: s::EntryUpdate,
    ) -> Out<s::MemoryEntry> {
        let ms = engine(&handle);
        with(
            update.try_into(),
            |u| ms.update_entry(&space_id, &store_id, &entry_id, u),
            Into::into,
        )
    }

    fn delete_entry(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        store_id: String,
        entry_id: String,
        precondition: s::EntryPrecondition,
    ) -> Out<()> {
        run(
            engine(&handle).delete_entry(&space_id, &store_id, &entry_id, precondition.into()),
            |()| (),
        )
    }

    fn list_versions(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        store_id: String,
        entry_id: Option<String>,
        page: w::Page,
    ) -> Out<Vec<s::MemoryVersion>> {
        run(
            engine(&handle).list_versions(&space_id, &store_id, entry_id.as_deref(), page.into()),
            all,
        )
    }

    fn get_version(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        store_id: String,
        version_id: String,
    ) -> Out<s::MemoryVersion> {
        run(
            engine(&handle).get_version(&space_id, &store_id, &version_id),
            Into::into,
        )
    }

    fn redact_version(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        store_id: String,
        version_id: String,
    ) -> Out<s::MemoryVersion> {
        run(
            engine(&handle).redact_version(&space_id, &store_id, &version_id),
            Into::into,
        )
    }

    fn memory_tool(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        store_id: String,
        command: String,
    ) -> Out<String> {
        run(
            engine(&handle).memory_tool(&space_id, &store_id, &command),
            |text| text,
        )
    }
}
