/* bind_nn.h -- wrappers for the activation, loss and batch-normalization kernels (layers.c, losses.c,
 * batchnorm.c). Part of module.c (included there). Each wrapper: parse -> check every array, naming it
 * -> release the GIL -> kernel -> map the status. Outputs the caller passes are written in place and
 * never copied; outputs left as None are allocated here. */
#include "nn.h"

/* "relu" | "tanh" | "sigmoid" -> PO_ACT_*, or -1 with ValueError. */
static int po_nn_kind(const char *fn, const char *kind)
{
    if (strcmp(kind, "relu") == 0) return PO_ACT_RELU;
    if (strcmp(kind, "tanh") == 0) return PO_ACT_TANH;
    if (strcmp(kind, "sigmoid") == 0) return PO_ACT_SIGMOID;
    PyErr_Format(PyExc_ValueError, "%s(): invalid kind: '%s' (expected 'relu', 'tanh' or 'sigmoid')", fn, kind);
    return -1;
}

/* Elementwise kernels may write in place (out is exactly the input) but not into a partly overlapping
 * buffer. Arrays of equal shape and dtype that share their first byte are the same elements. */
static int po_nn_check_alias(const char *fn, PyArrayObject *out, const char *oname, PyArrayObject *in,
                             const char *iname)
{
    if (!po_overlaps(out, in) || PyArray_DATA(out) == PyArray_DATA(in)) return 0;
    PyErr_Format(PyExc_ValueError, "%s(): arguments '%s' and '%s' partly overlap in memory "
                 "(the output may be the input itself, but not a shifted view of it)", fn, oname, iname);
    return -1;
}

/* ---- activations ------------------------------------------------------------------------------- */

PyDoc_STRVAR(activation_forward_doc,
"activation_forward($module, x, out=None, /, *, kind='relu')\n--\n\n"
"Elementwise activation y = f(x), written to ``out`` (allocated when None) and returned.\n\n"
"    relu(x) = max(x, 0)      tanh(x)      sigmoid(x) = 1 / (1 + exp(-x))\n\n"
"Book 6.3 (hidden units). float32 tanh/sigmoid use a vectorized polynomial exp (Cephes, within a few\n"
"ulp of libm); float64 uses libm. ``out`` may be ``x`` itself (in place) but not a shifted view of it.\n\n"
"Parameters\n----------\n"
"x : ndarray, float32 or float64, C-contiguous, any shape\n"
"out : ndarray or None, same shape and dtype, writeable\n"
"kind : {'relu', 'tanh', 'sigmoid'}\n\n"
"Returns\n-------\nout : ndarray\n\n"
"Raises\n------\nTypeError for a non-array or a non-float dtype; ValueError for a shape mismatch, a\n"
"non-contiguous or read-only ``out``, partial overlap, an unknown ``kind``.");

static PyObject *py_activation_forward(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "activation_forward";
    static char *kwlist[] = {"", "", "kind", NULL};
    PyObject *ox, *oo = Py_None;
    const char *kind_s = "relu";
    if (!po_parse(args, kw, "O|O$s:activation_forward", kwlist, &ox, &oo, &kind_s))
        return NULL;
    int kind = po_nn_kind(fn, kind_s);
    if (kind < 0) return NULL;
    PyArrayObject *x = po_arr(fn, ox, "x", PO_ALLOW0D);
    if (!x) return NULL;
    PyArrayObject *out;
    if (oo == Py_None) {
        out = (PyArrayObject *)PyArray_NewLikeArray(x, NPY_CORDER, NULL, 0);
        if (!out) return NULL;
    } else {
        out = po_arr_like(fn, oo, "out", PO_W | PO_ALLOW0D, x, "x");
        if (!out || po_nn_check_alias(fn, out, "out", x, "x") < 0) return NULL;
        Py_INCREF(out);
    }
    size_t n = PO_SIZE(x);
    int st;
    PO_CALL_NOGIL(st, PO_IS_F32(x), po_act_forward, PyArray_DATA(out), PyArray_DATA(x), n, kind);
    if (st != PO_OK) {
        Py_DECREF(out);
        return po_raise(fn, st);
    }
    return (PyObject *)out;
}

PyDoc_STRVAR(activation_backward_doc,
"activation_backward($module, grad_output, output, grad_input=None, /, *, kind='relu')\n--\n\n"
"Gradient through an activation, from its OUTPUT y = f(x): grad_input = grad_output * f'(x).\n\n"
"    relu: dy * [y > 0]   (0 at the kink, as torch)\n"
"    tanh: dy * (1 - y^2)\n"
"    sigmoid: dy * y * (1 - y)\n\n"
"Written to ``grad_input`` (allocated when None; may be ``grad_output`` itself) and returned.\n\n"
"Parameters\n----------\n"
"grad_output, output : ndarray, float32 or float64, same shape and dtype, C-contiguous\n"
"grad_input : ndarray or None, same shape and dtype, writeable\n"
"kind : {'relu', 'tanh', 'sigmoid'}\n\n"
"Raises\n------\nTypeError / ValueError as activation_forward.");

static PyObject *py_activation_backward(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "activation_backward";
    static char *kwlist[] = {"", "", "", "kind", NULL};
    PyObject *ody, *oy, *odx = Py_None;
    const char *kind_s = "relu";
    if (!po_parse(args, kw, "OO|O$s:activation_backward", kwlist, &ody, &oy, &odx, &kind_s))
        return NULL;
    int kind = po_nn_kind(fn, kind_s);
    if (kind < 0) return NULL;
    PyArrayObject *dy = po_arr(fn, ody, "grad_output", PO_ALLOW0D);
    if (!dy) return NULL;
    PyArrayObject *y = po_arr_like(fn, oy, "output", PO_ALLOW0D, dy, "grad_output");
    if (!y) return NULL;
    PyArrayObject *dx;
    if (odx == Py_None) {
        dx = (PyArrayObject *)PyArray_NewLikeArray(dy, NPY_CORDER, NULL, 0);
        if (!dx) return NULL;
    } else {
        dx = po_arr_like(fn, odx, "grad_input", PO_W | PO_ALLOW0D, dy, "grad_output");
        if (!dx || po_nn_check_alias(fn, dx, "grad_input", dy, "grad_output") < 0 ||
            po_nn_check_alias(fn, dx, "grad_input", y, "output") < 0)
            return NULL;
        Py_INCREF(dx);
    }
    size_t n = PO_SIZE(dy);
    int st;
    PO_CALL_NOGIL(st, PO_IS_F32(dy), po_act_backward, PyArray_DATA(dx), PyArray_DATA(dy), PyArray_DATA(y), n, kind);
    if (st != PO_OK) {
        Py_DECREF(dx);
        return po_raise(fn, st);
    }
    return (PyObject *)dx;
}

PyDoc_STRVAR(bias_grad_doc,
"bias_grad($module, grad_bias, grad_output, /)\n--\n\n"
"Accumulate a Dense layer's bias gradient, in place: grad_bias += grad_output.sum(axis=0).\n\n"
"For y = x W + b over a batch of B rows, dL/db_j = sum_i dL/dy_ij (book 6.5.7). Each column is summed\n"
"over the rows in order (deterministic for any thread count).\n\n"
"Parameters\n----------\n"
"grad_bias : ndarray (D,), float32 or float64, writeable (accumulated into)\n"
"grad_output : ndarray (B, D), same dtype, C-contiguous\n\n"
"Raises\n------\nTypeError for dtypes; ValueError for shapes, layout, read-only or overlapping arrays.");

static PyObject *py_bias_grad(PyObject *self, PyObject *args)
{
    static const char *fn = "bias_grad";
    PyObject *odb, *ody;
    if (!PyArg_ParseTuple(args, "OO:bias_grad", &odb, &ody)) return NULL;
    PyArrayObject *dy = po_arr(fn, ody, "grad_output", 0);
    if (!dy || po_check_ndim(fn, dy, "grad_output", 2) < 0) return NULL;
    PyArrayObject *db = po_arr_shaped(fn, odb, "grad_bias", PO_W, dy, "grad_output", 1, (size_t)PyArray_DIM(dy, 1), 0);
    if (!db) return NULL;
    PyArrayObject *arrs[] = {db, dy};
    const char *names[] = {"grad_bias", "grad_output"};
    if (po_check_disjoint(fn, 2, arrs, names) < 0) return NULL;
    size_t B = (size_t)PyArray_DIM(dy, 0), D = (size_t)PyArray_DIM(dy, 1);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(dy), po_bias_grad, PyArray_DATA(db), PyArray_DATA(dy), B, D);
}

/* ---- losses ------------------------------------------------------------------------------------ */

PyDoc_STRVAR(softmax_cross_entropy_doc,
"softmax_cross_entropy($module, logits, labels, grad=None, row_loss=None, /, *, label_smoothing=0.0)\n--\n\n"
"Fused, stable softmax cross-entropy of integer labels; returns the batch mean (a float).\n\n"
"With z = logits (B, K), y = labels, eps = label_smoothing and torch's smoothed target\n"
"t = (1 - eps) onehot(y) + eps / K:\n\n"
"    loss_i = logsumexp(z_i) - (1 - eps) z_{i, y_i} - (eps / K) sum_k z_{i, k}   (= -sum_k t_k log p_ik)\n"
"    return mean_i loss_i\n"
"    grad   = (softmax(z) - t) / B     (written when ``grad`` is given: dL/dz of the mean)\n\n"
"log-sum-exp subtracts the row maximum, so no logit overflows. One pass per row computes both the\n"
"loss and the gradient; rows run in parallel; the mean is summed in double in row order.\n"
"Book 6.2.2.3 (softmax), 7.5.1 (label smoothing). The book writes smoothing as 1 - e' for the true\n"
"class and e' / (K - 1) for the others: that is eps = e' K / (K - 1) here.\n\n"
"Parameters\n----------\n"
"logits : ndarray (B, K), float32 or float64, C-contiguous\n"
"labels : ndarray (B,), int64 or int32, values in [0, K)\n"
"grad : ndarray (B, K) or None, same dtype as logits, writeable\n"
"row_loss : ndarray (B,) or None, same dtype, writeable: the per-row losses\n"
"label_smoothing : float in [0, 1]\n\n"
"Raises\n------\nValueError for a label outside [0, K) (naming the row and value), shapes, layout,\n"
"read-only or overlapping outputs, label_smoothing outside [0, 1]; TypeError for dtypes.");

static PyObject *py_softmax_cross_entropy(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "softmax_cross_entropy";
    static char *kwlist[] = {"", "", "", "", "label_smoothing", NULL};
    PyObject *oz, *oy, *og = Py_None, *orl = Py_None;
    double eps = 0.0;
    if (!po_parse(args, kw, "OO|OO$d:softmax_cross_entropy", kwlist, &oz, &oy, &og, &orl, &eps))
        return NULL;
    if (po_check_range(fn, "label_smoothing", eps, 0.0, 1.0) < 0) return NULL;
    PyArrayObject *z = po_arr(fn, oz, "logits", 0);
    if (!z || po_check_ndim(fn, z, "logits", 2) < 0) return NULL;
    npy_intp B = PyArray_DIM(z, 0), K = PyArray_DIM(z, 1);
    PyArrayObject *lab = po_labels(fn, oy, "labels", B, "logits");
    if (!lab) return NULL;
    PyArrayObject *g, *rl = NULL;
    if (po_opt_like(fn, og, "grad", PO_W, z, "logits", &g) < 0) return NULL;
    if (orl != Py_None && !(rl = po_arr_shaped(fn, orl, "row_loss", PO_W, z, "logits", 1, (size_t)B, 0))) return NULL;
    PyArrayObject *arrs[] = {g, rl, z, lab};
    const char *names[] = {"grad", "row_loss", "logits", "labels"};
    if (po_check_disjoint(fn, 4, arrs, names) < 0) return NULL;
    const int64_t *l64 = PyArray_ITEMSIZE(lab) == 8 ? PyArray_DATA(lab) : NULL;
    const int32_t *l32 = PyArray_ITEMSIZE(lab) == 4 ? PyArray_DATA(lab) : NULL;
    double loss = NAN;
    long long bad = -1;
    int st;
    PO_CALL_NOGIL(st, PO_IS_F32(z), po_softmax_xent,
                  &loss, g ? PyArray_DATA(g) : NULL, rl ? PyArray_DATA(rl) : NULL, &bad, PyArray_DATA(z), l64, l32,
                  (size_t)B, (size_t)K, eps);
    if (st == PO_ERR_INDEX) {
        long long v = l64 ? (long long)l64[bad] : (long long)l32[bad];
        if (v >= 0 && v < (long long)K)   /* in range now: another thread rewrote it during the call */
            PyErr_Format(PyExc_ValueError, "%s(): labels[%lld] was outside [0, %zd) when the kernel read it "
                         "(another thread changed the labels during the call; it is %lld now)", fn, bad,
                         (Py_ssize_t)K, v);
        else
            PyErr_Format(PyExc_ValueError, "%s(): labels[%lld] = %lld is outside [0, %zd) (the number of "
                         "classes is logits.shape[1] = %zd)", fn, bad, v, (Py_ssize_t)K, (Py_ssize_t)K);
        return NULL;
    }
    if (st != PO_OK) return po_raise(fn, st);
    return PyFloat_FromDouble(loss);
}

PyDoc_STRVAR(mse_loss_doc,
"mse_loss($module, output, target, grad=None, /)\n--\n\n"
"Mean squared error (torch's reduction='mean'), fused with its gradient; returns the mean (a float).\n\n"
"    loss = sum_i (output_i - target_i)^2 / n        grad = 2 (output - target) / n   (when given)\n\n"
"n is the number of elements. The sum runs in double over fixed blocks (deterministic).\n\n"
"Parameters\n----------\n"
"output, target : ndarray, float32 or float64, same shape and dtype, C-contiguous\n"
"grad : ndarray or None, same shape and dtype, writeable\n\n"
"Raises\n------\nTypeError for dtypes; ValueError for shapes, layout, read-only or overlapping outputs.");

/* The body mse_loss and bce_with_logits share: a mean loss over two same-shape arrays (the first named
 * `in_name`), with the gradient optionally written into `grad`. */
typedef int (*po_nn_loss_f32)(double *, float *, const float *, const float *, size_t);
typedef int (*po_nn_loss_f64)(double *, double *, const double *, const double *, size_t);

static PyObject *po_nn_mean_loss(const char *fn, const char *format, const char *in_name, PyObject *args,
                                 po_nn_loss_f32 k32, po_nn_loss_f64 k64)
{
    PyObject *oi, *ot, *og = Py_None;
    if (!PyArg_ParseTuple(args, format, &oi, &ot, &og)) return NULL;
    PyArrayObject *x = po_arr(fn, oi, in_name, PO_ALLOW0D);
    if (!x) return NULL;
    PyArrayObject *t = po_arr_like(fn, ot, "target", PO_ALLOW0D, x, in_name);
    if (!t) return NULL;
    PyArrayObject *g;
    if (po_opt_like(fn, og, "grad", PO_W | PO_ALLOW0D, x, in_name, &g) < 0) return NULL;
    PyArrayObject *arrs[] = {g, x, t};
    const char *names[] = {"grad", in_name, "target"};
    if (po_check_disjoint(fn, 3, arrs, names) < 0) return NULL;
    double loss = NAN;
    size_t n = PO_SIZE(x);
    int st;
    Py_BEGIN_ALLOW_THREADS
    if (PO_IS_F32(x))
        st = k32(&loss, g ? PyArray_DATA(g) : NULL, PyArray_DATA(x), PyArray_DATA(t), n);
    else
        st = k64(&loss, g ? PyArray_DATA(g) : NULL, PyArray_DATA(x), PyArray_DATA(t), n);
    Py_END_ALLOW_THREADS
    if (st != PO_OK) return po_raise(fn, st);
    return PyFloat_FromDouble(loss);
}

static PyObject *py_mse_loss(PyObject *self, PyObject *args)
{
    return po_nn_mean_loss("mse_loss", "OO|O:mse_loss", "output", args, po_mse_f32, po_mse_f64);
}

PyDoc_STRVAR(bce_with_logits_doc,
"bce_with_logits($module, logits, target, grad=None, /)\n--\n\n"
"Binary cross-entropy on logits (torch's binary_cross_entropy_with_logits), stable for any logit;\n"
"returns the mean (a float).\n\n"
"    l_i  = max(z_i, 0) - z_i y_i + log1p(exp(-|z_i|))    (= -y log s(z) - (1 - y) log(1 - s(z)))\n"
"    grad = (sigmoid(z) - y) / n                          (when given)\n\n"
"Book 6.2.2.2 (sigmoid units and the softplus form of their log-likelihood).\n\n"
"Parameters\n----------\n"
"logits, target : ndarray, float32 or float64, same shape and dtype, C-contiguous; target in [0, 1]\n"
"grad : ndarray or None, same shape and dtype, writeable\n\n"
"Raises\n------\nTypeError for dtypes; ValueError for shapes, layout, read-only or overlapping outputs.");

static PyObject *py_bce_with_logits(PyObject *self, PyObject *args)
{
    return po_nn_mean_loss("bce_with_logits", "OO|O:bce_with_logits", "logits", args, po_bce_logits_f32,
                           po_bce_logits_f64);
}

/* ---- batch normalization ----------------------------------------------------------------------- */

PyDoc_STRVAR(batchnorm_forward_doc,
"batchnorm_forward($module, x, weight, bias, out, save_mean, save_invstd, running_mean=None,\n"
"                  running_var=None, /, *, training=True, momentum=0.1, eps=1e-05)\n--\n\n"
"Batch normalization of a (B, D) input over the batch axis (book 8.7.1), torch.nn.BatchNorm1d's numbers.\n\n"
"training=True (B >= 2):\n"
"    mu = mean_i x_i,  var = mean_i (x_i - mu)^2              (biased: used to normalize)\n"
"    running_mean <- (1 - momentum) running_mean + momentum mu\n"
"    running_var  <- (1 - momentum) running_var + momentum var B / (B - 1)   (unbiased)\n"
"training=False: mu = running_mean, var = running_var (both required)\n"
"then  save_mean = mu,  save_invstd = 1 / sqrt(var + eps),\n"
"      out = (x - mu) save_invstd weight + bias     (the book's gamma H' + beta, eq. 8.35-8.37)\n\n"
"save_mean and save_invstd are what batchnorm_backward needs. Book gamma -> weight, beta -> bias,\n"
"delta -> eps. Columns are independent: blocks of columns run in parallel, each summed over rows in\n"
"order, in double (deterministic).\n\n"
"Parameters\n----------\n"
"x : ndarray (B, D), float32 or float64, C-contiguous\n"
"weight, bias : ndarray (D,), same dtype\n"
"out : ndarray (B, D), writeable; save_mean, save_invstd : ndarray (D,), writeable\n"
"running_mean, running_var : ndarray (D,) or None, updated in place in training\n"
"training : bool; momentum : float in [0, 1]; eps : float > 0\n\n"
"Raises\n------\nValueError for training with B < 2, missing running statistics in eval, shapes, layout,\n"
"read-only or overlapping outputs, momentum/eps out of range; TypeError for dtypes.");

static PyObject *py_batchnorm_forward(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "batchnorm_forward";
    static char *kwlist[] = {"", "", "", "", "", "", "", "", "training", "momentum", "eps", NULL};
    PyObject *ox, *ow, *ob, *oy, *osm, *osi, *orm = Py_None, *orv = Py_None;
    int training = 1;
    double momentum = 0.1, eps = 1e-5;
    if (!po_parse(args, kw, "OOOOOO|OO$pdd:batchnorm_forward", kwlist, &ox, &ow, &ob, &oy,
                                     &osm, &osi, &orm, &orv, &training, &momentum, &eps))
        return NULL;
    if (po_check_range(fn, "momentum", momentum, 0.0, 1.0) < 0) return NULL;
    if (!(eps > 0.0 && eps < INFINITY)) {
        PyObject *v = PyFloat_FromDouble(eps);
        PyErr_Format(PyExc_ValueError, "%s(): invalid eps: %R (expected a finite value > 0)", fn, v ? v : Py_None);
        Py_XDECREF(v);
        return NULL;
    }
    PyArrayObject *x = po_arr(fn, ox, "x", 0);
    if (!x || po_check_ndim(fn, x, "x", 2) < 0) return NULL;
    npy_intp B = PyArray_DIM(x, 0), D = PyArray_DIM(x, 1);
    PyArrayObject *w = po_arr_shaped(fn, ow, "weight", 0, x, "x", 1, (size_t)D, 0);
    if (!w) return NULL;
    PyArrayObject *b = po_arr_shaped(fn, ob, "bias", 0, x, "x", 1, (size_t)D, 0);
    if (!b) return NULL;
    PyArrayObject *y = po_arr_like(fn, oy, "out", PO_W, x, "x");
    if (!y) return NULL;
    PyArrayObject *sm = po_arr_shaped(fn, osm, "save_mean", PO_W, x, "x", 1, (size_t)D, 0);
    if (!sm) return NULL;
    PyArrayObject *si = po_arr_shaped(fn, osi, "save_invstd", PO_W, x, "x", 1, (size_t)D, 0);
    if (!si) return NULL;
    PyArrayObject *rm = NULL, *rv = NULL;
    if (orm != Py_None && !(rm = po_arr_shaped(fn, orm, "running_mean", PO_W, x, "x", 1, (size_t)D, 0))) return NULL;
    if (orv != Py_None && !(rv = po_arr_shaped(fn, orv, "running_var", PO_W, x, "x", 1, (size_t)D, 0))) return NULL;
    if ((rm == NULL) != (rv == NULL)) {
        PyErr_Format(PyExc_ValueError, "%s(): running_mean and running_var must be given together", fn);
        return NULL;
    }
    if (!training && !rm) {
        PyErr_Format(PyExc_ValueError, "%s(): training=False normalizes with running_mean and running_var, "
                     "which were not given", fn);
        return NULL;
    }
    if (training && B < 2) {
        PyErr_Format(PyExc_ValueError, "%s(): training needs more than 1 sample per feature to estimate a "
                     "variance, got x of shape (%zd, %zd)", fn, (Py_ssize_t)B, (Py_ssize_t)D);
        return NULL;
    }
    PyArrayObject *arrs[] = {y, sm, si, rm, rv, x, w, b};
    const char *names[] = {"out", "save_mean", "save_invstd", "running_mean", "running_var", "x", "weight", "bias"};
    if (po_check_disjoint(fn, 8, arrs, names) < 0) return NULL;
#define PO_NN_D(a) ((a) ? PyArray_DATA(a) : NULL)
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(x), po_bn_forward,
                        PyArray_DATA(y), PyArray_DATA(sm), PyArray_DATA(si), PO_NN_D(rm), PO_NN_D(rv), PyArray_DATA(x),
                        PyArray_DATA(w), PyArray_DATA(b), (size_t)B, (size_t)D, training, momentum, eps);
}

PyDoc_STRVAR(batchnorm_backward_doc,
"batchnorm_backward($module, grad_output, x, weight, save_mean, save_invstd, grad_input=None,\n"
"                   grad_weight=None, grad_bias=None, /, *, training=True)\n--\n\n"
"Backward pass of batchnorm_forward; accumulates the parameter gradients, writes grad_input.\n\n"
"With xhat = (x - save_mean) save_invstd and dy = grad_output:\n"
"    grad_bias   += sum_i dy_i\n"
"    grad_weight += sum_i dy_i xhat_i\n"
"    training: grad_input = weight save_invstd (dy - mean_i dy_i - xhat mean_i(dy_i xhat_i))\n"
"    eval:     grad_input = weight save_invstd dy       (the statistics are constants)\n\n"
"The training form differentiates through the batch mean and variance (book 8.7.1: 'back-propagate\n"
"through these operations'), so a gradient step cannot simply change a unit's mean or scale.\n\n"
"Parameters\n----------\n"
"grad_output, x : ndarray (B, D), float32 or float64, C-contiguous\n"
"weight, save_mean, save_invstd : ndarray (D,), from batchnorm_forward\n"
"grad_input : ndarray (B, D) or None (then not computed); grad_weight, grad_bias : ndarray (D,) or None\n"
"training : bool, as in the forward pass\n\n"
"Raises\n------\nTypeError for dtypes; ValueError for shapes, layout, read-only or overlapping outputs.");

static PyObject *py_batchnorm_backward(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "batchnorm_backward";
    static char *kwlist[] = {"", "", "", "", "", "", "", "", "training", NULL};
    PyObject *ody, *ox, *ow, *osm, *osi, *odx = Py_None, *odw = Py_None, *odb = Py_None;
    int training = 1;
    if (!po_parse(args, kw, "OOOOO|OOO$p:batchnorm_backward", kwlist, &ody, &ox, &ow, &osm,
                                     &osi, &odx, &odw, &odb, &training))
        return NULL;
    PyArrayObject *dy = po_arr(fn, ody, "grad_output", 0);
    if (!dy || po_check_ndim(fn, dy, "grad_output", 2) < 0) return NULL;
    npy_intp B = PyArray_DIM(dy, 0), D = PyArray_DIM(dy, 1);
    PyArrayObject *x = po_arr_like(fn, ox, "x", 0, dy, "grad_output");
    if (!x) return NULL;
    PyArrayObject *w = po_arr_shaped(fn, ow, "weight", 0, dy, "grad_output", 1, (size_t)D, 0);
    if (!w) return NULL;
    PyArrayObject *sm = po_arr_shaped(fn, osm, "save_mean", 0, dy, "grad_output", 1, (size_t)D, 0);
    if (!sm) return NULL;
    PyArrayObject *si = po_arr_shaped(fn, osi, "save_invstd", 0, dy, "grad_output", 1, (size_t)D, 0);
    if (!si) return NULL;
    PyArrayObject *dx, *dw = NULL, *db = NULL;
    if (po_opt_like(fn, odx, "grad_input", PO_W, dy, "grad_output", &dx) < 0) return NULL;
    if (odw != Py_None && !(dw = po_arr_shaped(fn, odw, "grad_weight", PO_W, dy, "grad_output", 1, (size_t)D, 0))) return NULL;
    if (odb != Py_None && !(db = po_arr_shaped(fn, odb, "grad_bias", PO_W, dy, "grad_output", 1, (size_t)D, 0))) return NULL;
    PyArrayObject *arrs[] = {dx, dw, db, dy, x, w, sm, si};
    const char *names[] = {"grad_input", "grad_weight", "grad_bias", "grad_output", "x", "weight",
                           "save_mean", "save_invstd"};
    if (po_check_disjoint(fn, 8, arrs, names) < 0) return NULL;
    int st;
    PO_CALL_NOGIL(st, PO_IS_F32(dy), po_bn_backward,
                  PO_NN_D(dx), PO_NN_D(dw), PO_NN_D(db), PyArray_DATA(dy), PyArray_DATA(x), PyArray_DATA(w),
                  PyArray_DATA(sm), PyArray_DATA(si), (size_t)B, (size_t)D, training);
#undef PO_NN_D
    if (st != PO_OK) return po_raise(fn, st);
    Py_RETURN_NONE;
}

#define PO_NN_METHODS \
    {"activation_forward", (PyCFunction)(void (*)(void))py_activation_forward, METH_VARARGS | METH_KEYWORDS, \
     activation_forward_doc}, \
    {"activation_backward", (PyCFunction)(void (*)(void))py_activation_backward, METH_VARARGS | METH_KEYWORDS, \
     activation_backward_doc}, \
    {"bias_grad", (PyCFunction)py_bias_grad, METH_VARARGS, bias_grad_doc}, \
    {"softmax_cross_entropy", (PyCFunction)(void (*)(void))py_softmax_cross_entropy, \
     METH_VARARGS | METH_KEYWORDS, softmax_cross_entropy_doc}, \
    {"mse_loss", (PyCFunction)py_mse_loss, METH_VARARGS, mse_loss_doc}, \
    {"bce_with_logits", (PyCFunction)py_bce_with_logits, METH_VARARGS, bce_with_logits_doc}, \
    {"batchnorm_forward", (PyCFunction)(void (*)(void))py_batchnorm_forward, METH_VARARGS | METH_KEYWORDS, \
     batchnorm_forward_doc}, \
    {"batchnorm_backward", (PyCFunction)(void (*)(void))py_batchnorm_backward, METH_VARARGS | METH_KEYWORDS, \
     batchnorm_backward_doc},
