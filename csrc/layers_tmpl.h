/* layers_tmpl.h -- activation and bias-gradient kernels, written once for PO_T in {float, double}.
 * Included twice by layers.c (PO_T, PO_FN, PO_TANH, PO_SIGMOID and optionally PO_ACT_FAST_OK /
 * PO_ACT_FAST_CHUNK set there; this file undefines all six at its end, ready for the next instance).
 * See nn.h for the contract.
 * Shapes: x, y, dx, dy (n,) flat; dy (B, D) and db (D,) for the bias gradient. */

/* y = f(x) on one chunk; the kind switch is outside the loops so each loop vectorizes. */
PO_TARGET_CLONES
static void PO_FN(po_act_fwd_chunk)(PO_T *y, const PO_T *x, size_t n, int kind)
{
    switch (kind) {
    case PO_ACT_RELU:
        /* relu(x) = max(x, 0); NaN propagates (x > 0 is false for NaN, so keep x when x != x) */
        for (size_t i = 0; i < n; i++) {
            PO_T v = x[i];
            y[i] = (v > (PO_T)0 || v != v) ? v : (PO_T)0;
        }
        break;
    case PO_ACT_TANH:
        for (size_t i = 0; i < n; i++) y[i] = PO_TANH(x[i]);
        break;
    default:
        for (size_t i = 0; i < n; i++) y[i] = PO_SIGMOID(x[i]);
        break;
    }
}

/* dx = dy * f'(x) on one chunk, from the output y = f(x):
 *   relu: dy [y > 0] (0 at the kink, as torch)   tanh: dy (1 - y^2)   sigmoid: dy y (1 - y) */
PO_TARGET_CLONES
static void PO_FN(po_act_bwd_chunk)(PO_T *dx, const PO_T *dy, const PO_T *y, size_t n, int kind)
{
    switch (kind) {
    case PO_ACT_RELU:
        for (size_t i = 0; i < n; i++) {
            PO_T d = dy[i];   /* unconditional load: the select vectorizes */
            dx[i] = y[i] > (PO_T)0 ? d : (PO_T)0;
        }
        break;
    case PO_ACT_TANH:
        for (size_t i = 0; i < n; i++) dx[i] = dy[i] * ((PO_T)1 - y[i] * y[i]);
        break;
    default:
        for (size_t i = 0; i < n; i++) dx[i] = dy[i] * (y[i] * ((PO_T)1 - y[i]));
        break;
    }
}

/* Elementwise: fixed chunks of PO_NN_CHUNK elements (a multiple of 64 bytes) split across threads. */
int PO_FN(po_act_forward)(PO_T *y, const PO_T *x, size_t n, int kind)
{
    if (kind != PO_ACT_RELU && kind != PO_ACT_TANH && kind != PO_ACT_SIGMOID) return PO_ERR_VALUE;
    size_t nc = (n + PO_NN_CHUNK - 1) / PO_NN_CHUNK;
#ifdef PO_ACT_FAST_OK
    int fast = PO_ACT_FAST_OK(kind);   /* the fused multiply-add path (float64 tanh/sigmoid, layers.c) */
#endif
    PO_PARALLEL_FOR(n)
    for (size_t c = 0; c < nc; c++) {
        size_t lo = c * PO_NN_CHUNK, len = lo + PO_NN_CHUNK < n ? PO_NN_CHUNK : n - lo;
#ifdef PO_ACT_FAST_OK
        if (fast) {
            PO_ACT_FAST_CHUNK(y + lo, x + lo, len, kind);
            continue;
        }
#endif
        PO_FN(po_act_fwd_chunk)(y + lo, x + lo, len, kind);
    }
    return PO_OK;
}

int PO_FN(po_act_backward)(PO_T *dx, const PO_T *dy, const PO_T *y, size_t n, int kind)
{
    if (kind != PO_ACT_RELU && kind != PO_ACT_TANH && kind != PO_ACT_SIGMOID) return PO_ERR_VALUE;
    size_t nc = (n + PO_NN_CHUNK - 1) / PO_NN_CHUNK;
    PO_PARALLEL_FOR(n)
    for (size_t c = 0; c < nc; c++) {
        size_t lo = c * PO_NN_CHUNK, len = lo + PO_NN_CHUNK < n ? PO_NN_CHUNK : n - lo;
        PO_FN(po_act_bwd_chunk)(dx + lo, dy + lo, y + lo, len, kind);
    }
    return PO_OK;
}

/* db[j] += sum_i dy[i, j]: the Dense bias gradient (column sums of the (B, D) output gradient).
 * Rows are summed in fixed chunks (po_nn_rowchunk in nn.h) into PO_T partials, the partials added in
 * chunk order, then the total added to db: deterministic for any thread count. */
int PO_FN(po_bias_grad)(PO_T *restrict db, const PO_T *restrict dy, size_t B, size_t D)
{
    if (B == 0 || D == 0) return PO_OK;
    size_t R0 = po_nn_rowchunk(B, D), nc = (B + R0 - 1) / R0;
    size_t nbytes;
    if (po_size_mul3(nc, D, sizeof(PO_T), &nbytes)) return PO_ERR_NOMEM;
    PO_T *part = malloc(nbytes);
    if (!part) return PO_ERR_NOMEM;
    PO_PARALLEL_FOR(B * D)
    for (size_t c = 0; c < nc; c++) {
        PO_T *restrict p = part + c * D;
        size_t i0 = c * R0, i1 = i0 + R0 < B ? i0 + R0 : B;
        for (size_t j = 0; j < D; j++) p[j] = dy[i0 * D + j];
        for (size_t i = i0 + 1; i < i1; i++) {
            const PO_T *restrict row = dy + i * D;
            for (size_t j = 0; j < D; j++) p[j] += row[j];
        }
    }
    for (size_t c = 1; c < nc; c++) {
        const PO_T *restrict p = part + c * D;
        for (size_t j = 0; j < D; j++) part[j] += p[j];
    }
    for (size_t j = 0; j < D; j++) db[j] += part[j];
    free(part);
    return PO_OK;
}

/* this instance's parameters (set by layers.c), undefined for the next one */
#undef PO_T
#undef PO_FN
#undef PO_TANH
#undef PO_SIGMOID
#undef PO_ACT_FAST_OK
#undef PO_ACT_FAST_CHUNK
