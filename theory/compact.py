"""Workflows in compact form for the float64 path: per generation, a few arrays instead of fit entries.

The float64 path of the process (:func:`theory.process.risk_ratios_float`,
:func:`~theory.process.covariance_float`) needs, per generation k, which batches the
fit uses, the generation that emitted each (THEORY.md §3: H_k = sum_e w_ke (H_src(e) +
eps_ke)), their shares as floats, and the variance of the generation's own subsample
noise. A workflow listed generation by generation in a file has a million fit entries
at G = 2000 under augment; building a :class:`~theory.workflow.Workflow` from it makes
a Fraction, a FitEntry and a Share of each. :class:`CompactForm` keeps instead, per
generation, an integer array of batch indices and a float array of shares.

Exactness where it matters: every distinct size, count and weight is parsed once as
an exact rational (equal values share one object), the checks of THEORY.md §2
(batches exist, counts at most the size, weights all or none, not all zero) compare
exact values, and each generation's shares and subsample variance are computed exactly
over its distinct values before they are rounded to float64. A file that fails any
check is handed to :meth:`Workflow.from_data <theory.workflow.Workflow.from_data>`,
which raises the error naming the place and the bad value.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from .process import SPARSE_FEEDBACK
from .rationals import to_rational

__all__ = ["CompactGeneration", "CompactForm", "compact_form"]

_KEYS = {"batch", "count", "weight"}
_ABSENT = object()


@dataclass(frozen=True)
class CompactGeneration:
    """One generation's fit: batch indices, the generation that emitted each (0 for real data), float shares."""

    batches: np.ndarray
    sources: np.ndarray
    shares: np.ndarray
    extra: float


@dataclass(frozen=True)
class CompactForm:
    """The linear-Gaussian system of a workflow, generation by generation, in float64.

    Attributes
    ----------
    G : int
    generations : tuple of CompactGeneration
    variances : ndarray
        Var Z_B for every batch B, in units of V/n (float64 of the exact 1/|B|).
    batch_names : tuple of str

    Examples
    --------
    >>> cf = compact_form("augment", 3)
    >>> cf.generations[2].batches.tolist(), cf.generations[2].shares.tolist()
    ([0, 1, 2], [0.3333333333333333, 0.3333333333333333, 0.3333333333333333])
    >>> cf.risk_ratios().tolist()
    [1.0, 1.25, 1.3611111111111112]
    """

    G: int
    generations: tuple
    variances: np.ndarray
    batch_names: tuple

    def loadings(self):
        """M with H = M z: columns for the batches' common noise, then the generations' own subsample noise."""
        from scipy.linalg import solve_triangular

        G, B = self.G, len(self.variances)
        extra = np.array([g.extra for g in self.generations])
        own = np.flatnonzero(extra)
        direct = np.zeros((G, B + len(own)))
        feedback = 0
        for k, g in enumerate(self.generations):
            np.add.at(direct[k], g.batches, g.shares)
            feedback += int(np.count_nonzero(g.sources))
        direct[own, B + np.arange(len(own))] = 1.0
        if feedback > SPARSE_FEEDBACK * G:
            omega = np.zeros((G, G))
            for k, g in enumerate(self.generations):
                synthetic = g.sources > 0
                np.add.at(omega[k], g.sources[synthetic] - 1, g.shares[synthetic])
            return solve_triangular(np.eye(G) - omega, direct, lower=True, unit_diagonal=True)
        for k, g in enumerate(self.generations):  # generation j < k is final when k reads it
            for j, w in zip(g.sources[g.sources > 0] - 1, g.shares[g.sources > 0], strict=True):
                direct[k] += w * direct[j]
        return direct

    def noise_variances(self):
        extra = np.array([g.extra for g in self.generations])
        return np.concatenate([self.variances, extra[extra != 0]])

    def covariance(self):
        """Cov(H_1, ..., H_G) in units of V/n, float64."""
        M = self.loadings()
        return (M * self.noise_variances()) @ M.T

    def risk_ratios(self):
        """R_1..R_G, float64, from the diagonal alone."""
        M = self.loadings()
        var = (M**2) @ self.noise_variances()
        return var / var[0]


def compact_form(workflow, G=None):
    """The compact float64 form of a workflow (any :data:`theory.presets.WorkflowLike`).

    A ``.json``/``.toml`` file that lists its generations is read straight into the
    compact form, without building a :class:`~theory.workflow.Workflow`; anything else
    (presets, rules to expand, Workflow objects) goes through the Workflow's shares.

    Parameters
    ----------
    workflow : WorkflowLike
    G : int, optional
        The number of generations, as for :func:`theory.presets.load_workflow`.

    Returns
    -------
    CompactForm

    Examples
    --------
    >>> compact_form("subsample", 2).generations[1].extra
    0.5
    """
    from .presets import is_preset_spec, load_workflow
    from .workflow import Workflow

    if isinstance(workflow, str | Path) and not (isinstance(workflow, str) and is_preset_spec(workflow)):
        path = Path(workflow)
        if path.suffix.lower() in (".json", ".toml"):
            from .workflow_format import read_workflow_file

            data = read_workflow_file(path)
            name = data.get("name", path.stem) if isinstance(data, dict) else None
            fast = _from_data(data, G)
            if fast is not None:
                return fast
            return _from_workflow(Workflow.from_data(data, name=name, generations=G))
    return _from_workflow(load_workflow(workflow, G))


# ---------------------------------------------------------------------- from a Workflow
def _from_workflow(wf):
    index, sizes, names = {}, [], []
    for name, size in (("R0", wf.real),):
        index[name] = 0
        sizes.append(size)
        names.append(name)
    for k, gen in enumerate(wf.generations, start=1):
        for kind, size in (("R", gen.new_real), ("S", gen.emit)):
            if size is not None:
                index[f"{kind}{k}"] = len(names)
                sizes.append(size)
                names.append(f"{kind}{k}")
    floats = {}

    def as_float(x):
        value = floats.get(id(x))
        if value is None:
            value = floats[id(x)] = float(x)
        return value

    gens = []
    for fit in wf.shares():
        batches = np.fromiter((index[s.batch] for s in fit), dtype=np.int64, count=len(fit))
        sources = np.fromiter((s.source for s in fit), dtype=np.int64, count=len(fit))
        shares = np.fromiter((as_float(s.share) for s in fit), dtype=float, count=len(fit))
        extra = _extra_variance((s.share, s.count, s.size) for s in fit)
        gens.append(CompactGeneration(batches, sources, shares, float(extra)))
    return CompactForm(wf.G, tuple(gens), np.array([float(1 / s) for s in sizes]), tuple(names))


def _extra_variance(triples):
    """sum share^2 (1/count - 1/size), exactly, over the distinct (share, count, size) objects."""
    groups = {}
    for share, count, size in triples:
        if count is not size and share:
            key = (id(share), id(count), id(size))
            if key in groups:
                groups[key][3] += 1
            else:
                groups[key] = [share, count, size, 1]
    total = Fraction(0)
    for share, count, size, times in groups.values():
        if count != size:
            total += times * share * share * (1 / count - 1 / size)
    return total


# ---------------------------------------------------------------------- straight from a file's data
def _from_data(data, G):
    """The compact form of listed generations, or None where a check fails (the caller then raises)."""
    # a rule (even one not needed for G) and a name are checked by the Workflow's own parser
    if not isinstance(data, dict) or set(data) - {"name", "real", "generations"}:
        return None
    if not isinstance(data.get("name", ""), str):
        return None
    listed = data.get("generations")
    if not isinstance(listed, list) or not listed:
        return None
    G = len(listed) if G is None else G
    if isinstance(G, bool) or not isinstance(G, int) or not 1 <= G <= len(listed):
        return None
    exact = {}   # (type, raw value) -> (Fraction, positive, non-negative): each distinct value parsed once

    def rational(raw, positive):
        try:
            value, pos, nonneg = exact[(raw.__class__, raw)]
        except KeyError:
            try:
                value = to_rational(raw)
            except (ValueError, TypeError):
                return None
            value, pos, nonneg = exact[(raw.__class__, raw)] = (value, value > 0, value >= 0)
        except TypeError:   # unhashable: not a number
            return None
        return value if (pos if positive else nonneg) else None

    real = rational(data.get("real", 1), True)
    if real is None:
        return None
    index, sizes, sources, names = {"R0": 0}, [real], [0], ["R0"]

    def create(name, raw, source):
        """Batch ``name`` of size ``raw`` exists from now on; False if the size is not a positive rational."""
        size = rational(raw, True)
        if size is not None:
            index[name] = len(sizes)
            sizes.append(size)
            sources.append(source)
            names.append(name)
        return size is not None

    gens = []
    for k, gen in enumerate(listed[:G], start=1):
        if not isinstance(gen, dict) or set(gen) - {"fit", "new_real", "emit"}:
            return None
        if "new_real" in gen and not create(f"R{k}", gen["new_real"], 0):
            return None
        compact = _generation(gen.get("fit"), index, sizes, sources, rational)
        if compact is None:
            return None
        gens.append(compact)
        if "emit" in gen and not create(f"S{k}", gen["emit"], k):
            return None
    return CompactForm(G, tuple(gens), np.array([float(1 / s) for s in sizes]), tuple(names))


def _generation(fit, index, sizes, sources, rational):
    if not isinstance(fit, list) or not fit:
        return None
    batches, amounts, counts = [], [], []
    seen = set()
    weighted = None
    subsampled = False
    fits = {}  # (id(count), id(size)) -> count <= size, compared once
    for entry in fit:
        if entry.__class__ is not dict or (len(entry) > 1 and not entry.keys() <= _KEYS):
            return None
        try:
            b = index.get(entry.get("batch"))
        except TypeError:   # an unhashable name
            return None
        if b is None or b in seen:
            return None
        seen.add(b)
        raw = entry.get("count", _ABSENT)
        if raw is _ABSENT:
            count = sizes[b]
        else:
            count = rational(raw, True)
            if count is None:
                return None
            size = sizes[b]
            if count is not size:
                key = (id(count), id(size))
                ok = fits.get(key)
                if ok is None:
                    ok = fits[key] = count <= size
                if not ok:
                    return None
                subsampled = True
        raw = entry.get("weight", _ABSENT)
        if weighted is None:
            weighted = raw is not _ABSENT
        elif weighted != (raw is not _ABSENT):
            return None
        amount = count if raw is _ABSENT else rational(raw, False)
        if amount is None:
            return None
        batches.append(b)
        amounts.append(amount)
        counts.append(count)
    distinct = {}   # id -> [amount, how many entries]: equal amounts are one object
    for a in amounts:
        group = distinct.get(id(a))
        if group is None:
            distinct[id(a)] = [a, 1]
        else:
            group[1] += 1
    total = sum((a * times for a, times in distinct.values()), Fraction(0))
    if total == 0:
        return None
    share = {key: a / total for key, (a, _) in distinct.items()}
    floats = {key: float(s) for key, s in share.items()}
    extra = _extra_variance((share[id(a)], c, sizes[b]) for a, c, b in zip(amounts, counts, batches, strict=True)) \
        if subsampled else 0
    batches = np.array(batches, dtype=np.int64)
    return CompactGeneration(batches, np.array(sources, dtype=np.int64)[batches],
                             np.array([floats[id(a)] for a in amounts]), float(extra))
