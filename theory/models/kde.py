"""The Gaussian kernel density estimate's symbolic face: the mean of the fitted density.

Examples
--------
>>> get_model("kde").asymptotic_covariance()
Matrix([[1]])
"""

from __future__ import annotations

import sympy as sp

from ..rationals import as_sympy
from .base import MU, X_REAL, SymbolicModel, symbol_vector
from .expectations import Z, std_normal_expect
from .gaussian import normal_log_density
from .registry import get_model, symbolic_face  # noqa: F401  (the examples use get_model)

__all__ = ["KernelDensity"]


@symbolic_face("kde")
class KernelDensity(SymbolicModel):
    """Gaussian kernel density estimate with bandwidth h; truth N(0, 1).

    The tracked functional is the mean of the fitted density, which is the sample
    mean of the data (influence function x - mu), so the symbolic face is the
    location family N(mu, 1) of the truth; V = 1. Resampling picks a data point and
    adds N(0, h^2), so the fitted density's variance is the data's variance (divisor
    m) plus h^2. The bandwidth does not shrink with n, so synthetic batches are not
    contiguous to the truth: the exact recursions of :mod:`theory.moments`, not
    the process of THEORY.md §3, describe this model.

    Examples
    --------
    >>> sorted(map(str, KernelDensity().fitted_log_density(2).free_symbols))
    ['h', 'x', 'x1', 'x2']
    """

    def data_symbols(self, params=None):
        return (X_REAL,)

    def theta(self, params=None):
        return (MU,)

    def _log_density(self, params):
        return normal_log_density(X_REAL, MU, sp.S.One)

    def fitted_log_density(self, m):
        """The log of the fitted density (1/m) sum_i phi_h(x - x_i) on symbolic data x_1..x_m.

        Examples
        --------
        >>> f = KernelDensity().fitted_log_density(1)
        >>> sp.exp(f.subs({s: {"x": 0, "x1": 0, "h": 1}[s.name] for s in f.free_symbols}))
        sqrt(2)/(2*sqrt(pi))
        """
        h = sp.Symbol("h", positive=True)
        data = symbol_vector("x", m, real=True)
        return sp.log(sum(sp.exp(normal_log_density(X_REAL, xi, h**2)) for xi in data) / m)

    def truth(self, params=None):
        return {MU: sp.S.Zero}

    def expectation(self, expr, params=None):
        return std_normal_expect(as_sympy(expr).subs(X_REAL, MU + Z))

    def _influence(self, estimator, params):
        return sp.Matrix([X_REAL - MU])

    def asymptotic_covariance(self, estimator=None, params=None):
        params = self._params(params)
        self._check_estimator(estimator, params)
        psi = self._influence("kde", params)
        return (psi * psi.T).applyfunc(lambda e: sp.simplify(self.expectation(e, params)))
