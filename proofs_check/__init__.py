"""The claims ledger and the command line: every claim with its symbolic, high-precision
and Monte Carlo evidence, and reports.

The public names below load with their module on first use (:mod:`theory.lazy`), so
the command line starts without importing the ledger.

==============================  ===========================================================
writing a claim                 :class:`Claim`, :class:`Source`, :func:`check`,
                                :func:`close`, :func:`at_most`, :func:`agrees`,
                                :class:`Check`, :class:`Figure`, :class:`Budget`,
                                :class:`Tolerance`, :data:`QUICK`, :data:`FULL`
the ledger                      :data:`LEDGER`, :func:`register`, :func:`verify_ledger`,
                                :func:`verify`, :class:`Registry`
results and reports             :class:`LedgerRun`, :class:`ClaimResult`, :class:`Evidence`,
                                :func:`write_report`
==============================  ===========================================================

Examples
--------
>>> from proofs_check import LEDGER, Claim, Source, check, register
>>> len(LEDGER) >= 14 and "augment-pi2over6-bound" in LEDGER
True
"""

from theory.lazy import lazy_attributes

_PUBLIC = {
    # writing a claim
    "Claim": "claims", "Source": "claims", "check": "checks", "close": "checks", "at_most": "checks",
    "agrees": "checks", "Check": "checks", "Figure": "claims", "Budget": "claims", "QUICK": "claims",
    "FULL": "claims", "Tolerance": "budgets",
    # the ledger
    "LEDGER": "ledger", "register": "ledger", "verify_ledger": "ledger", "verify": "claims", "Registry": "claims",
    # results and reports
    "LedgerRun": "claims", "ClaimResult": "claims", "Evidence": "claims", "write_report": "report",
}

__all__ = list(_PUBLIC)
__getattr__, __dir__ = lazy_attributes(__name__, _PUBLIC)
