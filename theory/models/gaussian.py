"""Gaussian models' symbolic faces: the mean with sigma known, mean and variance, the multivariate normal.

Expectations substitute x = mu + sigma z and integrate standard normal moments
(:func:`~theory.models.expectations.std_normal_expect`); the multivariate normal
uses Isserlis' theorem with a symbolic covariance.

Examples
--------
>>> get_model("gaussian-mean").asymptotic_covariance("median")
Matrix([[pi*sigma**2/2]])
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ..rationals import as_sympy, to_sympy_rational
from .base import MU, SIGMA, X_REAL, SymbolicModel, symbol_vector
from .expectations import Z, gaussian_vector_expect, std_normal_expect, wick
from .registry import get_model, symbolic_face  # noqa: F401  (the examples use get_model)

__all__ = ["GaussianMean", "Gaussian", "MultivariateGaussian", "normal_log_density"]

_SIGMA2 = sp.Symbol("sigma^2", positive=True)


def normal_log_density(x, mu, var):
    """log of the N(mu, var) density at x.

    Examples
    --------
    >>> normal_log_density(X_REAL, 0, 1)
    -x**2/2 - log(2*pi)/2
    """
    return -(x - mu) ** 2 / (2 * var) - sp.log(2 * sp.pi * var) / 2


@symbolic_face("gaussian-mean")
class GaussianMean(SymbolicModel):
    """N(mu, sigma^2) with sigma known; estimators: the sample mean (the MLE) and the sample median.

    The median's influence function is psi(x) = sign(x - mu) / (2 f(mu)), f the
    density; its V = E psi^2 = pi sigma^2 / 2 comes out of the integration.

    Examples
    --------
    >>> GaussianMean().influence_function("median")
    Matrix([[sqrt(2)*sqrt(pi)*sigma*sign(-mu + x)/2]])
    """

    def data_symbols(self, params=None):
        return (X_REAL,)

    def theta(self, params=None):
        return (MU,)

    def _log_density(self, params):
        return normal_log_density(X_REAL, MU, SIGMA**2)

    def truth(self, params=None):
        params = self._params(params)
        return {MU: to_sympy_rational(params["mu"]), SIGMA: to_sympy_rational(params["sigma"])}

    def expectation(self, expr, params=None):
        return std_normal_expect(as_sympy(expr).subs(X_REAL, MU + SIGMA * Z))

    def _influence(self, estimator, params):
        if estimator == "median":
            density_at_median = sp.exp(self._log_density(params)).subs(X_REAL, MU)
            return sp.Matrix([sp.sign(X_REAL - MU) / (2 * density_at_median)])
        return super()._influence(estimator, params)



@symbolic_face("gaussian")
class Gaussian(SymbolicModel):
    """N(mu, sigma^2), both unknown; theta = (mu, sigma^2); MLE (divisor m) or unbiased (divisor m - 1).

    Both estimators share the influence function psi = (x - mu, (x - mu)^2 - sigma^2):
    the unbiased V is derived from it and equals the MLE's I^{-1}.

    Examples
    --------
    >>> Gaussian().asymptotic_covariance("unbiased")
    Matrix([
    [sigma^2,            0],
    [      0, 2*sigma^2**2]])
    """

    def data_symbols(self, params=None):
        return (X_REAL,)

    def theta(self, params=None):
        return (MU, _SIGMA2)

    def _log_density(self, params):
        return normal_log_density(X_REAL, MU, _SIGMA2)

    def truth(self, params=None):
        params = self._params(params)
        return {MU: to_sympy_rational(params["mu"]), _SIGMA2: to_sympy_rational(params["sigma"]) ** 2}

    def expectation(self, expr, params=None):
        return std_normal_expect(as_sympy(expr).subs(X_REAL, MU + sp.sqrt(_SIGMA2) * Z))

    def _influence(self, estimator, params):
        if estimator == "unbiased":
            return sp.Matrix([X_REAL - MU, (X_REAL - MU) ** 2 - _SIGMA2])
        return super()._influence(estimator, params)

    def natural_indices(self, params=None):
        return [0]

    def sigma_covariance(self, params=None):
        """V of (mu_hat, sigma_hat) by the delta method on (mu, sigma^2) -> (mu, sqrt(sigma^2)).

        Examples
        --------
        >>> Gaussian().sigma_covariance()
        Matrix([
        [sigma^2,         0],
        [      0, sigma^2/2]])
        """
        V = self.asymptotic_covariance("mle", params)
        J = sp.Matrix([MU, sp.sqrt(_SIGMA2)]).jacobian(sp.Matrix(self.theta()))
        return sp.simplify(J * V * J.T)


@symbolic_face("mvn")
class MultivariateGaussian(SymbolicModel):
    """N_d(mu, Sigma); theta = (mu_1..mu_d, Sigma_ij for i <= j); truth mu = 0, Sigma = I_d.

    Expectations of polynomials use Isserlis' theorem with the symbolic Sigma. The
    full symbolic Fisher information grows fast with d (about a second for d = 2,
    half a minute for d = 3); the natural block V_mu, the covariance of the sample
    mean's influence function x - mu, is computed for any d.

    Examples
    --------
    >>> MultivariateGaussian().asymptotic_covariance(params={"d": 1})
    Matrix([
    [Sigma1_1,            0],
    [       0, 2*Sigma1_1**2]])
    """

    def _structure(self, params):
        return (params["d"],)

    def _symbols(self, d):
        x = symbol_vector("x", d, real=True)
        mu = symbol_vector("mu", d, real=True)
        pairs = [(i, j) for i in range(d) for j in range(i, d)]
        entries = {pair: sp.Symbol(f"Sigma{pair[0] + 1}_{pair[1] + 1}", real=True) for pair in pairs}
        Sigma = sp.Matrix(d, d, lambda i, j: entries[(min(i, j), max(i, j))])
        return x, mu, [entries[p] for p in pairs], Sigma, pairs

    def data_symbols(self, params=None):
        return self._symbols(self._params(params)["d"])[0]

    def theta(self, params=None):
        _, mu, sig, _, _ = self._symbols(self._params(params)["d"])
        return tuple(mu) + tuple(sig)

    def covariance_matrix(self, params=None):
        """The symbolic Sigma (symmetric, entries ``Sigma<i>_<j>``).

        Examples
        --------
        >>> get_model("mvn").covariance_matrix({"d": 2})
        Matrix([
        [Sigma1_1, Sigma1_2],
        [Sigma1_2, Sigma2_2]])
        """
        return self._symbols(self._params(params)["d"])[3]

    def _log_density(self, params):
        d = params["d"]
        x, mu, _, Sigma, _ = self._symbols(d)
        z = sp.Matrix(x) - sp.Matrix(mu)
        det = Sigma.det()
        quad = (z.T * Sigma.adjugate() * z)[0, 0] / det
        return -quad / 2 - sp.log(det) / 2 - d * sp.log(2 * sp.pi) / 2

    def truth(self, params=None):
        d = self._params(params)["d"]
        _, mu, sig, _, pairs = self._symbols(d)
        out = dict.fromkeys(mu, sp.S.Zero)
        out.update({s: sp.S.One if i == j else sp.S.Zero for s, (i, j) in zip(sig, pairs, strict=True)})
        return out

    def expectation(self, expr, params=None):
        d = self._params(params)["d"]
        x, mu, _, Sigma, _ = self._symbols(d)
        zs = symbol_vector("zeta", d, real=True)
        shifted = as_sympy(expr).subs({xi: mi + zi for xi, mi, zi in zip(x, mu, zs, strict=True)},
                                        simultaneous=True)
        return gaussian_vector_expect(shifted, zs, Sigma) if shifted.has(*zs) else shifted

    @staticmethod
    def _tidy(expr):
        # rational functions of the Sigma entries: cancel and factor (simplify is far slower here)
        return sp.factor(sp.cancel(expr))

    def _influence(self, estimator, params):
        # Both estimators are smooth functions of the sample moments with the same first-order term:
        # psi = (x - mu, vech((x - mu)(x - mu)^T - Sigma)).
        x, mu, _, Sigma, pairs = self._symbols(params["d"])
        z = sp.Matrix(x) - sp.Matrix(mu)
        return sp.Matrix(list(z) + [z[i] * z[j] - Sigma[i, j] for i, j in pairs])

    def asymptotic_covariance(self, estimator=None, params=None):
        """V = E psi psi^T by Isserlis' theorem; for the MLE, confirmed to be I^{-1} by I V = identity.

        (Inverting the symbolic Fisher information directly is much slower for d >= 3.)
        """
        params = self._params(params)
        estimator = self._check_estimator(estimator, params)

        def build():
            psi = self._influence(estimator, params)
            V = (psi * psi.T).applyfunc(lambda e: sp.factor(self.expectation(e, params)))
            if estimator == "mle":
                product = (self.fisher_information(params) * V).applyfunc(sp.cancel)
                if product != sp.eye(V.shape[0]):
                    raise ArithmeticError("mvn: E psi psi^T is not the inverse of the Fisher information")
            return V

        return self._cached(("V", estimator, self._structure(params)), build)

    def natural_indices(self, params=None):
        return list(range(self._params(params)["d"]))

    def natural_covariance(self, params):
        # The sample mean's influence function is x - mu whichever covariance estimator
        # is used, so V_mu = E (x - mu)(x - mu)^T, here by Isserlis at the truth Sigma = I.
        d = self._params(params)["d"]
        identity = sp.eye(d)
        return np.array([[float(wick((i, j), identity)) for j in range(d)] for i in range(d)])
