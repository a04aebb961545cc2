//! The exported `memory` interface: the `memspace` resource, one engine handle per principal.
//! Each method converts its inputs, runs the engine operation to completion and converts
//! the result; nothing else.

use super::convert::{self, all, try_all};
use super::exports::memspace::memory::memory::{Guest, GuestMemspace, Memspace as MemspaceHandle};
use super::host::ImportedHost;
use super::kv::HostKv;
use super::memspace::memory::types as w;
use super::Component;
use crate::error::Result;
use crate::runtime::block_on;
use std::future::Future;
use std::rc::Rc;

impl Guest for Component {
    type Memspace = MemspaceResource;
}

/// The state behind one `memspace` resource: an engine handle over the imported KV and host.
pub struct MemspaceResource {
    pub(super) engine: crate::Memspace,
}

/// Runs an engine operation to completion and converts its outcome.
pub(super) fn run<T, U>(
    op: impl Future<Output = Result<T>>,
    out: impl FnOnce(T) -> U,
) -> std::result::Result<U, w::Error> {
    block_on(op)
        .and_then(|r| r)
        .map(out)
        .map_err(convert::error)
}

/// Converts an input, then runs the operation on it.
pub(super) fn with<I, T, U, F>(
    input: Result<I>,
    op: impl FnOnce(I) -> F,
    out: impl FnOnce(T) -> U,
) -> std::result::Result<U, w::Error>
where
    F: Future<Output = Result<T>>,
{
    let input = input.map_err(convert::error)?;
    run(op(input), out)
}

impl GuestMemspace for MemspaceResource {
    fn open(principal: w::Principal) -> std::result::Result<MemspaceHandle, w::Error> {
        let mut engine =
            crate::Memspace::new(Rc::new(HostKv), Rc::new(ImportedHost), principal.into())
                .map_err(convert::error)?;
        if let Some(e) = super::embedding::ImportedEmbedder::probe() {
            engine = engine.with_embedder(Rc::new(e));
        }
        if super::llm::available() {
            engine = engine.with_llm(Rc::new(super::llm::ImportedLlm));
        }
        Ok(MemspaceHandle::new(MemspaceResource { engine }))
    }

    fn principal(&self) -> w::Principal {
        self.engine.principal().clone().into()
    }

    fn create_space(&self, input: w::NewSpace) -> std::result::Result<w::Space, w::Error> {
        let ms = &self.engine;
        with(input.try_into(), |i| ms.create_space(i), Into::into)
    }

    fn list_spaces(&self, page: w::Page) -> std::result::Result<Vec<w::Space>, w::Error> {
        run(self.engine.list_spaces(page.into()), all)
    }

    fn get_space(&self, id: String) -> std::result::Result<w::Space, w::Error> {
        run(self.engine.get_space(&id), Into::into)
    }

    fn update_space(
        &self,
        id: String,
        update: w::SpaceUpdate,
    ) -> std::result::Result<w::Space, w::Error> {
        let ms = &self.engine;
        with(update.try_into(), |u| ms.update_space(&id, u), Into::into)
    }

    fn delete_space(&self, id: String) -> std::result::Result<(), w::Error> {
        run(self.engine.delete_space(&id), |()| ())
    }

    fn restore_space(&self, id: String) -> std::result::Result<w::Space, w::Error> {
        run(self.engine.restore_space(&id), Into::into)
    }

    fn create_session(
        &self,
        space_id: String,
        input: w::NewSession,
    ) -> std::result::Result<w::Session, w::Error> {
        with(
            input.try_into(),
            |i| self.engine.create_session(&space_id, i),
            Into::into,
        )
    }

    fn list_sessions(
        &self,
        space_id: String,
        filter: w::SessionFilter,
    ) -> std::result::Result<Vec<w::Session>, w::Error> {
        run(self.engine.list_sessions(&space_id, filter.into()), all)
    }

    fn get_session(
        &self,
        space_id: String,
        session_id: String,
    ) -> std::result::Result<w::Session, w::Error> {
        run(self.engine.get_session(&space_id, &session_id), Into::into)
    }

    fn update_session(
        &self,
        space_id: String,
        session_id: String,
        update: w::SessionUpdate,
    ) -> std::result::Result<w::Session, w::Error> {
        with(
            update.try_into(),
            |u| self.engine.update_session(&space_id, &session_id, u),
            Into::into,
        )
    }

    fn delete_session(
        &self,
        space_id: String,
        session_id: String,
    ) -> std::result::Result<(), w::Error> {
        run(self.engine.delete_session(&space_id, &session_id), |()| ())
    }

    fn post_event(
        &self,
        space_id: String,
        session_id: String,
        event: w::NewEvent,
    ) -> std::result::Result<w::Event, w::Error> {
        with(
            event.try_into(),
            |e| self.engine.post_event(&space_id, &session_id, e),
            Into::into,
        )
    }

    fn post_events(
        &self,
        space_id: String,
        session_id: String,
        events: Vec<w::NewEvent>,
    ) -> std::result::Result<Vec<w::Event>, w::Error> {
        with(
            try_all(events),
            |e| self.engine.post_events(&space_id, &session_id, e),
            all,
        )
    }

    fn list_events(
        &self,
        space_id: String,
        session_id: String,
        query: w::EventQuery,
    ) -> std::result::Result<Vec<w::Event>, w::Error> {
        run(
            self.engine
                .list_events(&space_id, &session_id, query.into()),
            all,
        )
    }

    fn update_event(
        &self,
        space_id: String,
        session_id: String,
        update: w::EventUpdate,
    ) -> std::result::Result<w::Event, w::Error> {
        with(
            update.try_into(),
            |u| self.engine.update_event(&space_id, &session_id, u),
            Into::into,
        )
    }

    fn update_events(
        &self,
        space_id: String,
        session_id: String,
        updates: Vec<w::EventUpdate>,
    ) -> std::result::Result<Vec<w::Event>, w::Error> {
        with(
            try_all(updates),
            |u| self.engine.update_events(&space_id, &session_id, u),
            all,
        )
    }

    fn delete_event(
        &self,
        space_id: String,
        session_id: String,
        sequence_id: u64,
    ) -> std::result::Result<(), w::Error> {
        run(
            self.engine
                .delete_event(&space_id, &session_id, sequence_id),
            |()| (),
        )
    }

    fn sweep(&self, limit: u32) -> std::result::Result<w::SweepReport, w::Error> {
        run(self.engine.sweep(limit as usize), Into::into)
    }

    fn verify_space(&self, id: String) -> std::result::Result<w::VerifyReport, w::Error> {
        run(self.engine.verify_space(&id), Into::into)
    }
}
