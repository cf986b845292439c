# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4. Linear regression: replace and accumulate with a reused design
#
# Gerstgrasser et al. (2024) refit ordinary least squares generation after generation on one fixed
# design $X$ ($n$ rows, $d$ columns), with the labels resampled from the previous fit, $y = X\hat w_{k-1} +
# \varepsilon$. They compared *replace* (our discard) with *accumulate* (our augment); Dohmatob, Feng &
# Kempe (2024) showed that replace's test error grows linearly in the generations. Here both are derived
# exactly at finite $n$ and checked against simulated fits, and the fixed design is compared with a fresh
# design per batch.

# %%
# %matplotlib inline
import math

import numpy as np
import sympy as sp
import sympy.stats as ss

from numerics import (
    RatioSeries, SimulationConfig, exact_series, new_figure, plot_risk_ratios, publication_style, simulate,
)
from theory import predict, preset, risk_ratios

# %% [markdown]
# ## The exact finite-n risk
#
# Given $X$, the OLS error of one batch is $(X^\top X)^{-1} X^\top \varepsilon$, with covariance
# $\sigma^2 (X^\top X)^{-1}$. Every batch shares the design, so every fit's noise has this same covariance:
#
# * replace: $\hat w_k = \hat w_{k-1} + (X^\top X)^{-1}X^\top\varepsilon_k$, a random walk;
# * accumulate: the pooled OLS over $k$ copies of $X$ is the *average* of the $k$ per-batch fits, so
#   $\hat w_k = \hat w_{k-1} + (X^\top X)^{-1}X^\top\varepsilon_{k-1}/k$, the telescoping of notebook 1.
#
# Hence $E\|\hat w_k - w\|^2 = c_k\, \sigma^2\, E\,\mathrm{tr}(X^\top X)^{-1}$ with $c_k = k$ or
# $\sum_{j \le k} 1/j^2$, exactly. For Gaussian rows $X^\top X \sim \mathrm{Wishart}_d(n, I)$ and
# $E (X^\top X)^{-1} = I/(n-d-1)$ (the inverse-Wishart mean; Mardia, Kent & Bibby 1979). For $d = 1$
# SymPy derives it from the chi-square law:

# %%
n_sym = sp.Symbol("n", integer=True, positive=True)
chi2 = ss.ChiSquared("Q", n_sym)
inv_mean = sp.gammasimp(ss.E(1 / chi2))
if isinstance(inv_mean, sp.Piecewise):  # SymPy keeps the case split; the mean is finite for n > 2
    branch = inv_mean.args[0]
    assert branch.cond == (n_sym > 2)
    inv_mean = branch.expr
sp.Eq(sp.Symbol("E[1/Q]"), inv_mean)

# %% [markdown]
# and for $d > 1$ we check the mean of $\mathrm{tr}(X^\top X)^{-1}$ by Monte Carlo of Gaussian designs:

# %%
rng = np.random.default_rng(np.random.SeedSequence(4))
n, d, sigma = 20, 5, 1.0
X = rng.standard_normal((40000, n, d))
traces = np.trace(np.linalg.inv(np.einsum("rij,rik->rjk", X, X)), axis1=1, axis2=2)
se = traces.std(ddof=1) / math.sqrt(len(traces))
print(f"E tr (X'X)^-1: simulated {traces.mean():.5f} ± {se:.5f}, d/(n-d-1) = {d / (n - d - 1):.5f}")
assert abs(traces.mean() - d / (n - d - 1)) < 4 * se
assert sp.simplify(inv_mean.subs(n_sym, 7) - sp.Rational(1, 5)) == 0  # 1/(n-2)

# %%
G = 10
k = np.arange(1, G + 1)
c = {"discard": k.astype(float), "augment": np.cumsum(1.0 / k**2)}
exact_risk = {w: c[w] * sigma**2 * d / (n - d - 1) for w in c}
params = {"d": d, "sigma": sigma, "design": "fixed"}
for w in ("discard", "augment"):
    pred = predict("linreg", params, w, n, generations=G)
    print(f"{w:8s} toolkit prediction exact: {pred.exact};  max |prediction - derivation| = "
          f"{np.max(np.abs(np.array(pred.metrics['risk']) - exact_risk[w])):.2e}")
    assert np.allclose(pred.metrics["risk"], exact_risk[w], rtol=1e-12)

# %% [markdown]
# ## Simulated fits against the exact risk
#
# 20 000 replicates; each draws its own Gaussian design and reuses it for every batch.

# %%
results = {}
for w in ("discard", "augment"):
    res = simulate(SimulationConfig("linreg", params, w, n, G, 20000), seed=31, progress=False)
    mean, se = np.array(res.metrics["risk"]["mean"]), np.array(res.metrics["risk"]["stderr"])
    z = (mean - exact_risk[w]) / se
    results[w] = (mean, se)
    print(f"{w:8s} worst |z| = {np.abs(z).max():.2f};  test error at k = {G}: "
          f"{mean[-1] + sigma**2:.3f} (exact {exact_risk[w][-1] + sigma**2:.3f})")
    assert np.abs(z).max() < 4.5  # exact finite-n values: Monte Carlo error only

# %% [markdown]
# The test error of a new point, $E(y - x^\top \hat w_k)^2 = \sigma^2 + E\|\hat w_k - w\|^2$ (loss matrix
# $A = \mathrm{Cov}(x) = I$), grows by $\sigma^2 d/(n-d-1)$ per generation under replace and stays below
# $\sigma^2 + \frac{\pi^2}{6}\sigma^2 d/(n-d-1)$ under accumulate.
#
# ## Fixed versus fresh design
#
# With a fresh Gaussian design for every batch, replace is still exact (its steps are independent with
# the same mean covariance), but accumulate's pooled OLS $(\sum_j X_j^\top X_j)^{-1}\sum_j X_j^\top y_j$ is no
# longer the average of the per-batch fits. Pooling fresh designs also pools their information: the
# pooled Gram matrix is better conditioned than any single one, so at small $n$ accumulate does *better*
# than the process predicts. The departure shrinks as $n$ grows; notebook 7 derives the exact law at every
# $(n, d)$.

# %%
fresh = {}
for size in (10, 40):
    res = simulate(SimulationConfig("linreg", {"d": d, "sigma": sigma, "design": "fresh"}, "augment", size, G,
                                    20000), seed=32, progress=False)
    mean, se = np.array(res.metrics["risk"]["mean"]), np.array(res.metrics["risk"]["stderr"])
    r1 = sigma**2 * d / (size - d - 1)
    fresh[size] = (mean / r1, se / r1)
    print(f"fresh design, n = {size}: R_{G} = {mean[-1] / r1:.3f} ± {se[-1] / r1:.3f}  "
          f"(process {float(risk_ratios(preset('augment', G))[-1]):.3f}); prediction exact: {res.exact}")

# %%
with publication_style():
    fig, axes = new_figure(7.0, 2.5, 1, 2)
    series = [exact_series("discard", G), exact_series("augment", G)]
    for w in ("discard", "augment"):
        mean, se = results[w]
        r1 = exact_risk[w][0]
        series.append(RatioSeries(w, k, mean / r1, se / r1, "linreg", f"fixed design, $n={n}$"))
    plot_risk_ratios(series, axes[0], asymptote=math.pi**2 / 6)
    axes[0].set_title(f"OLS, $d={d}$: fixed design (exact at this $n$)")
    series = [exact_series("augment", G)]
    for size, (ratio, se) in fresh.items():
        series.append(RatioSeries("augment", k, ratio, se, "linreg", f"fresh design, $n={size}$"))
    plot_risk_ratios(series, axes[1], asymptote=math.pi**2 / 6)
    axes[1].set_title("accumulate with a fresh design per batch")
fig
