"""The sequential Gaussian process of a workflow, computed exactly.

Linearising every fit (THEORY.md §3) gives, for the scaled errors
H_k = sqrt(n) (theta_k - theta_0) in units of V/n,

    H_k = sum_e w_ke (H_src(e) + eps_ke),

with w_ke the normalised share of entry e of generation k's fit, src(e) the
generation that emitted the batch (none for real data) and eps_ke the entry's
noise: variance 1/c for c points, covariance 1/|B| between two uses of the same
batch B in different generations, independence across batches. That noise splits
exactly into independent primitives: one common term Z_B of variance 1/|B| per
batch, plus one term of variance 1/c - 1/|B| per subsampled entry, met by no
other generation (so a generation's subsample terms merge into one). Hence

    H = Omega H + E z,   so   H = (I - Omega)^{-1} E z,   Cov H = M D M^T,

with M = (I - Omega)^{-1} E and D the primitives' variances. Nothing here knows
about presets: every workflow goes through the same construction.

Every public function takes a workflow as :data:`theory.presets.WorkflowLike` (a
:class:`~theory.workflow.Workflow`, a preset spelling such as ``"window:3"`` or a
``.json``/``.toml`` path) and an optional number of generations ``G``, normalised
once by :func:`theory.presets.load_workflow`. The exact path
runs over FLINT rationals (forward substitution for sparse feedback, a dense
solve otherwise); the float64 path (:mod:`theory.compact`) keeps each generation's fit
as arrays of batch indices and float shares, reads a file of listed generations without
building a Workflow, and uses LAPACK (or forward substitution) on the same system.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import flint

from .input_limits import MAX_EXACT_WORK, LimitError, check_memory
from .presets import WorkflowLike, load_workflow
from .rationals import as_fmpq, as_fraction
from .workflow import Workflow, WorkflowError

if TYPE_CHECKING:
    import numpy as np

# numpy is imported by the float64 functions only: the exact path (and ``pi2over6 risk``) needs FLINT alone

# Forward substitution beats a dense triangular solve while Omega has at most this many
# non-zero entries per generation (measured in benchmarks/bench_foundation.py).
SPARSE_FEEDBACK = 4

__all__ = ["LinearForm", "linear_form", "exact_loadings", "exact_size", "check_exact_size", "covariance", "variances",
           "reject_curation", "risk_ratios", "efficiencies", "covariance_float", "risk_ratios_float"]


@dataclass(frozen=True)
class LinearForm:
    """H = Omega H + E z with z independent centred Gaussians of variances ``variances``.

    Attributes
    ----------
    G : int
        The number of generations, the length of H.
    feedback : list of (k, j, share)
        Omega's non-zero entries: generation k (0-based) fits a batch emitted by generation j.
    direct : list of (k, p, share)
        E's non-zero entries: generation k's fit contains primitive p with that share.
    variances : list of Fraction
        Var z_p, in units of V/n.
    primitives : list of str
        A name per primitive: ``Z[B]`` (batch B's common noise) or ``eta[k]`` (the
        part of generation k's subsamples not shared with any other generation; the
        entries' parts are independent, so their weighted sum is one Gaussian).
    """

    G: int
    feedback: list
    direct: list
    variances: list
    primitives: list

    def exact_matrices(self):
        """(I - Omega, E, D) as FLINT rational matrices."""
        G, P = self.G, len(self.variances)
        lower = flint.fmpq_mat(G, G)
        for k in range(G):
            lower[k, k] = 1
        for k, j, w in self.feedback:
            lower[k, j] -= as_fmpq(w)
        direct = flint.fmpq_mat(G, P)
        for k, p, w in self.direct:
            direct[k, p] += as_fmpq(w)
        return lower, direct

    def float_matrices(self):
        """(Omega, E, d) as float64 arrays."""
        import numpy as np

        G, P = self.G, len(self.variances)
        omega, direct = np.zeros((G, G)), np.zeros((G, P))
        for matrix, entries in ((omega, self.feedback), (direct, self.direct)):
            if entries:
                rows, cols, shares = zip(*entries, strict=True)
                np.add.at(matrix, (np.array(rows), np.array(cols)), _floats(shares))
        return omega, direct, np.array(self.variances, dtype=float)

    def loadings_float(self):
        """M = (I - Omega)^{-1} E in float64: H = M z (the same choice of method as :func:`exact_loadings`)."""
        import numpy as np
        from scipy.linalg import solve_triangular

        omega, direct, _ = self.float_matrices()
        if len(self.feedback) > SPARSE_FEEDBACK * self.G:
            return solve_triangular(np.eye(self.G) - omega, direct, lower=True, unit_diagonal=True)
        for k, j in dict.fromkeys((k, j) for k, j, _ in self.feedback):  # in order, j < k: row j is final
            direct[k] += omega[k, j] * direct[j]
        return direct


def _floats(values):
    """float64 array of Fractions, converting each distinct object once (shares repeat a lot)."""
    import numpy as np

    cache = {}
    return np.array([cache[id(v)] if id(v) in cache else cache.setdefault(id(v), float(v)) for v in values])


def reject_curation(workflow: Workflow):
    """Raise for a workflow that curates: curation is outside the linear Gaussian theory.

    A curated emission is a nonlinear function of the fit (:mod:`theory.curation`), so
    the process of THEORY.md §3 does not describe it; the categorical model simulates it.

    Parameters
    ----------
    workflow : Workflow

    Raises
    ------
    WorkflowError
        Naming the first generation that curates.

    Examples
    --------
    >>> wf = Workflow.from_data({"generations": [{"fit": [{"batch": "R0"}], "emit": 1,
    ...     "curate": {"candidates": 2, "reward": {"top": 1, "value": 1}}}]})
    >>> reject_curation(wf)
    Traceback (most recent call last):
    ...
    theory.workflow.WorkflowError: workflow curates in generation 1 (K = 2 candidates, \
r_i = 1 for i <= 1, else 0): curation is outside the linear Gaussian theory (the emitted law is a \
nonlinear function of the fit); simulate it with the categorical model
    """
    for k, gen in enumerate(workflow.generations, start=1):
        if gen.curate is not None:
            what = gen.curate.describe().removeprefix("curated: ")
            raise WorkflowError(f"workflow {workflow.name + ' ' if workflow.name else ''}curates in generation {k} "
                                f"({what}): curation is outside the linear Gaussian theory (the emitted law is a "
                                "nonlinear function of the fit); simulate it with the categorical model")


def linear_form(workflow: WorkflowLike, G=None) -> LinearForm:
    """The linear-Gaussian system that a workflow's fits define (a curating workflow is rejected).

    Parameters
    ----------
    workflow : Workflow, preset spelling or path
        The workflow (:data:`theory.presets.WorkflowLike`).
    G : int, optional
        The number of generations; by default as :func:`theory.presets.load_workflow`
        (10 for a preset, as listed in a file, the workflow's own for a Workflow).

    Returns
    -------
    LinearForm

    Examples
    --------
    >>> lf = linear_form("discard", 2)
    >>> lf.feedback, lf.primitives, lf.variances
    ([(1, 0, Fraction(1, 1))], ['Z[R0]', 'Z[S1]'], [Fraction(1, 1), Fraction(1, 1)])
    """
    workflow = load_workflow(workflow, G)
    reject_curation(workflow)
    index, names, noise = {}, [], []
    feedback, direct = [], []
    for k, fit in enumerate(workflow.shares()):
        extra = 0  # the subsamples' own noise, one independent term per generation
        for s in fit:
            if not s.share:
                continue
            p = index.get(s.batch)
            if p is None:
                p = index[s.batch] = len(names)
                names.append(f"Z[{s.batch}]")
                noise.append(1 / s.size)
            direct.append((k, p, s.share))
            if s.count is not s.size and s.count != s.size:
                extra += s.share * s.share * (1 / s.count - 1 / s.size)
            if s.batch[0] == "S":
                feedback.append((k, s.source - 1, s.share))
        if extra:
            direct.append((k, len(names), Fraction(1)))
            names.append(f"eta[{k + 1}]")
            noise.append(extra)
    return LinearForm(workflow.G, feedback, direct, noise, names)


def covariance(workflow: WorkflowLike, G=None):
    """The exact covariance of (H_1, ..., H_G) in units of V/n.

    Parameters
    ----------
    workflow, G
        The workflow and the number of generations, as for :func:`linear_form`.

    Returns
    -------
    list of list of Fraction
        Cov(H_i, H_j) for i, j = 1..G (rows i).

    Examples
    --------
    >>> covariance("augment", 2)
    [[Fraction(1, 1), Fraction(1, 1)], [Fraction(1, 1), Fraction(5, 4)]]
    """
    lf = linear_form(workflow, G)
    G, P = lf.G, len(lf.variances)
    rows = exact_loadings(lf)
    d = [as_fmpq(v) for v in lf.variances]
    loadings = flint.fmpq_mat(G, P, [m for row in rows for m in row])
    scaled = flint.fmpq_mat(G, P, [m * v for row in rows for m, v in zip(row, d, strict=True)])
    cov = scaled * loadings.transpose()
    return [[as_fraction(cov[i, j]) for j in range(lf.G)] for i in range(lf.G)]


def exact_loadings(lf: LinearForm, method="auto"):
    """M = (I - Omega)^{-1} E exactly, as G rows of FLINT rationals (H = M z).

    ``"substitution"`` runs forward substitution over Omega's non-zero entries only,
    which wins when few generations feed each fit (discard, mix, weighted, window:
    denominators there grow too fast for a dense elimination); ``"solve"`` is FLINT's
    dense solve, which wins when every fit pools all earlier batches (augment).
    ``"auto"`` picks by the number of feedback entries.

    Examples
    --------
    >>> from theory.presets import preset
    >>> lf = linear_form(preset("augment", 3))
    >>> exact_loadings(lf, "substitution") == exact_loadings(lf, "solve")
    True
    """
    G, P = lf.G, len(lf.variances)
    check_exact_size(lf)
    if method == "auto":
        method = "substitution" if len(lf.feedback) <= SPARSE_FEEDBACK * G else "solve"
    if method == "solve":
        lower, direct = lf.exact_matrices()
        loadings = lower.solve(direct)
        return [[loadings[k, p] for p in range(P)] for k in range(G)]
    if method != "substitution":
        raise ValueError(f"method must be 'auto', 'substitution' or 'solve', got {method!r}")
    rows = [[flint.fmpq(0)] * P for _ in range(G)]
    for k, p, w in lf.direct:
        rows[k][p] += as_fmpq(w)
    for k, j, w in lf.feedback:  # listed generation by generation, and j < k: row j is final
        w, source = as_fmpq(w), rows[j]
        rows[k] = [a + w * b if b else a for a, b in zip(rows[k], source, strict=True)]
    return rows


def exact_size(lf: LinearForm):
    """(non-zero loadings, work, bytes): what :func:`exact_loadings` will hold and do, bounded from above.

    A generation's row of M is non-zero on the noise terms it descends from (a
    union over its fit, as bit sets), and its entries' numerators and denominators
    have at most ``b_k`` bits, with ``b_k`` the largest of ``b_j + log2(p q)`` over
    the shares ``p/q`` through which it reads an earlier row j. The work is the sum
    over rows of (non-zero entries) x (64 + b_k): the bits the exact solve writes,
    plus a constant per entry. Measured in benchmarks/bench_foundation.py's setting,
    FLINT does between 1e7 (augment, dense solve) and 2.5e8 (mix) units a second.

    Examples
    --------
    >>> nonzero, work, memory = exact_size(linear_form("discard", 4))
    >>> nonzero, work
    (10, 640.0)
    """
    import math

    G, P = lf.G, len(lf.variances)
    depends, bits = [0] * G, [0.0] * G

    def size(w):
        w = as_fraction(w)
        return math.log2(abs(w.numerator) or 1) + math.log2(w.denominator)

    for k, p, w in lf.direct:
        depends[k] |= 1 << p
        bits[k] = max(bits[k], size(w))
    for k, j, w in lf.feedback:
        depends[k] |= depends[j]
        bits[k] = max(bits[k], bits[j] + size(w))
    counts = [d.bit_count() for d in depends]
    nonzero = sum(counts)
    work = math.fsum(c * (64 + b) for c, b in zip(counts, bits, strict=True))
    # a row is a list of P pointers; an fmpq object costs about 64 bytes plus its digits
    memory = 8 * G * P + 64 * nonzero + int(math.fsum(c * b for c, b in zip(counts, bits, strict=True)) / 4)
    return nonzero, work, memory


def check_exact_size(lf: LinearForm):
    """Refuse, before it starts, an exact computation above :data:`theory.input_limits.MAX_EXACT_WORK` or the memory.

    Raises
    ------
    theory.input_limits.LimitError
        Naming the number of generations and the work, with the limit.
    """
    nonzero, work, memory = exact_size(lf)
    if work > MAX_EXACT_WORK:
        raise LimitError(f"the exact process of this workflow over {lf.G} generations needs about {work:.2g} "
                         f"units of work ({nonzero} non-zero loadings); the limit is {MAX_EXACT_WORK:.2g} "
                         "(a few minutes): ask for fewer generations")
    check_memory(memory, f"the exact process of this workflow over {lf.G} generations")


def variances(workflow: WorkflowLike, G=None):
    """Var H_k for k = 1..G in units of V/n, exact (the diagonal of :func:`covariance`, computed alone).

    Parameters
    ----------
    workflow, G
        The workflow and the number of generations, as for :func:`linear_form`.

    Returns
    -------
    list of Fraction
        Var H_1, ..., Var H_G.

    Examples
    --------
    >>> [str(v) for v in variances("mix:1", 3)]
    ['1', '5/4', '21/16']
    """
    lf = linear_form(workflow, G)
    d = [as_fmpq(v) for v in lf.variances]
    out = []
    for row in exact_loadings(lf):
        total = flint.fmpq(0)
        for m, v in zip(row, d, strict=True):
            if m:
                total += m * m * v
        out.append(as_fraction(total))
    return out


def risk_ratios(workflow: WorkflowLike, G=None):
    """R_k = Var H_k / Var H_1 for k = 1..G, exact.

    The ratio is the same for every regular model, loss matrix and asymptotically
    linear estimator: V cancels.

    Parameters
    ----------
    workflow, G
        The workflow and the number of generations, as for :func:`linear_form`.

    Returns
    -------
    list of Fraction
        R_1 = 1, R_2, ..., R_G.

    Examples
    --------
    >>> [str(r) for r in risk_ratios("augment", 4)]
    ['1', '5/4', '49/36', '205/144']
    >>> from theory.presets import preset
    >>> [str(r) for r in risk_ratios(preset("discard", 4))]
    ['1', '2', '3', '4']
    """
    var = variances(workflow, G)
    return [v / var[0] for v in var]


def efficiencies(workflow: WorkflowLike, G=None):
    """ARE_k = 1 / R_k, exact.

    Parameters
    ----------
    workflow, G
        The workflow and the number of generations, as for :func:`linear_form`.

    Returns
    -------
    list of Fraction
        1, 1/R_2, ..., 1/R_G.

    Examples
    --------
    >>> [str(a) for a in efficiencies("discard", 3)]
    ['1', '1/2', '1/3']
    """
    return [1 / r for r in risk_ratios(workflow, G)]


def covariance_float(workflow: WorkflowLike, G=None) -> np.ndarray:
    """The covariance of (H_1, ..., H_G) in float64, for long horizons.

    Parameters
    ----------
    workflow, G
        The workflow and the number of generations, as for :func:`linear_form`.

    Returns
    -------
    ndarray, shape (G, G)
        Cov(H_i, H_j), float64.

    Examples
    --------
    >>> covariance_float("augment", 2).tolist()
    [[1.0, 1.0], [1.0, 1.25]]
    """
    from .compact import compact_form

    return compact_form(workflow, G).covariance()


def risk_ratios_float(workflow: WorkflowLike, G=None) -> np.ndarray:
    """R_k in float64, computed from the diagonal alone (O(G P) after the solve).

    Parameters
    ----------
    workflow, G
        The workflow and the number of generations, as for :func:`linear_form`.

    Returns
    -------
    ndarray, shape (G,)
        R_1 = 1, ..., R_G, float64.

    Examples
    --------
    >>> risk_ratios_float("discard", 3).tolist()
    [1.0, 2.0, 3.0]
    """
    from .compact import compact_form

    return compact_form(workflow, G).risk_ratios()
