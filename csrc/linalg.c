/* linalg.c -- dense linear algebra, quasi-Newton kernels and the C objectives for book 8.6.
 * float32 and float64 from one source (linalg_tmpl.h); LU and the model dispatcher in float64. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "so.h"

#define PO_TEMPLATE "linalg_tmpl.h"
#include "instantiate.h"

/* Gaussian elimination with partial pivoting on (A + shift I) x = b. */
int po_lu_solve_f64(double *x, const double *A, const double *b, size_t n, double shift, double *work)
{
    double *a = work;
    memcpy(a, A, n * n * sizeof(double));
    for (size_t i = 0; i < n; i++) a[i * n + i] += shift;
    memcpy(x, b, n * sizeof(double));
    for (size_t k = 0; k < n; k++) {
        size_t piv = k;
        double best = fabs(a[k * n + k]);
        for (size_t i = k + 1; i < n; i++)
            if (fabs(a[i * n + k]) > best) { best = fabs(a[i * n + k]); piv = i; }
        if (!(best > 0.0) || !isfinite(best)) return PO_ERR_NOT_PD;
        if (piv != k) {
            for (size_t j = 0; j < n; j++) {
                double t = a[k * n + j]; a[k * n + j] = a[piv * n + j]; a[piv * n + j] = t;
            }
            double t = x[k]; x[k] = x[piv]; x[piv] = t;
        }
        for (size_t i = k + 1; i < n; i++) {
            double l = a[i * n + k] / a[k * n + k];
            if (l == 0.0) continue;
            for (size_t j = k; j < n; j++) a[i * n + j] -= l * a[k * n + j];
            x[i] -= l * x[k];
        }
    }
    for (size_t i = n; i-- > 0;) {
        double s = x[i];
        for (size_t j = i + 1; j < n; j++) s -= a[i * n + j] * x[j];
        x[i] = s / a[i * n + i];
    }
    return PO_OK;
}

int po_model_evaluate(void *ctx, const double *x, double *g, size_t n, double *f)
{
    const po_model *md = (const po_model *)ctx;
    switch (md->kind) {
    case PO_OBJ_ROSENBROCK: po_rosenbrock_f64(g, f, x, n); return PO_OK;
    case PO_OBJ_QUADRATIC: po_quadratic_f64(g, f, x, md->H, md->b, n); return PO_OK;
    case PO_OBJ_LEAST_SQUARES: return po_least_squares_f64(g, f, x, md->X, md->y, md->N, md->D, md->l2);
    case PO_OBJ_LOGISTIC: return po_logistic_f64(g, f, x, md->X, md->y, md->N, md->D, md->l2);
    case PO_OBJ_SOFTMAX: return po_softmax_f64(g, f, x, md->X, md->labels, md->N, md->D, md->K, md->l2);
    default: return PO_ERR_VALUE;
    }
}
