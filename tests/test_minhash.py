"""dedup.minhash: signatures equal datasketch's, value for value."""

from __future__ import annotations

import math
import random
import re

import datasketch
import numpy as np
import pytest
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup.minhash as mh
from dedup.minhash import (
    HASH_NAME,
    SCHEME,
    MinHashParams,
    hash_shingles,
    jaccard_estimate,
    minhash_signatures,
    permutations,
    shingle_hash32,
    shingle_hash64,
    shingle_strings,
    to_datasketch,
)

# Tokens of every kind: ASCII, accents, CJK, emoji, combining marks, empty strings, long
# tokens (many xxh32 stripes), and a few tokens with spaces inside (slow path).
_VOCAB = [
    "a",
    "the",
    "news",
    "é",
    "naïve",
    "日本",
    "語",
    "😀",
    "e\u0301",
    "",
    "x" * 40,
    "ünïcödé-" * 9,
    "0123456789",
]
_SPACED = ["new york", " ", "a  b"]


def _ds_minhash(
    tokens: list[str], k: int, num_perm: int = 128, seed: int = 1, scheme: str = "affine32"
) -> datasketch.MinHash:
    hashfunc = shingle_hash64 if scheme == "affine64" else shingle_hash32
    m = datasketch.MinHash(num_perm, seed=seed, hashfunc=hashfunc, scheme=scheme)
    m.update_batch([s.encode("utf-8") for s in shingle_strings(tokens, k)])
    return m


def _random_articles(seed: int, n: int, k: int, spaced: bool = False) -> list[list[str]]:
    rnd = random.Random(seed)
    vocab = _VOCAB + (_SPACED if spaced else [])
    lengths = [0, 1, k - 1, k, k + 1, 2 * k] + [rnd.randint(0, 300) for _ in range(n)]
    return [[rnd.choice(vocab) + rnd.choice(["", "s", "ed"]) for _ in range(m)] for m in lengths][
        :n
    ]


def _assert_equal_to_datasketch(
    articles: list[list[str]], params: MinHashParams, sigs: np.ndarray
) -> None:
    assert sigs.shape == (len(articles), params.num_perm)
    for i, tokens in enumerate(articles):
        expected = _ds_minhash(
            tokens, params.shingle_size, params.num_perm, params.seed, params.scheme
        ).hashvalues
        assert sigs.dtype == expected.dtype
        assert np.array_equal(sigs[i], expected), (i, tokens[:10])


# ---------------------------------------------------------------------------------------
# Shingles and hashes
# ---------------------------------------------------------------------------------------


def test_constants() -> None:
    assert HASH_NAME == "xxh32"
    assert SCHEME == "affine32"
    assert MinHashParams().scheme == SCHEME


def test_shingle_strings() -> None:
    assert shingle_strings(["a", "b", "c"], 2) == ["a b", "b c"]
    assert shingle_strings(["a", "b", "c"], 3) == ["a b c"]
    assert shingle_strings(["a", "b", "c"], 5) == ["a b c"]
    assert shingle_strings(["a"], 1) == ["a"]
    assert shingle_strings([], 5) == []


def test_shingle_hash_functions() -> None:
    assert shingle_hash32(b"a b c") == xxhash.xxh32_intdigest(b"a b c")
    assert shingle_hash64(b"a b c") == xxhash.xxh64_intdigest(b"a b c")


@pytest.mark.parametrize("k", [1, 2, 5])
def test_hash_shingles_matches_xxhash(k: int) -> None:
    for tokens in _random_articles(7, 60, k, spaced=True):
        expected = [shingle_hash32(s.encode("utf-8")) for s in shingle_strings(tokens, k)]
        got = hash_shingles(tokens, k)
        assert got.dtype == np.uint32
        assert got.tolist() == expected


def test_long_tokens_and_articles() -> None:
    # Long shingles take the gather path for their later stripes; long articles span chunks.
    rnd = random.Random(5)
    articles = [
        ["a", "é" * 3000, "b", "x" * 999, "c"],
        ["short"] * 3 + ["y" * 70_000] + ["z"],
        [rnd.choice(_VOCAB) for _ in range(70_000)],
    ]
    params = MinHashParams(num_perm=16, shingle_size=2)
    _assert_equal_to_datasketch(articles, params, minhash_signatures(articles, params))


def test_vectorised_xxh32_all_lengths() -> None:
    # Every length from 0 to 300 bytes at every alignment, against the C implementation.
    rnd = random.Random(3)
    data = rnd.randbytes(2000)
    starts = np.array([rnd.randrange(0, 1600) for _ in range(1500)], dtype=np.int32)
    lengths = np.array([i % 301 for i in range(1500)], dtype=np.int32)
    got = mh._xxh32_slices(data, starts, lengths, mh._Workspace())
    expected = [
        xxhash.xxh32_intdigest(data[s : s + n]) for s, n in zip(starts, lengths, strict=True)
    ]
    assert got.tolist() == expected
    # A slice reaching the very end of the buffer, and buffers shorter than a word.
    for size in range(0, 40):
        small = rnd.randbytes(size)
        one = mh._xxh32_slices(
            small,
            np.array([0], dtype=np.int32),
            np.array([size], dtype=np.int32),
            mh._Workspace(),
        )
        assert one.tolist() == [xxhash.xxh32_intdigest(small)]


# ---------------------------------------------------------------------------------------
# Signatures equal datasketch's
# ---------------------------------------------------------------------------------------


def test_signatures_equal_datasketch_seeded_batch() -> None:
    params = MinHashParams(num_perm=128, seed=1, shingle_size=5)
    articles = _random_articles(11, 200, 5)
    _assert_equal_to_datasketch(articles, params, minhash_signatures(articles, params))


@pytest.mark.parametrize(("num_perm", "seed", "k"), [(64, 42, 3), (16, 0, 1), (200, 2**32 - 1, 2)])
def test_signatures_equal_datasketch_other_params(num_perm: int, seed: int, k: int) -> None:
    params = MinHashParams(num_perm=num_perm, seed=seed, shingle_size=k)
    articles = _random_articles(seed % 1000, 60, k, spaced=True)
    _assert_equal_to_datasketch(articles, params, minhash_signatures(articles, params))


@pytest.mark.parametrize("scheme", ["affine64", "legacy"])
def test_signatures_equal_datasketch_other_schemes(scheme: str) -> None:
    params = MinHashParams(num_perm=32, seed=5, shingle_size=3, scheme=scheme)
    articles = _random_articles(5, 40, 3, spaced=True)
    sigs = minhash_signatures(articles, params)
    assert sigs.dtype == np.uint64
    _assert_equal_to_datasketch(articles, params, sigs)


_TOKEN = st.text(st.characters(codec="utf-8"), max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    articles=st.lists(st.lists(_TOKEN, max_size=25), max_size=6),
    k=st.integers(1, 6),
    num_perm=st.sampled_from([1, 7, 32]),
    seed=st.integers(0, 2**32 - 1),
)
def test_signatures_equal_datasketch_hypothesis(
    articles: list[list[str]], k: int, num_perm: int, seed: int
) -> None:
    params = MinHashParams(num_perm=num_perm, seed=seed, shingle_size=k)
    _assert_equal_to_datasketch(articles, params, minhash_signatures(articles, params))


def test_empty_article_is_empty_minhash() -> None:
    sigs = minhash_signatures([[], ["a"], []], MinHashParams(num_perm=8))
    empty = datasketch.MinHash(8, hashfunc=shingle_hash32).hashvalues
    assert np.array_equal(sigs[0], empty)
    assert np.array_equal(sigs[2], empty)
    assert np.all(sigs[0] == mh.empty_value())
    assert minhash_signatures([], MinHashParams(num_perm=8)).shape == (0, 8)


def test_chunking_does_not_change_results(monkeypatch: pytest.MonkeyPatch) -> None:
    params = MinHashParams(num_perm=32, shingle_size=4)
    articles = _random_articles(21, 80, 4, spaced=True) + [[]] * 5
    whole = minhash_signatures(articles, params)
    monkeypatch.setattr(mh, "_CHUNK_TOKENS", 50)
    monkeypatch.setattr(mh, "_CHUNK_ARTICLES", 3)
    seen: list[int] = []
    assert np.array_equal(minhash_signatures(articles, params, progress=seen.append), whole)
    assert seen == sorted(seen)
    assert seen[-1] == len(articles)
    assert len(seen) > 10


def test_parallel_equals_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    params = MinHashParams(num_perm=64, shingle_size=3)
    articles = _random_articles(31, 150, 3) + _random_articles(32, 20, 3, spaced=True)
    serial = minhash_signatures(articles, params, n_jobs=1)
    monkeypatch.setattr(mh, "_CHUNK_TOKENS", 400)
    monkeypatch.setattr(mh, "_PARALLEL_MIN_TOKENS", 0)
    seen: list[int] = []
    parallel = minhash_signatures(articles, params, n_jobs=2, progress=seen.append)
    assert np.array_equal(parallel, serial)
    assert seen == sorted(seen)
    assert seen[-1] == len(articles)


def test_progress_serial() -> None:
    seen: list[int] = []
    minhash_signatures([["a", "b"]] * 3, MinHashParams(num_perm=4), progress=seen.append)
    assert seen == [3]


# ---------------------------------------------------------------------------------------
# Permutations, datasketch interop, estimates
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["affine32", "affine64", "legacy"])
def test_permutations_equal_datasketch(scheme: str) -> None:
    params = MinHashParams(num_perm=50, seed=9, scheme=scheme)
    a, b = permutations(params)
    ds_a, ds_b = datasketch.MinHash(50, seed=9, scheme=scheme).permutations
    assert a.dtype == ds_a.dtype
    assert np.array_equal(a, ds_a)
    assert np.array_equal(b, ds_b)
    a[:] = 0  # a copy: the cached parameters are unaffected
    assert np.array_equal(permutations(params)[0], ds_a)


def test_to_datasketch_and_jaccard() -> None:
    params = MinHashParams(num_perm=128, shingle_size=2)
    articles = _random_articles(41, 30, 2)
    sigs = minhash_signatures(articles, params)
    minhashes = [_ds_minhash(t, 2, 128) for t in articles]
    for i in range(len(articles)):
        for j in range(i, len(articles)):
            assert jaccard_estimate(sigs[i], sigs[j]) == minhashes[i].jaccard(minhashes[j])
        ours = to_datasketch(sigs[i], params)
        assert np.array_equal(ours.hashvalues, minhashes[i].hashvalues)
        assert ours.jaccard(minhashes[i]) == 1.0
    # The result keeps working as a datasketch MinHash: updating it merges sets.
    merged = to_datasketch(sigs[3], params)
    merged.update_batch([s.encode() for s in shingle_strings(articles[4], 2)])
    assert np.array_equal(merged.hashvalues, np.minimum(sigs[3], sigs[4]))


@pytest.mark.parametrize("scheme", ["affine64", "legacy"])
def test_to_datasketch_other_schemes(scheme: str) -> None:
    params = MinHashParams(num_perm=16, shingle_size=2, scheme=scheme)
    tokens = ["a", "b", "c", "d"]
    ours = to_datasketch(minhash_signatures([tokens], params)[0], params)
    assert ours.scheme == scheme
    assert ours.jaccard(_ds_minhash(tokens, 2, 16, 1, scheme)) == 1.0


@pytest.mark.parametrize("true_jaccard", [0.1, 0.3, 0.5, 0.8, 0.95])
def test_estimate_is_close_to_true_jaccard(true_jaccard: float) -> None:
    # k = 1 and distinct tokens: the shingle sets are the token sets.
    num_perm = 256
    union = 2000
    shared = round(true_jaccard * union)
    only = (union - shared) // 2
    a = [f"s{i}" for i in range(shared)] + [f"a{i}" for i in range(only)]
    b = [f"s{i}" for i in range(shared)] + [f"b{i}" for i in range(union - shared - only)]
    exact = len(set(a) & set(b)) / len(set(a) | set(b))
    sigs = minhash_signatures([a, b], MinHashParams(num_perm=num_perm, shingle_size=1))
    error = abs(jaccard_estimate(sigs[0], sigs[1]) - exact)
    assert error <= 4 * math.sqrt(exact * (1 - exact) / num_perm)


# ---------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"num_perm": 0}, "num_perm must be a positive integer, got 0"),
        ({"num_perm": True}, "num_perm must be a positive integer"),
        ({"num_perm": 2.0}, "num_perm must be a positive integer"),
        ({"seed": -1}, "seed must be an integer in [0, 2**32), got -1"),
        ({"seed": 2**32}, "seed must be an integer in [0, 2**32)"),
        ({"shingle_size": 0}, "shingle_size must be a positive integer, got 0"),
        ({"scheme": "sha1"}, "scheme must be one of affine32, affine64, legacy, got 'sha1'"),
    ],
)
def test_params_validation(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fragment)) as info:
        MinHashParams(**kwargs)  # type: ignore[arg-type]
    assert "; pass " in str(info.value)


def test_other_validation() -> None:
    params = MinHashParams(num_perm=8)
    with pytest.raises(ValueError, match="shingle size k must be a positive integer"):
        shingle_strings(["a"], 0)
    with pytest.raises(ValueError, match="n_jobs must be a positive integer or -1"):
        minhash_signatures([["a"]], params, n_jobs=0)
    with pytest.raises(TypeError, match="not str"):
        minhash_signatures(["a text, not tokens"], params)
    with pytest.raises(TypeError, match="params must be a MinHashParams"):
        minhash_signatures([["a"]], 128)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="signatures must be two non-empty 1-D arrays"):
        jaccard_estimate(np.zeros(8, np.uint32), np.zeros(9, np.uint32))
    with pytest.raises(ValueError, match="signature must be one row of 8 values"):
        to_datasketch(np.zeros((2, 8), np.uint32), params)
