"""LSH banding over MinHash signature arrays, with the same candidates as datasketch.

A signature matrix (one row per article, as made by :func:`dedup.minhash.minhash_signatures`)
is cut into ``bands`` bands of ``rows`` consecutive values (values past ``bands * rows`` are
unused, as in datasketch).  Two articles are *candidates* when at least one band of theirs
is identical -- exactly the pairs that inserting every signature into a
``datasketch.MinHashLSH(params=(bands, rows))`` and querying each of them would return,
except that articles without shingles (all max-hash signatures) never pair here.

:func:`lsh_candidate_pairs` does this with sorting instead of per-article dictionaries: for
each band it hashes the band of every row to 64 bits, sorts the rows by that key, checks
neighbours for exact equality of the band values (so a hash collision can never create or
lose a pair) and emits all pairs inside each run of equal bands.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["lsh_candidate_pairs", "optimal_bands"]

I64Array = npt.NDArray[np.int64]
U64Array = npt.NDArray[np.uint64]

_EMPTY_LEGACY = (1 << 32) - 1  # datasketch's empty value for the legacy scheme (in uint64)
_MIX1 = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)
_MIX3 = np.uint64(0x94D049BB133111EB)


# ---------------------------------------------------------------------------------------
# Band parameters
# ---------------------------------------------------------------------------------------


def optimal_bands(
    threshold: float,
    num_perm: int,
    false_positive_weight: float = 0.5,
    false_negative_weight: float = 0.5,
) -> tuple[int, int]:
    """Return ``(bands, rows)`` exactly as ``datasketch.MinHashLSH`` chooses them.

    The same grid search as datasketch's ``_optimal_param``: over all ``b * r <= num_perm``
    minimise the weighted integrals of the false positive and false negative probabilities
    (``scipy.integrate.quad``, the same integrands), keeping the first minimum.  Results are
    cached.  Unlike ``MinHashLSH`` this does not reject a result with ``bands < 2``.

    Raises:
        ValueError: ``threshold`` outside [0, 1], ``num_perm < 1``, or weights outside
            [0, 1] or not summing to 1.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold!r}; pass e.g. 0.8")
    if isinstance(num_perm, bool) or not isinstance(num_perm, int | np.integer) or num_perm < 1:
        raise ValueError(
            f"num_perm must be a positive integer, got {num_perm!r}; "
            "pass the signature length (e.g. 128)"
        )
    weights = (false_positive_weight, false_negative_weight)
    if any(not 0.0 <= w <= 1.0 for w in weights) or not math.isclose(sum(weights), 1.0):
        raise ValueError(
            f"false positive/negative weights must be in [0, 1] and sum to 1, got {weights!r}; "
            "pass e.g. 0.5 and 0.5"
        )
    return _optimal_param(
        float(threshold), int(num_perm), float(false_positive_weight), float(false_negative_weight)
    )


@lru_cache(maxsize=256)
def _optimal_param(
    threshold: float, num_perm: int, false_positive_weight: float, false_negative_weight: float
) -> tuple[int, int]:
    """datasketch 2.0's ``_optimal_param``, statement for statement."""
    from scipy.integrate import quad

    def false_positive(b: int, r: int) -> float:
        area, _err = quad(lambda s: 1 - (1 - s ** float(r)) ** float(b), 0.0, threshold)
        return float(area)

    def false_negative(b: int, r: int) -> float:
        area, _err = quad(lambda s: 1 - (1 - (1 - s ** float(r)) ** float(b)), threshold, 1.0)
        return float(area)

    min_error = float("inf")
    opt = (0, 0)
    for b in range(1, num_perm + 1):
        max_r = int(num_perm / b)
        for r in range(1, max_r + 1):
            fp = false_positive(b, r)
            fn = false_negative(b, r)
            error = fp * false_positive_weight + fn * false_negative_weight
            if error < min_error:
                min_error = error
                opt = (b, r)
    return opt


# ---------------------------------------------------------------------------------------
# Candidate pairs
# ---------------------------------------------------------------------------------------


def _band_keys(band: npt.NDArray[Any], group_ids: I64Array | None) -> U64Array:
    """Hash each row of ``band`` (and its group id) to 64 bits.

    Only a sort key: equal rows get equal keys, and :func:`lsh_candidate_pairs` checks the
    band values themselves, so collisions cost time, never correctness.
    """
    key = np.full(band.shape[0], _MIX1, dtype=np.uint64)
    tmp = np.empty_like(key)
    columns = [band[:, c] for c in range(band.shape[1])]
    if group_ids is not None:
        columns.append(group_ids.view(np.uint64))
    for column in columns:
        key ^= column.astype(np.uint64)
        key *= _MIX2
        np.right_shift(key, np.uint64(31), out=tmp)
        key ^= tmp
    key *= _MIX3
    np.right_shift(key, np.uint64(29), out=tmp)
    key ^= tmp
    return key


def _equal_runs(
    band: npt.NDArray[Any], group_ids: I64Array | None
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Order rows so that equal (band, group) rows are adjacent.

    Returns the order and, for each adjacent pair in it, whether the two rows are equal.
    """
    key = _band_keys(band, group_ids)
    # Any sort will do (equal keys end up adjacent; pairs are put in order afterwards),
    # and numpy's default one is vectorised.
    order = np.argsort(key)
    for attempt in range(2):
        ordered = band[order]
        same = np.all(ordered[1:] == ordered[:-1], axis=1)
        if group_ids is not None:
            grp = group_ids[order]
            same &= grp[1:] == grp[:-1]
        if attempt:
            break
        sorted_key = key[order]
        if not np.any((sorted_key[1:] == sorted_key[:-1]) & ~same):
            break
        # A 64-bit key collision between different bands (astronomically rare): an exact
        # lexicographic sort puts every set of equal rows next to each other.
        sort_keys = [band[:, c] for c in range(band.shape[1] - 1, -1, -1)]
        if group_ids is not None:
            sort_keys.append(group_ids)
        order = np.lexsort(sort_keys)
    return order, same


def _pairs_in_runs(
    order: npt.NDArray[np.intp], same: npt.NDArray[np.bool_], max_bucket: int | None
) -> tuple[I64Array, I64Array]:
    """Return all position pairs ``(order[u], order[v])``, ``u < v``, within runs of ``same``."""
    m = order.size
    run_starts = np.flatnonzero(np.concatenate(([True], ~same)))
    sizes = np.diff(np.append(run_starts, m))
    wanted = sizes >= 2
    if max_bucket is not None:
        wanted &= sizes <= max_bucket
    run_starts = run_starts[wanted]
    sizes = sizes[wanted]
    if sizes.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    # Every member of a run pairs with each later member of the same run.
    n_members = int(sizes.sum())
    member_offsets = np.cumsum(sizes) - sizes
    local = np.arange(n_members, dtype=np.int64) - np.repeat(member_offsets, sizes)
    position = np.repeat(run_starts, sizes) + local
    later = np.repeat(sizes, sizes) - 1 - local
    n_pairs = int(later.sum())
    left = np.repeat(position, later)
    pair_offsets = np.cumsum(later) - later
    right = left + 1 + (np.arange(n_pairs, dtype=np.int64) - np.repeat(pair_offsets, later))
    return order[left].astype(np.int64), order[right].astype(np.int64)


def _empty_rows(sig: npt.NDArray[Any], empty_value: int | None) -> npt.NDArray[np.bool_]:
    """Rows that are all ``empty_value``, by default all max-hash (a MinHash never updated)."""
    empty: npt.NDArray[np.bool_]
    if empty_value is not None:
        empty = np.all(sig == empty_value, axis=1)
        return empty
    if sig.dtype.kind != "u":
        return np.zeros(sig.shape[0], dtype=np.bool_)
    empty = np.all(sig == np.iinfo(sig.dtype).max, axis=1)
    if sig.dtype == np.uint64:
        empty |= np.all(sig == _EMPTY_LEGACY, axis=1)
    return empty


def lsh_candidate_pairs(
    signatures: npt.ArrayLike,
    bands: int,
    rows: int,
    *,
    groups: npt.ArrayLike | None = None,
    max_bucket: int | None = None,
    empty_value: int | None = None,
) -> I64Array:
    """Return all pairs of rows of ``signatures`` that share at least one LSH band.

    Band ``k`` is ``signatures[:, k * rows:(k + 1) * rows]``; rows ``i`` and ``j`` are a
    candidate pair when some band of theirs is equal value for value.

    Args:
        signatures: 2-D integer array, one MinHash signature per row (uint32 or uint64).
            Rows that are all max-hash (no shingles: ``2**32 - 1`` or ``2**64 - 1``, or
            ``2**32 - 1`` in uint64 for the legacy scheme) never pair.
        bands: number of bands ``b`` (>= 1).
        rows: values per band ``r`` (>= 1); ``bands * rows`` must not exceed the number of
            columns.
        groups: optional per-row labels (e.g. time blocks; anything ``np.unique`` can
            sort); only rows with equal labels pair.
        max_bucket: if given (>= 2), a bucket -- the rows sharing one value of one band
            (within one group) -- with more rows than this emits no pairs.  Such buckets
            come from boilerplate-only pages (cookie banners, "page not found") and would
            otherwise emit a quadratic number of pairs; the rows can still pair through
            their other bands.  None (the default) means no cap.
        empty_value: rows whose values all equal this never pair; None (the default)
            means all max-hash as described for ``signatures``.

    Returns:
        int64 array of shape ``(m, 2)``: each pair once, as ``(i, j)`` with ``i < j``,
        sorted lexicographically.
    """
    sig = np.asarray(signatures)
    if sig.ndim != 2 or sig.dtype.kind not in "ui":
        raise ValueError(
            f"signatures must be a 2-D integer array, got shape {sig.shape} and dtype "
            f"{sig.dtype}; pass the matrix returned by minhash_signatures"
        )
    for name, value in (("bands", bands), ("rows", rows)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if bands * rows > sig.shape[1]:
        raise ValueError(
            f"bands * rows = {bands} * {rows} = {bands * rows} exceeds the signature length "
            f"{sig.shape[1]}; pass fewer bands or rows (see optimal_bands)"
        )
    if max_bucket is not None and (
        isinstance(max_bucket, bool)
        or not isinstance(max_bucket, int | np.integer)
        or max_bucket < 2
    ):
        raise ValueError(
            f"max_bucket must be None or an integer >= 2, got {max_bucket!r}; pass None for no cap"
        )
    n = sig.shape[0]
    group_ids: I64Array | None = None
    if groups is not None:
        labels = np.asarray(groups)
        if labels.shape != (n,):
            raise ValueError(
                f"groups must have one label per signature row, shape ({n},), got {labels.shape}"
            )
        group_ids = np.unique(labels, return_inverse=True)[1].astype(np.int64).reshape(n)

    kept = np.flatnonzero(~_empty_rows(sig, empty_value))
    if kept.size < 2:
        return np.empty((0, 2), dtype=np.int64)
    kept_groups = None if group_ids is None else group_ids[kept]
    codes = []
    for k in range(bands):
        band = sig[kept, k * rows : (k + 1) * rows]
        order, same = _equal_runs(band, kept_groups)
        left, right = _pairs_in_runs(order, same, max_bucket)
        if left.size:
            i = kept[np.minimum(left, right)]
            j = kept[np.maximum(left, right)]
            codes.append(i * np.int64(n) + j)
    if not codes:
        return np.empty((0, 2), dtype=np.int64)
    unique = np.unique(np.concatenate(codes))
    pairs = np.empty((unique.size, 2), dtype=np.int64)
    np.floor_divide(unique, n, out=pairs[:, 0])
    np.remainder(unique, n, out=pairs[:, 1])
    return pairs
