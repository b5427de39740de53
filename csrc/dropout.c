/* dropout.c -- fused Bernoulli mask + inverted-dropout apply (book 7.12), float32 and float64 from one
 * source (dropout_tmpl.h). The random stream is rng.h's counter-based design. */
#include "regularize.h"

#define PO_TEMPLATE "dropout_tmpl.h"
#include "instantiate.h"
