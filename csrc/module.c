/* module.c -- THE binding: pyoptim._core.
 *
 * The only translation unit that sees Python.h. Each wrapper has one shape (NumPy's arr_bincount):
 *   parse -> check every array (dtype, shape, contiguity, writeability, overlap) -> allocate ->
 *   release the GIL -> pure C kernel -> reacquire -> map the status -> one `fail:` label that releases
 *   references.
 * In-place targets are never copied or cast: a wrong dtype or layout raises, naming the argument.
 *
 * The checks below are shared by every wrapper. The wrappers are grouped by concern in bind_*.h,
 * which are textually part of this file (included once, here, and nowhere else):
 *   bind_optim.h        first-order updates, gradient clipping            (csrc/optim.c)
 *   bind_optim_more.h   Adadelta, Adamax, NAdam, RAdam                    (csrc/optim_more.c)
 *   bind_nn.h           activations, losses, batch normalization          (layers.c, losses.c, batchnorm.c)
 *   bind_secondorder_*.h  line searches, Newton, CG, BFGS, L-BFGS, their dense kernels and C objectives,
 *                       one file per concern; bind_secondorder.h holds their method table
 *                                                                     (linesearch.c, secondorder.c, linalg.c)
 *   bind_regularize.h   RNG, dropout, proximal steps, norm constraints    (rng.c, dropout.c, regularize.c)
 *
 * When another thread writes the inputs (every kernel releases the GIL; issue 12). Audited per entry
 * point for the pattern "validate, release the GIL, use again":
 *   - Every array a kernel reads or writes stays allocated for the whole call: arguments are referenced
 *     by the call's own argument tuple/dict; the arrays of a list argument (grad_norm, scale_arrays,
 *     clamp_arrays: the only list-taking kernels) are referenced by a tuple copied from the list under
 *     the GIL (po_optim_items), so clearing, shrinking or refilling the list mid-call frees nothing;
 *     the arrays of _minimize's C-objective tuple are also pinned with a weak reference, so a Python
 *     callback cannot resize them even with refcheck=False. NumPy refuses ndarray.resize() of an array
 *     referenced like this; resize(refcheck=False) from ANOTHER thread while a kernel runs is outside
 *     the guarantee (NumPy documents refcheck=False as unsafe when the memory is shared).
 *   - Sizes, shapes and dtypes are read once, under the GIL, before the kernel starts; the kernel works
 *     on those sizes only (a shape change of an array is a new view of the same memory, never larger).
 *   - Values may change while a kernel runs: the result is then some mix of old and new values (as for
 *     any unsynchronized NumPy operation), never an access outside the arrays. Integer labels
 *     (softmax_cross_entropy, softmax_value_and_grad, _minimize's softmax objective) are read once each
 *     (PO_LOAD_ONCE) and bounds-checked where used: a label rewritten out of range after validation
 *     makes the call raise ValueError ("outside [0, K)") instead of indexing with it.
 *   - Python callbacks (line_search's and _minimize's fun, jac, hess, hessp, callback) never see the C
 *     loop's buffers: they get fresh copies, and line_search copies x, d and g before the first trial,
 *     _minimize x0 before the first iteration, so a callback that rewrites, resizes or frees the
 *     caller's arrays changes nothing in the loop.
 *   - Overlap checks (po_check_disjoint) are made on the arrays as passed; the data they describe cannot
 *     move during the call (see the first point).
 * Sizes: every product or sum of sizes that sizes an allocation or a loop goes through po_size_mul /
 * po_size_add (pyoptim.h) and raises ValueError or MemoryError before anything is allocated; n times a
 * small constant where n elements of at least that many bytes already exist cannot overflow and is
 * written directly.
 * Hyperparameters: po_check_range rejects NaN and +-inf (ValueError, one message format);
 * po_check_range_inf admits inf where it has a documented meaning (clip_value, max_value, radius,
 * threshold). Threads: set_num_threads accepts 1..po_max_threads() (4096 or OMP_THREAD_LIMIT).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <numpy/arrayobject.h>
#include <string.h>
#include <math.h>

#include "pyoptim.h"

/* ---- argument checks ---------------------------------------------------------------------------- */

enum {
    PO_W = 1,        /* written in place: must be writeable */
    PO_ALLOW0D = 2,  /* a 0-d array is accepted */
};

/* TypeError naming `name` unless `obj` is a numpy.ndarray (`what` describes the expected array, e.g.
 * " of int64 or int32 labels", or ""). */
static int po_check_ndarray(const char *fn, PyObject *obj, const char *name, const char *what)
{
    if (PyArray_Check(obj)) return 0;
    PyErr_Format(PyExc_TypeError, "%s(): argument '%s' must be a numpy.ndarray%s, got %.100s", fn, name, what,
                 Py_TYPE(obj)->tp_name);
    return -1;
}

/* The layout every array argument needs, whatever its dtype: native byte order (TypeError), at least one
 * dimension unless flags has PO_ALLOW0D, aligned, C-contiguous, and writeable when flags has PO_W
 * (ValueError), each naming `name`. */
static int po_check_layout(const char *fn, PyArrayObject *a, const char *name, int flags)
{
    if (PyArray_ISBYTESWAPPED(a)) {
        PyErr_Format(PyExc_TypeError, "%s(): argument '%s' must be in native byte order "
                     "(got a byte-swapped array; use arr.astype(arr.dtype.newbyteorder('=')))", fn, name);
        return -1;
    }
    if (!(flags & PO_ALLOW0D) && PyArray_NDIM(a) == 0) {
        PyErr_Format(PyExc_ValueError, "%s(): argument '%s' must have at least one dimension, got a 0-d array",
                     fn, name);
        return -1;
    }
    if (!PyArray_ISALIGNED(a)) {
        PyErr_Format(PyExc_ValueError, "%s(): argument '%s' must be aligned", fn, name);
        return -1;
    }
    if (!PyArray_IS_C_CONTIGUOUS(a)) {
        PyErr_Format(PyExc_ValueError, "%s(): argument '%s' must be C-contiguous "
                     "(use np.ascontiguousarray; in-place targets are never copied)", fn, name);
        return -1;
    }
    if ((flags & PO_W) && !PyArray_ISWRITEABLE(a)) {
        PyErr_Format(PyExc_ValueError, "%s(): argument '%s' is read-only but is updated in place", fn, name);
        return -1;
    }
    return 0;
}

/* Return `obj` as a borrowed PyArrayObject* that is float32 or float64, native byte order, aligned and
 * C-contiguous (and writeable when flags has PO_W), or NULL with TypeError/ValueError naming `name`. */
static PyArrayObject *po_arr(const char *fn, PyObject *obj, const char *name, int flags)
{
    if (po_check_ndarray(fn, obj, name, "") < 0) return NULL;
    PyArrayObject *a = (PyArrayObject *)obj;
    int t = PyArray_TYPE(a);
    if (t != NPY_FLOAT32 && t != NPY_FLOAT64) {
        PyObject *s = PyObject_Str((PyObject *)PyArray_DESCR(a));
        PyErr_Format(PyExc_TypeError, "%s(): argument '%s' must have dtype float32 or float64, got %S",
                     fn, name, s ? s : Py_None);
        Py_XDECREF(s);
        return NULL;
    }
    return po_check_layout(fn, a, name, flags) < 0 ? NULL : a;
}

/* TypeError unless float arrays `a` and `ref` have the same dtype ("mixed dtypes"). */
static int po_check_same_dtype(const char *fn, PyArrayObject *a, const char *name, PyArrayObject *ref,
                               const char *refname)
{
    if (PyArray_TYPE(a) == PyArray_TYPE(ref)) return 0;
    PyErr_Format(PyExc_TypeError, "%s(): argument '%s' has dtype %s but '%s' has dtype %s (mixed dtypes)",
                 fn, name, PyArray_TYPE(a) == NPY_FLOAT32 ? "float32" : "float64", refname,
                 PyArray_TYPE(ref) == NPY_FLOAT32 ? "float32" : "float64");
    return -1;
}

/* Like po_arr but with a required dtype given by `ref` (same dtype and same shape). */
static PyArrayObject *po_arr_like(const char *fn, PyObject *obj, const char *name, int flags,
                                  PyArrayObject *ref, const char *refname)
{
    PyArrayObject *a = po_arr(fn, obj, name, flags);
    if (!a) return NULL;
    if (po_check_same_dtype(fn, a, name, ref, refname) < 0) return NULL;
    if (PyArray_NDIM(a) != PyArray_NDIM(ref) ||
        !PyArray_CompareLists(PyArray_DIMS(a), PyArray_DIMS(ref), PyArray_NDIM(a))) {
        PyObject *sa = PyObject_GetAttrString((PyObject *)a, "shape");
        PyObject *sr = PyObject_GetAttrString((PyObject *)ref, "shape");
        PyErr_Format(PyExc_ValueError, "%s(): argument '%s' has shape %S but '%s' has shape %S",
                     fn, name, sa ? sa : Py_None, refname, sr ? sr : Py_None);
        Py_XDECREF(sa);
        Py_XDECREF(sr);
        return NULL;
    }
    return a;
}

/* Optional array argument: Py_None -> *out = NULL and success. Returns 0 on success, -1 on error. */
static int po_opt_like(const char *fn, PyObject *obj, const char *name, int flags, PyArrayObject *ref,
                       const char *refname, PyArrayObject **out)
{
    *out = NULL;
    if (obj == NULL || obj == Py_None) return 0;
    *out = po_arr_like(fn, obj, name, flags, ref, refname);
    return *out ? 0 : -1;
}

/* Two arrays whose memory ranges intersect (any byte in common). Exact aliasing counts too: an in-place
 * target that is also another argument would be read after being written. */
static int po_overlaps(PyArrayObject *a, PyArrayObject *b)
{
    if (!a || !b) return 0;
    npy_intp na = PyArray_NBYTES(a), nb = PyArray_NBYTES(b);
    if (na == 0 || nb == 0) return 0;
    const char *a0 = PyArray_BYTES(a), *b0 = PyArray_BYTES(b);
    return a0 < b0 + nb && b0 < a0 + na;
}

/* Check that no two of the `k` arrays (NULLs skipped) share memory; raises ValueError naming the pair. */
static int po_check_disjoint(const char *fn, int k, PyArrayObject **arrs, const char **names)
{
    for (int i = 0; i < k; i++)
        for (int j = i + 1; j < k; j++)
            if (po_overlaps(arrs[i], arrs[j])) {
                PyErr_Format(PyExc_ValueError, "%s(): arguments '%s' and '%s' share memory; "
                             "in-place kernels need distinct buffers", fn, names[i], names[j]);
                return -1;
            }
    return 0;
}

/* A hyperparameter check, one message format for every wrapper:
 *   "fn(): invalid NAME: VALUE (expected a finite value in [lo, hi])"   (or "... >= lo" / "a finite value"
 * when a bound is infinite). NaN is never in range. po_check_range also rejects +-inf, whatever the
 * bounds: a step size, a decay, a damping or a tolerance of inf is never meaningful (issue 12: no
 * silent acceptance). po_check_range_inf admits +-inf within [lo, hi], for the few arguments where an
 * infinite value has a documented meaning (a clip value or a radius of inf: no bound). */
static int po_range_error(const char *fn, const char *name, double v, double lo, double hi, int finite)
{
    char *sv = PyOS_double_to_string(v, 'r', 0, 0, NULL);
    char *sl = PyOS_double_to_string(lo, 'r', 0, 0, NULL);
    char *sh = PyOS_double_to_string(hi, 'r', 0, 0, NULL);
    const char *kind = finite && (isinf(lo) || isinf(hi)) ? "a finite value" : "a value";
    if (!sv || !sl || !sh)
        PyErr_NoMemory();
    else if (finite && isinf(lo) && isinf(hi))
        PyErr_Format(PyExc_ValueError, "%s(): invalid %s: %s (expected a finite value)", fn, name, sv);
    else if (finite && isinf(hi))
        PyErr_Format(PyExc_ValueError, "%s(): invalid %s: %s (expected a finite value >= %s)", fn, name, sv, sl);
    else
        PyErr_Format(PyExc_ValueError, "%s(): invalid %s: %s (expected %s in [%s, %s])", fn, name, sv, kind, sl, sh);
    PyMem_Free(sv);
    PyMem_Free(sl);
    PyMem_Free(sh);
    return -1;
}

static int po_check_range(const char *fn, const char *name, double v, double lo, double hi)
{
    if (v >= lo && v <= hi && isfinite(v)) return 0;
    return po_range_error(fn, name, v, lo, hi, 1);
}

static int po_check_range_inf(const char *fn, const char *name, double v, double lo, double hi)
{
    if (v >= lo && v <= hi) return 0;
    return po_range_error(fn, name, v, lo, hi, 0);
}

/* Map a kernel status to a Python exception. */
static PyObject *po_raise(const char *fn, int status)
{
    if (PyErr_Occurred()) return NULL;   /* a callback already set one */
    PyObject *exc = PyExc_RuntimeError;
    switch (status) {
    case PO_ERR_NOMEM: return PyErr_NoMemory();
    case PO_ERR_VALUE: case PO_ERR_INDEX: exc = PyExc_ValueError; break;
    case PO_ERR_NONFINITE: exc = PyExc_FloatingPointError; break;
    case PO_ERR_NOT_PD: {
        PyObject *linalg = PyImport_ImportModule("numpy.linalg");
        if (linalg) {
            PyObject *e = PyObject_GetAttrString(linalg, "LinAlgError");
            Py_DECREF(linalg);
            if (e) {
                PyErr_Format(e, "%s(): %s", fn, po_strerror(status));
                Py_DECREF(e);
                return NULL;
            }
        }
        PyErr_Clear();
        exc = PyExc_ValueError;
        break;
    }
    default: break;
    }
    PyErr_Format(exc, "%s(): %s", fn, po_strerror(status));
    return NULL;
}

#define PO_IS_F32(a) (PyArray_TYPE(a) == NPY_FLOAT32)
#define PO_SIZE(a) ((size_t)PyArray_SIZE(a))

#include "bind_args.h"   /* the shape, label and float-argument checkers every bind_*.h shares */

/* ---- threads ------------------------------------------------------------------------------------ */

PyDoc_STRVAR(set_num_threads_doc,
"set_num_threads($module, n, /)\n--\n\n"
"Set how many OpenMP threads the C core uses for large arrays: 1 <= n <= max_threads.\n\n"
"max_threads is 4096, or the OpenMP thread limit (OMP_THREAD_LIMIT) when that is smaller. A build\n"
"without OpenMP (PYOPTIM_OPENMP=0) accepts the same range but always runs on one thread, and\n"
"get_num_threads() reports 1 there.\n"
"Results never depend on it: elementwise kernels split work in static chunks, reductions sum fixed\n"
"blocks in a fixed order. Arrays below PAR_GRAIN (262144) elements always run on the calling thread.\n\n"
"Raises\n------\n"
"TypeError for a non-integer (bool included); ValueError, naming the bound, for n outside\n"
"[1, max_threads]. With OpenMP, get_num_threads() then returns exactly n.");

static PyObject *py_set_num_threads(PyObject *self, PyObject *arg)
{
    if (PyBool_Check(arg) || !PyIndex_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "set_num_threads(): argument 'n' must be an integer, got %.100s",
                     Py_TYPE(arg)->tp_name);
        return NULL;
    }
    PyObject *i = PyNumber_Index(arg);
    if (!i) return NULL;
    int overflow = 0;
    long long n = PyLong_AsLongLongAndOverflow(i, &overflow);
    if (n == -1 && PyErr_Occurred()) { Py_DECREF(i); return NULL; }
    int mx = po_max_threads();
    if (overflow || n < 1 || n > mx) {
        PyErr_Format(PyExc_ValueError, "set_num_threads(): invalid n: %R (expected an integer in [1, %d]; "
                     "%d is the maximum number of threads)", i, mx, mx);
        Py_DECREF(i);
        return NULL;
    }
    Py_DECREF(i);
    po_set_num_threads((int)n);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(get_num_threads_doc,
"get_num_threads($module, /)\n--\n\n"
"The number of OpenMP threads the C core uses for large arrays: the n of the last set_num_threads(n),\n"
"else OpenMP's default (capped at the same maximum); always 1 when built without OpenMP.");

static PyObject *py_get_num_threads(PyObject *self, PyObject *noargs)
{
    return PyLong_FromLong(po_get_num_threads());
}

/* ---- the wrappers, by concern ------------------------------------------------------------------- */

#include "bind_optim.h"
#include "bind_optim_more.h"   /* Adadelta, Adamax, NAdam, RAdam (optim_more.c) */
#include "bind_nn.h"
#include "bind_lapack.h"   /* LAPACK for Newton (lapack.c); before the second-order bindings */
#include "bind_secondorder_bridge.h"       /* book 8.6: the Python callback bridge */
#include "bind_secondorder_solver.h"       /* _minimize, line_search (secondorder.c, linesearch.c) */
#include "bind_secondorder_dense.h"        /* quasi-Newton, Cholesky, eigen, CG, coordinate descent (linalg.c) */
#include "bind_secondorder_objectives.h"   /* the C objectives (linalg.c) */
#include "bind_secondorder.h"              /* their method table */
#include "bind_regularize.h"
#include "bind_bounds.h"
#include "bind_optim_extra.h"   /* ASGD, Rprop, Adafactor, Muon (optim_extra.c) */
#include "bind_config.h"
#include "bind_lbfgsb.h"      /* L-BFGS-B (lbfgsb.c); reuses bind_secondorder_bridge.h */

static PyMethodDef po_methods[] = {
    {"set_num_threads", (PyCFunction)py_set_num_threads, METH_O, set_num_threads_doc},
    {"get_num_threads", (PyCFunction)py_get_num_threads, METH_NOARGS, get_num_threads_doc},
    PO_OPTIM_METHODS
    PO_OPTIM_MORE_METHODS
    PO_NN_METHODS
    PO_SECONDORDER_METHODS
    PO_LAPACK_METHODS
    PO_REGULARIZE_METHODS
    PO_BOUNDS_METHODS
    PO_OPTIM_EXTRA_METHODS
    PO_CONFIG_METHODS
    PO_LBFGSB_METHODS
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef po_module = {
    PyModuleDef_HEAD_INIT, "pyoptim._core",
    "pyoptim's C core: fused optimizer updates, loss and layer kernels, dropout, second-order steps.\n"
    "Use the documented re-exports in pyoptim.kernels.",
    -1, po_methods,
};

PyMODINIT_FUNC PyInit__core(void)
{
    import_array();
    PyObject *m = PyModule_Create(&po_module);
    if (!m) return NULL;
    if (PyModule_AddIntConstant(m, "PAR_GRAIN", PO_PAR_GRAIN) < 0) { Py_DECREF(m); return NULL; }
#ifdef PO_SECONDORDER_INIT
    if (PO_SECONDORDER_INIT(m) < 0) { Py_DECREF(m); return NULL; }
#endif
#ifdef PO_REGULARIZE_INIT
    if (PO_REGULARIZE_INIT(m) < 0) { Py_DECREF(m); return NULL; }
#endif
#ifdef PO_NN_INIT
    if (PO_NN_INIT(m) < 0) { Py_DECREF(m); return NULL; }
#endif
#ifdef PO_OPTIM_INIT
    if (PO_OPTIM_INIT(m) < 0) { Py_DECREF(m); return NULL; }
#endif
    return m;
}
