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

:class:`Workflow` validates whatever builds it (:meth:`Workflow.from_data`, a
preset, or the constructor itself), so an impossible workflow never reaches the
process. It prints as a short summary, one line per generation::

    2: new R2; 0.25 R2 + 0.75 S1 -> S2(2n)

reads "generation 2 collects a fresh real batch R2 (n points), fits R2 and S1 with
shares 1/4 and 3/4 and emits S2 (2n points)"; ``R0(n/2)`` is a subsample of n/2
points of R0, and a batch without a size has n points.
"""

from __future__ import annotations

import json
import math
import numbers
import re
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

from .rationals import format_rational, rational_to_data, to_rational

__all__ = ["WorkflowError", "FitEntry", "Generation", "Workflow", "Share", "GenerationInPoints",
           "WorkflowInPoints"]


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
        """The entry as plain data (the workflow file's format)."""
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
        """The generation as plain data (the workflow file's format)."""
        data = {}
        if self.new_real is not None:
            data["new_real"] = rational_to_data(self.new_real)
        data["fit"] = [entry.to_data() for entry in self.fit]
        if self.emit is not None:
            data["emit"] = rational_to_data(self.emit)
        return data


class Share(NamedTuple):
    """A resolved fit entry: batch name, its size, the count used and the normalised share.

    From :meth:`Workflow.shares` the size and count are in units of n; from
    :meth:`Workflow.in_points` they are whole numbers of points.
    """

    batch: str
    size: Fraction
    count: Fraction
    share: Fraction

    @property
    def source(self):
        """The generation whose model emitted the batch, or 0 for real data."""
        return int(self.batch[1:]) if self.batch[0] == "S" else 0


class GenerationInPoints(NamedTuple):
    """One generation of :meth:`Workflow.in_points`: its fit (shares in points) and the sizes it creates."""

    fit: tuple[Share, ...]
    new_real: int | None
    emit: int | None


@dataclass(frozen=True)
class WorkflowInPoints:
    """A workflow at base sample size ``n``, every size and count a whole number of points.

    Attributes
    ----------
    n : int
        The base sample size.
    real : int
        The points of R0.
    generations : tuple of GenerationInPoints
        Per generation, the fit entries (:class:`Share`, size and count in points,
        zero shares included) and the points of the batches it collects and emits.
    """

    n: int
    real: int
    generations: tuple[GenerationInPoints, ...]

    @property
    def G(self):
        """The number of generations."""
        return len(self.generations)

    def batch_sizes(self):
        """Every batch the workflow creates, with its size in points.

        Examples
        --------
        >>> from theory.presets import preset
        >>> preset("mix:0.5", 2).in_points(10).batch_sizes()
        {'R0': 10, 'S1': 5, 'S2': 5}
        """
        sizes = {"R0": self.real}
        for k, gen in enumerate(self.generations, start=1):
            if gen.new_real is not None:
                sizes[f"R{k}"] = gen.new_real
            if gen.emit is not None:
                sizes[f"S{k}"] = gen.emit
        return sizes


@dataclass(frozen=True, repr=False)
class Workflow:
    """A validated workflow of a fixed number of generations, possibly with a rule for more.

    Build one with :meth:`from_data`, :meth:`from_file`, a preset
    (:func:`theory.presets.preset`) or the constructor. Every way validates: sizes and
    counts are positive rationals (plain numbers and strings such as ``"1/3"`` are
    converted), weights are at least 0, and a fit names only batches that exist by
    then; the error names the place and the bad value.

    Parameters
    ----------
    generations : sequence of Generation
        The listed generations, at least one.
    real : rational, default 1
        The size of R0 in units of n.
    then : Generation, optional
        The rule for generations after the listed ones (relative batch names allowed).
    name : str, optional

    Examples
    --------
    >>> wf = Workflow.from_data({"generations": [
    ...     {"fit": [{"batch": "R0", "count": 1}], "emit": 1},
    ...     {"fit": [{"batch": "R0", "count": 1}, {"batch": "S1", "count": "1/2"}], "emit": 1}]})
    >>> [s.share for s in wf.shares()[1]]
    [Fraction(2, 3), Fraction(1, 3)]
    >>> wf
    Workflow (G = 2)
      1: R0 -> S1
      2: R0 + S1(n/2) -> S2
    >>> Workflow((Generation((FitEntry("S5"),)),))
    Traceback (most recent call last):
    ...
    theory.workflow.WorkflowError: generation 1, fit entry 1: batch 'S5' does not exist yet \
(a synthetic batch S<j> can be fitted only from generation j+1 on)
    """

    generations: tuple[Generation, ...]
    real: Fraction = Fraction(1)
    then: Generation | None = None
    name: str | None = None
    _shares: tuple = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.name is not None and not isinstance(self.name, str):
            raise WorkflowError(f"a workflow's name must be a string, got {self.name!r}")
        try:
            listed = tuple(self.generations)
        except TypeError:
            raise WorkflowError(f"'generations' must be a sequence of Generation, got {_short(self.generations)}") \
                from None
        if not listed:
            raise WorkflowError("a workflow needs at least one generation, got none")
        real = self.real if _positive_fraction(self.real) else _positive(self.real, "real (the size of R0)")
        then = None if self.then is None else _generation(_generation_data(self.then, "the 'then' rule"), None)
        listed, shares = _validated(listed, real)
        object.__setattr__(self, "generations", listed)
        object.__setattr__(self, "real", real)
        object.__setattr__(self, "then", then)
        object.__setattr__(self, "_shares", shares)

    @classmethod
    def _trusted(cls, generations, real, then, name, shares):
        """A workflow from parts already validated together (no checks: for slicing a valid one)."""
        wf = object.__new__(cls)
        for key, value in (("generations", generations), ("real", real), ("then", then), ("name", name),
                           ("_shares", shares)):
            object.__setattr__(wf, key, value)
        return wf

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
        name = name if name is not None else data.get("name")
        G = generations if generations is not None else max(len(gens), 1)
        return cls(_with_rule(gens, then, G, name), real, then, name)

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
        """This workflow with exactly ``generations`` generations (the rule fills any beyond the list).

        Examples
        --------
        >>> from theory.presets import preset
        >>> preset("augment", 5).expand(2).G
        2
        """
        if generations == self.G and not isinstance(generations, bool):
            return self
        if isinstance(generations, int) and not isinstance(generations, bool) and 1 <= generations < self.G:
            # a prefix of a valid workflow is valid, with the same shares
            return Workflow._trusted(self.generations[:generations], self.real, self.then, self.name,
                                     self._shares[:generations])
        return Workflow(_with_rule(self.generations, self.then, generations, self.name), self.real, self.then,
                        self.name)

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

    def in_points(self, n):
        """The workflow at base sample size ``n``: every size and count in whole points.

        Parameters
        ----------
        n : int
            The base sample size.

        Returns
        -------
        WorkflowInPoints

        Raises
        ------
        WorkflowError
            If a size or count times n is not a whole number of points: round the
            workflow first with :meth:`at_sample_size`.

        Examples
        --------
        >>> from theory.presets import preset
        >>> [(s.batch, s.size, s.count) for s in preset("subsample", 2).in_points(10).generations[1].fit]
        [('R0', 10, 5), ('S1', 10, 5)]
        >>> preset("subsample", 3).in_points(10)
        Traceback (most recent call last):
        ...
        theory.workflow.WorkflowError: generation 3, fit entry 1 (R0): count times n = 10/3 is not a whole \
number of points (n = 10); use workflow.at_sample_size(10)
        """
        n = _sample_size(n)
        cache = {}    # sizes repeat as one object: multiply each once

        def points(value, where):
            got = cache.get(id(value))
            if got is None:
                product = value * n
                if product.denominator != 1:
                    raise WorkflowError(f"{where} times n = {product} is not a whole number of "
                                        f"points (n = {n}); use workflow.at_sample_size({n})")
                got = cache[id(value)] = product.numerator
            return got

        gens = []
        for k, (gen, fit) in enumerate(zip(self.generations, self._shares, strict=True), start=1):
            entries = tuple(Share(s.batch, points(s.size, f"generation {k}, fit entry {i} ({s.batch}): size"),
                                  points(s.count, f"generation {k}, fit entry {i} ({s.batch}): count"), s.share)
                            for i, s in enumerate(fit, start=1))
            gens.append(GenerationInPoints(
                entries, None if gen.new_real is None else points(gen.new_real, f"generation {k}: new_real"),
                None if gen.emit is None else points(gen.emit, f"generation {k}: emit")))
        return WorkflowInPoints(n, points(self.real, "real (the size of R0)"), tuple(gens))

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
                        None if self.then is None else gen(self.then), self.name)

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
        n = _sample_size(n)

        def whole(x):
            return None if x is None else Fraction(max(1, round(x * n)), n)

        def gen(g):
            return Generation(tuple(FitEntry(e.batch, whole(e.count), e.weight) for e in g.fit),
                              whole(g.new_real), whole(g.emit))

        return Workflow(tuple(gen(g) for g in self.generations), whole(self.real), None, self.name)

    # ----------------------------------------------------------------- display
    def __repr__(self):
        return self.describe()

    def describe(self, first=4, last=2):
        """A short summary: name and G, then one line per generation (the middle ones elided).

        Parameters
        ----------
        first, last : int
            How many generations to show at the start and the end of a long workflow.

        Examples
        --------
        >>> from theory.presets import preset
        >>> print(preset("weighted:0.25:2", 3).describe())
        Workflow 'weighted:0.25:2' (G = 3)
          1: R0 -> S1(2n)
          2: new R2; 0.25 R2 + 0.75 S1 -> S2(2n)
          3: new R3; 0.25 R3 + 0.75 S2 -> S3(2n)
        """
        head = "Workflow" + ("" if self.name is None else f" {self.name!r}") + f" (G = {self.G}"
        head += ")" if self.real == 1 else f"; R0 has {_times_n(self.real)} points)"
        width = len(str(self.G))
        lines = [head]
        for k in _shown(self.G, first, last):
            if k is None:
                lines.append("  " + " " * (width - 1) + "...")
                continue
            lines.append(f"  {k:>{width}}: " + _describe(self.generations[k - 1], self._shares[k - 1], k, False))
        if self.then is not None:
            lines.append("  then: " + _describe(self.then, None, None, False))
        return "\n".join(lines)

    def _repr_latex_(self):
        """The summary as a LaTeX array, for Jupyter."""
        from .latex import tex_text

        title = (r"\texttt{" + tex_text(self.name) + r"}\ " if self.name is not None else "") + f"(G = {self.G}"
        title += ")" if self.real == 1 else r",\ |R_0| = " + _times_n(self.real, latex=True) + ")"
        rows = []
        for k in _shown(self.G, 4, 2):
            body = r"\vdots & " if k is None else \
                f"{k}: & " + _describe(self.generations[k - 1], self._shares[k - 1], k, True)
            rows.append(body + r" \\")
        if self.then is not None:
            rows.append(r"\text{then } k: & " + _describe(self.then, None, None, True) + r" \\")
        return "$$" + title + r"\qquad\begin{array}{rl}" + "\n" + "\n".join(rows) + "\n" + r"\end{array}$$"


# --------------------------------------------------------------------- checks
def _positive_fraction(value):
    return type(value) is Fraction and value > 0


def _validated(listed, real):
    """(generations, shares): every generation checked, its values converted to Fractions where needed.

    The fast path (:func:`_resolved`) handles generations already in canonical form, as
    presets and parsed files build them; anything else goes through the file format's
    parser (:func:`_generation`), which converts plain numbers and names a bad value
    exactly as :meth:`Workflow.from_data` does.
    """
    sizes = {"R0": real}
    checked = set()     # (id(count), id(size)) and id(weight) already checked: presets share objects
    generations, resolved, changed = [], [], False
    for k, gen in enumerate(listed, start=1):
        fit = _resolved(gen, k, sizes, checked)
        if fit is None:
            gen = _generation(_generation_data(gen, f"generation {k}"), k)
            fit = _resolved(gen, k, sizes, checked)
            changed = True
        generations.append(gen)
        resolved.append(fit)
    return (tuple(generations) if changed else listed), tuple(resolved)


def _resolved(gen, k, sizes, checked):
    """Generation k's fit as Shares; None if the generation is not in canonical form (see _validated)."""
    if type(gen) is not Generation:
        return None
    fit, new_real, emit = gen
    if type(fit) is not tuple or not fit:
        return None
    for size in (new_real, emit):
        if size is not None and id(size) not in checked:
            if not _positive_fraction(size):
                return None
            checked.add(id(size))
    if new_real is not None:
        sizes[f"R{k}"] = new_real
    seen = set()
    entries = []
    weighted = 0
    for i, entry in enumerate(fit, start=1):
        if type(entry) is not FitEntry:
            return None
        batch, count, weight = entry
        size = sizes.get(batch)
        if size is None:
            if not (isinstance(batch, str) and _ABSOLUTE.match(batch)):
                return None
            raise WorkflowError(f"generation {k}, fit entry {i}: batch {batch!r} does not exist yet "
                                f"({_missing_batch_hint(batch)})")
        if batch in seen:
            raise WorkflowError(f"generation {k}, fit entry {i}: batch {batch!r} appears twice in one fit")
        seen.add(batch)
        if count is None:
            count = size
        elif count is not size and (id(count), id(size)) not in checked:
            # identity first: presets share one Fraction object, and comparisons are slow
            if type(count) is not Fraction or count <= 0:
                return None
            if count > size:
                raise WorkflowError(
                    f"generation {k}, fit entry {i}: count {rational_to_data(count)} is more than the size "
                    f"{rational_to_data(size)} of batch {batch}")
            checked.add((id(count), id(size)))
        if weight is not None:
            weighted += 1
            if id(weight) not in checked:
                if type(weight) is not Fraction or weight < 0:
                    return None
                checked.add(id(weight))
        entries.append((batch, size, count, count if weight is None else weight))
    if 0 < weighted < len(fit):
        raise WorkflowError(
            f"generation {k}: either every fit entry has a weight or none does, got weights "
            f"{[None if e.weight is None else rational_to_data(e.weight) for e in fit]}")
    total = _fast_sum([w for *_, w in entries])
    if total == 0:
        raise WorkflowError(f"generation {k}: the fit weights must not all be 0")
    share_of = {}  # equal amounts share one Fraction (by identity, to skip hashing)
    shares = []
    for b, s, c, w in entries:
        share = share_of.get(id(w))
        if share is None:
            share = share_of[id(w)] = w / total
        shares.append(Share(b, s, c, share))
    if emit is not None:
        sizes[f"S{k}"] = emit
    return tuple(shares)


def _fast_sum(values):
    """Exact sum of Fractions over their common denominator (much faster than sum() for many terms)."""
    den = 1
    for v in {id(v): v for v in values}.values():
        den = den * v.denominator // math.gcd(den, v.denominator)
    return Fraction(sum(v.numerator * (den // v.denominator) for v in values), den)


def _missing_batch_hint(batch):
    if batch[0] == "S":
        return "a synthetic batch S<j> can be fitted only from generation j+1 on"
    return "a real batch R<j> exists from generation j on, if that generation sets new_real"


def _with_rule(listed, rule, G, name):
    """Exactly ``G`` generations: the first ``G`` listed ones, then the rule's instances."""
    if isinstance(G, bool) or not isinstance(G, int) or G < 1:
        raise WorkflowError(f"the number of generations must be a positive integer, got {G!r}")
    out = list(listed[:G])
    if G > len(out):
        if rule is None:
            raise WorkflowError(f"workflow {name or ''!s} lists {len(listed)} generations and has no 'then' rule, "
                                f"so it cannot run {G} generations")
        for k in range(len(out) + 1, G + 1):
            out.append(_instantiate(rule, k, out))
    return tuple(out)


def _sample_size(n):
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise WorkflowError(f"the base sample size n must be a positive integer, got {n!r}")
    return int(n)


def _short(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


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


def _generation_data(gen, where):
    """A Generation (or something shaped like one) as data, to be parsed with the file format's checks."""
    def value(x):
        return rational_to_data(x) if isinstance(x, Fraction) else x

    try:
        data = {"fit": [{"batch": e.batch, **({} if e.count is None else {"count": value(e.count)}),
                         **({} if e.weight is None else {"weight": value(e.weight)})} for e in gen.fit]}
        for key in ("new_real", "emit"):
            if getattr(gen, key) is not None:
                data[key] = value(getattr(gen, key))
    except (AttributeError, TypeError):
        raise WorkflowError(f"{where} must be a Generation(fit, new_real, emit) with FitEntry(batch, count, weight) "
                            f"entries, got {_short(gen)}") from None
    return data


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


# --------------------------------------------------------------------- display
_LONG_FIT = 6   # entries beyond which a fit is shown as its first three, "...", its last


def _shown(G, first, last):
    """The generations a summary shows: all, or the first and last ones around None (the elided middle)."""
    if G <= first + last + 1:
        return list(range(1, G + 1))
    return [*range(1, first + 1), None, *range(G - last + 1, G + 1)]


def _times_n(x, latex=False):
    """``x n`` points spelled compactly: n, 2n, n/3, 3n/2."""
    p, q = x.numerator, x.denominator
    top = "n" if p == 1 else f"{p}n"
    if q == 1:
        return top
    return rf"\tfrac{{{top}}}{{{q}}}" if latex else f"{top}/{q}"


def _number(x, latex):
    """A share: whole, a short exact decimal, else p/q (a fraction in LaTeX)."""
    text = format_rational(x)
    return rf"\tfrac{{{x.numerator}}}{{{x.denominator}}}" if latex and "/" in text else text


def _batch(name, latex):
    """A batch name; in LaTeX R3 is R_{3} and a rule's S[-1] is S_{k-1}, S[-2:] is S_{k-2},...,S_{k-1}."""
    if not latex:
        return name
    kind, rest = name[0], name[1:]
    if rest.isdigit():
        return f"{kind}_{{{rest}}}"
    top = "k" if kind == "R" else "k-1"
    rel = _RELATIVE.match(name)
    if rel:
        offset = int(rel.group(2))
        return f"{kind}_{{k{offset:+d}}}" if offset else f"{kind}_{{k}}"
    start = _RANGE.match(name).group(2)
    first = f"k{int(start):+d}" if start else ("0" if kind == "R" else "1")
    return rf"{kind}_{{{first}}},\dots,{kind}_{{{top}}}"


def _describe(gen, shares, k, latex):
    """One generation in the notation of the module docstring; ``k`` None for the rule."""
    here = "[0]" if k is None else str(k)
    text = []
    if gen.new_real is not None:
        size = "" if gen.new_real == 1 else f"({_times_n(gen.new_real, latex)})"
        text.append((r"\text{new } " if latex else "new ") + _batch("R" + here, latex) + size
                    + (r";\ " if latex else "; "))
    weighted = gen.fit[0].weight is not None
    entries = []
    for i, e in enumerate(gen.fit):
        # listed generations show their normalised shares and counts that differ from the batch size;
        # the rule, whose batches have no size yet, shows what it says
        share, count = (e.weight, e.count) if shares is None else (shares[i].share, shares[i].count)
        whole = e.count is None or (shares is not None and count == shares[i].size)
        item = (_number(share, latex) + (r"\," if latex else " ") if weighted else "") + _batch(e.batch, latex)
        entries.append(item + ("" if whole else f"({_times_n(count, latex)})"))
    dots = r"\dots" if latex else "..."
    if len(entries) > _LONG_FIT:
        count = len(entries)
        entries = entries[:3] + [dots, entries[-1]]
        entries[-1] += rf"\ ({count}\text{{ batches}})" if latex else f" ({count} batches)"
    text.append(" + ".join(entries))
    if gen.emit is not None:
        size = "" if gen.emit == 1 else f"({_times_n(gen.emit, latex)})"
        text.append((r" \to " if latex else " -> ") + _batch("S" + here, latex) + size)
    return "".join(text)
