"""Every callable a package exports documents its parameters and what it returns (numpydoc).

The test walks ``__all__`` of :mod:`theory`, :mod:`numerics` and :mod:`proofs_check`:
a function needs a ``Parameters`` section naming every parameter of its signature
(several may share a line, ``workflow, G : ...``) and a ``Returns`` (or ``Yields``)
section; a class needs its constructor's parameters in ``Parameters`` (or, for a
result object, ``Attributes``); private parameters (``_name``) need not be. Exceptions, enumerations
and constants are exempt.
"""

import enum
import importlib
import inspect
import re

import pytest

PACKAGES = ("theory", "numerics", "proofs_check")
_UNDERLINE = re.compile(r"^\s*-{3,}\s*$")
_ENTRY = re.compile(r"^(\*{0,2}[A-Za-z_][\w]*(\s*,\s*\*{0,2}[A-Za-z_][\w]*)*)\s*(:.*)?$")


def sections(doc):
    """numpydoc sections of a docstring: title -> list of its lines (dedented)."""
    lines = inspect.cleandoc(doc or "").splitlines()
    found, title = {}, None
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and _UNDERLINE.match(lines[i + 1]) and line.strip():
            title = line.strip()
            found[title] = []
        elif title is not None and not _UNDERLINE.match(line):
            found[title].append(line)
    return found


def documented_names(lines):
    """The names an entry line of a Parameters/Attributes section introduces (unindented lines)."""
    names = set()
    for line in lines:
        if line and not line[0].isspace():
            match = _ENTRY.match(line.strip())
            if match:
                names.update(name.strip().lstrip("*") for name in match.group(1).split(","))
    return names


def signature_names(obj):
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    return [name for name in signature.parameters if name not in ("self", "cls") and not name.startswith("_")]


def exported():
    for package in PACKAGES:
        module = importlib.import_module(package)
        for name in module.__all__:
            yield f"{package}.{name}", getattr(module, name)


def _documented_callables():
    out = []
    for qualified, obj in exported():
        if not callable(obj) or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if inspect.isclass(obj) and (issubclass(obj, BaseException | enum.Enum)):
            continue
        out.append((qualified, obj))
    return out


CALLABLES = _documented_callables()

def test_every_package_exports_something_documented():
    assert {q.split(".")[0] for q, _ in CALLABLES} == set(PACKAGES)


@pytest.mark.parametrize("qualified, obj", [pytest.param(q, obj, id=q) for q, obj in CALLABLES])
def test_exported_callable_has_numpydoc_parameters_and_returns(qualified, obj):
    found = sections(obj.__doc__)
    wanted = signature_names(obj)
    if inspect.isclass(obj):
        documented = documented_names(found.get("Parameters", []) + found.get("Attributes", []))
    else:
        documented = documented_names(found.get("Parameters", []))
        assert "Returns" in found or "Yields" in found, f"{qualified}: no Returns section"
    missing = [name for name in wanted or [] if name not in documented]
    assert not missing, f"{qualified}: parameters {missing} are not documented (documented: {sorted(documented)})"


def test_the_parser_reads_numpydoc():
    doc = """Summary.

    Parameters
    ----------
    workflow, G
        The workflow.
    seed : int, optional
    **options : dict

    Returns
    -------
    list
    """
    found = sections(doc)
    assert set(found) == {"Parameters", "Returns"}
    assert documented_names(found["Parameters"]) == {"workflow", "G", "seed", "options"}
