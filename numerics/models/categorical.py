"""The categorical model's numeric face: counts, not tokens, vectorised over replicates.

A batch of m labels over K categories is drawn as its count vector,
Multinomial(m, q), one replicate at a time from that replicate's block generator.
Categories with m q_i >= 1 take numpy's conditional-binomial multinomial (one binomial
each), together with the total of the rarer ones; that total is then spread over the
rare categories by drawing its labels by inversion of their cumulative law, exactly
the conditional law, at a cost per label rather than per category (the 94 000 rarest
of 10^5 Zipf(1.5) categories receive about 10^4 of 10^6 draws). Once a fit has
lost categories (without smoothing every later fit lives on a subset of the real
data's support), each replicate draws only over the categories it still has, so the
cost of a generation falls with the support: a Zipf(1.5) vocabulary of 10^5
categories keeps about 12 000 after 10^6 draws and a few thousand after 50
generations of discard.

Counts and fits are stored row-compressed (:class:`Rows`: per replicate the sorted
categories present and their values), so memory follows the supports rather than R x K.
A fitted state is ``{"q": Rows of q_i > 0, "floor": per-replicate value of every
category not listed}`` (the floor is alpha/(m + K alpha) with smoothing, else 0); the
truth is the state ``{"_truth": True}``. Pooled fits add their entries' rows on a
dense scratch of a few dozen replicates at a time.

Curation (:mod:`theory.curation`) acts on the emitted law: the fast path draws the
batch from the exact one-step map; ``method="sample"`` draws K candidates per point
and keeps one with probability proportional to exp(reward).

Examples
--------
>>> import numpy as np
>>> from fractions import Fraction
>>> from numerics.models import numeric_model
>>> from numerics.models.base import Part
>>> from numerics.models.random import BlockRandom
>>> model = numeric_model("categorical", {"truth": "uniform", "K": 4})
>>> rand = BlockRandom([np.random.default_rng(0)], [3])
>>> ctx = model.context(rand, 100)
>>> counts = model.draw_summary(ctx, model.truth(ctx), 100, rand)
>>> counts.sums().tolist()
[100.0, 100.0, 100.0]
>>> state, failed = model.fit(ctx, [Part(counts, Fraction(1), 100, 100)])
>>> sorted(model.metrics(ctx, state))
['kl', 'kl_infinite', 'lost_mass', 'memorizer_error', 'risk', 'support', 'tv']
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .base import NumericModel
from .registry import numeric_face

__all__ = ["Categorical", "Rows", "pool_rows", "multinomial_counts"]

_SCRATCH = 2**22      # float64 entries of the dense scratch used to pool rows (32 MB)


class Rows:
    """Row-compressed values: for replicate r, categories ``idx[ptr[r]:ptr[r+1]]`` (sorted) and their values.

    Examples
    --------
    >>> rows = Rows.from_dense(np.array([[0, 2, 0], [1, 0, 1]]))
    >>> rows.ptr.tolist(), rows.idx.tolist(), rows.val.tolist()
    ([0, 1, 3], [1, 0, 2], [2, 1, 1])
    >>> rows.to_dense(3).tolist()
    [[0, 2, 0], [1, 0, 1]]
    """

    __slots__ = ("ptr", "idx", "val", "_rid")

    def __init__(self, ptr, idx, val):
        self.ptr, self.idx, self.val = ptr, idx, val
        self._rid = None

    @classmethod
    def from_pieces(cls, pieces):
        """Rows from one ``(idx, val)`` pair per replicate."""
        lengths = np.array([len(i) for i, _ in pieces], dtype=np.int64)
        ptr = np.zeros(len(pieces) + 1, dtype=np.int64)
        np.cumsum(lengths, out=ptr[1:])
        idx = np.concatenate([i for i, _ in pieces]) if pieces else np.zeros(0, np.int32)
        val = np.concatenate([v for _, v in pieces]) if pieces else np.zeros(0)
        return cls(ptr, idx.astype(np.int32, copy=False), val)

    @classmethod
    def from_dense(cls, dense):
        nz = np.nonzero(dense)
        ptr = np.zeros(dense.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(nz[0], minlength=dense.shape[0]), out=ptr[1:])
        return cls(ptr, nz[1].astype(np.int32), dense[nz])

    def to_dense(self, K):
        out = np.zeros((self.R, K), dtype=self.val.dtype)
        out[self.row_ids(), self.idx] = self.val
        return out

    @property
    def R(self):
        return len(self.ptr) - 1

    def row(self, r):
        lo, hi = self.ptr[r], self.ptr[r + 1]
        return self.idx[lo:hi], self.val[lo:hi]

    def row_ids(self):
        """The replicate of every stored entry."""
        if self._rid is None:
            self._rid = np.repeat(np.arange(self.R), np.diff(self.ptr))
        return self._rid

    def lengths(self):
        return np.diff(self.ptr)

    def sums(self, values=None):
        """Per replicate, the sum of ``values`` (default: the stored values) over its entries."""
        values = self.val if values is None else values
        if len(values) and np.all(self.ptr[1:] > self.ptr[:-1]):
            return np.add.reduceat(np.asarray(values, dtype=float), self.ptr[:-1])
        return np.bincount(self.row_ids(), weights=values, minlength=self.R)

    def take(self, rows):
        """The rows ``rows`` (an index array), in that order."""
        pieces = [self.row(int(r)) for r in rows]
        return Rows.from_pieces(pieces)

    def nbytes(self):
        return self.ptr.nbytes + self.idx.nbytes + self.val.nbytes


def pool_rows(parts, weights, K):
    """sum_e weights_e * parts_e as float Rows (the union of the parts' categories per replicate).

    Examples
    --------
    >>> a = Rows.from_dense(np.array([[1, 0, 2]]))
    >>> b = Rows.from_dense(np.array([[0, 3, 2]]))
    >>> pool_rows([a, b], [0.5, 1.0], 3).to_dense(3).tolist()
    [[0.5, 3.0, 3.0]]
    """
    if len(parts) == 1:
        p = parts[0]
        return Rows(p.ptr, p.idx, p.val * float(weights[0]))
    R = parts[0].R
    slab = max(1, _SCRATCH // K)
    pieces_ptr, pieces_idx, pieces_val = [np.zeros(1, dtype=np.int64)], [], []
    for r0 in range(0, R, slab):
        r1 = min(R, r0 + slab)
        acc = np.zeros((r1 - r0) * K)
        for rows, w in zip(parts, weights, strict=True):
            lo, hi = rows.ptr[r0], rows.ptr[r1]
            local = np.repeat(np.arange(r1 - r0), np.diff(rows.ptr[r0:r1 + 1]))
            acc[local * K + rows.idx[lo:hi]] += float(w) * rows.val[lo:hi]
        nz = np.flatnonzero(acc)
        counts = np.bincount(nz // K, minlength=r1 - r0)
        pieces_ptr.append(pieces_ptr[-1][-1] + np.cumsum(counts))
        pieces_idx.append((nz % K).astype(np.int32))
        pieces_val.append(acc[nz])
    return Rows(np.concatenate(pieces_ptr), np.concatenate(pieces_idx), np.concatenate(pieces_val))


_RARE_SPLIT = 512   # draw rare categories as labels when at least this many are rare


def multinomial_counts(gen, m, probs):
    """Multinomial(m, probs) counts, exactly; the categories with m p_i < 1 are drawn as labels.

    Examples
    --------
    >>> gen = np.random.default_rng(0)
    >>> counts = multinomial_counts(gen, 10**5, np.full(2000, 1 / 2000))
    >>> int(counts.sum()), counts.shape
    (100000, (2000,))
    """
    probs = probs / probs.sum()
    rare = m * probs < 1.0
    n_rare = int(rare.sum())
    if n_rare < _RARE_SPLIT:
        return gen.multinomial(m, probs)
    head = np.flatnonzero(~rare)
    tail = np.flatnonzero(rare)
    cdf = np.cumsum(probs[tail])
    first = gen.multinomial(m, np.append(probs[head], max(0.0, 1.0 - probs[head].sum())))
    counts = np.zeros(len(probs), dtype=np.int64)
    counts[head] = first[:-1]
    labels = np.searchsorted(cdf, gen.random(int(first[-1])) * cdf[-1], side="right")
    counts[tail] = np.bincount(labels, minlength=len(tail))
    return counts


def _row_generators(rand):
    """(generator, replicate) pairs in replicate order: every row draws from its own block's generator."""
    for gen, rows in zip(rand.generators, rand.slices, strict=True):
        for r in range(rows.start, rows.stop):
            yield gen, r


@numeric_face("categorical")
class Categorical(NumericModel):
    """Empirical frequencies (optionally add-alpha smoothed) of a categorical sample, counts drawn directly."""

    partial_metrics = ("kl",)        # KL is infinite once a category is lost: averaged where finite
    summary_subsample = True         # subsamples of a batch are drawn from its counts (hypergeometric)
    curation = True
    point_bytes = 4

    def __init__(self, params, truth):
        super().__init__(params, truth)
        from theory.models.categorical import categorical_truth

        t = categorical_truth(params)
        self.p, self.K = t.p, t.K
        self.alpha = float(params["alpha"])
        self.T = params.get("T")
        self.sum_p2 = float(np.dot(self.p, self.p))
        pos = self.p > 0
        self.positive = int(pos.sum())
        self.sum_plogp = float(np.dot(self.p[pos], np.log(self.p[pos])))
        self.p_sorted = np.sort(self.p)
        self.p_cum = np.concatenate([[0.0], np.cumsum(self.p_sorted)])
        self._curations = {}

    # -- sizes -------------------------------------------------------------------------------------
    def context(self, rand, real_size):
        return SimpleNamespace(R=rand.size, T=int(self.T) if self.T else int(real_size))

    def summary_bytes(self, real_size):
        # a batch keeps at most min(K, size) categories per replicate, 12 bytes each
        return 12 * min(self.K, int(real_size)) + 8

    def context_bytes(self, real_size):
        return 16 * self.K // 64     # dense rows are drawn one replicate at a time

    # -- drawing -----------------------------------------------------------------------------------
    def truth(self, ctx):
        return {"_truth": True}

    def _dense_row(self, state, r):
        """Replicate r's full probability vector (for smoothed or curated states)."""
        q = np.full(self.K, float(state["floor"][r]))
        if state.get("level_factor") is not None:
            cur = self._curations[state["curation"]]
            q *= state["level_factor"][r][cur.index]
        idx, val = state["q"].row(r)
        q[idx] = val
        return q

    def _law(self, state, r):
        """(categories, probabilities) from which replicate r draws."""
        if state.get("_truth"):
            return None, self.p
        if state["floor"][r] > 0:
            return None, self._dense_row(state, r)
        return state["q"].row(r)

    def draw_summary(self, ctx, state, m, rand):
        pieces = []
        for gen, r in _row_generators(rand):
            cats, probs = self._law(state, r)
            counts = multinomial_counts(gen, m, probs)
            nz = np.flatnonzero(counts)
            pieces.append((nz if cats is None else cats[nz], counts[nz]))
        return Rows.from_pieces(pieces)

    def draw(self, ctx, state, m, rand):
        x = np.empty((ctx.R, m), dtype=np.int32)
        for gen, r in _row_generators(rand):
            cats, probs = self._law(state, r)
            pick = gen.choice(len(probs), size=m, p=probs / probs.sum())
            x[r] = pick if cats is None else cats[pick]
        return {"x": x}

    def summarise(self, ctx, points, m, idx=None):
        x = points["x"] if idx is None else np.take_along_axis(points["x"], idx, axis=1)
        pieces = []
        for r in range(x.shape[0]):
            counts = np.bincount(x[r], minlength=self.K)
            nz = np.flatnonzero(counts)
            pieces.append((nz, counts[nz]))
        return Rows.from_pieces(pieces)

    def subsample_summary(self, ctx, summary, size, count, rand):
        """The counts of ``count`` of a batch's ``size`` labels drawn without replacement (hypergeometric)."""
        pieces = []
        for gen, r in _row_generators(rand):
            cats, counts = summary.row(r)
            pick = gen.multivariate_hypergeometric(counts, count)
            nz = np.flatnonzero(pick)
            pieces.append((cats[nz], pick[nz]))
        return Rows.from_pieces(pieces)

    # -- fitting -----------------------------------------------------------------------------------
    def fit(self, ctx, parts):
        total = sum(float(p.share) for p in parts)
        pooled = pool_rows([p.summary for p in parts], [float(p.share) / p.count / total for p in parts], self.K)
        R = pooled.R
        if self.alpha:
            m = float(sum(p.count for p in parts))
            lam = m / (m + self.K * self.alpha)
            floor = np.full(R, (1.0 - lam) / self.K)
            q = Rows(pooled.ptr, pooled.idx, lam * pooled.val + floor[pooled.row_ids()])
        else:        # shares / counts sum to 1 over each row's points: q sums to 1 up to rounding
            floor = np.zeros(R)
            q = pooled
        return {"q": q, "floor": floor}, np.zeros(R, dtype=bool)

    def where_state(self, mask, a, b):
        """Per replicate, state ``a`` where ``mask`` holds, else ``b`` (the truth replaces failed fits)."""
        if b.get("_truth") or a.get("_truth"):
            if mask.all():
                return a
            raise ValueError("a categorical fit cannot fail; nothing should replace it by the truth")
        rows = [a["q"].row(r) if mask[r] else b["q"].row(r) for r in range(len(mask))]
        return {"q": Rows.from_pieces(rows), "floor": np.where(mask, a["floor"], b["floor"])}

    # -- metrics -----------------------------------------------------------------------------------
    def metrics(self, ctx, state):
        q, f = state["q"], state["floor"]
        pe, qe = self.p[q.idx], q.val
        K, R = self.K, q.R
        sums = q.sums
        listed_p = sums(pe)
        rest_p = np.clip(1.0 - listed_p, 0.0, None)               # true mass of the unlisted categories
        listed_pos = q.lengths() if self.positive == K else sums((pe > 0).astype(float))
        infinite = (f == 0) & (listed_pos < self.positive)
        with np.errstate(divide="ignore", invalid="ignore"):
            miss = np.minimum(qe, 1.0)
            np.negative(miss, out=miss)
            np.log1p(miss, out=miss)
            miss *= ctx.T
            np.exp(miss, out=miss)
            miss *= pe
        if not f.any():             # no smoothing: the unlisted categories have q_i = 0
            work = qe - 2 * pe
            work *= qe
            risk = sums(work) + self.sum_p2
            np.subtract(qe, pe, out=work)
            np.abs(work, out=work)
            work -= pe
            tv = 0.5 * (sums(work) + 1.0)
            kl = np.full(R, np.inf)
            if not infinite.all():
                kl[~infinite] = self.sum_plogp - sums(np.where(pe > 0, pe * np.log(qe), 0.0))[~infinite]
            return {"risk": risk, "tv": tv, "kl": kl, "kl_infinite": infinite.astype(float), "lost_mass": rest_p,
                    "support": q.lengths().astype(float), "memorizer_error": sums(miss) + rest_p}
        fe = f[q.row_ids()]
        risk = sums((qe - pe) ** 2 - (fe - pe) ** 2) + K * f * f - 2 * f + self.sum_p2
        tv = 0.5 * (sums(np.abs(qe - pe) - np.abs(fe - pe)) + self._abs_dev_all(f))
        with np.errstate(divide="ignore", invalid="ignore"):
            kl = self.sum_plogp - sums(np.where(pe > 0, pe * np.log(qe), 0.0))
            kl = kl - np.where(rest_p > 0, rest_p * np.log(f), 0.0)
            floor_miss = np.exp(ctx.T * np.log1p(-f))
        kl = np.where(infinite, np.inf, kl)
        lost = f == 0
        return {"risk": risk, "tv": tv, "kl": kl, "kl_infinite": infinite.astype(float),
                "lost_mass": np.where(lost, rest_p, 0.0), "support": np.where(lost, q.lengths().astype(float),
                                                                              float(K)),
                "memorizer_error": sums(miss) + floor_miss * rest_p}

    def _abs_dev_all(self, f):
        """sum_i |f - p_i| for every replicate's floor f (0 gives 1)."""
        j = np.searchsorted(self.p_sorted, f)
        below = self.p_cum[j]
        return f * j - below + (self.p_cum[-1] - below) - f * (self.K - j)

    # -- curation ----------------------------------------------------------------------------------
    def _levels(self, curation):
        key = id(curation)
        if key not in self._curations:
            r = np.array([float(x) for x in curation.rewards(self.K)])
            values, index = np.unique(r, return_inverse=True)
            self._curations[key] = SimpleNamespace(curation=curation, rewards=r, values=values, index=index,
                                                   sizes=np.bincount(index, minlength=len(values)))
        return key, self._curations[key]

    def curation_metrics(self, ctx, state, curation):
        """The metrics of a curated workflow: ``reward`` = sum_i q_i r_i and ``entropy`` = -sum_i q_i log q_i."""
        _, cur = self._levels(curation)
        q, f = state["q"], state["floor"]
        listed = q.sums(q.val * cur.rewards[q.idx])
        rest = cur.rewards.sum() - q.sums(cur.rewards[q.idx])
        with np.errstate(divide="ignore", invalid="ignore"):
            plogf = np.where(f > 0, f * np.log(np.where(f > 0, f, 1.0)), 0.0)
            entropy = -q.sums(q.val * np.log(q.val)) - (self.K - q.lengths()) * plogf
        return {"reward": listed + f * rest, "entropy": entropy}

    def curated(self, ctx, state, curation):
        """The law of a curated emission, exactly: every replicate's fit through the one-step map."""
        from theory.curation import curate_probabilities, level_factors

        key, cur = self._levels(curation)
        q, f = state["q"], state["floor"]
        V = len(cur.values)
        level_e = cur.index[q.idx]
        rid = q.row_ids()
        mass = np.bincount(rid * V + level_e, weights=q.val, minlength=q.R * V).reshape(q.R, V)
        listed = np.bincount(rid * V + level_e, minlength=q.R * V).reshape(q.R, V)
        mass += f[:, None] * (cur.sizes[None, :] - listed)
        factors = np.zeros((q.R, V))
        weights = np.exp(cur.values - cur.values.max())
        for r in range(q.R):
            live = mass[r] > 0
            if int(live.sum()) == 1:          # one reward level on the support: nothing to choose
                factors[r, live] = 1.0
                continue
            try:
                factors[r, live] = level_factors(mass[r, live].tolist(), weights[live].tolist(),
                                                 curation.candidates)
            except ValueError:       # too many reward levels for the exact sum: the map by quadrature
                probs = np.zeros(V)
                probs[live] = mass[r, live]
                out = curate_probabilities(probs, cur.values, curation.candidates)
                factors[r, live] = out[live] / mass[r, live]
        scaled = q.val * factors[rid, level_e]
        total = np.bincount(rid, weights=scaled, minlength=q.R) + f * (
            (cur.sizes[None, :] - listed) * factors).sum(axis=1)
        return {"q": Rows(q.ptr, q.idx, scaled / total[rid]), "floor": f / total,
                "level_factor": factors if f.any() else None, "curation": key}

    def draw_curated(self, ctx, state, curation, m, rand):
        """m points per replicate, each kept from K candidates with probability proportional to exp(reward)."""
        key, cur = self._levels(curation)
        if curation.candidates is None:      # the limit map has no finite candidate set: draw from it
            return self.draw(ctx, self.curated(ctx, state, curation), m, rand)
        K = curation.candidates
        x = np.empty((ctx.R, m), dtype=np.int32)
        w = np.exp(cur.rewards - cur.rewards.max())
        for gen, r in _row_generators(rand):
            cats, probs = self._law(state, r)
            pick = gen.choice(len(probs), size=(m, K), p=probs / probs.sum())
            tokens = pick if cats is None else cats[pick]
            weight = np.cumsum(w[tokens], axis=1)
            u = gen.random(m) * weight[:, -1]
            chosen = (weight < u[:, None]).sum(axis=1)
            x[r] = tokens[np.arange(m), np.minimum(chosen, K - 1)]
        return {"x": x}

