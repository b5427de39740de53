/* bind_config.h -- build_info(): what this build of the C core is (included by module.c only). */
#include "compat.h"
#include "vecmath.h"   /* po_vm_have_fma */

#ifndef PO_BUILD_FLAGS
#define PO_BUILD_FLAGS ""   /* setup.py defines it: the compile flags, as one string */
#endif

PyDoc_STRVAR(build_info_doc,
"_build_info($module, /)\n--\n\n"
"What this build of the C core is: a dict with 'compiler' (name and version), 'flags' (the compile\n"
"flags setup.py used), 'openmp' (the _OPENMP version yyyymm, 0 without OpenMP), 'simd' (the\n"
"target_clones variant this CPU runs: 'avx512f', 'avx2' or 'baseline'), 'max_threads' (the\n"
"thread count get_num_threads() reports) and 'fma' (1 when the float64 tanh/sigmoid take the fused\n"
"multiply-add path: compiled in, the CPU has AVX2+FMA and PYOPTIM_NO_FMA is unset; csrc/vecmath.h).\n"
"pyoptim.show_config() prints it.");

static PyObject *py_build_info(PyObject *self, PyObject *noargs)
{
    return Py_BuildValue("{s:s,s:s,s:l,s:s,s:i,s:i}", "compiler", po_compiler(), "flags", PO_BUILD_FLAGS,
                         "openmp", po_openmp_version(), "simd", po_simd_level(), "max_threads",
                         po_get_num_threads(), "fma", po_vm_have_fma());
}

#define PO_CONFIG_METHODS {"_build_info", (PyCFunction)py_build_info, METH_NOARGS, build_info_doc},
