/* optim_more.c -- fused Adadelta, Adamax, NAdam and RAdam updates (book 8.5.4 and the papers named in
 * optim_more_tmpl.h), float32 and float64 from one source (optim_more_tmpl.h). Each kernel is a single
 * pass that reads and writes every state array once.
 *
 * Threads, SIMD and bits: exactly as optim.c. A kernel on n >= PO_PAR_GRAIN elements is split into one
 * contiguous chunk per thread, boundaries on multiples of 16 elements; every update is elementwise, so
 * the bits never depend on the thread count. The chunk loops are compiled per ISA by GCC function
 * multiversioning (target_clones); -std=c11 implies -ffp-contract=off, so no clone contracts a
 * multiply-add and all clones give the same bits. The chunking helpers below are optim.c's, repeated
 * here (they are static there) so that this file stands alone.
 */
#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "optim_more.h"

#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(__i386__)) && \
    !defined(PYOPTIM_NO_CLONES) && !defined(__SANITIZE_ADDRESS__)
#define PO_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define PO_CLONES
#endif

/* [lo, hi) of thread t among nt threads, boundaries on multiples of 16 elements. */
static inline void po_optm_range(size_t n, int t, int nt, size_t *lo, size_t *hi)
{
    size_t per = (n + (size_t)nt - 1) / (size_t)nt;
    per = (per + 15) & ~(size_t)15;
    size_t a = per * (size_t)t, b = a + per;
    *lo = a < n ? a : n;
    *hi = b < n ? b : n;
}

/* Run CHUNK (a statement using `lo` and `len`) over [0, n): serially below the grain or with one
 * thread, else one static chunk per OpenMP thread. */
#ifdef _OPENMP
#define PO_OPTM_SPLIT(n, CHUNK)                                                                    \
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
                po_optm_range(n_, omp_get_thread_num(), omp_get_num_threads(), &a_, &b_);          \
                size_t lo = a_, len = b_ - a_;                                                     \
                if (len) { CHUNK; }                                                                \
            }                                                                                      \
        }                                                                                          \
    } while (0)
#else
#define PO_OPTM_SPLIT(n, CHUNK)                                                                    \
    do {                                                                                           \
        size_t lo = 0, len = (n);                                                                  \
        CHUNK;                                                                                     \
    } while (0)
#endif

/* sqrtf for float (vectorizes as sqrtps), sqrt for double; both correctly rounded */
#define PO_SQRT(x) _Generic((x), float: sqrtf, default: sqrt)(x)
#define PO_FABS(x) _Generic((x), float: fabsf, default: fabs)(x)

#define PO_T float
#define PO_FN(name) name##_f32
#include "optim_more_tmpl.h"
#undef PO_T
#undef PO_FN

#define PO_T double
#define PO_FN(name) name##_f64
#include "optim_more_tmpl.h"
#undef PO_T
#undef PO_FN
