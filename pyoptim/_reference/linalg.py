"""Twins of the second-order dense kernels and objectives (csrc/linalg.c, linalg_tmpl.h; book 8.6, 8.7.2):
the L-BFGS two-loop recursion, the BFGS update, Cholesky and eigen solves, a CG step, coordinate descent,
the test objectives."""
import numpy as np

__all__ = ["lbfgs_two_loop", "bfgs_update", "cholesky_solve", "sym_eig", "cg_step", "_so_dot",
           "coordinate_descent_sweep", "rosenbrock_value_and_grad", "quadratic_value_and_grad",
           "least_squares_value_and_grad", "logistic_value_and_grad", "softmax_value_and_grad"]


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
