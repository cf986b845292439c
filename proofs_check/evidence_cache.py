"""Derived evidence, kept: symbolic and numeric evidence derived once and replayed while nothing it rests on changes.

Symbolic evidence (SymPy, exact arithmetic) and numeric evidence (mpmath at a fixed
precision) are deterministic: the same code, the same libraries and the same master
seed give the same checks, digit for digit. So ``pi2over6 verify`` keeps each one
that passed under a key made of

- a digest of every file of the toolkit's packages (``theory``, ``numerics``,
  ``proofs_check``: the evidence functions and everything they call),
- the versions of Python and of the libraries that compute (numpy, scipy, sympy,
  mpmath, python-flint) and the machine's architecture,
- the claim's id, the kind of evidence, the evidence function's module and name, and
  the budget (its name and master seed),

and any change to any of them derives that evidence again. Monte Carlo evidence is
never kept: it is drawn afresh on every run. Only evidence functions defined in the
toolkit's packages are kept (their code is in the digest); a claim of your own is
derived every time. The report's figures are kept too, under a digest of their data
(:meth:`EvidenceCache.drawn`): the same data is not drawn twice. Replayed evidence
says when it was derived and how long that took
(:attr:`proofs_check.claims.Evidence.replayed`); ``pi2over6 verify --fresh`` derives
everything again and refreshes what is kept.

The folder is the toolkit's cache (:func:`theory.derivation_cache.cache_folder`:
``$PI2OVER6_CACHE_DIR``, else ``$XDG_CACHE_HOME/pi2over6``, else ``~/.cache/pi2over6``;
an empty ``PI2OVER6_CACHE_DIR`` turns keeping off). Each version of the toolkit's
files keeps its entries in a folder of its own, ``evidence-<digest>``, and only the
:data:`KEEP` most recent such folders are kept. Entries are JSON files, each written
whole to a temporary name and renamed into place, so concurrent and interrupted runs
leave no partial entry; an entry that cannot be read is derived again.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import importlib.util
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

__all__ = ["EvidenceCache", "CACHED_KINDS", "KEEP", "toolkit_digest", "default_folder"]

CACHED_KINDS = ("symbolic", "numeric")
PACKAGES = ("theory", "numerics", "proofs_check")
LIBRARIES = ("numpy", "scipy", "sympy", "mpmath", "python-flint")
FORMAT = 1   # of the entries: a new layout is a new key
KEEP = 4
"""How many versions of the toolkit keep their evidence (the folders used most recently)."""
_PREFIX = "evidence-"


@functools.cache
def toolkit_digest():
    """SHA-256 of every file (path and bytes) of the toolkit's packages, compiled caches excepted."""
    h = hashlib.sha256()
    for package in PACKAGES:
        spec = importlib.util.find_spec(package)
        for root in spec.submodule_search_locations or ():
            root = Path(root)
            for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
                h.update(f"{package}/{path.relative_to(root).as_posix()}\0".encode())
                h.update(path.read_bytes())
                h.update(b"\0")
    return h.hexdigest()


@functools.cache
def _environment():
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return {"python": sys.version, "machine": platform.machine(), "libraries": found}


def default_folder():
    """The toolkit's cache folder (``$PI2OVER6_CACHE_DIR`` and its defaults), or None when it is turned off."""
    from theory.derivation_cache import cache_folder

    return cache_folder()


class EvidenceCache:
    """Where verified symbolic and numeric evidence is kept between runs (see the module docstring).

    Parameters
    ----------
    folder : path-like
    read : bool
        Replay kept evidence (False: derive everything, as ``verify --fresh``).
    write : bool
        Keep what passes.

    Examples
    --------
    >>> import tempfile
    >>> from proofs_check.claims import QUICK
    >>> from proofs_check.ledger import LEDGER
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     cache = EvidenceCache(folder)
    ...     first = LEDGER["workflow-framework"].verify(QUICK, cache=cache)
    ...     again = LEDGER["workflow-framework"].verify(QUICK, cache=cache)
    >>> first.evidence["symbolic"].replayed is None, again.evidence["symbolic"].replayed is not None
    (True, True)
    >>> again.evidence["monte_carlo"].replayed is None   # Monte Carlo evidence is drawn on every run
    True
    """

    def __init__(self, folder, read=True, write=True):
        self.folder = Path(folder)
        self.read, self.write = bool(read), bool(write)
        self._ready = False

    @property
    def version_folder(self):
        """Where this version of the toolkit keeps its entries: ``evidence-<digest>`` in :attr:`folder`."""
        return self.folder / f"{_PREFIX}{toolkit_digest()[:16]}"

    def _prepare(self, folder):
        """Create ``folder`` (a new version's, the first time) and drop all but the :data:`KEEP` latest versions."""
        new = not self._ready and not self.version_folder.is_dir()
        folder.mkdir(parents=True, exist_ok=True)
        self._ready = True
        if new:
            def used(path):
                try:
                    return path.stat().st_mtime
                except OSError:
                    return 0.0

            versions = sorted(self.folder.glob(f"{_PREFIX}*"), key=used, reverse=True)
            for stale in versions[KEEP:]:
                shutil.rmtree(stale, ignore_errors=True)

    @classmethod
    def default(cls, fresh=False):
        """The cache of :func:`default_folder` (None when turned off); ``fresh`` derives everything again."""
        folder = default_folder()
        return None if folder is None else cls(folder, read=not fresh)

    def __repr__(self):
        return f"EvidenceCache({str(self.folder)!r}, read={self.read}, write={self.write})"

    def key(self, claim, kind, budget):
        """The entry's key, or None when this evidence is not kept (Monte Carlo, or code outside the toolkit)."""
        function = getattr(claim, kind, None)
        if kind not in CACHED_KINDS or function is None:
            return None
        module, name = getattr(function, "__module__", None) or "", getattr(function, "__qualname__", "")
        if module.split(".")[0] not in PACKAGES or not name or "<" in name:
            return None
        payload = json.dumps([FORMAT, toolkit_digest(), _environment(), claim.id, kind, module, name, budget.name,
                              budget.seed], sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def _path(self, key):
        return self.version_folder / f"{key}.json"

    def get(self, claim, kind, budget):
        """The kept :class:`~proofs_check.claims.Evidence` of this claim and kind, or None."""
        key = self.key(claim, kind, budget) if self.read else None
        if key is None:
            return None
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            return _decode(data, kind)
        except (OSError, ValueError, KeyError, TypeError):
            return None   # missing or unreadable: derive it again

    def put(self, claim, kind, budget, evidence):
        """Keep ``evidence`` if it passed and is of a kind that is kept; failures are never kept."""
        from .claims import PASS

        key = self.key(claim, kind, budget) if self.write else None
        if key is None or evidence.status != PASS or evidence.replayed is not None:
            return
        try:
            text = json.dumps(_encode(evidence))
            target = self._path(key)
            self._prepare(target.parent)
            fd, temporary = tempfile.mkstemp(prefix=".entry-", dir=target.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(temporary, target)
        except (OSError, TypeError, ValueError):
            return   # a folder we cannot write, or data JSON cannot hold: keep nothing

    def drawn(self, spec, draw):
        """``draw(spec)``, the files of a figure (bytes by extension), kept under a digest of its data.

        A figure's files are a function of its data, the toolkit's code and matplotlib's
        version; the same data (a Monte Carlo run repeated with the same seed) is not
        drawn twice.
        """
        from dataclasses import asdict

        import matplotlib

        try:
            payload = json.dumps([FORMAT, toolkit_digest(), matplotlib.__version__, asdict(spec)], sort_keys=True)
        except (TypeError, ValueError):
            return draw(spec)
        key = hashlib.sha256(payload.encode()).hexdigest()
        stem = self.version_folder / "figures" / key
        try:
            kept = {ext: (stem.parent / f"{key}.{ext}").read_bytes() for ext in ("png", "pdf")}
            if all(kept.values()):
                return kept
        except OSError:
            pass
        files = draw(spec)
        if self.write:
            try:
                self._prepare(stem.parent)
                for ext, data in files.items():
                    fd, temporary = tempfile.mkstemp(prefix=".entry-", dir=stem.parent)
                    with os.fdopen(fd, "wb") as f:
                        f.write(data)
                    os.replace(temporary, stem.parent / f"{key}.{ext}")
            except OSError:
                pass
        return files


def _encode(evidence):
    from dataclasses import asdict

    return {"kind": evidence.kind, "status": evidence.status, "seconds": evidence.seconds,
            "derived": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "checks": [{"what": c.what, "passed": c.passed, "details": c.details} for c in evidence.checks],
            "figures": [asdict(f) for f in evidence.figures]}


def _decode(data, kind):
    from .claims import PASS, Check, Evidence, Figure

    if data["kind"] != kind or data["status"] != PASS:
        raise ValueError(f"a kept entry of kind {data['kind']!r} and status {data['status']!r} for {kind!r}")
    checks = tuple(Check(c["what"], bool(c["passed"]), dict(c["details"])) for c in data["checks"])
    if not checks or not all(c.passed for c in checks):
        raise ValueError("a kept entry must hold passing checks")

    def rows(items):
        return tuple(tuple(item) for item in items)

    figures = tuple(Figure(f["name"], f["title"], f["xlabel"], f["ylabel"], rows(f["curves"]), rows(f["points"]),
                           bool(f["logy"]), rows(f["hlines"])) for f in data["figures"])
    return Evidence(kind, PASS, checks, figures, 0.0, None,
                    replayed={"derived": str(data["derived"]), "seconds": float(data["seconds"])})
