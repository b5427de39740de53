/* optim_extra.c -- ASGD, Rprop, Adafactor and the elementwise parts of Muon, float32 and float64 from one
 * source (optim_extra_tmpl.h), in torch.optim's operation order so float64 agrees with torch to rounding.
 *
 * Threads: as optim.c. Elementwise kernels on n >= PO_PAR_GRAIN elements are split into one contiguous
 * chunk per thread, boundaries on multiples of 16 elements, so the bits never depend on the thread count.
 * Adafactor's reductions (the parameter's norm, the row and column sums of g*g, the update's norm) are
 * computed per row (or per fixed block of PO_RED_BLOCK elements for vectors) and per column, each sum in
 * a fixed order that does not depend on how the rows or columns are shared out; the row totals are then
 * added in row order. So Adafactor too is bit-identical for any thread count.
 *
 * SIMD: the chunk loops are compiled for AVX-512, AVX2 and the baseline (target_clones, as optim.c);
 * -std=c11 implies -ffp-contract=off, so all clones give the same bits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "optim_extra.h"

#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(__i386__)) && \
    !defined(PYOPTIM_NO_CLONES) && !defined(__SANITIZE_ADDRESS__)
#define POX_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define POX_CLONES
#endif

/* [lo, hi) of thread t among nt threads, boundaries on multiples of 16 elements (optim.c's split). */
static inline void pox_range(size_t n, int t, int nt, size_t *lo, size_t *hi)
{
    size_t per = (n + (size_t)nt - 1) / (size_t)nt;
    per = (per + 15) & ~(size_t)15;
    size_t a = per * (size_t)t, b = a + per;
    *lo = a < n ? a : n;
    *hi = b < n ? b : n;
}

#ifdef _OPENMP
/* Run CHUNK (a statement using `lo` and `len`) over [0, n) elements: serially below the grain or with one
 * thread, else one static chunk per OpenMP thread (optim.c's PO_OPT_SPLIT). */
#define POX_SPLIT(n, CHUNK)                                                                        \
    do {                                                                                           \
        size_t n_ = (n);                                                                           \
        int nt_ = po_get_num_threads();                                                            \
        if (n_ < PO_PAR_GRAIN || nt_ <= 1) {                                                       \
            size_t lo = 0, len = n_;                                                               \
            CHUNK;                                                                                 \
        } else {                                                                                   \
            _Pragma("omp parallel num_threads(nt_)")                                               \
            {                                                                                      \
                size_t a_, b_;                                                                     \
                pox_range(n_, omp_get_thread_num(), omp_get_num_threads(), &a_, &b_);              \
                size_t lo = a_, len = b_ - a_;                                                     \
                if (len) { CHUNK; }                                                                \
            }                                                                                      \
        }                                                                                          \
    } while (0)
/* Run CHUNK over [0, k) independent units (rows, column blocks) whose results do not depend on how they
 * are shared out; threads only when the total `work` (elements) reaches the grain. */
#define POX_UNIT_SPLIT(k, work, CHUNK)                                                             \
    do {                                                                                           \
        size_t k_ = (k);                                                                           \
        int nt_ = po_get_num_threads();                                                            \
        if ((work) < PO_PAR_GRAIN || nt_ <= 1 || k_ < 2) {                                         \
            size_t lo = 0, len = k_;                                                               \
            CHUNK;                                                                                 \
        } else {                                                                                   \
            _Pragma("omp parallel num_threads(nt_)")                                               \
            {                                                                                      \
                size_t t_ = (size_t)omp_get_thread_num(), T_ = (size_t)omp_get_num_threads();      \
                size_t lo = k_ / T_ * t_ + (t_ < k_ % T_ ? t_ : k_ % T_);                          \
                size_t len = k_ / T_ + (t_ < k_ % T_ ? 1 : 0);                                     \
                if (len) { CHUNK; }                                                                \
            }                                                                                      \
        }                                                                                          \
    } while (0)
#else
#define POX_SPLIT(n, CHUNK)                                                                        \
    do {                                                                                           \
        size_t lo = 0, len = (n);                                                                  \
        CHUNK;                                                                                     \
    } while (0)
#define POX_UNIT_SPLIT(k, work, CHUNK) POX_SPLIT(k, CHUNK)
#endif

#define POX_SQRT(x) _Generic((x), float: sqrtf, default: sqrt)(x)
#define POX_FABS(x) _Generic((x), float: fabsf, default: fabs)(x)

/* a * b for sizes, 0 on overflow (the caller reports PO_ERR_VALUE) */
static int pox_mul_size(size_t a, size_t b, size_t *out)
{
    if (a && b > (size_t)-1 / a) return -1;
    *out = a * b;
    return 0;
}

#define PO_T float
#define PO_FN(name) name##_f32
#include "optim_extra_tmpl.h"
#undef PO_T
#undef PO_FN

#define PO_T double
#define PO_FN(name) name##_f64
#include "optim_extra_tmpl.h"
#undef PO_T
#undef PO_FN
