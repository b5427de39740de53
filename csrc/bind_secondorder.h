/* bind_secondorder.h -- wrappers for book 8.6: line searches, Newton, CG, BFGS, L-BFGS (linesearch.c,
 * secondorder.c) and their dense kernels and C objectives (linalg.c). Part of module.c (included there).
 * Static helpers carry the prefix so_.
 *
 * The solver loop calls Python through po_problem callbacks whose context (so_ctx) holds the Python
 * callables. While Python callables are involved the GIL stays held for the whole loop (the loop's
 * own cost is negligible next to a Python call); with a C objective and no Python callback the GIL is
 * released around the entire solve. A Python exception raised inside a callback stops the loop at
 * once (PO_ERR_CALLBACK) and propagates, with every reference released. */
#include "so.h"

/* ---- helpers ------------------------------------------------------------------------------------ */

/* A new 1-D float64 array holding a copy of x[0:n]. */
static PyObject *so_vec(const double *x, size_t n)
{
    npy_intp dim = (npy_intp)n;
    PyObject *a = PyArray_SimpleNew(1, &dim, NPY_FLOAT64);
    if (a && n) memcpy(PyArray_DATA((PyArrayObject *)a), x, n * sizeof(double));
    return a;
}

/* Copy `obj` (array-like of n floats, 1-D of shape (n,), or `ndim2` (n, n)) into out; ValueError
 * naming `what` on a wrong shape. */
static int so_copy_out(PyObject *obj, double *out, size_t n, int square, const char *what)
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
} so_ctx;

/* po_evaluate_fn through Python: fun(x) -> (f, g), or fun(x) -> f and jac(x) -> g. */
static int so_evaluate(void *vctx, const double *x, double *g, size_t n, double *f)
{
    so_ctx *c = (so_ctx *)vctx;
    if (c->model) return po_model_evaluate(c->model, x, g, n, f);
    PyObject *xa = so_vec(x, n), *r = NULL, *gobj = NULL;
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
    if (so_copy_out(gobj, g, n, 0, c->jac ? "jac" : "the gradient of fun") < 0) goto fail;
    *f = fv;
    st = PO_OK;
fail:
    Py_XDECREF(gobj);
    Py_XDECREF(r);
    Py_DECREF(xa);
    return st;
}

static int so_hess(void *vctx, const double *x, double *H, size_t n)
{
    so_ctx *c = (so_ctx *)vctx;
    PyObject *xa = so_vec(x, n);
    if (!xa) return PO_ERR_CALLBACK;
    PyObject *r = PyObject_CallOneArg(c->hess, xa);
    Py_DECREF(xa);
    if (!r) return PO_ERR_CALLBACK;
    int e = so_copy_out(r, H, n, 1, "hess");
    Py_DECREF(r);
    return e < 0 ? PO_ERR_CALLBACK : PO_OK;
}

static int so_hessp(void *vctx, const double *x, const double *p, double *Hp, size_t n)
{
    so_ctx *c = (so_ctx *)vctx;
    PyObject *xa = so_vec(x, n), *pa = so_vec(p, n), *r = NULL;
    if (xa && pa) r = PyObject_CallFunctionObjArgs(c->hessp, xa, pa, NULL);
    Py_XDECREF(xa);
    Py_XDECREF(pa);
    if (!r) return PO_ERR_CALLBACK;
    int e = so_copy_out(r, Hp, n, 0, "hessp");
    Py_DECREF(r);
    return e < 0 ? PO_ERR_CALLBACK : PO_OK;
}

/* After each iteration: append x to the path list; call callback(x, f); StopIteration -> stop. */
static int so_progress(void *vctx, long k, const double *x, double f, const double *g, size_t n)
{
    so_ctx *c = (so_ctx *)vctx;
    if (c->path) {
        PyObject *xa = so_vec(x, n);
        if (!xa) return PO_ERR_CALLBACK;
        int e = PyList_Append(c->path, xa);
        Py_DECREF(xa);
        if (e < 0) return PO_ERR_CALLBACK;
    }
    if (c->callback) {
        PyObject *xa = so_vec(x, n), *fv = PyFloat_FromDouble(f), *r = NULL;
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

/* Parse a functions._c_objective tuple into a po_model (arrays borrowed from the tuple, except the
 * softmax labels: *labels64 receives a new reference to them as int64, which the caller releases after
 * the solve; it stays NULL for the other objectives). */
static int so_parse_model(PyObject *t, po_model *md, size_t n, PyArrayObject **labels64)
{
    *labels64 = NULL;
    static const char *fn = "_minimize";
    memset(md, 0, sizeof(*md));
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) < 1 || !PyUnicode_Check(PyTuple_GET_ITEM(t, 0))) {
        PyErr_SetString(PyExc_TypeError, "_minimize(): model must be a tuple (kind, arrays...)");
        return -1;
    }
    const char *kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(t, 0));
    if (!kind) return -1;
    Py_ssize_t len = PyTuple_GET_SIZE(t);
    if (!strcmp(kind, "rosenbrock")) {
        md->kind = PO_OBJ_ROSENBROCK;
        return 0;
    }
    if (!strcmp(kind, "quadratic") && len == 3) {
        PyArrayObject *H = po_arr(fn, PyTuple_GET_ITEM(t, 1), "H", 0);
        PyArrayObject *b = H ? po_arr(fn, PyTuple_GET_ITEM(t, 2), "b", 0) : NULL;
        if (!b) return -1;
        size_t nn;
        if (PO_IS_F32(H) || PO_IS_F32(b) || PyArray_NDIM(H) != 2 || po_size_mul(n, n, &nn) || PO_SIZE(H) != nn ||
            PO_SIZE(b) != n) {
            PyErr_SetString(PyExc_ValueError, "_minimize(): quadratic model arrays do not match x0");
            return -1;
        }
        md->kind = PO_OBJ_QUADRATIC;
        md->H = PyArray_DATA(H);
        md->b = PyArray_DATA(b);
        return 0;
    }
    int glm = !strcmp(kind, "least_squares") ? PO_OBJ_LEAST_SQUARES : !strcmp(kind, "logistic") ? PO_OBJ_LOGISTIC
              : !strcmp(kind, "softmax") ? PO_OBJ_SOFTMAX : -1;
    if (glm >= 0 && len >= 4) {
        PyArrayObject *X = po_arr(fn, PyTuple_GET_ITEM(t, 1), "X", 0);
        if (!X) return -1;
        double l2 = PyFloat_AsDouble(PyTuple_GET_ITEM(t, 3));
        if (l2 == -1.0 && PyErr_Occurred()) return -1;
        PyObject *oy = PyTuple_GET_ITEM(t, 2);
        if (PO_IS_F32(X) || PyArray_NDIM(X) != 2) {
            PyErr_SetString(PyExc_ValueError, "_minimize(): model X must be a float64 matrix");
            return -1;
        }
        md->N = (size_t)PyArray_DIM(X, 0);
        md->D = (size_t)PyArray_DIM(X, 1);
        md->X = PyArray_DATA(X);
        md->l2 = l2;
        md->kind = glm;
        if (glm == PO_OBJ_SOFTMAX) {
            if (len != 5) goto bad;
            long K = PyLong_AsLong(PyTuple_GET_ITEM(t, 4));
            if (K == -1 && PyErr_Occurred()) return -1;
            PyArrayObject *lab = po_labels(fn, oy, "y", (npy_intp)md->N, "X");
            if (!lab) return -1;
            size_t DK;
            if (K < 1 || po_size_mul(md->D, (size_t)K, &DK) || DK != n) {
                PyErr_SetString(PyExc_ValueError, "_minimize(): softmax model arrays do not match x0");
                return -1;
            }
            if (!(*labels64 = po_labels_int64(lab))) return -1;
            md->K = (size_t)K;
            md->labels = PyArray_DATA(*labels64);
            return 0;
        }
        PyArrayObject *y = po_arr(fn, oy, "y", 0);
        if (!y) return -1;
        if (PO_IS_F32(y) || PO_SIZE(y) != md->N || md->D != n) {
            PyErr_SetString(PyExc_ValueError, "_minimize(): model arrays do not match x0");
            return -1;
        }
        md->y = PyArray_DATA(y);
        return 0;
    }
bad:
    PyErr_Format(PyExc_ValueError, "_minimize(): unknown C objective %R", t);
    return -1;
}

/* ---- the solver --------------------------------------------------------------------------------- */

PyDoc_STRVAR(so_minimize_doc,
"_minimize($module, fun, x0, *, jac=None, hess=None, hessp=None, callback=None, model=None, path=None,\n"
"          method=5, gtol=1e-5, ftol=0.0, maxiter=1000, maxfev=10000, m=10, beta=1, restart=0,\n"
"          damping=-1.0, saddle_free=False, cg_maxiter=0, line_search=0, c1=1e-4, c2=0.9,\n"
"          max_ls=25, tolerance_change=1e-9, xtol=1e-14, init_step=0,\n"
"          h0_scaled=True, norm=math.inf, xrtol=0.0, hess_inv0=None, state_out=None)\n--\n\n"
"The C iteration loop behind pyoptim.minimize (private: validate in Python first).\n\n"
"``hess_inv0``: BFGS's initial inverse Hessian, float64 (n, n). ``state_out``: written with BFGS's final\n"
"inverse Hessian (n, n), or L-BFGS's pairs (2m, n): s rows 0..nmem-1, y rows m..m+nmem-1, oldest first.\n"
"Returns (x, f, g, nit, nfev, njev, nhev, reason, nmem) with reason a PO_STOP_* code (csrc/so.h).");

static PyObject *py_so_minimize(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"fun", "x0", "jac", "hess", "hessp", "callback", "model", "path", "method", "gtol",
                             "ftol", "maxiter", "maxfev", "m", "beta", "restart", "damping", "saddle_free",
                             "cg_maxiter", "line_search", "c1", "c2", "max_ls", "tolerance_change", "xtol",
                             "init_step", "h0_scaled", "norm", "xrtol", "hess_inv0", "state_out", NULL};
    PyObject *ofun, *ox0, *ojac = Py_None, *ohess = Py_None, *ohessp = Py_None, *ocb = Py_None,
             *omodel = Py_None, *opath = Py_None, *oh0 = Py_None, *ostate = Py_None;
    po_min_param p;
    po_min_param_init(&p);
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|$OOOOOOiddlliildpliddiddipddOO:_minimize", kwlist, &ofun, &ox0,
                                     &ojac, &ohess, &ohessp, &ocb, &omodel, &opath, &p.method, &p.gtol,
                                     &p.ftol, &p.maxiter, &p.maxfev, &p.m, &p.beta, &p.restart, &p.damping,
                                     &p.saddle_free, &p.cg_maxiter, &p.ls.kind, &p.ls.c1, &p.ls.c2,
                                     &p.ls.max_ls, &p.ls.tolerance_change, &p.ls.xtol, &p.init_step,
                                     &p.h0_scaled, &p.norm, &p.xrtol, &oh0, &ostate))
        return NULL;
    PyArrayObject *x0 = po_arr("_minimize", ox0, "x0", 0);
    if (!x0) return NULL;
    if (PO_IS_F32(x0) || PyArray_NDIM(x0) != 1) {
        PyErr_SetString(PyExc_ValueError, "_minimize(): x0 must be a 1-D float64 array");
        return NULL;
    }
    if (oh0 != Py_None) {
        PyArrayObject *h0 = po_arr_shaped("_minimize", oh0, "hess_inv0", 0, x0, "x0", 2, PO_SIZE(x0), PO_SIZE(x0));
        if (!h0) return NULL;
        p.hess_inv0 = PyArray_DATA(h0);   /* borrowed from oh0: the caller holds it for the call */
    }
    if (ostate != Py_None) {
        size_t rows = p.method == PO_M_LBFGS ? 2 * (size_t)(p.m > 0 ? p.m : 1) : PO_SIZE(x0);
        PyArrayObject *so = po_arr_shaped("_minimize", ostate, "state_out", PO_W, x0, "x0", 2, rows, PO_SIZE(x0));
        if (!so) return NULL;
        p.state_out = PyArray_DATA(so);
    }
    if (opath != Py_None && !PyList_Check(opath)) {
        PyErr_SetString(PyExc_TypeError, "_minimize(): path must be a list or None");
        return NULL;
    }
    size_t n = PO_SIZE(x0);
    po_model md;
    so_ctx c = {ofun, ojac == Py_None ? NULL : ojac, ohess == Py_None ? NULL : ohess,
                ohessp == Py_None ? NULL : ohessp, ocb == Py_None ? NULL : ocb,
                opath == Py_None ? NULL : opath, NULL};
    /* The model's arrays (held by the model tuple, itself held by the call) are read by the C objective
     * between Python callbacks, which could otherwise free their memory with ndarray.resize(...,
     * refcheck=False): a weak reference on each makes NumPy refuse any resize until the solve ends. */
    PyObject *pins[4] = {NULL, NULL, NULL, NULL};
    PyArrayObject *labels64 = NULL;   /* the softmax model's labels as int64 (held for the solve) */
    if (omodel != Py_None) {
        if (so_parse_model(omodel, &md, n, &labels64) < 0) return NULL;
        c.model = &md;
        for (Py_ssize_t i = 1, j = 0; i < PyTuple_GET_SIZE(omodel) && j < 4; i++) {
            PyObject *it = PyTuple_GET_ITEM(omodel, i);
            if (!PyArray_Check(it)) continue;
            if (!(pins[j++] = PyWeakref_NewRef(it, NULL))) {
                for (int k = 0; k < 4; k++) Py_XDECREF(pins[k]);
                Py_XDECREF(labels64);
                return NULL;
            }
        }
    }
#define SO_UNPIN() do { for (int k_ = 0; k_ < 4; k_++) Py_XDECREF(pins[k_]); Py_XDECREF(labels64); } while (0)
    po_problem pb = {so_evaluate, c.hess ? so_hess : NULL, c.hessp ? so_hessp : NULL,
                     (c.callback || c.path) ? so_progress : NULL, &c};
    PyObject *xo = so_vec(PyArray_DATA(x0), n);   /* the loop works on this private copy of x0 */
    npy_intp dim = (npy_intp)n;
    PyObject *go = PyArray_ZEROS(1, &dim, NPY_FLOAT64, 0);
    if (!xo || !go) {
        Py_XDECREF(xo);
        Py_XDECREF(go);
        SO_UNPIN();
        return NULL;
    }
    po_min_result res;
    int st;
    double *xd = PyArray_DATA((PyArrayObject *)xo), *gd = PyArray_DATA((PyArrayObject *)go);
    if (c.model && !pb.hess && !pb.hessp && !pb.progress) {
        Py_BEGIN_ALLOW_THREADS
        st = po_minimize(&pb, n, xd, gd, &p, &res);
        Py_END_ALLOW_THREADS
    } else {
        st = po_minimize(&pb, n, xd, gd, &p, &res);
    }
    SO_UNPIN();
#undef SO_UNPIN
    if (st != PO_OK) {
        Py_DECREF(xo);
        Py_DECREF(go);
        return po_raise("minimize", st);
    }
    return Py_BuildValue("(NdNllllil)", xo, res.f, go, res.nit, res.nfev, res.njev, res.nhev, res.reason, res.nmem);
}

/* ---- line search ---------------------------------------------------------------------------------- */

PyDoc_STRVAR(line_search_doc,
"line_search($module, fun, x, d, f, g, *, t=1.0, kind='strong-wolfe', c1=1e-4, c2=0.9,\n"
"            tolerance_change=1e-9, max_ls=25, xtol=1e-14)\n--\n\n"
"Search for a step t along the descent direction d from x (value f, gradient g); float64 only.\n\n"
"    strong Wolfe:  f(x + t d) <= f + c1 t g'd   and   |g(x + t d)'d| <= c2 |g'd|\n"
"    backtracking:  f(x + t d) <= f + c1 t g'd   (Armijo; quadratic interpolation kept in [0.1t, 0.5t])\n\n"
"kind='strong-wolfe': bracketing, then zoom with safeguarded cubic interpolation (Nocedal & Wright\n"
"Algorithms 3.5 and 3.6, in minFunc's form as used by torch.optim.LBFGS's strong_wolfe).\n"
"kind='more-thuente': the same conditions by More & Thuente (1994), MINPACK-2's dcsrch as behind\n"
"scipy's BFGS and L-BFGS-B; it stops when the bracket is narrower than xtol times its right end. A trial\n"
"point where ``fun`` returns NaN or inf counts as too long a step: it is never accepted.\n"
"``fun(x) -> (value, gradient)``; at most ``max_ls + 1`` evaluations. The GIL is held, since every trial\n"
"calls ``fun``; pyoptim.minimize on a pyoptim.functions objective runs the same searches without it.\n\n"
"Returns\n-------\n"
"(t, f_new, x_new, g_new, nfev, outcome): outcome 0 = conditions met, 1 = decrease only (out of\n"
"evaluations), 2 = failed (no decrease; t = 0, x_new = x).\n\n"
"Raises\n------\n"
"ValueError when g'd >= 0 or is not finite (not a descent direction), when f is NaN or inf, or t is\n"
"not a finite value > 0; a Python exception from fun propagates.\n\n"
"x, d and g are copied before the first trial: fun may rewrite, resize or free them without effect on\n"
"the search.");

static PyObject *py_line_search(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "line_search";
    static char *kwlist[] = {"fun", "x", "d", "f", "g", "t", "kind", "c1", "c2", "tolerance_change", "max_ls", "xtol",
                             NULL};
    PyObject *ofun, *ox, *od, *og;
    double f0, t = 1.0;
    const char *kind = "strong-wolfe";
    po_ls_param p;
    po_ls_param_init(&p);
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOdO|$dsdddid:line_search", kwlist, &ofun, &ox, &od, &f0, &og, &t,
                                     &kind, &p.c1, &p.c2, &p.tolerance_change, &p.max_ls, &p.xtol))
        return NULL;
    if (!strcmp(kind, "strong-wolfe")) p.kind = PO_LS_STRONG_WOLFE;
    else if (!strcmp(kind, "backtracking")) p.kind = PO_LS_BACKTRACKING;
    else if (!strcmp(kind, "more-thuente")) p.kind = PO_LS_MORE_THUENTE;
    else {
        PyErr_Format(PyExc_ValueError, "line_search(): invalid kind: '%s' (expected 'strong-wolfe', 'more-thuente' or "
                     "'backtracking')", kind);
        return NULL;
    }
    /* f and t must be finite: from f = NaN every comparison fails and a NaN objective could "meet" the
     * curvature condition alone; from f = inf any finite value "decreases"; t = inf makes every trial
     * x + t d non-finite (issue 12: raise instead of reporting success) */
    if (po_check_range(fn, "f", f0, -INFINITY, INFINITY) < 0) return NULL;
    if (!(t > 0.0 && isfinite(t))) {
        char *sv = PyOS_double_to_string(t, 'r', 0, 0, NULL);
        PyErr_Format(PyExc_ValueError, "line_search(): invalid t: %s (expected a finite value > 0)", sv ? sv : "?");
        PyMem_Free(sv);
        return NULL;
    }
    if (po_check_range(fn, "c1", p.c1, 0.0, 1.0) < 0 || po_check_range(fn, "c2", p.c2, p.c1, 1.0) < 0 ||
        po_check_range(fn, "max_ls", p.max_ls, 0, 1e9) < 0 ||
        po_check_range(fn, "tolerance_change", p.tolerance_change, 0.0, INFINITY) < 0 ||
        po_check_range(fn, "xtol", p.xtol, 0.0, INFINITY) < 0)
        return NULL;
    if (!PyCallable_Check(ofun)) {
        PyErr_SetString(PyExc_TypeError, "line_search(): fun must be callable");
        return NULL;
    }
    PyArrayObject *x = po_arr(fn, ox, "x", 0);
    if (!x) return NULL;
    if (PO_IS_F32(x) || PyArray_NDIM(x) != 1) {
        PyErr_SetString(PyExc_TypeError, "line_search(): argument 'x' must be a 1-D float64 array");
        return NULL;
    }
    PyArrayObject *d = po_arr_like(fn, od, "d", 0, x, "x");
    PyArrayObject *g = d ? po_arr_like(fn, og, "g", 0, x, "x") : NULL;
    if (!g) return NULL;
    size_t n = PO_SIZE(x), nwork;
    if (po_size_mul(n, 6, &nwork) | po_size_add(nwork, 1, &nwork) | po_size_mul(nwork, sizeof(double), &nwork))
        return PyErr_NoMemory();
    double gtd = po_so_dot_f64(PyArray_DATA(g), PyArray_DATA(d), n);
    if (!(gtd < 0.0 && isfinite(gtd))) {
        char *sv = PyOS_double_to_string(gtd, 'r', 0, 0, NULL);
        PyErr_Format(PyExc_ValueError, "line_search(): d is not a descent direction (g'd = %s, expected a finite "
                     "value < 0)", sv ? sv : "?");
        PyMem_Free(sv);
        return NULL;
    }
    npy_intp dim = (npy_intp)n;
    PyObject *xo = PyArray_ZEROS(1, &dim, NPY_FLOAT64, 0), *go = PyArray_ZEROS(1, &dim, NPY_FLOAT64, 0);
    double *work = PyMem_Malloc(nwork);
    if (!xo || !go || !work) {
        Py_XDECREF(xo);
        Py_XDECREF(go);
        PyMem_Free(work);
        return PyErr_NoMemory();
    }
    /* Private copies of x, d and g: every trial calls fun (Python), which may rewrite, resize or free the
     * caller's arrays; the loop only ever reads these copies (3n doubles after the search's 3n + 1). */
    double *xc = work + 3 * n + 1, *dc = xc + n, *gc = dc + n;
    if (n) {
        memcpy(xc, PyArray_DATA(x), n * sizeof(double));
        memcpy(dc, PyArray_DATA(d), n * sizeof(double));
        memcpy(gc, PyArray_DATA(g), n * sizeof(double));
    }
    so_ctx c = {ofun, NULL, NULL, NULL, NULL, NULL, NULL};
    po_problem pb = {so_evaluate, NULL, NULL, NULL, &c};
    double fn_ = f0;
    int nfev = 0, outcome = PO_LS_FAILED;
    int st = po_line_search(&pb, n, xc, dc, f0, gc, gtd, &t, PyArray_DATA((PyArrayObject *)xo), &fn_,
                            PyArray_DATA((PyArrayObject *)go), work, &p, &nfev, &outcome);
    PyMem_Free(work);
    if (st != PO_OK) {
        Py_DECREF(xo);
        Py_DECREF(go);
        return po_raise(fn, st);
    }
    return Py_BuildValue("(ddNNii)", t, fn_, xo, go, nfev, outcome);
}

/* ---- dense kernels, float32 and float64 ----------------------------------------------------------- */

PyDoc_STRVAR(lbfgs_two_loop_doc,
"lbfgs_two_loop($module, d, g, s, y, rho, *, newest, count, gamma)\n--\n\n"
"The L-BFGS direction d = -H g by the two-loop recursion (Nocedal & Wright Algorithm 7.4; book 8.6.3),\n"
"written into ``d``. The pairs are rows of the ring buffers ``s`` and ``y`` (m x n): the newest at row\n"
"``newest``, then newest-1, ... (mod m), ``count`` pairs in all; ``rho[j] = 1 / (y_j's_j)``.\n\n"
"    q = -g;  for j newest -> oldest:  a_j = rho_j s_j'q,  q -= a_j y_j\n"
"    r = gamma q          (H0 = gamma I, usually gamma = s'y / y'y of the newest pair)\n"
"    for j oldest -> newest:  b_j = rho_j y_j'r,  r += (a_j - b_j) s_j;   d = r\n\n"
"Memory O(mn). Same order of operations as torch.optim.LBFGS; dot products accumulate in double.\n\n"
"Parameters\n----------\n"
"d : ndarray (n,), written;  g : ndarray (n,);  s, y : ndarray (m, n);  rho : ndarray (m,)\n"
"newest : int in [0, m);  count : int in [0, m];  gamma : float, finite\n\n"
"Raises\n------\n"
"TypeError when newest, count or gamma is missing; ValueError for a non-finite gamma, newest or\n"
"count out of range, shapes, layout, read-only or overlapping arrays.");

static PyObject *py_lbfgs_two_loop(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "lbfgs_two_loop";
    static char *kwlist[] = {"d", "g", "s", "y", "rho", "newest", "count", "gamma", NULL};
    PyObject *od, *og, *os, *oy, *orho, *ogamma = NULL;   /* ogamma NULL: not given */
    Py_ssize_t newest = PY_SSIZE_T_MIN, count = PY_SSIZE_T_MIN;   /* sentinels: not given */
    double gamma;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOOO|$nnO:lbfgs_two_loop", kwlist, &od, &og, &os, &oy, &orho,
                                     &newest, &count, &ogamma))
        return NULL;
    if (newest == PY_SSIZE_T_MIN || count == PY_SSIZE_T_MIN || ogamma == NULL) {
        PyErr_SetString(PyExc_TypeError, "lbfgs_two_loop(): keyword arguments 'newest', 'count' and 'gamma' are required");
        return NULL;
    }
    gamma = PyFloat_AsDouble(ogamma);
    if (gamma == -1.0 && PyErr_Occurred()) return NULL;
    if (po_check_range(fn, "gamma", gamma, -INFINITY, INFINITY) < 0) return NULL;
    PyArrayObject *d = po_arr(fn, od, "d", PO_W);
    if (!d) return NULL;
    if (po_check_dims(fn, d, "d", 1, PO_SIZE(d), 0) < 0) return NULL;
    size_t n = PO_SIZE(d);
    PyArrayObject *g = po_arr_shaped(fn, og, "g", 0, d, "d", 1, n, 0);
    PyArrayObject *s = g ? po_arr(fn, os, "s", 0) : NULL;
    if (!s) return NULL;
    size_t m = PyArray_NDIM(s) == 2 ? (size_t)PyArray_DIM(s, 0) : 0;
    if (po_arr_shaped(fn, os, "s", 0, d, "d", 2, m, n) == NULL) return NULL;
    PyArrayObject *y = po_arr_shaped(fn, oy, "y", 0, d, "d", 2, m, n);
    PyArrayObject *rho = y ? po_arr_shaped(fn, orho, "rho", 0, d, "d", 1, m, 0) : NULL;
    if (!rho) return NULL;
    if (po_check_range(fn, "count", (double)count, 0, (double)m) < 0) return NULL;
    /* newest indexes a row of the ring buffers even when no pair is stored yet */
    if (po_check_range(fn, "newest", (double)newest, 0, m > 0 ? (double)m - 1 : 0.0) < 0) return NULL;
    PyArrayObject *arrs[] = {d, g, s, y, rho};
    const char *names[] = {"d", "g", "s", "y", "rho"};
    if (po_check_disjoint(fn, 5, arrs, names) < 0) return NULL;
    int st;
    PO_CALL_NOGIL(st, PO_IS_F32(d), po_lbfgs_two_loop,
                  PyArray_DATA(d), PyArray_DATA(g), PyArray_DATA(s), PyArray_DATA(y), PyArray_DATA(rho), n,
                  m ? m : 1, (size_t)newest, (size_t)count, gamma);
    if (st != PO_OK) return po_raise(fn, st);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(bfgs_update_doc,
"bfgs_update($module, H, s, y)\n--\n\n"
"The BFGS update of the inverse-Hessian approximation H (n x n), in place (Nocedal & Wright eq. 6.17;\n"
"book 8.6.3):\n\n"
"    rho = 1 / (y's)\n"
"    H <- (I - rho s y') H (I - rho y s') + rho s s'\n\n"
"computed in this product form in O(n^2) (u = H'y; rows of P H with P_ii = 1 - rho s_i y_i formed\n"
"first, as in the explicit product), accumulating in double. The algebraically equal expanded form\n"
"H - rho (s (Hy)' + (Hy) s') + (rho^2 y'Hy + rho) s s' cancels catastrophically when |H| is much larger\n"
"than the update (H = [[1.26e33]], s = y = [0.126] gave 0 instead of 1), so it is not used.\n"
"s = x_{k+1} - x_k, y = g_{k+1} - g_k. Returns True if H was updated, False if skipped because\n"
"y's <= 0 (the curvature condition fails: the update would lose positive definiteness).\n"
"s and y may be the same array; H may not share memory with either.");

static PyObject *py_bfgs_update(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "bfgs_update";
    static char *kwlist[] = {"H", "s", "y", NULL};
    PyObject *oH, *os, *oy;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO:bfgs_update", kwlist, &oH, &os, &oy)) return NULL;
    PyArrayObject *s = po_arr(fn, os, "s", 0);
    if (!s) return NULL;
    size_t n = PO_SIZE(s);
    if (po_check_dims(fn, s, "s", 1, n, 0) < 0) return NULL;
    PyArrayObject *H = po_arr_shaped(fn, oH, "H", PO_W, s, "s", 2, n, n);
    PyArrayObject *y = H ? po_arr_shaped(fn, oy, "y", 0, s, "s", 1, n, 0) : NULL;
    if (!y) return NULL;
    /* only the target H must not overlap an input; s and y are read-only and may be the same array */
    PyArrayObject *arrs_s[] = {H, s}, *arrs_y[] = {H, y};
    const char *names_s[] = {"H", "s"}, *names_y[] = {"H", "y"};
    if (po_check_disjoint(fn, 2, arrs_s, names_s) < 0 || po_check_disjoint(fn, 2, arrs_y, names_y) < 0) return NULL;
    size_t nbytes;
    if (po_size_mul(n, 2, &nbytes) | po_size_add(nbytes, 1, &nbytes) | po_size_mul(nbytes, sizeof(double), &nbytes))
        return PyErr_NoMemory();
    double *work = PyMem_Malloc(nbytes);
    if (!work) return PyErr_NoMemory();
    int st;
    Py_BEGIN_ALLOW_THREADS
    if (PO_IS_F32(s)) st = po_bfgs_update_f32(PyArray_DATA(H), PyArray_DATA(s), PyArray_DATA(y), n, work);
    else st = po_bfgs_update_f64(PyArray_DATA(H), PyArray_DATA(s), PyArray_DATA(y), n, work);
    Py_END_ALLOW_THREADS
    PyMem_Free(work);
    return PyBool_FromLong(st == PO_OK);
}

PyDoc_STRVAR(cholesky_solve_doc,
"cholesky_solve($module, x, A, b, *, shift=0.0)\n--\n\n"
"Solve (A + shift I) x = b for symmetric positive definite A by Cholesky, into ``x`` (book 8.6.1:\n"
"the Newton step H d = -g, damped by shift = lambda as in H + lambda I):\n\n"
"    L L' = A + shift I   (Cholesky-Banachiewicz, lower L),   L z = b,   L' x = z\n\n"
"Only the lower triangle of A is read. Raises numpy.linalg.LinAlgError if A + shift I is not\n"
"positive definite (then increase the shift: Nocedal & Wright Algorithm 3.3).");

static PyObject *py_cholesky_solve(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "cholesky_solve";
    static char *kwlist[] = {"x", "A", "b", "shift", NULL};
    PyObject *ox, *oA, *ob;
    double shift = 0.0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO|$d:cholesky_solve", kwlist, &ox, &oA, &ob, &shift)) return NULL;
    if (po_check_range(fn, "shift", shift, -INFINITY, INFINITY) < 0) return NULL;
    PyArrayObject *x = po_arr(fn, ox, "x", PO_W);
    if (!x) return NULL;
    size_t n = PO_SIZE(x);
    if (po_check_dims(fn, x, "x", 1, n, 0) < 0) return NULL;
    PyArrayObject *A = po_arr_shaped(fn, oA, "A", 0, x, "x", 2, n, n);
    PyArrayObject *b = A ? po_arr_shaped(fn, ob, "b", 0, x, "x", 1, n, 0) : NULL;
    if (!b) return NULL;
    PyArrayObject *arrs[] = {x, A, b};
    const char *names[] = {"x", "A", "b"};
    if (po_check_disjoint(fn, 3, arrs, names) < 0) return NULL;
    size_t nbytes;
    if (po_size_mul3(n, n, sizeof(double), &nbytes) | po_size_add(nbytes, 1, &nbytes)) return PyErr_NoMemory();
    void *L = PyMem_Malloc(nbytes);
    if (!L) return PyErr_NoMemory();
    int st;
    Py_BEGIN_ALLOW_THREADS
    if (PO_IS_F32(x)) {
        st = po_cholesky_f32(L, PyArray_DATA(A), n, shift);
        if (st == PO_OK) po_cholesky_solve_lower_f32(PyArray_DATA(x), L, PyArray_DATA(b), n);
    } else {
        st = po_cholesky_f64(L, PyArray_DATA(A), n, shift);
        if (st == PO_OK) po_cholesky_solve_lower_f64(PyArray_DATA(x), L, PyArray_DATA(b), n);
    }
    Py_END_ALLOW_THREADS
    PyMem_Free(L);
    if (st != PO_OK) return po_raise(fn, st);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(sym_eig_doc,
"sym_eig($module, w, V, A)\n--\n\n"
"Eigendecomposition of the symmetric matrix A = V diag(w) V' by cyclic Jacobi rotations (Golub & Van\n"
"Loan Algorithm 8.5.3), into ``w`` (ascending) and ``V`` (eigenvectors in the columns). For the\n"
"saddle-free Newton step of book 8.2.3 (Dauphin et al. 2014): d = -V |diag(w)|^-1 V' g.\n\n"
"    rotation (p, q): theta = (a_qq - a_pp) / (2 a_pq), t = sign(theta) / (|theta| + sqrt(theta^2 + 1)),\n"
"    c = 1 / sqrt(t^2 + 1), s = t c;  A <- P'AP,  V <- VP;  until off(A)^2 <= 1e-32 ||A||_F^2\n\n"
"O(n^3) per sweep: meant for small n (the symmetric part (A + A')/2 is used).");

static PyObject *py_sym_eig(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "sym_eig";
    static char *kwlist[] = {"w", "V", "A", NULL};
    PyObject *ow, *oV, *oA;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO:sym_eig", kwlist, &ow, &oV, &oA)) return NULL;
    PyArrayObject *w = po_arr(fn, ow, "w", PO_W);
    if (!w) return NULL;
    size_t n = PO_SIZE(w);
    if (po_check_dims(fn, w, "w", 1, n, 0) < 0) return NULL;
    PyArrayObject *V = po_arr_shaped(fn, oV, "V", PO_W, w, "w", 2, n, n);
    PyArrayObject *A = V ? po_arr_shaped(fn, oA, "A", 0, w, "w", 2, n, n) : NULL;
    if (!A) return NULL;
    PyArrayObject *arrs[] = {w, V, A};
    const char *names[] = {"w", "V", "A"};
    if (po_check_disjoint(fn, 3, arrs, names) < 0) return NULL;
    size_t nbytes;
    if (po_size_mul3(n, n, 2 * sizeof(double), &nbytes) | po_size_add(nbytes, 1, &nbytes)) return PyErr_NoMemory();
    double *work = PyMem_Malloc(nbytes);
    if (!work) return PyErr_NoMemory();
    int st;
    Py_BEGIN_ALLOW_THREADS
    if (PO_IS_F32(w)) st = po_sym_eig_f32(PyArray_DATA(w), PyArray_DATA(V), PyArray_DATA(A), n, work);
    else st = po_sym_eig_f64(PyArray_DATA(w), PyArray_DATA(V), PyArray_DATA(A), n, work);
    Py_END_ALLOW_THREADS
    PyMem_Free(work);
    if (st != PO_OK) return po_raise(fn, st);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(cg_step_doc,
"cg_step($module, x, r, p, Ap, rr)\n--\n\n"
"One iteration of linear conjugate gradients for A x = b (Nocedal & Wright Algorithm 5.2; book 8.6.2),\n"
"in place on x, the residual r = b - A x and the direction p, given Ap = A p and rr = r'r:\n\n"
"    alpha = rr / (p'Ap);  x += alpha p;  r -= alpha Ap;  rr' = r'r;  p <- r + (rr' / rr) p\n\n"
"Returns rr'. Raises ValueError unless rr > 0: rr = r'r = 0 means r = 0, i.e. CG has already converged\n"
"(stop before calling; the step would divide by zero), and nothing is written. Raises\n"
"numpy.linalg.LinAlgError when p'Ap <= 0 (A is not positive definite).");

static PyObject *py_cg_step(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "cg_step";
    static char *kwlist[] = {"x", "r", "p", "Ap", "rr", NULL};
    PyObject *ox, *or_, *op, *oAp;
    double rr;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOOd:cg_step", kwlist, &ox, &or_, &op, &oAp, &rr)) return NULL;
    if (!(rr > 0.0 && isfinite(rr))) {
        char *sv = PyOS_double_to_string(rr, 'r', 0, 0, NULL);
        PyErr_Format(PyExc_ValueError, "cg_step(): invalid rr: %s (expected a finite r'r > 0; rr = 0 means the residual is "
                     "zero: CG has converged, stop before calling cg_step)", sv ? sv : "?");
        PyMem_Free(sv);
        return NULL;
    }
    PyArrayObject *x = po_arr(fn, ox, "x", PO_W);
    if (!x) return NULL;
    size_t n = PO_SIZE(x);
    if (po_check_dims(fn, x, "x", 1, n, 0) < 0) return NULL;
    PyArrayObject *r = po_arr_shaped(fn, or_, "r", PO_W, x, "x", 1, n, 0);
    PyArrayObject *p = r ? po_arr_shaped(fn, op, "p", PO_W, x, "x", 1, n, 0) : NULL;
    PyArrayObject *Ap = p ? po_arr_shaped(fn, oAp, "Ap", 0, x, "x", 1, n, 0) : NULL;
    if (!Ap) return NULL;
    PyArrayObject *arrs[] = {x, r, p, Ap};
    const char *names[] = {"x", "r", "p", "Ap"};
    if (po_check_disjoint(fn, 4, arrs, names) < 0) return NULL;
    double rn = 0.0;
    int st;
    Py_BEGIN_ALLOW_THREADS
    if (PO_IS_F32(x)) st = po_cg_step_f32(PyArray_DATA(x), PyArray_DATA(r), PyArray_DATA(p), PyArray_DATA(Ap), n, rr, &rn);
    else st = po_cg_step_f64(PyArray_DATA(x), PyArray_DATA(r), PyArray_DATA(p), PyArray_DATA(Ap), n, rr, &rn);
    Py_END_ALLOW_THREADS
    if (st != PO_OK) return po_raise(fn, st);
    return PyFloat_FromDouble(rn);
}

PyDoc_STRVAR(coordinate_descent_sweep_doc,
"coordinate_descent_sweep($module, x, A, b, *, l1=0.0, path=None)\n--\n\n"
"One sweep of exact cyclic coordinate descent (book 8.7.2) on f(x) = x'Ax/2 - b'x + l1 |x|_1, in place\n"
"on ``x``: for i = 0 .. n-1 in turn,\n\n"
"    x_i <- S(b_i - sum_{j != i} A_ij x_j, l1) / A_ii,     S(z, l) = sign(z) max(|z| - l, 0)\n\n"
"the exact minimizer over x_i with the others fixed (soft-thresholding when l1 > 0: the lasso).\n"
"``path`` (n x n, optional) receives x after each coordinate update (row i). Returns max_i |dx_i|.\n\n"
"Non-finite values follow IEEE arithmetic (docs/nonfinite.md): a NaN in b, x or A reaching z_i (or a\n"
"NaN A_ii) makes x_i NaN, and it spreads to later coordinates through the sums; the returned change is\n"
"then NaN. Inside the threshold (|z| <= l1) x_i is exactly 0, also when A_ii = 0.");

static PyObject *py_coordinate_descent_sweep(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "coordinate_descent_sweep";
    static char *kwlist[] = {"x", "A", "b", "l1", "path", NULL};
    PyObject *ox, *oA, *ob, *opath = Py_None;
    double l1 = 0.0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO|$dO:coordinate_descent_sweep", kwlist, &ox, &oA, &ob, &l1, &opath))
        return NULL;
    if (po_check_range(fn, "l1", l1, 0.0, INFINITY) < 0) return NULL;
    PyArrayObject *x = po_arr(fn, ox, "x", PO_W);
    if (!x) return NULL;
    size_t n = PO_SIZE(x);
    if (po_check_dims(fn, x, "x", 1, n, 0) < 0) return NULL;
    PyArrayObject *A = po_arr_shaped(fn, oA, "A", 0, x, "x", 2, n, n);
    PyArrayObject *b = A ? po_arr_shaped(fn, ob, "b", 0, x, "x", 1, n, 0) : NULL;
    if (!b) return NULL;
    PyArrayObject *path = NULL;
    if (opath != Py_None && !(path = po_arr_shaped(fn, opath, "path", PO_W, x, "x", 2, n, n))) return NULL;
    PyArrayObject *arrs[] = {x, A, b, path};
    const char *names[] = {"x", "A", "b", "path"};
    if (po_check_disjoint(fn, 4, arrs, names) < 0) return NULL;
    double ch;
    PO_CALL_NOGIL(ch, PO_IS_F32(x), po_cd_sweep,
                  PyArray_DATA(x), PyArray_DATA(A), PyArray_DATA(b), n, l1, path ? PyArray_DATA(path) : NULL);
    return PyFloat_FromDouble(ch);
}

/* ---- objectives ------------------------------------------------------------------------------------ */

PyDoc_STRVAR(rosenbrock_value_and_grad_doc,
"rosenbrock_value_and_grad($module, g, x)\n--\n\n"
"Extended Rosenbrock (scipy.optimize.rosen): returns f and writes the gradient into ``g``.\n\n"
"    f = sum_{i<n-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2\n"
"    g_i = -400 x_i (x_{i+1} - x_i^2) - 2 (1 - x_i)  [i < n-1]  + 200 (x_i - x_{i-1}^2)  [i > 0]");

static PyObject *py_rosenbrock_value_and_grad(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "rosenbrock_value_and_grad";
    static char *kwlist[] = {"g", "x", NULL};
    PyObject *og, *ox;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO:rosenbrock_value_and_grad", kwlist, &og, &ox)) return NULL;
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
"The quadratic f = x'Hx/2 - b'x: returns f and writes g = Hx - b (H symmetric, n x n).");

static PyObject *py_quadratic_value_and_grad(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "quadratic_value_and_grad";
    static char *kwlist[] = {"g", "x", "H", "b", NULL};
    PyObject *og, *ox, *oH, *ob;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOO:quadratic_value_and_grad", kwlist, &og, &ox, &oH, &ob)) return NULL;
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
static PyObject *so_model_vg(const char *fn, int kind, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"g", "w", "X", "y", "l2", "n_classes", NULL};
    static char *kwlist5[] = {"g", "w", "X", "y", "l2", NULL};
    PyObject *og, *ow, *oX, *oy;
    double l2 = 0.0;
    Py_ssize_t K = 1;
    if (kind == 2 ? !PyArg_ParseTupleAndKeywords(args, kw, "OOOO|$dn", kwlist, &og, &ow, &oX, &oy, &l2, &K)
                  : !PyArg_ParseTupleAndKeywords(args, kw, "OOOO|$d", kwlist5, &og, &ow, &oX, &oy, &l2))
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
"thread count).");

static PyObject *py_least_squares_value_and_grad(PyObject *self, PyObject *args, PyObject *kw)
{
    return so_model_vg("least_squares_value_and_grad", 0, args, kw);
}

PyDoc_STRVAR(logistic_value_and_grad_doc,
"logistic_value_and_grad($module, g, w, X, y, *, l2=0.0)\n--\n\n"
"Binary logistic regression (y in {0, 1}), value returned and gradient written into ``g``, in one\n"
"fused pass over the rows of X (z = Xw, sigma(z) = 1/(1 + e^-z)):\n\n"
"    f = (1/N) sum_i [log(1 + e^{z_i}) - y_i z_i] + (l2/2) ||w||^2,    g = X'(sigma(z) - y)/N + l2 w\n\n"
"log(1 + e^z) = max(z, 0) + log1p(e^-|z|) (no overflow). X (N, D), y (N,), w and g (D,).");

static PyObject *py_logistic_value_and_grad(PyObject *self, PyObject *args, PyObject *kw)
{
    return so_model_vg("logistic_value_and_grad", 1, args, kw);
}

PyDoc_STRVAR(softmax_value_and_grad_doc,
"softmax_value_and_grad($module, g, w, X, y, *, l2=0.0, n_classes=1)\n--\n\n"
"Softmax regression with K = n_classes, W = w.reshape(D, K), Z = XW; value returned, gradient\n"
"written into ``g``, in one pass over the rows of X:\n\n"
"    f = (1/N) sum_i [logsumexp(Z_i) - Z_{i, y_i}] + (l2/2) ||W||^2,    G = X'(softmax(Z) - Y)/N + l2 W\n\n"
"y: int64 or int32 labels in [0, K) (ValueError otherwise), native byte order (TypeError otherwise), aligned\n"
"and C-contiguous (ValueError otherwise). X (N, D), w and g (D*K,).");

static PyObject *py_softmax_value_and_grad(PyObject *self, PyObject *args, PyObject *kw)
{
    return so_model_vg("softmax_value_and_grad", 2, args, kw);
}

#define SO_KW(name) {#name, (PyCFunction)(void (*)(void))py_##name, METH_VARARGS | METH_KEYWORDS, name##_doc},
#define PO_SECONDORDER_METHODS \
    {"_minimize", (PyCFunction)(void (*)(void))py_so_minimize, METH_VARARGS | METH_KEYWORDS, so_minimize_doc}, \
    SO_KW(line_search) SO_KW(lbfgs_two_loop) SO_KW(bfgs_update) SO_KW(cholesky_solve) SO_KW(sym_eig) \
    SO_KW(cg_step) SO_KW(coordinate_descent_sweep) SO_KW(rosenbrock_value_and_grad) SO_KW(quadratic_value_and_grad) \
    SO_KW(least_squares_value_and_grad) SO_KW(logistic_value_and_grad) SO_KW(softmax_value_and_grad)
