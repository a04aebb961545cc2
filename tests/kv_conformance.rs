//! The Kv conformance suite on the native backends (IndexedDB and the JS adapter run it in
//! Chromium: tests/browser.rs).

use memspace::kv::{conformance, faulty::FaultyKv, MemoryKv};
use memspace::runtime::block_on;

#[test]
fn memory_kv_passes_the_conformance_suite() {
    let kv = MemoryKv::new();
    let ran = block_on(conformance::run_all(&kv, b"t")).unwrap().unwrap();
    assert_eq!(ran, conformance::CHECKS.len());
}

#[test]
fn atomic_faulty_kv_without_faults_passes_the_conformance_suite() {
    let kv = FaultyKv::new(MemoryKv::new(), true);
    block_on(conformance::run_all(&kv, b"t")).unwrap().unwrap();
}

#[test]
fn every_check_is_reachable_by_name() {
    for name in conformance::CHECKS {
        let kv = MemoryKv::new();
        block_on(conformance::run_one(&kv, name, b"p/"))
            .unwrap()
            .unwrap();
    }
    let kv = MemoryKv::new();
    assert!(block_on(conformance::run_one(&kv, "nope", b"p/"))
        .unwrap()
        .is_err());
}
