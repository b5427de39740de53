/* common.c -- status text, the thread setting, deterministic reductions.
 *
 * Reductions: the input is cut into fixed blocks of PO_RED_BLOCK elements (independent of the thread
 * count); each block is summed serially in double, the block sums are then added in block order. The
 * result is therefore bit-identical for 1, 2, ... threads.
 */
#include <math.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "pyoptim.h"

const char *po_strerror(int status)
{
    switch (status) {
    case PO_OK: return "success";
    case PO_ERR_NOMEM: return "out of memory";
    case PO_ERR_VALUE: return "an argument is outside its valid range";
    case PO_ERR_NONFINITE: return "a non-finite value (NaN or inf) was found";
    case PO_ERR_CALLBACK: return "a callback raised an exception";
    case PO_ERR_NOT_PD: return "the matrix is not positive definite";
    case PO_ERR_INDEX: return "an index or label is out of range";
    default: return "unknown error";
    }
}

#ifdef _OPENMP
static int po_threads = 0;   /* 0: not yet set -> the OpenMP default (itself capped by po_max_threads) */
#endif

int po_max_threads(void)
{
#ifdef _OPENMP
    int lim = omp_get_thread_limit();   /* OMP_THREAD_LIMIT, INT_MAX when unset */
    return lim > 0 && lim < PO_MAX_THREADS ? lim : PO_MAX_THREADS;
#else
    return PO_MAX_THREADS;   /* accepted, so code written for threads runs; get_num_threads() says 1 */
#endif
}

int po_get_num_threads(void)
{
#ifdef _OPENMP
    int t = PO_ATOMIC_LOAD_INT(&po_threads);
    if (t <= 0) t = omp_get_max_threads();
    int mx = po_max_threads();
    return t < 1 ? 1 : t > mx ? mx : t;
#else
    return 1;
#endif
}

void po_set_num_threads(int n)
{
#ifdef _OPENMP
    int mx = po_max_threads();
    if (n < 1) n = 1;
    if (n > mx) n = mx;
    PO_ATOMIC_STORE_INT(&po_threads, n);
#else
    (void)n;
#endif
}

#define PO_DEFINE_REDUCTIONS(T, SUF)                                                               \
double po_sumsq_##SUF(const T *x, size_t n)                                                        \
{                                                                                                  \
    size_t nb = (n + PO_RED_BLOCK - 1) / PO_RED_BLOCK;                                             \
    if (nb <= 1) {                                                                                 \
        double s = 0.0;                                                                            \
        for (size_t i = 0; i < n; i++) s += (double)x[i] * (double)x[i];                           \
        return s;                                                                                  \
    }                                                                                              \
    double *part = malloc(nb * sizeof(double));                                                    \
    if (!part) { /* no scratch: the same block order, computed serially (same bits) */         \
        double s = 0.0;                                                                            \
        for (size_t b = 0; b < nb; b++) {                                                          \
            size_t lo = b * PO_RED_BLOCK, hi = lo + PO_RED_BLOCK < n ? lo + PO_RED_BLOCK : n;      \
            double t = 0.0;                                                                        \
            for (size_t i = lo; i < hi; i++) t += (double)x[i] * (double)x[i];                     \
            s += t;                                                                                \
        }                                                                                          \
        return s;                                                                                  \
    }                                                                                              \
    PO_PARALLEL_FOR(n)                                                                             \
    for (size_t b = 0; b < nb; b++) {                                                              \
        size_t lo = b * PO_RED_BLOCK, hi = lo + PO_RED_BLOCK < n ? lo + PO_RED_BLOCK : n;          \
        double t = 0.0;                                                                            \
        for (size_t i = lo; i < hi; i++) t += (double)x[i] * (double)x[i];                         \
        part[b] = t;                                                                               \
    }                                                                                              \
    double s = 0.0;                                                                                \
    for (size_t b = 0; b < nb; b++) s += part[b];                                                  \
    free(part);                                                                                    \
    return s;                                                                                      \
}                                                                                                  \
double po_maxabs_##SUF(const T *x, size_t n)                                                       \
{                                                                                                  \
    /* max is order-independent; NaN propagates (any NaN gives NaN, as torch's inf-norm) */        \
    double m = 0.0; int nan = 0;                                                                   \
    for (size_t i = 0; i < n; i++) {                                                               \
        double a = fabs((double)x[i]);                                                             \
        if (a != a) nan = 1; else if (a > m) m = a;                                                \
    }                                                                                              \
    return nan ? NAN : m;                                                                          \
}                                                                                                  \
double po_sumpow_##SUF(const T *x, size_t n, double p)                                             \
{                                                                                                  \
    double s = 0.0;                                                                                \
    for (size_t b = 0; b * PO_RED_BLOCK < n; b++) {                                                \
        size_t lo = b * PO_RED_BLOCK, hi = lo + PO_RED_BLOCK < n ? lo + PO_RED_BLOCK : n;          \
        double t = 0.0;                                                                            \
        for (size_t i = lo; i < hi; i++) t += pow(fabs((double)x[i]), p);                          \
        s += t;                                                                                    \
    }                                                                                              \
    return s;                                                                                      \
}

PO_DEFINE_REDUCTIONS(float, f32)
PO_DEFINE_REDUCTIONS(double, f64)
