"""Stock wording: sentences a batch repeats in other stories on many different days.

Templated reports (a central bank's daily operations, a money market's shortage, a round-up
of the day's trade) are written from stock sentences, reworded a little each day and filled
in with the day's figures, which often repeat. Two such reports retell each other's
sentences, so the sentence coverage would call one a rewrite of the other although they
tell different stories.

A sentence is *stock* when it is retold (the scorer's sentence hits over the candidate
pairs) by articles that the scorer already judged other stories (``related``: other
figures, other names in the title, too far apart in time, or too little in common)
published on at least ``stock_days`` calendar days other than its own article's day. Days
are counted, not matches, and only other stories count: a wire story republished or
rewritten by many outlets gives its versions, not related reports, and is told on one or
two days however many copies there are, so its sentences stay its own. Articles without a
publication time add no day, so a batch without times has no stock sentences.

:func:`discount_stock` gives stock sentences no weight in the coverage scores (neither to
be found nor found) and scores again the pairs called ``rewrite`` whose articles have any:
two reports that share only stock sentences and figures are then ``related``. The story
pass and the description of the clusters use the same weights.

Stock wording needs other days; reports of one template on one day (a market's opening and
closing reports, a day's money-market notices) are told apart by :func:`separate_templates`:
a sentence of each filled in with other figures (:attr:`dedup.score.ScoredPairs.conflicts`), or,
under other titles, ledes that retell nothing of each other (:func:`ledes_apart`) or ledes
retold in each other that name other subjects (:func:`lede_names_apart`).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from dedup.config import ScoreConfig
from dedup.score import (
    PairHits,
    ScoredPairs,
    ScoringInputs,
    _name_found,
    name_counts_of,
    score_pairs,
    title_names,
    titles_apart,
)
from dedup.textnorm import SentenceTable, tokenize

_DAY_SECONDS = 86_400.0


def stock_sentences(
    hits: Mapping[tuple[int, int], tuple[frozenset[int], frozenset[int]]],
    times: np.ndarray | None,
    min_days: int,
    apart: Collection[tuple[int, int]] | None = None,
) -> dict[int, frozenset[int]]:
    """Per article row, the positions of its stock sentences: those retold (``hits``, as
    :attr:`dedup.score.ScoredPairs.hits` gives them) by articles published on at least
    ``min_days`` calendar days (UTC) other than the sentence's own article's day. With
    ``apart`` (pairs ``(i, j)``, ``i < j``), only those partners count: articles already
    judged other stories. Empty when ``times`` is None or ``min_days`` is 0."""
    if times is None or min_days <= 0:
        return {}
    days = np.floor(np.asarray(times, dtype=np.float64) / _DAY_SECONDS)
    seen: dict[tuple[int, int], set[float]] = {}
    # (the result does not depend on the pairs' order: only the partners asked about)
    asked = (
        hits.items() if apart is None else ((k, h) for k in apart if (h := hits.get(k)) is not None)
    )
    for (i, j), (hit_j, hit_i) in asked:
        for row, other, sents in ((j, i, hit_j), (i, j, hit_i)):
            day = float(days[other])
            if np.isnan(day) or np.isnan(days[row]) or day == days[row]:
                continue
            for k in sents:
                seen.setdefault((row, k), set()).add(day)
    out: dict[int, set[int]] = {}
    for (row, k), ds in seen.items():
        if len(ds) >= min_days:
            out.setdefault(row, set()).add(k)
    return {row: frozenset(ks) for row, ks in sorted(out.items())}


def discount_stock(scored: ScoredPairs, inputs: ScoringInputs, cfg: ScoreConfig) -> ScoredPairs:
    """``scored`` with stock sentences (:func:`stock_sentences` of ``cfg.stock_days``, the
    partners judged ``related``) given no weight: the ``rewrite`` pairs with an article that
    has any are scored again on the same sentence statistics, and the returned sentence
    index carries the new weights for later passes (story pass, cluster description)."""
    index = scored.sentence_index
    table = scored.table
    other = table["relation"].to_numpy() == "related"
    apart = set(zip(table["i"][other].tolist(), table["j"][other].tolist(), strict=True))
    stock = stock_sentences(scored.hits, inputs.times, cfg.stock_days, apart)
    if index is None or not stock:
        return scored
    weights = index.weights.copy()
    for row, ks in stock.items():
        start = index.offsets[row][0]
        weights[[start + k for k in sorted(ks)]] = 0.0
    discounted = copy.copy(index)
    discounted.weights = weights
    has = np.zeros(len(inputs.ids), dtype=bool)
    has[list(stock)] = True
    ii = table["i"].to_numpy(dtype=np.int64)
    jj = table["j"].to_numpy(dtype=np.int64)
    again = np.c_[ii, jj][(table["relation"].to_numpy() == "rewrite") & (has[ii] | has[jj])]
    rescored = score_pairs(again, inputs, cfg, sentence_index=discounted)
    redone = {(int(i), int(j)) for i, j in again.tolist()}
    keep = [(int(i), int(j)) not in redone for i, j in zip(table["i"], table["j"], strict=True)]
    parts = [frame for frame in (table[keep], rescored.table) if len(frame)]
    merged = pd.concat(parts, ignore_index=True) if parts else table.iloc[:0]
    merged = merged.sort_values(["i", "j"], kind="stable").reset_index(drop=True)
    hits = PairHits.of(scored.hits).without(redone).then(PairHits.of(rescored.hits))
    conflicts = None
    if scored.conflicts is not None and rescored.conflicts is not None:
        kept = {key for key in scored.conflicts if key not in redone}
        conflicts = frozenset(kept | rescored.conflicts)
    return ScoredPairs(merged, hits, discounted, conflicts, scored.conflict_match)


def ledes_apart(
    inputs: ScoringInputs,
    hits: Mapping[tuple[int, int], tuple[frozenset[int], frozenset[int]]],
    pairs: np.ndarray,
    cfg: ScoreConfig,
) -> np.ndarray:
    """For each pair ``(i, j)`` of rows: the two carry other titles (both given, word
    Jaccard below ``short_title_jaccard`` as :func:`dedup.score.titles_apart` has it), were
    published on one calendar day (UTC; or a time is unknown: reports of other days are the
    stock pass's) and neither text's lede (:func:`_lede`) retells any sentence of the other
    (is among the matched sentences of ``hits``, as :attr:`dedup.score.ScoredPairs.hits`
    gives them). A version under a new headline still retells the news its lede tells; a
    market's opening and closing reports, or two stories that share a background paragraph,
    open with other news.

    Days and ledes are worked out once per article; a pair of one day costs the title
    check and a look-up of its hits."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    out = np.zeros(len(pairs), dtype=bool)
    if not len(pairs):
        return out
    rows, inv = np.unique(pairs, return_inverse=True)
    ia, ib = inv.reshape(-1, 2).T
    rs = rows.tolist()
    apart = np.ones(len(pairs), dtype=bool)
    if inputs.times is not None:
        day = np.floor(np.asarray(inputs.times, dtype=np.float64)[rows] / _DAY_SECONDS)
        da, db = day[ia], day[ib]
        apart &= (da == db) | np.isnan(da) | np.isnan(db)
    n_sent = _sentence_counts(inputs.sentences, rows)
    apart &= (n_sent[ia] > 0) & (n_sent[ib] > 0)
    lede = np.array([_lede(inputs.sentences[r]) for r in rs], dtype=np.int64)
    none: tuple[frozenset[int], frozenset[int]] = (frozenset(), frozenset())
    titles = inputs.titles
    for k in np.flatnonzero(apart).tolist():
        i, j = int(pairs[k, 0]), int(pairs[k, 1])
        if not titles_apart(titles[i], titles[j], cfg.short_title_jaccard):
            continue
        hit_j, hit_i = hits.get((i, j), none)
        out[k] = int(lede[ia[k]]) not in hit_i and int(lede[ib[k]]) not in hit_j
    return out


def _sentence_counts(sentences: Sequence[Sequence[str]], rows: np.ndarray) -> np.ndarray:
    """The number of sentences of each of ``rows`` (int64): from a
    :class:`~dedup.textnorm.SentenceTable`'s offsets without making the sentences."""
    rows = np.asarray(rows, dtype=np.int64)
    if isinstance(sentences, SentenceTable):
        counts: np.ndarray = np.diff(sentences.offsets)[rows]
        return counts
    return np.array([len(sentences[r]) for r in rows.tolist()], dtype=np.int64)


def lede_names_apart(
    inputs: ScoringInputs,
    hits: Mapping[tuple[int, int], tuple[frozenset[int], frozenset[int]]],
    pairs: np.ndarray,
    cfg: ScoreConfig,
) -> np.ndarray:
    """For each pair ``(i, j)`` of rows: the two carry other titles (as in
    :func:`ledes_apart`), each text's lede (:func:`_lede`) is retold in the other (among the
    matched sentences of ``hits``), and each lede has at least ``cfg.lede_names_missing``
    of its names (by weight) missing from the other lede. The names of a lede are found as
    :func:`dedup.score.title_names` finds a title's: words the batch's texts write
    capitalised more often than in lower case, and capitalised inside a sentence, weighted
    by their rarity.

    One template sentence filled in for two subjects (two banks raising a rate to the same
    figure, two companies' offerings) is retold in each other's text, figures and all, but
    each names its own subject; a re-headlined re-send or a rewrite retells its lede naming
    the same subject. All False when ``cfg.lede_names_missing`` is 0.

    The ledes' names are worked out once, for the ledes of the pairs that pass the title
    and retelling checks, with the batch's case counts that the title check uses
    (:func:`dedup.score.name_counts_of`, made once a batch)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    out = np.zeros(len(pairs), dtype=bool)
    if not len(pairs) or cfg.lede_names_missing <= 0:
        return out
    none: tuple[frozenset[int], frozenset[int]] = (frozenset(), frozenset())
    titles, sents = inputs.titles, inputs.sentences
    rows, inv = np.unique(pairs, return_inverse=True)
    ia, ib = inv.reshape(-1, 2).T
    n_sent = _sentence_counts(sents, rows)
    lede: dict[int, int] = {}
    ask: list[int] = []
    for k in np.flatnonzero((n_sent[ia] > 0) & (n_sent[ib] > 0)).tolist():
        i, j = int(pairs[k, 0]), int(pairs[k, 1])
        if not titles_apart(titles[i], titles[j], cfg.short_title_jaccard):
            continue
        for r in (i, j):
            if r not in lede:
                lede[r] = _lede(sents[r])
        hit_j, hit_i = hits.get((i, j), none)
        if lede[i] in hit_i and lede[j] in hit_j:
            ask.append(k)
    if not ask:
        return out
    # the names of the ledes asked about, with the case counts of the whole batch
    texts = [""] * len(sents)
    for r, at in lede.items():
        texts[r] = sents[r][at]
    names = title_names(texts, sents, name_counts_of(inputs, cfg.n_jobs))

    def missing(row: int, words: set[str]) -> float:  # of ``row``'s names, not in ``words``
        own = names.names[row]
        total = math.fsum(names.weight[x] for x in own)
        gone = math.fsum(names.weight[x] for x in own if not _name_found(x, words))
        return gone / total if total > 0 else 0.0

    bar = cfg.lede_names_missing
    for k in ask:  # (each lede's words made when its pair is looked at, not held for all)
        i, j = int(pairs[k, 0]), int(pairs[k, 1])
        out[k] = (
            missing(i, set(tokenize(texts[j]))) >= bar
            and missing(j, set(tokenize(texts[i]))) >= bar
        )
    return out


_SENTENCE_END = (".", "!", "?", '"', "'", "\u201d", "\u2019")


def _lede(sentences: Sequence[str]) -> int:
    """Position of a text's lede: its first sentence that ends as a sentence does (a
    heading, kicker or byline line left before it has no closing stop), else the first."""
    for k, sent in enumerate(sentences):
        if sent.rstrip().endswith(_SENTENCE_END):
            return k
    return 0


def separate_templates(scored: ScoredPairs, inputs: ScoringInputs, cfg: ScoreConfig) -> ScoredPairs:
    """``scored`` with the ``partial_copy`` and ``rewrite`` pairs that are other reports
    told from one template, or other stories sharing some wording, made ``related`` (or
    dropped below ``related_cosine``): texts that fill one sentence of a template with
    other figures (:attr:`ScoredPairs.conflicts` at ``cfg.conflict_match``; 0 = off), texts
    under other titles whose ledes are not retold in each other (:func:`ledes_apart`, when
    ``cfg.lede_check``), and texts under other titles whose ledes, retold in each other,
    name other subjects (:func:`lede_names_apart`, ``cfg.lede_names_missing``; 0 = off). A
    near copy keeps its relation."""
    index = scored.sentence_index
    table = scored.table
    if index is None or not len(table):
        return scored
    rel = table["relation"].to_numpy()
    ii = table["i"].to_numpy(dtype=np.int64)
    jj = table["j"].to_numpy(dtype=np.int64)
    look = np.flatnonzero((rel == "partial_copy") | (rel == "rewrite"))
    retold = np.minimum(
        table["coverage_a_in_b"].to_numpy(dtype=np.float64),
        table["coverage_b_in_a"].to_numpy(dtype=np.float64),
    )
    apart = np.zeros(len(table), dtype=bool)
    if cfg.lede_check:
        ask = look[retold[look] < cfg.retell_coverage]
        apart[ask] = ledes_apart(inputs, scored.hits, np.c_[ii[ask], jj[ask]], cfg)
    if cfg.lede_names_missing > 0:
        ask = look[~apart[look]]
        apart[ask] = lede_names_apart(inputs, scored.hits, np.c_[ii[ask], jj[ask]], cfg)
    if cfg.conflict_match > 0:
        ask = look[~apart[look]]
        found = scored.conflicts
        if found is not None and scored.conflict_match == cfg.conflict_match:
            # measured with the coverage
            pairs = zip(ii[ask].tolist(), jj[ask].tolist(), strict=True)
            apart[ask] = [pair in found for pair in pairs]
        else:  # scored without them, or at another bar: measured again with the index
            ij = np.c_[ii[ask], jj[ask]]
            again = score_pairs(ij, inputs, cfg, keep_unrelated=True, sentence_index=index)
            measured = again.conflicts or frozenset()
            apart[ask] = [(int(i), int(j)) in measured for i, j in ij.tolist()]
    hit = np.flatnonzero(apart).tolist()
    if not hit:
        return scored
    new = rel.astype(object).copy()
    cos = table["tfidf_cosine"].to_numpy(dtype=np.float64)
    new[hit] = np.where(cos[hit] >= cfg.related_cosine, "related", "")
    out = table.copy()
    out["relation"] = new
    keep = out["relation"].to_numpy() != ""
    out = out[keep].reset_index(drop=True)
    gone = {(int(ii[k]), int(jj[k])) for k in hit if not keep[k]}
    hits = PairHits.of(scored.hits).without(gone)
    conflicts = None if scored.conflicts is None else scored.conflicts - gone
    return ScoredPairs(out, hits, index, conflicts, scored.conflict_match)
