/* bind_secondorder_objectives.h -- the C objectives of book 8.6 (linalg.c): Rosenbrock, a quadratic, and
 * the generalized linear models (least squares, logistic, softmax regression), each value returned and
 * gradient written in one pass. pyoptim.functions hands the same objectives to _minimize as C objectives
 * (bind_secondorder_solver.h). Part of module.c (included there). */

/* ---- objectives ------------------------------------------------------------------------------------ */

PyDoc_STRVAR(rosenbrock_value_and_grad_doc,
"rosenbrock_value_and_grad($module, g, x)\n--\n\n"
"Extended Rosenbrock (scipy.optimize.rosen): returns f and writes the gradient into ``g``.\n\n"
"    f = sum_{i<n-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2\n"
"    g_i = -400 x_i (x_{i+1} - x_i^2) - 2 (1 - x_i)  [i < n-1]  + 200 (x_i - x_{i-1}^2)  [i > 0]\n\n"
"The banana valley of book 8.6 (Rosenbrock 1960); pyoptim.functions.Rosenbrock wraps it.\n\n"
"Raises\n------\n"
"TypeError for a non-array or a wrong or mixed dtype; ValueError for a shape mismatch, a non-contiguous or\n"
"read-only output, or outputs sharing memory with an input."
);

static PyObject *py_rosenbrock_value_and_grad(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "rosenbrock_value_and_grad";
    static char *kwlist[] = {"g", "x", NULL};
    PyObject *og, *ox;
    if (!po_parse(args, kw, "OO:rosenbrock_value_and_grad", kwlist, &og, &ox)) return NULL;
    PyArrayObject *x = po_arr(fn, ox, "x", 0);
    if (!x) return NULL;
    size_t n = PO_SIZE(x);
    if (po_check_dims(fn, x, "x", 1, n, 0) < 0) return NULL;
    PyArrayObject *g = po_arr_shaped(fn, og, "g", PO_W, x, "x", 1, n, 0);
    if (!g) return NULL;
    PyArrayObject *arrs[] = {g, x};
    const char *names[] = {"g", "x"};
    if (po_check_disjoint(fn, 2, arrs, names) < 0) return NULL;
    double f;
    if (PO_IS_F32(x)) po_rosenbrock_f32(PyArray_DATA(g), &f, PyArray_DATA(x), n);
    else po_rosenbrock_f64(PyArray_DATA(g), &f, PyArray_DATA(x), n);
    return PyFloat_FromDouble(f);
}

PyDoc_STRVAR(quadratic_value_and_grad_doc,
"quadratic_value_and_grad($module, g, x, H, b)\n--\n\n"
"The quadratic f = x'Hx/2 - b'x: returns f and writes g = Hx - b (H symmetric, n x n): the local model\n"
"of book 4.3 and 8.2.1 (eq. 8.10 around x0 = 0 with gradient -b and Hessian H).\n\n"
"Raises\n------\n"
"TypeError for a non-array or a wrong or mixed dtype; ValueError for a shape mismatch, a non-contiguous or\n"
"read-only output, or outputs sharing memory with an input."
);

static PyObject *py_quadratic_value_and_grad(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "quadratic_value_and_grad";
    static char *kwlist[] = {"g", "x", "H", "b", NULL};
    PyObject *og, *ox, *oH, *ob;
    if (!po_parse(args, kw, "OOOO:quadratic_value_and_grad", kwlist, &og, &ox, &oH, &ob)) return NULL;
    PyArrayObject *x = po_arr(fn, ox, "x", 0);
    if (!x) return NULL;
    size_t n = PO_SIZE(x);
    if (po_check_dims(fn, x, "x", 1, n, 0) < 0) return NULL;
    PyArrayObject *g = po_arr_shaped(fn, og, "g", PO_W, x, "x", 1, n, 0);
    PyArrayObject *H = g ? po_arr_shaped(fn, oH, "H", 0, x, "x", 2, n, n) : NULL;
    PyArrayObject *b = H ? po_arr_shaped(fn, ob, "b", 0, x, "x", 1, n, 0) : NULL;
    if (!b) return NULL;
    PyArrayObject *arrs[] = {g, x, H, b};
    const char *names[] = {"g", "x", "H", "b"};
    if (po_check_disjoint(fn, 4, arrs, names) < 0) return NULL;
    double f;
    Py_BEGIN_ALLOW_THREADS
    if (PO_IS_F32(x)) po_quadratic_f32(PyArray_DATA(g), &f, PyArray_DATA(x), PyArray_DATA(H), PyArray_DATA(b), n);
    else po_quadratic_f64(PyArray_DATA(g), &f, PyArray_DATA(x), PyArray_DATA(H), PyArray_DATA(b), n);
    Py_END_ALLOW_THREADS
    return PyFloat_FromDouble(f);
}

/* least squares (kind 0), logistic (1), softmax (2) */
static PyObject *po_glm_value_and_grad(const char *fn, int kind, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"g", "w", "X", "y", "l2", "n_classes", NULL};
    static char *kwlist5[] = {"g", "w", "X", "y", "l2", NULL};
    PyObject *og, *ow, *oX, *oy;
    double l2 = 0.0;
    Py_ssize_t K = 1;
    if (kind == 2 ? !po_parse(args, kw, "OOOO|$dn", kwlist, &og, &ow, &oX, &oy, &l2, &K)
                  : !po_parse(args, kw, "OOOO|$d", kwlist5, &og, &ow, &oX, &oy, &l2))
        return NULL;
    if (po_check_range(fn, "l2", l2, 0.0, INFINITY) < 0) return NULL;
    if (kind == 2 && K < 1) {
        PyErr_Format(PyExc_ValueError, "%s(): invalid n_classes: %zd (expected an integer >= 1)", fn, K);
        return NULL;
    }
    PyArrayObject *X = po_arr(fn, oX, "X", 0);
    if (!X) return NULL;
    if (po_check_ndim(fn, X, "X", 2) < 0) return NULL;
    size_t N = (size_t)PyArray_DIM(X, 0), D = (size_t)PyArray_DIM(X, 1), n, nbytes;
    /* D * K parameters (and their bytes) must fit before any shape is compared or buffer sized */
    size_t scratch;   /* the kernel's per-block scratch: D*K + 1 + K doubles */
    if (po_size_mul(D, (size_t)K, &n) | po_size_mul(n, sizeof(double), &nbytes) |
        po_size_add(n, (size_t)K + 1, &scratch) | po_size_mul(scratch, sizeof(double), &scratch) ||
        scratch > (size_t)PY_SSIZE_T_MAX) {
        PyErr_Format(PyExc_ValueError, "%s(): invalid n_classes: %zd (expected an integer >= 1 with "
                     "X.shape[1] * n_classes = %zu * %zd parameters fitting in memory sizes)", fn, K, D, K);
        return NULL;
    }
    PyArrayObject *w = po_arr_shaped(fn, ow, "w", 0, X, "X", 1, n, 0);
    PyArrayObject *g = w ? po_arr_shaped(fn, og, "g", PO_W, X, "X", 1, n, 0) : NULL;
    if (!g) return NULL;
    PyArrayObject *y;
    if (kind == 2) {
        y = po_labels(fn, oy, "y", (npy_intp)N, "X");
        if (!y) return NULL;
    } else {
        y = po_arr_shaped(fn, oy, "y", 0, X, "X", 1, N, 0);
        if (!y) return NULL;
    }
    PyArrayObject *arrs[] = {g, w, X, y};
    const char *names[] = {"g", "w", "X", "y"};
    if (po_check_disjoint(fn, 4, arrs, names) < 0) return NULL;
    if (kind == 2 && !(y = po_labels_int64(y))) return NULL;   /* a new reference from here on */
    double f = 0.0;
    int st;
    Py_BEGIN_ALLOW_THREADS
    if (PO_IS_F32(X)) {
        if (kind == 0) st = po_least_squares_f32(PyArray_DATA(g), &f, PyArray_DATA(w), PyArray_DATA(X), PyArray_DATA(y), N, D, l2);
        else if (kind == 1) st = po_logistic_f32(PyArray_DATA(g), &f, PyArray_DATA(w), PyArray_DATA(X), PyArray_DATA(y), N, D, l2);
        else st = po_softmax_f32(PyArray_DATA(g), &f, PyArray_DATA(w), PyArray_DATA(X), PyArray_DATA(y), N, D, (size_t)K, l2);
    } else {
        if (kind == 0) st = po_least_squares_f64(PyArray_DATA(g), &f, PyArray_DATA(w), PyArray_DATA(X), PyArray_DATA(y), N, D, l2);
        else if (kind == 1) st = po_logistic_f64(PyArray_DATA(g), &f, PyArray_DATA(w), PyArray_DATA(X), PyArray_DATA(y), N, D, l2);
        else st = po_softmax_f64(PyArray_DATA(g), &f, PyArray_DATA(w), PyArray_DATA(X), PyArray_DATA(y), N, D, (size_t)K, l2);
    }
    Py_END_ALLOW_THREADS
    if (kind == 2) Py_DECREF(y);
    if (st != PO_OK) return po_raise(fn, st);
    return PyFloat_FromDouble(f);
}

PyDoc_STRVAR(least_squares_value_and_grad_doc,
"least_squares_value_and_grad($module, g, w, X, y, *, l2=0.0)\n--\n\n"
"Linear least squares, value returned and gradient written into ``g``, in one pass over the rows of X:\n\n"
"    f = (1/2N) ||Xw - y||^2 + (l2/2) ||w||^2,     g = X'(Xw - y)/N + l2 w\n\n"
"X (N, D), y (N,), w and g (D,). Rows are summed in fixed blocks of 256 (bit-identical for any\n"
"thread count). Book 5.1.4 (linear regression) with the L2 penalty of 7.1.1.\n\n"
"Raises\n------\n"
"TypeError for a non-array or a wrong or mixed dtype; ValueError for a shape mismatch, a non-contiguous or\n"
"read-only output, or outputs sharing memory with an input; ValueError for l2 < 0 or not finite."
);

static PyObject *py_least_squares_value_and_grad(PyObject *self, PyObject *args, PyObject *kw)
{
    return po_glm_value_and_grad("least_squares_value_and_grad", 0, args, kw);
}

PyDoc_STRVAR(logistic_value_and_grad_doc,
"logistic_value_and_grad($module, g, w, X, y, *, l2=0.0)\n--\n\n"
"Binary logistic regression (y in {0, 1}), value returned and gradient written into ``g``, in one\n"
"fused pass over the rows of X (z = Xw, sigma(z) = 1/(1 + e^-z)):\n\n"
"    f = (1/N) sum_i [log(1 + e^{z_i}) - y_i z_i] + (l2/2) ||w||^2,    g = X'(sigma(z) - y)/N + l2 w\n\n"
"log(1 + e^z) = max(z, 0) + log1p(e^-|z|) (no overflow). X (N, D), y (N,), w and g (D,).\n"
"Book 5.7.1 (logistic regression) with the L2 penalty of 7.1.1.\n\n"
"Raises\n------\n"
"TypeError for a non-array or a wrong or mixed dtype; ValueError for a shape mismatch, a non-contiguous or\n"
"read-only output, or outputs sharing memory with an input; ValueError for l2 < 0 or not finite."
);

static PyObject *py_logistic_value_and_grad(PyObject *self, PyObject *args, PyObject *kw)
{
    return po_glm_value_and_grad("logistic_value_and_grad", 1, args, kw);
}

PyDoc_STRVAR(softmax_value_and_grad_doc,
"softmax_value_and_grad($module, g, w, X, y, *, l2=0.0, n_classes=1)\n--\n\n"
"Softmax regression with K = n_classes, W = w.reshape(D, K), Z = XW; value returned, gradient\n"
"written into ``g``, in one pass over the rows of X:\n\n"
"    f = (1/N) sum_i [logsumexp(Z_i) - Z_{i, y_i}] + (l2/2) ||W||^2,    G = X'(softmax(Z) - Y)/N + l2 W\n\n"
"y: int64 or int32 labels in [0, K) (ValueError otherwise), native byte order (TypeError otherwise), aligned\n"
"and C-contiguous (ValueError otherwise). X (N, D), w and g (D*K,). Book 6.2.2.3 (softmax units) with\n"
"the L2 penalty of 7.1.1.\n\n"
"Raises\n------\n"
"TypeError for a non-array or a wrong or mixed dtype; ValueError for a shape mismatch, a non-contiguous or\n"
"read-only output, or outputs sharing memory with an input; ValueError for l2 < 0 or not finite,\n"
"or n_classes < 1 or too large for the sizes."
);

static PyObject *py_softmax_value_and_grad(PyObject *self, PyObject *args, PyObject *kw)
{
    return po_glm_value_and_grad("softmax_value_and_grad", 2, args, kw);
}

