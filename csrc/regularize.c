/* regularize.c -- proximal steps and norm-ball projections (book 7.1.2, 7.2), float32 and float64 from
 * one source (regularize_tmpl.h). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include "regularize.h"

#ifndef _OPENMP
#define PO_PRAGMA(x)
#endif

/* per-type helpers of regularize_tmpl.h */
#define PO_ABS(x) _Generic((x), float: fabsf, default: fabs)(x)
#define PO_COPYSIGN(a, b) _Generic((a), float: copysignf, default: copysign)(a, b)
#define PO_SUMSQ PO_FN(po_sumsq)

#define PO_TEMPLATE "regularize_tmpl.h"
#include "instantiate.h"
