/* optim_more.c -- fused Adadelta, Adamax, NAdam and RAdam updates (book 8.5.4 and the papers named in
 * optim_more_tmpl.h), float32 and float64 from one source (optim_more_tmpl.h). Each kernel is a single
 * pass that reads and writes every state array once.
 *
 * Threads, SIMD and bits: exactly as optim.c, through the same split.h. A kernel on n >= PO_PAR_GRAIN
 * elements is split into one contiguous chunk per thread, boundaries on multiples of 16 elements; every
 * update is elementwise, so the bits never depend on the thread count. The chunk loops are compiled per
 * ISA by GCC function multiversioning (PO_TARGET_CLONES); -std=c11 implies -ffp-contract=off, so no
 * clone contracts a multiply-add and all clones give the same bits.
 */
#include <string.h>
#include "optim_more.h"
#include "split.h"

#define PO_TEMPLATE "optim_more_tmpl.h"
#include "instantiate.h"
