"""Batched ridge regression and minimum-norm interpolation: one call fits every replicate.

The estimator, in the normalised form of the linear models (``m`` points with weights
``a_i`` summing to 1; ``a_i = 1/m`` for a plain fit)::

    w_hat = lim_{t -> lam+} (X^T A X + t I)^{-1} X^T A y,     A = diag(a).

For ``lam > 0`` this is ridge regression, ``(X^T X/m + lam I)^{-1} X^T y/m`` unweighted
(scikit-learn's ``Ridge(alpha=m lam, fit_intercept=False)``); for ``lam = 0`` it is least
squares when ``X^T A X`` is invertible and otherwise the least-squares solution of
smallest norm, ``(X^T A X)^+ X^T A y`` (the minimum-norm interpolator when the points
with positive weight are fewer than d).

Two equivalent forms, chosen per call by cost (and, at ``lam = 0``, by rank):

- *primal*: solve ``(X^T A X + lam I) w = X^T A y``, a d x d system;
- *dual* (push-through identity): ``w = X^T D (D X X^T D + lam I)^{-1} D y`` with
  ``D = diag(sqrt a)``, an m x m system, exact for the minimum-norm solution when the
  weighted rows are linearly independent (Gaussian rows, fewer than d of them).

Points of weight 0 drop out of both: in the dual their rows of ``D X`` vanish and a
unit diagonal keeps the system regular without touching the solution. When many fits
share one design and one weight per row (labels resampled on a fixed design),
:class:`DesignRidge` factors the system once and every later fit costs two
matrix-vector products.
Everything is batched linear algebra over the leading replicate axis (``numpy.matmul``
and ``numpy.linalg.solve`` on stacks), with no loop over replicates. A large stack is
split along that axis over the machine's cores (threads: NumPy releases the GIL), each
part with one BLAS thread: BLAS's own threads gain little on stacks of small matrices
(measured in benchmarks/bench_highdim.py). Every member's arithmetic is the same
whatever the split, so the results are too.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["ridge_fit", "weighted_ridge", "ridge_from_moments", "DesignRidge"]


def _transpose(X):
    return np.swapaxes(X, -1, -2)


_CORES = os.cpu_count() or 1
_SPLIT_FROM = 2**22   # elements of the stacks below which one thread does it (thread start-up would dominate)
_pool = None


def _forget_pool():
    global _pool
    _pool = None    # a forked child has none of its parent's threads: it starts its own pool


os.register_at_fork(after_in_child=_forget_pool)


def _across_cores(fn, *stacks, one_blas_thread=False):
    """``fn(*stacks)``, with a large stack split along its leading axis over the cores.

    ``one_blas_thread`` limits BLAS to one thread per part (for factorisations and
    matrix products, where BLAS would otherwise start its own threads in every part).
    """
    R = len(stacks[0])
    parts = min(_CORES, R)
    if parts < 2 or sum(a.size for a in stacks) < _SPLIT_FROM:
        return fn(*stacks)
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(_CORES, thread_name_prefix="pi2over6-ridge")
    cuts = np.linspace(0, R, parts + 1).astype(int)

    def run():
        return np.concatenate(list(_pool.map(lambda i: fn(*(a[cuts[i]:cuts[i + 1]] for a in stacks)),
                                             range(parts))))

    if not one_blas_thread:
        return run()
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        return run()


def _solve(K, rhs):
    """Solve the stacked systems K x = rhs (rhs (R, p)); a singular system falls back to the pseudo-inverse."""
    try:
        return np.linalg.solve(K, rhs[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:   # an exactly singular stack member: least-norm solution for all of them
        return np.matmul(np.linalg.pinv(K, hermitian=True), rhs[:, :, None])[:, :, 0]


def _primal(X, a, b, lam, gram=None):
    """(X^T diag(a) X + lam I)^{-1} X^T b; ``gram`` = X^T X when ``a`` is one number for every point."""
    d = X.shape[-1]
    if np.ndim(a) == 0:
        H = (gram if gram is not None else np.matmul(_transpose(X), X)) * float(a)
    else:
        H = np.matmul(_transpose(X), np.broadcast_to(a, X.shape[:2])[:, :, None] * X)
    if lam:
        H = H + lam * np.eye(d)
    g = np.matmul(_transpose(X), b[:, :, None])[:, :, 0]
    return _solve(H, g)


def _dual(X, a, b, lam):
    """X^T D (D X X^T D + lam I)^{-1} D^{-1} b with D = diag(sqrt a), zero-weight points dropped."""
    R, m, _ = X.shape
    if np.ndim(a) == 0:
        K = np.matmul(X, _transpose(X)) * float(a)
        if lam:
            K[:, np.arange(m), np.arange(m)] += lam
        c = _solve(K, b)
        return np.matmul(_transpose(X), c[:, :, None])[:, :, 0]
    a = np.broadcast_to(a, (R, m))
    root = np.sqrt(a)
    Z = root[:, :, None] * X
    K = np.matmul(Z, _transpose(Z))
    K[:, np.arange(m), np.arange(m)] += lam if lam else np.where(a > 0, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(a > 0, b / np.where(a > 0, root, 1.0), 0.0)
    c = _solve(K, u)
    return np.matmul(_transpose(Z), c[:, :, None])[:, :, 0]


def ridge_from_moments(H, g, lam=0.0):
    """Per replicate, ``(H + lam I)^{-1} g`` from the weighted moments ``H = X^T A X`` and ``g = X^T A y``.

    For fits that pool batches through their sufficient statistics. ``H`` must be
    invertible at ``lam = 0`` (at least d points in general position); a stack member
    that is exactly singular gets the least-norm solution.

    Examples
    --------
    >>> import numpy as np
    >>> H, g = np.array([[[2.0, 0.0], [0.0, 1.0]]]), np.array([[2.0, 1.0]])
    >>> ridge_from_moments(H, g, 1.0).tolist()
    [[0.6666666666666666, 0.5]]
    """
    lam = float(lam)
    if not lam >= 0:
        raise ValueError(f"the ridge penalty lam must be >= 0, got {lam!r}")
    if lam:
        H = H + lam * np.eye(H.shape[-1])
    return _solve(H, g)


def weighted_ridge(X, a, b, lam=0.0, gram=None):
    """Per replicate, ``w = lim_{t -> lam+} (X^T diag(a) X + t I)^{-1} X^T b`` (the kernel of every fit).

    Parameters
    ----------
    X : ndarray, shape (R, m, d)
        The rows of each replicate's fit.
    a : float or ndarray broadcasting to (R, m)
        Non-negative weight of each row (one number: the same for every row).
    b : ndarray, shape (R, m)
        Weighted label sums, ``b_i = a_i y_i`` (a row that stands for several points of
        the same design row carries their total weight and weighted label sum).
    lam : float
        The penalty, >= 0; 0 gives least squares, of minimum norm when it is not unique.
    gram : ndarray, shape (R, d, d), optional
        ``X^T X``, if the caller keeps it (used when ``a`` is one number).

    Returns
    -------
    ndarray, shape (R, d)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]])      # 2 rows, d = 3: minimum norm
    >>> w = weighted_ridge(X, 0.5, 0.5 * np.array([[1.0, 2.0]]))
    >>> bool(np.allclose(w, np.linalg.pinv(X[0]) @ [1.0, 2.0]))
    True
    """
    X = np.asarray(X, dtype=float)
    b = np.asarray(b, dtype=float)
    lam = float(lam)
    if not lam >= 0:
        raise ValueError(f"the ridge penalty lam must be >= 0, got {lam!r}")
    R, m, d = X.shape
    if lam > 0 or m < d:
        # cost decides: the dual is an m x m system, the primal d x d
        return _dual(X, a, b, lam) if m < d else _primal(X, a, b, lam, gram)
    if np.ndim(a) == 0:
        return _primal(X, a, b, lam, gram)
    # lam = 0 with at least d rows: least squares where d rows carry weight, minimum norm elsewhere
    a = np.broadcast_to(np.asarray(a, dtype=float), (R, m))
    active = (a > 0).sum(axis=1)
    short = active < d
    if not short.any():
        return _primal(X, a, b, lam)
    out = np.empty((R, d))
    full = ~short
    if full.any():
        out[full] = _primal(X[full], a[full], b[full], lam)
    # the weighted rows first (at most d - 1 of them), then zero-weight padding rows
    keep = int(active[short].max())
    rows = np.argsort(a[short] <= 0, axis=1, kind="stable")[:, :max(keep, 1)]
    Xs = np.take_along_axis(X[short], rows[:, :, None], axis=1)
    out[short] = _dual(Xs, np.take_along_axis(a[short], rows, axis=1), np.take_along_axis(b[short], rows, axis=1),
                       lam)
    return out


def ridge_fit(X, y, lam=0.0, weights=None):
    """Ridge regression or minimum-norm least squares for every replicate at once.

    ``w = (X^T A X + lam I)^{-1} X^T A y`` with ``A = diag(weights)``, the weights of
    each replicate normalised to sum to 1 (by default ``1/m`` each, the normalised form
    ``(X^T X/m + lam I)^{-1} X^T y/m``); at ``lam = 0`` the least-squares solution of
    smallest norm, so with fewer points than d the minimum-norm interpolator
    ``X^+ y``. Identical to a per-replicate ``numpy.linalg.lstsq`` (``lam = 0``) or
    ``sklearn.linear_model.Ridge(alpha=m * lam, fit_intercept=False)`` loop.

    Parameters
    ----------
    X : array_like, shape (R, m, d)
    y : array_like, shape (R, m)
    lam : float
        The penalty, >= 0.
    weights : array_like broadcasting to (R, m), optional
        Non-negative point weights, not all 0 in a replicate.

    Returns
    -------
    ndarray, shape (R, d)

    Raises
    ------
    ValueError
        For shapes that do not match, a negative penalty or negative weights.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((3, 4, 6)), rng.standard_normal((3, 4))     # 4 points, d = 6
    >>> w = ridge_fit(X, y)
    >>> bool(np.allclose(w, [np.linalg.lstsq(X[r], y[r], rcond=None)[0] for r in range(3)]))
    True
    >>> bool(np.allclose(np.einsum("rmd,rd->rm", X, w), y))                   # it interpolates
    True
    >>> X, y = rng.standard_normal((2, 30, 3)), rng.standard_normal((2, 30))
    >>> w = ridge_fit(X, y, lam=0.5)
    >>> bool(np.allclose(w[0], np.linalg.solve(X[0].T @ X[0] / 30 + 0.5 * np.eye(3), X[0].T @ y[0] / 30)))
    True
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 3 or y.shape != X.shape[:2]:
        raise ValueError(f"X must have shape (R, m, d) and y shape (R, m), got {X.shape} and {y.shape}")
    R, m, _ = X.shape
    if weights is None:
        return weighted_ridge(X, 1.0 / m, y / m, lam)
    a = np.broadcast_to(np.asarray(weights, dtype=float), (R, m))
    if not np.all(a >= 0):
        raise ValueError(f"point weights must be non-negative, got a minimum of {a.min()!r}")
    total = a.sum(axis=1, keepdims=True)
    if not np.all(total > 0):
        raise ValueError("every replicate needs a point of positive weight, got all weights 0")
    a = a / total
    return weighted_ridge(X, a, a * y, lam)


class DesignRidge:
    """Repeated fits on one design per replicate with the same weight ``a`` on every row.

    The system matrix (``a X^T X + lam I``, or ``a X X^T + lam I`` in the dual when the
    design has fewer rows than columns) is inverted once per replicate; each fit of
    weighted label sums ``b`` is then ``M X^T b`` (primal) or ``X^T M b`` (dual).

    Parameters
    ----------
    X : ndarray, shape (R, N, d)
    a : float
        The weight of every row (1/N for a fit of whole batches on the design).
    lam : float
        The penalty, >= 0; at 0 with N < d the fits are the minimum-norm interpolators.
    gram : ndarray, shape (R, d, d), optional
        ``X^T X`` if the caller keeps it.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> X, y = rng.standard_normal((2, 5, 8)), rng.standard_normal((2, 5))
    >>> fit = DesignRidge(X, 0.2, 0.0)
    >>> bool(np.allclose(fit(0.2 * y), ridge_fit(X, y)))
    True
    """

    def __init__(self, X, a, lam=0.0, gram=None):
        self.X = np.asarray(X, dtype=float)
        R, N, d = self.X.shape
        self.a, self.lam = float(a), float(lam)
        if not self.lam >= 0 or not self.a > 0:
            raise ValueError(f"need a > 0 and lam >= 0, got a = {a!r} and lam = {lam!r}")
        self.dual = N < d
        if gram is not None and not self.dual:
            self.M = _across_cores(self._inverse, gram, one_blas_thread=True)
        else:
            self.M = _across_cores(lambda X: self._inverse(self._gram(X)), self.X, one_blas_thread=True)

    def _gram(self, X):
        return np.matmul(X, _transpose(X)) if self.dual else np.matmul(_transpose(X), X)

    def _inverse(self, gram):
        K = gram * self.a
        if self.lam:
            K = K + self.lam * np.eye(K.shape[-1])
        try:
            return np.linalg.inv(K)
        except np.linalg.LinAlgError:   # an exactly singular member: least-norm solutions for all
            return np.linalg.pinv(K, hermitian=True)

    def __call__(self, b):
        """The fits for weighted label sums ``b`` (shape (R, N)), one per replicate."""
        return _across_cores(self._fit, self.M, self.X, np.asarray(b, dtype=float))

    def _fit(self, M, X, b):
        if self.dual:
            return np.matmul(_transpose(X), np.matmul(M, b[:, :, None]))[:, :, 0]
        return np.matmul(M, np.matmul(_transpose(X), b[:, :, None]))[:, :, 0]
