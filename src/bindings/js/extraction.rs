//! Extraction on the `Memspace` class (a third `#[wasm_bindgen] impl` block of the class):
//! running jobs, `commitSession`, and listing, getting, retrying and pruning jobs.

use super::convert;
use super::memspace::{args, id, run, JsMemspace};
use js_sys::Promise;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(js_class = Memspace)]
impl JsMemspace {
    /// Claims and runs due extraction jobs: `{ limit, spaceId, leaseSecs, chunkTokens }`.
    #[wasm_bindgen(js_name = runExtraction)]
    pub fn run_extraction(&self, options: JsValue) -> Promise {
        let (opts,) = args!(convert::from_js("options", &options));
        let ms = self.inner.clone();
        run(async move { ms.run_extraction(opts).await })
    }

    /// Extracts memories from a session now: `{ minImportance, deduplicate, categories,
    /// maxMemories, agentId, metadata }`.
    #[wasm_bindgen(js_name = commitSession)]
    pub fn commit_session(
        &self,
        space_id: JsValue,
        session_id: JsValue,
        options: JsValue,
    ) -> Promise {
        let (space_id, session_id, opts) = args!(
            id("spaceId", &space_id),
            id("sessionId", &session_id),
            convert::from_js("options", &options)
        );
        let ms = self.inner.clone();
        run(async move { ms.commit_session(&space_id, &session_id, opts).await })
    }

    /// Extraction jobs of a space: `{ status, sessionId, offset, limit }`.
    #[wasm_bindgen(js_name = listExtractionJobs)]
    pub fn list_extraction_jobs(&self, space_id: JsValue, filter: JsValue) -> Promise {
        let (space_id, filter) = args!(
            id("spaceId", &space_id),
            convert::from_js("filter", &filter)
        );
        let ms = self.inner.clone();
        run(async move { ms.list_extraction_jobs(&space_id, filter).await })
    }

    /// One extraction job.
    #[wasm_bindgen(js_name = getExtractionJob)]
    pub fn get_extraction_job(&self, space_id: JsValue, job_id: JsValue) -> Promise {
        let (space_id, job_id) = args!(id("spaceId", &space_id), id("jobId", &job_id));
        let ms = self.inner.clone();
        run(async move { ms.get_extraction_job(&space_id, &job_id).await })
    }

    /// Puts a failed job back in the queue.
    #[wasm_bindgen(js_name = retryExtractionJob)]
    pub fn retry_extraction_job(&self, space_id: JsValue, job_id: JsValue) -> Promise {
        let (space_id, job_id) = args!(id("spaceId", &space_id), id("jobId", &job_id));
        let ms = self.inner.clone();
        run(async move { ms.retry_extraction_job(&space_id, &job_id).await })
    }

    /// Removes finished jobs: `{ finishedBefore, includeFailed, limit }`; resolves to the count.
    #[wasm_bindgen(js_name = pruneExtractionJobs)]
    pub fn prune_extraction_jobs(&self, space_id: JsValue, options: JsValue) -> Promise {
        let (space_id, opts) = args!(
            id("spaceId", &space_id),
            convert::from_js("options", &options)
        );
        let ms = self.inner.clone();
        run(async move { ms.prune_extraction_jobs(&space_id, opts).await })
    }
}
