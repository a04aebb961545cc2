//! The exported `recall` interface: recall, reflect, reindex and the index check through a
//! borrowed `memspace` handle. Each function converts, runs the engine operation and converts
//! back; nothing else.

use super::exports::memspace::memory::memory::MemspaceBorrow;
use super::exports::memspace::memory::recall::{self as w, Guest};
use super::memory::{run, with, MemspaceResource};
use super::memspace::memory::types as t;
use super::Component;

type Out<T> = std::result::Result<T, t::Error>;

/// The engine behind a borrowed handle.
fn engine<'a>(handle: &'a MemspaceBorrow<'_>) -> &'a crate::Memspace {
    &handle.get::<MemspaceResource>().engine
}

impl Guest for Component {
    fn recall(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        query: w::RecallQuery,
    ) -> Out<w::RecallResult> {
        let ms = engine(&handle);
        with(query.try_into(), |q| ms.recall(&space_id, q), Into::into)
    }

    fn reflect(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        query: String,
        max_tokens: Option<u32>,
        include_sources: Option<bool>,
    ) -> Out<w::ReflectResult> {
        run(
            engine(&handle).reflect(&space_id, &query, max_tokens, include_sources),
            Into::into,
        )
    }

    fn reindex(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        options: w::ReindexOptions,
    ) -> Out<w::ReindexProgress> {
        run(
            engine(&handle).reindex(&space_id, options.into()),
            Into::into,
        )
    }

    fn check_index(handle: MemspaceBorrow<'_>, space_id: String) -> Out<w::IndexCheck> {
        run(engine(&handle).check_index(&space_id), Into::into)
    }
}
