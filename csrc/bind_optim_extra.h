/* bind_optim_extra.h -- wrappers for ASGD, Rprop, Adafactor and Muon's elementwise parts (optim_extra.c).
 * Part of module.c (included there). */
#include <float.h>
#include "optim_extra.h"

/* ---- ASGD ----------------------------------------------------------------------------------------- */

PyDoc_STRVAR(asgd_step_doc,
"asgd_step($module, param, grad, ax, *, eta, lambd=0.0001, mu=1.0, weight_decay=0.0, maximize=False)\n--\n\n"
"One fused ASGD step, in place on ``param`` and ``ax``; torch.optim.ASGD's update with this step's\n"
"``eta`` and ``mu`` (the caller updates them afterwards, as torch.optim.ASGD does).\n\n"
"    g' = (-g if maximize else g) + weight_decay * param   (term skipped if weight_decay == 0)\n"
"    param <- param * (1 - lambd * eta)\n"
"    param <- param - eta * g'\n"
"    ax    <- ax + mu * (param - ax)   (ax <- param when mu == 1)\n\n"
"Book: 8.7.3 (Polyak averaging; Polyak & Juditsky 1992): ax is the running average of the iterates\n"
"once averaging starts (mu = 1 / (step - t0)); eta -> the book's epsilon, decayed as\n"
"lr / (1 + lambd * lr * step) ** alpha by the caller.\n\n"
"Parameters\n----------\n"
"param, grad, ax : ndarray, float32 or float64, C-contiguous, same shape and dtype (param, ax writeable)\n"
"eta : float >= 0; lambd : float; mu : float in [0, 1]; weight_decay : float >= 0\n\n"
"Raises\n------\n"
"TypeError for a non-array, a wrong or mixed dtype, a missing eta; ValueError for shape mismatch,\n"
"non-contiguous, read-only or 0-d arrays, overlapping buffers, hyperparameters out of range.");

static PyObject *py_asgd_step(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "asgd_step";
    static char *kwlist[] = {"param", "grad", "ax", "eta", "lambd", "mu", "weight_decay", "maximize", NULL};
    PyObject *op, *og, *oa, *oeta = NULL;
    double eta, lambd = 1e-4, mu = 1.0, wd = 0.0;
    int maximize = 0;
    if (!po_parse(args, kw, "OOO|$Odddp:asgd_step", kwlist, &op, &og, &oa, &oeta, &lambd, &mu,
                                     &wd, &maximize))
        return NULL;
    if (po_required_float(fn, "eta", oeta, &eta) < 0) return NULL;
    if (po_check_range(fn, "eta", eta, 0.0, INFINITY) < 0 || po_check_range(fn, "lambd", lambd, -INFINITY, INFINITY) < 0 ||
        po_check_range(fn, "mu", mu, 0.0, 1.0) < 0 || po_check_range(fn, "weight_decay", wd, 0.0, INFINITY) < 0)
        return NULL;
    PyObject *objs[] = {op, og, oa};
    static const char *names[] = {"param", "grad", "ax"};
    static const int flags[] = {PO_W, 0, PO_W};
    PyArrayObject *arrs[3];
    if (po_update_arrays(fn, 3, objs, names, flags, arrs) < 0) return NULL;
    PyArrayObject *p = arrs[0], *g = arrs[1], *a = arrs[2];

    po_asgd_hp hp = {eta, lambd, mu, wd, maximize};
    size_t n = PO_SIZE(p);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(p), po_asgd, PyArray_DATA(p), PyArray_DATA(a), PyArray_DATA(g), n, &hp);
}

/* ---- Rprop ---------------------------------------------------------------------------------------- */

PyDoc_STRVAR(rprop_step_doc,
"rprop_step($module, param, grad, prev, step_size, *, etaminus=0.5, etaplus=1.2, step_size_min=1e-06,\n"
"           step_size_max=50.0, maximize=False)\n--\n\n"
"One fused Rprop step, in place on ``param``, ``prev`` and ``step_size``; torch.optim.Rprop's update.\n\n"
"    g' = -g if maximize else g\n"
"    s  = sign(g' * prev)                      (sign(NaN) = 0, as torch.sign)\n"
"    step_size <- clamp(step_size * (etaplus if s > 0 else etaminus if s < 0 else 1),\n"
"                       step_size_min, step_size_max)\n"
"    g'' = 0 where s < 0 (the sign flipped: no step), else g'\n"
"    param <- param - sign(g'') * step_size\n"
"    prev  <- g''\n\n"
"Riedmiller & Braun (1993), the iRprop- variant. Not in the book: each weight has its own step\n"
"size, adapted from the sign of successive gradients only (compare the per-parameter rates of 8.5).\n\n"
"Parameters\n----------\n"
"param, grad, prev, step_size : ndarray, float32 or float64, C-contiguous, same shape and dtype\n"
"etaminus : float in (0, 1); etaplus : float > 1; step_size_min, step_size_max : float\n\n"
"Raises\n------\n"
"TypeError for a non-array or a wrong or mixed dtype; ValueError for shape mismatch, non-contiguous,\n"
"read-only or 0-d arrays, overlapping buffers, hyperparameters out of range.");

static PyObject *py_rprop_step(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "rprop_step";
    static char *kwlist[] = {"param", "grad", "prev", "step_size", "etaminus", "etaplus", "step_size_min",
                             "step_size_max", "maximize", NULL};
    PyObject *op, *og, *opv, *oss;
    double em = 0.5, ep = 1.2, smin = 1e-6, smax = 50.0;
    int maximize = 0;
    if (!po_parse(args, kw, "OOOO|$ddddp:rprop_step", kwlist, &op, &og, &opv, &oss, &em, &ep,
                                     &smin, &smax, &maximize))
        return NULL;
    if (po_check_range(fn, "etaminus", em, nextafter(0.0, 1.0), nextafter(1.0, 0.0)) < 0 ||
        po_check_range(fn, "etaplus", ep, nextafter(1.0, 2.0), INFINITY) < 0 ||
        po_check_range(fn, "step_size_min", smin, -INFINITY, INFINITY) < 0 ||
        po_check_range(fn, "step_size_max", smax, -INFINITY, INFINITY) < 0)
        return NULL;
    PyObject *objs[] = {op, og, opv, oss};
    static const char *names[] = {"param", "grad", "prev", "step_size"};
    static const int flags[] = {PO_W, 0, PO_W, PO_W};
    PyArrayObject *arrs[4];
    if (po_update_arrays(fn, 4, objs, names, flags, arrs) < 0) return NULL;
    PyArrayObject *p = arrs[0], *g = arrs[1], *pv = arrs[2], *ss = arrs[3];

    po_rprop_hp hp = {em, ep, smin, smax, maximize};
    size_t n = PO_SIZE(p);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(p), po_rprop,
                        PyArray_DATA(p), PyArray_DATA(pv), PyArray_DATA(ss), PyArray_DATA(g), n, &hp);
}

/* ---- Adafactor ------------------------------------------------------------------------------------ */

PyDoc_STRVAR(adafactor_step_doc,
"adafactor_step($module, param, grad, row_var=None, col_var=None, variance=None, *, lr,\n"
"               beta2_decay=-0.8, eps1=None, eps2=0.001, d=1.0, weight_decay=0.0, step,\n"
"               maximize=False)\n--\n\n"
"One Adafactor step, in place on ``param`` and its second-moment state; torch.optim.Adafactor's update.\n\n"
"    g' = -g if maximize else g;  t = step;  w = t ** beta2_decay;  rho = min(lr, 1 / sqrt(t))\n"
"    alpha = max(eps2, ||param|| / sqrt(n)) * rho          (n = param.size, before the decay)\n"
"    param <- param * (1 - lr * weight_decay)\n"
"    param.ndim >= 2 (shape (..., m, c)), factored:\n"
"        row_var <- lerp(row_var, mean over the last axis of g'**2, w)        shape (..., m, 1)\n"
"        col_var <- lerp(col_var, mean over the second-last axis of g'**2, w) shape (..., 1, c)\n"
"        v = row_var * col_var / max(mean(row_var over m), eps1)\n"
"    param.ndim == 1:  variance <- lerp(variance, g'**2, w);  v = variance\n"
"    u = g' / sqrt(max(v, eps1**2))\n"
"    param <- param - alpha / max(1, ||u|| / (sqrt(n) * d)) * u\n\n"
"Shazeer & Stern (2018). Relation to the book: RMSProp/Adam's second-moment average (8.5.2-8.5.3)\n"
"with a step-dependent decay 1 - t**beta2_decay, stored as the rank-1 factors of the matrix of g**2,\n"
"no first moment, the update clipped in RMS (compare 8.2.4's clipping) and scaled relative to ||param||.\n"
"Norms are summed in double in a fixed order (bit-identical for any thread count); n == 0 does nothing.\n\n"
"Parameters\n----------\n"
"param, grad : ndarray, float32 or float64, C-contiguous, same shape and dtype, ndim >= 1\n"
"row_var, col_var : ndarray, required when param.ndim >= 2 (shapes above); variance : when ndim == 1\n"
"lr, eps2, weight_decay : float >= 0; beta2_decay : float <= 0; d : float >= 1\n"
"eps1 : float >= 0 or None (None: the dtype's machine epsilon, as torch)\n"
"step : float, this step's count, counting from 1\n\n"
"Raises\n------\n"
"TypeError for a non-array, a wrong or mixed dtype, a missing lr/step; ValueError for shape mismatch,\n"
"non-contiguous, read-only or 0-d arrays, overlapping buffers, a missing state array, hyperparameters\n"
"out of range.");

static PyObject *py_adafactor_step(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "adafactor_step";
    static char *kwlist[] = {"param", "grad", "row_var", "col_var", "variance", "lr", "beta2_decay", "eps1", "eps2",
                             "d", "weight_decay", "step", "maximize", NULL};
    PyObject *op, *og, *orv = Py_None, *ocv = Py_None, *ov = Py_None, *olr = NULL, *oe1 = Py_None, *ostep = NULL;
    double lr, b2d = -0.8, eps1, eps2 = 1e-3, d = 1.0, wd = 0.0, step;
    int maximize = 0;
    if (!po_parse(args, kw, "OO|OOO$OdOdddOp:adafactor_step", kwlist, &op, &og, &orv, &ocv, &ov,
                                     &olr, &b2d, &oe1, &eps2, &d, &wd, &ostep, &maximize))
        return NULL;
    if (po_required_float(fn, "lr", olr, &lr) < 0 || po_required_float(fn, "step", ostep, &step) < 0) return NULL;
    PyArrayObject *p = po_arr(fn, op, "param", PO_W);
    if (!p) return NULL;
    if (oe1 == Py_None) eps1 = PO_IS_F32(p) ? (double)FLT_EPSILON : DBL_EPSILON;
    else if (po_required_float(fn, "eps1", oe1, &eps1) < 0) return NULL;
    if (po_check_range(fn, "lr", lr, 0.0, INFINITY) < 0 || po_check_range(fn, "beta2_decay", b2d, -INFINITY, 0.0) < 0 ||
        po_check_range(fn, "eps1", eps1, 0.0, INFINITY) < 0 || po_check_range(fn, "eps2", eps2, 0.0, INFINITY) < 0 ||
        po_check_range(fn, "d", d, 1.0, INFINITY) < 0 || po_check_range(fn, "weight_decay", wd, 0.0, INFINITY) < 0 ||
        po_check_range(fn, "step", step, 1.0, INFINITY) < 0)
        return NULL;
    PyArrayObject *g = po_arr_like(fn, og, "grad", 0, p, "param");
    if (!g) return NULL;
    PyArrayObject *rv = NULL, *cv = NULL, *v = NULL;
    int nd = PyArray_NDIM(p);
    const npy_intp *pd = PyArray_DIMS(p);
    size_t m = 0, c = 0;
    if (nd >= 2) {
        if (orv == Py_None || ocv == Py_None) {
            PyErr_Format(PyExc_ValueError, "%s(): row_var and col_var are required when param.ndim >= 2", fn);
            return NULL;
        }
        if (ov != Py_None) {
            PyErr_Format(PyExc_ValueError, "%s(): variance must be None when param.ndim >= 2 (factored)", fn);
            return NULL;
        }
        npy_intp dims[NPY_MAXDIMS];
        memcpy(dims, pd, nd * sizeof(npy_intp));
        if (!(rv = po_arr(fn, orv, "row_var", PO_W)) || !(cv = po_arr(fn, ocv, "col_var", PO_W))) return NULL;
        if (PyArray_TYPE(rv) != PyArray_TYPE(p) || PyArray_TYPE(cv) != PyArray_TYPE(p)) {
            PyErr_Format(PyExc_TypeError, "%s(): row_var and col_var must have param's dtype (mixed dtypes)", fn);
            return NULL;
        }
        dims[nd - 1] = 1;
        if (po_check_shape(fn, rv, "row_var", nd, dims, NULL) < 0) return NULL;
        dims[nd - 1] = pd[nd - 1];
        dims[nd - 2] = 1;
        if (po_check_shape(fn, cv, "col_var", nd, dims, NULL) < 0) return NULL;
        m = (size_t)pd[nd - 2];
        c = (size_t)pd[nd - 1];
    } else {
        if (ov == Py_None) {
            PyErr_Format(PyExc_ValueError, "%s(): variance is required when param.ndim == 1", fn);
            return NULL;
        }
        if (orv != Py_None || ocv != Py_None) {
            PyErr_Format(PyExc_ValueError, "%s(): row_var and col_var must be None when param.ndim == 1", fn);
            return NULL;
        }
        if (!(v = po_arr_like(fn, ov, "variance", PO_W, p, "param"))) return NULL;
    }
    PyArrayObject *arrs[] = {p, g, rv, cv, v};
    const char *names[] = {"param", "grad", "row_var", "col_var", "variance"};
    if (po_check_disjoint(fn, 5, arrs, names) < 0) return NULL;
    size_t n = PO_SIZE(p);
    if (nd >= 2 && (m == 0 || c == 0)) {   /* an empty matrix: nothing to update */
        Py_RETURN_NONE;
    }

    po_adafactor_hp hp = {lr, b2d, eps1, eps2, d, wd, step, maximize};
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(p), po_adafactor,
                        PyArray_DATA(p), rv ? PyArray_DATA(rv) : NULL, cv ? PyArray_DATA(cv) : NULL,
                        v ? PyArray_DATA(v) : NULL, PyArray_DATA(g), n, m, c, &hp);
}

/* ---- Muon (elementwise parts) --------------------------------------------------------------------- */

PyDoc_STRVAR(muon_momentum_doc,
"muon_momentum($module, grad, momentum_buffer, out, *, momentum, nesterov=True)\n--\n\n"
"Muon's momentum, in place on ``momentum_buffer`` and ``out``; torch.optim.Muon's first lines.\n\n"
"    momentum_buffer <- momentum * momentum_buffer + (1 - momentum) * grad   (torch's lerp)\n"
"    out <- (1 - momentum) * grad + momentum * momentum_buffer   if nesterov   (torch's lerp)\n"
"    out <- momentum_buffer                                      otherwise\n\n"
"``out`` is then orthogonalized (Newton-Schulz, pyoptim.optim.Muon) and applied with muon_apply.\n"
"Book: 8.3.2-8.3.3 (momentum, Nesterov) with an exponential-average buffer (dampening 1 - momentum).\n\n"
"Parameters\n----------\n"
"grad, momentum_buffer, out : ndarray, float32 or float64, C-contiguous, same shape and dtype\n"
"momentum : float >= 0\n\n"
"Raises\n------\n"
"TypeError for a non-array or a wrong or mixed dtype; ValueError for shape mismatch, non-contiguous,\n"
"read-only or 0-d arrays, overlapping buffers, momentum out of range.");

static PyObject *py_muon_momentum(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "muon_momentum";
    static char *kwlist[] = {"grad", "momentum_buffer", "out", "momentum", "nesterov", NULL};
    PyObject *og, *ob, *oo, *omu = NULL;
    double mu;
    int nesterov = 1;
    if (!po_parse(args, kw, "OOO|$Op:muon_momentum", kwlist, &og, &ob, &oo, &omu, &nesterov))
        return NULL;
    if (po_required_float(fn, "momentum", omu, &mu) < 0) return NULL;
    if (po_check_range(fn, "momentum", mu, 0.0, INFINITY) < 0) return NULL;
    PyObject *objs[] = {og, ob, oo};
    static const char *names[] = {"grad", "momentum_buffer", "out"};
    static const int flags[] = {0, PO_W, PO_W};
    PyArrayObject *arrs[3];
    if (po_update_arrays(fn, 3, objs, names, flags, arrs) < 0) return NULL;
    PyArrayObject *g = arrs[0], *b = arrs[1], *o = arrs[2];
    size_t n = PO_SIZE(g);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(g), po_muon_momentum,
                        PyArray_DATA(o), PyArray_DATA(b), PyArray_DATA(g), n, mu, nesterov);
}

PyDoc_STRVAR(muon_apply_doc,
"muon_apply($module, param, update, *, lr, weight_decay=0.1, adjusted_lr)\n--\n\n"
"Muon's parameter update, in place on ``param``; torch.optim.Muon's last two lines.\n\n"
"    param <- param * (1 - lr * weight_decay)          (decoupled weight decay, always applied)\n"
"    param <- param - adjusted_lr * update\n\n"
"``update`` is the orthogonalized momentum O; adjusted_lr is lr scaled for the matrix shape.\n\n"
"Parameters\n----------\n"
"param, update : ndarray, float32 or float64, C-contiguous, same shape and dtype (param writeable)\n"
"lr, weight_decay, adjusted_lr : float >= 0\n\n"
"Raises\n------\n"
"TypeError for a non-array, a wrong or mixed dtype, a missing lr/adjusted_lr; ValueError for shape\n"
"mismatch, non-contiguous, read-only or 0-d arrays, overlapping buffers, hyperparameters out of range.");

static PyObject *py_muon_apply(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "muon_apply";
    static char *kwlist[] = {"param", "update", "lr", "weight_decay", "adjusted_lr", NULL};
    PyObject *op, *ou, *olr = NULL, *oalr = NULL;
    double lr, wd = 0.1, alr;
    if (!po_parse(args, kw, "OO|$OdO:muon_apply", kwlist, &op, &ou, &olr, &wd, &oalr)) return NULL;
    if (po_required_float(fn, "lr", olr, &lr) < 0 || po_required_float(fn, "adjusted_lr", oalr, &alr) < 0) return NULL;
    if (po_check_range(fn, "lr", lr, 0.0, INFINITY) < 0 || po_check_range(fn, "weight_decay", wd, 0.0, INFINITY) < 0 ||
        po_check_range(fn, "adjusted_lr", alr, 0.0, INFINITY) < 0)
        return NULL;
    PyObject *objs[] = {op, ou};
    static const char *names[] = {"param", "update"};
    static const int flags[] = {PO_W, 0};
    PyArrayObject *arrs[2];
    if (po_update_arrays(fn, 2, objs, names, flags, arrs) < 0) return NULL;
    PyArrayObject *p = arrs[0], *u = arrs[1];
    size_t n = PO_SIZE(p);
    double decay = 1.0 - lr * wd;
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(p), po_muon_apply, PyArray_DATA(p), PyArray_DATA(u), n, decay, alr);
}

#define PO_OPTIM_EXTRA_METHODS \
    {"asgd_step", (PyCFunction)(void (*)(void))py_asgd_step, METH_VARARGS | METH_KEYWORDS, asgd_step_doc}, \
    {"rprop_step", (PyCFunction)(void (*)(void))py_rprop_step, METH_VARARGS | METH_KEYWORDS, rprop_step_doc}, \
    {"adafactor_step", (PyCFunction)(void (*)(void))py_adafactor_step, METH_VARARGS | METH_KEYWORDS, adafactor_step_doc}, \
    {"muon_momentum", (PyCFunction)(void (*)(void))py_muon_momentum, METH_VARARGS | METH_KEYWORDS, muon_momentum_doc}, \
    {"muon_apply", (PyCFunction)(void (*)(void))py_muon_apply, METH_VARARGS | METH_KEYWORDS, muon_apply_doc},
