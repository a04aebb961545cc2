//! Extraction: turning conversations into memories with the host's LLM, exactly once.
//!
//! An `extract_memories` strategy (or `commit_session`) queues a job in the outbox with the
//! session-head commit that fires it ([`jobs`]). `run_extraction` claims due jobs under a
//! lease, reads the job's events in chunks that fit a token budget, asks the LLM for
//! structured memories, validates the answer, and commits each chunk's memories through the
//! memory write path **together with the job's progress**, so a chunk's memories exist iff
//! the job says the chunk is done. A session whose strategy soft-deletes it stays hidden
//! until its job is done, then is soft-deleted. See docs/extraction.md.

pub(crate) mod commit;
pub(crate) mod finalize;
pub(crate) mod jobs;
pub(crate) mod limits;
pub(crate) mod output;
pub(crate) mod prompt;
pub(crate) mod read;
pub(crate) mod run;
pub(crate) mod write;
