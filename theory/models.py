"""The canonical models' symbolic faces: log-density, Fisher information and V, derived by SymPy.

Every model of THEORY.md §4 is a :class:`SymbolicModel`: its log-density in named
SymPy symbols, the per-observation Fisher information derived from it (the
expectation of minus the Hessian), the influence function of each estimator and
its asymptotic covariance ``V = E psi psi^T``, the truth fixed by the parameters
and the natural parameter on which the risk ``E ||theta_k - theta_0||^2`` is
measured. The numeric face (samplers, estimators) lives in :mod:`numerics`.

Parameters and truths (the ``--set`` keys of ``pi2over6 simulate``; defaults in brackets):

================  ====================================================================  ==============
model             parameters, truth                                                     natural param.
================  ====================================================================  ==============
``gaussian-mean`` ``mu`` [0], ``sigma`` [1] known, ``estimator`` ``mean`` | ``median``   mu
``gaussian``      ``mu`` [0], ``sigma`` [1], ``estimator`` ``mle`` | ``unbiased``        mu
``mvn``           ``d`` [2], ``estimator`` ``mle`` | ``unbiased``; mu = 0, Sigma = I_d     mu
``linreg``        ``d`` [5], ``sigma`` [1] (known noise level, also used for synthetic     w
                  labels), ``design`` ``fixed`` | ``fresh``; x ~ N(0, I_d),
                  w0 = (1, ..., 1)/sqrt(d) (norm 1)
``logistic``      ``d`` [5], ``design`` ``fixed`` | ``fresh``; no intercept,              beta
                  x ~ N(0, I_d), beta0 proportional to (1, -1, 1/2, -1/2, 1/3, ...)
                  normalised to norm 1 (so x^T beta0 ~ N(0, 1): a moderate signal)
``bernoulli``     ``p`` [0.3]                                                           p
``poisson``       ``lam`` [1]                                                           lam
``exponential``   ``rate`` [1]                                                          rate
``expfam``        ``family`` [poisson], ``eta`` [family default], family constants      eta (natural)
``kde``           ``h`` [0.5]; truth N(0, 1); Gaussian kernel                           mean of fitted
                                                                                        density (0)
================  ====================================================================  ==============

``expfam`` is a one-parameter exponential family ``h(x) exp(eta T(x) - A(eta))``
(:class:`ExponentialFamily`); its MLE solves the moment equation
``A'(eta_hat) = mean T`` and the risk is measured on the natural parameter
``eta``, so ``V = 1/A''(eta)``. Built-in families: ``bernoulli``, ``poisson``,
``geometric`` (failures before the first success), ``exponential``, ``gamma``
(known ``shape``) and ``normal`` (known ``sigma``); others are built in Python
and added with :meth:`ExponentialFamilyModel.with_family`.

Examples
--------
>>> model = get_model("gaussian-mean")
>>> model.asymptotic_covariance("median")
Matrix([[pi*sigma**2/2]])
>>> model.risk1({"sigma": 2.0, "estimator": "mean"}, 100)
0.04
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache

import numpy as np
import sympy as sp

from .rationals import as_sympy, to_rational

__all__ = ["MODEL_NAMES", "Parameter", "SymbolicModel", "ExponentialFamily", "ExponentialFamilyModel",
           "get_model", "FAMILIES", "linreg_truth", "logistic_truth", "std_normal_moment"]

MODEL_NAMES = ("gaussian-mean", "gaussian", "mvn", "linreg", "logistic", "bernoulli", "poisson",
               "exponential", "expfam", "kde")


# --------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Parameter:
    """One ``--set`` parameter of a model: its name, kind, default and allowed values.

    ``kind`` is ``"real"`` (finite), ``"positive"``, ``"negative"``, ``"probability"``
    (in (0, 1)), ``"dimension"`` (integer >= 1) or ``"choice"`` (one of ``choices``).

    Examples
    --------
    >>> Parameter("sigma", "positive", 1.0).parse("2", "gaussian")
    2.0
    >>> Parameter("d", "dimension", 2).parse("2.5", "mvn")
    Traceback (most recent call last):
    ...
    ValueError: mvn: parameter d must be an integer of at least 1, got '2.5'
    """

    name: str
    kind: str
    default: object
    choices: tuple[str, ...] = ()
    help: str = ""

    def parse(self, value, model):
        """The typed value of ``value`` (a number or a ``--set`` string), checked against the domain."""
        where = f"{model}: parameter {self.name}"
        if self.kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise ValueError(f"{where} must be one of {', '.join(self.choices)}, got {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float | Fraction | str):
            raise ValueError(f"{where} must be a number, got {value!r}")
        try:
            number = to_rational(value, where)
        except ValueError:
            raise ValueError(f"{where} must be a number such as 2, 0.5 or 1/3, got {value!r}") from None
        if self.kind == "dimension":
            if number.denominator != 1 or number < 1:
                raise ValueError(f"{where} must be an integer of at least 1, got {value!r}")
            return int(number)
        try:
            real = float(number)
        except OverflowError:
            real = math.inf
        if not math.isfinite(real):
            raise ValueError(f"{where} must be a finite number, got {value!r}")
        if self.kind == "positive" and not real > 0:
            raise ValueError(f"{where} must be positive, got {value!r}")
        if self.kind == "negative" and not real < 0:
            raise ValueError(f"{where} must be negative, got {value!r}")
        if self.kind == "probability" and not 0 < real < 1:
            raise ValueError(f"{where} must lie strictly between 0 and 1, got {value!r}")
        return real


def _exact(value):
    """A float parameter as the exact SymPy rational of its shortest decimal spelling."""
    q = to_rational(value)
    return sp.Rational(q.numerator, q.denominator)


def _vector(name, d, **assumptions):
    return tuple(sp.Symbol(f"{name}{i}", **assumptions) for i in range(1, d + 1))


# --------------------------------------------------------------------- expectations
_Z = sp.Symbol("z", real=True)
_PHI = sp.exp(-_Z**2 / 2) / sp.sqrt(2 * sp.pi)


@cache
def std_normal_moment(k, half=False):
    """E z^k for z ~ N(0, 1) (or the half-line integral over z > 0), by SymPy integration.

    Examples
    --------
    >>> [std_normal_moment(k) for k in range(5)]
    [1, 0, 1, 0, 3]
    >>> std_normal_moment(1, half=True)
    sqrt(2)/(2*sqrt(pi))
    """
    return sp.integrate(_Z**k * _PHI, (_Z, 0 if half else -sp.oo, sp.oo))


def _polynomial_terms(expr, gens):
    """(exponents, coefficient) of ``expr`` as a polynomial in ``gens``, or None if it is not one."""
    try:
        return sp.Poly(sp.expand(expr), *gens).terms()
    except sp.PolificationFailed:
        return None


def _std_normal_expect(expr, z=_Z):
    """E expr(z) for z ~ N(0, 1), expr a polynomial in z, sign(z) and |z|: split at 0, integrate monomials."""
    total = sp.S.Zero
    for side in (1, -1):
        g = expr.subs({sp.sign(z): side, sp.Abs(z): side * z})
        terms = _polynomial_terms(g, [z])
        if terms is None:
            limits = (z, 0, sp.oo) if side == 1 else (z, -sp.oo, 0)
            total += sp.integrate(g * _PHI.subs(_Z, z), limits)
            continue
        for (k,), coeff in terms:
            total += coeff * side**k * std_normal_moment(k, half=True)
    return total


def _independent_normal_expect(expr, gens):
    """E expr for independent N(0, 1) variables ``gens``, expr a polynomial in them."""
    terms = _polynomial_terms(expr, gens)
    if terms is None:
        raise ValueError(f"expected a polynomial in {gens}, got {expr}")
    total = sp.S.Zero
    for exps, coeff in terms:
        total += coeff * sp.prod([std_normal_moment(e) for e in exps])
    return total


def _wick(indices, cov):
    """E prod z_i for z ~ N(0, cov) over the multiset ``indices``: Isserlis' sum over pairings."""
    if not indices:
        return sp.S.One
    if len(indices) % 2:
        return sp.S.Zero
    first, rest = indices[0], indices[1:]
    return sum((cov[first, rest[j]] * _wick(rest[:j] + rest[j + 1:], cov) for j in range(len(rest))),
               sp.S.Zero)


def _gaussian_vector_expect(expr, gens, cov, max_degree=12):
    """E expr for (gens) ~ N(0, cov), expr a polynomial in gens (coefficients may be any expressions).

    Isserlis' theorem in operator form: E f(z) = sum_k (L^k f)(0) / k! with
    L = (1/2) sum_ij cov_ij d^2/dz_i dz_j, a finite sum for a polynomial; no expansion
    of the coefficients is needed.
    """
    origin = dict.fromkeys(gens, 0)
    total, term = sp.S.Zero, as_sympy(expr)
    for k in range(max_degree // 2 + 2):
        if term == 0:
            return total
        total += term.subs(origin) / sp.factorial(k)
        term = sum((cov[i, j] * sp.diff(term, gens[i], gens[j]) for i in range(len(gens))
                    for j in range(len(gens))), sp.S.Zero) / 2
    raise ValueError(f"expected a polynomial of degree at most {max_degree} in {gens}, got {expr}")


# --------------------------------------------------------------------- the base class
class SymbolicModel:
    """A canonical model's symbolic face.

    Subclasses set ``name``, ``parameters``, ``estimators`` and ``metrics`` and
    implement the log-density, the parameter vector ``theta``, the truth and the
    model's expectation operator; Fisher information and V are derived here.

    Attributes
    ----------
    name : str
        The CLI name.
    estimators : tuple of str
        The allowed estimator names; the first is the default.
    metrics : tuple of str
        The metric names a simulation of this model reports (DESIGN.md).
    natural : str
        The name of the natural parameter on which the risk is measured.
    """

    name = ""
    description = ""
    parameters: tuple[Parameter, ...] = ()
    estimators: tuple[str, ...] = ("mle",)
    metrics: tuple[str, ...] = ("risk", "failed")
    natural = ""

    def __init__(self):
        self._cache = {}

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"

    # ----------------------------------------------------------- parameters
    @property
    def defaults(self):
        """The parameter defaults (DESIGN.md), as a new dict."""
        return {p.name: p.default for p in self.parameters}

    def _parameter_specs(self, raw):
        return {p.name: p for p in self.parameters}

    def validate_params(self, raw=None):
        """Typed, checked parameters: defaults filled in, ``--set`` strings parsed as numbers.

        Parameters
        ----------
        raw : mapping or None
            Values as Python numbers or strings (``"2"``, ``"0.3"``, ``"1/3"``,
            ``"fixed"``); strings are parsed, never evaluated.

        Returns
        -------
        dict
            Every parameter of the model, as float, int or str.

        Raises
        ------
        ValueError
            On an unknown key or a value outside the parameter's domain; the one-line
            message names the key and repeats the bad value.

        Examples
        --------
        >>> get_model("bernoulli").validate_params({"p": "0.25"})
        {'p': 0.25}
        >>> get_model("bernoulli").validate_params({"q": 1})
        Traceback (most recent call last):
        ...
        ValueError: bernoulli: unknown parameter 'q' (value 1); parameters are p
        """
        raw = {} if raw is None else raw
        if not hasattr(raw, "items"):
            raise ValueError(f"{self.name}: parameters must be a mapping of names to values, got {raw!r}")
        specs = self._parameter_specs(raw)
        for key, value in raw.items():
            if key not in specs:
                raise ValueError(f"{self.name}: unknown parameter {key!r} (value {value!r}); "
                                 f"parameters are {', '.join(specs)}")
        return {key: spec.parse(raw[key], self.name) if key in raw else spec.default
                for key, spec in specs.items()}

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

    def natural_parameter(self, params):
        """theta_0 on which the risk is measured, as a float array.

        Examples
        --------
        >>> get_model("linreg").natural_parameter({"d": 4})
        array([0.5, 0.5, 0.5, 0.5])
        """
        raise NotImplementedError

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


# --------------------------------------------------------------------- univariate Gaussian models
_MU = sp.Symbol("mu", real=True)
_SIGMA = sp.Symbol("sigma", positive=True)
_SIGMA2 = sp.Symbol("sigma^2", positive=True)
_XR = sp.Symbol("x", real=True)


def _normal_log_density(x, mu, var):
    return -(x - mu) ** 2 / (2 * var) - sp.log(2 * sp.pi * var) / 2


class GaussianMean(SymbolicModel):
    """N(mu, sigma^2) with sigma known; estimators: the sample mean (the MLE) and the sample median.

    The median's influence function is psi(x) = sign(x - mu) / (2 f(mu)), f the
    density; its V = E psi^2 = pi sigma^2 / 2 comes out of the integration.

    Examples
    --------
    >>> GaussianMean().influence_function("median")
    Matrix([[sqrt(2)*sqrt(pi)*sigma*sign(-mu + x)/2]])
    """

    name = "gaussian-mean"
    description = "N(mu, sigma^2), sigma known; sample mean or sample median"
    parameters = (Parameter("mu", "real", 0.0), Parameter("sigma", "positive", 1.0),
                  Parameter("estimator", "choice", "mean", ("mean", "median")))
    estimators = ("mean", "median")
    natural = "mu"

    def data_symbols(self, params=None):
        return (_XR,)

    def theta(self, params=None):
        return (_MU,)

    def _log_density(self, params):
        return _normal_log_density(_XR, _MU, _SIGMA**2)

    def truth(self, params=None):
        params = self._params(params)
        return {_MU: _exact(params["mu"]), _SIGMA: _exact(params["sigma"])}

    def expectation(self, expr, params=None):
        return _std_normal_expect(as_sympy(expr).subs(_XR, _MU + _SIGMA * _Z))

    def _influence(self, estimator, params):
        if estimator == "median":
            density_at_median = sp.exp(self._log_density(params)).subs(_XR, _MU)
            return sp.Matrix([sp.sign(_XR - _MU) / (2 * density_at_median)])
        return super()._influence(estimator, params)

    def natural_parameter(self, params):
        return np.array([self._params(params)["mu"]])


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

    name = "gaussian"
    description = "N(mu, sigma^2), both unknown; MLE or unbiased variance"
    parameters = (Parameter("mu", "real", 0.0), Parameter("sigma", "positive", 1.0),
                  Parameter("estimator", "choice", "mle", ("mle", "unbiased")))
    estimators = ("mle", "unbiased")
    metrics = ("risk", "sigma2", "sigma", "w2sq", "failed")
    natural = "mu"

    def data_symbols(self, params=None):
        return (_XR,)

    def theta(self, params=None):
        return (_MU, _SIGMA2)

    def _log_density(self, params):
        return _normal_log_density(_XR, _MU, _SIGMA2)

    def truth(self, params=None):
        params = self._params(params)
        return {_MU: _exact(params["mu"]), _SIGMA2: _exact(params["sigma"]) ** 2}

    def expectation(self, expr, params=None):
        return _std_normal_expect(as_sympy(expr).subs(_XR, _MU + sp.sqrt(_SIGMA2) * _Z))

    def _influence(self, estimator, params):
        if estimator == "unbiased":
            return sp.Matrix([_XR - _MU, (_XR - _MU) ** 2 - _SIGMA2])
        return super()._influence(estimator, params)

    def natural_indices(self, params=None):
        return [0]

    def natural_parameter(self, params):
        return np.array([self._params(params)["mu"]])

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
        J = sp.Matrix([_MU, sp.sqrt(_SIGMA2)]).jacobian(sp.Matrix(self.theta()))
        return sp.simplify(J * V * J.T)


# --------------------------------------------------------------------- multivariate normal
class MultivariateNormal(SymbolicModel):
    """N_d(mu, Sigma); theta = (mu_1..mu_d, Sigma_ij for i <= j); truth mu = 0, Sigma = I_d.

    Expectations of polynomials use Isserlis' theorem with the symbolic Sigma. The
    full symbolic Fisher information grows fast with d (about a second for d = 2,
    half a minute for d = 3); the natural block V_mu, the covariance of the sample
    mean's influence function x - mu, is computed for any d.

    Examples
    --------
    >>> MultivariateNormal().asymptotic_covariance(params={"d": 1})
    Matrix([
    [Sigma1_1,            0],
    [       0, 2*Sigma1_1**2]])
    """

    name = "mvn"
    description = "N_d(mu, Sigma); MLE or unbiased covariance"
    parameters = (Parameter("d", "dimension", 2),
                  Parameter("estimator", "choice", "mle", ("mle", "unbiased")))
    estimators = ("mle", "unbiased")
    metrics = ("risk", "trace_ratio", "det_ratio", "failed")
    natural = "mu"

    def _structure(self, params):
        return (params["d"],)

    def _symbols(self, d):
        x = _vector("x", d, real=True)
        mu = _vector("mu", d, real=True)
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
        zs = _vector("zeta", d, real=True)
        shifted = as_sympy(expr).subs({xi: mi + zi for xi, mi, zi in zip(x, mu, zs, strict=True)},
                                        simultaneous=True)
        return _gaussian_vector_expect(shifted, zs, Sigma) if shifted.has(*zs) else shifted

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

    def natural_parameter(self, params):
        return np.zeros(self._params(params)["d"])

    def natural_covariance(self, params):
        # The sample mean's influence function is x - mu whichever covariance estimator
        # is used, so V_mu = E (x - mu)(x - mu)^T, here by Isserlis at the truth Sigma = I.
        d = self._params(params)["d"]
        identity = sp.eye(d)
        return np.array([[float(_wick((i, j), identity)) for j in range(d)] for i in range(d)])


# --------------------------------------------------------------------- regression models
_DESIGN = Parameter("design", "choice", "fixed", ("fixed", "fresh"))
_Y = sp.Symbol("y", real=True)
_NOISE = sp.Symbol("e", real=True)


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
    raw = [sp.Rational((-1) ** i, i // 2 + 1) for i in range(d)]
    norm = sp.sqrt(sum(r**2 for r in raw))
    return [sp.radsimp(r / norm) for r in raw]


class LinearRegression(SymbolicModel):
    """y = x^T w + eps, x ~ N(0, I_d), eps ~ N(0, sigma^2) with sigma known; OLS; theta = w.

    The log-density is that of y given x (the design law carries no parameter).
    Expectations substitute y = x^T w + sigma e and integrate independent standard
    normals. The per-observation V of OLS is sigma^2 E[x x^T]^{-1} = sigma^2 I_d.

    Examples
    --------
    >>> LinearRegression().fisher_information({"d": 2})
    Matrix([
    [sigma**(-2),           0],
    [          0, sigma**(-2)]])
    """

    name = "linreg"
    description = "linear regression with Gaussian design; OLS"
    parameters = (Parameter("d", "dimension", 5), Parameter("sigma", "positive", 1.0), _DESIGN)
    estimators = ("ols",)
    natural = "w"

    def _structure(self, params):
        return (params["d"],)

    def data_symbols(self, params=None):
        return _vector("x", self._params(params)["d"], real=True) + (_Y,)

    def theta(self, params=None):
        return _vector("w", self._params(params)["d"], real=True)

    def _log_density(self, params):
        x, w = _vector("x", params["d"], real=True), self.theta(params)
        return _normal_log_density(_Y, sum(a * b for a, b in zip(x, w, strict=True)), _SIGMA**2)

    def truth(self, params=None):
        params = self._params(params)
        w = self.theta(params)
        return {**dict(zip(w, linreg_truth(params["d"]), strict=True)), _SIGMA: _exact(params["sigma"])}

    def expectation(self, expr, params=None):
        params = self._params(params)
        x, w = _vector("x", params["d"], real=True), self.theta(params)
        mean = sum(a * b for a, b in zip(x, w, strict=True))
        shifted = as_sympy(expr).subs(_Y, mean + _SIGMA * _NOISE)
        return _independent_normal_expect(shifted, list(x) + [_NOISE])

    def natural_indices(self, params=None):
        return list(range(self._params(params)["d"]))

    def natural_parameter(self, params):
        return np.array([float(v) for v in linreg_truth(self._params(params)["d"])])

    def natural_covariance(self, params):
        # Entry (i, j) of the Fisher information involves coordinates i and j only, and
        # the design is exchangeable: the d = 2 derivation gives the diagonal and the
        # off-diagonal value for every d.
        params = self._params(params)
        small = self.fisher_information({**params, "d": 2}).subs(_SIGMA, _exact(params["sigma"]))
        diag, off = float(small[0, 0]), float(small[0, 1])
        d = params["d"]
        fisher = (diag - off) * np.eye(d) + off * np.ones((d, d))
        return np.linalg.inv(fisher)


_ETA_LIN = sp.Symbol("eta", real=True)
_T = sp.Symbol("t", real=True)


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

    name = "logistic"
    description = "logistic regression with Gaussian design; MLE"
    parameters = (Parameter("d", "dimension", 5), _DESIGN)
    estimators = ("mle",)
    natural = "beta"

    def _structure(self, params):
        return (params["d"],)

    def data_symbols(self, params=None):
        return _vector("x", self._params(params)["d"], real=True) + (_Y,)

    def theta(self, params=None):
        return _vector("beta", self._params(params)["d"], real=True)

    def _eta(self, params):
        x = _vector("x", params["d"], real=True)
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
        x = _vector("x", params["d"], real=True)
        try:
            return _independent_normal_expect(given_x, list(x))
        except ValueError:
            raise ValueError(f"logistic: E over the Gaussian design of {given_x} is not polynomial in x; "
                             "reduce it to a one-dimensional integral by rotation as fisher_information does"
                             ) from None

    def curvature_integrals(self, norm=None):
        """(a, c) = (E[g(b t) t^2], E[g(b t)]), t ~ N(0, 1), b = |beta|, as SymPy Integrals.

        Examples
        --------
        >>> a, c = get_model("logistic").curvature_integrals(sp.Integer(1))
        >>> round(_quad(a), 6), round(_quad(c), 6)
        (0.144224, 0.206621)
        """
        b = sp.Symbol("b", positive=True) if norm is None else norm
        g = self.curvature().subs(_ETA_LIN, b * _T)
        phi = _PHI.subs(_Z, _T)
        return sp.Integral(g * _T**2 * phi, (_T, -sp.oo, sp.oo)), sp.Integral(g * phi, (_T, -sp.oo, sp.oo))

    def fisher_information(self, params=None):
        """I(beta) = a u u^T + c (I - u u^T) with a, c one-dimensional Integrals (see the class doc)."""
        params = self._params(params)

        def build():
            beta = sp.Matrix(self.theta(params))
            x = _vector("x", params["d"], real=True)
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

    def natural_parameter(self, params):
        return np.array([float(v) for v in logistic_truth(self._params(params)["d"])])

    def natural_covariance(self, params):
        params = self._params(params)
        key = ("natural", params["d"])
        if key not in self._cache:
            self._cache[key] = self._natural_covariance(params["d"])
        return self._cache[key].copy()

    def _natural_covariance(self, d):
        beta = logistic_truth(d)
        norm = sp.sqrt(sum(t**2 for t in beta))
        a, c = (_quad(v) for v in self.curvature_integrals(norm))
        u = np.array([float(v / norm) for v in beta])
        fisher = a * np.outer(u, u) + c * (np.eye(d) - np.outer(u, u))
        return np.linalg.inv(fisher)


# --------------------------------------------------------------------- discrete and positive models
_P = sp.Symbol("p", positive=True)
_LAM = sp.Symbol("lambda", positive=True)
_RATE = sp.Symbol("rate", positive=True)
_XN = sp.Symbol("x", integer=True, nonnegative=True)
_XP = sp.Symbol("x", positive=True)


class Bernoulli(SymbolicModel):
    """Bernoulli(p); MLE p_hat = mean; theta = p.

    Examples
    --------
    >>> Bernoulli().asymptotic_covariance()
    Matrix([[p*(1 - p)]])
    """

    name = "bernoulli"
    description = "Bernoulli(p); MLE"
    parameters = (Parameter("p", "probability", 0.3),)
    metrics = ("risk", "absorbed", "failed")
    natural = "p"

    def data_symbols(self, params=None):
        return (_XN,)

    def theta(self, params=None):
        return (_P,)

    def _log_density(self, params):
        return _XN * sp.log(_P) + (1 - _XN) * sp.log(1 - _P)

    def truth(self, params=None):
        return {_P: _exact(self._params(params)["p"])}

    def expectation(self, expr, params=None):
        expr = as_sympy(expr)
        return sum((expr.subs(_XN, v) * _P**v * (1 - _P) ** (1 - v) for v in (0, 1)), sp.S.Zero)

    def natural_parameter(self, params):
        return np.array([self._params(params)["p"]])


class Poisson(SymbolicModel):
    """Poisson(lambda); MLE lambda_hat = mean; theta = lambda (CLI key ``lam``).

    Examples
    --------
    >>> Poisson().fisher_information()
    Matrix([[1/lambda]])
    """

    name = "poisson"
    description = "Poisson(lambda); MLE"
    parameters = (Parameter("lam", "positive", 1.0),)
    metrics = ("risk", "absorbed", "failed")
    natural = "lam"

    def data_symbols(self, params=None):
        return (_XN,)

    def theta(self, params=None):
        return (_LAM,)

    def _log_density(self, params):
        return _XN * sp.log(_LAM) - _LAM - sp.log(sp.factorial(_XN))

    def truth(self, params=None):
        return {_LAM: _exact(self._params(params)["lam"])}

    def expectation(self, expr, params=None):
        pmf = sp.exp(self._log_density(params))
        return sp.simplify(sp.summation(as_sympy(expr) * pmf, (_XN, 0, sp.oo)))

    def natural_parameter(self, params):
        return np.array([self._params(params)["lam"]])


class Exponential(SymbolicModel):
    """Exponential with rate lambda, density rate exp(-rate x); MLE rate_hat = 1/mean; theta = rate.

    Examples
    --------
    >>> Exponential().asymptotic_covariance()
    Matrix([[rate**2]])
    """

    name = "exponential"
    description = "Exponential(rate); MLE"
    parameters = (Parameter("rate", "positive", 1.0),)
    natural = "rate"

    def data_symbols(self, params=None):
        return (_XP,)

    def theta(self, params=None):
        return (_RATE,)

    def _log_density(self, params):
        return sp.log(_RATE) - _RATE * _XP

    def truth(self, params=None):
        return {_RATE: _exact(self._params(params)["rate"])}

    def expectation(self, expr, params=None):
        return sp.integrate(as_sympy(expr) * _RATE * sp.exp(-_RATE * _XP), (_XP, 0, sp.oo))

    def natural_parameter(self, params):
        return np.array([self._params(params)["rate"]])


class KernelDensity(SymbolicModel):
    """Gaussian kernel density estimate with bandwidth h; truth N(0, 1).

    The tracked functional is the mean of the fitted density, which is the sample
    mean of the data (influence function x - mu), so the symbolic face is the
    location family N(mu, 1) of the truth; V = 1. Resampling picks a data point and
    adds N(0, h^2), so the fitted density's variance is the data's variance (divisor
    m) plus h^2. The bandwidth does not shrink with n, so synthetic batches are not
    contiguous to the truth: the exact recursions of :mod:`theory.predictions`, not
    the process of THEORY.md §3, describe this model.

    Examples
    --------
    >>> sorted(map(str, KernelDensity().fitted_log_density(2).free_symbols))
    ['h', 'x', 'x1', 'x2']
    """

    name = "kde"
    description = "Gaussian kernel density estimate, bandwidth h; truth N(0, 1)"
    parameters = (Parameter("h", "positive", 0.5),)
    estimators = ("kde",)
    metrics = ("risk", "var", "failed")
    natural = "mean"

    def data_symbols(self, params=None):
        return (_XR,)

    def theta(self, params=None):
        return (_MU,)

    def _log_density(self, params):
        return _normal_log_density(_XR, _MU, sp.S.One)

    def fitted_log_density(self, m):
        """The log of the fitted density (1/m) sum_i phi_h(x - x_i) on symbolic data x_1..x_m.

        Examples
        --------
        >>> f = KernelDensity().fitted_log_density(1)
        >>> sp.exp(f.subs({s: {"x": 0, "x1": 0, "h": 1}[s.name] for s in f.free_symbols}))
        sqrt(2)/(2*sqrt(pi))
        """
        h = sp.Symbol("h", positive=True)
        data = _vector("x", m, real=True)
        return sp.log(sum(sp.exp(_normal_log_density(_XR, xi, h**2)) for xi in data) / m)

    def truth(self, params=None):
        return {_MU: sp.S.Zero}

    def expectation(self, expr, params=None):
        return _std_normal_expect(as_sympy(expr).subs(_XR, _MU + _Z))

    def _influence(self, estimator, params):
        return sp.Matrix([_XR - _MU])

    def asymptotic_covariance(self, estimator=None, params=None):
        params = self._params(params)
        self._check_estimator(estimator, params)
        psi = self._influence("kde", params)
        return (psi * psi.T).applyfunc(lambda e: sp.simplify(self.expectation(e, params)))

    def natural_parameter(self, params):
        return np.array([0.0])


# --------------------------------------------------------------------- exponential families
ETA = sp.Symbol("eta", real=True)
_MEAN_T = sp.Symbol("tbar", real=True)


@dataclass(frozen=True, eq=False)
class ExponentialFamily:
    """A one-parameter exponential family h(x) exp(eta T(x) - A(eta)) in its natural parameter eta.

    Parameters
    ----------
    name : str
        The name used by ``--set family=NAME``.
    statistic : sympy.Expr
        T(x), in the symbol ``x``.
    log_partition : sympy.Expr
        A(eta), in ``eta`` (and the family's constants).
    base_measure : sympy.Expr
        h(x).
    support : sympy.Set
        Where x lives: ``S.Naturals0``, ``Range(a, b)``, ``Interval(a, b)``, ``S.Reals``.
    natural_param_value : float
        The default truth eta_0.
    sampler_name : str or None
        The ``scipy.stats`` distribution that samples the family.
    sampler_params : dict
        ``scipy.stats`` keyword -> SymPy expression in eta and the constants.
    x, eta : sympy.Symbol
        The data symbol and the natural parameter symbol.
    eta_domain : sympy.Set
        The natural parameter space.
    constants : tuple of (Symbol, float)
        Known constants of the family (for example a gamma shape) with their defaults;
        ``--set NAME=VALUE`` (the symbol's name) changes them; a positive symbol must
        stay positive.

    Examples
    --------
    >>> fam = FAMILIES["poisson"]
    >>> fam.mean_map(), fam.fisher_information()
    (exp(eta), exp(eta))
    >>> fam.mean_to_natural_expr()
    log(tbar)
    """

    name: str
    statistic: sp.Expr
    log_partition: sp.Expr
    base_measure: sp.Expr
    support: sp.Set
    natural_param_value: float
    sampler_name: str | None
    sampler_params: dict = field(default_factory=dict)
    x: sp.Symbol = sp.Symbol("x", real=True)
    eta: sp.Symbol = ETA
    eta_domain: sp.Set = sp.S.Reals
    constants: tuple = ()

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"an exponential family needs a non-empty name, got {self.name!r}")
        consts = {c for c, _ in self.constants}
        extra = self.log_partition.free_symbols - {self.eta} - consts
        if extra:
            raise ValueError(f"family {self.name}: log_partition may depend on eta and the constants only, "
                             f"got symbols {sorted(map(str, extra))}")
        if not self.statistic.has(self.x):
            raise ValueError(f"family {self.name}: the statistic must depend on {self.x}, "
                             f"got {self.statistic}")
        if not self.eta_domain.contains(sp.nsimplify(self.natural_param_value)) == sp.true:
            raise ValueError(f"family {self.name}: natural_param_value {self.natural_param_value!r} is "
                             f"outside the natural parameter space {self.eta_domain}")

    # ----------------------------------------------------------- derived
    def log_density(self):
        """log h(x) + eta T(x) - A(eta).

        Examples
        --------
        >>> FAMILIES["geometric"].log_density()
        eta*x + log(1 - exp(eta))
        """
        return sp.log(self.base_measure) + self.eta * self.statistic - self.log_partition

    def mean_map(self):
        """A'(eta) = E T(x).

        Examples
        --------
        >>> FAMILIES["exponential"].mean_map()
        -1/eta
        """
        return sp.simplify(sp.diff(self.log_partition, self.eta))

    def fisher_information(self):
        """A''(eta) = Var T(x) = the Fisher information in eta.

        Examples
        --------
        >>> FAMILIES["bernoulli"].fisher_information()
        1/(4*cosh(eta/2)**2)
        """
        return sp.simplify(sp.diff(self.log_partition, self.eta, 2))

    def mle_variance(self):
        """V of the MLE of eta: 1/A''(eta).

        Examples
        --------
        >>> FAMILIES["gamma"].mle_variance()
        eta**2/shape
        """
        return sp.simplify(1 / self.fisher_information())

    def expectation(self, expr):
        """E expr(x) at symbolic eta, by summation or integration of the density over the support.

        For a series, exp(eta T(x)) is written u^T(x) with a positive symbol u = e^eta,
        the form in which SymPy recognises power series.

        Examples
        --------
        >>> fam = FAMILIES["poisson"]
        >>> fam.expectation(fam.x**2)
        (exp(eta) + 1)*exp(eta)
        """
        support = self.support
        if self.discrete and not (isinstance(support, sp.Range) and support.size.is_finite):
            u = sp.Dummy("u", positive=True)
            terms = as_sympy(expr) * self.base_measure * u**self.statistic
            series = sp.summation(terms, (self.x, support.inf, sp.oo)).subs(u, sp.exp(self.eta))
            return sp.simplify(self._on_domain(series) * sp.exp(-self.log_partition))
        density = self.base_measure * sp.exp(self.eta * self.statistic - self.log_partition)
        integrand = as_sympy(expr) * density
        if isinstance(support, sp.Range):
            return sp.simplify(sum((integrand.subs(self.x, v) for v in support), sp.S.Zero))
        # integrate in a positive symbol rho, eta = +-rho by the sign of the natural parameter space
        rho = sp.Dummy("rho", positive=True)
        if self.eta_domain.is_subset(sp.Interval.open(-sp.oo, 0)):
            sign = -1
        elif self.eta_domain.is_subset(sp.Interval.open(0, sp.oo)):
            sign = 1
        else:
            rho, sign = sp.Dummy("eta", real=True), 1
        value = sp.integrate(integrand.subs(self.eta, sign * rho), (self.x, support.inf, support.sup))
        return sp.simplify(self._on_domain(sp.simplify(value).subs(rho, sign * self.eta)))

    def _on_domain(self, expr):
        """Resolve Piecewise convergence conditions that hold on the whole natural parameter space."""
        def branch(*pairs):
            for value, condition in pairs:
                if condition == sp.true or (condition.free_symbols == {self.eta}
                                            and self.eta_domain.is_subset(condition.as_set())):
                    return value
            return sp.Piecewise(*pairs)

        return expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: branch(*e.args))

    @property
    def discrete(self):
        """Whether x is integer-valued (the sample mean of T can then sit on the boundary).

        Examples
        --------
        >>> FAMILIES["geometric"].discrete, FAMILIES["gamma"].discrete
        (True, False)
        """
        return isinstance(self.support, sp.Range) or self.support in (sp.S.Naturals0, sp.S.Naturals,
                                                                      sp.S.Integers)

    def constant_values(self, params=None):
        """{constant symbol: exact value}, from ``params`` (by symbol name) or the defaults.

        Examples
        --------
        >>> FAMILIES["gamma"].constant_values({"shape": 2.5})
        {shape: 5/2}
        """
        params = params or {}
        return {c: _exact(params.get(c.name, default)) for c, default in self.constants}

    def mean_to_natural_expr(self):
        """eta as a SymPy expression in the mean of T (symbol ``tbar``), or None if SymPy cannot invert A'.

        Examples
        --------
        >>> FAMILIES["geometric"].mean_to_natural_expr()
        log(tbar/(tbar + 1))
        """
        key = ("inverse", self)
        if key not in _FAMILY_CACHE:
            _FAMILY_CACHE[key] = self._solve_inverse()
        return _FAMILY_CACHE[key]

    def _solve_inverse(self):
        mean = self.mean_map()
        try:
            sols = sp.solve(sp.Eq(mean, _MEAN_T), self.eta)
        except (NotImplementedError, ValueError):
            return None
        defaults = self.constant_values()
        eta0 = sp.nsimplify(self.natural_param_value)
        t0 = mean.subs(defaults).subs(self.eta, eta0)
        for sol in sols:
            try:
                value = complex(sol.subs(defaults).subs(_MEAN_T, t0).evalf(30))
            except (TypeError, ValueError):
                continue
            if abs(value.imag) < 1e-20 and abs(value.real - float(eta0)) < 1e-12 * (1 + abs(float(eta0))):
                return sol
        return None

    def mean_to_natural(self, params=None):
        """A numpy-vectorised eta_hat(mean of T), the MLE's moment equation A'(eta_hat) = mean T.

        Lambdified from SymPy's inverse of A' when one exists, else a vectorised
        bisection on the increasing A'. Means outside the mean space give the
        boundary of the natural parameter space (for example -inf for a Poisson
        sample of zeros).

        Examples
        --------
        >>> f = FAMILIES["gamma"].mean_to_natural({"shape": 2.0})
        >>> f(np.array([1.0, 4.0])).tolist()
        [-2.0, -0.5]
        """
        consts = self.constant_values(params)
        sol = self.mean_to_natural_expr()
        if sol is not None:
            fn = sp.lambdify(_MEAN_T, sol.subs(consts), "numpy")

            def closed(t):
                with np.errstate(divide="ignore", invalid="ignore"):
                    return np.asarray(fn(np.asarray(t, dtype=float)), dtype=float) * np.ones(np.shape(t))

            return closed
        mean_fn = sp.lambdify(self.eta, self.mean_map().subs(consts), "numpy")
        lo_bound, hi_bound = float(self.eta_domain.inf), float(self.eta_domain.sup)
        eta0 = float(self.natural_param_value)
        return lambda t: _invert_increasing(mean_fn, np.asarray(t, dtype=float), eta0, lo_bound, hi_bound)

    def statistic_function(self, params=None):
        """T as a numpy-vectorised function of the data.

        Examples
        --------
        >>> FAMILIES["poisson"].statistic_function()(np.array([0, 3]))
        array([0, 3])
        """
        return sp.lambdify(self.x, self.statistic.subs(self.constant_values(params)), "numpy")

    def sampler(self, eta, params=None):
        """(``scipy.stats`` name, keyword arguments as floats) of the member with parameter ``eta``.

        Examples
        --------
        >>> FAMILIES["geometric"].sampler(-1.0)
        ('geom', {'p': 0.6321205588285577, 'loc': -1.0})
        """
        if self.sampler_name is None:
            raise ValueError(f"exponential family {self.name!r} has no scipy.stats sampler")
        subs = {**self.constant_values(params), self.eta: _exact(eta)}
        return self.sampler_name, {k: float(as_sympy(v).subs(subs).evalf(20))
                                   for k, v in self.sampler_params.items()}


_FAMILY_CACHE: dict = {}


def _quad(integral, dps=20):
    """A one-dimensional SymPy Integral over the real line, by mpmath quadrature."""
    import mpmath

    (var, lo, hi), = integral.limits
    fn = sp.lambdify(var, integral.function, "mpmath")
    with mpmath.workdps(dps):
        return float(mpmath.quad(fn, [mpmath.mpf(lo) if lo.is_finite else -mpmath.inf, 0,
                                      mpmath.mpf(hi) if hi.is_finite else mpmath.inf]))


def _invert_increasing(fn, t, eta0, lo_bound, hi_bound, steps=200):
    """Vectorised bisection for fn(eta) = t, fn increasing on (lo_bound, hi_bound).

    The bracket grows from eta0 by doubling steps (towards a finite bound, by halving
    the distance to it); a t that no finite evaluation reaches gets the bound.
    """
    def f(eta):
        with np.errstate(all="ignore"):
            return np.asarray(fn(eta), dtype=float) * np.ones(t.shape)

    def bracket(sign, bound):
        edge = np.full(t.shape, float(eta0))
        value = f(edge)
        found = np.isfinite(value) & ((value <= t) if sign < 0 else (value > t))
        for j in range(64):
            trial = eta0 + sign * 2.0**j if math.isinf(bound) else bound - (bound - eta0) * 2.0 ** (-j - 1)
            value = f(np.full(t.shape, trial))
            # only a finite value brackets: an overflowed or cancelled A' says nothing
            new = ~found & np.isfinite(value) & ((value <= t) if sign < 0 else (value > t))
            edge, found = np.where(new, trial, edge), found | new
            if found.all():
                break
        return edge, found

    lo, lo_found = bracket(-1, lo_bound)
    hi, hi_found = bracket(1, hi_bound)
    for _ in range(steps):
        mid = (lo + hi) / 2
        below = f(mid) <= t
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    out = np.where(lo_found & hi_found, (lo + hi) / 2, np.nan)
    out = np.where(~lo_found, lo_bound, out)
    return np.where(~hi_found, hi_bound, out)


_SHAPE = sp.Symbol("shape", positive=True)
_FSIGMA = sp.Symbol("sigma", positive=True)


def _builtin_families():
    xn, xp, xr = _XN, _XP, _XR
    neg = sp.Interval.open(-sp.oo, 0)
    fams = [
        ExponentialFamily("bernoulli", xn, sp.log(1 + sp.exp(ETA)), sp.S.One, sp.Range(0, 2), 0.0,
                          "bernoulli", {"p": sp.exp(ETA) / (1 + sp.exp(ETA))}, x=xn),
        ExponentialFamily("poisson", xn, sp.exp(ETA), 1 / sp.factorial(xn), sp.S.Naturals0, 0.0, "poisson",
                          {"mu": sp.exp(ETA)}, x=xn),
        ExponentialFamily("geometric", xn, -sp.log(1 - sp.exp(ETA)), sp.S.One, sp.S.Naturals0, -1.0, "geom",
                          {"p": 1 - sp.exp(ETA), "loc": sp.S.NegativeOne}, x=xn, eta_domain=neg),
        ExponentialFamily("exponential", xp, -sp.log(-ETA), sp.S.One, sp.Interval.open(0, sp.oo), -1.0,
                          "expon", {"scale": -1 / ETA}, x=xp, eta_domain=neg),
        ExponentialFamily("gamma", xp, -_SHAPE * sp.log(-ETA), xp ** (_SHAPE - 1) / sp.gamma(_SHAPE),
                          sp.Interval.open(0, sp.oo), -1.0, "gamma", {"a": _SHAPE, "scale": -1 / ETA}, x=xp,
                          eta_domain=neg, constants=((_SHAPE, 2.0),)),
        ExponentialFamily("normal", xr, _FSIGMA**2 * ETA**2 / 2,
                          sp.exp(-xr**2 / (2 * _FSIGMA**2)) / sp.sqrt(2 * sp.pi * _FSIGMA**2), sp.S.Reals,
                          0.0, "norm", {"loc": _FSIGMA**2 * ETA, "scale": _FSIGMA}, x=xr,
                          constants=((_FSIGMA, 1.0),)),
    ]
    return {f.name: f for f in fams}


FAMILIES = _builtin_families()


class ExponentialFamilyModel(SymbolicModel):
    """Any one-parameter exponential family (:class:`ExponentialFamily`); MLE; theta = eta.

    Parameters: ``family`` (a name from :attr:`families`), ``eta`` (the truth,
    default the family's ``natural_param_value``; checked against the natural
    parameter space) and the family's constants.

    Examples
    --------
    >>> model = get_model("expfam")
    >>> params = model.validate_params({"family": "gamma", "shape": "3"})
    >>> params
    {'family': 'gamma', 'eta': -1.0, 'shape': 3.0}
    >>> model.fisher_information(params)
    Matrix([[shape/eta**2]])
    >>> model.sampler(params)
    ('gamma', {'a': 3.0, 'scale': 1.0})
    """

    name = "expfam"
    description = "one-parameter exponential family given by T(x) and A(eta); MLE"
    natural = "eta"

    def __init__(self, families=None):
        super().__init__()
        self.families = dict(FAMILIES if families is None else families)

    def with_family(self, family):
        """A model that also knows ``family`` (replacing a family of the same name).

        Examples
        --------
        >>> x = sp.Symbol("x", positive=True)
        >>> rayleigh = ExponentialFamily("rayleigh-square", x**2, -sp.log(-2 * ETA), x, sp.Interval.open(0, sp.oo),
        ...                              -0.5, "rayleigh", {"scale": 1 / sp.sqrt(-2 * ETA)}, x=x,
        ...                              eta_domain=sp.Interval.open(-sp.oo, 0))
        >>> model = get_model("expfam").with_family(rayleigh)
        >>> model.fisher_information({"family": "rayleigh-square"})
        Matrix([[eta**(-2)]])
        """
        if not isinstance(family, ExponentialFamily):
            raise TypeError(f"expected an ExponentialFamily, got {family!r}")
        return ExponentialFamilyModel({**self.families, family.name: family})

    @property
    def parameters(self):
        fam = self.families["poisson"] if "poisson" in self.families else next(iter(self.families.values()))
        return self._family_parameters(fam)

    def _family_parameters(self, fam):
        specs = [Parameter("family", "choice", fam.name, tuple(self.families)),
                 Parameter("eta", "real", float(fam.natural_param_value))]
        for c, default in fam.constants:
            specs.append(Parameter(c.name, "positive" if c.is_positive else "real", float(default)))
        return tuple(specs)

    def _parameter_specs(self, raw):
        name = raw.get("family", self.parameters[0].default)
        if not isinstance(name, str) or name not in self.families:
            raise ValueError(f"expfam: parameter family must be one of {', '.join(self.families)}, "
                             f"got {name!r}")
        return {p.name: p for p in self._family_parameters(self.families[name])}

    def validate_params(self, raw=None):
        params = super().validate_params(raw)
        fam = self.families[params["family"]]
        if not fam.eta_domain.contains(_exact(params["eta"])) == sp.true:
            value = (raw or {}).get("eta", params["eta"])
            raise ValueError(f"expfam: parameter eta must lie in {fam.eta_domain} for family {fam.name}, "
                             f"got {value!r}")
        return params

    def family(self, params=None):
        """The :class:`ExponentialFamily` named by ``params``.

        Examples
        --------
        >>> get_model("expfam").family({"family": "normal"}).log_partition
        eta**2*sigma**2/2
        """
        return self.families[self._params(params)["family"]]

    def _structure(self, params):
        return (params["family"],)

    def data_symbols(self, params=None):
        return (self.family(params).x,)

    def theta(self, params=None):
        return (self.family(params).eta,)

    def _log_density(self, params):
        return self.families[params["family"]].log_density()

    def truth(self, params=None):
        params = self._params(params)
        fam = self.families[params["family"]]
        return {fam.eta: _exact(params["eta"]), **fam.constant_values(params)}

    def expectation(self, expr, params=None):
        expr = as_sympy(expr)
        fam = self.family(params)
        return expr if not expr.has(fam.x) else fam.expectation(expr)

    def natural_parameter(self, params):
        return np.array([self._params(params)["eta"]])

    def mean_to_natural(self, params=None):
        """The MLE map mean of T -> eta_hat, numpy-vectorised (:meth:`ExponentialFamily.mean_to_natural`).

        Examples
        --------
        >>> get_model("expfam").mean_to_natural({"family": "poisson"})(np.array([1.0, np.e]))
        array([0., 1.])
        """
        params = self._params(params)
        return self.families[params["family"]].mean_to_natural(params)

    def statistic_function(self, params=None):
        """T(x) as a numpy-vectorised function.

        Examples
        --------
        >>> get_model("expfam").statistic_function({"family": "gamma"})(np.array([0.5]))
        array([0.5])
        """
        params = self._params(params)
        return self.families[params["family"]].statistic_function(params)

    def sampler(self, params=None):
        """(``scipy.stats`` name, keyword arguments) of the truth.

        Examples
        --------
        >>> get_model("expfam").sampler({"family": "poisson", "eta": 0})
        ('poisson', {'mu': 1.0})
        """
        params = self._params(params)
        return self.families[params["family"]].sampler(params["eta"], params)


# --------------------------------------------------------------------- registry
_MODELS = {cls.name: cls for cls in (GaussianMean, Gaussian, MultivariateNormal, LinearRegression,
                                      LogisticRegression, Bernoulli, Poisson, Exponential,
                                      ExponentialFamilyModel, KernelDensity)}
_INSTANCES: dict = {}


def get_model(name):
    """The symbolic face of the model with CLI name ``name``.

    Examples
    --------
    >>> get_model("poisson").estimators
    ('mle',)
    >>> get_model("gauss")
    Traceback (most recent call last):
    ...
    ValueError: unknown model 'gauss'; models are gaussian-mean, gaussian, mvn, linreg, logistic, \
bernoulli, poisson, exponential, expfam, kde
    """
    if isinstance(name, SymbolicModel):
        return name
    if not isinstance(name, str) or name not in _MODELS:
        raise ValueError(f"unknown model {name!r}; models are {', '.join(MODEL_NAMES)}")
    if name not in _INSTANCES:
        _INSTANCES[name] = _MODELS[name]()
    return _INSTANCES[name]
