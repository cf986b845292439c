"""The canonical models of THEORY.md §4, each declared once (light: no SymPy, SciPy or numpy).

Every model is a :class:`~theory.models.registry.ModelSpec` declared in
:data:`~theory.models.registry.MODELS`: name, parameters and defaults (the
``--set`` keys of ``pi2over6 simulate``), estimators, metrics, the natural
parameter and its true value as floats, and the concept module holding its faces
(``theory.models.<module>``, ``numerics.models.<module>``).

The true coefficients of the regressions are irrational; here they are the floats
nearest to the exact values (decimal arithmetic at 40 digits, then one rounding),
the exact values being the symbolic faces' :func:`~theory.models.regression.linreg_truth`
and :func:`~theory.models.regression.logistic_truth`.

The ``expfam`` model's parameters depend on the family (``--set family=NAME``):
``eta`` with the family's default and its constants. The built-in families'
numbers (default eta, natural parameter space, constants) are declared here as
:class:`FamilyHeader` s; their SymPy expressions are in :mod:`theory.models.expfam`,
built from these headers.

Examples
--------
>>> MODELS["linreg"].natural_parameter({"d": 4})
(0.5, 0.5, 0.5, 0.5)
>>> MODELS["expfam"].validate({"family": "gamma", "shape": "3"})
{'family': 'gamma', 'eta': -1.0, 'shape': 3.0}
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from .registry import MODELS, ModelSpec, Parameter

__all__ = ["FamilyHeader", "FAMILY_HEADERS", "ExponentialFamilySpec", "family_parameters", "eta_outside",
           "linreg_theta0", "logistic_theta0", "logistic_raw_direction"]


# --------------------------------------------------------------------- true coefficients as floats
def _nearest_float(value: Fraction, norm_sq: Fraction):
    """The float nearest value / sqrt(norm_sq), through 40-digit decimal arithmetic."""
    with localcontext() as ctx:
        ctx.prec = 40
        norm = (Decimal(norm_sq.numerator) / Decimal(norm_sq.denominator)).sqrt()
        return float(Decimal(value.numerator) / Decimal(value.denominator) / norm)


def linreg_theta0(d):
    """w0 = (1, ..., 1)/sqrt(d) as floats (unit norm: the signal variance Var(x^T w0) is 1).

    Examples
    --------
    >>> linreg_theta0(4)
    (0.5, 0.5, 0.5, 0.5)
    """
    return (_nearest_float(Fraction(1), Fraction(d)),) * d


def logistic_raw_direction(d):
    """(1, -1, 1/2, -1/2, 1/3, ...): the direction of the logistic truth, before normalising.

    Examples
    --------
    >>> [str(r) for r in logistic_raw_direction(4)]
    ['1', '-1', '1/2', '-1/2']
    """
    return [Fraction((-1) ** i, i // 2 + 1) for i in range(d)]


def logistic_theta0(d):
    """beta0 proportional to (1, -1, 1/2, -1/2, ...), unit norm (so x^T beta0 ~ N(0, 1)), as floats.

    Examples
    --------
    >>> logistic_theta0(2)
    (0.7071067811865476, -0.7071067811865476)
    """
    raw = logistic_raw_direction(d)
    norm_sq = sum(r * r for r in raw)
    return tuple(_nearest_float(r, norm_sq) for r in raw)


# --------------------------------------------------------------------- exponential families
@dataclass(frozen=True)
class FamilyHeader:
    """The numbers of a one-parameter exponential family that validating its parameters needs.

    Parameters
    ----------
    name : str
        The ``--set family=NAME`` spelling.
    eta : float
        The default truth eta_0.
    eta_low, eta_high : float
        The natural parameter space, the open interval (eta_low, eta_high).
    constants : tuple of Parameter
        Known constants of the family (a gamma shape, a normal sigma), with defaults.
    """

    name: str
    eta: float
    eta_low: float = -math.inf
    eta_high: float = math.inf
    constants: tuple[Parameter, ...] = ()

    @property
    def eta_domain_text(self):
        """The natural parameter space, spelled as SymPy prints it."""
        if math.isinf(self.eta_low) and math.isinf(self.eta_high):
            return "Reals"

        def end(x):
            return ("-oo" if x < 0 else "oo") if math.isinf(x) else f"{x:g}"

        return f"Interval.open({end(self.eta_low)}, {end(self.eta_high)})"


_NEGATIVE = {"eta_low": -math.inf, "eta_high": 0.0}
FAMILY_HEADERS = {h.name: h for h in (
    FamilyHeader("bernoulli", 0.0),
    FamilyHeader("poisson", 0.0),
    FamilyHeader("geometric", -1.0, **_NEGATIVE),
    FamilyHeader("exponential", -1.0, **_NEGATIVE),
    FamilyHeader("gamma", -1.0, **_NEGATIVE, constants=(Parameter("shape", "positive", 2.0),)),
    FamilyHeader("normal", 0.0, constants=(Parameter("sigma", "positive", 1.0),)),
)}
"""The built-in families' numbers (the SymPy families of :data:`theory.models.expfam.FAMILIES` use them)."""

_DEFAULT_FAMILY = "poisson"


def family_parameters(headers, raw=None):
    """The ``expfam`` parameters for the family named in ``raw``: family, eta, then the family's constants.

    Parameters
    ----------
    headers : dict
        Family name -> :class:`FamilyHeader`, the families to choose from.
    raw : mapping or None
        Parameter values; its ``family`` (default ``poisson``, or the first family)
        selects the parameters.

    Returns
    -------
    tuple of Parameter

    Raises
    ------
    ValueError
        If ``raw`` names a family not in ``headers``.

    Examples
    --------
    >>> [str(p) for p in family_parameters(FAMILY_HEADERS, {"family": "gamma"})][1:]
    ['eta [-1.0]', 'shape [2.0]']
    """
    default = _DEFAULT_FAMILY if _DEFAULT_FAMILY in headers else next(iter(headers))
    name = raw.get("family", default) if hasattr(raw, "get") else default
    if not isinstance(name, str) or name not in headers:
        raise ValueError(f"expfam: parameter family must be one of {', '.join(headers)}, got {name!r}")
    return (Parameter("family", "choice", default, tuple(headers)), Parameter("eta", "real", headers[name].eta),
            *headers[name].constants)


def eta_outside(family, domain, raw, params):
    """The error for an eta outside the natural parameter space ``domain`` (repeating the value given)."""
    value = raw.get("eta", params["eta"]) if hasattr(raw, "get") else params["eta"]
    return ValueError(f"expfam: parameter eta must lie in {domain} for family {family}, got {value!r}")


@dataclass(frozen=True, eq=False, repr=False)
class ExponentialFamilySpec(ModelSpec):
    """The ``expfam`` declaration: parameters that follow the family, eta checked against its space."""

    families: tuple[FamilyHeader, ...] = ()

    def _headers(self):
        return {h.name: h for h in self.families}

    def parameter_specs(self, raw=None):
        return {p.name: p for p in family_parameters(self._headers(), raw)}

    def describe_parameters(self, max_choices=None):
        constants = "; ".join(f"{h.name}: {', '.join(map(str, h.constants))}" for h in self.families if h.constants)
        text = super().describe_parameters(max_choices)
        return f"{text} (eta's default and constants follow the family; {constants})" if max_choices is None else text

    def validate(self, raw=None):
        params = super().validate(raw)
        head = self._headers()[params["family"]]
        if not head.eta_low < params["eta"] < head.eta_high:
            raise eta_outside(head.name, head.eta_domain_text, raw, params)
        return params


# --------------------------------------------------------------------- the declarations
def _value(key):
    return lambda params: (params[key],)


_DESIGN = Parameter("design", "choice", "fixed", ("fixed", "fresh"))

MODELS.declare(ModelSpec(
    "gaussian-mean", "gaussian", "N(mu, sigma^2), sigma known; sample mean or sample median",
    (Parameter("mu", "real", 0.0), Parameter("sigma", "positive", 1.0),
     Parameter("estimator", "choice", "mean", ("mean", "median"))),
    "mu", _value("mu"), estimators=("mean", "median")))
MODELS.declare(ModelSpec(
    "gaussian", "gaussian", "N(mu, sigma^2), both unknown; MLE or unbiased variance",
    (Parameter("mu", "real", 0.0), Parameter("sigma", "positive", 1.0),
     Parameter("estimator", "choice", "mle", ("mle", "unbiased"))),
    "mu", _value("mu"), estimators=("mle", "unbiased"), metrics=("risk", "sigma2", "sigma", "w2sq")))
MODELS.declare(ModelSpec(
    "mvn", "gaussian", "N_d(mu, Sigma); MLE or unbiased covariance; truth mu = 0, Sigma = I_d",
    (Parameter("d", "dimension", 2), Parameter("estimator", "choice", "mle", ("mle", "unbiased"))),
    "mu", lambda params: (0.0,) * params["d"], estimators=("mle", "unbiased"),
    metrics=("risk", "trace_ratio", "det_ratio")))
MODELS.declare(ModelSpec(
    "linreg", "regression", "linear regression with Gaussian design; least squares or ridge",
    (Parameter("d", "dimension", 5), Parameter("sigma", "positive", 1.0), _DESIGN,
     Parameter("lam", "nonnegative", 0.0, help="ridge penalty (normalised form)"),
     Parameter("shift", "real", 0.0, help="synthetic batches come from the fit plus shift e_1")),
    "w", lambda params: linreg_theta0(params["d"]), estimators=("ols",)))
MODELS.declare(ModelSpec(
    "logistic", "regression", "logistic regression with Gaussian design; MLE",
    (Parameter("d", "dimension", 5), _DESIGN),
    "beta", lambda params: logistic_theta0(params["d"])))
MODELS.declare(ModelSpec(
    "bernoulli", "counts", "Bernoulli(p); MLE", (Parameter("p", "probability", 0.3),),
    "p", _value("p"), metrics=("risk", "absorbed")))
MODELS.declare(ModelSpec(
    "poisson", "counts", "Poisson(lambda); MLE", (Parameter("lam", "positive", 1.0),),
    "lam", _value("lam"), metrics=("risk", "absorbed")))
MODELS.declare(ModelSpec(
    "exponential", "counts", "Exponential(rate); MLE", (Parameter("rate", "positive", 1.0),),
    "rate", _value("rate")))
MODELS.declare(ExponentialFamilySpec(
    "expfam", "expfam", "one-parameter exponential family given by T(x) and A(eta); MLE",
    family_parameters(FAMILY_HEADERS), "eta", _value("eta"),
    families=tuple(FAMILY_HEADERS.values())))
MODELS.declare(ModelSpec(
    "kde", "kde", "Gaussian kernel density estimate, bandwidth h; truth N(0, 1)",
    (Parameter("h", "positive", 0.5),), "mean", lambda params: (0.0,), estimators=("kde",),
    metrics=("risk", "var")))
