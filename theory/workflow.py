"""Workflows as data: which batches each generation fits and which batch it emits.

A workflow (THEORY.md §2) is a list of generations. Generation ``k`` (1-based) may
collect a fresh real batch ``R<k>`` (``new_real``), fits a list of entries
``{"batch", "count", "weight"}`` and may emit a synthetic batch ``S<k>``
(``emit``). ``R0`` is the original real data, of size ``real``. Every size, count
and weight is an exact rational, in units of the base sample size n.

A workflow file may also carry a rule, ``then``, for every generation after the
listed ones. In a rule, batches may be named relative to the generation k being
built: ``S[-1]`` is ``S<k-1>``, ``R[0]`` is ``R<k>``, ``S[-3:]`` the last three
synthetic batches that exist and ``S[:]`` all of them. An entry without ``count``
uses the whole batch.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

from .rationals import rational_to_data, to_rational

__all__ = ["WorkflowError", "FitEntry", "Generation", "Workflow", "Share"]


class WorkflowError(ValueError):
    """A workflow that cannot be built; the message names the place and the bad value."""


_ABSOLUTE = re.compile(r"^(R|S)(\d+)$")
_RELATIVE = re.compile(r"^(R|S)\[(-?\d+)\]$")
_RANGE = re.compile(r"^(R|S)\[(?:(-\d+))?:\]$")


class FitEntry(NamedTuple):
    """One entry of a fit: ``count`` points of ``batch`` (None: the whole batch), with share ``weight``."""

    batch: str
    count: Fraction | None = None
    weight: Fraction | None = None

    def to_data(self):
        data = {"batch": self.batch}
        if self.count is not None:
            data["count"] = rational_to_data(self.count)
        if self.weight is not None:
            data["weight"] = rational_to_data(self.weight)
        return data


class Generation(NamedTuple):
    """What one generation collects, fits and emits."""

    fit: tuple[FitEntry, ...]
    new_real: Fraction | None = None
    emit: Fraction | None = None

    def to_data(self):
        data = {}
        if self.new_real is not None:
            data["new_real"] = rational_to_data(self.new_real)
        data["fit"] = [entry.to_data() for entry in self.fit]
        if self.emit is not None:
            data["emit"] = rational_to_data(self.emit)
        return data


class Share(NamedTuple):
    """A resolved fit entry: batch name, its size, the count used and the normalised share."""

    batch: str
    size: Fraction
    count: Fraction
    share: Fraction

    @property
    def source(self):
        """The generation whose model emitted the batch, or 0 for real data."""
        return int(self.batch[1:]) if self.batch[0] == "S" else 0


@dataclass(frozen=True)
class Workflow:
    """A validated workflow of a fixed number of generations, possibly with a rule for more.

    Build one with :meth:`from_data`, :meth:`from_file` or a preset
    (:func:`theory.presets.preset`).

    Examples
    --------
    >>> wf = Workflow.from_data({"generations": [
    ...     {"fit": [{"batch": "R0", "count": 1}], "emit": 1},
    ...     {"fit": [{"batch": "R0", "count": 1}, {"batch": "S1", "count": "1/2"}], "emit": 1}]})
    >>> [s.share for s in wf.shares()[1]]
    [Fraction(2, 3), Fraction(1, 3)]
    >>> Workflow.from_data({"generations": [{"fit": [{"batch": "S1", "count": 1}]}]})
    Traceback (most recent call last):
    ...
    theory.workflow.WorkflowError: generation 1, fit entry 1: batch 'S1' does not exist yet \
(a synthetic batch S<j> can be fitted only from generation j+1 on)
    """

    generations: tuple[Generation, ...]
    real: Fraction = Fraction(1)
    then: Generation | None = None
    name: str | None = None
    _shares: tuple = field(default=(), repr=False, compare=False)

    # ----------------------------------------------------------------- building
    @classmethod
    def from_data(cls, data, name=None, generations=None):
        """Build and validate a workflow from plain data (the parsed JSON/TOML object).

        ``generations`` asks for that many generations: fewer than listed keeps the
        first ones; more needs a ``then`` rule.
        """
        if not isinstance(data, dict):
            raise WorkflowError(f"a workflow must be a table/object, got {type(data).__name__}: {data!r}")
        unknown = set(data) - {"name", "real", "generations", "then"}
        if unknown:
            raise WorkflowError(f"unknown workflow key(s) {sorted(unknown)}; expected name, real, generations, then")
        real = _positive(data.get("real", 1), "real (the size of R0)")
        listed = data.get("generations", [])
        if not isinstance(listed, list):
            raise WorkflowError(f"'generations' must be a list of generations, got {listed!r}")
        gens = tuple(_generation(g, k) for k, g in enumerate(listed, start=1))
        then = _generation(data["then"], None) if "then" in data else None
        if not gens and then is None:
            raise WorkflowError("a workflow needs at least one generation (or a 'then' rule)")
        wf = cls(gens, real, then, name if name is not None else data.get("name"))
        return wf.expand(generations if generations is not None else max(len(gens), 1))

    @classmethod
    def from_file(cls, path, generations=None):
        """Read a workflow from a ``.json`` or ``.toml`` file; numbers stay exact.

        Raises
        ------
        WorkflowError
            If the file is missing, malformed or describes an invalid workflow.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise WorkflowError(f"cannot read workflow file {str(path)!r}: {err.strerror}") from None
        try:
            if path.suffix.lower() == ".json":
                data = json.loads(text, parse_float=Fraction)
            elif path.suffix.lower() == ".toml":
                data = tomllib.loads(text, parse_float=Fraction)
            else:
                raise WorkflowError(f"workflow file must end in .json or .toml, got {str(path)!r}")
        except (json.JSONDecodeError, tomllib.TOMLDecodeError) as err:
            raise WorkflowError(f"malformed workflow file {str(path)!r}: {err}") from None
        return cls.from_data(data, name=data.get("name", path.stem) if isinstance(data, dict) else None,
                             generations=generations)

    def expand(self, generations):
        """This workflow with exactly ``generations`` generations (the rule fills any beyond the list)."""
        if isinstance(generations, bool) or not isinstance(generations, int) or generations < 1:
            raise WorkflowError(f"the number of generations must be a positive integer, got {generations!r}")
        listed = list(self.generations[:generations])
        if generations > len(listed):
            if self.then is None:
                raise WorkflowError(
                    f"workflow {self.name or ''!s} lists {len(self.generations)} generations and has no "
                    f"'then' rule, so it cannot run {generations} generations")
            for k in range(len(listed) + 1, generations + 1):
                listed.append(_instantiate(self.then, k, listed))
        wf = Workflow(tuple(listed), self.real, self.then, self.name)
        object.__setattr__(wf, "_shares", wf._validate())
        return wf

    # ----------------------------------------------------------------- reading
    @property
    def G(self):
        """The number of generations."""
        return len(self.generations)

    def batch_sizes(self):
        """Every batch the workflow creates, with its size and the generation that creates it."""
        sizes = {"R0": (self.real, 0)}
        for k, gen in enumerate(self.generations, start=1):
            if gen.new_real is not None:
                sizes[f"R{k}"] = (gen.new_real, k)
            if gen.emit is not None:
                sizes[f"S{k}"] = (gen.emit, k)
        return sizes

    def shares(self):
        """Per generation, the resolved entries (:class:`Share`) with normalised shares."""
        return self._shares

    def to_data(self):
        """Plain data that :meth:`from_data` reads back into an equal workflow."""
        data = {}
        if self.name is not None:
            data["name"] = self.name
        data["real"] = rational_to_data(self.real)
        data["generations"] = [g.to_data() for g in self.generations]
        if self.then is not None:
            data["then"] = self.then.to_data()
        return data

    def to_json(self):
        """The workflow as JSON text (rationals as ``"p/q"`` strings)."""
        return json.dumps(self.to_data(), indent=2)

    def to_toml(self):
        """The workflow as TOML text (rationals as ``"p/q"`` strings)."""
        import tomli_w

        return tomli_w.dumps(self.to_data())

    def scaled(self, factor):
        """The same workflow with every size and count multiplied by ``factor`` (weights kept)."""
        factor = to_rational(factor, "scale factor")

        def gen(g):
            return Generation(
                tuple(FitEntry(e.batch, None if e.count is None else e.count * factor, e.weight) for e in g.fit),
                None if g.new_real is None else g.new_real * factor,
                None if g.emit is None else g.emit * factor)

        return Workflow(tuple(gen(g) for g in self.generations), self.real * factor,
                        None if self.then is None else gen(self.then), self.name).expand(self.G)

    def at_sample_size(self, n):
        """The workflow a simulation with base size ``n`` actually runs.

        Every size and count becomes a whole number of points, ``max(1, round(x n))``,
        written back in units of n, so that the exact process of the result
        describes the simulated data exactly.

        Examples
        --------
        >>> from theory.presets import preset
        >>> [str(s.count) for s in preset("subsample", 3).at_sample_size(10).shares()[2]]
        ['3/10', '3/10', '3/10']
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise WorkflowError(f"the base sample size n must be a positive integer, got {n!r}")

        def whole(x):
            return None if x is None else Fraction(max(1, round(x * n)), n)

        def gen(g):
            return Generation(tuple(FitEntry(e.batch, whole(e.count), e.weight) for e in g.fit),
                              whole(g.new_real), whole(g.emit))

        return Workflow(tuple(gen(g) for g in self.generations), whole(self.real), None,
                        self.name).expand(self.G)

    # ----------------------------------------------------------------- checks
    def _validate(self):
        sizes = self.batch_sizes()
        resolved = []
        for k, gen in enumerate(self.generations, start=1):
            if not gen.fit:
                raise WorkflowError(f"generation {k}: 'fit' must list at least one batch")
            seen = set()
            weighted = [e.weight is not None for e in gen.fit]
            if any(weighted) and not all(weighted):
                raise WorkflowError(
                    f"generation {k}: either every fit entry has a weight or none does, got weights "
                    f"{[None if e.weight is None else rational_to_data(e.weight) for e in gen.fit]}")
            entries = []
            for i, entry in enumerate(gen.fit, start=1):
                created = sizes.get(entry.batch)
                if entry.batch in seen:
                    raise WorkflowError(f"generation {k}, fit entry {i}: batch {entry.batch!r} appears twice "
                                        "in one fit")
                seen.add(entry.batch)
                if created is None or created[1] > k or (entry.batch[0] == "S" and created[1] >= k):
                    raise WorkflowError(f"generation {k}, fit entry {i}: batch {entry.batch!r} does not exist "
                                        f"yet ({_missing_batch_hint(entry.batch, created)})")
                size = created[0]
                count = size if entry.count is None else entry.count
                # identity first: presets share one Fraction object, and comparisons are slow
                if count is not size and count > size:
                    raise WorkflowError(
                        f"generation {k}, fit entry {i}: count {rational_to_data(count)} is more than the size "
                        f"{rational_to_data(size)} of batch {entry.batch}")
                entries.append((entry.batch, size, count, count if entry.weight is None else entry.weight))
            total = _fast_sum([w for *_, w in entries])
            if total == 0:
                raise WorkflowError(f"generation {k}: the fit weights must not all be 0")
            share_of = {}  # equal amounts share one Fraction (by identity, to skip hashing)
            fit = []
            for b, s, c, w in entries:
                share = share_of.get(id(w))
                if share is None:
                    share = share_of[id(w)] = w / total
                fit.append(Share(b, s, c, share))
            resolved.append(tuple(fit))
        return tuple(resolved)


def _fast_sum(values):
    """Exact sum of Fractions over their common denominator (much faster than sum() for many terms)."""
    den = 1
    for v in {id(v): v for v in values}.values():
        den = den * v.denominator // math.gcd(den, v.denominator)
    return Fraction(sum(v.numerator * (den // v.denominator) for v in values), den)


def _missing_batch_hint(batch, created):
    if created is None and _ABSOLUTE.match(batch) is None:
        return "batch names are R0, R<k> or S<k>"
    if batch[0] == "S":
        return "a synthetic batch S<j> can be fitted only from generation j+1 on"
    return "a real batch R<j> exists from generation j on, if that generation sets new_real"


# --------------------------------------------------------------------- parsing
def _rational(value, what):
    try:
        return to_rational(value, what)
    except ValueError as err:
        raise WorkflowError(str(err)) from None


def _positive(value, what):
    number = _rational(value, what)
    if number <= 0:
        raise WorkflowError(f"{what} must be positive, got {value!r}")
    return number


def _generation(data, k):
    where = f"generation {k}" if k is not None else "the 'then' rule"
    if not isinstance(data, dict):
        raise WorkflowError(f"{where} must be a table/object with a 'fit' list, got {data!r}")
    unknown = set(data) - {"fit", "new_real", "emit"}
    if unknown:
        raise WorkflowError(f"{where}: unknown key(s) {sorted(unknown)}; expected fit, new_real, emit")
    fit = data.get("fit")
    if not isinstance(fit, list) or not fit:
        raise WorkflowError(f"{where}: 'fit' must be a non-empty list of batches, got {fit!r}")
    entries = []
    for i, entry in enumerate(fit, start=1):
        at = f"{where}, fit entry {i}"
        if not isinstance(entry, dict) or "batch" not in entry:
            raise WorkflowError(f"{at} must be a table/object with a 'batch', got {entry!r}")
        unknown = set(entry) - {"batch", "count", "weight"}
        if unknown:
            raise WorkflowError(f"{at}: unknown key(s) {sorted(unknown)}; expected batch, count, weight")
        batch = entry["batch"]
        pattern_ok = isinstance(batch, str) and (
            _ABSOLUTE.match(batch) or (k is None and (_RELATIVE.match(batch) or _RANGE.match(batch))))
        if not pattern_ok:
            allowed = "R0, R<k> or S<k>" + (", or relative names R[0], S[-1], S[-3:], S[:]" if k is None else "")
            raise WorkflowError(f"{at}: bad batch name {batch!r}; use {allowed}")
        count = _positive(entry["count"], f"{at}: count") if "count" in entry else None
        weight = None
        if "weight" in entry:
            weight = _rational(entry["weight"], f"{at}: weight")
            if weight < 0:
                raise WorkflowError(f"{at}: weight must be at least 0, got {entry['weight']!r}")
        entries.append(FitEntry(batch, count, weight))
    new_real = _positive(data["new_real"], f"{where}: new_real") if "new_real" in data else None
    emit = _positive(data["emit"], f"{where}: emit") if "emit" in data else None
    return Generation(tuple(entries), new_real, emit)


def _instantiate(rule, k, earlier):
    """The rule's generation for generation ``k``, relative batch names made absolute."""
    fit = []
    for i, entry in enumerate(rule.fit, start=1):
        rel, rng = _RELATIVE.match(entry.batch), _RANGE.match(entry.batch)
        if rel:
            kind, offset = rel.group(1), int(rel.group(2))
            j = k + offset
            if offset > 0 or (kind == "S" and offset == 0) or j < 0:
                raise WorkflowError(
                    f"generation {k}, fit entry {i} (from the 'then' rule): {entry.batch!r} names "
                    f"batch {kind}{j}, which does not exist at generation {k}")
            fit.append(FitEntry(f"{kind}{j}", entry.count, entry.weight))
        elif rng:
            kind, start = rng.group(1), rng.group(2)
            gens = list(earlier) + [rule]
            first = max(0, k + int(start)) if start else 0
            last = k - 1 if kind == "S" else k
            for j in range(first, last + 1):
                source = gens[j - 1] if j >= 1 else None
                exists = (kind == "R" and j == 0) or (
                    source is not None and (source.emit if kind == "S" else source.new_real) is not None)
                if exists:
                    fit.append(FitEntry(f"{kind}{j}", entry.count, entry.weight))
        else:
            fit.append(entry)
    return Generation(tuple(fit), rule.new_real, rule.emit)
