"""Workflow families: a listed prefix of generations, then one rule for every later generation.

A *family* defines a workflow for every number of generations (THEORY.md §2, §7).
Generations 1..P are listed (absolute batch names); every generation k > P is built
by one rule whose entries name batches relative to k:

=============  =====================================================================
entry          batches of generation k
=============  =====================================================================
``R0``, ``S3``  that batch (an absolute name)
``R[0]``        the fresh real batch R<k> (the rule sets ``new_real``)
``S[-j]``       S<k-j>; ``R[-j]`` likewise R<k-j>
``S[-a:]``      the synthetic batches among S<k-a>..S<k-1> that exist
``R[-a:]``      the real batches among R<k-a>..R<k> that exist
``S[:]``        every synthetic batch that exists; ``R[:]`` every real batch
=============  =====================================================================

Each entry has a count (None: the whole batch) and an optional weight. In a workflow
file these are rationals; a preset may make them rational functions of k (subsample
fits n/k points of each batch), so a :class:`RuleEntry` holds SymPy expressions in
:data:`theory.recurrence.k`.

:func:`family_of` builds the family of a preset spelling, a workflow file with a
``then`` rule or a :class:`~theory.workflow.Workflow` with one. A preset's family
transcribes THEORY.md §2; its concrete workflows still come from
:func:`theory.presets.preset`, and the tests check that the two agree generation by
generation. A rule workflow's concrete workflows come from
:meth:`Workflow.expand <theory.workflow.Workflow.expand>`, whose instantiation of
relative names the family reads the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import sympy as sp

from .presets import is_preset_spec, preset
from .rationals import format_rational
from .recurrence import k
from .workflow import FitEntry, Generation, Workflow, WorkflowError
from .workflow_format import ABSOLUTE, RANGE, RELATIVE

__all__ = ["RuleEntry", "Rule", "Family", "family_of", "preset_family", "resolve"]

ONE = Fraction(1)


def _expr(value):
    """A count or weight as a SymPy expression in k (None stays None)."""
    if value is None:
        return None
    if isinstance(value, sp.Basic):
        return value
    value = Fraction(value)
    return sp.Rational(value.numerator, value.denominator)


def _value_at(expr, n):
    """A count or weight expression at k = n, as a Fraction."""
    if expr is None:
        return None
    value = expr.subs(k, n) if expr.free_symbols else expr
    return Fraction(int(value.p), int(value.q))


@dataclass(frozen=True)
class RuleEntry:
    """One entry of a rule: which batches, how many points of each, with which weight.

    Attributes
    ----------
    kind : {"R", "S"}
        Real or synthetic batches.
    selector : {"absolute", "single", "range", "all"}
        ``R0``/``S3``; ``R[0]``/``S[-j]``; ``S[-a:]``; ``S[:]``.
    index : int or None
        The batch number (absolute), the offset (single: 0 or negative), the reach a
        (range), None (all).
    count, weight : sympy.Expr or None
        Per batch, possibly a rational function of k.

    Examples
    --------
    >>> RuleEntry.parse(FitEntry("S[-3:]", Fraction(1, 2), None)).name
    'S[-3:]'
    """

    kind: str
    selector: str
    index: int | None
    count: sp.Expr | None = None
    weight: sp.Expr | None = None

    @classmethod
    def parse(cls, entry):
        """A rule entry from a :class:`FitEntry` of a ``then`` rule."""
        name = entry.batch
        count, weight = _expr(entry.count), _expr(entry.weight)
        if m := ABSOLUTE.match(name):
            return cls(m.group(1), "absolute", int(m.group(2)), count, weight)
        if m := RELATIVE.match(name):
            offset = int(m.group(2))
            if offset > 0 or (m.group(1) == "S" and offset == 0):
                raise WorkflowError(f"the 'then' rule names {name!r}, which never exists at the generation "
                                    "being built (use R[0] or a negative offset)")
            return cls(m.group(1), "single", offset, count, weight)
        if m := RANGE.match(name):
            start = m.group(2)
            return cls(m.group(1), "range" if start else "all", -int(start) if start else None, count, weight)
        raise WorkflowError(f"bad batch name {name!r} in the 'then' rule")

    @property
    def name(self):
        if self.selector == "absolute":
            return f"{self.kind}{self.index}"
        if self.selector == "single":
            return f"{self.kind}[{self.index}]"
        return f"{self.kind}[-{self.index}:]" if self.selector == "range" else f"{self.kind}[:]"

    @property
    def constant(self):
        """Whether count and weight are the same for every k."""
        return not any(e is not None and e.free_symbols for e in (self.count, self.weight))

    def indices(self, n):
        """The batch numbers this entry may reach at generation n (before checking existence)."""
        if self.selector == "absolute":
            return [self.index]
        if self.selector == "single":
            return [n + self.index]
        last = n - 1 if self.kind == "S" else n
        first = 0 if self.selector == "all" else max(0, n - self.index)
        return list(range(first, last + 1))

    def __str__(self):
        parts = [self.name]
        if self.count is not None:
            parts.append(f"count {self.count}")
        if self.weight is not None:
            parts.append(f"weight {self.weight}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Rule:
    """What every generation k after the listed prefix collects, fits and emits."""

    entries: tuple[RuleEntry, ...]
    new_real: Fraction | None = None
    emit: Fraction | None = None

    @classmethod
    def from_generation(cls, gen):
        """A rule from the ``then`` generation of a workflow."""
        return cls(tuple(RuleEntry.parse(e) for e in gen.fit), gen.new_real, gen.emit)

    @property
    def weighted(self):
        return any(e.weight is not None for e in self.entries)

    @property
    def constant(self):
        return all(e.constant for e in self.entries)

    def __str__(self):
        parts = []
        if self.new_real is not None:
            parts.append(f"collect R[0] of size {format_rational(self.new_real)}")
        parts.append("fit " + "; ".join(str(e) for e in self.entries))
        if self.emit is not None:
            parts.append(f"emit {format_rational(self.emit)}")
        return "; ".join(parts)


@dataclass(frozen=True, eq=False)
class Family:
    """A workflow for every number of generations: ``prefix`` (generations 1..P), then ``rule``.

    Attributes
    ----------
    name : str
    real : Fraction
        The size of R0.
    prefix : tuple of Generation
        The listed generations, with absolute batch names.
    rule : Rule
    preset : str or None
        The preset spelling when the family is a preset's.
    source : Workflow or None
        The rule workflow the family was read from (None for a preset).

    Examples
    --------
    >>> fam = family_of("window:2")
    >>> fam.P, str(fam.rule)
    (2, 'fit S[-2:]; emit 1')
    >>> fam.generation(5).fit
    (FitEntry(batch='S3', count=None, weight=None), FitEntry(batch='S4', count=None, weight=None))
    """

    name: str
    real: Fraction
    prefix: tuple
    rule: Rule
    preset: str | None = None
    source: Workflow | None = None

    @property
    def P(self):
        """The number of listed generations."""
        return len(self.prefix)

    @property
    def key(self):
        """A hashable identity (for caches)."""
        if self.preset is not None:
            return ("preset", self.preset)
        return ("rule", self.source.to_json())

    def workflow(self, G):
        """The concrete workflow of G generations, built by the library's own constructors."""
        if self.preset is not None:
            return preset(self.preset, G)
        return self.source.expand(G)

    # ----------------------------------------------------------------- batches
    def emitted(self, j):
        """The size of S<j>, or None if generation j emits nothing."""
        if j < 1:
            return None
        return self.prefix[j - 1].emit if j <= self.P else self.rule.emit

    def collected(self, j):
        """The size of R<j> (R0: ``real``), or None if generation j collects nothing."""
        if j == 0:
            return self.real
        return self.prefix[j - 1].new_real if j <= self.P else self.rule.new_real

    def size(self, kind, j):
        return self.emitted(j) if kind == "S" else self.collected(j)

    def generation(self, n):
        """Generation n with absolute batch names, from the prefix or from the rule.

        The rule is read as :meth:`Workflow.expand` reads it; counts and weights that
        are functions of k take their value at n.
        """
        if n <= self.P:
            return self.prefix[n - 1]
        fit = []
        for entry in self.rule.entries:
            count, weight = _value_at(entry.count, n), _value_at(entry.weight, n)
            for j in entry.indices(n):
                if entry.selector in ("range", "all") and self.size(entry.kind, j) is None:
                    continue
                if entry.kind == "S" and entry.selector in ("range", "all") and j < 1:
                    continue
                fit.append(FitEntry(f"{entry.kind}{j}", count, weight))
        return Generation(tuple(fit), self.rule.new_real, self.rule.emit)

    def __repr__(self):
        listed = f"{self.P} listed generation{'s' if self.P != 1 else ''}, then " if self.P else ""
        return f"Family({self.name!r}: {listed}{self.rule})"

    def _repr_latex_(self):
        from .latex import tex_text

        listed = f"{self.P} listed generations, then " if self.P else ""
        return rf"$\text{{{tex_text(self.name)}: {listed}{tex_text(self.rule)}}}$"


# ---------------------------------------------------------------------- presets as families
def _whole(*names):
    return tuple(FitEntry(b, None) for b in names)


def preset_family(spec):
    """The family of a preset spelling: THEORY.md §2 written as a prefix and a rule.

    Examples
    --------
    >>> preset_family("subsample").rule.entries[1]
    RuleEntry(kind='S', selector='all', index=None, count=1/k, weight=None)
    >>> str(preset_family("weighted:0.5:2").rule)
    'collect R[0] of size 1; fit R[0], weight 1/2; S[-1], weight 1/2; emit 2'
    """
    wf = preset(spec, 1)
    name = wf.name
    head, *args = name.split(":")
    one = sp.Integer(1)
    if head == "discard":
        prefix = (Generation(_whole("R0"), None, ONE),)
        rule = Rule((RuleEntry("S", "single", -1),), None, ONE)
    elif head == "augment":
        prefix, rule = (), Rule((RuleEntry("R", "absolute", 0), RuleEntry("S", "all", None)), None, ONE)
    elif head == "subsample":
        prefix = ()
        rule = Rule((RuleEntry("R", "absolute", 0, one / k), RuleEntry("S", "all", None, one / k)), None, ONE)
    elif head == "window":
        W = int(args[0])
        prefix = tuple(preset(name, W).generations)
        rule = Rule((RuleEntry("S", "range", W),), None, ONE)
    elif head == "mix":
        L = wf.generations[0].emit
        prefix = (Generation(_whole("R0"), None, L),)
        rule = Rule((RuleEntry("R", "absolute", 0), RuleEntry("S", "single", -1)), None, L)
    elif head == "weighted":
        M = wf.generations[0].emit
        W = preset(name, 2).generations[1].fit[0].weight
        prefix = (Generation(_whole("R0"), None, M),)
        rule = Rule((RuleEntry("R", "single", 0, None, _expr(W)), RuleEntry("S", "single", -1, None, _expr(1 - W))),
                    ONE, M)
    else:  # pragma: no cover - every preset of theory.presets is listed above
        raise WorkflowError(f"no family for the preset {spec!r}")
    return Family(name, ONE, prefix, rule, preset=name)


# ---------------------------------------------------------------------- rule workflows
def _listed_prefix(workflow):
    """The fewest leading generations after which every generation is the rule's own instance."""
    from .workflow_format import _instantiate

    gens = list(workflow.generations)
    sizes = workflow.batch_sizes()

    def meaning(gen):
        # a count equal to the batch size is the whole batch
        return (gen.new_real, gen.emit, tuple(
            (e.batch, e.count if e.count is not None else sizes.get(e.batch, (None,))[0], e.weight) for e in gen.fit))

    P = len(gens)
    while P > 0:
        try:
            again = _instantiate(workflow.then, P, gens[:P - 1])
        except WorkflowError:
            break
        if meaning(again) != meaning(gens[P - 1]):
            break
        P -= 1
    return tuple(gens[:P])


def family_of(spec):
    """The family a preset spelling, a workflow file with a ``then`` rule, or such a Workflow defines.

    Parameters
    ----------
    spec : WorkflowLike
        A preset spelling, the path of a ``.json``/``.toml`` file with a ``then`` rule,
        or a :class:`Workflow` with one (or a preset's own workflow).

    Returns
    -------
    Family

    Raises
    ------
    WorkflowError
        For an unknown preset, a bad file, or a workflow with no rule for later generations.

    Examples
    --------
    >>> family_of("mix:1/2").name
    'mix:0.5'
    >>> wf = Workflow.from_data({"generations": [{"fit": [{"batch": "R0"}], "emit": 2}],
    ...                          "then": {"fit": [{"batch": "R0"}, {"batch": "S[:]"}], "emit": 1}}, generations=9)
    >>> family_of(wf).P
    1
    """
    if isinstance(spec, Workflow):
        if spec.then is not None:
            return _rule_family(spec)
        name = spec.name
        if isinstance(name, str) and is_preset_spec(name):
            try:
                same = preset(name, spec.G) == spec
            except WorkflowError:
                same = False
            if same:
                return preset_family(name)
        raise WorkflowError(
            f"workflow {name!r} lists {spec.G} generations and has no 'then' rule, so it is not a family "
            "of workflows for every k; give a preset spelling or a workflow with a 'then' rule")
    if isinstance(spec, str) and is_preset_spec(spec):
        return preset_family(spec)
    if isinstance(spec, str | Path):
        path = Path(spec)
        if path.suffix.lower() not in (".json", ".toml"):
            preset(str(spec), 1)  # raises the "unknown workflow" message
        base = Workflow.from_file(path)
        if base.then is None:
            raise WorkflowError(
                f"workflow file {str(path)!r} has no 'then' rule, so it defines only {base.G} generations; "
                "a proof for every k needs a rule for every later generation")
        return _rule_family(base, base.name or path.stem)
    raise WorkflowError(f"a family is a preset spelling, a workflow file or a Workflow, got {spec!r}")


def _rule_family(workflow, name=None):
    from .workflow_format import with_rule

    prefix = _listed_prefix(workflow)
    # a Workflow lists at least one generation: the rule's own first instance if the prefix is empty
    base = Workflow(with_rule(prefix, workflow.then, max(len(prefix), 1), workflow.name), workflow.real,
                    workflow.then, workflow.name)
    return Family(name or workflow.name or "workflow", workflow.real, prefix, Rule.from_generation(workflow.then),
                  source=base)


def resolve(spec, generations=None):
    """(G, family or None, workflow or None): what a command shows for ``spec``, without building big workflows.

    G is ``generations``, else 10 for a preset, a rule file's listed count if more than 10,
    a Workflow's own count, or a plain file's listed count. A family comes back without
    a workflow (its ratios come from its proof); a plain workflow comes back expanded to G.

    Examples
    --------
    >>> G, fam, wf = resolve("augment")
    >>> G, fam.name, wf
    (10, 'augment', None)
    """
    if isinstance(spec, Workflow):
        G = spec.G if generations is None else generations
        if spec.then is not None or (isinstance(spec.name, str) and is_preset_spec(spec.name)):
            try:
                return G, family_of(spec), None
            except WorkflowError:
                pass
        return G, None, spec.expand(G)
    if isinstance(spec, str) and is_preset_spec(spec):
        preset(spec, 1)  # the preset's own checks and messages
        return (10 if generations is None else generations), family_of(spec), None
    if isinstance(spec, str | Path):
        path = Path(spec)
        if path.suffix.lower() not in (".json", ".toml"):
            preset(str(spec), 1)  # raises the "unknown workflow" message
        base = Workflow.from_file(path)
        if base.then is not None:
            # the family is validated by its proof, on every shape its generations take
            return (max(10, base.G) if generations is None else generations), family_of(base), None
        workflow = base if generations is None else base.expand(generations)
        return workflow.G, None, workflow
    raise WorkflowError(f"a workflow is a preset name or a file path, got {spec!r}")
