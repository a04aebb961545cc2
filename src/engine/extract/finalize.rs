//! Soft delete after extraction: a session hidden for its job is soft-deleted once the job is
//! done (or given up on), in a session-head commit of its own; `run_extraction` keeps the
//! job in its queue until that commit has landed, so a crash in between is finished later.

use crate::engine::{layout, Memspace};
use crate::error::Result;
use crate::kv::Batch;
use crate::model::{ExtractionJob, Space};

impl Memspace {
    /// Soft-deletes the session `job` hid (if it still waits for this job). Returns true when
    /// this call deleted it.
    pub(crate) async fn delete_hidden_session(
        &self,
        space: &Space,
        job: &ExtractionJob,
    ) -> Result<bool> {
        let key = layout::session(&space.id, &job.session_id);
        let Some((rec, bytes)) = self.load_head(&key).await? else {
            return Ok(false);
        };
        let waits = rec
            .awaiting_extraction
            .as_ref()
            .is_some_and(|a| a.job_id == job.id);
        if !waits || rec.session.deleted_at.is_some() {
            return Ok(false);
        }
        let mut new = rec.clone();
        new.awaiting_extraction = None;
        new.session.deleted_at = Some(self.host.now());
        let batch = self.session_batch(Batch::new(), Some((&rec, &bytes)), &mut new, &[])?;
        self.commit(batch).await?;
        Ok(true)
    }
}
