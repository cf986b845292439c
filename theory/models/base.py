"""What every model's symbolic face provides: Fisher information and V, derived from the log-density.

A :class:`SymbolicModel` is the symbolic face of a model declared in
:data:`~theory.models.registry.MODELS`; its class is attached to the declaration
by ``@symbolic_face(name)`` and reads its name, parameters, estimators and
metrics from it. A subclass implements the log-density in named SymPy symbols,
the parameter vector ``theta``, the truth and the expectation operator of one
observation; the per-observation Fisher information (the expectation of minus
the Hessian), the influence functions and ``V = E psi psi^T`` are derived here.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp

from .registry import get_model  # noqa: F401  (the examples use it)

__all__ = ["SymbolicModel", "symbol_vector", "X_REAL", "X_COUNT", "X_POSITIVE", "MU", "SIGMA"]

X_REAL = sp.Symbol("x", real=True)
"""The data symbol of models on the real line."""
X_COUNT = sp.Symbol("x", integer=True, nonnegative=True)
"""The data symbol of models on 0, 1, 2, ..."""
X_POSITIVE = sp.Symbol("x", positive=True)
"""The data symbol of models on (0, oo)."""
MU = sp.Symbol("mu", real=True)
SIGMA = sp.Symbol("sigma", positive=True)


def symbol_vector(name, d, **assumptions):
    """The symbols ``name1 .. name<d>``.

    Examples
    --------
    >>> symbol_vector("w", 3, real=True)
    (w1, w2, w3)
    """
    return tuple(sp.Symbol(f"{name}{i}", **assumptions) for i in range(1, d + 1))


class SymbolicModel:
    """A model's symbolic face.

    The class attribute ``spec`` (the model's :class:`~theory.models.registry.ModelSpec`,
    set by ``@symbolic_face``) supplies the name, parameters, estimators and metrics.

    Attributes
    ----------
    name : str
        The CLI name.
    estimators : tuple of str
        The allowed estimator names; the first is the default.
    metrics : tuple of str
        The metric names a simulation of this model reports (DESIGN.md), ``failed`` last.
    natural : str
        The name of the natural parameter on which the risk is measured.
    """

    spec = None

    def __init__(self):
        self._cache = {}

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"

    # ----------------------------------------------------------- the declaration
    @property
    def name(self):
        return self.spec.name

    @property
    def description(self):
        return self.spec.description

    @property
    def parameters(self):
        return self.spec.parameters

    @property
    def estimators(self):
        return self.spec.estimators

    @property
    def metrics(self):
        return self.spec.reported_metrics

    @property
    def natural(self):
        return self.spec.natural

    @property
    def defaults(self):
        """The parameter defaults (DESIGN.md), as a new dict."""
        return {p.name: p.default for p in self.parameters}

    def validate_params(self, raw=None):
        """Typed, checked parameters, as the model's declaration validates them (:meth:`ModelSpec.validate`).

        Examples
        --------
        >>> get_model("bernoulli").validate_params({"p": "0.25"})
        {'p': 0.25}
        >>> get_model("bernoulli").validate_params({"q": 1})
        Traceback (most recent call last):
        ...
        ValueError: bernoulli: unknown parameter 'q' (value 1); parameters are p
        """
        return self.spec.validate(raw)

    def _structure(self, params):
        """The part of the parameters that changes the symbolic form (a hashable key)."""
        return ()

    def _params(self, params):
        return self.validate_params(params)

    def estimator(self, params=None):
        """The estimator named in ``params`` (or the model's only/default one).

        Examples
        --------
        >>> get_model("gaussian-mean").estimator({"estimator": "median"}), get_model("linreg").estimator()
        ('median', 'ols')
        """
        params = self._params(params)
        return params.get("estimator", self.estimators[0])

    def _check_estimator(self, estimator, params):
        estimator = self.estimator(params) if estimator is None else estimator
        if estimator not in self.estimators:
            raise ValueError(f"{self.name}: unknown estimator {estimator!r}; estimators are "
                             f"{', '.join(self.estimators)}")
        return estimator

    # ----------------------------------------------------------- symbols (subclasses)
    def data_symbols(self, params=None):
        """The data symbols of the log-density.

        Examples
        --------
        >>> get_model("linreg").data_symbols({"d": 2})
        (x1, x2, y)
        """
        raise NotImplementedError

    def theta(self, params=None):
        """The parameter vector's symbols, in the order of the Fisher information and V.

        Examples
        --------
        >>> get_model("mvn").theta({"d": 2})
        (mu1, mu2, Sigma1_1, Sigma1_2, Sigma2_2)
        """
        raise NotImplementedError

    def natural_indices(self, params=None):
        """Positions in ``theta`` of the natural parameter (on which the risk is measured).

        Examples
        --------
        >>> get_model("gaussian").natural_indices()
        [0]
        """
        d = len(self.natural_parameter(self._params(params)))
        return list(range(d))

    def _log_density(self, params):
        raise NotImplementedError

    def truth(self, params=None):
        """The substitution {symbol: exact value} that sets every parameter symbol to the truth.

        Examples
        --------
        >>> get_model("gaussian").truth({"sigma": "0.5"})
        {mu: 0, sigma^2: 1/4}
        """
        raise NotImplementedError

    def expectation(self, expr, params=None):
        """E expr over one observation, at the symbolic parameters.

        Examples
        --------
        >>> model = get_model("gaussian-mean")
        >>> x, = model.data_symbols()
        >>> model.expectation(abs(x - sp.Symbol("mu", real=True)))
        sqrt(2)*sigma/sqrt(pi)
        """
        raise NotImplementedError

    def natural_parameter(self, params=None):
        """theta_0 on which the risk is measured, as a float array.

        Examples
        --------
        >>> get_model("linreg").natural_parameter({"d": 4})
        array([0.5, 0.5, 0.5, 0.5])
        """
        return np.array(self.spec.theta0(self._params(params)), dtype=float)

    # ----------------------------------------------------------- derived
    def log_density(self, params=None):
        """The log-density of one observation.

        With ``params=None`` every parameter stays a symbol (structural parameters
        such as ``d`` take their defaults); with ``params`` they are set to the truth.

        Examples
        --------
        >>> get_model("exponential").log_density()
        -rate*x + log(rate)
        >>> get_model("exponential").log_density({"rate": 2})
        -2*x + log(2)
        """
        expr = self._log_density(self._params(params))
        return expr if params is None else expr.subs(self.truth(params))

    def score(self, params=None):
        """The score, the gradient of the log-density in ``theta``, as a column.

        Examples
        --------
        >>> get_model("poisson").score()
        Matrix([[-1 + x/lambda]])
        """
        params = self._params(params)
        return sp.Matrix([sp.diff(self._log_density(params), t) for t in self.theta(params)])

    def _cached(self, key, build):
        if key not in self._cache:
            self._cache[key] = sp.ImmutableMatrix(build())
        return sp.Matrix(self._cache[key])

    @staticmethod
    def _tidy(expr):
        return sp.simplify(expr)

    def fisher_information(self, params=None):
        """Per-observation Fisher information in ``theta``: E of minus the Hessian of the log-density.

        Examples
        --------
        >>> get_model("gaussian").fisher_information()
        Matrix([
        [1/sigma^2,             0],
        [        0, 1/(2*sigma^2**2)]])
        """
        params = self._params(params)

        def build():
            theta = self.theta(params)
            hess = sp.hessian(self._log_density(params), theta)
            return (-hess).applyfunc(lambda e: self._tidy(self.expectation(e, params)))

        return self._cached(("fisher", self._structure(params)), build)

    def influence_function(self, estimator=None, params=None):
        """psi with sqrt(m)(T - theta) = m^{-1/2} sum psi(X_i) + o_p(1); for an MLE, I^{-1} score.

        Examples
        --------
        >>> get_model("bernoulli").influence_function()
        Matrix([[-p + x]])
        """
        params = self._params(params)
        estimator = self._check_estimator(estimator, params)
        return self._influence(estimator, params)

    def _influence(self, estimator, params):
        return (self.fisher_information(params).inv() * self.score(params)).applyfunc(sp.simplify)

    def asymptotic_covariance(self, estimator=None, params=None):
        """V of the estimator: I^{-1} for an MLE, otherwise E psi psi^T of its influence function.

        Examples
        --------
        >>> get_model("poisson").asymptotic_covariance()
        Matrix([[lambda]])
        """
        params = self._params(params)
        estimator = self._check_estimator(estimator, params)

        def build():
            if estimator in ("mle", "mean", "ols"):
                return sp.simplify(self.fisher_information(params).inv())
            psi = self._influence(estimator, params)
            return (psi * psi.T).applyfunc(lambda e: sp.simplify(self.expectation(e, params)))

        return self._cached(("V", estimator, self._structure(params)), build)

    def natural_covariance(self, params):
        """The block of V on the natural parameter, at the truth, as a float array.

        Examples
        --------
        >>> get_model("gaussian-mean").natural_covariance({"estimator": "median", "sigma": 2})
        array([[6.28318531]])
        """
        params = self._params(params)
        V = self.asymptotic_covariance(None, params)
        idx = self.natural_indices(params)
        block = V.extract(idx, idx).subs(self.truth(params))
        return np.array(block.evalf(30).tolist(), dtype=float)

    def risk1(self, params, m):
        """Asymptotic E||theta_hat - theta_0||^2 of one fit on ``m`` points: trace(V_natural)/m.

        Examples
        --------
        >>> get_model("exponential").risk1({"rate": 2}, 8)
        0.5
        """
        if isinstance(m, bool) or not isinstance(m, int | float | Fraction) or not m > 0:
            raise ValueError(f"the number of points m must be positive, got {m!r}")
        return float(np.trace(self.natural_covariance(params))) / float(m)
