/* losses.c -- fused, numerically stable loss kernels: softmax cross-entropy with label smoothing,
 * mean squared error, binary cross-entropy on logits (book 6.2.2, 7.5.1, 8.1.2). float32 and float64
 * from one source (losses_tmpl.h). float32 exp is nn_math.h's vectorizable po_nn_expf. */
#include <math.h>
#include <stdlib.h>
#include "nn.h"
#include "nn_math.h"

#define PO_T float
#define PO_FN(name) name##_f32
#define PO_EXP(v) po_nn_expf(v)
#define PO_LOG1P(v) log1pf(v)
#include "losses_tmpl.h"
#undef PO_T
#undef PO_FN
#undef PO_EXP
#undef PO_LOG1P

#define PO_T double
#define PO_FN(name) name##_f64
#define PO_EXP(v) exp(v)
#define PO_LOG1P(v) log1p(v)
#include "losses_tmpl.h"
#undef PO_T
#undef PO_FN
#undef PO_EXP
#undef PO_LOG1P
