"""The fast scorer pieces against their straightforward equivalents, on random invented
text."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from dedup.score import char_ngram_tfidf

VOCAB = [
    "port",
    "strike",
    "union",
    "wages",
    "talks",
    "harbour",
    "cargo",
    "ships",
    "court",
    "judge",
    "ruling",
    "appeal",
    "minister",
    "budget",
    "tax",
    "vote",
    "council",
    "river",
    "flood",
    "rain",
    "storm",
    "school",
    "teachers",
    "hospital",
    "doctors",
    "Über",
    "naïve",
    "café",
    "4,200",
    "1.5",
    "30",
    "19-20",
    "2025",
    "the",
    "a",
    "of",
    "and",
    "in",
    "on",
    "to",
    "said",
    "would",
    "could",
]


def _sentence(rng: np.random.Generator) -> str:
    n = int(rng.integers(0, 14))
    words = [VOCAB[int(k)] for k in rng.integers(0, len(VOCAB), size=n)]
    return " ".join(words).capitalize() + "."


def _corpus(rng: np.random.Generator, n: int) -> list[list[str]]:
    """Random articles, some sharing sentences (copies, edits) and some empty."""
    arts: list[list[str]] = []
    for k in range(n):
        if k and rng.random() < 0.5:
            base = arts[int(rng.integers(0, k))]
            sents = [s for s in base if rng.random() < 0.8]
            sents += [_sentence(rng) for _ in range(int(rng.integers(0, 3)))]
            if len(sents) > 1 and rng.random() < 0.3:  # split a sentence in two
                w = sents[0].split()
                sents[0:1] = [" ".join(w[: len(w) // 2]), " ".join(w[len(w) // 2 :])]
        elif rng.random() < 0.05:
            sents = []
        else:
            sents = [_sentence(rng) for _ in range(int(rng.integers(1, 9)))]
        arts.append(sents)
    return arts


def test_char_ngram_tfidf_equals_tfidf_vectorizer() -> None:
    rng = np.random.default_rng(5)
    texts = [_sentence(rng).lower() for _ in range(300)] + ["", "a", "ab  cd\tef"]
    ours = char_ngram_tfidf(texts)
    vec = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32
    )
    theirs = sp.csr_matrix(vec.fit_transform(texts))
    theirs.sort_indices()
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert np.array_equal(ours.indptr, theirs.indptr)
    assert np.array_equal(ours.indices, theirs.indices)
    assert np.array_equal(ours.data, theirs.data)
    with pytest.raises(ValueError):
        char_ngram_tfidf(["", " "])
