"""The numeric faces of the models: samplers against scipy.stats, estimators against direct
computations and statsmodels, fast paths against the points they summarise, failures flagged.

Every random check uses a fixed seed; goodness-of-fit tests reject at p < 1e-4 (with fixed seeds
the outcome is deterministic, the threshold only says how unlikely a false alarm was), moment checks
allow 5 standard errors.
"""

import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
import sympy as sp
from scipy import stats

from numerics.models import Part, numeric_model, numeric_model_class
from numerics.models.base import point_weights, weighted_median
from numerics.models.expfam import SAMPLERS, FamilySampler, invert_increasing, mean_to_natural
from numerics.models.random import BlockRandom
from numerics.models.regression import logistic_mle, row_counts
from tests.theory.test_models import logseries
from theory.models import FAMILIES, MODEL_NAMES, MODELS, get_model

from ..statistics import within

P_MIN = 1e-4


def rand(R, seed=0, blocks=1):
    sizes = [R // blocks] * blocks
    sizes[-1] += R - sum(sizes)
    return BlockRandom([np.random.default_rng([seed, b]) for b in range(blocks)], sizes)


def whole(model, ctx, pts, m, share=1):
    return Part(model.summarise(ctx, pts, m), Fraction(share), m, m)


def close_mean(sample, mean, var, k=5.0):
    """|sample mean - mean| within k standard errors (variance known), no allowance."""
    return within(np.mean(sample), np.sqrt(var / np.size(sample)), mean, k=k)


# ---------------------------------------------------------------------------------------- random
def test_block_random_rows_come_from_their_own_block():
    two = BlockRandom([np.random.default_rng(1), np.random.default_rng(2)], [3, 4])
    alone = BlockRandom([np.random.default_rng(2)], [4])
    a, b = two.normal(5), two.binomial(10, np.full((7, 1), 0.3), 2)
    assert np.array_equal(a[3:], alone.normal(5))
    assert np.array_equal(b[3:], alone.binomial(10, np.full((4, 1), 0.3), 2))


def test_block_random_rejects_bad_sizes():
    with pytest.raises(ValueError, match="sizes"):
        BlockRandom([np.random.default_rng(1)], [0])


# ---------------------------------------------------------------------------------------- samplers
@pytest.mark.parametrize("name, params, state, dist", [
    ("gaussian-mean", {"mu": 1, "sigma": 2}, {"mu": 0.7}, stats.norm(0.7, 2)),
    ("gaussian", {}, {"mu": -0.3, "var": 2.25}, stats.norm(-0.3, 1.5)),
    ("exponential", {"rate": 2}, {"rate": 3.0}, stats.expon(scale=1 / 3)),
])
def test_continuous_samplers_match_scipy(name, params, state, dist):
    model = numeric_model(name, params)
    r = rand(400)
    ctx = model.context(r, 50)
    st = {k: np.full(400, v) for k, v in state.items()}
    x = model.draw(ctx, st, 50, r)["x"].ravel()
    assert stats.kstest(x, dist.cdf).pvalue > P_MIN


@pytest.mark.parametrize("name, params, state, dist", [
    ("bernoulli", {}, {"p": 0.37}, stats.bernoulli(0.37)),
    ("poisson", {}, {"lam": 2.5}, stats.poisson(2.5)),
])
def test_discrete_samplers_match_scipy(name, params, state, dist):
    model = numeric_model(name, params)
    r = rand(500)
    ctx = model.context(r, 40)
    x = model.draw(ctx, {k: np.full(500, v) for k, v in state.items()}, 40, r)["x"].ravel()
    values = np.arange(0, int(x.max()) + 1)
    observed = np.array([(x == v).sum() for v in values])
    expected = dist.pmf(values) * x.size
    expected[-1] += dist.sf(values[-1]) * x.size   # the top cell takes the tail
    assert stats.chisquare(observed, expected).pvalue > P_MIN


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_expfam_samplers_have_the_symbolic_moments(family):
    fam = FAMILIES[family]
    symbolic = get_model("expfam")
    # move off the default truth, inside the natural parameter space (negative for three families)
    eta = fam.natural_param_value + (-0.3 if family in ("exponential", "gamma", "geometric") else 0.2)
    params = symbolic.validate_params({"family": family, "eta": eta})
    truth = symbolic.truth(params)
    constants = {c.name: float(v) for c, v in truth.items() if c != fam.eta}
    # T(x) = x for every built-in family: the sampler's law has mean A'(eta) and variance A''(eta)
    name, kwargs = SAMPLERS[family].at(eta, constants)
    dist = getattr(stats, name)(**kwargs)
    assert dist.mean() == pytest.approx(float(fam.mean_map().subs(truth)), rel=1e-12)
    assert dist.var() == pytest.approx(float(fam.fisher_information().subs(truth)), rel=1e-12)
    model = numeric_model("expfam", params)
    r = rand(300)
    ctx = model.context(r, 40)
    x = model.draw(ctx, {"eta": np.full(300, eta)}, 40, r)["x"].ravel()
    assert close_mean(x, dist.mean(), dist.var())
    # and the mean of T solves the moment equation at the true eta
    t = np.asarray(model.statistic(x), dtype=float)
    assert abs(model.eta_of_mean(np.array([t.mean()]))[0] - eta) < 0.1
    # the MLE map inverts A' (lambdified from SymPy's inverse, or bisection)
    etas = eta + np.array([-0.4, -0.1, 0.0, 0.05])
    etas = etas[[bool(fam.eta_domain.contains(sp.Float(e))) for e in etas]]
    means = sp.lambdify(fam.eta, fam.mean_map().subs({c: v for c, v in truth.items() if c != fam.eta}))(etas)
    np.testing.assert_allclose(mean_to_natural(fam, params)(means), etas, rtol=1e-10, atol=1e-12)


def test_family_without_closed_form_inverse_is_fitted_by_bisection():
    fam = logseries()
    symbolic = get_model("expfam").with_family(fam)
    params = symbolic.validate_params({"family": "logseries", "eta": "-0.7"})
    etas = np.array([-3.0, -0.7, -0.05])
    means = np.array([stats.logser(np.exp(e)).mean() for e in etas])
    np.testing.assert_allclose(mean_to_natural(fam, params)(means), etas, rtol=1e-9)
    # a mean below the smallest value of T: no MLE, the boundary -inf of the natural space
    assert mean_to_natural(fam, params)(np.array([0.5])).tolist() == [-np.inf]
    assert invert_increasing(np.tanh, np.array([2.0]), 0.0, -np.inf, np.inf).tolist() == [np.inf]
    # simulated with a sampler of its own
    with pytest.raises(ValueError, match="family 'logseries' has no sampler"):
        numeric_model_class("expfam")(params, [-0.7], symbolic)
    sampler = FamilySampler("logser", lambda eta, c: {"p": np.exp(eta)})
    model = numeric_model_class("expfam")(params, [-0.7], symbolic, sampler)
    r = rand(200)
    ctx = model.context(r, 30)
    x = model.draw(ctx, model.truth(ctx), 30, r)["x"].ravel()
    dist = stats.logser(np.exp(-0.7))
    assert close_mean(x, dist.mean(), dist.var())
    with pytest.raises(ValueError, match="scipy.stats distribution"):
        FamilySampler("no-such-law", lambda eta, c: {})


def test_mvn_sampler_has_the_fitted_covariance():
    model = numeric_model("mvn", {"d": 3})
    r = rand(200)
    ctx = model.context(r, 100)
    A = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.3], [0.0, 0.3, 0.5]])
    mu = np.array([1.0, -1.0, 0.5])
    state = {"mu": np.tile(mu, (200, 1)), "chol": np.tile(np.linalg.cholesky(A), (200, 1, 1))}
    x = model.draw(ctx, state, 100, r)["x"].reshape(-1, 3)
    assert np.allclose(x.mean(axis=0), mu, atol=5 * np.sqrt(np.diag(A) / len(x)))
    # entries of the sample covariance: standard error about sqrt((A_ii A_jj + A_ij^2)/N)
    se = np.sqrt((np.outer(np.diag(A), np.diag(A)) + A**2) / len(x))
    assert np.all(np.abs(np.cov(x.T) - A) < 5 * se)


@pytest.mark.parametrize("design", ["fixed", "fresh"])
def test_linreg_sampler_noise_is_the_true_sigma(design):
    model = numeric_model("linreg", {"d": 3, "sigma": 0.5, "design": design})
    r = rand(100)
    ctx = model.context(r, 30)
    w = np.array([0.3, -0.2, 1.0])
    pts = model.draw(ctx, {"coef": np.tile(w, (100, 1))}, 60, r)
    X = ctx.X[:, np.arange(60) % 30] if design == "fixed" else pts["X"]
    resid = (pts["y"] - X @ w).ravel()
    assert stats.kstest(resid, stats.norm(0, 0.5).cdf).pvalue > P_MIN


@pytest.mark.parametrize("design", ["fixed", "fresh"])
def test_logistic_sampler_labels_follow_the_fitted_probabilities(design):
    model = numeric_model("logistic", {"d": 2, "design": design})
    r = rand(200)
    ctx = model.context(r, 50)
    beta = np.array([1.5, -0.5])
    pts = model.draw(ctx, {"coef": np.tile(beta, (200, 1))}, 50, r)
    X = ctx.X if design == "fixed" else pts["X"]
    p = 1 / (1 + np.exp(-(X @ beta)))
    # sum of (y - p) is a sum of independent centred terms of variance p(1 - p)
    assert abs((pts["y"] - p).sum()) < 5 * np.sqrt((p * (1 - p)).sum())


def test_kde_sampler_is_the_weighted_mixture():
    model = numeric_model("kde", {"h": 0.3})
    r = rand(2000)
    ctx = model.context(r, 1)
    support = np.tile([-1.0, 0.0, 2.0], (2000, 1))
    w = np.array([0.5, 0.3, 0.2])
    state = {"support": support, "_cdf": np.cumsum(w), "_weights": w, "_scale": 0.3}
    x = model.draw(ctx, state, 20, r)["x"].ravel()
    def mixture_cdf(t):
        return sum(wi * stats.norm.cdf(t, loc=si, scale=0.3) for wi, si in zip(w, support[0], strict=True))

    assert stats.kstest(x, mixture_cdf).pvalue > P_MIN


# ---------------------------------------------------------------------------------------- estimators
def test_weighted_median_minimises_weighted_absolute_deviation():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(50, 7))
    w = rng.integers(0, 4, size=7)
    w[0] = max(w[0], 1)
    med = weighted_median(x, w)
    for row, m in zip(x, med, strict=True):
        cost = lambda t: (w * np.abs(row - t)).sum()  # noqa: E731, B023
        best = min(cost(t) for t in row)
        assert cost(m) <= best + 1e-12


def test_point_weights_are_exact_integers_or_none():
    parts = [Part({}, Fraction(1, 3), 2, 2), Part({}, Fraction(2, 3), 3, 3)]
    w = point_weights(parts)
    assert w.dtype == np.int64 and w[0] * 4 == w[2] * 3          # 1/6 : 2/9 = 3 : 4
    assert point_weights([Part({}, Fraction(1, 2), 3, 3), Part({}, Fraction(1, 2), 3, 3)]) is None


def test_weighted_fits_equal_direct_weighted_estimates():
    """Pooled entries with shares: the weighted mean/variance/median of the concatenated points."""
    r = rand(30)
    shares = [Fraction(1, 5), Fraction(4, 5)]
    sizes = [6, 9]
    for name, params in [("gaussian", {"estimator": "mle"}), ("gaussian", {"estimator": "unbiased"}),
                         ("gaussian-mean", {"estimator": "median"}), ("gaussian-mean", {})]:
        model = numeric_model(name, params)
        ctx = model.context(r, 6)
        pts = [model.draw(ctx, model.truth(ctx), m, r) for m in sizes]
        parts = [Part(model.summarise(ctx, p, m), s, m, m)
                 for p, s, m in zip(pts, shares, sizes, strict=True)]
        state, failed = model.fit(ctx, parts)
        x = np.concatenate([p["x"] for p in pts], axis=1)
        w = np.concatenate([np.full(m, float(s) / m) for s, m in zip(shares, sizes, strict=True)])
        mean = (x * w).sum(axis=1) / w.sum()
        assert not failed.any()
        if name == "gaussian":
            wn = w / w.sum()
            scatter = ((x - mean[:, None]) ** 2 * wn).sum(axis=1)
            expected = scatter if params["estimator"] == "mle" else scatter / (1 - (wn**2).sum())
            assert np.allclose(state["var"], expected, rtol=1e-12)
            assert np.allclose(state["mu"], mean, rtol=1e-12)
        elif params.get("estimator") == "median":
            assert np.allclose(state["mu"], weighted_median(x, w))
        else:
            assert np.allclose(state["mu"], mean, rtol=1e-12)


def test_unbiased_variance_of_one_pooled_batch_has_divisor_m_minus_1():
    model = numeric_model("gaussian", {"estimator": "unbiased"})
    r = rand(5)
    ctx = model.context(r, 7)
    pts = model.draw(ctx, model.truth(ctx), 7, r)
    state, _ = model.fit(ctx, [whole(model, ctx, pts, 7)])
    assert np.allclose(state["var"], pts["x"].var(axis=1, ddof=1))


def test_mvn_fit_is_the_sample_covariance():
    for estimator, ddof in (("mle", 0), ("unbiased", 1)):
        model = numeric_model("mvn", {"d": 3, "estimator": estimator})
        r = rand(4)
        ctx = model.context(r, 12)
        pts = model.draw(ctx, model.truth(ctx), 12, r)
        state, failed = model.fit(ctx, [whole(model, ctx, pts, 12)])
        for i in range(4):
            assert np.allclose(state["cov"][i], np.cov(pts["x"][i].T, ddof=ddof))
        assert np.allclose(model.metrics(ctx, state)["det_ratio"], np.linalg.det(state["cov"]))


@pytest.mark.parametrize("design", ["fixed", "fresh"])
def test_linreg_weighted_fit_is_weighted_least_squares(design):
    model = numeric_model("linreg", {"d": 3, "design": design})
    r = rand(6)
    ctx = model.context(r, 20)
    a = model.draw(ctx, model.truth(ctx), 20, r)
    b = model.draw(ctx, model.truth(ctx), 40, r)
    idx = np.argsort(r.uniform(40), axis=1)[:, :25]
    parts = [Part(model.summarise(ctx, a, 20), Fraction(1, 3), 20, 20),
             Part(model.summarise(ctx, b, 40, idx), Fraction(2, 3), 25, 40)]
    state, failed = model.fit(ctx, parts)
    for i in range(6):
        if design == "fixed":
            X = np.concatenate([ctx.X[i], ctx.X[i][idx[i] % 20]])
        else:
            X = np.concatenate([a["X"][i], b["X"][i][idx[i]]])
        y = np.concatenate([a["y"][i], b["y"][i][idx[i]]])
        w = np.concatenate([np.full(20, 1 / 60), np.full(25, 2 / 75)])
        fit = sm.WLS(y, X, weights=w).fit()
        assert np.allclose(state["coef"][i], fit.params, rtol=1e-9, atol=1e-12)


def test_batched_logistic_mle_equals_statsmodels_glm():
    """The batched damped Newton and statsmodels' IRLS agree to 1e-6 on the same (weighted) data."""
    rng = np.random.default_rng(11)
    R, N, d = 8, 150, 3
    X = rng.normal(size=(R, N, d))
    beta0 = np.array([1.0, -0.7, 0.3])
    y = (rng.random((R, N)) < 1 / (1 + np.exp(-(X @ beta0)))).astype(float)
    w = rng.choice([0.5, 1.0, 2.0], size=N)
    beta, status, _ = logistic_mle(X, w, w * y)
    assert (status == 0).all()
    for i in range(R):
        glm = sm.GLM(y[i], X[i], family=sm.families.Binomial(), freq_weights=w).fit(tol=1e-12)
        assert np.max(np.abs(beta[i] - glm.params)) < 1e-6


def test_fixed_design_logistic_fit_equals_statsmodels_on_the_pooled_points():
    model = numeric_model("logistic", {"d": 2, "design": "fixed"})
    r = rand(5, seed=3)
    ctx = model.context(r, 60)
    batches = [model.draw(ctx, model.truth(ctx), 60, r) for _ in range(3)]
    parts = [Part(model.summarise(ctx, b, 60), Fraction(1, 3), 60, 60) for b in batches]
    state, failed = model.fit(ctx, parts)
    assert not failed.any()
    for i in range(5):
        X = np.concatenate([ctx.X[i]] * 3)
        y = np.concatenate([b["y"][i] for b in batches])
        glm = sm.GLM(y, X, family=sm.families.Binomial()).fit(tol=1e-12)
        assert np.max(np.abs(state["coef"][i] - glm.params)) < 1e-6


def test_expfam_fit_solves_the_moment_equation():
    model = numeric_model("expfam", {"family": "gamma", "shape": "3"})
    r = rand(4)
    ctx = model.context(r, 30)
    pts = model.draw(ctx, model.truth(ctx), 30, r)
    state, failed = model.fit(ctx, [whole(model, ctx, pts, 30)])
    # A(eta) = -shape log(-eta): A'(eta) = -shape/eta = mean x
    assert np.allclose(state["eta"], -3 / pts["x"].mean(axis=1))


def test_kde_fit_keeps_the_weighted_points():
    model = numeric_model("kde", {"h": 0.2})
    r = rand(3)
    ctx = model.context(r, 4)
    a, b = (model.draw(ctx, model.truth(ctx), m, r) for m in (4, 8))
    state, _ = model.fit(ctx, [Part(model.summarise(ctx, a, 4), Fraction(1, 2), 4, 4),
                               Part(model.summarise(ctx, b, 8), Fraction(1, 2), 8, 8)])
    w = np.r_[np.full(4, 1 / 8), np.full(8, 1 / 16)]
    x = np.concatenate([a["x"], b["x"]], axis=1)
    mean = x @ w
    assert np.allclose(model.metrics(ctx, state)["var"], ((x - mean[:, None]) ** 2) @ w + 0.04)


# ---------------------------------------------------------------------------------------- fast paths
FAST = [("gaussian-mean", {}, ["mean"]), ("gaussian", {}, ["mean", "m2"]), ("mvn", {"d": 2}, ["mean", "m2"]),
        ("linreg", {"d": 2}, ["b"]), ("linreg", {"d": 2, "design": "fresh"}, ["gram", "xty"]),
        ("logistic", {"d": 2}, ["b"]), ("bernoulli", {}, ["total"]), ("poisson", {}, ["total"]),
        ("exponential", {}, ["total"])]


@pytest.mark.parametrize("name, params, keys", FAST)
def test_fast_summaries_have_the_law_of_summarised_points(name, params, keys):
    """The statistic drawn directly and the statistic of drawn points: same law (two-sample KS)."""
    model = numeric_model(name, params)
    assert model.summary_draw
    m = 7
    r1, r2 = rand(3000, seed=1), rand(3000, seed=2)
    c1, c2 = model.context(r1, 5), model.context(r2, 5)
    if hasattr(c2, "X"):          # compare on the same fixed design
        c2.X, c2.gram = c1.X, c1.gram
    s1 = model.draw_summary(c1, model.truth(c1), m, r1)
    s2 = model.summarise(c2, model.draw(c2, model.truth(c2), m, r2), m)
    for key in keys:
        a = np.asarray(s1[key]).reshape(3000, -1)
        b = np.asarray(s2[key]).reshape(3000, -1)
        for j in range(a.shape[1]):
            if np.ptp(a[:, j]) == 0 and np.ptp(b[:, j]) == 0:
                assert a[0, j] == b[0, j]
                continue
            if name in ("bernoulli", "poisson", "logistic"):     # discrete: compare means (5 SE)
                se = np.sqrt(a[:, j].var() / 3000 + b[:, j].var() / 3000)
                assert abs(a[:, j].mean() - b[:, j].mean()) < 5 * se + 1e-12
            else:
                assert stats.ks_2samp(a[:, j], b[:, j]).pvalue > P_MIN, (key, j)


def test_row_counts_cycle_positions():
    assert row_counts(5, 5).tolist() == [1.0] * 5
    assert row_counts(12, 5).tolist() == [3.0, 3.0, 2.0, 2.0, 2.0]
    assert row_counts(3, 5).tolist() == [1.0, 1.0, 1.0, 0.0, 0.0]


# ---------------------------------------------------------------------------------------- failures
def test_failures_are_flagged():
    r = rand(4)
    # one point: zero MLE variance, undefined unbiased variance
    for estimator in ("mle", "unbiased"):
        model = numeric_model("gaussian", {"estimator": estimator})
        ctx = model.context(r, 1)
        _, failed = model.fit(ctx, [whole(model, ctx, model.draw(ctx, model.truth(ctx), 1, r), 1)])
        assert failed.all()
    # mvn with d points in d dimensions: singular covariance
    model = numeric_model("mvn", {"d": 3})
    ctx = model.context(r, 3)
    _, failed = model.fit(ctx, [whole(model, ctx, model.draw(ctx, model.truth(ctx), 3, r), 3)])
    assert failed.all()


def test_separable_logistic_data_fail_and_others_converge():
    X = np.array([[[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [1.0, 1.0], [-1.0, -1.0]]] * 2)
    # replicate 0 is separated by x1 + x2; replicate 1 is not (x and -x both have label 1 on axis 1,
    # both label 0 on axis 2, so no direction separates them)
    y = np.array([[1, 1, 0, 0, 1, 0], [1, 0, 1, 0, 0, 1]], dtype=float)
    beta, status, _ = logistic_mle(X, 1.0, y)
    assert status[0] != 0 and status[1] == 0


def test_logistic_ignores_other_replicates_when_one_fails():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3, 40, 2))
    y = (rng.random((3, 40)) < 0.5).astype(float)
    y[1] = (X[1, :, 0] > 0).astype(float)                    # replicate 1: separable
    beta, status, _ = logistic_mle(X, 1.0, y)
    alone = logistic_mle(X[[0, 2]], 1.0, y[[0, 2]]).coef
    assert status.tolist()[1] != 0 and np.array_equal(beta[[0, 2]], alone)


def test_absorption_is_exact():
    model = numeric_model("poisson", {"lam": 0.5})
    r = rand(3)
    ctx = model.context(r, 4)
    zero = {"lam": np.array([0.0, 0.0, 1.0])}
    parts = [whole(model, ctx, model.draw(ctx, zero, 4, r), 4, Fraction(1, 3)),
             whole(model, ctx, model.draw(ctx, zero, 4, r), 4, Fraction(2, 3))]
    state, failed = model.fit(ctx, parts)
    assert state["lam"][:2].tolist() == [0.0, 0.0] and not failed.any()
    assert model.metrics(ctx, state)["absorbed"][:2].tolist() == [1.0, 1.0]


def test_expfam_boundary_mle_fails():
    model = numeric_model("expfam", {"family": "poisson"})
    r = rand(2)
    ctx = model.context(r, 3)
    pts = model.draw(ctx, {"eta": np.array([-np.inf, 0.0])}, 3, r)
    _, failed = model.fit(ctx, [whole(model, ctx, pts, 3)])
    assert failed[0]


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_numeric_faces_compute_the_declared_metrics(name):
    # the metric names are declared once (theory.models.catalogue); the face must compute exactly those
    model = numeric_model(name, {"d": 2} if name in ("mvn", "linreg", "logistic") else {})
    assert type(model).spec is MODELS[name] and model.name == name and model.metric_names == MODELS[name].metrics
    r = rand(4)
    ctx = model.context(r, 30)
    batch = model.draw(ctx, model.truth(ctx), 30, r)
    state, _ = model.fit(ctx, [whole(model, ctx, batch, 30)])
    assert tuple(model.metrics(ctx, state)) == MODELS[name].metrics


def test_numeric_registry_loads_each_face_on_first_use():
    # A bare ``theory`` and ``numerics`` (their __init__ import whole layers): what one numeric model costs.
    root = Path(__file__).resolve().parents[2]
    code = textwrap.dedent(f"""
        import sys, types
        for name in ("theory", "numerics"):
            package = types.ModuleType(name)
            package.__path__ = [{str(root)!r} + "/" + name]
            sys.modules[name] = package
        from numerics.models import numeric_model
        model = numeric_model("poisson", {{"lam": "2"}})
        print([m for m in ("sympy", "scipy", "matplotlib") if m in sys.modules],
              sorted(m for m in sys.modules if m.startswith(("numerics.models.", "theory.models."))))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split(" ", 1)[0] == "[]", out
    assert "numerics.models.counts" in out and "numerics.models.regression" not in out, out
    assert "theory.models.counts" not in out, out


def test_unknown_model_and_bad_parameters_are_rejected():
    with pytest.raises(ValueError, match="unknown model 'nope'"):
        numeric_model("nope")
    with pytest.raises(ValueError, match="-1"):
        numeric_model("gaussian", {"sigma": "-1"})
