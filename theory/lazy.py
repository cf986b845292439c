"""Package attributes that load with their submodule on first access (PEP 562), and the import rule.

The rule that keeps every command fast: **a module imports at its top only what
every one of its callers needs; SciPy, SymPy, matplotlib, pandas, Dask, tqdm and
the notebook stack are imported by the modules that are about them, or inside
the functions that need them.** A package ``__init__`` imports nothing heavy:
it names its public attributes and the submodule of each, and
:func:`lazy_attributes` loads a submodule when one of its names is first used::

    from .lazy import lazy_attributes          # numerics, proofs_check: from theory.lazy import ...

    _PUBLIC = {"Workflow": "workflow", "risk_ratios": "process", ...}
    __all__ = list(_PUBLIC)
    __getattr__, __dir__ = lazy_attributes(__name__, _PUBLIC)

``from theory import risk_ratios`` then imports :mod:`theory.process` (and what it
needs) and nothing else. A command-line module (:mod:`proofs_check.cli`) imports at
its top only what building its parser needs; its ``run`` imports the engine.
``tests/test_startup.py`` checks, in fresh interpreters, that the package tops,
``--help``, argument errors and the light commands stay free of the heavy modules,
for every command listed in :data:`proofs_check.cli.COMMANDS`.

Examples
--------
>>> import theory.models
>>> "std_normal_moment" in dir(theory.models)
True
"""

from __future__ import annotations

import importlib
import sys
import types

__all__ = ["lazy_attributes"]


class _PublicNameFirst(types.ModuleType):
    """A package one of whose public names is also a submodule's (``theory.closed_form``).

    Importing a submodule sets the package attribute of its name to the module; for
    such a name the public attribute (the function ``closed_form``) is kept instead,
    as an eager ``from .closed_form import closed_form`` in the package would keep it.
    """

    def __setattr__(self, name, value):
        if (isinstance(value, types.ModuleType) and name in self.__dict__.get("_submodule_names", ())
                and value.__name__ == f"{self.__name__}.{name}"):
            value = getattr(value, name)
        super().__setattr__(name, value)


def lazy_attributes(package, table):
    """The module-level ``__getattr__`` and ``__dir__`` of a package whose names load on first access.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    table : dict
        Attribute name -> the submodule (relative to ``package``) that defines it.

    Returns
    -------
    (callable, callable)
        ``__getattr__`` (imports the submodule, caches the attribute on the package)
        and ``__dir__``.

    Examples
    --------
    >>> getattr_, dir_ = lazy_attributes("theory", {"preset": "presets"})
    >>> getattr_("preset").__module__
    'theory.presets'
    >>> getattr_("nothing")
    Traceback (most recent call last):
    ...
    AttributeError: module 'theory' has no attribute 'nothing'
    """
    def __getattr__(name):
        if name not in table:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{table[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(table))

    clashes = {name for name, module in table.items() if module == name}
    if clashes:
        sys.modules[package]._submodule_names = frozenset(clashes)
        sys.modules[package].__class__ = _PublicNameFirst
    return __getattr__, __dir__
