"""The vectorised sentence x bigram matrix equals the per-token reference builder: same
shape, same columns (bigrams in string order), same rows, float32 ones, sorted indices."""

from __future__ import annotations

import hashlib
import random

import numpy as np
import pytest
import scipy.sparse as sp

import dedup.score as score_mod
from dedup.score import _bigram_matrix
from dedup.textnorm import SentenceTable, TokenTable, number_strings, tokenize
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


def _tables(texts: list[str]) -> tuple[SentenceTable, TokenTable]:
    """The sentence and token tables of ``texts`` as the pipeline makes them."""
    from dedup.textnorm import sentence_bounds

    bounds = [sentence_bounds(t) for t in texts]
    flat = np.array([b for bs in bounds for b in bs], dtype=np.int64)
    table = SentenceTable(texts, flat[0::2], flat[1::2], [len(b) // 2 for b in bounds])
    return table, TokenTable.from_texts(texts)


@pytest.mark.parametrize("seed", range(12))
def test_bigrams_from_token_codes_equal_the_string_path(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # texts of invented sentences (repeated across texts, as copies of a story repeat
    # them), some rows left out of the index, a few sentences at a time in some seeds
    if seed % 2:
        monkeypatch.setattr(score_mod, "_BIGRAM_ROWS", 1 + seed % 5)
        monkeypatch.setattr(score_mod, "_RUN_SLICE", 1 + seed % 3)
    rng = random.Random(seed)
    rare = _RARE + _invented(rng, 60)
    pool = [_sentence(rng, rare) for _ in range(40)]
    pool = [s[0].upper() + s[1:] + "." for s in pool if s.strip(" -!?.,")]
    texts = [" ".join(rng.choice(pool) for _ in range(rng.randint(0, 8))) for _ in range(30)]
    texts += ["", "İstanbul charges. The mayor voted.", "国务院发布通知。通知要求检查。"]
    table, tokens = _tables(texts)
    rows = np.array(sorted(rng.sample(range(len(texts)), rng.randint(1, len(texts)))))
    with_codes = score_mod._SentenceIndex(table, rows, tokens=tokens)
    by_strings = score_mod._SentenceIndex(table, rows)
    assert with_codes.bigrams.dtype == by_strings.bigrams.dtype == np.uint8  # held compact
    _assert_same(score_mod._float32(with_codes.bigrams), score_mod._float32(by_strings.bigrams))
    assert with_codes.offsets == by_strings.offsets
    np.testing.assert_array_equal(with_codes.inv, by_strings.inv)
    np.testing.assert_array_equal(with_codes.weights, by_strings.weights)
    assert with_codes.bigrams.nnz > 0
    # the runs found are the distinct sentences' tokens
    runs = score_mod._distinct_token_runs(table, tokens, rows, with_codes.inv)
    assert runs is not None
    distinct = {}
    for r in rows.tolist():
        for s in table[r]:
            distinct.setdefault(s.lower(), len(distinct))
    got = [tokens.codes[a : a + n].tolist() for a, n in zip(*runs, strict=True)]
    want = [[int(np.flatnonzero(tokens.vocab == w)[0]) for w in tokenize(s)] for s in distinct]
    assert got == want


def test_bigrams_from_codes_fall_back_when_sentences_miss_tokens() -> None:
    table, tokens = _tables(["One two. Three four.", "Five six."])
    other = _tables(["One two three. Four.", "Five six seven."])[1]  # other token counts
    rows = np.array([0, 1])
    inv = score_mod._SentenceIndex(table, rows).inv
    assert score_mod._distinct_token_runs(table, tokens, rows, inv) is not None
    assert score_mod._distinct_token_runs(table, other, rows, inv) is None


@pytest.mark.parametrize("seed", range(4))
def test_index_built_here_without_its_strings_equals_one_built_in_a_worker(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built here, one part after the other, the index drops the distinct sentences'
    strings before its bigrams and quoted shares (made from the token codes and the
    sentence table, a slice of articles at a time); in a worker it keeps them. Both give
    the same index."""
    rng = random.Random(100 + seed)
    rare = _RARE + _invented(rng, 40)
    pool = [_sentence(rng, rare) for _ in range(30)]
    pool = [s[0].upper() + s[1:] + "." for s in pool if s.strip(" -!?.,")]
    pool += ['"The mayor voted," she said.', "He said: «the bridge is shut.»", '"It ran on.']
    texts = [" ".join(rng.choice(pool) for _ in range(rng.randint(0, 8))) for _ in range(40)]
    table, tokens = _tables(texts)
    rows = np.array(sorted(rng.sample(range(len(texts)), rng.randint(2, len(texts)))))
    monkeypatch.setattr(score_mod, "_QUOTE_ARTICLES", 1 + seed % 3)
    seen: list[tuple[str, int]] = []
    real = score_mod._index_part

    def recorded(*args: object) -> object:
        seen.append((str(args[-1]), len(args[2])))  # type: ignore[arg-type]
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(score_mod, "_index_part", recorded)
    here = score_mod._SentenceIndex(table, rows, n_jobs=1, tokens=tokens)
    n_distinct = int(here.inv.max()) + 1
    assert seen == [("chars", n_distinct), ("text", n_distinct), ("codes", 0)]
    monkeypatch.setattr(score_mod, "_INDEX_PARALLEL_MIN", 0)
    there = score_mod._SentenceIndex(table, rows, n_jobs=2, tokens=tokens)
    every = np.arange(n_distinct)
    for name in ("matrix", "numbers", "bigrams"):
        got, want = getattr(here, name)[every], getattr(there, name)[every]
        _assert_same(score_mod._float32(got), score_mod._float32(want))
    np.testing.assert_array_equal(here.weights, there.weights)
    np.testing.assert_array_equal(here.inv, there.inv)
    want = score_mod._quoted_shares_many([table[r] for r in rows.tolist()])
    np.testing.assert_array_equal(here.quoted, want)
    np.testing.assert_array_equal(there.quoted, want)
    assert here.bigrams.nnz > 0
    assert (want > 0).any() and (want == 0).any()


def test_counts_held_compact_give_back_the_same_float32_matrix() -> None:
    ones = sp.csr_matrix(np.array([[1, 0, 1], [0, 0, 0], [0, 1, 0]], dtype=np.float32))
    counts = sp.csr_matrix(np.array([[300, 0, 2], [0, 7, 0]], dtype=np.float32))
    for m, held in ((ones, np.uint8), (counts, np.uint16)):
        small = score_mod._compact_counts(m)
        assert small.dtype == held
        _assert_same(score_mod._float32(small), m)
    # not whole, negative or too large for two bytes: kept as they are
    for values in ([[0.5, 1.0]], [[-1.0, 2.0]], [[70_000.0, 1.0]]):
        m = sp.csr_matrix(np.array(values, dtype=np.float32))
        assert score_mod._compact_counts(m) is m


def test_index_hands_out_float32_rows_equal_to_its_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The index holds its figures and bigrams compact; the rows it hands out (``take``)
    are the float32 matrices its parts made."""
    rng = random.Random(7)
    pool = [_sentence(rng, _RARE) for _ in range(30)]
    pool = [s[0].upper() + s[1:] + " 4,200." for s in pool if s.strip(" -!?.,")]
    texts = [" ".join(rng.choice(pool) for _ in range(rng.randint(1, 6))) for _ in range(20)]
    table, tokens = _tables(texts)
    rows = np.arange(len(texts))
    made: dict[str, sp.csr_matrix] = {}
    real_numbers, real_codes = score_mod._number_matrix, score_mod._bigram_matrix_codes

    def numbers(*args: object) -> sp.csr_matrix:
        made["numbers"] = real_numbers(*args)  # type: ignore[arg-type]
        return made["numbers"]

    def bigrams(*args: object) -> sp.csr_matrix:
        made["bigrams"] = real_codes(*args)  # type: ignore[arg-type]
        return made["bigrams"]

    monkeypatch.setattr(score_mod, "_number_matrix", numbers)
    monkeypatch.setattr(score_mod, "_bigram_matrix_codes", bigrams)
    index = score_mod._SentenceIndex(table, rows, tokens=tokens)
    assert index.numbers.dtype == index.bigrams.dtype == np.uint8
    assert index.matrix.text_words.dtype == np.uint8
    got = index.take(np.arange(index.inv.size))
    for name in ("numbers", "bigrams"):
        want = sp.csr_matrix(made[name][index.inv])
        have = getattr(got, name)
        assert have.dtype == np.float32 and have.shape == want.shape and want.nnz > 0
        for part in ("indptr", "indices", "data"):  # the same entries, in the same order
            np.testing.assert_array_equal(getattr(have, part), getattr(want, part))


@pytest.mark.parametrize("top", [1, 255, 256, 65_535, 65_536])
@pytest.mark.parametrize("step", [1, 2, 5])
def test_word_counts_a_slice_at_a_time_equal_the_whole(top: int, step: int) -> None:
    """The texts' word counts, counted a slice of texts at a time and stacked, equal the
    whole batch's counted at once and made compact: same entries, same value type."""
    rng = np.random.default_rng(top + step)
    pool = ["port", "Strike", "union", "WAGES", "talks"]
    texts = [" ".join(rng.choice(pool, int(rng.integers(0, 6))).tolist()) for _ in range(11)]
    texts[3] = " ".join(["cargo"] * top)  # one count as large as ``top``
    vocab: dict[str, int] = {}
    parts = [score_mod._count_words(vocab, texts[lo : lo + step]) for lo in range(0, 11, step)]
    got = score_mod._stack_counts(parts, len(vocab))
    assert parts == []  # each slice dropped once copied
    words, codes = number_strings([w for t in texts for w in t.lower().split()] for _ in [0])
    assert list(vocab) == words
    lens = [len(t.split()) for t in texts]
    whole = sp.csr_matrix(
        (np.ones(codes.size, dtype=np.float32), codes, np.r_[0, np.cumsum(lens)]),
        shape=(len(texts), len(words)),
    )
    whole.sum_duplicates()
    want = score_mod._compact_counts(whole)
    assert got.dtype == want.dtype
    assert got.dtype == (np.uint8 if top <= 255 else np.uint16 if top <= 65_535 else np.float32)
    assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices)
    assert np.array_equal(got.data, want.data) and got.shape == want.shape


def _index_texts(seed: int) -> list[str]:
    """Texts of invented sentences repeated across texts (in other cases too), some empty."""
    rng = random.Random(300 + seed)
    rare = _RARE + _invented(rng, 40)
    pool = [_sentence(rng, rare) for _ in range(30)]
    pool = [s[0].upper() + s[1:] + "." for s in pool if s.strip(" -!?.,")]
    pool += [s.upper() for s in pool[:3]] + ["İstanbul charges 4,200.", "ZOË SAID SO."]
    texts = [" ".join(rng.choice(pool) for _ in range(rng.randint(0, 8))) for _ in range(40)]
    return [*texts, "", "国务院发布通知。通知要求检查。"]


def _assert_same_index(got: score_mod._SentenceIndex, want: score_mod._SentenceIndex) -> None:
    np.testing.assert_array_equal(got.inv, want.inv)
    np.testing.assert_array_equal(got.weights, want.weights)
    np.testing.assert_array_equal(got.quoted, want.quoted)
    assert got.offsets == want.offsets
    every = np.arange(int(want.inv.max()) + 1)
    for name in ("matrix", "numbers", "bigrams"):
        g, w = getattr(got, name)[every], getattr(want, name)[every]
        assert g.dtype == w.dtype
        _assert_same(score_mod._float32(g), score_mod._float32(w))


@pytest.mark.parametrize("seed", range(6))
def test_sentences_numbered_by_key_equal_the_strings_numbered(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From a sentence table the distinct sentences are numbered by key and made again from
    the texts when read; from plain lists they are numbered as strings. Same index."""
    if seed % 2:
        monkeypatch.setattr(score_mod, "_SPLIT_ROWS", 1 + seed % 4)
        monkeypatch.setattr(score_mod, "_RUN_SLICE", 1 + seed % 3)
    texts = _index_texts(seed)
    table, tokens = _tables(texts)
    rng = random.Random(seed)
    rows = np.array(sorted(rng.sample(range(len(texts)), rng.randint(2, len(texts)))))
    numbered = score_mod._number_table_sentences(table, rows)
    assert numbered is not None
    inv, distinct, n_sent, first = numbered
    np.testing.assert_array_equal(first, score_mod._first_appearances(inv))
    np.testing.assert_array_equal(n_sent, [len(table[r]) for r in rows])
    want_distinct, want_codes = number_strings(
        [s.lower() for r in rows for s in table[r]] for _ in [0]
    )
    np.testing.assert_array_equal(inv, want_codes)
    assert list(distinct) == want_distinct == distinct[:]
    assert [distinct[k] for k in range(-len(distinct), len(distinct))] == want_distinct * 2
    with pytest.raises(IndexError):
        distinct[len(distinct)]
    assert distinct[1::2] == want_distinct[1::2]
    by_key = score_mod._SentenceIndex(table, rows, tokens=tokens)
    by_strings = score_mod._SentenceIndex([table[r] for r in range(len(texts))], rows)
    _assert_same_index(by_key, by_strings)


def test_sentences_sharing_a_key_are_numbered_as_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two different sentences with one key (forced here: a key of three values) are
    caught by the second key, and the index numbers the strings instead."""
    texts = _index_texts(0)
    table, tokens = _tables(texts)
    rows = np.arange(len(texts))
    want = score_mod._SentenceIndex([table[r] for r in rows.tolist()], rows)
    monkeypatch.setattr(score_mod, "_sentence_key", lambda s: len(s) % 3)
    assert score_mod._number_table_sentences(table, rows) is None
    _assert_same_index(score_mod._SentenceIndex(table, rows, tokens=tokens), want)
    # another key that does not merge two different sentences is taken as it is
    monkeypatch.setattr(
        score_mod,
        "_sentence_key",
        lambda s: int.from_bytes(hashlib.sha256(s.encode()).digest()[:8], "little", signed=True),
    )
    numbered = score_mod._number_table_sentences(table, rows)
    assert numbered is not None
    np.testing.assert_array_equal(numbered[0], want.inv)


@pytest.mark.parametrize("size", [0, 1, 2, 50, 1000])
def test_distinct_in_place_equals_unique(size: int) -> None:
    rng = np.random.default_rng(size)
    x = rng.integers(-5, 40, size=size, dtype=np.int64)
    want = np.unique(x)
    got = score_mod._distinct_in_place(x)
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(x, np.sort(x))  # sorted where it is
    x[:] = 99
    np.testing.assert_array_equal(got, want)  # a copy, not a view of x
