"""The teaser pass as it was before it worked from token codes: each lede re-tokenised,
windows keyed by their sentence strings. Kept as the reference the fast pass in
:mod:`dedup.teaser` is checked against (``tests/test_teaser.py``); not used by the package.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import scipy.sparse as sp

from dedup.config import ClusterConfig, ScoreConfig
from dedup.score import _quoted_shares_many, figures, figures_disagree, titles_apart
from dedup.textnorm import TokenTable, tokenize

TEASER_MIN_SENTENCE_WORDS = 10
"""Words a sentence of the short text needs to count as evidence: a headline-sized line
of common words says too little."""
TEASER_PAIR_SHARE = 0.6
"""Share of the sentence's word pairs (adjacent words) that must also be adjacent in the
lede: the same words in the same order, not the same names in another telling."""
TEASER_TOLD = 0.5
"""Share of the short text's sentence words (in sentences of at least
:data:`TEASER_MIN_SENTENCE_WORDS`) that its matched sentences must hold: a teaser is its
headline and lede, not a report of its own that opens with another's template line."""
_QUOTED = 0.5
_CHUNK = 1024


def _lede(sentences: Sequence[str], words: int) -> list[str]:
    """The sentences that start within the first ``words`` words of a text."""
    out: list[str] = []
    seen = 0
    for s in sentences:
        if seen >= words:
            break
        out.append(s)
        seen += len(tokenize(s))
    return out


def teaser_matches(
    sentences: Sequence[Sequence[str]],
    tokens: Sequence[Sequence[str]],
    n_words: np.ndarray,
    times: np.ndarray,
    titles: Sequence[str],
    cfg: ClusterConfig,
    score: ScoreConfig,
    window_days: float,
) -> list[tuple[int, int, float]]:
    """``(short, long, share)`` for each short text and each longer text whose lede holds
    one of its sentences, when that share (rarity-weighted words of the sentence found in
    one lede sentence or two adjacent ones; the best of its sentences) reaches ``match``
    and most of the sentence's adjacent word pairs are there too, and the sentences so
    found hold at least half of the short text's sentence words; sorted.

    ``tokens`` are each text's words (:func:`dedup.textnorm.tokenize` of its body). A short
    text has at most ``teaser_words`` words; a longer one at least twice its words,
    published within ``window_days`` of it (or either time unknown). Rarity: the inverse
    document frequency over the batch; words on more than half of the texts (of a batch of
    at least 20) weigh nothing.
    As for rewrites, a short text published at least ``rewrite_order_hours`` before the
    longer one is not its teaser (a wire snap whose facts reappear in a later report of
    its own). Other reports of one template are left out as the scorer leaves them out: both titles
    given and their word Jaccard below ``short_title_jaccard``, or the texts' figures
    disagreeing (:func:`dedup.score.figures_disagree`).
    """
    teaser_words, match = cfg.teaser_words, cfg.teaser_match
    order = score.rewrite_order_hours * 3600.0
    n = len(sentences)
    if not teaser_words or n < 2:
        return []
    short = [r for r in range(n) if 0 < n_words[r] <= teaser_words]
    if not short:
        return []
    # Evidence sentences of the short texts.
    ev_rows: list[int] = []
    ev_tokens: list[set[str]] = []
    ev_sents: list[str] = []  # word pairs made only for the sentences that match a lede
    ev_figures: list[frozenset[str]] = []
    quoted = _quoted_shares_many([sentences[r] for r in short])
    ev_words: list[int] = []
    told: dict[int, int] = defaultdict(int)  # words in sentences of each short text
    k = 0
    for r in short:
        for s in sentences[r]:
            toks = tokenize(s)
            if len(toks) >= TEASER_MIN_SENTENCE_WORDS:
                told[r] += len(toks)
            if len(toks) >= TEASER_MIN_SENTENCE_WORDS and quoted[k] < _QUOTED:
                ev_rows.append(r)
                ev_words.append(len(toks))
                ev_tokens.append(set(toks))
                ev_sents.append(s)
                ev_figures.append(figures([s]))
            k += 1
    if not ev_rows:
        return []
    vocab = {w: c for c, w in enumerate(sorted(set().union(*ev_tokens)))}
    # Document frequency of the evidence words over the batch, and each text's lede as
    # windows of one or two sentences; syndicated copies share their lede, so each distinct
    # window is one row, with the texts that have it.
    win_rows = array("i")  # compact: a window's entries, 4 bytes each
    win_cols = array("i")
    win_sents: list[tuple[str, ...]] = []
    win_id: dict[tuple[str, ...], int] = {}
    members: list[list[int]] = []  # the texts of each distinct window
    df = _document_frequency(tokens, vocab)
    for r in range(n):
        if n_words[r] < 2 * TEASER_MIN_SENTENCE_WORDS:
            continue
        lede = _lede(sentences[r], teaser_words)
        words: list[set[int]] | None = None  # made only when the text has a new window
        for k in range(len(lede)):
            for span in (1, 2):
                if k + span > len(lede):
                    continue
                key = tuple(lede[k : k + span])
                w = win_id.get(key)
                if w is None:
                    if words is None:
                        words = [{vocab[t] for t in tokenize(x) if t in vocab} for x in lede]
                    w = win_id[key] = len(win_sents)
                    cols = words[k] if span == 1 else words[k] | words[k + 1]
                    win_rows.extend([w] * len(cols))
                    win_cols.extend(cols)
                    win_sents.append(key)
                    members.append([])
                if not members[w] or members[w][-1] != r:
                    members[w].append(r)
    if not win_sents:
        return []
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    if n >= 20:  # as the TF-IDF of the candidates stage: small batches prune nothing
        idf[df > 0.5 * n] = 0.0
    ledes = sp.csr_matrix(
        (
            np.ones(len(win_rows)),
            (np.frombuffer(win_rows, dtype=np.int32), np.frombuffer(win_cols, dtype=np.int32)),
        ),
        shape=(len(win_sents), len(vocab)),
    )
    ev = _weighted_rows([[vocab[w] for w in toks] for toks in ev_tokens], idf, len(vocab))
    del ev_tokens
    ev_pairs: dict[int, set[tuple[str, str]]] = {}
    weight = np.asarray(ev.sum(axis=1)).ravel()
    probe = _prefix_rows(ev, 1.0 - match)
    ledes_t = ledes.T.tocsr()
    best: dict[tuple[int, int], float] = {}
    found_in: dict[tuple[int, int], set[int]] = defaultdict(set)
    gap = window_days * 86400.0
    figs: dict[int, frozenset[str]] = {}
    ev_text = np.asarray(ev_rows, dtype=np.int64)
    n_members = np.array([len(m) for m in members], dtype=np.int64)
    member_at = np.zeros(n_members.size + 1, dtype=np.int64)
    np.cumsum(n_members, out=member_at[1:])
    member_of = np.fromiter(
        (t for m in members for t in m), dtype=np.int64, count=int(member_at[-1])
    )
    for start in range(0, ev.shape[0], _CHUNK):
        stop = min(ev.shape[0], start + _CHUNK)
        hit = (probe[start:stop] @ ledes_t).tocoo()
        xs = hit.row.astype(np.int64) + start
        ws = hit.col.astype(np.int64)
        share = np.asarray(ev[xs].multiply(ledes[ws]).sum(axis=1)).ravel() / weight[xs]
        keep = share >= match
        xs, ws, share = xs[keep], ws[keep], share[keep]
        # Each window stands for the texts that have it.
        cnt = n_members[ws]
        total = int(cnt.sum())
        within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        ps = member_of[np.repeat(member_at[ws], cnt) + within]
        xs, ws, share = np.repeat(xs, cnt), np.repeat(ws, cnt), np.repeat(share, cnt)
        rs = ev_text[xs]
        # A longer text published near the short one and not long after it (NaN gaps
        # compare False: kept).
        after = times[ps] - times[rs]
        keep = (ps != rs) & (n_words[ps] >= 2 * n_words[rs]) & ~(np.abs(after) > gap)
        if order:
            keep &= ~(after >= order)
        for x, w, p, v in zip(
            xs[keep].tolist(),
            ws[keep].tolist(),
            ps[keep].tolist(),
            share[keep].tolist(),
            strict=True,
        ):
            r = ev_rows[x]
            if not ev_figures[x] <= figures(win_sents[w]):
                continue
            if titles_apart(titles[r], titles[p], score.short_title_jaccard):
                continue
            if r not in figs:
                figs[r] = figures(sentences[r])
            if p not in figs:
                figs[p] = figures(sentences[p])
            if figures_disagree(figs[r], figs[p], score):
                continue
            toks = [t for s in win_sents[w] for t in tokenize(s)]
            if x not in ev_pairs:
                ev_pairs[x] = set(pairwise(tokenize(ev_sents[x])))
            in_order = ev_pairs[x] & set(pairwise(toks))
            if len(in_order) < TEASER_PAIR_SHARE * len(ev_pairs[x]):
                continue
            best[(r, p)] = max(v, best.get((r, p), 0.0))
            found_in[(r, p)].add(x)
    return [
        (r, p, share)
        for (r, p), share in sorted(best.items())
        if sum(ev_words[x] for x in found_in[(r, p)]) >= TEASER_TOLD * told[r]
    ]


_DF_ROWS = 20_000


def _document_frequency(tokens: Sequence[Sequence[str]], vocab: dict[str, int]) -> np.ndarray:
    """How many texts hold each word of ``vocab`` (float64, by vocab number)."""
    if isinstance(tokens, TokenTable):
        col = np.fromiter(
            (vocab.get(w, -1) for w in tokens.vocab.tolist()),
            dtype=np.int64,
            count=len(tokens.vocab),
        )
        counts = np.zeros(len(vocab), dtype=np.int64)
        for start in range(0, len(tokens), _DF_ROWS):  # a slice of texts at a time
            stop = min(len(tokens), start + _DF_ROWS)
            cols = col[tokens.codes[tokens.offsets[start] : tokens.offsets[stop]]]
            rows = np.repeat(np.arange(stop - start, dtype=np.int64), tokens.lengths[start:stop])
            keep = cols >= 0
            cells = np.sort(rows[keep] * len(vocab) + cols[keep])
            first = np.ones(cells.size, dtype=bool)  # one count per text and word
            first[1:] = cells[1:] != cells[:-1]
            counts += np.bincount(cells[first] % len(vocab), minlength=len(vocab))
        return counts.astype(np.float64)
    df = np.zeros(len(vocab), dtype=np.float64)
    for toks in tokens:
        df[[vocab[w] for w in set(toks) if w in vocab]] += 1.0
    return df


def _weighted_rows(
    rows: Sequence[Sequence[int]], weights: np.ndarray, n_cols: int
) -> sp.csr_matrix:
    """One row per list of distinct columns, each entry the column's weight."""
    indptr = np.r_[0, np.cumsum([len(r) for r in rows])]
    cols = np.fromiter((c for r in rows for c in r), dtype=np.int64, count=int(indptr[-1]))
    out = sp.csr_matrix((weights[cols], cols, indptr), shape=(len(rows), n_cols))
    out.eliminate_zeros()
    out.sort_indices()
    return out


def _prefix_rows(x: sp.csr_matrix, slack: float) -> sp.csr_matrix:
    """Per row, ones at its heaviest entries whose weight exceeds ``slack`` of the row's
    total: a row holding none of them holds at most ``1 - slack`` of the weight, so the
    product with these rows finds every pair that can reach the bar."""
    rows: list[int] = []
    cols: list[int] = []
    for i in range(x.shape[0]):
        lo, hi = x.indptr[i], x.indptr[i + 1]
        w = x.data[lo:hi]
        if w.size == 0:
            continue
        order = np.lexsort((x.indices[lo:hi], -w))
        need = slack * float(w.sum())
        k = int(np.searchsorted(np.cumsum(w[order]), need, side="right")) + 1
        rows.extend([i] * min(k, w.size))
        cols.extend(x.indices[lo:hi][order[:k]].tolist())
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=x.shape)
