//! Bindings: thin adapters from a host's world to the engine. They convert types and map
//! errors; all logic lives in the engine.

#[cfg(feature = "component")]
pub mod component;
