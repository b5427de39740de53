/* linalg_tmpl.h -- dense linear algebra, quasi-Newton kernels and C objectives for book 8.6, written once
 * for PO_T = float / double (included twice by linalg.c). Accumulations are in double.
 * Shape legend: n parameters; S, Y are m x n ring buffers; X is N x D row-major; W is D x K row-major. */

/* a'b with four independent partial sums (vectorizable without reassociation flags; serial, so the
 * result does not depend on the thread count). */
double PO_FN(po_so_dot)(const PO_T *a, const PO_T *b, size_t n)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += (double)a[i] * (double)b[i];
        s1 += (double)a[i + 1] * (double)b[i + 1];
        s2 += (double)a[i + 2] * (double)b[i + 2];
        s3 += (double)a[i + 3] * (double)b[i + 3];
    }
    for (; i < n; i++) s0 += (double)a[i] * (double)b[i];
    return (s0 + s1) + (s2 + s3);
}

/* N&W Algorithm 7.4 (two-loop recursion), in torch.optim.LBFGS's order:
 *   q = -g;  for pairs newest -> oldest: a_j = rho_j s_j'q,  q -= a_j y_j
 *   r = gamma q;  for pairs oldest -> newest: b_j = rho_j y_j'r,  r += (a_j - b_j) s_j;  d = r = -H g. */
int PO_FN(po_lbfgs_two_loop)(PO_T *d, const PO_T *g, const PO_T *S, const PO_T *Y, const PO_T *rho,
                             size_t n, size_t m, size_t newest, size_t count, double gamma)
{
    double stackbuf[64];
    double *a = count <= 64 ? stackbuf : malloc(count * sizeof(double));
    if (!a) return PO_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) d[i] = -g[i];
    for (size_t k = 0; k < count; k++) {
        size_t j = (newest + m - k) % m;
        const PO_T *s = S + j * n, *y = Y + j * n;
        a[k] = (double)rho[j] * PO_FN(po_so_dot)(s, d, n);
        PO_T ak = (PO_T)a[k];
        for (size_t i = 0; i < n; i++) d[i] -= ak * y[i];
    }
    PO_T gm = (PO_T)gamma;
    for (size_t i = 0; i < n; i++) d[i] *= gm;
    for (size_t k = count; k-- > 0;) {
        size_t j = (newest + m - k) % m;
        const PO_T *s = S + j * n, *y = Y + j * n;
        double b = (double)rho[j] * PO_FN(po_so_dot)(y, d, n);
        PO_T c = (PO_T)(a[k] - b);
        for (size_t i = 0; i < n; i++) d[i] += c * s[i];
    }
    if (a != stackbuf) free(a);
    return PO_OK;
}

/* N&W eq. 6.17 in product form, H <- P H P' + r s s' with P = I - r s y', r = 1/(y's), in O(n^2) and
 * with the twin's grouping (pyoptim._reference.bfgs_update forms P explicitly). Row i of PH is
 *   (PH)_ij = (1 - r s_i y_i) H_ij - r s_i (u_j - y_i H_ij),   u = H'y,
 * i.e. the diagonal factor P_ii = 1 - r (s_i y_i) is formed first, as in the explicit product; then
 *   H'_ij = (PH)_ij (1 - r y_j s_j) - r s_j (w_i - (PH)_ij y_j) + r s_i s_j,   w_i = (PH)_i: y.
 * The expanded form H - r(s(Hy)' + (Hy)s') + (r^2 y'Hy + r) ss' subtracts O(|H|) terms whose
 * difference is the O(r|s|^2) update: with |H| >> the update (H = [[1.26e33]], s = y = [0.126]) it
 * returned 0 instead of 1. Rows are independent given u, so H is updated row by row in place.
 * Skipped (returns 1) unless y's > 0. work: 2n doubles. */
int PO_FN(po_bfgs_update)(PO_T *H, const PO_T *s, const PO_T *y, size_t n, double *work)
{
    double ys = PO_FN(po_so_dot)(y, s, n);
    if (!(ys > 0.0) || !isfinite(ys)) return 1;
    double r = 1.0 / ys;
    double *u = work, *ph = work + n;
    for (size_t j = 0; j < n; j++) u[j] = 0.0;
    for (size_t k = 0; k < n; k++) {
        double yk = (double)y[k];
        const PO_T *Hk = H + k * n;
        for (size_t j = 0; j < n; j++) u[j] += yk * (double)Hk[j];
    }
    for (size_t i = 0; i < n; i++) {
        PO_T *Hi = H + i * n;
        double si = (double)s[i], yi = (double)y[i];
        double pii = 1.0 - r * (si * yi), rsi = r * si;
        for (size_t j = 0; j < n; j++) {
            double hij = (double)Hi[j];
            ph[j] = pii * hij - rsi * (u[j] - yi * hij);
        }
        double w0 = 0.0, w1 = 0.0, w2 = 0.0, w3 = 0.0;   /* w_i = (PH)_i: y, four partial sums */
        size_t j4 = 0;
        for (; j4 + 4 <= n; j4 += 4) {
            w0 += ph[j4] * (double)y[j4];
            w1 += ph[j4 + 1] * (double)y[j4 + 1];
            w2 += ph[j4 + 2] * (double)y[j4 + 2];
            w3 += ph[j4 + 3] * (double)y[j4 + 3];
        }
        for (; j4 < n; j4++) w0 += ph[j4] * (double)y[j4];
        double w = (w0 + w1) + (w2 + w3);
        for (size_t j = 0; j < n; j++) {
            double sj = (double)s[j], yj = (double)y[j];
            Hi[j] = (PO_T)(ph[j] * (1.0 - r * (yj * sj)) - r * sj * (w - ph[j] * yj) + r * (si * sj));
        }
    }
    return PO_OK;
}

/* Cholesky-Banachiewicz: L L' = A + shift I (lower triangle of L; the upper is zeroed). */
int PO_FN(po_cholesky)(PO_T *L, const PO_T *A, size_t n, double shift)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j <= i; j++) {
            double s = (double)A[i * n + j] + (i == j ? shift : 0.0);
            for (size_t k = 0; k < j; k++) s -= (double)L[i * n + k] * (double)L[j * n + k];
            if (i == j) {
                if (!(s > 0.0) || !isfinite(s)) return PO_ERR_NOT_PD;
                L[i * n + i] = (PO_T)sqrt(s);
            } else {
                L[i * n + j] = (PO_T)(s / (double)L[j * n + j]);
            }
        }
        for (size_t j = i + 1; j < n; j++) L[i * n + j] = 0;
    }
    return PO_OK;
}

/* Forward substitution L z = b, then back substitution L' x = z (x may not alias L). */
void PO_FN(po_cholesky_solve_lower)(PO_T *x, const PO_T *L, const PO_T *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double s = (double)b[i];
        for (size_t k = 0; k < i; k++) s -= (double)L[i * n + k] * (double)x[k];
        x[i] = (PO_T)(s / (double)L[i * n + i]);
    }
    for (size_t i = n; i-- > 0;) {
        double s = (double)x[i];
        for (size_t k = i + 1; k < n; k++) s -= (double)L[k * n + i] * (double)x[k];
        x[i] = (PO_T)(s / (double)L[i * n + i]);
    }
}

/* One Jacobi rotation of two strided vectors x, y (n elements, `stride` apart):
 *     x_k <- c x_k - s y_k,   y_k <- s x_k + c y_k   (both from the old values) */
static void PO_FN(po_so_rotate)(double *x, double *y, size_t stride, size_t n, double c, double s)
{
    for (size_t k = 0; k < n; k++) {
        double xk = x[k * stride], yk = y[k * stride];
        x[k * stride] = c * xk - s * yk;
        y[k * stride] = s * xk + c * yk;
    }
}

/* Cyclic Jacobi (Golub & Van Loan Alg. 8.5.3): rotations P with theta = (a_qq - a_pp) / (2 a_pq),
 * t = sign(theta) / (|theta| + sqrt(theta^2 + 1)), c = 1/sqrt(t^2 + 1), s = t c; A <- P'AP, V <- VP,
 * until the off-diagonal mass is below eps^2 ||A||_F^2. work: 2 n^2 doubles. */
int PO_FN(po_sym_eig)(PO_T *w, PO_T *V, const PO_T *A, size_t n, double *work)
{
    double *a = work, *v = work + n * n;
    double fro = 0.0;
    for (size_t i = 0; i < n * n; i++) {
        a[i] = 0.5 * ((double)A[i] + (double)A[(i % n) * n + i / n]);
        v[i] = (i / n == i % n) ? 1.0 : 0.0;
        fro += a[i] * a[i];
    }
    if (!isfinite(fro)) return PO_ERR_NONFINITE;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0.0;
        for (size_t p = 0; p < n; p++)
            for (size_t q = p + 1; q < n; q++) off += 2.0 * a[p * n + q] * a[p * n + q];
        if (off <= 1e-32 * fro || off == 0.0) break;
        for (size_t p = 0; p < n; p++)
            for (size_t q = p + 1; q < n; q++) {
                double apq = a[p * n + q];
                if (fabs(apq) < 1e-300) continue;
                double theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
                if (!isfinite(theta)) t = 0.5 / theta;
                double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
                PO_FN(po_so_rotate)(a + p, a + q, n, n, c, s);       /* columns p, q of A: A <- AP */
                PO_FN(po_so_rotate)(a + p * n, a + q * n, 1, n, c, s);   /* rows p, q: A <- P'A */
                PO_FN(po_so_rotate)(v + p, v + q, n, n, c, s);       /* columns p, q of V: V <- VP */
            }
    }
    /* sort ascending (selection sort, moving the eigenvector columns along) */
    for (size_t i = 0; i < n; i++) {
        size_t best = i;
        for (size_t j = i + 1; j < n; j++)
            if (a[j * n + j] < a[best * n + best]) best = j;
        if (best != i) {
            double tmp = a[i * n + i];
            a[i * n + i] = a[best * n + best];
            a[best * n + best] = tmp;
            for (size_t k = 0; k < n; k++) {
                tmp = v[k * n + i];
                v[k * n + i] = v[k * n + best];
                v[k * n + best] = tmp;
            }
        }
    }
    for (size_t i = 0; i < n; i++) w[i] = (PO_T)a[i * n + i];
    for (size_t i = 0; i < n * n; i++) V[i] = (PO_T)v[i];
    return PO_OK;
}

/* N&W Algorithm 5.2, one iteration given Ap = A p (r = b - A x):
 *   a = rr / p'Ap;  x += a p;  r -= a Ap;  rr' = r'r;  p <- r + (rr'/rr) p.
 * rr must be > 0 (PO_ERR_VALUE otherwise, nothing written): rr = 0 means r = 0, CG has converged. */
int PO_FN(po_cg_step)(PO_T *x, PO_T *r, PO_T *p, const PO_T *Ap, size_t n, double rr, double *rr_new)
{
    if (!(rr > 0.0)) return PO_ERR_VALUE;   /* rr = r'r = 0: converged (the caller stops); NaN: invalid */
    double pAp = PO_FN(po_so_dot)(p, Ap, n);
    if (!(pAp > 0.0)) return PO_ERR_NOT_PD;
    PO_T a = (PO_T)(rr / pAp);
    for (size_t i = 0; i < n; i++) {
        x[i] += a * p[i];
        r[i] -= a * Ap[i];
    }
    double rn = PO_FN(po_so_dot)(r, r, n);
    PO_T beta = (PO_T)(rn / rr);
    for (size_t i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
    *rr_new = rn;
    return PO_OK;
}

/* Book 8.7.2, exact cyclic coordinate descent on x'Ax/2 - b'x + l1 |x|_1, one sweep:
 *   x_i <- S(b_i - sum_{j != i} A_ij x_j, l1) / A_ii,   S(z, l) = sign(z) max(|z| - l, 0).
 * Returns max_i |change of x_i| (NaN if any change is NaN); path (n x n, optional): row i = x after
 * coordinate i. A NaN in z_i or A_ii gives x_i = NaN (IEEE propagation, docs/nonfinite.md); inside the
 * threshold (|z| <= l1) x_i is exactly 0 otherwise, even for A_ii = 0 (the minimizer over x_i). */
double PO_FN(po_cd_sweep)(PO_T *x, const PO_T *A, const PO_T *b, size_t n, double l1, PO_T *path)
{
    double maxd = 0.0;
    for (size_t i = 0; i < n; i++) {
        double aii = (double)A[i * n + i];
        double z = (double)b[i] - (PO_FN(po_so_dot)(A + i * n, x, n) - aii * (double)x[i]);
        double az = fabs(z) - l1, v;
        if (az > 0.0) v = (z > 0 ? az : -az) / aii;
        else if (isnan(az) || isnan(aii)) v = az + aii;   /* a NaN propagates (the twin's max keeps it) */
        else v = 0.0;   /* inside the threshold: exactly 0, also when A_ii = 0 */
        double ch = fabs(v - (double)x[i]);
        if (ch > maxd || isnan(ch)) maxd = ch;   /* a NaN change sticks: later finite ones don't hide it */
        x[i] = (PO_T)v;
        if (path) memcpy(path + i * n, x, n * sizeof(PO_T));
    }
    return maxd;
}

/* ---- objectives ------------------------------------------------------------------------------------ */

/* f = sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2;
 * g_i = -400 x_i (x_{i+1} - x_i^2) - 2 (1 - x_i) [i < n-1] + 200 (x_i - x_{i-1}^2) [i > 0]. */
void PO_FN(po_rosenbrock)(PO_T *g, double *f, const PO_T *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) g[i] = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        double xi = (double)x[i], t = (double)x[i + 1] - xi * xi, u = 1.0 - xi;
        s += 100.0 * t * t + u * u;
        g[i] = (PO_T)((double)g[i] - 400.0 * xi * t - 2.0 * u);
        g[i + 1] = (PO_T)(200.0 * t);
    }
    *f = s;
}

/* f = x'(Hx/2 - b), g = Hx - b. */
void PO_FN(po_quadratic)(PO_T *g, double *f, const PO_T *x, const PO_T *H, const PO_T *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double hx = PO_FN(po_so_dot)(H + i * n, x, n);
        s += (double)x[i] * (0.5 * hx - (double)b[i]);
        g[i] = (PO_T)(hx - (double)b[i]);
    }
    *f = s;
}

/* The model objectives sum over fixed blocks of PO_SO_ROWBLK rows: each block's partial value and
 * gradient (in double) are computed in one pass over its rows (in parallel for large N*D), then the
 * blocks are added in order -- bit-identical for any thread count. */
#ifndef PO_SO_ROWBLK
#define PO_SO_ROWBLK 256
#endif

/* The serial end of po_so_glm and po_softmax: block blk's partial gradient sums are
 * part[blk*stride + 0..n) and its loss sum is part[blk*stride + n]; the blocks are added in block order
 * (the same bits for any thread count), then
 *     g = (sum of partial gradients) / N + l2 w,   f = (sum of block losses) / N + sum_j ((l2/2) w_j) w_j
 * with the penalty in the twin's order ((0.5*l2*w) @ w): l2 = 0 adds exactly 0 even when ||w||^2
 * overflows ((l2/2) ||w||^2 would be 0 * inf = NaN). Frees `part`. */
static int PO_FN(po_so_blocks_finish)(PO_T *g, double *f, const PO_T *w, double *part, size_t nb, size_t stride,
                                      size_t n, size_t N, double l2)
{
    double inv = 1.0 / (double)(N > 0 ? N : 1);
    double fs = 0.0, pen = 0.0, hl2 = 0.5 * l2;
    for (size_t j = 0; j < n; j++) pen += (hl2 * (double)w[j]) * (double)w[j];
    for (size_t j = 0; j < n; j++) {
        double s = 0.0;
        for (size_t blk = 0; blk < nb; blk++) s += part[blk * stride + j];
        g[j] = (PO_T)(s * inv + l2 * (double)w[j]);
    }
    for (size_t blk = 0; blk < nb; blk++) fs += part[blk * stride + n];
    *f = fs * inv + pen;
    free(part);
    return PO_OK;
}

/* kind 0: least squares, loss_i = (z_i - y_i)^2 / 2, r_i = z_i - y_i;
 * kind 1: logistic,      loss_i = log(1 + e^{z_i}) - y_i z_i, r_i = sigma(z_i) - y_i. z = X w. */
static int PO_FN(po_so_glm)(int kind, PO_T *g, double *f, const PO_T *w, const PO_T *X, const PO_T *y,
                            size_t N, size_t D, double l2)
{
    size_t nb = (N + PO_SO_ROWBLK - 1) / PO_SO_ROWBLK;
    size_t stride, nbytes, work;
    if (po_size_add(D, 1, &stride) | po_size_mul3(nb, stride, sizeof(double), &nbytes) | po_size_mul(N, D, &work))
        return PO_ERR_VALUE;
    double *part = NULL;
    if (nb) {
        part = malloc(nbytes);
        if (!part) return PO_ERR_NOMEM;
    }
    (void)work;
    PO_PARALLEL_FOR(work)
    for (size_t blk = 0; blk < nb; blk++) {
        double *pg = part + blk * stride;
        for (size_t j = 0; j < D; j++) pg[j] = 0.0;
        double fs = 0.0;
        size_t lo = blk * PO_SO_ROWBLK, hi = lo + PO_SO_ROWBLK < N ? lo + PO_SO_ROWBLK : N;
        for (size_t i = lo; i < hi; i++) {
            const PO_T *xi = X + i * D;
            double z = PO_FN(po_so_dot)(xi, w, D), yi = (double)y[i], r;
            if (kind == 0) {
                r = z - yi;
                fs += 0.5 * r * r;
            } else {
                /* log(1 + e^z) = max(z, 0) + log1p(e^{-|z|}); sigma(z) = 1/(1 + e^{-z}) stably */
                double e = exp(-fabs(z));
                fs += (z > 0 ? z : 0.0) + log1p(e) - yi * z;
                double sg = z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
                r = sg - yi;
            }
            for (size_t j = 0; j < D; j++) pg[j] += r * (double)xi[j];
        }
        pg[D] = fs;
    }
    return PO_FN(po_so_blocks_finish)(g, f, w, part, nb, stride, D, N, l2);
}

int PO_FN(po_least_squares)(PO_T *g, double *f, const PO_T *w, const PO_T *X, const PO_T *y, size_t N,
                            size_t D, double l2)
{
    return PO_FN(po_so_glm)(0, g, f, w, X, y, N, D, l2);
}

int PO_FN(po_logistic)(PO_T *g, double *f, const PO_T *w, const PO_T *X, const PO_T *y, size_t N,
                       size_t D, double l2)
{
    return PO_FN(po_so_glm)(1, g, f, w, X, y, N, D, l2);
}

/* Softmax regression, W = w as D x K: z_i = x_i' W, loss_i = logsumexp(z_i) - z_{i,y_i},
 * dW += x_i (softmax(z_i) - e_{y_i})'. Labels outside [0, K) give PO_ERR_INDEX. */
int PO_FN(po_softmax)(PO_T *g, double *f, const PO_T *w, const PO_T *X, const int64_t *y, size_t N,
                      size_t D, size_t K, double l2)
{
    for (size_t i = 0; i < N; i++) {
        int64_t yi = PO_LOAD_ONCE(&y[i]);
        if (yi < 0 || (uint64_t)yi >= (uint64_t)K) return PO_ERR_INDEX;
    }
    size_t nb = (N + PO_SO_ROWBLK - 1) / PO_SO_ROWBLK;
    size_t DK, stride, nbytes, work;
    if (po_size_mul(D, K, &DK) | po_size_add(DK, 1, &stride) | po_size_add(stride, K, &stride) |
        po_size_mul3(nb, stride, sizeof(double), &nbytes) | po_size_mul(N, DK, &work))
        return PO_ERR_VALUE;   /* sizes that do not fit in size_t (the binding checks first) */
    double *part = NULL;
    if (nb) {
        part = malloc(nbytes);
        if (!part) return PO_ERR_NOMEM;
    }
    int bad = 0;
    (void)work;
    PO_PARALLEL_FOR(work)
    for (size_t blk = 0; blk < nb; blk++) {
        double *pg = part + blk * stride, *z = pg + DK + 1;
        for (size_t j = 0; j < DK; j++) pg[j] = 0.0;
        double fs = 0.0;
        size_t lo = blk * PO_SO_ROWBLK, hi = lo + PO_SO_ROWBLK < N ? lo + PO_SO_ROWBLK : N;
        for (size_t i = lo; i < hi; i++) {
            const PO_T *xi = X + i * D;
            for (size_t k = 0; k < K; k++) z[k] = 0.0;
            for (size_t j = 0; j < D; j++) {
                double xj = (double)xi[j];
                const PO_T *Wj = w + j * K;
                for (size_t k = 0; k < K; k++) z[k] += xj * (double)Wj[k];
            }
            double zmax = z[0];
            for (size_t k = 1; k < K; k++) if (z[k] > zmax) zmax = z[k];
            /* read once, checked where used: another thread may have rewritten it since the check above */
            int64_t yl = PO_LOAD_ONCE(&y[i]);
            if (yl < 0 || (uint64_t)yl >= (uint64_t)K) {
                __atomic_store_n(&bad, 1, __ATOMIC_RELAXED);
                continue;
            }
            size_t yi = (size_t)yl;
            double zy = z[yi] - zmax, se = 0.0;
            for (size_t k = 0; k < K; k++) { z[k] = exp(z[k] - zmax); se += z[k]; }
            fs += log(se) - zy;   /* logsumexp(z) - z_y, shifted by zmax */
            for (size_t k = 0; k < K; k++) z[k] /= se;
            z[yi] -= 1.0;
            for (size_t j = 0; j < D; j++) {
                double xj = (double)xi[j];
                double *Gj = pg + j * K;
                for (size_t k = 0; k < K; k++) Gj[k] += xj * z[k];
            }
        }
        pg[DK] = fs;
    }
    if (bad) {
        free(part);
        return PO_ERR_INDEX;
    }
    return PO_FN(po_so_blocks_finish)(g, f, w, part, nb, stride, DK, N, l2);
}
