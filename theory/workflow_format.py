"""The workflow file format: plain data (parsed JSON or TOML) to generations, and rules.

:func:`parse_workflow` reads the object of a workflow file (THEORY.md §2) into the
arguments of :class:`~theory.workflow.Workflow`; :func:`parse_generation` reads one
generation and names any bad value by its place (``generation 2, fit entry 1:
count ...``). The constructor of ``Workflow`` falls back on the same parser for
generations given with plain numbers, so both routes report the same errors.
:func:`with_rule` lists exactly G generations, instantiating the ``then`` rule's
relative batch names (``S[-1]``, ``R[0]``, ``S[-3:]``, ``S[:]``) for the later ones.
"""

from __future__ import annotations

import re
import reprlib
from fractions import Fraction

from .curation import Curation, CurationError
from .input_limits import MAX_FIT_ENTRIES, MAX_GENERATIONS, MAX_LISTED_GENERATIONS, LimitError, check_count
from .rationals import rational_to_data, to_rational
from .workflow import FitEntry, Generation, WorkflowError

__all__ = ["parse_workflow", "parse_generation", "parse_rational", "parse_positive", "generation_as_data",
           "read_workflow_file", "with_rule", "ABSOLUTE", "RELATIVE", "RANGE"]

ABSOLUTE = re.compile(r"^(R|S)(\d+)$")
RELATIVE = re.compile(r"^(R|S)\[(-?\d+)\]$")
RANGE = re.compile(r"^(R|S)\[(?:(-\d+))?:\]$")




def parse_workflow(data, name=None, generations=None, base=None):
    """The arguments ``(generations, real, then, name)`` of a Workflow, from a workflow file's object.

    ``generations`` asks for that many generations: fewer than listed keeps the
    first ones; more needs a ``then`` rule. ``base`` is the folder against which
    relative file names (a curation's reward file) are read.

    Examples
    --------
    >>> gens, real, then, name = parse_workflow({"generations": [{"fit": [{"batch": "R0"}], "emit": "1/2"}]})
    >>> gens[0].emit, real, then, name
    (Fraction(1, 2), Fraction(1, 1), None, None)
    """
    if not isinstance(data, dict):
        raise WorkflowError(f"a workflow must be a table/object, got {type(data).__name__}: {data!r}")
    unknown = set(data) - {"name", "real", "generations", "then"}
    if unknown:
        raise WorkflowError(f"unknown workflow key(s) {sorted(unknown)}; expected name, real, generations, then")
    real = parse_positive(data.get("real", 1), "real (the size of R0)")
    listed = data.get("generations", [])
    if not isinstance(listed, list):
        raise WorkflowError(f"'generations' must be a list of generations, got {reprlib.repr(listed)}")
    _check_listed_size(listed)
    gens = tuple(parse_generation(g, k, base) for k, g in enumerate(listed, start=1))
    then = parse_generation(data["then"], None, base) if "then" in data else None
    if not gens and then is None:
        raise WorkflowError("a workflow needs at least one generation (or a 'then' rule)")
    name = name if name is not None else data.get("name")
    G = generations if generations is not None else max(len(gens), 1)
    return with_rule(gens, then, G, name), real, then, name


def read_workflow_file(path):
    """The object of a ``.json`` or ``.toml`` workflow file, every decimal number an exact Fraction.

    The file is read as :func:`theory.datafile.read_data_file` reads data: a regular
    file of bounded size and nesting, UTF-8, numbers checked for size before they are
    built (:mod:`theory.input_limits`).

    Raises
    ------
    WorkflowError
        If the file is missing, unreadable, not a regular file, too large, too deeply
        nested or malformed, or has another suffix.
    """
    from .datafile import read_data_file

    return read_data_file(path, "workflow file", error=WorkflowError)


def _check_listed_size(listed):
    """Refuse a listed workflow too large to build, before parsing its generations (:mod:`theory.input_limits`)."""
    try:
        check_count(len(listed), MAX_LISTED_GENERATIONS, "generations listed")
        entries = 0
        for gen in listed:
            fit = gen.get("fit") if isinstance(gen, dict) else None
            entries += len(fit) if isinstance(fit, list) else 0
        check_count(entries, MAX_FIT_ENTRIES, "fit entries listed")
    except LimitError as err:
        raise WorkflowError(str(err)) from None


def with_rule(listed, rule, G, name):
    """Exactly ``G`` generations: the first ``G`` listed ones, then the rule's instances."""
    if isinstance(G, bool) or not isinstance(G, int) or G < 1:
        raise WorkflowError(f"the number of generations must be a positive integer, got {G!r}")
    if G > MAX_GENERATIONS:
        raise WorkflowError(f"generations = {G} is more than the limit of {MAX_GENERATIONS}")
    out = list(listed[:G])
    if G > len(out):
        if rule is None:
            raise WorkflowError(f"workflow {name or ''!s} lists {len(listed)} generations and has no 'then' rule, "
                                f"so it cannot run {G} generations")
        entries = sum(len(g.fit) for g in out)
        for k in range(len(out) + 1, G + 1):
            out.append(_instantiate(rule, k, out))
            entries += len(out[-1].fit)
            if entries > MAX_FIT_ENTRIES:
                raise WorkflowError(f"workflow {name or ''!s} over {G} generations has more than {MAX_FIT_ENTRIES} "
                                    f"fit entries ({entries} by generation {k}); the limit is {MAX_FIT_ENTRIES}")
    return tuple(out)


def parse_rational(value, what):
    """``to_rational`` raising WorkflowError."""
    try:
        return to_rational(value, what)
    except ValueError as err:
        raise WorkflowError(str(err)) from None


def parse_positive(value, what):
    """A positive rational, or a WorkflowError naming ``what`` and the value."""
    number = parse_rational(value, what)
    if number <= 0:
        raise WorkflowError(f"{what} must be positive, got {value!r}")
    return number


def generation_as_data(gen, where):
    """A Generation (or something shaped like one) as data, values as they are, to parse with the checks.

    ``where`` names the generation in the error raised for something not shaped
    like a Generation of FitEntry.
    """
    def value(x):
        return rational_to_data(x) if isinstance(x, Fraction) else x

    try:
        data = {"fit": [{"batch": e.batch, **({} if e.count is None else {"count": value(e.count)}),
                         **({} if e.weight is None else {"weight": value(e.weight)})} for e in gen.fit]}
        for key in ("new_real", "emit"):
            if getattr(gen, key) is not None:
                data[key] = value(getattr(gen, key))
        if getattr(gen, "curate", None) is not None:
            data["curate"] = gen.curate
    except (AttributeError, TypeError):
        raise WorkflowError(f"{where} must be a Generation(fit, new_real, emit) with FitEntry(batch, count, weight) "
                            f"entries, got {reprlib.repr(gen)}") from None
    return data


def parse_generation(data, k, base=None):
    """One generation from its data; ``k`` is its number, None for the ``then`` rule (relative names allowed).

    A ``curate`` entry is a :class:`~theory.curation.Curation` or its data (reward files
    are read relative to ``base``).

    Examples
    --------
    >>> parse_generation({"fit": [{"batch": "S[-1]", "count": 0.5}], "emit": 1}, None).fit
    (FitEntry(batch='S[-1]', count=Fraction(1, 2), weight=None),)
    >>> parse_generation({"fit": [{"batch": "R0", "count": 0}]}, 3)
    Traceback (most recent call last):
    ...
    theory.workflow.WorkflowError: generation 3, fit entry 1: count must be positive, got 0
    """
    where = f"generation {k}" if k is not None else "the 'then' rule"
    if not isinstance(data, dict):
        raise WorkflowError(f"{where} must be a table/object with a 'fit' list, got {data!r}")
    unknown = set(data) - {"fit", "new_real", "emit", "curate"}
    if unknown:
        raise WorkflowError(f"{where}: unknown key(s) {sorted(unknown)}; expected fit, new_real, emit, curate")
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
            ABSOLUTE.match(batch) or (k is None and (RELATIVE.match(batch) or RANGE.match(batch))))
        if not pattern_ok:
            allowed = "R0, R<k> or S<k>" + (", or relative names R[0], S[-1], S[-3:], S[:]" if k is None else "")
            raise WorkflowError(f"{at}: bad batch name {batch!r}; use {allowed}")
        count = parse_positive(entry["count"], f"{at}: count") if "count" in entry else None
        weight = None
        if "weight" in entry:
            weight = parse_rational(entry["weight"], f"{at}: weight")
            if weight < 0:
                raise WorkflowError(f"{at}: weight must be at least 0, got {entry['weight']!r}")
        entries.append(FitEntry(batch, count, weight))
    new_real = parse_positive(data["new_real"], f"{where}: new_real") if "new_real" in data else None
    emit = parse_positive(data["emit"], f"{where}: emit") if "emit" in data else None
    curate = data.get("curate")
    if curate is not None and not isinstance(curate, Curation):
        try:
            curate = Curation.from_data(curate, where, base)
        except CurationError as err:
            raise WorkflowError(str(err)) from None
    if curate is not None and emit is None:
        raise WorkflowError(f"{where}: 'curate' needs an 'emit' (curation chooses the emitted points)")
    return Generation(tuple(entries), new_real, emit, curate)


def _instantiate(rule, k, earlier):
    """The rule's generation for generation ``k``, relative batch names made absolute."""
    fit = []
    for i, entry in enumerate(rule.fit, start=1):
        rel, rng = RELATIVE.match(entry.batch), RANGE.match(entry.batch)
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
    return Generation(tuple(fit), rule.new_real, rule.emit, rule.curate)
