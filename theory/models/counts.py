"""Count and waiting-time models' symbolic faces: Bernoulli, Poisson and exponential, each fitted by its MLE.

Expectations are exact sums over the support (Bernoulli; Poisson, whose polynomials
go through its factorial moments) or integrals over the half-line (exponential).

Examples
--------
>>> get_model("bernoulli").asymptotic_covariance()
Matrix([[p*(1 - p)]])
"""

from __future__ import annotations

import sympy as sp
from sympy.functions.combinatorial.numbers import stirling

from ..rationals import as_sympy, to_sympy_rational
from .base import X_COUNT, X_POSITIVE, SymbolicModel
from .expectations import polynomial_terms
from .registry import get_model, symbolic_face  # noqa: F401  (the examples use get_model)

__all__ = ["Bernoulli", "Poisson", "Exponential"]

_P = sp.Symbol("p", positive=True)
_LAM = sp.Symbol("lambda", positive=True)
_RATE = sp.Symbol("rate", positive=True)


@symbolic_face("bernoulli")
class Bernoulli(SymbolicModel):
    """Bernoulli(p); MLE p_hat = mean; theta = p.

    Examples
    --------
    >>> Bernoulli().asymptotic_covariance()
    Matrix([[p*(1 - p)]])
    """

    def data_symbols(self, params=None):
        return (X_COUNT,)

    def theta(self, params=None):
        return (_P,)

    def _log_density(self, params):
        return X_COUNT * sp.log(_P) + (1 - X_COUNT) * sp.log(1 - _P)

    def truth(self, params=None):
        return {_P: to_sympy_rational(self._params(params)["p"])}

    def expectation(self, expr, params=None):
        expr = as_sympy(expr)
        return sum((expr.subs(X_COUNT, v) * _P**v * (1 - _P) ** (1 - v) for v in (0, 1)), sp.S.Zero)



@symbolic_face("poisson")
class Poisson(SymbolicModel):
    """Poisson(lambda); MLE lambda_hat = mean; theta = lambda (CLI key ``lam``).

    Examples
    --------
    >>> Poisson().fisher_information()
    Matrix([[1/lambda]])
    """

    def data_symbols(self, params=None):
        return (X_COUNT,)

    def theta(self, params=None):
        return (_LAM,)

    def _log_density(self, params):
        return X_COUNT * sp.log(_LAM) - _LAM - sp.log(sp.factorial(X_COUNT))

    def truth(self, params=None):
        return {_LAM: to_sympy_rational(self._params(params)["lam"])}

    def expectation(self, expr, params=None):
        """E expr(x) for x ~ Poisson(lambda).

        A polynomial in x goes through the factorial moments E x(x-1)...(x-j+1) = lambda^j:
        x^m = sum_j S(m, j) x(x-1)...(x-j+1) (Stirling numbers of the second kind), so
        E x^m = sum_j S(m, j) lambda^j, exactly and at once. Anything else sums the series.

        Examples
        --------
        >>> lam = Poisson().theta()[0]
        >>> Poisson().expectation(X_COUNT**3), Poisson().expectation((X_COUNT - lam) ** 2)
        (lambda*(lambda**2 + 3*lambda + 1), lambda)
        """
        expr = as_sympy(expr)
        terms = polynomial_terms(expr, [X_COUNT])
        if terms is None:
            pmf = sp.exp(self._log_density(params))
            return sp.simplify(sp.summation(expr * pmf, (X_COUNT, 0, sp.oo)))
        moments = {m: sum((stirling(m, j) * _LAM**j for j in range(m + 1)), sp.S.Zero) for (m,), _ in terms}
        return sp.simplify(sum((coeff * moments[m] for (m,), coeff in terms), sp.S.Zero))



@symbolic_face("exponential")
class Exponential(SymbolicModel):
    """Exponential with rate lambda, density rate exp(-rate x); MLE rate_hat = 1/mean; theta = rate.

    Examples
    --------
    >>> Exponential().asymptotic_covariance()
    Matrix([[rate**2]])
    """

    def data_symbols(self, params=None):
        return (X_POSITIVE,)

    def theta(self, params=None):
        return (_RATE,)

    def _log_density(self, params):
        return sp.log(_RATE) - _RATE * X_POSITIVE

    def truth(self, params=None):
        return {_RATE: to_sympy_rational(self._params(params)["rate"])}

    def expectation(self, expr, params=None):
        return sp.integrate(as_sympy(expr) * _RATE * sp.exp(-_RATE * X_POSITIVE), (X_POSITIVE, 0, sp.oo))
