/* dropout.c -- fused Bernoulli mask + inverted-dropout apply (book 7.12), float32 and float64 from one
 * source (dropout_tmpl.h). The random stream is rng.h's counter-based design. */
#include "regularize.h"

#define PO_T float
#define PO_FN(name) name##_f32
#include "dropout_tmpl.h"
#undef PO_T
#undef PO_FN

#define PO_T double
#define PO_FN(name) name##_f64
#include "dropout_tmpl.h"
#undef PO_T
#undef PO_FN
