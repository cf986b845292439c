"""Linear and logistic regression with labels resampled on a design, and the batched logistic MLE.

:func:`logistic_mle` is the one logistic-regression kernel of the toolkit: the
Monte Carlo model below and the real-data protocol (:mod:`numerics.real_data`)
both fit with it, on a stack of designs (one per replicate) or on one design
shared by every replicate, and read its outcome as a :class:`FitStatus`.

Linear regression fits the normalised ridge estimator (minimum-norm least squares at
``lam = 0``) with the batched solvers of :mod:`numerics.models.ridge`, in every regime:
more or fewer rows than coefficients, either design, weighted or pooled fits.

The design is either *fixed*, one Gaussian X per replicate (the design of the real
data R0, with ``real * n`` rows) reused by every batch, labels resampled on it (a
batch of m points takes rows ``i mod rows``), or *fresh*, a new Gaussian X for every
batch. On a fixed design every batch reduces exactly to per-row sums: the total
weight ``a_r`` on row r and the weighted label sum ``b_r``, so fits cost
O(rows d^2) however many batches they pool, and the weighted least-squares and
likelihood equations are the real ones. Synthetic labels use the fitted
coefficients and, for linear regression, the true noise level sigma.
"""

from __future__ import annotations

from dataclasses import replace
from enum import IntEnum
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
from scipy.special import expit

from .base import NumericModel, bartlett_factor, gather, gram
from .registry import numeric_face
from .ridge import DesignRidge, ridge_from_moments, weighted_ridge

__all__ = ["LinearRegression", "LogisticRegression", "FitStatus", "LogisticFit", "SEPARATION_RULES",
           "logistic_mle", "row_counts"]


class FitStatus(IntEnum):
    """How an iterative fit of one replicate ended (the values are what status arrays hold).

    Examples
    --------
    >>> FitStatus(2).name, int(FitStatus.CONVERGED)
    ('SEPARATED', 0)
    """

    CONVERGED = 0
    """The maximiser, to the tolerance."""
    NOT_CONVERGED = 1
    """The iteration cap was reached first."""
    SEPARATED = 2
    """The data are separable: the likelihood has no maximiser."""
    SINGULAR = 3
    """The information matrix is numerically singular."""


def row_counts(m, rows):
    """How many of the first ``m`` positions fall on each row when positions cycle ``i mod rows``.

    Examples
    --------
    >>> row_counts(7, 3).tolist()
    [3.0, 2.0, 2.0]
    """
    return (m // rows + (np.arange(rows) < m % rows)).astype(float)


def _row_sums(y, rows):
    """Per-row sums of labels at positions 0..m-1 (position i on row i mod rows)."""
    m = y.shape[1]
    out = y[:, :min(m, rows)].copy()
    for start in range(rows, m, rows):
        part = y[:, start:start + rows]
        out[:, :part.shape[1]] += part
    if m < rows:
        out = np.concatenate([out, np.zeros((y.shape[0], rows - m))], axis=1)
    return out


def _scatter_rows(idx, values, rows):
    """Per replicate, total count and total value on each row of the subsample positions ``idx``."""
    R = idx.shape[0]
    flat = (idx % rows + rows * np.arange(R)[:, None]).ravel()
    a = np.bincount(flat, minlength=R * rows).reshape(R, rows).astype(float)
    b = np.bincount(flat, weights=values.ravel(), minlength=R * rows).reshape(R, rows)
    return a, b


def _pool_rows(parts):
    """Weighted per-row totals of fixed-design entries: ``(A, B)`` with ``A`` shared when possible."""
    A = B = None
    for p in parts:
        w = p.point_weight
        a, b = w * p.summary["a"], w * p.summary["b"]
        A = a if A is None else A + a
        B = b if B is None else B + b
    return A, B


def _design_vectors(X, v):
    """X^T v for stacks X (R, N, d), v (R, N)."""
    return np.matmul(np.ascontiguousarray(np.swapaxes(X, 1, 2)), v[:, :, None])[:, :, 0]


def _singular(H):
    """Per matrix, whether the symmetric positive semi-definite ``H`` is numerically singular."""
    eig = np.linalg.eigvalsh(H)
    return ~(eig[:, 0] > 1e-12 * np.abs(eig[:, -1])) | ~np.isfinite(eig).all(axis=1)


def _solve(H, g):
    """Solve H x = g per replicate; singular systems get x = 0 and are reported."""
    singular = _singular(H)
    safe = np.where(singular[:, None, None], np.eye(H.shape[1]), H)
    x = np.linalg.solve(safe, g[:, :, None])[:, :, 0]
    return np.where(singular[:, None], 0.0, x), singular


class _Regression(NumericModel):
    """Shared design handling of the two regression models."""

    def __init__(self, params, truth):
        super().__init__(params, truth)
        self.d = int(params.get("d", 5))
        self.design = params.get("design", "fixed")
        if self.theta0.shape != (self.d,):
            raise ValueError(f"{self.name} true coefficients must have length d = {self.d}, "
                             f"got {self.theta0!r}")
        self.fixed = self.design == "fixed"
        self.point_bytes = 8 if self.fixed else 8 * (self.d + 1)

    def context(self, rand, real_size):
        if not self.fixed:
            return SimpleNamespace(R=rand.size)
        X = rand.normal(real_size, self.d)
        Xt = np.ascontiguousarray(np.swapaxes(X, 1, 2))
        return SimpleNamespace(R=rand.size, X=X, Xt=Xt, rows=real_size, gram=gram(X))

    def context_bytes(self, real_size):
        # the design, its transpose and Gram matrix, and a factored system of the smaller side
        return 6 * 8 * real_size * self.d + 8 * min(real_size, self.d) ** 2 if self.fixed else 0

    def summary_bytes(self, real_size):
        return 16 * real_size if self.fixed else 8 * (self.d + 1) * self.d

    def truth(self, ctx):
        return {"coef": np.broadcast_to(self.theta0, (ctx.R, self.d)).copy()}

    def _linear_predictor(self, ctx, state, m, rand):
        """(X, eta) for a new batch of m points: fixed rows cycled, or a fresh Gaussian X."""
        if self.fixed:
            eta = np.matmul(ctx.X, state["coef"][:, :, None])[:, :, 0]
            if m != ctx.rows:
                eta = eta[:, np.arange(m) % ctx.rows]
            return None, eta
        X = rand.normal(m, self.d)
        return X, np.matmul(X, state["coef"][:, :, None])[:, :, 0]

    def summarise(self, ctx, points, m, idx=None):
        if self.fixed:
            if idx is None:
                return {"a": row_counts(m, ctx.rows), "b": _row_sums(points["y"], ctx.rows)}
            a, b = _scatter_rows(idx, gather(points["y"], idx), ctx.rows)
            return {"a": a, "b": b}
        X = points["X"] if idx is None else gather(points["X"], idx)
        y = points["y"] if idx is None else gather(points["y"], idx)
        return self._fresh_summary(X, y)

    def metrics(self, ctx, state):
        return {"risk": ((state["coef"] - self.theta0) ** 2).sum(axis=1)}


@numeric_face("linreg")
class LinearRegression(_Regression):
    """y = x^T w + eps, x ~ N(0, I_d), eps ~ N(0, sigma^2); (weighted) ridge or minimum-norm least squares.

    Every fit is ``lim_{t -> lam+} (X^T A X + t I)^{-1} X^T A y`` (A the per-point shares,
    summing to 1): ridge for ``lam`` > 0, least squares at ``lam`` = 0, of minimum norm
    when the rows that carry weight are fewer than d. On a fixed design the fit works
    from the per-row totals (a weighted fit is the fit to the share-weighted labels);
    on a fresh design a batch of at least d points is kept as its moments
    ``(X^T X, X^T y)`` (drawn directly as a Wishart matrix and a Gaussian vector) and a
    smaller one as its points, so a fit of fewer than d points in all is solved in its
    m x m dual form. Synthetic batches are drawn from the fitted coefficients plus
    ``shift`` e_1 (the ``"emit"`` entry of a state); the truth emits itself. States are
    centred on the truth: the labels drawn are y - x^T w0, and a state's coefficients
    are w-hat - w0 (the truth's are 0).

    Examples
    --------
    >>> import numpy as np
    >>> from fractions import Fraction
    >>> from numerics.models.base import Part
    >>> from numerics.models.random import BlockRandom
    >>> model = LinearRegression({"d": 2, "sigma": 1, "design": "fresh"}, [1.0, -1.0])
    >>> rand = BlockRandom([np.random.default_rng(0)], [2])
    >>> ctx = model.context(rand, 50)
    >>> pts = model.draw(ctx, model.truth(ctx), 50, rand)
    >>> state, _ = model.fit(ctx, [Part(model.summarise(ctx, pts, 50), Fraction(1), 50, 50)])
    >>> ols = [np.linalg.lstsq(pts["X"][r], pts["y"][r], rcond=None)[0] for r in range(2)]
    >>> bool(np.allclose(state["coef"], ols))
    True
    >>> wide = LinearRegression({"d": 8, "sigma": 1, "design": "fresh"}, np.ones(8) / np.sqrt(8))
    >>> pts = wide.draw(ctx, wide.truth(ctx), 5, rand)                      # 5 points, d = 8
    >>> state, _ = wide.fit(ctx, [Part(wide.summarise(ctx, pts, 5), Fraction(1), 5, 5)])
    >>> w0 = np.ones(8) / np.sqrt(8)           # minimum norm is not equivariant: its bias is kept
    >>> minimum_norm = [np.linalg.pinv(X) @ (y + X @ w0) - w0 for X, y in zip(pts["X"], pts["y"])]
    >>> bool(np.allclose(state["coef"], minimum_norm))
    True
    """

    def __init__(self, params, truth):
        super().__init__(params, truth)
        self.sigma = float(params.get("sigma", 1))
        self.lam = float(params.get("lam", 0))
        self.shift = float(params.get("shift", 0))

    # Centred on the truth: the replicates simulate w-hat - w0 from labels y - X w0 (a state's "coef" is
    # the fit minus w0, the truth is 0). The risk then never subtracts two nearly equal coefficients, so
    # a small sigma is not drowned by rounding errors of size 1e-16 |w0|. Every fit is linear in the
    # labels, w-hat(y) = w-hat(y - X w0) + w-hat(X w0); least squares of full rank is equivariant,
    # w-hat(X w0) = w0, and other fits (ridge, minimum norm) add their bias w-hat(X w0) - w0 (see fit).
    def truth(self, ctx):
        zero = np.zeros((ctx.R, self.d))
        return {"coef": zero, "emit": zero}

    def metrics(self, ctx, state):
        return {"risk": (state["coef"] ** 2).sum(axis=1)}

    def _emitting(self, state):
        """The state whose coefficients generate a batch: the fit plus shift e_1 (the truth: itself)."""
        return {"coef": state.get("emit", state["coef"])}

    def draw(self, ctx, state, m, rand):
        X, eta = self._linear_predictor(ctx, self._emitting(state), m, rand)
        y = eta + self.sigma * rand.normal(m)
        return {"y": y} if self.fixed else {"X": X, "y": y}

    def draw_summary(self, ctx, state, m, rand):
        coef = self._emitting(state)["coef"]
        if self.fixed:
            counts = row_counts(m, ctx.rows)
            mean = np.matmul(ctx.X, coef[:, :, None])[:, :, 0]
            return {"a": counts, "b": counts * mean + self.sigma * np.sqrt(counts) * rand.normal(ctx.rows)}
        if m < self.d:  # kept as points (see the class doc): draw the rows themselves
            return self.summarise(ctx, self.draw(ctx, state, m, rand), m)
        L = bartlett_factor(rand, m, self.d)      # X^T X = L L^T, and X^T eps has the law of L z
        G = np.matmul(L, np.ascontiguousarray(np.swapaxes(L, 1, 2)))
        noise = np.matmul(L, rand.normal(self.d)[:, :, None])[:, :, 0]
        return {"gram": G, "xty": np.matmul(G, coef[:, :, None])[:, :, 0] + self.sigma * noise}

    def _fresh_summary(self, X, y):
        if X.shape[1] < self.d:
            return {"X": X, "y": y}
        return {"gram": gram(X), "xty": _design_vectors(X, y)}

    def fit(self, ctx, parts):
        coef, equivariant = self._solve(ctx, parts)
        if not equivariant:   # add the fit's bias w-hat(X w0) - w0, from the labels X w0 without noise
            clean, _ = self._solve(ctx, [replace(p, summary=self._noise_free(ctx, p.summary)) for p in parts])
            coef = coef + (clean - self.theta0)
        state = {"coef": coef, "emit": coef}
        if self.shift:
            state["emit"] = coef.copy()
            state["emit"][:, 0] += self.shift
        return state, ~np.isfinite(coef).all(axis=1)

    def _noise_free(self, ctx, summary):
        """``summary`` with the labels of every point replaced by x^T w0."""
        if self.fixed:
            return {"a": summary["a"], "b": summary["a"] * np.matmul(ctx.X, self.theta0)}
        if "gram" in summary:
            return {"gram": summary["gram"], "xty": np.matmul(summary["gram"], self.theta0)}
        return {"X": summary["X"], "y": np.matmul(summary["X"], self.theta0)}

    def _solve(self, ctx, parts):
        """The fit's coefficients, and whether it is least squares of full rank (equivariant)."""
        if self.fixed:
            A, B = _pool_rows(parts)
            if A.ndim == 1 and np.all(A == A[0]):
                # one weight on every row (whole batches): the system is factored once per chunk
                solvers = ctx.__dict__.setdefault("ridge", {})
                if float(A[0]) not in solvers:
                    solvers[float(A[0])] = DesignRidge(ctx.X, float(A[0]), self.lam, gram=ctx.gram)
                return solvers[float(A[0])](B), not self.lam and A[0] > 0 and ctx.rows >= self.d
            full = (np.count_nonzero(A > 0, axis=-1) >= self.d).all()
            return weighted_ridge(ctx.X, A, B, self.lam, gram=ctx.gram), not self.lam and full
        if sum(p.count for p in parts) < self.d:
            # fewer points than coefficients: every entry holds its points; the dual form
            X = np.concatenate([p.summary["X"] for p in parts], axis=1)
            a = np.concatenate([np.full(p.count, p.point_weight) for p in parts])
            y = np.concatenate([p.summary["y"] for p in parts], axis=1)
            return weighted_ridge(X, a, a * y, self.lam), False
        H = g = None
        for p in parts:
            w = p.point_weight
            if "gram" in p.summary:
                h, v = p.summary["gram"], p.summary["xty"]
            else:
                h, v = gram(p.summary["X"]), _design_vectors(p.summary["X"], p.summary["y"])
            H = w * h if H is None else H + w * h
            g = w * v if g is None else g + w * v
        return ridge_from_moments(H, g, self.lam), not self.lam


@numeric_face("logistic")
class LogisticRegression(_Regression):
    """P(y = 1 | x) = 1 / (1 + exp(-x^T beta)), x ~ N(0, I_d); the (weighted) MLE by damped Newton.

    Every replicate's MLE is found at once by :func:`logistic_mle`; replicates whose
    data are separable (the likelihood has no maximum), whose Newton iteration does
    not converge, or whose information matrix is singular are *failed*.

    Examples
    --------
    >>> import numpy as np
    >>> from fractions import Fraction
    >>> from numerics.models.base import Part
    >>> from numerics.models.random import BlockRandom
    >>> model = LogisticRegression({"d": 2, "design": "fixed"}, [1.0, -0.5])
    >>> rand = BlockRandom([np.random.default_rng(3)], [4])
    >>> ctx = model.context(rand, 400)
    >>> pts = model.draw(ctx, model.truth(ctx), 400, rand)
    >>> state, failed = model.fit(ctx, [Part(model.summarise(ctx, pts, 400), Fraction(1), 400, 400)])
    >>> failed.tolist(), bool(np.abs(state["coef"] - [1.0, -0.5]).max() < 0.5)
    ([False, False, False, False], True)
    """

    def __init__(self, params, truth):
        super().__init__(params, truth)
        self.needs_points = not self.fixed
        self.summary_draw = self.fixed

    def draw(self, ctx, state, m, rand):
        X, eta = self._linear_predictor(ctx, state, m, rand)
        y = (rand.uniform(m) < expit(eta)).astype(float)
        return {"y": y} if self.fixed else {"X": X, "y": y}

    def draw_summary(self, ctx, state, m, rand):
        counts = row_counts(m, ctx.rows)
        p = expit(np.matmul(ctx.X, state["coef"][:, :, None])[:, :, 0])
        if m == ctx.rows:     # one point per row: a Bernoulli label each
            return {"a": counts, "b": (rand.uniform(ctx.rows) < p).astype(float)}
        return {"a": counts, "b": rand.binomial(counts.astype(np.int64), p, ctx.rows).astype(float)}

    def _fresh_summary(self, X, y):
        return {"X": X, "y": y}

    def fit(self, ctx, parts):
        if self.fixed:
            A, B = _pool_rows(parts)
            X, Xt = ctx.X, ctx.Xt
        else:
            X = np.concatenate([p.summary["X"] for p in parts], axis=1)
            Xt = None
            A = np.concatenate([np.full(p.count, p.point_weight) for p in parts])
            B = A * np.concatenate([p.summary["y"] for p in parts], axis=1)
        # Newton starts from the replicate's previous fit (the same MLE, found in fewer steps)
        coef, status, _ = logistic_mle(X, A, B, start=getattr(ctx, "previous", None), Xt=Xt)
        ctx.previous = np.where((status == FitStatus.CONVERGED)[:, None], coef, 0.0)
        return {"coef": coef}, status != FitStatus.CONVERGED


def _evaluate(eta, a, b):
    """Log-likelihood sum_i b_i eta_i - a_i log(1 + e^eta_i) per row, and the probabilities expit(eta).

    One exponential per point serves both: with e = exp(-|eta|), expit(eta) is 1/(1+e) or e/(1+e)
    and log(1 + e^eta) = max(eta, 0) + log1p(e), stable for any eta.
    """
    e = np.exp(-np.abs(eta))
    p = np.where(eta >= 0, 1.0, e)
    p /= 1.0 + e
    softplus = np.log1p(e)
    softplus += np.maximum(eta, 0.0)
    softplus *= a
    return (b * eta - softplus).sum(axis=1), p


class LogisticFit(NamedTuple):
    """What :func:`logistic_mle` returns: ``coef`` (R, d), ``status`` (R,) and Newton ``iterations`` (R,).

    ``status`` holds :class:`FitStatus` values. A :attr:`FitStatus.SEPARATED` fit's
    ``coef`` is the last iterate, a direction along which the likelihood increases
    without bound; under the ``"certificate"`` rule it strictly separates the labels,
    so ``x'coef > 0`` is the limiting hard classifier.
    """

    coef: np.ndarray
    status: np.ndarray
    iterations: np.ndarray


SEPARATION_RULES = ("divergence", "certificate")
"""How :func:`logistic_mle` recognises separable data (see there)."""


def _design_eta(X, beta):
    """x_i'beta for every replicate: X a stack (R, N, d) or one shared design (N, d)."""
    if X.ndim == 2:
        return beta @ X.T
    return np.matmul(X, beta[:, :, None])[:, :, 0]


def _design_product(Xt, v):
    """X'v per replicate, with ``Xt`` the transposed stack (R, d, N) or design (d, N)."""
    if Xt.ndim == 2:
        return v @ Xt.T
    return np.matmul(Xt, v[:, :, None])[:, :, 0]


def _certified(eta, sign, rows):
    """Whether eta = X beta strictly separates the labels: the right sign on every row that has weight."""
    return np.all((sign * eta > 0) | ~rows, axis=1)


def logistic_mle(X, a, b, *, start=None, Xt=None, tol=1e-10, max_iter=100, eta_max=40.0,
                 separation="divergence"):
    """Weighted logistic-regression MLE for every replicate at once (damped Newton / IRLS).

    Maximises ``sum_i b_i eta_i - a_i log(1 + exp(eta_i))`` with ``eta = X beta``:
    the log-likelihood of ``a_i`` (weighted) trials with ``b_i`` (weighted)
    successes at design row ``x_i`` (``a_i = w_i``, ``b_i = w_i y_i`` for points with
    weights ``w_i``; a pooled fit of several labellings of the same rows is one such
    problem). Newton steps from ``start`` (default beta = 0), halved until the
    log-likelihood does not decrease; a replicate stops when its step is below
    ``tol (1 + max|beta|)``. Replicates that are done leave the working set, so the
    cost follows the slow ones.

    Separable labels have no MLE: the likelihood increases without bound along a
    separating direction. ``separation`` says how that is recognised:

    ``"divergence"``
        an iterate with ``|x'beta| > eta_max`` on some row (fitted probabilities
        within ``exp(-eta_max)`` of 0 or 1) is taken as diverging. Fast, and right
        for the sample sizes of a simulation, but a judgement.
    ``"certificate"``
        only a proof counts: an iterate (``start`` included) that classifies every
        label strictly correctly, on data where no row carries both labels. Such a
        direction exists exactly when the data are completely separated, and Newton
        reaches one in a few steps; quasi-complete separation (a separating
        hyperplane through some rows) has none and ends as ``NOT_CONVERGED``.

    Parameters
    ----------
    X : ndarray, shape (R, N, d) or (N, d)
        A design per replicate, or one design shared by every replicate.
    a, b : ndarray, broadcasting to (R, N)
        Trials and successes per row, ``0 <= b <= a``.
    start : ndarray, shape (R, d), optional
        Starting coefficients (non-finite rows start at 0).
    Xt : ndarray, shape (R, d, N), optional
        ``X`` transposed, contiguous, if the caller keeps one.
    tol, max_iter, eta_max : float, int, float
        Convergence tolerance, iteration cap (0: only check ``start``), and the size
        of ``|x'beta|`` taken as divergence under ``separation="divergence"``.
    separation : {"divergence", "certificate"}

    Returns
    -------
    LogisticFit
        ``(coef, status, iterations)``; ``status`` as :class:`FitStatus`.

    Raises
    ------
    ValueError
        For shapes that do not fit together, weights with ``b < 0`` or ``b > a``, or
        an unknown separation rule.

    Examples
    --------
    A stack of two designs; the second replicate's labels are separable:

    >>> import numpy as np
    >>> X = np.array([[[1.0], [1.0], [1.0], [1.0]], [[1.0], [2.0], [-1.0], [-2.0]]])
    >>> y = np.array([[1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0]])
    >>> fit = logistic_mle(X, 1.0, y)
    >>> round(float(fit.coef[0, 0]), 6) == round(float(np.log(3)), 6), [FitStatus(s).name for s in fit.status]
    (True, ['CONVERGED', 'SEPARATED'])

    One shared design and two label sets, separation certified exactly:

    >>> X = np.column_stack([np.ones(4), [-2.0, -1.0, 1.0, 2.0]])
    >>> fit = logistic_mle(X, 1.0, np.array([[0, 1, 0, 1], [0, 0, 1, 1.0]]), separation="certificate")
    >>> fit.status.tolist(), bool(np.all((X @ fit.coef[1] > 0) == [0, 0, 1, 1]))
    ([0, 2], True)
    """
    if separation not in SEPARATION_RULES:
        raise ValueError(f"separation must be one of {', '.join(SEPARATION_RULES)}, got {separation!r}")
    X = np.ascontiguousarray(X, dtype=float)
    if X.ndim not in (2, 3):
        raise ValueError(f"X must be a design (N, d) or a stack of designs (R, N, d), got shape {X.shape}")
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    N, d = X.shape[-2:]
    R = X.shape[0] if X.ndim == 3 else max(a.shape[0] if a.ndim == 2 else 1, b.shape[0] if b.ndim == 2 else 1)
    try:
        a = np.ascontiguousarray(np.broadcast_to(a, (R, N)))
        b = np.ascontiguousarray(np.broadcast_to(b, (R, N)))
    except ValueError:
        raise ValueError(f"trials and successes must broadcast to (R, N) = ({R}, {N}) for X of shape {X.shape}, "
                         f"got shapes {a.shape} and {b.shape}") from None
    bad = ~((b >= 0) & (b <= a))
    if bad.any():
        r, i = np.argwhere(bad)[0]
        raise ValueError(f"trials a and successes b must satisfy 0 <= b <= a, got a = {float(a[r, i])!r} and "
                         f"b = {float(b[r, i])!r} at replicate {r}, row {i}")
    if Xt is None:
        Xt = np.ascontiguousarray(np.swapaxes(X, -1, -2))
    shared = X.ndim == 2
    beta = np.zeros((R, d))
    status = np.full(R, FitStatus.NOT_CONVERGED, dtype=np.int8)
    iterations = np.zeros(R, dtype=np.int64)
    bet = np.zeros((R, d))
    if start is not None:
        start = np.asarray(start, dtype=float)
        bet = np.where(np.isfinite(start).all(axis=1)[:, None], start, 0.0)
    certify = separation == "certificate"
    if certify:
        # a row carrying both labels rules out complete separation; elsewhere a label's sign is fixed
        rows = a > 0
        separable = ~np.any((b > 0) & (b < a), axis=1)
        sign = np.where(b > 0, 1.0, -1.0)
    # The working set: replicates still iterating, plus finished ones until the next compaction
    # (copying the designs only when the working set has halved keeps the cost linear).
    ids, live = np.arange(R), np.ones(R, dtype=bool)
    Xw, Xtw, aw, bw = X, Xt, a, b
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        eta = _design_eta(Xw, bet)
        if certify:
            done = separable & _certified(eta, sign, rows)
            beta[done], status[done] = bet[done], FitStatus.SEPARATED
            live &= ~done
        ll, p = _evaluate(eta, aw, bw)
        for it in range(1, max_iter + 1):
            if not live.any():
                break
            grad = _design_product(Xtw, bw - aw * p)
            curvature = aw * p * (1.0 - p)
            step, singular = _solve(np.matmul(Xtw, curvature[:, :, None] * Xw), grad)
            t = np.ones(len(ids))
            new = bet + step
            new_eta = _design_eta(Xw, new)
            new_ll, new_p = _evaluate(new_eta, aw, bw)
            worse = ~(new_ll >= ll - 1e-12 * np.abs(ll)) & ~singular & live
            for _ in range(60):
                if not worse.any():
                    break
                k = np.flatnonzero(worse)
                t[k] *= 0.5
                new[k] = bet[k] + t[k, None] * step[k]
                new_eta[k] = _design_eta(Xw if shared else Xw[k], new[k])
                new_ll[k], new_p[k] = _evaluate(new_eta[k], aw[k], bw[k])
                worse[k] = ~(new_ll[k] >= ll[k] - 1e-12 * np.abs(ll[k]))
            bet, eta, ll, p = new, new_eta, new_ll, new_p
            moved = np.abs(t[:, None] * step).max(axis=1)
            converged = moved <= tol * (1.0 + np.abs(bet).max(axis=1))
            if certify:   # proved: this iterate separates the labels
                separated = separable[ids] & _certified(eta, sign[ids], rows[ids])
            else:         # judged: fitted probabilities within exp(-eta_max) of 0 or 1
                separated = np.abs(eta).max(axis=1) > eta_max
            done = live & (singular | converged | separated)
            if done.any():
                code = np.where(singular, FitStatus.SINGULAR,
                                np.where(separated, FitStatus.SEPARATED, FitStatus.CONVERGED))
                beta[ids[done]] = bet[done]
                status[ids[done]] = code[done]
                iterations[ids[done]] = it
                live &= ~done
                if not live.any():
                    break
                if 2 * live.sum() <= len(ids):
                    ids, aw, bw = ids[live], aw[live], bw[live]
                    if not shared:
                        Xw, Xtw = Xw[live], Xtw[live]
                    bet, eta, ll, p = bet[live], eta[live], ll[live], p[live]
                    live = np.ones(len(ids), dtype=bool)
    beta[ids[live]] = bet[live]
    iterations[ids[live]] = max_iter
    return LogisticFit(beta, status, iterations)
