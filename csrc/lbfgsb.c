/* lbfgsb.c -- L-BFGS-B (float64): minimize f(x) subject to lo <= x <= hi.
 *
 * Byrd, Lu, Nocedal & Zhu (1995), "A limited memory algorithm for bound constrained optimization",
 * SIAM J. Sci. Comput. 16(5) [BLNZ]; Morales & Nocedal (2011), "Remark on Algorithm 778", ACM TOMS 38(1)
 * [MN]; More & Thuente (1994), "Line search algorithms with guaranteed sufficient decrease", ACM TOMS 20(3)
 * [MT]. The same steps, tests and constants as the Fortran/C code behind scipy.optimize's L-BFGS-B; the
 * linear algebra of the subspace step is written out below (Sherman-Morrison-Woodbury on the compact form)
 * rather than through the original's LEL' factorization of the 2m x 2m matrix: the same step in exact
 * arithmetic.
 *
 * Each iteration, from x with gradient g and the compact limited-memory matrix [BLNZ (3.2)-(3.4)]
 *     B = theta I - W M W',   W = [Y, theta S] (n x 2c),   M = K^-1,   K = [[-D, L'], [L, theta S'S]]
 * (c <= m pairs, oldest first; D = diag(s_i'y_i), L_ij = s_i'y_j for i > j, theta = y'y / s'y of the newest):
 *   1. the generalized Cauchy point xcp: the first minimizer of the model q(z) = g'(z - x) + (z - x)'B(z - x)/2
 *      along the projected steepest-descent path P(x - t g) (BLNZ Algorithm CP), which fixes the active set;
 *   2. the subspace step: minimize q over the variables still free at xcp (BLNZ 5.1, direct primal), project
 *      the result onto the box, and when that projected point is not a descent point from x, backtrack along
 *      the subspace step to the first bound instead (MN);
 *   3. the line search along d = z - x: MT's dcsrch (ftol 1e-3, gtol 0.9, xtol 0.1) with steps in
 *      (0, stpmax], stpmax the largest step that keeps x + t d in the box (1 on the first iteration, whose
 *      first trial step is min(1/|d|, 1) unless every variable has both bounds);
 *   4. the memory update with s = x_new - x, y = g_new - g, skipped unless s'y > eps (-g's).
 * A line search that fails (maxls evaluations, or no descent) restarts from the steepest-descent path with
 * an empty memory; with an empty memory already it ends the run (SciPy's ABNORMAL).
 *
 * Shape legend: n parameters; m memory; S, Y m x n row-major, row j = pair j, oldest first; SY, SS, YY m x m
 * (SY_ij = s_i'y_j, SS_ij = s_i's_j, YY_ij = y_i'y_j); K, M (2m x 2m).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lbfgsb.h"

void po_lbfgsb_param_init(po_lbfgsb_param *p)
{
    p->m = 10;
    p->pgtol = 1e-5;
    p->ftol = 2.2204460492503131e-09;
    p->maxiter = 15000;
    p->maxfun = 15000;
    p->maxls = 20;
    p->state_out = NULL;
}

static double lb_dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* max_i |pg_i|, pg_i = max(x_i - hi_i, g_i) when g_i < 0, min(x_i - lo_i, g_i) otherwise: the projected
 * gradient x - P(x - g) (L-BFGS-B's projgr). */
static double lb_projgr(const double *x, const double *g, const double *lo, const double *hi, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        double gi = g[i];
        if (gi < 0.0) gi = fmax(x[i] - hi[i], gi);
        else gi = fmin(x[i] - lo[i], gi);
        if (fabs(gi) > m) m = fabs(gi);
    }
    return m;
}

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

/* ---- the solver's state ------------------------------------------------------------------------------ */

typedef struct {
    size_t n, m, col;      /* col: pairs kept (the c of the header) */
    double theta;
    double *S, *Y;         /* m x n */
    double *SY, *SS, *YY; /* m x m: s_i'y_j, s_i's_j, y_i'y_j */
    double *K, *M;         /* (2m)^2: K = M^-1 as formed, M its inverse */
    double *A, *b, *u, *v; /* (2m)^2 and 3 x 2m scratch */
    double *p, *c, *wb;    /* 2m each: W'd, W'(xcp - x), a row of W */
    double *xcp, *d, *xold, *gold, *xt, *gt, *r, *du, *tbrk;   /* n each */
    size_t *ibrk, *F;      /* n each: breakpoint variables, free variables */
    unsigned char *fixed, *freev;
} lb_ws;

/* W[i][j] for the compact form W = [Y, theta S]: column j < col is y_j, column col + j is theta s_j. */
static inline double lb_w(const lb_ws *w, size_t i, size_t j)
{
    return j < w->col ? w->Y[j * w->n + i] : w->theta * w->S[(j - w->col) * w->n + i];
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
static int lb_form_middle(lb_ws *w)
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
static int lb_cauchy(lb_ws *w, const double *x, const double *g, const double *lo, const double *hi)
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
static int lb_subspace(lb_ws *w, const double *x, const double *g, const double *lo, const double *hi)
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

/* ---- 3. the line search: MINPACK-2's dcsrch / dcstep [MT] -----------------------------------------------
 * Find t in (0, stpmax] with  phi(t) <= phi(0) + ftol t phi'(0)  and  |phi'(t)| <= gtol |phi'(0)|,
 * phi(t) = f(x + t d); safeguarded cubic/quadratic steps inside an interval of uncertainty [stx, sty]. */
typedef struct {
    int brackt, stage;
    double finit, ginit, gtest, width, width1, stx, fx, dx, sty, fy, dy, stmin, stmax;
    double ftol, gtol, xtol, stpmax;
} lb_mt;

/* dcstep: the new trial step from the interval ends and the trial (stp, fp, dp) [MT section 4]. */
static double lb_dcstep(lb_mt *s, double stp, double fp, double dp, double stpmin, double stpmax)
{
    double stx = s->stx, fx = s->fx, dx = s->dx, sty = s->sty, fy = s->fy, dy = s->dy, stpf;
    double sgnd = dp * copysign(1.0, dx);
    if (fp > fx) {   /* case 1: higher value: the minimum is bracketed */
        double theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp;
        double sm = fmax(fmax(fabs(theta), fabs(dx)), fabs(dp));
        double gamma = sm * sqrt((theta / sm) * (theta / sm) - (dx / sm) * (dp / sm));
        if (stp < stx) gamma = -gamma;
        double p = (gamma - dx) + theta, q = ((gamma - dx) + gamma) + dp;
        double stpc = stx + (p / q) * (stp - stx);
        double stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2.0) * (stp - stx);
        stpf = fabs(stpc - stx) < fabs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2.0;
        s->brackt = 1;
    } else if (sgnd < 0.0) {   /* case 2: derivatives of opposite sign: bracketed */
        double theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp;
        double sm = fmax(fmax(fabs(theta), fabs(dx)), fabs(dp));
        double gamma = sm * sqrt((theta / sm) * (theta / sm) - (dx / sm) * (dp / sm));
        if (stp > stx) gamma = -gamma;
        double p = (gamma - dp) + theta, q = ((gamma - dp) + gamma) + dx;
        double stpc = stp + (p / q) * (stx - stp);
        double stpq = stp + (dp / (dp - dx)) * (stx - stp);
        stpf = fabs(stpc - stp) > fabs(stpq - stp) ? stpc : stpq;
        s->brackt = 1;
    } else if (fabs(dp) < fabs(dx)) {   /* case 3: the derivative decreases in magnitude */
        double theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp;
        double sm = fmax(fmax(fabs(theta), fabs(dx)), fabs(dp));
        double gamma = sm * sqrt(fmax(0.0, (theta / sm) * (theta / sm) - (dx / sm) * (dp / sm)));
        if (stp > stx) gamma = -gamma;
        double p = (gamma - dp) + theta, q = (gamma + (dx - dp)) + gamma, r = p / q, stpc;
        if (r < 0.0 && gamma != 0.0) stpc = stp + r * (stx - stp);
        else if (stp > stx) stpc = stpmax;
        else stpc = stpmin;
        double stpq = stp + (dp / (dp - dx)) * (stx - stp);
        if (s->brackt) {
            stpf = fabs(stpc - stp) < fabs(stpq - stp) ? stpc : stpq;
            if (stp > stx) stpf = fmin(stp + 0.66 * (sty - stp), stpf);
            else stpf = fmax(stp + 0.66 * (sty - stp), stpf);
        } else {
            stpf = fabs(stpc - stp) > fabs(stpq - stp) ? stpc : stpq;
            stpf = fmax(stpmin, fmin(stpmax, stpf));
        }
    } else {   /* case 4: the derivative does not decrease in magnitude */
        if (s->brackt) {
            double theta = 3.0 * (fp - fy) / (sty - stp) + dy + dp;
            double sm = fmax(fmax(fabs(theta), fabs(dy)), fabs(dp));
            double gamma = sm * sqrt((theta / sm) * (theta / sm) - (dy / sm) * (dp / sm));
            if (stp > sty) gamma = -gamma;
            double p = (gamma - dp) + theta, q = ((gamma - dp) + gamma) + dy;
            stpf = stp + (p / q) * (sty - stp);
        } else if (stp > stx) {
            stpf = stpmax;
        } else {
            stpf = stpmin;
        }
    }
    if (fp > fx) {
        s->sty = stp; s->fy = fp; s->dy = dp;
    } else {
        if (sgnd < 0.0) { s->sty = stx; s->fy = fx; s->dy = dx; }
        s->stx = stp; s->fx = fp; s->dx = dp;
    }
    return stpf;
}

static void lb_dcsrch_start(lb_mt *s, double f, double g, double stp, double stpmax)
{
    s->brackt = 0; s->stage = 1; s->finit = f; s->ginit = g;
    s->ftol = 1e-3; s->gtol = 0.9; s->xtol = 0.1; s->stpmax = stpmax;
    s->gtest = s->ftol * g; s->width = stpmax; s->width1 = 2.0 * stpmax;
    s->stx = 0.0; s->fx = f; s->dx = g; s->sty = 0.0; s->fy = f; s->dy = g;
    s->stmin = 0.0; s->stmax = stp + 4.0 * stp;
}

/* dcsrch after evaluating phi(stp) = f, phi'(stp) = g: *task 0 = evaluate at the returned step, 1 = the
 * conditions hold, 2 = a warning stop (rounding, interval below xtol, stp = stpmax or 0): accept stp. */
static double lb_dcsrch(lb_mt *s, double f, double g, double stp, int *task)
{
    double ftest = s->finit + stp * s->gtest;
    if (s->stage == 1 && f <= ftest && g >= 0.0) s->stage = 2;
    *task = 0;
    if (s->brackt && (stp <= s->stmin || stp >= s->stmax)) *task = 2;
    if (s->brackt && s->stmax - s->stmin <= s->xtol * s->stmax) *task = 2;
    if (stp == s->stpmax && f <= ftest && g <= s->gtest) *task = 2;
    if (stp == 0.0 && (f > ftest || g >= s->gtest)) *task = 2;
    if (f <= ftest && fabs(g) <= s->gtol * (-s->ginit)) *task = 1;
    if (*task) return stp;
    double gt = s->gtest;
    if (s->stage == 1 && f <= s->fx && f > ftest) {
        /* stage 1: step on psi(t) = phi(t) - phi(0) - ftol t phi'(0) */
        s->fx -= s->stx * gt; s->fy -= s->sty * gt; s->dx -= gt; s->dy -= gt;
        stp = lb_dcstep(s, stp, f - stp * gt, g - gt, s->stmin, s->stmax);
        s->fx += s->stx * gt; s->fy += s->sty * gt; s->dx += gt; s->dy += gt;
    } else {
        stp = lb_dcstep(s, stp, f, g, s->stmin, s->stmax);
    }
    if (s->brackt) {
        if (fabs(s->sty - s->stx) >= 0.66 * s->width1) stp = s->stx + 0.5 * (s->sty - s->stx);
        s->width1 = s->width;
        s->width = fabs(s->sty - s->stx);
        s->stmin = fmin(s->stx, s->sty);
        s->stmax = fmax(s->stx, s->sty);
    } else {
        s->stmin = stp + 1.1 * (stp - s->stx);
        s->stmax = stp + 4.0 * (stp - s->stx);
    }
    stp = fmin(fmax(stp, 0.0), s->stpmax);
    if ((s->brackt && (stp <= s->stmin || stp >= s->stmax)) ||
        (s->brackt && s->stmax - s->stmin <= s->xtol * s->stmax))
        stp = s->stx;
    return stp;
}

/* ---- the loop ------------------------------------------------------------------------------------------ */

int po_lbfgsb(const po_problem *pb, size_t n, double *x, double *g, const double *lo, const double *hi,
              const po_lbfgsb_param *p, po_lbfgsb_result *res)
{
    memset(res, 0, sizeof(*res));
    if (!pb->evaluate || n == 0 || p->m < 1 || p->maxls < 1 || p->maxfun < 1 || p->maxiter < 0 ||
        !(p->pgtol >= 0.0) || !(p->ftol >= 0.0))
        return PO_ERR_VALUE;
    lb_ws w;
    memset(&w, 0, sizeof(w));
    w.n = n;
    w.m = (size_t)p->m;
    w.theta = 1.0;
    size_t mn, mm, kk, k2 = 2 * w.m, nd, total;
    /* one block: S, Y (m n each), SY, SS, YY (m^2 each), K, M, A ((2m)^2 each), b, u, v, p, c, wb (2m each),
     * 9 vectors of n */
    if (po_size_mul(w.m, n, &mn) | po_size_mul(w.m, w.m, &mm) | po_size_mul(k2, k2, &kk) | po_size_mul(9, n, &nd))
        return PO_ERR_NOMEM;
    size_t parts[] = {mn, mn, mm, mm, mm, kk, kk, kk, k2, k2, k2, k2, k2, k2, nd};
    total = 0;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        if (po_size_add(total, parts[i], &total)) return PO_ERR_NOMEM;
    size_t nbytes, nidx, nflag;
    if (po_size_mul(total, sizeof(double), &nbytes) | po_size_mul(2 * sizeof(size_t), n, &nidx) |
        po_size_mul(2, n, &nflag))
        return PO_ERR_NOMEM;
    double *blk = calloc(1, nbytes);
    size_t *iblk = malloc(nidx);
    unsigned char *fblk = malloc(nflag);
    int st = PO_OK;
    if (!blk || !iblk || !fblk) { st = PO_ERR_NOMEM; goto out; }
    double *q = blk;
    w.S = q; q += mn; w.Y = q; q += mn; w.SY = q; q += mm; w.SS = q; q += mm; w.YY = q; q += mm;
    w.K = q; q += kk; w.M = q; q += kk; w.A = q; q += kk;
    w.b = q; q += k2; w.u = q; q += k2; w.v = q; q += k2; w.p = q; q += k2; w.c = q; q += k2; w.wb = q; q += k2;
    w.xcp = q; q += n; w.d = q; q += n; w.xold = q; q += n; w.gold = q; q += n; w.xt = q; q += n;
    w.gt = q; q += n; w.r = q; q += n; w.du = q; q += n; w.tbrk = q;
    w.ibrk = iblk; w.F = iblk + n;
    w.fixed = fblk; w.freev = fblk + n;

    int boxed = 1, cnstnd = 0;
    for (size_t i = 0; i < n; i++) {
        w.fixed[i] = isfinite(lo[i]) && isfinite(hi[i]) && hi[i] - lo[i] <= 0.0;
        if (!(isfinite(lo[i]) && isfinite(hi[i]))) boxed = 0;
        if (isfinite(lo[i]) || isfinite(hi[i])) cnstnd = 1;
        x[i] = fmin(fmax(x[i], lo[i]), hi[i]);   /* x0 projected onto the box */
    }
    double f;
    st = pb->evaluate(pb->ctx, x, g, n, &f);
    if (st != PO_OK) goto out;
    res->nfev = 1;
    res->f = f;
    int finite = isfinite(f);
    for (size_t i = 0; i < n && finite; i++) finite = isfinite(g[i]);
    if (!finite) { res->reason = PO_STOP_NONFINITE; goto done; }
    if (lb_projgr(x, g, lo, hi, n) <= p->pgtol) { res->reason = PO_STOP_CONVERGED; goto done; }

    for (;;) {
        /* 1-2. the Cauchy point, then the subspace step: z (in w.xcp) */
        st = lb_cauchy(&w, x, g, lo, hi);
        if (st != PO_OK) goto out;
        int anyfree = 0;
        for (size_t i = 0; i < n; i++) if (w.freev[i]) { anyfree = 1; break; }
        if (w.col && anyfree && lb_subspace(&w, x, g, lo, hi) < 0) {
            w.col = 0;   /* singular: forget the memory and start again from x */
            w.theta = 1.0;
            continue;
        }
        for (size_t i = 0; i < n; i++) w.d[i] = w.xcp[i] - x[i];
        /* 3. the projected line search along d, steps in (0, stpmax] */
        double gd = lb_dot(g, w.d, n), fold = f, stp = 0.0;
        memcpy(w.xold, x, n * sizeof(double));
        memcpy(w.gold, g, n * sizeof(double));
        int ok = gd < 0.0, nls = 0;
        if (ok) {
            double stpmax = 1e10;
            if (cnstnd) {
                if (res->nit == 0) stpmax = 1.0;
                else
                    for (size_t i = 0; i < n; i++) {   /* the largest t with x + t d in the box */
                        double a1 = w.d[i], a2;
                        if (a1 < 0.0 && isfinite(lo[i])) {
                            a2 = lo[i] - x[i];
                            if (a2 >= 0.0) stpmax = 0.0;
                            else if (a1 * stpmax < a2) stpmax = a2 / a1;
                        } else if (a1 > 0.0 && isfinite(hi[i])) {
                            a2 = hi[i] - x[i];
                            if (a2 <= 0.0) stpmax = 0.0;
                            else if (a1 * stpmax > a2) stpmax = a2 / a1;
                        }
                    }
            }
            double dnorm = sqrt(lb_dot(w.d, w.d, n));
            stp = (res->nit == 0 && !boxed) ? fmin(1.0 / dnorm, stpmax) : 1.0;
            stp = fmin(stp, stpmax);
            ok = stp > 0.0;
            lb_mt mt;
            if (ok) lb_dcsrch_start(&mt, f, gd, stp, stpmax);
            while (ok) {
                if (nls >= p->maxls) { ok = 0; break; }
                /* the trial point x_old + stp d (exactly z at stp = 1) */
                for (size_t i = 0; i < n; i++) w.xt[i] = stp == 1.0 ? w.xcp[i] : stp * w.d[i] + w.xold[i];
                double ft;
                st = pb->evaluate(pb->ctx, w.xt, w.gt, n, &ft);
                if (st != PO_OK) goto out;
                res->nfev++;
                nls++;
                if (ft == -INFINITY) {   /* unbounded below: stop at that point */
                    memcpy(x, w.xt, n * sizeof(double));
                    memcpy(g, w.gt, n * sizeof(double));
                    f = ft;
                    res->nit++;
                    res->reason = PO_STOP_UNBOUNDED;
                    goto done;
                }
                double gdt = lb_dot(w.gt, w.d, n);
                if (!(isfinite(ft) && isfinite(gdt))) {   /* too long a step: never accepted; halve toward stx */
                    mt.brackt = 1;
                    mt.sty = stp; mt.fy = INFINITY; mt.dy = INFINITY;
                    mt.stmax = stp;
                    stp = mt.stx + 0.5 * (stp - mt.stx);
                    continue;
                }
                memcpy(x, w.xt, n * sizeof(double));
                memcpy(g, w.gt, n * sizeof(double));
                f = ft;
                int task;
                stp = lb_dcsrch(&mt, ft, gdt, stp, &task);
                if (task) break;
            }
        }
        if (!ok) {   /* restore x; restart with an empty memory, or stop if it was empty */
            memcpy(x, w.xold, n * sizeof(double));
            memcpy(g, w.gold, n * sizeof(double));
            f = fold;
            if (w.col == 0) { res->reason = PO_STOP_LS_FAILED; goto done; }
            w.col = 0;
            w.theta = 1.0;
            continue;
        }
        res->nit++;
        if (pb->progress) {
            int pr = pb->progress(pb->ctx, res->nit, x, f, g, n);
            if (pr < 0) { st = pr; goto out; }
            if (pr > 0) { res->reason = PO_STOP_CALLBACK; goto done; }
        }
        if (res->nit >= p->maxiter) { res->reason = PO_STOP_MAXITER; goto done; }
        if (res->nfev > p->maxfun) { res->reason = PO_STOP_MAXFEV; goto done; }
        if (lb_projgr(x, g, lo, hi, n) <= p->pgtol) { res->reason = PO_STOP_CONVERGED; goto done; }
        if (fold - f <= p->ftol * fmax(fmax(fabs(fold), fabs(f)), 1.0)) { res->reason = PO_STOP_FTOL; goto done; }
        /* 4. the memory: s = x - x_old (= stp d), y = g - g_old; skip unless s'y > eps (-g_old's) */
        double dr = (lb_dot(g, w.d, n) - gd) * stp;
        if (!(dr > DBL_EPSILON * (-gd * stp))) continue;
        size_t m = w.m;
        if (w.col == m) {   /* drop the oldest pair */
            memmove(w.S, w.S + n, (m - 1) * n * sizeof(double));
            memmove(w.Y, w.Y + n, (m - 1) * n * sizeof(double));
            for (size_t i = 0; i + 1 < m; i++)
                for (size_t j = 0; j + 1 < m; j++) {
                    w.SY[i * m + j] = w.SY[(i + 1) * m + j + 1];
                    w.SS[i * m + j] = w.SS[(i + 1) * m + j + 1];
                    w.YY[i * m + j] = w.YY[(i + 1) * m + j + 1];
                }
            w.col--;
        }
        size_t c = w.col;
        double *s = w.S + c * n, *y = w.Y + c * n;
        for (size_t i = 0; i < n; i++) { s[i] = x[i] - w.xold[i]; y[i] = g[i] - w.gold[i]; }
        for (size_t j = 0; j < c; j++) {
            w.SY[c * m + j] = lb_dot(w.Y + j * n, s, n);   /* s_new'y_j */
            w.SY[j * m + c] = lb_dot(w.S + j * n, y, n);   /* s_j'y_new */
            w.SS[c * m + j] = w.SS[j * m + c] = lb_dot(w.S + j * n, s, n);
            w.YY[c * m + j] = w.YY[j * m + c] = lb_dot(w.Y + j * n, y, n);
        }
        w.SS[c * m + c] = lb_dot(s, s, n);
        w.SY[c * m + c] = dr;
        w.YY[c * m + c] = lb_dot(y, y, n);
        w.col = c + 1;
        w.theta = w.YY[c * m + c] / dr;
        if (lb_form_middle(&w) < 0) { w.col = 0; w.theta = 1.0; }
    }
done:
    res->f = f;
    if (p->state_out) {
        memcpy(p->state_out, w.S, w.col * n * sizeof(double));
        memcpy(p->state_out + w.m * n, w.Y, w.col * n * sizeof(double));
        res->nmem = (long)w.col;
    }
out:
    free(blk);
    free(iblk);
    free(fblk);
    return st;
}
