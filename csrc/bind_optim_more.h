/* bind_optim_more.h -- wrappers for Adadelta, Adamax, NAdam and RAdam (optim_more.c).
 * Part of module.c (included there after bind_args.h, whose checkers and PO_CALL_RETURN_NONE it uses). */
#include "optim_more.h"

/* ---- Adadelta ------------------------------------------------------------------------------------- */

PyDoc_STRVAR(adadelta_step_doc,
"adadelta_step($module, param, grad, square_avg, acc_delta, *, lr, rho=0.9, eps=1e-06,\n"
"              weight_decay=0.0, maximize=False)\n--\n\n"
"One fused Adadelta step, in place on ``param``, ``square_avg`` and ``acc_delta``; torch.optim.Adadelta's\n"
"update.\n\n"
"    g' = (-g if maximize else g) + weight_decay * param   (term skipped if weight_decay == 0)\n"
"    square_avg <- rho * square_avg + (1 - rho) * g' * g'\n"
"    delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g'\n"
"    acc_delta  <- rho * acc_delta + (1 - rho) * delta * delta\n"
"    param <- param - lr * delta\n\n"
"Book: 8.5.4 names AdaDelta among the adaptive methods in use; it is RMSProp (Algorithm 8.5, r ->\n"
"square_avg, rho -> rho, delta -> eps inside the root) whose learning rate is replaced by the RMS of\n"
"the recent updates (Zeiler 2012, Algorithm 1, which has lr = 1).\n\n"
"Parameters\n----------\n"
"param, grad, square_avg, acc_delta : ndarray, float32 or float64, C-contiguous, same shape and dtype\n"
"lr, eps, weight_decay : float (>= 0); rho : float in [0, 1]\n\n"
"Raises\n------\n"
"TypeError for a non-array, a wrong or mixed dtype, a missing lr; ValueError for shape mismatch,\n"
"non-contiguous, read-only or 0-d arrays, overlapping buffers, hyperparameters out of range.");

static PyObject *py_adadelta_step(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "adadelta_step";
    static char *kwlist[] = {"param", "grad", "square_avg", "acc_delta", "lr", "rho", "eps", "weight_decay",
                             "maximize", NULL};
    PyObject *op, *og, *os, *oa, *olr = NULL;
    double lr, rho = 0.9, eps = 1e-6, wd = 0.0;
    int maximize = 0;
    if (!po_parse(args, kw, "OOOO|$Odddp:adadelta_step", kwlist, &op, &og, &os, &oa, &olr,
                                     &rho, &eps, &wd, &maximize))
        return NULL;
    if (po_required_float(fn, "lr", olr, &lr) < 0) return NULL;
    if (po_check_range(fn, "lr", lr, 0.0, INFINITY) < 0 || po_check_range(fn, "rho", rho, 0.0, 1.0) < 0 ||
        po_check_range(fn, "eps", eps, 0.0, INFINITY) < 0 || po_check_range(fn, "weight_decay", wd, 0.0, INFINITY) < 0)
        return NULL;
    PyObject *objs[] = {op, og, os, oa};
    static const char *names[] = {"param", "grad", "square_avg", "acc_delta"};
    static const int flags[] = {PO_W, 0, PO_W, PO_W};
    PyArrayObject *arrs[4];
    if (po_update_arrays(fn, 4, objs, names, flags, arrs) < 0) return NULL;
    PyArrayObject *p = arrs[0], *g = arrs[1], *s = arrs[2], *a = arrs[3];

    po_adadelta_hp hp = {lr, rho, eps, wd, maximize};
    size_t n = PO_SIZE(p);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(p), po_adadelta,
                        PyArray_DATA(p), PyArray_DATA(s), PyArray_DATA(a), PyArray_DATA(g), n, &hp);
}

/* ---- Adamax --------------------------------------------------------------------------------------- */

PyDoc_STRVAR(adamax_step_doc,
"adamax_step($module, param, grad, exp_avg, exp_inf, *, lr, beta1=0.9, beta2=0.999, eps=1e-08,\n"
"            weight_decay=0.0, step, maximize=False)\n--\n\n"
"One fused Adamax step, in place on ``param``, ``exp_avg`` and ``exp_inf``; torch.optim.Adamax's update.\n\n"
"    g' = (-g if maximize else g) + weight_decay * param   (term skipped if weight_decay == 0)\n"
"    exp_avg <- beta1 * exp_avg + (1 - beta1) * g'         (torch's lerp)\n"
"    exp_inf <- max(beta2 * exp_inf, |g'| + eps)           (NaN if either is NaN, as torch.maximum)\n"
"    param <- param - (lr / (1 - beta1**step)) * exp_avg / exp_inf\n\n"
"Book: Algorithm 8.7 (Adam) with the second moment r replaced by an exponentially weighted infinity\n"
"norm, which needs no bias correction (Kingma & Ba 2015, section 7.1); eps -> lr, rho1/rho2 ->\n"
"beta1/beta2, s -> exp_avg. torch (and this kernel) add eps inside the max; the paper has none.\n\n"
"Parameters\n----------\n"
"param, grad, exp_avg, exp_inf : ndarray, float32 or float64, C-contiguous, same shape and dtype\n"
"lr, eps, weight_decay : float (>= 0); beta1, beta2 : float in [0, 1)\n"
"step : float, this step's count, counting from 1\n\n"
"Raises\n------\n"
"TypeError for a non-array, a wrong or mixed dtype, a missing lr/step; ValueError for shape mismatch,\n"
"non-contiguous, read-only or 0-d arrays, overlapping buffers, hyperparameters out of range.");

static PyObject *py_adamax_step(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "adamax_step";
    static char *kwlist[] = {"param", "grad", "exp_avg", "exp_inf", "lr", "beta1", "beta2", "eps", "weight_decay",
                             "step", "maximize", NULL};
    PyObject *op, *og, *om, *ou, *olr = NULL, *ostep = NULL;
    double lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, wd = 0.0, step;
    int maximize = 0;
    if (!po_parse(args, kw, "OOOO|$OddddOp:adamax_step", kwlist, &op, &og, &om, &ou, &olr,
                                     &beta1, &beta2, &eps, &wd, &ostep, &maximize))
        return NULL;
    if (po_required_float(fn, "lr", olr, &lr) < 0 || po_required_float(fn, "step", ostep, &step) < 0) return NULL;
    if (po_check_adam_hp(fn, lr, eps, beta1, beta2, wd) < 0 || po_check_range(fn, "step", step, 1.0, INFINITY) < 0)
        return NULL;
    PyObject *objs[] = {op, og, om, ou};
    static const char *names[] = {"param", "grad", "exp_avg", "exp_inf"};
    static const int flags[] = {PO_W, 0, PO_W, PO_W};
    PyArrayObject *arrs[4];
    if (po_update_arrays(fn, 4, objs, names, flags, arrs) < 0) return NULL;
    PyArrayObject *p = arrs[0], *g = arrs[1], *m = arrs[2], *u = arrs[3];

    po_adamax_hp hp = {lr, beta1, beta2, eps, wd, step, maximize};
    size_t n = PO_SIZE(p);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(p), po_adamax,
                        PyArray_DATA(p), PyArray_DATA(m), PyArray_DATA(u), PyArray_DATA(g), n, &hp);
}

/* ---- NAdam ---------------------------------------------------------------------------------------- */

PyDoc_STRVAR(nadam_step_doc,
"nadam_step($module, param, grad, exp_avg, exp_avg_sq, *, lr, beta1=0.9, beta2=0.999, eps=1e-08,\n"
"           weight_decay=0.0, momentum_decay=0.004, mu_product, step, maximize=False,\n"
"           decoupled_weight_decay=False)\n--\n\n"
"One fused NAdam step, in place on ``param`` and the moment arrays; torch.optim.NAdam's update.\n\n"
"    decoupled_weight_decay: param <- param * (1 - lr * weight_decay)\n"
"    g' = (-g if maximize else g) (+ weight_decay * param when coupled and weight_decay != 0)\n"
"    mu(t) = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay)),  mu_t = mu(step), mu_t1 = mu(step + 1)\n"
"    exp_avg    <- beta1 * exp_avg + (1 - beta1) * g'       (torch's lerp)\n"
"    exp_avg_sq <- beta2 * exp_avg_sq + (1 - beta2) * g' * g'\n"
"    den = sqrt(exp_avg_sq / (1 - beta2**step)) + eps\n"
"    param <- param - lr * (1 - mu_t) / (1 - mu_product) * g' / den\n"
"    param <- param - lr * mu_t1 / (1 - mu_product * mu_t1) * exp_avg / den\n\n"
"``mu_product`` is the product mu(1) * ... * mu(step), this step's factor included (the caller keeps it:\n"
"torch.optim.NAdam's state 'mu_product').\n\n"
"Book: Algorithm 8.7 (Adam) with the Nesterov momentum of 8.3.3 / Algorithm 8.3: the momentum term\n"
"of the next step is applied now, and the new gradient enters with its own weight (Dozat 2016).\n\n"
"Parameters\n----------\n"
"param, grad, exp_avg, exp_avg_sq : ndarray, float32 or float64, C-contiguous, same shape and dtype\n"
"lr, eps, weight_decay, momentum_decay : float (>= 0); beta1, beta2 : float in [0, 1)\n"
"mu_product : float in [0, 1); step : float, this step's count, counting from 1\n\n"
"Raises\n------\n"
"TypeError for a non-array, a wrong or mixed dtype, a missing lr/mu_product/step; ValueError for shape\n"
"mismatch, non-contiguous, read-only or 0-d arrays, overlapping buffers, hyperparameters out of range.");

static PyObject *py_nadam_step(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "nadam_step";
    static char *kwlist[] = {"param", "grad", "exp_avg", "exp_avg_sq", "lr", "beta1", "beta2", "eps",
                             "weight_decay", "momentum_decay", "mu_product", "step", "maximize",
                             "decoupled_weight_decay", NULL};
    PyObject *op, *og, *om, *ov, *olr = NULL, *omp = NULL, *ostep = NULL;
    double lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, wd = 0.0, md = 4e-3, mp, step;
    int maximize = 0, decoupled = 0;
    if (!po_parse(args, kw, "OOOO|$OdddddOOpp:nadam_step", kwlist, &op, &og, &om, &ov, &olr,
                                     &beta1, &beta2, &eps, &wd, &md, &omp, &ostep, &maximize, &decoupled))
        return NULL;
    if (po_required_float(fn, "lr", olr, &lr) < 0 || po_required_float(fn, "mu_product", omp, &mp) < 0 ||
        po_required_float(fn, "step", ostep, &step) < 0)
        return NULL;
    if (po_check_adam_hp(fn, lr, eps, beta1, beta2, wd) < 0 ||
        po_check_range(fn, "momentum_decay", md, 0.0, INFINITY) < 0 ||
        po_check_range(fn, "mu_product", mp, 0.0, nextafter(1.0, 0.0)) < 0 ||
        po_check_range(fn, "step", step, 1.0, INFINITY) < 0)
        return NULL;
    PyObject *objs[] = {op, og, om, ov};
    static const char *names[] = {"param", "grad", "exp_avg", "exp_avg_sq"};
    static const int flags[] = {PO_W, 0, PO_W, PO_W};
    PyArrayObject *arrs[4];
    if (po_update_arrays(fn, 4, objs, names, flags, arrs) < 0) return NULL;
    PyArrayObject *p = arrs[0], *g = arrs[1], *m = arrs[2], *v = arrs[3];

    po_nadam_hp hp = {lr, beta1, beta2, eps, wd, md, mp, step, maximize, decoupled};
    size_t n = PO_SIZE(p);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(p), po_nadam,
                        PyArray_DATA(p), PyArray_DATA(m), PyArray_DATA(v), PyArray_DATA(g), n, &hp);
}

/* ---- RAdam ---------------------------------------------------------------------------------------- */

PyDoc_STRVAR(radam_step_doc,
"radam_step($module, param, grad, exp_avg, exp_avg_sq, *, lr, beta1=0.9, beta2=0.999, eps=1e-08,\n"
"           weight_decay=0.0, step, maximize=False, decoupled_weight_decay=False)\n--\n\n"
"One fused RAdam step, in place on ``param`` and the moment arrays; torch.optim.RAdam's update.\n\n"
"    decoupled_weight_decay: param <- param * (1 - lr * weight_decay)\n"
"    g' = (-g if maximize else g) (+ weight_decay * param when coupled and weight_decay != 0)\n"
"    exp_avg    <- beta1 * exp_avg + (1 - beta1) * g'       (torch's lerp)\n"
"    exp_avg_sq <- beta2 * exp_avg_sq + (1 - beta2) * g' * g'\n"
"    rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 * step * beta2**step / (1 - beta2**step)\n"
"    rho_t > 5: rect = sqrt((rho_t - 4) (rho_t - 2) rho_inf / ((rho_inf - 4) (rho_inf - 2) rho_t))\n"
"               param <- param - lr * exp_avg / (1 - beta1**step) * sqrt(1 - beta2**step)\n"
"                                / (sqrt(exp_avg_sq) + eps) * rect\n"
"    otherwise: param <- param - lr * exp_avg / (1 - beta1**step)\n\n"
"Book: Algorithm 8.7 (Adam), whose adaptive rate 1/sqrt(r_hat) has a large variance in the first\n"
"steps (r is an average of few squared gradients); RAdam (Liu et al. 2020) takes plain momentum steps\n"
"until the variance is defined (rho_t > 5) and then scales the Adam step by the rectification rect,\n"
"a principled warm-up (book 8.7.x discusses warm-up heuristics only).\n\n"
"Parameters\n----------\n"
"param, grad, exp_avg, exp_avg_sq : ndarray, float32 or float64, C-contiguous, same shape and dtype\n"
"lr, eps, weight_decay : float (>= 0); beta1, beta2 : float in [0, 1)\n"
"step : float, this step's count, counting from 1\n\n"
"Raises\n------\n"
"TypeError for a non-array, a wrong or mixed dtype, a missing lr/step; ValueError for shape mismatch,\n"
"non-contiguous, read-only or 0-d arrays, overlapping buffers, hyperparameters out of range.");

static PyObject *py_radam_step(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "radam_step";
    static char *kwlist[] = {"param", "grad", "exp_avg", "exp_avg_sq", "lr", "beta1", "beta2", "eps",
                             "weight_decay", "step", "maximize", "decoupled_weight_decay", NULL};
    PyObject *op, *og, *om, *ov, *olr = NULL, *ostep = NULL;
    double lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, wd = 0.0, step;
    int maximize = 0, decoupled = 0;
    if (!po_parse(args, kw, "OOOO|$OddddOpp:radam_step", kwlist, &op, &og, &om, &ov, &olr,
                                     &beta1, &beta2, &eps, &wd, &ostep, &maximize, &decoupled))
        return NULL;
    if (po_required_float(fn, "lr", olr, &lr) < 0 || po_required_float(fn, "step", ostep, &step) < 0) return NULL;
    if (po_check_adam_hp(fn, lr, eps, beta1, beta2, wd) < 0 || po_check_range(fn, "step", step, 1.0, INFINITY) < 0)
        return NULL;
    PyObject *objs[] = {op, og, om, ov};
    static const char *names[] = {"param", "grad", "exp_avg", "exp_avg_sq"};
    static const int flags[] = {PO_W, 0, PO_W, PO_W};
    PyArrayObject *arrs[4];
    if (po_update_arrays(fn, 4, objs, names, flags, arrs) < 0) return NULL;
    PyArrayObject *p = arrs[0], *g = arrs[1], *m = arrs[2], *v = arrs[3];

    po_radam_hp hp = {lr, beta1, beta2, eps, wd, step, maximize, decoupled};
    size_t n = PO_SIZE(p);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(p), po_radam,
                        PyArray_DATA(p), PyArray_DATA(m), PyArray_DATA(v), PyArray_DATA(g), n, &hp);
}

#define PO_OPTIM_MORE_METHODS \
    {"adadelta_step", (PyCFunction)(void (*)(void))py_adadelta_step, METH_VARARGS | METH_KEYWORDS, adadelta_step_doc}, \
    {"adamax_step", (PyCFunction)(void (*)(void))py_adamax_step, METH_VARARGS | METH_KEYWORDS, adamax_step_doc}, \
    {"nadam_step", (PyCFunction)(void (*)(void))py_nadam_step, METH_VARARGS | METH_KEYWORDS, nadam_step_doc}, \
    {"radam_step", (PyCFunction)(void (*)(void))py_radam_step, METH_VARARGS | METH_KEYWORDS, radam_step_doc},
