/* rng.h -- pyoptim's counter-based random streams (book 7.12 dropout, 7.5 noise).
 *
 * Design (docs/performance.md, "Random numbers for dropout"): no global state. A stream is named by three integers,
 * (seed, counter, block): `seed` is the user's seed, `counter` numbers the calls (a Dropout layer
 * increments it on every forward pass), `block` numbers fixed chunks of PO_RNG_BLOCK elements of the
 * output. Each (seed, counter, block) is hashed through the SplitMix64 finalizer into PO_RNG_LANES
 * independent xoshiro256++ states (Blackman & Vigna 2018), which fill the block. Blocks never depend on
 * one another, so any thread may fill any block and the result is bit-identical for every thread count,
 * and any call can be regenerated later (the dropout backward pass regenerates its mask).
 *
 * Element order inside a block: iteration t (0 .. PO_RNG_BLOCK/(2*LANES) - 1) draws one 64-bit word from
 * every lane l; element t*2*LANES + 2*l is the low 32 bits of lane l's word and element
 * t*2*LANES + 2*l + 1 the high 32 bits. pyoptim._reference reproduces this in NumPy.
 *
 * Seeding of one block (all arithmetic mod 2^64, mix = SplitMix64's finalizer, G = 0x9E3779B97F4A7C15):
 *   key = mix(mix(mix(seed + G) + counter) + block)                      (po_rng_block_key)
 *   lane l: x = mix(key + l + 1); its four state words are the next four SplitMix64 outputs of x.
 */
#ifndef PYOPTIM_RNG_H
#define PYOPTIM_RNG_H

#include "pyoptim.h"

#define PO_RNG_BLOCK 4096  /* elements (32-bit draws) per independently seeded block */
#define PO_RNG_LANES 8     /* independent xoshiro256++ states per block (SIMD lanes) */
#define PO_RNG_GOLDEN 0x9E3779B97F4A7C15ULL

/* One xoshiro256++ generator: explicit state, no globals. */
typedef struct {
    uint64_t s[4];
} po_rng;

/* SplitMix64's output function (Steele, Lea, Flood 2014): a bijective 64-bit mixer. */
static inline uint64_t po_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* SplitMix64: advance *x by the golden gamma and return the mixed value. */
static inline uint64_t po_splitmix64(uint64_t *x)
{
    *x += PO_RNG_GOLDEN;
    return po_mix64(*x);
}

static inline uint64_t po_rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256++: the next 64-bit output. */
static inline uint64_t po_rng_next(po_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t out = po_rotl64(s[0] + s[3], 23) + s[0];
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = po_rotl64(s[3], 45);
    return out;
}

/* The 64-bit key of block `block` of call `counter` under `seed`:
 *   k = mix(mix(mix(seed + G) + counter) + block)       with G the golden gamma, mix SplitMix64's finalizer.
 * (Each step is a bijection of the running key plus the next integer, so distinct triples give
 * unrelated keys.) */
static inline uint64_t po_rng_block_key(uint64_t seed, uint64_t counter, uint64_t block)
{
    uint64_t k = po_mix64(seed + PO_RNG_GOLDEN);
    k = po_mix64(k + counter);
    return po_mix64(k + block);
}

/* Seed one generator from a 64-bit key and a lane number: x = mix(key + lane + 1), then the four state
 * words are four successive SplitMix64 outputs from x (Vigna's recommended seeding). */
void po_rng_seed(po_rng *r, uint64_t key, uint64_t lane);

/* One block of draws: written as 64-bit words (w), read as 32-bit draws (h, the documented order;
 * a union, so the type pun is defined behaviour). 16 KB: callers keep it on the stack. */
typedef union {
    uint64_t w[PO_RNG_BLOCK / 2];
    uint32_t h[PO_RNG_BLOCK];
} po_rng_buf;

/* Fill buf->h[0 .. PO_RNG_BLOCK) with the block's 32-bit draws in the documented element order.
 * The whole block is always generated (a partial last block uses a prefix). */
void po_rng_fill_block(po_rng_buf *buf, uint64_t seed, uint64_t counter, uint64_t block);

/* Uniform floats in [0, 1) from the same stream: float32 (u >> 8) * 2^-24, float64 u * 2^-32
 * (one 32-bit draw per element in both cases). Shapes: out (n,). */
int po_rng_uniform_f32(float *out, size_t n, uint64_t seed, uint64_t counter);
int po_rng_uniform_f64(double *out, size_t n, uint64_t seed, uint64_t counter);

#endif /* PYOPTIM_RNG_H */
