/* optim_extra.h -- ASGD, Rprop, Adafactor and Muon's elementwise parts (optim_extra.c). Pure C11;
 * included by optim_extra.c and by bind_optim_extra.h. See pyoptim.h for the contract.
 *
 * Shapes: n elements per flat array, every array of one call the same dtype; in-place targets first.
 * Adafactor on a parameter of shape (..., m, c): B = n / (m c) matrices, row_var (B m), col_var (B c).
 */
#ifndef PYOPTIM_OPTIM_EXTRA_H
#define PYOPTIM_OPTIM_EXTRA_H

#include "pyoptim.h"

/* ASGD (Polyak & Juditsky 1992; book 8.7.3), torch.optim.ASGD's update with this step's eta and mu. */
typedef struct {
    double eta, lambd, mu, weight_decay;
    int maximize;
} po_asgd_hp;

/* Rprop (Riedmiller & Braun 1993), torch.optim.Rprop's update. */
typedef struct {
    double etaminus, etaplus, step_size_min, step_size_max;
    int maximize;
} po_rprop_hp;

/* Adafactor (Shazeer & Stern 2018), torch.optim.Adafactor's update. */
typedef struct {
    double lr, beta2_decay, eps1, eps2, d, weight_decay;
    double step;      /* the step count after this step's increment (>= 1) */
    int maximize;
} po_adafactor_hp;

int po_asgd_f32(float *p, float *ax, const float *g, size_t n, const po_asgd_hp *hp);
int po_asgd_f64(double *p, double *ax, const double *g, size_t n, const po_asgd_hp *hp);

int po_rprop_f32(float *p, float *prev, float *step_size, const float *g, size_t n, const po_rprop_hp *hp);
int po_rprop_f64(double *p, double *prev, double *step_size, const double *g, size_t n, const po_rprop_hp *hp);

/* factored (m > 0, c > 0): row_var (n / c), col_var (n / m), variance NULL;
 * unfactored (m == 0): variance (n), row_var and col_var NULL. */
int po_adafactor_f32(float *p, float *row_var, float *col_var, float *variance, const float *g, size_t n,
                     size_t m, size_t c, const po_adafactor_hp *hp);
int po_adafactor_f64(double *p, double *row_var, double *col_var, double *variance, const double *g, size_t n,
                     size_t m, size_t c, const po_adafactor_hp *hp);

/* Muon's momentum: buf <- lerp(buf, g, 1 - momentum); out <- nesterov ? lerp(g, buf, momentum) : buf */
int po_muon_momentum_f32(float *out, float *buf, const float *g, size_t n, double momentum, int nesterov);
int po_muon_momentum_f64(double *out, double *buf, const double *g, size_t n, double momentum, int nesterov);

/* Muon's update: p <- p * (1 - lr * weight_decay); p <- p + (-adjusted_lr) * u */
int po_muon_apply_f32(float *p, const float *u, size_t n, double decay, double adjusted_lr);
int po_muon_apply_f64(double *p, const double *u, size_t n, double decay, double adjusted_lr);

#endif /* PYOPTIM_OPTIM_EXTRA_H */
