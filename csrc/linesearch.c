/* linesearch.c -- line searches shared by every method of secondorder.c (book 8.6; float64).
 *
 * Strong Wolfe: Nocedal & Wright Algorithms 3.5 (bracketing) and 3.6 (zoom) with safeguarded cubic
 * interpolation, in the exact form of minFunc's WolfeLineSearch as ported to torch.optim.LBFGS's
 * `_strong_wolfe` (so pyoptim.optim.LBFGS reproduces torch's iterates). Added here: a trial point whose
 * value or slope is NaN/inf is treated as too long a step (f = +inf: it becomes the high end of the
 * bracket and the zoom bisects), never accepted.
 * More-Thuente: the same two conditions by More & Thuente's algorithm (MINPACK-2 dcsrch/dcstep, behind
 * scipy's BFGS and L-BFGS-B); with scipy's settings pyoptim's BFGS and L-BFGS visit scipy's points. A
 * non-finite trial caps every later trial below it and the search steps back halfway.
 * Backtracking: Armijo sufficient decrease with a safeguarded quadratic interpolation (N&W 3.5, p. 58).
 */
#include <math.h>
#include <string.h>
#include "so.h"

void po_ls_param_init(po_ls_param *p)
{
    p->kind = PO_LS_STRONG_WOLFE;
    p->c1 = 1e-4;
    p->c2 = 0.9;
    p->tolerance_change = 1e-9;
    p->max_ls = 25;
    p->shrink_lo = 0.1;
    p->shrink_hi = 0.5;
    p->xtol = 1e-14;
}

/* Minimizer of the cubic through (x1, f1, g1), (x2, f2, g2), clipped to [lo, hi] (torch's
 * `_cubic_interpolate`, from minFunc's polyinterp):
 *   d1 = g1 + g2 - 3 (f1 - f2) / (x1 - x2),  d2 = sqrt(d1^2 - g1 g2),
 *   t  = x2 - (x2 - x1) (g2 + d2 - d1) / (g2 - g1 + 2 d2)   (x1 <= x2; symmetric otherwise).
 * No real minimizer, or any non-finite input: the midpoint of [lo, hi]. */
static double po_ls_cubic(double x1, double f1, double g1, double x2, double f2, double g2, int bounded,
                       double lo, double hi)
{
    if (!bounded) {
        lo = x1 <= x2 ? x1 : x2;
        hi = x1 <= x2 ? x2 : x1;
    }
    double d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2);
    double d2sq = d1 * d1 - g1 * g2;
    if (d2sq >= 0.0 && isfinite(d2sq)) {
        double d2 = sqrt(d2sq), mp;
        if (x1 <= x2)
            mp = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2));
        else
            mp = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2));
        if (isfinite(mp)) return fmin(fmax(mp, lo), hi);
    }
    return 0.5 * (lo + hi);
}

/* x = x0 + t d; f, g at x; slope g'd. Non-finite f or slope -> f = +inf, slope = NaN. */
static int po_ls_eval(const po_problem *pb, size_t n, const double *x0, const double *d, double t,
                      double *x, double *g, double *f, double *gtd)
{
    for (size_t i = 0; i < n; i++) x[i] = x0[i] + t * d[i];
    int st = pb->evaluate(pb->ctx, x, g, n, f);
    if (st != PO_OK) return st;
    double s = po_so_dot_f64(g, d, n);
    if (!isfinite(*f) || !isfinite(s)) {
        *f = INFINITY;
        s = NAN;
    }
    *gtd = s;
    return PO_OK;
}

/* A buffer of the pool that none of the live pointers uses. */
static double *po_ls_free(double *const *pool, int npool, double *const *live, int nlive)
{
    for (int i = 0; i < npool; i++) {
        int used = 0;
        for (int j = 0; j < nlive; j++) used |= live[j] == pool[i];
        if (!used) return pool[i];
    }
    return pool[0];   /* unreachable: the pool has one buffer more than can be live */
}

/* The bracket of the strong Wolfe search: one or two steps b with their values bf, slopes bgtd and gradients
 * bg (pointers into the search's buffer pool). */
typedef struct {
    double b[2], bf[2], bgtd[2];
    const double *bg[2];
    int nb;
} po_ls_bracket;

/* zoom (N&W Alg. 3.6) with torch's insufficient-progress safeguard: shrink the bracket br by safeguarded
 * cubic steps until a step meets the strong Wolfe conditions (*done), the bracket is shorter than
 * tolerance_change / max|d_i|, or max_ls evaluations in all (*ls_iter, *nfev). Returns the index of the
 * bracket's low end in *low_out, and the status. */
static int po_ls_zoom(const po_problem *pb, size_t n, const double *x0, const double *d, double f0, double gtd0,
                      double dnorm, const po_ls_param *p, double *x, double *const *pool, po_ls_bracket *br,
                      int *low_out, int *ls_iter, int *done, int *nfev)
{
    int insuf = 0;
    int low = (br->nb == 1 || br->bf[0] <= br->bf[1]) ? 0 : 1, high = 1 - low;
    while (!*done && *ls_iter < p->max_ls) {
        if (fabs(br->b[1] - br->b[0]) * dnorm < p->tolerance_change) break;
        double t = po_ls_cubic(br->b[0], br->bf[0], br->bgtd[0], br->b[1], br->bf[1], br->bgtd[1], 0, 0.0, 0.0);
        double bmax = fmax(br->b[0], br->b[1]), bmin = fmin(br->b[0], br->b[1]);
        double eps = 0.1 * (bmax - bmin);
        if (fmin(bmax - t, t - bmin) < eps) {
            if (insuf || t >= bmax || t <= bmin) {
                t = fabs(t - bmax) < fabs(t - bmin) ? bmax - eps : bmin + eps;
                insuf = 0;
            } else {
                insuf = 1;
            }
        } else {
            insuf = 0;
        }
        double *live[2] = {(double *)br->bg[0], (double *)br->bg[1]};
        double *gn = po_ls_free(pool, 4, live, 2);
        double fn, gtdn;
        int st = po_ls_eval(pb, n, x0, d, t, x, gn, &fn, &gtdn);
        if (st != PO_OK) return st;
        (*nfev)++;
        (*ls_iter)++;
        if (fn > f0 + p->c1 * t * gtd0 || fn >= br->bf[low]) {
            br->b[high] = t; br->bf[high] = fn; br->bg[high] = gn; br->bgtd[high] = gtdn;
            low = br->bf[0] <= br->bf[1] ? 0 : 1;
            high = 1 - low;
        } else {
            if (fabs(gtdn) <= -p->c2 * gtd0) {
                *done = 1;
            } else if (gtdn * (br->b[high] - br->b[low]) >= 0) {
                br->b[high] = br->b[low]; br->bf[high] = br->bf[low];
                br->bg[high] = br->bg[low]; br->bgtd[high] = br->bgtd[low];
            }
            br->b[low] = t; br->bf[low] = fn; br->bg[low] = gn; br->bgtd[low] = gtdn;
        }
    }
    *low_out = low;
    return PO_OK;
}

static int po_ls_strong_wolfe(const po_problem *pb, size_t n, const double *x0, const double *d, double f0,
                           const double *g0, double gtd0, double *t_io, double *x, double *f_out,
                           double *g_out, double *work, const po_ls_param *p, int *nfev, int *outcome)
{
    double *pool[4] = {work, work + n, work + 2 * n, g_out};
    const double c1 = p->c1, c2 = p->c2;
    const int max_ls = p->max_ls;
    double dnorm = 0.0;
    for (size_t i = 0; i < n; i++) dnorm = fmax(dnorm, fabs(d[i]));
    double t = *t_io, fn, gtdn;
    int st, ls_iter = 0, done = 0;
    double *gn = pool[0];
    st = po_ls_eval(pb, n, x0, d, t, x, gn, &fn, &gtdn);
    if (st != PO_OK) return st;
    *nfev = 1;

    /* bracketing (N&W Alg. 3.5) */
    double tp = 0.0, fp = f0, gtdp = gtd0;
    const double *gp = g0;
    double b[2] = {0.0, t}, bf[2] = {f0, fn}, bgtd[2] = {gtd0, gtdn};
    const double *bg[2] = {g0, gn};
    int nb = 2;
    while (ls_iter < max_ls) {
        if (fn > f0 + c1 * t * gtd0 || (ls_iter > 1 && fn >= fp)) {
            b[0] = tp; b[1] = t; bf[0] = fp; bf[1] = fn; bg[0] = gp; bg[1] = gn;
            bgtd[0] = gtdp; bgtd[1] = gtdn;
            break;
        }
        if (fabs(gtdn) <= -c2 * gtd0) {
            b[0] = t; bf[0] = fn; bg[0] = gn; nb = 1;
            done = 1;
            break;
        }
        if (gtdn >= 0) {
            b[0] = tp; b[1] = t; bf[0] = fp; bf[1] = fn; bg[0] = gp; bg[1] = gn;
            bgtd[0] = gtdp; bgtd[1] = gtdn;
            break;
        }
        /* extrapolate: cubic step clipped to [t + 0.01 (t - t_prev), 10 t] */
        double lo = t + 0.01 * (t - tp), hi = t * 10.0, tmp = t;
        t = po_ls_cubic(tp, fp, gtdp, t, fn, gtdn, 1, lo, hi);
        tp = tmp; fp = fn; gp = gn; gtdp = gtdn;
        double *live[1] = {(double *)gp};
        gn = po_ls_free(pool, 4, live, 1);
        st = po_ls_eval(pb, n, x0, d, t, x, gn, &fn, &gtdn);
        if (st != PO_OK) return st;
        (*nfev)++;
        ls_iter++;
    }
    if (ls_iter == max_ls) {
        b[0] = 0.0; b[1] = t; bf[0] = f0; bf[1] = fn; bg[0] = g0; bg[1] = gn;
        nb = 2;
    }

    /* zoom (N&W Alg. 3.6) */
    po_ls_bracket br = {{b[0], b[1]}, {bf[0], bf[1]}, {bgtd[0], bgtd[1]}, {bg[0], bg[1]}, nb};
    int low;
    st = po_ls_zoom(pb, n, x0, d, f0, gtd0, dnorm, p, x, pool, &br, &low, &ls_iter, &done, nfev);
    if (st != PO_OK) return st;
    t = br.b[low];
    *t_io = t;
    *f_out = br.bf[low];
    if (br.bg[low] != g_out) memcpy(g_out, br.bg[low], n * sizeof(double));
    for (size_t i = 0; i < n; i++) x[i] = x0[i] + t * d[i];
    *outcome = done ? PO_LS_OK : (br.bf[low] < f0 ? PO_LS_DECREASE : PO_LS_FAILED);
    return PO_OK;
}

static int po_ls_backtracking(const po_problem *pb, size_t n, const double *x0, const double *d, double f0,
                           const double *g0, double gtd0, double *t_io, double *x, double *f_out,
                           double *g_out, const po_ls_param *p, int *nfev, int *outcome)
{
    double dnorm = 0.0;
    for (size_t i = 0; i < n; i++) dnorm = fmax(dnorm, fabs(d[i]));
    double t = *t_io, fn, gtdn;
    *nfev = 0;
    for (;;) {
        int st = po_ls_eval(pb, n, x0, d, t, x, g_out, &fn, &gtdn);
        if (st != PO_OK) return st;
        (*nfev)++;
        /* Armijo: f(x + t d) <= f + c1 t g'd */
        if (fn <= f0 + p->c1 * t * gtd0) {
            *t_io = t;
            *f_out = fn;
            *outcome = PO_LS_OK;
            return PO_OK;
        }
        if (*nfev > p->max_ls || t * dnorm < p->tolerance_change) break;
        /* minimizer of the quadratic through f0, gtd0 and f(t), kept in [lo t, hi t] */
        double tq = isfinite(fn) ? -gtd0 * t * t / (2.0 * (fn - f0 - gtd0 * t)) : p->shrink_hi * t;
        if (!isfinite(tq)) tq = p->shrink_hi * t;
        t = fmin(fmax(tq, p->shrink_lo * t), p->shrink_hi * t);
    }
    *t_io = 0.0;
    *f_out = f0;
    memcpy(g_out, g0, n * sizeof(double));
    memcpy(x, x0, n * sizeof(double));
    *outcome = PO_LS_FAILED;
    return PO_OK;
}


/* ---- More-Thuente ---------------------------------------------------------------------------------
 * J. J. More and D. J. Thuente, "Line search algorithms with guaranteed sufficient decrease", ACM TOMS
 * 20(3), 1994: the algorithm of MINPACK-2's dcsrch/dcstep (behind scipy's line_search_wolfe1 and
 * L-BFGS-B). An interval of uncertainty [stx, sty] is kept; each trial comes from a safeguarded cubic or
 * quadratic model (mt_step, the four cases of section 4). While only sufficient decrease is in question
 * (stage 1) the steps are chosen on the auxiliary psi(t) = f(t) - f0 - c1 t f'(0). */

typedef struct { double stx, fx, dx, sty, fy, dy; int brackt; } mt_state;

/* Cubic minimiser of the interpolant through (a, fa, da) and (b, fb, db), in the form of the paper
 * (scaled to avoid overflow); `clamp0` allows a negative discriminant (case 3). */
static double mt_cubic(double a, double fa, double da, double b, double fb, double db, int clamp0, double *gam)
{
    double theta = 3.0 * (fa - fb) / (b - a) + da + db;
    double s = fmax(fmax(fabs(theta), fabs(da)), fabs(db));
    double disc = (theta / s) * (theta / s) - (da / s) * (db / s);
    if (clamp0 && disc < 0.0) disc = 0.0;
    double gamma = s * sqrt(disc);
    if (b < a) gamma = -gamma;
    *gam = gamma;
    return theta;
}

/* One safeguarded step (dcstep): the new trial from the interval ends (stx, sty) and the trial stp with
 * values f and derivatives d; updates the interval. stpmin/stpmax bound the step when not bracketed. */
static double mt_step(mt_state *s, double stp, double fp, double dp, double stpmin, double stpmax)
{
    const double stx = s->stx, fx = s->fx, dx = s->dx, sty = s->sty, fy = s->fy, dy = s->dy;
    double sgnd = dp * (dx / fabs(dx)), stpf, gamma, theta, pp, q, r, stpc, stpq;
    if (fp > fx) {
        /* case 1: higher value -- the minimum is bracketed; take the cubic step if it is closer to stx,
         * else the mean of the cubic and quadratic steps */
        theta = mt_cubic(stx, fx, dx, stp, fp, dp, 0, &gamma);
        pp = (gamma - dx) + theta;
        q = ((gamma - dx) + gamma) + dp;
        r = pp / q;
        stpc = stx + r * (stp - stx);
        stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2.0) * (stp - stx);
        stpf = fabs(stpc - stx) < fabs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2.0;
        s->brackt = 1;
    } else if (sgnd < 0.0) {
        /* case 2: lower value, derivatives of opposite sign -- bracketed; the step farther from stp */
        theta = mt_cubic(stp, fp, dp, stx, fx, dx, 0, &gamma);
        pp = (gamma - dp) + theta;
        q = ((gamma - dp) + gamma) + dx;
        r = pp / q;
        stpc = stp + r * (stx - stp);
        stpq = stp + (dp / (dp - dx)) * (stx - stp);
        stpf = fabs(stpc - stp) > fabs(stpq - stp) ? stpc : stpq;
        s->brackt = 1;
    } else if (fabs(dp) < fabs(dx)) {
        /* case 3: lower value, same sign, derivative decreasing in magnitude -- the cubic step only if
         * the cubic tends to infinity in the direction of the step */
        theta = mt_cubic(stp, fp, dp, stx, fx, dx, 1, &gamma);
        pp = (gamma - dp) + theta;
        q = (gamma + (dx - dp)) + gamma;
        r = pp / q;
        if (r < 0.0 && gamma != 0.0) stpc = stp + r * (stx - stp);
        else stpc = stp > stx ? stpmax : stpmin;
        stpq = stp + (dp / (dp - dx)) * (stx - stp);
        if (s->brackt) {
            stpf = fabs(stpc - stp) < fabs(stpq - stp) ? stpc : stpq;
            if (stp > stx) stpf = fmin(stp + 0.66 * (sty - stp), stpf);
            else stpf = fmax(stp + 0.66 * (sty - stp), stpf);
        } else {
            stpf = fabs(stpc - stp) > fabs(stpq - stp) ? stpc : stpq;
            stpf = fmax(stpmin, fmin(stpmax, stpf));
        }
    } else {
        /* case 4: lower value, same sign, derivative not decreasing -- cubic through stp and sty if
         * bracketed, else the bound in the direction of the step */
        if (s->brackt) {
            theta = mt_cubic(stp, fp, dp, sty, fy, dy, 0, &gamma);
            pp = (gamma - dp) + theta;
            q = ((gamma - dp) + gamma) + dy;
            r = pp / q;
            stpf = stp + r * (sty - stp);
        } else {
            stpf = stp > stx ? stpmax : stpmin;
        }
    }
    /* the new interval */
    if (fp > fx) {
        s->sty = stp; s->fy = fp; s->dy = dp;
    } else {
        if (sgnd < 0.0) { s->sty = stx; s->fy = fx; s->dy = dx; }
        s->stx = stp; s->fx = fp; s->dx = dp;
    }
    return stpf;
}

static int po_ls_more_thuente(const po_problem *pb, size_t n, const double *x0, const double *d, double f0,
                           const double *g0, double gtd0, double *t_io, double *x, double *f_out,
                           double *g_out, double *work, const po_ls_param *p, int *nfev, int *outcome)
{
    const double xtrapl = 1.1, xtrapu = 4.0, stpmin = 0.0, stpmax = 1e100;
    const double gtest = p->c1 * gtd0, xtol = p->xtol;
    double *pool[3] = {work, work + n, g_out};
    double bt = 0.0, bf = f0;              /* the lowest value seen, and its gradient */
    const double *bg = g0;
    double stp = fmin(*t_io, stpmax);
    double width = stpmax - stpmin, width1 = 2.0 * width, stmin = 0.0, stmax = stp + xtrapu * stp;
    double stbad = INFINITY;               /* the smallest step known to give a non-finite value */
    mt_state s = {0.0, f0, gtd0, 0.0, f0, gtd0, 0};
    int stage = 1, done = 0;
    *nfev = 0;
    while (*nfev < p->max_ls + 1) {
        double *live[1] = {(double *)bg};
        double *gn = po_ls_free(pool, 3, live, 1), fn, gtdn;
        int st = po_ls_eval(pb, n, x0, d, stp, x, gn, &fn, &gtdn);
        if (st != PO_OK) return st;
        (*nfev)++;
        if (!isfinite(fn)) {
            /* too long a step, never accepted: every later trial stays below it; step back halfway */
            stbad = fmin(stbad, stp);
            stp = s.stx + 0.5 * (stbad - s.stx);
            if (!(stp - s.stx > xtol * stp)) break;
            continue;
        }
        if (fn < bf) { bt = stp; bf = fn; bg = gn; }
        double ftest = f0 + stp * gtest;
        if (stage == 1 && fn <= ftest && gtdn >= 0.0) stage = 2;
        if (fn <= ftest && fabs(gtdn) <= p->c2 * -gtd0) {   /* both strong Wolfe conditions */
            bt = stp; bf = fn; bg = gn;
            done = 1;
            break;
        }
        if (s.brackt && (stp <= stmin || stp >= stmax)) break;   /* rounding errors prevent progress */
        if (s.brackt && stmax - stmin <= xtol * stmax) break;    /* the interval is below xtol */
        if (stp == stpmax && fn <= ftest && gtdn <= gtest) break;
        if (stage == 1 && fn <= s.fx && fn > ftest) {
            /* a lower value without sufficient decrease: step on psi(t) = f(t) - t c1 f'(0) */
            mt_state m = {s.stx, s.fx - s.stx * gtest, s.dx - gtest, s.sty, s.fy - s.sty * gtest,
                          s.dy - gtest, s.brackt};
            stp = mt_step(&m, stp, fn - stp * gtest, gtdn - gtest, stmin, stmax);
            s.brackt = m.brackt;
            s.stx = m.stx; s.fx = m.fx + m.stx * gtest; s.dx = m.dx + gtest;
            s.sty = m.sty; s.fy = m.fy + m.sty * gtest; s.dy = m.dy + gtest;
        } else {
            stp = mt_step(&s, stp, fn, gtdn, stmin, stmax);
        }
        if (s.brackt) {
            /* bisect when the interval did not shrink by a third in two steps */
            if (fabs(s.sty - s.stx) >= 0.66 * width1) stp = s.stx + 0.5 * (s.sty - s.stx);
            width1 = width;
            width = fabs(s.sty - s.stx);
            stmin = fmin(s.stx, s.sty);
            stmax = fmax(s.stx, s.sty);
        } else {
            stmin = stp + xtrapl * (stp - s.stx);
            stmax = stp + xtrapu * (stp - s.stx);
        }
        if (!isfinite(stp)) break;   /* a zero slope at stx leaves the step undefined: keep the best */
        stp = fmin(fmax(stp, stpmin), stpmax);
        if (stp >= stbad) stp = s.stx + 0.5 * (stbad - s.stx);
        /* no further progress possible: the best point is the answer */
        if (s.brackt && (stp <= stmin || stp >= stmax || stmax - stmin <= xtol * stmax)) break;
    }
    *t_io = bt;
    *f_out = bf;
    if (bg != g_out) memcpy(g_out, bg, n * sizeof(double));
    for (size_t i = 0; i < n; i++) x[i] = x0[i] + bt * d[i];
    *outcome = done ? PO_LS_OK : (bf < f0 ? PO_LS_DECREASE : PO_LS_FAILED);
    return PO_OK;
}

int po_line_search(const po_problem *pb, size_t n, const double *x0, const double *d, double f0,
                   const double *g0, double gtd0, double *t, double *x, double *f, double *g,
                   double *work, const po_ls_param *p, int *nfev, int *outcome)
{
    *nfev = 0;
    if (!(gtd0 < 0.0) || !(*t > 0.0)) {
        *outcome = PO_LS_FAILED;
        return PO_ERR_VALUE;
    }
    if (p->kind == PO_LS_BACKTRACKING)
        return po_ls_backtracking(pb, n, x0, d, f0, g0, gtd0, t, x, f, g, p, nfev, outcome);
    if (p->kind == PO_LS_MORE_THUENTE)
        return po_ls_more_thuente(pb, n, x0, d, f0, g0, gtd0, t, x, f, g, work, p, nfev, outcome);
    return po_ls_strong_wolfe(pb, n, x0, d, f0, g0, gtd0, t, x, f, g, work, p, nfev, outcome);
}
