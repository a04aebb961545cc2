//! Bindings: thin adapters from host languages to the engine. No logic lives here; types are
//! converted and errors mapped, nothing else.

#[cfg(all(feature = "js", target_arch = "wasm32"))]
pub mod js;

#[cfg(feature = "component")]
mod component;
