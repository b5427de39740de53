/* optim_more_tmpl.h -- Adadelta, Adamax, NAdam and RAdam kernels, written once for PO_T in
 * {float, double}. Included twice by optim_more.c; see optim_more.h for the contract. Not a public header.
 *
 * Conventions (torch.optim's single-tensor path, so the numbers agree with torch.optim), as optim_tmpl.h:
 *   g' = (maximize ? -g : g) + weight_decay * p          (coupled weight decay, book 7.1.1)
 * the decay term skipped when weight_decay == 0 (torch: `if weight_decay != 0:`). Hyperparameters are
 * converted to PO_T once, so float32 arithmetic stays float32 (as torch does); scalar factors that torch
 * computes in Python (bias corrections, step sizes, NAdam's momentum schedule, RAdam's rectification)
 * are computed here in double, with pow() where Python writes `**`. The floating-point operations
 * follow torch's tensor ops (lerp_, addcmul_, addcdiv_, maximum, reciprocal), written out in each block.
 *
 * Each kernel = a public entry that prepares the constants and splits [0, n) across threads
 * (PO_SPLIT), and a PO_TARGET_CLONES chunk function with the loop. Flags are passed as literal constants
 * to always-inline bodies, so each option combination gets its own vectorized loop.
 */

#define PO_INLINE static inline __attribute__((always_inline))

/* torch's lerp (aten/src/ATen/native/Lerp.h, scalar weight): a + w (b - a) for |w| < 0.5, else
 * b - (b - a)(1 - w). */
PO_INLINE PO_T PO_FN(po_mlerp)(PO_T a, PO_T b, PO_T w, PO_T omw)
{
    return w < (PO_T)0.5 ? a + w * (b - a) : b - (b - a) * omw;
}

/* ---- Adadelta (Zeiler 2012, Algorithm 1; book 8.5.4; torch.optim.Adadelta) -----------------------
 *   r  <- rho * r + ((1 - rho) * g') * g'                (torch: mul_(rho).addcmul_(g, g, 1 - rho))
 *   d  <- (sqrt(u + eps) / sqrt(r + eps)) * g'           (torch: acc_delta.add(eps).sqrt_().div_(std).mul_(g))
 *   u  <- rho * u + ((1 - rho) * d) * d                  (the running mean of squared updates)
 *   p  <- p + (-lr) * d                                  (torch: param.add_(delta, alpha=-lr))
 * Zeiler's rule is lr = 1: the ratio of the two RMS values gives the step its units.
 * Shapes: p, r (square_avg), u (acc_delta), g all (n,). */
typedef struct { PO_T nlr, rho, omr, eps, wd, sgn; } PO_FN(po_adadelta_c);

PO_INLINE void PO_FN(po_adadelta_body)(PO_T *restrict p, PO_T *restrict r, PO_T *restrict u,
                                       const PO_T *restrict g, size_t n, const PO_FN(po_adadelta_c) *c,
                                       const int wdc)
{
    const PO_T nlr = c->nlr, rho = c->rho, omr = c->omr, eps = c->eps, wd = c->wd, sgn = c->sgn;
    for (size_t i = 0; i < n; i++) {
        PO_T gi = wdc ? sgn * g[i] + wd * p[i] : sgn * g[i];
        PO_T ri = r[i] * rho + (omr * gi) * gi;
        r[i] = ri;
        PO_T std = PO_SQRT(ri + eps);
        PO_T d = PO_SQRT(u[i] + eps);
        d = (d / std) * gi;
        u[i] = u[i] * rho + (omr * d) * d;
        p[i] = p[i] + nlr * d;
    }
}

static PO_TARGET_CLONES void PO_FN(po_adadelta_chunk)(PO_T *restrict p, PO_T *restrict r, PO_T *restrict u,
                                               const PO_T *restrict g, size_t n,
                                               const PO_FN(po_adadelta_c) *c, int wdc)
{
    if (wdc) PO_FN(po_adadelta_body)(p, r, u, g, n, c, 1);
    else PO_FN(po_adadelta_body)(p, r, u, g, n, c, 0);
}

int PO_FN(po_adadelta)(PO_T *restrict p, PO_T *restrict square_avg, PO_T *restrict acc_delta,
                       const PO_T *restrict g, size_t n, const po_adadelta_hp *hp)
{
    PO_FN(po_adadelta_c) c = {(PO_T)(-hp->lr), (PO_T)hp->rho, (PO_T)(1.0 - hp->rho), (PO_T)hp->eps,
                              (PO_T)hp->weight_decay, hp->maximize ? (PO_T)-1 : (PO_T)1};
    int wdc = hp->weight_decay != 0.0;
    PO_SPLIT(n, PO_FN(po_adadelta_chunk)(p + lo, square_avg + lo, acc_delta + lo, g + lo, len, &c, wdc));
    return PO_OK;
}

/* ---- Adamax (Kingma & Ba 2015, section 7.1, Algorithm 2; torch.optim.Adamax) ----------------------
 *   m <- lerp(m, g', 1 - beta1)                          (book: s <- rho1 s + (1 - rho1) g)
 *   u <- max(beta2 * u, |g'| + eps)                      (the infinity norm in place of Adam's r;
 *                                                         NaN if either is NaN, as torch.maximum)
 *   p <- p + (-(lr / (1 - beta1^t)) * m) / u             (torch: param.addcdiv_(m, u, value=-clr))
 * torch adds eps inside the max (the paper has none). Shapes: p, m, u, g all (n,). */
typedef struct { PO_T nclr, b1w, b1omw, beta2, eps, wd, sgn; } PO_FN(po_adamax_c);

PO_INLINE void PO_FN(po_adamax_body)(PO_T *restrict p, PO_T *restrict m, PO_T *restrict u,
                                     const PO_T *restrict g, size_t n, const PO_FN(po_adamax_c) *c,
                                     const int wdc)
{
    const PO_T nclr = c->nclr, b1w = c->b1w, b1omw = c->b1omw, beta2 = c->beta2, eps = c->eps;
    const PO_T wd = c->wd, sgn = c->sgn;
    for (size_t i = 0; i < n; i++) {
        PO_T gi = wdc ? sgn * g[i] + wd * p[i] : sgn * g[i];
        PO_T mi = PO_FN(po_mlerp)(m[i], gi, b1w, b1omw);
        m[i] = mi;
        PO_T a = u[i] * beta2, b = PO_FABS(gi) + eps;
        /* torch.maximum: NaN if either is NaN; a select on two compares, so the loop vectorizes */
        PO_T ui = (a >= b || a != a) ? a : b;
        u[i] = ui;
        p[i] = p[i] + (nclr * mi) / ui;
    }
}

static PO_TARGET_CLONES void PO_FN(po_adamax_chunk)(PO_T *restrict p, PO_T *restrict m, PO_T *restrict u,
                                             const PO_T *restrict g, size_t n, const PO_FN(po_adamax_c) *c,
                                             int wdc)
{
    if (wdc) PO_FN(po_adamax_body)(p, m, u, g, n, c, 1);
    else PO_FN(po_adamax_body)(p, m, u, g, n, c, 0);
}

int PO_FN(po_adamax)(PO_T *restrict p, PO_T *restrict exp_avg, PO_T *restrict exp_inf, const PO_T *restrict g,
                     size_t n, const po_adamax_hp *hp)
{
    if (!(hp->step >= 1.0)) return PO_ERR_VALUE;
    /* as torch in Python (double): bias_correction = 1 - beta1 ** step; clr = lr / bias_correction */
    double clr = hp->lr / (1.0 - pow(hp->beta1, hp->step));
    double w1 = 1.0 - hp->beta1;
    PO_FN(po_adamax_c) c = {(PO_T)(-clr), (PO_T)w1, (PO_T)1 - (PO_T)w1, (PO_T)hp->beta2, (PO_T)hp->eps,
                            (PO_T)hp->weight_decay, hp->maximize ? (PO_T)-1 : (PO_T)1};
    int wdc = hp->weight_decay != 0.0;
    PO_SPLIT(n, PO_FN(po_adamax_chunk)(p + lo, exp_avg + lo, exp_inf + lo, g + lo, len, &c, wdc));
    return PO_OK;
}

/* The first half of an NAdam and an RAdam element, the same formulas in torch's order:
 *   decoupled: p_i <- p_i * dscale;   g' = sgn * g_i (+ cwd * p_i when coupled)
 *   m_i <- lerp(m_i, g', 1 - beta1);  v_i <- beta2 * v_i + ((1 - beta2) * g') * g'
 * Declares pi, gi, mi, vi (the new values; m_i and v_i are stored) from the loop's locals p, m, v, g,
 * dec, wdc, dscale, sgn, cwd, b1w, b1omw, beta2, omb2. A macro, not a function, so each body compiles
 * to exactly the loop it replaced. */
#define PO_ADAMW_MOMENTS(i)                                                                        \
    PO_T pi = dec ? p[i] * dscale : p[i];                                                          \
    PO_T gi = wdc ? sgn * g[i] + cwd * pi : sgn * g[i];                                            \
    PO_T mi = PO_FN(po_mlerp)(m[i], gi, b1w, b1omw);                                               \
    m[i] = mi;                                                                                     \
    PO_T vi = v[i] * beta2 + (omb2 * gi) * gi;                                                     \
    v[i] = vi

/* ---- NAdam (Dozat 2016; book 8.3.3's Nesterov momentum inside Adam; torch.optim.NAdam) --------------
 *   decoupled: p <- p * (1 - lr * weight_decay)          (else weight decay is added to g')
 *   mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay)),  mu_{t+1} likewise    (double)
 *   m <- lerp(m, g', 1 - beta1);  v <- beta2 * v + ((1 - beta2) * g') * g'
 *   den = sqrt(v / (1 - beta2^t)) + eps
 *   p <- p + ((-lr (1 - mu_t) / (1 - prod_{i<=t} mu_i)) * g') / den
 *   p <- p + ((-lr mu_{t+1} / (1 - prod_{i<=t+1} mu_i)) * m) / den
 * The first term is the gradient's share of the look-ahead, the second the momentum's (Nesterov: the
 * momentum of the NEXT step is applied now). Shapes: p, m, v, g all (n,). */
typedef struct { PO_T c1, c2, bc2, eps, b1w, b1omw, beta2, omb2, cwd, dscale, sgn; } PO_FN(po_nadam_c);

PO_INLINE void PO_FN(po_nadam_body)(PO_T *restrict p, PO_T *restrict m, PO_T *restrict v,
                                    const PO_T *restrict g, size_t n, const PO_FN(po_nadam_c) *c,
                                    const int wdc, const int dec)
{
    const PO_T c1 = c->c1, c2 = c->c2, bc2 = c->bc2, eps = c->eps, b1w = c->b1w, b1omw = c->b1omw;
    const PO_T beta2 = c->beta2, omb2 = c->omb2, cwd = c->cwd, dscale = c->dscale, sgn = c->sgn;
    for (size_t i = 0; i < n; i++) {
        PO_ADAMW_MOMENTS(i);
        PO_T den = PO_SQRT(vi / bc2) + eps;
        pi = pi + (c1 * gi) / den;
        p[i] = pi + (c2 * mi) / den;
    }
}

static PO_TARGET_CLONES void PO_FN(po_nadam_chunk)(PO_T *restrict p, PO_T *restrict m, PO_T *restrict v,
                                            const PO_T *restrict g, size_t n, const PO_FN(po_nadam_c) *c,
                                            int wdc, int dec)
{
    if (wdc) PO_FN(po_nadam_body)(p, m, v, g, n, c, 1, 0);
    else if (dec) PO_FN(po_nadam_body)(p, m, v, g, n, c, 0, 1);
    else PO_FN(po_nadam_body)(p, m, v, g, n, c, 0, 0);
}

int PO_FN(po_nadam)(PO_T *restrict p, PO_T *restrict exp_avg, PO_T *restrict exp_avg_sq, const PO_T *restrict g,
                    size_t n, const po_nadam_hp *hp)
{
    if (!(hp->step >= 1.0) || !(hp->mu_product >= 0.0 && hp->mu_product < 1.0)) return PO_ERR_VALUE;
    /* scalars as torch computes them in Python (double) */
    double t = hp->step, b1 = hp->beta1, lr = hp->lr;
    double bc2 = 1.0 - pow(hp->beta2, t);
    double mu = b1 * (1.0 - 0.5 * pow(0.96, t * hp->momentum_decay));
    double mu_next = b1 * (1.0 - 0.5 * pow(0.96, (t + 1.0) * hp->momentum_decay));
    double mu_product_next = hp->mu_product * mu_next;
    double c1 = -lr * (1.0 - mu) / (1.0 - hp->mu_product);
    double c2 = (-lr * mu_next) / (1.0 - mu_product_next);
    double w1 = 1.0 - b1;
    int dec = hp->decoupled != 0 && hp->weight_decay != 0.0;
    int wdc = !dec && hp->weight_decay != 0.0;
    PO_FN(po_nadam_c) c = {(PO_T)c1, (PO_T)c2, (PO_T)bc2, (PO_T)hp->eps, (PO_T)w1, (PO_T)1 - (PO_T)w1,
                           (PO_T)hp->beta2, (PO_T)(1.0 - hp->beta2), (PO_T)hp->weight_decay,
                           dec ? (PO_T)(1.0 - lr * hp->weight_decay) : (PO_T)1,
                           hp->maximize ? (PO_T)-1 : (PO_T)1};
    PO_SPLIT(n, PO_FN(po_nadam_chunk)(p + lo, exp_avg + lo, exp_avg_sq + lo, g + lo, len, &c, wdc, dec));
    return PO_OK;
}

/* ---- RAdam (Liu et al. 2020, Algorithm 2; torch.optim.RAdam) --------------------------------------
 *   decoupled: p <- p * (1 - lr * weight_decay)          (else weight decay is added to g')
 *   m <- lerp(m, g', 1 - beta1);  v <- beta2 * v + ((1 - beta2) * g') * g'
 *   rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)          (double)
 *   rho_t > 5:  rect = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
 *               p <- p - (((m / (1 - beta1^t)) * lr) * ((1 / (sqrt(v) + eps)) * sqrt(1 - beta2^t))) * rect
 *   otherwise:  p <- p - (m / (1 - beta1^t)) * lr        (SGD with bias-corrected momentum)
 * torch writes the adaptive factor as a Python float over a tensor, which Tensor.__rtruediv__ turns
 * into reciprocal() * float: kept here. Shapes: p, m, v, g all (n,). */
typedef struct { PO_T bc1, lr, eps, sbc2, rect, b1w, b1omw, beta2, omb2, cwd, dscale, sgn; } PO_FN(po_radam_c);

PO_INLINE void PO_FN(po_radam_body)(PO_T *restrict p, PO_T *restrict m, PO_T *restrict v,
                                    const PO_T *restrict g, size_t n, const PO_FN(po_radam_c) *c,
                                    const int wdc, const int dec, const int rect)
{
    const PO_T bc1 = c->bc1, lr = c->lr, eps = c->eps, sbc2 = c->sbc2, rc = c->rect, b1w = c->b1w;
    const PO_T b1omw = c->b1omw, beta2 = c->beta2, omb2 = c->omb2, cwd = c->cwd, dscale = c->dscale;
    const PO_T sgn = c->sgn;
    for (size_t i = 0; i < n; i++) {
        PO_ADAMW_MOMENTS(i);
        PO_T upd = (mi / bc1) * lr;
        if (rect) {
            PO_T ad = ((PO_T)1 / (PO_SQRT(vi) + eps)) * sbc2;
            upd = (upd * ad) * rc;
        }
        p[i] = pi - upd;
    }
}

static PO_TARGET_CLONES void PO_FN(po_radam_chunk)(PO_T *restrict p, PO_T *restrict m, PO_T *restrict v,
                                            const PO_T *restrict g, size_t n, const PO_FN(po_radam_c) *c,
                                            int wdc, int dec, int rect)
{
#define PO_RADAM_DISPATCH(R)                                                                       \
    do {                                                                                           \
        if (wdc) PO_FN(po_radam_body)(p, m, v, g, n, c, 1, 0, R);                                  \
        else if (dec) PO_FN(po_radam_body)(p, m, v, g, n, c, 0, 1, R);                             \
        else PO_FN(po_radam_body)(p, m, v, g, n, c, 0, 0, R);                                      \
    } while (0)
    if (rect) PO_RADAM_DISPATCH(1);
    else PO_RADAM_DISPATCH(0);
#undef PO_RADAM_DISPATCH
}

int PO_FN(po_radam)(PO_T *restrict p, PO_T *restrict exp_avg, PO_T *restrict exp_avg_sq, const PO_T *restrict g,
                    size_t n, const po_radam_hp *hp)
{
    if (!(hp->step >= 1.0)) return PO_ERR_VALUE;
    /* scalars as torch computes them in Python (double), operation for operation */
    double t = hp->step, b2 = hp->beta2, lr = hp->lr;
    double bc1 = 1.0 - pow(hp->beta1, t), bc2 = 1.0 - pow(b2, t);
    double rho_inf = 2.0 / (1.0 - b2) - 1.0;
    double rho_t = rho_inf - 2.0 * t * pow(b2, t) / bc2;
    int rect = rho_t > 5.0;
    double rc = rect ? pow((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t),
                           0.5) : 1.0;
    double w1 = 1.0 - hp->beta1;
    int dec = hp->decoupled != 0 && hp->weight_decay != 0.0;
    int wdc = !dec && hp->weight_decay != 0.0;
    PO_FN(po_radam_c) c = {(PO_T)bc1, (PO_T)lr, (PO_T)hp->eps, (PO_T)pow(bc2, 0.5), (PO_T)rc, (PO_T)w1,
                           (PO_T)1 - (PO_T)w1, (PO_T)b2, (PO_T)(1.0 - b2), (PO_T)hp->weight_decay,
                           dec ? (PO_T)(1.0 - lr * hp->weight_decay) : (PO_T)1,
                           hp->maximize ? (PO_T)-1 : (PO_T)1};
    PO_SPLIT(n, PO_FN(po_radam_chunk)(p + lo, exp_avg + lo, exp_avg_sq + lo, g + lo, len, &c, wdc, dec,
                                           rect));
    return PO_OK;
}

#undef PO_ADAMW_MOMENTS
#undef PO_INLINE
