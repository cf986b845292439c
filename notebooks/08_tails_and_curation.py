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
# # 8. Heavy tails and curated retraining
#
# Language data are categorical with heavy-tailed frequencies: a Zipf law $p_i \propto i^{-\beta}$ over a
# vocabulary of $K$ words. Refitting the empirical frequencies on their own samples does not (only) add
# variance: a word the sample misses gets probability zero and is gone for every later generation.
# This notebook measures that tail loss exactly, shows what it does to a model that memorises what it
# has seen (Dohmatob et al. 2024), and then lets each generation *curate* its samples by a reward
# (Ferbach et al. 2024).
#
# The exact theory rests on one fact: an emitted word copies one real word, and who copies whom does not
# depend on the words. So category $i$ is absent from a fit exactly when none of its $A_k$ distinct real
# ancestors is an $i$: $P(\text{lost}) = \mathbb E(1-p_i)^{A_k}$, one law of $A_k$ for all $K$ categories.

# %%
# %matplotlib inline
import mpmath
import numpy as np

from numerics import (
    SimulationConfig, clean_error, curated_path, fixed_point, memorizer_constant, new_figure, publication_style,
    simulate, tail_floor,
)
from theory import (
    MODELS, Workflow, ancestor_laws, categorical_truth, derive_generations_law, derive_memorizer_constant,
    mean_field_step, predict,
)

# %% [markdown]
# ## A Zipf vocabulary under discard and augment
#
# $K = 10^4$ words, $\beta = 1.5$, $n = 5000$ draws per generation. Lines: the toolkit's exact expected
# lost mass and support (the ancestral chain under discard; under augment the real data stay in every
# fit, so $A_k = n$ for ever). Points: Monte Carlo of real refits, 100 replicates, one standard error.

# %%
zipf = {"truth": "zipf", "beta": "1.5", "K": 10000}
n, G = 5000, 15
runs = {}
for wf in ("discard", "augment"):
    res = simulate(SimulationConfig("categorical", zipf, wf, n, G, 100), seed=8, progress=False)
    runs[wf] = res
    for name in ("lost_mass", "support"):
        mean, se = np.array(res.metrics[name]["mean"]), np.array(res.metrics[name]["stderr"])
        theory = np.array(res.theory[name])
        assert res.notes[name].startswith("exact")
        assert np.all(np.abs(mean - theory) <= 4.5 * se + 1e-12)   # exact targets: 4.5 standard errors

ks = np.arange(1, G + 1)
with publication_style():
    fig, axes = new_figure(7.0, 2.6, 1, 2)
    for wf, color in (("discard", "#D55E00"), ("augment", "#0072B2")):
        res = runs[wf]
        for ax, name in zip(axes, ("lost_mass", "support"), strict=True):
            ax.plot(ks, res.theory[name], color=color, label=f"{wf}, exact")
            ax.errorbar(ks, res.metrics[name]["mean"], yerr=res.metrics[name]["stderr"], fmt="o", ms=3,
                        color=color, label=f"{wf}, Monte Carlo")
    axes[0].set(yscale="log", xlabel="generation $k$", ylabel="expected lost mass")
    axes[1].set(yscale="log", xlabel="generation $k$", ylabel="expected support")
    axes[0].legend(fontsize=7)
fig

# %% [markdown]
# The exact computation scales: for $K = 10^5$ words the law of $A_k$ and the sums over the vocabulary
# take about a second for thirty generations (``benchmarks/bench_categorical.py`` times a hundred).

# %%
exact = predict("categorical", {"truth": "zipf", "beta": "1.5", "K": 100000}, "discard", 5000, generations=30)
print(exact.notes["lost_mass"][:80], "...")
print("lost mass after 1, 10, 30 generations:", [round(exact.metrics["lost_mass"][k - 1], 4) for k in (1, 10, 30)])

# %% [markdown]
# ## The memoriser's scaling law
#
# A model that memorises the labels of the $T$ inputs it saw errs with probability
# $E(T) = \sum_i p_i (1-p_i)^T$. The toolkit derives $E(T) \sim C\,T^{-(1-1/\beta)}$ for an infinite Zipf
# vocabulary, with the constant below, and evaluates $E(T)$ at 15 digits here (an incomplete Beta function
# for the tail of the sum; the ledger checks it at 50). A tail cut at $k$ words leaves the floor $\zeta(\beta, k+1)/\zeta(\beta)$.

# %%
derive_memorizer_constant()["constant"]

# %%
Ts = 10 ** np.arange(2, 8)
with publication_style():
    fig, ax = new_figure(4.2, 3.0)
    for beta, color in (("1.3", "#009E73"), ("1.5", "#D55E00"), ("2", "#0072B2")):
        errors = [float(clean_error(beta, int(T), dps=15)) for T in Ts]
        C = float(memorizer_constant(beta, dps=15))
        b = float(beta)
        ax.plot(Ts, errors, "o", color=color, ms=3, label=f"$\\beta = {beta}$: $E(T)$")
        ax.plot(Ts, C * Ts ** -(1 - 1 / b), color=color, linewidth=0.8, label=f"$C\\,T^{{-(1-1/\\beta)}}$, C = {C:.3f}")
    ax.axhline(float(tail_floor("1.5", 100, dps=20)), color="#D55E00", linestyle=":",
               label="tail cut at $k = 100$, $\\beta = 1.5$: floor")
    ax.set(xscale="log", yscale="log", xlabel="training draws $T$", ylabel="memoriser error")
    ax.legend(fontsize=6)
fig

# %% [markdown]
# ## What generations of discard do to the memoriser
#
# $T$ draws from the $k$-th fit descend from $A_k$ distinct real words: the memoriser errs as if it had
# seen $A_k$ clean draws. The mean-field recursion $a \mapsto n\,(1-(1-1/n)^a)$ from $a_0 = T$ gives, to
# first order,

# %%
derive_generations_law()["effective"]

# %% [markdown]
# so after many generations the memoriser's error stops falling with $T$ and rises like
# $C\,(k/2n)^{1-1/\beta}$. Exact chain (points) against the mean-field effective size (lines), $n = T$:

# %%
C = float(memorizer_constant("1.5", dps=20))
with publication_style():
    fig, ax = new_figure(4.2, 2.8)
    for size, color in ((1000, "#009E73"), (10000, "#0072B2")):
        laws = ancestor_laws(size, [size] * 30)
        chain = [float((law.pmf * C * np.arange(law.offset, law.offset + len(law.pmf)) ** (-1 / 3)).sum())
                 for law in laws]
        a, mf = float(size), []
        for _ in laws:
            a = mean_field_step(a, size)
            mf.append(C * a ** (-1 / 3))
        gens = np.arange(1, 31)
        ax.plot(gens, chain, "o", ms=3, color=color, label=f"exact chain, $n = T = {size}$")
        ax.plot(gens, mf, color=color, linewidth=0.8, label="mean-field effective size")
        ax.plot(gens, C * (gens / (2 * size)) ** (1 / 3), color=color, linestyle=":", linewidth=0.8,
                label="$C (k/2n)^{1/3}$")
    ax.set(xscale="log", yscale="log", xlabel="generation $k$", ylabel="memoriser error ($\\beta = 1.5$)")
    ax.legend(fontsize=6)
fig

# %% [markdown]
# ## Curated retraining
#
# Now every emitted word is the choice, among $K = 4$ candidates drawn from the fit, of one kept with
# probability $\propto e^{r}$; the reward is $r = 1$ on the 5 most frequent of 20 words. The one-step map
# is exact for finite $K$ and tends to $p \propto p\,e^r$ as $K \to \infty$. Without real data the expected
# reward climbs to its maximum and the entropy falls; with half of every fit made of fresh real data the
# chain settles at a fixed point, computed here at 50 digits. Lines: the expected law's trajectory
# ($n \to \infty$); points: Monte Carlo of real refits on curated samples ($n = 5000$, 100 replicates).

# %%
small = {"truth": "zipf", "beta": "1", "K": 20}
rule = {"candidates": 4, "reward": {"top": 5, "value": 1}}
workflows = {
    "no real data": {"generations": [{"fit": [{"batch": "R0"}], "emit": 1, "curate": rule}],
                     "then": {"fit": [{"batch": "S[-1]"}], "emit": 1, "curate": rule}},
    "half real data": {"generations": [{"fit": [{"batch": "R0"}], "emit": 1, "curate": rule}],
                       "then": {"new_real": 1, "fit": [{"batch": "R[0]", "weight": "1/2"},
                                                       {"batch": "S[-1]", "weight": "1/2"}],
                                "emit": 1, "curate": rule}},
}
G = 12
truth = [str(x) for x in categorical_truth(MODELS["categorical"].validate(small)).exact]
rewards = [1] * 5 + [0] * 15
fp = fixed_point(truth, rewards, 4, "1/2", dps=50)
print("fixed point with half real data: expected reward", mpmath.nstr(fp.reward, 30))
with publication_style():
    fig, axes = new_figure(7.0, 2.6, 1, 2)
    for (label, data), color in zip(workflows.items(), ("#D55E00", "#0072B2"), strict=True):
        workflow = Workflow.from_data(data, name=label)
        res = simulate(SimulationConfig("categorical", small, workflow, 5000, G, 100), seed=3, progress=False)
        reward, entropy = curated_path(truth, rewards, 4, G, lam=0 if label == "no real data" else "1/2")
        gens = np.arange(1, G + 1)
        for ax, name, path_values in ((axes[0], "reward", reward), (axes[1], "entropy", entropy)):
            ax.plot(gens, [float(x) for x in path_values], color=color, label=f"{label}, $n \\to \\infty$")
            ax.errorbar(gens, res.metrics[name]["mean"], yerr=res.metrics[name]["stderr"], fmt="o", ms=3,
                        color=color, label=f"{label}, Monte Carlo")
    axes[0].axhline(float(fp.reward), color="#0072B2", linestyle=":", label="fixed point (50 digits)")
    axes[0].set(xlabel="generation $k$", ylabel="expected reward")
    axes[1].set(xlabel="generation $k$", ylabel="entropy (nats)")
    axes[0].legend(fontsize=6)
fig
