"""The models' symbolic faces against independent routes.

Fisher informations derived by SymPy (E of minus the Hessian) are compared with
mpmath: numerical differentiation of the log-density and numerical integration of
the score's outer product (E score score^T, a different identity), or with scipy
log-densities and Monte Carlo. V of the median is checked against mpmath and a
Monte Carlo of real sample medians.
"""

import math
import subprocess
import sys
import textwrap
from pathlib import Path

import mpmath
import numpy as np
import pytest
import scipy.integrate
import scipy.stats
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from theory.models import (
    FAMILIES,
    MODEL_NAMES,
    MODELS,
    ExponentialFamily,
    get_model,
    linreg_truth,
    logistic_truth,
    model_spec,
    std_normal_moment,
)
from theory.models.catalogue import FAMILY_HEADERS, linreg_theta0, logistic_theta0
from theory.models.expectations import Z, polynomial_terms, quadrature, std_normal_expect
from theory.models.registry import ModelRegistry, ModelSpec, Parameter

from ..statistics import assert_within


# --------------------------------------------------------------------- registry and parameters
def test_registry_names_every_model():
    assert MODEL_NAMES == ("gaussian-mean", "gaussian", "mvn", "linreg", "logistic", "bernoulli", "poisson",
                           "exponential", "expfam", "kde", "categorical")
    for name in MODEL_NAMES:
        model = get_model(name)
        assert model.name == name and model is get_model(name)
        assert model.estimators and model.metrics[0] == "risk" and model.metrics[-1] == "failed"


def test_the_declarations_load_without_sympy_and_the_faces_on_demand():
    # A bare ``theory`` package (its __init__ imports the whole layer): what theory.models costs by itself.
    root = Path(__file__).resolve().parents[2]
    code = textwrap.dedent(f"""
        import sys, types
        package = types.ModuleType("theory")
        package.__path__ = [{str(root / "theory")!r}]
        sys.modules["theory"] = package
        import theory.models as models
        spec = models.MODELS["logistic"]
        assert spec.validate({{"d": "3"}}) == {{"d": 3, "design": "fixed"}}
        assert len(spec.natural_parameter({{"d": 3}})) == 3 and repr(models.MODELS)
        models.MODELS["expfam"].validate({{"family": "gamma", "shape": "2"}})
        heavy = [m for m in ("sympy", "scipy", "numpy", "matplotlib") if m in sys.modules]
        before = models.MODELS.loaded("symbolic")
        models.get_model("poisson")
        print(heavy, before, models.MODELS.loaded("symbolic"), "sympy" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "()", "('bernoulli',", "'poisson',", "'exponential')", "True"]


def test_every_face_reads_its_one_declaration():
    for name in MODEL_NAMES:
        spec, model = MODELS[name], get_model(name)
        assert model_spec(name) is spec and type(model).spec is spec
        assert model.metrics == (*spec.metrics, "failed") and model.parameters == spec.parameters
        assert model.natural_parameter().tolist() == list(spec.natural_parameter())


def test_registry_and_declarations_print_short():
    table = repr(MODELS).splitlines()
    rows = [row for row in table[2:] if not row.startswith(" ")]     # long parameter lists continue below
    assert table[0] == "11 models" and len(rows) == 11 and max(map(len, table)) <= 120
    assert [row.split()[0] for row in rows] == list(MODEL_NAMES)
    assert repr(MODELS["poisson"]) == "ModelSpec('poisson': lam [1.0]; estimators mle; metrics risk, absorbed, failed)"
    assert repr(get_model("mvn")) == "<MultivariateGaussian 'mvn'>"
    assert repr(FAMILIES["gamma"]) == ("ExponentialFamily('gamma': T(x) = x, A(eta) = -shape*log(-eta), "
                                       "eta in Interval.open(-oo, 0))")


def test_a_new_model_is_one_declaration_and_one_decorated_face():
    registry = ModelRegistry()
    registry.add_layer("symbolic", "theory.models")
    spec = registry.declare(ModelSpec("coin", "counts", "a coin", (Parameter("p", "probability", 0.5),), "p",
                                      lambda params: (params["p"],), metrics=("risk", "heads")))
    assert list(registry) == ["coin"] and "coin" in registry and spec.defaults == {"p": 0.5}

    @registry.attach("symbolic", "coin")
    class Coin:
        pass

    assert registry.face("coin", "symbolic") is Coin and Coin.spec is spec
    assert registry.loaded("symbolic") == ("coin",)
    registry.declare(ModelSpec("die", "counts", "a die", (), "p", lambda params: (1 / 6,)))
    with pytest.raises(LookupError, match="model 'die' has no symbolic face: theory.models.counts attaches none"):
        registry.face("die", "symbolic")
    with pytest.raises(ValueError, match="unknown kind of face 'numeric'"):
        registry.face("coin", "numeric")
    with pytest.raises(ValueError, match="metrics must start with 'risk'"):
        ModelSpec("bad", "counts", "", (), "p", lambda params: (), metrics=("risk", "failed"))


def test_true_coefficients_are_the_nearest_floats_to_the_exact_truth():
    with mpmath.workdps(60):
        for d in range(1, 41):
            for floats, exact in ((linreg_theta0(d), linreg_truth(d)), (logistic_theta0(d), logistic_truth(d))):
                assert list(floats) == [float(mpmath.mpf(str(sp.N(v, 50)))) for v in exact], d


def test_non_polynomial_expectations_fall_back_to_integration():
    # sp.Poly raises PolynomialError (not PolificationFailed) for exp(z): the fallbacks must still run
    assert polynomial_terms(sp.exp(Z), [Z]) is None and polynomial_terms(Z**2 + 1, [Z]) == [((2,), 1), ((0,), 1)]
    assert std_normal_expect(sp.Heaviside(Z)) == sp.Rational(1, 2)
    model = get_model("logistic")
    x1 = model.data_symbols({"d": 2})[0]
    with pytest.raises(ValueError, match="not polynomial in x"):
        model.expectation(sp.exp(x1), {"d": 2})


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown model 'gauss'") as err:
        get_model("gauss")
    assert all(name in str(err.value) for name in MODEL_NAMES)


def test_defaults_follow_the_design_table():
    expected = {
        "gaussian-mean": {"mu": 0.0, "sigma": 1.0, "estimator": "mean"},
        "gaussian": {"mu": 0.0, "sigma": 1.0, "estimator": "mle"},
        "mvn": {"d": 2, "estimator": "mle"},
        "linreg": {"d": 5, "sigma": 1.0, "design": "fixed", "lam": 0.0, "shift": 0.0},
        "logistic": {"d": 5, "design": "fixed"},
        "bernoulli": {"p": 0.3},
        "poisson": {"lam": 1.0},
        "exponential": {"rate": 1.0},
        "expfam": {"family": "poisson", "eta": 0.0},
        "kde": {"h": 0.5},
        "categorical": {"truth": "zipf", "beta": 1.5, "K": 1000, "alpha": 0.0, "T": None},
    }
    for name, defaults in expected.items():
        assert get_model(name).defaults == defaults
        assert get_model(name).validate_params({}) == defaults


def test_set_strings_are_parsed_as_numbers():
    assert get_model("gaussian").validate_params({"sigma": "2", "mu": "-1/4"}) == {
        "mu": -0.25, "sigma": 2.0, "estimator": "mle"}
    mvn = get_model("mvn").validate_params({"d": "3", "estimator": "unbiased"})
    assert mvn == {"d": 3, "estimator": "unbiased"}
    assert get_model("linreg").validate_params({"design": "fresh", "d": 4.0})["d"] == 4
    params = get_model("expfam").validate_params({"family": "gamma", "eta": "-0.5", "shape": "3"})
    assert params == {"family": "gamma", "eta": -0.5, "shape": 3.0}


def test_validation_is_idempotent():
    for name in MODEL_NAMES:
        model = get_model(name)
        once = model.validate_params({})
        assert model.validate_params(once) == once


def test_unknown_key_is_named():
    with pytest.raises(ValueError, match=r"kde: unknown parameter 'bandwidth' \(value '0.3'\)"):
        get_model("kde").validate_params({"bandwidth": "0.3"})
    with pytest.raises(ValueError, match="unknown parameter 'shape'"):
        get_model("expfam").validate_params({"family": "poisson", "shape": 2})


def test_expressions_are_never_evaluated():
    with pytest.raises(ValueError, match=r"__import__"):
        get_model("poisson").validate_params({"lam": "__import__('os').getcwd()"})
    with pytest.raises(ValueError, match=r"'1\+1'"):
        get_model("poisson").validate_params({"lam": "1+1"})


# (model, key, kind) for every numeric or choice parameter of the models
_SPECS = [(name, p.name, p.kind, p.choices) for name in MODEL_NAMES for p in get_model(name).parameters]
_NOT_NUMBERS = st.sampled_from(["abc", "", "1+1", "nan", "inf", "2**3", "0x10", "[1]", "--1"])


def _bad_values(kind, choices):
    if kind == "positive":
        return st.one_of(st.floats(max_value=0, allow_nan=False), st.integers(max_value=0), _NOT_NUMBERS)
    if kind == "probability":
        return st.one_of(st.floats(max_value=0, allow_nan=False), st.floats(min_value=1, allow_nan=False),
                         st.sampled_from(["1", "0", "3/2", "-0.1"]), _NOT_NUMBERS)
    if kind == "dimension":
        return st.one_of(st.integers(max_value=0), st.sampled_from([0.5, "2.5", "-3", "1/2"]), _NOT_NUMBERS)
    if kind == "real":
        return st.one_of(st.sampled_from([float("inf"), float("nan"), "1e999"]), _NOT_NUMBERS)
    return st.text(max_size=8).filter(lambda s: s not in choices)


@given(data=st.data())
def test_bad_parameters_are_rejected_with_the_value(data):
    name, key, kind, choices = data.draw(st.sampled_from(_SPECS))
    if name == "expfam" and key == "family":
        choices = tuple(get_model("expfam").families)
    value = data.draw(_bad_values(kind, choices))
    with pytest.raises(ValueError) as err:
        get_model(name).validate_params({key: value})
    message = str(err.value)
    assert "\n" not in message and repr(value) in message and key in message


def test_expfam_eta_outside_the_natural_space():
    message = r"eta must lie in Interval.open\(-oo, 0\) for family geometric, got '0.5'"
    with pytest.raises(ValueError, match=message):
        get_model("expfam").validate_params({"family": "geometric", "eta": "0.5"})


# --------------------------------------------------------------------- Fisher information by mpmath
def _score_outer_product(logpdf, theta, support, dps=20):
    """E score score^T with mpmath: numerical partial derivatives, quadrature or series over the data."""
    k = len(theta)

    def score(x):
        return [mpmath.diff(lambda *t: logpdf(x, *t), theta, tuple(int(i == j) for i in range(k)))
                for j in range(k)]

    out = np.zeros((k, k))
    with mpmath.workdps(dps):
        for a in range(k):
            for b in range(a, k):
                def integrand(x, a=a, b=b):
                    s = score(x)
                    return s[a] * s[b] * mpmath.exp(logpdf(x, *theta))
                if support == "integers":
                    value = mpmath.nsum(integrand, [0, mpmath.inf])
                elif support == "binary":
                    value = integrand(0) + integrand(1)
                else:
                    value = mpmath.quad(integrand, support)
                out[a, b] = out[b, a] = float(value)
    return out


def _fisher_at(model, params, truth):
    return np.array(model.fisher_information(params).subs(truth).evalf(20).tolist(), dtype=float)


_UNIVARIATE = [
    ("gaussian-mean", {"mu": 0.3, "sigma": 1.7}, [-mpmath.inf, 0.3, mpmath.inf]),
    ("gaussian", {"mu": -0.2, "sigma": 1.6}, [-mpmath.inf, -0.2, mpmath.inf]),
    ("bernoulli", {"p": 0.23}, "binary"),
    ("poisson", {"lam": 2.3}, "integers"),
    ("exponential", {"rate": 0.7}, [0, mpmath.inf]),
    ("kde", {"h": 0.5}, [-mpmath.inf, 0, mpmath.inf]),
]


@pytest.mark.parametrize("name,params,support", _UNIVARIATE, ids=[u[0] for u in _UNIVARIATE])
def test_univariate_fisher_matches_mpmath_score_variance(name, params, support):
    model = get_model(name)
    params = model.validate_params(params)
    truth = model.truth(params)
    theta_syms = model.theta(params)
    (x,) = model.data_symbols(params)
    logpdf = sp.lambdify((x, *theta_syms), model.log_density().subs(
        {s: v for s, v in truth.items() if s not in theta_syms}), "mpmath")
    theta = [mpmath.mpf(float(truth[s])) for s in theta_syms]
    numeric = _score_outer_product(logpdf, theta, support)
    np.testing.assert_allclose(_fisher_at(model, params, truth), numeric, rtol=1e-9, atol=1e-12)


def test_log_densities_match_scipy():
    checks = [
        ("gaussian-mean", {"mu": 0.3, "sigma": 1.7}, 1.1, scipy.stats.norm(0.3, 1.7).logpdf),
        ("gaussian", {"mu": -0.2, "sigma": 1.6}, 0.5, scipy.stats.norm(-0.2, 1.6).logpdf),
        ("bernoulli", {"p": 0.23}, 1, scipy.stats.bernoulli(0.23).logpmf),
        ("poisson", {"lam": 2.3}, 4, scipy.stats.poisson(2.3).logpmf),
        ("exponential", {"rate": 0.7}, 1.3, scipy.stats.expon(scale=1 / 0.7).logpdf),
        ("kde", {}, 0.4, scipy.stats.norm(0, 1).logpdf),
    ]
    for name, params, x, reference in checks:
        model = get_model(name)
        (sym,) = model.data_symbols(params)
        value = float(model.log_density(params).subs(sym, x))
        assert value == pytest.approx(reference(x), rel=1e-12), name


def test_gaussian_v_from_influence_functions_equals_inverse_fisher():
    model = get_model("gaussian")
    assert (model.asymptotic_covariance("unbiased") - model.asymptotic_covariance("mle")).applyfunc(
        sp.simplify) == sp.zeros(2, 2)
    # V of sigma_hat by the delta method against mpmath: Var of ((x-mu)^2 - sigma^2)/(2 sigma)
    sigma = 1.6
    with mpmath.workdps(20):
        v = mpmath.quad(lambda x: (((x**2 - sigma**2) / (2 * sigma)) ** 2) * mpmath.npdf(x, 0, sigma),
                        [-mpmath.inf, 0, mpmath.inf])
    delta = model.sigma_covariance().subs(model.truth({"sigma": sigma}))
    assert float(delta[1, 1]) == pytest.approx(float(v), rel=1e-12)


# --------------------------------------------------------------------- the median
def test_median_variance_against_mpmath_and_regularity():
    model = get_model("gaussian-mean")
    params = {"mu": 0.4, "sigma": 1.3}
    V = float(model.asymptotic_covariance("median", params).subs(model.truth(params))[0, 0])
    mu, sigma = 0.4, 1.3
    with mpmath.workdps(25):
        f_mu = mpmath.npdf(mu, mu, sigma)
        psi2 = mpmath.quad(lambda x: (mpmath.sign(x - mu) / (2 * f_mu)) ** 2 * mpmath.npdf(x, mu, sigma),
                           [-mpmath.inf, mu, mpmath.inf])
        # E[psi * score] = 1: the regularity condition of THEORY.md §1
        cross = mpmath.quad(lambda x: mpmath.sign(x - mu) / (2 * f_mu) * (x - mu) / sigma**2
                            * mpmath.npdf(x, mu, sigma), [-mpmath.inf, mu, mpmath.inf])
    assert V == pytest.approx(float(psi2), rel=1e-15)
    assert float(cross) == pytest.approx(1, rel=1e-15)
    psi, score = model.influence_function("median"), model.score()
    assert sp.simplify(model.expectation(psi[0] * score[0])) == 1


def test_median_variance_against_monte_carlo_of_sample_medians():
    rng = np.random.default_rng(np.random.SeedSequence(2024))
    m, reps, sigma = 401, 20000, 2.0
    medians = np.median(sigma * rng.standard_normal((reps, m)), axis=1)
    scaled = m * medians.var(ddof=1)
    model = get_model("gaussian-mean")
    V = float(model.asymptotic_covariance("median").subs(model.truth({"sigma": sigma}))[0, 0])
    # 4 standard errors of a sample variance (relative sqrt(2/(reps-1))) plus a 1.5% finite-m allowance
    # (m Var(median) exceeds pi sigma^2/2 by a relative O(1/m) term)
    assert abs(scaled - V) <= 4 * V * math.sqrt(2 / (reps - 1)) + 0.015 * V


# --------------------------------------------------------------------- multivariate and regression models
def _mc_score_outer(logpdf, theta, draws, step=1e-4):
    """Mean of score score^T over ``draws``, scores by central differences of a scipy log-density."""
    scores = []
    for j in range(len(theta)):
        up, down = np.array(theta, dtype=float), np.array(theta, dtype=float)
        up[j] += step
        down[j] -= step
        scores.append((logpdf(draws, up) - logpdf(draws, down)) / (2 * step))
    s = np.array(scores)
    return s @ s.T / s.shape[1], s


def _assert_mc_close(symbolic, mc_mean, scores, k=5):
    # k standard errors of each entry's sample mean (no finite-n bias: scores are exact up to O(step^2))
    prods = np.einsum("in,jn->ijn", scores, scores)
    se = prods.std(axis=2) / math.sqrt(scores.shape[1])
    assert_within(mc_mean, se, symbolic, k=k, allowance=1e-6)


def test_mvn_fisher_against_scipy_scores():
    model = get_model("mvn")
    params = {"d": 2}
    mu0, Sigma0 = np.array([0.5, -1.0]), np.array([[2.0, 0.6], [0.6, 1.0]])
    theta0 = [*mu0, Sigma0[0, 0], Sigma0[0, 1], Sigma0[1, 1]]
    syms = model.theta(params)
    at = dict(zip(syms, theta0, strict=True))
    fisher = np.array(model.fisher_information(params).subs(at).evalf().tolist(), dtype=float)
    rng = np.random.default_rng(np.random.SeedSequence(7))
    draws = rng.multivariate_normal(mu0, Sigma0, size=100_000)

    def logpdf(x, t):
        cov = np.array([[t[2], t[3]], [t[3], t[4]]])
        return scipy.stats.multivariate_normal(t[:2], cov).logpdf(x)

    mc, scores = _mc_score_outer(logpdf, theta0, draws)
    _assert_mc_close(fisher, mc, scores)


def test_mvn_v_is_the_numerical_inverse_of_the_fisher_information():
    model = get_model("mvn")
    rng = np.random.default_rng(np.random.SeedSequence(12))
    for d in (1, 2):
        params = {"d": d}
        A = rng.standard_normal((d, d))
        Sigma0 = A @ A.T + d * np.eye(d)
        at = dict(zip(model.theta(params), [*rng.standard_normal(d)] + [Sigma0[i, j] for i in range(d)
                                                                        for j in range(i, d)], strict=True))
        fisher = np.array(model.fisher_information(params).subs(at).evalf().tolist(), dtype=float)
        for estimator in ("mle", "unbiased"):
            V = np.array(model.asymptotic_covariance(estimator, params).subs(at).evalf().tolist(), dtype=float)
            np.testing.assert_allclose(V, np.linalg.inv(fisher), rtol=1e-12, atol=1e-12)
        V = model.asymptotic_covariance("mle", params).subs(model.truth(params))
        np.testing.assert_array_equal(np.array(V[:d, :d].tolist(), dtype=float), model.natural_covariance(params))
    np.testing.assert_array_equal(model.natural_covariance({"d": 6}), np.eye(6))


def test_linreg_fisher_against_scipy_scores_and_reduction():
    model = get_model("linreg")
    params = {"d": 3, "sigma": 0.8}
    truth = model.truth(params)
    fisher = _fisher_at(model, params, truth)
    rng = np.random.default_rng(np.random.SeedSequence(11))
    w0 = np.array(linreg_truth(3), dtype=float)
    x = rng.standard_normal((60_000, 3))
    y = x @ w0 + 0.8 * rng.standard_normal(60_000)

    def logpdf(data, w):
        return scipy.stats.norm(x @ w, 0.8).logpdf(y)

    mc, scores = _mc_score_outer(logpdf, w0, None)
    _assert_mc_close(fisher, mc, scores)
    for d in (1, 2, 3):
        p = {"d": d, "sigma": 0.8}
        full = np.linalg.inv(_fisher_at(model, p, model.truth(p)))
        np.testing.assert_allclose(model.natural_covariance(p), full, rtol=1e-14)
    assert np.linalg.norm(model.natural_parameter({"d": 7})) == pytest.approx(1)


def _replace_integrals(expr):
    return expr.replace(lambda e: isinstance(e, sp.Integral), lambda e: sp.Float(quadrature(e), 20))


def test_logistic_fisher_against_two_dimensional_quadrature():
    model = get_model("logistic")
    params = {"d": 2}
    beta = np.array(logistic_truth(2), dtype=float)

    def g(eta):
        p = 1 / (1 + np.exp(-eta))
        return p * (1 - p)

    numeric = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            numeric[i, j] = scipy.integrate.dblquad(
                lambda a, b, i=i, j=j: g(beta[0] * a + beta[1] * b) * (a, b)[i] * (a, b)[j]
                * np.exp(-(a * a + b * b) / 2) / (2 * np.pi), -9, 9, -9, 9, epsabs=1e-11)[0]
    symbolic = model.fisher_information(params).subs(model.truth(params))
    symbolic = np.array(_replace_integrals(symbolic).evalf().tolist(), dtype=float)
    np.testing.assert_allclose(symbolic, numeric, rtol=1e-8)
    np.testing.assert_allclose(model.natural_covariance(params), np.linalg.inv(numeric), rtol=1e-8)
    # the Sherman-Morrison V inverts the Fisher information
    V = np.array(_replace_integrals(model.asymptotic_covariance(params={"d": 3}).subs(
        model.truth({"d": 3}))).evalf().tolist(), dtype=float)
    fisher3 = np.array(_replace_integrals(model.fisher_information({"d": 3}).subs(
        model.truth({"d": 3}))).evalf().tolist(), dtype=float)
    np.testing.assert_allclose(V @ fisher3, np.eye(3), atol=1e-12)


def test_logistic_truth_is_documented_unit_vector():
    for d in (1, 2, 5, 9):
        beta = np.array(logistic_truth(d), dtype=float)
        assert np.linalg.norm(beta) == pytest.approx(1)
        raw = np.array([(-1) ** i / (i // 2 + 1) for i in range(d)])
        np.testing.assert_allclose(beta, raw / np.linalg.norm(raw))


def test_std_normal_moments_against_mpmath():
    for k in range(7):
        with mpmath.workdps(20):
            full = mpmath.quad(lambda z, k=k: z**k * mpmath.npdf(z), [-mpmath.inf, 0, mpmath.inf])
            half = mpmath.quad(lambda z, k=k: z**k * mpmath.npdf(z), [0, mpmath.inf])
        assert float(std_normal_moment(k)) == pytest.approx(float(full), abs=1e-15)
        assert float(std_normal_moment(k, half=True)) == pytest.approx(float(half), rel=1e-15)


# --------------------------------------------------------------------- risk_1 and natural parameters
def test_risk1_is_trace_of_natural_v_over_m():
    cases = {"gaussian-mean": ({"sigma": 2.0}, 4.0), "gaussian": ({"sigma": 3.0}, 9.0),
             "mvn": ({"d": 3}, 3.0),
             "linreg": ({"d": 4, "sigma": 0.5}, 1.0), "bernoulli": ({"p": 0.2}, 0.16),
             "poisson": ({"lam": 2.5}, 2.5), "exponential": ({"rate": 3.0}, 9.0), "kde": ({}, 1.0),
             "expfam": ({"family": "gamma", "eta": -2.0, "shape": 3.0}, 4 / 3)}
    for name, (params, trace) in cases.items():
        assert get_model(name).risk1(params, 50) == pytest.approx(trace / 50, rel=1e-12), name
    median = get_model("gaussian-mean").risk1({"estimator": "median"}, 10)
    assert median == pytest.approx(math.pi / 2 / 10, rel=1e-12)
    with pytest.raises(ValueError, match="got 0"):
        get_model("kde").risk1({}, 0)


def test_natural_parameters():
    assert get_model("gaussian").natural_parameter({"mu": 1.5}).tolist() == [1.5]
    assert get_model("mvn").natural_parameter({"d": 3}).tolist() == [0, 0, 0]
    np.testing.assert_allclose(get_model("linreg").natural_parameter({"d": 4}), [0.5] * 4)
    assert get_model("expfam").natural_parameter({"family": "geometric"}).tolist() == [-1.0]
    assert get_model("kde").natural_parameter({}).tolist() == [0.0]


# --------------------------------------------------------------------- exponential families
@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_builtin_family_is_normalised_and_inverts_its_mean_map(name):
    fam = FAMILIES[name]
    model = get_model("expfam")
    eta = fam.natural_param_value - 0.3
    params = model.validate_params({"family": name, "eta": eta})
    truth = model.truth(params)
    assert float(model.fisher_information(params)[0, 0].subs(truth)) == pytest.approx(
        float(fam.fisher_information().subs(truth)), rel=1e-15)
    assert float(fam.mle_variance().subs(truth)) * float(fam.fisher_information().subs(truth)) == pytest.approx(1)
    # normalisation of h(x) exp(eta T - A) by mpmath, independent of SymPy's sums and integrals
    density = sp.lambdify(fam.x, sp.exp(fam.log_density()).subs(truth), "mpmath")
    with mpmath.workdps(20):
        if fam.discrete:
            total = mpmath.nsum(density, [0, 1 if name == "bernoulli" else mpmath.inf])
        else:
            start = float(fam.support.inf)
            total = mpmath.quad(density, [start, 0 if start < 0 else 1, mpmath.inf])
    assert float(total) == pytest.approx(1, rel=1e-12)
    # SymPy's inverse of the mean map, where it finds one, inverts A' at the truth
    inverse = fam.mean_to_natural_expr()
    if inverse is not None:
        mean = fam.mean_map().subs(truth)
        constants = {c: v for c, v in truth.items() if c != fam.eta}
        assert float(inverse.subs(constants).subs(sp.Symbol("tbar", real=True), mean)) == pytest.approx(eta)


def test_family_headers_are_the_sympy_families_numbers():
    for name, fam in FAMILIES.items():
        assert fam.header == FAMILY_HEADERS[name]
        assert FAMILY_HEADERS[name].eta_domain_text == str(fam.eta_domain)


def test_family_expectation_of_the_statistic_is_the_mean_map():
    for name in ("poisson", "geometric", "exponential", "bernoulli", "gamma"):
        fam = FAMILIES[name]
        assert sp.simplify(fam.expectation(fam.statistic) - fam.mean_map()) == 0


def logseries():
    """The logarithmic-series family, whose mean map SymPy cannot invert (tests/numerics uses it too)."""
    x = sp.Symbol("x", integer=True, positive=True)
    eta = sp.Symbol("eta", real=True)
    return ExponentialFamily("logseries", x, sp.log(-sp.log(1 - sp.exp(eta))), 1 / x, sp.Range(1, sp.oo),
                             -0.5, x=x, eta=eta, eta_domain=sp.Interval.open(-sp.oo, 0))


def test_custom_family_without_closed_form_inverse():
    fam = logseries()
    assert fam.mean_to_natural_expr() is None  # SymPy finds no inverse: the numeric face bisects
    model = get_model("expfam").with_family(fam)
    params = model.validate_params({"family": "logseries", "eta": "-0.7"})
    # A''(eta) is the variance of the log-series law with p = e^eta (scipy.stats.logser)
    assert float(model.fisher_information(params)[0, 0].subs(model.truth(params))) == pytest.approx(
        scipy.stats.logser(np.exp(-0.7)).var(), rel=1e-10)
    assert "logseries" not in get_model("expfam").families
    with pytest.raises(ValueError, match="eta must lie in Interval.open"):
        model.validate_params({"family": "logseries", "eta": "0.1"})


def test_family_construction_is_checked():
    x, eta = sp.Symbol("x"), sp.Symbol("eta")
    with pytest.raises(ValueError, match="outside the natural parameter space"):
        ExponentialFamily("bad", x, -sp.log(-eta), sp.S.One, sp.Interval(0, sp.oo), 1.0, x=x, eta=eta,
                          eta_domain=sp.Interval.open(-sp.oo, 0))
    with pytest.raises(ValueError, match=r"symbols \['c'\]"):
        ExponentialFamily("bad", x, sp.exp(eta) * sp.Symbol("c"), sp.S.One, sp.S.Naturals0, 0.0, x=x, eta=eta)
    with pytest.raises(TypeError, match="ExponentialFamily"):
        get_model("expfam").with_family("poisson")


@pytest.mark.parametrize("power", [0, 1, 2, 3, 5])
def test_poisson_polynomial_expectations_equal_the_summed_series(power):
    # the factorial-moment route against SymPy summing x^m lambda^x e^-lambda / x! over the support
    from theory.models.base import X_COUNT

    model = get_model("poisson")
    lam = model.theta()[0]
    expr = (X_COUNT - lam) ** power / lam + 2 * X_COUNT
    series = sp.summation(expr * lam**X_COUNT * sp.exp(-lam) / sp.factorial(X_COUNT), (X_COUNT, 0, sp.oo))
    assert sp.simplify(model.expectation(expr) - series) == 0
