"""The categorical model: truths, its symbolic face, its moments and its predictions.

Predictions are checked against an independent route: exact enumeration, in
rationals, of every count vector the discard and augment chains can visit for a few
categories and points (the multinomial law of each resample). The per-category moment
recursion is checked against the same enumeration with smoothing and subsampling.
"""

import itertools
import json
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from theory.category_moments import category_moments
from theory.models import get_model
from theory.models.categorical import categorical_truth
from theory.predictions import fit_points, predict, resampling_moments
from theory.presets import preset
from theory.workflow import Workflow


# --------------------------------------------------------------------- truths and parameters
def test_zipf_with_an_integer_exponent_is_exact():
    t = categorical_truth(get_model("categorical").validate_params({"beta": "2", "K": "4"}))
    assert sum(t.exact) == 1 and t.exact[0] / t.exact[1] == 4 and t.sum_p2 == sum(x * x for x in t.exact)


def test_zipf_with_a_fractional_exponent_is_normalised():
    t = categorical_truth(get_model("categorical").validate_params({"beta": "1.5", "K": "100000"}))
    assert t.exact is None and math.isclose(t.p.sum(), 1, rel_tol=1e-14)
    assert math.isclose(t.p[0] / t.p[3], 4**1.5, rel_tol=1e-13)


def test_truth_from_files(tmp_path):
    text = tmp_path / "p.txt"
    text.write_text("# three categories\n0.5, 0.25\n1/4\n")
    params = get_model("categorical").validate_params({"truth": str(text)})
    assert params["K"] == 3 and categorical_truth(params).exact == [Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)]
    js = tmp_path / "p.json"
    js.write_text(json.dumps([0.2, 0.3, 0.5000001]))        # within 1e-6 of 1: renormalised exactly
    t = categorical_truth(get_model("categorical").validate_params({"truth": str(js)}))
    assert sum(t.exact) == 1


@pytest.mark.parametrize("content,message", [
    ("0.5 -0.5 1", "entry 2 is negative: '-0.5'"),
    ("0.5 abc", "entry 2 is not a number: 'abc'"),
    ("0.5 0.4", "sum to 0.9, not 1"),
    ("", "holds no probabilities"),
])
def test_bad_truth_files_are_named(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_text(content)
    with pytest.raises(ValueError, match=message) as err:
        get_model("categorical").validate_params({"truth": str(path)})
    assert repr(str(path)) in str(err.value) and "\n" not in str(err.value)


def test_truth_file_and_K_must_agree(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("0.5 0.5")
    with pytest.raises(ValueError, match=r"K = '3' disagrees with the 2 probabilities"):
        get_model("categorical").validate_params({"truth": str(path), "K": "3"})
    with pytest.raises(ValueError, match=r"'no/such/file.txt': cannot read it"):
        get_model("categorical").validate_params({"truth": "no/such/file.txt"})


# --------------------------------------------------------------------- the symbolic face
def test_fisher_information_and_V_are_the_multinomial_ones():
    model = get_model("categorical")
    params = {"K": 4, "truth": "uniform"}
    V = model.asymptotic_covariance(None, params)
    p = model.theta(params)
    assert sp.simplify(V - (sp.diag(*p) - sp.Matrix(p) * sp.Matrix(p).T)) == sp.zeros(4, 4)
    info = model.fisher_information(params)                  # in the free coordinates p1, p2, p3
    assert sp.simplify(info * V[:3, :3]) == sp.eye(3)
    psi = model.influence_function(None, params)           # 1{x = i} - p_i, whose covariance is V too
    free = {p[3]: 1 - p[0] - p[1] - p[2]}
    outer = (psi * psi.T).applyfunc(lambda e: model.expectation(e, params))
    assert sp.simplify((outer - V).subs(free)) == sp.zeros(4, 4)
    with pytest.raises(ValueError, match="K up to 12 categories, got K = 13"):
        model.theta({"K": 13})


def test_risk1_is_the_trace_of_V():
    model = get_model("categorical")
    params = model.validate_params({"truth": "zipf", "beta": 2, "K": 5})
    assert model.risk1(params, 7) == pytest.approx(float(np.trace(model.natural_covariance(params))) / 7, rel=1e-14)


# --------------------------------------------------------------------- exact enumeration
def _compositions(total, parts):
    return (c for c in itertools.product(range(total + 1), repeat=parts) if sum(c) == total)


def _multinomial(counts_total, q):
    """{count vector: probability} of Multinomial(counts_total, q), exactly."""
    out = {}
    for c in _compositions(counts_total, len(q)):
        w = Fraction(math.factorial(counts_total))
        for ci, qi in zip(c, q, strict=True):
            w = w / math.factorial(ci) * qi**ci
        if w:
            out[c] = w
    return out


def _metrics(q, p, T):
    lost = [i for i, x in enumerate(q) if x == 0]
    return {"risk": sum((a - b) ** 2 for a, b in zip(q, p, strict=True)),
            "tv": sum(abs(a - b) for a, b in zip(q, p, strict=True)) / 2,
            "lost_mass": sum(p[i] for i in lost), "support": Fraction(len(p) - len(lost)),
            "kl_infinite": Fraction(1 if any(p[i] > 0 for i in lost) else 0),
            "memorizer_error": sum(pi * (1 - qi) ** T for pi, qi in zip(p, q, strict=True))}


def _enumerate(p, n, G, workflow, T):
    """Exact expected metrics per generation for discard or augment, by enumerating the counts."""
    if workflow == "discard":
        law = _multinomial(n, p)             # the counts of the fitted batch
        out = []
        for _ in range(G):
            out.append(_expect(law, lambda c: [Fraction(x, n) for x in c], p, T))
            new = {}
            for c, w in law.items():
                for d, v in _multinomial(n, [Fraction(x, n) for x in c]).items():
                    new[d] = new.get(d, 0) + w * v
            law = new
        return out
    law, out = _multinomial(n, p), []         # augment: the pooled counts of R0, S1, ..., S_{k-1}
    for k in range(1, G + 1):
        out.append(_expect(law, lambda c, k=k: [Fraction(x, k * n) for x in c], p, T))
        new = {}
        for c, w in law.items():
            for d, v in _multinomial(n, [Fraction(x, k * n) for x in c]).items():
                key = tuple(a + b for a, b in zip(c, d, strict=True))
                new[key] = new.get(key, 0) + w * v
        law = new
    return out


def _expect(law, fit, p, T):
    total = {}
    for c, w in law.items():
        for name, value in _metrics(fit(c), p, T).items():
            total[name] = total.get(name, 0) + w * value
    return total


@pytest.mark.parametrize("workflow", ["discard", "augment"])
def test_predictions_equal_exact_enumeration(tmp_path, workflow):
    path = tmp_path / "p.txt"
    path.write_text("1/2 1/3 1/6")
    p = [Fraction(1, 2), Fraction(1, 3), Fraction(1, 6)]
    n, G, T = 3, 3, 2
    exact = _enumerate(p, n, G, workflow, T)
    pred = predict("categorical", {"truth": str(path), "T": T}, preset(workflow, G).at_sample_size(n), n)
    # under augment the memoriser's T draws descend from a random set of R0 points: mean-field, not exact
    names = ["risk", "lost_mass", "support", "kl_infinite"] + (["memorizer_error"] if workflow == "discard" else [])
    for name in names:
        assert pred.notes[name].startswith("exact"), (name, pred.notes[name])
        assert pred.metrics[name] == pytest.approx([float(e[name]) for e in exact], rel=1e-12, abs=1e-15), name
    # TV is exact where the fit pools real data (generation 1; every generation of nothing else here)
    assert pred.metrics["tv"][0] == pytest.approx(float(exact[0]["tv"]), rel=1e-12)


def test_kl_infinite_is_exact_for_a_uniform_truth():
    n, G = 4, 3
    p = [Fraction(1, 3)] * 3
    exact = _enumerate(p, n, G, "discard", 1)
    pred = predict("categorical", {"truth": "uniform", "K": 3}, preset("discard", G).at_sample_size(n), n)
    assert pred.notes["kl_infinite"].startswith("exact")
    assert pred.metrics["kl_infinite"] == pytest.approx([float(e["kl_infinite"]) for e in exact], rel=1e-12)


def test_smoothing_has_every_category_alive_and_an_exact_risk():
    wf = preset("discard", 3).at_sample_size(4)
    pred = predict("categorical", {"truth": "uniform", "K": 5, "alpha": "0.5"}, wf, 4)
    assert pred.metrics["lost_mass"] == [0.0] * 3 and pred.metrics["support"] == [5.0] * 3
    assert pred.notes["risk"].startswith("exact") and pred.notes["tv"].startswith("asymptotic")


# --------------------------------------------------------------------- the moment recursion
def test_moments_without_smoothing_are_the_bernoulli_resampling_moments():
    for name in ["discard", "augment", "subsample", "window:2", "mix:0.5", "weighted:0.618:2"]:
        wf = preset(name, 5).at_sample_size(6)
        mom = category_moments(fit_points(wf, 6), K=4)
        ref = resampling_moments(wf, 6, variance=1, rule="bernoulli")
        for k in range(5):
            c2, c1, c0 = mom.variance[k]
            assert (c2, c1, c0) == (-ref.mean_sq[k], ref.mean_sq[k], 0) and mom.mean[k] == (0, 1, 0)


def _enumerate_smoothed(p, n, alpha, G, subsample=None):
    """E q_k and E q_k^2 of category 0 (two categories), discard with add-alpha, optionally a subsample fit."""
    K = len(p)
    law = {c: w for c, w in _multinomial(n, p).items()}      # counts of the batch the fit sees
    out = []
    for _ in range(G):
        fits = {}
        for c, w in law.items():
            pieces = {c: Fraction(1)} if subsample is None else _hypergeometric(c, subsample)
            for d, v in pieces.items():
                m = sum(d)
                q = tuple((x + alpha) / (m + K * alpha) for x in d)
                fits[q] = fits.get(q, 0) + w * v
        out.append((sum(w * q[0] for q, w in fits.items()), sum(w * q[0] ** 2 for q, w in fits.items())))
        law = {}
        for q, w in fits.items():
            for d, v in _multinomial(n, list(q)).items():
                law[d] = law.get(d, 0) + w * v
    return out


def _hypergeometric(counts, c):
    """{sub-counts: probability} of c of the points drawn without replacement."""
    total = sum(counts)
    out = {}
    for d in _compositions(c, len(counts)):
        if all(a <= b for a, b in zip(d, counts, strict=True)):
            ways = math.prod(math.comb(b, a) for a, b in zip(d, counts, strict=True))
            out[d] = Fraction(ways, math.comb(total, c))
    return out


@pytest.mark.parametrize("subsample", [None, 2])
def test_smoothed_and_subsampled_moments_equal_enumeration(subsample):
    p = [Fraction(1, 3), Fraction(2, 3)]
    n, alpha, G = 3, Fraction(1, 2), 3
    exact = _enumerate_smoothed(p, n, alpha, G, subsample)
    if subsample is None:
        wf = preset("discard", G).at_sample_size(n)
    else:
        wf = Workflow.from_data({"generations": [{"fit": [{"batch": "R0", "count": Fraction(subsample, n)}],
                                                  "emit": 1}],
                                 "then": {"fit": [{"batch": "S[-1]", "count": Fraction(subsample, n)}], "emit": 1}},
                                generations=G)
    mom = category_moments(fit_points(wf, n), K=2, alpha=alpha)
    for k, (m1, m2) in enumerate(exact):
        mean = mom.mean[k][1] * p[0] + mom.mean[k][2]
        var = mom.variance[k][0] * p[0] ** 2 + mom.variance[k][1] * p[0] + mom.variance[k][2]
        assert (mean, var + mean**2) == (m1, m2)
