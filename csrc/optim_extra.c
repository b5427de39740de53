/* optim_extra.c -- ASGD, Rprop, Adafactor and the elementwise parts of Muon, float32 and float64 from one
 * source (optim_extra_tmpl.h), in torch.optim's operation order so float64 agrees with torch to rounding.
 *
 * Threads: as optim.c, through the same split.h. Elementwise kernels on n >= PO_PAR_GRAIN elements are
 * split into one contiguous chunk per thread (PO_SPLIT), boundaries on multiples of 16 elements, so the
 * bits never depend on the thread count. Adafactor's reductions (the parameter's norm, the row and column
 * sums of g*g, the update's norm) are computed per row (or per fixed block of PO_RED_BLOCK elements for
 * vectors) and per column (PO_UNIT_SPLIT), each sum in a fixed order that does not depend on how the rows
 * or columns are shared out; the row totals are then added in row order. So Adafactor too is
 * bit-identical for any thread count.
 *
 * SIMD: the chunk loops are compiled for AVX-512, AVX2 and the baseline (PO_TARGET_CLONES, as optim.c);
 * -std=c11 implies -ffp-contract=off, so all clones give the same bits.
 */
#include <stdlib.h>
#include <string.h>
#include "optim_extra.h"
#include "split.h"

#define PO_TEMPLATE "optim_extra_tmpl.h"
#include "instantiate.h"
