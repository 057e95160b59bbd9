"""The straightforward per-pair scorer that :func:`dedup.score.score_pairs` replaced: one
pair at a time, each direction's sentence coverage with :func:`_coverage` (sentence x
window products for one pair, windows built per article by :func:`dedup.score._windows`).
The batched scorer must give the same relations, hits and scores. The sentence similarity
itself (:func:`dedup.score._match_scores`, :func:`dedup.score._number_agreement`) is shared:
what is checked here is the batching, not the similarity. :func:`reference_bigram_matrix`
is the per-token builder of the sentence x bigram matrix that the vectorised
:func:`dedup.score._bigram_matrix` replaced; the two must give equal matrices.
:func:`reference_quoted_shares` is the quoted-speech share one article at a time;
:func:`reference_title_names` finds title names sentence by sentence.
:func:`reference_figure_conflict` and :func:`reference_ledes_apart` are the per-pair checks
of the template pass that the scorer's coverage blocks (``ScoredPairs.conflicts``) and
:func:`dedup.stock.ledes_apart` do for many pairs at once. :func:`article_facts` and
:func:`pair_relation` (with :func:`reference_decide_relation`) are the per-article facts and
per-pair relation rules that :func:`dedup.score.pair_relations` and
:func:`dedup.score.shingle_overlaps` work out for all pairs at once."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from dedup.config import ScoreConfig
from dedup.score import (
    _COMMON_MIN,
    _COMMON_SHARE,
    _FIGURE_RE,
    _SENTENCE_JOIN,
    PAIR_COLUMNS,
    QUOTE_WEIGHT,
    NameCounts,
    ScoredPairs,
    ScoringInputs,
    TitleNames,
    _days_apart,
    _match_scores,
    _number_agreement,
    _other_figures,
    _SentenceIndex,
    _Sentences,
    _stem,
    _table_shingle_sets,
    _title_jaccard,
    _windows,
    body_digest,
    shingle_overlap,
    shingle_sets,
    title_names_apart,
    title_names_same,
    titles_apart,
)
from dedup.stock import _DAY_SECONDS, _lede
from dedup.textnorm import TokenTable, tokenize

REFERENCE_CAP_RE = re.compile(r"\b[A-Z]\w*")
REFERENCE_INNER_CAP_RE = re.compile(r"(?<=[^.!?] )[A-Z]\w*")
REFERENCE_LOWER_RE = re.compile(r"\b[a-z]\w*")
"""The searches of :func:`reference_title_names`, written plainly (the scorer's look back
from the capital)."""


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
    facts = article_facts(inputs, rows)
    sent = _SentenceIndex(inputs.sentences, rows)
    sigs = inputs.signatures
    x = inputs.tfidf
    records: list[dict[str, object]] = []
    hits: dict[tuple[int, int], tuple[frozenset[int], frozenset[int]]] = {}
    for n_done, (i, j) in enumerate(pairs.tolist(), start=1):
        sa, sb = sent.rows(i), sent.rows(j)
        cov_ab, reused_ab, hit_b = _coverage(sa, sb, cfg)
        cov_ba, reused_ba, hit_a = _coverage(sb, sa, cfg)
        row: dict[str, float] = {
            "minhash_jaccard": float(np.mean(sigs[i] == sigs[j])) if sigs.shape[1] else 0.0,
            **shingle_overlap(facts.sets[i], facts.sets[j]),
            "tfidf_cosine": float(min(1.0, x[i].multiply(x[j]).sum())) if x.shape[1] else 0.0,
            "coverage_a_in_b": cov_ab,
            "coverage_b_in_a": cov_ba,
        }
        reused = {"reused_a_in_b": reused_ab, "reused_b_in_a": reused_ba}
        rel = pair_relation(inputs, facts, i, j, {**row, **reused}, cfg)
        if rel or keep_unrelated:
            records.append({"i": i, "j": j, "relation": rel or "unrelated", **row})
            hits[(i, j)] = (hit_b, hit_a)
        if progress is not None and n_done % 256 == 0:
            progress(256)
    if progress is not None:
        progress(len(pairs) % 256)
    table = pd.DataFrame.from_records(records, columns=cols)
    return ScoredPairs(table, hits)


def reference_decide_relation(
    row: dict[str, float],
    same_body: bool,
    short_template: bool,
    cfg: ScoreConfig,
    min_words: int,
    other_figures: bool = False,
    later: str = "",
) -> str:
    """The relation of one scored pair ("" when below every bar), decided one pair at a time:
    what :func:`dedup.score.decide_relations` does for many pairs at once.

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

    sets: dict[int, np.ndarray]  # shingle sets (:func:`shingle_sets`)
    digests: dict[int, str]  # body digests (:func:`body_digest`)
    nwords: dict[int, int]
    figures: dict[int, frozenset[str]]


def article_facts(inputs: ScoringInputs, rows: np.ndarray) -> ArticleFacts:
    """Shingle sets, digests, word counts and figures of ``rows``."""
    rs = rows.tolist()
    tokens = inputs.tokens
    if isinstance(tokens, TokenTable):
        sets = _table_shingle_sets(tokens, rs, inputs.shingle_size)
        nwords = dict(zip(rs, tokens.lengths[rows].tolist(), strict=True))
    else:
        sets = shingle_sets([tokens[r] for r in rs], inputs.shingle_size)
        nwords = {r: len(tokens[r]) for r in rs}
    return ArticleFacts(
        sets=dict(zip(rs, sets, strict=True)),
        digests={r: body_digest(tokens[r]) for r in rs},
        nwords=nwords,
        figures={r: reference_figures(inputs.sentences[r]) for r in rs},
    )


def pair_relation(
    inputs: ScoringInputs,
    facts: ArticleFacts,
    i: int,
    j: int,
    row: dict[str, float],
    cfg: ScoreConfig,
) -> str:
    """The relation of rows ``i`` and ``j`` from their scores (``row``, with the reused
    coverage each way) and their article facts: :func:`reference_decide_relation` with the
    short-template (a copy under titles naming one subject excepted), figures and time-order
    checks worked out; a partial copy or rewrite
    whose titles name different subjects (:func:`title_names_apart`), or published more
    than ``version_days`` after the other text, is only related."""
    min_words = min(facts.nwords[i], facts.nwords[j])
    short = (
        min_words < cfg.short_body_words
        and bool(inputs.titles[i].strip())
        and bool(inputs.titles[j].strip())
        and _title_jaccard(inputs.titles[i], inputs.titles[j]) < cfg.short_title_jaccard
    )
    same_body = facts.digests[i] == facts.digests[j] and facts.nwords[i] > 0
    if short and (same_body or row["jaccard"] >= cfg.near_copy_jaccard):
        short = not title_names_same(inputs, i, j, cfg)  # a copy re-sent under a new title
    rel = reference_decide_relation(
        row,
        same_body,
        short,
        cfg,
        min_words,
        _other_figures(inputs, i, j, facts.figures[i], facts.figures[j], cfg),
        _later(inputs.times, i, j, cfg.rewrite_order_hours),
    )
    if rel in ("partial_copy", "rewrite") and (
        title_names_apart(inputs, i, j, cfg) or _days_apart(inputs.times, i, j, cfg.version_days)
    ):
        return "related" if row["tfidf_cosine"] >= cfg.related_cosine else ""
    return rel


def reference_figures(sentences: Sequence[str]) -> frozenset[str]:
    """The figures of an article searched sentence by sentence (:func:`dedup.score.figures`
    searches them joined)."""
    return frozenset(m for s in sentences for m in _FIGURE_RE.findall(s))


def reference_bigram_matrix(sentences: list[str]) -> sp.csr_matrix:
    """Binary sentence x word-bigram matrix (stemmed words), without the bigrams made of two
    common words of the batch: the shared phrasing that textual reuse leaves behind."""
    if not sentences:
        return sp.csr_matrix((0, 1), dtype=np.float32)
    toks = [[_stem(t) for t in tokenize(s)] for s in sentences]
    df: dict[str, int] = {}
    for ts in toks:
        for t in set(ts):
            df[t] = df.get(t, 0) + 1
    need = max(_COMMON_MIN, _COMMON_SHARE * len(sentences))
    common = {t for t, c in df.items() if c >= need}
    docs = [
        [f"{a} {b}" for a, b in itertools.pairwise(ts) if a not in common or b not in common]
        for ts in toks
    ]
    vec = CountVectorizer(analyzer=lambda d: d, binary=True, dtype=np.float32)
    try:
        return sp.csr_matrix(vec.fit_transform(docs))
    except ValueError:  # no sentence has a bigram
        return sp.csr_matrix((len(sentences), 1), dtype=np.float32)


REFERENCE_QUOTE_RE = re.compile(
    r"``.*?''|\"[^\"\n]*\"|“[^”\n]*”|‘[^’\n]*’|(?<!\w)'[^'\n]*'(?!\w)"
    r"|«[^»\n]*»|„[^“”\n]*[“”]|「[^」\n]*」|『[^』\n]*』"
)
"""The quotation pattern as first written (the word check before the mark):
:data:`dedup.score._QUOTE_RE` must find the same quotations."""


def reference_quoted_shares(sentences: Sequence[str]) -> list[float]:
    """Share of each sentence's characters inside quotation marks, one article at a time (a
    quotation may run over several sentences of the text): what
    :func:`dedup.score._quoted_shares_many` does for many articles in one pass."""
    text = " ".join(sentences)
    inside = np.zeros(len(text) + 1, dtype=np.int64)
    for m in REFERENCE_QUOTE_RE.finditer(text):
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


def reference_title_names(titles: Sequence[str], sentences: Sequence[Sequence[str]]) -> TitleNames:
    """The names in each title, searched sentence by sentence with the three patterns of
    :func:`dedup.score.title_names` and counted word by word: what that function does with
    one search per text and per pattern and counts over the whole batch."""
    words = [{w for w in tokenize(t) if len(w) > 2 and not w.isdigit()} for t in titles]
    vocab: set[str] = set().union(*words) if words else set()
    cap: Counter[str] = Counter()
    low: Counter[str] = Counter()
    df: Counter[str] = Counter()
    inner: Counter[str] = Counter()
    for sents in sentences:
        caps = [w.lower() for s in sents for w in REFERENCE_CAP_RE.findall(s)]
        caps = [w for w in caps if w in vocab]
        cap.update(caps)
        df.update(set(caps))
        inner.update(
            w for s in sents for w in REFERENCE_INNER_CAP_RE.findall(s) if w.lower() in vocab
        )
        low.update(w for s in sents for w in REFERENCE_LOWER_RE.findall(s) if w in vocab)
    n = max(len(sentences), 1)
    inner_low = {w.lower() for w in inner}
    weight = {w: math.log(n / df[w]) for w, c in cap.items() if c > low[w] and w in inner_low}
    return TitleNames([frozenset(w for w in ws if w in weight) for ws in words], weight)


def reference_name_counts(sentences: Sequence[Sequence[str]]) -> NameCounts:
    """:func:`dedup.score.name_counts` one text at a time: each text's sentences joined by
    ``_SENTENCE_JOIN`` and searched with the three plain patterns, every word counted as
    found (capitalised words in order of first appearance)."""
    inner: set[str] = set()
    low: Counter[str] = Counter()
    acc: dict[str, list[int]] = {}
    for sents in sentences:
        text = _SENTENCE_JOIN.join(sents)
        inner.update(w.lower() for w in REFERENCE_INNER_CAP_RE.findall(text))
        low.update(REFERENCE_LOWER_RE.findall(text))
        here: set[str] = set()
        for w in REFERENCE_CAP_RE.findall(text):
            entry = acc.setdefault(w.lower(), [0, 0])
            entry[0] += 1
            if w.lower() not in here:
                entry[1] += 1
                here.add(w.lower())
    counts = {w: (c, d, low[w]) for w, (c, d) in acc.items() if w in inner}
    return NameCounts(counts, max(len(sentences), 1))


def reference_figure_conflict(index: _SentenceIndex, i: int, j: int, bar: float) -> bool:
    """Whether rows i and j have a sentence each of character n-gram cosine at least
    ``bar``, both with figures, and some figure of the one with fewer not found in the
    other: one pair's products."""
    a, b = index.rows(i), index.rows(j)
    if a.chars.shape[0] == 0 or b.chars.shape[0] == 0:
        return False
    na = np.asarray(a.numbers.sum(axis=1)).ravel()
    nb = np.asarray(b.numbers.sum(axis=1)).ravel()
    if not na.any() or not nb.any():
        return False
    ra, rb = np.flatnonzero(na), np.flatnonzero(nb)
    cos = (a.chars[ra] @ b.chars[rb].T).toarray()
    agree = _number_agreement(a.numbers[ra], b.numbers[rb])
    return bool(((cos >= bar) & (agree < 1.0)).any())


def reference_ledes_apart(
    inputs: ScoringInputs,
    hits: Mapping[tuple[int, int], tuple[frozenset[int], frozenset[int]]],
    i: int,
    j: int,
    cfg: ScoreConfig,
) -> bool:
    """Rows i and j under other titles, of one calendar day (or a time unknown), neither
    lede among the sentences the other's matched: one pair at a time."""
    if not titles_apart(inputs.titles[i], inputs.titles[j], cfg.short_title_jaccard):
        return False
    if inputs.times is not None:
        day_i, day_j = np.floor(inputs.times[[i, j]] / _DAY_SECONDS)
        if day_i != day_j and not (np.isnan(day_i) or np.isnan(day_j)):
            return False
    if not len(inputs.sentences[i]) or not len(inputs.sentences[j]):
        return False
    hit_j, hit_i = hits.get((i, j), (frozenset(), frozenset()))
    return _lede(inputs.sentences[i]) not in hit_i and _lede(inputs.sentences[j]) not in hit_j
