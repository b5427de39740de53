/* lapack.h -- the dense factorizations of Newton's method (book 8.6.1) behind one table of function
 * pointers, so that po_minimize can run on LAPACK when the process has one and on the own routines of
 * linalg.c when it has not.
 *
 * Shape legend (see pyoptim.h): n parameters; A, V, L are n x n, row-major; b, d, w have length n.
 *
 * Three providers fill a po_linalg:
 *   po_linalg_own()     the own O(n^3) routines of linalg.c (Cholesky-Banachiewicz, cyclic Jacobi, LU with
 *                       partial pivoting): dependency-free, the reference, and the fallback.
 *   po_linalg_lapack()  LAPACK through function pointers handed over once by po_lapack_set (module.c takes
 *                       them from SciPy's scipy.linalg.cython_lapack capsules): dpotrf/dpotrs, dsyevd,
 *                       dgetrf/dgetrs. NULL until set.
 *   a caller's table    module.c builds one whose entries call NumPy's linear algebra (numpy.linalg)
 *                       through Python, for a process without SciPy.
 * Every entry computes the same mathematical object as the own routine, reading the same elements of A:
 *   chol_solve  (A + shift I) d = b with A + shift I = L L' read from A's lower triangle (row-major);
 *               PO_ERR_NOT_PD when the factorization breaks down (a pivot <= 0 or NaN), nothing else.
 *   lu_solve    (A + shift I) d = b by LU with partial pivoting, A read whole (not symmetrized);
 *               PO_ERR_NOT_PD when A + shift I is singular.
 *   sym_eig     A_s = (A + A')/2 = V diag(w) V', w ascending, V[i*n + j] the i-th entry of eigenvector j.
 * work: chol_solve and lu_solve n^2 doubles (the factor), sym_eig 2 n^2 doubles. d may not alias A or b.
 * The LAPACK and NumPy entries may allocate more (dsyevd's workspace, the pivots) and return
 * PO_ERR_NOMEM when that fails; a callback-backed entry returns PO_ERR_CALLBACK with the Python error set. */
#ifndef PYOPTIM_LAPACK_H
#define PYOPTIM_LAPACK_H

#include "pyoptim.h"

typedef struct po_linalg {
    int (*chol_solve)(void *ctx, double *d, const double *A, const double *b, size_t n, double shift,
                      double *work);
    int (*lu_solve)(void *ctx, double *d, const double *A, const double *b, size_t n, double shift,
                    double *work);
    int (*sym_eig)(void *ctx, double *w, double *V, const double *A, size_t n, double *work);
    void *ctx;
    const char *name;   /* "own", "lapack", "numpy" (pyoptim.show_config, minimize's result) */
} po_linalg;

/* LAPACK's Fortran interface as SciPy's cython_lapack exports it: every argument by pointer, 32-bit int,
 * no hidden string lengths (the cython_lapack wrappers pass them). */
typedef void po_dpotrf_fn(char *uplo, int *n, double *a, int *lda, int *info);
typedef void po_dpotrs_fn(char *uplo, int *n, int *nrhs, double *a, int *lda, double *b, int *ldb, int *info);
typedef void po_dsyevd_fn(char *jobz, char *uplo, int *n, double *a, int *lda, double *w, double *work,
                          int *lwork, int *iwork, int *liwork, int *info);
typedef void po_dgetrf_fn(int *m, int *n, double *a, int *lda, int *ipiv, int *info);
typedef void po_dgetrs_fn(char *trans, int *n, int *nrhs, double *a, int *lda, int *ipiv, double *b, int *ldb,
                          int *info);

typedef struct {
    po_dpotrf_fn *dpotrf;
    po_dpotrs_fn *dpotrs;
    po_dsyevd_fn *dsyevd;
    po_dgetrf_fn *dgetrf;
    po_dgetrs_fn *dgetrs;
} po_lapack_fns;

/* Hand the LAPACK routines over, once per process. Thread-safe: the first complete table wins and is
 * published with release semantics; a later call with the same pointers is a no-op (returns 0); a
 * later call with other pointers changes nothing and returns 1; a table with a NULL entry returns
 * PO_ERR_VALUE. */
int po_lapack_set(const po_lapack_fns *fns);
/* The LAPACK provider, or NULL while po_lapack_set has not succeeded (an acquire load). */
const po_linalg *po_linalg_lapack(void);
/* The own routines (always available). */
const po_linalg *po_linalg_own(void);

#endif /* PYOPTIM_LAPACK_H */
