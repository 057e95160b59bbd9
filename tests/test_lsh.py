import random

import numpy as np
from datasketch import MinHash, MinHashLSH
from datasketch.lsh import _optimal_param
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.lsh import lsh_candidate_pairs, optimal_bands
from dedup.minhash import MinHashParams, minhash_signatures, shingle_hash32, shingle_strings


def _corpus(seed: int, n: int = 120) -> list[list[str]]:
    rnd = random.Random(seed)
    vocab = [f"w{i}" for i in range(300)]
    docs = [[rnd.choice(vocab) for _ in range(rnd.randint(20, 60))] for _ in range(n // 2)]
    for d in list(docs):  # planted near-duplicates
        copy = list(d)
        for _ in range(rnd.randint(0, 1)):
            copy[rnd.randrange(len(copy))] = rnd.choice(vocab)
        docs.append(copy)
    return docs


def test_same_candidates_as_datasketch() -> None:
    for seed, threshold in ((1, 0.5), (2, 0.3), (3, 0.8)):
        docs = _corpus(seed)
        params = MinHashParams(num_perm=128, shingle_size=3)
        sigs = minhash_signatures(docs, params)
        b, r = optimal_bands(threshold, 128)
        ours = {tuple(p) for p in lsh_candidate_pairs(sigs, b, r).tolist()}
        lsh = MinHashLSH(threshold=threshold, num_perm=128)
        mhs = []
        for i, d in enumerate(docs):
            m = MinHash(num_perm=128, seed=params.seed, hashfunc=shingle_hash32)
            m.update_batch([s.encode() for s in shingle_strings(d, 3)])
            mhs.append(m)
            lsh.insert(i, m)
        theirs = set()
        for i, m in enumerate(mhs):
            theirs |= {(min(i, j), max(i, j)) for j in lsh.query(m) if j != i}
        assert ours == theirs
        assert len(ours) >= len(docs) // 4


def test_optimal_bands_equal_datasketch() -> None:
    for t in (0.2, 0.5, 0.9):
        assert optimal_bands(t, 128) == _optimal_param(t, 128, 0.5, 0.5)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3), min_size=8, max_size=8), min_size=0, max_size=30))
def test_pairs_canonical_unique_sorted(rows: list[list[int]]) -> None:
    sig = np.array(rows, dtype=np.uint32).reshape(-1, 8)
    pairs = lsh_candidate_pairs(sig, 4, 2)
    assert np.all(pairs[:, 0] < pairs[:, 1])
    assert len({tuple(p) for p in pairs.tolist()}) == len(pairs)
    assert pairs.tolist() == sorted(pairs.tolist())
    brute = {
        (i, j)
        for i in range(len(sig))
        for j in range(i + 1, len(sig))
        if any(np.array_equal(sig[i, k : k + 2], sig[j, k : k + 2]) for k in range(0, 8, 2))
    }
    assert {tuple(p) for p in pairs.tolist()} == brute


def test_groups_max_bucket_and_empty() -> None:
    sig = np.zeros((4, 4), dtype=np.uint32)
    sig[3] = np.iinfo(np.uint32).max
    assert lsh_candidate_pairs(sig, 2, 2).tolist() == [[0, 1], [0, 2], [1, 2]]
    assert lsh_candidate_pairs(sig, 2, 2, groups=np.array([0, 1, 0, 0])).tolist() == [[0, 2]]
    assert lsh_candidate_pairs(sig, 2, 2, max_bucket=2).tolist() == []
