/* nn.h -- layer, loss and batch-normalization kernels (layers.c, losses.c, batchnorm.c).
 *
 * Pure C11 on pointers and lengths; float32 and float64 from one source (layers_tmpl.h, losses_tmpl.h,
 * batchnorm_tmpl.h, each included twice). Outputs first, `const` inputs after, a po_status back.
 * Gradients of parameters (bias, BatchNorm gamma/beta) are ACCUMULATED (+=); gradients with respect to
 * inputs and outputs of a loss are WRITTEN.
 *
 * Shape legend: n elements of an elementwise array; B rows (batch), D features (columns), K classes;
 * matrices are row-major (C order), row i of a (B, D) matrix starts at i*D.
 *
 * Threads: loops over more than PO_PAR_GRAIN elements are split with schedule(static) over rows or
 * over fixed blocks of columns; every reduction sums in a fixed order (each row in order, each column
 * over rows in order, block sums in block order), so results are bit-identical for any thread count.
 */
#ifndef PYOPTIM_NN_H
#define PYOPTIM_NN_H

#include "pyoptim.h"

/* Column reductions over the rows of a (B, D) matrix walk the rows in order (contiguous, vectorized
 * over the columns) in fixed chunks of po_nn_rowchunk(B, D) rows; chunk c writes its partial sums to
 * row c of a scratch matrix, and the partials are added in chunk order. The chunking depends on B and
 * D only, never on the thread count, so the sums are bit-identical for any number of threads. */
#define PO_NN_MAXCHUNKS 16
static inline size_t po_nn_rowchunk(size_t B, size_t D)
{
    /* at least ~PO_PAR_GRAIN elements per chunk, at most PO_NN_MAXCHUNKS chunks (small scratch) */
    size_t r = PO_PAR_GRAIN / (D ? D : 1), rmin = (B + PO_NN_MAXCHUNKS - 1) / PO_NN_MAXCHUNKS;
    if (r < rmin) r = rmin;
    return r ? r : 1;
}

/* Activation kinds (book 6.3). The derivative is computed from the OUTPUT y = f(x):
 *   relu:    f'(x) = [y > 0]           tanh: f'(x) = 1 - y^2          sigmoid: f'(x) = y (1 - y) */
enum { PO_ACT_RELU = 0, PO_ACT_TANH = 1, PO_ACT_SIGMOID = 2 };

/* y = f(x), elementwise; y may be x (exact aliasing is fine, partial overlap is not). */
int po_act_forward_f32(float *y, const float *x, size_t n, int kind);
int po_act_forward_f64(double *y, const double *x, size_t n, int kind);
/* dx = dy * f'(x) from y = f(x); dx may be dy. */
int po_act_backward_f32(float *dx, const float *dy, const float *y, size_t n, int kind);
int po_act_backward_f64(double *dx, const double *dy, const double *y, size_t n, int kind);
/* db[j] += sum_i dy[i, j]  (the bias gradient of a Dense layer: column sums). db (D,), dy (B, D). */
int po_bias_grad_f32(float *db, const float *dy, size_t B, size_t D);
int po_bias_grad_f64(double *db, const double *dy, size_t B, size_t D);

/* Softmax cross-entropy with integer labels and torch's label smoothing (book 6.2.2.3, 7.5.1):
 *   target t = (1 - eps) onehot(y) + eps / K
 *   row_loss[i] = logsumexp(z_i) - (1 - eps) z[i, y_i] - (eps / K) sum_k z[i, k]
 *   *loss = mean_i row_loss[i]     (summed in double, in row order)
 *   grad[i, k] = (softmax(z_i)_k - t_k) / B    (written; grad may be NULL, row_loss may be NULL)
 * labels are int64 (labels64) or int32 (labels32, the other NULL). A label outside [0, K) returns
 * PO_ERR_INDEX and stores its row in *bad_row (nothing is written then). */
int po_softmax_xent_f32(double *loss, float *grad, float *row_loss, long long *bad_row, const float *z,
                        const int64_t *labels64, const int32_t *labels32, size_t B, size_t K, double eps);
int po_softmax_xent_f64(double *loss, double *grad, double *row_loss, long long *bad_row, const double *z,
                        const int64_t *labels64, const int32_t *labels32, size_t B, size_t K, double eps);

/* Mean squared error: *loss = sum (o - t)^2 / n; grad = 2 (o - t) / n (written; may be NULL). */
int po_mse_f32(double *loss, float *grad, const float *o, const float *t, size_t n);
int po_mse_f64(double *loss, double *grad, const double *o, const double *t, size_t n);
/* Binary cross-entropy on logits z, targets y in [0, 1]:
 *   l = max(z, 0) - z y + log1p(exp(-|z|));  *loss = mean l;  grad = (sigmoid(z) - y) / n. */
int po_bce_logits_f32(double *loss, float *grad, const float *z, const float *y, size_t n);
int po_bce_logits_f64(double *loss, double *grad, const double *z, const double *y, size_t n);

/* Batch normalization over the batch axis of a (B, D) input (book 8.7.1; Ioffe & Szegedy 2015).
 * training: mu = mean_i x, var = mean_i (x - mu)^2 (biased), save_mean = mu, save_invstd = 1/sqrt(var+eps),
 *           running_mean <- (1-m) running_mean + m mu; running_var <- (1-m) running_var + m var B/(B-1)
 *           (running_* may be NULL; B >= 2 is required: PO_ERR_VALUE otherwise)
 * eval:     save_mean = running_mean, save_invstd = 1/sqrt(running_var + eps) (running_* required)
 * both:     y = gamma (x - save_mean) save_invstd + beta. */
int po_bn_forward_f32(float *y, float *save_mean, float *save_invstd, float *running_mean, float *running_var,
                      const float *x, const float *gamma, const float *beta, size_t B, size_t D,
                      int training, double momentum, double eps);
int po_bn_forward_f64(double *y, double *save_mean, double *save_invstd, double *running_mean,
                      double *running_var, const double *x, const double *gamma, const double *beta,
                      size_t B, size_t D, int training, double momentum, double eps);
/* xhat = (x - save_mean) save_invstd;  dbeta += sum_i dy;  dgamma += sum_i dy xhat  (either may be NULL)
 * training: dx = gamma save_invstd (dy - sum_i dy / B - xhat sum_i(dy xhat) / B)
 * eval:     dx = gamma save_invstd dy */
int po_bn_backward_f32(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                       const float *gamma, const float *save_mean, const float *save_invstd, size_t B,
                       size_t D, int training);
int po_bn_backward_f64(double *dx, double *dgamma, double *dbeta, const double *dy, const double *x,
                       const double *gamma, const double *save_mean, const double *save_invstd, size_t B,
                       size_t D, int training);

#endif /* PYOPTIM_NN_H */
