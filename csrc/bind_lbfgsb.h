/* bind_lbfgsb.h -- the wrapper of lbfgsb.c (L-BFGS-B), included by module.c after
 * bind_secondorder_bridge.h, whose Python callback bridge (po_bridge_ctx, po_bridge_evaluate,
 * po_bridge_progress, po_bridge_vec) it reuses: the objective is called exactly as by _minimize's loop. The GIL stays held for the whole solve (every evaluation is a
 * Python call). */
#include "lbfgsb.h"

PyDoc_STRVAR(lbfgsb_doc,
"_lbfgsb($module, fun, x0, lo, hi, *, callback=None, path=None, m=10, pgtol=1e-05,\n"
"        ftol=2.220446049250313e-09, maxiter=15000, maxfun=15000, maxls=20, state_out=None)\n--\n\n"
"L-BFGS-B: minimize f over the box lo <= x <= hi (private: pyoptim.minimize(method='lbfgs', bounds=...)\n"
"validates first). float64 only.\n\n"
"Each iteration, with the compact limited-memory matrix B = theta I - W M W', W = [Y, theta S],\n"
"M = [[-D, L'], [L, theta S'S]]^-1 (Byrd, Lu, Nocedal & Zhu 1995, (3.2)-(3.4)):\n\n"
"    xcp = the first minimizer of g'(z - x) + (z - x)'B(z - x)/2 along P(x - t g)   (generalized Cauchy point)\n"
"    z   = P(xcp + Z du), du = -B_F^-1 Z'(g + B(xcp - x)) on the free variables F   (subspace step;\n"
"          backtracked to the first bound when (z - x)'g > 0, Morales & Nocedal 2011)\n"
"    x  <- x + t (z - x), t by More-Thuente's dcsrch (ftol 1e-3, gtol 0.9, xtol 0.1), t <= stpmax\n\n"
"``fun(x) -> (f, g)``; ``lo``/``hi`` float64 like x0 (-inf / +inf: no bound; lo <= hi, no NaN); x0 is\n"
"projected onto the box. ``callback(x, f)`` after each iteration (StopIteration stops); ``path`` a list\n"
"receiving each iterate. ``m``: pairs kept (maxcor); stops when max|P(x - g) - x| <= pgtol, when\n"
"(f_prev - f) <= ftol max(|f_prev|, |f|, 1), after maxiter iterations, or after an iteration that took\n"
"the evaluations past maxfun; ``maxls`` evaluations per line search. ``state_out`` (2m, n): s rows\n"
"0..nmem-1, y rows m..m+nmem-1, oldest first.\n\n"
"Returns (x, f, g, nit, nfev, reason, nmem), reason a PO_STOP_* code (csrc/so.h).\n\n"
"Raises\n------\n"
"ValueError for a bad array, NaN bounds, lo > hi, or an option out of range; a Python exception from\n"
"fun or callback propagates.");

static PyObject *py_lbfgsb(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "_lbfgsb";
    static char *kwlist[] = {"fun", "x0", "lo", "hi", "callback", "path", "m", "pgtol", "ftol", "maxiter",
                             "maxfun", "maxls", "state_out", NULL};
    PyObject *ofun, *ox0, *olo, *ohi, *ocb = Py_None, *opath = Py_None, *ostate = Py_None;
    po_lbfgsb_param p;
    po_lbfgsb_param_init(&p);
    if (!po_parse(args, kw, "OOOO|$OOiddlliO:_lbfgsb", kwlist, &ofun, &ox0, &olo, &ohi, &ocb,
                                     &opath, &p.m, &p.pgtol, &p.ftol, &p.maxiter, &p.maxfun, &p.maxls, &ostate))
        return NULL;
    PyArrayObject *x0 = po_arr(fn, ox0, "x0", 0);
    if (!x0) return NULL;
    if (PO_IS_F32(x0) || PyArray_NDIM(x0) != 1 || PO_SIZE(x0) == 0) {
        PyErr_SetString(PyExc_ValueError, "_lbfgsb(): x0 must be a non-empty 1-D float64 array");
        return NULL;
    }
    size_t n = PO_SIZE(x0);
    PyArrayObject *lo = po_arr_like(fn, olo, "lo", 0, x0, "x0");
    PyArrayObject *hi = lo ? po_arr_like(fn, ohi, "hi", 0, x0, "x0") : NULL;
    if (!hi) return NULL;
    if (p.m < 1 || p.maxls < 1 || p.maxfun < 1 || p.maxiter < 0) {
        PyErr_Format(PyExc_ValueError, "_lbfgsb(): invalid m, maxls, maxfun or maxiter: %d, %d, %ld, %ld "
                     "(expected m, maxls, maxfun >= 1 and maxiter >= 0)", p.m, p.maxls, p.maxfun, p.maxiter);
        return NULL;
    }
    if (po_check_range(fn, "pgtol", p.pgtol, 0.0, INFINITY) < 0 ||
        po_check_range(fn, "ftol", p.ftol, 0.0, INFINITY) < 0)
        return NULL;
    if (ostate != Py_None) {
        PyArrayObject *so = po_arr_shaped(fn, ostate, "state_out", PO_W, x0, "x0", 2, 2 * (size_t)p.m, n);
        if (!so) return NULL;
        p.state_out = PyArray_DATA(so);   /* borrowed: the caller holds state_out for the call */
    }
    if (opath != Py_None && !PyList_Check(opath)) {
        PyErr_SetString(PyExc_TypeError, "_lbfgsb(): path must be a list or None");
        return NULL;
    }
    /* private copies of the bounds (a callback may resize or rewrite the caller's arrays), then x and g */
    size_t nb;
    if (po_size_mul(n, 2 * sizeof(double), &nb)) return PyErr_NoMemory();
    double *box = PyMem_Malloc(nb);
    if (!box) return PyErr_NoMemory();
    memcpy(box, PyArray_DATA(lo), n * sizeof(double));
    memcpy(box + n, PyArray_DATA(hi), n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        if (isnan(box[i]) || isnan(box[n + i]) || box[i] > box[n + i]) {
            PyObject *vl = PyFloat_FromDouble(box[i]), *vh = PyFloat_FromDouble(box[n + i]);
            if (vl && vh)
                PyErr_Format(PyExc_ValueError, "_lbfgsb(): invalid bounds at index %zu: lo = %R, hi = %R "
                             "(expected lo <= hi, no NaN)", i, vl, vh);
            Py_XDECREF(vl);
            Py_XDECREF(vh);
            PyMem_Free(box);
            return NULL;
        }
    po_bridge_ctx c = {ofun, NULL, NULL, NULL, ocb == Py_None ? NULL : ocb, opath == Py_None ? NULL : opath, NULL};
    po_problem pb = {po_bridge_evaluate, NULL, NULL, (c.callback || c.path) ? po_bridge_progress : NULL, &c};
    PyObject *xo = po_bridge_vec(PyArray_DATA(x0), n);
    npy_intp dim = (npy_intp)n;
    PyObject *go = PyArray_ZEROS(1, &dim, NPY_FLOAT64, 0);
    /* the pin keeps a callback from resizing state_out (and freeing its memory) during the solve */
    PyObject *pin = p.state_out ? po_pin((PyArrayObject *)ostate) : NULL;
    if (!xo || !go || (p.state_out && !pin)) {
        Py_XDECREF(xo);
        Py_XDECREF(go);
        Py_XDECREF(pin);
        PyMem_Free(box);
        return NULL;
    }
    po_lbfgsb_result res;
    int st = po_lbfgsb(&pb, n, PyArray_DATA((PyArrayObject *)xo), PyArray_DATA((PyArrayObject *)go), box, box + n,
                       &p, &res);
    Py_XDECREF(pin);
    PyMem_Free(box);
    if (st != PO_OK) {
        Py_DECREF(xo);
        Py_DECREF(go);
        return po_raise("minimize", st);
    }
    return Py_BuildValue("(NdNllil)", xo, res.f, go, res.nit, res.nfev, res.reason, res.nmem);
}

#define PO_LBFGSB_METHODS \
    {"_lbfgsb", (PyCFunction)(void (*)(void))py_lbfgsb, METH_VARARGS | METH_KEYWORDS, lbfgsb_doc},
