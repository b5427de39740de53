/* so.h -- second-order and line-search methods (book 8.6): the C contract of linalg.c, linesearch.c and
 * secondorder.c.
 *
 * Shape legend (see pyoptim.h): n parameters; m L-BFGS memory; matrices row-major; S, Y are m x n ring
 * buffers (row j is pair j); N rows (examples), D features, K classes of the model objectives.
 *
 * The solvers follow the liblbfgs pattern: the iteration loop is C and calls the objective through a
 * function pointer with a void* context and returns a status; parameters come in structs with a
 * defaults initializer, each field documented (meaning, default, range).
 */
#ifndef PYOPTIM_SO_H
#define PYOPTIM_SO_H

#include "pyoptim.h"

struct po_linalg;   /* lapack.h */

/* ---- callbacks ----------------------------------------------------------------------------------- */

/* f(x) and its gradient g (length n). Returns PO_OK, or a negative po_status (PO_ERR_CALLBACK when a
 * user function failed: the loop stops at once and returns it). A non-finite *f or g is not an error:
 * the line search treats that trial point as a step too long. */
typedef int (*po_evaluate_fn)(void *ctx, const double *x, double *g, size_t n, double *f);
/* The Hessian at x, dense n x n row-major. */
typedef int (*po_hess_fn)(void *ctx, const double *x, double *H, size_t n);
/* The Hessian-vector product Hp at x. */
typedef int (*po_hessp_fn)(void *ctx, const double *x, const double *p, double *Hp, size_t n);
/* Called after every iteration k (1-based) with the new iterate. Returns 0 to go on, 1 to stop (the
 * user's callback raised StopIteration), or a negative po_status. */
typedef int (*po_progress_fn)(void *ctx, long k, const double *x, double f, const double *g, size_t n);

typedef struct {
    po_evaluate_fn evaluate;   /* required */
    po_hess_fn hess;           /* "newton" only */
    po_hessp_fn hessp;         /* "newton-cg" only */
    po_progress_fn progress;   /* optional */
    void *ctx;                 /* passed to each of them */
} po_problem;

/* ---- line searches (linesearch.c) ----------------------------------------------------------------- */

enum { PO_LS_STRONG_WOLFE = 0, PO_LS_BACKTRACKING = 1, PO_LS_MORE_THUENTE = 2 };

/* Outcome of one line search (not an error: the solver decides). */
enum {
    PO_LS_OK = 0,          /* the conditions hold at the returned step */
    PO_LS_DECREASE = 1,    /* out of evaluations/bracket width, but the returned step decreases f */
    PO_LS_FAILED = 2,      /* no step with f(x + t d) < f(x) was found (t = 0 returned) */
};

typedef struct {
    int kind;                 /* PO_LS_STRONG_WOLFE (default), PO_LS_MORE_THUENTE or PO_LS_BACKTRACKING */
    double c1;                /* sufficient decrease (Armijo) f(x+td) <= f + c1 t g'd; default 1e-4, (0, 1) */
    double c2;                /* curvature |g(x+td)'d| <= c2 |g'd|; default 0.9, (c1, 1) (0.1-0.4 for CG) */
    double tolerance_change;  /* stop zooming when |bracket| * max|d| < this; default 1e-9, >= 0 */
    int max_ls;               /* evaluations per search; default 25, >= 1 */
    double shrink_lo, shrink_hi; /* backtracking: the new step lies in [lo, hi] * t; defaults 0.1, 0.5 */
    double xtol;              /* More-Thuente: stop when the bracket is narrower than xtol * its right end;
                                 default 1e-14 (scipy's line_search_wolfe1), >= 0 */
} po_ls_param;

void po_ls_param_init(po_ls_param *p);

/* Search along d from x0 (value f0, gradient g0, slope gtd0 = g0'd < 0), starting at step *t.
 * Strong Wolfe: bracketing then zoom with safeguarded cubic interpolation (Nocedal & Wright Alg. 3.5-3.6
 * in the form of minFunc's / torch.optim.LBFGS's `_strong_wolfe`). More-Thuente: the same conditions by
 * More & Thuente (1994), MINPACK-2's dcsrch; it returns the lowest point seen when it stops early (bracket
 * below xtol, rounding, out of evaluations). Backtracking: Armijo with a
 * safeguarded quadratic interpolation. A trial point whose f or g is NaN/inf counts as too long a step.
 * On return: *t the step, x = x0 + t d, f, g there, *nfev evaluations used, *outcome a PO_LS_* code.
 * work: 3n doubles. Returns PO_OK or the evaluate callback's error. */
int po_line_search(const po_problem *pb, size_t n, const double *x0, const double *d, double f0,
                   const double *g0, double gtd0, double *t, double *x, double *f, double *g,
                   double *work, const po_ls_param *p, int *nfev, int *outcome);

/* ---- the solvers (secondorder.c) ------------------------------------------------------------------ */

enum { PO_M_GD = 0, PO_M_NEWTON, PO_M_NEWTON_CG, PO_M_CG, PO_M_BFGS, PO_M_LBFGS };
enum { PO_BETA_FR = 0, PO_BETA_PRPLUS = 1 };
enum { PO_STEP_UNIT = 0, PO_STEP_QUADRATIC = 1 };

/* Why a solver stopped (result.reason). */
enum {
    PO_STOP_CONVERGED = 0,    /* max|g| <= gtol */
    PO_STOP_MAXITER = 1,
    PO_STOP_MAXFEV = 2,
    PO_STOP_LS_FAILED = 3,    /* the line search found no decrease */
    PO_STOP_NONFINITE = 4,    /* f or g is NaN/inf at the start point */
    PO_STOP_NOT_DESCENT = 5,  /* the direction is not a descent direction (g'd >= 0) */
    PO_STOP_CALLBACK = 6,     /* the progress callback asked to stop */
    PO_STOP_FTOL = 7,         /* relative reduction of f below ftol (converged) */
    PO_STOP_UNBOUNDED = 8,    /* a trial point gave f = -inf: the objective is unbounded below (x is that point) */
};

typedef struct {
    int method;          /* PO_M_*; default PO_M_LBFGS */
    double gtol;         /* stop when max|g| <= gtol; default 1e-5, >= 0 */
    double ftol;         /* stop when (f_prev - f) <= ftol * max(|f_prev|, |f|, 1); default 0 (off) */
    long maxiter;        /* iterations; default 1000, >= 0 */
    long maxfev;         /* objective evaluations (incl. the first); default 10000, >= 1 */
    int m;               /* L-BFGS memory (pairs kept); default 10, >= 1 */
    int beta;            /* nonlinear CG: PO_BETA_FR or PO_BETA_PRPLUS (default) */
    long restart;        /* nonlinear CG: restart with -g every `restart` iterations; default 0 -> n */
    double damping;      /* Newton: lambda >= 0 solves (H + lambda I) d = -g as is (LU if indefinite);
                            < 0 (default -1): lambda raised from 0 until Cholesky succeeds (N&W Alg. 3.3) */
    int saddle_free;     /* Newton: d = -|H|^-1 g with |H| = V|Lambda|V' (Dauphin et al. 2014); default 0 */
    long cg_maxiter;     /* Newton-CG: inner CG iterations per step; default 0 -> 20n */
    int init_step;       /* BFGS/L-BFGS first trial step of each search: PO_STEP_UNIT (default) t = 1, and
                            t = 1/|g|_2 while there is no curvature memory (a first step of unit length, as in
                            L-BFGS-B and liblbfgs); PO_STEP_QUADRATIC t = min(1, 1.01 * 2 (f - f_prev) / g'd)
                            with f_prev = f + |g|_2 / 2 at the start (scipy's BFGS) */
    int h0_scaled;       /* BFGS: 1 (default) H0 = (y's / y'y) I before the first update (N&W 6.20); 0 H0 = I */
    double norm;         /* the order of the gradient norm in the gtol test: INFINITY (default) max|g_i|,
                            -INFINITY min|g_i|, else (sum |g_i|^norm)^(1/norm) (scipy's `norm`) */
    double xrtol;        /* stop (converged) when |x - x_prev|_2 <= xrtol (xrtol + |x|_2); default 0 (off) */
    const double *hess_inv0;  /* BFGS: n x n initial inverse Hessian (symmetric positive definite), used for
                            the first direction and the first update; NULL (default): see h0_scaled */
    double *state_out;   /* optional output, NULL (default). BFGS: n x n, the final inverse Hessian H;
                            L-BFGS: 2 m x n, rows 0..count-1 the kept s pairs oldest first, rows m..m+count-1
                            the y pairs (count in po_min_result.nmem) */
    const struct po_linalg *linalg;  /* Newton: the factorizations (lapack.h: own, LAPACK or a caller's table);
                            NULL (default): the own routines of linalg.c */
    po_ls_param ls;      /* the line search */
} po_min_param;

typedef struct {
    double f;                    /* final value */
    long nit, nfev, njev, nhev;  /* iterations, f/g evaluations (njev == nfev), Hessian (or Hp) calls */
    int reason;                  /* PO_STOP_* */
    long nmem;                   /* L-BFGS: pairs written to state_out; BFGS: 1 if H was updated */
} po_min_result;

void po_min_param_init(po_min_param *p);

/* Minimize from x (updated in place to the last iterate); g receives the gradient there.
 * Returns PO_OK (see res->reason), PO_ERR_NOMEM, PO_ERR_VALUE, or a callback's error status. */
int po_minimize(const po_problem *pb, size_t n, double *x, double *g, const po_min_param *p,
                po_min_result *res);

/* ---- dense linear algebra and quasi-Newton kernels (linalg.c, float32 and float64) ---------------- */

#define PO_SO_DECLARE(T, SUF)                                                                           \
double po_so_dot_##SUF(const T *a, const T *b, size_t n);                                               \
/* d = -H g by the two-loop recursion (N&W Alg. 7.4), H0 = gamma I; pairs newest..newest-count+1 */     \
int po_lbfgs_two_loop_##SUF(T *d, const T *g, const T *S, const T *Y, const T *rho, size_t n, size_t m, \
                            size_t newest, size_t count, double gamma);                                 \
/* BFGS inverse update H <- (I - r s y')H(I - r y s') + r s s', r = 1/y's (N&W 6.17), product form in  \
 * O(n^2); 1 if skipped (y's <= 0). work: 2n doubles */                                               \
int po_bfgs_update_##SUF(T *H, const T *s, const T *y, size_t n, double *work);                         \
/* lower Cholesky A + shift I = L L' into L (n x n); PO_ERR_NOT_PD if it fails */                       \
int po_cholesky_##SUF(T *L, const T *A, size_t n, double shift);                                        \
/* solve L L' x = b given the factor L */                                                              \
void po_cholesky_solve_lower_##SUF(T *x, const T *L, const T *b, size_t n);                            \
/* symmetric eigendecomposition by cyclic Jacobi: A = V diag(w) V', w ascending, V[:, j] vectors */    \
int po_sym_eig_##SUF(T *w, T *V, const T *A, size_t n, double *work);                                   \
/* one linear CG step (N&W Alg. 5.2) given Ap: x += a p, r -= a Ap, p <- r + (r'r/rr) p;              \
 * PO_ERR_VALUE unless rr > 0 (rr = 0: converged), PO_ERR_NOT_PD unless p'Ap > 0 */                   \
int po_cg_step_##SUF(T *x, T *r, T *p, const T *Ap, size_t n, double rr, double *rr_new);               \
/* one sweep of exact coordinate descent on x'Ax/2 - b'x + l1|x|_1; returns max |dx_i| */           \
double po_cd_sweep_##SUF(T *x, const T *A, const T *b, size_t n, double l1, T *path);                  \
/* objectives: value returned through *f, gradient written to g */                                     \
void po_rosenbrock_##SUF(T *g, double *f, const T *x, size_t n);                                        \
void po_quadratic_##SUF(T *g, double *f, const T *x, const T *H, const T *b, size_t n);                 \
int po_least_squares_##SUF(T *g, double *f, const T *w, const T *X, const T *y, size_t N, size_t D,     \
                           double l2);                                                                 \
int po_logistic_##SUF(T *g, double *f, const T *w, const T *X, const T *y, size_t N, size_t D,          \
                      double l2);                                                                      \
int po_softmax_##SUF(T *g, double *f, const T *w, const T *X, const int64_t *y, size_t N, size_t D,     \
                     size_t K, double l2);

PO_SO_DECLARE(float, f32)
PO_SO_DECLARE(double, f64)

/* Dense solve of (A + shift I) x = b by LU with partial pivoting (float64; used for undamped Newton on
 * an indefinite Hessian). work: n*n doubles. PO_ERR_NOT_PD when singular. */
int po_lu_solve_f64(double *x, const double *A, const double *b, size_t n, double shift, double *work);

/* A C objective for the solvers: evaluate through po_model_evaluate with ctx = a po_model*. */
enum { PO_OBJ_ROSENBROCK = 0, PO_OBJ_QUADRATIC, PO_OBJ_LEAST_SQUARES, PO_OBJ_LOGISTIC, PO_OBJ_SOFTMAX };
typedef struct {
    int kind;
    size_t N, D, K;
    const double *X, *y, *H, *b;
    const int64_t *labels;
    double l2;
} po_model;

int po_model_evaluate(void *ctx, const double *x, double *g, size_t n, double *f);

#endif /* PYOPTIM_SO_H */
