/* lbfgsb_model.c -- L-BFGS-B's compact quadratic model (float64): the middle matrix M = K^-1 of
 * B = theta I - W M W' [BLNZ (3.2)-(3.4)], the generalized Cauchy point (step 1 of lbfgsb.c's iteration) and
 * the subspace step with Morales & Nocedal's backtrack (step 2). References and notation: lbfgsb.c's header.
 *
 * Shape legend: n parameters; m memory; c <= m pairs kept; W n x 2c (never stored: lb_w); K, M, A 2c x 2c
 * row-major; SY, SS m x m.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lbfgsb_ws.h"

/* Solve A u = b (k x k, row-major; A and b overwritten) by Gaussian elimination with partial pivoting,
 * the first largest pivot of each column. Returns 0, or -1 when a pivot is 0 or not finite. */
static int lb_solve(double *A, double *b, double *u, size_t k)
{
    for (size_t c = 0; c < k; c++) {
        size_t p = c;
        for (size_t r = c + 1; r < k; r++)
            if (fabs(A[r * k + c]) > fabs(A[p * k + c])) p = r;
        double piv = A[p * k + c];
        if (!(fabs(piv) > 0.0) || !isfinite(piv)) return -1;
        if (p != c) {
            for (size_t j = 0; j < k; j++) {
                double t = A[c * k + j];
                A[c * k + j] = A[p * k + j];
                A[p * k + j] = t;
            }
            double t = b[c];
            b[c] = b[p];
            b[p] = t;
        }
        for (size_t r = c + 1; r < k; r++) {
            double fac = A[r * k + c] / A[c * k + c];
            for (size_t j = c; j < k; j++) A[r * k + j] -= fac * A[c * k + j];
            b[r] -= fac * b[c];
        }
    }
    for (size_t c = k; c-- > 0;) {
        double s = 0.0;
        for (size_t j = c + 1; j < k; j++) s += A[c * k + j] * u[j];
        u[c] = (b[c] - s) / A[c * k + c];
    }
    return 0;
}

/* out = M v (k = 2 col). */
static void lb_mv(const lb_ws *w, const double *v, double *out)
{
    size_t k = 2 * w->col;
    for (size_t i = 0; i < k; i++) {
        double s = 0.0;
        for (size_t j = 0; j < k; j++) s += w->M[i * k + j] * v[j];
        out[i] = s;
    }
}

/* BLNZ (3.3)-(3.4): K = [[-D, L'], [L, theta S'S]] from SY, SS; then M = K^-1 column by column.
 * Returns -1 when K is singular. */
int lb_form_middle(lb_ws *w)
{
    size_t c = w->col, k = 2 * c, m = w->m;
    for (size_t i = 0; i < c; i++)
        for (size_t j = 0; j < c; j++) {
            w->K[i * k + j] = i == j ? -w->SY[i * m + i] : 0.0;                       /* -D */
            w->K[i * k + c + j] = j > i ? w->SY[j * m + i] : 0.0;                     /* L' */
            w->K[(c + i) * k + j] = i > j ? w->SY[i * m + j] : 0.0;                   /* L */
            w->K[(c + i) * k + c + j] = w->theta * w->SS[i * m + j];                  /* theta S'S */
        }
    for (size_t j = 0; j < k; j++) {
        memcpy(w->A, w->K, k * k * sizeof(double));
        for (size_t i = 0; i < k; i++) w->b[i] = i == j ? 1.0 : 0.0;
        if (lb_solve(w->A, w->b, w->u, k) < 0) return -1;
        for (size_t i = 0; i < k; i++) w->M[i * k + j] = w->u[i];
    }
    return 0;
}

typedef struct { double t; size_t order; size_t i; } lb_brk;

static int lb_brk_cmp(const void *a, const void *b)
{
    const lb_brk *x = a, *y = b;
    if (x->t < y->t) return -1;
    if (x->t > y->t) return 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* ---- 1. the generalized Cauchy point (BLNZ section 4, Algorithm CP) -----------------------------------
 * Along x(t) = P(x - t g) the breakpoints are t_i = (x_i - hi_i)/g_i (g_i < 0), (x_i - lo_i)/g_i (g_i > 0).
 * On the segment after a breakpoint, with d the direction still moving and z the step so far,
 *     f' = g'd + d'B z,   f'' = d'B d,   the minimizer at dt* = -f'/f''.
 * Crossing breakpoint b (d_b = -g_b, z_b = xcp_b - x_b, p = W'd, c = W'z):
 *     c <- c + dt p
 *     f'  <- f' + dt f'' + g_b^2 + theta g_b z_b - g_b w_b'M c
 *     f'' <- f'' - theta g_b^2 - 2 g_b w_b'M p - g_b^2 w_b'M w_b,   f'' >= eps f''_0
 *     p  <- p + g_b w_b
 * Writes xcp, c = W'(xcp - x) and freev (1: free at xcp). Variables at a bound with the gradient pointing
 * out, and fixed variables (lo = hi), stay put. Returns the breakpoint list's allocation status. */
/* Long on purpose: BLNZ Algorithm CP whole, segment by segment, as its twin _lb_cauchy reads. */
int lb_cauchy(lb_ws *w, const double *x, const double *g, const double *lo, const double *hi)
{
    size_t n = w->n, k = 2 * w->col, nbreak = 0;
    int any = 0;
    double *d = w->d;
    lb_brk *brk = NULL;
    for (size_t i = 0; i < n; i++) {
        d[i] = 0.0;
        w->freev[i] = 0;
        if (w->fixed[i]) continue;
        double gi = g[i];
        int atl = isfinite(lo[i]) && x[i] - lo[i] <= 0.0, atu = isfinite(hi[i]) && hi[i] - x[i] <= 0.0;
        if ((atl && -gi <= 0.0) || (atu && -gi >= 0.0)) continue;
        w->freev[i] = 1;
        d[i] = -gi;
        if (d[i] != 0.0) any = 1;
        if (isfinite(lo[i]) && -gi < 0.0) { w->tbrk[nbreak] = (x[i] - lo[i]) / gi; w->ibrk[nbreak++] = i; }
        else if (isfinite(hi[i]) && -gi > 0.0) { w->tbrk[nbreak] = (hi[i] - x[i]) / -gi; w->ibrk[nbreak++] = i; }
    }
    memcpy(w->xcp, x, n * sizeof(double));
    for (size_t j = 0; j < k; j++) w->c[j] = 0.0;
    if (!any) return PO_OK;
    for (size_t j = 0; j < k; j++) {   /* p = W'd */
        double s = 0.0;
        for (size_t i = 0; i < n; i++) s += lb_w(w, i, j) * d[i];
        w->p[j] = s;
    }
    double f1 = -lb_dot(d, d, n);
    double f2 = -w->theta * f1;
    double f2_org = f2;
    if (k) {
        lb_mv(w, w->p, w->v);
        f2 -= lb_dot(w->p, w->v, k);
    }
    double dtm = -f1 / f2, tsum = 0.0, tj = 0.0;
    if (nbreak) {
        size_t nb;
        if (po_size_mul(nbreak, sizeof(lb_brk), &nb)) return PO_ERR_NOMEM;
        brk = malloc(nb);
        if (!brk) return PO_ERR_NOMEM;
        for (size_t j = 0; j < nbreak; j++) { brk[j].t = w->tbrk[j]; brk[j].order = j; brk[j].i = w->ibrk[j]; }
        qsort(brk, nbreak, sizeof(lb_brk), lb_brk_cmp);
    }
    size_t nleft = nbreak, used = 0;
    for (; used < nbreak; used++) {
        double tj0 = tj;
        tj = brk[used].t;
        size_t b = brk[used].i;
        double dt = tj - tj0;
        if (dtm < dt) break;
        tsum += dt;
        nleft--;
        double db = d[b];
        d[b] = 0.0;
        double bound = db > 0 ? hi[b] : lo[b];
        double zb = bound - x[b];
        w->xcp[b] = bound;
        w->freev[b] = 0;
        if (nleft == 0 && nbreak == n) {   /* every variable is now at a bound */
            for (size_t j = 0; j < k; j++) w->c[j] += dt * w->p[j];
            free(brk);
            return PO_OK;
        }
        f1 = f1 + dt * f2 + db * db - w->theta * db * zb;
        f2 = f2 - w->theta * db * db;
        if (k) {
            for (size_t j = 0; j < k; j++) {
                w->c[j] += dt * w->p[j];
                w->wb[j] = lb_w(w, b, j);
            }
            lb_mv(w, w->wb, w->v);
            f1 += db * lb_dot(w->c, w->v, k);
            f2 += 2.0 * db * lb_dot(w->p, w->v, k) - db * db * lb_dot(w->wb, w->v, k);
            for (size_t j = 0; j < k; j++) w->p[j] = w->p[j] - db * w->wb[j];
        }
        f2 = fmax(DBL_EPSILON * f2_org, f2);
        dtm = -f1 / f2;
    }
    if (used == nbreak && nbreak) {   /* every breakpoint passed: only unbounded directions still move */
        int moving = 0;
        for (size_t i = 0; i < n; i++) if (d[i] != 0.0) { moving = 1; break; }
        if (!moving) dtm = 0.0;
    }
    free(brk);
    if (dtm < 0.0) dtm = 0.0;
    tsum += dtm;
    for (size_t i = 0; i < n; i++) w->xcp[i] += tsum * d[i];
    for (size_t j = 0; j < k; j++) w->c[j] += dtm * w->p[j];
    return PO_OK;
}

/* ---- 2. subspace minimization (BLNZ 5.1, direct primal) and the MN backtrack ---------------------------
 * Over the free variables F (Z the columns of I in F), with r = Z'(g + theta (xcp - x) - W M c):
 *     du = -B_F^-1 r,   B_F = theta I - W_F M W_F'   (W_F the rows of W in F)
 *        = -(r / theta + W_F u / theta^2),   (K - W_F'W_F / theta) u = W_F' r      (Sherman-Morrison-Woodbury)
 * z = P(xcp + Z du); if some variable of F landed on a bound and (z - x)'g > 0, instead
 *     z = xcp + alpha Z du,   alpha = max{a <= 1 : xcp + a Z du in the box}   (MN 2011)
 * with the variable that limits alpha set exactly to its bound. Writes z into w->xcp.
 * Returns 0, or -1 when the 2c x 2c system is singular. */
/* Long on purpose: BLNZ 5.1 then MN's projection or backtrack, in one pass as its twin _lb_subspace. */
int lb_subspace(lb_ws *w, const double *x, const double *g, const double *lo, const double *hi)
{
    size_t n = w->n, col = w->col, k = 2 * col, nf = 0;
    double th = w->theta, *xcp = w->xcp, *r = w->r, *du = w->du;
    size_t na = 0, *Fa = w->ibrk;   /* the variables not free (ibrk is free after the Cauchy point) */
    for (size_t i = 0; i < n; i++) {
        if (w->freev[i]) w->F[nf++] = i;
        else Fa[na++] = i;
    }
    /* column j of W is the row (j < col ? y_j : s_{j-col}) of Y or S, scaled by (j < col ? 1 : theta):
     * every product below runs along those rows (contiguous in memory), gathered at F */
#define LB_ROW(j) ((j) < col ? w->Y + (j) * n : w->S + ((j) - col) * n)
#define LB_SCALE(j) ((j) < col ? 1.0 : th)
    lb_mv(w, w->c, w->v);   /* v = M c */
    for (size_t a = 0; a < nf; a++) r[a] = g[w->F[a]] + th * (xcp[w->F[a]] - x[w->F[a]]);
    for (size_t j = 0; j < k; j++) {   /* r -= W_F v */
        const double *row = LB_ROW(j);
        double vj = LB_SCALE(j) * w->v[j];
        for (size_t a = 0; a < nf; a++) r[a] -= row[w->F[a]] * vj;
    }
    for (size_t a = 0; a < k; a++) {   /* A = K - W_F'W_F / theta (symmetric: the upper half, mirrored), b = W_F' r */
        const double *ra = LB_ROW(a);
        double sb = 0.0;
        for (size_t q = 0; q < nf; q++) sb += ra[w->F[q]] * r[q];
        w->b[a] = LB_SCALE(a) * sb;
        for (size_t bb = a; bb < k; bb++) {
            const double *rb = LB_ROW(bb);
            double s = 0.0;
            if (nf <= na) {
                for (size_t q = 0; q < nf; q++) s += ra[w->F[q]] * rb[w->F[q]];
            } else {   /* fewer variables fixed than free: the full product (kept) minus the fixed part */
                size_t m = w->m;
                s = a < col ? (bb < col ? w->YY[a * m + bb] : w->SY[(bb - col) * m + a])
                            : w->SS[(a - col) * m + (bb - col)];
                for (size_t q = 0; q < na; q++) s -= ra[Fa[q]] * rb[Fa[q]];
            }
            s *= LB_SCALE(a) * LB_SCALE(bb);
            w->A[a * k + bb] = w->K[a * k + bb] - s / th;
            w->A[bb * k + a] = w->K[bb * k + a] - s / th;
        }
    }
    if (lb_solve(w->A, w->b, w->u, k) < 0) return -1;
    int hit = 0;
    for (size_t a = 0; a < nf; a++) du[a] = 0.0;
    for (size_t j = 0; j < k; j++) {   /* du = W_F u, then du = -(r / theta + du / theta^2) */
        const double *row = LB_ROW(j);
        double uj = LB_SCALE(j) * w->u[j];
        for (size_t a = 0; a < nf; a++) du[a] += row[w->F[a]] * uj;
    }
#undef LB_ROW
#undef LB_SCALE
    for (size_t a = 0; a < nf; a++) du[a] = -(r[a] / th + du[a] / (th * th));
    /* z = P(xcp + du) on F; xt keeps xcp for the backtrack */
    memcpy(w->xt, xcp, n * sizeof(double));
    for (size_t a = 0; a < nf; a++) {
        size_t i = w->F[a];
        double zi = fmin(fmax(xcp[i] + du[a], lo[i]), hi[i]);
        if (zi == lo[i] || zi == hi[i]) hit = 1;
        xcp[i] = zi;
    }
    if (!hit) return 0;
    double dd = 0.0;
    for (size_t i = 0; i < n; i++) dd += (xcp[i] - x[i]) * g[i];
    if (dd <= 0.0) return 0;
    memcpy(xcp, w->xt, n * sizeof(double));
    double alpha = 1.0;
    size_t ibd = 0;
    int have = 0;
    for (size_t a = 0; a < nf; a++) {
        size_t i = w->F[a];
        double dk = du[a], t1 = alpha;
        if (dk < 0.0 && isfinite(lo[i])) {
            double t2 = lo[i] - xcp[i];
            t1 = t2 >= 0.0 ? 0.0 : (dk * alpha < t2 ? t2 / dk : t1);
        } else if (dk > 0.0 && isfinite(hi[i])) {
            double t2 = hi[i] - xcp[i];
            t1 = t2 <= 0.0 ? 0.0 : (dk * alpha > t2 ? t2 / dk : t1);
        }
        if (t1 < alpha) { alpha = t1; ibd = a; have = 1; }
    }
    if (alpha < 1.0 && have) {
        size_t i = w->F[ibd];
        xcp[i] = du[ibd] > 0 ? hi[i] : lo[i];
        du[ibd] = 0.0;
    }
    for (size_t a = 0; a < nf; a++) xcp[w->F[a]] += alpha * du[a];
    return 0;
}
