"""Plain-NumPy twins of every function in :mod:`pyoptim.kernels` (the C core).

Each twin has the kernel's name and signature and does the same arithmetic in the same order with
NumPy expressions, so it is both the readable version of the kernel and the oracle the tests compare
the kernel against. Twins update their in-place arguments in place, like the kernels. They check
nothing: the argument checks are the kernels' job.
"""
import math
import operator
import numpy as np

# --- optim: first-order updates (book 8.3, 8.5) -------------------------------------------------------


def _decayed(grad, param, weight_decay, maximize):
    """g' = (-g if maximize else g) + weight_decay * param, the decay term skipped when weight_decay == 0
    (as torch and the kernels: 0 * inf would make g' NaN where param is infinite)."""
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + param.dtype.type(weight_decay) * param
    return g


def sgd_step(param, grad, momentum_buffer=None, *, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
             nesterov=False, maximize=False, first_step=False):
    """Twin of :func:`pyoptim.kernels.sgd_step`."""
    dt = param.dtype.type
    g = _decayed(grad, param, weight_decay, maximize)
    if momentum != 0.0:
        if first_step:
            momentum_buffer[...] = g
        else:
            momentum_buffer[...] = dt(momentum) * momentum_buffer + dt(1.0 - dampening) * g
        d = g + dt(momentum) * momentum_buffer if nesterov else momentum_buffer
    else:
        d = g
    param[...] = param - dt(lr) * d


def _lerp(a, b, w):
    """torch's lerp (scalar weight w, already in the arrays' dtype): a + w (b - a) if w < 0.5 else
    b - (b - a)(1 - w)."""
    one = type(w)(1)
    return a + w * (b - a) if w < 0.5 else b - (b - a) * (one - w)


def adagrad_step(param, grad, state_sum, *, lr, lr_decay=0.0, weight_decay=0.0, eps=1e-10, step,
                 maximize=False):
    """Twin of :func:`pyoptim.kernels.adagrad_step` (book Alg. 8.4)."""
    dt = param.dtype.type
    clr = lr / (1.0 + (step - 1.0) * lr_decay)
    g = _decayed(grad, param, weight_decay, maximize)
    state_sum[...] = state_sum + g * g
    std = np.sqrt(state_sum) + dt(eps)
    param[...] = param + (dt(-clr) * g) / std


def rmsprop_step(param, grad, square_avg, grad_avg=None, momentum_buffer=None, *, lr, alpha=0.99, eps=1e-8,
                 weight_decay=0.0, momentum=0.0, centered=False, maximize=False):
    """Twin of :func:`pyoptim.kernels.rmsprop_step` (book Alg. 8.5, torch's form)."""
    dt = param.dtype.type
    g = _decayed(grad, param, weight_decay, maximize)
    square_avg[...] = square_avg * dt(alpha) + (dt(1.0 - alpha) * g) * g
    if centered:
        grad_avg[...] = _lerp(grad_avg, g, dt(1.0 - alpha))
        den = np.sqrt(square_avg + (dt(-1) * grad_avg) * grad_avg) + dt(eps)
    else:
        den = np.sqrt(square_avg) + dt(eps)
    if momentum > 0:
        momentum_buffer[...] = momentum_buffer * dt(momentum) + g / den
        param[...] = param + dt(-lr) * momentum_buffer
    else:
        param[...] = param + (dt(-lr) * g) / den


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq=None, *, lr, beta1=0.9, beta2=0.999, eps=1e-8,
              weight_decay=0.0, step, amsgrad=False, maximize=False, decoupled_weight_decay=False):
    """Twin of :func:`pyoptim.kernels.adam_step` (book Alg. 8.7; AdamW when decoupled).

    The operations are the kernel's (torch's), one for one and in the same order, so the two agree
    bit for bit, NaN for NaN, also where 0 * inf decides: the step factor -(lr / bc1) multiplies
    exp_avg BEFORE the division by den (lr = 0 with an infinite exp_avg gives NaN, as in torch), and
    den = sqrt(v) / sqrt(bc2) + eps (eps = 0 with v = 0 gives den = 0, so 0 / 0 = NaN where exp_avg = 0).
    The AMSGrad max propagates NaN (np.maximum, as torch.maximum).
    """
    dt = param.dtype.type
    bc1 = 1.0 - beta1 ** float(step)
    bc2 = 1.0 - beta2 ** float(step)
    step_size = lr / bc1
    bc2_sqrt = bc2 ** 0.5
    if weight_decay != 0 and decoupled_weight_decay:
        param[...] = param * dt(1.0 - lr * weight_decay)
        cwd = 0.0
    else:
        cwd = weight_decay
    g = _decayed(grad, param, cwd, maximize)
    w1 = dt(1.0 - beta1)
    exp_avg[...] = exp_avg + w1 * (g - exp_avg) if w1 < 0.5 else g - (g - exp_avg) * (dt(1) - w1)
    exp_avg_sq[...] = exp_avg_sq * dt(beta2) + (dt(1.0 - beta2) * g) * g
    if amsgrad:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        v = max_exp_avg_sq
    else:
        v = exp_avg_sq
    den = np.sqrt(v) / dt(bc2_sqrt) + dt(eps)
    param[...] = param + (dt(-step_size) * exp_avg) / den


def average_update(avg, param, /, *, weight):
    """Twin of :func:`pyoptim.kernels.average_update` (book 8.7.3)."""
    if weight == 1.0:
        avg[...] = param
    else:
        avg[...] = avg + avg.dtype.type(weight) * (param - avg)


def grad_norm(arrays, norm_type=2.0, /):
    """Twin of :func:`pyoptim.kernels.grad_norm`: the norm of all elements of all arrays together."""
    if not len(arrays):
        return 0.0
    flat = [np.asarray(a, dtype=np.float64).ravel() for a in arrays]
    if np.isinf(norm_type):
        # np.max over the per-array maxima, not Python's max(): NaN anywhere gives NaN (as the kernel)
        ms = np.array([np.max(np.abs(f)) if f.size else 0.0 for f in flat], dtype=np.float64)
        return float(np.max(ms))
    if norm_type == 2.0:
        return float(np.sqrt(sum(float(np.dot(f, f)) for f in flat)))
    total = np.float64(sum(float(np.sum(np.abs(f) ** norm_type)) for f in flat))
    with np.errstate(over="ignore"):   # beyond float64's range: inf, as the kernel (a Python float's ** raises)
        return float(total ** (1.0 / norm_type))


def scale_arrays(arrays, factor, /):
    """Twin of :func:`pyoptim.kernels.scale_arrays`: x <- x * factor, in place."""
    for a in arrays:
        a *= a.dtype.type(factor)


def clamp_arrays(arrays, clip_value, /):
    """Twin of :func:`pyoptim.kernels.clamp_arrays`: x <- min(max(x, -c), c), in place (NaN kept)."""
    for a in arrays:
        c = a.dtype.type(clip_value)
        np.clip(a, -c, c, out=a)

# --- end optim ----------------------------------------------------------------------------------------

# --- nn: activations, losses, batch normalization (book 6, 8.7.1) --------------------------------------
def _nn_expf(x):
    """exp in x's dtype (the float32 kernels use a polynomial exp within a few ulp of this)."""
    return np.exp(x)


def activation_forward(x, out=None, /, *, kind="relu"):
    """Twin of :func:`pyoptim.kernels.activation_forward`.

    Not bit-identical to the C kernel for tanh and sigmoid: the C core uses vectorized approximations
    (csrc/nn_math.h for float32, csrc/vecmath.h for float64) where this twin calls np.tanh / np.exp. Both
    are within 3 ulp of the exact value in float64 (3e-7 relative in float32), so the tests compare the
    two within twice that bound (tests/test_nn_vecmath.py, tests/test_nn_kernels.py); relu is exact."""
    if out is None:
        out = np.empty_like(x)
    dt = x.dtype.type
    if kind == "relu":
        out[...] = np.where((x > 0) | np.isnan(x), x, dt(0))
    elif kind == "tanh":
        out[...] = np.tanh(x)
    elif kind == "sigmoid":                 # stable form: e = exp(-|x|) never overflows
        e = _nn_expf(-np.abs(x))
        r = dt(1) / (dt(1) + e)
        out[...] = np.where(x >= 0, r, e * r)
    else:
        raise ValueError(f"activation_forward(): invalid kind: {kind!r} (expected 'relu', 'tanh' or 'sigmoid')")
    return out


def activation_backward(grad_output, output, grad_input=None, /, *, kind="relu"):
    """Twin of :func:`pyoptim.kernels.activation_backward`: grad_input = grad_output * f'(x) from y = f(x)."""
    dy, y = grad_output, output
    dt = dy.dtype.type
    if kind == "relu":
        d = np.where(y > 0, dy, dt(0))
    elif kind == "tanh":
        d = dy * (dt(1) - y * y)
    elif kind == "sigmoid":
        d = dy * (y * (dt(1) - y))
    else:
        raise ValueError(f"activation_backward(): invalid kind: {kind!r} (expected 'relu', 'tanh' or 'sigmoid')")
    if grad_input is None:
        return d
    grad_input[...] = d
    return grad_input


def bias_grad(grad_bias, grad_output, /):
    """Twin of :func:`pyoptim.kernels.bias_grad`: grad_bias += grad_output.sum(axis=0)."""
    grad_bias += grad_output.sum(axis=0, dtype=grad_output.dtype)


def softmax_cross_entropy(logits, labels, grad=None, row_loss=None, /, *, label_smoothing=0.0):
    """Twin of :func:`pyoptim.kernels.softmax_cross_entropy` (returns the mean loss)."""
    B, K = logits.shape
    bad = (labels < 0) | (labels >= K)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"softmax_cross_entropy(): labels[{i}] = {int(labels[i])} is outside [0, {K})")
    if B == 0:
        return float("nan")
    dt = logits.dtype.type
    eps = float(label_smoothing)
    on, off = 1.0 - eps, eps / K
    rows = np.arange(B)
    m = logits.max(axis=1)                                  # log-sum-exp, stable
    e = _nn_expf(logits - m[:, None])
    s = e.sum(axis=1, dtype=dt)
    z_y = logits[rows, labels].astype(np.float64)
    loss = m.astype(np.float64) + np.log(s.astype(np.float64)) - on * z_y
    if eps != 0.0:                                          # target t = (1 - eps) onehot + eps / K
        loss = loss - off * logits.sum(axis=1, dtype=dt).astype(np.float64)
    if grad is not None:                                    # (softmax - t) / B
        c = ((1.0 / B) / s.astype(np.float64)).astype(dt)
        grad[...] = e * c[:, None] - dt(off / B)
        grad[rows, labels] -= dt(on / B)
    if row_loss is not None:
        row_loss[...] = loss
    return float(loss.sum() / B)


def mse_loss(output, target, grad=None, /):
    """Twin of :func:`pyoptim.kernels.mse_loss`: mean (output - target)^2, grad 2 (output - target) / n."""
    n = output.size
    d = output - target
    if grad is not None:
        grad[...] = output.dtype.type(2.0 / max(n, 1)) * d
    d64 = d.astype(np.float64)
    return float(np.sum(d64 * d64) / n) if n else float("nan")


def bce_with_logits(logits, target, grad=None, /):
    """Twin of :func:`pyoptim.kernels.bce_with_logits`: mean of max(z,0) - z y + log1p(exp(-|z|))."""
    n = logits.size
    dt = logits.dtype.type
    z, y = logits, target
    e = _nn_expf(-np.abs(z))
    if grad is not None:
        r = dt(1) / (dt(1) + e)
        sig = np.where(z >= 0, r, e * r)
        grad[...] = dt(1.0 / max(n, 1)) * (sig - y)
    terms = np.where(z > 0, z, dt(0)) - z * y + np.log1p(e)
    return float(np.sum(terms.astype(np.float64)) / n) if n else float("nan")


def batchnorm_forward(x, weight, bias, out, save_mean, save_invstd, running_mean=None, running_var=None, /, *,
                      training=True, momentum=0.1, eps=1e-5):
    """Twin of :func:`pyoptim.kernels.batchnorm_forward` (torch.nn.BatchNorm1d's numbers)."""
    B = x.shape[0]
    if training:
        if B < 2:
            raise ValueError("batchnorm_forward(): training needs more than 1 sample per feature")
        x64 = x.astype(np.float64)
        mean = x64.mean(axis=0)
        var = ((x64 - mean) ** 2).mean(axis=0)                  # biased: used to normalize
        if running_mean is not None:                             # unbiased in the running estimate
            running_mean[...] = (1.0 - momentum) * running_mean.astype(np.float64) + momentum * mean
            running_var[...] = (1.0 - momentum) * running_var.astype(np.float64) + momentum * var * B / (B - 1)
        save_mean[...] = mean
        save_invstd[...] = 1.0 / np.sqrt(var + eps)
    else:
        save_mean[...] = running_mean
        save_invstd[...] = 1.0 / np.sqrt(running_var.astype(np.float64) + eps)
    out[...] = (x - save_mean) * save_invstd * weight + bias


def batchnorm_backward(grad_output, x, weight, save_mean, save_invstd, grad_input=None, grad_weight=None,
                       grad_bias=None, /, *, training=True):
    """Twin of :func:`pyoptim.kernels.batchnorm_backward` (accumulates grad_weight, grad_bias)."""
    B = x.shape[0]
    dy = grad_output
    xhat = (x - save_mean) * save_invstd
    sdy = dy.astype(np.float64).sum(axis=0)
    sdyx = (dy.astype(np.float64) * xhat.astype(np.float64)).sum(axis=0)
    if grad_bias is not None:
        grad_bias += sdy.astype(dy.dtype)
    if grad_weight is not None:
        grad_weight += sdyx.astype(dy.dtype)
    if grad_input is not None:
        a = weight * save_invstd
        if training:
            grad_input[...] = a * (dy - (sdy / B).astype(dy.dtype) - xhat * (sdyx / B).astype(dy.dtype))
        else:
            grad_input[...] = a * dy

# --- end nn -------------------------------------------------------------------------------------------

# --- secondorder: line searches, Newton, CG, BFGS, L-BFGS (book 8.6) -----------------------------------


def _so_cubic(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimizer of the cubic through (x1, f1, g1), (x2, f2, g2), clipped (torch's _cubic_interpolate)."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    with np.errstate(all="ignore"):
        d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2)
        d2sq = d1 * d1 - g1 * g2
        if d2sq >= 0 and np.isfinite(d2sq):
            d2 = np.sqrt(d2sq)
            if x1 <= x2:
                mp = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
            else:
                mp = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
            if np.isfinite(mp):
                return float(min(max(mp, lo), hi))
    return 0.5 * (lo + hi)


def _mt_cubic(a, fa, da, b, fb, db, clamp0=False):
    """theta and gamma of the cubic through (a, fa, da), (b, fb, db), scaled as in the paper."""
    theta = 3.0 * (fa - fb) / (b - a) + da + db
    sc = max(abs(theta), abs(da), abs(db))
    disc = (theta / sc) ** 2 - (da / sc) * (db / sc)
    gamma = sc * np.sqrt(max(disc, 0.0) if clamp0 else disc)
    return theta, (-gamma if b < a else gamma)


def _mt_step(stx, fx, dx, sty, fy, dy, stp, fp, dp, brackt, stpmin, stpmax):
    """Moré & Thuente's safeguarded step (MINPACK-2 dcstep): the new trial and the updated interval.
    In float64 with IEEE semantics (0/0 and sqrt(-1) are NaN, as in the C kernel)."""
    stx, fx, dx, sty, fy, dy, stp, fp, dp = map(np.float64, (stx, fx, dx, sty, fy, dy, stp, fp, dp))
    with np.errstate(all="ignore"):
        return _mt_step_cases(stx, fx, dx, sty, fy, dy, stp, fp, dp, brackt, stpmin, stpmax)


def _mt_step_cases(stx, fx, dx, sty, fy, dy, stp, fp, dp, brackt, stpmin, stpmax):
    cubic = _mt_cubic
    sgnd = dp * (dx / abs(dx))
    if fp > fx:                                    # case 1: a higher value, the minimum is bracketed
        theta, gamma = cubic(stx, fx, dx, stp, fp, dp)
        stpc = stx + ((gamma - dx) + theta) / (((gamma - dx) + gamma) + dp) * (stp - stx)
        stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2.0) * (stp - stx)
        stpf = stpc if abs(stpc - stx) < abs(stpq - stx) else stpc + (stpq - stpc) / 2.0
        brackt = True
    elif sgnd < 0.0:                               # case 2: the derivatives change sign
        theta, gamma = cubic(stp, fp, dp, stx, fx, dx)
        stpc = stp + ((gamma - dp) + theta) / (((gamma - dp) + gamma) + dx) * (stx - stp)
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
        brackt = True
    elif abs(dp) < abs(dx):                        # case 3: the derivative shrinks in magnitude
        theta, gamma = cubic(stp, fp, dp, stx, fx, dx, clamp0=True)
        r = ((gamma - dp) + theta) / ((gamma + (dx - dp)) + gamma)
        if r < 0.0 and gamma != 0.0:
            stpc = stp + r * (stx - stp)
        else:
            stpc = stpmax if stp > stx else stpmin
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        if brackt:
            stpf = stpc if abs(stpc - stp) < abs(stpq - stp) else stpq
            stpf = min(stp + 0.66 * (sty - stp), stpf) if stp > stx else max(stp + 0.66 * (sty - stp), stpf)
        else:
            stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
            stpf = max(stpmin, min(stpmax, stpf))
    elif brackt:                                   # case 4: cubic through stp and sty
        theta, gamma = cubic(stp, fp, dp, sty, fy, dy)
        stpf = stp + ((gamma - dp) + theta) / (((gamma - dp) + gamma) + dy) * (sty - stp)
    else:
        stpf = stpmax if stp > stx else stpmin
    if fp > fx:
        sty, fy, dy = stp, fp, dp
    else:
        if sgnd < 0.0:
            sty, fy, dy = stx, fx, dx
        stx, fx, dx = stp, fp, dp
    return stpf, stx, fx, dx, sty, fy, dy, brackt


def _more_thuente(ev, f, g, gtd, t, c1, c2, xtol, max_ls):
    """Moré & Thuente (1994) / MINPACK-2 dcsrch; returns (t, f, g, nfev, outcome)."""
    xtrapl, xtrapu, stpmin, stpmax = 1.1, 4.0, 0.0, 1e100
    gtest = c1 * gtd
    bt, bf, bg = 0.0, f, g
    stp = min(t, stpmax)
    width, width1, stmin, stmax = stpmax - stpmin, 2.0 * (stpmax - stpmin), 0.0, stp + xtrapu * stp
    stbad = math.inf
    stx, fx, dx, sty, fy, dy, brackt = 0.0, f, gtd, 0.0, f, gtd, False
    stage, done, nfev = 1, False, 0
    while nfev < max_ls + 1:
        fn, gn, gtdn = ev(stp)
        nfev += 1
        if not np.isfinite(fn):                    # too long a step: stay below it, step back halfway
            stbad = min(stbad, stp)
            stp = stx + 0.5 * (stbad - stx)
            if not stp - stx > xtol * stp:
                break
            continue
        if fn < bf:
            bt, bf, bg = stp, fn, gn
        ftest = f + stp * gtest
        if stage == 1 and fn <= ftest and gtdn >= 0.0:
            stage = 2
        if fn <= ftest and abs(gtdn) <= c2 * -gtd:
            bt, bf, bg, done = stp, fn, gn, True
            break
        if brackt and (stp <= stmin or stp >= stmax or stmax - stmin <= xtol * stmax):
            break
        if stp == stpmax and fn <= ftest and gtdn <= gtest:
            break
        if stage == 1 and fn <= fx and fn > ftest:   # step on psi(t) = f(t) - t c1 f'(0)
            stp, stx, fx, dx, sty, fy, dy, brackt = _mt_step(
                stx, fx - stx * gtest, dx - gtest, sty, fy - sty * gtest, dy - gtest,
                stp, fn - stp * gtest, gtdn - gtest, brackt, stmin, stmax)
            fx, dx, fy, dy = fx + stx * gtest, dx + gtest, fy + sty * gtest, dy + gtest
        else:
            stp, stx, fx, dx, sty, fy, dy, brackt = _mt_step(stx, fx, dx, sty, fy, dy, stp, fn, gtdn,
                                                             brackt, stmin, stmax)
        if brackt:
            if abs(sty - stx) >= 0.66 * width1:
                stp = stx + 0.5 * (sty - stx)
            width1, width = width, abs(sty - stx)
            stmin, stmax = min(stx, sty), max(stx, sty)
        else:
            stmin, stmax = stp + xtrapl * (stp - stx), stp + xtrapu * (stp - stx)
        if not math.isfinite(stp):
            break
        stp = min(max(stp, stpmin), stpmax)
        if stp >= stbad:
            stp = stx + 0.5 * (stbad - stx)
        if brackt and (stp <= stmin or stp >= stmax or stmax - stmin <= xtol * stmax):
            break
    return bt, bf, bg, nfev, 0 if done else (1 if bf < f else 2)


def line_search(fun, x, d, f, g, *, t=1.0, kind="strong-wolfe", c1=1e-4, c2=0.9, tolerance_change=1e-9,
                max_ls=25, xtol=1e-14):
    """Twin of :func:`pyoptim.kernels.line_search` (torch.optim.LBFGS's _strong_wolfe + NaN handling;
    Moré-Thuente as MINPACK-2's dcsrch)."""
    gtd = float(g @ d)
    if not gtd < 0:
        raise ValueError("line_search(): d is not a descent direction")

    def ev(t):
        xt = x + t * d
        ft, gt = fun(xt)
        ft = float(ft)
        gt = np.asarray(gt, dtype=np.float64)
        with np.errstate(all="ignore"):
            s = float(gt @ d)
        if not (np.isfinite(ft) and np.isfinite(s)):
            ft, s = np.inf, np.nan
        return ft, gt, s

    if kind == "more-thuente":
        tb, fb, gb, nfev, outcome = _more_thuente(ev, float(f), g, gtd, t, c1, c2, xtol, max_ls)
        return tb, fb, x + tb * d, np.array(gb, dtype=np.float64), nfev, outcome
    if kind == "backtracking":
        dnorm = float(np.abs(d).max())
        nfev = 0
        while True:
            fn, gn, _ = ev(t)
            nfev += 1
            if fn <= f + c1 * t * gtd:
                return t, fn, x + t * d, gn, nfev, 0
            if nfev > max_ls or t * dnorm < tolerance_change:
                return 0.0, f, x.copy(), g.copy(), nfev, 2
            with np.errstate(all="ignore"):
                tq = -gtd * t * t / (2.0 * (fn - f - gtd * t)) if np.isfinite(fn) else 0.5 * t
            if not np.isfinite(tq):
                tq = 0.5 * t
            t = min(max(tq, 0.1 * t), 0.5 * t)

    dnorm = float(np.abs(d).max())
    fn, gn, gtdn = ev(t)
    nfev = 1
    tp, fp, gp, gtdp = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    b, bf, bg, bgtd = [0.0, t], [f, fn], [g, gn], [gtd, gtdn]
    while ls_iter < max_ls:
        if fn > f + c1 * t * gtd or (ls_iter > 1 and fn >= fp):
            b, bf, bg, bgtd = [tp, t], [fp, fn], [gp, gn], [gtdp, gtdn]
            break
        if abs(gtdn) <= -c2 * gtd:
            b, bf, bg = [t], [fn], [gn]
            done = True
            break
        if gtdn >= 0:
            b, bf, bg, bgtd = [tp, t], [fp, fn], [gp, gn], [gtdp, gtdn]
            break
        lo, hi, tmp = t + 0.01 * (t - tp), t * 10.0, t
        t = _so_cubic(tp, fp, gtdp, t, fn, gtdn, bounds=(lo, hi))
        tp, fp, gp, gtdp = tmp, fn, gn, gtdn
        fn, gn, gtdn = ev(t)
        nfev += 1
        ls_iter += 1
    if ls_iter == max_ls:
        b, bf, bg = [0.0, t], [f, fn], [g, gn]
    insuf = False
    low, high = (0, 1) if len(bf) == 1 or bf[0] <= bf[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(b[1] - b[0]) * dnorm < tolerance_change:
            break
        t = _so_cubic(b[0], bf[0], bgtd[0], b[1], bf[1], bgtd[1])
        bmax, bmin = max(b), min(b)
        eps = 0.1 * (bmax - bmin)
        if min(bmax - t, t - bmin) < eps:
            if insuf or t >= bmax or t <= bmin:
                t = bmax - eps if abs(t - bmax) < abs(t - bmin) else bmin + eps
                insuf = False
            else:
                insuf = True
        else:
            insuf = False
        fn, gn, gtdn = ev(t)
        nfev += 1
        ls_iter += 1
        if fn > f + c1 * t * gtd or fn >= bf[low]:
            b[high], bf[high], bg[high], bgtd[high] = t, fn, gn, gtdn
            low, high = (0, 1) if bf[0] <= bf[1] else (1, 0)
        else:
            if abs(gtdn) <= -c2 * gtd:
                done = True
            elif gtdn * (b[high] - b[low]) >= 0:
                b[high], bf[high], bg[high], bgtd[high] = b[low], bf[low], bg[low], bgtd[low]
            b[low], bf[low], bg[low], bgtd[low] = t, fn, gn, gtdn
    t = b[low]
    outcome = 0 if done else (1 if bf[low] < f else 2)
    return t, bf[low], x + t * d, np.array(bg[low], dtype=np.float64), nfev, outcome


def lbfgs_two_loop(d, g, s, y, rho, *, newest, count, gamma):
    """Twin of :func:`pyoptim.kernels.lbfgs_two_loop` (N&W Algorithm 7.4)."""
    m = s.shape[0]
    dt = d.dtype.type
    q = -g.astype(np.float64)
    idx = [(newest - k) % m for k in range(count)]
    a = {}
    for j in idx:                      # newest -> oldest
        a[j] = float(rho[j]) * float(s[j] @ q)
        q -= a[j] * y[j]
    r = gamma * q
    for j in reversed(idx):            # oldest -> newest
        bj = float(rho[j]) * float(y[j] @ r)
        r += (a[j] - bj) * s[j]
    d[...] = r.astype(dt)


def bfgs_update(H, s, y):
    """Twin of :func:`pyoptim.kernels.bfgs_update` (N&W eq. 6.17), in the product form with P formed
    explicitly (O(n^3); the kernel computes the same grouping in O(n^2))."""
    ys = float(y.astype(np.float64) @ s)
    if not (ys > 0 and np.isfinite(ys)):
        return False
    r = 1.0 / ys
    I = np.eye(s.size)
    s64, y64 = s.astype(np.float64), y.astype(np.float64)
    H[...] = (I - r * np.outer(s64, y64)) @ H.astype(np.float64) @ (I - r * np.outer(y64, s64)) + r * np.outer(s64, s64)
    return True


def cholesky_solve(x, A, b, *, shift=0.0):
    """Twin of :func:`pyoptim.kernels.cholesky_solve`."""
    A64 = np.tril(A.astype(np.float64)) + np.tril(A.astype(np.float64), -1).T + shift * np.eye(b.size)
    L = np.linalg.cholesky(A64)
    x[...] = np.linalg.solve(L.T, np.linalg.solve(L, b.astype(np.float64)))


def sym_eig(w, V, A):
    """Twin of :func:`pyoptim.kernels.sym_eig` (eigenvector signs may differ)."""
    A64 = A.astype(np.float64)
    ww, VV = np.linalg.eigh(0.5 * (A64 + A64.T))
    w[...] = ww
    V[...] = VV


def cg_step(x, r, p, Ap, rr):
    """Twin of :func:`pyoptim.kernels.cg_step` (N&W Algorithm 5.2). rr = r'r must be > 0 (rr = 0:
    converged), like the kernel: ValueError otherwise, before anything is written."""
    if not rr > 0:
        raise ValueError(f"cg_step(): invalid rr: {rr!r} (expected r'r > 0; rr = 0 means the residual is zero: "
                         "CG has converged, stop before calling cg_step)")
    pAp = float(p.astype(np.float64) @ Ap)
    if not pAp > 0:
        raise np.linalg.LinAlgError("cg_step(): the matrix is not positive definite")
    dt = x.dtype.type
    a = dt(rr / pAp)
    x += a * p
    r -= a * Ap
    rn = float(r.astype(np.float64) @ r)
    p[...] = r + dt(rn / rr) * p
    return rn


def _so_dot(a, b) -> float:
    """a'b in double with the C core's order (csrc/linalg_tmpl.h po_so_dot): four partial sums over
    i mod 4, the tail into the first, then (s0 + s1) + (s2 + s3). The order matters where the terms
    cancel (an ill-conditioned A with huge entries), so the twin follows it exactly."""
    p = np.asarray(a, dtype=np.float64).ravel() * np.asarray(b, dtype=np.float64).ravel()
    s = [0.0, 0.0, 0.0, 0.0]
    m = p.size - p.size % 4
    for i in range(0, m, 4):
        s[0] += float(p[i])
        s[1] += float(p[i + 1])
        s[2] += float(p[i + 2])
        s[3] += float(p[i + 3])
    for i in range(m, p.size):
        s[0] += float(p[i])
    return (s[0] + s[1]) + (s[2] + s[3])


def coordinate_descent_sweep(x, A, b, *, l1=0.0, path=None):
    """Twin of :func:`pyoptim.kernels.coordinate_descent_sweep` (book 8.7.2). A NaN propagates (into
    x_i and the returned change); inside the threshold x_i = 0 exactly, also when A_ii = 0."""
    maxd = 0.0
    for i in range(x.size):
        z = float(b[i]) - (_so_dot(A[i], x) - float(A[i, i]) * float(x[i]))
        aii = np.float64(A[i, i])
        az = abs(z) - l1
        if az > 0:
            v = np.float64(np.copysign(az, z)) / aii
        elif np.isnan(az) or np.isnan(aii):
            v = np.nan
        else:
            v = 0.0
        ch = abs(float(v) - float(x[i]))
        if ch > maxd or np.isnan(ch):
            maxd = ch
        x[i] = v
        if path is not None:
            path[i] = x
    return maxd


def rosenbrock_value_and_grad(g, x):
    """Twin of :func:`pyoptim.kernels.rosenbrock_value_and_grad`."""
    x64 = x.astype(np.float64)
    t = x64[1:] - x64[:-1] ** 2
    u = 1.0 - x64[:-1]
    gg = np.zeros_like(x64)
    gg[:-1] = -400.0 * x64[:-1] * t - 2.0 * u
    gg[1:] += 200.0 * t
    g[...] = gg
    return float(np.sum(100.0 * t * t + u * u))


def quadratic_value_and_grad(g, x, H, b):
    """Twin of :func:`pyoptim.kernels.quadratic_value_and_grad`."""
    hx = H.astype(np.float64) @ x
    g[...] = hx - b
    return float(x.astype(np.float64) @ (0.5 * hx - b))


def least_squares_value_and_grad(g, w, X, y, *, l2=0.0):
    """Twin of :func:`pyoptim.kernels.least_squares_value_and_grad`."""
    X64, w64 = X.astype(np.float64), w.astype(np.float64)
    N = max(X.shape[0], 1)
    r = X64 @ w64 - y
    g[...] = X64.T @ r / N + l2 * w64
    return float(0.5 * r @ r / N + 0.5 * l2 * w64 @ w64)


def logistic_value_and_grad(g, w, X, y, *, l2=0.0):
    """Twin of :func:`pyoptim.kernels.logistic_value_and_grad`."""
    X64, w64 = X.astype(np.float64), w.astype(np.float64)
    N = max(X.shape[0], 1)
    z = X64 @ w64
    s = 0.5 * (1.0 + np.tanh(0.5 * z))
    g[...] = X64.T @ (s - y) / N + l2 * w64
    return float(np.sum(np.logaddexp(0.0, z) - y * z) / N + 0.5 * l2 * w64 @ w64)


def softmax_value_and_grad(g, w, X, y, *, l2=0.0, n_classes=1):
    """Twin of :func:`pyoptim.kernels.softmax_value_and_grad`."""
    X64, w64 = X.astype(np.float64), w.astype(np.float64)
    N, D = X.shape
    W = w64.reshape(D, n_classes)
    Z = X64 @ W
    Z -= Z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(Z).sum(axis=1))
    P = np.exp(Z - lse[:, None])
    f = float(np.sum(lse - Z[np.arange(N), y])) / max(N, 1)
    P[np.arange(N), y] -= 1.0
    g[...] = (X64.T @ P / max(N, 1) + l2 * W).reshape(-1)
    return f + float((0.5 * l2 * w64) @ w64)   # l2 = 0 adds 0 even when ||w||^2 overflows

# --- end secondorder ----------------------------------------------------------------------------------

# --- regularize: RNG, dropout, proximal steps, constraints (book 7) -----------------------------------


_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_RNG_BLOCK, _RNG_LANES = 4096, 8


def _mix64(z):
    """SplitMix64's finalizer on uint64 arrays (wrapping arithmetic)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


def _rng_draws(n, seed, counter):
    """The first n 32-bit draws of stream (seed, counter), as csrc/rng.h documents: block b's key is
    mix(mix(mix(seed + G) + counter) + b); lane l starts from x = mix(key + l + 1) and takes four
    SplitMix64 outputs as its xoshiro256++ state; each step yields one 64-bit word per lane, whose low
    then high 32-bit halves are the next two draws."""
    nb = max(1, -(-n // _RNG_BLOCK))
    blocks = np.arange(nb, dtype=np.uint64)
    k = _mix64(np.array([seed], dtype=np.uint64) + _GOLDEN)
    k = _mix64(k + np.uint64(counter))
    key = _mix64(k + blocks)                                         # (nb,)
    x = _mix64(key[:, None] + np.arange(1, _RNG_LANES + 1, dtype=np.uint64)[None, :])   # (nb, L)
    s = []
    for _ in range(4):
        x = x + _GOLDEN
        s.append(_mix64(x))
    s0, s1, s2, s3 = s
    steps = _RNG_BLOCK // (2 * _RNG_LANES)
    words = np.empty((nb, steps, _RNG_LANES), dtype=np.uint64)
    for t in range(steps):
        words[:, t, :] = _rotl(s0 + s3, 23) + s0
        tt = s1 << np.uint64(17)
        s2 = s2 ^ s0
        s3 = s3 ^ s1
        s1 = s1 ^ s2
        s0 = s0 ^ s3
        s2 = s2 ^ tt
        s3 = _rotl(s3, 45)
    lo = (words & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    hi = (words >> np.uint64(32)).astype(np.uint32)
    return np.stack([lo, hi], axis=-1).reshape(-1)[:n]


def _keep_threshold(p):
    k = (1.0 - p) * 4294967296.0
    return 0 if not k > 0.0 else (4294967296 if k >= 4294967296.0 else int(k))


def _keep(n, p, seed, counter):
    thr = _keep_threshold(p)
    if thr >= 4294967296:
        return np.ones(n, dtype=bool)
    if thr == 0:
        return np.zeros(n, dtype=bool)
    return _rng_draws(n, seed, counter) < np.uint32(thr)


def rng_uniform(out, seed, counter):
    """Twin of :func:`pyoptim.kernels.rng_uniform`."""
    u = _rng_draws(out.size, seed, counter)
    if out.dtype == np.float32:
        out.reshape(-1)[...] = (u >> np.uint32(8)).astype(np.float32) * np.float32(2.0 ** -24)
    else:
        out.reshape(-1)[...] = u.astype(np.float64) * 2.0 ** -32


def dropout_mask(out, p, seed, counter):
    """Twin of :func:`pyoptim.kernels.dropout_mask`."""
    out.reshape(-1)[...] = _keep(out.size, p, seed, counter).astype(out.dtype)


def dropout_forward(x, out, p, seed, counter, *, inverted=True):
    """Twin of :func:`pyoptim.kernels.dropout_forward`: out = x * where(keep, scale, 0)."""
    dt = x.dtype.type
    scale = dt(1.0 / (1.0 - p)) if (inverted and p < 1.0) else dt(1.0)
    thr = _keep_threshold(p)
    if thr >= 4294967296:
        out[...] = x * scale
    elif thr == 0:
        out[...] = 0
    else:
        keep = _keep(x.size, p, seed, counter).reshape(x.shape)
        out[...] = x * np.where(keep, scale, dt(0))


def dropout_backward(grad_output, grad_input, p, seed, counter, *, inverted=True):
    """Twin of :func:`pyoptim.kernels.dropout_backward` (the forward mask applied to the gradient)."""
    dropout_forward(grad_output, grad_input, p, seed, counter, inverted=inverted)


def prox_l1(param, *, threshold):
    """Twin of :func:`pyoptim.kernels.prox_l1`: w <- sign(w) max(|w| - t, 0)."""
    with np.errstate(over="ignore"):   # a threshold beyond float32's range is inf, as the C cast gives
        t = param.dtype.type(threshold)
    a = np.abs(param) - t
    param[...] = np.where(a <= 0, param.dtype.type(0), np.copysign(a, param))


def _seqsum(a, axis=None):
    """A left-to-right sum in float64 (np.cumsum is sequential), as the C loops add."""
    if axis is None:
        a = a.reshape(-1)
        return np.cumsum(a)[-1] if a.size else 0.0
    if a.shape[axis] == 0:
        return a.sum(axis=axis, keepdims=True)
    return np.take(np.cumsum(a, axis=axis), [-1], axis=axis)


def _blocksumsq(x, block=4096):
    """po_sumsq: squares summed serially in fixed blocks of 4096, then the block sums in order."""
    a = x.astype(np.float64).reshape(-1)
    sums = [_seqsum(a[i:i + block] * a[i:i + block]) for i in range(0, a.size, block)]
    return _seqsum(np.array(sums)) if sums else 0.0


def max_norm(param, *, max_value, axis=0):
    """Twin of :func:`pyoptim.kernels.max_norm`; returns the number of rescaled fibres.

    Squares summed in the parameter's dtype over blocks of 32 rows (in order), block sums added in
    float64 (in order), as the kernel does."""
    sq = np.moveaxis(param * param, axis, 0)
    acc = np.zeros(sq.shape[1:], dtype=np.float64)
    for b0 in range(0, sq.shape[0], 32):
        acc = acc + np.cumsum(sq[b0:b0 + 32], axis=0, dtype=param.dtype)[-1].astype(np.float64)
    nrm = np.expand_dims(np.sqrt(acc), axis)
    over = nrm > max_value
    f = np.where(over, max_value / np.where(over, nrm, 1.0), 1.0).astype(param.dtype)
    param[...] = np.where(over, param * f, param)
    return int(np.count_nonzero(over))


def l2_ball_project(param, *, radius):
    """Twin of :func:`pyoptim.kernels.l2_ball_project`."""
    nrm = np.sqrt(_blocksumsq(param))
    if nrm > radius:
        param[...] = param * param.dtype.type(radius / nrm)


def l1_ball_project(param, *, radius):
    """Twin of :func:`pyoptim.kernels.l1_ball_project` (Duchi et al. 2008)."""
    a = np.abs(param.astype(np.float64)).reshape(-1)
    if not np.all(np.isfinite(a)):
        raise FloatingPointError("l1_ball_project(): a non-finite value (NaN or inf) was found")
    with np.errstate(over="ignore", invalid="ignore"):   # an L1 norm beyond 1.8e308 is inf, as in C
        if a.size == 0 or np.cumsum(a)[-1] <= radius:
            return
        if radius <= 0:
            param[...] = 0
            return
        u = np.sort(a)[::-1]
        cs = np.cumsum(u)
        j = np.arange(1, u.size + 1)
        ok = np.nonzero(u[1:] - (cs[1:] - radius) / j[1:] > 0)[0]
        rho = int(ok[-1]) + 1 if ok.size else 0       # j = 0 always qualifies (exactly: u0 - (u0 - r) = r > 0)
        theta = (cs[rho] - radius) / (rho + 1)
    prox_l1(param, threshold=theta)

# --- end regularize -----------------------------------------------------------------------------------


# ---- bounds (box projection) ----

def project_box(x, lo, hi):
    """Twin of :func:`pyoptim.kernels.project_box`: x <- min(max(x, lo), hi), in place."""
    x[...] = np.minimum(np.maximum(x, lo), hi)


# ---- optim-more: Adadelta, Adamax, NAdam, RAdam (torch.optim's single-tensor arithmetic) ----

def _torch_maximum(a, b):
    """torch.maximum: NaN where either operand is NaN, else the larger (the kernel's select)."""
    return np.where((a >= b) | np.isnan(a), a, b)


def adadelta_step(param, grad, square_avg, acc_delta, *, lr, rho=0.9, eps=1e-6, weight_decay=0.0,
                  maximize=False):
    """Twin of :func:`pyoptim.kernels.adadelta_step` (Zeiler 2012; book 8.5.4)."""
    dt = param.dtype.type
    g = _decayed(grad, param, weight_decay, maximize)
    square_avg[...] = square_avg * dt(rho) + (dt(1.0 - rho) * g) * g
    std = np.sqrt(square_avg + dt(eps))
    delta = (np.sqrt(acc_delta + dt(eps)) / std) * g
    acc_delta[...] = acc_delta * dt(rho) + (dt(1.0 - rho) * delta) * delta
    param[...] = param + dt(-lr) * delta


def adamax_step(param, grad, exp_avg, exp_inf, *, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, step,
                maximize=False):
    """Twin of :func:`pyoptim.kernels.adamax_step` (Kingma & Ba 2015, section 7.1)."""
    dt = param.dtype.type
    clr = lr / (1.0 - beta1 ** float(step))
    g = _decayed(grad, param, weight_decay, maximize)
    exp_avg[...] = _lerp(exp_avg, g, dt(1.0 - beta1))
    exp_inf[...] = _torch_maximum(exp_inf * dt(beta2), np.abs(g) + dt(eps))
    param[...] = param + (dt(-clr) * exp_avg) / exp_inf


def nadam_step(param, grad, exp_avg, exp_avg_sq, *, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
               momentum_decay=4e-3, mu_product, step, maximize=False, decoupled_weight_decay=False):
    """Twin of :func:`pyoptim.kernels.nadam_step` (Dozat 2016). ``mu_product`` includes this step's mu."""
    dt = param.dtype.type
    t = float(step)
    bias_correction2 = 1.0 - beta2 ** t
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1.0) * momentum_decay)))
    mu_product_next = mu_product * mu_next
    c1 = -lr * (1.0 - mu) / (1.0 - mu_product)
    c2 = (-lr * mu_next) / (1.0 - mu_product_next)
    if weight_decay != 0 and decoupled_weight_decay:
        param[...] = param * dt(1.0 - lr * weight_decay)
        cwd = 0.0
    else:
        cwd = weight_decay
    g = _decayed(grad, param, cwd, maximize)
    exp_avg[...] = _lerp(exp_avg, g, dt(1.0 - beta1))
    exp_avg_sq[...] = exp_avg_sq * dt(beta2) + (dt(1.0 - beta2) * g) * g
    den = np.sqrt(exp_avg_sq / dt(bias_correction2)) + dt(eps)
    param[...] = param + (dt(c1) * g) / den
    param[...] = param + (dt(c2) * exp_avg) / den


def radam_step(param, grad, exp_avg, exp_avg_sq, *, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, step,
               maximize=False, decoupled_weight_decay=False):
    """Twin of :func:`pyoptim.kernels.radam_step` (Liu et al. 2020)."""
    dt = param.dtype.type
    t = float(step)
    if weight_decay != 0 and decoupled_weight_decay:
        param[...] = param * dt(1.0 - lr * weight_decay)
        cwd = 0.0
    else:
        cwd = weight_decay
    g = _decayed(grad, param, cwd, maximize)
    exp_avg[...] = _lerp(exp_avg, g, dt(1.0 - beta1))
    exp_avg_sq[...] = exp_avg_sq * dt(beta2) + (dt(1.0 - beta2) * g) * g
    bias_correction1 = 1.0 - beta1 ** t
    bias_correction2 = 1.0 - beta2 ** t
    update = (exp_avg / dt(bias_correction1)) * dt(lr)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * (beta2 ** t) / bias_correction2
    if rho_t > 5.0:
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        adaptive = (dt(1) / (np.sqrt(exp_avg_sq) + dt(eps))) * dt(bias_correction2 ** 0.5)
        update = (update * adaptive) * dt(rect)
    param[...] = param - update

# ---- optim extra: ASGD, Rprop, Adafactor, Muon (csrc/optim_extra.c) ----------------------------------


def _lerp_abs(a, b, w):
    """torch's lerp with a scalar weight w (already in the arrays' dtype): a + w (b - a) if |w| < 0.5
    else b - (b - a)(1 - w)."""
    return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (type(w)(1) - w)


def _sign(x):
    """torch.sign: (0 < x) - (x < 0), so 0 for NaN (np.sign gives NaN)."""
    return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)


def asgd_step(param, grad, ax, *, eta, lambd=1e-4, mu=1.0, weight_decay=0.0, maximize=False):
    """Twin of :func:`pyoptim.kernels.asgd_step` (Polyak & Juditsky 1992; book 8.7.3)."""
    dt = param.dtype.type
    g = _decayed(grad, param, weight_decay, maximize)
    p = param * dt(1.0 - lambd * eta)
    p = p + dt(-eta) * g
    param[...] = p
    if mu != 1.0:
        ax[...] = ax + (p - ax) * dt(mu)
    else:
        ax[...] = p


def rprop_step(param, grad, prev, step_size, *, etaminus=0.5, etaplus=1.2, step_size_min=1e-6,
               step_size_max=50.0, maximize=False):
    """Twin of :func:`pyoptim.kernels.rprop_step` (Riedmiller & Braun 1993)."""
    dt = param.dtype.type
    g = -grad if maximize else grad
    s = _sign(g * prev)
    f = np.where(s > 0, dt(etaplus), np.where(s < 0, dt(etaminus), dt(1)))
    st = step_size * f
    st = np.where(st < dt(step_size_min), dt(step_size_min), st)
    st = np.where(st > dt(step_size_max), dt(step_size_max), st)
    step_size[...] = st
    gz = np.where(f == dt(etaminus), dt(0), g)
    param[...] = param + (dt(-1) * _sign(gz)) * st
    prev[...] = gz


def adafactor_step(param, grad, row_var=None, col_var=None, variance=None, *, lr, beta2_decay=-0.8, eps1=None,
                   eps2=1e-3, d=1.0, weight_decay=0.0, step, maximize=False):
    """Twin of :func:`pyoptim.kernels.adafactor_step` (Shazeer & Stern 2018).

    Sums of squares in float64 by NumPy (another order than the kernel's lanes: equal to rounding)."""
    dt = param.dtype.type
    if eps1 is None:
        eps1 = float(np.finfo(param.dtype).eps)
    n = param.size
    if n == 0:
        return
    g = -grad if maximize else grad
    t = float(step)
    w = dt(t ** beta2_decay)
    rho = min(lr, 1 / t ** 0.5)
    pn = float(dt(np.sqrt(np.sum(np.square(param, dtype=np.float64)))))
    alpha = max(eps2, pn / n ** 0.5) * rho
    e1sq = dt(eps1 * eps1)
    if param.ndim >= 2:
        m, c = param.shape[-2], param.shape[-1]
        nr = np.sqrt(np.sum(np.square(g, dtype=np.float64), axis=-1, keepdims=True)).astype(param.dtype)
        row_var[...] = _lerp_abs(row_var, (nr * nr) / dt(c), w)
        nc = np.sqrt(np.sum(np.square(g, dtype=np.float64), axis=-2, keepdims=True)).astype(param.dtype)
        col_var[...] = _lerp_abs(col_var, (nc * nc) / dt(m), w)
        rm = np.sum(row_var, axis=-2, keepdims=True, dtype=np.float64).astype(param.dtype) / dt(m)
        rm = np.where(rm < dt(eps1), dt(eps1), rm)
        v = (row_var * col_var) / rm
    else:
        variance[...] = _lerp_abs(variance, g * g, w)
        v = variance
    v = np.where(v < e1sq, e1sq, v)
    u = (dt(1) / np.sqrt(v)) * g
    un = float(dt(np.sqrt(np.sum(np.square(u, dtype=np.float64)))))
    denom = max(1.0, un / (n ** 0.5 * d))
    if weight_decay != 0:
        param[...] = param * dt(1.0 - lr * weight_decay)
    param[...] = param + dt(-alpha / denom) * u


def muon_momentum(grad, momentum_buffer, out, *, momentum, nesterov=True):
    """Twin of :func:`pyoptim.kernels.muon_momentum`."""
    dt = grad.dtype.type
    momentum_buffer[...] = _lerp_abs(momentum_buffer, grad, dt(1.0 - momentum))
    out[...] = _lerp_abs(grad, momentum_buffer, dt(momentum)) if nesterov else momentum_buffer


def muon_apply(param, update, *, lr, weight_decay=0.1, adjusted_lr):
    """Twin of :func:`pyoptim.kernels.muon_apply`."""
    dt = param.dtype.type
    p = param * dt(1.0 - lr * weight_decay)
    param[...] = p + dt(-adjusted_lr) * update


# ---- backend: the thread setting and the solver loop (the NumPy backend of pyoptim.kernels) ----------

PAR_GRAIN = 262144   # csrc/pyoptim.h PO_PAR_GRAIN: the C core's split size (no effect on the twins)


def set_num_threads(n, /):
    """Twin of :func:`pyoptim.kernels.set_num_threads`: checks n like the C core; the twins run on one
    thread (NumPy's BLAS keeps its own threads), as a C core built without OpenMP does."""
    n = operator.index(n)
    if n < 1:
        raise ValueError(f"set_num_threads(): invalid n: {n} (expected an integer >= 1)")


def get_num_threads():
    """Twin of :func:`pyoptim.kernels.get_num_threads`: 1 (the twins run on the calling thread)."""
    return 1


def _so_copy_out(obj, n, square, what):
    """A user function's result as float64 of shape (n,) or (n, n); bind_secondorder_bridge.h's po_bridge_copy_out."""
    try:
        a = np.array(obj, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"minimize(): {what} must return an array of floats, got {type(obj).__name__}") from None
    if a.shape != ((n, n) if square else (n,)):
        want = f"({n}, {n})" if square else f"({n},)"
        raise ValueError(f"minimize(): {what} returned shape {a.shape}, expected {want}")
    return a


def _so_maxabs(v):
    """max|v_i| (secondorder.c so_maxabs); NaN propagates."""
    return float(np.abs(v).max())


def _so_gnorm(g, ord):
    """The gradient norm of the gtol test, |g|_ord (secondorder.c so_gnorm): inf max|g_i|, -inf min|g_i|,
    else (sum |g_i|^ord)^(1/ord) scaled by max|g_i| so that it neither overflows nor underflows."""
    if ord == math.inf:
        return _so_maxabs(g)
    if ord == -math.inf:
        return float(np.abs(g).min())
    mx = _so_maxabs(g)
    if not (mx > 0.0) or not math.isfinite(mx):
        return mx if ord > 0 else 0.0
    with np.errstate(all="ignore"):
        return mx * float(np.sum((np.abs(g) / mx) ** ord)) ** (1.0 / ord)


def _so_unit_step(v):
    """t with |t v|_2 = 1, |v|_2 scaled by max|v_i| (a huge v gives a tiny t, not 1/inf = 0)."""
    vm = _so_maxabs(v)
    with np.errstate(all="ignore"):
        return 1.0 / (vm * math.sqrt(float(np.sum((v / vm) * (v / vm)))))


def _minimize(fun, x0, *, jac=None, hess=None, hessp=None, callback=None, model=None, path=None, method=5,
              gtol=1e-5, ftol=0.0, maxiter=1000, maxfev=10000, m=10, beta=1, restart=0, damping=-1.0,
              saddle_free=False, cg_maxiter=0, line_search=0, c1=1e-4, c2=0.9, max_ls=25,
              tolerance_change=1e-9, xtol=1e-14, init_step=0, h0_scaled=True, norm=math.inf, xrtol=0.0,
              hess_inv0=None, state_out=None, linalg=None):
    """Twin of the C iteration loop behind :func:`pyoptim.minimize` (csrc/secondorder.c po_minimize: the
    same methods, initial steps, memory updates, resets and stopping reasons, in the same order).

    ``norm``: the order of the gradient norm in the gtol test; ``xrtol``: stop when
    |x - x_prev|_2 <= xrtol (xrtol + |x|_2); ``hess_inv0``: BFGS's initial inverse Hessian (n, n);
    ``state_out``: written with BFGS's final inverse Hessian (n, n), or L-BFGS's pairs (2m, n): s rows
    0..nmem-1, y rows m..m+nmem-1, oldest first. ``linalg``: accepted for the C loop's signature; the twin
    always factors with numpy.linalg (the C loop's "numpy" provider).
    Returns (x, f, g, nit, nfev, njev, nhev, reason, nmem) with reason a PO_STOP_* code (csrc/so.h)."""
    x0 = np.asarray(x0)
    if x0.dtype != np.float64 or x0.ndim != 1:
        raise ValueError("_minimize(): x0 must be a 1-D float64 array")
    n = x0.size
    GD, NEWTON, NEWTON_CG, CG, BFGS, LBFGS = range(6)
    m = max(int(m), 1)
    if hess_inv0 is not None:
        hess_inv0 = np.asarray(hess_inv0)
        if hess_inv0.dtype != np.float64 or hess_inv0.shape != (n, n):
            raise ValueError(f"_minimize(): hess_inv0 must be a float64 array of shape ({n}, {n})")
        hess_inv0 = hess_inv0.copy()
    if state_out is not None:
        rows = 2 * m if method == LBFGS else n
        if not isinstance(state_out, np.ndarray) or state_out.dtype != np.float64 or \
                state_out.shape != (rows, n) or not state_out.flags.writeable:
            raise ValueError(f"_minimize(): state_out must be a writable float64 array of shape ({rows}, {n})")
    if path is not None and not isinstance(path, list):
        raise TypeError("_minimize(): path must be a list or None")
    if n == 0 or (method == NEWTON and hess is None) or (method == NEWTON_CG and hessp is None):
        raise ValueError("minimize(): an argument is outside its valid range")
    kind = ("strong-wolfe", "backtracking", "more-thuente")[line_search]
    eps = np.finfo(np.float64).eps
    norm = float(norm)

    def evaluate(x):
        r = fun(x.copy())
        if jac is None:
            if not isinstance(r, (tuple, list)):
                raise TypeError("minimize(): with jac=True, fun must return (value, gradient), "
                                f"got {type(r).__name__}")
            if len(r) != 2:
                raise TypeError("minimize(): with jac=True, fun must return (value, gradient)")
            fv, gv = r
        else:
            fv, gv = r, jac(x.copy())
        try:
            fv = float(fv)
        except (TypeError, ValueError):
            raise TypeError(f"minimize(): fun must return a real number as the value, got {type(fv).__name__}") \
                from None
        return fv, _so_copy_out(gv, n, False, "the gradient of fun" if jac is None else "jac")

    def progress(k, x, f, g):
        """0 to go on, 1 when the callback raised StopIteration (so_progress)."""
        if path is not None:
            path.append(x.copy())
        if callback is not None:
            try:
                callback(x.copy(), f)
            except StopIteration:
                return 1
        return 0

    def newton_dir(H, g):
        if saddle_free:   # book 8.2.3, Dauphin et al. 2014: d = -V |Lambda|^-1 V' g, |lambda| floored at delta
            w, V = np.linalg.eigh(0.5 * (H + H.T))
            delta = max(damping if damping > 0 else 0.0, 1e-8 * max(float(np.abs(w).max()), 1e-300))
            return -(V @ ((V.T @ g) / np.maximum(np.abs(w), delta)))
        Hs = np.tril(H) + np.tril(H, -1).T

        def chol_solve(shift):
            L = np.linalg.cholesky(Hs + shift * np.eye(n))
            return np.linalg.solve(L.T, np.linalg.solve(L, -g))
        if damping >= 0.0:   # fixed lambda: Cholesky when positive definite, else LU
            try:
                return chol_solve(damping)
            except np.linalg.LinAlgError:
                return np.linalg.solve(H + damping * np.eye(n), -g)
        mind = float(np.diag(H).min())   # N&W Algorithm 3.3, beta = 1e-3
        tau = 0.0 if mind > 0 else -mind + 1e-3
        for _ in range(200):
            try:
                return chol_solve(tau)
            except np.linalg.LinAlgError:
                tau = max(2.0 * tau, 1e-3)
        raise np.linalg.LinAlgError("not positive definite")

    S, Y, rho = np.zeros((m, n)), np.zeros((m, n)), np.zeros(m)
    newest = count = 0
    Hm, have_H = None, False
    out_count, out_H = 0, False   # state_out: pairs after the last update (a later reset keeps them)

    def finish(x, f, g, nit, nfev, nhev, reason):
        """secondorder.c's done: label: write state_out, count the memory."""
        nmem = 0   # as in C: counted only when state_out is given
        if state_out is not None and method == BFGS:
            # the last updated inverse Hessian (H0 if it was never updated)
            state_out[...] = Hm if out_H else (hess_inv0 if hess_inv0 is not None else np.eye(n))
            nmem = int(out_H)
        elif state_out is not None and method == LBFGS:
            for j in range(out_count):   # the ring, oldest pair first
                k = (newest + m - (out_count - 1 - j)) % m
                state_out[j], state_out[m + j] = S[k], Y[k]
            nmem = out_count
        return x, f, g, nit, nfev, nfev, nhev, reason, nmem

    x = x0.copy()
    nit = nhev = 0
    f, g = evaluate(x)
    nfev = 1
    if not (np.isfinite(f) and np.isfinite(g).all()):
        return finish(x, f, g, nit, nfev, nhev, 4)
    since_restart, gg_prev, f_old = 0, 0.0, f + 0.5 * math.sqrt(float(g @ g))
    fresh = True
    restart = restart if restart > 0 else n
    cg_maxiter = cg_maxiter if cg_maxiter > 0 else 20 * n
    d = np.zeros(n)
    while True:
        if _so_gnorm(g, norm) <= gtol:   # NaN never converges
            reason = 0
            break
        if nit >= maxiter:
            reason = 1
            break
        if nfev >= maxfev:
            reason = 2
            break
        # ---- search direction ----
        gg = float(g @ g)
        if method == GD:
            d = -g
        elif method == NEWTON:
            H = _so_copy_out(hess(x.copy()), n, True, "hess")
            nhev += 1
            if not np.isfinite(H).all():
                return finish(x, f, g, nit, nfev, nhev, 4)
            try:
                d = newton_dir(H, g)
            except np.linalg.LinAlgError:
                return finish(x, f, g, nit, nfev, nhev, 5)
        elif method == NEWTON_CG:   # N&W Algorithm 7.1: truncated CG on B p = -g
            gn = math.sqrt(gg)
            tol = min(0.5, math.sqrt(gn)) * gn
            z, r, pp, rr = np.zeros(n), g.copy(), -g, gg
            for j in range(cg_maxiter):
                Bp = _so_copy_out(hessp(x.copy(), pp.copy()), n, False, "hessp")
                nhev += 1
                curv = float(pp @ Bp)
                if not curv > 0.0:   # negative curvature: stop (steepest descent if at j = 0)
                    if j == 0:
                        z = -g
                    break
                a = rr / curv
                z, r = z + a * pp, r + a * Bp
                rn = float(r @ r)
                if math.sqrt(rn) <= tol:
                    break
                pp, rr = -r + (rn / rr) * pp, rn
            d = z
        elif method == CG:
            if fresh or since_restart >= restart:
                d, since_restart = -g, 0
            else:   # FR: g'g / g_prev'g_prev;  PR+: max(0, g'(g - g_prev) / g_prev'g_prev)
                b = gg / gg_prev if beta == 0 else max(0.0, (gg - float(g @ gp)) / gg_prev)
                d = -g + b * d
        elif method == BFGS:
            if not have_H:
                d = -(hess_inv0 @ g) if hess_inv0 is not None else -g
            else:
                d = -(Hm @ g)
        elif method == LBFGS:
            if count == 0:
                d = -g
            else:
                gamma = float(S[newest] @ Y[newest]) / float(Y[newest] @ Y[newest])
                d = np.empty(n)
                lbfgs_two_loop(d, g, S, Y, rho, newest=newest, count=count, gamma=gamma)
        else:
            raise ValueError("minimize(): an argument is outside its valid range")
        gtd = float(g @ d)
        if not gtd < 0.0:
            if not fresh and method in (CG, BFGS, LBFGS):
                fresh, have_H, count = True, False, 0   # reset the memory, restart from steepest descent
                continue
            reason = 5
            break
        # ---- initial trial step ----
        quasi_newton = method in (BFGS, LBFGS)
        if method in (GD, CG) or (quasi_newton and init_step == 1):
            # scipy's choice: the step at which a quadratic with the last decrease would bottom out
            with np.errstate(all="ignore"):
                t = 1.01 * 2.0 * (f - f_old) / gtd
            if quasi_newton:
                if not t > 0.0 or t > 1.0:
                    t = 1.0   # a quasi-Newton step has a natural unit length
            elif not t > 0.0 or not math.isfinite(t):
                t = _so_unit_step(d)   # gd and CG: no cap at 1 (scaling f), else |t d|_2 = 1
        elif quasi_newton and fresh and not (method == BFGS and hess_inv0 is not None):
            t = _so_unit_step(g)   # no memory yet: |t d|_2 = 1
        else:
            t = 1.0
        if not t > 0.0 or not math.isfinite(t) or not math.isfinite(gtd):
            reason = 3   # the slope or the step is out of floating-point range: no search possible
            break
        # ---- line search, through the rounding-floor spy (secondorder.c so_spy_eval) ----
        xp, gp = x.copy(), g.copy()
        ls_max = min(max_ls, max(maxfev - nfev - 1, 0))
        spy = {"f0": f, "tol": 16.0 * eps * abs(f), "gbest": np.inf, "best": None, "unbounded": None}

        def spy_eval(xt, spy=spy):
            ft, gt = evaluate(xt)
            if ft == -math.inf and spy["unbounded"] is None:
                # f = -inf: the objective is unbounded below; the line search would take it for a step too long
                spy["unbounded"] = (np.array(xt, dtype=np.float64), gt.copy())
                return ft, gt
            if spy["unbounded"] is None and gtol > 0.0 and abs(ft - spy["f0"]) <= spy["tol"]:
                mg = _so_gnorm(gt, norm)
                if mg < spy["gbest"]:
                    spy["gbest"], spy["best"] = mg, (np.array(xt, dtype=np.float64), gt.copy(), ft)
            return ft, gt
        t, fnew, xnew, gnew, ls_nfev, outcome = globals()["line_search"](
            spy_eval, xp, d, f, gp, t=t, kind=kind, c1=c1, c2=c2, tolerance_change=tolerance_change,
            max_ls=ls_max, xtol=xtol)
        nfev += ls_nfev
        if spy["unbounded"] is not None:
            x, g = spy["unbounded"]
            f = -math.inf
            nit += 1
            reason = 8
            break
        if outcome == 2 and spy["best"] is not None and spy["gbest"] <= gtol:
            x, g, f = spy["best"]   # at the rounding floor: as low as f(x) to rounding, gradient meets gtol
            nit += 1
            progress(nit, x, f, g)
            reason = 0
            break
        if outcome == 2:
            x, g = xp, gp
            if not fresh and method in (CG, BFGS, LBFGS):
                fresh, have_H, count = True, False, 0
                continue
            reason = 2 if nfev >= maxfev else 3
            break
        x, g = np.array(xnew, dtype=np.float64), np.array(gnew, dtype=np.float64)
        f_old, fprev, f = f, f, float(fnew)
        nit += 1
        # ---- update the memory: s = x - x_prev, y = g - g_prev ----
        if method in (LBFGS, BFGS):
            s, y = x - xp, g - gp
            ys, yy, ss = float(y @ s), float(y @ y), float(s @ s)
            # keep the pair when y's > eps |y| |s|: a test on the angle, invariant to scaling f
            if ys > eps * math.sqrt(yy) * math.sqrt(ss) and math.isfinite(ys) and yy > 0 and math.isfinite(yy):
                if method == LBFGS:
                    newest = 0 if count == 0 else (newest + 1) % m
                    S[newest], Y[newest], rho[newest] = s, y, 1.0 / ys
                    count = min(count + 1, m)
                    out_count = count
                else:
                    if not have_H:   # N&W (6.20): H0 = (y's / y'y) I before the first update (or I, or hess_inv0)
                        Hm = hess_inv0.copy() if hess_inv0 is not None else \
                            (ys / yy if h0_scaled else 1.0) * np.eye(n)
                        have_H = True
                    bfgs_update(Hm, s, y)
                    out_H = True
                fresh = False
        elif method == CG:
            gg_prev, since_restart, fresh = gg, since_restart + 1, False
        if progress(nit, x, f, g):
            reason = 6
            break
        if xrtol > 0:   # scipy's BFGS xrtol: |x - x_prev|_2 <= xrtol (xrtol + |x|_2)
            dx = x - xp
            if math.sqrt(float(dx @ dx)) <= xrtol * (xrtol + math.sqrt(float(x @ x))):
                reason = 0
                break
        if ftol > 0 and (fprev - f) <= ftol * max(abs(fprev), abs(f), 1.0):
            reason = 0 if _so_gnorm(g, norm) <= gtol else 7
            break
    return finish(x, f, g, nit, nfev, nhev, reason)


# ---- L-BFGS-B ----
# Twin of csrc/lbfgsb.c: Byrd, Lu, Nocedal & Zhu (1995), "A limited memory algorithm for bound constrained
# optimization", SIAM J. Sci. Comput. 16(5); Morales & Nocedal (2011), "Remark on Algorithm 778", ACM TOMS
# 38(1). The same steps in the same order as the C loop: generalized Cauchy point, direct primal subspace
# minimization, Morales-Nocedal backtrack, More-Thuente line search (MINPACK-2 dcsrch/dcstep).

def _lb_projgr(x, g, lo, hi):
    """max_i |P(x - g)_i - x_i| in L-BFGS-B's form (projgr): g_i cut at x_i - hi_i (g < 0), x_i - lo_i (g >= 0)."""
    pg = np.where(g < 0, np.maximum(x - hi, g), np.minimum(x - lo, g))
    return float(np.abs(pg).max()) if pg.size else 0.0


def _lb_solve(A, b):
    """Solve A u = b (b a vector or k x r columns) by Gaussian elimination with partial pivoting, the first
    largest pivot of each column (the C code's lb_solve); None if a pivot is 0 or not finite."""
    A, b = np.array(A, dtype=np.float64), np.array(b, dtype=np.float64)
    k = A.shape[0]
    for c in range(k):
        p = c + int(np.argmax(np.abs(A[c:, c])))
        if not abs(A[p, c]) > 0.0 or not math.isfinite(A[p, c]):
            return None
        if p != c:
            A[[c, p]], b[[c, p]] = A[[p, c]], b[[p, c]]
        fac = A[c + 1:, c] / A[c, c]
        A[c + 1:, c:] -= np.multiply.outer(fac, A[c, c:])
        b[c + 1:] -= np.multiply.outer(fac, b[c]) if b.ndim == 2 else fac * b[c]
    u = np.zeros_like(b)
    for c in range(k - 1, -1, -1):
        u[c] = (b[c] - A[c, c + 1:] @ u[c + 1:]) / A[c, c]
    return u


def _lb_middle(SY, SS, col, theta):
    """K = [[-D, L'], [L, theta S'S]] (the inverse of the middle matrix M of B = theta I - W M W')."""
    sy, ss = SY[:col, :col], SS[:col, :col]
    L = np.tril(sy, -1)
    return np.block([[-np.diag(np.diag(sy)), L.T], [L, theta * ss]])


def _lb_inverse(K):
    """M = K^-1 (None if K is singular)."""
    return _lb_solve(K, np.eye(K.shape[0]))


def _lb_cauchy(x, g, lo, hi, fixed, W, M, theta):
    """The generalized Cauchy point (BLNZ 1995 Algorithm CP): the first local minimizer of the quadratic model
    m(z) = g'(z - x) + (z - x)'B(z - x)/2, B = theta I - W M W', along the projected path x(t) = P(x - t g).
    Breakpoints t_i = (x_i - hi_i)/g_i (g_i < 0), (x_i - lo_i)/g_i (g_i > 0); on each segment
    f' = g'd + d'B(z - x) and f'' = d'Bd, updated as a breakpoint fixes z_b (f' += dt f'' + g_b^2 + theta g_b z_b
    - g_b w_b'Mc, f'' -= theta g_b^2 + 2 g_b w_b'Mp + g_b^2 w_b'Mw_b; p = W'd, c = W'(z - x)).
    Returns (xcp, c, free mask at xcp)."""
    n = x.size
    eps = np.finfo(np.float64).eps
    hasl, hasu = np.isfinite(lo), np.isfinite(hi)
    free = np.zeros(n, bool)   # iwhere <= 0
    d = np.zeros(n)
    brk = []   # (t_i, i) in the order found
    for i in range(n):
        if fixed[i]:
            continue
        gi = g[i]
        atl = hasl[i] and x[i] - lo[i] <= 0.0
        atu = hasu[i] and hi[i] - x[i] <= 0.0
        if (atl and -gi <= 0.0) or (atu and -gi >= 0.0):
            continue   # at a bound, pushed out: stays there
        free[i] = True
        d[i] = -gi
        if hasl[i] and -gi < 0.0:
            brk.append(((x[i] - lo[i]) / gi, i))
        elif hasu[i] and -gi > 0.0:
            brk.append(((hi[i] - x[i]) / -gi, i))
    xcp = x.copy()
    k = W.shape[1]
    c = np.zeros(k)
    if not np.any(d != 0.0):
        return xcp, c, free
    p = W.T @ d
    f1 = -float(d @ d)
    f2 = -theta * f1
    f2_org = f2
    if k:
        f2 -= float(p @ (M @ p))
    dtm = -f1 / f2
    tsum = 0.0
    nbreak = len(brk)
    # breakpoints in increasing t (ties by order found, as a stable sort)
    order = sorted(range(nbreak), key=lambda j: brk[j][0])
    tj = 0.0
    nleft = nbreak
    for j in order:
        tj0 = tj
        tj, b = brk[j]
        dt = tj - tj0
        if dtm < dt:
            break
        tsum += dt
        nleft -= 1
        db = d[b]
        d[b] = 0.0
        zb = (hi[b] if db > 0 else lo[b]) - x[b]
        xcp[b] = hi[b] if db > 0 else lo[b]
        free[b] = False
        if nleft == 0 and nbreak == n:   # every variable fixed at a bound
            dtm = dt
            if k:
                c += dtm * p
            return xcp, c, free
        f1 = f1 + dt * f2 + db * db - theta * db * zb
        f2 = f2 - theta * db * db
        if k:
            c += dt * p
            wb = W[b]
            v = M @ wb
            f1 += db * float(c @ v)
            f2 += 2.0 * db * float(p @ v) - db * db * float(wb @ v)
            p = p - db * wb
        f2 = max(eps * f2_org, f2)
        dtm = -f1 / f2
    else:
        if nbreak and not np.any(d != 0.0):   # all breakpoints passed and nothing left to move
            dtm = 0.0
    dtm = max(dtm, 0.0)
    tsum += dtm
    xcp += tsum * d
    if k:
        c += dtm * p
    return xcp, c, free


def _lb_subspace(x, g, xcp, c, free, lo, hi, W, M, K, theta):
    """Direct primal subspace minimization (BLNZ 1995 section 5.1) over the free variables F at xcp, then
    Morales & Nocedal's (2011) projection or backtrack. The reduced gradient r = Z'(g + theta(xcp - x) - W M c)
    and the Newton step du = -B_F^-1 r by Sherman-Morrison-Woodbury with B_F = theta I - W_F M W_F':
        du = -(r/theta + W_F u/theta^2),   (K - W_F'W_F/theta) u = W_F' r   (K = M^-1).
    xhat = xcp + Z du is projected onto the box; if that point z has (z - x)'g > 0 the step is instead cut
    at the first bound along du: z = xcp + alpha du, alpha = max{a <= 1 : xcp + a du feasible}.
    Returns z, or None when the small system is singular."""
    F = np.flatnonzero(free)
    WF = W[F]
    r = g[F] + theta * (xcp[F] - x[F]) - WF @ (M @ c)
    u = _lb_solve(K - (WF.T @ WF) / theta, WF.T @ r)
    if u is None:
        return None
    du = -(r / theta + (WF @ u) / (theta * theta))
    z = xcp.copy()
    zF = np.minimum(np.maximum(xcp[F] + du, lo[F]), hi[F])
    z[F] = xcp[F] + du
    hit = np.any((zF == lo[F]) | (zF == hi[F]))
    z[F] = zF
    if not hit or float((z - x) @ g) <= 0.0:
        return z
    alpha, ibd = 1.0, -1
    for j, i in enumerate(F):
        dk = du[j]
        t1 = alpha
        if dk < 0.0 and np.isfinite(lo[i]):
            t2 = lo[i] - xcp[i]
            t1 = 0.0 if t2 >= 0.0 else (t2 / dk if dk * alpha < t2 else t1)
        elif dk > 0.0 and np.isfinite(hi[i]):
            t2 = hi[i] - xcp[i]
            t1 = 0.0 if t2 <= 0.0 else (t2 / dk if dk * alpha > t2 else t1)
        if t1 < alpha:
            alpha, ibd = t1, j
    z = xcp.copy()
    if alpha < 1.0:
        i = F[ibd]
        z[i] = hi[i] if du[ibd] > 0 else lo[i]
        du[ibd] = 0.0
    z[F] += alpha * du   # the bound-hitting component moves by 0
    return z


def _lb_dcstep(st, stp, fp, dp, stpmin, stpmax):
    """MINPACK-2 dcstep (More & Thuente 1994): the safeguarded cubic/quadratic trial step; updates the
    interval ends (stx, fx, dx), (sty, fy, dy) and brackt in the dict st; returns the new step."""
    stx, fx, dx, sty, fy, dy, brackt = st["stx"], st["fx"], st["dx"], st["sty"], st["fy"], st["dy"], st["brackt"]
    sgnd = dp * math.copysign(1.0, dx)
    if fp > fx:
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        s = max(abs(theta), abs(dx), abs(dp))
        gamma = s * math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s))
        if stp < stx:
            gamma = -gamma
        p = (gamma - dx) + theta
        q = ((gamma - dx) + gamma) + dp
        stpc = stx + (p / q) * (stp - stx)
        stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2.0) * (stp - stx)
        stpf = stpc if abs(stpc - stx) < abs(stpq - stx) else stpc + (stpq - stpc) / 2.0
        brackt = True
    elif sgnd < 0.0:
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        s = max(abs(theta), abs(dx), abs(dp))
        gamma = s * math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s))
        if stp > stx:
            gamma = -gamma
        p = (gamma - dp) + theta
        q = ((gamma - dp) + gamma) + dx
        stpc = stp + (p / q) * (stx - stp)
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
        brackt = True
    elif abs(dp) < abs(dx):
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        s = max(abs(theta), abs(dx), abs(dp))
        gamma = s * math.sqrt(max(0.0, (theta / s) ** 2 - (dx / s) * (dp / s)))
        if stp > stx:
            gamma = -gamma
        p = (gamma - dp) + theta
        q = (gamma + (dx - dp)) + gamma
        r = p / q
        if r < 0.0 and gamma != 0.0:
            stpc = stp + r * (stx - stp)
        elif stp > stx:
            stpc = stpmax
        else:
            stpc = stpmin
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        if brackt:
            stpf = stpc if abs(stpc - stp) < abs(stpq - stp) else stpq
            if stp > stx:
                stpf = min(stp + 0.66 * (sty - stp), stpf)
            else:
                stpf = max(stp + 0.66 * (sty - stp), stpf)
        else:
            stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
            stpf = max(stpmin, min(stpmax, stpf))
    else:
        if brackt:
            theta = 3.0 * (fp - fy) / (sty - stp) + dy + dp
            s = max(abs(theta), abs(dy), abs(dp))
            gamma = s * math.sqrt((theta / s) ** 2 - (dy / s) * (dp / s))
            if stp > sty:
                gamma = -gamma
            p = (gamma - dp) + theta
            q = ((gamma - dp) + gamma) + dy
            stpf = stp + (p / q) * (sty - stp)
        elif stp > stx:
            stpf = stpmax
        else:
            stpf = stpmin
    if fp > fx:
        sty, fy, dy = stp, fp, dp
    else:
        if sgnd < 0.0:
            sty, fy, dy = stx, fx, dx
        stx, fx, dx = stp, fp, dp
    st.update(stx=stx, fx=fx, dx=dx, sty=sty, fy=fy, dy=dy, brackt=brackt)
    return stpf


def _lb_dcsrch_start(f, g, stp, stpmax, ftol, gtol, xtol):
    """dcsrch's START: the state of a More-Thuente search from (f, g'd) at step 0 (stpmin = 0)."""
    return dict(brackt=False, stage=1, finit=f, ginit=g, gtest=ftol * g, width=stpmax, width1=2.0 * stpmax,
                stx=0.0, fx=f, dx=g, sty=0.0, fy=f, dy=g, stmin=0.0, stmax=stp + 4.0 * stp,
                ftol=ftol, gtol=gtol, xtol=xtol, stpmax=stpmax)


def _lb_dcsrch(st, f, g, stp):
    """One dcsrch call after evaluating (f, g'd) at stp: (new stp, 0 = evaluate there, 1 = converged,
    2 = a warning stop: rounding, xtol, stp = stpmax or stpmin)."""
    ftest = st["finit"] + stp * st["gtest"]
    if st["stage"] == 1 and f <= ftest and g >= 0.0:
        st["stage"] = 2
    task = 0
    if st["brackt"] and (stp <= st["stmin"] or stp >= st["stmax"]):
        task = 2
    if st["brackt"] and st["stmax"] - st["stmin"] <= st["xtol"] * st["stmax"]:
        task = 2
    if stp == st["stpmax"] and f <= ftest and g <= st["gtest"]:
        task = 2
    if stp == 0.0 and (f > ftest or g >= st["gtest"]):
        task = 2
    if f <= ftest and abs(g) <= st["gtol"] * (-st["ginit"]):
        task = 1
    if task:
        return stp, task
    gtest = st["gtest"]
    if st["stage"] == 1 and f <= st["fx"] and f > ftest:
        # the modified function psi(t) = f(t) - f(0) - ftol t f'(0) while in stage 1
        for a, b in (("fx", "stx"), ("fy", "sty")):
            st[a] -= st[b] * gtest
        st["dx"] -= gtest
        st["dy"] -= gtest
        stp = _lb_dcstep(st, stp, f - stp * gtest, g - gtest, st["stmin"], st["stmax"])
        for a, b in (("fx", "stx"), ("fy", "sty")):
            st[a] += st[b] * gtest
        st["dx"] += gtest
        st["dy"] += gtest
    else:
        stp = _lb_dcstep(st, stp, f, g, st["stmin"], st["stmax"])
    if st["brackt"]:
        if abs(st["sty"] - st["stx"]) >= 0.66 * st["width1"]:
            stp = st["stx"] + 0.5 * (st["sty"] - st["stx"])
        st["width1"] = st["width"]
        st["width"] = abs(st["sty"] - st["stx"])
        st["stmin"], st["stmax"] = min(st["stx"], st["sty"]), max(st["stx"], st["sty"])
    else:
        st["stmin"] = stp + 1.1 * (stp - st["stx"])
        st["stmax"] = stp + 4.0 * (stp - st["stx"])
    stp = min(max(stp, 0.0), st["stpmax"])
    if (st["brackt"] and (stp <= st["stmin"] or stp >= st["stmax"])) or \
            (st["brackt"] and st["stmax"] - st["stmin"] <= st["xtol"] * st["stmax"]):
        stp = st["stx"]
    return stp, 0


def _lbfgsb(fun, x0, lo, hi, *, callback=None, path=None, m=10, pgtol=1e-05, ftol=2.220446049250313e-09,
            maxiter=15000, maxfun=15000, maxls=20, state_out=None):
    """Twin of the C L-BFGS-B loop (csrc/lbfgsb.c po_lbfgsb): minimize fun over the box lo <= x <= hi.

    ``fun(x) -> (f, g)``; ``lo``/``hi`` float64 (n,) with -inf/+inf for no bound; x0 is projected onto
    the box first. ``callback(x, f)`` after each iteration (StopIteration stops: reason 6); ``path`` a list
    that receives every iterate. Stops (reason, csrc/so.h PO_STOP_*): 0 max_i |P(x - g)_i - x_i| <= pgtol,
    7 (f_prev - f) <= ftol max(|f_prev|, |f|, 1), 1 maxiter iterations, 2 more than maxfun evaluations
    (both checked after an iteration, as SciPy), 3 the line search failed with an empty memory, 4 f or g
    non-finite at x0, 8 f = -inf. ``state_out`` (2m, n): s rows 0..nmem-1, y rows m..m+nmem-1, oldest first.
    Returns (x, f, g, nit, nfev, reason, nmem)."""
    x0 = np.asarray(x0)
    if not isinstance(x0, np.ndarray) or x0.dtype != np.float64 or x0.ndim != 1:
        raise ValueError("_lbfgsb(): x0 must be a 1-D float64 array")
    n = x0.size
    lo, hi = np.asarray(lo), np.asarray(hi)
    for name, a in (("lo", lo), ("hi", hi)):
        if a.dtype != np.float64 or a.shape != (n,):
            raise ValueError(f"_lbfgsb(): {name} must be a float64 array of shape ({n},)")
    if np.any(np.isnan(lo)) or np.any(np.isnan(hi)) or np.any(lo > hi):
        raise ValueError("_lbfgsb(): invalid bounds: NaN, or lo > hi")
    if n == 0 or m < 1 or maxls < 1 or maxfun < 1 or maxiter < 0 or not pgtol >= 0 or not ftol >= 0:
        raise ValueError("minimize(): an argument is outside its valid range")
    if state_out is not None and (not isinstance(state_out, np.ndarray) or state_out.dtype != np.float64 or
                                  state_out.shape != (2 * m, n) or not state_out.flags.writeable):
        raise ValueError(f"_lbfgsb(): state_out must be a writable float64 array of shape ({2 * m}, {n})")
    if path is not None and not isinstance(path, list):
        raise TypeError("_lbfgsb(): path must be a list or None")
    eps = np.finfo(np.float64).eps

    def evaluate(xx):
        r = fun(xx.copy())
        if not isinstance(r, (tuple, list)) or len(r) != 2:
            raise TypeError("minimize(): with jac=True, fun must return (value, gradient)")
        try:
            fv = float(r[0])
        except (TypeError, ValueError):
            raise TypeError(f"minimize(): fun must return a real number as the value, got {type(r[0]).__name__}") \
                from None
        return fv, _so_copy_out(r[1], n, False, "the gradient of fun")

    fixed = np.isfinite(lo) & np.isfinite(hi) & (hi - lo <= 0.0)
    boxed = bool(np.all(np.isfinite(lo) & np.isfinite(hi)))
    cnstnd = bool(np.any(np.isfinite(lo) | np.isfinite(hi)))
    x = np.minimum(np.maximum(x0, lo), hi)
    S, Y = np.zeros((m, n)), np.zeros((m, n))   # oldest pair first
    SY, SS = np.zeros((m, m)), np.zeros((m, m))
    col, theta = 0, 1.0
    M = K = None
    nit = 0
    f, g = evaluate(x)
    nfev = 1

    def finish(reason):
        if state_out is not None:
            state_out[:col], state_out[m:m + col] = S[:col], Y[:col]
        return x, f, g, nit, nfev, reason, col if state_out is not None else 0

    if not (math.isfinite(f) and np.all(np.isfinite(g))):
        return finish(4)
    if _lb_projgr(x, g, lo, hi) <= pgtol:
        return finish(0)

    def W_of():
        return np.hstack([Y[:col].T, theta * S[:col].T]) if col else np.zeros((n, 0))

    while True:
        W = W_of()
        Mm = M if col else np.zeros((0, 0))
        z, c, free = _lb_cauchy(x, g, lo, hi, fixed, W, Mm, theta)
        if col and np.any(free):
            zs = _lb_subspace(x, g, z, c, free, lo, hi, W, Mm, K, theta)
            if zs is None:   # singular: forget the memory and start again from this x
                col, theta = 0, 1.0
                continue
            z = zs
        d = z - x
        # ---- the projected line search: More-Thuente on phi(t) = f(x + t d), 0 < t <= stpmax ----
        gd = float(g @ d)
        ok = gd < 0.0
        fold, xold, gold = f, x, g
        nls = 0
        if ok:
            stpmax = 1e10
            if cnstnd and nit == 0:
                stpmax = 1.0
            elif cnstnd:   # the largest t <= 1e10 with x + t d in the box
                down, up = (d < 0) & np.isfinite(lo), (d > 0) & np.isfinite(hi)
                with np.errstate(divide="ignore", invalid="ignore"):
                    ts = np.maximum(np.concatenate([(lo - x)[down] / d[down], (hi - x)[up] / d[up]]), 0.0)
                if ts.size:
                    stpmax = min(stpmax, float(ts.min()))
            dnorm = math.sqrt(float(d @ d))
            stp = min(1.0 / dnorm, stpmax) if (nit == 0 and not boxed) else 1.0
            stp = min(stp, stpmax)
            ok = stp > 0.0
        if ok:
            st = _lb_dcsrch_start(f, gd, stp, stpmax, 1e-3, 0.9, 0.1)
            while True:
                if nls >= maxls:
                    ok = False
                    break
                xt = z.copy() if stp == 1.0 else stp * d + xold
                ft, gt = evaluate(xt)
                nfev += 1
                nls += 1
                if ft == -math.inf:
                    x, f, g = xt, ft, gt
                    nit += 1
                    return finish(8)
                gdt = float(gt @ d)
                if not (math.isfinite(ft) and math.isfinite(gdt)):
                    # a step too long: halve toward the best point so far, never accept it
                    st["brackt"] = True
                    st["sty"], st["fy"], st["dy"] = stp, math.inf, math.inf
                    st["stmax"] = stp
                    stp = st["stx"] + 0.5 * (stp - st["stx"])
                    continue
                x, f, g = xt, ft, gt
                stp, task = _lb_dcsrch(st, ft, gdt, stp)
                if task:
                    break
        if not ok:
            x, f, g = xold, fold, gold
            if col == 0:
                return finish(3)
            col, theta = 0, 1.0   # refresh the memory and restart from steepest descent at x
            continue
        nit += 1
        if path is not None:
            path.append(x.copy())
        if callback is not None:
            try:
                callback(x.copy(), f)
            except StopIteration:
                return finish(6)
        if nit >= maxiter:
            return finish(1)
        if nfev > maxfun:
            return finish(2)
        if _lb_projgr(x, g, lo, hi) <= pgtol:
            return finish(0)
        if (fold - f) <= ftol * max(abs(fold), abs(f), 1.0):
            return finish(7)
        # ---- the memory: s = x - x_prev = stp d, y = g - g_prev; skip when s'y <= eps (-g_prev's) ----
        s, y = x - xold, g - gold
        dr = float((g @ d - gd) * stp)
        if not dr > eps * (-gd * stp):
            continue
        if col == m:
            S[:-1], Y[:-1] = S[1:].copy(), Y[1:].copy()
            SY[:-1, :-1], SS[:-1, :-1] = SY[1:, 1:].copy(), SS[1:, 1:].copy()
            col -= 1
        S[col], Y[col] = s, y
        SY[col, :col] = Y[:col] @ s   # s_new' y_j (row: the newest s)
        SY[:col, col] = S[:col] @ y   # s_i' y_new
        SS[col, :col] = SS[:col, col] = S[:col] @ s
        SS[col, col] = float(s @ s)
        SY[col, col] = dr
        col += 1
        theta = float(y @ y) / dr
        K = _lb_middle(SY, SS, col, theta)
        M = _lb_inverse(K)
        if M is None:
            col, theta = 0, 1.0
