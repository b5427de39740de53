/* regularize.c -- proximal steps and norm-ball projections (book 7.1.2, 7.2), float32 and float64 from
 * one source (regularize_tmpl.h). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include "regularize.h"

#ifndef _OPENMP
#define PO_PRAGMA(x)
#endif

/* Run-time SIMD width for the few compute-bound loops (PERF.md: function multiversioning). */
#if !defined(PO_NO_CLONES)
#define PO_REG_CLONES PO_TARGET_CLONES   /* compat.h */
#else
#define PO_REG_CLONES
#endif

#define PO_T float
#define PO_FN(name) name##_f32
#define PO_ABS fabsf
#define PO_COPYSIGN copysignf
#define PO_SUMSQ po_sumsq_f32
#include "regularize_tmpl.h"
#undef PO_T
#undef PO_FN
#undef PO_ABS
#undef PO_COPYSIGN
#undef PO_SUMSQ

#define PO_T double
#define PO_FN(name) name##_f64
#define PO_ABS fabs
#define PO_COPYSIGN copysign
#define PO_SUMSQ po_sumsq_f64
#include "regularize_tmpl.h"
#undef PO_T
#undef PO_FN
#undef PO_ABS
#undef PO_COPYSIGN
#undef PO_SUMSQ
