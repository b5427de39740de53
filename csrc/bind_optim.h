/* bind_optim.h -- wrappers for the first-order updates (optim.c). Part of module.c (included there). */

PyDoc_STRVAR(sgd_step_doc,
"sgd_step($module, param, grad, momentum_buffer=None, *, lr, momentum=0.0, dampening=0.0,\n"
"         weight_decay=0.0, nesterov=False, maximize=False, first_step=False)\n--\n\n"
"One fused SGD step, in place on ``param`` (and ``momentum_buffer``); torch.optim.SGD's update.\n\n"
"    g' = (-g if maximize else g) + weight_decay * param\n"
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
    PyObject *op, *og, *ob = Py_None;
    double lr = NAN, momentum = 0.0, dampening = 0.0, wd = 0.0;
    int nesterov = 0, maximize = 0, first = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|O$ddddppp:sgd_step", kwlist, &op, &og, &ob, &lr,
                                     &momentum, &dampening, &wd, &nesterov, &maximize, &first))
        return NULL;
    if (isnan(lr)) {
        PyErr_SetString(PyExc_TypeError, "sgd_step(): missing required keyword argument 'lr'");
        return NULL;
    }
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
    int st;
    Py_BEGIN_ALLOW_THREADS
    if (PO_IS_F32(p))
        st = po_sgd_f32(PyArray_DATA(p), b ? PyArray_DATA(b) : NULL, PyArray_DATA(g), n, &hp);
    else
        st = po_sgd_f64(PyArray_DATA(p), b ? PyArray_DATA(b) : NULL, PyArray_DATA(g), n, &hp);
    Py_END_ALLOW_THREADS
    if (st != PO_OK) return po_raise(fn, st);
    Py_RETURN_NONE;
}

#define PO_OPTIM_METHODS \
    {"sgd_step", (PyCFunction)(void (*)(void))py_sgd_step, METH_VARARGS | METH_KEYWORDS, sgd_step_doc},
