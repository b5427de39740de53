/* batchnorm_tmpl.h -- batch normalization forward and backward, written once for PO_T in {float, double}.
 * Included twice by batchnorm.c. See nn.h for the contract.
 * Shapes: x, y, dy, dx (B, D) row-major; gamma, beta, save_*, running_*, dgamma, dbeta (D,).
 *
 * Column statistics walk the rows in order (contiguous memory, vectorized over the columns) in fixed
 * chunks of po_nn_rowchunk(B, D) rows, in double, one pass: mean and sum of squared deviations by
 * blocked Welford/Chan updates per chunk (forward), sum dy and sum dy xhat together (backward); the
 * chunk results are merged in chunk order (nn.h), so the bits are the same for any thread count. The elementwise passes (normalize +
 * affine, dx) are split over the same chunks. Forward reads x twice; backward reads dy and x twice. */

/* Chunk kernels: rows [i0, i1) of the (B, D) matrices, vectorized over the D columns, each column's
 * terms in row order; PO_TARGET_CLONES gives them the AVX2/AVX-512 clones (compat.h). Vector width changes
 * nothing: every column is its own scalar sequence, so the bits are the same on every ISA too. */

/* Mean and sum of squared deviations of one chunk of rows, in double, one pass (book 8.7.1 eq. 8.35-8.36):
 * blocks of 4 rows, each block's mean mb and m2b by two passes over its 4 values in registers, merged
 * into the running (n, mean, m2) by Chan, Golub and LeVeque's update (the parallel form of Welford's):
 *   delta = mb - mean;  mean += delta nb / (n + nb);  m2 += m2b + delta^2 n nb / (n + nb)
 * Leftover rows are merged one at a time (nb = 1, m2b = 0). No cancellation (unlike sum x^2 - (sum x)^2
 * / B); 4-row blocks cut the loads and stores of the accumulators 4-fold (3x faster than per-row Welford
 * here). */
PO_TARGET_CLONES
static void PO_FN(po_bn_welford_chunk)(double *restrict mean, double *restrict m2, const PO_T *restrict x,
                                       size_t i0, size_t i1, size_t D)
{
    for (size_t j = 0; j < D; j++) {
        mean[j] = 0.0;
        m2[j] = 0.0;
    }
    size_t i = i0;
    for (; i + 4 <= i1; i += 4) {
        const PO_T *restrict r0 = x + i * D, *restrict r1 = r0 + D, *restrict r2 = r1 + D, *restrict r3 = r2 + D;
        double n = (double)(i - i0), wb = 4.0 / (n + 4.0), wab = n * wb;
        for (size_t j = 0; j < D; j++) {
            double v0 = (double)r0[j], v1 = (double)r1[j], v2 = (double)r2[j], v3 = (double)r3[j];
            double mb = ((v0 + v1) + (v2 + v3)) * 0.25;
            double d0 = v0 - mb, d1 = v1 - mb, d2 = v2 - mb, d3 = v3 - mb;
            double delta = mb - mean[j];
            mean[j] += delta * wb;
            m2[j] += ((d0 * d0 + d1 * d1) + (d2 * d2 + d3 * d3)) + delta * delta * wab;
        }
    }
    for (; i < i1; i++) {
        const PO_T *restrict xi = x + i * D;
        double n = (double)(i - i0), wb = 1.0 / (n + 1.0), wab = n * wb;
        for (size_t j = 0; j < D; j++) {
            double delta = (double)xi[j] - mean[j];
            mean[j] += delta * wb;
            m2[j] += delta * delta * wab;
        }
    }
}

/* y = gamma (x - mu) invstd + beta   (book eq. 8.35, then gamma H' + beta), torch's order */
PO_TARGET_CLONES
static void PO_FN(po_bn_affine_chunk)(PO_T *restrict y, const PO_T *restrict x, const PO_T *restrict mt,
                                      const PO_T *restrict st, const PO_T *restrict gamma,
                                      const PO_T *restrict beta, size_t i0, size_t i1, size_t D)
{
    for (size_t i = i0; i < i1; i++) {
        const PO_T *restrict xi = x + i * D;
        PO_T *restrict yi = y + i * D;
        for (size_t j = 0; j < D; j++) yi[j] = (xi[j] - mt[j]) * st[j] * gamma[j] + beta[j];
    }
}

/* The backward's two reductions in one pass: s1[j] = sum_i dy, s2[j] = sum_i dy xhat, in double, with
 * xhat = (x - mu) invstd rounded to PO_T (as the dx pass computes it). */
PO_TARGET_CLONES
static void PO_FN(po_bn_bwd_sums_chunk)(double *restrict s1, double *restrict s2, const PO_T *restrict dy,
                                        const PO_T *restrict x, const PO_T *restrict mt,
                                        const PO_T *restrict st, size_t i0, size_t i1, size_t D)
{
    for (size_t j = 0; j < D; j++) {
        s1[j] = 0.0;
        s2[j] = 0.0;
    }
    for (size_t i = i0; i < i1; i++) {
        const PO_T *restrict gi = dy + i * D, *restrict xi = x + i * D;
        for (size_t j = 0; j < D; j++) {
            double g = (double)gi[j];
            s1[j] += g;
            s2[j] += g * (double)((xi[j] - mt[j]) * st[j]);
        }
    }
}

/* training: dx = gamma invstd (dy - mean(dy) - xhat mean(dy xhat)) (through mu and var; book 8.7.1);
 * eval (m1 == NULL): the statistics are constants, dx = gamma invstd dy */
PO_TARGET_CLONES
static void PO_FN(po_bn_dx_chunk)(PO_T *restrict dx, const PO_T *restrict dy, const PO_T *restrict x,
                                  const PO_T *restrict mt, const PO_T *restrict st, const PO_T *restrict at,
                                  const PO_T *restrict m1, const PO_T *restrict m2, size_t i0, size_t i1,
                                  size_t D)
{
    for (size_t i = i0; i < i1; i++) {
        const PO_T *restrict xi = x + i * D, *restrict gi = dy + i * D;
        PO_T *restrict di = dx + i * D;
        if (m1) {
            for (size_t j = 0; j < D; j++) {
                PO_T xh = (xi[j] - mt[j]) * st[j];
                di[j] = at[j] * (gi[j] - m1[j] - xh * m2[j]);
            }
        } else {
            for (size_t j = 0; j < D; j++) di[j] = at[j] * gi[j];
        }
    }
}

/* rows of chunk c: [c R0, min((c+1) R0, B)) */
#define PO_BN_CHUNK_ROWS(c, R0, B, i0, i1) \
    size_t i0 = (c) * (R0), i1 = i0 + (R0) < (B) ? i0 + (R0) : (B)

int PO_FN(po_bn_forward)(PO_T *y, PO_T *save_mean, PO_T *save_invstd, PO_T *running_mean, PO_T *running_var,
                         const PO_T *x, const PO_T *gamma, const PO_T *beta, size_t B, size_t D,
                         int training, double momentum, double eps)
{
    if (training && B < 2) return PO_ERR_VALUE;   /* no variance from one sample (torch raises too) */
    if (!training && (!running_mean || !running_var)) return PO_ERR_VALUE;
    if (D == 0) return PO_OK;
    size_t R0 = po_nn_rowchunk(B, D), nc = (B + R0 - 1) / R0;
    if (training) {
        size_t nbytes;
        if (po_size_mul3(2 * nc, D, sizeof(double), &nbytes)) return PO_ERR_NOMEM;
        double *part = malloc(nbytes);
        if (!part) return PO_ERR_NOMEM;
        /* one pass: Welford per chunk of rows (fixed chunks: the same bits for any thread count) */
        PO_PARALLEL_FOR(B * D)
        for (size_t c = 0; c < nc; c++) {
            PO_BN_CHUNK_ROWS(c, R0, B, i0, i1);
            PO_FN(po_bn_welford_chunk)(part + 2 * c * D, part + (2 * c + 1) * D, x, i0, i1, D);
        }
        /* merge the chunks in chunk order (Chan, Golub and LeVeque 1979):
         *   delta = mean_b - mean_a;  n = n_a + n_b;  mean = mean_a + delta n_b / n;
         *   m2 = m2_a + m2_b + delta^2 n_a n_b / n */
        double *mean = part, *m2 = part + D;
        for (size_t c = 1; c < nc; c++) {
            PO_BN_CHUNK_ROWS(c, R0, B, i0, i1);
            const double *mb = part + 2 * c * D, *m2b = part + (2 * c + 1) * D;
            double na = (double)i0, nb = (double)(i1 - i0), n = na + nb;
            double wb = nb / n, wab = na * nb / n;
            for (size_t j = 0; j < D; j++) {
                double delta = mb[j] - mean[j];
                mean[j] += delta * wb;
                m2[j] += m2b[j] + delta * delta * wab;
            }
        }
        /* a column with inf or NaN: Welford's updates turn inf into NaN (inf - inf), where the sum gives
         * inf; redo such a column as sum, then centred squares (the twin's two passes), in row order */
        for (size_t j = 0; j < D; j++) {
            if (isfinite(mean[j]) && isfinite(m2[j])) continue;
            double sum = 0.0, sq = 0.0;
            for (size_t i = 0; i < B; i++) sum += (double)x[i * D + j];
            double mu = sum / (double)B;
            for (size_t i = 0; i < B; i++) sq += ((double)x[i * D + j] - mu) * ((double)x[i * D + j] - mu);
            mean[j] = mu;
            m2[j] = sq;
        }
        for (size_t j = 0; j < D; j++) {
            double v = m2[j] / (double)B;                         /* biased: used to normalize */
            if (running_mean) {
                /* torch: running <- (1 - momentum) running + momentum batch, unbiased variance */
                running_mean[j] = (PO_T)((1.0 - momentum) * (double)running_mean[j] + momentum * mean[j]);
                running_var[j] = (PO_T)((1.0 - momentum) * (double)running_var[j] +
                                        momentum * v * (double)B / (double)(B - 1));
            }
            save_mean[j] = (PO_T)mean[j];
            save_invstd[j] = (PO_T)(1.0 / sqrt(v + eps));
        }
        free(part);
    } else {
        for (size_t j = 0; j < D; j++) {
            save_mean[j] = running_mean[j];
            save_invstd[j] = (PO_T)(1.0 / sqrt((double)running_var[j] + eps));
        }
    }
    /* the fused normalize + affine pass, split over the same row chunks */
    PO_PARALLEL_FOR(B * D)
    for (size_t c = 0; c < nc; c++) {
        PO_BN_CHUNK_ROWS(c, R0, B, i0, i1);
        PO_FN(po_bn_affine_chunk)(y, x, save_mean, save_invstd, gamma, beta, i0, i1, D);
    }
    return PO_OK;
}

int PO_FN(po_bn_backward)(PO_T *dx, PO_T *dgamma, PO_T *dbeta, const PO_T *dy, const PO_T *x,
                          const PO_T *gamma, const PO_T *save_mean, const PO_T *save_invstd, size_t B,
                          size_t D, int training)
{
    if (D == 0) return PO_OK;
    size_t R0 = po_nn_rowchunk(B, D), nc = (B + R0 - 1) / R0;
    size_t nbytes, tbytes;
    if (po_size_mul3(2 * nc + 2, D, sizeof(double), &nbytes) | po_size_mul3(3, D, sizeof(PO_T), &tbytes) |
        po_size_add(nbytes, tbytes, &nbytes))
        return PO_ERR_NOMEM;
    double *sdy = malloc(nbytes);
    if (!sdy) return PO_ERR_NOMEM;
    double *sdyx = sdy + D, *part = sdy + 2 * D;
    PO_T *at = (PO_T *)(part + 2 * nc * D), *m1 = at + D, *m2 = m1 + D;
    /* one pass for both sums over the batch: sum dy and sum dy xhat (chunk partials, chunk order) */
    PO_PARALLEL_FOR(B * D)
    for (size_t c = 0; c < nc; c++) {
        PO_BN_CHUNK_ROWS(c, R0, B, i0, i1);
        PO_FN(po_bn_bwd_sums_chunk)(part + 2 * c * D, part + (2 * c + 1) * D, dy, x, save_mean, save_invstd,
                                    i0, i1, D);
    }
    for (size_t j = 0; j < D; j++) {
        sdy[j] = nc ? part[j] : 0.0;
        sdyx[j] = nc ? part[D + j] : 0.0;
    }
    for (size_t c = 1; c < nc; c++)
        for (size_t j = 0; j < D; j++) {
            sdy[j] += part[2 * c * D + j];
            sdyx[j] += part[(2 * c + 1) * D + j];
        }
    for (size_t j = 0; j < D; j++) {
        if (dbeta) dbeta[j] += (PO_T)sdy[j];
        if (dgamma) dgamma[j] += (PO_T)sdyx[j];
        at[j] = gamma[j] * save_invstd[j];
        m1[j] = (PO_T)(sdy[j] / (double)B);
        m2[j] = (PO_T)(sdyx[j] / (double)B);
    }
    if (dx) {
        PO_PARALLEL_FOR(B * D)
        for (size_t c = 0; c < nc; c++) {
            PO_BN_CHUNK_ROWS(c, R0, B, i0, i1);
            PO_FN(po_bn_dx_chunk)(dx, dy, x, save_mean, save_invstd, at, training ? m1 : NULL,
                                  training ? m2 : NULL, i0, i1, D);
        }
    }
    free(sdy);
    return PO_OK;
}

#undef PO_BN_CHUNK_ROWS
