/* compat.h -- the compiler-specific constructs of csrc/, each behind a feature test with a portable
 * fallback, in one place. Tested here: GCC 12 and Clang 14 (Debian), with and without OpenMP. The MSVC
 * and Apple Clang branches are written for those compilers but not built here.
 *
 *   PO_TARGET_CLONES   GCC function multiversioning on x86: the function is compiled for AVX-512F, AVX2
 *                      and the baseline, and the CPU picks one at load time (ifunc). Empty elsewhere
 *                      (Clang, MSVC, Arm, AddressSanitizer builds, or -DPYOPTIM_NO_CLONES): one baseline
 *                      path. The only clone guard of csrc/: every cloned function (optim*, regularize,
 *                      layers, losses, rng) uses this macro, and -DPYOPTIM_NO_CLONES is the one opt-out.
 *   PO_ALWAYS_INLINE   `static inline` that the compiler must inline (GCC/Clang attribute, MSVC
 *                      __forceinline; plain `static inline` otherwise: same results, maybe slower).
 *   PO_ATOMIC_LOAD_INT / PO_ATOMIC_STORE_INT   relaxed load/store of an int shared between threads.
 *
 * The SIMD clone a CPU runs is the same for every PO_TARGET_CLONES function; po_simd_level() names it
 * (pyoptim.show_config()).
 */
#ifndef PYOPTIM_COMPAT_H
#define PYOPTIM_COMPAT_H

#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(__i386__)) && \
    !defined(PYOPTIM_NO_CLONES) && !defined(__SANITIZE_ADDRESS__)
#define PO_HAVE_CLONES 1
#define PO_TARGET_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define PO_HAVE_CLONES 0
#define PO_TARGET_CLONES
#endif

#if defined(__GNUC__) || defined(__clang__)
#define PO_ALWAYS_INLINE static inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#define PO_ALWAYS_INLINE static __forceinline
#else
#define PO_ALWAYS_INLINE static inline
#endif

#if defined(__GNUC__) || defined(__clang__)
#define PO_ATOMIC_LOAD_INT(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define PO_ATOMIC_STORE_INT(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#else
/* aligned int loads and stores are single instructions on every target MSVC supports */
#define PO_ATOMIC_LOAD_INT(p) (*(volatile int *)(p))
#define PO_ATOMIC_STORE_INT(p, v) (*(volatile int *)(p) = (v))
#endif

/* What this build is (config.c): the SIMD clone this CPU runs ("avx512f", "avx2", "baseline"), the
 * compiler's name and version, and the OpenMP version (yyyymm of _OPENMP; 0 without OpenMP). */
const char *po_simd_level(void);
const char *po_compiler(void);
long po_openmp_version(void);

#endif /* PYOPTIM_COMPAT_H */
