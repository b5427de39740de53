/* secondorder.c -- the iteration loops of book 8.6 (float64): gradient descent, Newton (damped or
 * saddle-free), Newton-CG (Hessian-free), nonlinear CG (Fletcher-Reeves, Polak-Ribiere+), BFGS and
 * L-BFGS, all sharing po_line_search. The objective is reached through po_problem's callbacks (the
 * liblbfgs pattern); nothing here knows about Python.
 *
 * Shape legend: n parameters; H, Hinv, V n x n row-major; S, Y m x n ring buffers.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "so.h"
#include "lapack.h"

void po_min_param_init(po_min_param *p)
{
    p->method = PO_M_LBFGS;
    p->gtol = 1e-5;
    p->ftol = 0.0;
    p->maxiter = 1000;
    p->maxfev = 10000;
    p->m = 10;
    p->beta = PO_BETA_PRPLUS;
    p->restart = 0;
    p->damping = -1.0;
    p->saddle_free = 0;
    p->cg_maxiter = 0;
    p->init_step = PO_STEP_UNIT;
    p->h0_scaled = 1;
    p->norm = INFINITY;
    p->xrtol = 0.0;
    p->hess_inv0 = NULL;
    p->state_out = NULL;
    p->linalg = NULL;
    po_ls_param_init(&p->ls);
}

static double po_min_maxabs(const double *x, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        double a = fabs(x[i]);
        if (!(a <= m)) m = a;   /* NaN propagates */
    }
    return m;
}

/* The gradient norm of the gtol test, |g|_ord (see po_min_param.norm); NaN propagates. */
static double po_min_gnorm(const double *g, size_t n, double ord)
{
    if (ord == INFINITY) return po_min_maxabs(g, n);
    if (ord == -INFINITY) {
        double m = INFINITY;
        for (size_t i = 0; i < n; i++) {
            double a = fabs(g[i]);
            if (!(a >= m)) m = a;
        }
        return m;
    }
    /* (sum |g_i|^ord)^(1/ord), scaled by max|g_i| so that neither overflows nor underflows */
    double mx = po_min_maxabs(g, n), s = 0.0;
    if (!(mx > 0.0) || !isfinite(mx)) return ord > 0 ? mx : 0.0;
    for (size_t i = 0; i < n; i++) s += pow(fabs(g[i]) / mx, ord);
    return mx * pow(s, 1.0 / ord);
}

static int po_min_all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

/* The rounding floor. Near a minimizer f(x + t d) - f(x) falls below the rounding error of f, and a line
 * search that asks for a decrease fails even at trial points whose gradient already meets gtol (scipy's
 * "precision loss"). Every trial of a search passes through po_min_spy_eval, which keeps the one with the
 * smallest max|g| among those whose value equals f(x) to within 16 ulps; when the search then fails and
 * that trial meets gtol, it is taken as the converged point. Costs one comparison per evaluation away
 * from the floor. */
typedef struct {
    const po_problem *pb;
    double f0, tol, gbest, fbest, ord;
    double *xb, *gb;     /* n each */
    int active, have, unbounded;
} po_min_spy;

static int po_min_spy_eval(void *ctx, const double *x, double *g, size_t n, double *f)
{
    po_min_spy *s = ctx;
    int st = s->pb->evaluate(s->pb->ctx, x, g, n, f);
    if (st == PO_OK && *f == -INFINITY && !s->unbounded) {
        /* f = -inf: the objective is unbounded below; the line search would take it for a step too long */
        memcpy(s->xb, x, n * sizeof(double));
        memcpy(s->gb, g, n * sizeof(double));
        s->unbounded = 1;
        return st;
    }
    if (st == PO_OK && !s->unbounded && s->active && fabs(*f - s->f0) <= s->tol) {
        double m = po_min_gnorm(g, n, s->ord);
        if (m < s->gbest) {
            memcpy(s->xb, x, n * sizeof(double));
            memcpy(s->gb, g, n * sizeof(double));
            s->gbest = m;
            s->fbest = *f;
            s->have = 1;
        }
    }
    return st;
}

/* Newton direction from the dense Hessian H (n x n): see po_min_param.damping / saddle_free. The
 * factorizations come from p->linalg (lapack.h; the own routines when NULL): every provider takes the
 * same route (the same shifts tau, the same fallbacks), only the factorization's arithmetic differs.
 * work: 4 n^2 + n doubles. Returns PO_OK, PO_ERR_NOT_PD when no direction could be formed, or a
 * provider's PO_ERR_NOMEM / PO_ERR_CALLBACK. */
static int po_min_newton_dir(double *d, const double *H, const double *g, size_t n, const po_min_param *p,
                         double *work)
{
    const po_linalg *la = p->linalg ? p->linalg : po_linalg_own();
    double *L = work, *V = work + n * n, *ew = work + 2 * n * n, *ework = work + 2 * n * n + n;
    if (p->saddle_free) {
        /* book 8.2.3, Dauphin et al. 2014: d = -V |Lambda|^-1 V' g, |lambda| floored at delta */
        int st = la->sym_eig(la->ctx, ew, V, H, n, ework);
        if (st == PO_ERR_NOMEM || st == PO_ERR_CALLBACK) return st;
        if (st != PO_OK) return PO_ERR_NOT_PD;
        double lmax = 0.0;
        for (size_t i = 0; i < n; i++) lmax = fmax(lmax, fabs(ew[i]));
        double delta = fmax(p->damping > 0 ? p->damping : 0.0, 1e-8 * fmax(lmax, 1e-300));
        for (size_t i = 0; i < n; i++) d[i] = 0.0;
        for (size_t j = 0; j < n; j++) {
            double c = 0.0;
            for (size_t i = 0; i < n; i++) c += V[i * n + j] * g[i];
            c /= fmax(fabs(ew[j]), delta);
            for (size_t i = 0; i < n; i++) d[i] -= c * V[i * n + j];
        }
        return PO_OK;
    }
    double *b = V;   /* -g */
    for (size_t i = 0; i < n; i++) b[i] = -g[i];
    int st;
    if (p->damping >= 0.0) {
        /* fixed lambda: (H + lambda I) d = -g, Cholesky when positive definite, else LU (plain Newton
         * on an indefinite H: the step goes to the stationary point of the quadratic model) */
        st = la->chol_solve(la->ctx, d, H, b, n, p->damping, L);
        if (st != PO_ERR_NOT_PD) return st;
        return la->lu_solve(la->ctx, d, H, b, n, p->damping, L);
    }
    /* N&W Algorithm 3.3 (Cholesky with added multiple of the identity), beta = 1e-3 */
    double mind = INFINITY;
    for (size_t i = 0; i < n; i++) mind = fmin(mind, H[i * n + i]);
    double beta = 1e-3, tau = mind > 0 ? 0.0 : -mind + beta;
    for (int k = 0; k < 200; k++) {
        st = la->chol_solve(la->ctx, d, H, b, n, tau, L);
        if (st != PO_ERR_NOT_PD) return st;
        tau = fmax(2.0 * tau, beta);
    }
    return PO_ERR_NOT_PD;
}

/* po_minimize's workspace and the state its loop carries between iterations (secondorder.py's locals
 * and _QuasiNewtonMemory). One malloc'd block: x_prev, g_prev, d, the line search's 3n (lsw), the spy's 2n,
 * then the method's storage. */
typedef struct {
    size_t n, m;
    double *buf, *xp, *gp, *d, *lsw;
    double *S, *Y, *rho;            /* L-BFGS: the ring of m pairs and rho_i = 1 / y_i's_i */
    double *Hm, *nw;                /* BFGS: Hinv and po_bfgs_update's work; Newton: H and its work */
    double *z, *r, *pp, *Bp;        /* Newton-CG */
    size_t newest, count;           /* L-BFGS ring */
    int have_H;                     /* BFGS: Hinv initialised */
    size_t out_count;               /* state_out: pairs after the last update (a later reset keeps them) */
    int out_H;                      /* state_out: Hm holds an updated matrix */
    int fresh;                      /* the direction is -g with no memory (first or after a reset) */
    long since_restart;             /* CG */
    double gg_prev;                 /* CG: g'g of the previous iterate */
} po_min_ws;

/* Size and allocate the workspace of method meth (every size product checked). Returns PO_OK or
 * PO_ERR_NOMEM (also when the workspace cannot even be sized: as good as out of memory). */
static int po_min_ws_alloc(po_min_ws *w, size_t n, size_t m, int meth)
{
    memset(w, 0, sizeof(*w));
    w->n = n;
    w->m = m;
    size_t need, mn, nn, extra_n;
    int ovf = po_size_mul(n, 8, &need) | po_size_mul(m, n, &mn) | po_size_mul(n, n, &nn);
    if (meth == PO_M_LBFGS) ovf |= po_size_mul(mn, 2, &extra_n) | po_size_add(extra_n, m, &extra_n);
    else if (meth == PO_M_BFGS) ovf |= po_size_add(nn, 2 * n, &extra_n);   /* H and po_bfgs_update's 2n work */
    else if (meth == PO_M_NEWTON) ovf |= po_size_mul(nn, 5, &extra_n) | po_size_add(extra_n, n, &extra_n);
    else if (meth == PO_M_NEWTON_CG) extra_n = 4 * n;   /* 8n fits, so 4n does */
    else extra_n = 0;
    ovf |= po_size_add(need, extra_n, &need) | po_size_mul(need, sizeof(double), &mn);
    if (ovf) return PO_ERR_NOMEM;
    double *buf = malloc(mn);
    if (!buf) return PO_ERR_NOMEM;
    double *extra = buf + 8 * n;
    w->buf = buf;
    w->xp = buf;
    w->gp = buf + n;
    w->d = buf + 2 * n;
    w->lsw = buf + 3 * n;
    if (meth == PO_M_LBFGS) { w->S = extra; w->Y = extra + m * n; w->rho = extra + 2 * m * n; }
    if (meth == PO_M_BFGS) { w->Hm = extra; w->nw = extra + n * n; }
    if (meth == PO_M_NEWTON) { w->Hm = extra; w->nw = extra + n * n; }
    if (meth == PO_M_NEWTON_CG) { w->z = extra; w->r = extra + n; w->pp = extra + 2 * n; w->Bp = extra + 3 * n; }
    w->fresh = 1;
    return PO_OK;
}

/* Forget the memory: the next direction is H0's (steepest descent, or -hess_inv0 g). */
static void po_min_reset(po_min_ws *w)
{
    w->fresh = 1;
    w->have_H = 0;
    w->count = 0;
}

/* Newton-CG's direction into w->d (N&W Algorithm 7.1): truncated CG on B p = -g with B p from pb->hessp,
 * at most cg_maxiter products, stopped at |r| <= min(0.5, sqrt|g|) |g| or at negative curvature (steepest
 * descent if at the first product). gg = g'g. Counts the products in res->nhev; returns a callback's status. */
static int po_min_truncated_cg(po_min_ws *w, const po_problem *pb, const double *x, const double *g,
                               double gg, long cg_maxiter, po_min_result *res)
{
    size_t n = w->n;
    double *z = w->z, *r = w->r, *pp = w->pp, *Bp = w->Bp;
    double gn = sqrt(gg), tol = fmin(0.5, sqrt(gn)) * gn;
    for (size_t i = 0; i < n; i++) { z[i] = 0.0; r[i] = g[i]; pp[i] = -g[i]; }
    double rr = gg;
    for (long j = 0; j < cg_maxiter; j++) {
        int st = pb->hessp(pb->ctx, x, pp, Bp, n);
        res->nhev++;
        if (st != PO_OK) return st;
        double curv = po_so_dot_f64(pp, Bp, n);
        if (!(curv > 0.0)) {   /* negative curvature: stop (steepest descent if at j = 0) */
            if (j == 0) for (size_t i = 0; i < n; i++) z[i] = -g[i];
            break;
        }
        double a = rr / curv;
        for (size_t i = 0; i < n; i++) { z[i] += a * pp[i]; r[i] += a * Bp[i]; }
        double rn = po_so_dot_f64(r, r, n);
        if (sqrt(rn) <= tol) break;
        double beta = rn / rr;
        for (size_t i = 0; i < n; i++) pp[i] = -r[i] + beta * pp[i];
        rr = rn;
    }
    memcpy(w->d, z, n * sizeof(double));
    return PO_OK;
}

/* The quasi-Newton direction into w->d: d = -H g (BFGS; H0 = hess_inv0 or I before the first update) or
 * L-BFGS's two-loop recursion with gamma = s'y / y'y of the newest pair. */
static int po_min_qn_dir(po_min_ws *w, const po_min_param *p, const double *g)
{
    size_t n = w->n;
    double *d = w->d;
    if (p->method == PO_M_BFGS) {
        if (!w->have_H && p->hess_inv0)
            for (size_t i = 0; i < n; i++) d[i] = -po_so_dot_f64(p->hess_inv0 + i * n, g, n);
        else if (!w->have_H) for (size_t i = 0; i < n; i++) d[i] = -g[i];
        else
            for (size_t i = 0; i < n; i++) d[i] = -po_so_dot_f64(w->Hm + i * n, g, n);
        return PO_OK;
    }
    if (w->count == 0) {
        for (size_t i = 0; i < n; i++) d[i] = -g[i];
        return PO_OK;
    }
    const double *sN = w->S + w->newest * n, *yN = w->Y + w->newest * n;
    double gamma = po_so_dot_f64(sN, yN, n) / po_so_dot_f64(yN, yN, n);
    return po_lbfgs_two_loop_f64(d, g, w->S, w->Y, w->rho, n, w->m, w->newest, w->count, gamma);
}

/* The search direction of method p->method into w->d at (x, g), gg = g'g. Returns the status; *stop is set
 * to a PO_STOP_* reason when the run ends here with PO_OK (a non-finite Hessian, no Newton direction), else
 * left at -1. */
static int po_min_direction(po_min_ws *w, const po_problem *pb, const po_min_param *p, const double *x,
                            const double *g, double gg, long restart, long cg_maxiter, po_min_result *res,
                            int *stop)
{
    size_t n = w->n;
    double *d = w->d;
    int st;
    switch (p->method) {
    case PO_M_GD:
        for (size_t i = 0; i < n; i++) d[i] = -g[i];
        return PO_OK;
    case PO_M_NEWTON:
        st = pb->hess(pb->ctx, x, w->Hm, n);
        res->nhev++;
        if (st != PO_OK) return st;
        if (!po_min_all_finite(w->Hm, n * n)) { *stop = PO_STOP_NONFINITE; return PO_OK; }
        st = po_min_newton_dir(d, w->Hm, g, n, p, w->nw);
        if (st == PO_ERR_NOT_PD) { *stop = PO_STOP_NOT_DESCENT; return PO_OK; }
        return st;
    case PO_M_NEWTON_CG:
        return po_min_truncated_cg(w, pb, x, g, gg, cg_maxiter, res);
    case PO_M_CG:
        if (w->fresh || w->since_restart >= restart) {
            for (size_t i = 0; i < n; i++) d[i] = -g[i];
            w->since_restart = 0;
        } else {
            /* FR: beta = g'g / g_prev'g_prev;  PR+: beta = max(0, g'(g - g_prev) / g_prev'g_prev) */
            double beta;
            if (p->beta == PO_BETA_FR) beta = gg / w->gg_prev;
            else beta = fmax(0.0, (gg - po_so_dot_f64(g, w->gp, n)) / w->gg_prev);
            for (size_t i = 0; i < n; i++) d[i] = -g[i] + beta * d[i];
        }
        return PO_OK;
    case PO_M_BFGS:
    case PO_M_LBFGS:
        return po_min_qn_dir(w, p, g);
    default:
        return PO_ERR_VALUE;
    }
}

/* t with |t v|_2 = 1, |v|_2 scaled by max|v_i| so that a huge v (an objective unbounded below) gives a
 * tiny step, not 1/inf = 0. */
static double po_min_unit_step(const double *v, size_t n)
{
    double vm = po_min_maxabs(v, n), q = 0.0;
    for (size_t i = 0; i < n; i++) q += (v[i] / vm) * (v[i] / vm);
    return 1.0 / (vm * sqrt(q));
}

/* The line search's first trial step t along d (gtd = g'd < 0): for gd and CG (and quasi-Newton with
 * PO_STEP_QUADRATIC) scipy's choice; for quasi-Newton without memory |t d|_2 = 1; else 1. */
static double po_min_initial_step(const po_min_param *p, int fresh, double f, double f_old, double gtd,
                                  const double *d, const double *g, size_t n)
{
    const int meth = p->method;
    const int quasi_newton = meth == PO_M_BFGS || meth == PO_M_LBFGS;
    double t;
    if (meth == PO_M_GD || meth == PO_M_CG || (quasi_newton && p->init_step == PO_STEP_QUADRATIC)) {
        /* scipy's choice: the step at which a quadratic with the last decrease would bottom out */
        t = 1.01 * 2.0 * (f - f_old) / gtd;
        if (quasi_newton) {
            if (!(t > 0.0) || t > 1.0) t = 1.0;   /* a quasi-Newton step has a natural unit length */
        } else if (!(t > 0.0) || !isfinite(t)) {
            /* gd and CG: no cap at t = 1 (scipy's), which is not invariant to scaling f: an objective
             * scaled by 1e-50 would start with steps of length 1e-50; fall back to |t d|_2 = 1 */
            t = po_min_unit_step(d, n);
        }
    } else if (quasi_newton && fresh && !(meth == PO_M_BFGS && p->hess_inv0)) {
        t = po_min_unit_step(g, n);   /* a quasi-Newton method with no memory yet: |t d|_2 = 1 */
    } else {
        t = 1.0;
    }
    return t;
}

/* The line search from (w->xp, w->gp) along w->d with first step *t, through the rounding-floor spy;
 * the new point lands in x, g, *fnew. Counts the evaluations in res->nfev. */
static int po_min_search(po_min_ws *w, const po_problem *spb, po_min_spy *spy, const po_min_param *p,
                         double f, double gtd, double *t, double *x, double *fnew, double *g,
                         po_min_result *res, int *outcome)
{
    po_ls_param lsp = p->ls;
    long left = p->maxfev - res->nfev;
    if ((long)lsp.max_ls > left - 1) lsp.max_ls = (int)(left - 1 > 0 ? left - 1 : 0);
    int ls_nfev = 0;
    *outcome = PO_LS_FAILED;
    spy->f0 = f;
    spy->tol = 16.0 * DBL_EPSILON * fabs(f);
    spy->gbest = INFINITY;
    spy->have = 0;
    spy->active = p->gtol > 0.0;
    int st = po_line_search(spb, w->n, w->xp, w->d, f, w->gp, gtd, t, x, fnew, g, w->lsw, &lsp, &ls_nfev,
                            outcome);
    res->nfev += ls_nfev;
    return st;
}

/* Take the pair s = x - x_prev, y = g - g_prev into the memory when y's > eps |y| |s|: a test on the
 * angle, so invariant to scaling f (a test y's > eps y'y would drop every pair of an objective scaled by
 * 1e50). L-BFGS: the ring; BFGS: N&W (6.17) on Hinv, H0 = (y's / y'y) I (6.20) before the first update. */
static void po_min_update_memory(po_min_ws *w, const po_min_param *p, const double *x, const double *g)
{
    size_t n = w->n, m = w->m;
    double *s = w->lsw, *y = w->lsw + n;
    for (size_t i = 0; i < n; i++) { s[i] = x[i] - w->xp[i]; y[i] = g[i] - w->gp[i]; }
    double ys = po_so_dot_f64(y, s, n), yy = po_so_dot_f64(y, y, n), ss = po_so_dot_f64(s, s, n);
    if (!(ys > DBL_EPSILON * sqrt(yy) * sqrt(ss) && isfinite(ys) && yy > 0 && isfinite(yy))) return;
    if (p->method == PO_M_LBFGS) {
        w->newest = w->count == 0 ? 0 : (w->newest + 1) % m;
        memcpy(w->S + w->newest * n, s, n * sizeof(double));
        memcpy(w->Y + w->newest * n, y, n * sizeof(double));
        w->rho[w->newest] = 1.0 / ys;
        if (w->count < m) w->count++;
        w->out_count = w->count;
    } else {
        if (!w->have_H) {
            /* N&W (6.20): scale H0 = (y's / y'y) I before the first update (or H0 = I) */
            double h0 = p->h0_scaled ? ys / yy : 1.0;
            memset(w->Hm, 0, n * n * sizeof(double));
            for (size_t i = 0; i < n; i++) w->Hm[i * n + i] = h0;
            if (p->hess_inv0) memcpy(w->Hm, p->hess_inv0, n * n * sizeof(double));
            w->have_H = 1;
        }
        po_bfgs_update_f64(w->Hm, s, y, n, w->nw);
        w->out_H = 1;
    }
    w->fresh = 0;
}

/* Write p->state_out (BFGS: the last updated Hinv, H0 if never updated; L-BFGS: the pairs, oldest first:
 * s rows 0..count-1, y rows m..m+count-1) and res->nmem. */
static void po_min_write_state(const po_min_ws *w, const po_min_param *p, po_min_result *res)
{
    size_t n = w->n, m = w->m;
    if (p->state_out && p->method == PO_M_BFGS) {
        if (w->out_H) memcpy(p->state_out, w->Hm, n * n * sizeof(double));
        else if (p->hess_inv0) memcpy(p->state_out, p->hess_inv0, n * n * sizeof(double));
        else {
            memset(p->state_out, 0, n * n * sizeof(double));
            for (size_t i = 0; i < n; i++) p->state_out[i * n + i] = 1.0;
        }
        res->nmem = w->out_H;
    } else if (p->state_out && p->method == PO_M_LBFGS) {
        for (size_t j = 0; j < w->out_count; j++) {
            size_t k = (w->newest + m - (w->out_count - 1 - j)) % m;
            memcpy(p->state_out + j * n, w->S + k * n, n * sizeof(double));
            memcpy(p->state_out + (m + j) * n, w->Y + k * n, n * sizeof(double));
        }
        res->nmem = (long)w->out_count;
    }
}

/* scipy's BFGS xrtol: |x - x_prev|_2 <= xrtol (xrtol + |x|_2) */
static int po_min_xrtol_met(const double *x, const double *xp, size_t n, double xrtol)
{
    double ss = 0.0, xx = 0.0;
    for (size_t i = 0; i < n; i++) { ss += (x[i] - xp[i]) * (x[i] - xp[i]); xx += x[i] * x[i]; }
    return sqrt(ss) <= xrtol * (xrtol + sqrt(xx));
}

/* Long on purpose: the stopping reasons, resets and counters in one top-to-bottom loop, as the twin _minimize. */
int po_minimize(const po_problem *pb, size_t n, double *x, double *g, const po_min_param *p,
                po_min_result *res)
{
    memset(res, 0, sizeof(*res));
    if (!pb->evaluate || n == 0) return PO_ERR_VALUE;
    const int meth = p->method;
    if ((meth == PO_M_NEWTON && !pb->hess) || (meth == PO_M_NEWTON_CG && !pb->hessp)) return PO_ERR_VALUE;
    po_min_ws w;
    int st = po_min_ws_alloc(&w, n, p->m > 0 ? (size_t)p->m : 1, meth);
    if (st != PO_OK) return st;
    double *xp = w.xp, *gp = w.gp;
    po_min_spy spy = {pb, 0.0, 0.0, INFINITY, 0.0, p->norm, w.buf + 6 * n, w.buf + 7 * n, 0, 0, 0};
    po_problem spb = *pb;   /* the problem as the line search sees it */
    spb.evaluate = po_min_spy_eval;
    spb.ctx = &spy;
    const int has_memory = meth == PO_M_CG || meth == PO_M_BFGS || meth == PO_M_LBFGS;

    double f;
    st = pb->evaluate(pb->ctx, x, g, n, &f);
    res->nfev = 1;
    if (st != PO_OK) goto done;
    res->f = f;
    if (!isfinite(f) || !po_min_all_finite(g, n)) { res->reason = PO_STOP_NONFINITE; goto done; }
    double f_old = f + 0.5 * sqrt(po_so_dot_f64(g, g, n));
    long restart = p->restart > 0 ? p->restart : (long)n;
    long cg_maxiter = p->cg_maxiter > 0 ? p->cg_maxiter : 20 * (long)n;

    for (;;) {
        if (po_min_gnorm(g, n, p->norm) <= p->gtol) { res->reason = PO_STOP_CONVERGED; break; }
        if (res->nit >= p->maxiter) { res->reason = PO_STOP_MAXITER; break; }
        if (res->nfev >= p->maxfev) { res->reason = PO_STOP_MAXFEV; break; }

        /* ---- search direction ---- */
        double gg = po_so_dot_f64(g, g, n);
        int stop = -1;
        st = po_min_direction(&w, pb, p, x, g, gg, restart, cg_maxiter, res, &stop);
        if (st != PO_OK) goto done;
        if (stop >= 0) { res->reason = stop; goto done; }
        double gtd = po_so_dot_f64(g, w.d, n);
        if (!(gtd < 0.0)) {
            if (!w.fresh && has_memory) { po_min_reset(&w); continue; }   /* restart from steepest descent */
            res->reason = PO_STOP_NOT_DESCENT;
            break;
        }

        /* ---- initial trial step ---- */
        double t = po_min_initial_step(p, w.fresh, f, f_old, gtd, w.d, g, n);
        if (!(t > 0.0) || !isfinite(t) || !isfinite(gtd)) {
            /* the slope or the step is out of floating-point range (|g| ~ 1e308): no search possible */
            res->reason = PO_STOP_LS_FAILED;
            break;
        }

        /* ---- line search, through the rounding-floor spy ---- */
        memcpy(xp, x, n * sizeof(double));
        memcpy(gp, g, n * sizeof(double));
        int outcome;
        double fnew;
        st = po_min_search(&w, &spb, &spy, p, f, gtd, &t, x, &fnew, g, res, &outcome);
        if (st != PO_OK) goto done;
        if (spy.unbounded) {
            memcpy(x, spy.xb, n * sizeof(double));
            memcpy(g, spy.gb, n * sizeof(double));
            res->f = -INFINITY;
            res->nit++;
            res->reason = PO_STOP_UNBOUNDED;
            break;
        }
        if (outcome == PO_LS_FAILED && spy.have && spy.gbest <= p->gtol) {
            /* at the rounding floor: a trial as low as f(x) to rounding whose gradient meets gtol */
            memcpy(x, spy.xb, n * sizeof(double));
            memcpy(g, spy.gb, n * sizeof(double));
            f = spy.fbest;
            res->f = f;
            res->nit++;
            res->reason = PO_STOP_CONVERGED;
            if (pb->progress) {
                int pr = pb->progress(pb->ctx, res->nit, x, f, g, n);
                if (pr < 0) { st = pr; goto done; }
            }
            break;
        }
        if (outcome == PO_LS_FAILED) {
            memcpy(x, xp, n * sizeof(double));
            memcpy(g, gp, n * sizeof(double));
            if (!w.fresh && has_memory) { po_min_reset(&w); continue; }
            res->reason = res->nfev >= p->maxfev ? PO_STOP_MAXFEV : PO_STOP_LS_FAILED;
            break;
        }
        f_old = f;
        double fprev = f;
        f = fnew;
        res->f = f;
        res->nit++;

        /* ---- update the memory: s = x - x_prev, y = g - g_prev ---- */
        if (meth == PO_M_LBFGS || meth == PO_M_BFGS) {
            po_min_update_memory(&w, p, x, g);
        } else if (meth == PO_M_CG) {
            w.gg_prev = gg;
            w.since_restart++;
            w.fresh = 0;
        }

        if (pb->progress) {
            int pr = pb->progress(pb->ctx, res->nit, x, f, g, n);
            if (pr < 0) { st = pr; goto done; }
            if (pr > 0) { res->reason = PO_STOP_CALLBACK; break; }
        }
        if (p->xrtol > 0 && po_min_xrtol_met(x, xp, n, p->xrtol)) { res->reason = PO_STOP_CONVERGED; break; }
        if (p->ftol > 0 && (fprev - f) <= p->ftol * fmax(fmax(fabs(fprev), fabs(f)), 1.0)) {
            res->reason = po_min_gnorm(g, n, p->norm) <= p->gtol ? PO_STOP_CONVERGED : PO_STOP_FTOL;
            break;
        }
    }
done:
    res->njev = res->nfev;
    po_min_write_state(&w, p, res);
    free(w.buf);
    return st;
}
