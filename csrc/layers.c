/* layers.c -- activation forward/backward and the Dense bias gradient (book 6.3, 6.5), float32 and
 * float64 from one source (layers_tmpl.h). Matrix products are NumPy's matmul (BLAS), not here.
 * tanh and sigmoid use vectorizable branch-free approximations, no libm call per element: float32 tanh
 * is nn_math.h's Cephes tanhf, float32 sigmoid is vecmath.h's po_vm_sigmoidf (the same bits as
 * nn_math.h's po_nn_sigmoidf, cheaper scaling), float64 tanh and sigmoid are vecmath.h's (<= 3 ulp; with
 * fused multiply-adds on CPUs that have AVX2 and FMA, see po_vm_have_fma). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn.h"
#include "nn_math.h"
#include "vecmath.h"

/* elements per parallel chunk of the elementwise kernels (16384 floats = 64 KiB) */
#define PO_NN_CHUNK 16384

#if PO_VM_HAVE_FMA
static int po_vm_fma_state = -1;   /* -1: not yet read; 0: portable path; 1: fused multiply-add path */

int po_vm_have_fma(void)
{
    int s = PO_ATOMIC_LOAD_INT(&po_vm_fma_state);
    if (s < 0) {   /* racing first calls compute the same value */
        const char *off = getenv("PYOPTIM_NO_FMA");
        __builtin_cpu_init();
        s = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
            !(off && off[0] && strcmp(off, "0") != 0);
        PO_ATOMIC_STORE_INT(&po_vm_fma_state, s);
    }
    return s;
}

/* tanh/sigmoid with fused multiply-adds, for CPUs with AVX2 and FMA (vecmath.h: float64 25-35% faster,
 * float32 sigmoid ~25%, than the portable path here; different last bits, the same bounds). y may be x. */
PO_VM_FMA_TARGET
static void po_act_fwd_chunk_f64_fma(double *y, const double *x, size_t n, int kind)
{
    if (kind == PO_ACT_TANH)
        for (size_t i = 0; i < n; i++) y[i] = po_vm_tanh_fma(x[i]);
    else
        for (size_t i = 0; i < n; i++) y[i] = po_vm_sigmoid_fma(x[i]);
}

PO_VM_FMA_TARGET
static void po_act_fwd_chunk_f32_fma(float *y, const float *x, size_t n, int kind)
{
    (void)kind;   /* sigmoid only: float32 tanh (nn_math.h) stays on one path */
    for (size_t i = 0; i < n; i++) y[i] = po_vm_sigmoidf_fma(x[i]);
}
#define PO_ACT_FAST_OK(kind) ((kind) == PO_ACT_SIGMOID && po_vm_have_fma())
#define PO_ACT_FAST_CHUNK(y, x, n, kind) po_act_fwd_chunk_f32_fma(y, x, n, kind)
#else
int po_vm_have_fma(void) { return 0; }
#endif

#define PO_T float
#define PO_FN(name) name##_f32
#define PO_TANH(v) po_nn_tanhf(v)
#define PO_SIGMOID(v) po_vm_sigmoidf(v)
#include "layers_tmpl.h"   /* undefines PO_T ... PO_ACT_FAST_CHUNK at its end */

#if PO_VM_HAVE_FMA
#define PO_ACT_FAST_OK(kind) ((kind) != PO_ACT_RELU && po_vm_have_fma())
#define PO_ACT_FAST_CHUNK(y, x, n, kind) po_act_fwd_chunk_f64_fma(y, x, n, kind)
#endif

#define PO_T double
#define PO_FN(name) name##_f64
#define PO_TANH(v) po_vm_tanh(v)
#define PO_SIGMOID(v) po_vm_sigmoid(v)
#include "layers_tmpl.h"   /* undefines PO_T ... PO_ACT_FAST_CHUNK at its end */
