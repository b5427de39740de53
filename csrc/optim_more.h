/* optim_more.h -- four more adaptive first-order updates (optim_more.c): Adadelta, Adamax, NAdam and
 * RAdam, torch.optim's single-tensor arithmetic. Pure C11; included by optim_more.c and by
 * bind_optim_more.h. See pyoptim.h for the contract.
 *
 * Shapes: every array of one call is flat, n elements, the same dtype; in-place targets first.
 */
#ifndef PYOPTIM_OPTIM_MORE_H
#define PYOPTIM_OPTIM_MORE_H

#include "pyoptim.h"

/* Adadelta (Zeiler 2012; book 8.5.4 names it), torch.optim.Adadelta's update. */
typedef struct {
    double lr, rho, eps, weight_decay;
    int maximize;
} po_adadelta_hp;

/* Adamax (Kingma & Ba 2015, section 7.1), torch.optim.Adamax's update. */
typedef struct {
    double lr, beta1, beta2, eps, weight_decay;
    double step;        /* the step count after this step's increment (>= 1) */
    int maximize;
} po_adamax_hp;

/* NAdam (Dozat 2016), torch.optim.NAdam's update. */
typedef struct {
    double lr, beta1, beta2, eps, weight_decay, momentum_decay;
    double mu_product;  /* mu_1 * ... * mu_t, this step's factor included, in [0, 1) */
    double step;        /* the step count after this step's increment (>= 1) */
    int maximize, decoupled;
} po_nadam_hp;

/* RAdam (Liu et al. 2020), torch.optim.RAdam's update. */
typedef struct {
    double lr, beta1, beta2, eps, weight_decay;
    double step;        /* the step count after this step's increment (>= 1) */
    int maximize, decoupled;
} po_radam_hp;

int po_adadelta_f32(float *p, float *square_avg, float *acc_delta, const float *g, size_t n,
                    const po_adadelta_hp *hp);
int po_adadelta_f64(double *p, double *square_avg, double *acc_delta, const double *g, size_t n,
                    const po_adadelta_hp *hp);

int po_adamax_f32(float *p, float *exp_avg, float *exp_inf, const float *g, size_t n, const po_adamax_hp *hp);
int po_adamax_f64(double *p, double *exp_avg, double *exp_inf, const double *g, size_t n, const po_adamax_hp *hp);

int po_nadam_f32(float *p, float *exp_avg, float *exp_avg_sq, const float *g, size_t n, const po_nadam_hp *hp);
int po_nadam_f64(double *p, double *exp_avg, double *exp_avg_sq, const double *g, size_t n, const po_nadam_hp *hp);

int po_radam_f32(float *p, float *exp_avg, float *exp_avg_sq, const float *g, size_t n, const po_radam_hp *hp);
int po_radam_f64(double *p, double *exp_avg, double *exp_avg_sq, const double *g, size_t n, const po_radam_hp *hp);

#endif /* PYOPTIM_OPTIM_MORE_H */
