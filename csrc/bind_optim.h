/* bind_optim.h -- wrappers for the first-order updates, clipping and averaging (optim.c).
 * Part of module.c (included there). */
#include <stdio.h>
#include <stdlib.h>
#include "optim.h"

PyDoc_STRVAR(sgd_step_doc,
"sgd_step($module, param, grad, momentum_buffer=None, *, lr, momentum=0.0, dampening=0.0,\n"
"         weight_decay=0.0, nesterov=False, maximize=False, first_step=False)\n--\n\n"
"One fused SGD step, in place on ``param`` (and ``momentum_buffer``); torch.optim.SGD's update.\n\n"
"    g' = (-g if maximize else g) + weight_decay * param   (term skipped if weight_decay == 0)\n"
"    b  = g'                                   (first_step)\n"
"    b  = momentum * b + (1 - dampening) * g'  (otherwise)\n"
"    d  = g' + momentum * b if nesterov else b (d = g' when momentum == 0)\n"
"    param <- param - lr * d\n\n"
"Book: Algorithm 8.1 (SGD), 8.2 (momentum), 8.3 (Nesterov), in torch's form: with a constant rate\n"
"the book's velocity v equals -lr * b.\n\n"
"Parameters\n----------\n"
"param, grad : ndarray, float32 or float64, C-contiguous, same shape and dtype (param writeable)\n"
"momentum_buffer : ndarray or None, written in place; required when momentum != 0\n"
"lr, momentum, dampening, weight_decay : float\n"
"first_step : bool, True on the first step (the buffer is set to g', not blended)\n\n"
"Raises\n------\n"
"TypeError for a non-array or a dtype other than float32/float64 or mixed dtypes; ValueError for\n"
"shape mismatch, non-contiguous, read-only or 0-d arrays, overlapping buffers, invalid hyperparameters.");

static PyObject *py_sgd_step(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "sgd_step";
    static char *kwlist[] = {"param", "grad", "momentum_buffer", "lr", "momentum", "dampening",
                             "weight_decay", "nesterov", "maximize", "first_step", NULL};
    PyObject *op, *og, *ob = Py_None, *olr = NULL;
    double lr, momentum = 0.0, dampening = 0.0, wd = 0.0;
    int nesterov = 0, maximize = 0, first = 0;
    if (!po_parse(args, kw, "OO|O$Odddppp:sgd_step", kwlist, &op, &og, &ob, &olr,
                                     &momentum, &dampening, &wd, &nesterov, &maximize, &first))
        return NULL;
    if (po_required_float(fn, "lr", olr, &lr) < 0) return NULL;
    if (po_check_range(fn, "lr", lr, 0.0, INFINITY) < 0 || po_check_range(fn, "momentum", momentum, 0.0, INFINITY) < 0 ||
        po_check_range(fn, "weight_decay", wd, 0.0, INFINITY) < 0 ||
        po_check_range(fn, "dampening", dampening, -INFINITY, INFINITY) < 0)
        return NULL;
    PyArrayObject *p = po_arr(fn, op, "param", PO_W);
    if (!p) return NULL;
    PyArrayObject *g = po_arr_like(fn, og, "grad", 0, p, "param");
    if (!g) return NULL;
    PyArrayObject *b;
    if (po_opt_like(fn, ob, "momentum_buffer", PO_W, p, "param", &b) < 0) return NULL;
    if (momentum != 0.0 && !b) {
        PyErr_SetString(PyExc_ValueError, "sgd_step(): momentum_buffer is required when momentum != 0");
        return NULL;
    }
    PyArrayObject *arrs[] = {p, g, b};
    const char *names[] = {"param", "grad", "momentum_buffer"};
    if (po_check_disjoint(fn, 3, arrs, names) < 0) return NULL;

    po_sgd_hp hp = {lr, momentum, dampening, wd, nesterov, maximize, first};
    size_t n = PO_SIZE(p);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(p), po_sgd, PyArray_DATA(p), b ? PyArray_DATA(b) : NULL, PyArray_DATA(g), n, &hp);
}

/* ---- Adagrad -------------------------------------------------------------------------------------- */

PyDoc_STRVAR(adagrad_step_doc,
"adagrad_step($module, param, grad, state_sum, *, lr, lr_decay=0.0, weight_decay=0.0, eps=1e-10,\n"
"             step, maximize=False)\n--\n\n"
"One fused Adagrad step, in place on ``param`` and ``state_sum``; torch.optim.Adagrad's update.\n\n"
"    g'  = (-g if maximize else g) + weight_decay * param  (term skipped if weight_decay == 0)\n"
"    clr = lr / (1 + (step - 1) * lr_decay)\n"
"    state_sum <- state_sum + g' * g'\n"
"    param <- param - clr * g' / (sqrt(state_sum) + eps)\n\n"
"Book: Algorithm 8.4 (AdaGrad; Duchi, Hazan & Singer 2011): r <- r + g*g, theta <- theta - eps/(delta +\n"
"sqrt(r)) * g, with eps -> lr, delta -> eps; lr_decay is torch's extra.\n\n"
"Parameters\n----------\n"
"param, grad, state_sum : ndarray, float32 or float64, C-contiguous, same shape and dtype\n"
"lr, lr_decay, weight_decay, eps : float (>= 0)\n"
"step : float, this step's count, counting from 1\n\n"
"Raises\n------\n"
"TypeError for a non-array, a wrong or mixed dtype, a missing lr/step; ValueError for shape mismatch,\n"
"non-contiguous, read-only or 0-d arrays, overlapping buffers, hyperparameters out of range.");

static PyObject *py_adagrad_step(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "adagrad_step";
    static char *kwlist[] = {"param", "grad", "state_sum", "lr", "lr_decay", "weight_decay", "eps", "step",
                             "maximize", NULL};
    PyObject *op, *og, *os, *olr = NULL, *ostep = NULL;
    double lr, lr_decay = 0.0, wd = 0.0, eps = 1e-10, step;
    int maximize = 0;
    if (!po_parse(args, kw, "OOO|$OdddOp:adagrad_step", kwlist, &op, &og, &os, &olr,
                                     &lr_decay, &wd, &eps, &ostep, &maximize))
        return NULL;
    if (po_required_float(fn, "lr", olr, &lr) < 0 || po_required_float(fn, "step", ostep, &step) < 0) return NULL;
    if (po_check_range(fn, "lr", lr, 0.0, INFINITY) < 0 || po_check_range(fn, "lr_decay", lr_decay, 0.0, INFINITY) < 0 ||
        po_check_range(fn, "weight_decay", wd, 0.0, INFINITY) < 0 || po_check_range(fn, "eps", eps, 0.0, INFINITY) < 0 ||
        po_check_range(fn, "step", step, 1.0, INFINITY) < 0)
        return NULL;
    PyObject *objs[] = {op, og, os};
    static const char *names[] = {"param", "grad", "state_sum"};
    static const int flags[] = {PO_W, 0, PO_W};
    PyArrayObject *arrs[3];
    if (po_update_arrays(fn, 3, objs, names, flags, arrs) < 0) return NULL;
    PyArrayObject *p = arrs[0], *g = arrs[1], *s = arrs[2];

    po_adagrad_hp hp = {lr, lr_decay, wd, eps, step, maximize};
    size_t n = PO_SIZE(p);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(p), po_adagrad, PyArray_DATA(p), PyArray_DATA(s), PyArray_DATA(g), n, &hp);
}

/* ---- RMSprop -------------------------------------------------------------------------------------- */

PyDoc_STRVAR(rmsprop_step_doc,
"rmsprop_step($module, param, grad, square_avg, grad_avg=None, momentum_buffer=None, *, lr, alpha=0.99,\n"
"             eps=1e-08, weight_decay=0.0, momentum=0.0, centered=False, maximize=False)\n--\n\n"
"One fused RMSprop step, in place on ``param`` and the state arrays; torch.optim.RMSprop's update.\n\n"
"    g' = (-g if maximize else g) + weight_decay * param   (term skipped if weight_decay == 0)\n"
"    square_avg <- alpha * square_avg + (1 - alpha) * g' * g'\n"
"    centered:  grad_avg <- alpha * grad_avg + (1 - alpha) * g'   (torch's lerp)\n"
"               den = sqrt(square_avg - grad_avg**2) + eps\n"
"    otherwise: den = sqrt(square_avg) + eps\n"
"    momentum > 0: momentum_buffer <- momentum * momentum_buffer + g' / den; param <- param - lr * buffer\n"
"    otherwise:    param <- param - lr * g' / den\n\n"
"Book: Algorithm 8.5 (RMSProp; Hinton, lecture 6e) with eps -> lr, rho -> alpha, delta -> eps; the\n"
"book puts delta inside the square root (1/sqrt(delta + r)), torch and this kernel add eps outside.\n"
"Momentum here is torch's heavy ball on the scaled gradient (not the book's Nesterov form, Alg. 8.6).\n\n"
"Parameters\n----------\n"
"param, grad, square_avg : ndarray, float32 or float64, C-contiguous, same shape and dtype\n"
"grad_avg : ndarray, required when centered; momentum_buffer : ndarray, required when momentum > 0\n"
"lr, alpha, eps, weight_decay, momentum : float\n\n"
"Raises\n------\n"
"TypeError for a non-array, a wrong or mixed dtype, a missing lr; ValueError for shape mismatch,\n"
"non-contiguous, read-only or 0-d arrays, overlapping buffers, a missing state array, hyperparameters\n"
"out of range.");

static PyObject *py_rmsprop_step(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "rmsprop_step";
    static char *kwlist[] = {"param", "grad", "square_avg", "grad_avg", "momentum_buffer", "lr", "alpha", "eps",
                             "weight_decay", "momentum", "centered", "maximize", NULL};
    PyObject *op, *og, *os, *oa = Py_None, *ob = Py_None, *olr = NULL;
    double lr, alpha = 0.99, eps = 1e-8, wd = 0.0, momentum = 0.0;
    int centered = 0, maximize = 0;
    if (!po_parse(args, kw, "OOO|OO$Oddddpp:rmsprop_step", kwlist, &op, &og, &os, &oa, &ob,
                                     &olr, &alpha, &eps, &wd, &momentum, &centered, &maximize))
        return NULL;
    if (po_required_float(fn, "lr", olr, &lr) < 0) return NULL;
    if (po_check_range(fn, "lr", lr, 0.0, INFINITY) < 0 || po_check_range(fn, "alpha", alpha, 0.0, 1.0) < 0 ||
        po_check_range(fn, "eps", eps, 0.0, INFINITY) < 0 || po_check_range(fn, "weight_decay", wd, 0.0, INFINITY) < 0 ||
        po_check_range(fn, "momentum", momentum, 0.0, INFINITY) < 0)
        return NULL;
    PyArrayObject *p = po_arr(fn, op, "param", PO_W);
    if (!p) return NULL;
    PyArrayObject *g = po_arr_like(fn, og, "grad", 0, p, "param");
    if (!g) return NULL;
    PyArrayObject *s = po_arr_like(fn, os, "square_avg", PO_W, p, "param");
    if (!s) return NULL;
    PyArrayObject *a, *b;
    if (po_opt_like(fn, oa, "grad_avg", PO_W, p, "param", &a) < 0) return NULL;
    if (po_opt_like(fn, ob, "momentum_buffer", PO_W, p, "param", &b) < 0) return NULL;
    if (centered && !a) {
        PyErr_SetString(PyExc_ValueError, "rmsprop_step(): grad_avg is required when centered=True");
        return NULL;
    }
    if (momentum > 0.0 && !b) {
        PyErr_SetString(PyExc_ValueError, "rmsprop_step(): momentum_buffer is required when momentum > 0");
        return NULL;
    }
    PyArrayObject *arrs[] = {p, g, s, a, b};
    const char *names[] = {"param", "grad", "square_avg", "grad_avg", "momentum_buffer"};
    if (po_check_disjoint(fn, 5, arrs, names) < 0) return NULL;

    po_rmsprop_hp hp = {lr, alpha, eps, wd, momentum, centered, maximize};
    size_t n = PO_SIZE(p);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(p), po_rmsprop,
                        PyArray_DATA(p), PyArray_DATA(s), a ? PyArray_DATA(a) : NULL, b ? PyArray_DATA(b) : NULL,
                        PyArray_DATA(g), n, &hp);
}

/* ---- Adam / AdamW --------------------------------------------------------------------------------- */

PyDoc_STRVAR(adam_step_doc,
"adam_step($module, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq=None, *, lr, beta1=0.9,\n"
"          beta2=0.999, eps=1e-08, weight_decay=0.0, step, amsgrad=False, maximize=False,\n"
"          decoupled_weight_decay=False)\n--\n\n"
"One fused Adam (or AdamW) step, in place on ``param`` and the moment arrays; torch.optim.Adam's update.\n\n"
"    decoupled_weight_decay: param <- param * (1 - lr * weight_decay)    (AdamW)\n"
"    g' = (-g if maximize else g) (+ weight_decay * param when coupled and weight_decay != 0)\n"
"    exp_avg    <- beta1 * exp_avg + (1 - beta1) * g'                    (torch's lerp)\n"
"    exp_avg_sq <- beta2 * exp_avg_sq + (1 - beta2) * g' * g'\n"
"    amsgrad: max_exp_avg_sq <- max(max_exp_avg_sq, exp_avg_sq), used in place of exp_avg_sq\n"
"             (NaN if either is NaN, as torch.maximum)\n"
"    den = sqrt(exp_avg_sq) / sqrt(1 - beta2**step) + eps\n"
"    param <- param - (lr / (1 - beta1**step)) * exp_avg / den\n\n"
"Book: Algorithm 8.7 (Adam; Kingma & Ba 2015) with eps -> lr, rho1/rho2 -> beta1/beta2, delta -> eps,\n"
"s -> exp_avg, r -> exp_avg_sq, t -> step; AdamW is Loshchilov & Hutter 2019; AMSGrad Reddi et al. 2018.\n\n"
"Parameters\n----------\n"
"param, grad, exp_avg, exp_avg_sq : ndarray, float32 or float64, C-contiguous, same shape and dtype\n"
"max_exp_avg_sq : ndarray, required when amsgrad\n"
"lr, eps, weight_decay : float (>= 0); beta1, beta2 : float in [0, 1)\n"
"step : float, this step's count, counting from 1\n\n"
"Raises\n------\n"
"TypeError for a non-array, a wrong or mixed dtype, a missing lr/step; ValueError for shape mismatch,\n"
"non-contiguous, read-only or 0-d arrays, overlapping buffers, a missing state array, hyperparameters\n"
"out of range.");

static PyObject *py_adam_step(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "adam_step";
    static char *kwlist[] = {"param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "lr", "beta1", "beta2",
                             "eps", "weight_decay", "step", "amsgrad", "maximize", "decoupled_weight_decay", NULL};
    PyObject *op, *og, *om, *ov, *ox = Py_None, *olr = NULL, *ostep = NULL;
    double lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, wd = 0.0, step;
    int amsgrad = 0, maximize = 0, decoupled = 0;
    if (!po_parse(args, kw, "OOOO|O$OddddOppp:adam_step", kwlist, &op, &og, &om, &ov, &ox,
                                     &olr, &beta1, &beta2, &eps, &wd, &ostep, &amsgrad, &maximize, &decoupled))
        return NULL;
    if (po_required_float(fn, "lr", olr, &lr) < 0 || po_required_float(fn, "step", ostep, &step) < 0) return NULL;
    if (po_check_adam_hp(fn, lr, eps, beta1, beta2, wd) < 0 || po_check_range(fn, "step", step, 1.0, INFINITY) < 0)
        return NULL;
    PyArrayObject *p = po_arr(fn, op, "param", PO_W);
    if (!p) return NULL;
    PyArrayObject *g = po_arr_like(fn, og, "grad", 0, p, "param");
    if (!g) return NULL;
    PyArrayObject *m = po_arr_like(fn, om, "exp_avg", PO_W, p, "param");
    if (!m) return NULL;
    PyArrayObject *v = po_arr_like(fn, ov, "exp_avg_sq", PO_W, p, "param");
    if (!v) return NULL;
    PyArrayObject *x;
    if (po_opt_like(fn, ox, "max_exp_avg_sq", PO_W, p, "param", &x) < 0) return NULL;
    if (amsgrad && !x) {
        PyErr_SetString(PyExc_ValueError, "adam_step(): max_exp_avg_sq is required when amsgrad=True");
        return NULL;
    }
    PyArrayObject *arrs[] = {p, g, m, v, x};
    const char *names[] = {"param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
    if (po_check_disjoint(fn, 5, arrs, names) < 0) return NULL;

    po_adam_hp hp = {lr, beta1, beta2, eps, wd, step, amsgrad, maximize, decoupled};
    size_t n = PO_SIZE(p);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(p), po_adam,
                        PyArray_DATA(p), PyArray_DATA(m), PyArray_DATA(v), amsgrad ? PyArray_DATA(x) : NULL,
                        PyArray_DATA(g), n, &hp);
}

/* ---- lists of arrays: gradient norm, scaling, clamping --------------------------------------------- */

typedef struct { void *data; size_t n; int f32; } po_optim_item;

static int po_optim_item_cmp(const void *a, const void *b)
{
    const char *x = ((const po_optim_item *)a)->data, *y = ((const po_optim_item *)b)->data;
    return x < y ? -1 : x > y;
}

/* Parse a list/tuple of arrays into a malloc'd item table (*out, *k). Every element is checked with
 * po_arr (0-d allowed), named "arrays[i]"; with PO_W, no two may share memory. Returns 0 or -1.
 *
 * The sequence is first copied into a tuple (*hold, a new reference; PySequence_Tuple takes every
 * element's reference under the GIL, in one step). The item table points into the arrays that tuple
 * holds, so another thread that clears, shrinks or rewrites the caller's list while the GIL is released
 * cannot free an array the kernel is reading: release *hold only after the kernel has returned (also on
 * error: *hold is NULL or owned by the caller). */
static int po_optim_items(const char *fn, PyObject *seq, const char *argname, int flags,
                          po_optim_item **out, Py_ssize_t *k, PyObject **hold)
{
    *out = NULL;
    *k = 0;
    *hold = NULL;
    if (!PyList_Check(seq) && !PyTuple_Check(seq)) {
        PyErr_Format(PyExc_TypeError, "%s(): argument '%s' must be a list or tuple of numpy.ndarray, got %.100s",
                     fn, argname, Py_TYPE(seq)->tp_name);
        return -1;
    }
    PyObject *tup = PySequence_Tuple(seq);
    if (!tup) return -1;
    *hold = tup;
    Py_ssize_t len = PyTuple_GET_SIZE(tup);
    size_t nbytes;
    if (po_size_mul((size_t)(len ? len : 1), sizeof(po_optim_item), &nbytes)) { PyErr_NoMemory(); return -1; }
    po_optim_item *t = PyMem_Malloc(nbytes);
    if (!t) { PyErr_NoMemory(); return -1; }
    for (Py_ssize_t i = 0; i < len; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s[%zd]", argname, i);
        PyArrayObject *a = po_arr(fn, PyTuple_GET_ITEM(tup, i), name, flags | PO_ALLOW0D);
        if (!a) { PyMem_Free(t); return -1; }
        t[i].data = PyArray_DATA(a);
        t[i].n = PO_SIZE(a);
        t[i].f32 = PO_IS_F32(a);
    }
    if ((flags & PO_W) && len > 1) {
        po_optim_item *sorted = PyMem_Malloc(nbytes);
        if (!sorted) { PyMem_Free(t); PyErr_NoMemory(); return -1; }
        memcpy(sorted, t, (size_t)len * sizeof(po_optim_item));
        qsort(sorted, (size_t)len, sizeof(po_optim_item), po_optim_item_cmp);
        const char *end = NULL;
        for (Py_ssize_t i = 0; i < len; i++) {
            const char *a0 = sorted[i].data;
            size_t nb = sorted[i].n * (sorted[i].f32 ? 4 : 8);   /* an existing array's byte count */
            if (nb == 0) continue;
            if (end && a0 < end) {
                PyMem_Free(sorted);
                PyMem_Free(t);
                PyErr_Format(PyExc_ValueError, "%s(): two elements of '%s' share memory; "
                             "in-place kernels need distinct buffers", fn, argname);
                return -1;
            }
            if (!end || a0 + nb > end) end = a0 + nb;
        }
        PyMem_Free(sorted);
    }
    *out = t;
    *k = len;
    return 0;
}

PyDoc_STRVAR(grad_norm_doc,
"grad_norm($module, arrays, norm_type=2.0, /)\n--\n\n"
"The norm of all elements of a list of arrays taken together (torch.nn.utils.clip_grad_norm_'s total).\n\n"
"    norm_type = p:   (sum over arrays and elements of |x|**p) ** (1/p)\n"
"    norm_type = inf: max |x|  (NaN if any element is NaN)\n\n"
"Sums are accumulated in double over fixed blocks in a fixed order, so the result is bit-identical for\n"
"any thread count. Book 8.2.4 (cliffs and exploding gradients; clipping by the gradient norm).\n\n"
"Parameters\n----------\n"
"arrays : list or tuple of ndarray, float32 or float64 (each C-contiguous; dtypes may differ; 0-d ok)\n"
"norm_type : float, > 0 or inf\n\n"
"Returns\n-------\nfloat (0.0 for an empty list)\n\n"
"Raises\n------\n"
"TypeError for a non-list or a non-array element or wrong dtype; ValueError for a non-contiguous\n"
"element or norm_type <= 0.");

static PyObject *py_grad_norm(PyObject *self, PyObject *args)
{
    static const char *fn = "grad_norm";
    PyObject *seq;
    double p = 2.0;
    static char *names[] = {"arrays", "norm_type", NULL};
    if (!po_parse_tuple(args, "O|d:grad_norm", names, &seq, &p)) return NULL;
    if (!(p > 0.0)) {
        char *sv = PyOS_double_to_string(p, 'r', 0, 0, NULL);
        PyErr_Format(PyExc_ValueError, "grad_norm(): invalid norm_type: %s (expected a value > 0 or inf)",
                     sv ? sv : "?");
        PyMem_Free(sv);
        return NULL;
    }
    po_optim_item *t;
    Py_ssize_t k;
    PyObject *hold;   /* the arrays, referenced for the whole call */
    if (po_optim_items(fn, seq, "arrays", 0, &t, &k, &hold) < 0) { Py_XDECREF(hold); return NULL; }
    double total = 0.0;
    Py_BEGIN_ALLOW_THREADS
    if (isinf(p)) {
        int nan = 0;
        for (Py_ssize_t i = 0; i < k; i++) {
            double m = t[i].f32 ? po_maxabs_f32(t[i].data, t[i].n) : po_maxabs_f64(t[i].data, t[i].n);
            if (isnan(m)) nan = 1; else if (m > total) total = m;
        }
        if (nan) total = NAN;
    } else if (p == 2.0) {
        for (Py_ssize_t i = 0; i < k; i++)
            total += t[i].f32 ? po_sumsq_f32(t[i].data, t[i].n) : po_sumsq_f64(t[i].data, t[i].n);
        total = sqrt(total);
    } else {
        for (Py_ssize_t i = 0; i < k; i++)
            total += t[i].f32 ? po_sumpow_f32(t[i].data, t[i].n, p) : po_sumpow_f64(t[i].data, t[i].n, p);
        total = pow(total, 1.0 / p);
    }
    Py_END_ALLOW_THREADS
    PyMem_Free(t);
    Py_DECREF(hold);
    return PyFloat_FromDouble(total);
}

PyDoc_STRVAR(scale_arrays_doc,
"scale_arrays($module, arrays, factor, /)\n--\n\n"
"Multiply every array of a list in place by ``factor`` (converted to each array's dtype):\n"
"x <- x * factor. The scaling step of clip_grad_norm_ (book 8.2.4): g <- g * max_norm / ||g||.\n\n"
"Parameters\n----------\n"
"arrays : list or tuple of ndarray, float32 or float64, C-contiguous, writeable, not sharing memory\n"
"factor : float\n\n"
"Raises\n------\n"
"TypeError for a non-list, a non-array element or a wrong dtype; ValueError for a non-contiguous or\n"
"read-only element or elements sharing memory.");

/* The body scale_arrays and clamp_arrays share: one in-place kernel with one float over every array of a
 * list (clamp: the float is a clip value >= 0, inf allowed). */
static PyObject *po_optim_each(const char *fn, const char *format, PyObject *args, int clamp)
{
    PyObject *seq;
    double v;
    char *names[] = {"arrays", clamp ? "clip_value" : "factor", NULL};
    if (!po_parse_tuple(args, format, names, &seq, &v)) return NULL;
    if (clamp && po_check_range_inf(fn, "clip_value", v, 0.0, INFINITY) < 0) return NULL;
    po_optim_item *t;
    Py_ssize_t k;
    PyObject *hold;   /* the arrays, referenced for the whole call */
    if (po_optim_items(fn, seq, "arrays", PO_W, &t, &k, &hold) < 0) { Py_XDECREF(hold); return NULL; }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < k; i++) {
        if (clamp) {
            if (t[i].f32) po_clamp_f32(t[i].data, t[i].n, v);
            else po_clamp_f64(t[i].data, t[i].n, v);
        } else {
            if (t[i].f32) po_scale_f32(t[i].data, t[i].n, v);
            else po_scale_f64(t[i].data, t[i].n, v);
        }
    }
    Py_END_ALLOW_THREADS
    PyMem_Free(t);
    Py_DECREF(hold);
    Py_RETURN_NONE;
}

static PyObject *py_scale_arrays(PyObject *self, PyObject *args)
{
    return po_optim_each("scale_arrays", "Od:scale_arrays", args, 0);
}

PyDoc_STRVAR(clamp_arrays_doc,
"clamp_arrays($module, arrays, clip_value, /)\n--\n\n"
"Clip every element of every array of a list in place to [-clip_value, clip_value] (NaN stays NaN):\n"
"x <- min(max(x, -c), c). torch.nn.utils.clip_grad_value_'s update (book 8.2.4, clipping by value).\n\n"
"Parameters\n----------\n"
"arrays : list or tuple of ndarray, float32 or float64, C-contiguous, writeable, not sharing memory\n"
"clip_value : float >= 0\n\n"
"Raises\n------\n"
"TypeError for a non-list, a non-array element or a wrong dtype; ValueError for a non-contiguous or\n"
"read-only element, elements sharing memory, or clip_value < 0.");

static PyObject *py_clamp_arrays(PyObject *self, PyObject *args)
{
    return po_optim_each("clamp_arrays", "Od:clamp_arrays", args, 1);
}

/* ---- averaging ------------------------------------------------------------------------------------ */

PyDoc_STRVAR(average_update_doc,
"average_update($module, avg, param, /, *, weight)\n--\n\n"
"Fold an iterate into a running average, in place on ``avg``: avg <- avg + weight * (param - avg).\n\n"
"Polyak (arithmetic) averaging of k+1 iterates uses weight = 1/(k+1); an exponential moving average\n"
"uses weight = 1 - decay. weight == 1 copies param exactly (the first iterate). Book 8.7.3 (Polyak &\n"
"Juditsky 1992).\n\n"
"Parameters\n----------\n"
"avg, param : ndarray, float32 or float64, C-contiguous, same shape and dtype (avg writeable)\n"
"weight : float in [0, 1]\n\n"
"Raises\n------\n"
"TypeError for a non-array or a wrong or mixed dtype; ValueError for shape mismatch, non-contiguous,\n"
"read-only or 0-d arrays, overlapping buffers, weight outside [0, 1].");

static PyObject *py_average_update(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "average_update";
    static char *kwlist[] = {"avg", "param", "weight", NULL};
    PyObject *oa, *op, *ow = NULL;
    double w;
    if (!po_parse(args, kw, "OO|$O:average_update", kwlist, &oa, &op, &ow)) return NULL;
    if (po_required_float(fn, "weight", ow, &w) < 0) return NULL;
    if (po_check_range(fn, "weight", w, 0.0, 1.0) < 0) return NULL;
    PyObject *objs[] = {oa, op};
    static const char *names[] = {"avg", "param"};
    static const int flags[] = {PO_W, 0};
    PyArrayObject *arrs[2];
    if (po_update_arrays(fn, 2, objs, names, flags, arrs) < 0) return NULL;
    PyArrayObject *a = arrs[0], *p = arrs[1];
    size_t n = PO_SIZE(a);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(a), po_average, PyArray_DATA(a), PyArray_DATA(p), n, w);
}

#define PO_OPTIM_METHODS \
    {"sgd_step", (PyCFunction)(void (*)(void))py_sgd_step, METH_VARARGS | METH_KEYWORDS, sgd_step_doc}, \
    {"adagrad_step", (PyCFunction)(void (*)(void))py_adagrad_step, METH_VARARGS | METH_KEYWORDS, adagrad_step_doc}, \
    {"rmsprop_step", (PyCFunction)(void (*)(void))py_rmsprop_step, METH_VARARGS | METH_KEYWORDS, rmsprop_step_doc}, \
    {"adam_step", (PyCFunction)(void (*)(void))py_adam_step, METH_VARARGS | METH_KEYWORDS, adam_step_doc}, \
    {"average_update", (PyCFunction)(void (*)(void))py_average_update, METH_VARARGS | METH_KEYWORDS, average_update_doc}, \
    {"grad_norm", (PyCFunction)py_grad_norm, METH_VARARGS, grad_norm_doc}, \
    {"scale_arrays", (PyCFunction)py_scale_arrays, METH_VARARGS, scale_arrays_doc}, \
    {"clamp_arrays", (PyCFunction)py_clamp_arrays, METH_VARARGS, clamp_arrays_doc},
