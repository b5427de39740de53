/* config.c -- what this build of the C core is, for pyoptim.show_config(): the compiler, OpenMP, and
 * the SIMD clone the CPU picks at load time (see compat.h). */
#include "compat.h"

const char *po_simd_level(void)
{
#if PO_HAVE_CLONES
    /* the same test GCC's ifunc resolver makes for target_clones("avx512f", "avx2", "default") */
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return "avx512f";
    if (__builtin_cpu_supports("avx2")) return "avx2";
    return "baseline";
#else
    return "baseline (this build has no SIMD clones)";
#endif
}

const char *po_compiler(void)
{
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "gcc " __VERSION__;
#elif defined(_MSC_VER)
#define PO_STR2(x) #x
#define PO_STR(x) PO_STR2(x)
    return "msvc " PO_STR(_MSC_FULL_VER);
#else
    return "unknown C compiler";
#endif
}

long po_openmp_version(void)
{
#ifdef _OPENMP
    return (long)_OPENMP;
#else
    return 0;
#endif
}
