/* layers.c -- activation forward/backward and the Dense bias gradient (book 6.3, 6.5), float32 and
 * float64 from one source (layers_tmpl.h). Matrix products are NumPy's matmul (BLAS), not here.
 * tanh and sigmoid use vectorizable branch-free approximations, no libm call per element: float32 tanh
 * is nn_math.h's Cephes tanhf, float32 sigmoid is vecmath.h's po_vm_sigmoidf (the same bits as
 * nn_math.h's po_nn_sigmoidf, cheaper scaling), float64 tanh and sigmoid are vecmath.h's (<= 3 ulp). */
#include <math.h>
#include <stdlib.h>
#include "nn.h"
#include "nn_math.h"
#include "vecmath.h"

/* elements per parallel chunk of the elementwise kernels (16384 floats = 64 KiB) */
#define PO_NN_CHUNK 16384

#define PO_T float
#define PO_FN(name) name##_f32
#define PO_TANH(v) po_nn_tanhf(v)
#define PO_SIGMOID(v) po_vm_sigmoidf(v)
#include "layers_tmpl.h"
#undef PO_T
#undef PO_FN
#undef PO_TANH
#undef PO_SIGMOID

#define PO_T double
#define PO_FN(name) name##_f64
#define PO_TANH(v) po_vm_tanh(v)
#define PO_SIGMOID(v) po_vm_sigmoid(v)
#include "layers_tmpl.h"
#undef PO_T
#undef PO_FN
#undef PO_TANH
#undef PO_SIGMOID
