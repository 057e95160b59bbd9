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
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
import xxhash
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
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


@dataclass
class ScoredPairs:
    """Scores per pair (row indexes ``i < j``) and the sentences each side matched."""

    table: pd.DataFrame  # columns: i, j, relation and the score columns
    hits: dict[tuple[int, int], tuple[frozenset[int], frozenset[int]]]
    """(i, j) -> (sentences of j matched by i's sentences, sentences of i matched by j's)."""


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


class _SentenceIndex:
    """Character n-gram TF-IDF vectors of the sentences of the articles being scored."""

    def __init__(self, sentences: Sequence[Sequence[str]], rows: np.ndarray) -> None:
        flat: list[str] = []
        self.offsets: dict[int, tuple[int, int]] = {}
        for r in rows.tolist():
            start = len(flat)
            flat.extend(s.lower() for s in sentences[r])
            self.offsets[r] = (start, len(flat))
        self.weights = np.array([max(1, count_words(s)) for s in flat], dtype=np.float64)
        self.numbers = _number_matrix(flat)
        if flat:
            vec = TfidfVectorizer(
                analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32
            )
            try:
                self.matrix = sp.csr_matrix(vec.fit_transform(flat))
            except ValueError:
                self.matrix = sp.csr_matrix((len(flat), 1), dtype=np.float32)
        else:
            self.matrix = sp.csr_matrix((0, 1), dtype=np.float32)

    def rows(self, r: int) -> tuple[sp.csr_matrix, np.ndarray, sp.csr_matrix]:
        s, e = self.offsets[r]
        return self.matrix[s:e], self.weights[s:e], self.numbers[s:e]


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


def _windows(
    m: sp.csr_matrix, nums: sp.csr_matrix
) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
    """Each sentence and each pair of adjacent sentences (vectors renormalised, numbers
    united), and for each window the index of its first sentence."""
    n = m.shape[0]
    if n < 2:
        return m, nums, np.arange(n)
    pairs = normalize(m[:-1] + m[1:])
    pair_nums = (nums[:-1] + nums[1:]).minimum(1)
    return (
        sp.vstack([m, pairs]).tocsr(),
        sp.vstack([nums, pair_nums]).tocsr(),
        np.r_[np.arange(n), np.arange(n - 1)],
    )


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


def sentence_pair_similarity(pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """The sentence-match similarity of each pair of sentences, as :func:`_coverage` uses it
    (character n-gram TF-IDF cosine fitted on all the sentences, times number agreement)."""
    flat = [s for pair in pairs for s in pair]
    index = _SentenceIndex([flat], np.array([0]))
    m, _, nums = index.rows(0)
    a, b = m[0::2], m[1::2]
    cos = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    na, nb = nums[0::2], nums[1::2]
    inter = np.asarray(na.multiply(nb).sum(axis=1)).ravel()
    smaller = np.minimum(np.asarray(na.sum(axis=1)).ravel(), np.asarray(nb.sum(axis=1)).ravel())
    agree = np.where(smaller > 0, (inter / np.maximum(smaller, 1)) ** 2, 1.0)
    out: np.ndarray = cos * agree
    return out


def _coverage(
    sa: sp.csr_matrix,
    wa: np.ndarray,
    na: sp.csr_matrix,
    sb: sp.csr_matrix,
    nb_: sp.csr_matrix,
    threshold: float,
) -> tuple[float, frozenset[int]]:
    """Share of a's words whose sentence matches b, and which of b's sentences were matched."""
    if sa.shape[0] == 0 or sb.shape[0] == 0:
        return 0.0, frozenset()
    wins, wnums, first = _windows(sb, nb_)
    sims = (sa @ wins.T).toarray() * _number_agreement(na, wnums)
    best = sims.max(axis=1)
    arg = sims.argmax(axis=1)
    matched = best >= threshold
    cov = float(wa[matched].sum() / wa.sum())
    hit: set[int] = set()
    nb = sb.shape[0]
    for a_idx in np.flatnonzero(matched):
        w = int(arg[a_idx])
        hit.add(int(first[w]))
        if w >= nb:
            hit.add(int(first[w]) + 1)
    return min(cov, 1.0), frozenset(hit)


def decide_relation(
    row: dict[str, float],
    same_body: bool,
    short_template: bool,
    cfg: ScoreConfig,
    min_words: int,
    other_figures: bool = False,
) -> str:
    """The relation of one scored pair ("" when below every bar).

    ``other_figures``: the two texts report different figures (:func:`figures_disagree`),
    so below a near copy they are different reports told in the same words."""
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
    if min_words >= cfg.rewrite_min_words and (
        max(row["coverage_a_in_b"], row["coverage_b_in_a"]) >= cfg.rewrite_coverage
    ):
        return "rewrite"
    if row["tfidf_cosine"] >= cfg.related_cosine:
        return "related"
    return ""


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
    k = inputs.shingle_size
    sets = {r: shingle_set(inputs.tokens[r], k) for r in rows.tolist()}
    digests = {r: body_digest(inputs.tokens[r]) for r in rows.tolist()}
    nwords = {r: len(inputs.tokens[r]) for r in rows.tolist()}
    figs = {r: figures(inputs.sentences[r]) for r in rows.tolist()}
    sent = _SentenceIndex(inputs.sentences, rows)
    sigs = inputs.signatures
    x = inputs.tfidf
    records: list[dict[str, object]] = []
    hits: dict[tuple[int, int], tuple[frozenset[int], frozenset[int]]] = {}
    for n_done, (i, j) in enumerate(pairs.tolist(), start=1):
        a, b = sets[i], sets[j]
        inter = float(np.intersect1d(a, b, assume_unique=True).size)
        union = a.size + b.size - inter
        sa, wa, na = sent.rows(i)
        sb, wb, nb = sent.rows(j)
        cov_ab, hit_b = _coverage(sa, wa, na, sb, nb, cfg.sentence_match)
        cov_ba, hit_a = _coverage(sb, wb, nb, sa, na, cfg.sentence_match)
        row: dict[str, float] = {
            "minhash_jaccard": float(np.mean(sigs[i] == sigs[j])) if sigs.shape[1] else 0.0,
            "jaccard": inter / union if union else 0.0,
            "containment_a_in_b": inter / a.size if a.size else 0.0,
            "containment_b_in_a": inter / b.size if b.size else 0.0,
            "tfidf_cosine": float(min(1.0, x[i].multiply(x[j]).sum())) if x.shape[1] else 0.0,
            "coverage_a_in_b": cov_ab,
            "coverage_b_in_a": cov_ba,
        }
        min_words = min(nwords[i], nwords[j])
        short = (
            min_words < cfg.short_body_words
            and bool(inputs.titles[i].strip())
            and bool(inputs.titles[j].strip())
            and _title_jaccard(inputs.titles[i], inputs.titles[j]) < cfg.short_title_jaccard
        )
        rel = decide_relation(
            row,
            digests[i] == digests[j] and nwords[i] > 0,
            short,
            cfg,
            min_words,
            figures_disagree(figs[i], figs[j], cfg),
        )
        if rel or keep_unrelated:
            records.append({"i": i, "j": j, "relation": rel or "unrelated", **row})
            hits[(i, j)] = (hit_b, hit_a)
        if progress is not None and n_done % 256 == 0:
            progress(256)
    if progress is not None:
        progress(len(pairs) % 256)
    table = pd.DataFrame.from_records(records, columns=cols)
    return ScoredPairs(table, hits)


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
    n-gram TF-IDF cosine, one sentence or two adjacent ones, times number agreement).

    Returns one :class:`SentenceAlignment` per sentence of a (matched in b) and per
    sentence of b (matched in a). ``threshold`` is ``[score] sentence_match``.
    """
    index = _SentenceIndex([list(sentences_a), list(sentences_b)], np.array([0, 1]))

    def one_way(
        src: int, dst: int, own: Sequence[str], other: Sequence[str]
    ) -> list[SentenceAlignment]:
        sa, _, na = index.rows(src)
        sb, _, nb_ = index.rows(dst)
        if sa.shape[0] == 0:
            return []
        if sb.shape[0] == 0:
            return [SentenceAlignment(k, -1, 0, 0.0, "only") for k in range(sa.shape[0])]
        wins, wnums, first = _windows(sb, nb_)
        sims = (sa @ wins.T).toarray() * _number_agreement(na, wnums)
        out: list[SentenceAlignment] = []
        n_b = sb.shape[0]
        for k in range(sa.shape[0]):
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
