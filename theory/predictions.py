"""What the toolkit predicts for a simulation: exact finite-n values where they exist, else asymptotic.

:func:`predict` returns, for a model, its parameters and a workflow (rounded to
whole points at the base size n, as a simulation runs it), one value per
generation for every metric the model declares (DESIGN.md), and says for each
whether it is exact at this n or asymptotic (``risk_1 R_k`` from the process of
THEORY.md §3). Each model's exact predictions are a function registered with
``@_predicts(name)``; a declared model without one gets the asymptotic risk and
no prediction for its other metrics.

The exact values are derived, not typed in: the moment recursions and
distributional moments of :mod:`theory.moments` and the absorption chains of
:mod:`theory.absorption`. Which predictions are exact ("discard" means any
discard-shaped workflow: each generation fits the whole previous synthetic batch
alone):

=================  ==========================================================================
model              exact at finite n (everything else asymptotic, or None where stated)
=================  ==========================================================================
``gaussian-mean``  risk under every workflow (sample mean); the median is asymptotic
``gaussian``       discard: risk, sigma2, sigma, w2sq; every other workflow: risk and sigma2
                   (sigma None, w2sq asymptotic)
``mvn``            discard: risk, trace_ratio, det_ratio; otherwise risk and trace_ratio
                   (det_ratio None)
``linreg``         lam = 0: fixed design when every fit pools whole batches (multiples of the
                   design's rows), fresh design under discard and augment, with or without
                   interpolation (None where E tr (X^T X)^+ is infinite); lam > 0:
                   Marchenko-Pastur deterministic equivalents (asymptotic); see
                   :mod:`theory.highdim`
``logistic``       nothing (failed None: separation)
``bernoulli``      risk under every workflow; absorbed under discard (None otherwise)
``poisson``        risk under every workflow; absorbed under discard (None otherwise)
``exponential``    risk under discard (fits of at least 3 points)
``expfam``         nothing (failed None for discrete families)
``kde``            risk and var under every workflow (a weighted fit is the mixture of its
                   entries' KDEs)
=================  ==========================================================================

``failed`` is predicted 0 (exact) wherever the estimator is defined on every sample.

Examples
--------
>>> p = predict("gaussian", {"estimator": "unbiased"}, "discard", 10, generations=3)
>>> p.exact, [round(x, 4) for x in p.metrics["sigma2"]]
(True, [1.0, 1.0, 1.0])
>>> [round(x, 4) for x in p.metrics["risk"]]
[0.1, 0.2, 0.3]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .absorption import poisson_absorption, wright_fisher
from .derivation_cache import cached_derivation
from .display import elide, html_table, number, text_table
from .models import MODELS, get_model, model_spec
from .points import discard_sizes, fit_points
from .presets import load_workflow
from .process import covariance, reject_curation, risk_ratios, variances
from .rationals import to_rational, to_sympy_rational
from .resampling import resampling_moments
from .workflow import Workflow

if TYPE_CHECKING:
    import sympy as sp

# SymPy and what derives with it (theory.moments, a model's symbolic face) load only when a prediction
# needs a value derived by SymPy, and such values are kept on disk (theory.derivation_cache): an exact
# prediction from the resampling recursion, the process or the absorption chains (the Gaussian mean,
# Bernoulli, Poisson, ...), or one whose derived constants were cached, imports none of them.

__all__ = ["Prediction", "predict", "fit_points", "discard_sizes", "universal_ratio_symbolic", "UniversalRatio",
           "curates", "metric_names"]


@dataclass(frozen=True)
class Prediction:
    """The toolkit's prediction for every metric of a simulation.

    Attributes
    ----------
    metrics : dict
        Metric name -> one value per generation 1..G, or None where there is no prediction.
    exact : bool
        True iff every non-None value is exact at this n (finite-sample).
    notes : dict
        Metric name -> ``"exact: ..."``, ``"asymptotic: ..."`` or ``"none: ..."``, the source.

    Examples
    --------
    >>> predict("poisson", {}, "augment", 10, generations=2)
    Prediction: every value exact at this n (sources in .notes)
    generation  risk   absorbed  failed
                exact  none      exact
    1           0.1    n/a       0
    2           0.125  n/a       0
    """

    metrics: dict
    exact: bool
    notes: dict

    def _table(self):
        names = list(self.metrics)
        G = max((len(v) for v in self.metrics.values() if v is not None), default=0)
        kinds = ["", *(self.notes.get(m, "none").split(":")[0] for m in names)]
        rows = [[g + 1, *(number(None if self.metrics[m] is None else self.metrics[m][g]) for m in names)]
                for g in range(G)]
        title = (f"Prediction: {'every value exact at this n' if self.exact else 'some values asymptotic'} "
                 "(sources in .notes)")
        return ["generation", *names], [kinds, *elide(rows)], title

    def __repr__(self):
        return text_table(*self._table())

    def _repr_html_(self):
        return html_table(*self._table())



# --------------------------------------------------------------------- universality
class UniversalRatio(NamedTuple):
    """risk_k/risk_1 = tr(A Cov_kk V)/tr(A Cov_11 V) simplified by SymPy, beside the exact R_k."""

    symbolic: list
    exact: list
    V: sp.Matrix
    A: sp.Matrix


def universal_ratio_symbolic(workflow: Workflow, d=2):
    """Show that R_k depends on neither V, the dimension nor the loss matrix A.

    The errors (theta_1..theta_G) have covariance Cov(H) (x) V / n; with V and A
    symbolic symmetric d x d matrices the ratio tr(A Cov_kk V)/tr(A Cov_11 V) is
    simplified by SymPy and returned beside R_k from :func:`theory.risk_ratios`. Keep
    G and d small.

    Parameters
    ----------
    workflow : Workflow
        The workflow, with its G generations.
    d : int
        The dimension of the symbolic V and A.

    Returns
    -------
    UniversalRatio
        ``symbolic`` (the simplified ratios), ``exact`` (R_k as SymPy rationals), ``V`` and ``A``.

    Examples
    --------
    >>> from theory.presets import preset
    >>> out = universal_ratio_symbolic(preset("augment", 3))
    >>> out.symbolic, out.exact, out.symbolic == out.exact
    ([1, 5/4, 49/36], [1, 5/4, 49/36], True)
    """
    import sympy as sp

    if isinstance(d, bool) or not isinstance(d, int) or d < 1:
        raise ValueError(f"d must be a positive integer, got {d!r}")
    cov = sp.Matrix([[to_sympy_rational(c) for c in row] for row in covariance(workflow)])

    def symmetric(name):
        return sp.Matrix(d, d, lambda i, j: sp.Symbol(f"{name}{min(i, j) + 1}{max(i, j) + 1}", real=True))

    V, A = symmetric("v"), symmetric("a")
    full = sp.kronecker_product(cov, V)
    risks = [(A * full[k * d:(k + 1) * d, k * d:(k + 1) * d]).trace() for k in range(workflow.G)]
    symbolic = [sp.simplify(r / risks[0]) for r in risks]
    exact = [to_sympy_rational(r) for r in risk_ratios(workflow)]
    return UniversalRatio(symbolic, exact, V, A)



# --------------------------------------------------------------------- predict
def _floats(values):
    return [float(v) for v in values]


def _derived_moments(name):
    """:mod:`theory.moments`' function ``name``, its values kept by :func:`cached_derivation`."""
    def derived(*args):
        def derive():
            from . import moments

            value = getattr(moments, name)(*args)
            return value if isinstance(value, dict) else to_rational(value)

        return cached_derivation(f"moments.{name}", list(args), derive)

    derived.__name__ = name
    return derived


gaussian_discard_moments = _derived_moments("gaussian_discard_moments")
mvn_discard_moments = _derived_moments("mvn_discard_moments")
exponential_discard_moments = _derived_moments("exponential_discard_moments")


@dataclass
class _Context:
    face: object    # the model's name, or its symbolic face when the caller passed one
    spec: object    # the model's declaration (theory.models.registry.ModelSpec)
    params: dict
    workflow: Workflow
    n: int
    entries: list
    cov_diag: list  # Cov(H)_kk, exact Fractions, units of V/n

    @property
    def G(self):
        return self.workflow.G

    @property
    def estimator(self):
        return self.params.get("estimator", self.spec.estimators[0])

    @cached_property
    def model(self):
        """The symbolic face, loaded (with SymPy) by the first prediction that needs it."""
        return get_model(self.face)

    def derived(self, kind, compute, depends_on=()):
        """``compute(symbolic face)`` at these parameters, kept on disk for a model of the package.

        ``depends_on`` names what else the value depends on (the fit entries, for a value
        that follows the workflow). A face passed in by the caller, or attached from
        outside ``theory.models``, is not the code the cache's version stands for: its
        values are computed every time.
        """
        home = f"theory.models.{self.spec.module}"
        builtin = isinstance(self.face, str) and (
            self.spec.name not in MODELS.loaded("symbolic") or type(self.model).__module__ == home)
        if not builtin:
            return compute(self.model)
        return cached_derivation(kind, [self.spec.name, home, self.params, *depends_on],
                                 lambda: compute(self.model))


def _asymptotic_risk(ctx, trace=None, what="risk"):
    if trace is None:
        trace = ctx.derived("natural-covariance-trace", lambda m: float(np.trace(m.natural_covariance(ctx.params))))
    values = [trace * float(c) / ctx.n for c in ctx.cov_diag]
    note = (f"asymptotic: risk_1 R_k = tr(V) Cov(H)_kk / n with tr(V) = {trace:.6g} "
            f"({ctx.spec.name}, estimator {ctx.estimator}) and Cov(H) from the "
            f"sequential Gaussian process of workflow {ctx.workflow.name or ''}".rstrip())
    return values, note


def _none(reason):
    return None, f"none: {reason}"


def _min_fit(ctx):
    return min(sum(e.count for e in row if e.share) for row in ctx.entries)


_EXACT: dict = {}


def _predicts(name):
    """Register the decorated function as model ``name``'s predictor: ctx -> {metric: (values, note)}."""
    model_spec(name)  # a declared model (a ValueError naming the known ones otherwise)

    def register(fn):
        _EXACT[name] = fn
        return fn

    return register


def _asymptotic_only(ctx):
    """The prediction of a model with no exact derivations: the asymptotic risk, nothing else."""
    return {"risk": _asymptotic_risk(ctx)}


@_predicts("gaussian-mean")
def _predict_gaussian_mean(ctx):
    sigma = to_rational(ctx.params["sigma"])
    out = {"failed": ([0.0] * ctx.G, "exact: the sample mean and median are defined on every sample")}
    if ctx.params["estimator"] == "mean":
        out["risk"] = (_floats(sigma**2 * c / ctx.n for c in ctx.cov_diag),
                       "exact: (sigma^2/n) Cov(H)_kk; the sequential Gaussian process is exact at every n "
                       "for the Gaussian mean with known sigma")
    else:
        out["risk"] = _asymptotic_risk(ctx)
    return out


@_predicts("gaussian")
def _predict_gaussian(ctx):
    p, est = ctx.params, ctx.params["estimator"]
    sigma = to_rational(p["sigma"])
    few = _min_fit(ctx) < 2
    out = {"failed": _none("a fit on one point has a zero or undefined variance") if few else
           ([0.0] * ctx.G, "exact: every fit has at least 2 points, so sigma_hat^2 > 0 almost surely")}
    sizes = discard_sizes(ctx.workflow, ctx.n)
    if sizes is not None and min(sizes) >= 2:
        mom = gaussian_discard_moments(p["sigma"], sizes, est)
        src = f"exact: products of chi-square moments under discard ({est} divisor)"
        out.update(risk=(mom["risk"], src + "; E(mu_k-mu)^2 = E(mu_{k-1}-mu)^2 + E sigma_{k-1}^2/m"),
                   sigma2=(mom["sigma2"], src), sigma=(mom["sigma"], src + ": E sqrt(chi^2)/sqrt(divisor)"),
                   w2sq=(mom["w2sq"], src + ": E(mu-mu0)^2 + E sigma^2 - 2 sigma0 E sigma + sigma0^2"))
        return out
    delta = ctx.derived("gaussian-sigma-delta-trace", lambda m: float(m.sigma_covariance(p).subs(m.truth(p)).trace()))
    values, note = _asymptotic_risk(ctx, delta)
    out["w2sq"] = (values, note + "; V of (mu_hat, sigma_hat) by the delta method")
    out["sigma"] = _none("E sigma_hat has no closed form outside discard")
    if est == "mle" or not few:
        mom = resampling_moments(ctx.workflow, ctx.n, variance=sigma**2, rule=est)
        src = (f"exact: second-moment recursion of the resampled Gaussian ({est} variance; weighted fits use "
               "the weighted mean and variance" + (", divided by 1 - sum w_i^2)" if est == "unbiased" else ")"))
        out.update(risk=(_floats(mom.mean_sq), src), sigma2=(_floats(mom.variance), src))
        return out
    out.update(risk=_asymptotic_risk(ctx), sigma2=_none("a one-point fit has no unbiased variance"))
    return out


@_predicts("mvn")
def _predict_mvn(ctx):
    est, d = ctx.params["estimator"], ctx.params["d"]
    few = _min_fit(ctx) < d + 1
    out = {"failed": _none(f"a fit on fewer than d + 1 = {d + 1} points has a singular covariance")
           if few else ([0.0] * ctx.G, f"exact: every fit has at least d + 1 = {d + 1} points, so "
                        "Sigma_hat is invertible")}
    sizes = discard_sizes(ctx.workflow, ctx.n)
    if sizes is not None and min(sizes) >= d + 1:
        mom = mvn_discard_moments(d, sizes, est)
        src = f"exact: chi-square moments under discard ({est} divisor)"
        out.update(risk=(mom["risk"], src + "; E||mu_k||^2 = E||mu_{k-1}||^2 + E tr Sigma_{k-1}/m"),
                   trace_ratio=(mom["trace_ratio"], src + ": E tr W = d E chi^2_{m-1}"),
                   det_ratio=(mom["det_ratio"], src + ": Bartlett, det W = prod_j chi^2_{m-j}"))
        return out
    det = _none("E det Sigma_hat is derived under discard only")
    if est == "mle" or _min_fit(ctx) >= 2:
        mom = resampling_moments(ctx.workflow, ctx.n, variance=1, rule=est)
        src = f"exact: per-coordinate second-moment recursion of the resampled Gaussian ({est} covariance)"
        out.update(risk=(_floats(d * r for r in mom.mean_sq), src), trace_ratio=(_floats(mom.variance), src),
                   det_ratio=det)
        return out
    out.update(risk=_asymptotic_risk(ctx), trace_ratio=_none("a one-point fit has no unbiased covariance"),
               det_ratio=det)
    return out


@_predicts("linreg")
def _predict_linreg(ctx):
    def derive(_face):   # theory.highdim derives with SymPy and mpmath: kept on disk per workflow
        from .highdim import linreg_risk

        found = linreg_risk(ctx.params, ctx.workflow, ctx.n)
        return [found.floats(ctx.params), found.note]

    values, note = ctx.derived("linreg-risk", derive, depends_on=[ctx.n, ctx.entries])
    lam = to_rational(ctx.params["lam"])
    estimator = "ridge" if lam else "least squares (minimum norm where it is not unique)"
    return {"risk": (values, note),
            "failed": ([0.0] * ctx.G, f"exact: the {estimator} fit is defined on every sample")}


@_predicts("logistic")
def _predict_logistic(ctx):
    return {"risk": _asymptotic_risk(ctx),
            "failed": _none("the MLE does not exist when the labels are separable, which has positive "
                            "probability at every n")}


def _absorbing_failed(what, G):
    return ([0.0] * G, f"exact: the MLE is a weighted sample mean, finite on every sample; the boundary "
            f"estimate {what} is a valid fit, counted by the metric absorbed")


@_predicts("bernoulli")
def _predict_bernoulli(ctx):
    p = ctx.params["p"]
    out = {"failed": _absorbing_failed("p_hat in {0, 1}", ctx.G)}
    sizes = discard_sizes(ctx.workflow, ctx.n)
    if sizes is not None:
        absorbed, risk = wright_fisher(p, sizes)
        out.update(absorbed=(absorbed, "exact: Wright-Fisher chain on the counts, propagated in float64"),
                   risk=(risk, "exact: E(p_k - p)^2 from the Wright-Fisher chain's distribution"))
        return out
    q = to_rational(p)
    mom = resampling_moments(ctx.workflow, ctx.n, variance=q * (1 - q), rule="bernoulli")
    out.update(risk=(_floats(mom.mean_sq), "exact: second-moment recursion (emitted variance p_k(1-p_k))"),
               absorbed=_none("absorption is derived under discard only"))
    return out


@_predicts("poisson")
def _predict_poisson(ctx):
    lam = to_rational(ctx.params["lam"])
    out = {"failed": _absorbing_failed("lambda_hat = 0", ctx.G)}
    mom = resampling_moments(ctx.workflow, ctx.n, variance=lam, rule="constant")
    out["risk"] = (_floats(mom.mean_sq), "exact: second-moment recursion; the emitted variance lambda_k "
                   "has mean lambda (a martingale)")
    sizes = discard_sizes(ctx.workflow, ctx.n)
    out["absorbed"] = ((poisson_absorption(lam, sizes), "exact: Galton-Watson generating functions of the "
                        "counts") if sizes is not None else _none("absorption is derived under discard only"))
    return out


@_predicts("exponential")
def _predict_exponential(ctx):
    out = {"failed": ([0.0] * ctx.G, "exact: the sample mean of positive data is positive")}
    sizes = discard_sizes(ctx.workflow, ctx.n)
    if sizes is not None and min(sizes) >= 3:
        mom = exponential_discard_moments(ctx.params["rate"], sizes)
        out["risk"] = (mom["risk"], "exact: products of inverse Gamma moments under discard")
    elif sizes is not None:
        out["risk"] = _none(f"E rate_hat^2 is infinite for a fit on fewer than 3 points (sizes {sizes})")
    else:
        out["risk"] = _asymptotic_risk(ctx)
    return out


@_predicts("expfam")
def _predict_expfam(ctx):
    def derive(model):
        fam = model.family(ctx.params)
        return [fam.discrete, float(fam.mle_variance().subs(model.truth(ctx.params)))]

    discrete, variance = ctx.derived("expfam-mle-variance", derive)
    failed = (_none("the MLE of eta does not exist when the mean of T sits on the boundary of the mean space")
              if discrete else
              ([0.0] * ctx.G, "exact: the mean of T lies inside the mean space almost surely"))
    risk = _asymptotic_risk(ctx, variance)
    return {"risk": risk, "failed": failed}


def _kde_discard(m, h, G):
    """E var_k and E mean_k^2, k = 1..G, of the KDE under discard with m points per fit, bandwidth h."""
    from .moments import kde_discard_closed_form

    var, mean_sq, (k, ms, hs) = kde_discard_closed_form()
    at = {ms: m, hs: to_sympy_rational(h)}
    return {"var": [float(var.subs(at).subs(k, j)) for j in range(1, G + 1)],
            "risk": [float(mean_sq.subs(at).subs(k, j)) for j in range(1, G + 1)]}


@_predicts("kde")
def _predict_kde(ctx):
    h = to_rational(ctx.params["h"])
    out = {"failed": ([0.0] * ctx.G, "exact: a kernel density estimate is defined on every sample")}
    sizes = discard_sizes(ctx.workflow, ctx.n)
    if sizes is not None and len(set(sizes)) == 1:
        values = cached_derivation("kde-discard", [sizes[0], h, ctx.G], lambda: _kde_discard(sizes[0], h, ctx.G))
        src = "exact: closed form of the discard recursion v_k = (1-1/m) v_{k-1} + h^2 (rsolve)"
        out["var"], out["risk"] = (values["var"], src), (values["risk"], src)
        return out
    mom = resampling_moments(ctx.workflow, ctx.n, variance=1, rule="mle", h2=h * h)
    src = ("exact: second-moment recursion of the resampled KDE (a weighted fit is the mixture of its "
           "entries' KDEs)")
    out.update(var=(_floats(mom.variance), src), risk=(_floats(mom.mean_sq), src))
    return out


@_predicts("categorical")
def _predict_categorical(ctx):
    from .categorical_predictions import predict_categorical

    return predict_categorical(ctx.params, ctx.workflow, ctx.n, ctx.entries, discard_sizes(ctx.workflow, ctx.n))


def curates(workflow: Workflow):
    """Whether some generation of ``workflow`` curates what it emits."""
    return any(g.curate is not None for g in workflow.generations)


def metric_names(model, workflow: Workflow):
    """The metrics a simulation of ``model`` under ``workflow`` reports (``reward``, ``entropy`` when it curates).

    Examples
    --------
    >>> from theory.presets import preset
    >>> metric_names(get_model("poisson"), preset("discard", 2))
    ('risk', 'absorbed', 'failed')
    """
    from .models.vocabularies import CURATION_METRICS

    spec = model_spec(model) if isinstance(model, str) else get_model(model).spec
    return spec.reported_metrics + (CURATION_METRICS if curates(workflow) else ())


def predict(model, params, workflow, n, *, generations=None) -> Prediction:
    """The toolkit's prediction of every metric of ``simulate`` for one model, workflow and n.

    Parameters
    ----------
    model : str or SymbolicModel
        A name from :data:`theory.models.MODEL_NAMES` (or a model object, such as an
        ``expfam`` model with extra families).
    params : dict
        Model parameters (validated here; strings are parsed).
    workflow : WorkflowLike
        A :class:`~theory.workflow.Workflow`, a preset spelling (``"augment"``,
        ``"window:3"``) or the path of a ``.json``/``.toml`` workflow; it is rounded to
        whole points at ``n`` as a simulation runs it (``workflow.at_sample_size(n)``,
        which leaves a rounded workflow as it is).
    n : int
        The base sample size.
    generations : int, optional
        The number of generations G (default: a Workflow's own, 10 for a preset, a
        file's own).

    Returns
    -------
    Prediction

    Raises
    ------
    ValueError
        For bad parameters, a bad workflow or n.

    Examples
    --------
    >>> p = predict("gaussian-mean", {}, "augment", 20, generations=3)
    >>> p.exact, [round(x, 5) for x in p.metrics["risk"]], p.notes["risk"][:6]
    (True, [0.05, 0.0625, 0.06806], 'exact:')
    >>> predict("logistic", {"d": 2}, "augment", 20, generations=3).exact
    False
    >>> p = predict("linreg", {"d": 10, "lam": 0}, "discard", 6, generations=2)
    >>> [round(x, 4) for x in p.metrics["risk"]], p.notes["risk"][:40]    # (1 - 6/10) + k sigma^2 6/3
    ([2.4, 4.4], 'exact: minimum-norm interpolation on one')
    """
    if isinstance(model, str):   # the declaration suffices until a prediction needs the symbolic face
        spec = model_spec(model)
        params = spec.validate(params)
    else:
        spec = get_model(model).spec
        params = model.validate_params(params)
    workflow = load_workflow(workflow, generations).at_sample_size(n)
    if curates(workflow) and spec.name != "categorical":
        reject_curation(workflow)       # curation needs categories; the Gaussian theory says why it cannot help
    # a curated workflow has no sequential Gaussian process: its model (categorical) does not read one
    cov_diag = None if curates(workflow) else variances(workflow)
    ctx = _Context(model, spec, params, workflow, n, fit_points(workflow, n), cov_diag)
    found = _EXACT.get(spec.name, _asymptotic_only)(ctx)
    missing = _none(f"no derivation for {spec.name}")
    metrics, notes = {}, {}
    for name in metric_names(model, workflow):
        metrics[name], notes[name] = found.get(name, missing)
    exact = all(notes[k].startswith("exact") for k in metrics if metrics[k] is not None)
    return Prediction(metrics, exact, notes)
