"""The claims ledger and the command line: every claim with its symbolic, high-precision
and Monte Carlo evidence, and reports.

The public names are loaded on first use, so the command line starts without
importing the ledger.

Examples
--------
>>> from proofs_check import LEDGER, Claim, Source, check, register
>>> len(LEDGER) >= 14 and "augment-pi2over6-bound" in LEDGER
True
"""

import importlib

_PUBLIC = {
    ".claims": ["FULL", "QUICK", "Budget", "Check", "Claim", "ClaimResult", "Evidence", "Figure", "LedgerRun",
                "Registry", "Source", "agrees", "at_most", "check", "close", "ratio_stderr", "verify"],
    ".ledger": ["LEDGER", "builtin_claims", "register", "verify_ledger"],
    ".report": ["write_report"],
}
_WHERE = {name: module for module, names in _PUBLIC.items() for name in names}

__all__ = [name for names in _PUBLIC.values() for name in names]


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
