"""pyoptim.optim.LBFGS calls its strong-Wolfe line search as torch.optim.LBFGS does: bounded by the
evaluations left in the step (``max_ls = max_eval - current_evals``) and with the search's own
tolerance_change (1e-9), not the group's. Checked against torch on Rosenbrock's function, where the
searches are long enough for both rules to matter."""
import numpy as np
import pytest

import pyoptim as po

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def rosen(x):
    """Rosenbrock's function and gradient (n = 2), float64."""
    f = 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2
    g = np.array([-400.0 * x[0] * (x[1] - x[0] ** 2) - 2.0 * (1.0 - x[0]), 200.0 * (x[1] - x[0] ** 2)])
    return f, g


def run_both(steps, **kw):
    x0 = np.array([-1.2, 1.0])
    x = x0.copy()
    opt = po.optim.LBFGS([x], line_search_fn="strong_wolfe", **kw)
    xt = torch.tensor(x0.copy(), requires_grad=True)
    topt = torch.optim.LBFGS([xt], line_search_fn="strong_wolfe", **kw)

    def tclosure():
        f, g = rosen(xt.detach().numpy())
        xt.grad = torch.tensor(g)
        return torch.tensor(f, dtype=torch.float64)
    for _ in range(steps):
        opt.step(lambda: (lambda f, g: (f, [g]))(*rosen(x)))
        topt.step(tclosure)
    return x, xt.detach().numpy(), opt.state[0], topt.state[xt]


@pytest.mark.parametrize("max_eval", [2, 3, 5, 8, 13])
def test_line_search_bounded_by_the_evaluations_left(max_eval):
    x, xt, st, tst = run_both(3, max_iter=20, max_eval=max_eval)
    assert st["func_evals"] == tst["func_evals"]
    assert st["n_iter"] == tst["n_iter"]
    # the tables' tolerance: rounding (torch's FMA in add_, MKL's dot) grows to ~1e-12 here
    np.testing.assert_allclose(x, xt, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("tolerance_change", [1e-3, 1e-1])
def test_line_search_keeps_its_own_tolerance_change(tolerance_change):
    x, xt, st, tst = run_both(1, max_iter=1, tolerance_change=tolerance_change)
    assert st["func_evals"] == tst["func_evals"]
    # the tables' tolerance: rounding (torch's FMA in add_, MKL's dot) grows to ~1e-12 here
    np.testing.assert_allclose(x, xt, rtol=1e-10, atol=1e-12)
