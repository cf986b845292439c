"""Running a list of claims: in parallel on worker processes, deterministic whatever their number.

:func:`verify` hands each claim, whole, to a worker (forked on Linux, so it starts with
everything this process imported); the claim's kinds of evidence run one after the
other there, sharing what they derive, and a ``finish`` hook (the report's figure
drawing) runs beside them. Results come back in the order the claims were given.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .budgets import QUICK, Budget
from .claims import FAIL, FAILED, KIND_TITLES, KINDS, NA, PASS, VERIFIED

__all__ = ["verify", "LedgerRun", "LedgerError"]


@dataclass(frozen=True)
class LedgerRun:
    """The outcome of verifying a list of claims under one budget.

    Attributes
    ----------
    results : tuple of ClaimResult
        One per claim, in the order given.
    budget : Budget
        The budget the claims ran under.
    seconds : float
        The wall time of the run.
    workers : int
        The worker processes it ran on.
    """

    results: tuple
    budget: Budget
    seconds: float
    workers: int = 1

    def _table(self):
        s = self.summary()
        title = (f"LedgerRun: {s['verified']} of {s['claims']} claims verified ({s['budget']} budget, "
                 f"seed {s['seed']}, {s['seconds']:.1f} s)")
        header = ["claim", *(KIND_TITLES[k] for k in KINDS), "status"]
        rows = [[r.claim.id, *(r.evidence[k].status for k in KINDS), r.status] for r in self.results]
        return header, rows, title

    def __repr__(self):
        from theory.display import text_table

        return text_table(*self._table())

    def _repr_html_(self):
        from theory.display import html_table

        return html_table(*self._table())

    @property
    def verified(self):
        """True when every claim is verified."""
        return bool(self.results) and all(r.verified for r in self.results)

    def summary(self):
        counts = {VERIFIED: 0, FAILED: 0}
        for r in self.results:
            counts[r.status] += 1
        per_kind = {kind: {s: sum(r.evidence[kind].status == s for r in self.results) for s in (PASS, FAIL, NA)}
                    for kind in KINDS}
        return {"claims": len(self.results), "verified": counts[VERIFIED], "failed": counts[FAILED],
                "all_verified": self.verified, "evidence": per_kind, "budget": self.budget.name,
                "seed": self.budget.seed, "seconds": round(self.seconds, 2), "workers": self.workers,
                "cpu_seconds": round(sum(r.cpu_seconds for r in self.results), 2),
                "replayed": sum(e.replayed is not None for r in self.results for e in r.evidence.values()),
                "failed_ids": [r.claim.id for r in self.results if not r.verified]}

    def to_json_dict(self):
        return {"claims": [r.to_json_dict() for r in self.results], "summary": self.summary()}


def verify(claims, budget=QUICK, progress=None, starting=None, *, workers=1, finish=None, cache=None):
    """Verify ``claims`` (a Registry or a list of Claim) under ``budget``, on ``workers`` processes.

    The results do not depend on the number of workers or on the order in which claims
    finish: every claim's evidence draws its random numbers from streams fixed by the
    master seed and the claim's id, and the results come back in the order given.
    Claims run whole in one worker, so what one kind of evidence derives and caches
    (``functools.cache``) the others reuse. Local workers are forked on Linux (they
    start with everything this process has imported) and spawned elsewhere; a claim
    whose evidence cannot be pickled (a lambda, say) runs in this process.

    Parameters
    ----------
    claims : Registry or sequence of Claim
    budget : Budget
    progress : callable, optional
        Called with each finished :class:`ClaimResult`, in the order they finish.
    starting : callable, optional
        Called with each claim when it is handed to a worker (or, serially, before it runs).
    workers : int
        Worker processes (1: every claim in this process, in order).
    finish : callable, optional
        ``finish(result) -> ClaimResult`` applied where each result was computed, before
        it comes back (e.g. :func:`proofs_check.report.render_claim_figures`); a
        module-level function.
    cache : EvidenceCache, optional
        Replay the symbolic and numeric evidence it kept and keep what passes
        (:mod:`proofs_check.evidence_cache`); None derives everything and keeps nothing.

    Returns
    -------
    LedgerRun

    Examples
    --------
    >>> from proofs_check.claims import Claim, Source, check
    >>> c = Claim("one-is-one", "One equals one.", "1 = 1", Source("A", 2024, "T"),
    ...           symbolic=lambda b: [check("1 == 1", 1 == 1)], numeric=lambda b: [check("1.0 == 1", 1.0 == 1)])
    >>> run = verify([c])
    >>> run.verified, run.summary()["verified"]
    (True, 1)
    >>> run
    LedgerRun: 1 of 1 claims verified (quick budget, seed 20241029, ... s)
    claim       symbolic  numeric  Monte Carlo  status
    one-is-one  pass      pass     n/a          verified
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    claims = list(claims)
    start = time.perf_counter()
    results = [None] * len(claims)

    def record(i, result):
        results[i] = result
        if progress is not None:
            progress(result)

    remote = [i for i, c in enumerate(claims) if _picklable(c)] if workers > 1 and len(claims) > 1 else []
    if remote:
        from numerics.executor import completed, open_executor

        def arguments(i):
            if starting is not None:
                starting(claims[i])
            return claims[i], budget, finish, cache

        def failure(i, err):
            return LedgerError(f"the worker verifying claim {claims[i].id!r} failed: {type(err).__name__}: {err}")

        with open_executor(min(workers, len(remote))) as (executor, window):
            for i, result in completed(executor, window, _verify_claim, remote, arguments, failure):
                record(i, result)
    for i in (i for i, r in enumerate(results) if r is None):
        if starting is not None:
            starting(claims[i])
        record(i, _verify_claim(claims[i], budget, finish, cache))
    return LedgerRun(tuple(results), budget, time.perf_counter() - start, max(1, min(workers, len(remote))))


class LedgerError(RuntimeError):
    """A ledger run that could not finish (a worker process died)."""


def _verify_claim(claim, budget, finish, cache):
    """One claim, in a worker or here: its evidence, then ``finish`` (a worker runs one BLAS thread)."""
    with _one_blas_thread():
        result = claim.verify(budget, cache)
        return result if finish is None else finish(result)


def _one_blas_thread():
    # Workers fill the cores already; a second BLAS thread each would only compete with them.
    import contextlib
    import multiprocessing

    if multiprocessing.parent_process() is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: without it BLAS keeps its threads
        return contextlib.nullcontext()
    return threadpool_limits(1)


def _picklable(claim):
    import pickle

    try:
        pickle.dumps(claim)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True
