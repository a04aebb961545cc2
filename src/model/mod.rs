//! The records memspace stores and returns, and the inputs its operations take.

mod block;
mod context;
mod event;
mod lifecycle;
mod patch;
mod session;
mod space;
mod store;
mod working;

pub use block::{
    ArchivalMatch, ArchivalQuery, BlockChange, BlockListScope, BlockQuery, BlockScope,
    BlockVersion, BlockWrite, MemoryBlock,
};
pub use context::{
    ArchivalMode, BlockSnapshot, ContextPart, ContextPartKind, ContextRequest, MemoryContext,
    MemoryPolicy,
};
pub use event::{Emitter, Event, EventQuery, EventUpdate, NewEvent};
pub use lifecycle::{
    ExtractionJob, LifecycleStrategy, LlmSettings, StrategyExecution, StrategyOpts, StrategyType,
    Trigger,
};
pub use patch::Patch;
pub use session::{NewSession, Session, SessionFilter, SessionUpdate};
pub use space::{NewSpace, Page, Principal, Space, SpaceQuery, SpaceUpdate, TagMatch};
pub use store::{
    EntryPrecondition, EntryUpdate, MemoryEntry, MemoryStore, MemoryVersion, Metadata,
    MetadataPatch, NewEntry, NewStore, StoreStatus, StoreUpdate, VersionAction,
};
pub use working::{ContextEntry, SessionTouch};
