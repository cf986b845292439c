"""Regression models' symbolic faces: linear regression (OLS) and logistic regression (MLE), Gaussian design.

The log-density is that of y given x (the design law carries no parameter).
Linear regression's expectations integrate independent standard normals; the
logistic Fisher information reduces, by rotating x onto beta, to two
one-dimensional integrals kept as SymPy ``Integral`` s.

Examples
--------
>>> get_model("linreg").asymptotic_covariance(params={"d": 2})
Matrix([
[sigma**2,        0],
[       0, sigma**2]])
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ..rationals import as_sympy, to_sympy_rational
from .base import SIGMA, SymbolicModel, symbol_vector
from .catalogue import logistic_raw_direction
from .expectations import STD_NORMAL_DENSITY, Z, independent_normal_expect, quadrature
from .gaussian import normal_log_density
from .registry import get_model, symbolic_face  # noqa: F401  (the examples use get_model)

__all__ = ["LinearRegression", "LogisticRegression", "linreg_truth", "logistic_truth"]

_Y = sp.Symbol("y", real=True)
_NOISE = sp.Symbol("e", real=True)
_ETA_LIN = sp.Symbol("eta", real=True)
_T = sp.Symbol("t", real=True)


def linreg_truth(d):
    """w0 = (1, ..., 1)/sqrt(d): unit norm, so the signal variance Var(x^T w0) is 1.

    Examples
    --------
    >>> linreg_truth(4)
    [1/2, 1/2, 1/2, 1/2]
    """
    return [1 / sp.sqrt(d)] * d


def logistic_truth(d):
    """beta0 proportional to (1, -1, 1/2, -1/2, 1/3, ...), normalised to norm 1, so x^T beta0 ~ N(0, 1).

    Examples
    --------
    >>> logistic_truth(2)
    [sqrt(2)/2, -sqrt(2)/2]
    >>> sum(b**2 for b in logistic_truth(5))
    1
    """
    raw = [to_sympy_rational(r) for r in logistic_raw_direction(d)]
    norm = sp.sqrt(sum(r**2 for r in raw))
    return [sp.radsimp(r / norm) for r in raw]


@symbolic_face("linreg")
class LinearRegression(SymbolicModel):
    """y = x^T w + eps, x ~ N(0, I_d), eps ~ N(0, sigma^2) with sigma known; OLS; theta = w.

    The log-density is that of y given x (the design law carries no parameter).
    Expectations substitute y = x^T w + sigma e and integrate independent standard
    normals. The per-observation V of OLS is sigma^2 E[x x^T]^{-1} = sigma^2 I_d.
    With ``lam`` > 0 the fit is ridge regression and with fewer rows than d at
    ``lam`` = 0 the minimum-norm interpolator: their risks are derived in
    :mod:`theory.highdim`, not from V. ``shift`` moves every synthetic batch's
    generator to the fit plus shift e_1.

    Examples
    --------
    >>> LinearRegression().fisher_information({"d": 2})
    Matrix([
    [sigma**(-2),           0],
    [          0, sigma**(-2)]])
    """

    def _structure(self, params):
        return (params["d"],)

    def data_symbols(self, params=None):
        return symbol_vector("x", self._params(params)["d"], real=True) + (_Y,)

    def theta(self, params=None):
        return symbol_vector("w", self._params(params)["d"], real=True)

    def _log_density(self, params):
        x, w = symbol_vector("x", params["d"], real=True), self.theta(params)
        return normal_log_density(_Y, sum(a * b for a, b in zip(x, w, strict=True)), SIGMA**2)

    def truth(self, params=None):
        params = self._params(params)
        w = self.theta(params)
        return {**dict(zip(w, linreg_truth(params["d"]), strict=True)), SIGMA: to_sympy_rational(params["sigma"])}

    def expectation(self, expr, params=None):
        params = self._params(params)
        x, w = symbol_vector("x", params["d"], real=True), self.theta(params)
        mean = sum(a * b for a, b in zip(x, w, strict=True))
        shifted = as_sympy(expr).subs(_Y, mean + SIGMA * _NOISE)
        return independent_normal_expect(shifted, list(x) + [_NOISE])

    def natural_indices(self, params=None):
        return list(range(self._params(params)["d"]))

    def natural_covariance(self, params):
        # Entry (i, j) of the Fisher information involves coordinates i and j only, and
        # the design is exchangeable: the d = 2 derivation gives the diagonal and the
        # off-diagonal value for every d.
        params = self._params(params)
        small = self.fisher_information({**params, "d": 2}).subs(SIGMA, to_sympy_rational(params["sigma"]))
        diag, off = float(small[0, 0]), float(small[0, 1])
        d = params["d"]
        fisher = (diag - off) * np.eye(d) + off * np.ones((d, d))
        return np.linalg.inv(fisher)


@symbolic_face("logistic")
class LogisticRegression(SymbolicModel):
    """P(y = 1 | x) = 1/(1 + exp(-x^T beta)), x ~ N(0, I_d), no intercept; MLE; theta = beta.

    Minus the Hessian of the log-likelihood is g(x^T beta) x x^T with g derived by
    SymPy; rotating x onto u = beta/|beta| (x = t u + x_perp, t ~ N(0, 1) independent
    of x_perp ~ N(0, I - u u^T)) gives
    I(beta) = E[g(|beta| t) t^2] u u^T + E[g(|beta| t)] (I - u u^T), two one-dimensional
    integrals kept as SymPy Integrals and evaluated by mpmath quadrature.

    Examples
    --------
    >>> V = LogisticRegression().natural_covariance({"d": 2})
    >>> bool(V[0, 0] > 4)
    True
    """

    def _structure(self, params):
        return (params["d"],)

    def data_symbols(self, params=None):
        return symbol_vector("x", self._params(params)["d"], real=True) + (_Y,)

    def theta(self, params=None):
        return symbol_vector("beta", self._params(params)["d"], real=True)

    def _eta(self, params):
        x = symbol_vector("x", params["d"], real=True)
        return sum(a * b for a, b in zip(x, self.theta(params), strict=True))

    def _log_density(self, params):
        eta = self._eta(params)
        return _Y * eta - sp.log(1 + sp.exp(eta))

    def curvature(self):
        """g(eta) = -d^2/d eta^2 of the log-likelihood y eta - log(1 + e^eta).

        Examples
        --------
        >>> get_model("logistic").curvature()
        1/(4*cosh(eta/2)**2)
        """
        return sp.simplify(-sp.diff(_Y * _ETA_LIN - sp.log(1 + sp.exp(_ETA_LIN)), _ETA_LIN, 2))

    def truth(self, params=None):
        params = self._params(params)
        return dict(zip(self.theta(params), logistic_truth(params["d"]), strict=True))

    def expectation(self, expr, params=None):
        """E expr: exact sum over y given x, then Gaussian moments of x (for expressions polynomial in x).

        Non-polynomial functions of x^T beta, such as the Fisher information's
        g(x^T beta), are reduced to one-dimensional integrals by rotation in
        :meth:`fisher_information`.
        """
        params = self._params(params)
        eta = self._eta(params)
        prob = 1 / (1 + sp.exp(-eta))
        expr = as_sympy(expr)
        given_x = sp.simplify(expr.subs(_Y, 1) * prob + expr.subs(_Y, 0) * (1 - prob))
        x = symbol_vector("x", params["d"], real=True)
        try:
            return independent_normal_expect(given_x, list(x))
        except ValueError:
            raise ValueError(f"logistic: E over the Gaussian design of {given_x} is not polynomial in x; "
                             "reduce it to a one-dimensional integral by rotation as fisher_information does"
                             ) from None

    def curvature_integrals(self, norm=None):
        """(a, c) = (E[g(b t) t^2], E[g(b t)]), t ~ N(0, 1), b = |beta|, as SymPy Integrals.

        Examples
        --------
        >>> a, c = get_model("logistic").curvature_integrals(sp.Integer(1))
        >>> round(quadrature(a), 6), round(quadrature(c), 6)
        (0.144224, 0.206621)
        """
        b = sp.Symbol("b", positive=True) if norm is None else norm
        g = self.curvature().subs(_ETA_LIN, b * _T)
        phi = STD_NORMAL_DENSITY.subs(Z, _T)
        return sp.Integral(g * _T**2 * phi, (_T, -sp.oo, sp.oo)), sp.Integral(g * phi, (_T, -sp.oo, sp.oo))

    def fisher_information(self, params=None):
        """I(beta) = a u u^T + c (I - u u^T) with a, c one-dimensional Integrals (see the class doc)."""
        params = self._params(params)

        def build():
            beta = sp.Matrix(self.theta(params))
            x = symbol_vector("x", params["d"], real=True)
            hess = sp.hessian(self._log_density(params), beta)
            g = self.curvature().subs(_ETA_LIN, self._eta(params))
            # The rotation argument needs the Hessian to be -g(x^T beta) x x^T; entries
            # (1, 1) and (1, 2) cover every entry, the coordinates being interchangeable.
            for i, j in {(0, 0), (0, min(1, params["d"] - 1))}:
                residual = sp.cancel(sp.expand((hess[i, j] + g * x[i] * x[j]).rewrite(sp.exp)))
                if residual != 0:
                    raise ArithmeticError(f"logistic Hessian entry ({i + 1}, {j + 1}) is not -g(eta) x_i x_j")
            b = sp.sqrt(sum(t**2 for t in beta))
            a, c = self.curvature_integrals(b)
            u = beta / b
            return a * u * u.T + c * (sp.eye(params["d"]) - u * u.T)

        return self._cached(("fisher", self._structure(params)), build)

    def asymptotic_covariance(self, estimator=None, params=None):
        """V = I(beta)^{-1} by the Sherman-Morrison formula for c I + (a - c) u u^T.

        Examples
        --------
        >>> LogisticRegression().asymptotic_covariance(params={"d": 1})[0, 0].func
        <class 'sympy.core.power.Pow'>
        """
        params = self._params(params)
        self._check_estimator(estimator, params)

        def build():
            beta = sp.Matrix(self.theta(params))
            u = beta / sp.sqrt(sum(t**2 for t in beta))
            a, c = self.curvature_integrals(sp.sqrt(sum(t**2 for t in beta)))
            A, C = sp.symbols("A C", positive=True)
            uu = sp.simplify((u.T * u)[0, 0])
            inverse = sp.eye(params["d"]) / C - ((A - C) / C**2) / (1 + (A - C) * uu / C) * (u * u.T)
            return inverse.applyfunc(lambda e: sp.factor(sp.simplify(e))).subs({A: a, C: c})

        return self._cached(("V", self._structure(params)), build)

    def natural_covariance(self, params):
        params = self._params(params)
        key = ("natural", params["d"])
        if key not in self._cache:
            self._cache[key] = self._natural_covariance(params["d"])
        return self._cache[key].copy()

    def _natural_covariance(self, d):
        beta = logistic_truth(d)
        norm = sp.sqrt(sum(t**2 for t in beta))
        a, c = (quadrature(v) for v in self.curvature_integrals(norm))
        u = np.array([float(v / norm) for v in beta])
        fisher = a * np.outer(u, u) + c * (np.eye(d) - np.outer(u, u))
        return np.linalg.inv(fisher)
