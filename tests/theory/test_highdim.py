"""Linear models in high dimensions: random-matrix facts and risks, each against an independent route."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from numerics.marchenko_pastur import mp_integral
from numerics.montecarlo import SimulationConfig, simulate
from theory.highdim import (
    RHO,
    MarchenkoPastur,
    PointMass,
    WishartRank,
    feedback_polynomials,
    fixed_design_terms,
    fresh_augment_terms,
    linreg_risk,
    ratio_limit_fresh_augment,
)
from theory.models import get_model
from theory.presets import preset
from theory.process import variances
from theory.random_matrix import (
    QuadraticSurd,
    mp_atom,
    mp_density,
    mp_edges,
    mp_resolvent_moments,
    mp_stieltjes,
    projection_trace,
    pseudo_inverse_trace,
)

SPECS = ["discard", "augment", "subsample", "window:2", "mix:1/2", "weighted:0.618", "weighted:1/2:2"]


# ------------------------------------------------------------------------------------------- the process
@pytest.mark.parametrize("spec", SPECS)
def test_feedback_polynomials_at_rho_one_are_the_process(spec):
    wf = preset(spec, 6)
    fp = feedback_polynomials(wf)
    assert [Fraction(int(q(1).p), int(q(1).q)) for q in fp.variance] == variances(wf)
    assert all(a(1) == 1 for a in fp.truth) and all(a(0) == 0 for a in fp.truth)
    # b_k(1): the shift a generation carries, by direct iteration of the shares
    carried = []
    for fit in wf.shares():
        carried.append(sum((s.share * (carried[s.source - 1] + 1) for s in fit if s.share and s.source),
                           Fraction(0)))
    assert [Fraction(int(b(1).p), int(b(1).q)) for b in fp.shift] == carried


def test_feedback_variance_is_the_sum_of_squared_loadings_along_paths():
    # discard: H_k = rho H_{k-1} + eps_k, so Var H_k = sum_{j<k} rho^{2j} (a direct check of the polynomial)
    rho = sp.Symbol("rho")
    for k, q in enumerate(feedback_polynomials(preset("discard", 5)).variance, start=1):
        direct = sum(rho ** (2 * j) for j in range(k))
        assert sp.expand(sp.Poly([int(c) for c in reversed(q.coeffs())], rho).as_expr() - direct) == 0


# ------------------------------------------------------------------------------------------- Wishart facts
@pytest.mark.parametrize("m, d", [(9, 3), (3, 9)])
def test_pseudo_inverse_trace_against_simulation(m, d):
    rng = np.random.default_rng(12)
    X = rng.standard_normal((20000, m, d))
    # the nonzero eigenvalues of X^T X are those of the smaller of X^T X and X X^T, invertible here
    small = X @ np.swapaxes(X, 1, 2) if m < d else np.swapaxes(X, 1, 2) @ X
    traces = np.trace(np.linalg.inv(small), axis1=1, axis2=2)
    exact = float(pseudo_inverse_trace(m, d))
    # exact target: 5 standard errors (the second moment is finite for these sizes)
    assert abs(traces.mean() - exact) < 5 * traces.std() / np.sqrt(len(traces))
    with pytest.raises(ValueError, match="infinite .* m = 4 rows and d = 3 columns"):
        pseudo_inverse_trace(4, 3)


def test_projection_onto_a_random_row_space_keeps_its_share_of_a_fixed_vector():
    rng = np.random.default_rng(13)
    X = rng.standard_normal((20000, 3, 8))
    w = np.ones(8) / np.sqrt(8)
    P = np.linalg.pinv(X) @ X
    kept = np.einsum("i,rij,j->r", w, P, w)
    assert abs(kept.mean() - float(projection_trace(3, 8))) < 5 * kept.std() / np.sqrt(len(kept))


def test_quadratic_surds_agree_with_sympy():
    x, y = QuadraticSurd(Fraction(1, 3), 2, 7), QuadraticSurd(-2, Fraction(1, 5), 7)
    X, Y = x.to_sympy(), y.to_sympy()
    for ours, theirs in ((x + y, X + Y), (x * y, X * Y), (x / y, X / Y), (3 - x, 3 - X), (x / 4, X / 4)):
        assert sp.simplify(ours.to_sympy() - theirs) == 0
    with pytest.raises(ValueError, match="different fields"):
        _ = x + QuadraticSurd(0, 1, 3)
    with mpmath.workdps(40):
        assert mpmath.almosteq(x.evaluate(40), mpmath.mpf(1) / 3 + 2 * mpmath.sqrt(7), 1e-39)


# ------------------------------------------------------------------------------------------- Marchenko–Pastur
@pytest.mark.parametrize("gamma, lam", [(Fraction(1, 4), Fraction(1)), (Fraction(3), Fraction(1, 2)),
                                        (Fraction(1), Fraction(1, 10))])
def test_resolvent_moments_are_the_density_integrals(gamma, lam):
    c = mp_resolvent_moments(gamma, lam, 4)
    for j in range(4):
        # the density integrated by quadrature (numerics.marchenko_pastur), an independent route
        quad = mp_integral(lambda x, j=j: (x + mpmath.mpf(lam.numerator) / lam.denominator) ** -(j + 1), gamma, 30)
        with mpmath.workdps(30):
            assert mpmath.almosteq(c[j].evaluate(30), quad.value, 1e-24)


def test_stieltjes_closed_form_density_and_atom():
    m, z, g = mp_stieltjes(), sp.Symbol("z"), sp.Symbol("gamma", positive=True)
    for gamma, lam in ((sp.Rational(1, 4), 1), (sp.Rational(5, 2), sp.Rational(1, 3))):
        surd = mp_resolvent_moments(Fraction(str(gamma)), Fraction(str(lam)), 1)[0]
        assert sp.simplify(m.subs({g: gamma, z: -lam}) - surd.to_sympy()) == 0
    x = sp.Symbol("x", positive=True)
    for gamma in (sp.Rational(1, 4), sp.Integer(3)):
        lo, hi = mp_edges(gamma)
        density = sp.lambdify(x, mp_density().subs(g, gamma), "mpmath")
        with mpmath.workdps(30):
            mass = mpmath.quad(density, [float(lo), float(hi)])
        atom = mp_atom().subs(g, gamma) if gamma > 1 else 0
        assert abs(mass + atom - 1) < 1e-12
    # the first moments from the expansion at infinity: m(-1/t)/t = M0 - M1 t + M2 t^2 - ...
    t = sp.Symbol("t", positive=True)
    series = sp.series(sp.simplify(m.subs(z, -1 / t) / t), t, 0, 3).removeO()   # z = -1/t -> -inf
    assert sp.simplify(series - (1 - t + (1 + g) * t**2)) == 0


def test_spectra_limits_agree():
    # gamma -> 0: Marchenko-Pastur collapses to the point mass at 1
    lam = Fraction(1, 2)
    far, point = MarchenkoPastur(Fraction(1, 10**6), lam), PointMass(lam)
    for p in (RHO, RHO * RHO, RHO**3 + 1):
        assert abs(float(far.expect(p)) - float(point.expect(p))) < 1e-5
        assert abs(float(far.expect_noise(p)) - float(point.expect_noise(p))) < 1e-5


# ------------------------------------------------------------------------------------------- risks
def _mc(params, spec, n, G, R, seed=3):
    res = simulate(SimulationConfig("linreg", params, spec, n, G, R).validated(), seed, progress=False)
    return np.array(res.metrics["risk"]["mean"]), np.array(res.metrics["risk"]["stderr"]), res


@pytest.mark.parametrize("params, spec, n", [
    ({"d": 12, "design": "fixed", "shift": 0.3}, "weighted:0.618", 6),      # interpolation, fixed design
    ({"d": 12, "design": "fresh", "shift": 0.5}, "discard", 6),             # interpolation, fresh design
    ({"d": 16, "design": "fresh"}, "augment", 4),                           # pooled 4, 8, 12 rows < d - 1
    ({"d": 3, "design": "fresh"}, "augment", 6),
])
def test_exact_risks_against_fits(params, spec, n):
    mean, se, res = _mc(params, spec, n, 3, 8000)
    assert res.exact
    # exact finite-(n, d) targets: 4 standard errors, no allowance
    assert np.all(np.abs(mean - np.array(res.theory["risk"])) <= 4 * se)


def test_ridge_deterministic_equivalent_against_fits():
    mean, se, res = _mc({"d": 40, "design": "fixed", "lam": 0.5, "shift": 0.2}, "augment", 80, 3, 3000)
    assert not res.exact and "Marchenko-Pastur" in res.notes["risk"]
    # asymptotic target (d = 40): 4 standard errors plus 1% for the O(1/d) distance to the proportional limit
    theory = np.array(res.theory["risk"])
    assert np.all(np.abs(mean - theory) <= 4 * se + 0.01 * theory)


@pytest.mark.slow
@pytest.mark.parametrize("params, spec, n", [
    ({"d": 60, "design": "fresh", "lam": 0.5, "shift": 0.3}, "discard", 120),
    ({"d": 60, "design": "fixed", "lam": 1.0}, "mix:1", 30),
    ({"d": 60, "design": "fixed", "lam": 0.25}, "weighted:0.618", 120),
])
def test_ridge_deterministic_equivalents_against_fits_slow(params, spec, n):
    mean, se, res = _mc(params, spec, n, 5, 6000)
    theory = np.array(res.theory["risk"])
    # asymptotic target (d = 60): 4 standard errors plus 1% for the O(1/d) distance to the proportional limit
    assert np.all(np.abs(mean - theory) <= 4 * se + 0.01 * theory)


def test_routes_and_their_labels():
    p = get_model("linreg").validate_params
    wf = preset("mix:1", 3).at_sample_size(20)
    assert linreg_risk(p({"d": 3, "design": "fresh"}), wf, 20).kind == "asymptotic"
    assert linreg_risk(p({"d": 30, "design": "fresh"}), wf, 20).kind == "none"
    assert linreg_risk(p({"d": 30, "design": "fixed"}), wf, 20).kind == "exact"      # whole batches
    # discard with fits of different sizes: each fit has its own Marchenko-Pastur law
    from theory.workflow import Workflow

    sizes = Workflow.from_data({"generations": [{"fit": [{"batch": "R0"}], "emit": 2},
                                                {"fit": [{"batch": "S1"}], "emit": 1}, {"fit": [{"batch": "S2"}]}]})
    mixed = linreg_risk(p({"d": 20, "design": "fresh", "lam": 0.5, "shift": 0.3}), sizes.at_sample_size(40), 40)
    assert mixed.kind == "asymptotic" and all(np.isfinite(mixed.floats(p({"d": 20, "lam": 0.5, "shift": 0.3}))))
    fixed_ls = fixed_design_terms(preset("discard", 3), 10, 3, WishartRank(10, 3))
    assert [t.noise for t in fixed_ls] == [Fraction(k * 3, 6) for k in (1, 2, 3)]   # k d/(N - d - 1)


def test_fresh_augment_ratio_tends_to_the_digamma_limit_below_pi2_over_6():
    phi = Fraction(1, 3)
    limit = ratio_limit_fresh_augment(sp.Rational(1, 3))
    with mpmath.workdps(30):
        direct = mpmath.nsum(lambda j: (1 - mpmath.mpf(1) / 3) / (j * (j - mpmath.mpf(1) / 3)), [1, mpmath.inf])
        assert mpmath.almosteq(mpmath.mpf(sp.N(limit, 30)), direct, 1e-25)
    assert sp.N(limit) < sp.N(sp.pi**2 / 6)
    n, G = 3 * 10**5, 200
    terms = fresh_augment_terms(int(phi * n), [k * n for k in range(1, G + 1)], [None] + [n] * (G - 1))
    ratio = float(terms[-1].noise / terms[0].noise)
    # R_G at finite n is within the tail sum_{j > G} 1/j^2 < 1/G and O(1/n) of the limit
    assert abs(ratio - float(limit)) < 1 / G + 1e-4


def test_the_fixed_d_latex_is_refused_where_it_does_not_hold():
    from theory.latex import model_risk_latex

    with pytest.raises(ValueError, match="lam = 0.5 and shift = 0.0"):
        model_risk_latex("linreg", {"lam": "0.5"})
    assert "R_k" in model_risk_latex("linreg", {"d": 2})
