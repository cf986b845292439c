r"""A family's proof as a referee reads it: plain text, plain data, or a LaTeX section.

The three renderings of a :class:`~theory.proofs.FamilyProof` say the same thing in
the same order: the family (prefix and rule), the state and its one-step map, the
second-moment recursion and its initial value, the derived recurrence and why it
holds, the induction step and the closed form, the limit and the bound, and the
exact values of the prefix. The LaTeX section needs ``amsmath`` only.

A limit's decimal value with its error bound is numerics (:mod:`numerics.precision`),
which this layer does not import: callers pass it in as ``limit_value``, a dict
with the keys ``decimal``, ``error_bound``, ``rigorous`` and ``method``.
"""

from __future__ import annotations

import sympy as sp

from .latex import display_form, tex_text
from .recurrence import k, rational

__all__ = ["proof_data", "proof_text", "proof_latex", "summary_latex"]

_Rk = sp.IndexedBase("R")
_SHORT = 400   # characters of a formula beyond which the text shows it only in the JSON


def _state_lines(ss, latex=True):
    """(fit, changed updates, carried components) of the state-space form as SymPy equations."""
    fit, updates = ss.equations(latex)
    changed, carried = [], []
    for slot, update in zip(ss._slots, updates, strict=True):
        if slot.role == "fixed" or (slot.role == "lag" and slot.index > 0):
            carried.append(slot.name("k"))
        else:
            changed.append(update)
    return fit, changed, carried


def _limit_text(fp, limit_value):
    if fp.limit is None:
        return None
    text = str(fp.limit)
    if limit_value and limit_value.get("decimal") is not None:
        kind = "rigorous error bound" if limit_value["rigorous"] else "estimated error, not a bound"
        text += f" = {limit_value['decimal']} ({kind} {limit_value['error_bound']}; {limit_value['method']})"
    return text


def proof_data(fp, limit_value=None):
    """The proof as plain data (``pi2over6 prove --json``).

    Examples
    --------
    >>> from theory.proofs import prove
    >>> data = proof_data(prove("discard"))
    >>> data["status"], data["valid_from"], data["recurrence"], data["closed_form"]
    ('proved', 2, 'Eq(R(k + 1), R(k) + 1)', 'k')
    """
    ss = fp.state_space
    state = None
    if ss is not None:
        fit, changed, carried = _state_lines(ss, latex=False)
        state = {"components": list(ss.components), "noises": list(ss.noises),
                 "noise_variances": [str(q) for q in ss.Q], "fit": f"{fit.lhs} = {fit.rhs}",
                 "update": [f"{u.lhs} = {u.rhs}" for u in changed], "carried": carried,
                 "initial_moments": [[str(ss.initial[i, j]) for j in range(ss.dimension)]
                                     for i in range(ss.dimension)],
                 "variance_1": str(ss.variance_1)}
    derivation = fp.derivation
    cf = fp.closed_form
    return {
        "workflow": fp.family.name,
        "family": {"listed_generations": fp.family.P, "rule": str(fp.family.rule)},
        "status": fp.status,
        "method": fp.proof.method,
        "valid_from": fp.proof.valid_from,
        "state": state,
        "moment_dimension": derivation.moment_dimension if derivation is not None else None,
        "characteristic": str(derivation.characteristic.as_expr()) if derivation is not None
        and derivation.characteristic is not None else None,
        "recurrence": str(fp.recurrence.equation()) if fp.recurrence is not None else None,
        "recurrence_start": fp.recurrence.start if fp.recurrence is not None else None,
        "steps": list(fp.proof.steps),
        "closed_form": str(cf.expr) if cf is not None else None,
        "closed_form_latex": sp.latex(display_form(cf.expr)) if cf is not None else None,
        "closed_form_start": cf.start if cf is not None else None,
        "prefix": [str(r) for r in fp.prefix[:_prefix_shown(fp)]],
        "limit": str(fp.limit) if fp.limit is not None else None,
        "limit_value": limit_value,
        "bound": f"{fp.bound.relation} for k >= {fp.bound.holds_from}" if fp.bound is not None and fp.proved
        else None,
    }


def _prefix_shown(fp):
    """How many leading exact values the argument rests on (those before the closed form or recurrence)."""
    if fp.recurrence is None:
        return len(fp.prefix)
    return min(len(fp.prefix), fp.recurrence.start - 1 + fp.recurrence.order)


def _short(text):
    return text if len(text) <= _SHORT else text[:_SHORT] + f" ... ({len(text)} characters; see --json)"


def proof_text(fp, limit_value=None):
    """The argument as plain text (``pi2over6 prove``).

    Examples
    --------
    >>> from theory.proofs import prove
    >>> print(proof_text(prove("discard")).splitlines()[0])
    discard: R_k = Var H_k / Var H_1 -- proved for every k >= 2
    """
    fam = fp.family
    status = {"proved": "proved for every k >= {}", "conjectured": "conjectured from k >= {} (not proved)"}
    head = status.get(fp.status, "nothing proved or conjectured{}").format(fp.proof.valid_from or "")
    lines = [f"{fam.name}: R_k = Var H_k / Var H_1 -- {head}",
             f"family: {fam.P} listed generation(s), then for every later generation: {fam.rule}", ""]
    ss = fp.state_space
    if ss is not None:
        fit, changed, carried = _state_lines(ss, latex=False)
        noises = ", ".join(f"{n} (variance {q})" for n, q in zip(ss.noises, ss.Q, strict=True))
        lines += ["1. State after generation k-1 (THEORY.md §3; X_B the statistic of batch B, X_S<j> = H_j + Z_S<j>):",
                  f"   x = ({', '.join(ss.components)})",
                  f"   fresh noise of generation k: {noises}",
                  f"   fit, for every k >= {ss.start}:  {fit.lhs} = {fit.rhs}"]
        lines += [f"   update:  {u.lhs} = {u.rhs}" for u in changed]
        if carried:
            lines.append(f"   carried over (shifted or fixed): {', '.join(carried)}")
        lines += ["2. Second moments: P_k = A(k) P_(k-1) A(k)^T + B(k) Q(k) B(k)^T,  Var H_k = c P_(k-1) c^T + d Q d^T",
                  f"   P_{ss.start - 1} = {_short(str(ss.initial.tolist()))} (exact, from the process);  "
                  f"Var H_1 = {ss.variance_1}"]
    lines.append("3. Argument:")
    lines += [f"   - {_short(step)}" for step in fp.proof.steps]
    if fp.recurrence is not None:
        lines.append(f"4. Recurrence: {fp.recurrence.equation()} for every k >= {fp.recurrence.start}")
    cf = fp.closed_form
    if cf is not None:
        lines.append(f"5. Closed form: R_k = {_short(str(cf.expr))} for every k >= {cf.start}")
    elif fp.solution is not None:
        lines.append("5. Closed form: too large to print (the recurrence above determines R_k; the limit "
                     "follows from its characteristic roots)")
    else:
        lines.append("5. Closed form: none found")
    limit = _limit_text(fp, limit_value)
    lines.append(f"6. Limit: {limit if limit is not None else 'unknown'}")
    if fp.bound is not None and fp.proved:
        lines.append(f"7. Bound: {fp.bound.relation} for every k >= {fp.bound.holds_from} "
                     f"({fp.bound.monotone} from k = {fp.bound.monotone_from})")
    shown = _prefix_shown(fp)
    if shown:
        lines.append("Exact values the argument starts from: "
                     + ", ".join(f"R_{n} = {r}" for n, r in enumerate(fp.prefix[:shown], start=1)))
    return "\n".join(lines)


def _eq_latex(eq):
    return sp.latex(display_form(eq))


def _math(expr_latex):
    return rf"\[ {expr_latex} \]"


def proof_latex(fp, limit_value=None):
    r"""The argument as a LaTeX ``\section`` (needs ``amsmath``): ``pi2over6 prove --latex``.

    Examples
    --------
    >>> from theory.proofs import prove
    >>> text = proof_latex(prove("augment"))
    >>> text.splitlines()[0]
    '\\section{Risk ratios of the workflow family \\texttt{augment}: proved for every $k \\geq 1$}'
    >>> r"\sum_{j=1}^{k} \frac{1}{j^{2}}" in text
    True
    """
    fam = fp.family
    name = tex_text(fam.name)
    status = {"proved": rf"proved for every $k \geq {fp.proof.valid_from}$",
              "conjectured": rf"conjectured from $k \geq {fp.proof.valid_from}$ (not proved)"}
    lines = [rf"\section{{Risk ratios of the workflow family \texttt{{{name}}}: "
             f"{status.get(fp.status, 'nothing proved')}}}",
             rf"The family lists {fam.P} generation{'s' if fam.P != 1 else ''} and builds every later one by the "
             rf"rule: {tex_text(str(fam.rule))}. "
             r"We write $R_k = \operatorname{Var} H_k / \operatorname{Var} H_1$."]
    ss = fp.state_space
    if ss is not None:
        fit, changed, carried = _state_lines(ss)
        state = ", ".join(f"${c}$" for c in ss.latex_components) or "(empty)"
        noises = ", ".join(f"${n}$ (variance ${sp.latex(q)}$)" for n, q in zip(ss.latex_noises, ss.Q, strict=True))
        lines += [r"\subsection*{State-space form}",
                  rf"The state after generation $k-1$ is {state}, where $X_B$ is the statistic of batch $B$ "
                  r"($X_{S_j} = H_j + Z_{S_j}$ for a synthetic batch, $Z_B$ for a real one). Generation $k$ draws "
                  rf"fresh independent noise {noises}. For every $k \geq {ss.start}$:",
                  r"\begin{align*}",
                  " \\\\\n".join([sp.latex(fit.lhs) + " &= " + sp.latex(fit.rhs)]
                                 + [sp.latex(u.lhs) + " &= " + sp.latex(u.rhs) for u in changed]),
                  r"\end{align*}"]
        if carried:
            lines.append("The other components are carried over (fixed batches, or lags shifted by one).")
        lines += [r"\subsection*{Second moments}",
                  r"With $P_k = \operatorname{E} x_k x_k^{\mathsf T}$ and $Q = \operatorname{diag}"
                  r"\operatorname{Var} w_k$:",
                  _math(r"P_k = A(k) P_{k-1} A(k)^{\mathsf T} + B(k) Q(k) B(k)^{\mathsf T},\qquad "
                        r"\operatorname{Var} H_k = c(k) P_{k-1} c(k)^{\mathsf T} + d(k) Q(k) d(k)^{\mathsf T},"),
                  rf"for every $k \geq {ss.start}$, with $\operatorname{{Var}} H_1 = {sp.latex(ss.variance_1)}$ "
                  + (rf"and $P_{{{ss.start - 1}}} = {sp.latex(ss.initial)}$ (exact, from the process)."
                     if 0 < ss.dimension <= 6 else "and the exact initial moments from the process.")]
    lines += [r"\subsection*{Argument}", r"\begin{enumerate}"]
    lines += [rf"\item {tex_text(_short(step))}" for step in fp.proof.steps]
    lines.append(r"\end{enumerate}")
    if fp.recurrence is not None:
        lines += [r"\subsection*{Recurrence}",
                  _math(_eq_latex(fp.recurrence.equation()) + rf",\quad k \geq {fp.recurrence.start}")]
    cf = fp.closed_form
    if cf is not None:
        Rk = _Rk[k]
        lines += [r"\subsection*{Closed form}",
                  _math(sp.latex(sp.Eq(Rk, display_form(cf.expr), evaluate=False)) + rf",\quad k \geq {cf.start}")]
    if fp.limit is not None:
        lines += [r"\subsection*{Limit}", _math(sp.latex(sp.Eq(sp.Limit(_Rk[k], k, sp.oo), fp.limit,
                                                               evaluate=False)))]
        if limit_value and limit_value.get("decimal") is not None:
            kind = "with rigorous error bound" if limit_value["rigorous"] else "estimated error (not a bound)"
            lines.append(rf"Numerically ${limit_value['decimal']}$, {kind} ${limit_value['error_bound']}$ "
                         f"({tex_text(limit_value['method'])}).")
    if fp.bound is not None and fp.proved:
        lines += [r"\subsection*{Bound}",
                  _math(sp.latex(fp.bound.relation.func(_Rk[k], fp.bound.relation.rhs, evaluate=False))
                        + rf",\quad k \geq {fp.bound.holds_from}")]
    shown = _prefix_shown(fp)
    if shown:
        values = ", ".join(rf"R_{{{n}}} = {sp.latex(rational(r))}" for n, r in enumerate(fp.prefix[:shown], 1))
        lines += [r"\subsection*{Exact values}", rf"The argument starts from ${values}$."
                  if len(values) < 2000 else f"The argument starts from {shown} exact values of the process."]
    return "\n".join(lines) + "\n"


def summary_latex(fp):
    """A one-line math summary for a notebook: the closed form (or recurrence) and its status."""
    if fp.closed_form is not None:
        body = sp.latex(sp.Eq(_Rk[k], display_form(fp.closed_form.expr), evaluate=False))
        start = fp.closed_form.start
    elif fp.recurrence is not None:
        body, start = _eq_latex(fp.recurrence.equation()), fp.recurrence.start
    else:
        return r"$\text{nothing proved}$"
    return rf"$\displaystyle {body},\quad k \geq {start}\quad\text{{({fp.status})}}$"
