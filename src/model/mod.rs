//! The records memspace stores and returns, and the inputs its operations take.

mod association;
mod block;
mod briefing;
mod context;
mod event;
mod job;
mod lifecycle;
mod memory;
mod patch;
mod recall;
mod session;
mod space;
mod store;
mod verify;
mod working;

pub use association::{
    is_relationship_type, relationship_types, Association, AssociationQuery, AssociationUpdate,
    Direction, GraphPath, NewAssociation, RelationshipType, Traversal, TraverseQuery,
    RELATIONSHIP_TYPES,
};
pub use block::{
    ArchivalMatch, ArchivalQuery, BlockChange, BlockListScope, BlockQuery, BlockScope,
    BlockVersion, BlockWrite, MemoryBlock,
};
pub use briefing::{ActiveSession, Briefing, BriefingQuery, BriefingSummary, Contradiction};
pub use context::{
    ArchivalMode, BlockSnapshot, ContextPart, ContextPartKind, ContextRequest, MemoryContext,
    MemoryPolicy,
};
pub use event::{Emitter, Event, EventQuery, EventUpdate, NewEvent};
pub use job::{
    CommitOptions, CommitReport, ExtractionJob, ExtractionOptions, ExtractionStats, JobCursor,
    JobError, JobFilter, JobKind, JobOutcome, JobStatus, LlmSettings, PruneOptions, RunOptions,
    RunReport,
};
pub use lifecycle::{LifecycleStrategy, StrategyExecution, StrategyOpts, StrategyType, Trigger};
pub use memory::{
    BatchOp, BatchOpResult, BatchOpStatus, BatchResult, Memory, MemoryChange, MemoryFilter,
    MemoryStats, MemoryStatus, MemorySubtype, MemoryTrace, MemoryType, MemoryUpdate, NewMemory,
    Provenance, Remembered,
};
pub use patch::Patch;
pub use recall::{
    BudgetSummary, ChannelScore, IndexCheck, RecallExplain, RecallMode, RecallQuery, RecallResult,
    RecalledMemory, ReflectResult, ReindexOptions, ReindexProgress, Tolerance,
};
pub use session::{NewSession, Session, SessionFilter, SessionUpdate};
pub use space::{
    NewSpace, Page, Principal, Space, SpaceQuery, SpaceUpdate, TagMatch, WorkspaceSchema,
};
pub use store::{
    EntryPrecondition, EntryUpdate, MemoryEntry, MemoryStore, MemoryVersion, Metadata,
    MetadataPatch, NewEntry, NewStore, StoreStatus, StoreUpdate, VersionAction,
};
pub use verify::{Problem, ProblemKind, VerifyReport};
pub use working::{ContextEntry, SessionTouch};
