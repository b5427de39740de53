/* batchnorm.c -- batch normalization over the batch axis of a (B, D) input (book 8.7.1; Ioffe and
 * Szegedy 2015), torch.nn.BatchNorm1d's numbers: biased variance to normalize, unbiased variance in the
 * running estimate, running <- (1 - momentum) running + momentum batch. float32 and float64 from one
 * source (batchnorm_tmpl.h). */
#include <math.h>
#include <stdlib.h>
#include "nn.h"
#include "nn_math.h"   /* (compat.h: PO_TARGET_CLONES) */

#define PO_TEMPLATE "batchnorm_tmpl.h"
#include "instantiate.h"
