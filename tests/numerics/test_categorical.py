"""The categorical model's numeric face and its Monte Carlo, against exact theory.

Row-compressed arithmetic against dense arrays; per-replicate metrics against
direct formulas; Monte Carlo of real refits (fixed seeds) against the toolkit's exact
finite-n predictions with a tolerance of K_SE standard errors and no allowance; the
curated fast path (the exact one-step map) against point-by-point candidate sampling.
"""

import math
from fractions import Fraction

import numpy as np
import pytest

from numerics.models import numeric_model
from numerics.models.base import Part
from numerics.models.categorical import Rows, pool_rows
from numerics.models.random import BlockRandom
from numerics.montecarlo import SimulationConfig, simulate, simulate_blocks
from theory.curation import Curation, curate_probabilities

# Monte Carlo tolerance: K_SE standard errors (fixed seeds; a few dozen compared means per test).
K_SE = 4.5


def _rows(rng, R, K, density=0.3, integer=True):
    dense = rng.integers(0, 5, size=(R, K)) * (rng.random((R, K)) < density)
    return Rows.from_dense(dense if integer else dense.astype(float)), dense


def test_rows_pool_like_dense_arrays():
    rng = np.random.default_rng(0)
    parts = [_rows(rng, 7, 50) for _ in range(3)]
    weights = [0.5, 0.25, 2.0]
    pooled = pool_rows([p for p, _ in parts], weights, 50)
    assert np.allclose(pooled.to_dense(50), sum(w * d for w, (_, d) in zip(weights, parts, strict=True)))
    rows, dense = parts[0]
    assert np.array_equal(rows.sums(), dense.sum(axis=1)) and np.array_equal(rows.lengths(), (dense > 0).sum(axis=1))
    assert np.array_equal(rows.take([2, 0]).to_dense(50), dense[[2, 0]])


@pytest.mark.parametrize("alpha", [0.0, 0.7])
def test_metrics_equal_their_definitions(alpha):
    model = numeric_model("categorical", {"truth": "zipf", "beta": "1.2", "K": 40, "alpha": alpha, "T": 9})
    rng = np.random.default_rng(1)
    dense = rng.multinomial(50, np.full(40, 1 / 40), size=6)
    dense[0] = 1                                             # one replicate keeps every category...
    dense[0, :10] += 1                                       # ...with 50 points like the others
    counts = Rows.from_dense(dense)
    rand = BlockRandom([np.random.default_rng(2)], [6])
    ctx = model.context(rand, 50)
    state, failed = model.fit(ctx, [Part(counts, Fraction(1), 50, 50)])
    got = model.metrics(ctx, state)
    m = dense.sum(axis=1, keepdims=True)
    q = (dense + alpha) / (m + 40 * alpha)
    p = model.p
    with np.errstate(divide="ignore"):
        kl = np.where((q == 0).any(axis=1) & (alpha == 0), np.inf, (p * np.log(p / np.where(q > 0, q, 1))).sum(axis=1))
    expect = {"risk": ((q - p) ** 2).sum(axis=1), "tv": 0.5 * np.abs(q - p).sum(axis=1), "kl": kl,
              "kl_infinite": (q == 0).any(axis=1).astype(float), "lost_mass": (p * (q == 0)).sum(axis=1),
              "support": (q > 0).sum(axis=1), "memorizer_error": (p * (1 - q) ** 9).sum(axis=1)}
    assert not failed.any()
    for name, value in expect.items():
        assert np.allclose(got[name], value, rtol=1e-12, atol=1e-15), name


def _agree(result, name, gens=None, k=K_SE):
    mean = np.array(result.metrics[name]["mean"], dtype=float)
    se = np.array(result.metrics[name]["stderr"], dtype=float)
    theory = np.array(result.theory[name], dtype=float)
    sl = slice(None) if gens is None else gens
    # exact finite-n target: K_SE standard errors, no finite-n allowance (a zero stderr needs equality)
    assert np.all(np.abs(mean[sl] - theory[sl]) <= k * se[sl] + 1e-12), (name, mean, theory, se)


@pytest.mark.parametrize("workflow", ["discard", "augment"])
def test_monte_carlo_matches_the_exact_predictions(workflow):
    cfg = SimulationConfig("categorical", {"truth": "zipf", "beta": "1.5", "K": 200, "T": 40}, workflow, 60, 5, 3000)
    res = simulate(cfg, seed=4, progress=False)
    exact = ["risk", "lost_mass", "support", "kl_infinite"] + (["memorizer_error"] if workflow == "discard" else [])
    for name in exact:
        assert res.notes[name].startswith("exact"), name
        _agree(res, name)
    _agree(res, "tv", gens=slice(0, 1))                # generation 1 pools real data only: exact


def test_monte_carlo_with_smoothing_and_subsamples():
    cfg = SimulationConfig("categorical", {"truth": "uniform", "K": 30, "alpha": "0.5"}, "subsample", 40, 4, 1500)
    res = simulate(cfg, seed=5, progress=False)
    assert res.notes["risk"].startswith("exact")
    _agree(res, "risk")
    assert res.metrics["support"]["mean"] == [30.0] * 4 and res.metrics["lost_mass"]["mean"] == [0.0] * 4


def test_kl_is_averaged_where_finite_and_its_infinite_share_is_reported():
    cfg = SimulationConfig("categorical", {"truth": "uniform", "K": 4}, "discard", 12, 4, 2000)
    res = simulate(cfg, seed=6, progress=False)
    share = np.array(res.metrics["kl_infinite"]["mean"])
    assert 0 < share[0] < share[-1] < 1 and res.metrics["failed"]["mean"] == [0.0] * 4
    _agree(res, "kl_infinite")                              # exact for a uniform truth
    blocks = simulate_blocks(cfg, 6, range(8))
    finite = sum(b.counts["kl"] for b in blocks)
    assert np.array_equal(finite, np.round((1 - share) * 2000).astype(int))


def test_results_do_not_depend_on_the_chunk():
    cfg = SimulationConfig("categorical", {"truth": "zipf", "K": 500}, "weighted:0.5", 200, 3, 750)
    a = simulate(cfg, seed=7, chunk=250, progress=False)
    b = simulate(cfg, seed=7, chunk=750, progress=False)
    assert a.metrics == b.metrics


def _curated_file(tmp_path, real):
    rule = {"candidates": 3, "reward": {"top": 2, "value": 1}}
    then = ({"new_real": 1, "fit": [{"batch": "R[0]", "weight": "1/2"}, {"batch": "S[-1]", "weight": "1/2"}]}
            if real else {"fit": [{"batch": "S[-1]"}]})
    path = tmp_path / f"curated_{real}.toml"
    import tomli_w

    path.write_text(tomli_w.dumps({"generations": [{"fit": [{"batch": "R0"}], "emit": 1, "curate": rule}],
                                   "then": {**then, "emit": 1, "curate": rule}}))
    return str(path)


def test_the_exact_curation_map_equals_candidate_sampling(tmp_path):
    wf = _curated_file(tmp_path, real=False)
    cfg = SimulationConfig("categorical", {"truth": "zipf", "beta": 1, "K": 8}, wf, 200, 4, 1000)
    fast = simulate(cfg, seed=8, progress=False)
    slow = simulate(cfg, seed=9, progress=False, method="sample")
    for name in ("reward", "entropy", "risk", "support"):
        a, b = (np.array(r.metrics[name]["mean"]) for r in (fast, slow))
        sa, sb = (np.array(r.metrics[name]["stderr"]) for r in (fast, slow))
        # two independent Monte Carlo estimates of the same law: K_SE combined standard errors
        assert np.all(np.abs(a - b) <= K_SE * np.hypot(sa, sb) + 1e-12), (name, a, b)


def test_curated_rewards_follow_the_deterministic_trajectory(tmp_path):
    for real in (False, True):
        cfg = SimulationConfig("categorical", {"truth": "zipf", "beta": 1, "K": 12}, _curated_file(tmp_path, real),
                               20000, 6, 500)
        res = simulate(cfg, seed=10, progress=False)
        mean, se = (np.array(res.metrics["reward"][k]) for k in ("mean", "stderr"))
        theory = np.array(res.theory["reward"])
        assert res.notes["reward"].startswith("asymptotic")
        # asymptotic target: K_SE standard errors plus 20/n for the O(k/n) bias of a nonlinear map of noisy fits
        assert np.all(np.abs(mean - theory) <= K_SE * se + 20 / 20000), (mean, theory)
    assert mean[-1] < 1.0 - 0.05 and theory[-1] == pytest.approx(theory[-2], abs=0.02)   # real data: a fixed point


def test_curated_state_is_the_exact_map_per_replicate():
    model = numeric_model("categorical", {"truth": "zipf", "K": 10, "alpha": 0.3})
    rng = np.random.default_rng(11)
    counts = Rows.from_dense(rng.multinomial(20, np.full(10, 0.1), size=5))
    rand = BlockRandom([np.random.default_rng(0)], [5])
    ctx = model.context(rand, 20)
    state, _ = model.fit(ctx, [Part(counts, Fraction(1), 20, 20)])
    cur = Curation.from_data({"candidates": 4, "reward": [1, 0, 2, 0, 0, 1, 0, 0, 0, 0.5]}, "test")
    curated = model.curated(ctx, state, cur)
    r = np.array([float(x) for x in cur.rewards(10)])
    for row in range(5):
        q = model._dense_row(state, row)
        assert np.allclose(model._dense_row(curated, row), curate_probabilities(q, r, 4), rtol=1e-12)


def test_curation_needs_categories(tmp_path):
    with pytest.raises(ValueError, match="model poisson has no categories to reward"):
        SimulationConfig("poisson", {}, _curated_file(tmp_path, False), 10, 2, 10).validated()
    path = tmp_path / "long.toml"
    path.write_text('[[generations]]\nfit = [{batch = "R0"}]\nemit = 1\n'
                    'curate = {candidates = 2, reward = [1, 0, 0]}\n')
    with pytest.raises(ValueError, match=r"generation 1: the curation reward lists 3 values but the model has "
                                         r"K = 5 categories"):
        SimulationConfig("categorical", {"K": 5}, str(path), 10, 1, 10).validated()


def test_large_vocabulary_draws_stay_on_the_support():
    model = numeric_model("categorical", {"truth": "zipf", "beta": 1.5, "K": 100000})
    rand = BlockRandom([np.random.default_rng(12)], [3])
    ctx = model.context(rand, 10**5)
    batch = model.draw_summary(ctx, model.truth(ctx), 10**5, rand)
    state, _ = model.fit(ctx, [Part(batch, Fraction(1), 10**5, 10**5)])
    again = model.draw_summary(ctx, state, 10**5, rand)
    assert np.all(again.sums() == 10**5)
    for r in range(3):
        assert set(again.row(r)[0]) <= set(batch.row(r)[0])
    # the support of 10^5 Zipf(1.5) draws: a few thousand of the 10^5 categories
    assert 2000 < batch.lengths().mean() < 4000 and math.isclose(model.metrics(ctx, state)["support"][0],
                                                                   batch.lengths()[0])
