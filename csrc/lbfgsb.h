/* lbfgsb.h -- L-BFGS-B: limited-memory BFGS with bounds (book 7.2's explicit constraints on book 8.6.2's
 * L-BFGS). Byrd, Lu, Nocedal & Zhu (1995), "A limited memory algorithm for bound constrained
 * optimization", SIAM J. Sci. Comput. 16(5):1190-1208; Zhu, Byrd, Lu & Nocedal (1997), Algorithm 778;
 * Morales & Nocedal (2011), "Remark on Algorithm 778", ACM TOMS 38(1). float64 only.
 *
 * Shape legend (see pyoptim.h): n parameters; m memory; x, g, lo, hi (n,); state_out (2m, n).
 */
#ifndef PYOPTIM_LBFGSB_H
#define PYOPTIM_LBFGSB_H

#include "so.h"

typedef struct {
    int m;             /* pairs (s, y) kept; SciPy's maxcor; default 10, >= 1 */
    double pgtol;      /* stop when max_i |P(x - g)_i - x_i| <= pgtol; SciPy's gtol; default 1e-5, >= 0 */
    double ftol;       /* stop when (f_prev - f) <= ftol max(|f_prev|, |f|, 1); SciPy's ftol (factr * eps);
                          default 2.220446049250313e-09, >= 0 */
    long maxiter;      /* stop after this many iterations; default 15000, >= 0 (checked after an iteration) */
    long maxfun;       /* stop once more than this many evaluations were made (checked after an iteration,
                          as SciPy); default 15000, >= 1 */
    int maxls;         /* evaluations per line search; default 20, >= 1 */
    double *state_out; /* optional (2m, n): rows 0..nmem-1 the kept s, rows m..m+nmem-1 the y, oldest first */
} po_lbfgsb_param;

typedef struct {
    double f;          /* the final value */
    long nit, nfev;    /* iterations (accepted steps), evaluations of f and g */
    int reason;        /* PO_STOP_* (so.h): CONVERGED (projected gradient), FTOL, MAXITER, MAXFEV,
                          LS_FAILED (with an empty memory), NONFINITE (at x0), CALLBACK, UNBOUNDED */
    long nmem;         /* pairs written to state_out */
} po_lbfgsb_result;

void po_lbfgsb_param_init(po_lbfgsb_param *p);

/* Minimize pb->evaluate over the box lo <= x <= hi (lo_i = -inf / hi_i = +inf: no bound; lo <= hi, no NaN:
 * checked by the caller) from x, projected onto the box first; x is updated in place to the last iterate
 * and g to its gradient. pb->progress (optional) is called after every iteration.
 * Returns PO_OK (see res->reason), PO_ERR_VALUE, PO_ERR_NOMEM or the callback's error. */
int po_lbfgsb(const po_problem *pb, size_t n, double *x, double *g, const double *lo, const double *hi,
              const po_lbfgsb_param *p, po_lbfgsb_result *res);

#endif /* PYOPTIM_LBFGSB_H */
