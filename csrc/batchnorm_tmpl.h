/* batchnorm_tmpl.h -- batch normalization forward and backward, written once for PO_T in {float, double}.
 * Included twice by batchnorm.c. See nn.h for the contract.
 * Shapes: x, y, dy, dx (B, D) row-major; gamma, beta, save_*, running_*, dgamma, dbeta (D,).
 *
 * Column statistics walk the rows in order (contiguous memory, vectorized over the columns) in fixed
 * chunks of po_nn_rowchunk(B, D) rows with double partial sums per chunk, added in chunk order (nn.h):
 * bit-identical for any thread count. Elementwise passes are split over rows. */

/* sum[j] = sum_i f(x[i, j]) via chunk partials; `part` has nc * D doubles. F(i, j) is the term. */
#define PO_BN_COLSUM(sum, part, B, D, TERM)                                                       \
    do {                                                                                         \
        size_t R0_ = po_nn_rowchunk(B, D), nc_ = ((B) + R0_ - 1) / R0_;                             \
        PO_PARALLEL_FOR((B) * (D))                                                               \
        for (size_t c_ = 0; c_ < nc_; c_++) {                                                    \
            double *restrict p_ = (part) + c_ * (D);                                             \
            size_t i0_ = c_ * R0_, i1_ = i0_ + R0_ < (B) ? i0_ + R0_ : (B);                      \
            for (size_t j = 0; j < (D); j++) p_[j] = 0.0;                                        \
            for (size_t i = i0_; i < i1_; i++)                                                   \
                for (size_t j = 0; j < (D); j++) p_[j] += (TERM);                                \
        }                                                                                        \
        for (size_t j = 0; j < (D); j++) (sum)[j] = nc_ ? (part)[j] : 0.0;                       \
        for (size_t c_ = 1; c_ < nc_; c_++)                                                      \
            for (size_t j = 0; j < (D); j++) (sum)[j] += (part)[c_ * (D) + j];                   \
    } while (0)

int PO_FN(po_bn_forward)(PO_T *y, PO_T *save_mean, PO_T *save_invstd, PO_T *running_mean, PO_T *running_var,
                         const PO_T *x, const PO_T *gamma, const PO_T *beta, size_t B, size_t D,
                         int training, double momentum, double eps)
{
    if (training && B < 2) return PO_ERR_VALUE;   /* no variance from one sample (torch raises too) */
    if (!training && (!running_mean || !running_var)) return PO_ERR_VALUE;
    if (D == 0) return PO_OK;
    if (training) {
        size_t nc = (B + po_nn_rowchunk(B, D) - 1) / po_nn_rowchunk(B, D);
        size_t nbytes;
        if (po_size_mul3(nc + 2, D, sizeof(double), &nbytes)) return PO_ERR_NOMEM;
        double *mean = malloc(nbytes);
        if (!mean) return PO_ERR_NOMEM;
        double *var = mean + D, *part = mean + 2 * D;
        /* two passes (mean, then centred squares): no cancellation; book 8.7.1 eq. 8.35-8.36 */
        PO_BN_COLSUM(mean, part, B, D, (double)x[i * D + j]);
        for (size_t j = 0; j < D; j++) mean[j] /= (double)B;
        PO_BN_COLSUM(var, part, B, D, ((double)x[i * D + j] - mean[j]) * ((double)x[i * D + j] - mean[j]));
        for (size_t j = 0; j < D; j++) {
            double v = var[j] / (double)B;                         /* biased: used to normalize */
            if (running_mean) {
                /* torch: running <- (1 - momentum) running + momentum batch, unbiased variance */
                running_mean[j] = (PO_T)((1.0 - momentum) * (double)running_mean[j] + momentum * mean[j]);
                running_var[j] = (PO_T)((1.0 - momentum) * (double)running_var[j] +
                                        momentum * v * (double)B / (double)(B - 1));
            }
            save_mean[j] = (PO_T)mean[j];
            save_invstd[j] = (PO_T)(1.0 / sqrt(v + eps));
        }
        free(mean);
    } else {
        for (size_t j = 0; j < D; j++) {
            save_mean[j] = running_mean[j];
            save_invstd[j] = (PO_T)(1.0 / sqrt((double)running_var[j] + eps));
        }
    }
    /* y = gamma (x - mu) / sqrt(var + eps) + beta   (book eq. 8.35, then gamma H' + beta) */
    const PO_T *restrict mt = save_mean, *restrict st = save_invstd;
    PO_PARALLEL_FOR(B * D)
    for (size_t i = 0; i < B; i++) {
        const PO_T *restrict xi = x + i * D;
        PO_T *restrict yi = y + i * D;
        for (size_t j = 0; j < D; j++) yi[j] = (xi[j] - mt[j]) * st[j] * gamma[j] + beta[j];
    }
    return PO_OK;
}

int PO_FN(po_bn_backward)(PO_T *dx, PO_T *dgamma, PO_T *dbeta, const PO_T *dy, const PO_T *x,
                          const PO_T *gamma, const PO_T *save_mean, const PO_T *save_invstd, size_t B,
                          size_t D, int training)
{
    if (D == 0) return PO_OK;
    size_t nc = (B + po_nn_rowchunk(B, D) - 1) / po_nn_rowchunk(B, D);
    size_t nbytes, tbytes;
    if (po_size_mul3(nc + 2, D, sizeof(double), &nbytes) | po_size_mul3(3, D, sizeof(PO_T), &tbytes) |
        po_size_add(nbytes, tbytes, &nbytes))
        return PO_ERR_NOMEM;
    double *sdy = malloc(nbytes);
    if (!sdy) return PO_ERR_NOMEM;
    double *sdyx = sdy + D, *part = sdy + 2 * D;
    PO_T *at = (PO_T *)(part + nc * D), *m1 = at + D, *m2 = m1 + D;
    const PO_T *restrict mt = save_mean, *restrict st = save_invstd;
    /* sums over the batch: sum dy and sum dy xhat, xhat = (x - mu) invstd (computed in PO_T) */
    PO_BN_COLSUM(sdy, part, B, D, (double)dy[i * D + j]);
    PO_BN_COLSUM(sdyx, part, B, D, (double)dy[i * D + j] * (double)((x[i * D + j] - mt[j]) * st[j]));
    for (size_t j = 0; j < D; j++) {
        if (dbeta) dbeta[j] += (PO_T)sdy[j];
        if (dgamma) dgamma[j] += (PO_T)sdyx[j];
        at[j] = gamma[j] * st[j];
        m1[j] = (PO_T)(sdy[j] / (double)B);
        m2[j] = (PO_T)(sdyx[j] / (double)B);
    }
    if (dx) {
        if (training) {
            /* dx = gamma invstd (dy - mean(dy) - xhat mean(dy xhat)): through mu and var (book 8.7.1) */
            PO_PARALLEL_FOR(B * D)
            for (size_t i = 0; i < B; i++) {
                const PO_T *restrict xi = x + i * D, *restrict gi = dy + i * D;
                PO_T *restrict di = dx + i * D;
                for (size_t j = 0; j < D; j++) {
                    PO_T xh = (xi[j] - mt[j]) * st[j];
                    di[j] = at[j] * (gi[j] - m1[j] - xh * m2[j]);
                }
            }
        } else {
            /* eval: the statistics are constants, dx = gamma invstd dy */
            PO_PARALLEL_FOR(B * D)
            for (size_t i = 0; i < B; i++) {
                const PO_T *restrict gi = dy + i * D;
                PO_T *restrict di = dx + i * D;
                for (size_t j = 0; j < D; j++) di[j] = at[j] * gi[j];
            }
        }
    }
    free(sdy);
    return PO_OK;
}

#undef PO_BN_COLSUM
