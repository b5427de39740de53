"""pyoptim.diagnostics: what makes training hard, as tools you can point at your own model (book 8.2).

* Hessian-vector products, exact, by the R-operator (Pearlmutter 1994): :func:`hvp`,
  :class:`HessianOperator`, :func:`gradient`, finite-difference checks :func:`hvp_fd`, :func:`hvp_fn`,
  :func:`check_gradient`, and :func:`flatten` / :func:`unflatten`.
* Ill-conditioning (8.2.1): :class:`CurvatureMonitor` (gᵀg, gᵀHg, predicted vs actual change of each
  step, book eq. 8.10 and Fig. 8.1) and :func:`curvature_along_gradient` for plain functions.
* The spectrum (8.2.1, 8.2.3): :func:`hessian_spectrum` (Lanczos, power iteration, or exact),
  :func:`full_hessian`, :func:`condition_number`, the negative-curvature fraction (stochastic Lanczos
  quadrature), :class:`SpectrumMonitor`.
* Symmetries, hence many equivalent minima (8.2.2): :func:`permute_hidden_units`,
  :func:`rescale_relu_unit`.
* Cliffs (8.2.4): clip with :func:`pyoptim.optim.clip_grad_norm_`, which bounds the step and keeps
  its direction exactly; :func:`pyoptim.optim.clip_grad_value_` bounds each coordinate but bends the
  direction (tests/diagnostics/test_diag_cliff.py shows both on :func:`pyoptim.functions.cliff`).
* Long-term dependencies (8.2.5): :func:`matrix_power_eig`, :func:`power_norms`,
  :func:`bptt_gradient_norms`.
* Inexact gradients (8.2.6): :class:`NoisyOracle`, :class:`BiasedOracle`, :class:`MinibatchOracle`.
"""
from ._hvp import (HessianOperator, flatten, gradient, hvp, hvp_fd, hvp_fn, loss_and_gradient, register_loss_rop,
                   register_rop, unflatten)
from ._curvature import CurvatureMonitor, curvature_along_gradient, loss_value
from ._spectrum import (EXACT_NEGATIVE_RTOL, Spectrum, SpectrumMonitor, condition_number, full_hessian,
                        hessian_spectrum, lanczos, lanczos_eigs, negative_fraction, power_iteration, slq_density)
from ._longterm import bptt_gradient_norms, matrix_power_eig, power_norms, spectral_radius
from ._symmetry import permute_hidden_units, rescale_relu_unit
from ._oracles import BiasedOracle, MinibatchOracle, NoisyOracle
from ._gradcheck import check_gradient

__all__ = [
    "hvp", "hvp_fd", "hvp_fn", "gradient", "loss_and_gradient", "loss_value", "HessianOperator", "flatten",
    "unflatten", "register_rop", "register_loss_rop", "check_gradient",
    "CurvatureMonitor", "curvature_along_gradient",
    "hessian_spectrum", "EXACT_NEGATIVE_RTOL", "full_hessian", "condition_number", "Spectrum", "SpectrumMonitor",
    "lanczos",
    "lanczos_eigs", "power_iteration", "slq_density", "negative_fraction",
    "matrix_power_eig", "power_norms", "bptt_gradient_norms", "spectral_radius",
    "permute_hidden_units", "rescale_relu_unit",
    "NoisyOracle", "BiasedOracle", "MinibatchOracle",
]
