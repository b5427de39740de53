/* bounds.h -- box constraints (book 7.2, explicit constraints): the projection onto a box, the kernel of
 * projected gradient descent. Pure C11; see pyoptim.h for the conventions.
 *
 * Shape legend: n elements (flat); x, lo, hi (n,).
 */
#ifndef PYOPTIM_BOUNDS_H
#define PYOPTIM_BOUNDS_H

#include "pyoptim.h"

/* x <- min(max(x, lo), hi) elementwise, in place (NaN in x, lo or hi propagates, as NumPy's
 * minimum/maximum). lo and hi do not overlap x (checked by the wrapper). Returns PO_OK. */
int po_project_box_f32(float *x, const float *lo, const float *hi, size_t n);
int po_project_box_f64(double *x, const double *lo, const double *hi, size_t n);

#endif /* PYOPTIM_BOUNDS_H */
