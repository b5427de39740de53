/* vecmath.h -- vectorizable float64 exp/expm1, tanh and sigmoid, and a leaner float32 sigmoid, for the
 * activation kernels (layers.c). Not a public header.
 *
 * Why: glibc's exp/tanh do not vectorize (PERF.md), and calling them per element made float64 tanh and
 * sigmoid 3-5x slower than torch's vectorized kernels. Every function here is branch-free straight-line
 * code (selects, integer exponent arithmetic on the bits), so GCC vectorizes a plain loop that calls it
 * (checked with -fopt-info-vec: layers_tmpl.h's activation loops report "loop vectorized").
 *
 * No fused multiply-add: the build is -std=c11, which implies -ffp-contract=off, and nothing here calls
 * fma(). Every multiply and add rounds on its own, so the baseline (SSE2), AVX2 and AVX-512 clones of
 * compat.h's PO_TARGET_CLONES return the same bits, and so does any thread count (the results are
 * elementwise). Measured cost of that choice in float64 tanh/sigmoid (benchmarks/README.md): an FMA
 * build of the same polynomials is 6-9% faster on AVX2 hardware; not worth results that change with
 * the CPU.
 *
 * Algorithm (exp as in Cephes/fdlibm; tanh through expm1 as in fdlibm's tanh):
 *   n = round(y log2 e) by the 1.5*2^52 trick (the integer n also sits in the low bits of the rounded
 *   double, so 2^n is built with integer adds and shifts: no float->int64 conversion, which AVX2 lacks),
 *   r = y - n ln2 with ln2 split in two (ln2_hi has 32 trailing zero bits: n ln2_hi is exact),
 *   |r| <= ln2/2, expm1(r) = r + r^2 P(r) with P the Taylor polynomial of degree 11 (r^2..r^13 terms;
 *   truncation error < 5e-18 relative), exp(r) = 1 + expm1(r);
 *   expm1(y) = 2^n expm1(r) + (2^n - 1)   (exact scaling; one rounding in the final add),
 *   tanh(|x|) = -em / (em + 2), em = expm1(-2|x|), 2|x| capped at 40 (tanh = 1 in float64 beyond 19.1),
 *   sign restored with copysign (tanh(-0) = -0);
 *   sigmoid(x) = 1 / (1 + e) for x >= 0, e / (1 + e) for x < 0, e = exp(-|x|), |x| capped at 746 (e
 *   underflows to 0 beyond 745.2); 2^n applied as 2^(n+60) then 2^-60 so the subnormal range rounds
 *   once (gradual underflow comes out right).
 * NaN in, NaN out; +-inf give +-1 (tanh) and 1 / 0 (sigmoid).
 *
 * Accuracy against a 50-digit reference (mpmath; tests/test_nn_vecmath.py checks it on a sweep over
 * the float64 range with tails, +-0, subnormals, +-inf, NaN and the saturation points):
 *   po_vm_tanh    <= 3 ulp        po_vm_sigmoid <= 3 ulp (normal outputs; subnormal outputs within
 *   1 ulp of the subnormal spacing). glibc's tanh/exp are within 1 ulp, so the results are no longer
 *   bit-identical to np.tanh: the C-vs-twin tests compare within these bounds.
 */
#ifndef PYOPTIM_VECMATH_H
#define PYOPTIM_VECMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>
#include "compat.h"

PO_ALWAYS_INLINE uint64_t po_vm_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

PO_ALWAYS_INLINE double po_vm_from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

PO_ALWAYS_INLINE uint32_t po_vm_bitsf(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

PO_ALWAYS_INLINE float po_vm_from_bitsf(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

#define PO_VM_SHIFT 6755399441055744.0           /* 1.5 * 2^52: adding it rounds to an integer */
#define PO_VM_LOG2E 1.44269504088896338700e+00
#define PO_VM_LN2HI 6.93147180369123816490e-01   /* fdlibm: ln2_hi, 32 trailing zero bits */
#define PO_VM_LN2LO 1.90821492927058770002e-10   /* ln2 - ln2_hi */

/* expm1(r) for |r| <= ln2/2 + tiny: r + r^2 (1/2! + r/3! + ... + r^11/13!), Horner, no FMA. */
PO_ALWAYS_INLINE double po_vm_expm1_reduced(double r)
{
    double p = 1.0 / 6227020800.0;            /* 1/13! */
    p = p * r + 1.0 / 479001600.0;            /* 1/12! */
    p = p * r + 1.0 / 39916800.0;             /* 1/11! */
    p = p * r + 1.0 / 3628800.0;              /* 1/10! */
    p = p * r + 1.0 / 362880.0;               /* 1/9!  */
    p = p * r + 1.0 / 40320.0;                /* 1/8!  */
    p = p * r + 1.0 / 5040.0;                 /* 1/7!  */
    p = p * r + 1.0 / 720.0;                  /* 1/6!  */
    p = p * r + 1.0 / 120.0;                  /* 1/5!  */
    p = p * r + 1.0 / 24.0;                   /* 1/4!  */
    p = p * r + 1.0 / 6.0;                    /* 1/3!  */
    p = p * r + 0.5;                          /* 1/2!  */
    return r * r * p + r;
}

/* The reduction shared by exp and expm1: y = n ln2 + r; returns r, and t = y log2e + SHIFT rounded,
 * whose low bits hold n (two's complement), through *t. */
PO_ALWAYS_INLINE double po_vm_reduce(double y, double *t_out)
{
    double t = y * PO_VM_LOG2E + PO_VM_SHIFT;
    double n = t - PO_VM_SHIFT;
    double r = y - n * PO_VM_LN2HI;
    r = r - n * PO_VM_LN2LO;
    *t_out = t;
    return r;
}

/* 2^(n + bias) from t of po_vm_reduce, for n + bias in [-1022, 1023]: the exponent field is
 * (n + bias + 1023) mod 2^11, and the low bits of t's bit pattern are n + 2^51 + 2^52 * 0x433. */
PO_ALWAYS_INLINE double po_vm_pow2_from_t(double t, int64_t bias)
{
    return po_vm_from_bits((po_vm_bits(t) + (uint64_t)(1023 + bias)) << 52);
}

/* tanh(x), float64: see the header comment. <= 3 ulp. */
PO_ALWAYS_INLINE double po_vm_tanh(double x)
{
    double ax = fabs(x);
    double y = -2.0 * ax;
    y = y > -40.0 ? y : -40.0;                    /* NaN and -inf go to -40; NaN is restored below */
    double t;
    double r = po_vm_reduce(y, &t);
    double s = po_vm_pow2_from_t(t, 0);           /* 2^n, n in [-58, 0] */
    double em = s * po_vm_expm1_reduced(r) + (s - 1.0);   /* expm1(y) = 2^n expm1(r) + (2^n - 1) */
    double th = -em / (em + 2.0);                 /* tanh(|x|) = -expm1(-2|x|) / (expm1(-2|x|) + 2) */
    th = copysign(th, x);
    return x == x ? th : x;
}

/* sigmoid(x), float64: see the header comment. <= 3 ulp (normal outputs). */
PO_ALWAYS_INLINE double po_vm_sigmoid(double x)
{
    double y = -fabs(x);
    y = y > -746.0 ? y : -746.0;                  /* NaN and -inf go to -746; NaN is restored below */
    double t;
    double r = po_vm_reduce(y, &t);
    double m = po_vm_expm1_reduced(r) + 1.0;      /* exp(r) */
    double e = (m * po_vm_pow2_from_t(t, 60)) * 0x1p-60;   /* exp(y) = 2^(n+60) exp(r) 2^-60 */
    double q = 1.0 / (1.0 + e);
    double s = x >= 0.0 ? q : e * q;
    return x == x ? s : x;
}

/* sigmoid(x), float32: the same bits as nn_math.h's po_nn_sigmoidf (the same Cephes reduction and
 * polynomial, exp's argument clamped at -104 the same way), with cheaper scaling: the argument -|x| is
 * never positive, so 2^n is applied as 2^(n+24) (exact, a normal number) then 2^-24 (one rounding into
 * the subnormal range, as po_nn_expf's two halves do), and n comes from the rounded float's bits
 * instead of a float->int conversion and a halving. */
PO_ALWAYS_INLINE float po_vm_sigmoidf(float x)
{
    float y = -fabsf(x);
    y = y > -104.0f ? y : -104.0f;                /* NaN and -inf go to -104 (po_nn_expf's clamp) */
    float t = y * 1.44269504088896341f + 12582912.0f;
    float n = t - 12582912.0f;
    float r = y - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float z = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float m = p * z + r + 1.0f;
    /* t's bits are 0x4B400000 + n: the exponent field of 2^(n+24) is (n + 24 + 127) mod 2^9 */
    float e = (m * po_vm_from_bitsf((po_vm_bitsf(t) + (uint32_t)(127 + 24)) << 23)) * 0x1p-24f;
    float q = 1.0f / (1.0f + e);
    float s = x >= 0.0f ? q : e * q;
    return x == x ? s : x;
}

#endif /* PYOPTIM_VECMATH_H */
