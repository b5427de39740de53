/* optim.c -- fused first-order optimizer updates (book 8.3 and 8.5), float32 and float64 from one
 * source (optim_tmpl.h). Each kernel is a single pass that reads and writes every state array once. */
#include <math.h>
#include "pyoptim.h"

#define PO_T float
#define PO_FN(name) name##_f32
#include "optim_tmpl.h"
#undef PO_T
#undef PO_FN

#define PO_T double
#define PO_FN(name) name##_f64
#include "optim_tmpl.h"
#undef PO_T
#undef PO_FN
