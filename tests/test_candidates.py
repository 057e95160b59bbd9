import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

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
