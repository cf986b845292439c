"""Package attributes that load with their submodule on first access (PEP 562).

Examples
--------
>>> import theory.models
>>> "std_normal_moment" in dir(theory.models)
True
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["lazy_attributes"]


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
    """
    def __getattr__(name):
        if name not in table:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{table[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(table))

    return __getattr__, __dir__
