/* vecmath.h -- vectorizable float64 exp/expm1, tanh and sigmoid, and a leaner float32 sigmoid, for the
 * activation kernels (layers.c). Not a public header.
 *
 * Why: glibc's exp/tanh do not vectorize (PERF.md), and calling them per element made float64 tanh and
 * sigmoid 3-5x slower than torch's vectorized kernels. Every function here is branch-free straight-line
 * code (selects, integer exponent arithmetic on the bits), so GCC vectorizes a plain loop that calls it
 * (checked with -fopt-info-vec: layers_tmpl.h's activation loops report "loop vectorized").
 *
 * Two paths, the same algorithm (vecmath_tmpl.h, included twice):
 *   portable: every multiply and add rounds on its own (the build is -std=c11, which implies
 *     -ffp-contract=off). The same bits on every instruction set (the SSE2 baseline, AVX2 and AVX-512
 *     clones of layers_tmpl.h agree), and the float32 sigmoid gives nn_math.h's po_nn_sigmoidf's bits.
 *   fused: every a*b + c of the polynomial and the reduction is one fma(), compiled for AVX2+FMA and taken
 *     when the CPU has both (po_vm_have_fma(); PYOPTIM_NO_FMA=1 forces the portable path). fma() is
 *     exactly rounded, so every AVX2+FMA and AVX-512 CPU gives the same bits; only CPUs without FMA (before
 *     Haswell / Piledriver) take the portable path and differ in the last bits.
 * Why give up identity across instruction sets: measured here (AMD EPYC, AVX2, 4096 x 1000, one thread,
 * CPU time), the portable float64 sigmoid ran 0.79x torch's vectorized kernel (12.2 ms against 9.7 ms)
 * and the fused one 1.15x (8.4 ms); float64 tanh 12.1 -> 7.9 ms, float32 sigmoid 3.7 -> ~2.8 ms. Both
 * paths keep results independent of the thread count (elementwise), and both meet the bounds below.
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
 * Accuracy against high-precision references (tests/test_nn_vecmath.py, both paths: 80-bit long double on
 * a sweep over the float64 range with tails, +-0, subnormals, +-inf, NaN and the saturation points, and
 * 40-digit mpmath on a smaller one):
 *   po_vm_tanh    <= 3 ulp        po_vm_sigmoid <= 3 ulp (subnormal outputs: within 3 units of the
 *   subnormal spacing); measured worst 2.4 ulp for both. glibc's tanh/exp are within 1 ulp, so the
 *   results are no longer bit-identical to np.tanh: the C-vs-twin tests compare within these bounds.
 *   po_vm_sigmoidf: the float32 bounds of nn_math.h (3e-7 relative, tests/test_nn_kernels.py).
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

/* 2^(n + bias) from t of po_vm_reduce, for n + bias in [-1022, 1023]: the exponent field is
 * (n + bias + 1023) mod 2^11, and the low bits of t's bit pattern are n + 2^51 + 2^52 * 0x433. */
PO_ALWAYS_INLINE double po_vm_pow2_from_t(double t, int64_t bias)
{
    return po_vm_from_bits((po_vm_bits(t) + (uint64_t)(1023 + bias)) << 52);
}

#define PO_VM(name) name
#define PO_VM_MAD(a, b, c) ((a) * (b) + (c))
#define PO_VM_MADF(a, b, c) ((a) * (b) + (c))
#include "vecmath_tmpl.h"
#undef PO_VM
#undef PO_VM_MAD
#undef PO_VM_MADF

/* The fused multiply-add instance: x86-64 GCC/Clang only; po_vm_have_fma() says whether this CPU runs it. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && !defined(PYOPTIM_NO_CLONES) && \
    !defined(__SANITIZE_ADDRESS__)
#define PO_VM_HAVE_FMA 1
#define PO_VM_FMA_TARGET __attribute__((target("avx2,fma")))
#define PO_VM(name) name##_fma
#define PO_VM_MAD(a, b, c) __builtin_fma((a), (b), (c))
#define PO_VM_MADF(a, b, c) __builtin_fmaf((a), (b), (c))
#include "vecmath_tmpl.h"
#undef PO_VM
#undef PO_VM_MAD
#undef PO_VM_MADF
#else
#define PO_VM_HAVE_FMA 0
#endif

/* 1 when the float64 activations take the fused multiply-add path: the CPU has AVX2 and FMA and the
 * environment variable PYOPTIM_NO_FMA is unset or "0" (read once; the tests set it in a subprocess to check
 * the portable path on FMA hardware). */
int po_vm_have_fma(void);

#endif /* PYOPTIM_VECMATH_H */
