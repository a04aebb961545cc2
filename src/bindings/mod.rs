//! Bindings: thin adapters from host languages to the engine. No logic lives here; types are
//! converted and errors mapped, nothing else.

#[cfg(all(feature = "js-core", target_arch = "wasm32"))]
pub mod js;

// Natively only in unit tests: a native cdylib (built when the crate's own tests depend on it
// for the test-support feature) cannot link the component's `pkg:iface/name` export symbols.
#[cfg(all(feature = "component", any(test, target_arch = "wasm32")))]
mod component;
