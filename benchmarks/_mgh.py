"""Test problems for bench_secondorder.py's wide comparison.

Eleven problems of Moré, Garbow & Hillstrom, "Testing unconstrained optimization software", ACM TOMS
7(1), 1981, written as sums of squares f = sum_i r_i(x)^2 with gradient g = 2 J'r, from the paper's
standard starting points. Written in NumPy (they are small): the benchmark counts evaluations, not time.
"""
import numpy as np

def _ls(res_jac):
    def vg(x):
        r, J = res_jac(np.asarray(x, float))
        return float(r @ r), 2.0 * (J.T @ r)
    return vg

def powell_singular_ext(n):
    def rj(x):
        r = np.zeros(n); J = np.zeros((n, n))
        for i in range(0, n, 4):
            a, b, c, d = x[i:i+4]
            r[i] = a + 10*b; J[i, i] = 1; J[i, i+1] = 10
            r[i+1] = np.sqrt(5)*(c - d); J[i+1, i+2] = np.sqrt(5); J[i+1, i+3] = -np.sqrt(5)
            r[i+2] = (b - 2*c)**2; J[i+2, i+1] = 2*(b-2*c); J[i+2, i+2] = -4*(b-2*c)
            r[i+3] = np.sqrt(10)*(a-d)**2; J[i+3, i] = 2*np.sqrt(10)*(a-d); J[i+3, i+3] = -2*np.sqrt(10)*(a-d)
        return r, J
    return _ls(rj), np.tile([3.0, -1.0, 0.0, 1.0], n // 4)

def wood():
    def rj(x):
        a, b, c, d = x
        s10, s90 = np.sqrt(10), np.sqrt(90)
        r = np.array([10*(b - a*a), 1 - a, s90*(d - c*c), 1 - c, s10*(b + d - 2), (b - d)/s10])
        J = np.array([[-20*a, 10, 0, 0], [-1, 0, 0, 0], [0, 0, -2*s90*c, s90], [0, 0, -1, 0],
                      [0, s10, 0, s10], [0, 1/s10, 0, -1/s10]])
        return r, J
    return _ls(rj), np.array([-3.0, -1.0, -3.0, -1.0])

def helical():
    def rj(x):
        a, b, c = x
        th = np.arctan2(b, a) / (2*np.pi)
        rr = np.hypot(a, b)
        r = np.array([10*(c - 10*th), 10*(rr - 1), c])
        dth_da = -b / (2*np.pi*rr*rr); dth_db = a / (2*np.pi*rr*rr)
        J = np.array([[-100*dth_da, -100*dth_db, 10], [10*a/rr, 10*b/rr, 0], [0, 0, 1]])
        return r, J
    return _ls(rj), np.array([-1.0, 0.0, 0.0])

def freudenstein_roth():
    def rj(x):
        a, b = x
        r = np.array([-13 + a + ((5 - b)*b - 2)*b, -29 + a + ((b + 1)*b - 14)*b])
        J = np.array([[1, 10*b - 3*b*b - 2], [1, 3*b*b + 2*b - 14]])
        return r, J
    return _ls(rj), np.array([0.5, -2.0])

def trigonometric(n):
    def rj(x):
        c, s = np.cos(x), np.sin(x)
        r = n - c.sum() + np.arange(1, n+1)*(1 - c) - s
        J = np.tile(s, (n, 1)) + np.diag(np.arange(1, n+1)*s - c)
        return r, J
    return _ls(rj), np.full(n, 1.0/n)

def variably_dimensioned(n):
    j = np.arange(1, n+1)
    def rj(x):
        u = (j*(x - 1)).sum()
        r = np.concatenate([x - 1, [u, u*u]])
        J = np.vstack([np.eye(n), j[None, :], 2*u*j[None, :]])
        return r, J
    return _ls(rj), 1 - j/n

def broyden_tridiagonal(n):
    def rj(x):
        xp = np.concatenate([[0.0], x, [0.0]])
        r = (3 - 2*x)*x - xp[:-2] - 2*xp[2:] + 1
        J = np.diag(3 - 4*x) - np.eye(n, k=-1) - 2*np.eye(n, k=1)
        return r, J
    return _ls(rj), -np.ones(n)

def penalty1(n):
    a = 1e-5
    def rj(x):
        r = np.concatenate([np.sqrt(a)*(x - 1), [(x*x).sum() - 0.25]])
        J = np.vstack([np.sqrt(a)*np.eye(n), 2*x[None, :]])
        return r, J
    return _ls(rj), np.arange(1, n+1, dtype=float)

def brown_almost_linear(n):
    def rj(x):
        r = x + x.sum() - (n + 1); r[-1] = np.prod(x) - 1
        J = np.eye(n) + 1; J[-1] = [np.prod(np.delete(x, i)) for i in range(n)]
        return r, J
    return _ls(rj), np.full(n, 0.5)

PROBLEMS = {
    "powell4": lambda: powell_singular_ext(4), "powell40": lambda: powell_singular_ext(40), "wood": wood,
    "helical": helical, "freud-roth": freudenstein_roth, "trig10": lambda: trigonometric(10),
    "trig50": lambda: trigonometric(50), "vardim10": lambda: variably_dimensioned(10),
    "broyden-tri30": lambda: broyden_tridiagonal(30), "penalty1-10": lambda: penalty1(10),
    "brown-al10": lambda: brown_almost_linear(10),
}


def bounded_problems(solve):
    """Bounded versions of PROBLEMS, in the manner of Moré & Toraldo (1991) and Gay's bounded test set:
    bounds placed so that some are active at the solution. ``solve(vg, x0)`` returns the unconstrained
    minimizer x*; with s = max(1, |x*|) (bounds rounded to 0.1, so they do not depend on the solver's
    last digits):

    * "/upper" (all eleven): x_i <= x*_i - 0.1 s_i on even i (these cut off x*: active), and a loose lower
      bound x0_i - 10 on odd i;
    * "/box" (seven): every variable boxed in [x*_i - 2 s_i, max(x0_i, x*_i) + 2 s_i], except every third
      (i = 1, 4, ...) whose lower bound x*_i + 0.2 s_i is above x* (active).

    Returns a list of (name, value_and_grad, x0, lo, hi); x0 may lie outside the box (it is clipped)."""
    out = []
    box_names = ("powell4", "wood", "helical", "freud-roth", "trig10", "vardim10", "brown-al10")
    for name, make in PROBLEMS.items():
        vg, x0 = make()
        xs = np.asarray(solve(vg, x0), dtype=float)
        s = np.maximum(1.0, np.abs(xs))
        lo, hi = np.full(x0.size, -np.inf), np.full(x0.size, np.inf)
        hi[::2] = np.round(xs[::2] - 0.1 * s[::2], 1)
        lo[1::2] = np.round(x0[1::2] - 10.0)
        out.append((name + "/upper", vg, x0, lo, hi))
        if name in box_names:
            lo = np.round(xs - 2.0 * s, 1)
            hi = np.round(np.maximum(x0, xs) + 2.0 * s, 1)
            lo[1::3] = np.round(xs[1::3] + 0.2 * s[1::3], 1)
            out.append((name + "/box", vg, x0, lo, hi))
    return out
