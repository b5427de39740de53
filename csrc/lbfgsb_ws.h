/* lbfgsb_ws.h -- the L-BFGS-B solver's workspace and the compact-model steps shared by lbfgsb.c (the loop and
 * the line search) and lbfgsb_model.c (the middle matrix M, the Cauchy point, the subspace step). Not a public
 * header: the names keep the lb_ prefix of both files. Notation as in lbfgsb.c's header comment.
 */
#ifndef PYOPTIM_LBFGSB_WS_H
#define PYOPTIM_LBFGSB_WS_H

#include <stddef.h>
#include "lbfgsb.h"

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

static inline double lb_dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* W[i][j] for the compact form W = [Y, theta S]: column j < col is y_j, column col + j is theta s_j. */
static inline double lb_w(const lb_ws *w, size_t i, size_t j)
{
    return j < w->col ? w->Y[j * w->n + i] : w->theta * w->S[(j - w->col) * w->n + i];
}

/* BLNZ (3.3)-(3.4): K and M = K^-1 from w->SY, w->SS, w->theta (lbfgsb_model.c). Returns -1 when K is
 * singular. */
int lb_form_middle(lb_ws *w);

/* 1. the generalized Cauchy point into w->xcp, w->c, w->freev (lbfgsb_model.c, BLNZ Algorithm CP). Returns
 * PO_OK or PO_ERR_NOMEM. */
int lb_cauchy(lb_ws *w, const double *x, const double *g, const double *lo, const double *hi);

/* 2. the subspace step from w->xcp, written into w->xcp (lbfgsb_model.c, BLNZ 5.1 and MN 2011). Returns 0,
 * or -1 when the small system is singular. */
int lb_subspace(lb_ws *w, const double *x, const double *g, const double *lo, const double *hi);

#endif /* PYOPTIM_LBFGSB_WS_H */
