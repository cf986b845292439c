"""Values derived by SymPy, kept on disk so that a later process need not import SymPy to have them.

A prediction such as the asymptotic risk of the sample median (tr V = pi sigma^2/2)
or the exact moments of the Gaussian variance under discard is derived by SymPy:
importing it and deriving costs about a second, far more than a small simulation.
:func:`cached_derivation` runs a derivation once per version of the code and
keeps its value (numbers, exact fractions, lists and dicts of them) in a small
JSON file of its own, written atomically; every later call, in this or any other
process, reads it back.

The files belong to one version of the code: their folder's name carries a SHA-256
of the sources of the toolkit's packages (:mod:`theory`, and :mod:`numerics` and
:mod:`proofs_check` beside it, whose commands cache what they print) and of the
installed SymPy and mpmath versions, so editing the code or upgrading SymPy starts a
new folder (the oldest beyond :data:`KEEP` are removed). Values are data, read back with
:mod:`json` and :class:`fractions.Fraction`: nothing from a file is evaluated.

The folder is ``$PI2OVER6_CACHE_DIR`` if set (an empty value turns the disk
cache off), else ``$XDG_CACHE_HOME/pi2over6`` or ``~/.cache/pi2over6``. A
folder that cannot be written only costs the derivation again.

Examples
--------
>>> from fractions import Fraction
>>> calls = []
>>> def derive():
...     calls.append(1)
...     return {"risk": [Fraction(1, 3), 0.25]}
>>> cached_derivation("example", ("poisson", {"lam": 1.0}), derive)
{'risk': [Fraction(1, 3), 0.25]}
>>> again = cached_derivation("example", ("poisson", {"lam": 1.0}), derive)
>>> again == {"risk": [Fraction(1, 3), 0.25]}, len(calls) <= 1
(True, True)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from fractions import Fraction
from importlib.util import find_spec
from pathlib import Path

__all__ = ["cached_derivation", "cache_folder", "KEEP"]

_PREFIX = "derived-"
PACKAGES = ("theory", "numerics", "proofs_check")
"""The packages whose sources make the version of the cached values (those present are read)."""

KEEP = 8
"""How many versions' folders the cache keeps (the most recently created)."""

_memory: dict = {}          # (kind, key) -> encoded value, this process's view
_state: dict = {}           # "fingerprint"


def cache_folder():
    """The folder of the cache, or None when the disk cache is off (``PI2OVER6_CACHE_DIR=""``).

    Returns
    -------
    pathlib.Path or None
    """
    configured = os.environ.get("PI2OVER6_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pi2over6"


def _fingerprint():
    """SHA-256 of the toolkit's sources and of SymPy's and mpmath's versions."""
    if "fingerprint" not in _state:
        digest = hashlib.sha256()
        root = Path(__file__).resolve().parents[1]
        for package in PACKAGES:
            for path in sorted((root / package).rglob("*.py")):
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
        for name, version_file in (("sympy", "release.py"), ("mpmath", "__init__.py")):
            spec = find_spec(name)   # locates the package without importing it
            if spec is not None and spec.origin:
                digest.update(name.encode())
                digest.update((Path(spec.origin).parent / version_file).read_bytes())
        _state["fingerprint"] = digest.hexdigest()[:16]
    return _state["fingerprint"]


def _encode(value):
    if isinstance(value, Fraction):
        return {"fraction": f"{value.numerator}/{value.denominator}"}
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: _encode(v) for k, v in value.items()}}
    raise TypeError(f"a cached derivation holds numbers, fractions, strings, lists and dicts, "
                    f"got {type(value).__name__} {value!r}")


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if "fraction" in value:
            return Fraction(value["fraction"])
        return {k: _decode(v) for k, v in value["dict"].items()}
    return value


def _entry_path(kind, key_text):
    folder = cache_folder()
    if folder is None:
        return None
    name = hashlib.sha256(f"{kind}\n{key_text}".encode()).hexdigest()[:32]
    return folder / f"{_PREFIX}{_fingerprint()}" / f"{name}.json"


def _read(path, kind, key_text):
    """The encoded value stored for (kind, key) at ``path``, or None."""
    try:
        entry = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("kind") != kind or entry.get("key") != key_text:
        return None
    return entry.get("value")


def _write(path, kind, key_text, encoded):
    try:
        new_version = not path.parent.is_dir()
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".tmp-", suffix=".json",
                                         delete=False) as handle:
            json.dump({"kind": kind, "key": key_text, "value": encoded}, handle)
        os.replace(handle.name, path)   # atomic: a reader sees no file or the whole entry
        if new_version:
            versions = sorted(path.parent.parent.glob(f"{_PREFIX}*"), key=lambda p: p.stat().st_mtime,
                              reverse=True)
            for stale in versions[KEEP:]:
                shutil.rmtree(stale, ignore_errors=True)
    except OSError:
        pass    # a read-only or full disk: the value is derived again next time


def cached_derivation(kind, key, derive):
    """``derive()``, computed once per version of the code and ``(kind, key)``, then read back.

    Parameters
    ----------
    kind : str
        What is derived (one namespace of keys), e.g. ``"natural-covariance-trace"``.
    key : JSON-able
        What the value depends on besides the code: model name, validated
        parameters, sizes (numbers, strings, lists, dicts with string keys).
    derive : callable
        Computes the value: a number, a Fraction, a string, None, or lists and
        dicts (string keys) of those. Tuples come back as lists.

    Returns
    -------
    The value, from this process's memory, the disk cache or ``derive()``.
    """
    key_text = json.dumps(_encode(key), sort_keys=True, separators=(",", ":"))
    if (kind, key_text) not in _memory:
        path = _entry_path(kind, key_text)
        encoded = None if path is None else _read(path, kind, key_text)
        if encoded is None:
            encoded = _encode(derive())
            if path is not None:
                _write(path, kind, key_text, encoded)
        _memory[kind, key_text] = encoded
    return _decode(_memory[kind, key_text])
