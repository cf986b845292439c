"""Claims, evidence and the registry: the framework decides claims and says why they fail."""

import math

import mpmath
import pytest
import sympy as sp

from proofs_check.claims import (
    FAIL,
    FULL,
    NA,
    PASS,
    QUICK,
    REPLICATES,
    RESOLUTION,
    Budget,
    Claim,
    Registry,
    Source,
    Tolerance,
    agrees,
    at_most,
    check,
    close,
    ratio_stderr,
    run_evidence,
    verify,
)
from theory import preset
from theory.closed_form import closed_form

SOURCE = Source("Tester", 2024, "A paper", "Sec. 1")


def passing(budget):
    yield check("one is one", 1 == 1, value=1)


def claim(**kwargs):
    base = {"id": "a-claim", "statement": "A statement.", "latex": "1 = 1", "source": SOURCE,
            "symbolic": passing, "numeric": passing}
    return Claim(**{**base, **kwargs})


# ------------------------------------------------------------------ claims are validated on construction
@pytest.mark.parametrize("kwargs, message", [
    ({"id": "has space"}, "claim id is a non-empty word without spaces, got 'has space'"),
    ({"statement": "  "}, "claim 'a-claim' needs a non-empty statement, got '  '"),
    ({"latex": ""}, "claim 'a-claim' needs a non-empty latex, got ''"),
])
def test_claim_rejects_missing_parts(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        claim(**kwargs)


def test_claim_needs_a_source_object_and_callable_evidence():
    with pytest.raises(TypeError, match="source must be a Source, got 'Dey'"):
        claim(source="Dey")
    with pytest.raises(TypeError, match="symbolic evidence must be callable, got 3"):
        claim(symbolic=3)
    with pytest.raises(TypeError, match="year must be an integer, got '2024'"):
        Source("A", "2024", "T")


def test_source_citations():
    assert SOURCE.cite() == "Tester 2024, Sec. 1"
    assert Source("A & B", 2025, "Title", reference="arXiv:1").full() == "A & B (2025), Title, arXiv:1"


# ------------------------------------------------------------------ evidence
def test_evidence_passes_fails_or_is_not_applicable():
    assert run_evidence("symbolic", passing, QUICK).status == PASS
    assert run_evidence("numeric", None, QUICK).status == NA
    failing = run_evidence("numeric", lambda b: [check("two is three", 2 == 3, left=2, right=3)], QUICK)
    assert failing.status == FAIL
    assert failing.summary == "0/1 checks hold; failed: two is three (left=2, right=3)"


def test_evidence_without_checks_fails():
    empty = run_evidence("symbolic", lambda b: [], QUICK)
    assert empty.status == FAIL and empty.summary == "no check was made"


def test_an_exception_fails_the_evidence_and_is_the_reason():
    def broken(budget):
        yield check("first", True)
        raise ZeroDivisionError("division by zero in the derivation")

    e = run_evidence("symbolic", broken, QUICK)
    assert e.status == FAIL
    assert e.error == "ZeroDivisionError: division by zero in the derivation"
    assert len(e.checks) == 1 and e.summary.startswith("error: ZeroDivisionError")


def test_evidence_must_yield_checks_or_figures():
    e = run_evidence("symbolic", lambda b: ["not a check"], QUICK)
    assert e.status == FAIL and "evidence must yield Check or Figure objects" in e.error


def test_a_claim_is_verified_only_when_every_kind_passes():
    assert claim().verify().status == "verified"
    mixed = claim(numeric=lambda b: [check("false", False)])
    result = mixed.verify()
    assert result.status == "failed"
    assert result.evidence["symbolic"].status == PASS and result.evidence["monte_carlo"].status == NA


def test_result_json_follows_the_design_contract():
    data = claim().verify().to_json_dict()
    assert {"id", "statement", "source", "evidence", "status"} <= set(data)
    assert set(data["evidence"]) == {"symbolic", "numeric", "monte_carlo"}
    assert data["evidence"]["monte_carlo"]["status"] == "n/a"
    assert data["evidence"]["symbolic"]["details"][0] == {"what": "one is one", "status": "pass",
                                                          "details": {"value": 1}}


# ------------------------------------------------------------------ the check builders
def test_close_and_at_most_work_at_high_precision():
    with mpmath.workdps(60):
        third = mpmath.mpf(1) / 3
        assert close("1/3", third, sp.Rational(1, 3), mpmath.mpf(10) ** -55).passed
        assert not close("1/3", third + mpmath.mpf(10) ** -40, sp.Rational(1, 3), mpmath.mpf(10) ** -55).passed
    verdict = at_most("R_10 <= 3/2", sp.harmonic(10, 2), sp.Rational(3, 2))
    assert not verdict.passed and verdict.details["bound"] == "3/2"
    assert float(verdict.details["slack"]) == pytest.approx(1.5 - 1.5497677311665408, abs=1e-12)


def test_agrees_states_and_applies_the_tolerance_policy():
    # Tolerance k SE + allowance + relative |target|, entry by entry.
    c = agrees("m", [1.0, 2.3], [0.1, 0.1], [1.0, 2.0], k=2, allowance=0.05, relative=0.05, exact=False)
    assert c.passed  # 0.3 <= 0.2 + 0.05 + 0.1
    assert c.details["tolerance"] == [0.3, 0.35]
    assert "2 SE + 0.05 + 0.05|target|" in c.details["policy"]
    tight = agrees("m", [1.0, 2.3], [0.1, 0.1], [1.0, 2.0], k=2, exact=True)
    assert not tight.passed and tight.details["worst"]["at"] == 2
    with pytest.raises(ValueError, match="an exact target needs no finite-n allowance, got allowance=0.1"):
        agrees("m", [1.0], [0.1], [1.0], allowance=0.1, exact=True)
    with pytest.raises(ValueError, match="same shape"):
        agrees("m", [1.0, 2.0], [0.1], [1.0], exact=True)
    assert not agrees("m", [math.nan], [0.1], [1.0], exact=True).passed


def test_ratio_standard_errors_are_the_ones_of_figures_and_sweeps():
    # one standard error of a ratio everywhere (tested against the spread of independent runs in numerics)
    from numerics.uncertainty import ratio_stderr as the_one

    assert ratio_stderr is the_one


# ------------------------------------------------------------------ budgets
def test_budgets():
    assert all(FULL.replicates(c) >= 10 * QUICK.replicates(c) for c in REPLICATES)
    assert QUICK.for_claim("x").stream("a") != QUICK.for_claim("y").stream("a")
    with pytest.raises(ValueError, match="budget must be 'quick' or 'full', got 'huge'"):
        Budget("huge")
    with pytest.raises(ValueError, match="the master seed must be a non-negative integer, got -1"):
        Budget("quick", -1)
    with pytest.raises(ValueError, match="cost must be one of cheap, points, iterative, process, got 'free'"):
        QUICK.replicates("free")


def test_replicates_follow_the_tolerance():
    # k SE = k spread / sqrt(R) within max(resolution, allowance): R = (k spread / width)^2, up to a whole block
    def expected(spread, width, k=4.0):
        return math.ceil((k * spread / width) ** 2 / 250) * 250

    assert QUICK.replicates_for(Tolerance("cheap"), [1.0, 1.41]) == expected(1.41, RESOLUTION["cheap"])
    assert QUICK.replicates_for(Tolerance("iterative", k=3), [0.8]) == expected(0.8, RESOLUTION["iterative"], k=3)
    # an allowance wider than the resolution is the width; a narrower one changes nothing
    assert QUICK.replicates_for(Tolerance("cheap", relative=0.06), [1.41]) == expected(1.41, 0.06)
    assert QUICK.replicates_for(Tolerance("cheap", relative=0.01), [1.41]) == expected(1.41, RESOLUTION["cheap"])
    assert QUICK.replicates_for(Tolerance("cheap", relative=(0.0, 0.3)), [0.1, 5.0]) == expected(5.0, 0.3)
    # the full budget resolves sqrt(10) times finer: ten times the replicates
    assert FULL.replicates_for(Tolerance("points"), [1.2]) == expected(1.2, RESOLUTION["points"] / math.sqrt(10))
    # bounds: the pilot at least, four times the fixed count at most (or the tolerance's own); NaN ignored
    assert QUICK.replicates_for(Tolerance("iterative"), [0.01, math.nan]) == 500
    assert QUICK.replicates_for(Tolerance("iterative"), [50.0]) == 4 * REPLICATES["iterative"][0]
    assert QUICK.replicates_for(Tolerance("iterative", at_least=1000, at_most=1200), [50.0]) == 1250
    assert QUICK.replicates_for(Tolerance("iterative", at_least=1000), [0.01]) == 1000


@pytest.mark.parametrize("kwargs, message", [
    ({"cost": "free"}, "cost must be one of cheap, points, iterative, process, got 'free'"),
    ({"cost": "cheap", "relative": -0.1}, "relative allowances must be finite and non-negative, got -0.1"),
    ({"cost": "cheap", "k": 0}, "k must be a positive number of standard errors, got 0"),
    ({"cost": "cheap", "at_most": 0}, "at_most must be a positive integer, got 0"),
])
def test_bad_tolerances_are_refused_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Tolerance(**kwargs)


def test_a_run_sized_by_its_tolerance_is_the_run_of_that_many_replicates_and_meets_it():
    from numerics.montecarlo import SimulationConfig, simulate
    from proofs_check.ledger._common import simulate as ledger_simulate
    from proofs_check.ledger._common import simulated_ratios

    budget = QUICK.for_claim("tolerance-test")
    tolerance = Tolerance("cheap", relative=0.05)
    res = ledger_simulate("exponential", {"rate": 1}, "augment", 50, 4, tolerance, budget, "t")
    R = res.config.replicates
    assert R > 500 and R % 250 == 0 and not res.exact
    # the pilot's blocks and the rest aggregate to exactly what one run of R replicates gives
    again = simulate(SimulationConfig("exponential", {"rate": 1}, "augment", 50, 4, R), budget.seed, progress=False,
                     stream=budget.stream("t", "exponential", "augment", 50))
    assert res.metrics == again.metrics and res.theory == again.theory
    # and it meets its tolerance: 4 SE of every R_k within the 5% allowance (the pilot's spread is an
    # estimate: 10% slack on the standard error)
    ratio, rse = simulated_ratios(res)
    assert all(4 * rse[1:] / ratio[1:] <= 0.05 * 1.1)
    assert 4 * rse[1] / ratio[1] > 0.05 * 0.5   # and is not far finer than it needs


def test_parallel_verify_gives_the_serial_results_in_order():
    from proofs_check.ledger import LEDGER

    def plain(run):
        data = run.to_json_dict()
        for c in data["claims"]:
            c.pop("seconds"), c.pop("cpu_seconds")
            for e in c["evidence"].values():
                e.pop("seconds")
        for key in ("seconds", "cpu_seconds", "workers"):
            data["summary"].pop(key)
        return data

    claims = [LEDGER["workflow-framework"], claim(id="local", numeric=lambda b: [check("a lambda", True)]),
              LEDGER["discard-absorption"]]
    seen, started = [], []
    parallel = verify(claims, workers=2, progress=lambda r: seen.append(r.claim.id),
                      starting=lambda c: started.append(c.id))
    serial = verify(claims)
    assert parallel.workers == 2 and serial.workers == 1
    assert plain(parallel) == plain(serial) and parallel.verified
    assert sorted(seen) == sorted(started) == sorted(c.id for c in claims)
    with pytest.raises(ValueError, match="workers must be a positive integer, got 0"):
        verify(claims, workers=0)


# ------------------------------------------------------------------ the registry
def test_registry_keeps_order_and_rejects_duplicates_and_thin_claims():
    reg = Registry()
    reg.register(claim(id="b"))
    reg.register(claim(id="a"))
    assert reg.ids == ["b", "a"] and [c.id for c in reg.select(["a", "b"])] == ["b", "a"]
    with pytest.raises(ValueError, match="a claim with id 'a' is already registered"):
        reg.register(claim(id="a"))
    with pytest.raises(ValueError, match=r"claim 'thin' has 1 kind\(s\) of evidence \(symbolic\)"):
        reg.register(claim(id="thin", numeric=None))
    with pytest.raises(ValueError, match="unknown claim id\\(s\\) 'zzz'; known ids: b, a"):
        reg.select(["zzz"])
    reg.unregister("b")
    assert reg.ids == ["a"]


def test_verify_reports_progress_and_summary():
    seen, started = [], []
    run = verify([claim(id="x"), claim(id="y", numeric=lambda b: [check("no", False)])], progress=seen.append,
                 starting=lambda c: started.append(c.id))
    assert [r.claim.id for r in seen] == ["x", "y"] and started == ["x", "y"]
    summary = run.summary()
    assert (summary["verified"], summary["failed"], summary["failed_ids"]) == (1, 1, ["y"])
    assert not run.verified and summary["evidence"]["numeric"] == {"pass": 1, "fail": 1, "n/a": 0}


# ------------------------------------------------------------------ a wrong claim fails, with the reason
def wrong_augment_claim():
    """'augment is bounded by 1.5': false (sum 1/j^2 passes 1.5 at k = 7); its evidence must say so."""
    bound = sp.Rational(3, 2)

    def symbolic(budget):
        cf = closed_form("augment")
        yield at_most("lim R_k <= 3/2 (from the proved closed form)", cf.limit, bound, limit=cf.limit)

    def numeric(budget):
        from numerics.precision import ratios_mp

        with mpmath.workdps(60):
            values = ratios_mp(preset("augment", 20), 60)
            yield at_most("max_k<=20 R_k <= 3/2 at 60 digits", max(values), bound)

    def monte_carlo(budget):
        from numerics.gp_simulator import simulate_gp

        res = simulate_gp(preset("augment", 20), 40000, budget.seed, stream=budget.stream("wrong"))
        # One-sided: the bound is refuted when the estimate exceeds it by more than 4 standard errors.
        yield at_most("simulated R_20 - 4 SE <= 3/2", res.ratios[-1] - 4 * res.stderr[-1], bound)

    return Claim("augment-below-1.5", "Under augment the risk ratio stays below 1.5.", r"R_k < \tfrac32",
                 Source("Nobody", 2024, "A wrong claim"), symbolic=symbolic, numeric=numeric,
                 monte_carlo=monte_carlo)


def test_a_deliberately_wrong_claim_fails_with_evidence_that_says_why():
    result = wrong_augment_claim().verify(QUICK)
    assert result.status == "failed"
    for kind in ("symbolic", "numeric", "monte_carlo"):
        assert result.evidence[kind].status == FAIL, kind
    symbolic = result.evidence["symbolic"]
    assert symbolic.checks[0].details["value"] == "pi**2/6" and symbolic.checks[0].details["bound"] == "3/2"
    assert "exceeds bound 3/2" in symbolic.summary
    numeric = result.evidence["numeric"].checks[0].details
    assert float(numeric["value"]) == pytest.approx(float(sp.harmonic(20, 2)), abs=1e-15)
    assert float(numeric["slack"]) < 0


# ------------------------------------------------------------------ the evidence cache
def _without_timing(result):
    data = result.to_json_dict()
    data.pop("seconds"), data.pop("cpu_seconds")
    for e in data["evidence"].values():
        e.pop("seconds"), e.pop("replayed", None)
    return data


def test_kept_evidence_is_replayed_as_derived_and_monte_carlo_is_drawn_again(tmp_path):
    from proofs_check.evidence_cache import EvidenceCache
    from proofs_check.ledger import LEDGER

    claim_ = LEDGER["workflow-framework"]
    cache = EvidenceCache(tmp_path)
    first = claim_.verify(QUICK, cache)
    again = claim_.verify(QUICK, cache)
    assert [first.evidence[k].replayed for k in ("symbolic", "numeric", "monte_carlo")] == [None] * 3
    assert again.evidence["symbolic"].replayed["seconds"] == pytest.approx(first.evidence["symbolic"].seconds)
    assert again.evidence["numeric"].replayed is not None and again.evidence["monte_carlo"].replayed is None
    assert _without_timing(again) == _without_timing(first)   # the same checks, the same numbers
    assert len(list(cache.version_folder.glob("*.json"))) == 2
    # another master seed, budget or claim is another key; so is any change to the toolkit's files
    assert claim_.verify(Budget("quick", 7), cache).evidence["symbolic"].replayed is None
    assert claim_.verify(FULL, cache).evidence["symbolic"].replayed is None
    # reading switched off (verify --fresh): derived again
    assert claim_.verify(QUICK, EvidenceCache(tmp_path, read=False)).evidence["symbolic"].replayed is None


def test_the_key_follows_the_toolkit_and_its_libraries(tmp_path, monkeypatch):
    from proofs_check import evidence_cache
    from proofs_check.evidence_cache import EvidenceCache, toolkit_digest
    from proofs_check.ledger import LEDGER

    claim_ = LEDGER["workflow-framework"]
    cache = EvidenceCache(tmp_path)
    key = cache.key(claim_, "symbolic", QUICK)
    assert len(toolkit_digest()) == 64 and key == cache.key(claim_, "symbolic", QUICK)
    monkeypatch.setattr(evidence_cache, "toolkit_digest", lambda: "0" * 64)
    assert cache.key(claim_, "symbolic", QUICK) != key
    monkeypatch.undo()
    monkeypatch.setattr(evidence_cache, "_environment", lambda: {"libraries": {"sympy": "0.0"}})
    assert cache.key(claim_, "symbolic", QUICK) != key
    assert cache.key(claim_, "monte_carlo", QUICK) is None


def test_failures_code_outside_the_toolkit_and_damaged_entries_are_never_replayed(tmp_path):
    import json

    from proofs_check.claims import Evidence
    from proofs_check.evidence_cache import EvidenceCache
    from proofs_check.ledger import LEDGER

    cache = EvidenceCache(tmp_path)
    folder = cache.version_folder
    # evidence functions of this test module (outside the toolkit's packages) are derived every time
    mine = claim(id="mine")
    assert cache.key(mine, "symbolic", QUICK) is None
    mine.verify(QUICK, cache)
    assert not folder.exists()
    # a failed evidence is not kept
    real, budget = LEDGER["discard-absorption"], QUICK.for_claim("discard-absorption")
    cache.put(real, "symbolic", budget, Evidence("symbolic", FAIL, (check("a failure", False),)))
    assert not folder.exists()
    # a damaged entry is derived again (and kept again)
    real.verify(QUICK, cache)
    entries = sorted(folder.glob("*.json"))
    assert len(entries) == 2
    good = entries[0].read_text()
    entries[0].write_text("{not json")
    assert sum(e.replayed is not None for e in real.verify(QUICK, cache).evidence.values()) == 1
    assert entries[0].read_text() != "{not json"
    # an entry whose checks do not all pass is refused
    data = json.loads(good)
    data["checks"][0]["passed"] = False
    for path in entries:
        path.write_text(json.dumps(data))
    assert all(e.replayed is None for e in real.verify(QUICK, cache).evidence.values())


def test_the_cache_lives_in_the_toolkits_folder_and_keeps_the_latest_versions(tmp_path, monkeypatch):
    import os

    from proofs_check import evidence_cache
    from proofs_check.evidence_cache import KEEP, EvidenceCache
    from proofs_check.ledger import LEDGER

    monkeypatch.setenv("PI2OVER6_CACHE_DIR", str(tmp_path))
    assert EvidenceCache.default().folder == tmp_path
    monkeypatch.setenv("PI2OVER6_CACHE_DIR", "")
    assert EvidenceCache.default() is None
    # older versions of the toolkit: KEEP + 2 folders, each used before the last
    for i in range(KEEP + 2):
        old = tmp_path / f"evidence-old{i}"
        old.mkdir()
        os.utime(old, (1000 + i, 1000 + i))
    claim_ = LEDGER["workflow-framework"]
    EvidenceCache(tmp_path).put(claim_, "symbolic", QUICK.for_claim(claim_.id),
                                claim_.verify(QUICK).evidence["symbolic"])
    kept = sorted(p.name for p in tmp_path.glob("evidence-*"))
    assert len(kept) == KEEP and EvidenceCache(tmp_path).version_folder.name in kept
    assert [f"evidence-old{i}" for i in range(KEEP + 2 - (KEEP - 1), KEEP + 2)] == [k for k in kept if "old" in k]
    # an unchanged toolkit reuses its folder and removes nothing
    monkeypatch.setattr(evidence_cache, "KEEP", 1)
    EvidenceCache(tmp_path).put(claim_, "numeric", QUICK.for_claim(claim_.id), claim_.verify(QUICK).evidence["numeric"])
    assert len(list(tmp_path.glob("evidence-*"))) == KEEP


def test_parallel_workers_share_the_cache(tmp_path):
    from proofs_check.evidence_cache import EvidenceCache
    from proofs_check.ledger import LEDGER

    cache = EvidenceCache(tmp_path)
    claims = [LEDGER["workflow-framework"], LEDGER["discard-absorption"]]
    first = verify(claims, workers=2, cache=cache)
    again = verify(claims, workers=2, cache=cache)
    assert first.summary()["replayed"] == 0 and again.summary()["replayed"] == 4
    assert [_without_timing(r) for r in again.results] == [_without_timing(r) for r in first.results]


def test_a_figure_is_drawn_once_for_the_same_data(tmp_path):
    from proofs_check.claims import Figure
    from proofs_check.evidence_cache import EvidenceCache

    drawn = []

    def draw(spec):
        drawn.append(spec.name)
        return {"png": b"png of " + spec.title.encode(), "pdf": b"pdf of " + spec.title.encode()}

    cache = EvidenceCache(tmp_path)
    a = Figure("a", "R_k", "k", "R", curves=(("exact", [1, 2], [1.0, 1.25]),))
    b = Figure("a", "R_k", "k", "R", curves=(("exact", [1, 2], [1.0, 1.26]),))
    assert cache.drawn(a, draw) == cache.drawn(a, draw) == {"png": b"png of R_k", "pdf": b"pdf of R_k"}
    cache.drawn(b, draw)
    assert drawn == ["a", "a"]   # the second a is replayed; b has other data
