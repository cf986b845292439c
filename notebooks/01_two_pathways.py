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
# # 1. Two pathways: discard and augment
#
# The simplest model shows the whole story. Data are $N(\mu, \sigma^2)$ with $\sigma$ known; every
# generation estimates $\mu$ by the sample mean of its training set; every generation then emits $n$
# synthetic points drawn from $N(\hat\mu_k, \sigma^2)$.
#
# * **discard**: generation $k \ge 2$ fits only the synthetic batch $S_{k-1}$;
# * **augment**: generation $k$ fits the real batch $R_0$ and all synthetic batches $S_1, \dots, S_{k-1}$.
#
# Write $H_k = \sqrt n(\hat\mu_k - \mu)/\sigma$ and $\varepsilon_j$ for the scaled noise of batch $j$'s mean
# around the mean it was drawn from: independent $N(0, 1)$, exactly, at every $n$.

# %%
# %matplotlib inline
import math

import numpy as np
import sympy as sp
from IPython.display import display

from numerics import (
    SimulationConfig, exact_series, new_figure, plot_risk_ratios, publication_style, simulate,
    simulated_series,
)
from theory import closed_form, k, linear_form, pooled_fit_identity, preset, prove, risk_ratios

# %% [markdown]
# ## The telescoping derivation
#
# Under augment, generation $k$'s fit is the pooled mean of $k$ equal batches: $R_0$ has scaled mean
# $\varepsilon_0$, and $S_j$ has scaled mean $H_j + \varepsilon_j$ (it was drawn around $\hat\mu_j$). So
# $k H_k = \varepsilon_0 + \sum_{j<k} (H_j + \varepsilon_j)$. Subtracting the same definition at $k-1$ and
# letting SymPy merge the sums gives a one-step recursion (`theory.pooled_fit_identity`):

# %%
identity = pooled_fit_identity()
assert identity.proved
display(identity.definition, identity.identity, identity.update)
identity.variance

# %% [markdown]
# $H_k = H_{k-1} + \varepsilon_{k-1}/k$, so $\mathrm{Var}\,H_k = \sum_{j \le k} 1/j^2$. An independent check:
# write the pooled means out in full for the first generations and compare.

# %%
eps = sp.symbols("varepsilon_0:12")
pooled = [eps[0]]  # H_1: the real batch alone
for g in range(2, 12):
    pooled.append((eps[0] + sum(pooled[j - 1] + eps[j] for j in range(1, g))) / g)
assert all(sp.expand(pooled[g - 1] - (pooled[g - 2] + eps[g - 1] / g)) == 0 for g in range(2, 12))
pooled[3]

# %% [markdown]
# Under discard, $H_k = H_{k-1} + \varepsilon_{k-1}$: a Gaussian random walk. The toolkit proves the closed
# forms for every $k$ from the workflows written as data: it reads off each rule the finite state the
# process carries from one generation to the next (for augment, the real batch and a running sum of the
# synthetic batches), derives the recursion of its second moments and from it the recurrence of $R_k$,
# and proves the closed form by induction (`theory.prove`; `pi2over6 prove augment` prints the argument).
# Nothing rests on a finite number of terms.

# %%
proof = prove("augment")
assert proof.status == "proved" and proof.proof.valid_from == 1
print(proof.text().split("3. Argument:")[0])
augment, discard = closed_form("augment"), closed_form("discard")
assert augment.status == discard.status == "proved"
display(augment.recurrence, sp.Eq(sp.Symbol("R_k"), augment.expr), augment.bound.relation)
display(discard.recurrence, sp.Eq(sp.Symbol("R_k"), discard.expr), discard.limit)
# two independent routes agree: the pooled-fit derivation above, and the recurrence derived from the
# rule's state-space form; for discard, summing the random walk's unit steps
assert sp.simplify(identity.variance - augment.expr) == 0
j = sp.Symbol("j", integer=True, positive=True)
assert sp.summation(1, (j, 1, k)) == discard.expr
augment_R = augment.expr
augment.limit

# %% [markdown]
# The Basel sum: augment's risk never exceeds $\pi^2/6 \approx 1.645$ times generation 1's, while discard's
# grows without bound. The toolkit's exact computation of the process (rational arithmetic on the
# workflow written as data, no formula typed in) agrees term by term:

# %%
G = 20
exact_aug = risk_ratios(preset("augment", G))
exact_dis = risk_ratios(preset("discard", G))
assert all(sp.Rational(r.numerator, r.denominator) == augment_R.subs(k, g) for g, r in enumerate(exact_aug, 1))
assert all(r == g for g, r in enumerate(exact_dis, 1))
print("augment, exact:", [str(r) for r in exact_aug[:5]], "...")
print(f"R_20 = {float(exact_aug[-1]):.6f}   pi^2/6 = {math.pi ** 2 / 6:.6f}   ARE >= 6/pi^2 = {6 / math.pi ** 2:.4f}")

# %% [markdown]
# ## The random walk and its damped cousin
#
# The process is linear and Gaussian, $H = M z$ with independent $z$ (one term per batch); the toolkit
# builds $M$ from the workflow. Sample paths make the difference visible: discard wanders like $\sqrt k$,
# augment's steps shrink like $1/k$ and the path settles.

# %%
rng = np.random.default_rng(np.random.SeedSequence(1))
with publication_style():
    fig, axes = new_figure(7.0, 2.4, 1, 2, sharey=True)
    for ax, name in zip(axes, ("discard", "augment"), strict=True):
        form = linear_form(preset(name, G))
        M = form.loadings_float()
        z = rng.standard_normal((30, len(form.variances))) * np.sqrt(np.array(form.variances, dtype=float))
        paths = z @ M.T
        ax.plot(np.arange(1, G + 1), paths.T, color="0.35", linewidth=0.5, alpha=0.6)
        sd = np.sqrt(np.array([float(r) for r in risk_ratios(preset(name, G))]))
        for sign in (-2, 2):
            ax.plot(np.arange(1, G + 1), sign * sd, color="#D55E00", linestyle="--")
        ax.set_title(f"{name}: 30 paths of $H_k$, $\\pm 2$ sd")
        ax.set_xlabel("generation $k$")
    axes[0].set_ylabel("$H_k$")
fig

# %% [markdown]
# ## Simulation of real fits against the theory
#
# Monte Carlo of the actual procedure — draw the data, fit the mean, emit, refit — with $n = 20$ points
# per batch. For the Gaussian mean the process is exact at every $n$, so the simulated risks must match
# the exact values within Monte Carlo error alone.

# %%
n, R = 20, 20000
for name in ("discard", "augment"):
    res = simulate(SimulationConfig("gaussian-mean", {}, name, n, G, R), seed=2024, progress=False)
    mean = np.array(res.metrics["risk"]["mean"])
    se = np.array(res.metrics["risk"]["stderr"])
    theory = np.array(res.theory["risk"])
    z = (mean - theory) / se
    print(f"{name:8s} exact at this n: {res.exact}; worst |z| over {G} generations = {np.abs(z).max():.2f}; "
          f"R_20 simulated {mean[-1] / theory[0]:.3f}, exact {theory[-1] / theory[0]:.3f}")
    assert np.abs(z).max() < 4.5  # 4.5 standard errors over 20 generations: no finite-n allowance needed

# %%
series = [exact_series("discard", G), exact_series("augment", G)]
series += [simulated_series("gaussian-mean", w, n, G, 4000, seed=7) for w in ("discard", "augment")]
with publication_style():
    fig = plot_risk_ratios(series, log=True, asymptote=math.pi**2 / 6)
fig

# %% [markdown]
# Lines: exact ratios. Points: Monte Carlo of real fits (4000 replicates, one standard error; the
# ratio's denominator is the exact generation-1 risk $\sigma^2/n$, since the prediction is exact here).
# Discard's risk grows linearly; augment's stays below $\pi^2/6$.
