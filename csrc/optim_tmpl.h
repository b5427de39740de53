/* optim_tmpl.h -- first-order update kernels, written once for PO_T in {float, double}.
 * Included twice by optim.c; see pyoptim.h for the contract. Not a public header.
 *
 * Conventions (torch.optim's single-tensor path, so the numbers agree with torch.optim):
 *   g' = (maximize ? -g : g) + weight_decay * p          (coupled weight decay, book 7.1.1)
 * Hyperparameters are converted to PO_T once, so float32 arithmetic stays float32 (as torch does).
 */

/* SGD with momentum, dampening, Nesterov (book Alg. 8.1-8.3 in torch's form):
 *   b <- g'                                   on the first step (torch clones the gradient)
 *   b <- momentum * b + (1 - dampening) * g'  afterwards
 *   d <- nesterov ? g' + momentum * b : b     (d = g' when momentum == 0; buf may then be NULL)
 *   p <- p - lr * d
 * Shapes: p, buf, g all (n,). */
int PO_FN(po_sgd)(PO_T *restrict p, PO_T *restrict buf, const PO_T *restrict g, size_t n,
                  const po_sgd_hp *hp)
{
    const PO_T lr = (PO_T)hp->lr, mu = (PO_T)hp->momentum, damp1 = (PO_T)(1.0 - hp->dampening);
    const PO_T wd = (PO_T)hp->weight_decay, sgn = hp->maximize ? (PO_T)-1 : (PO_T)1;
    const int nesterov = hp->nesterov;
    if (hp->momentum == 0.0 || buf == NULL) {
        PO_PARALLEL_FOR_SIMD(n)
        for (size_t i = 0; i < n; i++) {
            PO_T gi = sgn * g[i] + wd * p[i];
            p[i] = p[i] - lr * gi;
        }
    } else if (hp->first_step) {
        PO_PARALLEL_FOR_SIMD(n)
        for (size_t i = 0; i < n; i++) {
            PO_T gi = sgn * g[i] + wd * p[i];
            PO_T b = gi;
            buf[i] = b;
            PO_T d = nesterov ? gi + mu * b : b;
            p[i] = p[i] - lr * d;
        }
    } else {
        PO_PARALLEL_FOR_SIMD(n)
        for (size_t i = 0; i < n; i++) {
            PO_T gi = sgn * g[i] + wd * p[i];
            PO_T b = mu * buf[i] + damp1 * gi;
            buf[i] = b;
            PO_T d = nesterov ? gi + mu * b : b;
            p[i] = p[i] - lr * d;
        }
    }
    return PO_OK;
}
