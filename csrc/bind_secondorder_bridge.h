/* bind_secondorder_bridge.h -- the Python callback bridge of the second-order solvers (book 8.6).
 * Part of module.c (included there, before bind_secondorder_solver.h). Helpers carry the prefix po_bridge_.
 *
 * The solver loop (secondorder.c's po_minimize, linesearch.c's po_line_search) calls its objective
 * through po_problem callbacks; here those callbacks are Python callables held in a po_bridge_ctx. While
 * Python callables are involved the GIL stays held for the whole loop (the loop's own cost is negligible
 * next to a Python call); with a C objective and no Python callback the GIL is released around the entire
 * solve (bind_secondorder_solver.h). A Python exception raised inside a callback stops the loop at once
 * (PO_ERR_CALLBACK) and propagates, with every reference released. Callbacks never see the loop's
 * buffers: each gets a fresh copy (po_bridge_vec). */
#include "so.h"

/* A new 1-D float64 array holding a copy of x[0:n]. */
static PyObject *po_bridge_vec(const double *x, size_t n)
{
    npy_intp dim = (npy_intp)n;
    PyObject *a = PyArray_SimpleNew(1, &dim, NPY_FLOAT64);
    if (a && n) memcpy(PyArray_DATA((PyArrayObject *)a), x, n * sizeof(double));
    return a;
}

/* Copy `obj` (array-like of n floats, 1-D of shape (n,), or `ndim2` (n, n)) into out; ValueError
 * naming `what` on a wrong shape. */
static int po_bridge_copy_out(PyObject *obj, double *out, size_t n, int square, const char *what)
{
    PyArrayObject *a = (PyArrayObject *)PyArray_FROMANY(obj, NPY_FLOAT64, 0, 0,
                                                        NPY_ARRAY_CARRAY_RO | NPY_ARRAY_FORCECAST);
    if (!a) {
        if (PyErr_ExceptionMatches(PyExc_TypeError) || PyErr_ExceptionMatches(PyExc_ValueError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "minimize(): %s must return an array of floats, got %.100s", what,
                         Py_TYPE(obj)->tp_name);
        }
        return -1;
    }
    int ok = square ? (PyArray_NDIM(a) == 2 && (size_t)PyArray_DIM(a, 0) == n && (size_t)PyArray_DIM(a, 1) == n)
                    : (PyArray_NDIM(a) == 1 && (size_t)PyArray_DIM(a, 0) == n);
    if (!ok) {
        PyObject *sh = PyObject_GetAttrString((PyObject *)a, "shape");
        if (square)
            PyErr_Format(PyExc_ValueError, "minimize(): %s returned shape %S, expected (%zu, %zu)", what,
                         sh ? sh : Py_None, n, n);
        else
            PyErr_Format(PyExc_ValueError, "minimize(): %s returned shape %S, expected (%zu,)", what,
                         sh ? sh : Py_None, n);
        Py_XDECREF(sh);
        Py_DECREF(a);
        return -1;
    }
    memcpy(out, PyArray_DATA(a), (size_t)PyArray_NBYTES(a));   /* n or n*n doubles, checked above */
    Py_DECREF(a);
    return 0;
}

typedef struct {
    PyObject *fun, *jac, *hess, *hessp, *callback, *path;   /* borrowed; jac NULL: fun returns (f, g) */
    po_model *model;                                         /* a C objective, or NULL */
} po_bridge_ctx;

/* po_evaluate_fn through Python: fun(x) -> (f, g), or fun(x) -> f and jac(x) -> g. */
static int po_bridge_evaluate(void *vctx, const double *x, double *g, size_t n, double *f)
{
    po_bridge_ctx *c = (po_bridge_ctx *)vctx;
    if (c->model) return po_model_evaluate(c->model, x, g, n, f);
    PyObject *xa = po_bridge_vec(x, n), *r = NULL, *gobj = NULL;
    int st = PO_ERR_CALLBACK;
    if (!xa) return PO_ERR_CALLBACK;
    r = PyObject_CallOneArg(c->fun, xa);
    if (!r) goto fail;
    PyObject *fobj = r;
    if (!c->jac) {
        if (!PyTuple_Check(r) && !PyList_Check(r)) {
            PyErr_Format(PyExc_TypeError, "minimize(): with jac=True, fun must return (value, gradient), "
                         "got %.100s", Py_TYPE(r)->tp_name);
            goto fail;
        }
        PyObject *seq = PySequence_Fast(r, "");
        if (!seq) goto fail;
        if (PySequence_Fast_GET_SIZE(seq) != 2) {
            Py_DECREF(seq);
            PyErr_SetString(PyExc_TypeError, "minimize(): with jac=True, fun must return (value, gradient)");
            goto fail;
        }
        fobj = PySequence_Fast_GET_ITEM(seq, 0);
        gobj = PySequence_Fast_GET_ITEM(seq, 1);
        Py_INCREF(gobj);
        Py_INCREF(fobj);
        Py_DECREF(seq);
        Py_DECREF(r);
        r = fobj;   /* r now owns fobj */
    } else {
        gobj = PyObject_CallOneArg(c->jac, xa);
        if (!gobj) goto fail;
    }
    double fv = PyFloat_AsDouble(fobj);
    if (fv == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "minimize(): fun must return a real number as the value, got %.100s",
                     Py_TYPE(fobj)->tp_name);
        goto fail;
    }
    if (po_bridge_copy_out(gobj, g, n, 0, c->jac ? "jac" : "the gradient of fun") < 0) goto fail;
    *f = fv;
    st = PO_OK;
fail:
    Py_XDECREF(gobj);
    Py_XDECREF(r);
    Py_DECREF(xa);
    return st;
}

static int po_bridge_hess(void *vctx, const double *x, double *H, size_t n)
{
    po_bridge_ctx *c = (po_bridge_ctx *)vctx;
    PyObject *xa = po_bridge_vec(x, n);
    if (!xa) return PO_ERR_CALLBACK;
    PyObject *r = PyObject_CallOneArg(c->hess, xa);
    Py_DECREF(xa);
    if (!r) return PO_ERR_CALLBACK;
    int e = po_bridge_copy_out(r, H, n, 1, "hess");
    Py_DECREF(r);
    return e < 0 ? PO_ERR_CALLBACK : PO_OK;
}

static int po_bridge_hessp(void *vctx, const double *x, const double *p, double *Hp, size_t n)
{
    po_bridge_ctx *c = (po_bridge_ctx *)vctx;
    PyObject *xa = po_bridge_vec(x, n), *pa = po_bridge_vec(p, n), *r = NULL;
    if (xa && pa) r = PyObject_CallFunctionObjArgs(c->hessp, xa, pa, NULL);
    Py_XDECREF(xa);
    Py_XDECREF(pa);
    if (!r) return PO_ERR_CALLBACK;
    int e = po_bridge_copy_out(r, Hp, n, 0, "hessp");
    Py_DECREF(r);
    return e < 0 ? PO_ERR_CALLBACK : PO_OK;
}

/* After each iteration: append x to the path list; call callback(x, f); StopIteration -> stop. */
static int po_bridge_progress(void *vctx, long k, const double *x, double f, const double *g, size_t n)
{
    po_bridge_ctx *c = (po_bridge_ctx *)vctx;
    if (c->path) {
        PyObject *xa = po_bridge_vec(x, n);
        if (!xa) return PO_ERR_CALLBACK;
        int e = PyList_Append(c->path, xa);
        Py_DECREF(xa);
        if (e < 0) return PO_ERR_CALLBACK;
    }
    if (c->callback) {
        PyObject *xa = po_bridge_vec(x, n), *fv = PyFloat_FromDouble(f), *r = NULL;
        if (xa && fv) r = PyObject_CallFunctionObjArgs(c->callback, xa, fv, NULL);
        Py_XDECREF(xa);
        Py_XDECREF(fv);
        if (!r) {
            if (PyErr_ExceptionMatches(PyExc_StopIteration)) {
                PyErr_Clear();
                return 1;
            }
            return PO_ERR_CALLBACK;
        }
        Py_DECREF(r);
    }
    return 0;
}

