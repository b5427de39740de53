/* optim_extra_tmpl.h -- ASGD, Rprop, Adafactor, Muon (elementwise parts), written once for PO_T in
 * {float, double}. Included twice by optim_extra.c; see optim_extra.h for the contract. Not public.
 *
 * Conventions (torch.optim's single-tensor path): g' = -g when maximize; hyperparameters and the scalar
 * factors torch computes in Python are computed in double and converted to PO_T once, so float32 stays
 * float32 as in torch. The order of the floating-point operations in each block is torch's.
 */


/* torch's lerp (aten/src/ATen/native/Lerp.h): a + w (b - a) if |w| < 0.5, else b - (b - a)(1 - w). */
PO_ALWAYS_INLINE PO_T PO_FN(pox_lerp)(PO_T a, PO_T b, PO_T w, PO_T omw)
{
    return PO_FABS(w) < (PO_T)0.5 ? a + w * (b - a) : b - (b - a) * omw;
}

/* torch.sign: (0 < x) - (x < 0); 0 for NaN. */
PO_ALWAYS_INLINE PO_T PO_FN(pox_sign)(PO_T x)
{
    return (PO_T)((x > (PO_T)0) - (x < (PO_T)0));
}

/* ---- ASGD (Polyak & Juditsky 1992; book 8.7.3 Polyak averaging; torch.optim.ASGD) -------------------
 *   g'  = (maximize ? -g : g) + weight_decay * p       (term skipped when weight_decay == 0)
 *   p  <- p * (1 - lambd * eta)                        (torch: param.mul_(1 - lambd * eta))
 *   p  <- p + (-eta) * g'                              (torch: param.add_(grad, alpha=-eta))
 *   ax <- ax + (p - ax) * mu   if mu != 1, else ax <- p (torch: ax.add_(param.sub(ax).mul_(mu)) / copy_)
 * eta and mu are this step's values (the caller updates them after the step, as torch does).
 * Shapes: p, ax, g all (n,). */
typedef struct { PO_T dec, neta, mu, wd, sgn; } PO_FN(pox_asgd_c);

PO_ALWAYS_INLINE void PO_FN(pox_asgd_body)(PO_T *restrict p, PO_T *restrict ax, const PO_T *restrict g, size_t n,
                                     const PO_FN(pox_asgd_c) *c, const int wdc, const int avg)
{
    const PO_T dec = c->dec, neta = c->neta, mu = c->mu, wd = c->wd, sgn = c->sgn;
    for (size_t i = 0; i < n; i++) {
        PO_T gi = wdc ? sgn * g[i] + wd * p[i] : sgn * g[i];
        PO_T pi = p[i] * dec;
        pi = pi + neta * gi;
        p[i] = pi;
        ax[i] = avg ? ax[i] + (pi - ax[i]) * mu : pi;
    }
}

static PO_TARGET_CLONES void PO_FN(pox_asgd_chunk)(PO_T *restrict p, PO_T *restrict ax, const PO_T *restrict g, size_t n,
                                             const PO_FN(pox_asgd_c) *c, int wdc, int avg)
{
    if (wdc && avg) PO_FN(pox_asgd_body)(p, ax, g, n, c, 1, 1);
    else if (wdc) PO_FN(pox_asgd_body)(p, ax, g, n, c, 1, 0);
    else if (avg) PO_FN(pox_asgd_body)(p, ax, g, n, c, 0, 1);
    else PO_FN(pox_asgd_body)(p, ax, g, n, c, 0, 0);
}

int PO_FN(po_asgd)(PO_T *restrict p, PO_T *restrict ax, const PO_T *restrict g, size_t n, const po_asgd_hp *hp)
{
    PO_FN(pox_asgd_c) c = {(PO_T)(1.0 - hp->lambd * hp->eta), (PO_T)(-hp->eta), (PO_T)hp->mu,
                           (PO_T)hp->weight_decay, hp->maximize ? (PO_T)-1 : (PO_T)1};
    int wdc = hp->weight_decay != 0.0, avg = hp->mu != 1.0;
    PO_SPLIT(n, PO_FN(pox_asgd_chunk)(p + lo, ax + lo, g + lo, len, &c, wdc, avg));
    return PO_OK;
}

/* ---- Rprop (Riedmiller & Braun 1993; torch.optim.Rprop) ---------------------------------------------
 *   s  = sign(g' * prev)                                (torch.sign: 0 for NaN)
 *   f  = etaplus if s > 0, etaminus if s < 0, 1 if s == 0
 *   step_size <- clamp(step_size * f, step_size_min, step_size_max)   (NaN kept; max wins if min > max)
 *   g'' = 0 where f == etaminus, else g'               (no step after a sign change)
 *   p  <- p + (-1 * sign(g'')) * step_size             (torch: param.addcmul_(grad.sign(), step_size, value=-1))
 *   prev <- g''
 * Shapes: p, prev, step_size, g all (n,). */
typedef struct { PO_T em, ep, smin, smax, sgn; } PO_FN(pox_rprop_c);

static PO_TARGET_CLONES void PO_FN(pox_rprop_chunk)(PO_T *restrict p, PO_T *restrict prev, PO_T *restrict ss,
                                              const PO_T *restrict g, size_t n, const PO_FN(pox_rprop_c) *c)
{
    const PO_T em = c->em, ep = c->ep, smin = c->smin, smax = c->smax, sgn = c->sgn;
    for (size_t i = 0; i < n; i++) {
        PO_T gi = sgn * g[i];
        PO_T s = PO_FN(pox_sign)(gi * prev[i]);
        PO_T f = s > (PO_T)0 ? ep : (s < (PO_T)0 ? em : (PO_T)1);
        PO_T st = ss[i] * f;
        st = st < smin ? smin : st;
        st = st > smax ? smax : st;
        ss[i] = st;
        PO_T gz = f == em ? (PO_T)0 : gi;
        p[i] = p[i] + ((PO_T)-1 * PO_FN(pox_sign)(gz)) * st;
        prev[i] = gz;
    }
}

int PO_FN(po_rprop)(PO_T *restrict p, PO_T *restrict prev, PO_T *restrict step_size, const PO_T *restrict g,
                    size_t n, const po_rprop_hp *hp)
{
    PO_FN(pox_rprop_c) c = {(PO_T)hp->etaminus, (PO_T)hp->etaplus, (PO_T)hp->step_size_min,
                            (PO_T)hp->step_size_max, hp->maximize ? (PO_T)-1 : (PO_T)1};
    PO_SPLIT(n, PO_FN(pox_rprop_chunk)(p + lo, prev + lo, step_size + lo, g + lo, len, &c));
    return PO_OK;
}

/* ---- Adafactor (Shazeer & Stern 2018; torch.optim.Adafactor) ----------------------------------------
 * With t = step, w = t^beta2_decay (torch's one_minus_beta2_t), rho = min(lr, 1/sqrt(t)):
 *   alpha = max(eps2, ||p|| / sqrt(n)) * rho               (before the weight decay, as torch)
 *   p <- p * (1 - lr * weight_decay)                        (when weight_decay != 0)
 *   factored, p of shape (..., m, c):
 *     row_var <- lerp(row_var, ||g'_row||^2 / c, w);  col_var <- lerp(col_var, ||g'_col||^2 / m, w)
 *     v_ij = (row_var_i * col_var_j) / max(mean_i(row_var), eps1)
 *   else:  variance <- lerp(variance, g' * g', w);  v = variance
 *   u = (1 / sqrt(max(v, eps1^2))) * g'
 *   p <- p + (-alpha / max(1, ||u|| / (sqrt(n) d))) * u
 * Norms: squares summed in double (8 fixed lanes per row or per PO_RED_BLOCK block, rows/blocks then
 * added in order), rounded to PO_T after the square root as torch's norm(...).item() is.
 * Shapes: p, g (n,) = (B, m, c) when factored, row_var (B m), col_var (B c); else variance (n,). */

/* sum of x*x in double over 8 lanes (lane j mod 8), lanes combined in a fixed tree */
PO_ALWAYS_INLINE double PO_FN(pox_sumsq8)(const PO_T *restrict x, size_t n)
{
    double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (int l = 0; l < 8; l++) a[l] += (double)x[j + l] * (double)x[j + l];
    for (int l = 0; j < n; j++, l++) a[l] += (double)x[j] * (double)x[j];
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

/* factored: rows [r0, r0 + k) of length c: rp <- sum p^2, rg <- sum g^2 */
static PO_TARGET_CLONES void PO_FN(pox_af_rows)(double *restrict rp, double *restrict rg, const PO_T *restrict p,
                                          const PO_T *restrict g, size_t r0, size_t k, size_t c)
{
    for (size_t r = r0; r < r0 + k; r++) {
        rp[r] = PO_FN(pox_sumsq8)(p + r * c, c);
        rg[r] = PO_FN(pox_sumsq8)(g + r * c, c);
    }
}

#define POX_COLBLK 256
/* factored: column blocks [u0, u0 + k) (unit = matrix b, columns [j0, j0 + 256)): cg <- sum over rows of g^2,
 * each column summed in row order */
static PO_TARGET_CLONES void PO_FN(pox_af_cols)(double *restrict cg, const PO_T *restrict g, size_t u0, size_t k,
                                          size_t m, size_t c)
{
    size_t nbc = (c + POX_COLBLK - 1) / POX_COLBLK;
    for (size_t u = u0; u < u0 + k; u++) {
        size_t b = u / nbc, j0 = (u % nbc) * POX_COLBLK, j1 = j0 + POX_COLBLK < c ? j0 + POX_COLBLK : c;
        double *acc = cg + b * c;
        for (size_t j = j0; j < j1; j++) acc[j] = 0.0;
        for (size_t i = 0; i < m; i++) {
            const PO_T *row = g + (b * m + i) * c;
            for (size_t j = j0; j < j1; j++) acc[j] += (double)row[j] * (double)row[j];
        }
    }
}

/* u_ij = (1 / sqrt(max((r_i * c_j) / rm, eps1^2))) * g'_ij */
PO_ALWAYS_INLINE PO_T PO_FN(pox_af_u)(PO_T r, PO_T cj, PO_T rm, PO_T e1sq, PO_T gi)
{
    PO_T t = r * cj;
    t = t / rm;
    t = t < e1sq ? e1sq : t;
    return ((PO_T)1 / PO_SQRT(t)) * gi;
}

/* factored: rows [r0, r0 + k): ru <- sum of u^2 (8 lanes), or (apply) p <- p * dec + coef * u */
static PO_TARGET_CLONES void PO_FN(pox_af_urows)(double *restrict ru, PO_T *restrict p, const PO_T *restrict g,
                                           const PO_T *restrict rv, const PO_T *restrict cv,
                                           const double *restrict rmean, size_t r0, size_t k, size_t m, size_t c,
                                           PO_T e1sq, PO_T sgn, int apply, int wdc, PO_T dec, PO_T coef)
{
    for (size_t r = r0; r < r0 + k; r++) {
        size_t b = r / m;
        const PO_T ri = rv[r], rm = (PO_T)rmean[b];
        const PO_T *cj = cv + b * c, *gr = g + r * c;
        if (apply) {
            PO_T *pr = p + r * c;
            if (wdc) {
                for (size_t j = 0; j < c; j++) {
                    PO_T u = PO_FN(pox_af_u)(ri, cj[j], rm, e1sq, sgn * gr[j]);
                    pr[j] = pr[j] * dec + coef * u;
                }
            } else {
                for (size_t j = 0; j < c; j++) {
                    PO_T u = PO_FN(pox_af_u)(ri, cj[j], rm, e1sq, sgn * gr[j]);
                    pr[j] = pr[j] + coef * u;
                }
            }
        } else {
            double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            size_t j = 0;
            for (; j + 8 <= c; j += 8)
                for (int l = 0; l < 8; l++) {
                    PO_T u = PO_FN(pox_af_u)(ri, cj[j + l], rm, e1sq, gr[j + l]);
                    a[l] += (double)u * (double)u;
                }
            for (int l = 0; j < c; j++, l++) {
                PO_T u = PO_FN(pox_af_u)(ri, cj[j], rm, e1sq, gr[j]);
                a[l] += (double)u * (double)u;
            }
            ru[r] = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
        }
    }
}

/* unfactored: blocks [b0, b0 + k) of PO_RED_BLOCK elements: variance <- lerp(variance, g'*g', w) and the
 * block sums of p^2 and u^2 (pass 1), or (apply) p <- p * dec + coef * u (pass 2) */
static PO_TARGET_CLONES void PO_FN(pox_af_vec)(double *restrict bp, double *restrict bu, PO_T *restrict p,
                                         PO_T *restrict v, const PO_T *restrict g, size_t b0, size_t k, size_t n,
                                         PO_T w, PO_T omw, PO_T e1sq, PO_T sgn, int apply, int wdc, PO_T dec,
                                         PO_T coef)
{
    for (size_t b = b0; b < b0 + k; b++) {
        size_t lo = b * PO_RED_BLOCK, hi = lo + PO_RED_BLOCK < n ? lo + PO_RED_BLOCK : n;
        if (apply) {
            for (size_t i = lo; i < hi; i++) {
                PO_T vi = v[i];
                vi = vi < e1sq ? e1sq : vi;
                PO_T u = ((PO_T)1 / PO_SQRT(vi)) * (sgn * g[i]);
                p[i] = wdc ? p[i] * dec + coef * u : p[i] + coef * u;
            }
            continue;
        }
        double ap[8] = {0, 0, 0, 0, 0, 0, 0, 0}, au[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        size_t i = lo;   /* element i goes to lane (i - lo) mod 8 */
#define POX_AF_VEC1(I, L)                                                                          \
        do {                                                                                       \
            PO_T gi = sgn * g[I];                                                                  \
            PO_T vi = PO_FN(pox_lerp)(v[I], gi * gi, w, omw);                                      \
            v[I] = vi;                                                                             \
            vi = vi < e1sq ? e1sq : vi;                                                            \
            PO_T u = ((PO_T)1 / PO_SQRT(vi)) * gi;                                                \
            ap[L] += (double)p[I] * (double)p[I];                                                  \
            au[L] += (double)u * (double)u;                                                        \
        } while (0)
        for (; i + 8 <= hi; i += 8)
            for (int l = 0; l < 8; l++) POX_AF_VEC1(i + l, l);
        for (int l = 0; i < hi; i++, l++) POX_AF_VEC1(i, l);
#undef POX_AF_VEC1
        bp[b] = ((ap[0] + ap[1]) + (ap[2] + ap[3])) + ((ap[4] + ap[5]) + (ap[6] + ap[7]));
        bu[b] = ((au[0] + au[1]) + (au[2] + au[3])) + ((au[4] + au[5]) + (au[6] + au[7]));
    }
}

/* Long on purpose (about 90 lines): torch's _single_tensor_adafactor step in its order -- decay, row and
 * column means of g^2, the factored estimate, the update's RMS clip, the parameter write -- with the
 * row/column reductions that must give the same bits for any thread count; split, the order is lost. */
int PO_FN(po_adafactor)(PO_T *restrict p, PO_T *restrict row_var, PO_T *restrict col_var,
                        PO_T *restrict variance, const PO_T *restrict g, size_t n, size_t m, size_t c,
                        const po_adafactor_hp *hp)
{
    if (!(hp->step >= 1.0)) return PO_ERR_VALUE;
    int factored = m > 0;
    if (factored ? (c == 0 || !row_var || !col_var || n % (m * c)) : !variance) return PO_ERR_VALUE;
    if (n == 0) return PO_OK;   /* torch divides by zero here (ZeroDivisionError); nothing to update */
    /* scalars as torch computes them in Python (double) */
    double t = hp->step;
    double wd_ = pow(t, hp->beta2_decay);            /* one_minus_beta2_t = step ** beta2_decay */
    double rinv = 1.0 / pow(t, 0.5);
    double rho = rinv < hp->lr ? rinv : hp->lr;      /* Python's min(lr, 1 / step ** 0.5) */
    double sqn = pow((double)n, 0.5);
    const PO_T w = (PO_T)wd_, omw = (PO_T)1 - w, e1 = (PO_T)hp->eps1, e1sq = (PO_T)(hp->eps1 * hp->eps1);
    const PO_T sgn = hp->maximize ? (PO_T)-1 : (PO_T)1;
    const int wdc = hp->weight_decay != 0.0;
    const PO_T dec = (PO_T)(1.0 - hp->lr * hp->weight_decay);
    double psum = 0.0, usum = 0.0;
    double *s1 = NULL, *s2 = NULL, *s3 = NULL;
    int st = PO_OK;

    if (!factored) {
        size_t nb = (n + PO_RED_BLOCK - 1) / PO_RED_BLOCK;
        s1 = malloc(2 * nb * sizeof(double));
        if (!s1) return PO_ERR_NOMEM;
        double *bp = s1, *bu = s1 + nb;
        PO_UNIT_SPLIT(nb, n, PO_FN(pox_af_vec)(bp, bu, p, variance, g, lo, len, n, w, omw, e1sq, sgn, 0, 0,
                                                (PO_T)0, (PO_T)0));
        for (size_t b = 0; b < nb; b++) {
            psum += bp[b];
            usum += bu[b];
        }
        double pn = (double)(PO_T)sqrt(psum), un = (double)(PO_T)sqrt(usum);
        double a0 = pn / sqn, alpha = (a0 > hp->eps2 ? a0 : hp->eps2) * rho;
        double q = un / (sqn * hp->d), denom = q > 1.0 ? q : 1.0;
        const PO_T coef = (PO_T)(-alpha / denom);
        PO_UNIT_SPLIT(nb, n, PO_FN(pox_af_vec)(bp, bu, p, variance, g, lo, len, n, w, omw, e1sq, sgn, 1, wdc,
                                                dec, coef));
        free(s1);
        return PO_OK;
    }

    size_t mc, rows = n / c, B = rows / m, bc;
    if (po_size_mul(m, c, &mc) | po_size_mul(B, c, &bc)) return PO_ERR_VALUE;
    size_t nbc = (c + POX_COLBLK - 1) / POX_COLBLK, units;
    if (po_size_mul(B, nbc, &units)) return PO_ERR_VALUE;
    s1 = malloc(rows * sizeof(double));
    s2 = malloc(rows * sizeof(double));
    s3 = malloc(bc * sizeof(double));
    if (!s1 || !s2 || !s3) { st = PO_ERR_NOMEM; goto done; }
    {
        double *rp = s1, *rg = s2, *cg = s3;
        /* pass 1 (rows): ||p||^2 per row, ||g_row||^2 */
        PO_UNIT_SPLIT(rows, n, PO_FN(pox_af_rows)(rp, rg, p, g, lo, len, c));
        for (size_t r = 0; r < rows; r++) psum += rp[r];
        /* pass 2 (column blocks): ||g_col||^2 */
        PO_UNIT_SPLIT(units, n, PO_FN(pox_af_cols)(cg, g, lo, len, m, c));
        /* the factors (small): torch's norm(...).square_().div_(size) then lerp_ */
        const PO_T tc = (PO_T)c, tm = (PO_T)m;
        for (size_t r = 0; r < rows; r++) {
            PO_T nr = (PO_T)sqrt(rg[r]);
            row_var[r] = PO_FN(pox_lerp)(row_var[r], (nr * nr) / tc, w, omw);
        }
        for (size_t j = 0; j < bc; j++) {
            PO_T nc = (PO_T)sqrt(cg[j]);
            col_var[j] = PO_FN(pox_lerp)(col_var[j], (nc * nc) / tm, w, omw);
        }
        /* mean of row_var over the m rows of each matrix, clamped below at eps1 (NaN kept) */
        double *rmean = rp;
        for (size_t b = 0; b < B; b++) {
            double s = 0.0;
            for (size_t i = 0; i < m; i++) s += (double)row_var[b * m + i];
            PO_T rm = (PO_T)s / tm;
            rmean[b] = (double)(rm < e1 ? e1 : rm);
        }
        /* pass 3 (rows): ||u||^2 */
        double *ru = rg;
        PO_UNIT_SPLIT(rows, n, PO_FN(pox_af_urows)(ru, p, g, row_var, col_var, rmean, lo, len, m, c, e1sq, sgn,
                                                    0, 0, (PO_T)0, (PO_T)0));
        for (size_t r = 0; r < rows; r++) usum += ru[r];
        double pn = (double)(PO_T)sqrt(psum), un = (double)(PO_T)sqrt(usum);
        double a0 = pn / sqn, alpha = (a0 > hp->eps2 ? a0 : hp->eps2) * rho;
        double q = un / (sqn * hp->d), denom = q > 1.0 ? q : 1.0;
        const PO_T coef = (PO_T)(-alpha / denom);
        /* pass 4 (rows): the update */
        PO_UNIT_SPLIT(rows, n, PO_FN(pox_af_urows)(ru, p, g, row_var, col_var, rmean, lo, len, m, c, e1sq, sgn,
                                                    1, wdc, dec, coef));
    }
done:
    free(s1);
    free(s2);
    free(s3);
    return st;
}

/* ---- Muon's elementwise parts (Jordan et al. 2024; torch.optim.Muon) --------------------------------
 *   buf <- lerp(buf, g, 1 - momentum)                   (torch: buf.lerp_(grad, 1 - momentum))
 *   out <- lerp(g, buf, momentum) if nesterov else buf  (torch: grad.lerp(buf, momentum))
 * and, after the Newton-Schulz orthogonalization of out (NumPy/BLAS, in Python):
 *   p <- p * (1 - lr * weight_decay);  p <- p + (-adjusted_lr) * u
 * Shapes: out, buf, g (n,); p, u (n,). */
static PO_TARGET_CLONES void PO_FN(pox_muon_mom_chunk)(PO_T *restrict out, PO_T *restrict buf, const PO_T *restrict g,
                                                 size_t n, PO_T w, PO_T omw, PO_T mu, PO_T ommu, int nesterov)
{
    if (nesterov) {
        for (size_t i = 0; i < n; i++) {
            PO_T b = PO_FN(pox_lerp)(buf[i], g[i], w, omw);
            buf[i] = b;
            out[i] = PO_FN(pox_lerp)(g[i], b, mu, ommu);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            PO_T b = PO_FN(pox_lerp)(buf[i], g[i], w, omw);
            buf[i] = b;
            out[i] = b;
        }
    }
}

int PO_FN(po_muon_momentum)(PO_T *restrict out, PO_T *restrict buf, const PO_T *restrict g, size_t n,
                            double momentum, int nesterov)
{
    const PO_T w = (PO_T)(1.0 - momentum), omw = (PO_T)1 - w, mu = (PO_T)momentum, ommu = (PO_T)1 - mu;
    PO_SPLIT(n, PO_FN(pox_muon_mom_chunk)(out + lo, buf + lo, g + lo, len, w, omw, mu, ommu, nesterov != 0));
    return PO_OK;
}

static PO_TARGET_CLONES void PO_FN(pox_muon_apply_chunk)(PO_T *restrict p, const PO_T *restrict u, size_t n, PO_T dec,
                                                   PO_T nalr)
{
    for (size_t i = 0; i < n; i++) {
        PO_T pi = p[i] * dec;
        p[i] = pi + nalr * u[i];
    }
}

int PO_FN(po_muon_apply)(PO_T *restrict p, const PO_T *restrict u, size_t n, double decay, double adjusted_lr)
{
    const PO_T dec = (PO_T)decay, nalr = (PO_T)(-adjusted_lr);
    PO_SPLIT(n, PO_FN(pox_muon_apply_chunk)(p + lo, u + lo, len, dec, nalr));
    return PO_OK;
}

#undef POX_COLBLK
