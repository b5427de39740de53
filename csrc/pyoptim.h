/* pyoptim.h -- the C core's shared contract.
 *
 * Everything in csrc/ except module.c is pure C11: no Python.h, no NumPy. Kernels take pointers and
 * lengths, write their outputs and in-place buffers first, take `const` inputs after, and return a
 * po_status. module.c checks every array (dtype, shape, contiguity, writeability, overlap), releases
 * the GIL, calls the kernel, and maps the status to a Python exception (C reports, Python raises).
 *
 * float32 and float64 come from one source: each kernel file includes its *_tmpl.h twice, with
 * PO_T = float / double and PO_FN(name) = name##_f32 / name##_f64.
 *
 * Shape legend used in comments across csrc/:
 *   n      number of elements of a flat parameter / state array
 *   B      batch size (rows), D features (columns); matrices are row-major (C order)
 *   K      number of classes
 *   m      L-BFGS memory
 */
#ifndef PYOPTIM_H
#define PYOPTIM_H

#include <stddef.h>
#include <stdint.h>
#include "compat.h"

/* Status codes: PO_OK = 0, errors < 0; po_strerror() gives the text, module.c the exception. */
typedef enum {
    PO_OK = 0,
    PO_ERR_NOMEM = -1,        /* an allocation failed (MemoryError) */
    PO_ERR_VALUE = -2,        /* an argument out of its documented range (ValueError) */
    PO_ERR_NONFINITE = -3,    /* a non-finite value where the policy forbids one (FloatingPointError) */
    PO_ERR_CALLBACK = -4,     /* a user callback failed; its Python exception is pending */
    PO_ERR_NOT_PD = -5,       /* a matrix that must be positive definite is not (LinAlgError) */
    PO_ERR_INDEX = -6,        /* an integer label/index outside its range (ValueError) */
} po_status;

const char *po_strerror(int status);

/* ---- checked size arithmetic ----------------------------------------------------------------------
 * Every product or sum of sizes (element counts, byte counts, workspace lengths) in module.c and the
 * kernels goes through these: *out = a * b (or a + b) and 0, or 1 when the result does not fit in size_t
 * (then *out is SIZE_MAX, so a size that overflowed can never pass as a small one). Chain them with `|`:
 *   if (po_size_mul(D, K, &DK) | po_size_mul(DK, sizeof(double), &nb)) return PO_ERR_VALUE; */
static inline int po_size_mul(size_t a, size_t b, size_t *out)
{
    if (__builtin_mul_overflow(a, b, out)) { *out = SIZE_MAX; return 1; }
    return 0;
}
static inline int po_size_add(size_t a, size_t b, size_t *out)
{
    if (__builtin_add_overflow(a, b, out)) { *out = SIZE_MAX; return 1; }
    return 0;
}
/* a * b * c (with the same SIZE_MAX convention). */
static inline int po_size_mul3(size_t a, size_t b, size_t c, size_t *out)
{
    size_t ab;
    return po_size_mul(a, b, &ab) | po_size_mul(ab, c, out);
}

/* Read an integer label exactly once. The label arrays live in memory another Python thread may write
 * while the GIL is released: a value checked and then read again could change in between. Kernels read
 * each label once through this, check its bounds at the point of use, and index with that same value
 * (a relaxed atomic load: one load the compiler may not repeat or split). */
#define PO_LOAD_ONCE(p) __atomic_load_n((p), __ATOMIC_RELAXED)

/* ---- threads -------------------------------------------------------------------------------------
 * Loops over at least PO_PAR_GRAIN elements are split across po_get_num_threads() OpenMP threads with
 * schedule(static). Elementwise kernels are bit-identical for any thread count by construction;
 * reductions sum fixed blocks of PO_RED_BLOCK elements serially, then the block sums in order, so they
 * are bit-identical too. Written as `if(parallel: ...)` so the serial branch keeps SIMD (docs/performance.md,
 * "Compiler flags"). */
/* 2^18 elements (1 MiB of float32 per array): below it the wake-up of a second thread costs more than it
 * saves, and under load a split that small makes OpenMP's threads compete with OpenBLAS's (measured:
 * a 128x256 activation split across 2 threads made a training epoch 6x slower). */
#define PO_PAR_GRAIN 262144
#define PO_RED_BLOCK 4096

/* The largest thread count set_num_threads accepts: PO_MAX_THREADS, or the OpenMP thread limit
 * (omp_get_thread_limit()) when that is smaller. Without OpenMP the same range is accepted and every
 * call runs on the calling thread: po_get_num_threads() is then always 1 (the truth). */
#define PO_MAX_THREADS 4096
int po_max_threads(void);
int po_get_num_threads(void);
/* n in [1, po_max_threads()]: module.c rejects anything else. With OpenMP a value outside is clamped to
 * that range here too; without OpenMP n is ignored (every call runs on the calling thread). */
void po_set_num_threads(int n);

#ifdef _OPENMP
#define PO_PRAGMA(x) _Pragma(#x)
#define PO_PARALLEL_FOR_SIMD(n) \
    PO_PRAGMA(omp parallel for simd schedule(static) num_threads(po_get_num_threads()) if(parallel: (n) >= PO_PAR_GRAIN))
#define PO_PARALLEL_FOR(n) \
    PO_PRAGMA(omp parallel for schedule(static) num_threads(po_get_num_threads()) if((n) >= PO_PAR_GRAIN))
#else
#define PO_PARALLEL_FOR_SIMD(n)
#define PO_PARALLEL_FOR(n)
#endif

/* Deterministic reductions (fixed blocks, ordered combination): sum of squares and sum of |x|^p. */
double po_sumsq_f32(const float *x, size_t n);
double po_sumsq_f64(const double *x, size_t n);
double po_maxabs_f32(const float *x, size_t n);
double po_maxabs_f64(const double *x, size_t n);
double po_sumpow_f32(const float *x, size_t n, double p);
double po_sumpow_f64(const double *x, size_t n, double p);

/* ---- first-order updates (optim.c; book 8.3, 8.5; torch.optim conventions) ------------------------
 * Each kernel reads and writes every state array once per step (one fused pass). */
typedef struct {
    double lr, momentum, dampening, weight_decay;
    int nesterov, maximize;
    int first_step;   /* 1: the momentum buffer is initialised to the (decayed) gradient, as torch does */
} po_sgd_hp;

int po_sgd_f32(float *p, float *buf, const float *g, size_t n, const po_sgd_hp *hp);
int po_sgd_f64(double *p, double *buf, const double *g, size_t n, const po_sgd_hp *hp);

#endif /* PYOPTIM_H */
