"""The exact sequential Gaussian process: checked against an independent construction."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import workflow_data
from theory import (
    Workflow,
    covariance,
    covariance_float,
    efficiencies,
    preset,
    risk_ratios,
    risk_ratios_float,
)


def covariance_from_definition(wf):
    """Cov(H) straight from THEORY.md §3, by a route that shares nothing with theory.process.

    H_k = sum_e w_ke (H_src(e) + eps_ke) with Var eps = 1/c, Cov = 1/|B| for two uses of batch B
    in different generations. Every H_k is written as a combination of the entry noises
    (k, e); Cov(H) then sums the pairwise noise covariances.
    """
    fits = wf.shares()
    combos = []
    for k, fit in enumerate(fits):
        combo = {}
        for e, s in enumerate(fit):
            combo[(k, e)] = combo.get((k, e), 0) + s.share
            if s.batch.startswith("S"):
                for key, coef in combos[int(s.batch[1:]) - 1].items():
                    combo[key] = combo.get(key, 0) + s.share * coef
        combos.append(combo)

    def noise_cov(a, b):
        (ka, ea), (kb, eb) = a, b
        sa, sb = fits[ka][ea], fits[kb][eb]
        if sa.batch != sb.batch:
            return 0
        return 1 / sa.count if ka == kb else 1 / sa.size

    G = len(fits)
    return [[sum(ca * cb * noise_cov(a, b) for a, ca in combos[i].items() for b, cb in combos[j].items())
             for j in range(G)] for i in range(G)]


@given(workflow_data(max_generations=5))
def test_covariance_matches_the_definition(data):
    wf = Workflow.from_data(data)
    assert covariance(wf) == covariance_from_definition(wf)


def _ldl_pivots(matrix):
    """Pivots of an exact symmetric elimination; all >= 0 iff the matrix is PSD (zero pivots handled)."""
    a = [row[:] for row in matrix]
    n, pivots = len(a), []
    for i in range(n):
        p = a[i][i]
        pivots.append(p)
        if p == 0:
            if any(a[i][j] != 0 for j in range(i + 1, n)):
                return [Fraction(-1)]  # a zero pivot with a non-zero row cannot be PSD
            continue
        for r in range(i + 1, n):
            f = a[r][i] / p
            for c in range(i, n):
                a[r][c] -= f * a[i][c]
    return pivots


@given(workflow_data())
def test_covariance_is_symmetric_positive_semidefinite(data):
    cov = covariance(Workflow.from_data(data))
    assert all(cov[i][j] == cov[j][i] for i in range(len(cov)) for j in range(len(cov)))
    assert min(_ldl_pivots(cov)) >= 0


@given(workflow_data(), st.sampled_from([Fraction(2), Fraction(1, 3), Fraction(7, 5)]))
def test_scaling_every_size_leaves_the_ratios_unchanged(data, factor):
    wf = Workflow.from_data(data)
    assert risk_ratios(wf.scaled(factor)) == risk_ratios(wf)


@given(workflow_data(subsample=False))
def test_whole_batches_equal_pooled_counts(data):
    # The same fits written with counts omitted (whole batches) and with explicit weights
    # proportional to the counts: all three describe one pooled fit.
    wf = Workflow.from_data(data)
    whole = {**data, "generations": [
        {**g, "fit": [{k: v for k, v in e.items() if k == "batch"} for e in g["fit"]]} for g in data["generations"]]}
    sizes = {name: size for name, (size, _) in wf.batch_sizes().items()}
    weighted = {**data, "generations": [
        {**g, "fit": [{"batch": e["batch"], "weight": str(sizes[e["batch"]])} for e in g["fit"]]}
        for g in data["generations"]]}
    if any("weight" in e for g in data["generations"] for e in g["fit"]):
        return  # a weighted fit is not a pooled fit
    assert covariance(Workflow.from_data(whole)) == covariance(wf) == covariance(Workflow.from_data(weighted))


@given(st.integers(1, 12), st.integers(0, 5))
def test_window_at_least_G_is_augment(G, extra):
    assert risk_ratios(preset(f"window:{G + extra}", G)) == risk_ratios(preset("augment", G))


@given(workflow_data())
def test_exact_and_float_paths_agree(data):
    wf = Workflow.from_data(data)
    exact = np.array([float(r) for r in risk_ratios(wf)])
    assert np.allclose(risk_ratios_float(wf), exact, rtol=1e-12, atol=0)
    cov_exact = np.array([[float(x) for x in row] for row in covariance(wf)])
    assert np.allclose(covariance_float(wf), cov_exact, rtol=1e-12, atol=1e-15)


def test_discard_and_augment_exactly_to_200_generations():
    assert risk_ratios(preset("discard", 200)) == list(range(1, 201))
    basel, partial = [], Fraction(0)
    for j in range(1, 201):
        partial += Fraction(1, j * j)
        basel.append(partial)
    assert risk_ratios(preset("augment", 200)) == basel
    assert efficiencies(preset("augment", 3)) == [1 / b for b in basel[:3]]


@pytest.mark.parametrize("spec", ["discard", "augment", "subsample", "window:3", "mix:0.5", "weighted:0.618:2"])
def test_presets_agree_with_the_definition(spec):
    wf = preset(spec, 6)
    assert covariance(wf) == covariance_from_definition(wf)


@given(workflow_data())
def test_forward_substitution_and_dense_solve_agree(data):
    from theory.process import exact_loadings, linear_form

    lf = linear_form(Workflow.from_data(data))
    assert exact_loadings(lf, "substitution") == exact_loadings(lf, "solve")


@given(workflow_data())
def test_float_substitution_and_dense_solve_agree(data):
    import theory.process as process

    wf = Workflow.from_data(data)
    results = []
    for threshold in (0, 10**9):  # 0: always the dense solve; huge: always forward substitution
        saved, process.SPARSE_FEEDBACK = process.SPARSE_FEEDBACK, threshold
        try:
            results.append(risk_ratios_float(wf))
        finally:
            process.SPARSE_FEEDBACK = saved
    assert np.allclose(results[0], results[1], rtol=1e-13, atol=0)
