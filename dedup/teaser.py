"""Teasers: a short page (a headline and a first paragraph, a share-page stub, a snippet)
whose sentence retells the lede of a longer article published near it.

Such a page is too short, and often too wrapped in widget lines, for its TF-IDF vector to
find the story or for its shares of reused words to reach a version relation. It is found
here from the other side: a sentence of the short text whose words are nearly all in the
lede of a longer text (one sentence, or two adjacent ones, among the sentences that start within its first ``teaser_words`` words),
weighting each word by its rarity in the batch (names and rare words must agree; common
words weigh little), most of its adjacent word pairs in the same order, with every figure of the sentence found in that lede. A mostly quoted
sentence is no evidence: independent reports of one event quote the same statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from dedup.config import ClusterConfig, ScoreConfig
from dedup.parallel import fork_map
from dedup.score import _quoted_shares_rows, figures, figures_disagree, titles_apart
from dedup.textnorm import SentenceTable, TokenTable, count_tokens, number_strings

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
_HEAD_SHARE = 0.45
"""Weight share of the heaviest words of an evidence sentence looked up in the ledes:
more words find more windows, but leave less weight unseen, so fewer windows get their
share computed (0.45 is about the fastest on the synthetic 100k corpus)."""
_ROUNDING = 1e-9
_CHUNK = 8192
"""Evidence sentences met with their near windows at a time. Each slice gathers and
transposes the windows near its times, whatever its size, so larger slices pay that once
for more evidence (synthetic 100k: 47 s at 1,024, 23 s at 8,192, the same matches; traced
peak 747 -> 833 MB)."""
_PART_TEXTS = 131_072
"""Dated texts whose lede windows are made at a time (:func:`_time_parts`): a batch of up
to this many is one part; a larger one (a year of a large feed) is worked through a stretch
of its time line at a time, each stretch's windows made, met with its evidence and
dropped."""
_TIME_SLACK = 60.0
"""Seconds added to the time window when windows are picked for a slice of evidence
(rounding of the time differences never drops a window the exact test keeps)."""


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

    ``tokens`` are each text's words (:func:`dedup.textnorm.tokenize` of its body; a
    :class:`dedup.textnorm.TokenTable` is used as it is), and the body's sentences hold
    them in order, so each sentence is a run of the text's token codes: ledes, windows and
    evidence are slices of one code array, never tokenised again. A short
    text has at most ``teaser_words`` words; a longer one at least twice its words,
    published within ``window_days`` of it (or either time unknown). Rarity: the inverse
    document frequency over the batch; words on more than half of the texts (of a batch of
    at least 20) weigh nothing.
    As for rewrites, a short text published at least ``rewrite_order_hours`` before the
    longer one is not its teaser (a wire snap whose facts reappear in a later report of
    its own). Other reports of one template are left out as the scorer leaves them out: both titles
    given and their word Jaccard below ``short_title_jaccard``, or the texts' figures
    disagreeing (:func:`dedup.score.figures_disagree`).

    On a large batch the work is shared out to ``score.n_jobs`` forked worker processes
    (:func:`dedup.parallel.fork_map`): the parts of the time line side by side when there
    are several, else the one part's slices of evidence; the matches are the same.
    """
    teaser_words, match = cfg.teaser_words, cfg.teaser_match
    order = score.rewrite_order_hours * 3600.0
    n = len(sentences)
    if not teaser_words or n < 2:
        return []
    n_words = np.asarray(n_words)
    is_short = (n_words > 0) & (n_words <= teaser_words)
    short = np.flatnonzero(is_short)
    if not short.size:
        return []
    table = tokens if isinstance(tokens, TokenTable) else _token_table(tokens)
    sent = _sentence_spans(sentences, table)
    # Evidence sentences of the short texts: at least TEASER_MIN_SENTENCE_WORDS words, not
    # mostly quoted.
    short_sents = np.flatnonzero(is_short[sent.text])
    quoted = _quoted_shares_rows(sentences, short)
    counts = sent.length[short_sents]
    long_enough = counts >= TEASER_MIN_SENTENCE_WORDS
    told = np.zeros(n, dtype=np.int64)  # words in sentences of each short text
    np.add.at(told, sent.text[short_sents[long_enough]], counts[long_enough])
    ev = short_sents[long_enough & (quoted < _QUOTED)]
    if not ev.size:
        return []
    ev_rows = sent.text[ev]
    ev_words = sent.length[ev]
    # The evidence vocabulary, numbered in the order of its words (as strings).
    uniq = _distinct(_gather(table.codes, sent.start[ev], ev_words))
    by_word = np.argsort(table.vocab[uniq])
    col_of_code = np.full(len(table.vocab), -1, dtype=np.int64)
    col_of_code[uniq[by_word]] = np.arange(uniq.size, dtype=np.int64)
    n_cols = int(uniq.size)
    df = _document_frequency_codes(table, col_of_code, n_cols)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    if n >= 20:  # as the TF-IDF of the candidates stage: small batches prune nothing
        idf[df > 0.5 * n] = 0.0
    evm = _column_sets(table.codes, sent.start[ev], ev_words, col_of_code, n_cols, lambda k: idf[k])
    weight = np.asarray(evm.sum(axis=1)).ravel()
    # The heaviest words of each sentence holding more than 1 - match of its weight (and
    # at least _HEAD_SHARE): a window with none of them cannot reach the bar, and one whose
    # share of them falls short by more than the rest of the sentence cannot either.
    head = _prefix_rows(evm, max(1.0 - match, _HEAD_SHARE)).multiply(evm).tocsr()
    rest = weight - np.asarray(head.sum(axis=1)).ravel()
    best: dict[tuple[int, int], float] = {}
    found_in: dict[tuple[int, int], set[int]] = defaultdict(set)
    gap = window_days * 86400.0
    ev_words_l = ev_words.tolist()
    ev_first, ev_start = (ev - sent.first[ev_rows]).tolist(), sent.start[ev].tolist()
    # Evidence in order of its text's time, a slice at a time, against the windows that
    # have a text near that time: the same hits as against every window (a window whose
    # texts are all further than the gap from every text of the slice yields no match),
    # without a product over the whole batch. Unknown times meet every window. The
    # windows themselves are made for a part of the batch at a time (:func:`_time_parts`).
    ev_time = times[ev_rows]
    slack = gap + _TIME_SLACK
    work = _Evidence(
        sentences, table.codes, len(table.vocab), n_words, times, titles, score, match, gap,
        order, slack, head, evm, weight, rest, ev_rows, ev_time, ev_first, ev_start, ev_words_l,
    )  # fmt: skip
    windows = _WindowArgs(table.codes, sent, n_words, teaser_words, times, col_of_code, n_cols)
    parts = list(_time_parts(ev_time, times, slack, _PART_TEXTS))
    if len(parts) >= 2 and sum(rows.size for _, rows in parts) >= _PARALLEL_EVIDENCE:
        # parts side by side, each worker making its part's windows and meeting its slices
        found = fork_map(_part_hits, (work, windows), parts, score.n_jobs)
    else:  # the one part's windows made here, its slices shared out
        found = (_part_hits(work, windows, part, score.n_jobs) for part in parts)
    for hits in found:
        for r, p, v, x in hits:  # (max and union: the same in any order)
            best[(r, p)] = max(v, best.get((r, p), 0.0))
            found_in[(r, p)].add(x)
    return [
        (r, p, share)
        for (r, p), share in sorted(best.items())
        if sum(ev_words_l[x] for x in found_in[(r, p)]) >= TEASER_TOLD * told[r]
    ]


_PARALLEL_EVIDENCE = 2 * _CHUNK
"""Evidence sentences of one part worth starting worker processes for."""


class _Evidence(NamedTuple):
    """What :func:`_slice_hits` reads besides a part's lede windows: the batch, the settings
    and the evidence sentences (their word weights, text, time, first sentence, first token
    and words)."""

    sentences: Sequence[Sequence[str]]
    codes: np.ndarray
    n_codes: int
    n_words: np.ndarray
    times: np.ndarray
    titles: Sequence[str]
    score: ScoreConfig
    match: float
    gap: float
    order: float
    slack: float
    head: sp.csr_matrix
    evm: sp.csr_matrix
    weight: np.ndarray
    rest: np.ndarray
    ev_rows: np.ndarray
    ev_time: np.ndarray
    ev_first: list[int]
    ev_start: list[int]
    ev_words: list[int]


class _WindowArgs(NamedTuple):
    """What :meth:`_Ledes.of` reads besides the texts of a part."""

    codes: np.ndarray
    sent: _Spans
    n_words: np.ndarray
    words: int
    times: np.ndarray
    col_of_code: np.ndarray
    n_cols: int


def _part_hits(
    e: _Evidence, w: _WindowArgs, part: tuple[np.ndarray | None, np.ndarray], n_jobs: int = 1
) -> list[tuple[int, int, float, int]]:
    """:func:`_slice_hits` of every slice of a part's evidence (``part``: the texts whose
    windows are made, and the evidence, as :func:`_time_parts` gives them), the part's
    windows made first; the slices in ``n_jobs`` forked workers when there are enough."""
    with_text, part_rows = part
    ledes = _Ledes.of(
        w.codes, w.sent, w.n_words, w.words, with_text, w.times, w.col_of_code, w.n_cols
    )
    if ledes is None:
        return []
    slices = [part_rows[k : k + _CHUNK] for k in range(0, part_rows.size, _CHUNK)]
    big = n_jobs != 1 and part_rows.size >= _PARALLEL_EVIDENCE
    out: list[tuple[int, int, float, int]] = []
    for hits in fork_map(_slice_hits, (e, ledes), slices, n_jobs, parallel=big):
        out.extend(hits)
    return out


def _slice_hits(e: _Evidence, ledes: _Ledes, rows: np.ndarray) -> list[tuple[int, int, float, int]]:
    """``(short text, longer text, share, evidence sentence)`` of each match of the evidence
    sentences ``rows`` in the part's lede windows that passes every check of
    :func:`teaser_matches` but the share of the short text told (a slice's result does not
    depend on the other slices: what it keeps of the evidence and windows is its own)."""
    sentences, times, n_words = e.sentences, e.times, e.n_words
    t = e.ev_time[rows]
    if np.isnan(t).any():
        hit = (e.head[rows] @ ledes.transposed()).tocoo()
        ws = hit.col.astype(np.int64)
    else:
        near_w = np.flatnonzero((ledes.hi >= t.min() - e.slack) & (ledes.lo <= t.max() + e.slack))
        hit = (e.head[rows] @ ledes.sets[near_w].T).tocoo()
        ws = near_w[hit.col]
    xs = rows[hit.row]
    # (a bound on the share, with room for rounding; the share itself decides)
    near = hit.data + e.rest[xs] >= e.match * e.weight[xs] * (1.0 - _ROUNDING)
    xs, ws = xs[near], ws[near]
    share = np.asarray(e.evm[xs].multiply(ledes.sets[ws]).sum(axis=1)).ravel() / e.weight[xs]
    keep = share >= e.match
    xs, ws, share = xs[keep], ws[keep], share[keep]
    # Each window stands for the texts that have it.
    cnt = ledes.n_members[ws]
    total = int(cnt.sum())
    within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    ms = np.repeat(ledes.member_at[ws], cnt) + within
    ps = ledes.member_of[ms]
    xs, ws, share = np.repeat(xs, cnt), np.repeat(ws, cnt), np.repeat(share, cnt)
    rs = e.ev_rows[xs]
    # A longer text published near the short one and not long after it (NaN gaps
    # compare False: kept).
    after = times[ps] - times[rs]
    keep = (ps != rs) & (n_words[ps] >= 2 * n_words[rs]) & ~(np.abs(after) > e.gap)
    if e.order:
        keep &= ~(after >= e.order)
    figs: dict[int, frozenset[str]] = {}
    ev_figs: dict[int, frozenset[str]] = {}
    win_figs: dict[tuple[int, int, int], frozenset[str]] = {}
    ev_pairs: dict[int, set[int]] = {}
    win_pairs: dict[int, set[int]] = {}

    def pairs_of(start: int, length: int) -> set[int]:
        c = e.codes[start : start + length].astype(np.int64)
        out: set[int] = set((c[:-1] * e.n_codes + c[1:]).tolist())
        return out

    out: list[tuple[int, int, float, int]] = []
    for x, w, m, p, v in zip(
        xs[keep].tolist(),
        ws[keep].tolist(),
        ms[keep].tolist(),
        ps[keep].tolist(),
        share[keep].tolist(),
        strict=True,
    ):
        r = int(e.ev_rows[x])
        if x not in ev_figs:
            ev_figs[x] = figures([sentences[r][e.ev_first[x]]])
        # every figure of the sentence in the lede window (as written in this text)
        for o in range(ledes.occ_at[m], ledes.occ_at[m + 1]):
            key = (p, ledes.occ_first[o], ledes.occ_span[o])
            if key not in win_figs:
                win_figs[key] = figures(sentences[p][key[1] : key[1] + key[2]])
            if ev_figs[x] <= win_figs[key]:
                break
        else:
            continue
        if titles_apart(e.titles[r], e.titles[p], e.score.short_title_jaccard):
            continue
        if r not in figs:
            figs[r] = figures(sentences[r])
        if p not in figs:
            figs[p] = figures(sentences[p])
        if figures_disagree(figs[r], figs[p], e.score):
            continue
        if x not in ev_pairs:
            ev_pairs[x] = pairs_of(e.ev_start[x], e.ev_words[x])
        if w not in win_pairs:
            win_pairs[w] = pairs_of(int(ledes.start[w]), int(ledes.length[w]))
        in_order = ev_pairs[x] & win_pairs[w]
        if len(in_order) < TEASER_PAIR_SHARE * len(ev_pairs[x]):
            continue
        out.append((r, p, v, x))
    return out


class _Spans(NamedTuple):
    """Runs of token codes (sentences or windows): the text of each, its first token in
    the table's code array, its number of tokens, its first sentence in its text (for
    sentences: the text's first sentence overall) and its number of sentences."""

    text: np.ndarray
    start: np.ndarray
    length: np.ndarray
    first: np.ndarray
    span: np.ndarray


def _token_table(tokens: Sequence[Sequence[str]]) -> TokenTable:
    vocab, codes = number_strings(list(t) for t in tokens)
    return TokenTable(vocab, codes, np.fromiter(map(len, tokens), np.int64, len(tokens)))


_COUNT_TEXTS = 2048
"""Texts whose sentences are counted (:func:`dedup.textnorm.count_tokens`) at a time."""


def _sentence_spans(sentences: Sequence[Sequence[str]], table: TokenTable) -> _Spans:
    """Every sentence as a run of its text's token codes (``first``: the index of the
    text's first sentence, by text)."""
    n = len(sentences)
    if isinstance(sentences, SentenceTable):
        n_sent = np.diff(sentences.offsets)
        length = sentences.token_counts()
    else:
        n_sent = np.fromiter(map(len, sentences), dtype=np.int64, count=n)
        length = _count_sentence_tokens(sentences)
    text = np.repeat(np.arange(n, dtype=np.int64), n_sent)
    per_text = np.bincount(text, weights=length, minlength=n).astype(np.int64)
    if not np.array_equal(per_text, table.lengths):
        raise ValueError("the sentences do not hold the texts' tokens")
    start = np.cumsum(length) - length  # the table's offsets, sentence by sentence
    first_of_text = np.cumsum(n_sent) - n_sent
    return _Spans(text, start, length, first_of_text, np.ones(length.size, dtype=np.int64))


def _count_sentence_tokens(sentences: Sequence[Sequence[str]]) -> np.ndarray:
    """The tokens of every sentence, text by text."""
    return np.concatenate(
        [np.zeros(0, dtype=np.int64)]
        + [
            count_tokens(list(chain.from_iterable(sentences[lo : lo + _COUNT_TEXTS])))
            for lo in range(0, len(sentences), _COUNT_TEXTS)
        ]
    )


def _lede_windows(
    sent: _Spans, n_words: np.ndarray, words: int, with_text: np.ndarray | None = None
) -> _Spans:
    """The windows of one sentence and of two adjacent ones among the sentences that start
    within the first ``words`` words of each text with at least twice
    :data:`TEASER_MIN_SENTENCE_WORDS` words (of the texts marked in ``with_text``, when
    given)."""
    if with_text is None:
        at_all = np.arange(sent.text.size, dtype=np.int64)
        text, start, length = sent.text, sent.start, sent.length
    else:
        at_all = np.flatnonzero(with_text[sent.text])
        text, start, length = sent.text[at_all], sent.start[at_all], sent.length[at_all]
    first = sent.first[text]
    seen = start - sent.start[first]  # the text's tokens before the sentence
    lede = (n_words[text] >= 2 * TEASER_MIN_SENTENCE_WORDS) & (seen < words)
    one = np.flatnonzero(lede & (length > 0))
    # (a chosen text's sentences are all chosen: neighbours of one text are adjacent)
    nxt = np.flatnonzero(lede[:-1] & lede[1:] & (text[:-1] == text[1:]))
    nxt = nxt[length[nxt] + length[nxt + 1] > 0]
    at = np.concatenate([one, nxt])
    return _Spans(
        text[at],
        start[at],
        np.concatenate([length[one], length[nxt] + length[nxt + 1]]),
        at_all[at] - first[at],
        np.concatenate([np.ones(one.size, np.int64), np.full(nxt.size, 2, np.int64)]),
    )


class _Ledes:
    """The distinct lede windows of some texts (:func:`_lede_windows`): each window's word
    columns, the texts that have it (members), where each member has it (occurrences:
    first sentence and number of sentences) and the range of its members' times
    (unknown: the whole line)."""

    def __init__(
        self,
        sets: sp.csr_matrix,
        start: np.ndarray,
        length: np.ndarray,
        member_at: np.ndarray,
        member_of: np.ndarray,
        occ_at: np.ndarray,
        occ_first: list[int],
        occ_span: list[int],
        lo: np.ndarray,
        hi: np.ndarray,
    ) -> None:
        self.sets, self.start, self.length = sets, start, length
        self.member_at, self.member_of = member_at, member_of
        self.n_members = np.diff(member_at)
        self.occ_at, self.occ_first, self.occ_span = occ_at, occ_first, occ_span
        self.lo, self.hi = lo, hi
        self._transposed: sp.csr_matrix | None = None

    @classmethod
    def of(
        cls,
        codes: np.ndarray,
        sent: _Spans,
        n_words: np.ndarray,
        words: int,
        with_text: np.ndarray | None,
        times: np.ndarray,
        col_of_code: np.ndarray,
        n_cols: int,
    ) -> _Ledes | None:
        """The windows of the texts marked in ``with_text`` (all when None); None when
        they have none."""
        wins = _lede_windows(sent, n_words, words, with_text)
        if not wins.text.size:
            return None
        n = np.int64(n_words.size)
        wid, rep = _distinct_runs(codes, wins.start, wins.length)
        start, length = wins.start[rep], wins.length[rep]
        sets = _column_sets(
            codes,
            start,
            length,
            col_of_code,
            n_cols,
            lambda k: np.ones(k.size, dtype=np.float32),  # (products with it are exact)
        )
        # The texts of each distinct window (members), and where each member has it.
        member_key = _distinct(wid * n + wins.text)
        member_win = member_key // n
        member_of = member_key % n
        member_at = np.zeros(rep.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(member_win, minlength=rep.size), out=member_at[1:])
        occ = np.lexsort((wins.span, wins.first, wins.text, wid))
        occ_member = np.searchsorted(member_key, (wid * n + wins.text)[occ])
        occ_at = np.zeros(member_key.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(occ_member, minlength=member_key.size), out=occ_at[1:])
        mem_time = times[member_of]
        lo = np.full(rep.size, np.inf)
        hi = np.full(rep.size, -np.inf)
        np.minimum.at(lo, member_win, np.where(np.isnan(mem_time), -np.inf, mem_time))
        np.maximum.at(hi, member_win, np.where(np.isnan(mem_time), np.inf, mem_time))
        return cls(
            sets,
            start,
            length,
            member_at,
            member_of,
            occ_at,
            wins.first[occ].tolist(),
            wins.span[occ].tolist(),
            lo,
            hi,
        )

    def transposed(self) -> sp.csr_matrix:
        """Column x window (made once, when evidence of unknown time needs every window)."""
        if self._transposed is None:
            self._transposed = sp.csr_matrix(self.sets.T.tocsr())
        return self._transposed


def _time_parts(
    ev_time: np.ndarray, times: np.ndarray, slack: float, most: int
) -> Iterator[tuple[np.ndarray | None, np.ndarray]]:
    """Parts of the work: the texts whose windows are made (a mask, None for all) and the
    evidence (positions in ``ev_time``, in order of time, unknown last) met with them.

    Every evidence sentence meets, in some part, every text within ``slack`` of its time
    and every text of unknown time; evidence of unknown time meets every text. A batch of
    at most ``most`` dated texts is one part; a larger one is cut along the time line so
    that each part makes the windows of at most ``most`` dated texts (and those of unknown
    time), or of the texts of at most four times ``slack`` where they are denser: each
    part's evidence spans at least twice ``slack`` of time, so no text's windows are made
    for more than about two parts."""
    order = np.argsort(np.where(np.isnan(ev_time), np.inf, ev_time), kind="stable")
    dated = ~np.isnan(times)
    t_sorted = np.sort(times[dated])
    if t_sorted.size <= most:
        yield None, order
        return
    undated = ~dated
    n_dated = int(np.count_nonzero(~np.isnan(ev_time)))
    ev_t = ev_time[order[:n_dated]]
    a = 0
    while a < n_dated:
        lo = ev_t[a] - slack
        first = int(np.searchsorted(t_sorted, lo, side="left"))
        if first + most < t_sorted.size:
            # evidence up to b keeps its surroundings below the (most + 1)-th text from lo
            b = int(np.searchsorted(ev_t, t_sorted[first + most] - slack, side="left"))
            # and at least 2 * slack of evidence time: surroundings denser than the bound
            # would otherwise make the windows of a time over and over, for little evidence
            b = max(b, int(np.searchsorted(ev_t, ev_t[a] + 2.0 * slack, side="right")))
        else:
            b = n_dated
        hi = ev_t[b - 1] + slack
        yield undated | ((times >= lo) & (times <= hi)), order[a:b]
        a = b
    if n_dated < order.size:  # unknown times: against every text, a part at a time
        for k in range(0, t_sorted.size, most):
            lo, hi = t_sorted[k], t_sorted[min(k + most, t_sorted.size) - 1]
            yield undated | ((times >= lo) & (times <= hi)), order[n_dated:]


def _distinct(a: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (``np.unique`` by sorting: faster here than its hash
    path)."""
    a = np.sort(a)
    keep = np.ones(a.size, dtype=bool)
    keep[1:] = a[1:] != a[:-1]
    out: np.ndarray = a[keep]
    return out


def _gather(codes: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The runs ``codes[s : s + n]`` concatenated."""
    total = int(lengths.sum())
    within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    out: np.ndarray = codes[np.repeat(starts, lengths) + within]
    return out


_HASH_BASE = np.uint64(0x9E3779B97F4A7C15)
_HASH_TOKENS = 1 << 20
"""Tokens hashed (or compared) at a time by :func:`_distinct_runs`."""


def _slices(lengths: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive index ranges of about :data:`_HASH_TOKENS` tokens each."""
    out: list[tuple[int, int]] = []
    ends = np.cumsum(lengths)
    lo = 0
    while lo < lengths.size:
        hi = int(np.searchsorted(ends, ends[lo] - lengths[lo] + _HASH_TOKENS, side="right"))
        hi = max(hi, lo + 1)
        out.append((lo, hi))
        lo = hi
    return out


def _distinct_runs(
    codes: np.ndarray, starts: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A number for each run of codes (non-empty) equal for equal runs, and the first run
    of each number. Runs are grouped by a polynomial hash and checked code by code against
    their group's first run; a run that differs (a hash collision) gets a number of its own,
    so equal numbers always mean equal runs."""
    m = starts.size
    h = np.zeros(m, dtype=np.uint64)
    powers = np.cumprod(np.full(int(lengths.max(initial=0)) + 1, _HASH_BASE, dtype=np.uint64))
    with np.errstate(over="ignore"):
        for lo, hi in _slices(lengths):
            n = lengths[lo:hi]
            within = np.arange(int(n.sum()), dtype=np.int64) - np.repeat(np.cumsum(n) - n, n)
            term = (codes[np.repeat(starts[lo:hi], n) + within].astype(np.uint64) + 1) * powers[
                within
            ]
            h[lo:hi] = np.add.reduceat(term, np.cumsum(n) - n)
    by = np.lexsort((lengths, h))
    new = np.ones(m, dtype=bool)
    new[1:] = (h[by][1:] != h[by][:-1]) | (lengths[by][1:] != lengths[by][:-1])
    group = np.cumsum(new) - 1
    first_of = by[new]  # the smallest run of each group (lexsort is stable)
    ids = np.empty(m, dtype=np.int64)
    ids[by] = group
    rep = first_of[ids]
    check = np.flatnonzero(rep != np.arange(m))
    differ = np.zeros(m, dtype=bool)
    for lo, hi in _slices(lengths[check]):
        c = check[lo:hi]
        a = _gather(codes, starts[c], lengths[c])
        b = _gather(codes, starts[rep[c]], lengths[c])
        n = lengths[c]
        bad = np.add.reduceat((a != b).astype(np.int64), np.cumsum(n) - n) > 0
        differ[c[bad]] = True
    if differ.any():  # never seen; each such run stands alone
        extra = np.flatnonzero(differ)
        ids[extra] = first_of.size + np.arange(extra.size)
        first_of = np.concatenate([first_of, extra])
    # numbers in order of first appearance
    order = np.argsort(first_of, kind="stable")
    renum = np.empty_like(order)
    renum[order] = np.arange(order.size)
    return renum[ids], first_of[order]


def _column_sets(
    codes: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    col_of_code: np.ndarray,
    n_cols: int,
    values: Callable[[np.ndarray], np.ndarray],
) -> sp.csr_matrix:
    """One row per run ``codes[start : start + length]``: its distinct columns (codes
    outside the columns left out), sorted, each entry ``values(columns)``; zero entries
    dropped. Made a slice of runs at a time."""
    per_row = np.zeros(lengths.size, dtype=np.int64)
    parts: list[np.ndarray] = [np.zeros(0, dtype=np.int32)]
    for lo, hi in _slices(lengths):
        n = lengths[lo:hi]
        rows = np.repeat(np.arange(hi - lo, dtype=np.int64), n)
        cols = col_of_code[_gather(codes, starts[lo:hi], n)]
        keep = cols >= 0
        cells = _distinct(rows[keep] * n_cols + cols[keep])
        per_row[lo:hi] = np.bincount(cells // n_cols, minlength=hi - lo)
        parts.append((cells % n_cols).astype(np.int32))
    c = np.concatenate(parts)
    indptr = np.zeros(lengths.size + 1, dtype=np.int64)
    np.cumsum(per_row, out=indptr[1:])
    out = sp.csr_matrix((values(c), c, indptr), shape=(lengths.size, n_cols))
    out.eliminate_zeros()
    out.sort_indices()
    return out


_DF_ROWS = 2048


def _document_frequency(tokens: Sequence[Sequence[str]], vocab: dict[str, int]) -> np.ndarray:
    """How many texts hold each word of ``vocab`` (float64, by vocab number)."""
    if isinstance(tokens, TokenTable):
        col = np.fromiter(
            (vocab.get(w, -1) for w in tokens.vocab.tolist()),
            dtype=np.int64,
            count=len(tokens.vocab),
        )
        return _document_frequency_codes(tokens, col, len(vocab))
    df = np.zeros(len(vocab), dtype=np.float64)
    for toks in tokens:
        df[[vocab[w] for w in set(toks) if w in vocab]] += 1.0
    return df


def _document_frequency_codes(table: TokenTable, col: np.ndarray, n_cols: int) -> np.ndarray:
    """How many texts hold each column (float64); ``col``: each token code's column, -1
    for none."""
    counts = np.zeros(n_cols, dtype=np.int64)
    for start in range(0, len(table), _DF_ROWS):  # a slice of texts at a time
        stop = min(len(table), start + _DF_ROWS)
        cols = col[table.codes[table.offsets[start] : table.offsets[stop]]]
        rows = np.repeat(np.arange(stop - start, dtype=np.int64), table.lengths[start:stop])
        keep = cols >= 0
        cells = _distinct(rows[keep] * n_cols + cols[keep])  # one count per text and word
        counts += np.bincount(cells % n_cols, minlength=n_cols)
    return counts.astype(np.float64)


def _prefix_rows(x: sp.csr_matrix, slack: float) -> sp.csr_matrix:
    """Per row, ones at its heaviest entries whose weight exceeds ``slack`` of the row's
    total: a row holding none of them holds at most ``1 - slack`` of the weight, so the
    product with these rows finds every pair that can reach the bar.

    Rows of one length are taken together as a matrix: its row sums and running sums are
    the ones of each row alone, bit for bit (entries heaviest first, ties by column)."""
    lengths = np.diff(x.indptr)
    rows: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    cols: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    for size in np.unique(lengths[lengths > 0]).tolist():
        rs = np.flatnonzero(lengths == size)
        at = x.indptr[rs][:, None] + np.arange(size)
        w = x.data[at]
        c = x.indices[at].astype(np.int64)
        need = slack * w.sum(axis=1)
        order = np.lexsort((c, -w), axis=-1)
        running = np.cumsum(np.take_along_axis(w, order, axis=1), axis=1)
        k = np.minimum((running <= need[:, None]).sum(axis=1) + 1, size)
        take = np.arange(size) < k[:, None]
        rows.append(np.repeat(rs, k))
        cols.append(np.take_along_axis(c, order, axis=1)[take])
    r, c = np.concatenate(rows), np.concatenate(cols)
    return sp.csr_matrix((np.ones(r.size), (r, c)), shape=x.shape)
