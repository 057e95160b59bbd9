"""Score stage: overlap scores and a relation for each candidate pair.

Scores (all in [0, 1]):

* ``minhash_jaccard``: the MinHash estimate (share of equal signature values);
* ``jaccard``: the exact Jaccard of the two sets of word shingles;
* ``containment_a_in_b``: the share of a's shingles found in b (and the other way);
* ``tfidf_cosine``: cosine of the word TF-IDF vectors;
* ``coverage_a_in_b``: the share of a's words in sentences that find a close match in b,
  verbatim or reworded. A sentence of a matches when the character n-gram TF-IDF cosine with
  a sentence of b, or with two adjacent sentences of b (a split sentence), times the share
  of the figures they have in common (numbers must agree), reaches ``sentence_match``.

Relations (thresholds in :class:`dedup.config.ScoreConfig`): ``exact``, ``near_copy``,
``partial_copy``, ``rewrite``, ``related``; pairs below every bar are not reported.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
import xxhash
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize

from dedup.config import ScoreConfig
from dedup.minhash import shingle_strings
from dedup.textnorm import count_words, tokenize

RELATIONS = ("exact", "near_copy", "partial_copy", "rewrite", "related")
VERSION_RELATIONS = frozenset(("exact", "near_copy", "partial_copy", "rewrite"))
PAIR_COLUMNS = (
    "id_a",
    "id_b",
    "relation",
    "minhash_jaccard",
    "jaccard",
    "containment_a_in_b",
    "containment_b_in_a",
    "tfidf_cosine",
    "coverage_a_in_b",
    "coverage_b_in_a",
)


@dataclass
class ScoringInputs:
    """Everything the scorer needs per article, row-aligned."""

    ids: Sequence[str]
    tokens: Sequence[list[str]]
    sentences: Sequence[Sequence[str]]
    titles: Sequence[str]
    signatures: np.ndarray
    tfidf: sp.csr_matrix
    shingle_size: int
    times: np.ndarray | None = None
    """Publication times (seconds since the epoch, NaN when unknown), or None."""


@dataclass
class ScoredPairs:
    """Scores per pair (row indexes ``i < j``) and the sentences each side matched."""

    table: pd.DataFrame  # columns: i, j, relation and the score columns
    hits: dict[tuple[int, int], tuple[frozenset[int], frozenset[int]]]
    """(i, j) -> (sentences of j matched by i's sentences, sentences of i matched by j's)."""
    index: _SentenceIndex | None = None
    """The sentences of the scored rows, for :func:`story_coverage`."""


def shingle_set(tokens: Sequence[str], k: int) -> np.ndarray:
    """Sorted unique 64-bit hashes of an article's word k-shingles (exact up to 2^-64)."""
    sh = shingle_strings(tokens, k)
    return np.unique(
        np.fromiter(
            (xxhash.xxh3_64_intdigest(s.encode()) for s in sh), dtype=np.uint64, count=len(sh)
        )
    )


def body_digest(tokens: Sequence[str]) -> str:
    """Digest of an article's token sequence: equal digests mean an exact copy."""
    return hashlib.sha1(" ".join(tokens).encode()).hexdigest()


def figures(sentences: Sequence[str]) -> frozenset[str]:
    """The distinct figures of an article ("4,200", "1.5"; "19-20" gives "19" and "20")."""
    return frozenset(m for s in sentences for m in re.findall(_NUMBER_RE, s))


def figures_disagree(a: frozenset[str], b: frozenset[str], cfg: ScoreConfig) -> bool:
    """True when both articles carry at least ``figure_min`` figures and less than
    ``figure_agreement`` of the smaller set is found in the other: templated reports
    (earnings, prices, results) share their wording, not their figures."""
    small = min(len(a), len(b))
    return small >= cfg.figure_min and len(a & b) < cfg.figure_agreement * small


def _title_jaccard(a: str, b: str) -> float:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    if not ta or not tb:
        return 1.0
    return len(ta & tb) / len(ta | tb)


def _wb_ngrams(word: str) -> list[str]:
    """The character 3- to 5-grams of one word padded with a space on each side, in the
    order of scikit-learn's ``char_wb`` analyzer (a word shorter than n gives one n-gram)."""
    w = " " + word + " "
    n_chars = len(w)
    out: list[str] = []
    for n in range(3, 6):
        out.extend(w[o : o + n] for o in range(max(1, n_chars - n + 1)))
        if n_chars <= n:
            break
    return out


def char_ngram_tfidf(texts: Sequence[str]) -> sp.csr_matrix:
    """Character n-gram TF-IDF rows, equal (values and vocabulary order) to
    ``TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
    dtype=np.float32).fit_transform(texts)`` with sorted column indices.

    The n-grams of each distinct word are listed once and the counts are made with numpy,
    instead of counting every n-gram of every sentence in Python. Rows keep the column
    order of first appearance until the L2 norms are taken (the order in which scikit-learn
    sums them), so the values are bit for bit the same. Raises ``ValueError`` when no text
    has a word.
    """
    word_ids: dict[str, int] = {}
    gram_ids: dict[str, int] = {}
    grams: list[int] = []
    ptr: list[int] = [0]
    seq: list[int] = []
    lens = np.zeros(len(texts), dtype=np.int64)
    for d, text in enumerate(texts):
        words = text.lower().split()
        lens[d] = len(words)
        for w in words:
            k = word_ids.get(w)
            if k is None:
                k = word_ids[w] = len(word_ids)
                for g in _wb_ngrams(w):
                    gid = gram_ids.get(g)
                    if gid is None:
                        gid = gram_ids[g] = len(gram_ids)
                    grams.append(gid)
                ptr.append(len(grams))
            seq.append(k)
    if not gram_ids:
        raise ValueError("empty vocabulary")
    gram_arr = np.asarray(grams, dtype=np.int32)
    ptr_arr = np.asarray(ptr, dtype=np.int64)
    seq_arr = np.asarray(seq, dtype=np.int64)
    word_start = np.r_[0, np.cumsum(lens)]
    chunks: list[sp.csr_matrix] = []
    step = 50_000  # sentences per chunk: bounds the size of the expanded n-gram arrays
    for s in range(0, len(texts), step):
        e = min(len(texts), s + step)
        ws = seq_arr[word_start[s] : word_start[e]]
        cols = gram_arr[_ranges(ptr_arr[ws], ptr_arr[ws + 1] - ptr_arr[ws])]
        rows = np.repeat(np.repeat(np.arange(e - s), lens[s:e]), ptr_arr[ws + 1] - ptr_arr[ws])
        m = sp.csr_matrix(
            (np.ones(cols.size, dtype=np.float32), (rows, cols)), shape=(e - s, len(gram_ids))
        )
        m.sum_duplicates()  # columns sorted by first appearance, as scikit-learn has them
        chunks.append(m)
    counts = sp.vstack(chunks, format="csr") if len(chunks) > 1 else chunks[0]
    out = sp.csr_matrix(TfidfTransformer(sublinear_tf=True).fit_transform(counts))
    remap = np.empty(len(gram_ids), dtype=out.indices.dtype)
    for new, (_, old) in enumerate(sorted(gram_ids.items())):
        remap[old] = new
    out.indices = remap[out.indices]
    out.has_sorted_indices = False
    out.sort_indices()
    return out


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + n)`` for each start s and length n."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    out: np.ndarray = np.repeat(np.asarray(starts, dtype=np.int64) - offsets, lengths)
    return out + np.arange(total)


class _SentenceIndex:
    """Per sentence of the articles being scored: character n-gram TF-IDF vector, word count,
    figures and word bigrams (see :func:`_bigram_matrix`)."""

    def __init__(self, sentences: Sequence[Sequence[str]], rows: np.ndarray) -> None:
        flat: list[str] = []
        self.offsets: dict[int, tuple[int, int]] = {}
        for r in rows.tolist():
            start = len(flat)
            flat.extend(s.lower() for s in sentences[r])
            self.offsets[r] = (start, len(flat))
        self.weights = np.array([max(1, count_words(s)) for s in flat], dtype=np.float64)
        self.quoted = np.array(
            [q for r in rows.tolist() for q in _quoted_shares(sentences[r])], dtype=np.float64
        )
        self.numbers = _number_matrix(flat)
        self.bigrams = _bigram_matrix(flat)
        if flat:
            try:
                self.matrix = char_ngram_tfidf(flat)
            except ValueError:
                self.matrix = sp.csr_matrix((len(flat), 1), dtype=np.float32)
        else:
            self.matrix = sp.csr_matrix((0, 1), dtype=np.float32)

    def rows(self, r: int) -> _Sentences:
        s, e = self.offsets[r]
        return _Sentences(
            self.matrix[s:e],
            self.weights[s:e],
            self.numbers[s:e],
            self.bigrams[s:e],
            self.quoted[s:e],
        )

    def windows(self, articles: Sequence[int]) -> _Windows:
        """The windows (:func:`_windows`) of several articles at once, each article's
        windows in consecutive rows, in :func:`_windows` order (its sentences, then its
        pairs of adjacent sentences)."""
        se = np.array([self.offsets[r] for r in articles], dtype=np.int64).reshape(-1, 2)
        n = se[:, 1] - se[:, 0]
        n_pair = np.maximum(n - 1, 0)
        sent = _ranges(se[:, 0], n)
        pair = _ranges(se[:, 0], n_pair)

        def stack(m: sp.csr_matrix, joined: sp.csr_matrix) -> sp.csr_matrix:
            return sp.csr_matrix(sp.vstack([m[sent], joined], format="csr"))

        m = self.matrix
        chars = m[pair] + m[pair + 1]
        w, qw = self.weights, self.quoted * self.weights
        pair_w = w[pair] + w[pair + 1]
        both = _Sentences(
            stack(m, normalize(chars) if pair.size else chars),
            np.r_[w[sent], pair_w],
            stack(self.numbers, (self.numbers[pair] + self.numbers[pair + 1]).minimum(1)),
            stack(self.bigrams, (self.bigrams[pair] + self.bigrams[pair + 1]).minimum(1)),
            np.r_[self.quoted[sent], qw[pair] / pair_w + qw[pair + 1] / pair_w],
        )
        # rows of ``both`` in window order: each article's sentences, then its adjacent pairs
        sent_pos = np.cumsum(n) - n
        pair_pos = np.cumsum(n_pair) - n_pair + sent.size
        order = _ranges(np.c_[sent_pos, pair_pos].ravel(), np.c_[n, n_pair].ravel())
        local = np.arange(sent.size) - np.repeat(sent_pos, n)
        local_pair = np.arange(pair.size) - np.repeat(np.cumsum(n_pair) - n_pair, n_pair)
        first = np.r_[local, local_pair][order]
        size = n + n_pair
        return _Windows(
            rows=_take(both, order),
            first=first,
            start={r: int(p) for r, p in zip(articles, np.cumsum(size) - size, strict=True)},
            size={r: int(k) for r, k in zip(articles, size, strict=True)},
            n_sentences={r: int(k) for r, k in zip(articles, n, strict=True)},
        )


def _take(a: _Sentences, sel: np.ndarray) -> _Sentences:
    """Rows ``sel`` of every field of ``a``."""
    return _Sentences(
        sp.csr_matrix(a.chars[sel]),
        a.weights[sel],
        sp.csr_matrix(a.numbers[sel]),
        sp.csr_matrix(a.bigrams[sel]),
        a.quoted[sel],
    )


@dataclass
class _Windows:
    """Windows of several articles (``rows``), and for each window the index of its first
    sentence in its article; per article its first row, its number of windows and of
    sentences."""

    rows: _Sentences
    first: np.ndarray
    start: dict[int, int]
    size: dict[int, int]
    n_sentences: dict[int, int]


# Quoted speech: ``teletype'', "straight", “curly”, ‘single’ and 'single' quotes (a single
# straight quote opens after a non-word character and closes before one).
_QUOTE_RE = re.compile(r"``.*?''|\"[^\"\n]*\"|“[^”\n]*”|‘[^’\n]*’|(?<!\w)'[^'\n]*'(?!\w)")
QUOTE_WEIGHT = 0.5
"""A sentence found in the other text counts this much towards reuse when it, or what it
matched, is mostly quoted speech: independent reports of one event quote the same
statements, and a commentary quotes what it discusses."""


def _quoted_shares(sentences: Sequence[str]) -> list[float]:
    """Share of each sentence's characters inside quotation marks; a quotation may run over
    several sentences of the text."""
    text = " ".join(sentences)
    inside = np.zeros(len(text) + 1, dtype=np.int64)
    for m in _QUOTE_RE.finditer(text):
        inside[m.start()] += 1
        inside[m.end()] -= 1
    mask = np.cumsum(inside)[:-1] > 0
    out: list[float] = []
    start = 0
    for sent in sentences:
        end = start + len(sent)
        out.append(float(mask[start:end].mean()) if end > start else 0.0)
        start = end + 1
    return out


@dataclass(frozen=True)
class _Sentences:
    """The sentences of one article, row-aligned matrices."""

    chars: sp.csr_matrix  # character n-gram TF-IDF, rows normalised
    weights: np.ndarray  # words per sentence
    numbers: sp.csr_matrix  # binary sentence x figure
    bigrams: sp.csr_matrix  # binary sentence x content bigram
    quoted: np.ndarray  # share of the words in quotation marks


# A word found in this share of the batch's sentences (and in at least _COMMON_MIN of them)
# is a common word; bigrams of two common words ("of the", "he said") say nothing of reuse.
_COMMON_SHARE = 0.02
_COMMON_MIN = 5


def _stem(word: str) -> str:
    """Crude suffix stripping so that "charged"/"charges"/"charging" meet."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _sorted_unique(x: np.ndarray) -> np.ndarray:
    """``np.unique`` of an integer array by sorting (faster than its hash-based path)."""
    x = np.sort(x)
    out: np.ndarray = x[np.r_[True, x[1:] != x[:-1]]] if x.size else x
    return out


def _bigram_matrix(sentences: list[str]) -> sp.csr_matrix:
    """Binary sentence x word-bigram matrix (stemmed words), without the bigrams made of two
    common words of the batch: the shared phrasing that textual reuse leaves behind.

    Columns are the distinct bigrams in the order of their "first second" strings (the order
    a vocabulary sorted by string gives). Stemming is done once per distinct token; stems
    get integer ranks in sorted order, so a bigram's id ``rank_a * n_stems + rank_b`` sorts
    as its string does (a space sorts before any word character)."""
    n = len(sentences)
    if not n:
        return sp.csr_matrix((0, 1), dtype=np.float32)
    toks = [tokenize(s) for s in sentences]
    lengths = np.fromiter(map(len, toks), dtype=np.int64, count=n)
    words = itertools.chain.from_iterable
    raw = {t: i for i, t in enumerate(dict.fromkeys(words(toks)))}
    flat = np.fromiter(map(raw.__getitem__, words(toks)), dtype=np.int64, count=int(lengths.sum()))
    stems = [_stem(t) for t in raw]
    vocab = sorted(set(stems))
    rank = {s: i for i, s in enumerate(vocab)}
    n_stems = len(vocab)
    ids = np.array([rank[s] for s in stems], dtype=np.int64)[flat]
    row = np.repeat(np.arange(n, dtype=np.int64), lengths)
    # document frequency of each stem: distinct (sentence, stem) pairs
    df = np.bincount(_sorted_unique(row * n_stems + ids) % n_stems, minlength=n_stems)
    common = df >= max(_COMMON_MIN, _COMMON_SHARE * n)
    first, second = ids[:-1], ids[1:]
    keep = (row[:-1] == row[1:]) & ~(common[first] & common[second])
    gram_rows = row[:-1][keep]
    codes = first[keep] * n_stems + second[keep]
    if codes.size == 0:  # no sentence has a bigram
        return sp.csr_matrix((n, 1), dtype=np.float32)
    order = np.argsort(codes, kind="stable")
    by_code = codes[order]
    new = np.r_[True, by_code[1:] != by_code[:-1]]
    grams = by_code[new]
    cols = np.empty_like(order)
    cols[order] = np.cumsum(new) - 1
    cells = _sorted_unique(gram_rows * grams.size + cols)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(cells // grams.size, minlength=n), out=indptr[1:])
    out = sp.csr_matrix(
        (np.ones(cells.size, dtype=np.float32), cells % grams.size, indptr),
        shape=(n, grams.size),
    )
    out.has_sorted_indices = True
    return out


_NUMBER_RE = r"(?u)\d+(?:[.,:/]\d+)*"


def _number_matrix(sentences: list[str]) -> sp.csr_matrix:
    """Binary sentence x number-token matrix ("4,200", "1.5", "19-20" gives "19" and "20")."""
    if not sentences:
        return sp.csr_matrix((0, 1), dtype=np.float32)
    vec = CountVectorizer(token_pattern=_NUMBER_RE, binary=True, lowercase=False, dtype=np.float32)
    try:
        return sp.csr_matrix(vec.fit_transform(sentences))
    except ValueError:  # no sentence has a number
        return sp.csr_matrix((len(sentences), 1), dtype=np.float32)


def _windows(a: _Sentences) -> tuple[_Sentences, np.ndarray]:
    """Each sentence and each pair of adjacent sentences (vectors renormalised, figures and
    bigrams united), and for each window the index of its first sentence."""
    n = a.chars.shape[0]
    if n < 2:
        return a, np.arange(n)
    pairs = normalize(a.chars[:-1] + a.chars[1:])
    pair_nums = (a.numbers[:-1] + a.numbers[1:]).minimum(1)
    pair_grams = (a.bigrams[:-1] + a.bigrams[1:]).minimum(1)
    pair_w = a.weights[:-1] + a.weights[1:]
    return (
        _Sentences(
            sp.vstack([a.chars, pairs]).tocsr(),
            np.r_[a.weights, pair_w],
            sp.vstack([a.numbers, pair_nums]).tocsr(),
            sp.vstack([a.bigrams, pair_grams]).tocsr(),
            np.r_[
                a.quoted, (a.quoted * a.weights)[:-1] / pair_w + (a.quoted * a.weights)[1:] / pair_w
            ],
        ),
        np.r_[np.arange(n), np.arange(n - 1)],
    )


def _match_scores(a: _Sentences, w: _Sentences, cfg: ScoreConfig) -> np.ndarray:
    """Sentence x window match score; a sentence matches a window at 1 or more.

    A sentence is found in a window when the character n-gram cosine reaches
    ``sentence_match`` (the same sentence, lightly edited) or when ``reuse_match`` of its
    content bigrams occur in the window (reworded around reused phrases), times the number
    agreement. Shared names and topic words alone reach neither bar."""
    cos = (a.chars @ w.chars.T).toarray() / cfg.sentence_match
    inter = (a.bigrams @ w.bigrams.T).toarray()
    size = np.asarray(a.bigrams.sum(axis=1)).ravel()
    reuse = inter / np.maximum(size, 1)[:, None] / cfg.reuse_match
    out: np.ndarray = np.maximum(cos, reuse) * _number_agreement(a.numbers, w.numbers)
    return out


def _number_agreement(na: sp.csr_matrix, nw: sp.csr_matrix) -> np.ndarray:
    """Square of the share of the smaller set of numbers found in the other, 1 where either
    has none: templated reports (prices, results, dividends) share wording, not figures."""
    inter = (na @ nw.T).toarray()
    size_a = np.asarray(na.sum(axis=1)).ravel()
    size_w = np.asarray(nw.sum(axis=1)).ravel()
    smaller = np.minimum.outer(size_a, size_w)
    out = np.ones_like(inter, dtype=np.float64)
    has = smaller > 0
    out[has] = (inter[has] / smaller[has]) ** 2
    return out


def sentence_pair_similarity(
    pairs: Sequence[tuple[str, str]], cfg: ScoreConfig | None = None
) -> np.ndarray:
    """The sentence-match score of each pair of sentences as the coverage scores use it
    (statistics fitted on all the sentences; the pair matches at 1 or more)."""
    cfg = cfg or ScoreConfig()
    flat = [s for pair in pairs for s in pair]
    index = _SentenceIndex([flat], np.array([0]))
    m = index.rows(0)
    out = np.empty(len(pairs), dtype=np.float64)
    step = 512
    for start in range(0, len(pairs), step):
        lo, hi = 2 * start, 2 * min(len(pairs), start + step)
        a = _Sentences(
            m.chars[lo:hi:2],
            m.weights[lo:hi:2],
            m.numbers[lo:hi:2],
            m.bigrams[lo:hi:2],
            m.quoted[lo:hi:2],
        )
        b = _Sentences(
            m.chars[lo + 1 : hi : 2],
            m.weights[lo + 1 : hi : 2],
            m.numbers[lo + 1 : hi : 2],
            m.bigrams[lo + 1 : hi : 2],
            m.quoted[lo + 1 : hi : 2],
        )
        out[start : start + (hi - lo) // 2] = np.diag(_match_scores(a, b, cfg))
    return out


_MAX_SIMS = 1 << 21  # sentence x window scores computed in one product


def _segment_first_argmax(
    m: np.ndarray, top: np.ndarray, seg: np.ndarray, sizes: np.ndarray
) -> np.ndarray:
    """Per row and column segment, the position in the segment of the first column equal
    to the segment's maximum ``top`` (what ``argmax`` over the segment gives)."""
    local = np.arange(m.shape[1]) - np.repeat(seg, sizes)
    hit = m == np.repeat(top, sizes, axis=1)
    big = m.shape[1]
    out: np.ndarray = np.minimum.reduceat(np.where(hit, local[None, :], big), seg, axis=1)
    return out


def _coverage_many(
    index: _SentenceIndex,
    wins: _Windows,
    src: int,
    targets: Sequence[int],
    cfg: ScoreConfig,
) -> list[tuple[float, float, frozenset[int]]]:
    """How much of article ``src`` is found in each of ``targets``, and which of the
    target's sentences were matched.

    For each target b: the share of src's words in sentences retold in b (character n-gram
    cosine with a sentence of b or two adjacent ones, times number agreement, at least
    ``retell_match``: the same facts, maybe in other words), the share reused in b
    (:func:`_match_scores`; quoted speech counts :data:`QUOTE_WEIGHT`) and the sentences
    of b that retell src's. src's sentences meet the windows of all the targets in one
    product (in slices of at most ``_MAX_SIMS`` scores), then a maximum per sentence and
    target."""
    out: list[tuple[float, float, frozenset[int]]] = [(0.0, 0.0, frozenset())] * len(targets)
    a = index.rows(src)
    n_a = a.chars.shape[0]
    todo = [k for k, t in enumerate(targets) if wins.n_sentences[t] > 0]
    if n_a == 0 or not todo:
        return out
    total = a.weights.sum()
    size_a = np.maximum(np.asarray(a.bigrams.sum(axis=1)).ravel(), 1)[:, None]
    budget = max(1, _MAX_SIMS // n_a)
    pos = 0
    while pos < len(todo):
        batch = [todo[pos]]
        width = wins.size[targets[todo[pos]]]
        pos += 1
        while pos < len(todo) and width + wins.size[targets[todo[pos]]] <= budget:
            width += wins.size[targets[todo[pos]]]
            batch.append(todo[pos])
            pos += 1
        starts = np.array([wins.start[targets[k]] for k in batch], dtype=np.int64)
        sizes = np.array([wins.size[targets[k]] for k in batch], dtype=np.int64)
        sel = _ranges(starts, sizes)
        w = _take(wins.rows, sel)
        first = wins.first[sel]
        seg = np.cumsum(sizes) - sizes
        # the terms of _match_scores, with the cosine and agreement shared with "retold"
        cos = (a.chars @ w.chars.T).toarray()
        agree = _number_agreement(a.numbers, w.numbers)
        loose = cos * agree
        inter = (a.bigrams @ w.bigrams.T).toarray()
        reuse = inter / size_a / cfg.reuse_match
        strict = np.maximum(cos / cfg.sentence_match, reuse) * agree
        best = np.maximum.reduceat(loose, seg, axis=1)
        retold = best >= cfg.retell_match
        top = np.maximum.reduceat(strict, seg, axis=1)
        arg_strict = _segment_first_argmax(strict, top, seg, sizes)
        quoted = np.maximum(a.quoted[:, None], w.quoted[seg[None, :] + arg_strict]) >= 0.5
        credit = np.where(quoted, QUOTE_WEIGHT, 1.0) * (top >= 1.0)
        # word counts (and halves of them) sum exactly in any order
        cov = (a.weights @ retold) / total
        cov_reused = (a.weights @ credit) / total
        arg_loose = _segment_first_argmax(loose, best, seg, sizes)
        for c, k in enumerate(batch):
            rows_hit = np.flatnonzero(retold[:, c])
            nb = wins.n_sentences[targets[k]]
            ww = arg_loose[rows_hit, c].tolist()
            f = first[int(seg[c]) + arg_loose[rows_hit, c]].tolist()
            hit = set(f)
            hit.update(fw + 1 for fw, wk in zip(f, ww, strict=True) if wk >= nb)
            out[k] = (min(float(cov[c]), 1.0), min(float(cov_reused[c]), 1.0), frozenset(hit))
    return out


def _all_coverage(
    sent: _SentenceIndex,
    pairs: np.ndarray,
    cfg: ScoreConfig,
    progress: Callable[[int], None] | None = None,
) -> list[tuple[tuple[float, float, frozenset[int]], tuple[float, float, frozenset[int]]]]:
    """For each pair (i, j): (:func:`_coverage_many` of i in j, of j in i).

    Both directions of every pair are grouped by the article whose sentences are matched
    (the source), so each source meets all its partners in one product; sources are taken
    in chunks of about ``_PAIR_BATCH`` directions, and the windows of a chunk's partners
    are built once per chunk."""
    n = len(pairs)
    src = np.r_[pairs[:, 0], pairs[:, 1]]
    dst = np.r_[pairs[:, 1], pairs[:, 0]]
    order = np.argsort(src, kind="stable")
    src_sorted = src[order]
    starts = np.r_[0, np.flatnonzero(np.diff(src_sorted)) + 1]
    ends = np.r_[starts[1:], len(order)]
    res: list[tuple[float, float, frozenset[int]]] = [(0.0, 0.0, frozenset())] * (2 * n)
    reported = 0
    g = 0
    while g < len(starts):
        h = g + 1
        while h < len(starts) and ends[h] - starts[g] <= _PAIR_BATCH:
            h += 1
        hi = int(ends[h - 1])
        wins = sent.windows(np.unique(dst[order[int(starts[g]) : hi]]).tolist())
        for s0, e0 in zip(starts[g:h].tolist(), ends[g:h].tolist(), strict=True):
            group = order[s0:e0]
            found = _coverage_many(sent, wins, int(src_sorted[s0]), dst[group].tolist(), cfg)
            for d, r in zip(group.tolist(), found, strict=True):
                res[d] = r
        g = h
        if progress is not None:
            done = hi // 2
            progress(done - reported)
            reported = done
    return [(res[p], res[p + n]) for p in range(n)]


_PAIR_BATCH = 4096  # directions (source, partner) whose partners' windows are built together


def story_coverage(
    inputs: ScoringInputs,
    queries: Sequence[tuple[int, Sequence[int]]],
    cfg: ScoreConfig,
    index: _SentenceIndex | None = None,
) -> list[tuple[float, float, tuple[tuple[int, float], ...]]]:
    """For each query (article ``src``, its possible sources ``members``): the share of
    src's words retold and reused (the ``coverage`` and reused shares of
    :func:`_coverage_many`) in the members taken together, each sentence of src matched
    against the windows of every member, and the members that retell some of it, each with
    the share of src's words it retells best, most first (ties: member order). A text cut
    and stitched from several takes or versions of one wire story is judged against them
    all, not against each take alone. Left out: members that are other reports from one
    template (:func:`templated_apart`) or carry another title (both titled, word Jaccard
    below ``short_title_jaccard``); no member counts when src's figures are not found in
    them (:func:`_figures_found`).

    ``index``: the scorer's sentence index (:attr:`ScoredPairs.index`) when it holds every
    row of the queries; otherwise one is built."""
    if not queries:
        return []
    queries = [
        (
            src,
            [
                m
                for m in members
                if m != src
                and not templated_apart(inputs, src, m, cfg)
                and not _titles_apart(inputs, src, m, cfg)
            ],
        )
        for src, members in queries
    ]
    queries = [(src, m if _figures_found(inputs, src, m, cfg) else []) for src, m in queries]
    rows = np.unique(np.array([r for s, m in queries for r in (s, *m)], dtype=np.int64))
    if index is None or any(r not in index.offsets for r in rows.tolist()):
        index = _SentenceIndex(inputs.sentences, rows)
    wins = index.windows(sorted({m for _, members in queries for m in members}))
    out: list[tuple[float, float, tuple[tuple[int, float], ...]]] = []
    for src, targets in queries:
        a = index.rows(src)
        sizes = np.array([wins.size[t] for t in targets], dtype=np.int64)
        if a.chars.shape[0] == 0 or not sizes.sum():
            out.append((0.0, 0.0, ()))
            continue
        starts = np.array([wins.start[t] for t in targets], dtype=np.int64)
        w = _take(wins.rows, _ranges(starts, sizes))
        owner = np.repeat(np.arange(len(targets)), sizes)
        cos = (a.chars @ w.chars.T).toarray()
        agree = _number_agreement(a.numbers, w.numbers)
        loose = cos * agree
        retold = loose.max(axis=1) >= cfg.retell_match
        size_a = np.maximum(np.asarray(a.bigrams.sum(axis=1)).ravel(), 1)[:, None]
        reuse = (a.bigrams @ w.bigrams.T).toarray() / size_a / cfg.reuse_match
        strict = np.maximum(cos / cfg.sentence_match, reuse) * agree
        best = strict.argmax(axis=1)
        quoted = np.maximum(a.quoted, w.quoted[best]) >= 0.5
        credit = np.where(quoted, QUOTE_WEIGHT, 1.0) * (strict.max(axis=1) >= 1.0)
        total = a.weights.sum()
        votes = np.bincount(
            owner[loose.argmax(axis=1)], weights=a.weights * retold, minlength=len(targets)
        )
        parts = tuple(
            (targets[k], float(votes[k]) / total)
            for k in np.argsort(-votes, kind="stable").tolist()
            if votes[k] > 0
        )
        out.append(
            (
                min(float(a.weights @ retold) / total, 1.0),
                min(float(a.weights @ credit) / total, 1.0),
                parts,
            )
        )
    return out


def decide_relation(
    row: dict[str, float],
    same_body: bool,
    short_template: bool,
    cfg: ScoreConfig,
    min_words: int,
    other_figures: bool = False,
    later: str = "",
) -> str:
    """The relation of one scored pair ("" when below every bar).

    ``other_figures``: the two texts report different figures (:func:`figures_disagree`),
    so below a near copy they are different reports told in the same words.
    ``later``: "a" or "b" when that text was published at least ``rewrite_order_hours``
    after the other: only the later text can be a rewrite of the earlier one, so only its
    coverage in the earlier one counts (an earlier text whose facts reappear in a later,
    longer report written independently is not a version of it)."""
    if short_template:
        return "related" if row["tfidf_cosine"] >= cfg.related_cosine else ""
    if same_body:
        return "exact"
    if row["jaccard"] >= cfg.near_copy_jaccard:
        return "near_copy"
    if other_figures:
        return "related" if row["tfidf_cosine"] >= cfg.related_cosine else ""
    if max(row["containment_a_in_b"], row["containment_b_in_a"]) >= cfg.partial_copy_containment:
        return "partial_copy"
    reused_ab = row.get("reused_a_in_b", row["coverage_a_in_b"])
    reused_ba = row.get("reused_b_in_a", row["coverage_b_in_a"])
    if later == "a":
        reused = reused_ab
    elif later == "b":
        reused = reused_ba
    else:
        reused = max(reused_ab, reused_ba)
    retold = min(row["coverage_a_in_b"], row["coverage_b_in_a"])
    if min_words >= cfg.rewrite_min_words and (
        reused >= cfg.rewrite_coverage or retold >= cfg.retell_coverage
    ):
        return "rewrite"
    if row["tfidf_cosine"] >= cfg.related_cosine:
        return "related"
    return ""


def _titles_apart(inputs: ScoringInputs, i: int, j: int, cfg: ScoreConfig) -> bool:
    """Both rows have a title and their word Jaccard is below ``short_title_jaccard``."""
    ti, tj = inputs.titles[i], inputs.titles[j]
    return (
        bool(ti.strip()) and bool(tj.strip()) and _title_jaccard(ti, tj) < cfg.short_title_jaccard
    )


def _figures_found(
    inputs: ScoringInputs, src: int, members: Sequence[int], cfg: ScoreConfig
) -> bool:
    """Whether the figures of ``src`` are found in ``members`` taken together: False when
    src has at least ``figure_min`` figures and less than ``figure_agreement`` of them
    occur in any member. A version carries its sources' figures; a templated report
    (prices, offerings, results) carries its own, however much of its wording the earlier
    reports of the template share."""
    own = figures(inputs.sentences[src])
    if len(own) < cfg.figure_min:
        return True
    found: set[str] = set()
    for m in members:
        found |= own & figures(inputs.sentences[m])
    return len(found) >= cfg.figure_agreement * len(own)


def templated_apart(inputs: ScoringInputs, i: int, j: int, cfg: ScoreConfig) -> bool:
    """Whether rows i and j are two reports from one template rather than versions: short
    bodies under different titles, or different figures (the checks of
    :func:`pair_relation` that cap a pair below a near copy at ``related``)."""
    short = (
        min(len(inputs.tokens[i]), len(inputs.tokens[j])) < cfg.short_body_words
        and bool(inputs.titles[i].strip())
        and bool(inputs.titles[j].strip())
        and _title_jaccard(inputs.titles[i], inputs.titles[j]) < cfg.short_title_jaccard
    )
    return short or figures_disagree(
        figures(inputs.sentences[i]), figures(inputs.sentences[j]), cfg
    )


def _later(times: np.ndarray | None, i: int, j: int, hours: float) -> str:
    """ "a" when row i was published at least ``hours`` after row j, "b" the other way."""
    if times is None or not hours:
        return ""
    gap = float(times[i] - times[j])
    if np.isnan(gap) or abs(gap) < hours * 3600.0:
        return ""
    return "a" if gap > 0 else "b"


@dataclass
class ArticleFacts:
    """Per-article facts the pair rules need, for the rows being scored."""

    sets: dict[int, np.ndarray]  # shingle sets (:func:`shingle_set`)
    digests: dict[int, str]  # body digests (:func:`body_digest`)
    nwords: dict[int, int]
    figures: dict[int, frozenset[str]]


def article_facts(inputs: ScoringInputs, rows: np.ndarray) -> ArticleFacts:
    """Shingle sets, digests, word counts and figures of ``rows``."""
    rs = rows.tolist()
    return ArticleFacts(
        sets={r: shingle_set(inputs.tokens[r], inputs.shingle_size) for r in rs},
        digests={r: body_digest(inputs.tokens[r]) for r in rs},
        nwords={r: len(inputs.tokens[r]) for r in rs},
        figures={r: figures(inputs.sentences[r]) for r in rs},
    )


def shingle_overlap(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Exact ``jaccard`` and ``containment`` each way of two shingle sets."""
    inter = float(np.intersect1d(a, b, assume_unique=True).size)
    union = a.size + b.size - inter
    return {
        "jaccard": inter / union if union else 0.0,
        "containment_a_in_b": inter / a.size if a.size else 0.0,
        "containment_b_in_a": inter / b.size if b.size else 0.0,
    }


def pair_relation(
    inputs: ScoringInputs,
    facts: ArticleFacts,
    i: int,
    j: int,
    row: dict[str, float],
    cfg: ScoreConfig,
) -> str:
    """The relation of rows ``i`` and ``j`` from their scores (``row``, with the reused
    coverage each way) and their article facts: :func:`decide_relation` with the
    short-template, figures and time-order checks worked out."""
    min_words = min(facts.nwords[i], facts.nwords[j])
    short = (
        min_words < cfg.short_body_words
        and bool(inputs.titles[i].strip())
        and bool(inputs.titles[j].strip())
        and _title_jaccard(inputs.titles[i], inputs.titles[j]) < cfg.short_title_jaccard
    )
    return decide_relation(
        row,
        facts.digests[i] == facts.digests[j] and facts.nwords[i] > 0,
        short,
        cfg,
        min_words,
        figures_disagree(facts.figures[i], facts.figures[j], cfg),
        _later(inputs.times, i, j, cfg.rewrite_order_hours),
    )


def score_pairs(
    pairs: np.ndarray,
    inputs: ScoringInputs,
    cfg: ScoreConfig,
    progress: Callable[[int], None] | None = None,
    keep_unrelated: bool = False,
) -> ScoredPairs:
    """Score candidate pairs (row indexes, ``i < j``) and decide a relation for each."""
    cols = ["i", "j", *PAIR_COLUMNS[2:]]
    if len(pairs) == 0:
        return ScoredPairs(pd.DataFrame(columns=cols), {})
    rows = np.unique(pairs)
    facts = article_facts(inputs, rows)
    sent = _SentenceIndex(inputs.sentences, rows)
    sigs = inputs.signatures
    x = inputs.tfidf
    records: list[dict[str, object]] = []
    hits: dict[tuple[int, int], tuple[frozenset[int], frozenset[int]]] = {}
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    mh_all = (
        np.mean(sigs[pairs[:, 0]] == sigs[pairs[:, 1]], axis=1)
        if sigs.shape[1]
        else np.zeros(len(pairs), dtype=np.float64)
    )
    cos_all = _row_dots(x, pairs[:, 0], pairs[:, 1])
    coverage = _all_coverage(sent, pairs, cfg, progress)
    for n_done, (i, j) in enumerate(pairs.tolist(), start=1):
        (cov_ab, reused_ab, hit_b), (cov_ba, reused_ba, hit_a) = coverage[n_done - 1]
        row: dict[str, float] = {
            "minhash_jaccard": float(mh_all[n_done - 1]),
            **shingle_overlap(facts.sets[i], facts.sets[j]),
            "tfidf_cosine": float(min(1.0, cos_all[n_done - 1])),
            "coverage_a_in_b": cov_ab,
            "coverage_b_in_a": cov_ba,
        }
        reused = {"reused_a_in_b": reused_ab, "reused_b_in_a": reused_ba}
        rel = pair_relation(inputs, facts, i, j, {**row, **reused}, cfg)
        if rel or keep_unrelated:
            records.append({"i": i, "j": j, "relation": rel or "unrelated", **row})
            hits[(i, j)] = (hit_b, hit_a)
    table = pd.DataFrame.from_records(records, columns=cols)
    return ScoredPairs(table, hits, sent)


def _row_dots(x: sp.csr_matrix, ii: np.ndarray, jj: np.ndarray) -> np.ndarray:
    """Dot product of rows ``x[ii[n]]`` and ``x[jj[n]]`` for each n (0 without columns),
    summed in the order and precision of ``x[i].multiply(x[j]).sum()``."""
    if x.shape[1] == 0:
        return np.zeros(len(ii), dtype=np.float64)
    xi, xj = sp.csr_matrix(x[ii]), sp.csr_matrix(x[jj])
    xi.sum_duplicates()  # canonical rows: the product's entries in the one-row order
    xj.sum_duplicates()
    prod = sp.csr_matrix(xi.multiply(xj))
    data, ptr = prod.data, prod.indptr.tolist()
    return np.array(
        [data[s:e].sum() if e > s else 0.0 for s, e in itertools.pairwise(ptr)],
        dtype=np.float64,
    )


@dataclass(frozen=True)
class SentenceAlignment:
    """How one sentence of an article fares in another article.

    ``match`` is the index of the other article's best-matching sentence (the first of two
    when the best match is two adjacent sentences, then ``match_span`` is 2), -1 when none
    reaches the bar; ``kind`` is ``verbatim`` (the same words), ``reworded`` (a close match
    with other words) or ``only`` (found only in this article).
    """

    index: int
    match: int
    match_span: int
    similarity: float
    kind: str


def align_sentences(
    sentences_a: Sequence[str], sentences_b: Sequence[str], threshold: float = 0.35
) -> tuple[list[SentenceAlignment], list[SentenceAlignment]]:
    """Align the sentences of two articles with the scorer's own machinery (character
    n-gram TF-IDF cosine, one sentence or two adjacent ones, times number agreement: the
    "retold" match behind the ``coverage_*`` columns).

    Returns one :class:`SentenceAlignment` per sentence of a (matched in b) and per
    sentence of b (matched in a). ``threshold`` is ``[score] retell_match``.
    """
    index = _SentenceIndex([list(sentences_a), list(sentences_b)], np.array([0, 1]))

    def one_way(
        src: int, dst: int, own: Sequence[str], other: Sequence[str]
    ) -> list[SentenceAlignment]:
        a, b = index.rows(src), index.rows(dst)
        n_a, n_b = a.chars.shape[0], b.chars.shape[0]
        if n_a == 0:
            return []
        if n_b == 0:
            return [SentenceAlignment(k, -1, 0, 0.0, "only") for k in range(n_a)]
        wins, first = _windows(b)
        sims = (a.chars @ wins.chars.T).toarray() * _number_agreement(a.numbers, wins.numbers)
        out: list[SentenceAlignment] = []
        for k in range(n_a):
            w = int(sims[k].argmax())
            sim = float(min(1.0, sims[k, w]))
            if sim < threshold:
                out.append(SentenceAlignment(k, -1, 0, round(sim, 4), "only"))
                continue
            start, span = int(first[w]), 2 if w >= n_b else 1
            same = tokenize(own[k]) == tokenize(" ".join(other[start : start + span]))
            kind = "verbatim" if same else "reworded"
            out.append(SentenceAlignment(k, start, span, round(sim, 4), kind))
        return out

    return (
        one_way(0, 1, sentences_a, sentences_b),
        one_way(1, 0, sentences_b, sentences_a),
    )
