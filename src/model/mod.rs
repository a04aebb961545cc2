//! The records memspace stores and returns, and the inputs its operations take.

mod event;
mod lifecycle;
mod patch;
mod session;
mod space;

pub use event::{Emitter, Event, EventQuery, EventUpdate, NewEvent};
pub use lifecycle::{
    ExtractionJob, LifecycleStrategy, LlmSettings, StrategyExecution, StrategyOpts, StrategyType,
    Trigger,
};
pub use patch::Patch;
pub use session::{NewSession, Session, SessionFilter, SessionUpdate};
pub use space::{NewSpace, Page, Principal, Space, SpaceUpdate};
