/* lbfgsb.c -- L-BFGS-B (float64): minimize f(x) subject to lo <= x <= hi.
 *
 * Byrd, Lu, Nocedal & Zhu (1995), "A limited memory algorithm for bound constrained optimization",
 * SIAM J. Sci. Comput. 16(5) [BLNZ]; Morales & Nocedal (2011), "Remark on Algorithm 778", ACM TOMS 38(1)
 * [MN]; More & Thuente (1994), "Line search algorithms with guaranteed sufficient decrease", ACM TOMS 20(3)
 * [MT]. The same steps, tests and constants as the Fortran/C code behind scipy.optimize's L-BFGS-B; the
 * linear algebra of the subspace step is written out in lbfgsb_model.c (Sherman-Morrison-Woodbury on the
 * compact form) rather than through the original's LEL' factorization of the 2m x 2m matrix: the same step
 * in exact arithmetic. lbfgsb_model.c holds steps 1-2 below (and M); this file the loop, steps 3-4.
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
#include "lbfgsb_ws.h"

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

/* One block: S, Y (m n each), SY, SS, YY (m^2 each), K, M, A ((2m)^2 each), b, u, v, p, c, wb (2m each),
 * 9 vectors of n; then the 2n indices and the 2n flags. Every size product checked. Returns PO_OK or
 * PO_ERR_NOMEM (nothing left allocated). */
static int lb_ws_alloc(lb_ws *w, size_t n, size_t m)
{
    memset(w, 0, sizeof(*w));
    w->n = n;
    w->m = m;
    w->theta = 1.0;
    size_t mn, mm, kk, k2 = 2 * m, nd, total;
    if (po_size_mul(m, n, &mn) | po_size_mul(m, m, &mm) | po_size_mul(k2, k2, &kk) | po_size_mul(9, n, &nd))
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
    if (!blk || !iblk || !fblk) {
        free(blk);
        free(iblk);
        free(fblk);
        return PO_ERR_NOMEM;
    }
    double *q = blk;
    w->S = q; q += mn; w->Y = q; q += mn; w->SY = q; q += mm; w->SS = q; q += mm; w->YY = q; q += mm;
    w->K = q; q += kk; w->M = q; q += kk; w->A = q; q += kk;
    w->b = q; q += k2; w->u = q; q += k2; w->v = q; q += k2; w->p = q; q += k2; w->c = q; q += k2;
    w->wb = q; q += k2;
    w->xcp = q; q += n; w->d = q; q += n; w->xold = q; q += n; w->gold = q; q += n; w->xt = q; q += n;
    w->gt = q; q += n; w->r = q; q += n; w->du = q; q += n; w->tbrk = q;
    w->ibrk = iblk; w->F = iblk + n;
    w->fixed = fblk; w->freev = fblk + n;
    return PO_OK;
}

static void lb_ws_free(lb_ws *w)
{
    free(w->S);   /* the start of the double block */
    free(w->ibrk);
    free(w->fixed);
}

/* Forget the memory: the next Cauchy point follows steepest descent. */
static void lb_forget(lb_ws *w)
{
    w->col = 0;
    w->theta = 1.0;
}

/* The search's bound stpmax and first trial step: stpmax 1 on the first iteration of a constrained problem,
 * else the largest t <= 1e10 with x + t d in the box; the step 1/|d|_2 on the first iteration of a problem
 * not boxed on every side, else 1; both capped at stpmax. */
static double lb_first_step(const lb_ws *w, const double *x, const double *lo, const double *hi, long nit,
                            int cnstnd, int boxed, double *stpmax_out)
{
    size_t n = w->n;
    double stpmax = 1e10;
    if (cnstnd) {
        if (nit == 0) stpmax = 1.0;
        else
            for (size_t i = 0; i < n; i++) {   /* the largest t with x + t d in the box */
                double a1 = w->d[i], a2;
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
    double dnorm = sqrt(lb_dot(w->d, w->d, n));
    double stp = (nit == 0 && !boxed) ? fmin(1.0 / dnorm, stpmax) : 1.0;
    *stpmax_out = stpmax;
    return fmin(stp, stpmax);
}

enum { LB_LS_FAILED = 0, LB_LS_OK = 1, LB_LS_UNBOUNDED = 2 };

/* The projected line search: More-Thuente (dcsrch, ftol 1e-3, gtol 0.9, xtol 0.1) on
 * phi(t) = f(x_old + t d), 0 < t <= stpmax, from the step *stp, at most p->maxls evaluations (counted in
 * res->nfev). (x, g, *f) hold the last accepted trial (untouched if none); f = -inf ends the search at that
 * point (LB_LS_UNBOUNDED). *outcome: LB_LS_*. Returns PO_OK or the callback's status. */
static int lb_line_search(lb_ws *w, const po_problem *pb, const po_lbfgsb_param *p, double *x, double *g,
                          double *f, double gd, double *stp, double stpmax, po_lbfgsb_result *res, int *outcome)
{
    size_t n = w->n;
    int nls = 0;
    lb_mt mt;
    lb_dcsrch_start(&mt, *f, gd, *stp, stpmax);
    for (;;) {
        if (nls >= p->maxls) { *outcome = LB_LS_FAILED; return PO_OK; }
        /* the trial point x_old + stp d (exactly z at stp = 1) */
        for (size_t i = 0; i < n; i++) w->xt[i] = *stp == 1.0 ? w->xcp[i] : *stp * w->d[i] + w->xold[i];
        double ft;
        int st = pb->evaluate(pb->ctx, w->xt, w->gt, n, &ft);
        if (st != PO_OK) return st;
        res->nfev++;
        nls++;
        if (ft == -INFINITY) {   /* unbounded below: stop at that point */
            memcpy(x, w->xt, n * sizeof(double));
            memcpy(g, w->gt, n * sizeof(double));
            *f = ft;
            *outcome = LB_LS_UNBOUNDED;
            return PO_OK;
        }
        double gdt = lb_dot(w->gt, w->d, n);
        if (!(isfinite(ft) && isfinite(gdt))) {   /* too long a step: never accepted; halve toward stx */
            mt.brackt = 1;
            mt.sty = *stp; mt.fy = INFINITY; mt.dy = INFINITY;
            mt.stmax = *stp;
            *stp = mt.stx + 0.5 * (*stp - mt.stx);
            continue;
        }
        memcpy(x, w->xt, n * sizeof(double));
        memcpy(g, w->gt, n * sizeof(double));
        *f = ft;
        int task;
        *stp = lb_dcsrch(&mt, ft, gdt, *stp, &task);
        if (task) { *outcome = LB_LS_OK; return PO_OK; }
    }
}

/* Append the pair s = x - x_old, y = g - g_old (dr = s'y) to the memory, oldest first, dropping the oldest
 * when all m rows are used; keep SY = S'Y, SS = S'S and YY = Y'Y up to date. */
static void lb_remember(lb_ws *w, const double *x, const double *g, double dr)
{
    size_t n = w->n, m = w->m;
    if (w->col == m) {   /* drop the oldest pair */
        memmove(w->S, w->S + n, (m - 1) * n * sizeof(double));
        memmove(w->Y, w->Y + n, (m - 1) * n * sizeof(double));
        for (size_t i = 0; i + 1 < m; i++)
            for (size_t j = 0; j + 1 < m; j++) {
                w->SY[i * m + j] = w->SY[(i + 1) * m + j + 1];
                w->SS[i * m + j] = w->SS[(i + 1) * m + j + 1];
                w->YY[i * m + j] = w->YY[(i + 1) * m + j + 1];
            }
        w->col--;
    }
    size_t c = w->col;
    double *s = w->S + c * n, *y = w->Y + c * n;
    for (size_t i = 0; i < n; i++) { s[i] = x[i] - w->xold[i]; y[i] = g[i] - w->gold[i]; }
    for (size_t j = 0; j < c; j++) {
        w->SY[c * m + j] = lb_dot(w->Y + j * n, s, n);   /* s_new'y_j */
        w->SY[j * m + c] = lb_dot(w->S + j * n, y, n);   /* s_j'y_new */
        w->SS[c * m + j] = w->SS[j * m + c] = lb_dot(w->S + j * n, s, n);
        w->YY[c * m + j] = w->YY[j * m + c] = lb_dot(w->Y + j * n, y, n);
    }
    w->SS[c * m + c] = lb_dot(s, s, n);
    w->SY[c * m + c] = dr;
    w->YY[c * m + c] = lb_dot(y, y, n);
    w->col = c + 1;
}

/* Flag the fixed variables (lo = hi), say whether every variable is boxed and whether any is bounded, and
 * project x0 onto the box. */
static void lb_prepare(lb_ws *w, double *x, const double *lo, const double *hi, int *boxed, int *cnstnd)
{
    *boxed = 1;
    *cnstnd = 0;
    for (size_t i = 0; i < w->n; i++) {
        w->fixed[i] = isfinite(lo[i]) && isfinite(hi[i]) && hi[i] - lo[i] <= 0.0;
        if (!(isfinite(lo[i]) && isfinite(hi[i]))) *boxed = 0;
        if (isfinite(lo[i]) || isfinite(hi[i])) *cnstnd = 1;
        x[i] = fmin(fmax(x[i], lo[i]), hi[i]);   /* x0 projected onto the box */
    }
}

/* About 80 lines of loop: the iteration in its order (Cauchy point, subspace step, line search, stopping
 * tests, memory) as pyoptim/_reference/lbfgsb.py _lbfgsb reads it, each step a helper above. */
int po_lbfgsb(const po_problem *pb, size_t n, double *x, double *g, const double *lo, const double *hi,
              const po_lbfgsb_param *p, po_lbfgsb_result *res)
{
    memset(res, 0, sizeof(*res));
    if (!pb->evaluate || n == 0 || p->m < 1 || p->maxls < 1 || p->maxfun < 1 || p->maxiter < 0 ||
        !(p->pgtol >= 0.0) || !(p->ftol >= 0.0))
        return PO_ERR_VALUE;
    lb_ws w;
    int st = lb_ws_alloc(&w, n, (size_t)p->m);
    if (st != PO_OK) return st;
    int boxed, cnstnd;
    lb_prepare(&w, x, lo, hi, &boxed, &cnstnd);
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
            lb_forget(&w);   /* singular: forget the memory and start again from x */
            continue;
        }
        for (size_t i = 0; i < n; i++) w.d[i] = w.xcp[i] - x[i];
        /* 3. the projected line search along d, steps in (0, stpmax] */
        double gd = lb_dot(g, w.d, n), fold = f, stp = 0.0;
        memcpy(w.xold, x, n * sizeof(double));
        memcpy(w.gold, g, n * sizeof(double));
        int ok = gd < 0.0;
        double stpmax;
        if (ok) {
            stp = lb_first_step(&w, x, lo, hi, res->nit, cnstnd, boxed, &stpmax);
            ok = stp > 0.0;
        }
        if (ok) {
            st = lb_line_search(&w, pb, p, x, g, &f, gd, &stp, stpmax, res, &ok);
            if (st != PO_OK) goto out;
            if (ok == LB_LS_UNBOUNDED) {
                res->nit++;
                res->reason = PO_STOP_UNBOUNDED;
                goto done;
            }
        }
        if (!ok) {   /* restore x; restart with an empty memory, or stop if it was empty */
            memcpy(x, w.xold, n * sizeof(double));
            memcpy(g, w.gold, n * sizeof(double));
            f = fold;
            if (w.col == 0) { res->reason = PO_STOP_LS_FAILED; goto done; }
            lb_forget(&w);
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
        lb_remember(&w, x, g, dr);
        size_t c = w.col - 1;
        w.theta = w.YY[c * w.m + c] / dr;
        if (lb_form_middle(&w) < 0) lb_forget(&w);
    }
done:
    res->f = f;
    if (p->state_out) {
        memcpy(p->state_out, w.S, w.col * n * sizeof(double));
        memcpy(p->state_out + w.m * n, w.Y, w.col * n * sizeof(double));
        res->nmem = (long)w.col;
    }
out:
    lb_ws_free(&w);
    return st;
}
