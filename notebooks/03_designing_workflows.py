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
# # 3. Designing workflows with the Gaussian process
#
# Discard and augment are two points in a large design space. Because the limit of every workflow is
# one Gaussian process whose law depends only on the workflow's sizes and shares (THEORY.md §3), a
# workflow can be judged *before any model is fitted*: exactly, by rational arithmetic on the
# workflow, or by simulating the process, as Dey & Donoho (2024) propose. This notebook compares the
# workflows of the literature, derives the best real share of the weighted workflow, and runs a
# workflow written as a TOML file.

# %%
# %matplotlib inline
import math
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import sympy as sp
import sympy.stats as ss
from IPython.display import display

from numerics import RatioSeries, exact_series, plot_risk_ratios, publication_style, simulate_gp
from theory import covariance, load_workflow, preset, risk_ratios, risk_ratios_float

# %% [markdown]
# ## The workflows of the literature
#
# * `subsample`: the data of augment, but a fixed budget of $n$ points, $n/k$ from each batch (Kazdan et al. 2024);
# * `window:3`: the last three batches only (the real data drop out after three generations);
# * `mix:1`: the real data plus one fresh synthetic batch of equal size, older synthetic data dropped
#   (Bertrand et al. 2024);
# * `weighted:0.618`: fresh real data each generation, with share $W$, plus the last synthetic batch
#   (He, Xu & Cheng 2025).
#
# Exact ratios from the toolkit, and the Gaussian-process simulator (efficient estimator) as an
# independent check, 20 000 replicates each.

# %%
G = 15
names = ["discard", "augment", "subsample", "window:3", "mix:1", "weighted:0.618"]
series, worst = [], {}
for name in names:
    wf = preset(name, G)
    exact = np.array([float(r) for r in risk_ratios(wf)])
    gp = simulate_gp(wf, 20000, seed=11)
    z = (gp.ratios[1:] - exact[1:]) / gp.stderr[1:]
    worst[name] = float(np.abs(z).max())
    series.append(exact_series(wf))
    series.append(RatioSeries(name, np.arange(1, G + 1), gp.ratios, gp.stderr, "GP", "process (simulated)"))
print("worst |z| per workflow (simulated process vs exact):", {k: round(v, 2) for k, v in worst.items()})
assert max(worst.values()) < 4.5  # 4.5 standard errors over 14 generations x 6 workflows; the process is exact
with publication_style():
    fig = plot_risk_ratios(series, log=True, asymptote=math.pi**2 / 6)
fig

# %%
for name in names:
    r = risk_ratios_float(preset(name, 400))
    print(f"{name:15s} R_2 = {float(risk_ratios(preset(name, 2))[1])!s:8.6s}  R_400 = {r[-1]:10.4f}")

# %% [markdown]
# Subsampling to a fixed budget loses augment's guarantee (its ratio grows past $\pi^2/6$); a window
# forgets the real data and eventually behaves like discard; mixing in fresh synthetic data at a
# fixed real set stays bounded; with fresh real data every generation the weighted workflow even
# beats generation 1.
#
# ## The best real share of the weighted workflow
#
# Linearising generation $k \ge 2$'s weighted fit (THEORY.md §3): the fresh real batch $R_k$ ($n$ points)
# enters with share $W$ and the synthetic batch $S_{k-1}$ ($Mn$ points, centred at $H_{k-1}$) with share
# $1-W$. SymPy computes the variance recursion from that linear form, with independent noises:

# %%
W, M = sp.symbols("W M", positive=True)
v_prev = sp.Symbol("v_{k-1}", positive=True)
H_prev = ss.Normal("H_prev", 0, sp.sqrt(v_prev))
eps_real = ss.Normal("e_R", 0, 1)            # Var = 1/|R_k| = 1 in units of V/n
eps_syn = ss.Normal("e_S", 0, 1 / sp.sqrt(M))  # Var = 1/|S_{k-1}| = 1/M
H_k = W * eps_real + (1 - W) * (H_prev + eps_syn)
recursion = sp.expand(ss.variance(H_k))
recursion

# %% [markdown]
# Check the derived recursion against the toolkit's exact covariance of the workflow (built from the
# workflow's data, not from this formula) at a few rational shares and sizes:

# %%
def by_recursion(w, m, generations):
    values = [sp.Integer(1)]
    for _ in range(generations - 1):
        values.append(recursion.subs({W: w, M: m, v_prev: values[-1]}))
    return values


for w, m in [(Fraction(3, 5), 1), (Fraction(1, 2), 2), (Fraction(1, 3), Fraction(1, 2))]:
    wf = preset(f"weighted:{w}:{m}", 10)
    exact = [row[i] for i, row in enumerate(covariance(wf))]
    assert [sp.Rational(x.numerator, x.denominator) for x in exact] == by_recursion(
        sp.Rational(w.numerator, w.denominator), sp.Rational(m), 10)
print("recursion agrees with theory.covariance exactly")

# %% [markdown]
# The recursion contracts by $(1-W)^2 < 1$, so the risk tends to its fixed point. Minimising the limit
# over $W$:

# %%
v = sp.Symbol("v")
limit_risk = sp.solve(sp.Eq(v, recursion.subs(v_prev, v)), v)[0]
limit_risk = sp.factor(limit_risk)
best = [w for w in sp.solve(sp.diff(limit_risk, W), W) if w.subs(M, 1).is_positive]
display(sp.Eq(sp.Symbol("v_\\infty"), limit_risk), sp.Eq(sp.Symbol("W^*"), best[0]))
W_equal = sp.nsimplify(sp.simplify(best[0].subs(M, 1)))
golden = (1 + sp.sqrt(5)) / 2
assert sp.simplify(W_equal - 1 / golden) == 0
# at the optimum the limiting risk equals the optimal share itself, for every M
assert sp.simplify(limit_risk.subs(W, best[0]) - best[0]) == 0
W_equal, sp.N(W_equal, 12)

# %% [markdown]
# With equal sizes ($M = 1$) the best real share is $W^* = (\sqrt5-1)/2 = 1/\varphi \approx 0.618$, the
# inverse golden ratio (He, Xu & Cheng 2025); for every $M$ the optimal limiting risk is $W^*$ itself (in
# units of generation 1's risk).
# A scan of the exact ratios at a late generation confirms the minimiser, and shows how it moves with
# the synthetic size $M$:

# %%
grid = np.round(np.arange(0.30, 0.86, 0.01), 2)
for m in (1, 2, 4):
    late = [risk_ratios_float(preset(f"weighted:{w}:{m}", 80))[-1] for w in grid]
    w_star = float(best[0].subs(M, m))
    print(f"M = {m}: grid minimiser {grid[int(np.argmin(late))]:.2f}, derived W* = {w_star:.4f}, "
          f"limit risk {float(limit_risk.subs({M: m, W: w_star})):.4f}")
    assert abs(grid[int(np.argmin(late))] - w_star) <= 0.011

# %% [markdown]
# ## A workflow of your own, as a TOML file
#
# Any workflow is plain data. Here: generation 1 fits the real data; every later generation collects a
# fresh real batch, gives it half the weight, and splits the rest over the last two synthetic batches.

# %%
text = """
name = "fresh real data plus the last two synthetic batches"

[[generations]]
fit = [{batch = "R0"}]
emit = 1

[then]
new_real = 1
fit = [{batch = "R[0]", weight = "1/2"}, {batch = "S[-2:]", weight = "1/4"}]
emit = 1
"""
path = Path(tempfile.mkdtemp()) / "fresh_plus_two.toml"
path.write_text(text)
custom = load_workflow(path, G)
print([[(s.batch, str(s.share)) for s in fit] for fit in custom.shares()[:4]])
exact = np.array([float(r) for r in risk_ratios(custom)])
gp = simulate_gp(custom, 20000, seed=12)
assert np.all(np.abs(gp.ratios[1:] - exact[1:]) < 4.5 * gp.stderr[1:])
print("limit (G = 400):", risk_ratios_float(load_workflow(path, 400))[-1].round(6))

# %%
with publication_style():
    fig = plot_risk_ratios([exact_series(custom), exact_series("weighted:0.618", G), exact_series("augment", G),
                            RatioSeries(custom.name, np.arange(1, G + 1), gp.ratios, gp.stderr, "GP",
                                        "process (simulated)")], asymptote=math.pi**2 / 6)
fig
