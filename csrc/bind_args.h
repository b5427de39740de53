/* bind_args.h -- the argument checkers that every bind_*.h shares, beside module.c's po_arr family.
 * Part of module.c (included there once, before the bind_*.h files). One copy of each rule:
 *   po_check_shape / po_check_dims   an array of exactly a given shape (ValueError: "has shape S,
 *                                    expected shape E")
 *   po_check_ndim                    an array of exactly `ndim` dimensions, any extent
 *   po_arr_shaped                    po_arr + the dtype of a reference array + an exact shape
 *   po_labels                        integer class labels: int64 or int32, native, aligned, C-contiguous,
 *                                    shape (N,); po_labels_int64 for kernels that read int64 only
 *   po_required_float                a required keyword-only float given as an object
 *   po_check_adam_hp                 the hyperparameter ranges the Adam family shares
 *   po_parse / po_parse_tuple        PyArg_ParseTupleAndKeywords / PyArg_ParseTuple whose number errors
 *                                    name the argument
 *   PO_CALL_NOGIL / PO_CALL_RETURN_NONE   the kernel call without the GIL (and a wrapper's last lines)
 */

/* ValueError naming `name` unless `a` has exactly the shape dims[0..nd); `why` (or NULL) is appended
 * in parentheses to say where the expected shape comes from. */
static int po_check_shape(const char *fn, PyArrayObject *a, const char *name, int nd, const npy_intp *dims,
                          const char *why)
{
    if (PyArray_NDIM(a) == nd && PyArray_CompareLists(PyArray_DIMS(a), (npy_intp *)dims, nd)) return 0;
    PyObject *want = PyTuple_New(nd);
    if (!want) return -1;
    for (int i = 0; i < nd; i++) {
        PyObject *v = PyLong_FromSsize_t(dims[i]);
        if (!v) { Py_DECREF(want); return -1; }
        PyTuple_SET_ITEM(want, i, v);
    }
    PyObject *got = PyObject_GetAttrString((PyObject *)a, "shape");
    if (why)
        PyErr_Format(PyExc_ValueError, "%s(): argument '%s' has shape %S, expected shape %S (%s)", fn, name,
                     got ? got : Py_None, want, why);
    else
        PyErr_Format(PyExc_ValueError, "%s(): argument '%s' has shape %S, expected shape %S", fn, name,
                     got ? got : Py_None, want);
    Py_XDECREF(got);
    Py_DECREF(want);
    return -1;
}

/* po_check_shape for a 1-D (d0,) or 2-D (d0, d1) shape given as sizes (nd is 1 or 2). */
static int po_check_dims(const char *fn, PyArrayObject *a, const char *name, int nd, size_t d0, size_t d1)
{
    npy_intp dims[2] = {(npy_intp)d0, (npy_intp)d1};
    return po_check_shape(fn, a, name, nd, dims, NULL);
}

/* ValueError naming `name` unless `a` has exactly `ndim` dimensions. */
static int po_check_ndim(const char *fn, PyArrayObject *a, const char *name, int ndim)
{
    if (PyArray_NDIM(a) == ndim) return 0;
    PyObject *s = PyObject_GetAttrString((PyObject *)a, "shape");
    PyErr_Format(PyExc_ValueError, "%s(): argument '%s' must be %d-D, got shape %S", fn, name, ndim,
                 s ? s : Py_None);
    Py_XDECREF(s);
    return -1;
}

/* po_arr + the dtype of `ref` (skipped when ref is NULL) + the exact shape (d0,) or (d0, d1). */
static PyArrayObject *po_arr_shaped(const char *fn, PyObject *obj, const char *name, int flags,
                                    PyArrayObject *ref, const char *refname, int nd, size_t d0, size_t d1)
{
    PyArrayObject *a = po_arr(fn, obj, name, flags);
    if (!a) return NULL;
    if (ref && po_check_same_dtype(fn, a, name, ref, refname) < 0) return NULL;
    if (po_check_dims(fn, a, name, nd, d0, d1) < 0) return NULL;
    return a;
}

/* Pin an array whose data pointer a solver keeps while it calls back into Python (or while another thread
 * runs): NumPy refuses ndarray.resize on an array that has a weak reference, even with refcheck=False,
 * so the memory cannot be freed under the solver. Returns the new reference (release it when the solve
 * ends), or NULL with an exception set. */
static PyObject *po_pin(PyArrayObject *a)
{
    return PyWeakref_NewRef((PyObject *)a, NULL);
}

/* Integer class labels, the one rule for every kernel that takes them: a numpy.ndarray of int64 or
 * int32 (TypeError otherwise, and for a byte-swapped array), aligned and C-contiguous (ValueError), of
 * shape (N,) (ValueError; `rows_of` names the array whose rows they label). Borrowed; NULL on error. */
static PyArrayObject *po_labels(const char *fn, PyObject *obj, const char *name, npy_intp N, const char *rows_of)
{
    if (po_check_ndarray(fn, obj, name, " of int64 or int32 labels") < 0) return NULL;
    PyArrayObject *a = (PyArrayObject *)obj;
    if (!PyArray_ISSIGNED(a) || (PyArray_ITEMSIZE(a) != 4 && PyArray_ITEMSIZE(a) != 8)) {
        PyObject *s = PyObject_Str((PyObject *)PyArray_DESCR(a));
        PyErr_Format(PyExc_TypeError, "%s(): argument '%s' must have dtype int64 or int32 (class indices), "
                     "got %S", fn, name, s ? s : Py_None);
        Py_XDECREF(s);
        return NULL;
    }
    if (po_check_layout(fn, a, name, PO_ALLOW0D) < 0) return NULL;
    char why[96];
    PyOS_snprintf(why, sizeof why, "one label per row of '%s'", rows_of);
    if (po_check_shape(fn, a, name, 1, &N, why) < 0) return NULL;
    return a;
}

/* Labels checked by po_labels, as int64 for the kernels that read only int64 (the second-order
 * objectives): a new reference to `a` itself when it is int64, else to an int64 copy (labels are an
 * input, never written: the copy is private to the call). */
static PyArrayObject *po_labels_int64(PyArrayObject *a)
{
    if (PyArray_ITEMSIZE(a) == 8) {
        Py_INCREF(a);
        return a;
    }
    return (PyArrayObject *)PyArray_FromArray(a, PyArray_DescrFromType(NPY_INT64), NPY_ARRAY_CARRAY_RO |
                                              NPY_ARRAY_FORCECAST);
}

/* A required keyword-only float, parsed as an object (NULL: not given -> TypeError), so that a NaN value
 * is reported as invalid by the range check, not as missing; a non-number -> TypeError naming it. */
static int po_required_float(const char *fn, const char *name, PyObject *obj, double *v)
{
    if (obj == NULL) {
        PyErr_Format(PyExc_TypeError, "%s(): missing required keyword argument '%s'", fn, name);
        return -1;
    }
    double d = PyFloat_AsDouble(obj);
    if (d == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s(): argument '%s' must be a real number, got %.100s", fn, name,
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    *v = d;
    return 0;
}

/* The ranges the Adam family (adam, adamax, nadam, radam) shares, checked in this order: lr >= 0,
 * eps >= 0, beta1 and beta2 in [0, 1), weight_decay >= 0 (po_check_range's ValueError naming the first
 * one out of range). */
static int po_check_adam_hp(const char *fn, double lr, double eps, double beta1, double beta2, double wd)
{
    if (po_check_range(fn, "lr", lr, 0.0, INFINITY) < 0 || po_check_range(fn, "eps", eps, 0.0, INFINITY) < 0 ||
        po_check_range(fn, "beta1", beta1, 0.0, nextafter(1.0, 0.0)) < 0 ||
        po_check_range(fn, "beta2", beta2, 0.0, nextafter(1.0, 0.0)) < 0 ||
        po_check_range(fn, "weight_decay", wd, 0.0, INFINITY) < 0)
        return -1;
    return 0;
}

/* The arrays of a fused in-place update, in one call: objs[0] is the parameter (any float dtype, flags[0]),
 * objs[1..k) must have its dtype and shape (po_arr_like, flags[i]); then no two may share memory. On
 * success out[0..k) are borrowed arrays; -1 with the exception naming the argument otherwise. */
static int po_update_arrays(const char *fn, int k, PyObject **objs, const char **names, const int *flags,
                            PyArrayObject **out)
{
    if (!(out[0] = po_arr(fn, objs[0], names[0], flags[0]))) return -1;
    for (int i = 1; i < k; i++)
        if (!(out[i] = po_arr_like(fn, objs[i], names[i], flags[i], out[0], names[0]))) return -1;
    return po_check_disjoint(fn, k, out, names);
}

/* The kernel call of every wrapper: release the GIL, run NAME_f32 or NAME_f64 (by `is_f32`) on the same
 * arguments (array data as void *, sizes, a hyperparameter struct), store its status in `st`, reacquire. */
#define PO_CALL_NOGIL(st, is_f32, NAME, ...)                                                       \
    do {                                                                                           \
        Py_BEGIN_ALLOW_THREADS                                                                     \
        if (is_f32)                                                                                \
            (st) = NAME##_f32(__VA_ARGS__);                                                        \
        else                                                                                       \
            (st) = NAME##_f64(__VA_ARGS__);                                                        \
        Py_END_ALLOW_THREADS                                                                       \
    } while (0)

/* The last lines of every wrapper that returns None: PO_CALL_NOGIL, then a status other than PO_OK
 * raised by po_raise (module.c's status -> exception map), else None. Returns from the wrapper. */
#define PO_CALL_RETURN_NONE(fn, is_f32, NAME, ...)                                                 \
    do {                                                                                           \
        int st_;                                                                                   \
        PO_CALL_NOGIL(st_, is_f32, NAME, __VA_ARGS__);                                             \
        if (st_ != PO_OK) return po_raise(fn, st_);                                                \
        Py_RETURN_NONE;                                                                            \
    } while (0)

/* Which argument made PyArg_ParseTupleAndKeywords fail, for the error it raised (TypeError "must be real
 * number, not str", OverflowError "signed integer is greater than maximum": CPython's converters do not
 * say which argument): walk the format's units (O d i l n p s; '|' and '$' are markers, ':' ends it) beside
 * kwlist, take each number unit's object from args or kw, and name the first one its converter refuses.
 * Leaves the original error when no number argument is at fault (a missing or unexpected argument). */
static void po_parse_name_error(PyObject *args, PyObject *kw, const char *fmt, char **kwlist)
{
    const char *colon = strchr(fmt, ':');
    const char *fn = colon ? colon + 1 : "";
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    int k = 0;
    for (const char *c = fmt; *c && *c != ':' && *c != ';' && kwlist[k]; c++) {
        if (*c == '|' || *c == '$') continue;
        char unit = *c;
        const char *name = kwlist[k];
        PyObject *obj = k < nargs ? PyTuple_GET_ITEM(args, k) : (kw ? PyDict_GetItemString(kw, name) : NULL);
        k++;
        if (!obj || !strchr("diln", unit)) continue;
        PyObject *et, *ev, *etb;   /* the parser's error, kept unless the culprit is found */
        PyErr_Fetch(&et, &ev, &etb);
        int bad;
        const char *want = unit == 'd' ? "a real number" : "an integer";
        if (unit == 'd') {
            bad = PyFloat_AsDouble(obj) == -1.0 && PyErr_Occurred();
        } else {
            long long v = PyLong_AsLongLong(obj);   /* TypeError for a non-integer, OverflowError beyond it */
            bad = v == -1 && PyErr_Occurred();
            if (!bad && unit == 'i' && (v < INT_MIN || v > INT_MAX)) bad = 2;
            if (!bad && unit == 'l' && (v < LONG_MIN || v > LONG_MAX)) bad = 2;
            if (!bad && unit == 'n' && (v < PY_SSIZE_T_MIN || v > PY_SSIZE_T_MAX)) bad = 2;
            if (bad == 1 && PyErr_ExceptionMatches(PyExc_OverflowError)) bad = 2;
        }
        PyErr_Clear();
        if (!bad) {
            PyErr_Restore(et, ev, etb);
            continue;
        }
        Py_XDECREF(et);
        Py_XDECREF(ev);
        Py_XDECREF(etb);
        if (bad == 2)
            PyErr_Format(PyExc_OverflowError, "%s%sargument '%s' is out of range for a C %s, got %R", fn,
                         *fn ? "(): " : "", name, unit == 'i' ? "int" : unit == 'l' ? "long" : "Py_ssize_t", obj);
        else
            PyErr_Format(PyExc_TypeError, "%s%sargument '%s' must be %s, got %.100s", fn, *fn ? "(): " : "", name,
                         want, Py_TYPE(obj)->tp_name);
        return;
    }
}

/* PyArg_ParseTupleAndKeywords, and on a TypeError or OverflowError from a number converter, the same
 * exception type naming the argument (po_parse_name_error). Every wrapper parses through this. */
static int po_parse(PyObject *args, PyObject *kw, const char *fmt, char **kwlist, ...)
{
    va_list va;
    va_start(va, kwlist);
    int ok = PyArg_VaParseTupleAndKeywords(args, kw, fmt, kwlist, va);
    va_end(va);
    if (!ok && (PyErr_ExceptionMatches(PyExc_TypeError) || PyErr_ExceptionMatches(PyExc_OverflowError)))
        po_parse_name_error(args, kw, fmt, kwlist);
    return ok;
}

/* PyArg_ParseTuple for the positional-only wrappers, `names` naming the format's units in order (NULL
 * ended), with po_parse's named number errors. */
static int po_parse_tuple(PyObject *args, const char *fmt, char **names, ...)
{
    va_list va;
    va_start(va, names);
    int ok = PyArg_VaParse(args, fmt, va);
    va_end(va);
    if (!ok && (PyErr_ExceptionMatches(PyExc_TypeError) || PyErr_ExceptionMatches(PyExc_OverflowError)))
        po_parse_name_error(args, NULL, fmt, names);
    return ok;
}
