/* losses_tmpl.h -- fused loss kernels, written once for PO_T in {float, double}.
 * Included twice by losses.c (PO_T, PO_FN, PO_EXP, PO_LOG1P set there). See nn.h for the contract.
 * Shapes: z, grad (B, K) row-major; labels (B,); o, t, grad (n,) flat for MSE and BCE.
 *
 * Every mean is deterministic: per-row losses (softmax) or per-block partial sums (MSE, BCE, blocks of
 * PO_RED_BLOCK elements) are formed in double, then added serially in row / block order. */

/* Softmax cross-entropy with torch's label smoothing, one fused pass per row (book 6.2.2.3, 7.5.1):
 *   m = max_k z_k;  e_k = exp(z_k - m);  s = sum_k e_k;  lse = m + log s     (stable log-sum-exp)
 *   row loss = lse - (1 - eps) z_y - (eps / K) sum_k z_k        (= -sum_k t_k log softmax(z)_k)
 *   grad_k = e_k / (s B) - eps / (K B) - [k == y] (1 - eps) / B  (= (softmax(z) - t) / B)
 * Rows are independent, so they are split across threads (bit-identical for any thread count). */
/* One row: returns the row loss, writes the row's gradient when gi != NULL. */
PO_TARGET_CLONES
static double PO_FN(po_xent_row)(PO_T *gi, const PO_T *zi, size_t K, size_t y, double eps, double invB)
{
    const double on = 1.0 - eps, off = eps / (double)K;
    PO_T m = -INFINITY;
#pragma omp simd reduction(max : m)
    for (size_t k = 0; k < K; k++) m = zi[k] > m ? zi[k] : m;
    PO_T s = 0;
    if (gi) {
#pragma omp simd reduction(+ : s)
        for (size_t k = 0; k < K; k++) {
            PO_T e = PO_EXP(zi[k] - m);
            gi[k] = e;
            s += e;
        }
    } else {
#pragma omp simd reduction(+ : s)
        for (size_t k = 0; k < K; k++) s += PO_EXP(zi[k] - m);
    }
    double l = (double)m + log((double)s) - on * (double)zi[y];
    if (eps != 0.0) {
        PO_T sz = 0;
#pragma omp simd reduction(+ : sz)
        for (size_t k = 0; k < K; k++) sz += zi[k];
        l -= off * (double)sz;
    }
    if (gi) {
        const PO_T c = (PO_T)(invB / (double)s), offB = (PO_T)(off * invB);
#pragma omp simd
        for (size_t k = 0; k < K; k++) gi[k] = gi[k] * c - offB;
        gi[y] -= (PO_T)(on * invB);
    }
    return l;
}

int PO_FN(po_softmax_xent)(double *loss, PO_T *grad, PO_T *row_loss, long long *bad_row, const PO_T *z,
                           const int64_t *labels64, const int32_t *labels32, size_t B, size_t K, double eps)
{
    *loss = NAN;
    for (size_t i = 0; i < B; i++) {   /* labels first, so a bad one leaves every output untouched */
        long long lab = labels64 ? (long long)PO_LOAD_ONCE(&labels64[i]) : (long long)PO_LOAD_ONCE(&labels32[i]);
        if (lab < 0 || (unsigned long long)lab >= (unsigned long long)K) {
            *bad_row = (long long)i;
            return PO_ERR_INDEX;
        }
    }
    if (B == 0) return PO_OK;   /* the mean of nothing: NaN, as torch */
    size_t work;
    if (po_size_mul(B, K, &work)) return PO_ERR_VALUE;
    double stackbuf[256];
    double *rl = B <= 256 ? stackbuf : malloc(B * sizeof(double));   /* B doubles: B*K elements exist */
    if (!rl) return PO_ERR_NOMEM;
    const double invB = 1.0 / (double)B;
    /* Each label is read again here, once, and checked where it is used: another thread may have
     * rewritten it since the loop above (the GIL is released). Such a row is skipped and reported. */
    long long bad = -1;
    PO_PARALLEL_FOR(work)
    for (size_t i = 0; i < B; i++) {
        long long lab = labels64 ? (long long)PO_LOAD_ONCE(&labels64[i]) : (long long)PO_LOAD_ONCE(&labels32[i]);
        if (lab < 0 || (unsigned long long)lab >= (unsigned long long)K) {
            __atomic_store_n(&bad, (long long)i, __ATOMIC_RELAXED);
            rl[i] = NAN;
            continue;
        }
        rl[i] = PO_FN(po_xent_row)(grad ? grad + i * K : NULL, z + i * K, K, (size_t)lab, eps, invB);
    }
    if (bad >= 0) {
        *bad_row = bad;
        if (rl != stackbuf) free(rl);
        return PO_ERR_INDEX;
    }
    double sum = 0.0;
    for (size_t i = 0; i < B; i++) sum += rl[i];
    if (row_loss)
        for (size_t i = 0; i < B; i++) row_loss[i] = (PO_T)rl[i];
    *loss = sum / (double)B;
    if (rl != stackbuf) free(rl);
    return PO_OK;
}

/* Sum of fixed blocks: part[b] = block b's partial sum (double), added in block order afterwards.
 * The body (the variadic argument) must add the i-th term to `acc` (a double) and may write outputs at i. */
#define PO_NN_BLOCKSUM(total, n, ...)                                                             \
    do {                                                                                         \
        size_t nb_ = ((n) + PO_RED_BLOCK - 1) / PO_RED_BLOCK;                                     \
        double pstack_[64];                                                                      \
        double *part_ = nb_ <= 64 ? pstack_ : malloc(nb_ * sizeof(double));                      \
        if (!part_) return PO_ERR_NOMEM;                                                         \
        PO_PARALLEL_FOR(n)                                                                       \
        for (size_t b_ = 0; b_ < nb_; b_++) {                                                    \
            size_t lo_ = b_ * PO_RED_BLOCK, hi_ = lo_ + PO_RED_BLOCK < (n) ? lo_ + PO_RED_BLOCK : (n); \
            double acc = 0.0;                                                                    \
            _Pragma("omp simd reduction(+ : acc)")                                              \
            for (size_t i = lo_; i < hi_; i++) { __VA_ARGS__ }                                    \
            part_[b_] = acc;                                                                     \
        }                                                                                        \
        double s_ = 0.0;                                                                         \
        for (size_t b_ = 0; b_ < nb_; b_++) s_ += part_[b_];                                     \
        if (part_ != pstack_) free(part_);                                                       \
        (total) = s_;                                                                            \
    } while (0)

/* MSE, torch's reduction='mean': loss = sum (o - t)^2 / n, grad = (2 / n) (o - t). */
int PO_FN(po_mse)(double *loss, PO_T *restrict grad, const PO_T *restrict o, const PO_T *restrict t, size_t n)
{
    double total;
    if (grad) {
        const PO_T c = (PO_T)(2.0 / (double)(n ? n : 1));
        PO_NN_BLOCKSUM(total, n, { PO_T d = o[i] - t[i]; grad[i] = c * d; acc += (double)d * (double)d; });
    } else {
        PO_NN_BLOCKSUM(total, n, { PO_T d = o[i] - t[i]; acc += (double)d * (double)d; });
    }
    *loss = total / (double)n;   /* n = 0: NaN, as torch */
    return PO_OK;
}

/* Binary cross-entropy on logits (torch's binary_cross_entropy_with_logits), stable for any z:
 *   l = max(z, 0) - z y + log1p(exp(-|z|))
 *   dl/dz = sigmoid(z) - y, sigmoid(z) = 1/(1+e) for z >= 0 and e/(1+e) for z < 0, e = exp(-|z|). */
int PO_FN(po_bce_logits)(double *loss, PO_T *restrict grad, const PO_T *restrict z, const PO_T *restrict y, size_t n)
{
    double total;
    if (grad) {
        const PO_T c = (PO_T)(1.0 / (double)(n ? n : 1));
        PO_NN_BLOCKSUM(total, n, {
            PO_T zi = z[i], e = PO_EXP(-fabs(zi)), r = (PO_T)1 / ((PO_T)1 + e);
            PO_T sig = zi >= (PO_T)0 ? r : e * r;
            grad[i] = c * (sig - y[i]);
            acc += (double)((zi > (PO_T)0 ? zi : (PO_T)0) - zi * y[i] + PO_LOG1P(e));
        });
    } else {
        PO_NN_BLOCKSUM(total, n, {
            PO_T zi = z[i], e = PO_EXP(-fabs(zi));
            acc += (double)((zi > (PO_T)0 ? zi : (PO_T)0) - zi * y[i] + PO_LOG1P(e));
        });
    }
    *loss = total / (double)n;
    return PO_OK;
}

#undef PO_NN_BLOCKSUM
