/* bind_regularize.h -- wrappers for the chapter 7 kernels: the counter-based RNG (rng.c), dropout
 * (dropout.c), the L1 proximal step and the norm-ball projections (regularize.c).
 * Part of module.c (included there). Static helpers carry the prefix po_reg_. */
#include "regularize.h"

/* A Python int in [0, 2^64) (seed or counter), or -1 with ValueError/TypeError naming the argument. */
static int po_reg_u64(const char *fn, const char *name, PyObject *obj, uint64_t *out)
{
    PyObject *i = PyNumber_Index(obj);
    if (!i) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s(): argument '%s' must be an integer, got %.100s", fn, name,
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    unsigned long long v = PyLong_AsUnsignedLongLong(i);
    if (v == (unsigned long long)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "%s(): invalid %s: %R (expected an integer in [0, 2**64))", fn, name, i);
        Py_DECREF(i);
        return -1;
    }
    Py_DECREF(i);
    *out = (uint64_t)v;
    return 0;
}

static PyObject *po_reg_dropout_common(const char *fn, const char *format, PyObject *args, PyObject *kw, char **kwlist)
{
    PyObject *ox, *oo, *os, *oc;
    double p = NAN;
    int inverted = 1;
    if (!po_parse(args, kw, format, kwlist, &ox, &oo, &p, &os, &oc, &inverted))
        return NULL;
    if (po_check_range(fn, "p", p, 0.0, 1.0) < 0) return NULL;
    uint64_t seed, counter;
    if (po_reg_u64(fn, "seed", os, &seed) < 0 || po_reg_u64(fn, "counter", oc, &counter) < 0) return NULL;
    PyArrayObject *x = po_arr(fn, ox, kwlist[0], PO_ALLOW0D);
    if (!x) return NULL;
    PyArrayObject *o = po_arr_like(fn, oo, kwlist[1], PO_W | PO_ALLOW0D, x, kwlist[0]);
    if (!o) return NULL;
    PyArrayObject *arrs[] = {x, o};
    const char *names[] = {kwlist[0], kwlist[1]};
    if (po_check_disjoint(fn, 2, arrs, names) < 0) return NULL;   /* the team contract: no aliasing */
    /* inverted: scale kept units by 1/(1-p) in training (identity at test time); otherwise scale 1
     * (the weight-scaling rule multiplies by 1-p at test time instead). p == 1 drops everything. */
    const double scale = (inverted && p < 1.0) ? 1.0 / (1.0 - p) : 1.0;
    size_t n = PO_SIZE(x);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(x), po_dropout, PyArray_DATA(o), PyArray_DATA(x), n, p, scale, seed, counter);
}

PyDoc_STRVAR(dropout_forward_doc,
"dropout_forward($module, x, out, p, seed, counter, *, inverted=True)\n--\n\n"
"Dropout's forward pass, mask generation and apply fused in one pass (book 7.12), into ``out``.\n\n"
"    m_i = 1 if u_i < floor((1 - p) * 2**32) else 0      (u_i: 32-bit draws of stream (seed, counter))\n"
"    out_i = x_i * m_i / (1 - p)     (inverted=True: Srivastava et al. 2014, torch's convention)\n"
"    out_i = x_i * m_i               (inverted=False: the book's form; scale by 1 - p at test time)\n\n"
"computed as x_i * (m_i ? s : 0) with s = 1/(1 - p) rounded once to x's dtype (so a dropped inf or NaN\n"
"gives NaN, as torch's x * mask does). p == 1 writes zeros.\n\n"
"The stream: blocks of 4096 elements, block b seeded from (seed, counter, b) through SplitMix64 and\n"
"filled by 8 xoshiro256++ lanes (see csrc/rng.h), so the mask depends only on (seed, counter, n)\n"
"and is identical for every thread count. The backward pass regenerates it from the same triple.\n\n"
"Parameters\n----------\n"
"x : ndarray, float32 or float64, C-contiguous\n"
"out : ndarray, same shape and dtype, writeable, not sharing memory with ``x``\n"
"p : float in [0, 1], the drop probability (the book's keep probability is 1 - p)\n"
"seed, counter : int in [0, 2**64)\n"
"inverted : bool\n\n"
"Raises\n------\n"
"TypeError for non-arrays, wrong or mixed dtypes; ValueError for shape mismatch, non-contiguous or\n"
"read-only arrays, partially overlapping buffers, p outside [0, 1], negative seed or counter.");

static PyObject *py_dropout_forward(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"x", "out", "p", "seed", "counter", "inverted", NULL};
    return po_reg_dropout_common("dropout_forward", "OOdOO|$p:dropout_forward", args, kw, kwlist);
}

PyDoc_STRVAR(dropout_backward_doc,
"dropout_backward($module, grad_output, grad_input, p, seed, counter, *, inverted=True)\n--\n\n"
"Dropout's backward pass: the mask of the forward call with the same (seed, counter) is regenerated\n"
"(nothing is stored) and applied to the incoming gradient (book 7.12):\n\n"
"    grad_input_i = grad_output_i * m_i / (1 - p)    (inverted=True; m_i as in dropout_forward)\n"
"    grad_input_i = grad_output_i * m_i              (inverted=False)\n\n"
"``grad_input`` is written (not accumulated) and must not share memory with ``grad_output``.\n\n"
"Parameters\n----------\n"
"grad_output, grad_input : ndarray, float32 or float64, same shape and dtype, C-contiguous\n"
"p, seed, counter, inverted : as in dropout_forward\n\n"
"Raises\n------\n"
"As dropout_forward.");

static PyObject *py_dropout_backward(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"grad_output", "grad_input", "p", "seed", "counter", "inverted", NULL};
    return po_reg_dropout_common("dropout_backward", "OOdOO|$p:dropout_backward", args, kw, kwlist);
}

PyDoc_STRVAR(dropout_mask_doc,
"dropout_mask($module, out, p, seed, counter)\n--\n\n"
"Write the Bernoulli(1 - p) keep mask of stream (seed, counter) into ``out`` as 0.0 / 1.0 (book 7.12):\n\n"
"    out_i = 1 if u_i < floor((1 - p) * 2**32) else 0\n\n"
"the mask dropout_forward applies for the same (seed, counter) and size.\n\n"
"Parameters\n----------\n"
"out : ndarray, float32 or float64, C-contiguous, writeable\n"
"p : float in [0, 1]; seed, counter : int in [0, 2**64)\n\n"
"Raises\n------\n"
"TypeError / ValueError as dropout_forward.");

static PyObject *py_dropout_mask(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "dropout_mask";
    static char *kwlist[] = {"out", "p", "seed", "counter", NULL};
    PyObject *oo, *os, *oc;
    double p = NAN;
    if (!po_parse(args, kw, "OdOO:dropout_mask", kwlist, &oo, &p, &os, &oc)) return NULL;
    if (po_check_range(fn, "p", p, 0.0, 1.0) < 0) return NULL;
    uint64_t seed, counter;
    if (po_reg_u64(fn, "seed", os, &seed) < 0 || po_reg_u64(fn, "counter", oc, &counter) < 0) return NULL;
    PyArrayObject *o = po_arr(fn, oo, "out", PO_W | PO_ALLOW0D);
    if (!o) return NULL;
    size_t n = PO_SIZE(o);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(o), po_dropout_mask, PyArray_DATA(o), n, p, seed, counter);
}

PyDoc_STRVAR(rng_uniform_doc,
"rng_uniform($module, out, seed, counter)\n--\n\n"
"Fill ``out`` with uniform numbers in [0, 1) from the counter-based stream (seed, counter) that the\n"
"dropout kernels use (book 7.12; one 32-bit draw u per element, see csrc/rng.h):\n\n"
"    float32: out_i = (u_i >> 8) * 2**-24        float64: out_i = u_i * 2**-32\n\n"
"SplitMix64-seeded xoshiro256++ (Blackman & Vigna 2018) in blocks of 4096 elements; the result depends\n"
"only on (seed, counter, out.size), never on the thread count.\n\n"
"Parameters\n----------\n"
"out : ndarray, float32 or float64, C-contiguous, writeable\n"
"seed, counter : int in [0, 2**64)\n\n"
"Raises\n------\n"
"TypeError / ValueError for a bad array or a negative seed/counter.");

static PyObject *py_rng_uniform(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "rng_uniform";
    static char *kwlist[] = {"out", "seed", "counter", NULL};
    PyObject *oo, *os, *oc;
    if (!po_parse(args, kw, "OOO:rng_uniform", kwlist, &oo, &os, &oc)) return NULL;
    uint64_t seed, counter;
    if (po_reg_u64(fn, "seed", os, &seed) < 0 || po_reg_u64(fn, "counter", oc, &counter) < 0) return NULL;
    PyArrayObject *o = po_arr(fn, oo, "out", PO_W | PO_ALLOW0D);
    if (!o) return NULL;
    size_t n = PO_SIZE(o);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(o), po_rng_uniform, PyArray_DATA(o), n, seed, counter);
}

PyDoc_STRVAR(prox_l1_doc,
"prox_l1($module, param, *, threshold)\n--\n\n"
"The proximal step of threshold*||w||_1 (soft thresholding), in place (book 7.1.2):\n\n"
"    w <- sign(w) * max(|w| - threshold, 0)\n\n"
"Applied after a gradient step of rate lr on the smooth loss with threshold = lr * alpha, it is one\n"
"iteration of proximal gradient descent (ISTA) for J(w) + alpha*||w||_1, which produces exact zeros.\n\n"
"Parameters\n----------\n"
"param : ndarray, float32 or float64, C-contiguous, writeable\n"
"threshold : float >= 0 (converted to param's dtype)\n\n"
"Raises\n------\n"
"TypeError / ValueError for a bad array or a negative threshold.");

static PyObject *py_prox_l1(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "prox_l1";
    static char *kwlist[] = {"param", "threshold", NULL};
    PyObject *op, *ot = NULL;
    double t;
    if (!po_parse(args, kw, "O|$O:prox_l1", kwlist, &op, &ot)) return NULL;
    if (po_required_float(fn, "threshold", ot, &t) < 0) return NULL;
    if (po_check_range_inf(fn, "threshold", t, 0.0, INFINITY) < 0) return NULL;
    PyArrayObject *p = po_arr(fn, op, "param", PO_W | PO_ALLOW0D);
    if (!p) return NULL;
    size_t n = PO_SIZE(p);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(p), po_prox_l1, PyArray_DATA(p), n, t);
}

PyDoc_STRVAR(max_norm_doc,
"max_norm($module, param, *, max_value, axis=0)\n--\n\n"
"Max-norm reprojection in place (book 7.2; Srebro & Shraibman 2005, Hinton et al. 2012): every fibre\n"
"of ``param`` along ``axis`` whose Euclidean norm exceeds max_value is rescaled onto the bound,\n\n"
"    n_j = ||w[..., :, j]||_2 (over axis);   w[..., :, j] <- w[..., :, j] * (max_value / n_j)  if n_j > max_value\n\n"
"and fibres within the bound are left bit-identical. For a Dense weight of shape (in, out), axis=0\n"
"takes each unit's incoming weight vector (a column), as Keras's MaxNorm(axis=0).\n"
"Returns the number of rescaled fibres.\n\n"
"Parameters\n----------\n"
"param : ndarray, float32 or float64, C-contiguous, writeable, ndim >= 1\n"
"max_value : float >= 0\n"
"axis : int, the axis the norm runs over (negative counts from the end)\n\n"
"Raises\n------\n"
"TypeError / ValueError for a bad array, a negative max_value or an axis out of range.");

static PyObject *py_max_norm(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "max_norm";
    static char *kwlist[] = {"param", "max_value", "axis", NULL};
    PyObject *op, *om = NULL;
    double mv;
    int axis = 0;
    if (!po_parse(args, kw, "O|$Oi:max_norm", kwlist, &op, &om, &axis)) return NULL;
    if (po_required_float(fn, "max_value", om, &mv) < 0) return NULL;
    if (po_check_range_inf(fn, "max_value", mv, 0.0, INFINITY) < 0) return NULL;
    PyArrayObject *p = po_arr(fn, op, "param", PO_W);
    if (!p) return NULL;
    int nd = PyArray_NDIM(p);
    if (axis < -nd || axis >= nd) {
        PyErr_Format(PyExc_ValueError, "max_norm(): invalid axis: %d (expected an integer in [%d, %d])", axis, -nd, nd - 1);
        return NULL;
    }
    if (axis < 0) axis += nd;
    /* an empty array has nothing to rescale (and its other sides may be huge: (1, 0, 2**60) exists) */
    if (PO_SIZE(p) == 0) return PyLong_FromLong(0);
    size_t A = 1, B = (size_t)PyArray_DIM(p, axis), C = 1;
    for (int d = 0; d < axis; d++) (void)po_size_mul(A, (size_t)PyArray_DIM(p, d), &A);   /* <= size */
    for (int d = axis + 1; d < nd; d++) (void)po_size_mul(C, (size_t)PyArray_DIM(p, d), &C);
    size_t count = 0;
    int st;
    PO_CALL_NOGIL(st, PO_IS_F32(p), po_max_norm, PyArray_DATA(p), A, B, C, mv, &count);
    if (st != PO_OK) return po_raise(fn, st);
    return PyLong_FromSize_t(count);
}

static PyObject *po_reg_ball(const char *fn, PyObject *args, PyObject *kw, int l1)
{
    static char *kwlist[] = {"param", "radius", NULL};
    PyObject *op, *orad = NULL;
    double r;
    if (!po_parse(args, kw, "O|$O", kwlist, &op, &orad)) return NULL;
    if (po_required_float(fn, "radius", orad, &r) < 0) return NULL;
    if (po_check_range_inf(fn, "radius", r, 0.0, INFINITY) < 0) return NULL;
    PyArrayObject *p = po_arr(fn, op, "param", PO_W | PO_ALLOW0D);
    if (!p) return NULL;
    size_t n = PO_SIZE(p);
    int st;
    Py_BEGIN_ALLOW_THREADS
    if (l1) st = PO_IS_F32(p) ? po_l1_ball_f32(PyArray_DATA(p), n, r) : po_l1_ball_f64(PyArray_DATA(p), n, r);
    else st = PO_IS_F32(p) ? po_l2_ball_f32(PyArray_DATA(p), n, r) : po_l2_ball_f64(PyArray_DATA(p), n, r);
    Py_END_ALLOW_THREADS
    if (st != PO_OK) return po_raise(fn, st);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(l2_ball_project_doc,
"l2_ball_project($module, param, *, radius)\n--\n\n"
"Euclidean projection of the whole array onto {w : ||w||_2 <= radius}, in place (book 7.2):\n\n"
"    w <- w * (radius / ||w||_2)   if ||w||_2 > radius;   unchanged (bit-identical) otherwise\n\n"
"Parameters\n----------\n"
"param : ndarray, float32 or float64, C-contiguous, writeable\n"
"radius : float >= 0\n\n"
"Raises\n------\n"
"TypeError / ValueError for a bad array or a negative radius.");

static PyObject *py_l2_ball_project(PyObject *self, PyObject *args, PyObject *kw)
{
    return po_reg_ball("l2_ball_project", args, kw, 0);
}

PyDoc_STRVAR(l1_ball_project_doc,
"l1_ball_project($module, param, *, radius)\n--\n\n"
"Euclidean projection of the whole array onto {w : ||w||_1 <= radius}, in place (book 7.2;\n"
"Duchi, Shalev-Shwartz, Singer, Chandra 2008, 'Efficient projections onto the l1-ball'):\n\n"
"    if ||w||_1 <= radius: unchanged (bit-identical)\n"
"    u = sort(|w|) descending;  rho = max{j : u_j - (sum_{i<=j} u_i - radius)/(j+1) > 0}  (0-based)\n"
"    theta = (sum_{i<=rho} u_i - radius) / (rho + 1);   w <- sign(w) * max(|w| - theta, 0)\n\n"
"O(n log n) (a sort); sums in double.\n\n"
"Parameters\n----------\n"
"param : ndarray, float32 or float64, C-contiguous, writeable\n"
"radius : float >= 0\n\n"
"Raises\n------\n"
"TypeError / ValueError for a bad array or a negative radius; FloatingPointError if param holds\n"
"NaN or inf; MemoryError.");

static PyObject *py_l1_ball_project(PyObject *self, PyObject *args, PyObject *kw)
{
    return po_reg_ball("l1_ball_project", args, kw, 1);
}

#define PO_REGULARIZE_METHODS \
    {"dropout_forward", (PyCFunction)(void (*)(void))py_dropout_forward, METH_VARARGS | METH_KEYWORDS, dropout_forward_doc}, \
    {"dropout_backward", (PyCFunction)(void (*)(void))py_dropout_backward, METH_VARARGS | METH_KEYWORDS, dropout_backward_doc}, \
    {"dropout_mask", (PyCFunction)(void (*)(void))py_dropout_mask, METH_VARARGS | METH_KEYWORDS, dropout_mask_doc}, \
    {"rng_uniform", (PyCFunction)(void (*)(void))py_rng_uniform, METH_VARARGS | METH_KEYWORDS, rng_uniform_doc}, \
    {"prox_l1", (PyCFunction)(void (*)(void))py_prox_l1, METH_VARARGS | METH_KEYWORDS, prox_l1_doc}, \
    {"max_norm", (PyCFunction)(void (*)(void))py_max_norm, METH_VARARGS | METH_KEYWORDS, max_norm_doc}, \
    {"l2_ball_project", (PyCFunction)(void (*)(void))py_l2_ball_project, METH_VARARGS | METH_KEYWORDS, l2_ball_project_doc}, \
    {"l1_ball_project", (PyCFunction)(void (*)(void))py_l1_ball_project, METH_VARARGS | METH_KEYWORDS, l1_ball_project_doc},
