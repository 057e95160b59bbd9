"""dedup.lsh: the same candidate pairs and band parameters as datasketch's MinHashLSH."""

from __future__ import annotations

import random
from itertools import combinations

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from datasketch.lsh import _optimal_param
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dedup.lsh as lsh_module
from dedup.lsh import lsh_candidate_pairs, optimal_bands
from dedup.minhash import (
    MinHashParams,
    minhash_signatures,
    shingle_hash32,
    shingle_strings,
    to_datasketch,
)


def _corpus(seed: int, n_sources: int = 60) -> list[list[str]]:
    """Random articles plus near-duplicates of them (0 to 8 edited tokens) and empties."""
    rnd = random.Random(seed)
    vocab = [f"w{i}" for i in range(400)]
    docs = [[rnd.choice(vocab) for _ in range(rnd.randint(20, 80))] for _ in range(n_sources)]
    for source in list(docs):
        for _ in range(rnd.randint(0, 2)):
            copy = list(source)
            for _ in range(rnd.randint(0, 8)):
                copy[rnd.randrange(len(copy))] = rnd.choice(vocab)
            docs.append(copy)
    docs += [[], [], ["short"]]
    rnd.shuffle(docs)
    return docs


def _datasketch_pairs(minhashes: list[MinHash], bands: int, rows: int) -> set[tuple[int, int]]:
    lsh = MinHashLSH(num_perm=len(minhashes[0]), params=(bands, rows))
    for i, m in enumerate(minhashes):
        lsh.insert(i, m)
    pairs = set()
    for i, m in enumerate(minhashes):
        pairs |= {(min(i, j), max(i, j)) for j in lsh.query(m) if j != i}
    return pairs


def _as_set(pairs: np.ndarray) -> set[tuple[int, int]]:
    return {(int(i), int(j)) for i, j in pairs.tolist()}


def _brute_force(
    sig: np.ndarray,
    bands: int,
    rows: int,
    groups: list[int] | None = None,
    max_bucket: int | None = None,
) -> set[tuple[int, int]]:
    n = len(sig)
    live = [i for i in range(n) if not np.all(sig[i] == np.iinfo(sig.dtype).max)]
    found = set()
    for k in range(bands):
        buckets: dict[tuple[object, ...], list[int]] = {}
        for i in live:
            label = None if groups is None else groups[i]
            key = (label, *sig[i, k * rows : (k + 1) * rows].tolist())
            buckets.setdefault(key, []).append(i)
        for members in buckets.values():
            if max_bucket is None or len(members) <= max_bucket:
                found |= set(combinations(members, 2))
    return found


# ---------------------------------------------------------------------------------------
# Same candidates as datasketch
# ---------------------------------------------------------------------------------------


def test_same_candidates_as_datasketch_independent_minhashes() -> None:
    # datasketch builds its own MinHash objects from the shingles.
    docs = _corpus(1)
    params = MinHashParams(num_perm=128, shingle_size=3)
    sigs = minhash_signatures(docs, params)
    minhashes = []
    for tokens in docs:
        m = MinHash(num_perm=128, seed=params.seed, hashfunc=shingle_hash32)
        m.update_batch([s.encode() for s in shingle_strings(tokens, 3)])
        minhashes.append(m)
    bands, rows = optimal_bands(0.5, 128)
    empty = {i for i, tokens in enumerate(docs) if not tokens}
    theirs = {p for p in _datasketch_pairs(minhashes, bands, rows) if not empty & set(p)}
    ours = _as_set(lsh_candidate_pairs(sigs, bands, rows))
    assert ours == theirs
    assert len(ours) >= 30


@pytest.mark.parametrize(
    ("seed", "threshold", "num_perm"),
    [(2, 0.3, 128), (3, 0.5, 64), (4, 0.8, 128), (5, 0.9, 128), (6, 0.7, 256)],
)
def test_same_candidates_as_datasketch(seed: int, threshold: float, num_perm: int) -> None:
    docs = _corpus(seed)
    params = MinHashParams(num_perm=num_perm, shingle_size=2)
    sigs = minhash_signatures(docs, params)
    bands, rows = optimal_bands(threshold, num_perm)
    nonempty = [i for i, tokens in enumerate(docs) if tokens]
    minhashes = [to_datasketch(sigs[i], params) for i in nonempty]
    theirs = {(nonempty[i], nonempty[j]) for i, j in _datasketch_pairs(minhashes, bands, rows)}
    ours = _as_set(lsh_candidate_pairs(sigs, bands, rows))
    assert ours == theirs
    assert ours  # the planted near-duplicates are found


def test_optimal_bands_equal_datasketch() -> None:
    for num_perm in (16, 64, 128):
        for threshold in (0.0, 0.1, 0.3, 0.5, 0.75, 0.9, 1.0):
            assert optimal_bands(threshold, num_perm) == _optimal_param(
                threshold, num_perm, 0.5, 0.5
            )
    for weights in ((0.3, 0.7), (0.9, 0.1)):
        assert optimal_bands(0.6, 128, *weights) == _optimal_param(0.6, 128, *weights)
    for threshold in (0.5, 0.8, 0.9):
        lsh = MinHashLSH(threshold=threshold, num_perm=128)
        assert optimal_bands(threshold, 128) == (lsh.b, lsh.r)


# ---------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------

_SMALL_SIGS = hnp.arrays(
    np.uint32,
    st.tuples(st.integers(0, 30), st.just(6)),
    elements=st.sampled_from([0, 1, 2, 2**32 - 1]),
)


@settings(max_examples=80, deadline=None)
@given(
    sig=_SMALL_SIGS,
    shape=st.sampled_from([(3, 2), (2, 3), (6, 1), (1, 6), (2, 2)]),
    with_groups=st.booleans(),
    max_bucket=st.one_of(st.none(), st.integers(2, 5)),
    data=st.data(),
)
def test_pairs_canonical_unique_sorted_and_exact(
    sig: np.ndarray,
    shape: tuple[int, int],
    with_groups: bool,
    max_bucket: int | None,
    data: st.DataObject,
) -> None:
    bands, rows = shape
    groups = (
        data.draw(st.lists(st.integers(0, 2), min_size=len(sig), max_size=len(sig)))
        if with_groups
        else None
    )
    pairs = lsh_candidate_pairs(
        sig,
        bands,
        rows,
        groups=None if groups is None else np.array(groups),
        max_bucket=max_bucket,
    )
    assert pairs.dtype == np.int64
    assert pairs.shape == (len(pairs), 2)
    assert np.all(pairs[:, 0] < pairs[:, 1])
    as_tuples = [(i, j) for i, j in pairs.tolist()]
    assert as_tuples == sorted(set(as_tuples))
    assert _as_set(pairs) == _brute_force(sig, bands, rows, groups, max_bucket)


def test_hash_collisions_do_not_change_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = np.random.default_rng(0)
    sig = rnd.integers(0, 3, size=(60, 8)).astype(np.uint32)
    groups = rnd.integers(0, 2, size=60)
    expected = lsh_candidate_pairs(sig, 4, 2, groups=groups)

    def constant_keys(band: np.ndarray, group_ids: np.ndarray | None) -> np.ndarray:
        return np.zeros(band.shape[0], dtype=np.uint64)

    monkeypatch.setattr(lsh_module, "_band_keys", constant_keys)
    assert np.array_equal(lsh_candidate_pairs(sig, 4, 2, groups=groups), expected)
    assert _as_set(expected) == _brute_force(sig, 4, 2, groups.tolist())


# ---------------------------------------------------------------------------------------
# Options and edge cases
# ---------------------------------------------------------------------------------------


def test_groups_max_bucket_and_empty() -> None:
    sig = np.zeros((4, 4), dtype=np.uint32)
    sig[3] = np.iinfo(np.uint32).max
    assert lsh_candidate_pairs(sig, 2, 2).tolist() == [[0, 1], [0, 2], [1, 2]]
    assert lsh_candidate_pairs(sig, 2, 2, groups=np.array([0, 1, 0, 0])).tolist() == [[0, 2]]
    assert lsh_candidate_pairs(sig, 2, 2, groups=["a", "b", "a", "a"]).tolist() == [[0, 2]]
    assert lsh_candidate_pairs(sig, 2, 2, max_bucket=2).tolist() == []
    assert lsh_candidate_pairs(sig, 2, 2, max_bucket=3).tolist() == [[0, 1], [0, 2], [1, 2]]
    assert lsh_candidate_pairs(sig, 2, 2, empty_value=0).tolist() == []


def test_max_bucket_skips_only_the_big_bucket() -> None:
    sig = np.array([[1, 1], [1, 1], [1, 1], [2, 5], [3, 5]], dtype=np.uint32)
    assert lsh_candidate_pairs(sig, 2, 1, max_bucket=2).tolist() == [[3, 4]]


def test_empty_signatures_of_every_scheme_never_pair() -> None:
    for scheme in ("affine32", "affine64", "legacy"):
        params = MinHashParams(num_perm=8, shingle_size=1, scheme=scheme)
        sigs = minhash_signatures([[], ["a"], [], ["a"]], params)
        assert lsh_candidate_pairs(sigs, 4, 2).tolist() == [[1, 3]]


def test_small_inputs() -> None:
    assert lsh_candidate_pairs(np.zeros((0, 4), np.uint32), 2, 2).shape == (0, 2)
    assert lsh_candidate_pairs(np.zeros((1, 4), np.uint32), 2, 2).shape == (0, 2)
    unrelated = np.arange(12, dtype=np.uint32).reshape(3, 4)
    assert lsh_candidate_pairs(unrelated, 2, 2).shape == (0, 2)


def test_validation() -> None:
    sig = np.zeros((3, 8), dtype=np.uint32)
    with pytest.raises(ValueError, match="exceeds the signature length 8"):
        lsh_candidate_pairs(sig, 3, 3)
    with pytest.raises(ValueError, match="bands must be a positive integer"):
        lsh_candidate_pairs(sig, 0, 2)
    with pytest.raises(ValueError, match="rows must be a positive integer"):
        lsh_candidate_pairs(sig, 2, -1)
    with pytest.raises(ValueError, match="signatures must be a 2-D integer array"):
        lsh_candidate_pairs(np.zeros(8, np.uint32), 2, 2)
    with pytest.raises(ValueError, match="signatures must be a 2-D integer array"):
        lsh_candidate_pairs(np.zeros((3, 8)), 2, 2)
    with pytest.raises(ValueError, match="max_bucket must be None or an integer >= 2"):
        lsh_candidate_pairs(sig, 2, 2, max_bucket=1)
    with pytest.raises(ValueError, match="groups must have one label per signature row"):
        lsh_candidate_pairs(sig, 2, 2, groups=np.zeros(2))
    with pytest.raises(ValueError, match="threshold must be in"):
        optimal_bands(1.5, 128)
    with pytest.raises(ValueError, match="num_perm must be a positive integer"):
        optimal_bands(0.5, 0)
    with pytest.raises(ValueError, match="weights must be in"):
        optimal_bands(0.5, 128, 0.7, 0.7)
