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

A generation that emits may also *curate* what it emits (``curate``: a number of
candidates and a reward per category, :mod:`theory.curation`); curation applies to
models with categories and lies outside the linear Gaussian theory.

:class:`Workflow` validates whatever builds it (:meth:`Workflow.from_data`, a
preset, or the constructor itself), so an impossible workflow never reaches the
process. The file format is read by :mod:`theory.workflow_format`; a workflow prints
as a short summary, one line per generation, in the notation of
:mod:`theory.workflow_summary`; :meth:`Workflow.in_points` gives its sizes in points
at a sample size n, for the simulators.
"""

from __future__ import annotations

import json
import math
import numbers
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

from .curation import Curation
from .input_limits import MAX_BATCH_POINTS, LimitError
from .rationals import format_decimal, rational_to_data, to_rational

__all__ = ["WorkflowError", "FitEntry", "Generation", "Workflow", "Share", "GenerationInPoints",
           "WorkflowInPoints"]


class WorkflowError(ValueError):
    """A workflow that cannot be built; the message names the place and the bad value."""


class FitEntry(NamedTuple):
    """One entry of a fit: ``count`` points of ``batch`` (None: the whole batch), with share ``weight``.

    Parameters
    ----------
    batch : str
        ``"R0"``, ``"R1"``, ... (real batches) or ``"S1"``, ``"S2"``, ... (the batch
        emitted by that generation).
    count : Fraction, optional
        The points used, in units of n; None uses the whole batch.
    weight : Fraction, optional
        The entry's share of the fit before normalisation; None pools the entries.
    """

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
    """What one generation collects, fits and emits (and how it curates what it emits).

    Parameters
    ----------
    fit : tuple of FitEntry
        The entries of the generation's fit.
    new_real : Fraction, optional
        The size (units of n) of the fresh real batch collected this generation, if any.
    emit : Fraction, optional
        The size (units of n) of the synthetic batch the fitted model emits, if any.
    curate : Curation, optional
        How the emitted batch is curated (:class:`theory.curation.Curation`), if it is.
    """

    fit: tuple[FitEntry, ...]
    new_real: Fraction | None = None
    emit: Fraction | None = None
    curate: Curation | None = None

    def to_data(self):
        """The generation as plain data (the workflow file's format)."""
        data = {}
        if self.new_real is not None:
            data["new_real"] = rational_to_data(self.new_real)
        data["fit"] = [entry.to_data() for entry in self.fit]
        if self.emit is not None:
            data["emit"] = rational_to_data(self.emit)
        if self.curate is not None:
            data["curate"] = self.curate.to_data()
        return data


class Share(NamedTuple):
    """A resolved fit entry: batch name, its size, the count used and the normalised share.

    From :meth:`Workflow.shares` the size and count are in units of n; from
    :meth:`Workflow.in_points` they are whole numbers of points.

    Parameters
    ----------
    batch : str
        The batch's name (``R0``, ``S3``, ...); :attr:`source` is the generation that emitted it.
    size : Fraction or int
        The batch's size.
    count : Fraction or int
        The points of the batch that the fit uses.
    share : Fraction
        The entry's normalised share of the fit (the shares of a fit sum to 1).
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
    """One generation of :meth:`Workflow.in_points`: its fit (shares in points), the sizes it creates, its curation."""

    fit: tuple[Share, ...]
    new_real: int | None
    emit: int | None
    curate: Curation | None = None


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
        real = self.real
        if not _positive_fraction(real):
            real = _format().parse_positive(_plain(real), "real (the size of R0)")
        if self.then is not None:
            fmt = _format()
            then = fmt.parse_generation(fmt.generation_as_data(self.then, "the 'then' rule"), None)
        else:
            then = None
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
        return cls(*_format().parse_workflow(data, name, generations))

    @classmethod
    def from_file(cls, path, generations=None):
        """Read a workflow from a ``.json`` or ``.toml`` file; numbers stay exact.

        Raises
        ------
        WorkflowError
            If the file is missing, malformed or describes an invalid workflow.
        """
        path = Path(path)
        data = _format().read_workflow_file(path)
        return cls(*_format().parse_workflow(data, data.get("name", path.stem) if isinstance(data, dict) else None,
                                             generations, base=str(path.parent)))

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
        return Workflow(_format().with_rule(self.generations, self.then, generations, self.name), self.real, self.then,
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
        theory.workflow.WorkflowError: generation 3, batch R0: count times n = 10/3 is not a whole number of \
points; simulate workflow.at_sample_size(10)
        """
        n = _sample_size(n)
        cache = {}    # sizes repeat as one object: multiply each once

        def points(value, where):
            got = cache.get(id(value))
            if got is None:
                product = value * n
                if product.denominator != 1:
                    raise WorkflowError(f"{where} times n = {product} is not a whole number of points; "
                                        f"simulate workflow.at_sample_size({n})")
                if product.numerator > MAX_BATCH_POINTS:
                    raise LimitError(f"{where} times n = {format_decimal(product)} points is more than the limit "
                                     f"of {MAX_BATCH_POINTS} (2**53: counts of points must be exact in float64)")
                got = cache[id(value)] = product.numerator
            return got

        gens = []
        for k, (gen, fit) in enumerate(zip(self.generations, self._shares, strict=True), start=1):
            entries = tuple(Share(s.batch, points(s.size, f"generation {k}, batch {s.batch}: size"),
                                  points(s.count, f"generation {k}, batch {s.batch}: count"), s.share)
                            for s in fit)
            gens.append(GenerationInPoints(
                entries, None if gen.new_real is None else points(gen.new_real, f"generation {k}: new_real"),
                None if gen.emit is None else points(gen.emit, f"generation {k}: emit"), gen.curate))
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
                None if g.emit is None else g.emit * factor, g.curate)

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
                              whole(g.new_real), whole(g.emit), g.curate)

        return Workflow(tuple(gen(g) for g in self.generations), whole(self.real), None, self.name)

    # ----------------------------------------------------------------- display
    def __repr__(self):
        return self.describe()

    def describe(self, first=4, last=2):
        """A short summary: name and G, then one line per generation (the middle ones elided).

        The notation is explained in :mod:`theory.workflow_summary`.

        Parameters
        ----------
        first, last : int
            How many generations to show at the start and the end of a long workflow.

        Returns
        -------
        str
            A header line, then one line per generation shown.

        Examples
        --------
        >>> from theory.presets import preset
        >>> print(preset("weighted:0.25:2", 3).describe())
        Workflow 'weighted:0.25:2' (G = 3)
          1: R0 -> S1(2n)
          2: new R2; 0.25 R2 + 0.75 S1 -> S2(2n)
          3: new R3; 0.25 R3 + 0.75 S2 -> S3(2n)
        """
        from .workflow_summary import summary

        return summary(self, first, last)

    def _repr_latex_(self):
        """The summary as a LaTeX array, for Jupyter."""
        from .workflow_summary import summary_latex

        return summary_latex(self)


# --------------------------------------------------------------------- checks
def _positive_fraction(value):
    return type(value) is Fraction and value > 0


def _validated(listed, real):
    """(generations, shares): every generation checked, its values converted to Fractions where needed.

    The fast path (:func:`_resolved`) handles generations already in canonical form, as
    presets and parsed files build them; anything else goes through the file format's
    parser (:func:`theory.workflow_format.parse_generation`), which converts plain numbers and names a bad value
    exactly as :meth:`Workflow.from_data` does.
    """
    sizes = {"R0": real}
    checked = set()     # (id(count), id(size)) and id(weight) already checked: presets share objects
    generations, resolved, changed = [], [], False
    for k, gen in enumerate(listed, start=1):
        fit = _resolved(gen, k, sizes, checked)
        if fit is None:
            fmt = _format()
            gen = fmt.parse_generation(fmt.generation_as_data(gen, f"generation {k}"), k)
            fit = _resolved(gen, k, sizes, checked)
            changed = True
        generations.append(gen)
        resolved.append(fit)
    return (tuple(generations) if changed else listed), tuple(resolved)


def _resolved(gen, k, sizes, checked):
    """Generation k's fit as Shares; None if the generation is not in canonical form (see _validated)."""
    if type(gen) is not Generation:
        return None
    fit, new_real, emit, curate = gen
    if type(fit) is not tuple or not fit or (curate is not None and type(curate) is not Curation):
        return None
    if curate is not None and emit is None:
        raise WorkflowError(f"generation {k}: 'curate' needs an 'emit' (curation chooses the emitted points)")
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
            if not (isinstance(batch, str) and _format().ABSOLUTE.match(batch)):
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


def _sample_size(n):
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise WorkflowError(f"the base sample size n must be a positive integer, got {n!r}")
    return int(n)


def _format():
    """The file-format module (:mod:`theory.workflow_format`), which imports this one: loaded when first used."""
    from . import workflow_format

    return workflow_format


def _plain(value):
    return rational_to_data(value) if isinstance(value, Fraction) else value


def _short(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


