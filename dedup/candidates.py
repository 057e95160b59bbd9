"""Candidate stage: pairs worth scoring, never all pairs.

* copies: MinHash LSH banding (:mod:`dedup.lsh`), the same candidates as datasketch's
  ``MinHashLSH`` for the same threshold and signatures;
* rewrites: TF-IDF nearest neighbours above a cosine floor, computed as sparse products of
  row blocks against the articles published within ``window_days`` of them.

Pairs are ``(i, j)`` row indexes with ``i < j``, unique and sorted.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from dedup.config import CandidateConfig
from dedup.lsh import lsh_candidate_pairs, optimal_bands
from dedup.parallel import fork_map

_BLOCK_ROWS = 2048
_PARALLEL_MIN_ROWS = 4 * _BLOCK_ROWS
"""Articles worth starting worker processes for."""
_HEAVY_TERMS = 32
"""Terms per article used to look for neighbours: its heaviest TF-IDF weights. Terms shared
by most of a time window carry little weight, and multiplying them makes the blocked product
nearly dense (all pairs); the cosine of every pair found is then computed exactly."""


def _group_order(group: np.ndarray, value: np.ndarray, tie: np.ndarray | None) -> np.ndarray:
    """The order that sorts entries by ``group`` ascending, then ``value`` descending, then
    ``tie`` ascending (when ``tie`` is None: their order in the arrays), as
    ``np.lexsort((tie, -value, group))`` gives it.

    Non-negative float32 values sort as their bit patterns do, so when the groups' and
    ties' ranges fit beside the value's 31 bits in 64, one integer key is sorted instead
    of three (several times faster; equal, tested); otherwise lexsort."""
    n = group.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    g = group.astype(np.int64) - int(group.min())
    g_bits = int(g.max()).bit_length()
    t_bits = 0
    if tie is not None:
        t = tie.astype(np.int64) - int(tie.min())
        t_bits = int(t.max()).bit_length()
    fits = g_bits + 31 + t_bits <= 64
    if value.dtype != np.float32 or not fits or not bool((value >= 0).all()):
        keys = (-value, group) if tie is None else (tie, -value, group)
        out: np.ndarray = np.lexsort(keys)
        return out
    desc = (~value.view(np.uint32) & np.uint32(0x7FFFFFFF)).astype(np.uint64)
    key = (g.astype(np.uint64) << np.uint64(31 + t_bits)) | (desc << np.uint64(t_bits))
    if tie is not None:
        key |= t.astype(np.uint64)
    order: np.ndarray = np.argsort(key, kind="stable")
    return order


_HEAVY_CHUNK_NNZ = 1 << 22
"""Entries sorted at a time by :func:`heaviest_terms` (its sort keys cost about 40 bytes an
entry: a whole large matrix at once would hold several GB of them)."""


def heaviest_terms(x: sp.csr_matrix, m: int, rows: np.ndarray | None = None) -> sp.csr_matrix:
    """``x`` keeping only the ``m`` largest entries of each row (ties: lower column first);
    with ``rows``, of the rows ``x[rows]`` in that order. Rows are taken a few million
    entries at a time, so the sorting never holds keys for the whole matrix."""
    x = sp.csr_matrix(x)
    order = np.arange(x.shape[0]) if rows is None else np.asarray(rows, dtype=np.int64)
    counts = np.diff(x.indptr)[order]
    if counts.size == 0 or counts.max() <= m:
        out = x if rows is None else sp.csr_matrix(x[order])
        out.sort_indices()
        return out
    ends = np.cumsum(counts)
    cuts = [0]
    while cuts[-1] < order.size:  # at least one row a chunk, else up to _HEAVY_CHUNK_NNZ
        done = ends[cuts[-1] - 1] if cuts[-1] else 0
        nxt = int(np.searchsorted(ends, done + _HEAVY_CHUNK_NNZ, "right"))
        cuts.append(max(nxt, cuts[-1] + 1))
    parts = [_heaviest_rows(sp.csr_matrix(x[order[a:b]]), m) for a, b in itertools.pairwise(cuts)]
    out = sp.vstack(parts, format="csr") if len(parts) > 1 else parts[0]
    out.has_sorted_indices = True
    return out


def _heaviest_rows(x: sp.csr_matrix, m: int) -> sp.csr_matrix:
    """:func:`heaviest_terms` of one chunk of rows."""
    x.sort_indices()  # columns ascending in each row: the stable sort below keeps them so
    counts = np.diff(x.indptr)
    if counts.size == 0 or counts.max() <= m:
        return x
    row = np.repeat(np.arange(x.shape[0]), counts)
    order = _group_order(row, x.data, None)  # stable: equal weights stay in column order
    rank = np.arange(order.size) - np.repeat(x.indptr[:-1], counts)
    keep = np.sort(order[rank < m])
    return sp.csr_matrix(
        (x.data[keep], x.indices[keep], np.r_[0, np.cumsum(np.minimum(counts, m))]),
        shape=x.shape,
    )


def pair_cosines(x: sp.csr_matrix, pairs: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """Exact dot products of the rows of each pair (cosines for L2-normalised rows)."""
    out = np.empty(len(pairs), dtype=np.float64)
    for s in range(0, len(pairs), chunk):
        p = pairs[s : s + chunk]
        out[s : s + chunk] = np.asarray(x[p[:, 0]].multiply(x[p[:, 1]]).sum(axis=1)).ravel()
    return out


def _canonical(pairs: np.ndarray) -> np.ndarray:
    if pairs.size == 0:
        return np.empty((0, 2), dtype=np.int64)
    p = np.sort(pairs.astype(np.int64), axis=1)
    p = p[p[:, 0] != p[:, 1]]
    return np.unique(p, axis=0)


def within_window(pairs: np.ndarray, times: np.ndarray, window_days: float) -> np.ndarray:
    """Keep pairs published at most ``window_days`` apart; a pair with an unknown date stays.

    ``times`` are seconds since the epoch as float64, NaN for unknown.
    """
    if pairs.size == 0:
        return pairs
    ta, tb = times[pairs[:, 0]], times[pairs[:, 1]]
    gap = np.abs(ta - tb)
    keep = np.isnan(gap) | (gap <= window_days * 86400.0)
    out: np.ndarray = pairs[keep]
    return out


def copy_candidates(signatures: np.ndarray, cfg: CandidateConfig) -> np.ndarray:
    """Pairs sharing an LSH band at ``lsh_threshold``."""
    if len(signatures) < 2:
        return np.empty((0, 2), dtype=np.int64)
    bands, rows = optimal_bands(cfg.lsh_threshold, signatures.shape[1])
    return _canonical(lsh_candidate_pairs(signatures, bands, rows, max_bucket=cfg.max_bucket))


def _top_k_per_row(
    r: np.ndarray, c: np.ndarray, v: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` highest-scoring ``(r, c)`` of each row ``r`` (ties: smaller ``c`` first)."""
    if r.size == 0:
        return r, c
    idx = _group_order(r, v, c)
    r, c = r[idx], c[idx]
    first = np.r_[0, np.flatnonzero(np.diff(r)) + 1]
    rank = np.arange(r.size) - np.repeat(first, np.diff(np.r_[first, r.size]))
    sel = rank < k
    return r[sel], c[sel]


def _block_neighbours(
    x: sp.csr_matrix,
    tfidf: sp.csr_matrix,
    order: np.ndarray,
    t_sorted: np.ndarray,
    n_known: int,
    cfg: CandidateConfig,
    start: int,
) -> np.ndarray:
    """The neighbour pairs (row indexes of ``tfidf``) of the time-sorted rows ``start`` to
    ``start + _BLOCK_ROWS`` (see :func:`tfidf_candidates`)."""
    n = x.shape[0]
    stop = min(n, start + _BLOCK_ROWS)
    window = cfg.window_days * 86400.0
    # A pair is looked for from its earlier row (r < c below), so the block meets only the
    # rows from its own first one on: the rows before it found their pairs with it already.
    if stop <= n_known:
        hi = int(np.searchsorted(t_sorted[:n_known], t_sorted[stop - 1] + window, "right"))
        cols = np.r_[start:hi, n_known:n]
        near = sp.vstack([x[start:hi], x[n_known:n]], format="csr") if n_known < n else x[start:hi]
    else:
        cols = np.arange(start, n)
        near = x[start:]
    # rows sorted by time: the window is a slice of rows (no column gather)
    block = (x[start:stop] @ near.T).tocoo()
    r = block.row.astype(np.int64) + start
    c = cols[block.col]
    keep = r < c
    # shortlist by the heavy-term score (a lower bound of the cosine), then exact
    r, c = _top_k_per_row(r[keep], c[keep], block.data[keep], 2 * cfg.tfidf_top_k)
    v = pair_cosines(tfidf, np.stack([order[r], order[c]], axis=1)) if r.size else r
    keep = v >= cfg.tfidf_min_cosine
    r, c = _top_k_per_row(r[keep], c[keep], v[keep], cfg.tfidf_top_k)
    return np.stack([order[r], order[c]], axis=1) if r.size else np.empty((0, 2), np.int64)


def tfidf_candidates(
    tfidf: sp.csr_matrix,
    times: np.ndarray,
    cfg: CandidateConfig,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Top-k TF-IDF neighbours with cosine >= ``tfidf_min_cosine`` inside the time window.

    Rows are sorted by time; each block of rows is multiplied only with the rows published
    within the window of the block, so the cost grows with the corpus, not its square. The
    product looks for neighbours through each article's heaviest terms only
    (:func:`heaviest_terms`); the cosine of every pair it finds is computed exactly.
    """
    n = tfidf.shape[0]
    if n < 2 or tfidf.shape[1] == 0:
        return np.empty((0, 2), dtype=np.int64)
    known = ~np.isnan(times)
    order = np.argsort(np.where(known, times, np.inf), kind="stable")
    t_sorted = times[order]
    n_known = int(known.sum())
    x = heaviest_terms(tfidf, _HEAVY_TERMS, rows=order)
    starts = list(range(0, n, _BLOCK_ROWS))
    shared = (x, tfidf, order, t_sorted, n_known, cfg)
    out: list[np.ndarray] = []
    big = n >= _PARALLEL_MIN_ROWS
    for start, found in zip(
        starts, fork_map(_block_neighbours, shared, starts, cfg.n_jobs, parallel=big), strict=True
    ):
        if found.size:
            out.append(found)
        if progress is not None:
            progress(min(n, start + _BLOCK_ROWS) - start)
    pairs = _canonical(np.concatenate(out)) if out else np.empty((0, 2), dtype=np.int64)
    return within_window(pairs, times, cfg.window_days)


def find_candidate_pairs(
    signatures: np.ndarray,
    tfidf: sp.csr_matrix,
    times: np.ndarray,
    cfg: CandidateConfig,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, dict[str, int]]:
    """All candidate pairs (copies and rewrites), with counts per source of candidates."""
    copies = within_window(copy_candidates(signatures, cfg), times, cfg.window_days)
    rewrites = tfidf_candidates(tfidf, times, cfg, progress)
    both = _canonical(np.concatenate([copies, rewrites]))
    return both, {"lsh": len(copies), "tfidf": len(rewrites), "total": len(both)}
