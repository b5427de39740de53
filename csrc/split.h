/* split.h -- how the elementwise optimizer kernels (optim.c, optim_more.c, optim_extra.c) share an array
 * among OpenMP threads, and the type-generic math they use. Not a public header.
 *
 * Threads: a kernel on n >= PO_PAR_GRAIN elements is split into one contiguous chunk per thread, chunk
 * boundaries on multiples of 16 elements (64 bytes of float32), schedule fixed by (n, thread count).
 * Every update is elementwise, so the bits never depend on the thread count (docs/performance.md,
 * "Threads"). Below the grain, or with one thread, the chunk runs on the calling thread.
 *
 * SIMD: the chunk functions carry PO_TARGET_CLONES (compat.h) and are called from inside the OpenMP
 * region: GCC does not clone the region's outlined body, but a plain function called from it is.
 */
#ifndef PYOPTIM_SPLIT_H
#define PYOPTIM_SPLIT_H

#include <math.h>
#include <stddef.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "pyoptim.h"
#include "compat.h"

/* [lo, hi) of thread t among nt threads, boundaries on multiples of 16 elements. */
static inline void po_split_range(size_t n, int t, int nt, size_t *lo, size_t *hi)
{
    size_t per = (n + (size_t)nt - 1) / (size_t)nt;
    per = (per + 15) & ~(size_t)15;
    size_t a = per * (size_t)t, b = a + per;
    *lo = a < n ? a : n;
    *hi = b < n ? b : n;
}

#ifdef _OPENMP
/* Run CHUNK (a statement using `lo` and `len`) over [0, n) elements: serially below the grain or with one
 * thread, else one static chunk per OpenMP thread. */
#define PO_SPLIT(n, CHUNK)                                                                         \
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
                po_split_range(n_, omp_get_thread_num(), omp_get_num_threads(), &a_, &b_);         \
                size_t lo = a_, len = b_ - a_;                                                     \
                if (len) { CHUNK; }                                                                \
            }                                                                                      \
        }                                                                                          \
    } while (0)
/* Run CHUNK over [0, k) independent units (rows, column blocks) whose results do not depend on how they
 * are shared out; threads only when the total `work` (elements) reaches the grain. */
#define PO_UNIT_SPLIT(k, work, CHUNK)                                                              \
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
#define PO_SPLIT(n, CHUNK)                                                                         \
    do {                                                                                           \
        size_t lo = 0, len = (n);                                                                  \
        CHUNK;                                                                                     \
    } while (0)
#define PO_UNIT_SPLIT(k, work, CHUNK) PO_SPLIT(k, CHUNK)
#endif

/* sqrtf/fabsf for float (sqrtf vectorizes as sqrtps), sqrt/fabs for double; all correctly rounded */
#define PO_SQRT(x) _Generic((x), float: sqrtf, default: sqrt)(x)
#define PO_FABS(x) _Generic((x), float: fabsf, default: fabs)(x)

#endif /* PYOPTIM_SPLIT_H */
