//! Dot-product kernels for the exact vector scan.
//!
//! On `wasm32` built with `simd128` (the project's `.cargo/config.toml` turns it on) the
//! kernels use wasm SIMD: int8 via `i16x8.extend` + `i32x4.dot_i16x8`, f32 with four
//! 4-lane accumulators. Everywhere else a **scalar twin** runs that performs the same
//! arithmetic in the same order (16 partial sums combined the same way), so both give
//! bit-identical results; the Chromium suite checks that on random data.

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

/// Integer dot product of int8 components with an int16 query (|q| ≤ 8191, so 32-bit lane
/// sums cannot overflow up to 4,096 dimensions). Exact.
pub fn dot_i8_i16(a: &[i8], q: &[i16]) -> i32 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        simd128::dot_i8_i16(a, q)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        dot_i8_i16_scalar(a, q)
    }
}

/// The scalar twin of the int8 × int16 kernel.
pub fn dot_i8_i16_scalar(a: &[i8], q: &[i16]) -> i32 {
    let n = a.len().min(q.len());
    let mut acc = 0i32;
    for i in 0..n {
        acc += a[i] as i32 * q[i] as i32;
    }
    acc
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

    /// 8 int16 lanes from a slice of at least 8.
    #[inline(always)]
    fn load8(s: &[i16]) -> v128 {
        assert!(s.len() >= 8);
        // SAFETY: 16 readable bytes (asserted above); `v128_load` allows unaligned addresses.
        unsafe { v128_load(s.as_ptr() as *const v128) }
    }

    pub fn dot_i8_i16(a: &[i8], q: &[i16]) -> i32 {
        let n = a.len().min(q.len());
        let mut acc = i32x4_splat(0);
        let mut i = 0;
        while i + 16 <= n {
            let va = load16(&a[i..i + 16]);
            let lo = i32x4_dot_i16x8(i16x8_extend_low_i8x16(va), load8(&q[i..i + 8]));
            let hi = i32x4_dot_i16x8(i16x8_extend_high_i8x16(va), load8(&q[i + 8..i + 16]));
            acc = i32x4_add(acc, i32x4_add(lo, hi));
            i += 16;
        }
        let mut sum = i32x4_extract_lane::<0>(acc)
            .wrapping_add(i32x4_extract_lane::<1>(acc))
            .wrapping_add(i32x4_extract_lane::<2>(acc))
            .wrapping_add(i32x4_extract_lane::<3>(acc));
        while i < n {
            sum += a[i] as i32 * q[i] as i32;
            i += 1;
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
}
