"""The straightforward per-pair scorer that :func:`dedup.score.score_pairs` replaced: one
pair at a time, each direction's sentence coverage with :func:`_coverage` (sentence x
window products for one pair). The batched scorer must give the same relations, hits and
scores."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from dedup.config import ScoreConfig
from dedup.score import (
    PAIR_COLUMNS,
    QUOTE_WEIGHT,
    ScoredPairs,
    ScoringInputs,
    _later,
    _SentenceIndex,
    _Sentences,
    _title_jaccard,
    body_digest,
    decide_relation,
    figures,
    figures_disagree,
    shingle_set,
)


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


def _coverage(
    a: _Sentences, b: _Sentences, cfg: ScoreConfig
) -> tuple[float, float, frozenset[int]]:
    """How much of a is found in b, and which of b's sentences were matched.

    Returns the share of a's words in sentences retold in b (character n-gram cosine with a
    sentence of b or two adjacent ones, times number agreement, at least ``retell_match``:
    the same facts, maybe in other words), the share reused in b (:func:`_match_scores`;
    quoted speech counts :data:`QUOTE_WEIGHT`) and the sentences of b that retell a's."""
    if a.chars.shape[0] == 0 or b.chars.shape[0] == 0:
        return 0.0, 0.0, frozenset()
    wins, first = _windows(b)
    agree = _number_agreement(a.numbers, wins.numbers)
    loose = (a.chars @ wins.chars.T).toarray() * agree
    best = loose.max(axis=1)
    arg = loose.argmax(axis=1)
    retold = best >= cfg.retell_match
    total = a.weights.sum()
    cov = float(a.weights[retold].sum() / total)
    strict = _match_scores(a, wins, cfg)
    reused = strict.max(axis=1) >= 1.0
    quoted = np.maximum(a.quoted, wins.quoted[strict.argmax(axis=1)]) >= 0.5
    credit = np.where(quoted, QUOTE_WEIGHT, 1.0) * reused
    cov_reused = float((a.weights * credit).sum() / total)
    hit: set[int] = set()
    nb = b.chars.shape[0]
    for a_idx in np.flatnonzero(retold):
        w = int(arg[a_idx])
        hit.add(int(first[w]))
        if w >= nb:
            hit.add(int(first[w]) + 1)
    return min(cov, 1.0), min(cov_reused, 1.0), frozenset(hit)


def reference_score_pairs(
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
        sa, sb = sent.rows(i), sent.rows(j)
        cov_ab, reused_ab, hit_b = _coverage(sa, sb, cfg)
        cov_ba, reused_ba, hit_a = _coverage(sb, sa, cfg)
        row: dict[str, float] = {
            "minhash_jaccard": float(np.mean(sigs[i] == sigs[j])) if sigs.shape[1] else 0.0,
            "jaccard": inter / union if union else 0.0,
            "containment_a_in_b": inter / a.size if a.size else 0.0,
            "containment_b_in_a": inter / b.size if b.size else 0.0,
            "tfidf_cosine": float(min(1.0, x[i].multiply(x[j]).sum())) if x.shape[1] else 0.0,
            "coverage_a_in_b": cov_ab,
            "coverage_b_in_a": cov_ba,
        }
        reused = {"reused_a_in_b": reused_ab, "reused_b_in_a": reused_ba}
        min_words = min(nwords[i], nwords[j])
        short = (
            min_words < cfg.short_body_words
            and bool(inputs.titles[i].strip())
            and bool(inputs.titles[j].strip())
            and _title_jaccard(inputs.titles[i], inputs.titles[j]) < cfg.short_title_jaccard
        )
        rel = decide_relation(
            {**row, **reused},
            digests[i] == digests[j] and nwords[i] > 0,
            short,
            cfg,
            min_words,
            figures_disagree(figs[i], figs[j], cfg),
            _later(inputs.times, i, j, cfg.rewrite_order_hours),
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
