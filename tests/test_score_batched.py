"""The batched scorer against the per-pair reference, on random invented articles."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

import dedup.parallel as parallel_mod
import dedup.score as score_mod
from dedup.config import ScoreConfig
from dedup.fingerprint import build_tfidf
from dedup.minhash import MinHashParams, minhash_signatures
from dedup.score import ScoringInputs, char_ngram_tfidf, score_pairs
from dedup.textnorm import TokenTable, tokenize
from tests.score_reference import (
    REFERENCE_QUOTE_RE,
    reference_quoted_shares,
    reference_score_pairs,
)
from tests.score_reference import _coverage as reference_coverage

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
    text = " ".join(words).capitalize() + "."
    if n > 3 and rng.random() < 0.25:  # quoted speech, whole or in part
        cut = int(rng.integers(0, n // 2))
        text = " ".join([*words[:cut], '"' + " ".join(words[cut:]) + '"'])
    return text


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


def _inputs(arts: list[list[str]], rng: np.random.Generator) -> ScoringInputs:
    tokens = [tokenize(" ".join(s)) for s in arts]
    times = rng.integers(0, 5, size=len(arts)).astype(np.float64) * 3600.0 * 24
    return ScoringInputs(
        ids=[str(i) for i in range(len(arts))],
        tokens=tokens,
        sentences=arts,
        titles=[""] * len(arts),
        signatures=minhash_signatures(tokens, MinHashParams()),
        tfidf=build_tfidf(tokens, 1.0),
        shingle_size=3,
        times=times,
    )


def _reference_both_ways(
    index: score_mod._SentenceIndex, pairs: np.ndarray, cfg: ScoreConfig
) -> list[tuple[tuple[float, float, frozenset[int]], tuple[float, float, frozenset[int]]]]:
    """The per-pair reference coverage of each pair, i in j and j in i."""
    return [
        (
            reference_coverage(index.rows(i), index.rows(j), cfg),
            reference_coverage(index.rows(j), index.rows(i), cfg),
        )
        for i, j in pairs.tolist()
    ]


def _count_pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that gets an entry each time a pool of worker processes is started."""
    started: list[int] = []
    real_pool = parallel_mod.ProcessPoolExecutor

    def pool(*args: object, **kwargs: object) -> object:
        started.append(1)
        return real_pool(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel_mod, "ProcessPoolExecutor", pool)
    return started


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batched_scorer_equals_per_pair_reference(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(seed)
    arts = _corpus(rng, 60)
    inputs = _inputs(arts, rng)
    ii, jj = np.triu_indices(len(arts), k=1)
    pick = rng.random(ii.size) < 0.15
    pairs = np.c_[ii[pick], jj[pick]]
    if seed == 2:  # the pipeline's compact tokens give the same scores
        tokens = TokenTable.from_texts(" ".join(s) for s in arts)
        assert list(tokens) == list(inputs.tokens)
        inputs = dataclasses.replace(inputs, tokens=tokens)
    # small batches and product slices so that the batch and slice edges are exercised
    monkeypatch.setattr(score_mod, "_BLOCK_CELLS", 300)
    monkeypatch.setattr(score_mod, "_CHUNK_CELLS", 2000)
    monkeypatch.setattr(score_mod, "_DOT_PAIRS", 7)
    monkeypatch.setattr(score_mod, "_SHINGLE_ROWS", 5)
    cfg = ScoreConfig()
    new = score_pairs(pairs, inputs, cfg, keep_unrelated=True)
    ref = reference_score_pairs(pairs, inputs, cfg, keep_unrelated=True)
    assert len(new.table) == len(pairs)
    assert new.table[["i", "j", "relation"]].equals(ref.table[["i", "j", "relation"]])
    for col in new.table.columns:
        assert new.table[col].tolist() == ref.table[col].tolist(), col
    assert new.hits == ref.hits
    assert any(h for pair in new.hits.values() for h in pair)  # some sentences matched
    assert (new.table["coverage_a_in_b"] > 0).any() and (new.table["coverage_a_in_b"] < 1).any()


@pytest.mark.parametrize("seed", [3, 4])
@pytest.mark.parametrize(("block", "chunk"), [(1, 1), (300, 2000), (1 << 20, 1 << 22)])
def test_batched_coverage_equals_per_pair_coverage(
    seed: int, block: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both coverages (retold, reused with the quoted-speech credit) and the hits, in both
    directions, under loose bars so that every branch is taken."""
    rng = np.random.default_rng(seed)
    arts = _corpus(rng, 50)
    ii, jj = np.triu_indices(len(arts), k=1)
    pick = rng.random(ii.size) < 0.2
    pairs = np.c_[ii[pick], jj[pick]]
    monkeypatch.setattr(score_mod, "_BLOCK_CELLS", block)
    monkeypatch.setattr(score_mod, "_CHUNK_CELLS", chunk)
    cfg = ScoreConfig(retell_match=0.3, sentence_match=0.5, reuse_match=0.4)
    index = score_mod._SentenceIndex(arts, np.unique(pairs))
    got = score_mod._all_coverage(index, pairs, cfg)
    want = _reference_both_ways(index, pairs, cfg)
    assert list(got) == want
    flat = [d for pair in want for d in pair]
    assert any(0 < retold < 1 for retold, _, _ in flat)
    assert any(0 < reused < retold for retold, reused, _ in flat)
    assert any(hits for _, _, hits in flat)


@pytest.mark.parametrize("exact_below", [score_mod._EXACT_SUM, 0.0])
def test_char_ngram_tfidf_equals_tfidf_vectorizer(
    exact_below: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Equal to the bit, whether the rows' norms are summed in scikit-learn's column order
    (``_EXACT_SUM`` 0: always sorted first) or in the product's order (exact sums)."""
    monkeypatch.setattr(score_mod, "_EXACT_SUM", exact_below)
    rng = np.random.default_rng(5)
    texts = [_sentence(rng).lower() for _ in range(300)] + ["", "a", "ab  cd\tef"]
    texts += [" ".join(texts[:40]) * 3]  # a long text with repeated n-grams
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


@pytest.mark.parametrize(("block", "chunk"), [(1 << 20, 1 << 22), (200, 900)])
def test_coverage_with_many_components_in_one_chunk(
    block: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pairs only inside five groups: several components share a product (their columns
    kept apart), and no score leaks from one component into another."""
    rng = np.random.default_rng(7)
    arts = _corpus(rng, 60)
    ii, jj = np.triu_indices(len(arts), k=1)
    pick = (ii % 5 == jj % 5) & (rng.random(ii.size) < 0.5)
    pairs = np.c_[ii[pick], jj[pick]]
    monkeypatch.setattr(score_mod, "_BLOCK_CELLS", block)
    monkeypatch.setattr(score_mod, "_CHUNK_CELLS", chunk)
    cfg = ScoreConfig(retell_match=0.3, sentence_match=0.5, reuse_match=0.4)
    index = score_mod._SentenceIndex(arts, np.unique(pairs))
    n_sent = np.array([len(arts[r]) for r in np.unique(pairs)])
    loc = np.searchsorted(np.unique(pairs), pairs)
    chunks = score_mod._plan_chunks(loc, n_sent, np.maximum(2 * n_sent - 1, 0))
    assert any(len(c.sources) > 1 for c in chunks) or block < 1000
    got = score_mod._all_coverage(index, pairs, cfg)
    want = _reference_both_ways(index, pairs, cfg)
    assert list(got) == want
    assert any(hits for pair in want for _, _, hits in pair)


def test_more_pairs_scored_with_the_same_sentence_index_match_one_call() -> None:
    """Scoring extra pairs of the same articles with the first call's sentence index gives
    the scores one call over all the pairs gives (the run's scale, not the extra pairs')."""
    rng = np.random.default_rng(11)
    arts = _corpus(rng, 40)
    inputs = _inputs(arts, rng)
    ii, jj = np.triu_indices(len(arts), k=1)
    pick = rng.random(ii.size) < 0.3
    pairs = np.c_[ii[pick], jj[pick]]
    first, later = pairs[::2], pairs[1::2]
    later = later[np.isin(later, np.unique(first)).all(axis=1)][:8]
    assert len(later) > 5 and np.unique(later).size < np.unique(first).size
    cfg = ScoreConfig()
    one = score_pairs(first, inputs, cfg, keep_unrelated=True)
    more = score_pairs(later, inputs, cfg, keep_unrelated=True, sentence_index=one.sentence_index)
    alone = score_pairs(later, inputs, cfg, keep_unrelated=True)
    index_all = score_mod._SentenceIndex(inputs.sentences, np.unique(first))
    want = score_mod._all_coverage(index_all, later, cfg)
    got = list(zip(more.table["coverage_a_in_b"], more.table["coverage_b_in_a"], strict=True))
    assert got == [(round_ab[0], round_ba[0]) for round_ab, round_ba in want]
    # fitted on fewer sentences, a separate index weighs the n-grams differently
    assert alone.sentence_index is not None and one.sentence_index is not None
    r = int(later[0, 0])
    v_alone = alone.sentence_index.rows(r).chars.toarray()
    v_run = one.sentence_index.rows(r).chars.toarray()
    assert v_alone.shape[0] > 0 and not np.array_equal(v_alone, v_run)
    with pytest.raises(ValueError, match="not in the sentence index"):
        score_pairs(
            pairs, inputs, cfg, sentence_index=score_mod._SentenceIndex(arts, np.unique(first[:1]))
        )


def test_coverage_in_worker_processes_equals_coverage_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(5)
    arts = _corpus(rng, 50)
    ii, jj = np.triu_indices(len(arts), k=1)
    pick = (ii % 4 == jj % 4) & (rng.random(ii.size) < 0.4)
    pairs = np.c_[ii[pick], jj[pick]]
    monkeypatch.setattr(score_mod, "_BLOCK_CELLS", 400)
    monkeypatch.setattr(score_mod, "_CHUNK_CELLS", 1500)
    index = score_mod._SentenceIndex(arts, np.unique(pairs))
    here = score_mod._all_coverage(index, pairs, ScoreConfig(n_jobs=1))
    monkeypatch.setattr(score_mod, "_PARALLEL_MIN_CELLS", 0)
    started = _count_pools(monkeypatch)
    there = score_mod._all_coverage(index, pairs, ScoreConfig(n_jobs=2))
    assert started, "no worker processes were started"
    assert list(there) == list(here)
    assert any(hits for pair in here for _, _, hits in pair)


@pytest.mark.parametrize("bigram_rows", [65_536, 7])
def test_repeated_sentences_are_measured_once_with_the_same_statistics(
    bigram_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sentences that recur (copies of a story) are measured once: the n-gram TF-IDF equals
    TfidfVectorizer's on every occurrence, and the bigram matrix's common words count every
    occurrence (also when the bigrams are listed a few sentences at a time)."""
    monkeypatch.setattr(score_mod, "_BIGRAM_ROWS", bigram_rows)
    rng = np.random.default_rng(9)
    base = [_sentence(rng) for _ in range(40)]
    texts = [base[int(k)].lower() for k in rng.integers(0, len(base), size=300)]
    vec = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32
    )
    want = sp.csr_matrix(vec.fit_transform(texts))
    want.sort_indices()
    got = char_ngram_tfidf(texts)
    assert got.shape == want.shape
    assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices)
    assert np.array_equal(got.data, want.data)
    distinct = list(dict.fromkeys(texts))
    mult = np.array([texts.count(t) for t in distinct])
    inv = np.array([distinct.index(t) for t in texts])
    by_distinct = score_mod._bigram_matrix(distinct, mult)[inv]
    every = score_mod._bigram_matrix(texts)
    assert by_distinct.shape == every.shape and (by_distinct != every).nnz == 0
    # counted once each, the common words differ: the multiplicities matter
    assert score_mod._bigram_matrix(distinct).shape != every.shape or (
        (score_mod._bigram_matrix(distinct)[inv] != every).nnz > 0
    )


def test_verbatim_copies_are_measured_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Articles with the same sentences share one computation per direction, with the
    results the per-pair reference gives, including a copy against its own twin."""
    rng = np.random.default_rng(13)
    stories = _corpus(rng, 12)
    arts = [list(stories[k % 12]) for k in range(48)]  # four verbatim copies of each
    ii, jj = np.triu_indices(len(arts), k=1)
    pick = rng.random(ii.size) < 0.25
    pairs = np.c_[ii[pick], jj[pick]]
    cfg = ScoreConfig(retell_match=0.3, sentence_match=0.5, reuse_match=0.4)
    index = score_mod._SentenceIndex(arts, np.unique(pairs))
    sizes: list[int] = []
    real = score_mod._direction_coverage

    def counting(*args: object, **kwargs: object) -> object:
        sizes.append(len(args[1]))  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(score_mod, "_direction_coverage", counting)
    got = score_mod._all_coverage(index, pairs, cfg)
    want = _reference_both_ways(index, pairs, cfg)
    assert list(got) == want
    assert sizes and sizes[0] <= 12 * 12 < 2 * len(pairs)
    assert any(i % 12 == j % 12 for i, j in pairs.tolist())  # twins were paired


@pytest.mark.parametrize("per_pass", [1, 3, 2048])
def test_quoted_shares_of_many_articles_equal_one_article_at_a_time(
    per_pass: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(score_mod, "_QUOTE_ARTICLES", per_pass)
    rng = np.random.default_rng(17)
    arts = _corpus(rng, 80)
    arts[3] = []
    arts[5] = ["", '"Quoted', 'still" not', "'single' and ``teletype''", "“curly” ‘x’"]
    arts[6] = ['He said "it runs', "over two sentences.", 'and ends here" now']
    want = [q for a in arts for q in reference_quoted_shares(a)]
    got = score_mod._quoted_shares_many(arts)
    assert got.tolist() == want
    assert sum(0 < q < 1 for q in want) > 0 and any(q == 1.0 for q in want)


@pytest.mark.parametrize("seed", range(30))
def test_quotation_pattern_finds_what_the_first_pattern_found(seed: int) -> None:
    """The quotation pattern with the word check after the mark finds the same spans as the
    one with the check before it, on strings dense in marks, word characters (ASCII and
    not), spaces and line breaks."""
    rng = np.random.default_rng(seed)
    alphabet = [*"'\"`“”‘’«»„「」『』 \nab1_éß.,-", "''", "``", "n't", "'s "]
    text = "".join(rng.choice(alphabet, size=int(rng.integers(0, 400))).tolist())
    got = [m.span() for m in score_mod._QUOTE_RE.finditer(text)]
    want = [m.span() for m in REFERENCE_QUOTE_RE.finditer(text)]
    assert got == want
    if seed == 0:
        assert want  # the strings do hold quotations


@pytest.mark.parametrize("rows", [1, 7, 1000])
def test_char_ngram_tfidf_in_slices_equals_tfidf_vectorizer(
    rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TF-IDF rows are made a slice of texts at a time (bounded memory); the result
    equals TfidfVectorizer's on the whole collection, repeated texts included."""
    rng = np.random.default_rng(21)
    base = [_sentence(rng) for _ in range(30)] + ["", "   "]
    texts = [base[int(k)].lower() for k in rng.integers(0, len(base), size=120)]
    monkeypatch.setattr(score_mod, "_TFIDF_ROWS", rows)
    vec = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32
    )
    want = sp.csr_matrix(vec.fit_transform(texts))
    want.sort_indices()
    got = char_ngram_tfidf(texts)
    assert np.array_equal(got.indptr, want.indptr)
    assert np.array_equal(got.indices, want.indices)
    assert np.array_equal(got.data, want.data)


def test_sentence_index_built_in_workers_equals_one_built_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(23)
    arts = _corpus(rng, 60)
    rows = np.arange(len(arts))
    here = score_mod._SentenceIndex(arts, rows, n_jobs=1)
    monkeypatch.setattr(score_mod, "_INDEX_PARALLEL_MIN", 0)
    started = _count_pools(monkeypatch)
    there = score_mod._SentenceIndex(arts, rows, n_jobs=2)
    assert started
    every = np.arange(here.inv.max() + 1)
    for name in ("matrix", "numbers", "bigrams"):
        a, b = getattr(here, name)[every], getattr(there, name)[every]
        assert a.shape == b.shape and (a != b).nnz == 0, name
        assert np.array_equal(a.indices, b.indices), name
    assert np.array_equal(here.weights, there.weights)
    assert np.array_equal(here.quoted, there.quoted)
    assert np.array_equal(here.inv, there.inv) and here.offsets == there.offsets
    assert here.matrix[every].nnz > 100


def test_sentence_index_of_many_sentences_is_built_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above _INDEX_PARALLEL_MAX distinct sentences no worker is started (its copies of the
    pages it reads would cost more memory than its time is worth); below it, one is."""
    rng = np.random.default_rng(31)
    arts = _corpus(rng, 20)
    rows = np.arange(len(arts))
    monkeypatch.setattr(score_mod, "_INDEX_PARALLEL_MIN", 0)
    started = _count_pools(monkeypatch)
    score_mod._SentenceIndex(arts, rows, n_jobs=2)
    assert started
    started.clear()
    monkeypatch.setattr(score_mod, "_INDEX_PARALLEL_MAX", 10)
    index = score_mod._SentenceIndex(arts, rows, n_jobs=2)
    assert index.inv.max() + 1 > 10 and not started


def test_char_ngram_rows_made_on_demand_equal_the_whole_matrix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sentence index makes its n-gram rows when asked: any selection (repeats, any
    order) gives, bit for bit, the rows of the matrix made all at once."""
    rng = np.random.default_rng(29)
    base = [_sentence(rng).lower() for _ in range(40)] + ["", "x"]
    mult = rng.integers(1, 4, size=len(base))
    monkeypatch.setattr(score_mod, "_TFIDF_ROWS", 7)  # the statistics in several slices
    rows = score_mod._CharNgramRows(base, mult)
    whole = rows.all_rows()
    for sel in (np.arange(len(base)), rng.integers(0, len(base), size=25), np.array([3, 3, 0])):
        got, want = rows[sel], sp.csr_matrix(whole[sel])
        assert np.array_equal(got.indptr, want.indptr)
        assert np.array_equal(got.indices, want.indices)
        assert np.array_equal(got.data, want.data)
    assert rows[np.zeros(0, dtype=np.int64)].shape == (0, whole.shape[1])


@pytest.mark.parametrize("per_entry", [0, 2, 10**9])
def test_sort_indices_through_csc_equals_sorting_each_row(
    per_entry: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both ways of sorting a matrix's rows (a round trip through CSC, or each row sorted
    in place) give the same entries in the same places."""
    monkeypatch.setattr(score_mod, "_TRANSPOSE_COLUMNS", per_entry)
    rng = np.random.default_rng(31)
    dense = rng.random((40, 300)) * (rng.random((40, 300)) < 0.05)
    dense[7] = 0.0  # an empty row
    want = sp.csr_matrix(dense.astype(np.float32))
    shuffled = want.copy()
    for r in range(shuffled.shape[0]):  # each row's entries in a random order
        s, e = shuffled.indptr[r], shuffled.indptr[r + 1]
        p = s + rng.permutation(e - s)
        shuffled.indices[s:e], shuffled.data[s:e] = want.indices[p], want.data[p]
    shuffled.has_sorted_indices = False
    assert not np.array_equal(shuffled.indices, want.indices)
    got = score_mod._sort_indices(shuffled)
    assert got.has_sorted_indices
    assert np.array_equal(got.indptr, want.indptr)
    assert np.array_equal(got.indices, want.indices)
    assert np.array_equal(got.data, want.data)


def test_block_columns_give_each_block_column_a_column_of_its_own() -> None:
    """Each (block, column) gets a column of its own (one number for each, numbered from 0
    without gaps), each row keeps its entries in their order, and one product of two such
    matrices holds each block's own product, to the bit, and nothing across blocks."""
    rng = np.random.default_rng(5)
    dense = rng.random((30, 200)) * (rng.random((30, 200)) < 0.1)
    m = sp.csr_matrix(dense.astype(np.float32))
    row_block = np.repeat([0, 1, 2], [12, 10, 8])
    got = score_mod._block_columns(m, row_block)
    rows = np.repeat(np.arange(30), np.diff(m.indptr))
    keys = row_block[rows] * 200 + m.indices
    n_keys = np.unique(keys).size
    assert got.shape == (30, n_keys)
    assert np.array_equal(got.indptr, m.indptr)
    assert np.array_equal(got.data, m.data)
    # the same (block, column) -> the same column, and different ones -> different ones
    pairs = np.unique(np.c_[keys, got.indices], axis=0)
    assert pairs.shape[0] == n_keys == np.unique(got.indices).size
    prod = (got @ got.T).toarray()
    for b in range(3):
        mine = row_block == b
        assert np.array_equal(prod[np.ix_(mine, mine)], (m[mine] @ m[mine].T).toarray())
        assert not prod[np.ix_(mine, ~mine)].any()


@pytest.mark.parametrize("size", [0, 1, 7, 5000])
def test_unique_inverse_equals_numpy_unique(size: int) -> None:
    rng = np.random.default_rng(size)
    x = rng.integers(-50, 50, size) * np.int64(1 << 40) + rng.integers(0, 3, size)
    want_u, want_inv = np.unique(x, return_inverse=True)
    got_u, got_inv = score_mod._unique_inverse(x)
    assert got_u.dtype == x.dtype
    assert np.array_equal(got_u, want_u)
    assert np.array_equal(got_inv, want_inv.ravel())


@given(
    st.dictionaries(
        st.tuples(st.integers(0, 40), st.integers(0, 40)),
        st.tuples(st.frozensets(st.integers(0, 30), max_size=6), st.frozensets(st.integers(0, 30))),
        max_size=25,
    ),
    st.randoms(use_true_random=False),
)
def test_pair_hits_behave_as_the_dict_they_hold(
    hits: dict[tuple[int, int], tuple[frozenset[int], frozenset[int]]], rnd: random.Random
) -> None:
    """The scorer's hit table (two arrays for all the sets) gives the dict's items in the
    dict's order, its look-ups, and the same dict once pairs are dropped or appended."""
    table = score_mod.PairHits.of(hits)
    assert list(table.items()) == list(hits.items())
    assert table == hits and len(table) == len(hits)
    for key, value in hits.items():
        assert key in table and table[key] == value and table.get(key) == value
    assert (41, 0) not in table and table.get((41, 0)) is None
    with pytest.raises(KeyError):
        table[(41, 0)]
    drop = {k for k in hits if rnd.random() < 0.4}
    rest = {k: v for k, v in hits.items() if k not in drop}
    assert list(table.without(drop).items()) == list(rest.items())
    more = {(50 + k, 60 + k): (frozenset({k}), frozenset()) for k in range(3)}
    joined = table.without(drop).then(score_mod.PairHits.of(more))
    assert list(joined.items()) == list({**rest, **more}.items())
    assert joined[(52, 62)] == (frozenset({2}), frozenset())


def test_pair_hits_refuse_a_pair_given_twice() -> None:
    d = score_mod.DirectionHits(np.array([0, 1]), np.array([3], dtype=np.int32))
    with pytest.raises(ValueError, match="twice"):
        score_mod.PairHits(np.array([[1, 2], [1, 2]]), np.array([0, 0]), np.array([0, 0]), d)


@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 5)), max_size=30),
    st.lists(st.integers(-3, 45), max_size=10),
)
def test_row_spans_behave_as_the_dict_of_spans(
    rows_and_counts: list[tuple[int, int]], asked: list[int]
) -> None:
    """The index's row spans (arrays over the sorted rows) give what a dict of each row's
    ``(start, end)`` gives, the last entry of a row listed twice included."""
    rows = np.array([r for r, _ in rows_and_counts], dtype=np.int64)
    n_sent = np.array([n for _, n in rows_and_counts], dtype=np.int64)
    ends = np.cumsum(n_sent)
    starts = (ends - n_sent).tolist()
    want = dict(zip(rows.tolist(), zip(starts, ends.tolist(), strict=True), strict=True))
    spans = score_mod._RowSpans(rows, n_sent)
    assert dict(spans.items()) == want and len(spans) == len(want)
    for r in asked:
        assert (r in spans) == (r in want)
        if r in want:
            assert spans[r] == want[r]
        else:
            with pytest.raises(KeyError):
                spans[r]
    got_missing = spans.missing(np.array(asked, dtype=np.int64)).tolist()
    assert got_missing == [r for r in asked if r not in want]
    present = np.array([r for r in asked if r in want], dtype=np.int64)
    assert spans.spans(present).tolist() == [list(want[r]) for r in present.tolist()]
    if len(got_missing):
        with pytest.raises(KeyError):
            spans.spans(np.array(asked, dtype=np.int64))


@pytest.mark.parametrize("seed", range(4))
def test_window_product_equals_the_product_with_the_windows_rows(seed: int) -> None:
    """The windows' character n-gram products made from the sentences' products: the same
    entries as the product with the windows' own rows (pairs normalised), the sentences'
    values to the bit, the pairs' to float32 rounding; articles of no, one and many
    sentences, and sentences without n-grams."""
    import scipy.sparse as sp

    from dedup.score import _product, _Sentences, _window_product, _windows_of

    rng = np.random.default_rng(seed)
    sents = [" ".join(rng.choice(VOCAB, int(rng.integers(1, 9)))) for _ in range(60)]
    sents[5] = sents[17] = "?"  # no word: an empty row
    chars = sp.csr_matrix(char_ngram_tfidf(sents), dtype=np.float32)
    n_rows = chars.shape[0]
    s = _Sentences(
        chars,
        np.ones(n_rows),
        sp.csr_matrix((n_rows, 1), dtype=np.float32),
        sp.csr_matrix((n_rows, 1), dtype=np.float32),
        np.zeros(n_rows),
    )
    n = np.array([0, 1, 4, 7, 2, 0, 9, 3], dtype=np.int64)
    starts = rng.integers(0, n_rows - 9, size=n.size)
    a = chars[rng.choice(n_rows, 25)]
    want = _product(a, _windows_of(s, starts, n).rows.chars)
    got = _window_product(a, chars, starts, n)
    assert got.shape == want.shape
    assert got.has_sorted_indices
    assert np.array_equal(got.indptr, want.indptr)
    assert np.array_equal(got.indices, want.indices)
    np.testing.assert_allclose(got.data, want.data, rtol=2e-6)
    # the sentences' own windows: the very values
    size = n + np.maximum(n - 1, 0)
    single_cols = np.concatenate(
        [np.arange(n[k]) + start for k, start in enumerate(np.cumsum(size) - size)]
    )
    g, w = got.toarray(), want.toarray()
    assert np.array_equal(g[:, single_cols], w[:, single_cols])
    assert (w[:, single_cols] > 0).any() and w.shape[1] > single_cols.size
