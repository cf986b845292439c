"""Batched ridge and minimum-norm fits against per-replicate oracles (LAPACK, scikit-learn, statsmodels)."""

import multiprocessing
from fractions import Fraction

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.linear_model import Ridge

from numerics.models import Part, numeric_model, ridge
from numerics.models.random import BlockRandom
from numerics.models.ridge import DesignRidge, ridge_fit, ridge_from_moments, weighted_ridge


def _data(R, m, d, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((R, m, d)), rng.standard_normal((R, m))


@pytest.mark.parametrize("m, d", [(4, 9), (9, 9), (30, 5)])
def test_lam_zero_is_lstsq_minimum_norm(m, d):
    X, y = _data(5, m, d)
    w = ridge_fit(X, y)
    for r in range(5):
        np.testing.assert_allclose(w[r], np.linalg.lstsq(X[r], y[r], rcond=None)[0], rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("m, d", [(4, 9), (30, 5)])
def test_ridge_is_sklearn_ridge_in_the_normalised_form(m, d):
    X, y = _data(4, m, d, seed=1)
    w = ridge_fit(X, y, lam=0.3)
    for r in range(4):
        ref = Ridge(alpha=m * 0.3, fit_intercept=False, solver="svd").fit(X[r], y[r]).coef_
        np.testing.assert_allclose(w[r], ref, rtol=1e-9, atol=1e-12)


def test_weighted_fits_are_weighted_least_squares_and_weighted_minimum_norm():
    rng = np.random.default_rng(2)
    X, y = _data(3, 12, 4, seed=2)
    wts = rng.uniform(0.5, 2.0, (3, 12))
    w = ridge_fit(X, y, weights=wts)
    for r in range(3):
        np.testing.assert_allclose(w[r], sm.WLS(y[r], X[r], weights=wts[r]).fit().params, rtol=1e-9)
    # fewer points than d: minimise ||w|| among the minimisers of the weighted squares, pinv(D X) D y
    X, y = _data(3, 5, 8, seed=3)
    wts = rng.uniform(0.5, 2.0, (3, 5))
    w = ridge_fit(X, y, weights=wts)
    for r in range(3):
        D = np.sqrt(wts[r])
        np.testing.assert_allclose(w[r], np.linalg.pinv(D[:, None] * X[r]) @ (D * y[r]), rtol=1e-9, atol=1e-12)


def test_zero_weights_drop_points_on_both_forms():
    X, y = _data(4, 10, 6, seed=4)
    a = np.ones((4, 10))
    a[0, :7] = 0     # replicate 0: 3 weighted rows of 10 (fewer than d: minimum norm on those rows)
    a[1, :2] = 0     # replicate 1: 8 rows (least squares on those)
    a /= a.sum(axis=1, keepdims=True)
    w = weighted_ridge(X, a, a * y)
    for r in range(4):
        keep = a[r] > 0
        np.testing.assert_allclose(w[r], np.linalg.lstsq(X[r][keep], y[r][keep], rcond=None)[0], rtol=1e-9,
                                   atol=1e-11)
    lam = 0.2
    w = weighted_ridge(X[:, :4], a[:, :4] + 0.1, (a[:, :4] + 0.1) * y[:, :4], lam)    # the dual, m < d
    for r in range(4):
        A = np.diag(a[r, :4] + 0.1)
        ref = np.linalg.solve(X[r, :4].T @ A @ X[r, :4] + lam * np.eye(6), X[r, :4].T @ A @ y[r, :4])
        np.testing.assert_allclose(w[r], ref, rtol=1e-9)


def test_moments_route_and_bad_input():
    X, y = _data(2, 20, 3, seed=5)
    H, g = np.swapaxes(X, 1, 2) @ X / 20, (np.swapaxes(X, 1, 2) @ y[:, :, None])[:, :, 0] / 20
    np.testing.assert_allclose(ridge_from_moments(H, g, 0.4), ridge_fit(X, y, 0.4), rtol=1e-12)
    with pytest.raises(ValueError, match="lam must be >= 0, got -1.0"):
        ridge_fit(X, y, -1.0)
    with pytest.raises(ValueError, match="non-negative"):
        ridge_fit(X, y, weights=-np.ones(20))
    with pytest.raises(ValueError, match=r"got \(2, 20, 3\) and \(2, 19\)"):
        ridge_fit(X, y[:, :19])


# ----------------------------------------------------------------------------------- the model
def _rand(R, seed=0):
    return BlockRandom([np.random.default_rng(seed)], [R])


def test_fixed_design_subsample_with_fewer_distinct_rows_than_d_is_minimum_norm():
    model = numeric_model("linreg", {"d": 6, "design": "fixed"})
    r = _rand(5)
    ctx = model.context(r, 20)
    batch = model.draw(ctx, model.truth(ctx), 20, r)
    idx = np.argsort(r.uniform(20), axis=1)[:, :4]          # 4 rows of 20, d = 6
    state, failed = model.fit(ctx, [Part(model.summarise(ctx, batch, 20, idx), Fraction(1), 4, 20)])
    assert not failed.any()
    w0 = model.theta0        # the model simulates centred labels y - X w0 and reports w-hat - w0
    for i in range(5):
        X = ctx.X[i][idx[i]]
        ref = np.linalg.pinv(X) @ (batch["y"][i][idx[i]] + X @ w0)
        np.testing.assert_allclose(state["coef"][i] + w0, ref, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("design", ["fixed", "fresh"])
def test_ridge_fit_of_the_model_is_the_pooled_ridge(design):
    model = numeric_model("linreg", {"d": 5, "design": design, "lam": 0.7})
    r = _rand(3, seed=6)
    ctx = model.context(r, 8)
    a, b = model.draw(ctx, model.truth(ctx), 8, r), model.draw(ctx, model.truth(ctx), 3, r)   # 3 < d: points
    parts = [Part(model.summarise(ctx, a, 8), Fraction(1, 4), 8, 8), Part(model.summarise(ctx, b, 3), Fraction(3, 4),
                                                                             3, 3)]
    assert ("X" in parts[1].summary) == (design == "fresh")
    state, _ = model.fit(ctx, parts)
    w0 = model.theta0        # the model simulates centred labels y - X w0 and reports w-hat - w0
    for i in range(3):
        Xa = ctx.X[i] if design == "fixed" else a["X"][i]
        Xb = ctx.X[i][:3] if design == "fixed" else b["X"][i]
        X = np.concatenate([Xa, Xb])
        y = np.concatenate([a["y"][i], b["y"][i]]) + X @ w0
        A = np.diag(np.r_[np.full(8, 1 / 32), np.full(3, 1 / 4)])
        ref = np.linalg.solve(X.T @ A @ X + 0.7 * np.eye(5), X.T @ A @ y)
        np.testing.assert_allclose(state["coef"][i] + w0, ref, rtol=1e-9)


@pytest.mark.parametrize("design", ["fixed", "fresh"])
def test_shift_moves_the_generator_not_the_fit(design):
    model = numeric_model("linreg", {"d": 3, "design": design, "shift": 2.0, "sigma": 0.01})
    r = _rand(200, seed=7)
    ctx = model.context(r, 30)
    truth = model.truth(ctx)
    real = model.draw(ctx, truth, 30, r)                   # the truth emits itself
    state, _ = model.fit(ctx, [Part(model.summarise(ctx, real, 30), Fraction(1), 30, 30)])
    np.testing.assert_allclose(state["coef"], truth["coef"], atol=0.02)
    np.testing.assert_allclose(state["emit"] - state["coef"], np.tile([2.0, 0.0, 0.0], (200, 1)))
    synthetic = model.draw(ctx, state, 30, r)
    X = ctx.X if design == "fixed" else synthetic["X"]
    resid = synthetic["y"] - np.einsum("rmd,rd->rm", X, state["coef"])
    # labels from coef + 2 e_1: residual 2 x_1 + noise; its regression on x_1 has slope 2 (sigma = 0.01)
    slope = (resid * X[:, :, 0]).sum() / (X[:, :, 0] ** 2).sum()
    assert abs(slope - 2.0) < 0.01


def _split_fits(_=None):
    rng = np.random.default_rng(3)
    X, b = rng.standard_normal((7, 12, 5)), rng.standard_normal((7, 12))
    return DesignRidge(X, 1 / 12, 0.3)(b), DesignRidge(X[:, :4], 1 / 4, 0.0)(b[:, :4])   # primal, dual


def test_a_stack_split_over_the_cores_gives_the_same_fits_in_a_forked_child_too(monkeypatch):
    whole = _split_fits()
    monkeypatch.setattr(ridge, "_SPLIT_FROM", 0)     # split even these small stacks,
    monkeypatch.setattr(ridge, "_CORES", 3)          # in three parts of 2, 2 and 3 replicates
    split = _split_fits()
    assert all(np.array_equal(w, s) for w, s in zip(whole, split, strict=True))
    # the parent's pool has threads now; a forked child must start its own rather than wait on dead ones
    with multiprocessing.get_context("fork").Pool(1) as pool:
        child = pool.apply_async(_split_fits, (None,)).get(timeout=60)
    assert all(np.array_equal(w, c) for w, c in zip(whole, child, strict=True))
