"""The exponential-family model's symbolic face: any one-parameter family h(x) exp(eta T(x) - A(eta)).

An :class:`ExponentialFamily` is given by SymPy expressions: the statistic T, the
log-partition A, the base measure h, the support and the natural parameter space.
Its mean map A', Fisher information A'' and expectations are derived from them,
and the MLE's moment equation ``A'(eta_hat) = mean T`` is inverted by SymPy where
it can be (:meth:`ExponentialFamily.mean_to_natural_expr`). The risk is measured
on the natural parameter eta, so ``V = 1/A''(eta)``.

Built-in families (:data:`FAMILIES`): ``bernoulli``, ``poisson``, ``geometric``
(failures before the first success), ``exponential``, ``gamma`` (known ``shape``)
and ``normal`` (known ``sigma``). Their numbers (default eta, natural parameter
space, constants) are declared with the model in :mod:`theory.models.catalogue`;
others are built in Python and added with :meth:`ExponentialFamilyModel.with_family`.
How a family is sampled, and the numeric MLE map, belong to the numeric face
(:mod:`numerics.models.expfam`).

Examples
--------
>>> model = get_model("expfam")
>>> params = model.validate_params({"family": "gamma", "shape": "3"})
>>> params
{'family': 'gamma', 'eta': -1.0, 'shape': 3.0}
>>> model.fisher_information(params)
Matrix([[shape/eta**2]])
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from ..rationals import as_sympy, to_sympy_rational
from .base import X_COUNT, X_POSITIVE, X_REAL, SymbolicModel
from .catalogue import FAMILY_HEADERS, FamilyHeader, eta_outside, family_parameters
from .registry import Parameter, get_model, symbolic_face, validate_parameters  # noqa: F401  (examples: get_model)

__all__ = ["ETA", "MEAN_T", "ExponentialFamily", "FAMILIES", "ExponentialFamilyModel"]

ETA = sp.Symbol("eta", real=True)
"""The natural parameter of the built-in families."""
MEAN_T = sp.Symbol("tbar", real=True)
"""The mean of T, the variable of :meth:`ExponentialFamily.mean_to_natural_expr`."""


@dataclass(frozen=True, eq=False, repr=False)
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
    >>> fam
    ExponentialFamily('poisson': T(x) = x, A(eta) = exp(eta), eta in Reals)
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

    def __repr__(self):
        return (f"ExponentialFamily({self.name!r}: T({self.x}) = {self.statistic}, A({self.eta}) = "
                f"{self.log_partition}, {self.eta} in {self.eta_domain})")

    @property
    def header(self):
        """The family's numbers that validation needs (:class:`~theory.models.catalogue.FamilyHeader`).

        Examples
        --------
        >>> FAMILIES["gamma"].header == FAMILY_HEADERS["gamma"]
        True
        """
        return FamilyHeader(self.name, float(self.natural_param_value), float(self.eta_domain.inf),
                            float(self.eta_domain.sup),
                            tuple(Parameter(c.name, "positive" if c.is_positive else "real", float(default))
                                  for c, default in self.constants))

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
        return {c: to_sympy_rational(params.get(c.name, default)) for c, default in self.constants}

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
            sols = sp.solve(sp.Eq(mean, MEAN_T), self.eta)
        except (NotImplementedError, ValueError):
            return None
        defaults = self.constant_values()
        eta0 = sp.nsimplify(self.natural_param_value)
        t0 = mean.subs(defaults).subs(self.eta, eta0)
        for sol in sols:
            try:
                value = complex(sol.subs(defaults).subs(MEAN_T, t0).evalf(30))
            except (TypeError, ValueError):
                continue
            if abs(value.imag) < 1e-20 and abs(value.real - float(eta0)) < 1e-12 * (1 + abs(float(eta0))):
                return sol
        return None


_FAMILY_CACHE: dict = {}
_CONSTANT_SYMBOLS = {"shape": sp.Symbol("shape", positive=True), "sigma": sp.Symbol("sigma", positive=True)}


def _builtin(name, statistic, log_partition, base_measure, support, x):
    """A built-in family, its numbers taken from its header in the catalogue."""
    head = FAMILY_HEADERS[name]

    def end(value):
        return math.copysign(1, value) * sp.oo if math.isinf(value) else sp.Rational(value)

    constants = tuple((_CONSTANT_SYMBOLS[c.name], c.default) for c in head.constants)
    low, high = end(head.eta_low), end(head.eta_high)
    domain = sp.S.Reals if (low, high) == (-sp.oo, sp.oo) else sp.Interval.open(low, high)
    return ExponentialFamily(name, statistic, log_partition, base_measure, support, head.eta, x=x,
                             eta_domain=domain, constants=constants)


def _builtin_families():
    xn, xp, xr = X_COUNT, X_POSITIVE, X_REAL
    shape, sigma = _CONSTANT_SYMBOLS["shape"], _CONSTANT_SYMBOLS["sigma"]
    fams = [
        _builtin("bernoulli", xn, sp.log(1 + sp.exp(ETA)), sp.S.One, sp.Range(0, 2), xn),
        _builtin("poisson", xn, sp.exp(ETA), 1 / sp.factorial(xn), sp.S.Naturals0, xn),
        _builtin("geometric", xn, -sp.log(1 - sp.exp(ETA)), sp.S.One, sp.S.Naturals0, xn),
        _builtin("exponential", xp, -sp.log(-ETA), sp.S.One, sp.Interval.open(0, sp.oo), xp),
        _builtin("gamma", xp, -shape * sp.log(-ETA), xp ** (shape - 1) / sp.gamma(shape),
                 sp.Interval.open(0, sp.oo), xp),
        _builtin("normal", xr, sigma**2 * ETA**2 / 2,
                 sp.exp(-xr**2 / (2 * sigma**2)) / sp.sqrt(2 * sp.pi * sigma**2), sp.S.Reals, xr),
    ]
    return {f.name: f for f in fams}


FAMILIES = _builtin_families()
"""The built-in families by name."""


@symbolic_face("expfam")
class ExponentialFamilyModel(SymbolicModel):
    """Any one-parameter exponential family (:class:`ExponentialFamily`); MLE; theta = eta.

    Parameters: ``family`` (a name from :attr:`families`), ``eta`` (the truth,
    default the family's ``natural_param_value``; checked against the natural
    parameter space) and the family's constants.

    Examples
    --------
    >>> model = ExponentialFamilyModel()
    >>> model.validate_params({"family": "geometric", "eta": "-0.5"})
    {'family': 'geometric', 'eta': -0.5}
    >>> model.asymptotic_covariance(params={"family": "exponential"})
    Matrix([[eta**2]])
    """

    def __init__(self, families=None):
        super().__init__()
        self.families = dict(FAMILIES if families is None else families)
        self._headers = {name: fam.header for name, fam in self.families.items()}

    def with_family(self, family):
        """A model that also knows ``family`` (replacing a family of the same name).

        Examples
        --------
        >>> x = sp.Symbol("x", positive=True)
        >>> rayleigh = ExponentialFamily("rayleigh-square", x**2, -sp.log(-2 * ETA), x, sp.Interval.open(0, sp.oo),
        ...                              -0.5, x=x, eta_domain=sp.Interval.open(-sp.oo, 0))
        >>> model = ExponentialFamilyModel().with_family(rayleigh)
        >>> model.fisher_information({"family": "rayleigh-square"})
        Matrix([[eta**(-2)]])
        """
        if not isinstance(family, ExponentialFamily):
            raise TypeError(f"expected an ExponentialFamily, got {family!r}")
        return ExponentialFamilyModel({**self.families, family.name: family})

    @property
    def parameters(self):
        return family_parameters(self._headers)

    def validate_params(self, raw=None):
        params = validate_parameters(self.name, {p.name: p for p in family_parameters(self._headers, raw)}, raw)
        fam = self.families[params["family"]]
        if not fam.eta_domain.contains(to_sympy_rational(params["eta"])) == sp.true:
            raise eta_outside(fam.name, fam.eta_domain, raw, params)
        return params

    def family(self, params=None):
        """The :class:`ExponentialFamily` named by ``params``.

        Examples
        --------
        >>> ExponentialFamilyModel().family({"family": "normal"}).log_partition
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
        return {fam.eta: to_sympy_rational(params["eta"]), **fam.constant_values(params)}

    def expectation(self, expr, params=None):
        expr = as_sympy(expr)
        fam = self.family(params)
        return expr if not expr.has(fam.x) else fam.expectation(expr)
