"""Reports of a ledger run: ``report.md``, ``report.tex`` (a complete LaTeX document), figures.

Everything is first written to a fresh temporary folder next to the destination
and moved into place only when complete, so a report on disk is never a partial
one presented as whole. A run of a subset of the ledger (``--only``) says so at
the top of both reports.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import tempfile
from pathlib import Path

from .claims import KIND_TITLES, KINDS, NA, PASS, VERIFIED

__all__ = ["write_report", "render_markdown", "render_latex", "render_figures", "render_figure", "render_claim_figures",
           "tex_escape", "REPORT_FILES"]

REPORT_FILES = ("report.md", "report.tex", "report.json")
FIGURES = "figures"

_MARK = {PASS: "pass", "fail": "FAIL", NA: "n/a"}


# --------------------------------------------------------------------------- text helpers
_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}
_TEX_UNICODE = {"π": r"$\pi$", "≤": r"$\le$", "≥": r"$\ge$", "²": r"$^2$", "√": r"$\surd$", "‖": r"$\|$",
                "θ": r"$\theta$", "σ": r"$\sigma$", "λ": r"$\lambda$", "ψ": r"$\psi$", "ε": r"$\varepsilon$",
                "∞": r"$\infty$", "×": r"$\times$", "·": r"$\cdot$", "−": "-", "→": r"$\to$", "≈": r"$\approx$",
                "±": r"$\pm$", "Σ": r"$\Sigma$", "μ": r"$\mu$", "χ": r"$\chi$", "–": "--", "—": "---",
                "’": "'", "é": r"\'e", "ö": r'\"o', "ü": r'\"u', "§": r"\S{}", "∈": r"$\in$", "ω": r"$\omega$",
                "Γ": r"$\Gamma$", "ℓ": r"$\ell$", "≠": r"$\neq$", "∑": r"$\sum$", "ĥ": "h"}


def tex_escape(text):
    """Escape plain text for LaTeX (special characters and common Unicode symbols).

    Examples
    --------
    >>> tex_escape("R_k < π²/6 & 50%")
    'R\\\\_k \\\\textless{} $\\\\pi$$^2$/6 \\\\& 50\\\\%'
    """
    out = []
    for ch in str(text):
        if ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch])
        elif ch in _TEX_UNICODE:
            out.append(_TEX_UNICODE[ch])
        elif ord(ch) < 128:
            out.append(ch)
        else:
            out.append("?")
    return "".join(out)


def _md_escape(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _short(value, limit=8):
    """A compact spelling of a detail value (long lists abbreviated)."""
    if isinstance(value, list):
        items = [_short(v, limit) for v in value[:limit]]
        more = f", ... ({len(value)} in all)" if len(value) > limit else ""
        return "[" + ", ".join(items) + more + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(v, limit)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    return text if len(text) <= 160 else text[:157] + "..."


def _timing(evidence):
    """How long the evidence took, and for replayed evidence when it was derived."""
    if evidence.replayed:
        return (f"replayed from the evidence cache: derived {evidence.replayed['derived']} in "
                f"{evidence.replayed['seconds']:.2f} s")
    return f"{evidence.seconds:.2f} s"


def _details_line(details):
    return "; ".join(f"{k} = {_short(v)}" for k, v in details.items())


# --------------------------------------------------------------------------- figures
def render_figure(spec):
    """One :class:`~proofs_check.claims.Figure` drawn as ``{"png": bytes, "pdf": bytes}``.

    The layout is computed once, for the PNG, and kept for the PDF.
    """
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(6.0, 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for label, x, y in spec.curves:
        ax.plot(x, y, "-", lw=1.6, label=label)
    for label, x, y, yerr in spec.points:
        ax.errorbar(x, y, yerr=yerr, fmt="o", ms=3.5, capsize=2, label=label)
    for label, y in spec.hlines:
        ax.axhline(y, ls="--", lw=1, color="0.4", label=label)
    if spec.logy:
        ax.set_yscale("log")
    ax.set_title(spec.title, fontsize=10)
    ax.set_xlabel(spec.xlabel)
    ax.set_ylabel(spec.ylabel)
    ax.grid(alpha=0.3)
    if spec.curves or spec.points or spec.hlines:
        ax.legend(fontsize=7)
    out = {}
    for ext in ("png", "pdf"):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=ext, dpi=110)
        fig.set_layout_engine("none")   # the PDF keeps the PNG's layout
        out[ext] = buffer.getvalue()
    return out


def render_claim_figures(result):
    """``result`` with its figures drawn (PNG and PDF bytes in ``result.rendered``).

    Meant for ``proofs_check.claims.verify(..., finish=render_claim_figures)``: each
    worker then draws the figures of the claims it verified, beside the other claims'
    evidence, and the report only writes the files.
    """
    from dataclasses import replace

    from .evidence_cache import EvidenceCache

    cache = EvidenceCache.default()   # figures already drawn from the same data are not drawn again
    rendered = {(kind, i): (render_figure(spec) if cache is None else cache.drawn(spec, render_figure))
                for kind in KINDS for i, spec in enumerate(result.evidence[kind].figures)}
    return replace(result, rendered={**result.rendered, **rendered})


def render_figures(run, folder):
    """Write every figure of the run into ``folder`` as PNG and PDF; return {key: stem}.

    Figures already drawn where their claim was verified (``ClaimResult.rendered``) are
    written as they are; the others are drawn here.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stems = {}
    for result in run.results:
        for kind in KINDS:
            for i, spec in enumerate(result.evidence[kind].figures):
                stem = _slug(f"{result.claim.id}-{spec.name or i}")
                drawn = result.rendered.get((kind, i)) or render_figure(spec)
                for ext, data in drawn.items():
                    (folder / f"{stem}.{ext}").write_bytes(data)
                stems[(result.claim.id, kind, i)] = stem
    return stems


def _slug(text):
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text).strip("-").lower()


# --------------------------------------------------------------------------- markdown
def _header_facts(run):
    """Budget, seed, counts and time of a run, then the date (last)."""
    s = run.summary()
    when = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [f"budget **{s['budget']}**, master seed {s['seed']}", f"{s['claims']} claims", f"{s['verified']} verified",
            f"{s['failed']} failed",
            f"{s['seconds']:.1f} s on {s['workers']} worker{'s' if s['workers'] > 1 else ''} "
            f"({s['cpu_seconds']:.1f} s of processor time)"
            + (f"; {s['replayed']} symbolic or numeric evidence replayed from the evidence cache (derived by the "
               "same code, libraries and budget)" if s["replayed"] else ""), when]


def render_markdown(run, stems, subset=None):
    """The Markdown report (a summary table, then every claim with its evidence)."""
    facts = _header_facts(run)
    lines = ["# pi2over6: the claims ledger", ""]
    if subset:
        lines += [f"> **Partial ledger:** only the claims {', '.join(subset)} were run.", ""]
    verdict = "Every claim is verified." if run.verified else "NOT every claim is verified."
    lines += [f"{verdict} (" + "; ".join(facts) + ")", "",
              "Evidence kinds: *symbolic* (SymPy or exact rational arithmetic), *numeric* (mpmath at 50 digits "
              "or more, with error bounds), *Monte Carlo* (fits of real models or the Gaussian-process "
              "simulator, tolerance k standard errors plus a stated finite-n allowance).", "",
              "| claim | source | symbolic | numeric | Monte Carlo | status |",
              "|---|---|---|---|---|---|"]
    for r in run.results:
        marks = [_MARK[r.evidence[k].status] for k in KINDS]
        lines.append(f"| [{r.claim.id}](#{r.claim.id}) | {_md_escape(r.claim.source.cite())} | "
                     + " | ".join(marks) + f" | **{r.status}** |")
    lines.append("")
    for r in run.results:
        c = r.claim
        lines += [f"## {c.id}", "", f"<a id=\"{c.id}\"></a>", "", f"**{r.status}**: {c.statement}", "",
                  f"$$ {c.latex} $$", "", f"*Source:* {c.source.full()}.", ""]
        for kind in KINDS:
            e = r.evidence[kind]
            if e.status == NA:
                continue
            lines += [f"### {KIND_TITLES[kind]} evidence: {_MARK[e.status]} ({_timing(e)})", ""]
            if e.error:
                lines += [f"- **error:** `{e.error}`"]
            for ch in e.checks:
                mark = "✓" if ch.passed else "✗ **FAILED**"
                lines.append(f"- {mark} {ch.what}")
                if ch.details:
                    lines.append(f"  - {_details_line(ch.details)}")
            lines.append("")
            for i, _ in enumerate(e.figures):
                stem = stems.get((c.id, kind, i))
                if stem:
                    lines += [f"![{stem}]({FIGURES}/{stem}.png)", ""]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- LaTeX
_PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[margin=2.2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{booktabs,longtable,array}
\usepackage{graphicx}
\usepackage{xcolor}
\usepackage[hidelinks]{hyperref}
\newcommand{\pass}{\textcolor{green!45!black}{pass}}
\newcommand{\fail}{\textcolor{red!75!black}{\textbf{FAIL}}}
\newcommand{\na}{\textcolor{black!50}{n/a}}
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
"""

_TEX_MARK = {PASS: r"\pass", "fail": r"\fail", NA: r"\na"}


def render_latex(run, stems, subset=None):
    """A complete LaTeX document (compiles with pdflatex; figures are PDFs in ``figures/``)."""
    facts = _header_facts(run)
    out = [_PREAMBLE, r"\title{pi2over6: the claims ledger}",
           r"\author{Verification report}", r"\date{" + tex_escape(facts[-1]) + "}",
           r"\begin{document}", r"\maketitle"]
    if subset:
        out.append(r"\fbox{\parbox{0.95\linewidth}{\textbf{Partial ledger:} only the claims "
                   + tex_escape(", ".join(subset)) + r" were run.}}\par")
    verdict = "Every claim is verified." if run.verified else r"\textbf{Not every claim is verified.}"
    out += [verdict + " " + tex_escape("; ".join(f.replace("**", "") for f in facts[:-1])) + ".", "",
            r"Evidence kinds: \emph{symbolic} (SymPy or exact rational arithmetic), \emph{numeric} (mpmath "
            r"at 50 digits or more, with error bounds), \emph{Monte Carlo} (fits of real models or the "
            r"Gaussian-process simulator, with a tolerance of $k$ standard errors plus a stated finite-$n$ "
            r"allowance).", "",
            r"\begin{longtable}{>{\raggedright\arraybackslash}p{0.30\linewidth}"
            r">{\raggedright\arraybackslash}p{0.22\linewidth}cccc}",
            r"\toprule claim & source & symbolic & numeric & Monte Carlo & status\\ \midrule \endhead"]
    for r in run.results:
        marks = " & ".join(_TEX_MARK[r.evidence[k].status] for k in KINDS)
        status = r"\textbf{verified}" if r.status == VERIFIED else r"\fail"
        out.append(r"\texttt{" + tex_escape(r.claim.id) + "} & " + tex_escape(r.claim.source.cite())
                   + f" & {marks} & {status}" + r"\\")
    out += [r"\bottomrule", r"\end{longtable}", ""]
    for r in run.results:
        c = r.claim
        out += [r"\section*{\texttt{" + tex_escape(c.id) + "}}",
                r"\addcontentsline{toc}{section}{" + tex_escape(c.id) + "}",
                r"\textbf{" + (r"verified" if r.status == VERIFIED else r"FAILED") + ".} "
                + tex_escape(c.statement), r"\begin{equation*}", c.latex, r"\end{equation*}",
                r"\emph{Source:} " + tex_escape(c.source.full()) + ".", ""]
        for kind in KINDS:
            e = r.evidence[kind]
            if e.status == NA:
                continue
            out.append(r"\paragraph{" + tex_escape(KIND_TITLES[kind].capitalize()) + " evidence: "
                       + _TEX_MARK[e.status] + " (" + tex_escape(_timing(e)) + ").}")
            out.append(r"\begin{itemize}")
            if e.error:
                out.append(r"\item \fail: \texttt{" + tex_escape(e.error) + "}")
            for ch in e.checks:
                mark = r"\pass" if ch.passed else r"\fail"
                item = r"\item[" + mark + "] " + tex_escape(ch.what)
                if ch.details:
                    item += r"\\ {\footnotesize " + tex_escape(_details_line(ch.details)) + "}"
                out.append(item)
            if not e.checks and not e.error:
                out.append(r"\item \fail: no check was made")
            out.append(r"\end{itemize}")
            for i, _ in enumerate(e.figures):
                stem = stems.get((c.id, kind, i))
                if stem:
                    out += [r"\begin{center}", r"\includegraphics[width=0.72\linewidth]{" + FIGURES + "/"
                            + stem + ".pdf}", r"\end{center}"]
    out += [r"\end{document}", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- writing
def write_report(run, out, subset=None):
    """Write ``report.md``, ``report.tex``, ``report.json`` and ``figures/`` into ``out``.

    The files are built in a temporary folder beside ``out`` and moved in only when
    all of them are complete; ``report.md`` is moved last.

    Parameters
    ----------
    run : LedgerRun
    out : path-like
        Destination folder (created if missing).
    subset : list of str, optional
        The claim ids, when only part of the ledger was run.

    Returns
    -------
    Path
        The destination folder.

    Examples
    --------
    >>> import tempfile
    >>> from proofs_check.claims import Claim, Source, check, verify
    >>> c = Claim("one", "One is one.", "1 = 1", Source("A", 2024, "T"), symbolic=lambda b: [check("1 = 1", True)],
    ...           numeric=lambda b: [check("1.0 = 1", True)])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     sorted(p.name for p in write_report(verify([c]), Path(folder) / "report").iterdir())
    ['figures', 'report.json', 'report.md', 'report.tex']
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out must be a folder, got the file {str(out)!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".pi2over6-report-", dir=out.parent))
    try:
        stems = render_figures(run, staging / FIGURES)
        (staging / "report.tex").write_text(render_latex(run, stems, subset), encoding="utf-8")
        data = run.to_json_dict()
        if subset:
            data["summary"]["subset"] = list(subset)
        (staging / "report.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
        (staging / "report.md").write_text(render_markdown(run, stems, subset), encoding="utf-8")
        if not out.exists():
            os.replace(staging, out)
            return out
        # An older report is replaced piece by piece; report.md goes last.
        for name in ("report.md", *REPORT_FILES):
            target = out / name
            if target.exists():
                target.unlink()
        if (out / FIGURES).exists():
            shutil.rmtree(out / FIGURES)
        os.replace(staging / FIGURES, out / FIGURES)
        for name in ("report.tex", "report.json", "report.md"):
            os.replace(staging / name, out / name)
        return out
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
