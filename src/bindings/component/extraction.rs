//! The exported `extraction` interface: running jobs, `commit-session`, and listing,
//! getting, retrying and pruning jobs through a borrowed `memspace` handle. Each function
//! converts, runs the engine operation and converts back; nothing else.

use super::convert::all;
use super::exports::memspace::memory::extraction::{self as w, Guest};
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
    fn run_extraction(handle: MemspaceBorrow<'_>, options: w::RunOptions) -> Out<w::RunReport> {
        run(engine(&handle).run_extraction(options.into()), Into::into)
    }

    fn commit_session(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        session_id: String,
        options: w::CommitOptions,
    ) -> Out<w::CommitReport> {
        let ms = engine(&handle);
        with(
            options.try_into(),
            |o| ms.commit_session(&space_id, &session_id, o),
            Into::into,
        )
    }

    fn list_extraction_jobs(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        filter: w::JobFilter,
    ) -> Out<Vec<w::ExtractionJob>> {
        run(
            engine(&handle).list_extraction_jobs(&space_id, filter.into()),
            all,
        )
    }

    fn get_extraction_job(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        job_id: String,
    ) -> Out<w::ExtractionJob> {
        run(
            engine(&handle).get_extraction_job(&space_id, &job_id),
            Into::into,
        )
    }

    fn retry_extraction_job(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        job_id: String,
    ) -> Out<w::ExtractionJob> {
        run(
            engine(&handle).retry_extraction_job(&space_id, &job_id),
            Into::into,
        )
    }

    fn prune_extraction_jobs(
        handle: MemspaceBorrow<'_>,
        space_id: String,
        options: w::PruneOptions,
    ) -> Out<u64> {
        run(
            engine(&handle).prune_extraction_jobs(&space_id, options.into()),
            |n| n,
        )
    }
}
