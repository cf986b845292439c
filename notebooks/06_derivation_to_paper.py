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
# # 6. From derivation to paper
#
# Everything the toolkit derives can leave as LaTeX printed by SymPy, ready to `\input`: a workflow's
# risk recursion, closed form, limit and bound, and the proof of them for every generation; a model's
# asymptotic covariance and risk; tables of exact ratios; and figures in PDF. This notebook writes each of them to a folder and compiles a small paper
# from them (when `pdflatex` is installed).

# %%
# %matplotlib inline
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import sympy as sp
from IPython.display import Math, display

from numerics import limit_estimate, risk_ratio_figure, save_figure
from theory import latex_pieces, latex_snippet, model_risk_latex, preset, prove, risk_ratios

paper = Path(tempfile.mkdtemp(prefix="pi2over6-paper-"))
paper

# %% [markdown]
# ## A workflow's risk
#
# Bertrand et al. (2024) keep the real data and add fresh synthetic data, $\lambda n$ points of it, each
# generation (`mix:λ`). The toolkit derives the recurrence of $R_k$ from the workflow's state-space form
# (valid for every generation from the second on), solves it, proves the solution by induction, and
# derives the limit and the bound; `theory.latex` prints them:

# %%
pieces = latex_pieces("mix:0.5")
assert pieces["status"] == "proved"
for key in ("recurrence", "closed_form", "limit", "bound"):
    display(Math(pieces[key]))

# %% [markdown]
# The argument itself, as a section a referee can check by hand (the state, its one-step map, the
# second-moment recursion, the derived recurrence, the induction, the limit with its error bound); the
# command line prints the same with `pi2over6 prove mix:0.5 --latex`:

# %%
command = [sys.executable, "-m", "proofs_check", "prove", "mix:0.5", "--latex", "--dps", "20"]
proof_tex = subprocess.run(command, capture_output=True, text=True, check=True).stdout
(paper / "proof.tex").write_text(proof_tex)
print(proof_tex[:1500])

# %% [markdown]
# A model's risk adds its asymptotic covariance $V$, derived symbolically (for the sample median, from its
# influence function):

# %%
model_tex = model_risk_latex("gaussian-mean", {"estimator": "median"})
print(model_tex)
display(Math(model_tex.split("\\begin{gather*}\n")[1].split("\\end{gather*}")[0].replace("\\\\", "\\\\[4pt]")))

# %% [markdown]
# The command line prints the same snippet, `pi2over6 latex mix:0.5 --model gaussian-mean --set
# estimator=median`; write it to a file that the paper will `\input`:

# %%
command = [sys.executable, "-m", "proofs_check", "latex", "mix:0.5", "--model", "gaussian-mean", "--set",
           "estimator=median"]
snippet = subprocess.run(command, capture_output=True, text=True, check=True).stdout
assert snippet == latex_snippet("mix:0.5", table=False, model="gaussian-mean", params={"estimator": "median"})
(paper / "risk.tex").write_text(snippet)
print(snippet)

# %% [markdown]
# ## A table of ratios
#
# A booktabs table comparing workflows, generation by generation, with each limit as SymPy derived it
# and its value to 20 digits from the high-precision evaluator (with a rigorous error bound, since each
# limit is proved):

# %%
workflows = ["discard", "augment", "subsample", "mix:1", "weighted:0.618"]
G = 8
columns = {w: risk_ratios(preset(w, G)) for w in workflows}
head = " & ".join(rf"\texttt{{{w}}}" for w in workflows)
rows = [r"\begin{tabular}{r" + "r" * len(workflows) + "}", r"\toprule", rf"$k$ & {head} \\", r"\midrule"]
for g in range(G):
    rows.append(f"{g + 1} & " + " & ".join(f"{float(columns[w][g]):.4f}" for w in workflows) + r" \\")
limits, digits = [], []
for w in workflows:
    limit = prove(w).limit
    estimate = limit_estimate(w, 20)
    assert estimate.rigorous and prove(w).status == "proved"
    limits.append(f"${sp.latex(limit)}$")
    digits.append(estimate.decimal if estimate.finite else r"$\infty$")
rows += [r"\midrule", r"$\lim R_k$ & " + " & ".join(limits) + r" \\", r"\bottomrule", r"\end{tabular}"]
table = "\n".join([r"\begin{table}[ht]", r"\centering", *rows,
                   r"\caption{Exact risk ratios $R_k$ and their limits. To 20 digits: "
                   + "; ".join(f"\\texttt{{{w}}} {d}" for w, d in zip(workflows, digits, strict=True))
                   + ".}", r"\end{table}"])
(paper / "ratios.tex").write_text(table)
print(table)

# %% [markdown]
# ## A figure
#
# Exact curves and Monte Carlo points of real fits, drawn at one-column width with fonts that match the
# paper's size; the PDF embeds its fonts. The same figure comes from
# `pi2over6 plot discard augment mix:1 weighted:0.618 --model gaussian-mean --n 50 --replicates 2000
# --generations 8 --log --out risk_ratios.pdf`.

# %%
fig = risk_ratio_figure(["discard", "augment", "mix:1", "weighted:0.618"], ["gaussian-mean"], n=50,
                        replicates=2000, seed=1, generations=G, log=True)
save_figure(fig, paper / "risk_ratios.pdf")
save_figure(fig, paper / "risk_ratios.png")
fig

# %% [markdown]
# ## The paper
#
# A minimal document that inputs the snippets and includes the figure; `pdflatex` compiles it.

# %%
main = r"""\documentclass{article}
\usepackage{amsmath,booktabs,graphicx}
\begin{document}
\section*{Risk of the mix workflow}
Generation $k$ fits the real data and the synthetic data of generation $k-1$:
\input{risk.tex}
\input{ratios.tex}
\input{proof.tex}
\begin{figure}[ht]
\centering
\includegraphics{risk_ratios.pdf}
\caption{Risk ratios: exact (lines) and simulated fits of a Gaussian mean (points, one standard error).}
\end{figure}
\end{document}
"""
(paper / "main.tex").write_text(main)
pdflatex = shutil.which("pdflatex")
if pdflatex:
    run = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "main.tex"], cwd=paper,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]
    pages = [line for line in run.stdout.splitlines() if line.startswith("Output written")]
    print(pages[0] if pages else run.stdout[-500:])
else:
    print("pdflatex is not installed: the .tex files are ready to compile elsewhere")
sorted(p.name for p in paper.iterdir())
