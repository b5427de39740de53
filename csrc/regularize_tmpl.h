/* regularize_tmpl.h -- proximal and projection kernels for PO_T in {float, double}; included twice by
 * regularize.c. Hyperparameters are converted to PO_T once; norms are accumulated in double. */

/* book 7.1.2, proximal gradient for alpha*||w||_1 after a step of rate lr (t = lr * alpha):
 *   a = |w| - t;   w <- a <= 0 ? 0 : copysign(a, w)      (NaN propagates: NaN <= 0 is false) */
int PO_FN(po_prox_l1)(PO_T *restrict w, size_t n, double t)
{
    const PO_T th = (PO_T)t;
    PO_PARALLEL_FOR_SIMD(n)
    for (size_t i = 0; i < n; i++) {
        const PO_T a = PO_ABS(w[i]) - th;
        w[i] = a <= (PO_T)0 ? (PO_T)0 : PO_COPYSIGN(a, w[i]);
    }
    return PO_OK;
}

/* book 7.2 (Srebro & Shraibman 2005; Hinton et al. 2012): for each fibre w[a, :, c],
 *   nrm² = sum over row blocks of 32 of (sum_{b in block} w[a,b,c]² in PO_T, in order), added in double,
 *   if nrm > maxv: w[a,:,c] *= (PO_T)(maxv / nrm).
 * (Squares are summed in the parameter's dtype within blocks of 32 rows -- as fast as NumPy's einsum --
 * and the block sums in double, so float32 keeps ~1e-7 relative accuracy for any number of rows.)
 * Fibres within the bound are left bit-identical. Each column is summed serially in row order, so any
 * thread count gives the same bits. A failed allocation returns PO_ERR_NOMEM (fibres of other column
 * ranges may then already be projected: each projection is idempotent, so calling again is safe). */
/* The column norms of rows [0, B) x columns [c0, c0 + m) of a (B, C) block: acc[j] = ||w[:, c0 + j]||².
 * A separate function so the SIMD width can be chosen at run time (target clones; same bits: integer-free
 * float loops with no contraction under -std=c11). part: scratch of m elements. */
static PO_TARGET_CLONES void PO_FN(po_mn_sumsq)(const PO_T *restrict wa, size_t B, size_t C, size_t c0, size_t m,
                                             double *restrict acc, PO_T *restrict part)
{
    enum { RB = 32 };
    for (size_t j = 0; j < m; j++) acc[j] = 0.0;
    for (size_t b0 = 0; b0 < B; b0 += RB) {
        const size_t b1 = B - b0 < RB ? B : b0 + RB;
        for (size_t j = 0; j < m; j++) part[j] = (PO_T)0;
        for (size_t b = b0; b < b1; b++) {
            const PO_T *row = wa + b * C + c0;
            for (size_t j = 0; j < m; j++) part[j] += row[j] * row[j];
        }
        for (size_t j = 0; j < m; j++) acc[j] += (double)part[j];
    }
}

int PO_FN(po_max_norm)(PO_T *restrict w, size_t A, size_t B, size_t C, double maxv, size_t *nscaled)
{
    /* columns split into one contiguous range per thread (at least 2048 wide): long contiguous row
     * segments stream well; each column is still summed in row order, so the bits never depend on it */
    const int nt = (B * C >= PO_PAR_GRAIN) ? po_get_num_threads() : 1;
    size_t CH = (C + (size_t)nt - 1) / (size_t)nt;
    if (CH < 2048) CH = 2048;
    CH = (CH + 15) & ~(size_t)15;
    const size_t nch = C ? (C + CH - 1) / CH : 0;
    size_t count = 0;
    int status = PO_OK;
    for (size_t a = 0; a < A; a++) {
        PO_T *wa = w + a * B * C;
        PO_PRAGMA(omp parallel for schedule(static) num_threads(nt) if(nt > 1 && nch > 1) reduction(+:count))
        for (size_t k = 0; k < nch; k++) {
            const size_t c0 = k * CH, m = C - c0 < CH ? C - c0 : CH;
            double *acc = malloc(m * sizeof(double));
            PO_T *part = malloc(2 * m * sizeof(PO_T));
            if (!acc || !part) {
                free(acc);
                free(part);
                PO_PRAGMA(omp atomic write)
                status = PO_ERR_NOMEM;
                continue;
            }
            PO_T *f = part + m;
            PO_FN(po_mn_sumsq)(wa, B, C, c0, m, acc, part);
            int any = 0;
            for (size_t j = 0; j < m; j++) {
                const double nrm = sqrt(acc[j]);
                if (nrm > maxv) { f[j] = (PO_T)(maxv / nrm); any = 1; count++; }
                else f[j] = (PO_T)1;
            }
            /* x * 1 == x bit for bit (NaN and -0 included), so untouched fibres stay bit-identical */
            if (any)
                for (size_t b = 0; b < B; b++) {
                    PO_T *row = wa + b * C + c0;
                    for (size_t j = 0; j < m; j++) row[j] = row[j] * f[j];
                }
            free(acc);
            free(part);
        }
        if (status != PO_OK) return status;
    }
    if (nscaled) *nscaled = count;
    return PO_OK;
}

/* Projection onto {w : ||w||_2 <= r}: nrm = sqrt(sum w^2) (po_sumsq, deterministic blocks);
 * if nrm > r: w *= (PO_T)(r / nrm). */
int PO_FN(po_l2_ball)(PO_T *restrict w, size_t n, double r)
{
    const double nrm = sqrt(PO_SUMSQ(w, n));
    if (!(nrm > r)) return PO_OK;
    const PO_T f = (PO_T)(r / nrm);
    PO_PARALLEL_FOR_SIMD(n)
    for (size_t i = 0; i < n; i++) w[i] = w[i] * f;
    return PO_OK;
}

/* Projection onto {w : ||w||_1 <= r} (Duchi et al. 2008, Fig. 1): if s = sum|w| (double, in order) > r,
 * sort u = |w| descending, rho = max{j : u_j - (sum_{i<=j} u_i - r) / (j+1) > 0} (0-based),
 * theta = (sum_{i<=rho} u_i - r) / (rho + 1), then the soft threshold w <- sign(w) max(|w| - theta, 0). */
static int PO_FN(po_cmp_desc)(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

int PO_FN(po_l1_ball)(PO_T *restrict w, size_t n, double r)
{
    double s = 0.0;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        const double a = fabs((double)w[i]);
        bad |= !(a <= DBL_MAX);              /* NaN or inf in the input (an overflowing sum is fine) */
        s += a;
    }
    if (bad) return PO_ERR_NONFINITE;
    if (!(s > r)) return PO_OK;
    if (!(r > 0.0)) {                          /* the ball of radius 0 is the origin */
        for (size_t i = 0; i < n; i++) w[i] = (PO_T)0;
        return PO_OK;
    }
    double *u = malloc(n * sizeof(double));
    if (!u) return PO_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) u[i] = fabs((double)w[i]);
    qsort(u, n, sizeof(double), PO_FN(po_cmp_desc));
    /* j = 0 always qualifies in exact arithmetic (u_0 - (u_0 - r) = r > 0); start from it so that
     * rounding with a tiny radius cannot leave rho undefined */
    double cs = u[0], csrho = u[0];
    size_t rho = 0;
    for (size_t j = 1; j < n; j++) {
        cs += u[j];
        if (u[j] - (cs - r) / (double)(j + 1) > 0.0) { rho = j; csrho = cs; }
    }
    free(u);
    const double theta = (csrho - r) / (double)(rho + 1);
    return PO_FN(po_prox_l1)(w, n, theta);
}
