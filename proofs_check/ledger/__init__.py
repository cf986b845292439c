"""The ledger: every claim of the literature the toolkit verifies, one module per source paper.

=========================  ======================================================================
module                     source
=========================  ======================================================================
``dey_donoho``             Dey & Donoho (2024), the pi^2/6 pathway and its universality
``gerstgrasser``           Gerstgrasser et al. (2024), OLS with a fixed design
``shumailov``              Shumailov et al. (2024), the Gaussian under discard
``kazdan``                 Kazdan et al. (2024), multivariate Gaussian, subsample, KDE
``bertrand``               Bertrand et al. (2024), a fixed real set plus synthetic data
``he_xu_cheng``            He, Xu & Cheng (2025), fresh real data with weighted synthetic data
``suresh``                 Suresh et al. (2024), absorption of Bernoulli and Poisson fits
``dohmatob``               Dohmatob et al. (2024), tail loss and the memoriser's scaling law
``ferbach``                Ferbach et al. (2024), curated retraining
``seddik``                 Seddik et al. (2024), the categorical model on synthetic data
``dohmatob_feng_kempe``    Dohmatob, Feng & Kempe (2024), ridge after a chain of synthetic labels
``garg_bhattacharya_sur``  Garg, Bhattacharya & Sur (2025), the golden share past interpolation
``strong_collapse``        Dohmatob, Feng, Subramonian & Kempe (2024), a biased generator's floor
=========================  ======================================================================

:data:`LEDGER` is the registry ``pi2over6 verify`` runs; :func:`register` adds a
claim of your own to it and :func:`verify_ledger` runs it from Python.

Examples
--------
>>> from proofs_check.ledger import LEDGER
>>> "augment-pi2over6-bound" in LEDGER and all(len(c.kinds) >= 2 for c in LEDGER)
True
"""

from __future__ import annotations

from ..claims import QUICK, Registry
from ..claims import verify as _verify
from . import (
    bertrand,
    dey_donoho,
    dohmatob,
    dohmatob_feng_kempe,
    ferbach,
    garg_bhattacharya_sur,
    gerstgrasser,
    he_xu_cheng,
    kazdan,
    seddik,
    shumailov,
    strong_collapse,
    suresh,
)

__all__ = ["LEDGER", "MODULES", "builtin_claims", "register", "verify_ledger"]

MODULES = (dey_donoho, gerstgrasser, shumailov, kazdan, bertrand, he_xu_cheng, suresh, dohmatob, seddik, ferbach,
           dohmatob_feng_kempe, garg_bhattacharya_sur, strong_collapse)


def builtin_claims():
    """A fresh list of every claim the toolkit ships, in ledger order."""
    return [claim for module in MODULES for claim in module.claims()]


LEDGER = Registry(builtin_claims())


def register(claim, replace=False):
    """Add ``claim`` to :data:`LEDGER` (the registry ``pi2over6 verify`` runs).

    Parameters
    ----------
    claim : Claim
        A claim with at least two kinds of evidence.
    replace : bool
        Replace a registered claim of the same id (an error otherwise).

    Returns
    -------
    Claim
    """
    return LEDGER.register(claim, replace=replace)


def verify_ledger(budget=QUICK, only=None, progress=None, registry=None, workers=1):
    """Verify the ledger (or the claims ``only`` names) under ``budget`` on ``workers`` processes.

    Parameters
    ----------
    budget : Budget
        :data:`~proofs_check.claims.QUICK` (default) or :data:`~proofs_check.claims.FULL`.
    only : sequence of str, optional
        Claim ids to run (all when None).
    progress : callable, optional
        Called with each finished :class:`~proofs_check.claims.ClaimResult`.
    registry : Registry, optional
        Claims to run instead of :data:`LEDGER`.
    workers : int
        Worker processes (1: every claim in this process); the results do not depend on it.

    Returns
    -------
    LedgerRun
    """
    return _verify((registry or LEDGER).select(only), budget, progress=progress, workers=workers)
