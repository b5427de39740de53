/* bind_secondorder_dense.h -- the dense kernels of book 8.6, float32 and float64 (linalg.c): the L-BFGS
 * two-loop recursion, the BFGS inverse-Hessian update, the Cholesky solve and the symmetric
 * eigendecomposition behind Newton's method, one conjugate-gradient step, one coordinate-descent sweep.
 * Part of module.c (included there). */

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
    if (!po_parse(args, kw, "OOOOO|$nnO:lbfgs_two_loop", kwlist, &od, &og, &os, &oy, &orho,
                                     &newest, &count, &ogamma))
        return NULL;
    if (newest == PY_SSIZE_T_MIN || count == PY_SSIZE_T_MIN || ogamma == NULL) {
        PyErr_SetString(PyExc_TypeError, "lbfgs_two_loop(): keyword arguments 'newest', 'count' and 'gamma' are required");
        return NULL;
    }
    if (po_required_float(fn, "gamma", ogamma, &gamma) < 0) return NULL;
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
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(d), po_lbfgs_two_loop,
                        PyArray_DATA(d), PyArray_DATA(g), PyArray_DATA(s), PyArray_DATA(y), PyArray_DATA(rho), n,
                        m ? m : 1, (size_t)newest, (size_t)count, gamma);
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
"s and y may be the same array; H may not share memory with either.\n\n"
"Raises\n------\n"
"TypeError for a non-array or a wrong or mixed dtype; ValueError for a shape mismatch, a non-contiguous or\n"
"read-only output, or outputs sharing memory with an input (H with s or y)."
);

static PyObject *py_bfgs_update(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "bfgs_update";
    static char *kwlist[] = {"H", "s", "y", NULL};
    PyObject *oH, *os, *oy;
    if (!po_parse(args, kw, "OOO:bfgs_update", kwlist, &oH, &os, &oy)) return NULL;
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
    PO_CALL_NOGIL(st, PO_IS_F32(s), po_bfgs_update, PyArray_DATA(H), PyArray_DATA(s), PyArray_DATA(y), n, work);
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
    if (!po_parse(args, kw, "OOO|$d:cholesky_solve", kwlist, &ox, &oA, &ob, &shift)) return NULL;
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
"O(n^3) per sweep: meant for small n (the symmetric part (A + A')/2 is used).\n\n"
"Raises\n------\n"
"TypeError for a non-array or a wrong or mixed dtype; ValueError for a shape mismatch, a non-contiguous or\n"
"read-only output, or outputs sharing memory with an input; FloatingPointError for a non-finite A."
);

static PyObject *py_sym_eig(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "sym_eig";
    static char *kwlist[] = {"w", "V", "A", NULL};
    PyObject *ow, *oV, *oA;
    if (!po_parse(args, kw, "OOO:sym_eig", kwlist, &ow, &oV, &oA)) return NULL;
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
    PO_CALL_NOGIL(st, PO_IS_F32(w), po_sym_eig, PyArray_DATA(w), PyArray_DATA(V), PyArray_DATA(A), n, work);
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
    if (!po_parse(args, kw, "OOOOd:cg_step", kwlist, &ox, &or_, &op, &oAp, &rr)) return NULL;
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
    PO_CALL_NOGIL(st, PO_IS_F32(x), po_cg_step,
                  PyArray_DATA(x), PyArray_DATA(r), PyArray_DATA(p), PyArray_DATA(Ap), n, rr, &rn);
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
"then NaN. Inside the threshold (|z| <= l1) x_i is exactly 0, also when A_ii = 0.\n\n"
"Raises\n------\n"
"TypeError for a non-array or a wrong or mixed dtype; ValueError for a shape mismatch, a non-contiguous or\n"
"read-only output, or outputs sharing memory with an input; ValueError for l1 < 0 or not finite."
);

static PyObject *py_coordinate_descent_sweep(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "coordinate_descent_sweep";
    static char *kwlist[] = {"x", "A", "b", "l1", "path", NULL};
    PyObject *ox, *oA, *ob, *opath = Py_None;
    double l1 = 0.0;
    if (!po_parse(args, kw, "OOO|$dO:coordinate_descent_sweep", kwlist, &ox, &oA, &ob, &l1, &opath))
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

