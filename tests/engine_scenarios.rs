//! The engine's behavioural scenarios on the memory backend (the same scenarios run on
//! IndexedDB and the JS adapter in Chromium: tests/browser.rs).

mod scenarios;

use memspace::kv::{Kv, MemoryKv};
use memspace::runtime::block_on;
use std::rc::Rc;

fn memory() -> Rc<dyn Kv> {
    Rc::new(MemoryKv::new())
}

#[test]
fn every_scenario_passes_on_memory() {
    let ran = block_on(scenarios::run_all(|_| async { memory() }))
        .unwrap()
        .unwrap();
    assert_eq!(ran, scenarios::SCENARIOS.len());
}

#[test]
fn unknown_scenarios_are_reported() {
    assert!(block_on(scenarios::run_one("nope", memory()))
        .unwrap()
        .is_err());
}
