/* optim_tmpl.h -- first-order update kernels, written once for PO_T in {float, double}.
 * Included twice by optim.c; see pyoptim.h / optim.h for the contract. Not a public header.
 *
 * Conventions (torch.optim's single-tensor path, so the numbers agree with torch.optim):
 *   g' = (maximize ? -g : g) + weight_decay * p          (coupled weight decay, book 7.1.1)
 * The decay term is skipped when weight_decay == 0, as torch does (`if weight_decay != 0:`): adding
 * 0 * p would turn g' into NaN wherever p is +-inf or NaN (wdc below: the coupled decay is on).
 * Hyperparameters are converted to PO_T once, so float32 arithmetic stays float32 (as torch does);
 * scalar factors that torch computes in Python (bias corrections, step sizes) are computed in double.
 * The order of the floating-point operations follows torch's ops (lerp_, addcmul_, addcdiv_), written
 * out in each block, so float64 results agree with torch.optim to rounding.
 *
 * Each kernel = a public entry that prepares the constants and splits [0, n) across threads
 * (PO_SPLIT), and a PO_TARGET_CLONES chunk function with the loop. Flags are passed as literal constants
 * to always-inline bodies, so each option combination gets its own vectorized loop.
 */

#define PO_INLINE PO_ALWAYS_INLINE   /* compat.h */

/* torch's lerp (aten/src/ATen/native/Lerp.h, scalar form): a + w (b - a) for |w| < 0.5, else
 * b - (b - a)(1 - w). */
PO_INLINE PO_T PO_FN(po_lerp)(PO_T a, PO_T b, PO_T w, PO_T omw)
{
    return w < (PO_T)0.5 ? a + w * (b - a) : b - (b - a) * omw;
}

/* ---- SGD (book Alg. 8.1-8.3 in torch's form) --------------------------------------------------------
 *   b <- g'                                   on the first step (torch clones the gradient)
 *   b <- momentum * b + (1 - dampening) * g'  afterwards
 *   d <- nesterov ? g' + momentum * b : b     (d = g' when momentum == 0; buf may then be NULL)
 *   p <- p - lr * d
 * Shapes: p, buf, g all (n,). */
typedef struct { PO_T lr, mu, damp1, wd, sgn; } PO_FN(po_sgd_c);

PO_INLINE void PO_FN(po_sgd_body)(PO_T *restrict p, PO_T *restrict buf, const PO_T *restrict g, size_t n,
                                  const PO_FN(po_sgd_c) *c, const int mode, const int nesterov, const int wdc)
{
    const PO_T lr = c->lr, mu = c->mu, damp1 = c->damp1, wd = c->wd, sgn = c->sgn;
    for (size_t i = 0; i < n; i++) {
        PO_T gi = wdc ? sgn * g[i] + wd * p[i] : sgn * g[i];
        PO_T d = gi;
        if (mode == 1) {            /* first step: b = g' */
            buf[i] = gi;
            d = nesterov ? gi + mu * gi : gi;
        } else if (mode == 2) {     /* b = mu b + (1 - dampening) g' */
            PO_T b = mu * buf[i] + damp1 * gi;
            buf[i] = b;
            d = nesterov ? gi + mu * b : b;
        }
        p[i] = p[i] - lr * d;
    }
}

static PO_TARGET_CLONES void PO_FN(po_sgd_chunk)(PO_T *restrict p, PO_T *restrict buf, const PO_T *restrict g, size_t n,
                                          const PO_FN(po_sgd_c) *c, int mode, int nesterov, int wdc)
{
#define PO_SGD_DISPATCH(W)                                                                         \
    do {                                                                                           \
        if (mode == 0) PO_FN(po_sgd_body)(p, buf, g, n, c, 0, 0, W);                               \
        else if (mode == 1 && nesterov) PO_FN(po_sgd_body)(p, buf, g, n, c, 1, 1, W);              \
        else if (mode == 1) PO_FN(po_sgd_body)(p, buf, g, n, c, 1, 0, W);                          \
        else if (nesterov) PO_FN(po_sgd_body)(p, buf, g, n, c, 2, 1, W);                           \
        else PO_FN(po_sgd_body)(p, buf, g, n, c, 2, 0, W);                                         \
    } while (0)
    if (wdc) PO_SGD_DISPATCH(1);
    else PO_SGD_DISPATCH(0);
#undef PO_SGD_DISPATCH
}

int PO_FN(po_sgd)(PO_T *restrict p, PO_T *restrict buf, const PO_T *restrict g, size_t n,
                  const po_sgd_hp *hp)
{
    PO_FN(po_sgd_c) c = {(PO_T)hp->lr, (PO_T)hp->momentum, (PO_T)(1.0 - hp->dampening),
                         (PO_T)hp->weight_decay, hp->maximize ? (PO_T)-1 : (PO_T)1};
    int mode = (hp->momentum == 0.0 || buf == NULL) ? 0 : (hp->first_step ? 1 : 2);
    int nesterov = hp->nesterov != 0, wdc = hp->weight_decay != 0.0;
    PO_SPLIT(n, PO_FN(po_sgd_chunk)(p + lo, mode ? buf + lo : NULL, g + lo, len, &c, mode, nesterov, wdc));
    return PO_OK;
}

/* ---- Adagrad (book Alg. 8.4; Duchi, Hazan & Singer 2011; torch.optim.Adagrad) -----------------------
 *   clr = lr / (1 + (step - 1) * lr_decay)               (double, as torch computes it in Python)
 *   r <- r + g' * g'                                     (torch: state_sum.addcmul_(g, g, value=1))
 *   p <- p + (-clr * g') / (sqrt(r) + eps)               (torch: param.addcdiv_(g, std, value=-clr))
 * Book: delta = eps is added outside the root, as here. Shapes: p, sum, g all (n,). */
typedef struct { PO_T nclr, eps, wd, sgn; } PO_FN(po_adagrad_c);

PO_INLINE void PO_FN(po_adagrad_body)(PO_T *restrict p, PO_T *restrict s, const PO_T *restrict g, size_t n,
                                      const PO_FN(po_adagrad_c) *c, const int wdc)
{
    const PO_T nclr = c->nclr, eps = c->eps, wd = c->wd, sgn = c->sgn;
    for (size_t i = 0; i < n; i++) {
        PO_T gi = wdc ? sgn * g[i] + wd * p[i] : sgn * g[i];
        PO_T r = s[i] + gi * gi;
        s[i] = r;
        PO_T std = PO_SQRT(r) + eps;
        p[i] = p[i] + (nclr * gi) / std;
    }
}

static PO_TARGET_CLONES void PO_FN(po_adagrad_chunk)(PO_T *restrict p, PO_T *restrict s, const PO_T *restrict g,
                                              size_t n, const PO_FN(po_adagrad_c) *c, int wdc)
{
    if (wdc) PO_FN(po_adagrad_body)(p, s, g, n, c, 1);
    else PO_FN(po_adagrad_body)(p, s, g, n, c, 0);
}

int PO_FN(po_adagrad)(PO_T *restrict p, PO_T *restrict sum, const PO_T *restrict g, size_t n,
                      const po_adagrad_hp *hp)
{
    if (!(hp->step >= 1.0)) return PO_ERR_VALUE;
    double clr = hp->lr / (1.0 + (hp->step - 1.0) * hp->lr_decay);
    PO_FN(po_adagrad_c) c = {(PO_T)(-clr), (PO_T)hp->eps, (PO_T)hp->weight_decay,
                             hp->maximize ? (PO_T)-1 : (PO_T)1};
    int wdc = hp->weight_decay != 0.0;
    PO_SPLIT(n, PO_FN(po_adagrad_chunk)(p + lo, sum + lo, g + lo, len, &c, wdc));
    return PO_OK;
}

/* ---- RMSprop (book Alg. 8.5; Hinton, Coursera lecture 6e, 2012; torch.optim.RMSprop) ----------------
 *   r <- alpha * r + ((1 - alpha) * g') * g'             (torch: mul_(alpha).addcmul_(g, g, 1-alpha))
 *   centered: a <- lerp(a, g', 1 - alpha);  den = sqrt(r - a*a) + eps
 *   else:                                   den = sqrt(r) + eps
 *   momentum > 0: b <- momentum * b + g' / den;  p <- p - lr * b
 *   else:         p <- p + (-lr * g') / den
 * Book: Alg. 8.5 puts delta inside the root (1/sqrt(delta + r)); torch and this kernel add eps outside.
 * Shapes: p, sq, gavg, buf, g all (n,). */
typedef struct { PO_T nlr, alpha, oma, eps, wd, mu, sgn; } PO_FN(po_rmsprop_c);

PO_INLINE void PO_FN(po_rmsprop_body)(PO_T *restrict p, PO_T *restrict sq, PO_T *restrict ga, PO_T *restrict buf,
                                      const PO_T *restrict g, size_t n, const PO_FN(po_rmsprop_c) *c,
                                      const int centered, const int mom, const int wdc)
{
    const PO_T nlr = c->nlr, alpha = c->alpha, oma = c->oma, eps = c->eps, wd = c->wd, mu = c->mu, sgn = c->sgn;
    const PO_T omw = (PO_T)1 - oma;
    for (size_t i = 0; i < n; i++) {
        PO_T gi = wdc ? sgn * g[i] + wd * p[i] : sgn * g[i];
        PO_T r = sq[i] * alpha + (oma * gi) * gi;
        sq[i] = r;
        PO_T den;
        if (centered) {
            PO_T a = PO_FN(po_lerp)(ga[i], gi, oma, omw);
            ga[i] = a;
            den = PO_SQRT(r + ((PO_T)-1 * a) * a) + eps;
        } else {
            den = PO_SQRT(r) + eps;
        }
        if (mom) {
            PO_T b = buf[i] * mu + gi / den;
            buf[i] = b;
            p[i] = p[i] + nlr * b;
        } else {
            p[i] = p[i] + (nlr * gi) / den;
        }
    }
}

static PO_TARGET_CLONES void PO_FN(po_rmsprop_chunk)(PO_T *restrict p, PO_T *restrict sq, PO_T *restrict ga,
                                              PO_T *restrict buf, const PO_T *restrict g, size_t n,
                                              const PO_FN(po_rmsprop_c) *c, int centered, int mom, int wdc)
{
#define PO_RMSPROP_DISPATCH(W)                                                                     \
    do {                                                                                           \
        if (centered && mom) PO_FN(po_rmsprop_body)(p, sq, ga, buf, g, n, c, 1, 1, W);             \
        else if (centered) PO_FN(po_rmsprop_body)(p, sq, ga, buf, g, n, c, 1, 0, W);               \
        else if (mom) PO_FN(po_rmsprop_body)(p, sq, ga, buf, g, n, c, 0, 1, W);                    \
        else PO_FN(po_rmsprop_body)(p, sq, ga, buf, g, n, c, 0, 0, W);                             \
    } while (0)
    if (wdc) PO_RMSPROP_DISPATCH(1);
    else PO_RMSPROP_DISPATCH(0);
#undef PO_RMSPROP_DISPATCH
}

int PO_FN(po_rmsprop)(PO_T *restrict p, PO_T *restrict sq, PO_T *restrict gavg, PO_T *restrict buf,
                      const PO_T *restrict g, size_t n, const po_rmsprop_hp *hp)
{
    int centered = hp->centered != 0, mom = hp->momentum > 0.0, wdc = hp->weight_decay != 0.0;
    if ((centered && !gavg) || (mom && !buf)) return PO_ERR_VALUE;
    PO_FN(po_rmsprop_c) c = {(PO_T)(-hp->lr), (PO_T)hp->alpha, (PO_T)(1.0 - hp->alpha), (PO_T)hp->eps,
                             (PO_T)hp->weight_decay, (PO_T)hp->momentum, hp->maximize ? (PO_T)-1 : (PO_T)1};
    PO_SPLIT(n, PO_FN(po_rmsprop_chunk)(p + lo, sq + lo, centered ? gavg + lo : NULL,
                                            mom ? buf + lo : NULL, g + lo, len, &c, centered, mom, wdc));
    return PO_OK;
}

/* ---- Adam / AdamW (book Alg. 8.7; Kingma & Ba 2015; Loshchilov & Hutter 2019; torch.optim.Adam) -----
 *   decoupled: p <- p * (1 - lr * weight_decay)          (AdamW; else weight decay is added to g')
 *   m <- lerp(m, g', 1 - beta1)                          (book: s <- rho1 s + (1 - rho1) g)
 *   v <- beta2 * v + ((1 - beta2) * g') * g'             (book: r <- rho2 r + (1 - rho2) g*g)
 *   amsgrad: vmax <- max(vmax, v), used in place of v below (NaN-propagating, as torch.maximum)
 *   den = sqrt(v) / sqrt(1 - beta2^t) + eps              (book: sqrt(r_hat) + delta)
 *   p <- p + (-(lr / (1 - beta1^t)) * m) / den           (book: theta <- theta - eps s_hat / den)
 * Shapes: p, m, v, vmax, g all (n,). */
typedef struct { PO_T nss, bc2s, eps, b1w, b1omw, beta2, omb2, cwd, dscale, sgn; } PO_FN(po_adam_c);

PO_INLINE void PO_FN(po_adam_body)(PO_T *restrict p, PO_T *restrict m, PO_T *restrict v, PO_T *restrict vm,
                                   const PO_T *restrict g, size_t n, const PO_FN(po_adam_c) *c, const int ams,
                                   const int wdc)
{
    const PO_T nss = c->nss, bc2s = c->bc2s, eps = c->eps, b1w = c->b1w, b1omw = c->b1omw;
    const PO_T beta2 = c->beta2, omb2 = c->omb2, cwd = c->cwd, dscale = c->dscale, sgn = c->sgn;
    for (size_t i = 0; i < n; i++) {
        PO_T pi = p[i] * dscale;
        PO_T gi = wdc ? sgn * g[i] + cwd * pi : sgn * g[i];
        PO_T mi = PO_FN(po_lerp)(m[i], gi, b1w, b1omw);
        m[i] = mi;
        PO_T vi = v[i] * beta2 + (omb2 * gi) * gi;
        v[i] = vi;
        if (ams) {
            /* torch.maximum: NaN if either is NaN (w != w catches a NaN w; a NaN vi fails w >= vi).
             * A select on two compares, so the loop still vectorizes (fmax would drop the NaN). */
            PO_T w = vm[i];
            w = (w >= vi || w != w) ? w : vi;
            vm[i] = w;
            vi = w;
        }
        PO_T den = PO_SQRT(vi) / bc2s + eps;
        p[i] = pi + (nss * mi) / den;
    }
}

static PO_TARGET_CLONES void PO_FN(po_adam_chunk)(PO_T *restrict p, PO_T *restrict m, PO_T *restrict v, PO_T *restrict vm,
                                           const PO_T *restrict g, size_t n, const PO_FN(po_adam_c) *c, int ams,
                                           int wdc)
{
    if (ams && wdc) PO_FN(po_adam_body)(p, m, v, vm, g, n, c, 1, 1);
    else if (ams) PO_FN(po_adam_body)(p, m, v, vm, g, n, c, 1, 0);
    else if (wdc) PO_FN(po_adam_body)(p, m, v, vm, g, n, c, 0, 1);
    else PO_FN(po_adam_body)(p, m, v, vm, g, n, c, 0, 0);
}

int PO_FN(po_adam)(PO_T *restrict p, PO_T *restrict m, PO_T *restrict v, PO_T *restrict vmax,
                   const PO_T *restrict g, size_t n, const po_adam_hp *hp)
{
    if (!(hp->step >= 1.0)) return PO_ERR_VALUE;
    if (hp->amsgrad && !vmax) return PO_ERR_VALUE;
    /* scalars as torch computes them in Python (double): bias_correction1 = 1 - beta1**step, ... */
    double bc1 = 1.0 - pow(hp->beta1, hp->step), bc2 = 1.0 - pow(hp->beta2, hp->step);
    double step_size = hp->lr / bc1, bc2_sqrt = pow(bc2, 0.5);
    double w1 = 1.0 - hp->beta1;
    int dec = hp->decoupled != 0 && hp->weight_decay != 0.0;
    PO_FN(po_adam_c) c = {(PO_T)(-step_size), (PO_T)bc2_sqrt, (PO_T)hp->eps, (PO_T)w1, (PO_T)1 - (PO_T)w1,
                          (PO_T)hp->beta2, (PO_T)(1.0 - hp->beta2),
                          dec ? (PO_T)0 : (PO_T)hp->weight_decay,
                          dec ? (PO_T)(1.0 - hp->lr * hp->weight_decay) : (PO_T)1,
                          hp->maximize ? (PO_T)-1 : (PO_T)1};
    int ams = hp->amsgrad != 0, wdc = !dec && hp->weight_decay != 0.0;
    PO_SPLIT(n, PO_FN(po_adam_chunk)(p + lo, m + lo, v + lo, ams ? vmax + lo : NULL, g + lo, len, &c, ams,
                                         wdc));
    return PO_OK;
}

/* ---- clipping and averaging -------------------------------------------------------------------------
 * scale: x <- x * factor (torch: g.mul_(clip_coef_clamped)); clamp: x <- min(max(x, -c), c), NaN kept
 * (torch: clamp_); average: avg <- avg + w * (p - avg), w == 1 copies (book 8.7.3). */
static PO_TARGET_CLONES void PO_FN(po_scale_chunk)(PO_T *restrict x, size_t n, PO_T f)
{
    for (size_t i = 0; i < n; i++) x[i] = x[i] * f;
}

int PO_FN(po_scale)(PO_T *restrict x, size_t n, double factor)
{
    PO_T f = (PO_T)factor;
    PO_SPLIT(n, PO_FN(po_scale_chunk)(x + lo, len, f));
    return PO_OK;
}

static PO_TARGET_CLONES void PO_FN(po_clamp_chunk)(PO_T *restrict x, size_t n, PO_T c)
{
    for (size_t i = 0; i < n; i++) {
        PO_T a = x[i];
        a = a < -c ? -c : a;
        a = a > c ? c : a;
        x[i] = a;
    }
}

int PO_FN(po_clamp)(PO_T *restrict x, size_t n, double c)
{
    if (!(c >= 0.0)) return PO_ERR_VALUE;
    PO_T cc = (PO_T)c;
    PO_SPLIT(n, PO_FN(po_clamp_chunk)(x + lo, len, cc));
    return PO_OK;
}

static PO_TARGET_CLONES void PO_FN(po_average_chunk)(PO_T *restrict avg, const PO_T *restrict p, size_t n, PO_T w)
{
    for (size_t i = 0; i < n; i++) avg[i] = avg[i] + w * (p[i] - avg[i]);
}

int PO_FN(po_average)(PO_T *restrict avg, const PO_T *restrict p, size_t n, double w)
{
    if (!(w >= 0.0 && w <= 1.0)) return PO_ERR_VALUE;
    if (w == 1.0) {
        if (n) memcpy(avg, p, n * sizeof(PO_T));
        return PO_OK;
    }
    PO_T ww = (PO_T)w;
    PO_SPLIT(n, PO_FN(po_average_chunk)(avg + lo, p + lo, len, ww));
    return PO_OK;
}

#undef PO_INLINE
