/* optim.h -- the first-order update kernels beyond SGD (optim.c), gradient clipping and iterate
 * averaging. Pure C11; included by optim.c and by bind_optim.h. See pyoptim.h for the contract.
 *
 * Shapes: every array of one call is flat, n elements, the same dtype; in-place targets first.
 */
#ifndef PYOPTIM_OPTIM_H
#define PYOPTIM_OPTIM_H

#include "pyoptim.h"

/* Adagrad (book Alg. 8.4; Duchi et al. 2011), torch.optim.Adagrad's update. */
typedef struct {
    double lr, lr_decay, weight_decay, eps;
    double step;      /* the step count after this step's increment (>= 1) */
    int maximize;
} po_adagrad_hp;

/* RMSprop (book Alg. 8.5; Hinton, lecture 6e), torch.optim.RMSprop's update. */
typedef struct {
    double lr, alpha, eps, weight_decay, momentum;
    int centered, maximize;
} po_rmsprop_hp;

/* Adam / AdamW (book Alg. 8.7; Kingma & Ba 2015; Loshchilov & Hutter 2019), torch.optim.Adam's update. */
typedef struct {
    double lr, beta1, beta2, eps, weight_decay;
    double step;      /* the step count after this step's increment (>= 1) */
    int amsgrad, maximize, decoupled;
} po_adam_hp;

int po_adagrad_f32(float *p, float *sum, const float *g, size_t n, const po_adagrad_hp *hp);
int po_adagrad_f64(double *p, double *sum, const double *g, size_t n, const po_adagrad_hp *hp);

/* gavg may be NULL unless centered; buf may be NULL unless momentum > 0 */
int po_rmsprop_f32(float *p, float *sq, float *gavg, float *buf, const float *g, size_t n, const po_rmsprop_hp *hp);
int po_rmsprop_f64(double *p, double *sq, double *gavg, double *buf, const double *g, size_t n, const po_rmsprop_hp *hp);

/* vmax may be NULL unless amsgrad */
int po_adam_f32(float *p, float *m, float *v, float *vmax, const float *g, size_t n, const po_adam_hp *hp);
int po_adam_f64(double *p, double *m, double *v, double *vmax, const double *g, size_t n, const po_adam_hp *hp);

/* x <- x * factor (gradient clipping by norm) */
int po_scale_f32(float *x, size_t n, double factor);
int po_scale_f64(double *x, size_t n, double factor);

/* x <- min(max(x, -c), c), NaN kept (gradient clipping by value) */
int po_clamp_f32(float *x, size_t n, double c);
int po_clamp_f64(double *x, size_t n, double c);

/* avg <- avg + w * (p - avg); w == 1 copies p exactly (Polyak / EMA averaging, book 8.7.3) */
int po_average_f32(float *avg, const float *p, size_t n, double w);
int po_average_f64(double *avg, const double *p, size_t n, double w);

#endif /* PYOPTIM_OPTIM_H */
