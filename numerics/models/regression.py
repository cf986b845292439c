"""Linear and logistic regression with labels resampled on a design, and the batched logistic MLE.

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

from types import SimpleNamespace

import numpy as np
from scipy.special import expit

from .base import NumericModel, gather, gram, wishart
from .registry import numeric_face

__all__ = ["LinearRegression", "LogisticRegression", "logistic_mle", "row_counts"]

CONVERGED, NOT_CONVERGED, SEPARATED, SINGULAR = 0, 1, 2, 3


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


def _weighted_gram(X, a):
    """X^T diag(a) X for stacks X (R, N, d), a broadcasting to (R, N)."""
    weighted = np.broadcast_to(a, X.shape[:2])[:, :, None] * X
    return np.matmul(np.ascontiguousarray(np.swapaxes(X, 1, 2)), weighted)


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
        return 6 * 8 * real_size * self.d if self.fixed else 0

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
    """y = x^T w + eps, x ~ N(0, I_d), eps ~ N(0, sigma^2); (weighted) least squares.

    A fit whose weighted Gram matrix is numerically singular is *failed*.

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
    """

    def __init__(self, params, truth):
        super().__init__(params, truth)
        self.sigma = float(params.get("sigma", 1))

    def draw(self, ctx, state, m, rand):
        X, eta = self._linear_predictor(ctx, state, m, rand)
        y = eta + self.sigma * rand.normal(m)
        return {"y": y} if self.fixed else {"X": X, "y": y}

    def draw_summary(self, ctx, state, m, rand):
        if self.fixed:
            counts = row_counts(m, ctx.rows)
            mean = np.matmul(ctx.X, state["coef"][:, :, None])[:, :, 0]
            return {"a": counts, "b": counts * mean + self.sigma * np.sqrt(counts) * rand.normal(ctx.rows)}
        if m < self.d:  # a singular Gram matrix: draw the rows themselves
            return self.summarise(ctx, self.draw(ctx, state, m, rand), m)
        G = wishart(rand, m, self.d)
        L = np.linalg.cholesky(G)
        noise = np.matmul(L, rand.normal(self.d)[:, :, None])[:, :, 0]
        return {"gram": G, "xty": np.matmul(G, state["coef"][:, :, None])[:, :, 0] + self.sigma * noise}

    def _fresh_summary(self, X, y):
        return {"gram": gram(X), "xty": _design_vectors(X, y)}

    def fit(self, ctx, parts):
        if self.fixed:
            A, B = _pool_rows(parts)
            if A.ndim == 1 and np.all(A == A[0]):
                H = A[0] * ctx.gram
            else:
                H = _weighted_gram(ctx.X, A)
            g = _design_vectors(ctx.X, B)
        else:
            H = g = None
            for p in parts:
                w = p.point_weight
                H = w * p.summary["gram"] if H is None else H + w * p.summary["gram"]
                g = w * p.summary["xty"] if g is None else g + w * p.summary["xty"]
        coef, singular = _solve(H, g)
        return {"coef": coef}, singular


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
        coef, status = logistic_mle(X, A, B, start=getattr(ctx, "previous", None), Xt=Xt)
        ctx.previous = np.where((status == CONVERGED)[:, None], coef, 0.0)
        return {"coef": coef}, status != CONVERGED


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


def logistic_mle(X, a, b, *, start=None, Xt=None, tol=1e-10, max_iter=100, eta_max=40.0):
    """Weighted logistic-regression MLE for every replicate at once (damped Newton / IRLS).

    Maximises ``sum_i b_i eta_i - a_i log(1 + exp(eta_i))`` with ``eta = X beta``:
    the log-likelihood of ``a_i`` (weighted) trials with ``b_i`` (weighted)
    successes at design row ``x_i`` (``a_i = w_i``, ``b_i = w_i y_i`` for points with
    weights ``w_i``). Newton steps from ``start`` (default beta = 0), halved until the
    log-likelihood does not decrease; a replicate stops when its step is below
    ``tol (1 + max|beta|)``. Replicates that are done leave the working set, so the
    cost follows the slow ones.

    Parameters
    ----------
    X : ndarray, shape (R, N, d)
    a, b : ndarray, broadcasting to (R, N)
    start : ndarray, shape (R, d), optional
        Starting coefficients (non-finite rows start at 0).
    Xt : ndarray, shape (R, d, N), optional
        ``X`` transposed, contiguous, if the caller keeps one.
    tol, max_iter, eta_max : float, int, float
        Convergence tolerance, iteration cap, and the size of ``|x^T beta|`` taken as
        divergence (fitted probabilities within ``exp(-eta_max)`` of 0 or 1: separation).

    Returns
    -------
    beta : ndarray, shape (R, d)
    status : ndarray of int, shape (R,)
        0 converged, 1 not converged in ``max_iter`` steps, 2 separated (diverging),
        3 singular information matrix.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[[1.0], [1.0], [1.0], [1.0]], [[1.0], [2.0], [-1.0], [-2.0]]])
    >>> y = np.array([[1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0]])  # the second is separable
    >>> beta, status = logistic_mle(X, 1.0, y)
    >>> round(float(beta[0, 0]), 6) == round(float(np.log(3)), 6), status.tolist()
    (True, [0, 2])
    """
    X = np.ascontiguousarray(X, dtype=float)
    R, N, d = X.shape
    Xt = np.ascontiguousarray(np.swapaxes(X, 1, 2)) if Xt is None else Xt
    a = np.ascontiguousarray(np.broadcast_to(np.asarray(a, dtype=float), (R, N)))
    b = np.ascontiguousarray(np.broadcast_to(np.asarray(b, dtype=float), (R, N)))
    beta = np.zeros((R, d))
    status = np.full(R, NOT_CONVERGED)
    bet = np.zeros((R, d))
    if start is not None:
        start = np.asarray(start, dtype=float)
        bet = np.where(np.isfinite(start).all(axis=1)[:, None], start, 0.0)
    # The working set: replicates still iterating, plus finished ones until the next compaction
    # (copying the design only when the working set has halved keeps the cost linear).
    ids, live = np.arange(R), np.ones(R, dtype=bool)
    Xw, Xtw, aw, bw = X, Xt, a, b
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        eta = np.matmul(Xw, bet[:, :, None])[:, :, 0]
        ll, p = _evaluate(eta, aw, bw)
        for _ in range(max_iter):
            grad = np.matmul(Xtw, (bw - aw * p)[:, :, None])[:, :, 0]
            curvature = aw * p * (1.0 - p)
            step, singular = _solve(np.matmul(Xtw, curvature[:, :, None] * Xw), grad)
            t = np.ones(len(ids))
            new = bet + step
            new_eta = np.matmul(Xw, new[:, :, None])[:, :, 0]
            new_ll, new_p = _evaluate(new_eta, aw, bw)
            worse = ~(new_ll >= ll - 1e-12 * np.abs(ll)) & ~singular & live
            for _ in range(60):
                if not worse.any():
                    break
                k = np.flatnonzero(worse)
                t[k] *= 0.5
                new[k] = bet[k] + t[k, None] * step[k]
                new_eta[k] = np.matmul(Xw[k], new[k][:, :, None])[:, :, 0]
                new_ll[k], new_p[k] = _evaluate(new_eta[k], aw[k], bw[k])
                worse[k] = ~(new_ll[k] >= ll[k] - 1e-12 * np.abs(ll[k]))
            bet, eta, ll, p = new, new_eta, new_ll, new_p
            moved = np.abs(t[:, None] * step).max(axis=1)
            converged = moved <= tol * (1.0 + np.abs(bet).max(axis=1))
            diverged = np.abs(eta).max(axis=1) > eta_max
            done = live & (singular | converged | diverged)
            if done.any():
                code = np.where(singular, SINGULAR, np.where(diverged, SEPARATED, CONVERGED))
                beta[ids[done]] = bet[done]
                status[ids[done]] = code[done]
                live &= ~done
                if not live.any():
                    return beta, status
                if 2 * live.sum() <= len(ids):
                    ids, Xw, Xtw, aw, bw = ids[live], Xw[live], Xtw[live], aw[live], bw[live]
                    bet, eta, ll, p = bet[live], eta[live], ll[live], p[live]
                    live = np.ones(len(ids), dtype=bool)
    beta[ids[live]] = bet[live]
    return beta, status
