"""The vectorised sentence x bigram matrix equals the per-token reference builder: same
shape, same columns (bigrams in string order), same rows, float32 ones, sorted indices."""

from __future__ import annotations

import random

import numpy as np
import pytest
import scipy.sparse as sp

import dedup.score as score_mod
from dedup.score import _bigram_matrix
from tests.score_reference import reference_bigram_matrix

# invented words: stop words that become common, stems that meet ("charged"/"charges"),
# short words the stemmer leaves alone, digits, underscores and non-ASCII word characters
_COMMON = ["the", "of", "and", "said", "to", "a", "in"]
_RARE = [
    "charged", "charges", "charging", "charge", "mayor", "mayors", "council", "bridge",
    "bridges", "voted", "votes", "is", "us", "bus", "ess", "sing", "ring", "red", "bed",
    "2024", "4,200", "1.5", "snake_case", "café", "cafés", "zoë", "naïve", "straße", "ab",
    "abc", "b", "bc", "x", "wasted", "waste", "wastes",
]  # fmt: skip


def _invented(rng: random.Random, n: int) -> list[str]:
    """``n`` invented words, some with the suffixes the stemmer strips."""
    return [
        "".join(rng.choice("abcdeéz") for _ in range(rng.randint(1, 6)))
        + rng.choice(["", "", "s", "es", "ed", "ing"])
        for _ in range(n)
    ]


def _sentence(rng: random.Random, rare: list[str]) -> str:
    shape = rng.random()
    if shape < 0.08:
        return rng.choice(["", "   ", "--", "!?"])  # no word at all
    if shape < 0.16:
        return rng.choice(_COMMON + rare)  # one word, no bigram
    if shape < 0.22:
        word = rng.choice(rare)
        return " ".join([word] * rng.randint(2, 5))  # a repeated word
    words = [
        rng.choice(_COMMON) if rng.random() < 0.5 else rng.choice(rare)
        for _ in range(rng.randint(2, 14))
    ]
    return rng.choice([" ", ", ", " - "]).join(words) + rng.choice(["", ".", "!"])


def _assert_same(got: sp.csr_matrix, want: sp.csr_matrix) -> None:
    assert isinstance(got, sp.csr_matrix)
    assert got.shape == want.shape
    assert got.dtype == want.dtype == np.float32
    assert got.has_sorted_indices
    want = want.copy()
    want.sort_indices()
    np.testing.assert_array_equal(got.indptr, want.indptr)
    np.testing.assert_array_equal(got.indices, want.indices)
    np.testing.assert_array_equal(got.data, want.data)
    assert (got != want).nnz == 0


@pytest.mark.parametrize("seed", range(40))
def test_bigram_matrix_equals_reference_on_random_sentences(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    if seed % 2:  # the tokens numbered a few sentences at a time
        monkeypatch.setattr(score_mod, "_SPLIT_ROWS", 1 + seed % 7)
    if seed % 3 == 0:  # the bigrams listed a few sentences at a time
        monkeypatch.setattr(score_mod, "_BIGRAM_ROWS", 1 + seed % 5)
    rng = random.Random(seed)
    n = rng.choice([1, 2, 3, 7, 30, 120, 400])
    rare = _RARE + _invented(rng, 2 * n)
    sentences = [_sentence(rng, rare) for _ in range(n)]
    got, want = _bigram_matrix(sentences), reference_bigram_matrix(sentences)
    _assert_same(got, want)
    if n >= 30:  # the case is not degenerate: common words dropped, many bigrams kept
        assert got.nnz > n
        kept = sum(len(s.split()) for s in sentences)
        assert got.nnz < kept


@pytest.mark.parametrize(
    "sentences",
    [
        [],
        [""],
        ["", "  ", "."],
        ["word"],
        ["one", "two", "three"],
        ["same same same same"],
        ["charged charges", "charging charge"],
        ["ab c", "a bc", "a b", "ab", "a  b  c"],  # string order of "first second"
        ["the of"] * 6,  # every bigram is of two common words: no bigram left
        ["the of"] * 6 + ["the mayor"],
        ["café zoë", "cafés naïve", "straße 2024", "4,200 1.5"],
    ],
)
def test_bigram_matrix_equals_reference_on_edge_cases(sentences: list[str]) -> None:
    _assert_same(_bigram_matrix(sentences), reference_bigram_matrix(sentences))


def test_common_bigrams_are_dropped_and_others_kept() -> None:
    # "the" and "of" are in every one of 6 sentences: common; "mayor" in one
    sentences = ["the of the of"] * 5 + ["the mayor of the"]
    m = _bigram_matrix(sentences)
    assert m.shape == (6, 2)  # "mayor of", "the mayor"
    assert m[:5].nnz == 0
    np.testing.assert_array_equal(m[5].toarray(), [[1.0, 1.0]])
