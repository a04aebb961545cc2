//! The records memspace stores and returns, and the inputs its operations take.

mod event;
mod job;
mod lifecycle;
mod patch;
mod session;
mod space;
mod store;

pub use event::{Emitter, Event, EventQuery, EventUpdate, NewEvent};
pub use job::{
    CommitOptions, CommitReport, ExtractionJob, ExtractionOptions, ExtractionStats, JobCursor,
    JobError, JobFilter, JobKind, JobOutcome, JobStatus, LlmSettings, PruneOptions, RunOptions,
    RunReport,
};
pub use lifecycle::{LifecycleStrategy, StrategyExecution, StrategyOpts, StrategyType, Trigger};
pub use patch::Patch;
pub use session::{NewSession, Session, SessionFilter, SessionUpdate};
pub use space::{NewSpace, Page, Principal, Space, SpaceUpdate};
pub use store::{
    EntryPrecondition, EntryUpdate, MemoryEntry, MemoryStore, MemoryVersion, Metadata,
    MetadataPatch, NewEntry, NewStore, StoreStatus, StoreUpdate, VersionAction,
};
