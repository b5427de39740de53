/* dropout_tmpl.h -- dropout kernels for PO_T in {float, double}; included twice by dropout.c.
 *
 * Inverted dropout (Srivastava et al. 2014; book 7.12): y = x * m / (1 - p), m ~ Bernoulli(1 - p),
 * fused with mask generation in one pass over fixed blocks of PO_RNG_BLOCK elements (rng.h): the block's
 * 32-bit draws go to a 16 KB stack buffer (L1-resident), then one vectorized select writes the block.
 * Blocks are independent, so the result is the same for any thread count. */

int PO_FN(po_dropout)(PO_T *out, const PO_T *x, size_t n, double p, double scale, uint64_t seed, uint64_t counter)
{
    const uint64_t thr64 = po_dropout_threshold(p);
    const PO_T sc = (PO_T)scale;
    if (thr64 >= 4294967296ULL) {            /* keep everything: y = x * scale (the mask: scale) */
        PO_PARALLEL_FOR_SIMD(n)
        for (size_t i = 0; i < n; i++) out[i] = x ? x[i] * sc : sc;
        return PO_OK;
    }
    if (thr64 == 0) {                        /* p == 1: drop everything */
        PO_PARALLEL_FOR_SIMD(n)
        for (size_t i = 0; i < n; i++) out[i] = (PO_T)0;
        return PO_OK;
    }
    const uint32_t thr = (uint32_t)thr64;
    const size_t nb = (n + PO_RNG_BLOCK - 1) / PO_RNG_BLOCK;
    PO_PARALLEL_FOR(n)
    for (size_t b = 0; b < nb; b++) {
        po_rng_buf buf;
        po_rng_fill_block(&buf, seed, counter, (uint64_t)b);
        const uint32_t *r = buf.h;
        const size_t lo = b * PO_RNG_BLOCK, m = n - lo < PO_RNG_BLOCK ? n - lo : PO_RNG_BLOCK;
        PO_T *ob = out + lo;
        /* keep when u < (1 - p) 2^32: an integer compare, no float conversion (docs/performance.md); the x == NULL
         * test is outside the loops, so each one vectorizes */
        if (x) {
            const PO_T *xb = x + lo;
            for (size_t i = 0; i < m; i++) ob[i] = xb[i] * (r[i] < thr ? sc : (PO_T)0);
        } else {
            for (size_t i = 0; i < m; i++) ob[i] = r[i] < thr ? sc : (PO_T)0;
        }
    }
    return PO_OK;
}

/* The mask m itself (1 kept, 0 dropped): the forward pass with no input and scale 1, so it is the mask
 * po_dropout applies for the same (seed, counter), element for element. */
int PO_FN(po_dropout_mask)(PO_T *out, size_t n, double p, uint64_t seed, uint64_t counter)
{
    return PO_FN(po_dropout)(out, NULL, n, p, 1.0, seed, counter);
}
