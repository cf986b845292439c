"""``pi2over6 verify``: the whole quick ledger once, its JSON, its reports, and its failure paths."""

import json
import shutil
import subprocess
import sys

import pytest

from proofs_check.claims import Claim, Source, at_most, check
from proofs_check.cli import main
from proofs_check.ledger import LEDGER
from tests.tools import on_a_terminal, system_tool

KINDS = ("symbolic", "numeric", "monte_carlo")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One run of ``pi2over6 verify --json`` (the quick budget) in a fresh process, shared by the tests below."""
    out = tmp_path_factory.mktemp("verify") / "report"
    proc = subprocess.run([sys.executable, "-m", "proofs_check", "verify", "--json", "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    return proc, out


def test_every_claim_is_verified_and_the_exit_status_says_so(quick_run):
    proc, _ = quick_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    assert [c["id"] for c in data["claims"]] == LEDGER.ids
    assert all(c["status"] == "verified" for c in data["claims"])
    assert data["summary"]["all_verified"] and data["summary"]["verified"] == len(LEDGER)


def test_json_follows_the_design_contract(quick_run):
    data = json.loads(quick_run[0].stdout)
    assert set(data) == {"claims", "summary"}
    for claim in data["claims"]:
        assert {"id", "statement", "source", "evidence", "status"} <= set(claim)
        assert set(claim["evidence"]) == set(KINDS)
        for kind in KINDS:
            evidence = claim["evidence"][kind]
            assert evidence["status"] in ("pass", "fail", "n/a")
            assert evidence["details"], (claim["id"], kind)  # every kind of every built-in claim made checks
            for item in evidence["details"]:
                assert item["status"] == "pass" and item["what"]
    assert data["summary"]["budget"] == "quick"


def test_json_mode_shows_no_progress_bar(quick_run):
    # No progress bar when stderr is not a terminal or --json is given.
    assert "\r" not in quick_run[0].stderr and "claim/s" not in quick_run[0].stderr


def test_the_run_is_parallel_and_its_figures_are_drawn_by_the_workers(quick_run):
    from numerics.executor import available_cores

    proc, out = quick_run
    summary = json.loads(proc.stdout)["summary"]
    assert summary["workers"] == min(available_cores(), len(LEDGER))
    assert summary["cpu_seconds"] > 0
    for png in (out / "figures").glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"


def test_a_terminal_shows_the_progress_bar_and_json_never_does(tmp_path):
    status, shown = on_a_terminal(["verify", "--only", "workflow-framework", "gaussian-discard-collapse",
                                    "--out", str(tmp_path / "a")])
    assert status == 0 and "verify:" in shown and "claim" in shown and "2 of 2 claims verified" in shown
    status, shown = on_a_terminal(["verify", "--only", "workflow-framework", "--json", "--out", str(tmp_path / "b")])
    assert status == 0 and "verify:" not in shown and json.loads(shown)["summary"]["verified"] == 1


def test_the_reports_are_written_complete(quick_run):
    _, out = quick_run
    assert sorted(p.name for p in out.iterdir()) == ["figures", "report.json", "report.md", "report.tex"]
    md = (out / "report.md").read_text()
    assert "Every claim is verified." in md and "Partial ledger" not in md
    for claim_id in LEDGER.ids:
        assert f"## {claim_id}" in md
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert figures and all(f.endswith((".png", ".pdf")) for f in figures)
    assert {f[:-4] for f in figures if f.endswith(".png")} == {f[:-4] for f in figures if f.endswith(".pdf")}
    saved = json.loads((out / "report.json").read_text())
    assert [c["status"] for c in saved["claims"]] == ["verified"] * len(LEDGER)
    assert not list(out.parent.glob(".pi2over6-report-*"))  # no staging folder left behind


def test_report_tex_compiles_with_pdflatex(quick_run, tmp_path):
    pdflatex = system_tool("pdflatex")
    _, out = quick_run
    build = tmp_path / "build"
    shutil.copytree(out, build)
    proc = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "report.tex"], cwd=build,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (build / "report.pdf").stat().st_size > 10000


# ------------------------------------------------------------------ single claims and bad input
def test_only_runs_the_named_claims_prints_the_table_and_marks_the_report_partial(tmp_path, capsys):
    status = main(["verify", "--only", "mix-stable", "--out", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["claim", "symbolic", "numeric", "Monte", "Carlo", "status"]
    assert lines[2].split() == ["mix-stable", "pass", "pass", "pass", "verified"]
    assert "1 of 1 claims verified (quick budget" in out
    assert "Partial ledger" in (tmp_path / "r" / "report.md").read_text()


def test_a_second_run_replays_derived_evidence_and_fresh_derives_it_again(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PI2OVER6_CACHE_DIR", str(tmp_path / "cache"))
    argv = ["verify", "--only", "workflow-framework", "--json", "--out", str(tmp_path / "r")]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(argv) == 0
    again = json.loads(capsys.readouterr().out)
    assert (first["summary"]["replayed"], again["summary"]["replayed"]) == (0, 2)
    evidence = again["claims"][0]["evidence"]
    assert "replayed" in evidence["symbolic"] and "replayed" in evidence["numeric"]
    assert "replayed" not in evidence["monte_carlo"]
    assert "replayed from the evidence cache: derived" in (tmp_path / "r" / "report.md").read_text()
    for kind in KINDS:   # the same checks and numbers
        assert evidence[kind]["details"] == first["claims"][0]["evidence"][kind]["details"]
    assert main([*argv, "--fresh"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["replayed"] == 0


def test_list_prints_every_claim(capsys):
    assert main(["verify", "--list"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines()] == LEDGER.ids


@pytest.mark.parametrize("argv, message", [
    (["verify", "--only", "no-such-claim"], "unknown claim id(s) 'no-such-claim'"),
    (["verify", "--quick", "--full"], "argument --full: not allowed with argument --quick"),
    (["verify", "--workers", "0"], "argument --workers: must be a positive integer, got '0'"),
    (["verify", "--seed", "-3", "--only", "mix-stable"], "the master seed must be a non-negative integer, got -3"),
])
def test_bad_input_is_one_line_on_stderr_and_status_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_out_must_be_a_folder(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert main(["verify", "--only", "mix-stable", "--out", str(target)]) == 2
    assert f"--out must be a folder, got the file {str(target)!r}" in capsys.readouterr().err


@pytest.fixture
def wrong_claim():
    def symbolic(budget):
        from theory.closed_form import closed_form

        yield at_most("lim R_k of augment <= 3/2", closed_form("augment").limit, 1.5)

    def numeric(budget):
        yield check("R_7 of augment <= 3/2", sum(1 / j**2 for j in range(1, 8)) <= 1.5)

    claim = Claim("augment-below-1.5", "Under augment the risk ratio stays below 1.5.", r"R_k < \tfrac32",
                  Source("Nobody", 2024, "A wrong claim"), symbolic=symbolic, numeric=numeric)
    LEDGER.register(claim)
    yield claim
    LEDGER.unregister(claim.id)


def test_a_wrong_claim_fails_the_run_with_the_reason(wrong_claim, tmp_path, capsys):
    status = main(["verify", "--only", wrong_claim.id, "--out", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert status == 1
    assert "augment-below-1.5  FAIL      FAIL     n/a          failed" in out
    assert "0 of 1 claims verified" in out
    assert "augment-below-1.5 [symbolic]: 0/1 checks hold; failed: lim R_k of augment <= 3/2 (value pi**2/6 " \
           "exceeds bound 1.5)" in out
    md = (tmp_path / "r" / "report.md").read_text()
    assert "NOT every claim is verified." in md and "✗ **FAILED** lim R_k of augment <= 3/2" in md


def test_a_failed_report_leaves_the_previous_one_untouched(tmp_path, monkeypatch):
    from proofs_check import report

    out = tmp_path / "r"
    assert main(["verify", "--only", "mix-stable", "--out", str(out)]) == 0
    before = (out / "report.md").read_text()

    def broken(*args, **kwargs):
        raise OSError("disk full while writing report.tex")

    monkeypatch.setattr(report, "render_latex", broken)
    assert main(["verify", "--only", "mix-stable", "--out", str(out)]) == 2
    assert (out / "report.md").read_text() == before
    assert not list(tmp_path.glob(".pi2over6-report-*"))
