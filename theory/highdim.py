"""Linear regression in every regime: ridge, minimum-norm interpolation, a biased generator.

The model of ``linreg``: y = x^T w0 + eps, x ~ N(0, I_d), eps ~ N(0, sigma^2), w0 of
norm 1 with first coordinate w01 = 1/sqrt(d); every fit is the normalised ridge
estimator ``(X^T A X + lam I)^{-1} X^T A y`` (A the per-point shares; at lam = 0 the
least-squares solution of minimum norm), and every emitted batch is drawn from the
fitted coefficients plus ``shift`` e_1. The risk is E ||w_k - w0||^2. It is always

    risk_k = signal_k + shift w01 cross_k + shift^2 bias_k + sigma^2 noise_k,

and this module derives the four coefficients (:class:`RiskTerms`).

A fixed design, whole batches (every fit pools whole batches whose sizes are multiples
of the N design rows). Then every fit has the same matrix S = X^T X/N: with
rho(S) = S (S + lam)^+, generation k's fit is, in the eigenbasis of S, one
sequential Gaussian process per eigenvalue x with *feedback* rho(x) —
H = rho Omega H + E z instead of H = Omega H + E z — and a mean that follows
a_k(rho) w0 + shift b_k(rho) e_1 (:func:`feedback_polynomials`, polynomials in rho
with rational coefficients). The eigenvectors of a Gaussian S are Haar and
independent of its eigenvalues, so every expectation is an integral over the
spectrum: ``risk_k = int f_k(x) dmu(x)`` with

    f_k = (a_k - 1)^2 + 2 shift w01 (a_k - 1) b_k + shift^2 b_k^2 + sigma^2 (d/n) Q_k(rho) x/(x + lam)^2.

At lam = 0 rho is 1 on the row space and 0 off it, and the integral needs only the
rank and E tr (X^T X)^+ (exact at every N and d, :class:`WishartRank`); at lam > 0
the spectrum is replaced by Marchenko–Pastur at gamma = d/N, its deterministic
equivalent (:class:`MarchenkoPastur`, exact algebraic numbers, asymptotic in the
proportional limit).

A fresh design under discard: w_k = P_k (w_{k-1} + shift e_1) + noise with P_k =
rho(S_k) independent of the past and orthogonally invariant, so E P = tau_1 I,
E P^2 = tau_2 I and the mean and second moment follow an exact two-term recursion
(:func:`fresh_discard_terms`).

A fresh design under augment (each fit pools the previous fit's batches and the new
synthetic batch, lam = 0, no shift): the normal equations telescope,
w_k = w_{k-1} + (X_k^T X_k)^+ X_S^T eps_S with X_k all rows pooled so far, and
exchangeability of the rows gives E ||.||^2 = sigma^2 (m_S/N_k) E tr (X_k^T X_k)^+
(:func:`fresh_augment_terms`): exact, and R_k -> sum_j (1 - phi)/(j (j - phi)) at
d/n -> phi.

Elsewhere the fixed-d limit (:class:`PointMass`: S -> I, so rho = 1/(1 + lam)) is
reported as asymptotic. :func:`linreg_risk` picks the route for a workflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import flint
import mpmath
import sympy as sp

from .points import discard_sizes, fit_points
from .process import linear_form
from .random_matrix import QuadraticSurd, mp_resolvent_moments, projection_trace, pseudo_inverse_trace
from .rationals import as_sympy, to_rational
from .workflow import Workflow

__all__ = ["FeedbackPolynomials", "feedback_polynomials", "RiskTerms", "LinregRisk", "WishartRank",
           "MarchenkoPastur", "PointMass", "fixed_design_terms", "fresh_discard_terms", "fresh_augment_terms",
           "linreg_risk", "ratio_limit_fresh_augment", "RHO"]

RHO = flint.fmpq_poly([0, 1])
"""The feedback rho as a polynomial (the identity)."""


def _q(x):
    x = Fraction(x)
    return flint.fmpq(x.numerator, x.denominator)


def _fraction(q):
    return Fraction(int(q.p), int(q.q))


# ----------------------------------------------------------------------------------------- the process
@dataclass(frozen=True)
class FeedbackPolynomials:
    """Per generation k, polynomials in the feedback rho (FLINT ``fmpq_poly``).

    Attributes
    ----------
    variance : list
        Q_k(rho) = Var H_k when every synthetic source enters through rho H_src (units V/n).
    truth : list
        a_k(rho): the mean of the fit is a_k w0 + shift b_k e_1 ...
    shift : list
        b_k(rho): ... so a_k(1) = 1 and b_k(1) is the shift a generation has accumulated.
    """

    variance: list
    truth: list
    shift: list


def feedback_polynomials(workflow: Workflow):
    """Q_k, a_k, b_k of :class:`FeedbackPolynomials` for a workflow, exactly.

    The linear form H = Omega H + E z of :func:`theory.process.linear_form` becomes
    H = rho Omega H + E z, solved by forward substitution over polynomials; at rho = 1
    Q_k is the process variance of :func:`theory.process.variances`.

    Parameters
    ----------
    workflow : Workflow
        The workflow (at any sample size: the polynomials are in units of V/n).

    Returns
    -------
    FeedbackPolynomials
        The variance, truth and shift polynomials in x = rho, one per generation.

    Examples
    --------
    >>> from theory.presets import preset
    >>> fp = feedback_polynomials(preset("discard", 3))
    >>> [str(q) for q in fp.variance], [str(b) for b in fp.shift]
    (['1', 'x^2 + 1', 'x^4 + x^2 + 1'], ['0', 'x', 'x^2 + x'])
    >>> [str(a) for a in feedback_polynomials(preset("augment", 2)).truth]
    ['x', '1/2*x^2 + 1/2*x']
    """
    lf = linear_form(workflow)
    G, P = lf.G, len(lf.variances)
    zero = flint.fmpq_poly([])
    rows = [[zero] * P for _ in range(G)]
    for k, p, w in lf.direct:
        rows[k][p] = rows[k][p] + _q(w)
    for k, j, w in lf.feedback:      # in generation order, j < k: row j is final
        step = RHO * _q(w)
        rows[k] = [a + step * b if b != zero else a for a, b in zip(rows[k], rows[j], strict=True)]
    noise = [_q(v) for v in lf.variances]
    variance = []
    for row in rows:
        total = zero
        for m, v in zip(row, noise, strict=True):
            if m != zero:
                total = total + m * m * v
        variance.append(total)
    truth, shift = [], []
    for fit in workflow.shares():
        a = b = zero
        for s in fit:
            if not s.share:
                continue
            w = _q(s.share)
            if s.source:
                a = a + w * truth[s.source - 1]
                b = b + w * (shift[s.source - 1] + 1)
            else:
                a = a + w
        truth.append(RHO * a)
        shift.append(RHO * b)
    return FeedbackPolynomials(variance, truth, shift)


# ----------------------------------------------------------------------------------------- the terms
@dataclass(frozen=True)
class RiskTerms:
    """risk = signal + shift w01 cross + shift^2 bias + sigma^2 noise (one generation).

    The coefficients are exact (Fraction, :class:`~theory.random_matrix.QuadraticSurd`)
    or mpmath numbers; ``noise`` is None where it is infinite.
    """

    signal: object
    cross: object
    bias: object
    noise: object

    def value(self, sigma2, shift, w01):
        """The risk at these parameters (exact rationals in, same kind of number out)."""
        total = self.signal + shift * w01 * self.cross + shift * shift * self.bias
        return total + sigma2 * self.noise


@dataclass(frozen=True)
class LinregRisk:
    """The toolkit's risk of linreg under one workflow: terms per generation and what they are.

    Attributes
    ----------
    terms : tuple of RiskTerms, or None when the risk has no derived value
    kind : str
        ``"exact"`` (at this n and d), ``"asymptotic"``, or ``"none"``.
    note : str
        The route and its assumptions, for the reader.
    """

    terms: tuple | None
    kind: str
    note: str

    def floats(self, params):
        """risk_k as floats at validated linreg parameters (None where there is no value).

        ``w01 = 1/sqrt(d)`` enters exactly: the risk is A + B/sqrt(d) with A and B
        evaluated at 30 digits.
        """
        if self.terms is None:
            return None
        sigma2 = to_rational(params["sigma"]) ** 2
        shift = to_rational(params.get("shift", 0))
        d = params["d"]
        out = []
        with mpmath.workdps(30):
            w01 = 1 / mpmath.sqrt(d)
            for t in self.terms:
                if t.noise is None and sigma2:
                    out.append(float("inf"))
                    continue
                noise = 0 if t.noise is None else _mp(t.noise)
                value = _mp(t.signal) + _mp(shift) * w01 * _mp(t.cross) + _mp(shift * shift) * _mp(t.bias)
                out.append(float(value + _mp(sigma2) * noise))
        return out


def _mp(x):
    """An exact or mpmath number at the working precision."""
    if isinstance(x, QuadraticSurd):
        return x.evaluate(mpmath.mp.dps)
    if isinstance(x, Fraction):
        return mpmath.mpf(x.numerator) / x.denominator
    if isinstance(x, int):
        return mpmath.mpf(x)
    return mpmath.mpf(x)


# ----------------------------------------------------------------------------------------- spectra
class WishartRank:
    """The spectrum of S = X^T X/N at lam = 0, exactly: rho = 1 on the row space, 0 off it.

    ``expect(p) = (1 - r/d) p(0) + (r/d) p(1)`` with r = min(N, d), and the noise
    integral int_{x > 0} p(rho) / x = p(1) (N/d) E tr (X^T X)^+ (None if infinite).

    Examples
    --------
    >>> s = WishartRank(3, 10)
    >>> s.expect(RHO), s.expect_noise(flint.fmpq_poly([1]))   # r/d, (N/d) N/(d-N-1)
    (Fraction(3, 10), Fraction(3, 20))
    """

    lam = Fraction(0)
    exact = True

    def __init__(self, N, d):
        self.N, self.d = int(N), int(d)
        self.rank = projection_trace(self.N, self.d)

    def expect(self, p):
        return (1 - self.rank) * _fraction(p(0)) + self.rank * _fraction(p(1))

    def expect_noise(self, p):
        if self.d - 1 <= self.N <= self.d + 1:     # E tr (X^T X)^+ is infinite
            return None
        return _fraction(p(1)) * Fraction(self.N, self.d) * pseudo_inverse_trace(self.N, self.d)


class MarchenkoPastur:
    """The Marchenko–Pastur law MP_gamma as the spectrum of S, with a penalty lam > 0.

    With y = 1/(x + lam), rho = 1 - lam y and x/(x + lam)^2 = y - lam y^2, so every
    integrand is a polynomial in y and int y^j dMP = c_{j-1}, the resolvent moments of
    :func:`theory.random_matrix.mp_resolvent_moments` (exact surds).

    Examples
    --------
    >>> s = MarchenkoPastur(Fraction(1, 4), Fraction(1))
    >>> round(float(s.expect(RHO)), 12)       # int x/(x + 1) dMP_{1/4} = 1 - (sqrt 65 - 7)/2
    0.468871125851
    """

    exact = False

    def __init__(self, gamma, lam):
        self.gamma, self.lam = to_rational(gamma, "gamma"), to_rational(lam, "lam")
        self._moments = []

    def _moment(self, j):
        """int y^j dMP (j >= 0)."""
        if j == 0:
            return Fraction(1)
        if len(self._moments) < j:
            self._moments = mp_resolvent_moments(self.gamma, self.lam, max(j, 2 * len(self._moments), 4))
        return self._moments[j - 1]

    def _integrate(self, q):
        total = Fraction(0)
        for j, c in enumerate(q.coeffs()):
            if c:
                total = self._moment(j) * _fraction(c) + total
        return total

    def _in_y(self, p):
        return p(flint.fmpq_poly([1, -_q(self.lam)]))

    def expect(self, p):
        return self._integrate(self._in_y(p))

    def expect_noise(self, p):
        lam = _q(self.lam)
        return self._integrate(self._in_y(p) * flint.fmpq_poly([0, 1, -lam]))


class PointMass:
    """S = I, the fixed-d limit n -> infinity: rho = 1/(1 + lam) and x/(x + lam)^2 = 1/(1 + lam)^2.

    Examples
    --------
    >>> PointMass(Fraction(1)).expect(RHO), PointMass(0).expect_noise(RHO)
    (Fraction(1, 2), Fraction(1, 1))
    """

    exact = False

    def __init__(self, lam):
        self.lam = to_rational(lam, "lam")
        self.rho = 1 / (1 + self.lam)

    def expect(self, p):
        return _fraction(p(_q(self.rho)))

    def expect_noise(self, p):
        return _fraction(p(_q(self.rho))) * self.rho * self.rho


# ----------------------------------------------------------------------------------------- the routes
def fixed_design_terms(workflow: Workflow, n, d, spectrum):
    """RiskTerms per generation when every fit shares the spectrum of one S (see the module doc).

    ``spectrum`` is a :class:`WishartRank`, :class:`MarchenkoPastur` or :class:`PointMass`.

    Examples
    --------
    >>> from theory.presets import preset
    >>> t = fixed_design_terms(preset("augment", 2), 30, 5, WishartRank(30, 5))
    >>> [x.noise for x in t]                  # (N/n) d/(N-d-1) times 1, 5/4
    [Fraction(5, 24), Fraction(25, 96)]
    """
    fp = feedback_polynomials(workflow)
    out = []
    scale = Fraction(d, n)
    for Q, a, b in zip(fp.variance, fp.truth, fp.shift, strict=True):
        gap = a - 1
        noise = spectrum.expect_noise(Q)
        out.append(RiskTerms(spectrum.expect(gap * gap), spectrum.expect(2 * gap * b), spectrum.expect(b * b),
                             None if noise is None else noise * scale))
    return tuple(out)


def fresh_discard_terms(spectra, d, sizes):
    """RiskTerms of a fresh design under discard, one spectrum per generation (fit of ``sizes[k]`` points).

    With tau_1 = E rho, tau_2 = E rho^2 and nu = (d/m) E x/(x + lam)^2 of each fit's
    spectrum: E w_k = alpha_k w0 + shift beta_k e_1 and E ||w_k||^2 = q_k follow

        alpha_1 = tau_1, q_1 = tau_2 + sigma^2 nu;
        alpha_k = tau_1 alpha_{k-1}, beta_k = tau_1 (beta_{k-1} + 1),
        q_k = tau_2 (q_{k-1} + 2 shift (alpha_{k-1} w01 + shift beta_{k-1}) + shift^2) + sigma^2 nu,

    and risk_k = q_k - 2 (alpha_k + shift beta_k w01) + 1.

    Examples
    --------
    >>> t = fresh_discard_terms([WishartRank(3, 10)] * 3, 10, [3, 3, 3])
    >>> [x.signal for x in t]                  # 1 - (3/10)^k: the over-parameterised chain forgets w0
    [Fraction(7, 10), Fraction(91, 100), Fraction(973, 1000)]
    """
    one = flint.fmpq_poly([1])
    moments = [(spec.expect(RHO), spec.expect(RHO * RHO), spec.expect_noise(one)) for spec in spectra]
    fields = {x.D for row in moments for x in row if isinstance(x, QuadraticSurd) and x.b}
    if len(fields) > 1:   # fits of different sizes: surds of different fields, carried at 40 digits
        with mpmath.workdps(40):
            moments = [tuple(None if x is None else _mp(x) for x in row) for row in moments]
    terms, out = None, []
    alpha = beta = None
    for k, ((tau1, tau2, nu), m) in enumerate(zip(moments, sizes, strict=True)):
        nu = None if nu is None else nu * Fraction(d, m)
        if k == 0:
            alpha, beta = tau1, Fraction(0)
            q = [tau2, Fraction(0), Fraction(0), nu]
        else:
            v = [q[0], q[1] + 2 * alpha, q[2] + 2 * beta + 1, q[3]]
            q = [tau2 * v[0], tau2 * v[1], tau2 * v[2],
                 None if (v[3] is None or nu is None) else tau2 * v[3] + nu]
            alpha, beta = tau1 * alpha, tau1 * (beta + 1)
        terms = RiskTerms(q[0] - 2 * alpha + 1, q[1] - 2 * beta, q[2], q[3])
        out.append(terms)
    return tuple(out)


def fresh_augment_terms(d, pooled, added):
    """RiskTerms of a fresh design when every fit adds the previous fit's synthetic batch (lam = 0, no shift).

    ``pooled[k]`` is the number of rows of fit k, ``added[k]`` (k >= 1) the size of the
    synthetic batch it adds. risk_1 = (1 - r_1/d) + sigma^2 E tr (X_1^T X_1)^+ and each
    later fit adds sigma^2 (added/pooled) E tr (X_k^T X_k)^+ (None once one is infinite).

    Parameters
    ----------
    d : int
        The dimension.
    pooled : list of int
        The rows of each fit.
    added : list of int or None
        The synthetic rows each fit adds (None for the first).

    Returns
    -------
    list of RiskTerms
        Signal and noise terms of each generation's risk, exact Fractions.

    Examples
    --------
    >>> t = fresh_augment_terms(2, [10, 20, 30], [None, 10, 10])
    >>> [x.noise for x in t]                  # 2/7, + (1/2) 2/17, + (1/3) 2/27
    [Fraction(2, 7), Fraction(41, 119), Fraction(3559, 9639)]
    """
    pooled = [int(N) for N in pooled]
    added = [None if m is None else int(m) for m in added]
    out, noise = [], Fraction(0)
    signal = 1 - projection_trace(pooled[0], d)
    for k, N in enumerate(pooled):
        if d - 1 <= N <= d + 1:        # E tr (X^T X)^+ is infinite from here on
            noise = None
        if noise is not None:
            trace = pseudo_inverse_trace(N, d)
            noise += trace if k == 0 else Fraction(added[k], N) * trace
        out.append(RiskTerms(signal, Fraction(0), Fraction(0), noise))
    return tuple(out)


# ----------------------------------------------------------------------------------------- the dispatcher
def _live(entries):
    return [[e for e in row if e.share] for row in entries]


def _nested(live):
    """(pooled rows per fit, size of the batch each adds) if every fit adds S_{k-1} to the previous, pooled."""
    first = live[0]
    if len(first) != 1 or first[0].batch != "R0" or first[0].count != first[0].size:
        return None
    pooled, added = [first[0].size], [None]
    for k in range(1, len(live)):
        previous, row = {e.batch for e in live[k - 1]}, live[k]
        names = {e.batch for e in row}
        if names != previous | {f"S{k}"} or any(e.count != e.size for e in row):
            return None
        total = sum(e.count for e in row)
        if any(e.share != Fraction(e.count, total) for e in row):
            return None
        pooled.append(total)
        added.append(next(e.size for e in row if e.batch == f"S{k}"))
    return pooled, added


def _none(reason):
    return LinregRisk(None, "none", f"none: {reason}")


def linreg_risk(params, workflow: Workflow, n) -> LinregRisk:
    """The toolkit's risk of linreg (validated ``params``) under ``workflow`` at base size ``n``.

    ``workflow`` is the one simulated (``workflow.at_sample_size(n)``). Routes, in order:

    - fixed design, every fit pooling whole batches of a multiple of the design rows N:
      exact at lam = 0 (finite when N <= d - 2 or N >= d + 2), the Marchenko–Pastur
      deterministic equivalent at gamma = d/N for lam > 0;
    - fresh design under discard: exact at lam = 0 (every fit of at most d - 2 or at
      least d + 2 points), Marchenko–Pastur at gamma = d/m_k for lam > 0;
    - fresh design under augment (each fit adds the previous synthetic batch), lam = 0,
      no shift: exact;
    - otherwise, when every fit has at least d + 2 points: the fixed-d limit (S -> I).

    Parameters
    ----------
    params : dict
        Validated linreg parameters (``d``, ``sigma``, ``design``, ``lam``, ``shift``).
    workflow : Workflow
        The workflow at sample size ``n`` (``workflow.at_sample_size(n)``).
    n : int
        The base sample size.

    Returns
    -------
    LinregRisk
        The risk per generation, its kind (exact or asymptotic) and a note naming the route.

    Examples
    --------
    >>> from theory.presets import preset
    >>> p = {"d": 200, "sigma": 1.0, "design": "fresh", "lam": 0.0, "shift": 0.0}
    >>> r = linreg_risk(p, preset("discard", 3).at_sample_size(100), 100)
    >>> r.kind, [round(v, 4) for v in r.floats(p)]   # (1 - 1/2) + 100/99, then toward 1 + 200/99
    ('exact', [1.5101, 2.2652, 2.6427])
    """
    d, lam, design = params["d"], to_rational(params.get("lam", 0)), params.get("design", "fixed")
    shift = to_rational(params.get("shift", 0))
    live = _live(fit_points(workflow, n))
    G = len(live)
    if design == "fixed":
        N = int(workflow.real * n)
        whole = all(e.count == e.size and e.size % N == 0 for row in live for e in row)
        if whole:
            if lam:
                spectrum = MarchenkoPastur(Fraction(d, N), lam)
                return LinregRisk(fixed_design_terms(workflow, n, d, spectrum), "asymptotic",
                                  f"asymptotic: proportional limit, the spectrum of X^T X/N replaced by "
                                  f"Marchenko-Pastur at gamma = d/N = {Fraction(d, N)} (deterministic equivalent; "
                                  "every fit pools whole batches on the one fixed design)")
            terms = fixed_design_terms(workflow, n, d, WishartRank(N, d))
            if terms[0].noise is None:
                return _none(f"E tr (X^T X)^+ is infinite for a design of N = {N} rows in d = {d} dimensions "
                             "(finite only for N <= d - 2 or N >= d + 2): the risk of the least-squares fit is "
                             "infinite")
            kind = "least squares" if N >= d else "minimum-norm interpolation"
            return LinregRisk(terms, "exact", f"exact: {kind} on one fixed design of N = {N} rows; every fit pools "
                              "whole batches, so the process is exact given X, with the bias (1 - min(N,d)/d) "
                              "||w0||^2 off the row space and the noise sigma^2 Cov(H)_kk (N/n) E tr (X^T X)^+")
    else:
        sizes = discard_sizes(workflow, n)
        if sizes is not None:
            if lam:
                spectra = [MarchenkoPastur(Fraction(d, m), lam) for m in sizes]
                note = ("asymptotic: proportional limit, each fit's spectrum replaced by Marchenko-Pastur at "
                        f"gamma = d/m ({', '.join(sorted({str(Fraction(d, m)) for m in sizes}))}); fresh design "
                        "under discard: exact recursion of E w_k and E ||w_k||^2 through E rho and E rho^2")
                return LinregRisk(fresh_discard_terms(spectra, d, sizes), "asymptotic", note)
            terms = fresh_discard_terms([WishartRank(m, d) for m in sizes], d, sizes)
            if any(t.noise is None for t in terms):
                return _none(f"E tr (X^T X)^+ is infinite for a fit of d - 1 to d + 1 points (sizes {sizes}, "
                             f"d = {d})")
            return LinregRisk(terms, "exact", "exact: fresh design under discard; E P = E P^2 = (min(m,d)/d) I for "
                              "the projection onto a fresh row space and the noise sigma^2 E tr (X^T X)^+")
        nested = _nested(live)
        if nested is not None and not lam and not shift:
            terms = fresh_augment_terms(d, *nested)
            if any(t.noise is None for t in terms):
                return _none(f"a pooled fit has d - 1 to d + 1 rows (pooled sizes {nested[0]}, d = {d}), where "
                             "E tr (X^T X)^+ is infinite")
            return LinregRisk(terms, "exact", "exact: fresh design, every fit adds the last synthetic batch to the "
                              "previous fit's data; the normal equations telescope, w_k = w_{k-1} + "
                              "(X_k^T X_k)^+ X_S^T eps_S, and exchangeable rows give sigma^2 (m_S/N_k) E tr "
                              "(X_k^T X_k)^+ per step")
    smallest = min(sum(e.count for e in row) for row in live)
    if smallest < d + 2 or (design == "fixed" and int(workflow.real * n) < d + 2):
        return _none(f"not derived for this workflow with fits of {smallest} points in d = {d} dimensions "
                     "(over-parameterised or at the interpolation threshold); see the Monte Carlo")
    terms = fixed_design_terms(workflow, n, d, PointMass(lam))
    del G
    return LinregRisk(terms, "asymptotic", "asymptotic: the fixed-d limit n -> infinity (X^T X/m -> I, so rho = "
                      f"1/(1 + lam) = {1 / (1 + lam)}); the noise is sigma^2 (d/n) Q_k(rho)/(1 + lam)^2 with Q_k the "
                      "variance of the sequential Gaussian process with feedback rho")


def ratio_limit_fresh_augment(phi):
    """lim_k of the proportional limit (d/n -> phi < 1) of R_k, augment with fresh designs, lam = 0.

    The exact ratio (:func:`fresh_augment_terms`, n points per batch) is
    R_k = sum_{j <= k} (n - d - 1)/(j (j n - d - 1)) -> sum_j (1 - phi)/(j (j - phi)),
    and sum_j phi/(j (j - phi)) = -EulerGamma - digamma(1 - phi) (the series of digamma,
    DLMF 5.7.6), so the limit is (1 - phi)(-EulerGamma - digamma(1 - phi))/phi: pi^2/6 at
    phi -> 0, and smaller for 0 < phi < 1 (each term (1 - phi)/(j (j - phi)) <= 1/j^2).

    Parameters
    ----------
    phi : Rational or int
        The aspect ratio d/n, in [0, 1).

    Returns
    -------
    sympy.Expr
        The limit of R_k in closed form.

    Examples
    --------
    >>> ratio_limit_fresh_augment(sp.Rational(1, 2))
    log(4)
    >>> ratio_limit_fresh_augment(0)
    pi**2/6
    """
    phi = as_sympy(phi)
    if phi == 0:
        return sp.pi**2 / 6
    if not (phi.is_number and 0 < phi < 1):
        raise ValueError(f"phi = d/n must lie in [0, 1), got {phi}")
    return sp.simplify((1 - phi) * (-sp.EulerGamma - sp.digamma(1 - phi)) / phi)
