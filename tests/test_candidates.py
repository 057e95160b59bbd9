import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup.candidates as cand
from dedup.candidates import find_candidate_pairs, tfidf_candidates, within_window
from dedup.config import CandidateConfig
from dedup.fingerprint import build_tfidf
from dedup.minhash import MinHashParams, minhash_signatures
from dedup.textnorm import tokenize
from tests.conftest import OTHER, REWRITE, WIRE

DAY = 86400.0


def test_copies_and_rewrites_found_unrelated_not() -> None:
    texts = [WIRE, WIRE + " Extra line here.", REWRITE, OTHER]
    tokens = [tokenize(t) for t in texts]
    sigs = minhash_signatures(tokens, MinHashParams())
    pairs, counts = find_candidate_pairs(
        sigs, build_tfidf(tokens, 1.0), np.zeros(4), CandidateConfig()
    )
    found = {tuple(p) for p in pairs.tolist()}
    assert (0, 1) in found
    assert (0, 2) in found
    assert not any(3 in p for p in found)
    assert counts["total"] == len(pairs)


def test_time_window_blocks_far_apart_pairs() -> None:
    tokens = [tokenize(WIRE), tokenize(WIRE), tokenize(WIRE)]
    sigs = minhash_signatures(tokens, MinHashParams())
    times = np.array([0.0, 1 * DAY, 30 * DAY])
    pairs, _ = find_candidate_pairs(
        sigs, build_tfidf(tokens, 1.0), times, CandidateConfig(window_days=7)
    )
    assert [tuple(p) for p in pairs.tolist()] == [(0, 1)]


def test_unknown_dates_are_not_blocked() -> None:
    pairs = np.array([[0, 1], [1, 2]])
    times = np.array([0.0, np.nan, 100 * DAY])
    assert within_window(pairs, times, 1.0).tolist() == [[0, 1], [1, 2]]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(["a", "b", "c", "d", "e", "f", "g", "h"]), min_size=1, max_size=12
        ),
        min_size=2,
        max_size=25,
    ),
    st.lists(st.floats(min_value=0, max_value=20), min_size=25, max_size=25),
)
def test_pairs_canonical_unique_and_match_dense_reference(
    docs: list[list[str]], days: list[float]
) -> None:
    x = build_tfidf(docs, 1.0)
    times = np.array(days[: len(docs)]) * DAY
    cfg = CandidateConfig(tfidf_min_cosine=0.3, tfidf_top_k=1000, window_days=5)
    pairs = tfidf_candidates(x, times, cfg)
    assert np.all(pairs[:, 0] < pairs[:, 1])
    assert len({tuple(p) for p in pairs.tolist()}) == len(pairs)
    dense = (x @ x.T).toarray() if sp.issparse(x) else x @ x.T
    expected = {
        (i, j)
        for i in range(len(docs))
        for j in range(i + 1, len(docs))
        if dense[i, j] >= 0.3 and abs(times[i] - times[j]) <= 5 * DAY
    }
    assert {tuple(p) for p in pairs.tolist()} == expected


def test_heaviest_terms_keeps_the_largest_entries_of_each_row() -> None:
    import scipy.sparse as sp

    from dedup.candidates import heaviest_terms

    x = sp.random(40, 60, density=0.3, format="csr", random_state=4, dtype=np.float64)
    h = heaviest_terms(x, 5)
    dense, hd = x.toarray(), h.toarray()
    for r in range(40):
        nz = np.flatnonzero(dense[r])
        want = sorted(nz[np.lexsort((nz, -dense[r, nz]))][:5].tolist())
        assert np.flatnonzero(hd[r]).tolist() == want
        assert np.allclose(hd[r, want], dense[r, want])


def test_pair_cosines_equal_dense_dot_products() -> None:
    import scipy.sparse as sp

    from dedup.candidates import pair_cosines

    x = sp.random(30, 20, density=0.4, format="csr", random_state=5, dtype=np.float64)
    pairs = np.array([[0, 1], [2, 29], [5, 5], [7, 3]])
    d = x.toarray()
    want = [float(d[a] @ d[b]) for a, b in pairs]
    got = pair_cosines(x, pairs, chunk=3)
    assert got.shape == (4,)
    assert np.allclose(got, want)


def test_tfidf_neighbours_in_worker_processes_equal_those_found_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(3)
    topics = rng.integers(0, 40, size=600)
    docs = [
        [f"t{int(k)}w{int(w)}" for w in rng.integers(0, 12, size=20)]
        + [f"n{int(w)}" for w in rng.integers(0, 300, size=10)]
        for k in topics
    ]
    tfidf = build_tfidf(docs, 1.0)
    times = rng.integers(0, 20, size=len(docs)).astype(np.float64) * 86400.0
    times[::37] = np.nan
    monkeypatch.setattr(cand, "_BLOCK_ROWS", 64)
    here = cand.tfidf_candidates(tfidf, times, CandidateConfig(n_jobs=1))
    monkeypatch.setattr(cand, "_PARALLEL_MIN_ROWS", 0)
    there = cand.tfidf_candidates(tfidf, times, CandidateConfig(n_jobs=2))
    assert len(here) > 100
    assert np.array_equal(here, there)


def test_heaviest_terms_keeps_the_largest_entries_lower_column_first_on_ties() -> None:
    rng = np.random.default_rng(4)
    dense = rng.choice([0.0, 0.1, 0.2, 0.3, 0.5], size=(40, 60), p=[0.5, 0.2, 0.1, 0.1, 0.1])
    x = sp.csr_matrix(dense.astype(np.float32))
    got = cand.heaviest_terms(x, 5).toarray()
    for r in range(dense.shape[0]):
        cols = sorted(np.flatnonzero(dense[r]), key=lambda c: (-dense[r, c], c))[:5]
        want = np.zeros(dense.shape[1], dtype=np.float32)
        want[cols] = dense[r, cols]
        assert np.array_equal(got[r], want), r


def test_heaviest_terms_by_chunks_and_in_a_row_order_equal_the_whole_matrix_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(8)
    dense = rng.choice([0.0, 0.1, 0.2, 0.3, 0.5], size=(90, 50), p=[0.4, 0.3, 0.1, 0.1, 0.1])
    dense[7] = 0.0  # an empty row
    x = sp.csr_matrix(dense.astype(np.float32))
    perm = rng.permutation(90)
    whole = cand.heaviest_terms(x, 6)
    whole_perm = cand.heaviest_terms(sp.csr_matrix(x[perm]), 6)
    monkeypatch.setattr(cand, "_HEAVY_CHUNK_NNZ", 37)  # a few rows a chunk, some alone
    for got, want in (
        (cand.heaviest_terms(x, 6), whole),
        (cand.heaviest_terms(x, 6, perm), whole_perm),
    ):
        assert got.has_sorted_indices
        assert np.array_equal(got.indptr, want.indptr)
        assert np.array_equal(got.indices, want.indices)
        assert np.array_equal(got.data, want.data)
        assert got.dtype == np.float32
    assert (np.diff(whole.indptr) == np.minimum(np.count_nonzero(dense, axis=1), 6)).all()


_VALUES = st.sampled_from([0.0, -0.0, 0.25, 0.5, 0.5000001, 1.0, 3.0, float("inf")])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 9), _VALUES, st.integers(0, 2**20)), max_size=40),
    st.sampled_from([np.float32, np.float64]),
    st.booleans(),
    st.integers(0, 2**40),
)
def test_group_order_is_lexsort(
    rows: list[tuple[int, float, int]], dtype: type, with_tie: bool, shift: int
) -> None:
    # groups, values descending, ties: the integer-key path (float32, non-negative, ranges
    # that fit in 64 bits) and the lexsort path give lexsort's order
    g = np.array([r[0] for r in rows], dtype=np.int64) + shift
    v = np.array([r[1] for r in rows], dtype=dtype)
    t = np.array([r[2] for r in rows], dtype=np.int64)
    if with_tie:
        want = np.lexsort((t, -v, g))
        got = cand._group_order(g, v, t)
    else:
        want = np.lexsort((-v, g))
        got = cand._group_order(g, v, None)
    assert got.tolist() == want.tolist()  # both stable: equal keys keep their order


def test_group_order_with_narrow_and_wide_tie_ranges() -> None:
    # wide ranges fall back to lexsort, the rest use one integer key: both orders equal
    rng = np.random.default_rng(5)
    g = np.repeat(np.arange(50), 40)
    v = rng.choice([0.0, 0.1, 0.7], size=g.size).astype(np.float32)
    for span in (2**10, 2**40):  # 6 + 31 + 10 bits fit in 64, 6 + 31 + 40 do not
        t = rng.permutation(g.size) * (span // g.size)
        assert cand._group_order(g, v, t).tolist() == np.lexsort((t, -v, g)).tolist()
