//! Dot-product kernels for the exact vector scan.
//!
//! On `wasm32` built with `simd128` (the project's `.cargo/config.toml` turns it on) the
//! kernels use wasm SIMD: int8 via `i16x8.load8x8_s` / `i16x8.extend` + `i32x4.dot_i16x8`,
//! f32 with four 4-lane accumulators. On `x86_64` the int8 × int16 scan kernel runs on AVX2
//! (`vpmovsxbw` + `vpmaddwd`) when the CPU has it (detected once at run time), else on SSE2
//! code LLVM vectorises from the scalar twin. Everywhere else a **scalar twin** runs. Integer
//! kernels are exact, so every form gives the same result; the f32 twin performs the same
//! arithmetic in the same order (16 partial sums combined the same way), so it is
//! bit-identical too. The Chromium suite and the native tests check both on random data.

/// Integer dot product of two int8 vectors of equal length (extra elements of the longer
/// one are ignored). Exact: 32-bit sums of 8-bit products cannot overflow below 133k dims.
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        simd128::dot_i8(a, b)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        dot_i8_scalar(a, b)
    }
}

/// Integer dot product of int8 components with an int16 query (|q| ≤ 8191: a SIMD lane sums
/// at most a quarter of the products, which cannot overflow 32 bits up to 4,096 dimensions;
/// lanes are added in 64 bits). Exact.
pub fn dot_i8_i16(a: &[i8], q: &[i16]) -> i64 {
    let mut out = [0i64; 1];
    dots_i8_i16(a, a.len().min(q.len()).max(1), q, &mut out);
    out[0]
}

/// The scan kernel: `out[s]` = [`dot_i8_i16`] of vector `s` of `data` (`dims` components
/// each, back to back) with `q`, for every `s < out.len()` that `data` holds in full (the
/// rest of `out` is left as it was). One call covers a block of vectors so the CPU feature
/// check (x86_64) is made once per block and the per-vector kernel is inlined in the loop.
pub fn dots_i8_i16(data: &[i8], dims: usize, q: &[i16], out: &mut [i64]) {
    if dims == 0 {
        return;
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        simd128::dots_i8_i16(data, dims, q, out)
    }
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            unsafe { avx2::dots_i8_i16(data, dims, q, out) }
        } else {
            dots_i8_i16_scalar(data, dims, q, out)
        }
    }
    #[cfg(not(any(
        all(target_arch = "wasm32", target_feature = "simd128"),
        target_arch = "x86_64"
    )))]
    {
        dots_i8_i16_scalar(data, dims, q, out)
    }
}

/// The scalar twin of the int8 × int16 kernel.
pub fn dot_i8_i16_scalar(a: &[i8], q: &[i16]) -> i64 {
    // 16 i32 partial sums (each of at most n/16 products: no overflow), then 64 bits. The
    // fixed-width inner loop is what LLVM vectorises (SSE2 `pmaddwd` on any x86_64).
    let n = a.len().min(q.len());
    let (a, q) = (&a[..n], &q[..n]);
    let mut acc = [0i32; 16];
    let mut chunks_a = a.chunks_exact(16);
    let mut chunks_q = q.chunks_exact(16);
    for (ca, cq) in (&mut chunks_a).zip(&mut chunks_q) {
        for l in 0..16 {
            acc[l] += ca[l] as i32 * cq[l] as i32;
        }
    }
    let mut sum: i64 = acc.iter().map(|x| *x as i64).sum();
    for (x, y) in chunks_a.remainder().iter().zip(chunks_q.remainder()) {
        sum += *x as i64 * *y as i64;
    }
    sum
}

/// The scalar twin of [`dots_i8_i16`].
pub fn dots_i8_i16_scalar(data: &[i8], dims: usize, q: &[i16], out: &mut [i64]) {
    if dims == 0 {
        return;
    }
    for (v, o) in data.chunks_exact(dims).zip(out) {
        *o = dot_i8_i16_scalar(v, q);
    }
}

/// f32 dot product (lane-structured so the SIMD and scalar forms agree bit for bit).
pub fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        simd128::dot_f32(a, b)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        dot_f32_scalar(a, b)
    }
}

/// Which form of the int8 × int16 scan kernel runs here: `simd128`, `avx2` or `scalar`.
pub fn scan_kernel() -> &'static str {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        "simd128"
    }
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            "avx2"
        } else {
            "scalar"
        }
    }
    #[cfg(not(any(
        all(target_arch = "wasm32", target_feature = "simd128"),
        target_arch = "x86_64"
    )))]
    {
        "scalar"
    }
}

/// True when this build scans with wasm SIMD.
pub const SIMD: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

/// The scalar twin of the int8 kernel.
pub fn dot_i8_scalar(a: &[i8], b: &[i8]) -> i32 {
    let n = a.len().min(b.len());
    let mut acc = 0i32;
    for i in 0..n {
        acc += a[i] as i32 * b[i] as i32;
    }
    acc
}

/// The scalar twin of the f32 kernel: 16 partial sums (4 accumulators × 4 lanes), a tail
/// added in order, combined as the SIMD kernel combines its lanes.
pub fn dot_f32_scalar(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let mut acc = [[0f32; 4]; 4];
    let mut i = 0;
    while i + 16 <= n {
        for (k, lanes) in acc.iter_mut().enumerate() {
            for (l, s) in lanes.iter_mut().enumerate() {
                let j = i + 4 * k + l;
                *s += a[j] * b[j];
            }
        }
        i += 16;
    }
    let mut v = [0f32; 4];
    for l in 0..4 {
        v[l] = (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]);
    }
    let mut sum = (v[0] + v[1]) + (v[2] + v[3]);
    while i < n {
        sum += a[i] * b[i];
        i += 1;
    }
    sum
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128 {
    use core::arch::wasm32::*;

    pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
        let n = a.len().min(b.len());
        let mut acc = i32x4_splat(0);
        let mut i = 0;
        while i + 16 <= n {
            let va = load16(&a[i..i + 16]);
            let vb = load16(&b[i..i + 16]);
            let lo = i32x4_dot_i16x8(i16x8_extend_low_i8x16(va), i16x8_extend_low_i8x16(vb));
            let hi = i32x4_dot_i16x8(i16x8_extend_high_i8x16(va), i16x8_extend_high_i8x16(vb));
            acc = i32x4_add(acc, i32x4_add(lo, hi));
            i += 16;
        }
        let mut sum = i32x4_extract_lane::<0>(acc)
            .wrapping_add(i32x4_extract_lane::<1>(acc))
            .wrapping_add(i32x4_extract_lane::<2>(acc))
            .wrapping_add(i32x4_extract_lane::<3>(acc));
        while i < n {
            sum += a[i] as i32 * b[i] as i32;
            i += 1;
        }
        sum
    }

    /// 16 int8 lanes from a slice of exactly 16 (bounds checked by the caller's indexing).
    #[inline(always)]
    fn load16(s: &[i8]) -> v128 {
        assert!(s.len() >= 16);
        // SAFETY: 16 readable bytes (asserted above); `v128_load` allows unaligned addresses.
        unsafe { v128_load(s.as_ptr() as *const v128) }
    }

    /// The scan over a block of vectors (see [`super::dots_i8_i16`]).
    pub fn dots_i8_i16(data: &[i8], dims: usize, q: &[i16], out: &mut [i64]) {
        for (v, o) in data.chunks_exact(dims).zip(out) {
            *o = dot_i8_i16(v, q);
        }
    }

    /// One int8 × int16 dot product: 32 components a step, each group of 8 int8 loaded
    /// sign-extended to int16 (`i16x8.load8x8_s`) and multiplied-added with 8 query lanes
    /// (`i32x4.dot_i16x8`) into two accumulators; no bounds checks inside the loop (the
    /// loop condition keeps every load inside both slices).
    #[inline(always)]
    pub fn dot_i8_i16(a: &[i8], q: &[i16]) -> i64 {
        let n = a.len().min(q.len());
        let (pa, pq) = (a.as_ptr(), q.as_ptr());
        let mut acc0 = i32x4_splat(0);
        let mut acc1 = i32x4_splat(0);
        let mut i = 0;
        while i + 32 <= n {
            // SAFETY: i + 32 ≤ n ≤ a.len(), q.len(): components [i, i + 32) of both are
            // readable; wasm loads allow unaligned addresses.
            unsafe {
                let a0 = i16x8_load_extend_i8x8(pa.add(i));
                let a1 = i16x8_load_extend_i8x8(pa.add(i + 8));
                let a2 = i16x8_load_extend_i8x8(pa.add(i + 16));
                let a3 = i16x8_load_extend_i8x8(pa.add(i + 24));
                let q0 = v128_load(pq.add(i) as *const v128);
                let q1 = v128_load(pq.add(i + 8) as *const v128);
                let q2 = v128_load(pq.add(i + 16) as *const v128);
                let q3 = v128_load(pq.add(i + 24) as *const v128);
                acc0 = i32x4_add(acc0, i32x4_dot_i16x8(a0, q0));
                acc1 = i32x4_add(acc1, i32x4_dot_i16x8(a1, q1));
                acc0 = i32x4_add(acc0, i32x4_dot_i16x8(a2, q2));
                acc1 = i32x4_add(acc1, i32x4_dot_i16x8(a3, q3));
            }
            i += 32;
        }
        while i + 8 <= n {
            // SAFETY: i + 8 ≤ n ≤ a.len(), q.len().
            unsafe {
                let a0 = i16x8_load_extend_i8x8(pa.add(i));
                let q0 = v128_load(pq.add(i) as *const v128);
                acc0 = i32x4_add(acc0, i32x4_dot_i16x8(a0, q0));
            }
            i += 8;
        }
        let mut sum = i32x4_extract_lane::<0>(acc0) as i64
            + i32x4_extract_lane::<1>(acc0) as i64
            + i32x4_extract_lane::<2>(acc0) as i64
            + i32x4_extract_lane::<3>(acc0) as i64
            + i32x4_extract_lane::<0>(acc1) as i64
            + i32x4_extract_lane::<1>(acc1) as i64
            + i32x4_extract_lane::<2>(acc1) as i64
            + i32x4_extract_lane::<3>(acc1) as i64;
        for (x, y) in a[i..n].iter().zip(&q[i..n]) {
            sum += *x as i64 * *y as i64;
        }
        sum
    }

    #[inline(always)]
    fn load4(s: &[f32]) -> v128 {
        assert!(s.len() >= 4);
        // SAFETY: 16 readable bytes (asserted above); `v128_load` allows unaligned addresses.
        unsafe { v128_load(s.as_ptr() as *const v128) }
    }

    pub fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let mut acc = [f32x4_splat(0.0); 4];
        let mut i = 0;
        while i + 16 <= n {
            for (k, s) in acc.iter_mut().enumerate() {
                let j = i + 4 * k;
                *s = f32x4_add(*s, f32x4_mul(load4(&a[j..j + 4]), load4(&b[j..j + 4])));
            }
            i += 16;
        }
        let v = f32x4_add(f32x4_add(acc[0], acc[1]), f32x4_add(acc[2], acc[3]));
        let mut sum = (f32x4_extract_lane::<0>(v) + f32x4_extract_lane::<1>(v))
            + (f32x4_extract_lane::<2>(v) + f32x4_extract_lane::<3>(v));
        while i < n {
            sum += a[i] * b[i];
            i += 1;
        }
        sum
    }
}

/// x86_64 AVX2 form of the int8 × int16 scan kernel (chosen at run time).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use core::arch::x86_64::*;

    /// The scan over a block of vectors (see [`super::dots_i8_i16`]).
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn dots_i8_i16(data: &[i8], dims: usize, q: &[i16], out: &mut [i64]) {
        for (v, o) in data.chunks_exact(dims).zip(out) {
            *o = dot_i8_i16(v, q);
        }
    }

    /// One int8 × int16 dot product: 32 components a step, 16 int8 sign-extended to int16
    /// (`vpmovsxbw`) and multiplied-added with 16 query lanes (`vpmaddwd`), two accumulators.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn dot_i8_i16(a: &[i8], q: &[i16]) -> i64 {
        let n = a.len().min(q.len());
        let (pa, pq) = (a.as_ptr(), q.as_ptr());
        let mut acc0 = _mm256_setzero_si256();
        let mut acc1 = _mm256_setzero_si256();
        let mut i = 0;
        while i + 32 <= n {
            // SAFETY: i + 32 ≤ n ≤ a.len(), q.len(): components [i, i + 32) of both are
            // readable; the loads are the unaligned forms.
            unsafe {
                let a0 = _mm_loadu_si128(pa.add(i) as *const __m128i);
                let a1 = _mm_loadu_si128(pa.add(i + 16) as *const __m128i);
                let q0 = _mm256_loadu_si256(pq.add(i) as *const __m256i);
                let q1 = _mm256_loadu_si256(pq.add(i + 16) as *const __m256i);
                acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(_mm256_cvtepi8_epi16(a0), q0));
                acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(_mm256_cvtepi8_epi16(a1), q1));
            }
            i += 32;
        }
        while i + 16 <= n {
            // SAFETY: i + 16 ≤ n ≤ a.len(), q.len().
            unsafe {
                let a0 = _mm_loadu_si128(pa.add(i) as *const __m128i);
                let q0 = _mm256_loadu_si256(pq.add(i) as *const __m256i);
                acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(_mm256_cvtepi8_epi16(a0), q0));
            }
            i += 16;
        }
        let mut lanes = [0i32; 16];
        // SAFETY: `lanes` has room for two 32-byte stores.
        unsafe {
            _mm256_storeu_si256(lanes.as_mut_ptr() as *mut __m256i, acc0);
            _mm256_storeu_si256(lanes.as_mut_ptr().add(8) as *mut __m256i, acc1);
        }
        let mut sum: i64 = lanes.iter().map(|x| *x as i64).sum();
        for (x, y) in a[i..n].iter().zip(&q[i..n]) {
            sum += *x as i64 * *y as i64;
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_match_a_plain_dot_product() {
        let a: Vec<i8> = (0..389).map(|i| ((i * 37) % 255 - 127) as i8).collect();
        let b: Vec<i8> = (0..389).map(|i| ((i * 91) % 255 - 127) as i8).collect();
        let plain: i32 = a.iter().zip(&b).map(|(x, y)| *x as i32 * *y as i32).sum();
        assert_eq!(dot_i8(&a, &b), plain);
        let x: Vec<f32> = (0..389).map(|i| (i as f32 * 0.37).sin()).collect();
        let y: Vec<f32> = (0..389).map(|i| (i as f32 * 0.11).cos()).collect();
        let plain: f64 = x.iter().zip(&y).map(|(p, q)| *p as f64 * *q as f64).sum();
        assert!((dot_f32(&x, &y) as f64 - plain).abs() < 1e-3);
        assert_eq!(dot_i8(&a[..3], &b), dot_i8_scalar(&a[..3], &b[..3]));
    }

    #[test]
    fn the_scan_kernel_equals_its_scalar_twin_at_every_length_and_extreme() {
        // On x86_64 this runs the AVX2 form when the CPU has it (the dispatcher picks it).
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as i64
        };
        for dims in [
            1usize, 7, 8, 15, 16, 17, 31, 32, 33, 383, 384, 768, 1031, 4096,
        ] {
            let q: Vec<i16> = (0..dims).map(|_| (next() % 16383 - 8191) as i16).collect();
            let data: Vec<i8> = (0..dims * 5).map(|_| (next() % 255 - 127) as i8).collect();
            let mut fast = vec![0i64; 6];
            let mut slow = vec![0i64; 6];
            dots_i8_i16(&data, dims, &q, &mut fast);
            dots_i8_i16_scalar(&data, dims, &q, &mut slow);
            assert_eq!(fast, slow, "{dims} dims");
            assert_eq!(
                fast[5], 0,
                "a slot the data does not fill is left as it was"
            );
            for (s, v) in data.chunks_exact(dims).enumerate() {
                let plain: i64 = v.iter().zip(&q).map(|(x, y)| *x as i64 * *y as i64).sum();
                assert_eq!(fast[s], plain, "{dims} dims, vector {s}");
                assert_eq!(dot_i8_i16(v, &q), plain);
            }
        }
        // The largest sum: 4,096 components at the extremes (past 32 bits in total).
        let a = vec![-127i8; 4096];
        let q = vec![-8191i16; 4096];
        assert_eq!(dot_i8_i16(&a, &q), 4096 * 127 * 8191);
        assert_eq!(dot_i8_i16_scalar(&a, &q), 4096 * 127 * 8191);
    }
}
