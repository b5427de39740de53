/* optim.c -- fused first-order optimizer updates (book 8.3 and 8.5), float32 and float64 from one
 * source (optim_tmpl.h). Each kernel is a single pass that reads and writes every state array once.
 *
 * Threads: split.h's PO_SPLIT: a kernel on n >= PO_PAR_GRAIN elements is split into one contiguous
 * chunk per thread, chunk boundaries on multiples of 16 elements (64 bytes of float32). Every update is
 * elementwise, so the bits never depend on the thread count.
 *
 * SIMD: the per-chunk loops are compiled three times by GCC function multiversioning (PO_TARGET_CLONES,
 * compat.h: AVX-512F, AVX2 and the SSE2 baseline; the CPU picks one at load time). The build uses
 * -std=c11, which implies -ffp-contract=off: no FMA contraction in any clone, and sqrt/div are correctly
 * rounded in every ISA, so all clones give the same bits (checked: a no-clone build gives identical
 * results). The chunk functions are called from inside the OpenMP region (the region's outlined body is
 * not cloned by GCC, a plain function called from it is). Measured here on 30000 in-cache elements, one
 * thread, baseline -> AVX2 clone: Adam f32 30.2 -> 22.4 us, AMSGrad f32 37.9 -> 23.9 us, SGD-momentum
 * f32 12.3 -> 7.9 us, centered RMSprop+momentum f32 31.3 -> 19.9 us, f64 64.0 -> 47.0 us (1.3-1.6x);
 * on 10^7 elements the updates are memory-bound and the clones change nothing measurable
 * (docs/performance.md).
 */
#include <string.h>
#include "optim.h"
#include "split.h"

#define PO_TEMPLATE "optim_tmpl.h"
#include "instantiate.h"
