/* bounds.c -- the projection onto a box [lo, hi] (book 7.2: explicit constraints by reprojection;
 * Bertsekas 1976 / Nocedal & Wright 16.7 for projected gradient methods), float32 and float64. */
#include "bounds.h"

/* book 7.2: P(x)_i = min(max(x_i, lo_i), hi_i), the closest point of the box in every norm.
 * m = max(x, lo) as NumPy: NaN if either is NaN (x < lo is false for NaN x, so m = x; a NaN lo is taken);
 * then min(m, hi) the same way. */
#define PO_PROJECT_BOX(T, SUF)                                                                      \
int po_project_box_##SUF(T *restrict x, const T *restrict lo, const T *restrict hi, size_t n)       \
{                                                                                                   \
    PO_PARALLEL_FOR_SIMD(n)                                                                         \
    for (size_t i = 0; i < n; i++) {                                                                \
        const T l = lo[i], h = hi[i];                                                               \
        T m = x[i] < l ? l : x[i];                                                                  \
        if (l != l) m = l;                                                                          \
        T r = m > h ? h : m;                                                                        \
        if (h != h) r = h;                                                                          \
        x[i] = r;                                                                                   \
    }                                                                                               \
    return PO_OK;                                                                                   \
}

PO_PROJECT_BOX(float, f32)
PO_PROJECT_BOX(double, f64)
