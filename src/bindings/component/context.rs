//! The exported `agent-context` interface: core blocks, the per-turn memory context, working
//! context and workspaces, through a borrowed `memspace` handle. Each function converts, runs
//! the engine operation and converts back; nothing else.

use super::convert::all;
use super::convert_context::value;
use super::exports::memspace::memory::agent_context::{self as c, Guest};
use super::exports::memspace::memory::memory::MemspaceBorrow;
use super::memory::{run, with, MemspaceResource};
use super::memspace::memory::types as w;
use super::Component;
use crate::time::Timestamp;

type Out<T> = std::result::Result<T, w::Error>;

/// The engine behind a borrowed handle.
fn engine<'a>(handle: &'a MemspaceBorrow<'_>) -> &'a crate::Memspace {
    &handle.get::<MemspaceResource>().engine
}

impl Guest for Component {
    fn update_block(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        block_type: String,
        write: c::BlockWrite,
    ) -> Out<c::MemoryBlock> {
        run(
            engine(&handle).update_block(&space_id, &block_type, write.into()),
            Into::into,
        )
    }

    fn get_block(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        block_type: String,
        agent_id: Option<String>,
    ) -> Out<c::MemoryBlock> {
        run(
            engine(&handle).get_block(&space_id, &block_type, agent_id.as_deref()),
            Into::into,
        )
    }

    fn list_blocks(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        query: c::BlockQuery,
    ) -> Out<Vec<c::MemoryBlock>> {
        run(engine(&handle).list_blocks(&space_id, query.into()), all)
    }

    fn delete_block(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        block_type: String,
        agent_id: Option<String>,
        expected_updated_at: Option<w::Timestamp>,
    ) -> Out<()> {
        run(
            engine(&handle).delete_block(
                &space_id,
                &block_type,
                agent_id.as_deref(),
                expected_updated_at.map(Timestamp),
            ),
            |()| (),
        )
    }

    fn list_block_versions(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        block_type: String,
        agent_id: Option<String>,
        page: w::Page,
    ) -> Out<Vec<c::BlockVersion>> {
        run(
            engine(&handle).list_block_versions(
                &space_id,
                &block_type,
                agent_id.as_deref(),
                page.into(),
            ),
            all,
        )
    }

    fn recall_archival(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        query: c::ArchivalQuery,
    ) -> Out<Vec<c::ArchivalMatch>> {
        run(
            engine(&handle).recall_archival(&space_id, query.into()),
            all,
        )
    }

    fn context_for(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        request: c::ContextRequest,
    ) -> Out<c::MemoryContext> {
        run(
            engine(&handle).context_for(&space_id, request.into()),
            Into::into,
        )
    }

    fn set_context(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        session_id: String,
        key: String,
        value_json: w::Json,
        ttl_seconds: Option<u64>,
    ) -> Out<c::ContextEntry> {
        let ms = engine(&handle);
        with(
            value(&value_json),
            |v| ms.set_context(&space_id, &session_id, &key, v, ttl_seconds),
            Into::into,
        )
    }

    fn get_context(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        session_id: String,
        keys: Vec<String>,
    ) -> Out<Vec<c::ContextEntry>> {
        run(
            engine(&handle).get_context(&space_id, &session_id, &keys),
            all,
        )
    }

    fn delete_context(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        session_id: String,
        key: String,
    ) -> Out<bool> {
        run(
            engine(&handle).delete_context(&space_id, &session_id, &key),
            |b| b,
        )
    }

    fn touch_session(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        session_id: String,
    ) -> Out<c::SessionTouch> {
        run(
            engine(&handle).touch_session(&space_id, &session_id),
            Into::into,
        )
    }

    fn find_spaces(handle: MemspaceBorrow<'_>, query: c::SpaceQuery) -> Out<Vec<w::Space>> {
        run(engine(&handle).find_spaces(query.into()), all)
    }

    fn space_by_key(handle: MemspaceBorrow<'_>, key: String) -> Out<Option<w::Space>> {
        run(engine(&handle).space_by_key(&key), |s| s.map(Into::into))
    }

    fn workspace_schema(handle: MemspaceBorrow<'_>, space_id: String) -> Out<c::SpaceSchema> {
        run(engine(&handle).workspace_schema(&space_id), Into::into)
    }

    fn briefing(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        query: c::BriefingQuery,
    ) -> Out<c::SpaceBriefing> {
        run(
            engine(&handle).briefing(&space_id, query.into()),
            Into::into,
        )
    }
}
