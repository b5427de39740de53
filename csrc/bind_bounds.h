/* bind_bounds.h -- the wrapper of bounds.c (box projection), included by module.c. */
#include "bounds.h"

PyDoc_STRVAR(project_box_doc,
"project_box($module, x, lo, hi)\n--\n\n"
"Projection onto the box [lo, hi], in place (book 7.2, explicit constraints by reprojection):\n\n"
"    x <- min(max(x, lo), hi)        (elementwise; np.clip's order, NaN propagates)\n\n"
"the closest point of the box. One step of projected gradient descent is x <- P(x - t g)\n"
"(Bertsekas 1976; Nocedal & Wright 16.7), pyoptim.minimize(method=\"gd\", bounds=...).\n"
"Where lo > hi the result is hi, as np.clip.\n\n"
"Parameters\n----------\n"
"x : ndarray, float32 or float64, C-contiguous, writeable\n"
"lo, hi : ndarray, the dtype and shape of x (-inf / +inf for no bound)\n\n"
"Raises\n------\n"
"TypeError / ValueError for a bad array, mixed dtypes or shapes, or lo/hi sharing memory with x.");

static PyObject *py_project_box(PyObject *self, PyObject *args, PyObject *kw)
{
    static const char *fn = "project_box";
    static char *kwlist[] = {"x", "lo", "hi", NULL};
    PyObject *ox, *olo, *ohi;
    if (!po_parse(args, kw, "OOO:project_box", kwlist, &ox, &olo, &ohi)) return NULL;
    PyArrayObject *x = po_arr(fn, ox, "x", PO_W | PO_ALLOW0D);
    if (!x) return NULL;
    PyArrayObject *lo = po_arr_like(fn, olo, "lo", PO_ALLOW0D, x, "x");
    if (!lo) return NULL;
    PyArrayObject *hi = po_arr_like(fn, ohi, "hi", PO_ALLOW0D, x, "x");
    if (!hi) return NULL;
    PyArrayObject *a1[2] = {x, lo}, *a2[2] = {x, hi};
    const char *n1[2] = {"x", "lo"}, *n2[2] = {"x", "hi"};
    if (po_check_disjoint(fn, 2, a1, n1) < 0 || po_check_disjoint(fn, 2, a2, n2) < 0) return NULL;
    size_t n = PO_SIZE(x);
    PO_CALL_RETURN_NONE(fn, PO_IS_F32(x), po_project_box, PyArray_DATA(x), PyArray_DATA(lo), PyArray_DATA(hi), n);
}

#define PO_BOUNDS_METHODS \
    {"project_box", (PyCFunction)(void (*)(void))py_project_box, METH_VARARGS | METH_KEYWORDS, project_box_doc},
