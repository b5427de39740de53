/* lapack.c -- Newton's dense factorizations (book 8.6.1) on LAPACK when the process has it, on the own
 * routines of linalg.c otherwise; see lapack.h for the contract every provider keeps.
 *
 * Shape legend (see pyoptim.h): n parameters; A, V, L n x n row-major; b, d, w length n.
 *
 * Row-major vs LAPACK's column-major: an n x n row-major array read column-major is A'. So the lower
 * triangle the own Cholesky reads (A[i*n + j], j <= i) is the UPPER triangle of the column-major view, and
 * dpotrf/dpotrs run with uplo = 'U': the same elements, the same symmetric matrix. dgetrs solves with
 * trans = 'T' ((A')' = A). dsyevd returns the eigenvectors as columns of a column-major array, i.e. as
 * rows of the row-major one: they are transposed into the own layout V[i*n + j]. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lapack.h"
#include "so.h"

/* ---- the own routines (linalg.c) ------------------------------------------------------------------ */

/* A + shift I = L L' (Cholesky-Banachiewicz), then L z = b, L' d = z. */
static int own_chol_solve(void *ctx, double *d, const double *A, const double *b, size_t n, double shift,
                          double *work)
{
    (void)ctx;
    int st = po_cholesky_f64(work, A, n, shift);
    if (st != PO_OK) return st;
    po_cholesky_solve_lower_f64(d, work, b, n);
    return PO_OK;
}

static int own_lu_solve(void *ctx, double *d, const double *A, const double *b, size_t n, double shift,
                        double *work)
{
    (void)ctx;
    return po_lu_solve_f64(d, A, b, n, shift, work);
}

/* Cyclic Jacobi (Golub & Van Loan Alg. 8.5.3). */
static int own_sym_eig(void *ctx, double *w, double *V, const double *A, size_t n, double *work)
{
    (void)ctx;
    return po_sym_eig_f64(w, V, A, n, work);
}

static const po_linalg own_linalg = {own_chol_solve, own_lu_solve, own_sym_eig, NULL, "own"};

const po_linalg *po_linalg_own(void) { return &own_linalg; }

/* ---- LAPACK --------------------------------------------------------------------------------------- */

static po_lapack_fns lp_fns;              /* written once, before lp_ready is published */
static int lp_state;                      /* 0 unset, 1 being written, 2 ready (atomic) */

/* LAPACK's dimensions are 32-bit int: an n beyond INT_MAX falls back to the own routine. */
static int lp_fits(size_t n) { return n <= (size_t)INT_MAX; }

/* The system LAPACK solves in place: work <- A + shift I (n x n, row-major), d <- b (the right-hand side,
 * overwritten by the solution). */
static void lp_shifted_system(double *work, double *d, const double *A, const double *b, size_t n, double shift)
{
    memcpy(work, A, n * n * sizeof(double));
    for (size_t i = 0; i < n; i++) work[i * n + i] += shift;
    memcpy(d, b, n * sizeof(double));
}

/* dpotrf('U') on the column-major view of A + shift I (= the row-major lower triangle), then dpotrs.
 * LAPACK's dpotrf reports info > 0 when a leading minor is not positive definite (a pivot <= 0 or NaN):
 * the own routine's PO_ERR_NOT_PD condition. */
static int lp_chol_solve(void *ctx, double *d, const double *A, const double *b, size_t n, double shift,
                         double *work)
{
    (void)ctx;
    if (!lp_fits(n)) return own_chol_solve(NULL, d, A, b, n, shift, work);
    lp_shifted_system(work, d, A, b, n, shift);
    char uplo = 'U';
    int in = (int)n, nrhs = 1, info = 0;
    lp_fns.dpotrf(&uplo, &in, work, &in, &info);
    if (info != 0) return PO_ERR_NOT_PD;
    lp_fns.dpotrs(&uplo, &in, &nrhs, work, &in, d, &in, &info);
    return info == 0 ? PO_OK : PO_ERR_NOT_PD;
}

/* dgetrf on the column-major view (A + shift I)', then dgetrs('T'): (A + shift I) d = b. info > 0: an
 * exactly zero pivot, the own LU's "singular". */
static int lp_lu_solve(void *ctx, double *d, const double *A, const double *b, size_t n, double shift,
                       double *work)
{
    (void)ctx;
    if (!lp_fits(n)) return own_lu_solve(NULL, d, A, b, n, shift, work);
    size_t nb;
    if (po_size_mul(n, sizeof(int), &nb)) return PO_ERR_NOMEM;
    int *ipiv = malloc(nb ? nb : 1);
    if (!ipiv) return PO_ERR_NOMEM;
    lp_shifted_system(work, d, A, b, n, shift);
    char trans = 'T';
    int in = (int)n, nrhs = 1, info = 0;
    lp_fns.dgetrf(&in, &in, work, &in, ipiv, &info);
    if (info == 0) lp_fns.dgetrs(&trans, &in, &nrhs, work, &in, ipiv, d, &in, &info);
    free(ipiv);
    return info == 0 ? PO_OK : PO_ERR_NOT_PD;
}

/* A_s = (A + A')/2 (the own routine's symmetrization), dsyevd('V', 'L') -- divide and conquer, eigenvalues
 * ascending like the own sort -- then the eigenvectors transposed into V[i*n + j]. dsyevd's workspace:
 * lwork = 1 + 6n + 2n^2 doubles, liwork = 3 + 5n ints (LAPACK's documented minimum for jobz = 'V'). */
static int lp_sym_eig(void *ctx, double *w, double *V, const double *A, size_t n, double *work)
{
    (void)ctx;
    size_t nn, lw, liw, bw, biw;
    int ovf = po_size_mul(n, n, &nn) | po_size_mul(nn, 2, &lw) | po_size_add(lw, 6 * n + 1, &lw) |
              po_size_mul(lw, sizeof(double), &bw) |
              po_size_mul(n, 5, &liw) | po_size_add(liw, 3, &liw) | po_size_mul(liw, sizeof(int), &biw);
    if (ovf || lw > (size_t)INT_MAX || liw > (size_t)INT_MAX) return own_sym_eig(NULL, w, V, A, n, work);
    double *wk = malloc(bw);
    int *iwk = malloc(biw);
    if (!wk || !iwk) {
        free(wk);
        free(iwk);
        return PO_ERR_NOMEM;
    }
    double *a = work;   /* n^2: the symmetrized copy, overwritten by the eigenvectors */
    double fro = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            a[i * n + j] = 0.5 * (A[i * n + j] + A[j * n + i]);
            fro += a[i * n + j] * a[i * n + j];
        }
    int st = PO_OK;
    if (!isfinite(fro)) {
        st = PO_ERR_NONFINITE;
    } else {
        char jobz = 'V', uplo = 'L';
        int in = (int)n, ilw = (int)lw, iliw = (int)liw, info = 0;
        lp_fns.dsyevd(&jobz, &uplo, &in, a, &in, w, wk, &ilw, iwk, &iliw, &info);
        if (info != 0) st = PO_ERR_NOT_PD;   /* did not converge */
        else
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++) V[i * n + j] = a[j * n + i];
    }
    free(wk);
    free(iwk);
    return st;
}

static const po_linalg lapack_linalg = {lp_chol_solve, lp_lu_solve, lp_sym_eig, NULL, "lapack"};

int po_lapack_set(const po_lapack_fns *fns)
{
    if (!fns || !fns->dpotrf || !fns->dpotrs || !fns->dsyevd || !fns->dgetrf || !fns->dgetrs) return PO_ERR_VALUE;
    int expected = 0;
    if (__atomic_compare_exchange_n(&lp_state, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        lp_fns = *fns;
        __atomic_store_n(&lp_state, 2, __ATOMIC_RELEASE);
        return 0;
    }
    /* someone else is writing or has written the table: wait for it, then compare */
    while (__atomic_load_n(&lp_state, __ATOMIC_ACQUIRE) != 2) { }
    return memcmp(&lp_fns, fns, sizeof(lp_fns)) == 0 ? 0 : 1;
}

const po_linalg *po_linalg_lapack(void)
{
    return __atomic_load_n(&lp_state, __ATOMIC_ACQUIRE) == 2 ? &lapack_linalg : NULL;
}
