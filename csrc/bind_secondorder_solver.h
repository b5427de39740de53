/* bind_secondorder_solver.h -- the solver bindings of book 8.6: _minimize (the C iteration loop behind
 * pyoptim.minimize: Newton, CG, BFGS, L-BFGS; secondorder.c) and line_search (linesearch.c), with the
 * parser of pyoptim.functions' C objectives. Part of module.c (included there, after
 * bind_secondorder_bridge.h, whose callbacks it installs). */

/* Parse a functions._c_objective tuple into a po_model (arrays borrowed from the tuple, except the
 * softmax labels: *labels64 receives a new reference to them as int64, which the caller releases after
 * the solve; it stays NULL for the other objectives). */
static int po_parse_c_objective(PyObject *t, po_model *md, size_t n, PyArrayObject **labels64)
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

/* _minimize's optional matrices: hess_inv0 (n, n) and state_out (BFGS (n, n), L-BFGS (2m, n), writable) into
 * p, borrowed from the caller's objects (held for the call) and pinned in pins[0..1] (po_pin: a callback or
 * another thread cannot free their memory during the solve). Returns -1 with an exception set. */
static int po_min_matrices(PyObject *oh0, PyObject *ostate, PyArrayObject *x0, po_min_param *p, PyObject **pins)
{
    if (oh0 != Py_None) {
        PyArrayObject *h0 = po_arr_shaped("_minimize", oh0, "hess_inv0", 0, x0, "x0", 2, PO_SIZE(x0), PO_SIZE(x0));
        if (!h0 || !(pins[0] = po_pin(h0))) return -1;
        p->hess_inv0 = PyArray_DATA(h0);
    }
    if (ostate != Py_None) {
        size_t rows = p->method == PO_M_LBFGS ? 2 * (size_t)(p->m > 0 ? p->m : 1) : PO_SIZE(x0);
        PyArrayObject *so = po_arr_shaped("_minimize", ostate, "state_out", PO_W, x0, "x0", 2, rows, PO_SIZE(x0));
        if (!so || !(pins[1] = po_pin(so))) {
            Py_CLEAR(pins[0]);
            return -1;
        }
        p->state_out = PyArray_DATA(so);
    }
    return 0;
}

/* Parse the C objective (model) and pin its arrays. The model's arrays (held by the model tuple, itself held
 * by the call) are read by the C objective between Python callbacks, which could otherwise free their memory
 * with ndarray.resize(..., refcheck=False): po_pin on each (pins, 4) makes NumPy refuse any resize until the
 * solve ends. Returns -1 with an exception set and nothing held. */
static int po_min_pin_model(PyObject *omodel, po_model *md, size_t n, PyObject **pins, PyArrayObject **labels64)
{
    if (po_parse_c_objective(omodel, md, n, labels64) < 0) return -1;
    for (Py_ssize_t i = 1, j = 0; i < PyTuple_GET_SIZE(omodel) && j < 4; i++) {
        PyObject *it = PyTuple_GET_ITEM(omodel, i);
        if (!PyArray_Check(it)) continue;
        if (!(pins[j++] = po_pin((PyArrayObject *)it))) {
            for (int k = 0; k < 4; k++) Py_CLEAR(pins[k]);
            Py_CLEAR(*labels64);
            return -1;
        }
    }
    return 0;
}

PyDoc_STRVAR(_minimize_doc,
"_minimize($module, fun, x0, *, jac=None, hess=None, hessp=None, callback=None, model=None, path=None,\n"
"          method=5, gtol=1e-5, ftol=0.0, maxiter=1000, maxfev=10000, m=10, beta=1, restart=0,\n"
"          damping=-1.0, saddle_free=False, cg_maxiter=0, line_search=0, c1=1e-4, c2=0.9,\n"
"          max_ls=25, tolerance_change=1e-9, xtol=1e-14, init_step=0,\n"
"          h0_scaled=True, norm=math.inf, xrtol=0.0, hess_inv0=None, state_out=None, linalg=None)\n--\n\n"
"The C iteration loop behind pyoptim.minimize (private: validate in Python first).\n\n"
"``hess_inv0``: BFGS's initial inverse Hessian, float64 (n, n). ``state_out``: written with BFGS's final\n"
"inverse Hessian (n, n), or L-BFGS's pairs (2m, n): s rows 0..nmem-1, y rows m..m+nmem-1, oldest first.\n"
"``linalg``: Newton's factorizations (bind_lapack.h): None/'own', 'lapack', or (cholesky, lu_solve, eigh).\n"
"Returns (x, f, g, nit, nfev, njev, nhev, reason, nmem) with reason a PO_STOP_* code (csrc/so.h).");

static PyObject *py__minimize(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"fun", "x0", "jac", "hess", "hessp", "callback", "model", "path", "method", "gtol",
                             "ftol", "maxiter", "maxfev", "m", "beta", "restart", "damping", "saddle_free",
                             "cg_maxiter", "line_search", "c1", "c2", "max_ls", "tolerance_change", "xtol",
                             "init_step", "h0_scaled", "norm", "xrtol", "hess_inv0", "state_out", "linalg", NULL};
    PyObject *ofun, *ox0, *ojac = Py_None, *ohess = Py_None, *ohessp = Py_None, *ocb = Py_None,
             *omodel = Py_None, *opath = Py_None, *oh0 = Py_None, *ostate = Py_None, *olinalg = Py_None;
    po_min_param p;
    po_linalg np_linalg;   /* the NumPy-backed table when linalg=(cholesky, lu_solve, eigh) */
    po_min_param_init(&p);
    if (!po_parse(args, kw, "OO|$OOOOOOiddlliildpliddiddipddOOO:_minimize", kwlist, &ofun, &ox0,
                                     &ojac, &ohess, &ohessp, &ocb, &omodel, &opath, &p.method, &p.gtol,
                                     &p.ftol, &p.maxiter, &p.maxfev, &p.m, &p.beta, &p.restart, &p.damping,
                                     &p.saddle_free, &p.cg_maxiter, &p.ls.kind, &p.ls.c1, &p.ls.c2,
                                     &p.ls.max_ls, &p.ls.tolerance_change, &p.ls.xtol, &p.init_step,
                                     &p.h0_scaled, &p.norm, &p.xrtol, &oh0, &ostate, &olinalg))
        return NULL;
    if (la_from_py(olinalg, &np_linalg, &p.linalg) < 0) return NULL;
    PyArrayObject *x0 = po_arr("_minimize", ox0, "x0", 0);
    if (!x0) return NULL;
    if (PO_IS_F32(x0) || PyArray_NDIM(x0) != 1) {
        PyErr_SetString(PyExc_ValueError, "_minimize(): x0 must be a 1-D float64 array");
        return NULL;
    }
    if (opath != Py_None && !PyList_Check(opath)) {
        PyErr_SetString(PyExc_TypeError, "_minimize(): path must be a list or None");
        return NULL;
    }
    PyObject *pins[6] = {NULL, NULL, NULL, NULL, NULL, NULL};   /* the model's 4 arrays, hess_inv0, state_out */
    if (po_min_matrices(oh0, ostate, x0, &p, pins + 4) < 0) return NULL;
    size_t n = PO_SIZE(x0);
    po_model md;
    po_bridge_ctx c = {ofun, ojac == Py_None ? NULL : ojac, ohess == Py_None ? NULL : ohess,
                ohessp == Py_None ? NULL : ohessp, ocb == Py_None ? NULL : ocb,
                opath == Py_None ? NULL : opath, NULL};
    PyArrayObject *labels64 = NULL;   /* the softmax model's labels as int64 (held for the solve) */
#define PO_UNPIN() do { for (int k_ = 0; k_ < 6; k_++) Py_XDECREF(pins[k_]); Py_XDECREF(labels64); } while (0)
    if (omodel != Py_None) {
        if (po_min_pin_model(omodel, &md, n, pins, &labels64) < 0) {
            PO_UNPIN();
            return NULL;
        }
        c.model = &md;
    }
    po_problem pb = {po_bridge_evaluate, c.hess ? po_bridge_hess : NULL, c.hessp ? po_bridge_hessp : NULL,
                     (c.callback || c.path) ? po_bridge_progress : NULL, &c};
    PyObject *xo = po_bridge_vec(PyArray_DATA(x0), n);   /* the loop works on this private copy of x0 */
    npy_intp dim = (npy_intp)n;
    PyObject *go = PyArray_ZEROS(1, &dim, NPY_FLOAT64, 0);
    if (!xo || !go) {
        Py_XDECREF(xo);
        Py_XDECREF(go);
        PO_UNPIN();
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
    PO_UNPIN();
#undef PO_UNPIN
    if (st != PO_OK) {
        Py_DECREF(xo);
        Py_DECREF(go);
        return po_raise("minimize", st);
    }
    return Py_BuildValue("(NdNllllil)", xo, res.f, go, res.nit, res.nfev, res.njev, res.nhev, res.reason, res.nmem);
}

/* ---- line search ---------------------------------------------------------------------------------- */

/* line_search's scalar arguments: kind into p->kind, then f, t and p's ranges, in this order. Returns -1 with
 * an exception set. */
static int po_ls_check_args(const char *kind, double f0, double t, po_ls_param *p)
{
    static const char *fn = "line_search";
    if (!strcmp(kind, "strong-wolfe")) p->kind = PO_LS_STRONG_WOLFE;
    else if (!strcmp(kind, "backtracking")) p->kind = PO_LS_BACKTRACKING;
    else if (!strcmp(kind, "more-thuente")) p->kind = PO_LS_MORE_THUENTE;
    else {
        PyErr_Format(PyExc_ValueError, "line_search(): invalid kind: '%s' (expected 'strong-wolfe', 'more-thuente' or "
                     "'backtracking')", kind);
        return -1;
    }
    /* f and t must be finite: from f = NaN every comparison fails and a NaN objective could "meet" the
     * curvature condition alone; from f = inf any finite value "decreases"; t = inf makes every trial
     * x + t d non-finite (issue 12: raise instead of reporting success) */
    if (po_check_range(fn, "f", f0, -INFINITY, INFINITY) < 0) return -1;
    if (!(t > 0.0 && isfinite(t))) {
        char *sv = PyOS_double_to_string(t, 'r', 0, 0, NULL);
        PyErr_Format(PyExc_ValueError, "line_search(): invalid t: %s (expected a finite value > 0)", sv ? sv : "?");
        PyMem_Free(sv);
        return -1;
    }
    if (po_check_range(fn, "c1", p->c1, 0.0, 1.0) < 0 || po_check_range(fn, "c2", p->c2, p->c1, 1.0) < 0 ||
        po_check_range(fn, "max_ls", p->max_ls, 0, 1e9) < 0 ||
        po_check_range(fn, "tolerance_change", p->tolerance_change, 0.0, INFINITY) < 0 ||
        po_check_range(fn, "xtol", p->xtol, 0.0, INFINITY) < 0)
        return -1;
    return 0;
}

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
    if (!po_parse(args, kw, "OOOdO|$dsdddid:line_search", kwlist, &ofun, &ox, &od, &f0, &og, &t,
                                     &kind, &p.c1, &p.c2, &p.tolerance_change, &p.max_ls, &p.xtol))
        return NULL;
    if (po_ls_check_args(kind, f0, t, &p) < 0) return NULL;
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
    po_bridge_ctx c = {ofun, NULL, NULL, NULL, NULL, NULL, NULL};
    po_problem pb = {po_bridge_evaluate, NULL, NULL, NULL, &c};
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

