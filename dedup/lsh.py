"""MinHash LSH banding on signature arrays: the candidates datasketch's ``MinHashLSH`` finds,
without a Python object per article.

Band ``k`` of a signature is the slice ``[k*r, (k+1)*r)``. Two rows are candidates when they
agree exactly on all values of at least one band, as in ``MinHashLSH`` with the same
``(b, r)``. Rows are grouped per band by sorting the band's values as fixed-width byte keys.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from datasketch.lsh import _optimal_param


@lru_cache(maxsize=64)
def optimal_bands(
    threshold: float,
    num_perm: int,
    false_positive_weight: float = 0.5,
    false_negative_weight: float = 0.5,
) -> tuple[int, int]:
    """``(bands, rows)`` exactly as datasketch's ``MinHashLSH`` chooses them."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0.0, 1.0]; got {threshold!r}")
    b, r = _optimal_param(threshold, num_perm, false_positive_weight, false_negative_weight)
    return int(b), int(r)


def _pairs_in_groups(order: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """All pairs inside each group of ``order[starts[g] : starts[g] + sizes[g]]``."""
    out = []
    for size in np.unique(sizes):
        s = int(size)
        sel = starts[sizes == size]
        members = order[sel[:, None] + np.arange(s)[None, :]]  # (n_groups, s)
        iu, ju = np.triu_indices(s, k=1)
        out.append(np.stack([members[:, iu].ravel(), members[:, ju].ravel()], axis=1))
    if not out:
        return np.empty((0, 2), dtype=np.int64)
    return np.concatenate(out).astype(np.int64)


def lsh_candidate_pairs(
    signatures: np.ndarray,
    bands: int,
    rows: int,
    *,
    groups: np.ndarray | None = None,
    max_bucket: int | None = None,
    empty_value: int | None = None,
) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, unique and sorted, of rows sharing at least one band.

    ``groups``: optional label per row; only rows with equal labels pair (time blocks).
    ``max_bucket``: a bucket holding more rows than this is skipped (a band shared by
    thousands of pages is furniture, not a story). Rows whose signature is all
    ``empty_value`` (the empty MinHash, default the dtype's maximum) never pair.
    """
    sig = np.ascontiguousarray(signatures)
    n = sig.shape[0]
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    if bands * rows > sig.shape[1]:
        raise ValueError(f"bands*rows = {bands * rows} exceeds num_perm = {sig.shape[1]}")
    empty = np.iinfo(sig.dtype).max if empty_value is None else empty_value
    live = np.flatnonzero(~np.all(sig == empty, axis=1))
    if live.size < 2:
        return np.empty((0, 2), dtype=np.int64)
    width = sig.dtype.itemsize * rows
    found = []
    for k in range(bands):
        band = np.ascontiguousarray(sig[live, k * rows : (k + 1) * rows])
        keys = band.view(np.dtype((np.void, width))).ravel()
        if groups is not None:
            g = np.ascontiguousarray(groups[live].astype(np.int64)).view(np.dtype((np.void, 8)))
            keys = np.array(
                [gk.tobytes() + bk.tobytes() for gk, bk in zip(g.ravel(), keys, strict=True)],
                dtype=np.dtype((np.void, width + 8)),
            )
        order = np.argsort(keys, kind="stable")
        sk = keys[order]
        boundary = np.r_[True, sk[1:] != sk[:-1]]
        starts = np.flatnonzero(boundary)
        sizes = np.diff(np.r_[starts, sk.size])
        keep = sizes >= 2
        if max_bucket is not None:
            keep &= sizes <= max_bucket
        if keep.any():
            found.append(_pairs_in_groups(live[order], starts[keep], sizes[keep]))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.sort(np.concatenate(found), axis=1)
    return np.unique(pairs, axis=0)
