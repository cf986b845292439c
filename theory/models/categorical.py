"""The categorical model over K categories: its truth and its symbolic face.

Data are category labels 1..K drawn from a probability vector p; the estimator is
the vector of empirical frequencies (the MLE), optionally with add-alpha smoothing
(q_i = (c_i + alpha)/(m + K alpha)). The truth is set by ``--set`` parameters
(defaults in brackets; the declaration is in :mod:`theory.models.vocabularies`):

===========  ===============================================================================
``truth``    ``zipf`` [default]: p_i proportional to i^-beta; ``uniform``: p_i = 1/K; or the
             path of a file holding the probabilities (``.json``: a list; any other
             extension: numbers separated by commas, spaces or new lines, ``#`` comments).
             File values are read as exact rationals; they must be non-negative and sum to
             1 (within 1e-6; they are then renormalised exactly).
``beta``     the Zipf exponent [1.5], positive
``K``        the number of categories [1000] (a file sets it)
``alpha``    the add-alpha smoothing [0], at least 0
``T``        the memoriser's training draws [the size of the real data R0]
===========  ===============================================================================

The metrics of a simulation (DESIGN.md): ``risk`` = E sum_i (q_i - p_i)^2, ``tv`` (total
variation to the truth), ``kl`` = KL(p || q) averaged over the replicates where it is
finite, ``kl_infinite`` (the share of replicates where a category of positive mass is
lost, making KL infinite), ``lost_mass`` (true mass of the categories the fit gives
0), ``support`` (categories with q_i > 0), ``memorizer_error`` = sum_i p_i (1 - q_i)^T
(the test error of a model that memorises the labels of T inputs drawn from the fit;
Dohmatob et al. 2024) and ``failed`` (always 0). A workflow that curates adds
``reward`` (the fit's expected reward) and ``entropy`` (of the fit, in nats).

Examples
--------
>>> model = get_model("categorical")
>>> params = model.validate_params({"truth": "zipf", "beta": "2", "K": "3"})
>>> [str(x) for x in categorical_truth(params).exact]
['36/49', '9/49', '4/49']
>>> 1 - categorical_truth(params).sum_p2, model.risk1(params, 10) == float(Fraction(144, 3430))
(Fraction(144, 343), True)
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np
import sympy as sp

from ..rationals import as_sympy, to_rational
from .base import SymbolicModel
from .registry import get_model, symbolic_face  # noqa: F401  (the examples use get_model)
from .vocabularies import CATEGORICAL_METRICS, CURATION_METRICS, read_probabilities, truth_file_stamp, truth_floats

__all__ = ["CategoricalModel", "CategoricalTruth", "categorical_truth", "CATEGORICAL_METRICS", "CURATION_METRICS",
           "SYMBOLIC_K_MAX"]

SYMBOLIC_K_MAX = 12           # the symbolic face derives Fisher information and V for K up to this
_EXACT_K_MAX = 5000           # exact rational truths up to this K (Zipf with an integer exponent, files)


@dataclass(frozen=True, eq=False)
class CategoricalTruth:
    """The truth of a categorical model.

    Attributes
    ----------
    p : numpy.ndarray
        The probabilities, float64.
    exact : list of Fraction or None
        The probabilities as exact rationals where they are rational and K is moderate.
    sum_p2 : Fraction or float
        sum_i p_i^2 (exact when ``exact`` is).
    description : str
    """

    p: np.ndarray
    exact: list | None
    sum_p2: Fraction | float
    description: str

    @property
    def K(self):
        return len(self.p)

    @property
    def uniform(self):
        """Whether every category has the same probability."""
        return bool(np.all(self.p == self.p[0]))


@symbolic_face("categorical")
class CategoricalModel(SymbolicModel):
    """The categorical model's symbolic face: theta = p = (p_1, ..., p_K), the natural parameter.

    The log-density lives on the free coordinates (p_1, ..., p_{K-1}), p_K = 1 - sum of
    them: the Fisher information is derived there by SymPy (for K up to
    :data:`SYMBOLIC_K_MAX`), V_free = I^-1, and V on the whole vector follows from
    p_K = 1 - sum: Cov(p_K, p_i) = -sum_j V_ij, Var p_K = sum_ij V_ij. The result is
    V = diag(p) - p p^T, so one fit on m points has risk trace(V)/m = (1 - sum p^2)/m
    for every K.

    Examples
    --------
    >>> model = get_model("categorical")
    >>> model.asymptotic_covariance(None, {"K": 3, "truth": "uniform"})
    Matrix([
    [-p1*(p1 - 1),       -p1*p2,      -p1*p3],
    [      -p1*p2, -p2*(p2 - 1),      -p2*p3],
    [      -p1*p3,       -p2*p3, p3*(1 - p3)]])
    """

    def _structure(self, params):
        return (params["K"],)

    def _symbols(self, K):
        if K > SYMBOLIC_K_MAX:
            raise ValueError(f"categorical: the symbolic face is built for K up to {SYMBOLIC_K_MAX} categories, "
                             f"got K = {K}; for any K, V = diag(p) - p p^T on the natural parameter p")
        return tuple(sp.Symbol(f"p{i}", positive=True) for i in range(1, K + 1))

    def data_symbols(self, params=None):
        return (sp.Symbol("x", integer=True, positive=True),)

    def theta(self, params=None):
        """All K probabilities (the natural parameter)."""
        return self._symbols(self._params(params)["K"])

    def free(self, params=None):
        """The free coordinates p_1, ..., p_{K-1} of the log-density."""
        return self.theta(params)[:-1]

    def _last(self, params):
        return 1 - sum(self.free(params), sp.S.Zero)

    def _log_density(self, params):
        x, = self.data_symbols()
        free = self.free(params)
        K = len(free) + 1
        return (sum((sp.KroneckerDelta(x, i + 1) * sp.log(t) for i, t in enumerate(free)), sp.S.Zero)
                + sp.KroneckerDelta(x, K) * sp.log(self._last(params)))

    def score(self, params=None):
        """The score in the free coordinates."""
        params = self._params(params)
        return sp.Matrix([sp.diff(self._log_density(params), t) for t in self.free(params)])

    def fisher_information(self, params=None):
        """Per-observation Fisher information in the free coordinates p_1, ..., p_{K-1}."""
        params = self._params(params)

        def build():
            hess = sp.hessian(self._log_density(params), self.free(params))
            return (-hess).applyfunc(lambda e: self._tidy(self.expectation(e, params)))

        return self._cached(("fisher", self._structure(params)), build)

    def _full(self, params, matrix):
        """A (K-1) x (K-1) covariance of the free coordinates, extended to all K (p_K = 1 - sum), in p symbols."""
        K = len(self.theta(params))
        last = self.theta(params)[-1]
        rest = sum(self.free(params), sp.S.Zero)
        out = sp.zeros(K, K)
        out[:K - 1, :K - 1] = matrix
        for i in range(K - 1):
            out[i, K - 1] = out[K - 1, i] = -sum(matrix[i, :])
        out[K - 1, K - 1] = sum(matrix)
        return out.applyfunc(lambda e: sp.factor(e).subs(rest, 1 - last))

    def _influence(self, estimator, params):
        x, = self.data_symbols()
        return sp.Matrix([sp.KroneckerDelta(x, i + 1) - t for i, t in enumerate(self.theta(params))])

    def asymptotic_covariance(self, estimator=None, params=None):
        """V of the empirical frequencies on the whole vector p: J I^-1 J^T (I in the free coordinates)."""
        params = self._params(params)
        self._check_estimator(estimator, params)
        return self._cached(("V", self._structure(params)),
                            lambda: self._full(params, sp.simplify(self.fisher_information(params).inv())))

    def truth(self, params=None):
        params = self._params(params)
        values = categorical_truth(params)
        exact = values.exact or [sp.Float(v, 17) for v in values.p]
        return {t: as_sympy(v) if isinstance(v, Fraction) else v
                for t, v in zip(self.theta(params), exact, strict=True)}

    def expectation(self, expr, params=None):
        params = self._params(params)
        x, = self.data_symbols()
        probs = list(self.free(params)) + [self._last(params)]
        return sum((as_sympy(expr).subs(x, i + 1) * q for i, q in enumerate(probs)), sp.S.Zero)

    def _tidy(self, expr):
        return sp.factor(sp.simplify(expr))

    def natural_indices(self, params=None):
        return list(range(len(self.theta(params))))

    def natural_parameter(self, params=None):
        return categorical_truth(self._params(params)).p

    def natural_covariance(self, params):
        """V = diag(p) - p p^T at the truth, as a float array (K x K)."""
        p = categorical_truth(self._params(params)).p
        if len(p) > 4096:
            raise ValueError(f"categorical: V is a dense K x K matrix; K = {len(p)} is too large to build "
                             "(its trace is 1 - sum p^2)")
        return np.diag(p) - np.outer(p, p)

    def risk1(self, params, m):
        """E sum_i (q_i - p_i)^2 of one fit on ``m`` points: (1 - sum p^2)/m, exact for every K."""
        if isinstance(m, bool) or not isinstance(m, int | float | Fraction) or not m > 0:
            raise ValueError(f"the number of points m must be positive, got {m!r}")
        return float(1 - categorical_truth(self._params(params)).sum_p2) / float(m)


# --------------------------------------------------------------------------- truths
def categorical_truth(params):
    """The truth set by validated parameters (cached).

    Parameters
    ----------
    params : dict
        The categorical model's validated parameters (``truth``, ``K``, ``beta``).

    Returns
    -------
    CategoricalTruth
        The probabilities as floats (``p``), exactly where K allows, and ``sum_p2``.

    Examples
    --------
    >>> t = categorical_truth({"truth": "uniform", "K": 4, "beta": 1.5})
    >>> t.sum_p2, t.description, t.uniform
    (Fraction(1, 4), 'uniform over K = 4', True)
    """
    truth, K, beta = params["truth"], int(params["K"]), params.get("beta", 1.5)
    if truth == "zipf":
        return _zipf(K, to_rational(beta), truth_floats({"truth": truth, "K": K, "beta": beta}))
    if truth == "uniform":
        return _uniform(K)
    try:
        return _from_file(truth, *truth_file_stamp(truth))
    except ValueError as err:
        raise ValueError(f"categorical: truth file {truth!r}: {err}") from None


@lru_cache(maxsize=32)
def _zipf(K, beta, floats):
    desc = f"Zipf over K = {K}, p_i proportional to i^-{_spell(beta)}"
    p = np.array(floats)
    if beta.denominator == 1 and K <= _EXACT_K_MAX:
        weights = [Fraction(1, i ** int(beta)) for i in range(1, K + 1)]
        total = sum(weights, Fraction(0))
        exact = [w / total for w in weights]
        return CategoricalTruth(p, exact, sum(x * x for x in exact), desc)
    return CategoricalTruth(p, None, math.fsum(p * p), desc)


@lru_cache(maxsize=32)
def _uniform(K):
    return CategoricalTruth(np.array(truth_floats({"truth": "uniform", "K": K})),
                            [Fraction(1, K)] * K if K <= _EXACT_K_MAX else None,
                            Fraction(1, K), f"uniform over K = {K}")


@lru_cache(maxsize=16)
def _from_file(path, mtime, size):
    exact = list(read_probabilities(path, mtime, size))
    p = np.array(truth_floats({"truth": path, "K": len(exact)}))
    small = len(exact) <= _EXACT_K_MAX
    return CategoricalTruth(p, exact if small else None,
                            sum((x * x for x in exact), Fraction(0)) if small else math.fsum(p * p),
                            f"the {len(exact)} probabilities of {os.path.basename(path)}")


def _spell(q):
    return str(q.numerator) if q.denominator == 1 else f"{float(q):g}"

