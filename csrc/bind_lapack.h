/* bind_lapack.h -- wrappers for lapack.c: handing SciPy's LAPACK to the C core, and the NumPy-backed
 * po_linalg table the Newton loop uses in a process without SciPy. Part of module.c (included there,
 * before bind_secondorder.h, whose _minimize takes `linalg=`). Static helpers carry the prefix la_.
 *
 * Which provider runs is chosen in Python (pyoptim/_minimize/_linalg.py) and passed per call:
 *   linalg=None or "own"   the own routines (linalg.c)
 *   linalg="lapack"        LAPACK, after _set_lapack succeeded (ValueError otherwise)
 *   linalg=(cholesky, lu_solve, eigh)   three Python callables over numpy.linalg:
 *       cholesky(A, shift) -> L (lower, A + shift I = L L') or None when not positive definite
 *       lu_solve(A, b, shift) -> d with (A + shift I) d = b, or None when singular
 *       eigh(A) -> (w, V) of (A + A')/2, w ascending, V[:, j] the eigenvectors
 *     The triangular solves after `cholesky` run in C (O(n^2)): NumPy has no triangular solver. */
#include "so.h"
#include "lapack.h"

/* ---- _set_lapack ---------------------------------------------------------------------------------- */

#define LA_D "__pyx_t_5scipy_6linalg_13cython_lapack_d"

/* The capsule's name with SciPy's typedef for double spelled `double`, compared with `sig`. */
static int la_name_is(const char *name, const char *sig)
{
    size_t ld = strlen(LA_D);
    while (*name && *sig) {
        if (strncmp(name, LA_D, ld) == 0 && strncmp(sig, "double", 6) == 0) {
            name += ld;
            sig += 6;
        } else if (*name++ != *sig++) {
            return 0;
        }
    }
    return *name == 0 && *sig == 0;
}

/* The function pointer in dict[key], a capsule whose name is the C signature `sig`; TypeError otherwise. */
static void *la_capsule(PyObject *dict, const char *key, const char *sig)
{
    PyObject *c = PyDict_GetItemString(dict, key);   /* borrowed */
    if (!c) {
        PyErr_Format(PyExc_TypeError, "_set_lapack(): argument 'capsules' has no entry '%s' (expected a "
                     "PyCapsule as in scipy.linalg.cython_lapack.__pyx_capi__)", key);
        return NULL;
    }
    if (!PyCapsule_CheckExact(c)) {
        PyErr_Format(PyExc_TypeError, "_set_lapack(): capsules['%s'] must be a PyCapsule, got %.100s", key,
                     Py_TYPE(c)->tp_name);
        return NULL;
    }
    const char *name = PyCapsule_GetName(c);
    if (!name || !la_name_is(name, sig)) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "_set_lapack(): capsules['%s'] has signature \"%s\", expected \"%s\"", key,
                     name ? name : "(none)", sig);
        return NULL;
    }
    void *fp = PyCapsule_GetPointer(c, name);
    if (!fp) {
        if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_ValueError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "_set_lapack(): capsules['%s'] holds no function pointer", key);
        }
        return NULL;
    }
    return fp;
}

PyDoc_STRVAR(set_lapack_doc,
"_set_lapack($module, capsules, /)\n--\n\n"
"Hand LAPACK's dpotrf, dpotrs, dsyevd, dgetrf and dgetrs to the C core, once per process (private).\n\n"
"``capsules`` maps each name to a PyCapsule whose name is the routine's C signature, as in\n"
"``scipy.linalg.cython_lapack.__pyx_capi__`` (32-bit int, double). After it succeeds, ``_minimize(...,\n"
"linalg=\"lapack\")`` factors Newton's Hessian with them: (H + tau I) = L L' by dpotrf/dpotrs (N&W Alg. 3.3),\n"
"(H + lambda I) d = -g by dgetrf/dgetrs, and the saddle-free eigendecomposition by dsyevd. Thread-safe: the\n"
"first table is published atomically and never replaced. Returns True when the table in use is this one,\n"
"False when another table was installed first. Raises TypeError for a non-dict, a missing entry, or an entry\n"
"that is not a capsule of the expected signature.");

static PyObject *py_set_lapack(PyObject *self, PyObject *capsules)
{
    if (!PyDict_Check(capsules)) {
        PyErr_Format(PyExc_TypeError, "_set_lapack(): argument 'capsules' must be a dict of PyCapsules, got %.100s",
                     Py_TYPE(capsules)->tp_name);
        return NULL;
    }
    po_lapack_fns f;
    if (!(f.dpotrf = (po_dpotrf_fn *)la_capsule(capsules, "dpotrf",
            "void (char *, int *, double *, int *, int *)")))
        return NULL;
    if (!(f.dpotrs = (po_dpotrs_fn *)la_capsule(capsules, "dpotrs",
            "void (char *, int *, int *, double *, int *, double *, int *, int *)")))
        return NULL;
    if (!(f.dsyevd = (po_dsyevd_fn *)la_capsule(capsules, "dsyevd",
            "void (char *, char *, int *, double *, int *, double *, double *, int *, int *, int *, int *)")))
        return NULL;
    if (!(f.dgetrf = (po_dgetrf_fn *)la_capsule(capsules, "dgetrf",
            "void (int *, int *, double *, int *, int *, int *)")))
        return NULL;
    if (!(f.dgetrs = (po_dgetrs_fn *)la_capsule(capsules, "dgetrs",
            "void (char *, int *, int *, double *, int *, int *, double *, int *, int *)")))
        return NULL;
    int r = po_lapack_set(&f);
    if (r < 0) return po_raise("_set_lapack", r);
    return PyBool_FromLong(r == 0);
}

PyDoc_STRVAR(lapack_ready_doc,
"_lapack_ready($module, /)\n--\n\n"
"True once _set_lapack has installed LAPACK's routines in the C core (private).");

static PyObject *py_lapack_ready(PyObject *self, PyObject *noargs)
{
    return PyBool_FromLong(po_linalg_lapack() != NULL);
}

/* ---- the NumPy-backed table ----------------------------------------------------------------------- */

/* A new (n, n) float64 array holding a copy of A. */
static PyObject *la_mat(const double *A, size_t n)
{
    npy_intp dims[2] = {(npy_intp)n, (npy_intp)n};
    PyObject *a = PyArray_SimpleNew(2, dims, NPY_FLOAT64);
    if (a) memcpy(PyArray_DATA((PyArrayObject *)a), A, n * n * sizeof(double));
    return a;
}

/* Copy r (array-like of `count` floats, shape (n,) or (n, n) when square) into out; ValueError naming
 * `what` otherwise. Returns 0 or -1. */
static int la_copy(PyObject *r, double *out, size_t n, int square, const char *what)
{
    PyArrayObject *a = (PyArrayObject *)PyArray_FROMANY(r, NPY_FLOAT64, 0, 0,
                                                        NPY_ARRAY_CARRAY_RO | NPY_ARRAY_FORCECAST);
    if (!a) return -1;
    int ok = square ? (PyArray_NDIM(a) == 2 && (size_t)PyArray_DIM(a, 0) == n && (size_t)PyArray_DIM(a, 1) == n)
                    : (PyArray_NDIM(a) == 1 && (size_t)PyArray_DIM(a, 0) == n);
    if (!ok) {
        PyErr_Format(PyExc_ValueError, "minimize(): the linear-algebra provider's %s returned the wrong shape", what);
        Py_DECREF(a);
        return -1;
    }
    memcpy(out, PyArray_DATA(a), (square ? n * n : n) * sizeof(double));
    Py_DECREF(a);
    return 0;
}

/* L = cholesky(A, shift) in Python (numpy.linalg.cholesky: LAPACK's dpotrf on the lower triangle), then
 * the own O(n^2) substitutions L z = b, L' d = z. */
static int la_np_chol_solve(void *ctx, double *d, const double *A, const double *b, size_t n, double shift,
                            double *work)
{
    PyGILState_STATE gs = PyGILState_Ensure();
    int st = PO_ERR_CALLBACK;
    PyObject *Aa = la_mat(A, n), *sh = PyFloat_FromDouble(shift), *r = NULL;
    if (Aa && sh) r = PyObject_CallFunctionObjArgs(PyTuple_GET_ITEM((PyObject *)ctx, 0), Aa, sh, NULL);
    if (r == Py_None) st = PO_ERR_NOT_PD;
    else if (r && la_copy(r, work, n, 1, "cholesky") == 0) {
        po_cholesky_solve_lower_f64(d, work, b, n);
        st = PO_OK;
    }
    Py_XDECREF(Aa);
    Py_XDECREF(sh);
    Py_XDECREF(r);
    PyGILState_Release(gs);
    return st;
}

static int la_np_lu_solve(void *ctx, double *d, const double *A, const double *b, size_t n, double shift,
                          double *work)
{
    PyGILState_STATE gs = PyGILState_Ensure();
    int st = PO_ERR_CALLBACK;
    npy_intp dim = (npy_intp)n;
    PyObject *Aa = la_mat(A, n), *ba = PyArray_SimpleNew(1, &dim, NPY_FLOAT64), *sh = PyFloat_FromDouble(shift),
             *r = NULL;
    if (Aa && ba && sh) {
        memcpy(PyArray_DATA((PyArrayObject *)ba), b, n * sizeof(double));
        r = PyObject_CallFunctionObjArgs(PyTuple_GET_ITEM((PyObject *)ctx, 1), Aa, ba, sh, NULL);
    }
    if (r == Py_None) st = PO_ERR_NOT_PD;
    else if (r && la_copy(r, d, n, 0, "lu_solve") == 0) st = PO_OK;
    Py_XDECREF(Aa);
    Py_XDECREF(ba);
    Py_XDECREF(sh);
    Py_XDECREF(r);
    PyGILState_Release(gs);
    return st;
}

static int la_np_sym_eig(void *ctx, double *w, double *V, const double *A, size_t n, double *work)
{
    PyGILState_STATE gs = PyGILState_Ensure();
    int st = PO_ERR_CALLBACK;
    PyObject *Aa = la_mat(A, n), *r = NULL;
    if (Aa) r = PyObject_CallOneArg(PyTuple_GET_ITEM((PyObject *)ctx, 2), Aa);
    if (r) {
        if (!PyTuple_Check(r) || PyTuple_GET_SIZE(r) != 2)
            PyErr_SetString(PyExc_ValueError, "minimize(): the linear-algebra provider's eigh must return (w, V)");
        else if (la_copy(PyTuple_GET_ITEM(r, 0), w, n, 0, "eigh") == 0 &&
                 la_copy(PyTuple_GET_ITEM(r, 1), V, n, 1, "eigh") == 0)
            st = PO_OK;
    }
    Py_XDECREF(Aa);
    Py_XDECREF(r);
    PyGILState_Release(gs);
    return st;
}

/* _minimize's `linalg=` argument -> the table to use (*out), filling *np_table for the NumPy form (its ctx
 * borrows `o`: the caller holds the argument for the call). Returns 0, or -1 with TypeError/ValueError. */
static int la_from_py(PyObject *o, po_linalg *np_table, const po_linalg **out)
{
    if (o == Py_None || (PyUnicode_Check(o) && PyUnicode_CompareWithASCIIString(o, "own") == 0)) {
        *out = po_linalg_own();
        return 0;
    }
    if (PyUnicode_Check(o) && PyUnicode_CompareWithASCIIString(o, "lapack") == 0) {
        if (!(*out = po_linalg_lapack())) {
            PyErr_SetString(PyExc_ValueError, "_minimize(): linalg='lapack' but no LAPACK was handed over "
                            "(call _set_lapack first)");
            return -1;
        }
        return 0;
    }
    if (PyTuple_Check(o) && PyTuple_GET_SIZE(o) == 3 && PyCallable_Check(PyTuple_GET_ITEM(o, 0)) &&
        PyCallable_Check(PyTuple_GET_ITEM(o, 1)) && PyCallable_Check(PyTuple_GET_ITEM(o, 2))) {
        np_table->chol_solve = la_np_chol_solve;
        np_table->lu_solve = la_np_lu_solve;
        np_table->sym_eig = la_np_sym_eig;
        np_table->ctx = o;
        np_table->name = "numpy";
        *out = np_table;
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "_minimize(): argument 'linalg' must be None, 'own', 'lapack' or a tuple of "
                 "three callables (cholesky, lu_solve, eigh), got %.100s", Py_TYPE(o)->tp_name);
    return -1;
}

#define PO_LAPACK_METHODS                                                                                 \
    {"_set_lapack", (PyCFunction)py_set_lapack, METH_O, set_lapack_doc},                                \
    {"_lapack_ready", (PyCFunction)py_lapack_ready, METH_NOARGS, lapack_ready_doc},
