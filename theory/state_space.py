r"""The state-space form of a workflow family: the finite state the process carries forward.

THEORY.md §3 linearises every fit: H_k = sum_e w_ke (H_src(e) + eps_ke). Split each
entry's noise as eps_ke = Z_B + xi_ke, with Z_B the batch's common noise (variance
1/|B|) and xi_ke the part of a subsample no other generation shares (variance
1/c - 1/|B|, independent of everything else). Call

    X_B = Z_B            for a real batch B = R<j>,
    X_B = H_j + Z_B      for a synthetic batch B = S<j>

the *batch statistic* (its score average, shifted by H_j as Le Cam's third lemma
says). Then every fit is H_k = sum_e w_ke X_B(e) + xi_k with xi_k = sum_e w_ke xi_ke.

For a family (a listed prefix of P generations, then a rule, :mod:`theory.families`)
the generations k >= k0 all have the same shape, so H_k needs only a fixed, finite
set of quantities known after generation k - 1. They form the state x_{k-1}:

- *fixed* components X_B for batches the rule names absolutely (``R0``, ``S3``);
- *lags* X_{S<k-1>}, ..., X_{S<k-J>} for relative names ``S[-j]`` and ``S[-a:]`` (J the
  deepest reach), and likewise X_{R<k-1>}, ... for ``R[-j]``, ``R[-a:]``;
- *running sums* U_S = sum_{j <= k-1} c_j X_{S<j>} for ``S[:]`` (c_j = |S<j>| in a pooled
  fit of whole batches, else 1), and U_R likewise for ``R[:]`` (from R0 on): memory
  without bound, carried in one number.

Generation k draws fresh, independent noise w_k: Z_{R<k>} (variance 1/new_real),
xi_k (its variance a rational function of k) and Z_{S<k>} (variance 1/emit). With
the shares of the rule (normalised counts or weights, rational functions of k: an
``S[:]`` entry has k - 1 - P + const batches), the fit and the update read

    H_k = c(k) x_{k-1} + d(k) w_k,        x_k = A(k) x_{k-1} + B(k) w_k,

where X_{S<k>} = H_k + Z_{S<k>} enters the lags and the running sum. ``k0`` is the
first generation after the prefix whose relative names all reach batches of the
rule's own shape (the rule's warm-up), and after every batch named absolutely exists.
The second moments P_k = E x_k x_k^T then obey

    P_k = A(k) P_{k-1} A(k)^T + B(k) Q(k) B(k)^T,   Var H_k = c P_{k-1} c^T + d Q d^T,

with Q = diag(Var w_k), for every k >= k0; P_{k0-1} is computed exactly from the
process of the first k0 - 1 generations (:mod:`theory.process`). Nothing here is
fitted to terms: the map is read off the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import flint
import sympy as sp

from .families import Family, family_of
from .rationals import as_sympy, format_rational
from .recurrence import k, rational

__all__ = ["StateSpace", "state_space", "StateSpaceError"]

_CHECK_STEPS = 4  # generations past the warm-up on which the map is compared with the process


class StateSpaceError(ArithmeticError):
    """The state-space form disagrees with the exact process (a defect, never a user error)."""


@dataclass(frozen=True)
class _Slot:
    """A state component: ('fixed', batch), ('lag', kind, i) or ('sum', kind)."""

    role: str
    kind: str
    index: object = None

    def name(self, time="k-1"):
        """Its name at generation ``time`` (``"k-1"`` or ``"k"``), as plain text."""
        if self.role == "fixed":
            return f"X[{self.index}]"
        if self.role == "lag":
            return f"X[{self.kind}{_offset(time, self.index)}]"
        return f"U_{self.kind}({time})"

    def latex(self, time="k-1"):
        if self.role == "fixed":
            return rf"X_{{{self.index[0]}_{{{self.index[1:]}}}}}"
        if self.role == "lag":
            return rf"X_{{{self.kind}_{{{_offset(time, self.index, brace=False)}}}}}"
        return rf"U^{{{self.kind}}}_{{{time}}}"


def _offset(time, i, brace=True):
    shift = (1 if time == "k-1" else 0) + i
    text = "k" if shift == 0 else f"k-{shift}"
    return f"({text})" if brace else text


@dataclass(frozen=True, eq=False)
class StateSpace:
    r"""H_k = c(k) x_{k-1} + d(k) w_k and x_k = A(k) x_{k-1} + B(k) w_k for every k >= ``start``.

    Attributes
    ----------
    family : Family
    start : int
        k0: the map holds for every generation k >= k0.
    components : tuple of str
        The names of the state components, in order (plain text).
    noises : tuple of str
        The names of the fresh noises w_k.
    A, B, c, d : sympy.Matrix
        The one-step map; entries are rational functions of :data:`k`.
    Q : tuple of sympy.Expr
        Var w_k, component by component (rational functions of k).
    initial : sympy.Matrix
        P_{k0-1} = E x_{k0-1} x_{k0-1}^T, exact.
    variance_1 : sympy.Rational
        Var H_1, in units of V/n (R_k = Var H_k / Var H_1).
    latex_components, latex_noises : tuple of str
    checks : tuple of str
        The map, iterated from P_{k0-1}, reproduces Var H_k of the exact process for a
        few generations past k0 (a consistency check, not part of the proof).

    Examples
    --------
    >>> ss = state_space("augment")
    >>> ss.start, ss.components, ss.noises
    (1, ('X[R0]', 'U_S(k-1)'), ('Z[S(k)]',))
    >>> ss.c, ss.A
    (Matrix([[1/k, 1/k]]), Matrix([
    [  1,       0],
    [1/k, (k + 1)/k]]))
    """

    family: Family
    start: int
    components: tuple
    noises: tuple
    A: sp.Matrix
    B: sp.Matrix
    c: sp.Matrix
    d: sp.Matrix
    Q: tuple
    initial: sp.Matrix
    variance_1: sp.Expr
    latex_components: tuple = ()
    latex_noises: tuple = ()
    checks: tuple = ()
    _slots: tuple = field(default=(), repr=False)

    @property
    def dimension(self):
        return len(self.components)

    @property
    def constant(self):
        """Whether the map's coefficients are the same for every k (constant-coefficient case)."""
        return not any(e.has(k) for M in (self.A, self.B, self.c, self.d) for e in M) and \
            not any(as_sympy(q).has(k) for q in self.Q)

    def noise_covariance(self):
        return sp.diag(*self.Q) if self.Q else sp.zeros(0, 0)

    def equations(self, latex=True):
        """The fit and the update as SymPy equations (``H_k = ...``, ``x_k = ...``), symbols named for LaTeX or text."""
        if latex:
            xs = [sp.Symbol(s.latex("k-1")) for s in self._slots]
            xs_new = [sp.Symbol(s.latex("k")) for s in self._slots]
            ws = [sp.Symbol(n) for n in self.latex_noises]
        else:
            xs = [sp.Symbol(s.name("k-1")) for s in self._slots]
            xs_new = [sp.Symbol(s.name("k")) for s in self._slots]
            ws = [sp.Symbol(n) for n in self.noises]
        rhs = sum((self.c[0, i] * xs[i] for i in range(len(xs))), sp.Integer(0)) + \
            sum((self.d[0, j] * ws[j] for j in range(len(ws))), sp.Integer(0))
        fit = sp.Eq(sp.Symbol("H_{k}" if latex else "H(k)"), rhs, evaluate=False)
        updates = []
        for i, target in enumerate(xs_new):
            rhs = sum((self.A[i, j] * xs[j] for j in range(len(xs))), sp.Integer(0)) + \
                sum((self.B[i, j] * ws[j] for j in range(len(ws))), sp.Integer(0))
            updates.append(sp.Eq(target, rhs, evaluate=False))
        return fit, updates

    def moments(self, previous):
        """(P_k, Var H_k) from P_{k-1} at a symbolic or numeric k (SymPy matrices)."""
        Qm = self.noise_covariance()
        nxt = self.A * previous * self.A.T + self.B * Qm * self.B.T
        var = (self.c * previous * self.c.T + self.d * Qm * self.d.T)[0, 0]
        return nxt, var

    def __repr__(self):
        return (f"StateSpace({self.family.name!r}, k >= {self.start}: state ({', '.join(self.components)}), "
                f"noise ({', '.join(self.noises)}))")

    def _repr_latex_(self):
        fit, updates = self.equations()
        lines = [sp.latex(fit)] + [sp.latex(u) for u in updates]
        return r"$\begin{aligned}" + r" \\ ".join(lines) + rf"\end{{aligned}}\quad (k \geq {self.start})$"


# ---------------------------------------------------------------------- construction
_CACHE: dict = {}


def state_space(family):
    """The state-space form of a workflow family, read off its rule.

    Parameters
    ----------
    family : Family or WorkflowLike
        A :class:`Family`, or anything :func:`theory.families.family_of` accepts.

    Returns
    -------
    StateSpace

    Raises
    ------
    WorkflowError
        When ``family`` is not a family (no rule for later generations) or is invalid.

    Examples
    --------
    >>> ss = state_space("window:3")
    >>> ss.start, ss.components
    (4, ('X[S(k-1)]', 'X[S(k-2)]', 'X[S(k-3)]'))
    >>> ss.c
    Matrix([[1/3, 1/3, 1/3]])
    """
    fam = family if isinstance(family, Family) else family_of(family)
    key = fam.key
    if key not in _CACHE:
        _CACHE[key] = _build(fam)
    return _CACHE[key]


def _reach(rule):
    """(J_S, J_R): how many generations back the rule's relative names reach, per kind."""
    reach = {"S": 0, "R": 0}
    for e in rule.entries:
        if e.selector == "single" and e.index < 0:
            reach[e.kind] = max(reach[e.kind], -e.index)
        elif e.selector == "range":
            reach[e.kind] = max(reach[e.kind], e.index)
    return reach["S"], reach["R"]


def _warm_up(fam, reach):
    """k0: the first generation after the prefix from which every generation has the rule's shape."""
    rule, P = fam.rule, fam.P
    k0 = P + 1
    for e in rule.entries:
        if e.selector == "absolute":
            k0 = max(k0, e.index + 1)  # the batch exists before generation k0 and stays fixed

    def regular(n):
        for kind, J in zip("SR", reach, strict=True):
            own = rule.emit if kind == "S" else rule.new_real
            for i in range(1, J + 1):
                j = n - i
                if j < 1 or (j <= P and fam.size(kind, j) != own):
                    return False
        return True

    while not regular(k0):
        k0 += 1
    return k0


def _build(fam):
    from .workflow import WorkflowError

    rule = fam.rule
    J_S, J_R = _reach(rule)
    k0 = _warm_up(fam, (J_S, J_R))
    emits, collects = rule.emit is not None, rule.new_real is not None
    has_all = {e.kind for e in rule.entries if e.selector == "all"}

    # ------------------------------------------------ the state components and fresh noises
    slots = []
    for e in rule.entries:
        if e.selector == "absolute":
            slots.append(_Slot("fixed", e.kind, e.name))
    if emits:
        slots += [_Slot("lag", "S", i) for i in range(J_S)]
    if collects:
        slots += [_Slot("lag", "R", i) for i in range(J_R)]
    for kind in "SR":
        if kind in has_all:
            slots.append(_Slot("sum", kind))
    position = {s: i for i, s in enumerate(slots)}
    uses_fresh_real = collects and any(
        e.kind == "R" and (e.selector in ("range", "all") or (e.selector == "single" and e.index == 0))
        for e in rule.entries)
    keeps_real = collects and (J_R > 0 or "R" in has_all)
    noises = []
    if uses_fresh_real or keeps_real:
        noises.append(("Z", "R"))
    noises.append(("xi", None))
    if emits and (J_S > 0 or "S" in has_all):
        noises.append(("Z", "S"))
    noise_at = {nz: i for i, nz in enumerate(noises)}

    # ------------------------------------------------ the fit of generation k >= k0, symbolically
    P = fam.P
    prefix_sizes = {kind: [fam.size(kind, j) for j in range(0 if kind == "R" else 1, P + 1)] for kind in "SR"}
    for kind in "SR":
        prefix_sizes[kind] = [s for s in prefix_sizes[kind] if s is not None]
    own = {"S": rule.emit, "R": rule.new_real}
    n_rule = {"S": k - 1 - P, "R": k - P}  # rule batches among those an S[:] / R[:] entry sees

    def all_batches(kind):
        """(number of batches, their total size, the sum of 1/size) seen by an entry X[:] at k."""
        sizes = prefix_sizes[kind]
        extra = n_rule[kind] if own[kind] is not None else 0
        own_size = rational(own[kind]) if own[kind] is not None else 0
        count = len(sizes) + extra
        total = sum((rational(s) for s in sizes), sp.Integer(0)) + extra * own_size
        inverse = sum((rational(1 / s) for s in sizes), sp.Integer(0)) + (extra / own_size if extra else 0)
        return count, total, inverse

    # Per entry: its batches as (target, multiplicity, size or None, per-batch amount, raw total);
    # target is a slot, ("fresh R",) or ("sum", kind).
    weighted = rule.weighted
    parts = []
    for e in rule.entries:
        if e.selector == "absolute":
            size = rational(fam.size(e.kind, e.index))
            parts.append((e, [(slots[position[_Slot("fixed", e.kind, e.name)]], 1, size)]))
        elif e.selector == "single":
            size = rational(own[e.kind])
            target = ("fresh R",) if e.index == 0 else _Slot("lag", e.kind, -e.index - 1)
            parts.append((e, [(target, 1, size)]))
        elif e.selector == "range":
            if own[e.kind] is None:
                parts.append((e, []))
                continue
            size = rational(own[e.kind])
            batches = [(_Slot("lag", e.kind, i), 1, size) for i in range(e.index)]
            if e.kind == "R":
                batches.insert(0, (("fresh R",), 1, size))
            parts.append((e, batches))
        else:
            parts.append((e, "all"))

    def amount(e, size):
        if weighted:
            return e.weight
        return e.count if e.count is not None else size

    total = sp.Integer(0)
    for e, batches in parts:
        if batches == "all":
            count, sizes, _ = all_batches(e.kind)
            if weighted:
                total += count * e.weight
            else:
                total += count * e.count if e.count is not None else sizes
        else:
            total += sum((amount(e, size) for _, _, size in batches), sp.Integer(0))
    total = sp.cancel(total)
    if total == 0:
        raise WorkflowError(f"the 'then' rule of {fam.name}: the fit weights are all 0")

    n, m = len(slots), len(noises)
    c = sp.zeros(1, n)
    d = sp.zeros(1, m)
    xi = sp.Integer(0)
    for e, batches in parts:
        if batches == "all":
            count, _, inverse = all_batches(e.kind)
            unit = e.weight if weighted else (e.count if e.count is not None else sp.Integer(1))
            share_unit = unit / total
            c[0, position[_Slot("sum", e.kind)]] += share_unit
            if e.kind == "R" and collects:
                # R[:] also fits the fresh R<k>, one unit of the sum (c_k = new_real when pooled whole)
                fresh_unit = unit * (rational(own["R"]) if not weighted and e.count is None else 1)
                d[0, noise_at[("Z", "R")]] += fresh_unit / total
            if e.count is not None:
                share = (e.weight if weighted else e.count) / total
                xi += share**2 * (count / e.count - inverse)
            continue
        for target, _, size in batches:
            share = amount(e, size) / total
            if target == ("fresh R",):
                d[0, noise_at[("Z", "R")]] += share
            else:
                c[0, position[target]] += share
            if e.count is not None:
                xi += share**2 * (1 / e.count - 1 / size)
    d[0, noise_at[("xi", None)]] = 1
    Q = []
    for nz in noises:
        if nz == ("Z", "R"):
            Q.append(1 / rational(own["R"]))
        elif nz == ("Z", "S"):
            Q.append(1 / rational(own["S"]))
        else:
            Q.append(sp.factor(sp.cancel(xi)))
    c = c.applyfunc(sp.cancel)
    if Q[noise_at[("xi", None)]] == 0:  # no subsampling: no xi
        drop = noise_at[("xi", None)]
        noises.pop(drop)
        Q.pop(drop)
        d.col_del(drop)
        noise_at = {nz: i for i, nz in enumerate(noises)}
        m -= 1

    # ------------------------------------------------ the update x_{k-1} -> x_k
    A = sp.zeros(n, n)
    B = sp.zeros(n, m)
    for i, s in enumerate(slots):
        if s.role == "fixed":
            A[i, i] = 1
        elif s.role == "lag" and s.index > 0:
            A[i, position[_Slot("lag", s.kind, s.index - 1)]] = 1
        elif s.role == "lag" and s.kind == "S":      # X_{S<k>} = H_k + Z_{S<k>}
            A[i, :] = c
            B[i, :] = d
            B[i, noise_at[("Z", "S")]] += 1
        elif s.role == "lag":                         # X_{R<k>} = Z_{R<k>}
            B[i, noise_at[("Z", "R")]] = 1
        else:
            A[i, i] = 1
            if s.kind == "S" and emits:
                unit = rational(own["S"]) if not weighted and _all_entry(rule, "S").count is None else 1
                A[i, :] += unit * c
                B[i, :] += unit * d
                B[i, noise_at[("Z", "S")]] += unit
            elif s.kind == "R" and collects:
                unit = rational(own["R"]) if not weighted and _all_entry(rule, "R").count is None else 1
                B[i, noise_at[("Z", "R")]] += unit
    A, B, d = A.applyfunc(sp.cancel), B.applyfunc(sp.cancel), d.applyfunc(sp.cancel)

    initial, variance_1 = _initial_moments(fam, slots, k0)
    noise_names = tuple(_noise_name(nz) for nz in noises)
    ss = StateSpace(fam, k0, tuple(s.name() for s in slots), noise_names, A, B, c, d, tuple(Q), initial,
                    variance_1, tuple(s.latex() for s in slots), tuple(_noise_latex(nz) for nz in noises),
                    (), tuple(slots))
    checks = _check_against_process(ss)
    object.__setattr__(ss, "checks", checks)
    return ss


def _all_entry(rule, kind):
    return next(e for e in rule.entries if e.selector == "all" and e.kind == kind)


def _noise_name(nz):
    return {("Z", "R"): "Z[R(k)]", ("Z", "S"): "Z[S(k)]"}.get(nz, "xi(k)")


def _noise_latex(nz):
    return {("Z", "R"): r"Z_{R_{k}}", ("Z", "S"): r"Z_{S_{k}}"}.get(nz, r"\xi_{k}")


# ---------------------------------------------------------------------- initial moments from the process
def _q(x):
    x = Fraction(x)
    return flint.fmpq(x.numerator, x.denominator)


def _initial_moments(fam, slots, k0):
    """(P_{k0-1}, Var H_1): the state after generation k0 - 1 over the process's primitives, exactly."""
    from .process import exact_loadings, linear_form, variances

    variance_1 = variances(fam.workflow(1))[0]
    before = k0 - 1
    if before >= 1:
        lf = linear_form(fam.workflow(before))
        rows = exact_loadings(lf)
        names = list(lf.primitives)
        noise = [_q(v) for v in lf.variances]
    else:
        rows, names, noise = [], [], []
    index = {name: i for i, name in enumerate(names)}

    def primitive(batch, size):
        key = f"Z[{batch}]"
        if key not in index:
            index[key] = len(names)
            names.append(key)
            noise.append(_q(1 / size))
        return index[key]

    def statistic(kind, j):
        """X_B as {primitive: loading}."""
        size = fam.size(kind, j)
        out = {primitive(f"{kind}{j}", size): flint.fmpq(1)}
        if kind == "S":
            for p, value in enumerate(rows[j - 1]):
                if value:
                    out[p] = out.get(p, flint.fmpq(0)) + value
        return out

    loadings = []
    for s in slots:
        if s.role == "fixed":
            loadings.append(statistic(s.index[0], int(s.index[1:])))
        elif s.role == "lag":
            loadings.append(statistic(s.kind, before - s.index))
        else:
            entry = _all_entry(fam.rule, s.kind)
            pooled_whole = not fam.rule.weighted and entry.count is None
            total = {}
            for j in range(0 if s.kind == "R" else 1, before + 1):
                size = fam.size(s.kind, j)
                if size is None:
                    continue
                unit = _q(size) if pooled_whole else flint.fmpq(1)
                for p, v in statistic(s.kind, j).items():
                    total[p] = total.get(p, flint.fmpq(0)) + unit * v
            loadings.append(total)
    width = len(names)
    L = flint.fmpq_mat(len(slots), width)
    LD = flint.fmpq_mat(len(slots), width)
    for i, row in enumerate(loadings):
        for p, v in row.items():
            L[i, p] = v
            LD[i, p] = v * noise[p]
    moments = LD * L.transpose() if slots else flint.fmpq_mat(0, 0)
    initial = sp.Matrix(len(slots), len(slots), lambda i, j: rational(moments[i, j]))
    return initial, rational(variance_1)


def _check_against_process(ss):
    """Iterate the map from P_{k0-1} and compare Var H_k with the exact process, k0 <= k < k0 + steps."""
    from .process import variances

    last = ss.start + _CHECK_STEPS + ss.dimension
    exact = variances(ss.family.workflow(last))
    moments = ss.initial
    for n in range(ss.start, last + 1):
        at = {k: n}
        A, B, c, d = (M.subs(at) for M in (ss.A, ss.B, ss.c, ss.d))
        Qm = sp.diag(*[as_sympy(q).subs(at) for q in ss.Q])
        var = (c * moments * c.T + d * Qm * d.T)[0, 0]
        if var != rational(exact[n - 1]):
            raise StateSpaceError(f"the state-space form of {ss.family.name} gives Var H_{n} = {var}, the process "
                                  f"{format_rational(exact[n - 1])}")
        moments = A * moments * A.T + B * Qm * B.T
    return (f"consistency check (not needed by the argument): the map, iterated from P_{ss.start - 1}, reproduces "
            f"Var H_k of the exact process for k = {ss.start}..{last}",)
