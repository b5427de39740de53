/* nn_math.h -- vectorizable float32 exp, tanh and sigmoid for the nn kernels (not a public header).
 *
 * glibc's expf/tanhf do not vectorize without -ffast-math (docs/performance.md), so the float32 softmax and
 * activations use these branch-free versions instead; GCC vectorizes loops that call them (selects, no
 * branches, integer exponent arithmetic). The float64 losses use libm's exp (scalar); the float64
 * activations use vecmath.h. Accuracy, measured against double-precision libm on every 101st float32
 * bit pattern:
 * po_nn_expf within 0.97 ulp on [-87, 88], po_nn_tanhf within 1.3 ulp; exp(x) is 0 below -103.9
 * (correctly rounded subnormals above), +inf above 88.73; NaN propagates. tests/kernels/test_nn_kernels.py
 * checks sigmoid and tanh to 3e-7 relative over [-110, 100].
 *
 * Algorithm (Cephes expf, S. Moshier): exp(x) = 2^n exp(r), n = round(x log2 e), r = x - n ln2 in
 * [-ln2/2, ln2/2] (ln2 split in two parts for an exact reduction), exp(r) = 1 + r + r^2 P(r) with a
 * degree-5 minimax P. 2^n is applied as 2^(n>>1) 2^(n - (n>>1)) so gradual underflow and overflow to
 * inf come out right without a special case.
 */
#ifndef PYOPTIM_NN_MATH_H
#define PYOPTIM_NN_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>
#include "compat.h"

/* The compute-bound float32 loops carry PO_TARGET_CLONES (compat.h; docs/performance.md: AVX2/AVX-512
 * clones picked at load time, an SSE2 baseline otherwise). -std=c11 implies -ffp-contract=off, so no
 * clone fuses a multiply-add by itself: these loops give the same bits on every ISA; only the vector
 * width of the in-row sums differs between machines (never between thread counts). The float64
 * tanh/sigmoid of vecmath.h are the exception by design: explicit fma() on CPUs that have it (within
 * 3 ulp of the portable path's result; PYOPTIM_NO_FMA=1 forces the portable path). */

static inline float po_nn_pow2i(int32_t k)    /* 2^k for k in [-126, 127] */
{
    uint32_t bits = (uint32_t)(k + 127) << 23;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* The Cephes core shared by both exps: for x in [-104, 89], exp(x) = 2^n m with n = round(x log2 e)
 * (returned through *n) and m = exp(r) = 1 + r + r^2 P(r), r = x - n ln2 in [-ln2/2, ln2/2]. */
static inline float po_nn_exp_mantissa(float x, int32_t *n_out)
{
    /* n = round(x log2 e): add and subtract 1.5 * 2^23 (round to nearest, ties even) */
    float t = x * 1.44269504088896341f + 12582912.0f;
    float n = t - 12582912.0f;
    float r = x - n * 0.693359375f;                  /* ln2 = C1 - C2, C1 exact in 9 bits */
    r = r + n * 2.12194440e-4f;
    float z = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    *n_out = (int32_t)n;
    return p * z + r + 1.0f;
}

static inline float po_nn_expf(float x)
{
    const float lo = -104.0f, hi = 89.0f;
    float xc = x < lo ? lo : x;
    xc = xc > hi ? hi : xc;
    xc = (x == x) ? xc : 0.0f;                       /* NaN: compute on 0, return x below */
    int32_t ni;
    float y = po_nn_exp_mantissa(xc, &ni);
    int32_t n1 = ni / 2;                             /* 2^n in two halves: gradual underflow, overflow */
    y = y * po_nn_pow2i(n1) * po_nn_pow2i(ni - n1);
    return (x == x) ? y : x;
}

/* exp(y) for y in [0, 20] only (tanh's argument): no clamps, no NaN select, and 2^n in one factor, which
 * this range allows (n <= 29). The same bits as po_nn_expf on [0, 20]: scaling by a power of two is exact
 * in both. */
static inline float po_nn_exp_0_20(float y)
{
    int32_t n;
    float e = po_nn_exp_mantissa(y, &n);
    return e * po_nn_pow2i(n);
}

/* tanh(x): Cephes tanhf. |x| < 0.625: x + x^3 Q(x^2); otherwise sign(x) (1 - 2 / (exp(2|x|) + 1)), with
 * 2|x| capped at 20 (beyond |x| = 9 the result is +-1 in float32 either way). Checked bit-identical to the
 * uncapped form with po_nn_expf on every 7th float32 bit pattern (NaN in, NaN out); 20% faster. */
static inline float po_nn_tanhf(float x)
{
    float ax = fabsf(x);
    float y = 2.0f * ax;
    y = y < 20.0f ? y : 20.0f;                       /* NaN and inf go to 20; NaN is restored below */
    float e = po_nn_exp_0_20(y);
    float big = 1.0f - 2.0f / (e + 1.0f);
    big = x < 0.0f ? -big : big;
    float z = x * x;
    float q = -5.70498872745e-3f;
    q = q * z + 2.06390887954e-2f;
    q = q * z - 5.37397155531e-2f;
    q = q * z + 1.33314422036e-1f;
    q = q * z - 3.33332819422e-1f;
    float small = q * z * x + x;
    float r = ax < 0.625f ? small : big;
    r = copysignf(r, x);                             /* tanh(-0) = -0 (x + x^3 Q rounds -0 to +0) */
    return x == x ? r : x;
}

/* sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, e = exp(-|x|) <= 1: never overflows,
 * and keeps full relative accuracy down to the subnormal outputs of very negative x (where the naive
 * 1 / (1 + exp(-x)) flushes to 0). */
static inline float po_nn_sigmoidf(float x)
{
    float e = po_nn_expf(-fabsf(x));
    float r = 1.0f / (1.0f + e);
    return x >= 0.0f ? r : e * r;                    /* NaN: e * r is NaN */
}

#endif /* PYOPTIM_NN_MATH_H */
