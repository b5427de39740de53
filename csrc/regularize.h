/* regularize.h -- prototypes of the chapter 7 kernels: dropout (dropout.c) and proximal steps and
 * norm-ball projections (regularize.c). Pure C11; see pyoptim.h for the conventions.
 *
 * Shape legend: n elements (flat); a norm-constrained array is viewed as (A, B, C) with the norm taken
 * over B for each of the A*C fibres (a Dense weight (in, out) with axis=0 is A=1, B=in, C=out).
 */
#ifndef PYOPTIM_REGULARIZE_H
#define PYOPTIM_REGULARIZE_H

#include "pyoptim.h"
#include "rng.h"

/* Dropout threshold: an element is kept when its 32-bit draw u satisfies u < keep_threshold(p) =
 * floor((1 - p) * 2^32). Returns 2^32 (keep everything) when 1 - p rounds to 1. */
static inline uint64_t po_dropout_threshold(double p)
{
    double k = (1.0 - p) * 4294967296.0;
    if (!(k > 0.0)) return 0;
    if (k >= 4294967296.0) return 4294967296ULL;
    return (uint64_t)k;
}

/* out = keep ? x * scale : 0, the keep decision from the (seed, counter) stream (rng.h); x == NULL gives
 * the scaled mask keep ? scale : 0.
 * out and x do not overlap (checked by the wrapper). Shapes: out, x (n,). */
int po_dropout_f32(float *out, const float *x, size_t n, double p, double scale, uint64_t seed, uint64_t counter);
int po_dropout_f64(double *out, const double *x, size_t n, double p, double scale, uint64_t seed, uint64_t counter);
/* out = keep ? 1 : 0 (the Bernoulli(1 - p) mask of the same stream). */
int po_dropout_mask_f32(float *out, size_t n, double p, uint64_t seed, uint64_t counter);
int po_dropout_mask_f64(double *out, size_t n, double p, uint64_t seed, uint64_t counter);

/* Proximal step of t*||w||_1 (soft threshold, book 7.1.2): w <- sign(w) * max(|w| - t, 0). */
int po_prox_l1_f32(float *w, size_t n, double t);
int po_prox_l1_f64(double *w, size_t n, double t);
/* Max-norm reprojection (book 7.2): every fibre over B with norm > maxv is scaled by maxv / norm;
 * fibres within the bound are not touched. *nscaled receives the number of rescaled fibres. */
int po_max_norm_f32(float *w, size_t A, size_t B, size_t C, double maxv, size_t *nscaled);
int po_max_norm_f64(double *w, size_t A, size_t B, size_t C, double maxv, size_t *nscaled);
/* Euclidean projection onto the L2 ball of radius r (scales w by r / ||w|| when ||w|| > r). */
int po_l2_ball_f32(float *w, size_t n, double r);
int po_l2_ball_f64(double *w, size_t n, double r);
/* Euclidean projection onto the L1 ball of radius r (Duchi, Shalev-Shwartz, Singer, Chandra 2008). */
int po_l1_ball_f32(float *w, size_t n, double r);
int po_l1_ball_f64(double *w, size_t n, double r);

#endif /* PYOPTIM_REGULARIZE_H */
