/* rng.c -- counter-based random streams: SplitMix64 seeding, xoshiro256++ lanes (see rng.h).
 *
 * Shape legend: n elements of the output; blocks of PO_RNG_BLOCK elements, the last one partial.
 */
#include <string.h>
#include "rng.h"
#include "compat.h"

void po_rng_seed(po_rng *r, uint64_t key, uint64_t lane)
{
    uint64_t x = po_mix64(key + lane + 1);
    for (int i = 0; i < 4; i++) r->s[i] = po_splitmix64(&x);
}

/* One block: PO_RNG_LANES xoshiro256++ states stepped together. With GCC/Clang the lanes are held in
 * vector-extension registers (4 x 64-bit each, lowered to SSE2 pairs or AVX2 registers), since
 * xoshiro needs only 64-bit add, xor and shifts; other compilers get the plain loop (same numbers). */
#if defined(__GNUC__) && PO_RNG_LANES == 8
typedef uint64_t po_rng_v4 __attribute__((vector_size(32)));

/* Function multiversioning (docs/performance.md, "Compiler flags"): AVX-512 runs the 8 lanes in one register, AVX2 in two; the
 * default clone in four SSE2 pairs. Same numbers either way (integer arithmetic). */
PO_TARGET_CLONES   /* compat.h */
void po_rng_fill_block(po_rng_buf *buf, uint64_t seed, uint64_t counter, uint64_t block)
{
    enum { T = PO_RNG_BLOCK / (2 * PO_RNG_LANES) };
    uint64_t st[4][8];
    const uint64_t key = po_rng_block_key(seed, counter, block);
    for (int l = 0; l < 8; l++) {
        po_rng g;
        po_rng_seed(&g, key, (uint64_t)l);
        for (int k = 0; k < 4; k++) st[k][l] = g.s[k];
    }
    po_rng_v4 a0, a1, a2, a3, b0, b1, b2, b3;
    memcpy(&a0, &st[0][0], 32); memcpy(&b0, &st[0][4], 32);
    memcpy(&a1, &st[1][0], 32); memcpy(&b1, &st[1][4], 32);
    memcpy(&a2, &st[2][0], 32); memcpy(&b2, &st[2][4], 32);
    memcpy(&a3, &st[3][0], 32); memcpy(&b3, &st[3][4], 32);
    uint64_t *r64 = buf->w;
    for (int t = 0; t < T; t++) {
        /* xoshiro256++ (Blackman & Vigna 2018): out = rotl(s0 + s3, 23) + s0, then the state update */
        po_rng_v4 sa = a0 + a3, sb = b0 + b3;
        po_rng_v4 oa = ((sa << 23) | (sa >> 41)) + a0;
        po_rng_v4 ob = ((sb << 23) | (sb >> 41)) + b0;
        po_rng_v4 ta = a1 << 17, tb = b1 << 17;
        a2 ^= a0; b2 ^= b0;
        a3 ^= a1; b3 ^= b1;
        a1 ^= a2; b1 ^= b2;
        a0 ^= a3; b0 ^= b3;
        a2 ^= ta; b2 ^= tb;
        a3 = (a3 << 45) | (a3 >> 19);
        b3 = (b3 << 45) | (b3 >> 19);
        memcpy(r64 + (size_t)t * 8, &oa, 32);
        memcpy(r64 + (size_t)t * 8 + 4, &ob, 32);
    }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    for (size_t i = 0; i < PO_RNG_BLOCK / 2; i++) r64[i] = (r64[i] << 32) | (r64[i] >> 32);
#endif
}
#else
void po_rng_fill_block(po_rng_buf *buf, uint64_t seed, uint64_t counter, uint64_t block)
{
    enum { L = PO_RNG_LANES, T = PO_RNG_BLOCK / (2 * PO_RNG_LANES) };
    po_rng g[PO_RNG_LANES];
    const uint64_t key = po_rng_block_key(seed, counter, block);
    for (int l = 0; l < L; l++) po_rng_seed(&g[l], key, (uint64_t)l);
    for (int t = 0; t < T; t++)
        for (int l = 0; l < L; l++) {
            const uint64_t out = po_rng_next(&g[l]);
            buf->h[2 * (t * L + l)] = (uint32_t)out;               /* low half first */
            buf->h[2 * (t * L + l) + 1] = (uint32_t)(out >> 32);   /* then the high half */
        }
}
#endif

#define PO_RNG_UNIFORM(T, SUF, EXPR)                                                                \
int po_rng_uniform_##SUF(T *out, size_t n, uint64_t seed, uint64_t counter)                         \
{                                                                                                   \
    size_t nb = (n + PO_RNG_BLOCK - 1) / PO_RNG_BLOCK;                                              \
    PO_PARALLEL_FOR(n)                                                                              \
    for (size_t b = 0; b < nb; b++) {                                                               \
        po_rng_buf buf;                                                                             \
        po_rng_fill_block(&buf, seed, counter, (uint64_t)b);                                        \
        const uint32_t *r = buf.h;                                                                  \
        size_t lo = b * PO_RNG_BLOCK, m = n - lo < PO_RNG_BLOCK ? n - lo : PO_RNG_BLOCK;            \
        T *o = out + lo;                                                                            \
        for (size_t i = 0; i < m; i++) { const uint32_t u = r[i]; o[i] = (EXPR); }                  \
    }                                                                                               \
    return PO_OK;                                                                                   \
}

/* float32: the top 24 bits, (u >> 8) * 2^-24, exactly representable; float64: u * 2^-32. */
PO_RNG_UNIFORM(float, f32, (float)(u >> 8) * 0x1.0p-24f)
PO_RNG_UNIFORM(double, f64, (double)u * 0x1.0p-32)
