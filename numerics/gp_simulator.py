"""The Gaussian-process simulator of THEORY.md §3: judge a workflow without fitting any model.

Dey & Donoho's tool for comparing workflows: for every replicate, draw each batch's
score statistic — the score average of a real batch is centred, that of a synthetic
batch emitted by generation j is shifted by ``I H_j`` (Le Cam's third lemma: the
batch comes from the contiguous alternative theta_0 + H_j / sqrt(n)) — and then
draw H_g from its conditional law given everything before, as computed for batches
all drawn from theta_0. That law is the linearised fit

    H_g = sum_e w_ge psi_e,     psi_e = I^{-1} (score average of entry e),

a function of the statistics of the entries it fits.
A whole batch enters through its own statistic; a subsample of c of the batch's
|B| points adds an independent deviation of covariance ``I (1/c - 1/|B|)``, so two
uses of one batch share exactly its common part (covariance ``I/|B|``), as in
:class:`theory.process.LinearForm` (sizes in units of n, statistics scaled by
sqrt(n)). Given the batch statistics, the subsamples' deviations are the only
randomness left in H_g: its conditional law is Gaussian with covariance
``sum_e w_e^2 (1/c_e - 1/|B_e|) I^{-1}``, and that is what is drawn. Repeating
over replicates estimates Var(H_g)/Var(H_1) and the whole covariance, to be
compared with the exact :func:`theory.process.covariance`.

Two estimators, named as the models name them (``estimator=`` of DESIGN.md):

- ``"mle"``: the maximum-likelihood estimator of any regular d-dimensional model
  (efficient: its influence function is I^{-1} times the score), given its Fisher
  information ``I`` (default 1) and a loss matrix ``A`` (default identity); the
  score averages are Gaussian (their exact law in the limit). ``"efficient"`` is
  accepted as another spelling.
- ``"median"``: the sample median of N(theta, 1), whose influence function is
  sign-based, psi(x) = sqrt(pi/2) sign(x - theta_0). Each batch of N_B = |B| n
  points is summarised by how many of its points exceed theta_0, a
  Binomial(N_B, Phi(H_src / sqrt(n))) count — the exact law of the signs of data
  emitted at theta_0 + H_src/sqrt(n); a subsample of c points keeps a
  hypergeometric share of them. Nothing is Gaussian until the sums are: the
  ratios match the efficient ones up to O(1/n) and Monte Carlo error, which is
  the universality of THEORY.md §3.

:func:`simulate_gp` takes any :data:`theory.presets.WorkflowLike`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from theory.display import elide, html_table, number, text_table
from theory.presets import WorkflowLike, load_workflow
from theory.process import reject_curation

from .models.random import BlockRandom
from .montecarlo import BLOCK, block_seed
from .uncertainty import ratio_stderr

__all__ = ["GPResult", "simulate_gp", "ESTIMATORS"]

ESTIMATORS = ("mle", "median")
_SPELLINGS = {"efficient": "mle"}   # the name this simulator used before it followed the models' names
_MEDIAN_V = math.pi / 2     # V of the median of N(theta, 1): (2 f(0))^-2 with f(0) = 1/sqrt(2 pi)


@dataclass(frozen=True)
class GPResult:
    """Estimates from :func:`simulate_gp`.

    Attributes
    ----------
    ratios, stderr : ndarray, shape (G,)
        Var(H_g)/Var(H_1) (for d > 1: E H_g^T A H_g / E H_1^T A H_1) and its standard
        error (delta method).
    covariance, covariance_stderr : ndarray, shape (G, G)
        E H_i^T A H_j in units of tr(A V)/n, i.e. comparable entry by entry with
        :func:`theory.process.covariance`, with standard errors.
    replicates : int
    estimator : str
    """

    ratios: np.ndarray
    stderr: np.ndarray
    covariance: np.ndarray
    covariance_stderr: np.ndarray
    replicates: int
    estimator: str

    def _table(self):
        G = len(self.ratios)
        title = (f"GPResult: {self.estimator} estimator, {self.replicates} replicates, {G} generations "
                 f"({G} x {G} covariance in .covariance)")
        rows = [[g + 1, number(self.ratios[g]), number(self.stderr[g], 2), number(self.covariance[g, g]),
                 number(self.covariance_stderr[g, g], 2)] for g in range(G)]
        return ["generation", "ratio", "stderr", "Var H", "stderr"], elide(rows), title

    def __repr__(self):
        return text_table(*self._table())

    def _repr_html_(self):
        return html_table(*self._table())


def _spd(matrix, what, d=None):
    M = np.atleast_2d(np.asarray(matrix, dtype=float))
    if M.ndim != 2 or M.shape[0] != M.shape[1] or (d is not None and M.shape[0] != d):
        size = "" if d is None else f" of size {d}"
        raise ValueError(f"{what} must be a square matrix{size}, got {matrix!r}")
    if not np.allclose(M, M.T) or not np.all(np.isfinite(M)):
        raise ValueError(f"{what} must be symmetric and finite, got {matrix!r}")
    return M


def simulate_gp(workflow: WorkflowLike, replicates, seed, *, G=None, estimator="mle", n=None, information=None,
                loss=None, stream=(), chunk=None) -> GPResult:
    """Simulate the sequential Gaussian process of ``workflow`` from batch score statistics.

    Parameters
    ----------
    workflow : Workflow, preset spelling or path
        The workflow (:data:`theory.presets.WorkflowLike`; sizes in units of n). For
        the median it is run at ``workflow.at_sample_size(n)``: compare with that
        workflow's exact covariance.
    replicates : int
    seed : int
        Block ``b`` of :data:`~numerics.montecarlo.BLOCK` replicates draws from
        ``block_seed(seed, b, stream)``, so the simulated paths do not depend on ``chunk``.
    G : int, optional
        The number of generations (default as :func:`theory.presets.load_workflow`).
    estimator : {"mle", "median"}
    n : int, optional
        The base sample size; needed by the median (batches of whole points).
    information : array_like, optional
        Fisher information I (d x d, positive definite); default 1.
    loss : array_like, optional
        Loss matrix A (d x d, positive semi-definite); default the identity.
    stream : tuple of int
        Extra spawn-key prefix, for independent runs with one seed.
    chunk : int, optional
        Replicates vectorised at once (a multiple of BLOCK).

    Returns
    -------
    GPResult

    Examples
    --------
    >>> res = simulate_gp("discard", 20000, seed=1, G=3)
    >>> [round(float(r), 1) for r in res.ratios]
    [1.0, 2.0, 3.0]
    >>> res = simulate_gp("augment", 20000, seed=1, G=2, estimator="median", n=200)
    >>> bool(abs(res.ratios[1] - 1.25) < 4 * res.stderr[1])
    True
    """
    workflow = load_workflow(workflow, G)
    estimator = _SPELLINGS.get(estimator, estimator) if isinstance(estimator, str) else estimator
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {', '.join(ESTIMATORS)}, got {estimator!r}")
    reject_curation(workflow)
    if isinstance(replicates, bool) or not isinstance(replicates, int | np.integer) or replicates < 2:
        raise ValueError(f"replicates must be an integer of at least 2, got {replicates!r}")
    if estimator == "median":
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"the median simulator needs the base sample size n, a positive integer, "
                             f"got {n!r}")
        if information is not None or loss is not None:
            raise ValueError("the median simulator is one-dimensional: information and loss do not apply")
        workflow = workflow.at_sample_size(int(n))
        info, A = np.ones((1, 1)), np.ones((1, 1))
    else:
        info = _spd(1.0 if information is None else information, "the Fisher information")
        d = info.shape[0]
        A = _spd(np.eye(d) if loss is None else loss, "the loss matrix", d)
        if np.linalg.eigvalsh(info)[0] <= 0:
            raise ValueError(f"the Fisher information must be positive definite, got {information!r}")
    G = workflow.G
    total = -(-int(replicates) // BLOCK)
    # per replicate the G x G cross-products dominate memory: keep a chunk's near 256 MB
    per = max(1, min(40, 2**28 // (BLOCK * 24 * (G * G + G * info.shape[0])))) if chunk is None \
        else int(chunk) // BLOCK
    if chunk is not None and (int(chunk) < BLOCK or int(chunk) % BLOCK):
        raise ValueError(f"chunk must be a positive multiple of {BLOCK}, got {chunk!r}")
    cross = np.zeros((G, G))     # sums of H_i^T A H_j
    cross2 = np.zeros((G, G))    # sums of their squares
    with_first = np.zeros(G)     # sums of q_g q_1
    for start in range(0, total, per):
        blocks = range(start, min(total, start + per))
        sizes = [min(BLOCK, int(replicates) - b * BLOCK) for b in blocks]
        rand = BlockRandom([np.random.default_rng(block_seed(seed, b, tuple(stream))) for b in blocks], sizes)
        if estimator == "median":
            H = _median_paths(workflow, int(n), rand)
        else:
            H = _efficient_paths(workflow, info, rand)
        AH = H @ A                                        # (R, G, d)
        prods = np.einsum("rid,rjd->rij", AH, H)          # H_i^T A H_j per replicate
        cross += prods.sum(axis=0)
        cross2 += (prods**2).sum(axis=0)
        q = np.diagonal(prods, axis1=1, axis2=2)
        with_first += (q * q[:, :1]).sum(axis=0)
    R = int(replicates)
    mean = cross / R
    var = np.maximum(cross2 / R - mean**2, 0.0) * R / (R - 1)
    cov_se = np.sqrt(var / R)
    m = np.diag(mean)
    v = np.diag(var)
    c1 = (with_first / R - m * m[0]) * R / (R - 1)
    ratios, ratio_se = ratio_stderr(m, np.sqrt(v / R), c1 / R)
    unit = float(np.trace(A @ np.linalg.inv(info))) * (_MEDIAN_V if estimator == "median" else 1.0)
    return GPResult(ratios, ratio_se, mean / unit, cov_se / unit, R, estimator)


def _efficient_paths(workflow, info, rand):
    """H (R, G, d): batch score statistics, then each H_g from its conditional law given them.

    A batch's scaled score average is ``S_B = I H_src + N(0, I/|B|)``. Given every
    S_B drawn so far, H_g is Gaussian with mean ``sum_e w_e I^{-1} S_B(e)`` and
    covariance ``sum_e w_e^2 (1/c_e - 1/|B_e|) I^{-1}``: the subsamples' own noise,
    independent of everything else (the ``eta[k]`` primitive of
    :class:`theory.process.LinearForm`); whole batches add none.
    """
    R, G, d = rand.size, workflow.G, info.shape[0]
    root = np.linalg.cholesky(info)                      # root z has covariance I
    inv = np.linalg.inv(info)
    inv_root = np.linalg.cholesky(inv)                   # inv_root z has covariance I^{-1} = V
    sizes = {name: float(size) for name, (size, _) in workflow.batch_sizes().items()}
    H = np.zeros((R, G, d))
    scores = {}                                          # batch -> its score average (scaled by sqrt n)

    def score(name):
        if name not in scores:
            shift = 0.0 if name[0] == "R" else H[:, int(name[1:]) - 1] @ info.T
            scores[name] = shift + rand.normal(d) @ root.T / math.sqrt(sizes[name])
        return scores[name]

    for k, fit in enumerate(workflow.shares()):
        mean = np.zeros((R, d))
        residual = 0.0                                   # Var of H_g given the batch statistics, units of V
        for s in fit:
            if not s.share:
                continue
            mean += float(s.share) * (score(s.batch) @ inv.T)
            if s.count != s.size:
                residual += float(s.share) ** 2 * float(1 / s.count - 1 / s.size)
        H[:, k] = mean if not residual else mean + math.sqrt(residual) * (rand.normal(d) @ inv_root.T)
    return H


def _median_paths(workflow, n, rand):
    """H (R, G, 1) of the linearised median from sign counts of batches and their subsamples."""
    R, G = rand.size, workflow.G
    scale = math.sqrt(_MEDIAN_V) * math.sqrt(n)
    in_points = workflow.in_points(n)
    points = in_points.batch_sizes()
    H = np.zeros((R, G, 1))
    above = {}                                           # batch -> points above theta_0

    def count(name):
        if name not in above:
            p = np.full(R, 0.5) if name[0] == "R" else ndtr(H[:, int(name[1:]) - 1, 0] / math.sqrt(n))
            above[name] = rand.binomial(points[name], p)
        return above[name]

    for k, gen in enumerate(in_points.generations):
        total = np.zeros(R)
        for s in gen.fit:
            if not s.share:
                continue
            good = count(s.batch)
            hits = good if s.count == s.size else rand.hypergeometric(good, s.size - good, s.count)
            total += float(s.share) * scale * (2.0 * hits / s.count - 1.0)
        H[:, k, 0] = total
    return H
