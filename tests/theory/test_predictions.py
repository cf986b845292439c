"""Exact and asymptotic predictions against independent routes.

Exact formulas are checked against mpmath quadrature of the same moments, exact
enumeration of tiny chains, a second exact algorithm (the moment recursion against
the chi-square products and the sequential Gaussian process), and fixed-seed Monte
Carlo of real refits with a tolerance of K_SE standard errors.
"""

import itertools
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import scipy.stats
import sympy as sp

from theory.absorption import poisson_absorption, wright_fisher
from theory.models import MODEL_NAMES, get_model
from theory.moments import (
    chi_square_moment,
    exponential_discard_moments,
    gamma_inverse_moment,
    gaussian_discard_moments,
    inverse_wishart_trace,
    kde_discard_closed_form,
    mvn_discard_moments,
    resampling_moments,
)
from theory.predictions import Prediction, discard_sizes, fit_points, predict, universal_ratio_symbolic
from theory.presets import preset
from theory.process import covariance, risk_ratios
from theory.workflow import Workflow

from ..statistics import assert_within, sample_stderr

# Monte Carlo tolerance: this many standard errors (fixed seeds make every run identical; with
# about 60 compared means, 4.5 SE keeps the chance that a correct formula fails a fresh seed small).
K_SE = 4.5


def _rng(seed):
    return np.random.default_rng(np.random.SeedSequence(seed))


def _assert_mc(samples, predicted, k=K_SE, allowance=0.0):
    """samples: (G, reps) array; predicted: G values. k standard errors plus an explicit allowance."""
    samples = np.asarray(samples, dtype=float)
    assert_within(samples.mean(axis=1), sample_stderr(samples, axis=1), predicted, k=k, allowance=allowance)


# --------------------------------------------------------------------- a reference simulator
def _refit(workflow, n, reps, rng, kind, mu=0.0, sd=1.0, h=0.0, p=0.3, lam=1.0):
    """Real refits of location-type models under any workflow, vectorised over replicates.

    Returns the fitted locations and the fitted (emitted) variances, each (G, reps).
    kind: gauss-mle, gauss-unbiased, kde (weighted fits are mixtures), bernoulli, poisson.
    """
    def real(N):
        if kind == "bernoulli":
            return (rng.random((reps, N)) < p).astype(float)
        if kind == "poisson":
            return rng.poisson(lam, (reps, N)).astype(float)
        return mu + sd * rng.standard_normal((reps, N))

    batches, locations, spreads = {}, [], []
    for k, row in enumerate(fit_points(workflow, n), start=1):
        parts = []
        for e in row:
            if e.batch not in batches:
                batches[e.batch] = real(e.size)
            data = batches[e.batch]
            if e.count < e.size:  # uniform subsample without replacement, fresh in every generation
                keep = np.argsort(rng.random((reps, e.size)), axis=1)[:, :e.count]
                data = np.take_along_axis(data, keep, axis=1)
            parts.append((data, float(e.share)))
        loc = sum(w * x.mean(axis=1) for x, w in parts)
        if kind == "gauss-unbiased":  # weighted variance / (1 - sum of squared normalised point weights)
            weights = np.concatenate([np.full(x.shape[1], w / x.shape[1]) for x, w in parts])
            points = np.concatenate([x for x, _ in parts], axis=1)
            spread = ((points - loc[:, None]) ** 2 @ weights) / (1 - weights @ weights)
        elif kind == "bernoulli":
            spread = loc * (1 - loc)
        elif kind == "poisson":
            spread = loc
        else:
            spread = sum(w * (x**2).mean(axis=1) for x, w in parts) - loc**2 + h**2
        locations.append(loc)
        spreads.append(spread)
        emit = workflow.generations[k - 1].emit
        if emit is None:
            continue
        N = int(emit * n)
        if kind == "bernoulli":
            new = (rng.random((reps, N)) < loc[:, None]).astype(float)
        elif kind == "poisson":
            new = rng.poisson(np.repeat(loc[:, None], N, axis=1)).astype(float)
        elif kind == "kde":
            cut = np.cumsum([w for _, w in parts])
            which = np.searchsorted(cut, rng.random((reps, N)) * cut[-1], side="right")
            which = np.minimum(which, len(parts) - 1)
            new = np.zeros((reps, N))
            for i, (x, _) in enumerate(parts):
                picked = np.take_along_axis(x, rng.integers(0, x.shape[1], (reps, N)), axis=1)
                new = np.where(which == i, picked, new)
            new += h * rng.standard_normal((reps, N))
        else:
            new = loc[:, None] + np.sqrt(spread)[:, None] * rng.standard_normal((reps, N))
        batches[f"S{k}"] = new
    return np.array(locations), np.array(spreads)


_WORKFLOWS = ["discard", "augment", "subsample", "window:2", "mix:1/2", "weighted:0.618:2"]


# --------------------------------------------------------------------- moments by mpmath
@pytest.mark.parametrize("nu,r", [(3, sp.Rational(1, 2)), (7, 2), (9, -1), (sp.Rational(9, 2), 1), (5, -2)])
def test_chi_square_moments_against_mpmath(nu, r):
    with mpmath.workdps(30):
        half_nu = mpmath.mpf(nu) / 2
        value = mpmath.quad(lambda x: x ** mpmath.mpf(r) * x ** (half_nu - 1) * mpmath.exp(-x / 2)
                            / (2**half_nu * mpmath.gamma(half_nu)), [0, 1, mpmath.inf])
        assert mpmath.mpf(sp.N(chi_square_moment(nu, r), 30)) == pytest.approx(value, rel=1e-25)


@pytest.mark.parametrize("m,r", [(5, 1), (5, 2), (sp.Rational(7, 2), 1), (9, 3)])
def test_gamma_inverse_moments_against_mpmath(m, r):
    with mpmath.workdps(30):
        value = mpmath.quad(lambda g: g ** (-r) * g ** (mpmath.mpf(m) - 1) * mpmath.exp(-g)
                            / mpmath.gamma(mpmath.mpf(m)), [0, 1, mpmath.inf])
        assert mpmath.mpf(sp.N(gamma_inverse_moment(m, r), 30)) == pytest.approx(value, rel=1e-25)


def test_inverse_wishart_trace_against_monte_carlo():
    m, d, reps = 9, 3, 100_000
    X = _rng(1).standard_normal((reps, m, d))
    traces = np.trace(np.linalg.inv(np.einsum("rmi,rmj->rij", X, X)), axis1=1, axis2=2)
    _assert_mc(traces[None, :], [float(inverse_wishart_trace(m, d))])


# --------------------------------------------------------------------- the Gaussian under discard
def test_gaussian_discard_against_mpmath_products():
    sizes, sigma = [4, 6, 5], 1.5
    for estimator in ("mle", "unbiased"):
        out = gaussian_discard_moments(sigma, sizes, estimator)
        with mpmath.workdps(30):
            def moment(nu, r):
                return mpmath.quad(lambda x: x**r * mpmath.exp(-x / 2) * x ** (mpmath.mpf(nu) / 2 - 1)
                                   / (2 ** (mpmath.mpf(nu) / 2) * mpmath.gamma(mpmath.mpf(nu) / 2)),
                                   [0, 1, mpmath.inf])
            s = mpmath.mpf(sigma)
            e1, e2, e4, risk, before = s, s**2, s**4, 0, s**2
            for k, m in enumerate(sizes):
                D = m if estimator == "mle" else m - 1
                risk += before / m
                e1 *= moment(m - 1, mpmath.mpf(1) / 2) / mpmath.sqrt(D)
                e2 *= moment(m - 1, 1) / D
                e4 *= moment(m - 1, 2) / D**2
                before = e2
                assert out["sigma"][k] == pytest.approx(float(e1), rel=1e-13)
                assert out["sigma2"][k] == pytest.approx(float(e2), rel=1e-13)
                assert out["sigma2_var"][k] == pytest.approx(float(e4 - e2**2), rel=1e-12)
                assert out["risk"][k] == pytest.approx(float(risk), rel=1e-13)
                w2sq = risk + e2 - 2 * s * e1 + s**2
                assert out["w2sq"][k] == pytest.approx(float(w2sq), rel=1e-12)


def test_gaussian_discard_against_the_moment_recursion():
    wf = preset("discard", 5).at_sample_size(6)
    for estimator in ("mle", "unbiased"):
        mom = resampling_moments(wf, 6, variance=Fraction(9, 4), rule=estimator)
        out = gaussian_discard_moments(1.5, [6] * 5, estimator)
        np.testing.assert_allclose(out["sigma2"], [float(v) for v in mom.variance], rtol=1e-14)
        np.testing.assert_allclose(out["risk"], [float(v) for v in mom.mean_sq], rtol=1e-14)


def test_gaussian_discard_against_monte_carlo_of_refits():
    G, m, reps, sigma = 4, 5, 100_000, 2.0
    rng = _rng(3)
    for estimator in ("mle", "unbiased"):
        mu, s2 = np.zeros(reps), np.full(reps, sigma**2)
        cols = {"sigma2": [], "sigma": [], "risk": [], "w2sq": []}
        for _ in range(G):
            x = mu[:, None] + np.sqrt(s2)[:, None] * rng.standard_normal((reps, m))
            mu, s2 = x.mean(axis=1), x.var(axis=1, ddof=0 if estimator == "mle" else 1)
            cols["sigma2"].append(s2)
            cols["sigma"].append(np.sqrt(s2))
            cols["risk"].append(mu**2)
            cols["w2sq"].append(mu**2 + (np.sqrt(s2) - sigma) ** 2)
        wf = preset("discard", G).at_sample_size(m)
        pred = predict("gaussian", {"sigma": sigma, "estimator": estimator}, wf, m)
        assert pred.exact
        for name, samples in cols.items():
            _assert_mc(samples, pred.metrics[name])


# --------------------------------------------------------------------- the multivariate normal under discard
def test_mvn_discard_against_monte_carlo_and_recursion():
    G, m, d, reps = 3, 5, 2, 60_000
    rng = _rng(4)
    for estimator in ("mle", "unbiased"):
        mu, chol = np.zeros((reps, d)), np.broadcast_to(np.eye(d), (reps, d, d))
        trace, det, risk = [], [], []
        for _ in range(G):
            x = mu[:, None, :] + np.einsum("rij,rmj->rmi", chol, rng.standard_normal((reps, m, d)))
            mu = x.mean(axis=1)
            c = x - mu[:, None, :]
            S = np.einsum("rmi,rmj->rij", c, c) / (m if estimator == "mle" else m - 1)
            chol = np.linalg.cholesky(S)
            trace.append(np.trace(S, axis1=1, axis2=2) / d)
            det.append(np.linalg.det(S))
            risk.append((mu**2).sum(axis=1))
        wf = preset("discard", G).at_sample_size(m)
        pred = predict("mvn", {"d": d, "estimator": estimator}, wf, m)
        assert pred.exact
        _assert_mc(trace, pred.metrics["trace_ratio"])
        _assert_mc(det, pred.metrics["det_ratio"])
        _assert_mc(risk, pred.metrics["risk"])
        mom = resampling_moments(wf, m, variance=1, rule=estimator)
        np.testing.assert_allclose(pred.metrics["trace_ratio"], [float(v) for v in mom.variance], rtol=1e-14)
        np.testing.assert_allclose(pred.metrics["risk"], [d * float(v) for v in mom.mean_sq], rtol=1e-14)


def test_bartlett_determinant_against_monte_carlo():
    m, d, reps = 7, 3, 100_000
    X = _rng(5).standard_normal((reps, m - 1, d))
    dets = np.linalg.det(np.einsum("rmi,rmj->rij", X, X))
    out = mvn_discard_moments(d, [m], "unbiased")
    _assert_mc(dets[None, :] / (m - 1) ** d, out["det_ratio"])


# --------------------------------------------------------------------- linear regression
def _ols_workflow(wf, n, d, sigma, reps, rng, design):
    """Real (weighted) OLS refits, whole batches; synthetic labels x^T w_hat + N(0, sigma^2).

    A fixed design is R0's X, reused by every batch (all of R0's size here).
    """
    w0 = np.ones(d) / math.sqrt(d)
    rows = int(wf.real * n)
    X0 = rng.standard_normal((reps, rows, d))

    def design_for(points):
        assert design == "fresh" or points == rows
        return X0 if design == "fixed" else rng.standard_normal((reps, points, d))

    sizes = {name: int(size * n) for name, (size, _) in wf.batch_sizes().items()}
    batches, errors = {}, []
    for k, fit in enumerate(wf.shares(), start=1):
        ys = []
        for s in fit:
            if s.batch not in batches:
                X = design_for(sizes[s.batch])
                noise = sigma * rng.standard_normal(X.shape[:2])
                batches[s.batch] = (X, np.einsum("rni,i->rn", X, w0) + noise)
            ys.append((*batches[s.batch], float(s.share) / sizes[s.batch]))
        gram = sum(w * np.einsum("rni,rnj->rij", X, X) for X, _, w in ys)
        moment = sum(w * np.einsum("rni,rn->ri", X, y) for X, y, w in ys)
        w_hat = np.linalg.solve(gram, moment[..., None])[..., 0]
        errors.append(((w_hat - w0) ** 2).sum(axis=1))
        if f"S{k}" in sizes:
            X = design_for(sizes[f"S{k}"])
            batches[f"S{k}"] = (X, np.einsum("rni,ri->rn", X, w_hat) + sigma * rng.standard_normal(X.shape[:2]))
    return errors


_TWICE_REAL = Workflow.from_data({"real": 2, "generations": [
    {"fit": [{"batch": "R0"}], "emit": 2}, {"fit": [{"batch": "R0"}, {"batch": "S1"}], "emit": 2},
    {"fit": [{"batch": "S1", "weight": 1}, {"batch": "S2", "weight": 3}]}]})


@pytest.mark.parametrize("spec,design", [("discard", "fixed"), ("augment", "fixed"),
                                         ("weighted:0.3", "fixed"), ("discard", "fresh"), ("real=2", "fixed")])
def test_linreg_exact_risk_against_monte_carlo(spec, design):
    n, d, sigma, G = 6, 2, 0.7, 3
    wf = (_TWICE_REAL if spec == "real=2" else preset(spec, G)).at_sample_size(n)
    errors = _ols_workflow(wf, n, d, sigma, 50_000, _rng(6), design)
    pred = predict("linreg", {"d": d, "sigma": sigma, "design": design}, wf, n)
    assert pred.exact and pred.metrics["failed"] == [0.0] * G
    _assert_mc(errors, pred.metrics["risk"])


def test_linreg_risk_is_none_only_where_it_is_infinite():
    # least squares on d - 1 to d + 1 rows: E tr (X^T X)^+ is infinite, a fact of the estimator
    pred = predict("linreg", {"d": 5}, preset("discard", 2).at_sample_size(6), 6)
    assert pred.metrics["risk"] is None and "infinite" in pred.notes["risk"]
    pred = predict("linreg", {"d": "3", "design": "fresh"}, preset("discard", 2).at_sample_size(4), 4)
    assert pred.metrics["risk"] is None and "infinite" in pred.notes["risk"]
    # every fit is defined (least squares of minimum norm): nothing fails
    assert pred.metrics["failed"] == [0.0, 0.0]
    # augment with fresh designs telescopes: exact from d + 2 rows on
    assert predict("linreg", {"d": 3, "design": "fresh"}, preset("augment", 2).at_sample_size(5), 5).exact


def test_linreg_asymptotic_is_risk1_times_ratio():
    wf = preset("subsample", 4).at_sample_size(30)
    pred = predict("linreg", {"d": 3, "design": "fixed"}, wf, 30)
    r1 = get_model("linreg").risk1({"d": 3}, 30)
    np.testing.assert_allclose(pred.metrics["risk"], [r1 * float(r) for r in risk_ratios(wf)], rtol=1e-14)
    assert not pred.exact and pred.notes["risk"].startswith("asymptotic")


# --------------------------------------------------------------------- absorption chains
def _enumerate_bernoulli(p, sizes):
    """P(p_hat_k in {0, 1}) and E (p_hat_k - p)^2 by summing over every data set of every generation."""
    absorbed, risk = [Fraction(0)] * len(sizes), [Fraction(0)] * len(sizes)

    def walk(k, q, weight):
        if k == len(sizes):
            return
        for data in itertools.product((0, 1), repeat=sizes[k]):
            prob = weight * math.prod(q if x else 1 - q for x in data)
            if prob:
                p_hat = Fraction(sum(data), sizes[k])
                absorbed[k] += prob * (p_hat in (0, 1))
                risk[k] += prob * (p_hat - p) ** 2
                walk(k + 1, p_hat, prob)

    walk(0, p, Fraction(1))
    return absorbed, risk


def test_wright_fisher_against_enumeration():
    p = Fraction(1, 3)
    for sizes in ([2, 2, 2], [3, 2, 4], [1, 3]):
        chain = wright_fisher(p, sizes, exact=True)
        assert chain == _enumerate_bernoulli(p, sizes)
        floats = wright_fisher(float(p), sizes)
        np.testing.assert_allclose(floats[0], [float(a) for a in chain[0]], rtol=1e-13)
        np.testing.assert_allclose(floats[1], [float(r) for r in chain[1]], rtol=1e-13)


def test_wright_fisher_risk_equals_the_moment_recursion():
    for n, G in ((3, 4), (40, 6), (300, 3)):
        wf = preset("discard", G).at_sample_size(n)
        mom = resampling_moments(wf, n, variance=Fraction(21, 100), rule="bernoulli")
        pred = predict("bernoulli", {"p": 0.3}, wf, n)
        np.testing.assert_allclose(pred.metrics["risk"], [float(v) for v in mom.mean_sq], rtol=1e-9)
        if n == 3:
            assert wright_fisher("0.3", [3] * G, exact=True)[1] == mom.mean_sq


def test_bernoulli_absorption_against_monte_carlo():
    m, G, reps = 4, 5, 100_000
    rng = _rng(8)
    p_hat, absorbed = np.full(reps, 0.3), []
    for _ in range(G):
        p_hat = (rng.random((reps, m)) < p_hat[:, None]).mean(axis=1)
        absorbed.append((p_hat == 0) | (p_hat == 1))
    pred = predict("bernoulli", {}, preset("discard", G).at_sample_size(m), m)
    _assert_mc(absorbed, pred.metrics["absorbed"])


def _poisson_chain(lam, sizes, cap=80):
    """The distribution of the counts N_k, propagated on {0..cap} with scipy's Poisson pmf."""
    states = np.arange(cap + 1)
    dist = scipy.stats.poisson.pmf(states, sizes[0] * lam)
    zero, risk = [dist[0]], [dist @ (states / sizes[0] - lam) ** 2]
    for prev, m in itertools.pairwise(sizes):
        dist = dist @ scipy.stats.poisson.pmf(states[None, :], m * states[:, None] / prev)
        zero.append(dist[0])
        risk.append(dist @ (states / m - lam) ** 2)
    return zero, risk


def test_poisson_absorption_and_risk_against_a_markov_chain():
    lam = 0.8
    for sizes in ([2, 2, 2, 2], [3, 2, 5]):
        zero, risk = _poisson_chain(lam, sizes)
        np.testing.assert_allclose(poisson_absorption(lam, sizes), zero, rtol=1e-12)
        if len(set(sizes)) == 1:
            m = sizes[0]
            pred = predict("poisson", {"lam": lam}, preset("discard", len(sizes)).at_sample_size(m), m)
            np.testing.assert_allclose(pred.metrics["risk"], risk, rtol=1e-11)
            np.testing.assert_allclose(pred.metrics["absorbed"], zero, rtol=1e-12)
    symbolic = poisson_absorption(sp.Rational(4, 5), [2, 2], symbolic=True)
    assert float(symbolic[1]) == pytest.approx(_poisson_chain(lam, [2, 2])[0][1], rel=1e-13)


# --------------------------------------------------------------------- the exponential under discard
def test_exponential_discard_against_monte_carlo():
    sizes, rate, reps = [5, 6, 5], 2.0, 200_000
    rng = _rng(9)
    r, errors = np.full(reps, rate), []
    for m in sizes:
        r = 1 / rng.exponential(1 / r[:, None], (reps, m)).mean(axis=1)
        errors.append((r - rate) ** 2)
    _assert_mc(errors, exponential_discard_moments(rate, sizes)["risk"])
    wf = preset("discard", 3).at_sample_size(5)
    assert predict("exponential", {"rate": rate}, wf, 5).metrics["risk"] == \
        exponential_discard_moments(rate, [5] * 3)["risk"]
    assert predict("exponential", {}, preset("discard", 2).at_sample_size(2), 2).metrics["risk"] is None


# --------------------------------------------------------------------- the KDE
def test_kde_closed_form_equals_the_recursion():
    var, mean_sq, (k, m, h) = kde_discard_closed_form()
    for n, bandwidth in ((4, sp.Rational(1, 2)), (9, sp.Rational(3, 10))):
        mom = resampling_moments(preset("discard", 6).at_sample_size(n), n, variance=1, rule="mle",
                                 h2=Fraction(int(bandwidth.p), int(bandwidth.q)) ** 2)
        at = {m: n, h: bandwidth}
        assert [sp.Rational(v.numerator, v.denominator) for v in mom.variance] == \
            [sp.nsimplify(var.subs(at).subs(k, j)) for j in range(1, 7)]
        assert [sp.Rational(v.numerator, v.denominator) for v in mom.mean_sq] == \
            [sp.nsimplify(mean_sq.subs(at).subs(k, j)) for j in range(1, 7)]


@pytest.mark.parametrize("spec", ["discard", "augment", "subsample", "weighted:0.618:2"])
def test_kde_against_monte_carlo(spec):
    n, G, h = 5, 3, 0.5
    wf = preset(spec, G).at_sample_size(n)
    loc, spread = _refit(wf, n, 40_000, _rng(10), "kde", h=h)
    pred = predict("kde", {"h": h}, wf, n)
    assert pred.exact
    _assert_mc(loc**2, pred.metrics["risk"])
    _assert_mc(spread, pred.metrics["var"])


# --------------------------------------------------------------------- the moment recursion in general
@pytest.mark.parametrize("spec", _WORKFLOWS)
def test_constant_rule_is_the_exact_process(spec):
    n = 7
    wf = preset(spec, 5).at_sample_size(n)
    cov = covariance(wf)
    mom = resampling_moments(wf, n, variance=Fraction(5, 2), rule="constant")
    assert mom.mean_sq == [Fraction(5, 2) * cov[k][k] / n for k in range(5)]


@pytest.mark.parametrize("spec", _WORKFLOWS)
def test_resampled_location_models_against_monte_carlo(spec):
    n, G, reps = 4, 3, 30_000
    wf = preset(spec, G).at_sample_size(n)
    cases = [("gauss-mle", "gaussian", {"mu": 1.0, "sigma": 2.0}, 1.0, "sigma2"),
             ("gauss-unbiased", "gaussian", {"estimator": "unbiased"}, 0.0, "sigma2"),
             ("bernoulli", "bernoulli", {"p": 0.3}, 0.3, None),
             ("poisson", "poisson", {"lam": 1.5}, 1.5, None)]
    for i, (kind, model, params, truth, spread_metric) in enumerate(cases):
        pred = predict(model, params, wf, n)
        loc, spread = _refit(wf, n, reps, _rng(100 + i), kind, mu=params.get("mu", 0.0),
                             sd=params.get("sigma", 1.0), p=params.get("p", 0.3), lam=params.get("lam", 1.0))
        assert pred.notes["risk"].startswith("exact")
        _assert_mc((loc - truth) ** 2, pred.metrics["risk"])
        if spread_metric:
            _assert_mc(spread, pred.metrics[spread_metric])


def test_rules_are_checked():
    wf = preset("weighted:0.3", 2).at_sample_size(3)
    with pytest.raises(ValueError, match="generation 1 fits a single point"):
        resampling_moments(preset("discard", 2).at_sample_size(1), 1, variance=1, rule="unbiased")
    with pytest.raises(ValueError, match="'median'"):
        resampling_moments(wf, 3, variance=1, rule="median")
    with pytest.raises(ValueError, match="not a whole number of points; simulate workflow.at_sample_size"):
        fit_points(preset("subsample", 3), 10)


# --------------------------------------------------------------------- predict as a whole
def test_predict_takes_any_workflow_and_rounds_it_to_points(tmp_path):
    # the sample size is applied by predict itself, idempotently: every spelling gives the same prediction
    rounded = preset("subsample", 3).at_sample_size(10)
    expected = predict("gaussian", {}, rounded, 10)
    path = tmp_path / "subsample.json"
    path.write_text(preset("subsample", 3).to_json())
    for workflow, G in ((preset("subsample", 3), None), ("subsample", 3), (str(path), None), (path, None),
                        (rounded, None), (preset("subsample", 5), 3)):
        assert predict("gaussian", {}, workflow, 10, generations=G) == expected, workflow
    assert len(predict("poisson", {}, "augment", 10).metrics["risk"]) == 10   # a preset's default G
    with pytest.raises(ValueError, match="unknown workflow 'agument'"):
        predict("poisson", {}, "agument", 10)
    with pytest.raises(ValueError, match="n must be a positive integer, got 0"):
        predict("poisson", {}, "augment", 0)


def test_a_model_without_exact_derivations_gets_the_asymptotic_risk():
    from theory.models import MODELS, ModelSpec, symbolic_face
    from theory.models.counts import Poisson

    spec = MODELS["poisson"]
    MODELS.declare(ModelSpec("poisson-copy", "counts", "Poisson, declared again", spec.parameters, spec.natural,
                             spec.theta0, metrics=spec.metrics))
    try:
        symbolic_face("poisson-copy")(type("PoissonCopy", (Poisson,), {}))
        copy = predict("poisson-copy", {"lam": 2}, "augment", 10, generations=3)
        original = predict("poisson", {"lam": 2}, "augment", 10, generations=3)
    finally:
        MODELS.remove("poisson-copy")
    assert not copy.exact and copy.notes["risk"].startswith("asymptotic")
    # the asymptotic risk lam R_k / n is the Poisson mean's exact risk (a martingale): the same numbers
    np.testing.assert_allclose(copy.metrics["risk"], original.metrics["risk"], rtol=1e-12)
    assert copy.metrics["absorbed"] is None and copy.notes["failed"] == "none: no derivation for poisson-copy"
    assert "poisson-copy" not in MODELS


def test_every_model_predicts_every_metric():
    wf = preset("augment", 3).at_sample_size(20)
    for name in MODEL_NAMES:
        pred = predict(name, {}, wf, 20)
        assert isinstance(pred, Prediction)
        assert tuple(pred.metrics) == get_model(name).metrics == tuple(pred.notes)
        for metric, values in pred.metrics.items():
            note = pred.notes[metric]
            assert note.split(":")[0] in ("exact", "asymptotic", "none")
            assert (values is None) == note.startswith("none")
            assert values is None or (len(values) == 3 and all(isinstance(v, float) for v in values))
        assert pred.exact == all(pred.notes[m].startswith("exact") for m, v in pred.metrics.items()
                                 if v is not None)


def test_exactness_flags():
    discard = preset("discard", 3).at_sample_size(10)
    augment = preset("augment", 3).at_sample_size(10)
    assert predict("gaussian-mean", {}, augment, 10).exact
    assert not predict("gaussian-mean", {"estimator": "median"}, discard, 10).exact
    assert predict("gaussian", {}, discard, 10).exact
    gaussian = predict("gaussian", {}, augment, 10)
    assert not gaussian.exact and gaussian.metrics["sigma"] is None
    assert gaussian.notes["sigma2"].startswith("exact") and gaussian.notes["w2sq"].startswith("asymptotic")
    assert predict("mvn", {"d": 3}, discard, 10).exact
    assert predict("mvn", {"d": 3}, augment, 10).metrics["det_ratio"] is None
    assert predict("bernoulli", {}, augment, 10).metrics["absorbed"] is None
    assert predict("bernoulli", {}, augment, 10).metrics["failed"] == [0.0] * 3
    assert predict("poisson", {}, discard, 10).metrics["absorbed"] is not None
    assert not predict("logistic", {"d": 2}, discard, 10).exact
    assert predict("logistic", {"d": 2}, discard, 10).metrics["failed"] is None
    assert not predict("exponential", {}, augment, 10).exact
    assert predict("exponential", {}, discard, 10).exact
    assert predict("expfam", {"family": "gamma"}, discard, 10).metrics["failed"] == [0.0] * 3
    assert predict("expfam", {"family": "geometric"}, discard, 10).metrics["failed"] is None
    assert predict("gaussian", {}, preset("discard", 2).at_sample_size(1), 1).metrics["failed"] is None


@pytest.mark.parametrize("model,params", [("logistic", {"d": 3}), ("gaussian-mean", {"estimator": "median"}),
                                          ("expfam", {"family": "poisson", "eta": "0.5"}),
                                          ("exponential", {"rate": 2})])
def test_asymptotic_risk_is_risk1_times_ratio(model, params):
    wf = preset("mix:2", 4).at_sample_size(25)
    pred = predict(model, params, wf, 25)
    r1 = get_model(model).risk1(params, 25 * wf.real)
    np.testing.assert_allclose(pred.metrics["risk"], [r1 * float(r) for r in risk_ratios(wf)], rtol=1e-13)
    assert pred.notes["risk"].startswith("asymptotic")


def test_discard_sizes_and_fit_points():
    wf = preset("weighted:1", 2).at_sample_size(3)
    assert discard_sizes(wf, 3) is None
    mixed = preset("discard", 3).at_sample_size(3)
    assert discard_sizes(mixed, 3) == [3, 3, 3]
    assert [e.count for e in fit_points(preset("subsample", 3).at_sample_size(9), 9)[2]] == [3, 3, 3]


# --------------------------------------------------------------------- universality
@pytest.mark.parametrize("spec", ["augment", "subsample", "mix:1/2", "weighted:0.618"])
def test_universal_ratio_does_not_depend_on_v_or_a(spec):
    out = universal_ratio_symbolic(preset(spec, 3), d=2)
    assert out.symbolic == out.exact
    assert all(not r.free_symbols for r in out.symbolic)
    assert out.V.free_symbols and out.A.free_symbols
