"""The compact token table: the same tokens, TF-IDF, signatures and shingle sets as plain
token lists."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import fingerprint as fp_module
from dedup.fingerprint import build_tfidf
from dedup.minhash import MinHashParams, minhash_signatures
from dedup.score import _table_shingle_sets, shingle_sets
from dedup.textnorm import TokenTable, number_strings, tokenize

TEXTS = [
    "The council approved the budget on Tuesday, 12 votes to 3.",
    "",
    "Budget approved: the council voted 12 to 3 on Tuesday.",
    "Ünïcode wörds and the council again, again and again.",
    "?!",
    "Short.",
    "A different story about the harbour, the ferry and the weather.",
]

WORDS = st.sampled_from(["a", "b", "council", "vote", "ß", "é", "12", "3", "the"])
TEXT = st.lists(WORDS, max_size=12).map(" ".join)


def test_rows_slices_and_lengths_are_the_token_lists() -> None:
    table = TokenTable.from_texts(TEXTS)
    plain = [tokenize(t) for t in TEXTS]
    assert len(table) == len(plain)
    assert list(table) == plain
    assert table[2:5] == plain[2:5]
    assert table[-1] == plain[-1]
    assert table.lengths.tolist() == [len(t) for t in plain]
    with pytest.raises(IndexError):
        table[len(plain)]


def test_codes_number_tokens_in_order_of_first_appearance() -> None:
    table = TokenTable.from_texts(["b a b", "c a"])
    assert table.vocab.tolist() == ["b", "a", "c"]
    assert table.codes.tolist() == [0, 1, 0, 2, 1]
    codes, lens = table.rows([1, 0])
    assert codes.tolist() == [2, 1, 0, 1, 0]
    assert lens.tolist() == [2, 3]


def test_chunked_tokenising_keeps_the_numbering(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = TokenTable.from_texts(TEXTS)
    monkeypatch.setattr("dedup.textnorm._TOKEN_CHUNK", 2)
    chunked = TokenTable.from_texts(TEXTS)
    assert chunked.vocab.tolist() == whole.vocab.tolist()
    assert chunked.codes.tolist() == whole.codes.tolist()


def test_parts_tokenised_in_worker_processes_keep_the_numbering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # parts of two texts, shared out to two forked workers: each token keeps the number
    # of its first appearance in the whole list, every text its tokens
    import dedup.textnorm as textnorm

    texts = TEXTS * 2 + ["again a new word", "the harbour"]
    whole = TokenTable.from_texts(texts)
    monkeypatch.setattr("dedup.textnorm._PARALLEL_TEXTS", 4)
    monkeypatch.setattr("dedup.textnorm._PART_TEXTS", 2)
    shared_out: list[int] = []
    real = textnorm.fork_map

    def spy(fn: object, shared: object, items: list[object], n_jobs: int) -> object:
        shared_out.append(len(items))
        return real(fn, shared, items, n_jobs)  # type: ignore[arg-type]

    monkeypatch.setattr("dedup.textnorm.fork_map", spy)
    split = TokenTable.from_texts(texts, 2)
    assert shared_out == [8]  # 16 texts, 2 a part
    assert split.vocab.tolist() == whole.vocab.tolist()
    assert split.codes.tolist() == whole.codes.tolist()
    assert split.lengths.tolist() == whole.lengths.tolist()
    assert list(split) == [tokenize(t) for t in texts]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(WORDS | st.sampled_from(["", "nan", "None", " "]), max_size=8)))
def test_number_strings_is_factorize_of_the_concatenation(chunks: list[list[str]]) -> None:
    vocab, codes = number_strings(iter(chunks))
    flat = [s for chunk in chunks for s in chunk]
    expected, uniques = pd.factorize(pd.Series(flat, dtype=object), sort=False)
    assert codes.dtype == np.int32
    assert codes.tolist() == expected.tolist()
    assert vocab == uniques.tolist()


def _same_matrix(a: object, b: object) -> None:
    for field in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert getattr(a, "shape") == getattr(b, "shape")  # noqa: B009


@pytest.mark.parametrize("max_df", [1.0, 0.5, 0.01])
def test_table_tfidf_equals_the_vectorizer_path(
    max_df: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = TEXTS * 3 + ["the the the council", "weather and ferry"]
    monkeypatch.setattr(fp_module, "_COUNT_ROWS", 4)  # several count slices
    plain = build_tfidf([tokenize(t) for t in texts], max_df)
    _same_matrix(build_tfidf(TokenTable.from_texts(texts), max_df), plain)


@settings(max_examples=60, deadline=None)
@given(st.lists(TEXT, max_size=25), st.sampled_from([1.0, 0.3]))
def test_table_tfidf_equals_the_vectorizer_path_hypothesis(texts: list[str], max_df: float) -> None:
    plain = build_tfidf([tokenize(t) for t in texts], max_df)
    _same_matrix(build_tfidf(TokenTable.from_texts(texts), max_df), plain)


def test_signatures_and_shingle_sets_equal_the_token_lists() -> None:
    table = TokenTable.from_texts(TEXTS)
    plain = [tokenize(t) for t in TEXTS]
    params = MinHashParams(num_perm=32, seed=3, shingle_size=2)
    assert np.array_equal(minhash_signatures(table, params), minhash_signatures(plain, params))
    rows = [6, 0, 2, 3]
    for k in (1, 3):
        got = _table_shingle_sets(table, rows, k)
        want = shingle_sets([plain[r] for r in rows], k)
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert np.array_equal(g, w)
