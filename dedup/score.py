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
import math
import re
import zlib
from collections import Counter
from collections.abc import Callable, ItemsView, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize

from dedup.config import ScoreConfig
from dedup.memory import release_memory
from dedup.parallel import fork_map, n_workers
from dedup.textnorm import (
    SentenceTable,
    TokenTable,
    count_words,
    number_more,
    number_strings,
    tokenize,
)

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
    title_names: TitleNames | None = None
    """The names in each title (:func:`title_names`); worked out from the batch on first
    use when None."""
    name_counts: NameCounts | None = None
    """The batch's case counts (:func:`name_counts`) that names are found with; worked
    out on first use when None."""


@dataclass(frozen=True)
class DirectionHits:
    """Per direction (the sentences of one article found in another), the partner's
    sentences that retell them: sorted positions, held for all directions in two arrays
    (``positions[indptr[d]:indptr[d + 1]]``), not a set object each."""

    indptr: np.ndarray  # int64, one more than the directions
    positions: np.ndarray  # int32

    def of(self, d: int) -> frozenset[int]:
        return frozenset(self.positions[self.indptr[d] : self.indptr[d + 1]].tolist())

    @staticmethod
    def joined(parts: Sequence[DirectionHits]) -> DirectionHits:
        """One table of the directions of ``parts``, in order (the directions of part k
        numbered after those of the parts before it)."""
        sizes = [np.diff(p.indptr) for p in parts]
        indptr = np.zeros(sum(len(x) for x in sizes) + 1, dtype=np.int64)
        if sizes:
            np.cumsum(np.concatenate(sizes), out=indptr[1:])
        positions = np.concatenate([p.positions for p in parts]) if parts else np.zeros(0, np.int32)
        return DirectionHits(indptr, positions.astype(np.int32, copy=False))


class PairHits(Mapping[tuple[int, int], tuple[frozenset[int], frozenset[int]]]):
    """(i, j) -> (sentences of j matched by i's sentences, sentences of i matched by j's)
    for each scored pair, in the pairs' order: each pair's two directions as numbers into
    one :class:`DirectionHits` (pairs with the same sentences share them), the sets made
    when asked for."""

    def __init__(
        self, pairs: np.ndarray, ab: np.ndarray, ba: np.ndarray, hits: DirectionHits
    ) -> None:
        self.pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        self.ab = np.asarray(ab, dtype=np.int64)
        self.ba = np.asarray(ba, dtype=np.int64)
        self.hits = hits
        keys = (self.pairs[:, 0] << 32) | self.pairs[:, 1]
        self._order = np.argsort(keys, kind="stable")
        self._sorted = keys[self._order]
        if self._sorted.size > 1 and not (np.diff(self._sorted) > 0).all():
            raise ValueError("a pair is given twice")

    @classmethod
    def of(cls, hits: Mapping[tuple[int, int], tuple[frozenset[int], frozenset[int]]]) -> PairHits:
        """The mapping itself when it is a :class:`PairHits`, else its table (in its order)."""
        if isinstance(hits, PairHits):
            return hits
        sets = [s for pair in hits.values() for s in pair]
        indptr = np.zeros(len(sets) + 1, dtype=np.int64)
        np.cumsum([len(x) for x in sets], out=indptr[1:])
        positions = np.fromiter(
            (p for x in sets for p in sorted(x)), dtype=np.int32, count=int(indptr[-1])
        )
        d = np.arange(len(sets), dtype=np.int64)
        pairs = np.array(list(hits), dtype=np.int64).reshape(-1, 2)
        return cls(pairs, d[0::2], d[1::2], DirectionHits(indptr, positions))

    def _at(self, key: tuple[int, int]) -> int:
        i, j = key
        k = (int(i) << 32) | int(j)
        pos = int(np.searchsorted(self._sorted, k))
        if pos == self._sorted.size or int(self._sorted[pos]) != k:
            raise KeyError(key)
        return int(self._order[pos])

    def __getitem__(self, key: tuple[int, int]) -> tuple[frozenset[int], frozenset[int]]:
        p = self._at(key)
        return self.hits.of(int(self.ab[p])), self.hits.of(int(self.ba[p]))

    def __contains__(self, key: object) -> bool:
        try:
            self._at(key)  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            return False
        return True

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip(self.pairs[:, 0].tolist(), self.pairs[:, 1].tolist(), strict=True)

    def __len__(self) -> int:
        return len(self.pairs)

    def items(self) -> ItemsView[tuple[int, int], tuple[frozenset[int], frozenset[int]]]:
        return _PairHitsItems(self)

    def _items(self) -> Iterator[tuple[tuple[int, int], tuple[frozenset[int], frozenset[int]]]]:
        of = self.hits.of
        for (i, j), a, b in zip(
            self.pairs.tolist(), self.ab.tolist(), self.ba.tolist(), strict=True
        ):
            yield (i, j), (of(a), of(b))

    def without(self, drop: Iterable[tuple[int, int]]) -> PairHits:
        """The pairs not in ``drop``, in order."""
        gone = np.array([(int(i) << 32) | int(j) for i, j in drop], dtype=np.int64)
        keys = (self.pairs[:, 0] << 32) | self.pairs[:, 1]
        keep = ~np.isin(keys, gone)
        return PairHits(self.pairs[keep], self.ab[keep], self.ba[keep], self.hits)

    def then(self, other: PairHits) -> PairHits:
        """These pairs, then ``other``'s (none of them among these)."""
        n_dir = len(self.hits.indptr) - 1
        return PairHits(
            np.concatenate([self.pairs, other.pairs]),
            np.concatenate([self.ab, other.ab + n_dir]),
            np.concatenate([self.ba, other.ba + n_dir]),
            DirectionHits.joined([self.hits, other.hits]),
        )


class _PairHitsItems(ItemsView[tuple[int, int], tuple[frozenset[int], frozenset[int]]]):
    """The items of a :class:`PairHits` in order, made one at a time without a look-up."""

    _mapping: PairHits

    def __iter__(self) -> Iterator[tuple[tuple[int, int], tuple[frozenset[int], frozenset[int]]]]:
        return self._mapping._items()


@dataclass
class ScoredPairs:
    """Scores per pair (row indexes ``i < j``) and the sentences each side matched."""

    table: pd.DataFrame  # columns: i, j, relation and the score columns
    hits: Mapping[tuple[int, int], tuple[frozenset[int], frozenset[int]]]
    """(i, j) -> (sentences of j matched by i's sentences, sentences of i matched by j's);
    a :class:`PairHits` from the scorer."""
    sentence_index: _SentenceIndex | None = None
    """The sentence statistics the coverage scores were measured with; pass it to score
    more pairs of the same articles on the same scale."""
    conflicts: frozenset[tuple[int, int]] | None = None
    """The pairs with a figure conflict (see :func:`_chunk_coverage`) at ``conflict_match``,
    found with the coverage; None when not measured."""
    conflict_match: float = 0.0
    """The bar ``conflicts`` were measured at."""


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def shingle_sets(token_lists: Sequence[Sequence[str]], k: int) -> list[np.ndarray]:
    """For each article, the sorted unique 64-bit hashes of its word k-shingles (as
    :func:`dedup.minhash.shingle_strings` gives them), vectorised over all the articles.

    Tokens are numbered once per call and each shingle's hash mixes its token numbers, so
    two sets of one call share a hash exactly when they share the shingle (up to 64-bit
    collisions); sets of different calls are not comparable."""
    if len(token_lists) == 0:
        return []
    lens = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    codes, _ = pd.factorize(
        pd.Series(list(itertools.chain.from_iterable(token_lists)), dtype=object), sort=False
    )
    return _coded_shingle_sets(np.asarray(codes), lens, k)


def _table_shingle_sets(table: TokenTable, rows: Sequence[int], k: int) -> list[np.ndarray]:
    """:func:`shingle_sets` of rows of a :class:`TokenTable`, from its codes: the same
    numbering of the tokens (equal codes are equal tokens, numbered in order of first
    appearance in ``rows``), so the same hashes. Made a slice of rows at a time (a
    shingle's hash depends only on its tokens' numbers)."""
    return list(itertools.chain.from_iterable(_table_shingle_slices(table, rows, k)))


def _table_shingle_slices(
    table: TokenTable, rows: Sequence[int], k: int
) -> Iterator[list[np.ndarray]]:
    """The sets of :func:`_table_shingle_sets`, a slice of rows at a time."""
    number = np.full(len(table.vocab), -1, dtype=np.int64)
    n_numbered = 0
    for lo in range(0, len(rows), _SHINGLE_ROWS):
        codes, lens = table.rows(rows[lo : lo + _SHINGLE_ROWS])
        seen = pd.unique(codes)  # in order of first appearance
        new = seen[number[seen] < 0]
        number[new] = np.arange(n_numbered, n_numbered + new.size)
        n_numbered += new.size
        yield _coded_shingle_sets(number[codes], lens, k)


_SHINGLE_ROWS = 8192
"""Articles whose shingle sets are hashed at a time."""


def _coded_shingle_sets(codes: np.ndarray, lens: np.ndarray, k: int) -> list[np.ndarray]:
    """:func:`shingle_sets` of the articles whose tokens, numbered ``codes`` (from 0),
    come ``lens[a]`` by ``lens[a]``."""
    ids = np.r_[np.asarray(codes, dtype=np.uint64) + np.uint64(1), np.zeros(k, np.uint64)]
    n_sh = np.where(lens >= k, lens - k + 1, np.minimum(lens, 1))
    first = _ranges(np.cumsum(lens) - lens, n_sh)  # each shingle's first token
    length = np.minimum(np.repeat(lens, n_sh), k)
    h = np.full(first.size, np.uint64(k), dtype=np.uint64)
    for t in range(k):
        tok = np.where(t < length, ids[first + t], np.uint64(0))  # 0: past a short shingle
        h = (h ^ tok) * _GOLDEN
        h ^= h >> np.uint64(32)
    # splitmix64's finaliser
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    bounds = np.cumsum(n_sh)[:-1]
    return [_sorted_unique(part) for part in np.split(h, bounds)]


def body_digest(tokens: Sequence[str]) -> str:
    """Digest of an article's token sequence: equal digests mean an exact copy."""
    return hashlib.sha1(" ".join(tokens).encode()).hexdigest()


def figures(sentences: Sequence[str]) -> frozenset[str]:
    """The distinct figures of an article ("4,200", "1.5", "7-3/4" as one; "19-20" gives
    "19" and "20"). The sentences are searched as one string joined by newlines: a figure
    is made of digits and the marks between them, so none runs across a newline and each
    sentence gives the figures it gives alone."""
    return frozenset(_FIGURE_RE.findall("\n".join(sentences)))


def figures_disagree(
    a: frozenset[str], b: frozenset[str], cfg: ScoreConfig, at_least: int | None = None
) -> bool:
    """True when both articles carry at least ``figure_min`` figures (``at_least`` when
    given) and less than ``figure_agreement`` of the smaller set is found in the other:
    templated reports (earnings, prices, results) share their wording, not their
    figures."""
    small = min(len(a), len(b))
    least = cfg.figure_min if at_least is None else at_least
    return small >= least and len(a & b) < cfg.figure_agreement * small


def _other_figures(
    inputs: ScoringInputs, i: int, j: int, a: frozenset[str], b: frozenset[str], cfg: ScoreConfig
) -> bool:
    """Rows i and j (figures ``a`` and ``b``) report different figures: by
    :func:`figures_disagree`, from ``title_figure_min`` figures when their titles differ
    (:func:`_titles_apart`)."""
    if figures_disagree(a, b, cfg):
        return True
    return (
        cfg.title_figure_min < cfg.figure_min
        and _titles_apart(inputs, i, j, cfg)
        and figures_disagree(a, b, cfg, cfg.title_figure_min)
    )


@dataclass(frozen=True)
class TitleNames:
    """Per article, the names in its title; and the weight of each name."""

    names: Sequence[frozenset[str]]
    weight: dict[str, float]


class _NameLists(Sequence[frozenset[str]]):
    """Each title's names as numbers into one array of the names, the frozenset made when
    asked for: a few bytes a title, where a frozenset per title (and a set of its words
    while they were found) took about a kilobyte."""

    def __init__(self, names: Sequence[str], codes: np.ndarray, counts: np.ndarray) -> None:
        self.table = TokenTable(names, codes, counts)  # (names in place of tokens)

    def __len__(self) -> int:
        return len(self.table)

    @overload
    def __getitem__(self, i: int) -> frozenset[str]: ...

    @overload
    def __getitem__(self, i: slice) -> list[frozenset[str]]: ...

    def __getitem__(self, i: int | slice) -> frozenset[str] | list[frozenset[str]]:
        if isinstance(i, slice):
            return [frozenset(names) for names in self.table[i]]
        return frozenset(self.table[i])


# a capitalised word (``\b[A-Z]\w*``); the capital comes first so that the search skips
# to the capitals, and what precedes it is looked back at from there
_CAP_RE = re.compile(r"[A-Z](?<=\b[A-Z])\w*")
# a capitalised word inside a sentence: after a space that does not follow a full stop
# (``(?<=[^.!?] )[A-Z]\w*``, looked back at from the capital)
_INNER_CAP_RE = re.compile(r"[A-Z](?<=[^.!?] [A-Z])\w*")
_LOWER_RE = re.compile(r"\b[a-z]\w*")


@dataclass(frozen=True)
class NameCounts:
    """The batch's case counts behind :func:`title_names`, for the words its texts
    capitalise inside a sentence at least once (lower-cased): how often each is written
    capitalised, in how many texts, and how often in lower case; and the number of texts."""

    counts: dict[str, tuple[int, int, int]]
    """word -> (times capitalised, texts capitalising it, times in lower case)."""
    n_texts: int


def name_counts(sentences: Sequence[Sequence[str]], n_jobs: int = 1) -> NameCounts:
    """The case counts of :func:`title_names` over the batch's texts. Each text's sentences
    are searched as one string, joined by :data:`_SENTENCE_JOIN`; the texts are taken
    :data:`_NAME_ROWS` at a time (only one slice's strings and matches are held) and each
    slice's capitalised words are counted at once. With ``n_jobs`` (0: one per CPU) above
    one, consecutive parts of the texts are counted in forked workers and added up in
    order: the same counts, in the same order."""
    n = len(sentences)
    parts = min(n_workers(n_jobs), max(1, n // _NAME_ROWS))
    cuts = [n * k // parts for k in range(parts + 1)]
    inner: set[str] = set()
    low: Counter[str] = Counter()
    # lower-cased capitalised word -> [times, texts], in order of first appearance
    acc: dict[str, list[int]] = {}
    for p_inner, p_low, p_acc in fork_map(
        _name_counts_part, (sentences,), list(itertools.pairwise(cuts)), n_jobs
    ):
        inner |= p_inner
        low.update(p_low)
        _add_case_counts(acc, ((w, c, d) for w, (c, d) in p_acc.items()))
    return NameCounts({w: (c, d, low[w]) for w, (c, d) in acc.items() if w in inner}, max(n, 1))


def _name_counts_part(
    sentences: Sequence[Sequence[str]], span: tuple[int, int]
) -> tuple[set[str], Counter[str], dict[str, list[int]]]:
    """:func:`name_counts`' counts of the texts ``span[0]`` to ``span[1]``: the words
    capitalised inside a sentence, the lower-case words counted, and each capitalised
    word (lower-cased, in order of first appearance) with its times and texts."""
    inner: set[str] = set()
    low: Counter[str] = Counter()
    acc: dict[str, list[int]] = {}
    for lo in range(span[0], span[1], _NAME_ROWS):
        texts = [
            _SENTENCE_JOIN.join(sents) for sents in sentences[lo : min(lo + _NAME_ROWS, span[1])]
        ]
        inner.update(w.lower() for t in texts for w in _INNER_CAP_RE.findall(t))
        low.update(itertools.chain.from_iterable(map(_LOWER_RE.findall, texts)))
        caps = [_CAP_RE.findall(t) for t in texts]
        del texts
        # this slice's capitalised words, lower-cased, numbered in order of first appearance
        raw_codes, raw = pd.factorize(
            pd.Series(list(itertools.chain.from_iterable(caps)), dtype=object), sort=False
        )
        if not len(raw):
            continue
        lower_of_raw, lowered = pd.factorize(
            pd.Series([w.lower() for w in raw], dtype=object), sort=False
        )
        codes = np.asarray(lower_of_raw, dtype=np.int64)[raw_codes]
        n_low = np.int64(len(lowered))
        text_of = np.repeat(np.arange(len(caps), dtype=np.int64), [len(c) for c in caps])
        cap = np.bincount(codes, minlength=len(lowered)).tolist()
        df = np.bincount(_sorted_unique(text_of * n_low + codes) % n_low, minlength=len(lowered))
        _add_case_counts(acc, zip(lowered.tolist(), cap, df.tolist(), strict=True))
    return inner, low, acc


def _add_case_counts(acc: dict[str, list[int]], counts: Iterable[tuple[str, int, int]]) -> None:
    """Add each (word, times capitalised, texts capitalising it) of ``counts`` to ``acc``,
    a word not yet in it added after those that are (order of first appearance)."""
    for w, c, d in counts:
        seen = acc.get(w)
        if seen is None:
            acc[w] = [c, d]
        else:
            seen[0] += c
            seen[1] += d


def _numbered_sets(
    sets_of: Callable[[int, int], list[frozenset[str]] | list[set[str]]], n: int
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The strings of ``n`` sets, made :data:`_NAME_ROWS` at a time by ``sets_of(lo, hi)``
    (sets ``lo`` to ``hi``), numbered in order of first appearance (:func:`number_strings`):
    the distinct strings, the numbers of each set's strings one set after the other, and
    the size of each set. Only one slice's sets are held."""
    sizes = np.zeros(n, dtype=np.int64)

    def flat(lo: int) -> list[str]:
        sets = sets_of(lo, min(lo + _NAME_ROWS, n))
        sizes[lo : lo + len(sets)] = np.fromiter(map(len, sets), np.int64, len(sets))
        return list(itertools.chain.from_iterable(sets))

    distinct, codes = number_strings(map(flat, range(0, n, _NAME_ROWS)))
    return distinct, codes, sizes


_NAME_ROWS = 16_384
"""Texts whose sentences :func:`name_counts` joins and searches at a time (the joined
strings and their matches of a whole large batch take several GB), and sets that
:func:`_numbered_sets` makes at a time."""


def title_names(
    titles: Sequence[str],
    sentences: Sequence[Sequence[str]],
    counts: NameCounts | None = None,
) -> TitleNames:
    """The names in each title: its words of three letters or more that the batch's texts
    write capitalised more often than in lower case, and capitalised inside a sentence at
    least once (company, person, place names, not just words that often open a sentence;
    titles are often all capitals, so the case of the texts decides). A name
    weighs ``log(n / df)``, df the number of the n texts that write it capitalised: a name
    every text has ("Inc") says little, a rare one (one company) much.

    ``counts``: the batch's :func:`name_counts` (of ``sentences``), when already made."""
    # each title's distinct words, numbered (no set per title is kept: a large batch's sets
    # alone take about a kilobyte a title)
    words, codes, n_words = _numbered_sets(
        lambda lo, hi: [
            {w for w in tokenize(t) if len(w) > 2 and not w.isdigit()} for t in titles[lo:hi]
        ],
        len(titles),
    )
    if not words:
        return TitleNames(_NameLists([], codes, n_words), {})
    if counts is None:
        counts = name_counts(sentences)
    n = counts.n_texts
    vocab = set(words)
    weight = {
        w: math.log(n / df)
        for w, (cap, df, low) in counts.counts.items()
        if w in vocab and cap > low
    }
    del vocab
    is_name = np.fromiter((w in weight for w in words), dtype=bool, count=len(words))
    name_of = np.cumsum(is_name) - 1  # a name's number among the names
    kept = is_name[codes]
    title_of = np.repeat(np.arange(len(titles), dtype=np.int64), n_words)
    per_title = np.bincount(title_of[kept], minlength=len(titles))
    names = [w for w, keep in zip(words, is_name.tolist(), strict=True) if keep]
    return TitleNames(_NameLists(names, name_of[codes[kept]], per_title), weight)


_SENTENCE_JOIN = "\n."
"""Joins a text's sentences for :func:`title_names`' searches: not a word character on
either side (so no word runs across it, and a word at a sentence's edge still meets a word
boundary), and it ends in a full stop, so that a word just after a sentence's opening
space is not taken for a capitalised word inside a sentence (as in the sentence alone,
where nothing precedes that space)."""


def name_counts_of(inputs: ScoringInputs, n_jobs: int = 1) -> NameCounts:
    """The batch's :func:`name_counts`, made on first use (in ``n_jobs`` workers) and kept
    on ``inputs``."""
    if inputs.name_counts is None:
        inputs.name_counts = name_counts(inputs.sentences, n_jobs)
    return inputs.name_counts


def _title_names_of(inputs: ScoringInputs, n_jobs: int = 1) -> TitleNames:
    if inputs.title_names is None:
        counts = name_counts_of(inputs, n_jobs)
        inputs.title_names = title_names(inputs.titles, inputs.sentences, counts)
    return inputs.title_names


def _name_found(name: str, words: set[str]) -> bool:
    """The name, or a word it starts or that starts it (four letters or more: "Iran",
    "Iranian"), is among ``words``."""
    if name in words:
        return True
    return any(len(w) >= 4 and (w.startswith(name) or name.startswith(w)) for w in words)


def title_names_apart(inputs: ScoringInputs, i: int, j: int, cfg: ScoreConfig) -> bool:
    """Whether the titles of rows i and j name different subjects: both have a title, one
    at least names someone, and each title that has names has at least
    ``title_names_missing`` of them (by weight, :func:`title_names`) nowhere in the other
    text (title or body). One template filled in for two companies
    (two dividend notices, offerings, price changes) shares its wording, not its names; a
    re-headlined re-send or a rewrite names the same subject."""
    missing = _title_names_missing(inputs, i, j, cfg)
    return bool(missing) and all(m >= cfg.title_names_missing for m in missing)


def title_names_same(inputs: ScoringInputs, i: int, j: int, cfg: ScoreConfig) -> bool:
    """Whether the titles of rows i and j name one subject: both have a title, both titles
    name someone, and every name of each is found in the other text (title or body). Two
    short notices under reworded headlines that name the same company are a re-send; one
    template filled in for two companies names two."""
    missing = _title_names_missing(inputs, i, j, cfg)
    return len(missing) == 2 and not any(missing)


def _title_names_missing(inputs: ScoringInputs, i: int, j: int, cfg: ScoreConfig) -> list[float]:
    """For each of the titles of rows i and j that has names (none unless both rows have a
    title), the share of its names (by weight, :func:`title_names`) nowhere in the other
    text, title or body."""
    if not inputs.titles[i].strip() or not inputs.titles[j].strip():
        return []
    tn = _title_names_of(inputs, cfg.n_jobs)
    if not tn.names[i] and not tn.names[j]:
        return []

    def missing(names: frozenset[str], other: int) -> float:
        words = set(inputs.tokens[other]) | set(tokenize(inputs.titles[other]))
        # (fsum: the same total in any order of the set's names)
        total = math.fsum(tn.weight[x] for x in names)
        gone = math.fsum(tn.weight[x] for x in names if not _name_found(x, words))
        return gone / total if total > 0 else 0.0

    sides = ((tn.names[i], j), (tn.names[j], i))
    return [missing(names, other) for names, other in sides if names]


def _title_jaccard(a: str, b: str) -> float:
    return _word_jaccard(set(tokenize(a)), set(tokenize(b)))


def _word_jaccard(ta: set[str], tb: set[str]) -> float:
    """Jaccard of two titles' word sets (1 when one is empty)."""
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
    dtype=np.float32).fit_transform(texts)`` with sorted column indices. Each distinct text
    is measured once. Raises ``ValueError`` when no text has a word."""
    codes, uniques = pd.factorize(pd.Series(list(texts), dtype=object))
    inv = np.asarray(codes, dtype=np.int64)
    mult = np.bincount(inv, minlength=len(uniques))
    return sp.csr_matrix(_char_ngram_tfidf_distinct(list(uniques), mult)[inv])


def _char_ngram_tfidf_distinct(texts: Sequence[str], mult: np.ndarray) -> sp.csr_matrix:
    """:func:`char_ngram_tfidf` rows of distinct texts, text ``k`` occurring ``mult[k]``
    times in the collection (the document frequencies count every occurrence): all the
    rows of :class:`_CharNgramRows`. Raises ``ValueError`` when no text has a word."""
    return _CharNgramRows(texts, mult).all_rows()


class _CharNgramRows:
    """:func:`char_ngram_tfidf` rows of distinct texts, text ``k`` occurring ``mult[k]``
    times in the collection (the document frequencies count every occurrence), made on
    demand: only the statistics are held (which words each text has, the n-grams of each
    word, the IDF), a few bytes a word instead of eight bytes an n-gram.

    The n-grams of each distinct word are listed once (word x n-gram counts) and a text's
    counts are its word counts times that matrix, instead of counting every n-gram of every
    text in Python. Rows keep the column order of first appearance until the L2 norms are
    taken (the order in which scikit-learn sums them), so the values are bit for bit the
    same; every step after the document frequencies is done row by row, so a row is the
    same whichever rows are made with it. Raises ``ValueError`` when no text has a word.
    """

    def __init__(self, texts: Sequence[str], mult: np.ndarray) -> None:
        # word ids in order of first appearance, as the loop over the words would give them;
        # each text's words counted a slice of texts at a time (only the counts are kept)
        vocab: dict[str, int] = {}
        counted = [
            _count_words(vocab, texts[lo : lo + _SPLIT_ROWS])
            for lo in range(0, len(texts), _SPLIT_ROWS)
        ]
        words = list(vocab)
        del vocab
        self.text_words = _stack_counts(counted, len(words))
        per_len = np.zeros(len(words), dtype=np.int64)

        def grams(lo: int) -> list[str]:  # the n-grams of a slice of the words
            per_word = [_wb_ngrams(w) for w in words[lo : lo + _SPLIT_WORDS]]
            per_len[lo : lo + len(per_word)] = np.fromiter(map(len, per_word), np.int64)
            return list(itertools.chain.from_iterable(per_word))

        # n-gram ids in order of first appearance too
        gram_names, gram_codes = number_strings(map(grams, range(0, len(words), _SPLIT_WORDS)))
        if len(gram_names) == 0:
            raise ValueError("empty vocabulary")
        n_grams = len(gram_names)
        self.word_grams = sp.csr_matrix(
            (
                np.ones(len(gram_codes), dtype=np.float32),
                (np.repeat(np.arange(len(words)), per_len), np.asarray(gram_codes, dtype=np.int64)),
            ),
            shape=(len(words), n_grams),
        )
        self.shape = (len(texts), n_grams)
        # Document frequencies a slice of the texts at a time (only one slice's counts are
        # held), then scikit-learn's own steps for the IDF.
        df = np.zeros(n_grams, dtype=np.int64)
        self.tfidf = TfidfTransformer(sublinear_tf=True)
        for lo in range(0, len(texts), _TFIDF_ROWS):
            counts = self._counts(self.text_words[lo : lo + _TFIDF_ROWS])
            if lo == 0:
                self.tfidf.fit(counts)  # the shape; the weights are set below
            per_row = np.repeat(mult[lo : lo + _TFIDF_ROWS], np.diff(counts.indptr))
            df += np.bincount(counts.indices, weights=per_row, minlength=n_grams).astype(np.int64)
        df_f = df.astype(self.tfidf.idf_.dtype)
        df_f += 1.0
        idf = np.full_like(df_f, fill_value=int(mult.sum()) + 1, dtype=self.tfidf.idf_.dtype)
        idf /= df_f
        np.log(idf, out=idf)
        idf += 1.0
        self.tfidf.idf_ = idf
        # columns in the order of the sorted vocabulary (Python's string order)
        self.remap = np.empty(n_grams, dtype=np.int32)
        by_name = sorted(range(n_grams), key=gram_names.__getitem__)  # distinct: no ties
        self.remap[np.array(by_name, dtype=np.int64)] = np.arange(n_grams)

    def _counts(self, text_words: sp.csr_matrix) -> sp.csr_matrix:
        """Counts of the n-grams (columns in no particular order within a row)."""
        # whole counts: exact in float32 in any order of summation
        return sp.csr_matrix(_float32(text_words) @ self.word_grams)

    def _norms_exact(self, counts: sp.csr_matrix) -> bool:
        """Whether the L2 norm of every row of ``counts``' TF-IDF is the same whatever the
        order of its columns. scikit-learn sums the float32 squares into a double; every
        value ``(1 + log tf) * idf`` is at least 1 (tf and idf are), so every square is a
        multiple of 2**-23, and such a sum is exact (no rounding, any order) while it stays
        below 2**29. Bounded here by the row's length times the largest square."""
        if counts.nnz == 0:
            return True
        top = (1.0 + math.log(float(counts.data.max()))) * float(self.tfidf.idf_.max())
        longest = int(np.diff(counts.indptr).max())
        return longest * (top * 1.001) ** 2 < _EXACT_SUM

    def _rows(self, text_words: sp.csr_matrix) -> sp.csr_matrix:
        counts = self._counts(text_words)
        if not self._norms_exact(counts):
            counts.sort_indices()  # columns by first appearance, as scikit-learn sums them
        part = sp.csr_matrix(self.tfidf.transform(counts, copy=False))
        part.indices = self.remap[part.indices]
        part.has_sorted_indices = False
        return _sort_indices(part)

    def __getitem__(self, sel: np.ndarray) -> sp.csr_matrix:
        """Rows ``sel`` (repeats allowed), each distinct row made once."""
        sel = np.asarray(sel, dtype=np.int64)
        if sel.size == 0:
            return sp.csr_matrix((0, self.shape[1]), dtype=np.float32)
        distinct, back = np.unique(sel, return_inverse=True)
        out: sp.csr_matrix = self._rows(self.text_words[distinct])
        if distinct.size == sel.size and np.array_equal(distinct, sel):
            return out
        return sp.csr_matrix(out[back])

    def all_rows(self) -> sp.csr_matrix:
        """Every row, made a slice of texts at a time into one matrix."""
        n = self.shape[0]
        parts = [
            self._rows(self.text_words[lo : lo + _TFIDF_ROWS]) for lo in range(0, n, _TFIDF_ROWS)
        ]
        return _stack_rows(parts, self.shape[1], np.float32)


def _count_words(vocab: dict[str, int], texts: Sequence[str]) -> sp.csr_matrix:
    """Each text's lower-cased words counted (columns: the words' numbers in ``vocab``,
    new words numbered next), in canonical form: as :func:`_compact_counts` holds them."""
    words = [text.lower().split() for text in texts]
    indptr = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, words), np.int64, len(words)), out=indptr[1:])
    codes = number_more(vocab, list(itertools.chain.from_iterable(words)))
    del words
    # rows of every occurrence (no per-occurrence row index), duplicates summed in place;
    # the shape's width is any bound on the numbers, set when the slices are stacked
    m = sp.csr_matrix(
        (np.ones(codes.size, dtype=np.float32), codes, indptr),
        shape=(indptr.size - 1, np.iinfo(np.int32).max),
    )
    m.sum_duplicates()
    return _compact_counts(m)


def _stack_counts(parts: list[sp.csr_matrix], n_cols: int) -> sp.csr_matrix:
    """The slices of :func:`_count_words` stacked (:func:`_stack_rows`) into one matrix of
    ``n_cols`` columns, its values in one type: that of :func:`_compact_counts` of the
    whole."""
    types = {p.dtype for p in parts if p.nnz}
    if not types or any(t == np.float32 for t in types):
        kind: Any = np.float32
    else:
        kind = np.uint8 if all(p.data.max() <= 255 for p in parts if p.nnz) else np.uint16
    return _stack_rows(parts, n_cols, kind)


def _stack_rows(parts: list[sp.csr_matrix], n_cols: int, kind: Any) -> sp.csr_matrix:
    """Slices of rows (each with sorted indices) stacked into one matrix of ``n_cols``
    columns and ``kind`` values, made in place. ``parts`` is emptied as the slices are
    copied, so each is dropped once it is in the matrix."""
    nnz = sum(p.nnz for p in parts)
    data = np.empty(nnz, dtype=kind)
    indices = np.empty(nnz, dtype=np.int32)
    indptr = np.zeros(sum(p.shape[0] for p in parts) + 1, dtype=np.int64)
    at = row = 0
    parts.reverse()
    while parts:
        p = parts.pop()
        data[at : at + p.nnz] = p.data
        indices[at : at + p.nnz] = p.indices
        indptr[row + 1 : row + p.shape[0] + 1] = at + p.indptr[1:]
        at += p.nnz
        row += p.shape[0]
    out = sp.csr_matrix((data, indices, indptr), shape=(indptr.size - 1, n_cols))
    out.has_sorted_indices = True
    return out


_SPLIT_ROWS = 4096
"""Texts (or articles) split into words (or sentences) at a time while they are numbered."""
_SPLIT_WORDS = 65_536
"""Distinct words whose character n-grams are listed and numbered at a time."""
_BIGRAM_ROWS = 65_536
"""Sentences whose bigrams are listed at a time: bounds the memory of their arrays."""
_TFIDF_ROWS = 4096
"""Texts per slice of the character n-gram TF-IDF: bounds the memory of its counts."""
_EXACT_SUM = 2.0**29
"""A double sum of values that are all multiples of 2**-23 is exact below this."""


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + n)`` for each start s and length n."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    out: np.ndarray = np.repeat(np.asarray(starts, dtype=np.int64) - offsets, lengths)
    return out + np.arange(total)


_INDEX_PARALLEL_MIN = 20_000
"""Distinct sentences worth building the index's parts in worker processes for."""
_INDEX_PARALLEL_MAX = 2_000_000
"""Distinct sentences above which the index's parts are made one after the other here: a
forked worker that reads every sentence's string writes to (and so copies) the pages that
hold them. At 740k distinct sentences (100k synthetic articles) the worker saved 16 % of
the index's time and cost 600 MB more at its peak (+1,372 against +770 MB); at 6 million
(1M articles), several GB."""


def _index_part(
    sentences: Sequence[Sequence[str]],
    rows: np.ndarray,
    distinct: Sequence[str],
    mult: np.ndarray,
    tokens: TokenTable | None,
    runs: tuple[np.ndarray, np.ndarray] | None,
    part: str,
) -> Any:
    """One part of a :class:`_SentenceIndex`: the character n-gram TF-IDF rows of the
    distinct sentences (``"chars"``); their figures and word counts (``"text"``); their
    bigrams and the quoted share of every sentence (``"codes"``); or the last two parts
    together (``"rest"``). With ``tokens`` and ``runs`` (each distinct sentence's first
    token and number of tokens in the table) the bigrams are made from the token codes,
    and ``distinct`` is not read by the ``"codes"`` part."""
    if part == "chars":
        if not distinct:
            return sp.csr_matrix((0, 1), dtype=np.float32)
        try:
            return _CharNgramRows(distinct, mult)
        except ValueError:
            return sp.csr_matrix((len(distinct), 1), dtype=np.float32)
    if part == "text":
        return (
            _compact_counts(_number_matrix(distinct)),
            np.array([max(1, count_words(s)) for s in distinct], dtype=np.float64),
        )
    if part == "rest":
        numbers, weights = _index_part(sentences, rows, distinct, mult, tokens, runs, "text")
        bigrams, quoted = _index_part(sentences, rows, distinct, mult, tokens, runs, "codes")
        return numbers, bigrams, quoted, weights
    if tokens is not None and runs is not None:
        bigrams = _bigram_matrix_codes(tokens.codes, runs[0], runs[1], tokens.vocab, mult, np.uint8)
    else:
        bigrams = _bigram_matrix(distinct, mult, np.uint8)
    return bigrams, _quoted_shares_rows(sentences, rows)


def _compact_counts(m: sp.csr_matrix) -> sp.csr_matrix:
    """``m`` with its values (whole counts, as a binary or count matrix holds) in the
    smallest unsigned type that holds them exactly: one byte an entry instead of four for a
    matrix of ones. ``m`` itself when they are not whole or too large for two bytes."""
    data = m.data
    if data.size == 0 or data.min() < 0 or data.max() > np.iinfo(np.uint16).max:
        return m
    step = 1 << 22  # (a slice at a time: no copy as long as the matrix's values)
    if any(
        not np.array_equal(data[lo : lo + step], np.floor(data[lo : lo + step]))
        for lo in range(0, data.size, step)
    ):
        return m
    small = np.uint8 if data.max() <= np.iinfo(np.uint8).max else np.uint16
    return _with_values(m, data.astype(small, copy=False))


def _float32(m: sp.csr_matrix) -> sp.csr_matrix:
    """``m`` with float32 values (the same numbers: :func:`_compact_counts` undone)."""
    return m if m.dtype == np.float32 else _with_values(m, m.data.astype(np.float32))


def _with_values(m: sp.csr_matrix, data: np.ndarray) -> sp.csr_matrix:
    """``m``'s entries (its index arrays, shared) with the values ``data``."""
    out = sp.csr_matrix((data, m.indices, m.indptr), shape=m.shape)
    out.has_sorted_indices = m.has_sorted_indices
    return out


def _distinct_token_runs(
    sentences: SentenceTable,
    tokens: TokenTable,
    rows: np.ndarray,
    inv: np.ndarray,
    first: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Where each distinct sentence (numbered ``inv`` in order of first appearance over
    the sentences of ``rows``) first occurs in the token table: its first token and its
    number of tokens. None when the sentences do not hold their texts' tokens. ``first``:
    :func:`_first_appearances` of ``inv``, when the caller has it."""
    rows = np.asarray(rows, dtype=np.int64)
    counts = sentences.token_counts(rows)
    n_sent = np.diff(sentences.offsets)[rows]
    before = np.zeros(counts.size + 1, dtype=np.int64)  # tokens before each sentence
    np.cumsum(counts, out=before[1:])
    row_first = np.cumsum(n_sent) - n_sent  # each row's first sentence
    if not np.array_equal(before[row_first + n_sent] - before[row_first], tokens.lengths[rows]):
        return None
    if first is None:
        first = _first_appearances(inv)
    row_of = np.searchsorted(row_first + n_sent, first, side="right")
    starts = tokens.offsets[rows[row_of]] + before[first] - before[row_first[row_of]]
    return starts, counts[first]


def _first_appearances(inv: np.ndarray) -> np.ndarray:
    """The position of each number's first appearance in ``inv``, numbers given in order
    of first appearance (0, then at most one above the highest before)."""
    # a number above all before it is a first appearance (a slice at a time: no array as
    # long as ``inv`` is made)
    parts: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    top = -1
    for lo in range(0, inv.size, _RUN_SLICE):
        high = np.maximum.accumulate(np.maximum(inv[lo : lo + _RUN_SLICE], top))
        new = np.empty(high.size, dtype=bool)
        new[0] = high[0] > top
        new[1:] = high[1:] > high[:-1]
        parts.append(lo + np.flatnonzero(new))
        top = int(high[-1])
    return np.concatenate(parts)


_RUN_SLICE = 1 << 22
"""Numbers looked at a time for first appearances by :func:`_first_appearances`."""


def _sentence_key(s: str) -> int:
    """A sentence's key for numbering (:func:`_number_table_sentences`): Python's string
    hash, 64 bits, computed once per string. Its seed varies between processes; the
    numbers given do not depend on it."""
    return hash(s)


def _sentence_check(s: str) -> int:
    """A second, independent key of a sentence: its length and CRC-32, checked equal
    between the sentences given one number."""
    return (len(s) << 32) | zlib.crc32(s.encode("utf-8", "surrogatepass"))


class _LoweredSentences(Sequence[str]):
    """Sentences of a :class:`dedup.textnorm.SentenceTable`, lower-cased, made from their
    texts when read (a slice at a time): sixteen bytes a sentence instead of a string."""

    def __init__(self, table: SentenceTable, at: np.ndarray) -> None:
        self.texts = table.texts
        at = np.asarray(at, dtype=np.int64)
        self.text_of = np.searchsorted(table.offsets, at, side="right") - 1
        self.starts = table.starts[at]
        self.ends = table.ends[at]

    def __len__(self) -> int:
        return int(self.text_of.size)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            lo, hi, step = i.indices(len(self))
            texts = self.texts
            return [
                texts[t][a:b].lower()
                for t, a, b in zip(
                    self.text_of[lo:hi:step].tolist(),
                    self.starts[lo:hi:step].tolist(),
                    self.ends[lo:hi:step].tolist(),
                    strict=True,
                )
            ]
        n = len(self)
        if not -n <= i < n:
            raise IndexError("sentence index out of range")
        i %= n
        return str(self.texts[int(self.text_of[i])][self.starts[i] : self.ends[i]].lower())

    def __iter__(self) -> Iterator[str]:
        for lo in range(0, len(self), _SPLIT_ROWS):
            yield from self[lo : lo + _SPLIT_ROWS]


def _number_table_sentences(
    table: SentenceTable, rows: np.ndarray
) -> tuple[np.ndarray, _LoweredSentences, np.ndarray, np.ndarray] | None:
    """The sentences of ``rows`` of ``table``, lower-cased, numbered in order of first
    appearance (int64, as :func:`dedup.textnorm.number_strings` numbers them) and the
    distinct sentences, numbered by key (:func:`_sentence_key`) without holding a string
    each; each row's number of sentences; and where each number first appears
    (:func:`_first_appearances`). None when two different sentences share a
    key (a second key, :func:`_sentence_check`, differs within a number): the caller
    numbers the strings."""
    n_sent = np.diff(table.offsets)[rows]
    ends = np.cumsum(n_sent)  # each row's sentences end before this
    keys = np.empty(int(ends[-1]) if ends.size else 0, dtype=np.int64)
    checks = np.empty(keys.size, dtype=np.int64)
    for lo in range(0, rows.size, _SPLIT_ROWS):
        part = rows[lo : lo + _SPLIT_ROWS]
        here = _ranges(table.offsets[part], n_sent[lo : lo + _SPLIT_ROWS])
        lowered = _LoweredSentences(table, here)[:]
        at = int(ends[lo] - n_sent[lo]) if part.size else 0
        keys[at : at + here.size] = np.fromiter(map(_sentence_key, lowered), np.int64, here.size)
        checks[at : at + here.size] = np.fromiter(
            map(_sentence_check, lowered), np.int64, here.size
        )
    inv = np.asarray(pd.factorize(keys, sort=False)[0], dtype=np.int64)
    del keys
    first = _first_appearances(inv)
    first_checks = checks[first]
    same = all(
        np.array_equal(first_checks[inv[lo : lo + _RUN_SLICE]], checks[lo : lo + _RUN_SLICE])
        for lo in range(0, inv.size, _RUN_SLICE)
    )
    del checks, first_checks
    if not same:
        return None
    row_of = np.searchsorted(ends, first, side="right")
    place = table.offsets[rows[row_of]] + first - (ends - n_sent)[row_of]
    return inv, _LoweredSentences(table, place), n_sent, first


class _RowSpans(Mapping[int, tuple[int, int]]):
    """Where each indexed row's sentences are in a :class:`_SentenceIndex`: row ``r`` maps
    to ``(start, end)``. Held as three arrays over the sorted rows (24 bytes a row) instead
    of a dict entry, a tuple and two ints per row, which also kept forked workers from
    sharing the pages they only read (reading a Python object writes its reference count)."""

    def __init__(self, rows: np.ndarray, n_sent: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        n_sent = np.asarray(n_sent, dtype=np.int64)
        ends = np.cumsum(n_sent)
        # the last entry of a row listed twice wins, as in a dict made from the pairs
        last = rows.size - 1 - np.unique(rows[::-1], return_index=True)[1]
        self.rows = rows[last]
        self.starts = (ends - n_sent)[last]
        self.ends = ends[last]

    def _at(self, rows: np.ndarray) -> np.ndarray:
        """Each of ``rows``'s position in :attr:`rows`, -1 where it is not indexed."""
        at = np.searchsorted(self.rows, rows)
        ok = at < self.rows.size
        ok[ok] = self.rows[at[ok]] == rows[ok]
        return np.where(ok, at, -1)

    def spans(self, rows: np.ndarray) -> np.ndarray:
        """``(start, end)`` of each of ``rows`` (an ``(n, 2)`` array); ``KeyError`` for a row
        that is not indexed."""
        rows = np.asarray(rows, dtype=np.int64).ravel()
        at = self._at(rows)
        if (at < 0).any():
            raise KeyError(int(rows[np.argmax(at < 0)]))
        return np.column_stack([self.starts[at], self.ends[at]])

    def missing(self, rows: np.ndarray) -> np.ndarray:
        """Those of ``rows`` that are not indexed."""
        rows = np.asarray(rows, dtype=np.int64).ravel()
        return rows[self._at(rows) < 0]

    def __getitem__(self, r: int) -> tuple[int, int]:
        k = int(self._at(np.array([r], dtype=np.int64))[0])
        if k < 0:
            raise KeyError(r)
        return int(self.starts[k]), int(self.ends[k])

    def __contains__(self, r: object) -> bool:
        if not isinstance(r, int | np.integer):
            return False
        return bool(self._at(np.array([r], dtype=np.int64))[0] >= 0)

    def __iter__(self) -> Iterator[int]:
        return iter(self.rows.tolist())

    def __len__(self) -> int:
        return int(self.rows.size)


class _SentenceIndex:
    """Per sentence of the articles being scored: character n-gram TF-IDF vector, word count,
    figures and word bigrams (see :func:`_bigram_matrix`)."""

    def __init__(
        self,
        sentences: Sequence[Sequence[str]],
        rows: np.ndarray,
        n_jobs: int = 1,
        tokens: Sequence[Sequence[str]] | None = None,
    ) -> None:
        # a sentence that recurs (copies of a story) is measured once and counted each time;
        # from a sentence table the distinct sentences are numbered by key and made again
        # from the texts when a part reads them, not held as strings
        rows = np.asarray(rows, dtype=np.int64)
        numbered = (
            _number_table_sentences(sentences, rows)
            if isinstance(sentences, SentenceTable)
            else None
        )
        distinct: Sequence[str]
        first: np.ndarray | None = None  # where each number first appears, when known
        if numbered is not None:
            inv, distinct, n_sent, first = numbered
        else:
            rs = rows.tolist()
            n_sent = np.zeros(len(rs), dtype=np.int64)

            def lowered(k: int) -> list[str]:  # the sentences of a slice of the rows
                out: list[str] = []
                for n, r in enumerate(rs[k : k + _SPLIT_ROWS], start=k):
                    sents = sentences[r]
                    out.extend(s.lower() for s in sents)
                    n_sent[n] = len(sents)
                return out

            distinct, codes = number_strings(map(lowered, range(0, len(rs), _SPLIT_ROWS)))
            inv = codes.astype(np.int64)
            del codes
        mult = np.bincount(inv, minlength=len(distinct))
        # each distinct sentence as a run of its text's token codes, when the texts' tokens
        # are at hand: the bigrams are then made from the codes
        runs = None
        if isinstance(tokens, TokenTable) and isinstance(sentences, SentenceTable) and inv.size:
            runs = _distinct_token_runs(sentences, tokens, rows, inv, first)
        del first
        # matrices of the distinct sentences; ``inv`` maps each sentence to its row. The
        # n-gram TF-IDF and the rest are built side by side in workers for large batches.
        table = tokens if runs is not None and isinstance(tokens, TokenTable) else None
        if _INDEX_PARALLEL_MIN <= len(distinct) <= _INDEX_PARALLEL_MAX and n_workers(n_jobs) > 1:
            parts = fork_map(
                _index_part,
                (sentences, rows, distinct, mult, table, runs),
                ["chars", "rest"],
                n_jobs,
                first_here=True,  # the n-gram matrix is large: made here, not shipped back
            )
            chars, rest = list(parts)
            self.numbers, self.bigrams, self.quoted, weights = rest
        else:  # one part after the other, the strings dropped once no part needs them
            chars = _index_part(sentences, rows, distinct, mult, table, runs, "chars")
            self.numbers, weights = _index_part(
                sentences, rows, distinct, mult, table, runs, "text"
            )
            if runs is not None:
                distinct = []
                release_memory()
            self.bigrams, self.quoted = _index_part(
                sentences, rows, distinct, mult, table, runs, "codes"
            )
        self.matrix = chars
        self.weights = weights[inv]
        self.inv = inv.astype(np.int32) if mult.size <= np.iinfo(np.int32).max else inv
        del inv
        release_memory()  # the numbering's strings: before the scoring forks its workers
        # each row's sentences in the index
        self.offsets = _RowSpans(rows, n_sent)

    def take(self, sel: np.ndarray | slice) -> _Sentences:
        """Sentences ``sel`` (positions in the index), each with its distinct row."""
        d = self.inv[sel]
        return _Sentences(
            sp.csr_matrix(self.matrix[d]),
            self.weights[sel],
            _float32(sp.csr_matrix(self.numbers[d])),
            _float32(sp.csr_matrix(self.bigrams[d])),
            self.quoted[sel],
        )

    def windows(self, articles: Sequence[int]) -> _Windows:
        """The windows (:func:`_windows`) of several articles, in the order asked, each
        article's windows in consecutive rows."""
        se = self.offsets.spans(np.asarray(articles, dtype=np.int64))
        n = se[:, 1] - se[:, 0]
        return _windows_of(self.take(_ranges(se[:, 0], n)), np.cumsum(n) - n, n)

    def rows(self, r: int) -> _Sentences:
        s, e = self.offsets[r]
        return self.take(slice(s, e))


def _windows_of(s: _Sentences, starts: np.ndarray, n: np.ndarray, chars: bool = True) -> _Windows:
    """The windows (:func:`_windows`) of the articles whose sentences are rows
    ``starts[k]`` to ``starts[k] + n[k]`` of ``s``, each article's windows in consecutive
    rows. Without ``chars`` the windows' character n-gram rows are left empty (no
    columns): a caller that has the sentences' products makes the windows' from them
    (:func:`_window_product`)."""
    n_pair = np.maximum(n - 1, 0)
    pair = _ranges(starts, n_pair)

    def stack(m: sp.csr_matrix, joined: sp.csr_matrix) -> sp.csr_matrix:
        return sp.csr_matrix(sp.vstack([m, joined], format="csr"))

    if chars:
        m = s.chars
        joined = m[pair] + m[pair + 1]
        char_rows = stack(m, normalize(joined) if pair.size else joined)
    else:
        char_rows = sp.csr_matrix((s.chars.shape[0] + pair.size, 0), dtype=s.chars.dtype)
    w, qw = s.weights, s.quoted * s.weights
    pair_w = w[pair] + w[pair + 1]
    both = _Sentences(
        char_rows,
        np.r_[w, pair_w],
        stack(s.numbers, (s.numbers[pair] + s.numbers[pair + 1]).minimum(1)),
        stack(s.bigrams, (s.bigrams[pair] + s.bigrams[pair + 1]).minimum(1)),
        np.r_[s.quoted, _pair_quoted(s.quoted, qw, pair_w, pair)],
    )
    # rows of ``both`` (the rows of ``s``, then the adjacent pairs) in window order: each
    # article's sentences, then its adjacent pairs
    pair_pos = np.cumsum(n_pair) - n_pair + w.size
    order = _ranges(np.c_[starts, pair_pos].ravel(), np.c_[n, n_pair].ravel())
    size = n + n_pair
    return _Windows(rows=_take(both, order), start=np.cumsum(size) - size, size=size, n_sentences=n)


def _pair_quoted(
    quoted: np.ndarray, qw: np.ndarray, pair_w: np.ndarray, pair: np.ndarray
) -> np.ndarray:
    """Quoted share of each window of two adjacent sentences (``pair``: the first's
    position), by words; the mean of the two shares when both weigh nothing (stock
    sentences, :mod:`dedup.stock`)."""
    has = pair_w > 0
    if has.all():
        out: np.ndarray = qw[pair] / pair_w + qw[pair + 1] / pair_w
        return out
    safe = np.where(has, pair_w, 1.0)
    mixed: np.ndarray = np.where(
        has, qw[pair] / safe + qw[pair + 1] / safe, (quoted[pair] + quoted[pair + 1]) / 2
    )
    return mixed


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
    """Windows of several articles (``rows``); per article (in the order asked, repeats
    allowed) its first row, its number of windows and its number of sentences."""

    rows: _Sentences
    start: np.ndarray
    size: np.ndarray
    n_sentences: np.ndarray


# Quoted speech: ``teletype'', "straight", “curly”, ‘single’ and 'single' quotes (a single
# straight quote opens after a non-word character and closes before one); «guillemets»,
# „low-high“ quotes and 「corner」『brackets』 of other languages. Every alternative opens
# with its mark and the word check comes after it ("'(?<!\w')", the same as "(?<!\w)'"),
# so the engine skips to the next mark instead of trying each alternative at every
# character (7x faster on text without quotations, 3x on wire text).
_QUOTE_RE = re.compile(
    r"``.*?''|\"[^\"\n]*\"|“[^”\n]*”|‘[^’\n]*’|'(?<!\w')[^'\n]*'(?!\w)"
    r"|«[^»\n]*»|„[^“”\n]*[“”]|「[^」\n]*」|『[^』\n]*』"
)
QUOTE_WEIGHT = 0.5
"""A sentence found in the other text counts this much towards reuse when it, or what it
matched, is mostly quoted speech: independent reports of one event quote the same
statements, and a commentary quotes what it discusses."""


def _quoted_shares_many(articles: Sequence[Sequence[str]]) -> np.ndarray:
    """Share of each sentence's characters inside quotation marks (a quotation may run
    over several sentences of its article), for every sentence of several articles, a
    slice of articles at a time (:func:`_quoted_shares_slice`; no quotation spans two
    articles, so the slices do not change the shares; only one slice's per-character
    arrays are held)."""
    return _quoted_shares_rows(articles, np.arange(len(articles)))


_QUOTE_ARTICLES = 2048
"""Articles whose quoted shares are measured in one pass."""


def _quoted_shares_rows(sentences: Sequence[Sequence[str]], rows: np.ndarray) -> np.ndarray:
    """:func:`_quoted_shares_many` of the articles ``sentences[r]`` for r in ``rows``, in
    that order, each slice's sentences fetched only when it is measured (a
    :class:`dedup.textnorm.SentenceTable` makes the strings on demand)."""
    rs = np.asarray(rows, dtype=np.int64).tolist()
    parts = [
        _quoted_shares_slice([sentences[r] for r in rs[lo : lo + _QUOTE_ARTICLES]])
        for lo in range(0, len(rs), _QUOTE_ARTICLES)
    ]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float64)


def _quoted_shares_slice(articles: Sequence[Sequence[str]]) -> np.ndarray:
    """:func:`_quoted_shares_many` in one pass: the articles are joined by line breaks,
    which no quotation spans."""
    texts = [" ".join(sents) for sents in articles if sents]
    lengths = np.fromiter(
        (len(x) for sents in articles for x in sents), dtype=np.int64, count=sum(map(len, articles))
    )
    if lengths.size == 0:
        return np.zeros(0, dtype=np.float64)
    big = "\n".join(texts)
    edges = np.zeros(len(big) + 1, dtype=np.int32)
    for m in _QUOTE_RE.finditer(big):
        edges[m.start()] += 1
        edges[m.end()] -= 1
    inside = np.r_[0, np.cumsum(np.cumsum(edges)[:-1] > 0)]
    # each sentence's start in the joined text: after the sentences before it and one
    # space (or the line break after the previous article) each
    starts = np.cumsum(lengths + 1) - (lengths + 1)
    ends = starts + lengths
    counts = inside[ends] - inside[starts]
    out = np.zeros(lengths.size, dtype=np.float64)
    has = lengths > 0
    out[has] = counts[has] / lengths[has]
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


def _distinct_in_place(x: np.ndarray) -> np.ndarray:
    """The distinct values of ``x`` in order (``np.unique``), ``x`` sorted in place to find
    them: no copy of ``x`` is made, only of its distinct values."""
    x.sort()
    if not x.size:
        return x.copy()
    new = np.empty(x.size, dtype=bool)
    new[0] = True
    np.not_equal(x[1:], x[:-1], out=new[1:])
    out: np.ndarray = x[new]
    return out


def _unique_inverse(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(x, return_inverse=True)`` of an integer array, by hashing and then
    sorting only the distinct values (``pandas.factorize(sort=True)``; several times faster
    when values repeat)."""
    codes, uniques = pd.factorize(x, sort=True)
    return np.asarray(uniques, dtype=x.dtype), np.asarray(codes, dtype=np.int64)


def _bigram_matrix(
    sentences: Sequence[str], mult: np.ndarray | None = None, kind: Any = np.float32
) -> sp.csr_matrix:
    """Binary sentence x word-bigram matrix (stemmed words), without the bigrams made of two
    common words of the batch: the shared phrasing that textual reuse leaves behind.

    Columns are the distinct bigrams in the order of their "first second" strings (the order
    a vocabulary sorted by string gives). Stemming is done once per distinct token; stems
    get integer ranks in sorted order, so a bigram's id ``rank_a * n_stems + rank_b`` sorts
    as its string does (a space sorts before any word character). ``mult[k]``: how often
    sentence k occurs in the batch (common words are counted over every occurrence).
    ``kind``: the type of the matrix's ones.

    After the tokens are numbered (four bytes a token), the work goes :data:`_BIGRAM_ROWS`
    sentences at a time: the stems' document frequencies, then each slice's distinct
    bigrams (kept until the batch's are numbered, sorted in place), then each slice's
    cells (four bytes each in the matrix)."""
    n = len(sentences)
    if not n:
        return sp.csr_matrix((0, 1), dtype=kind)
    lengths = np.zeros(n, dtype=np.int64)

    def tokens(lo: int) -> list[str]:  # the tokens of a slice of the sentences
        toks = [tokenize(s) for s in sentences[lo : lo + _SPLIT_ROWS]]
        lengths[lo : lo + len(toks)] = np.fromiter(map(len, toks), np.int64, len(toks))
        return list(itertools.chain.from_iterable(toks))

    # token ids in order of first appearance, a slice of sentences at a time
    raw, codes = number_strings(map(tokens, range(0, n, _SPLIT_ROWS)))
    stems = [_stem(t) for t in raw]
    vocab = sorted(set(stems))
    rank = {s: i for i, s in enumerate(vocab)}
    n_stems = np.int64(len(vocab))
    ids = np.array([rank[s] for s in stems], dtype=np.int32)[codes]
    del codes, raw, stems, rank
    return _bigram_cells(ids, lengths, n_stems, mult, kind)


def _bigram_matrix_codes(
    codes: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    vocab: np.ndarray,
    mult: np.ndarray | None = None,
    kind: Any = np.float32,
) -> sp.csr_matrix:
    """:func:`_bigram_matrix` of sentences given as runs of token codes (sentence k is
    ``codes[starts[k] : starts[k] + lengths[k]]``, ``vocab`` the token of each code), as
    a :class:`dedup.textnorm.TokenTable` holds a text's sentences: the same matrix,
    without tokenising the sentences again. Only the sentences' own tokens are stemmed
    (a small index of a large batch does not stem the batch's vocabulary)."""
    n = lengths.size
    if not n:
        return sp.csr_matrix((0, 1), dtype=kind)
    ids = np.empty(int(lengths.sum()), dtype=np.int32)
    seen = np.zeros(len(vocab), dtype=bool)
    bounds: list[tuple[int, int]] = []
    at = 0
    for lo in range(0, n, _BIGRAM_ROWS):  # (the positions of one slice's tokens at a time)
        take = _ranges(starts[lo : lo + _BIGRAM_ROWS], lengths[lo : lo + _BIGRAM_ROWS])
        ids[at : at + take.size] = codes[take]
        seen[ids[at : at + take.size]] = True
        bounds.append((at, at + take.size))
        at += take.size
    used = np.flatnonzero(seen)
    stems = [_stem(t) for t in vocab[used].tolist()]
    order = sorted(set(stems))
    rank = {s: i for i, s in enumerate(order)}
    rank_of = np.zeros(len(vocab), dtype=np.int32)
    rank_of[used] = np.array([rank[s] for s in stems], dtype=np.int32)
    del stems, rank
    for a, b in bounds:  # codes to stem ranks, in place a slice at a time
        ids[a:b] = rank_of[ids[a:b]]
    lengths = np.asarray(lengths, dtype=np.int64)
    return _bigram_cells(ids, lengths, np.int64(len(order)), mult, kind)


def _bigram_cells(
    ids: np.ndarray,
    lengths: np.ndarray,
    n_stems: np.int64,
    mult: np.ndarray | None,
    kind: Any = np.float32,
) -> sp.csr_matrix:
    """The matrix of :func:`_bigram_matrix` from each sentence's stem ranks (``ids``, the
    sentences' runs one after another; ``lengths``: each sentence's tokens), its ones of
    type ``kind`` (``np.uint8``: one byte a cell, as :func:`_compact_counts` holds them)."""
    n = lengths.size
    ends = np.cumsum(lengths)
    starts = ends - lengths
    bounds = [(lo, min(lo + _BIGRAM_ROWS, n)) for lo in range(0, n, _BIGRAM_ROWS)]

    def slice_ids(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:  # rows, stem ids
        row = np.repeat(np.arange(lo, hi, dtype=np.int64), lengths[lo:hi])
        return row, ids[starts[lo] : ends[hi - 1]].astype(np.int64)

    # document frequency of each stem: distinct (sentence, stem) pairs, a sentence that
    # occurs mult[k] times counted that often (whole counts: exact in a double)
    df = np.zeros(int(n_stems), dtype=np.float64)
    for lo, hi in bounds:
        row, sid = slice_ids(lo, hi)
        present = _sorted_unique(row * n_stems + sid)
        weight = None if mult is None else mult[present // n_stems].astype(np.float64)
        df += np.bincount(present % n_stems, weights=weight, minlength=int(n_stems))
    n_all = n if mult is None else int(mult.sum())
    common = df >= max(_COMMON_MIN, _COMMON_SHARE * n_all)
    del df

    def slice_cells(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.int64]:
        """A slice's distinct bigrams (sorted codes) and its cells, each
        ``(row - lo) * size + the position of its bigram among them``, sorted."""
        row, sid = slice_ids(lo, hi)
        first, second = sid[:-1], sid[1:]
        keep = (row[:-1] == row[1:]) & ~(common[first] & common[second])
        distinct, local = _unique_inverse(first[keep] * n_stems + second[keep])
        size = np.int64(max(distinct.size, 1))
        return distinct, _sorted_unique((row[:-1][keep] - lo) * size + local.ravel()), size

    # each row's number of cells, and every slice's distinct bigrams one slice after the
    # other in ``grams`` (a slice has fewer than it has tokens: the pages never written to
    # are never taken), sorted in place into the batch's bigrams; then each slice's cells
    # again, numbered among them (made twice rather than held: their positions would take
    # as much memory as the matrix's columns)
    grams = np.empty(max(ids.size, 1), dtype=np.int64)
    n_grams = 0
    per_row = np.zeros(n, dtype=np.int64)
    for lo, hi in bounds:
        distinct, cells, size = slice_cells(lo, hi)
        per_row[lo:hi] = np.bincount(cells // size, minlength=hi - lo)
        grams[n_grams : n_grams + distinct.size] = distinct
        n_grams += distinct.size
    every = _distinct_in_place(grams[:n_grams])
    del grams
    if every.size == 0:  # no sentence has a bigram
        return sp.csr_matrix((n, 1), dtype=kind)
    indices = np.empty(int(per_row.sum()), dtype=np.int32)
    at = 0
    for lo, hi in bounds:
        distinct, cells, size = slice_cells(lo, hi)
        cols = np.searchsorted(every, distinct).astype(np.int32)
        indices[at : at + cells.size] = cols[cells % size]
        at += cells.size
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(per_row, out=indptr[1:])
    out = sp.csr_matrix((np.ones(indices.size, dtype=kind), indices, indptr), shape=(n, every.size))
    out.has_sorted_indices = True
    return out


_NUMBER_RE = r"(?u)\d+(?:[.,:/]\d+)*"
_FIGURE_RE = re.compile(_NUMBER_RE + r"(?:-\d+/\d+)?")
"""A figure, a whole number and its fraction ("6-1/8", a rate) taken as one: rates of
different days share their whole number, not their fraction."""


def _number_matrix(sentences: Sequence[str]) -> sp.csr_matrix:
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


_BLOCK_CELLS = 1 << 20
"""Sentence x window scores of one block: a component of the pair graph whose articles'
sentences meet all its articles' windows at once (larger components are split by source)."""
_CHUNK_CELLS = 1 << 20
"""Sentence x window scores per chunk of blocks: bounds the memory of one product."""


def _block_columns(m: sp.csr_matrix, row_block: np.ndarray) -> sp.csr_matrix:
    """``m`` with a column of its own for each (block of the row, column): rows of
    different blocks then share no column, so one product of such matrices gives every
    block's products and none across blocks. The columns are numbered in order of first
    appearance (no sort of the distinct ones: a product sums each row's terms in the
    order of that row's stored entries, whatever their column numbers), and each row keeps
    its entries in their order, so every product is summed in the order, and to the bit,
    of the block's rows alone."""
    n_cols = np.int64(max(m.shape[1], 1))
    rows = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
    codes = row_block.astype(np.int64)[rows] * n_cols + m.indices
    ids, distinct = pd.factorize(codes, sort=False)
    return sp.csr_matrix(
        (m.data, ids.astype(np.int64, copy=False), m.indptr),
        shape=(m.shape[0], max(distinct.size, 1)),
    )


def _product(a: sp.csr_matrix, w: sp.csr_matrix) -> sp.csr_matrix:
    """``a @ w.T`` with sorted indices."""
    return _sort_indices(sp.csr_matrix(a @ w.T))


def _window_product(
    a: sp.csr_matrix, s: sp.csr_matrix, starts: np.ndarray, n: np.ndarray
) -> sp.csr_matrix:
    """``a @ w.T`` with sorted indices, ``w`` the character n-gram rows of the windows
    (:func:`_windows_of`) of the articles whose sentences are rows ``starts[k]`` to
    ``starts[k] + n[k]`` of ``s`` (L2-normalised rows), made from the products with the
    sentences alone: a window of two adjacent sentences is their sum over its norm, so its
    product with a row is the sum of the row's products with the two over that norm. The
    sentence products are the window product's (one term each); a pair's agrees with the
    product with its own row to float32 rounding. The pairs' rows are never made, and the
    product, the largest part of the coverage, has a third of the terms."""
    x = sp.csr_matrix(s[_ranges(starts, n)])  # the articles' sentences, in order
    single = sp.csr_matrix(a @ x.T)
    n_pair = np.maximum(n - 1, 0)
    size = n + n_pair
    w_start = np.cumsum(size) - size  # each article's first window
    s_start = np.cumsum(n) - n  # its first sentence among the rows of ``x``
    # each window's sentences (rows of ``x``) and their weight in it; a pair's norm from
    # the squares and the product of its two rows: |u + v|^2 = |u|^2 + |v|^2 + 2 u.v
    first = _ranges(s_start, n_pair)
    pair_col = _ranges(w_start + n, n_pair)
    sq = np.asarray(x.multiply(x).sum(axis=1), dtype=np.float64).ravel()
    dot = np.asarray(x[:-1].multiply(x[1:]).sum(axis=1), dtype=np.float64).ravel()
    norm = np.sqrt(sq[first] + sq[first + 1] + 2.0 * dot[first]) if first.size else sq[:0]
    inv = np.divide(1.0, norm, out=np.zeros_like(norm), where=norm > 0).astype(s.dtype)
    to_window = sp.csr_matrix(
        (
            np.r_[np.ones(x.shape[0], dtype=s.dtype), inv, inv],
            (
                np.r_[np.arange(x.shape[0]), first, first + 1],
                np.r_[_ranges(w_start, n), pair_col, pair_col],
            ),
        ),
        shape=(x.shape[0], int(size.sum())),
    )
    return _sort_indices(sp.csr_matrix(single @ to_window))


def _sort_indices(m: sp.csr_matrix) -> sp.csr_matrix:
    """``m`` (no repeated column within a row) with each row's columns sorted, the same
    entries: by a round trip through CSC, which lays the columns out in order, when the
    matrix has no more than :data:`_TRANSPOSE_COLUMNS` columns per entry (its cost grows
    with the columns too), else by sorting each row in place."""
    if m.shape[1] > _TRANSPOSE_COLUMNS * max(m.nnz, 1):
        m.sort_indices()
        return m
    out = sp.csr_matrix(m.tocsc().tocsr())
    out.has_sorted_indices = True
    return out


_TRANSPOSE_COLUMNS = 2
"""Columns per stored entry up to which :func:`_sort_indices` goes through CSC."""


def _entry_keys(m: sp.csr_matrix) -> np.ndarray:
    """``row * n_cols + col`` of each stored entry (sorted when the indices are)."""
    rows = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
    out: np.ndarray = rows * np.int64(m.shape[1]) + m.indices
    return out


def _lookup(keys: np.ndarray, at: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` of the sorted ``keys`` at ``at`` (0 where absent)."""
    out = np.zeros(at.size, dtype=values.dtype)
    if keys.size == 0:
        return out
    pos = np.minimum(np.searchsorted(keys, at), keys.size - 1)
    found = keys[pos] == at
    out[found] = values[pos[found]]
    return out


@dataclass
class _Chunk:
    """Blocks scored in one product: per block its sources and the articles whose windows
    they meet (local article ids)."""

    sources: list[np.ndarray]
    targets: list[np.ndarray]
    cells: int = 0


def _plan_chunks(loc: np.ndarray, n_sent: np.ndarray, n_win: np.ndarray) -> list[_Chunk]:
    """Blocks (connected components of the pairs ``loc``, split by source when larger than
    ``_BLOCK_CELLS``) packed into chunks of about ``_CHUNK_CELLS`` sentence x window
    scores."""
    from scipy.sparse.csgraph import connected_components

    m = n_sent.size
    graph = sp.coo_matrix((np.ones(len(loc)), (loc[:, 0], loc[:, 1])), shape=(m, m))
    _, comp = connected_components(graph, directed=False)
    order = np.argsort(comp, kind="stable")
    bounds = np.r_[0, np.flatnonzero(np.diff(comp[order])) + 1, m]
    partners: dict[int, list[int]] | None = None
    blocks: list[tuple[np.ndarray, np.ndarray, int]] = []
    for lo, hi in itertools.pairwise(bounds.tolist()):
        members = order[lo:hi]
        cost = int(n_sent[members].sum()) * int(n_win[members].sum())
        if cost <= _BLOCK_CELLS or members.size <= 2:
            blocks.append((members, members, cost))
            continue
        if partners is None:
            partners = {}
            for x, y in loc.tolist():
                partners.setdefault(x, []).append(y)
                partners.setdefault(y, []).append(x)
        srcs: list[int] = []
        tgts: set[int] = set()
        for x in members.tolist():
            grown = tgts.union(partners[x])
            cost = int(n_sent[[*srcs, x]].sum()) * int(n_win[list(grown)].sum())
            if srcs and cost > _BLOCK_CELLS:
                t = np.array(sorted(tgts), dtype=np.int64)
                blocks.append((np.array(srcs), t, int(n_sent[srcs].sum() * n_win[t].sum())))
                srcs, grown = [], set(partners[x])
            srcs.append(x)
            tgts = grown
        t = np.array(sorted(tgts), dtype=np.int64)
        blocks.append((np.array(srcs), t, int(n_sent[srcs].sum() * n_win[t].sum())))
    chunks: list[_Chunk] = []
    size = 0
    for s, t, cost in blocks:
        if not chunks or size + cost > _CHUNK_CELLS:
            chunks.append(_Chunk([], []))
            size = 0
        chunks[-1].sources.append(s)
        chunks[-1].targets.append(t)
        chunks[-1].cells += cost
        size += cost
    return chunks


def _chunk_coverage(
    index: _SentenceIndex,
    rows: np.ndarray,
    dir_keys: np.ndarray,
    dir_ids: np.ndarray,
    cfg: ScoreConfig,
    chunk: _Chunk,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Coverage of one chunk's directions: (direction ids, retold words, reused words,
    hit direction ids, hit sentence indexes, ids of the directions with a figure conflict).
    A direction is a (source, partner) pair of local article ids with key
    ``source * len(rows) + partner`` in ``dir_keys``.

    A direction has a figure conflict (at ``cfg.conflict_match``; none when 0) when a source
    sentence and a single sentence of the partner have a character n-gram cosine (figures
    not weighed) of at least the bar, both have figures and a figure of the smaller set is
    missing from the other: one template sentence filled with other figures, as two reports
    of one template (a market's opening and closing report, a day's two money market
    notices) have it and a version, which retells a sentence with its figures, has not.
    The terms of the coverage, at no further product."""
    m = np.int64(rows.size)
    src = np.concatenate(chunk.sources)
    tgt = np.concatenate(chunk.targets)
    src_block = np.repeat(np.arange(len(chunk.sources)), [x.size for x in chunk.sources])
    tgt_block = np.repeat(np.arange(len(chunk.targets)), [x.size for x in chunk.targets])
    # each block's articles (sources and targets), their sentences in block-own columns
    union = [
        s if s is t else np.union1d(s, t) for s, t in zip(chunk.sources, chunk.targets, strict=True)
    ]
    u = np.concatenate(union)
    u_block = np.repeat(np.arange(len(union)), [x.size for x in union])
    se = index.offsets.spans(rows[u])
    n_u = se[:, 1] - se[:, 0]
    sel = _ranges(se[:, 0], n_u)
    row_block = np.repeat(u_block, n_u)
    picked = index.take(sel)
    base = _Sentences(
        _block_columns(picked.chars, row_block),
        picked.weights,
        _block_columns(picked.numbers, row_block),
        _block_columns(picked.bigrams, row_block),
        picked.quoted,
    )
    u_start = np.cumsum(n_u) - n_u
    u_keys = u_block * m + u  # sorted: blocks in order, each block's articles sorted
    src_pos = np.searchsorted(u_keys, src_block * m + src)
    tgt_pos = np.searchsorted(u_keys, tgt_block * m + tgt)
    n_a = n_u[src_pos]
    a = _take(base, _ranges(u_start[src_pos], n_a))
    wins = _windows_of(base, u_start[tgt_pos], n_u[tgt_pos], chars=False)
    w = wins.rows
    a_art = np.repeat(src, n_a)  # local article of each sentence row
    w_pos = np.repeat(np.arange(tgt.size), wins.size)  # position in tgt of each window
    n_w = np.int64(max(w.numbers.shape[0], 1))
    chars = _window_product(a.chars, base.chars, u_start[tgt_pos], n_u[tgt_pos])
    grams = _product(a.bigrams, w.bigrams)
    nums = _product(a.numbers, w.numbers)

    def needed(mat: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        keys = _entry_keys(mat)
        d = a_art[keys // n_w] * m + tgt[w_pos[keys % n_w]]
        pos = np.minimum(np.searchsorted(dir_keys, d), max(dir_keys.size - 1, 0))
        keep = dir_keys[pos] == d
        return keys[keep], mat.data[keep]

    kc, vc = needed(chars)
    kg, vg = needed(grams)
    extra = kg[_lookup(kc, kg, np.ones(kc.size, dtype=bool)) == 0]  # reuse without cosine
    keys = np.sort(np.r_[kc, extra]) if extra.size else kc
    r = keys // n_w
    c = keys % n_w
    # the terms of _match_scores at every entry, in its dtypes
    cos = _lookup(kc, keys, vc)
    inter = _lookup(kg, keys, vg)
    size_a = np.maximum(np.asarray(a.bigrams.sum(axis=1)).ravel(), 1)
    na = np.asarray(a.numbers.sum(axis=1)).ravel()
    nw = np.asarray(w.numbers.sum(axis=1)).ravel()
    smaller = np.minimum(na[r], nw[c])
    inter_n = _lookup(_entry_keys(nums), keys, nums.data)
    agree = np.ones(keys.size, dtype=np.float64)
    has = smaller > 0
    agree[has] = (inter_n[has] / smaller[has]) ** 2
    loose = cos * agree
    reuse = inter / size_a[r] / cfg.reuse_match
    strict = np.maximum(cos / cfg.sentence_match, reuse) * agree
    # cells: one source sentence against one partner's windows (consecutive entries)
    pos_w = w_pos[c]
    new = np.r_[True, (r[1:] != r[:-1]) | (pos_w[1:] != pos_w[:-1])] if keys.size else keys > 0
    starts = np.flatnonzero(new)
    cell = np.cumsum(new) - 1
    cell_r, cell_w = r[starts], pos_w[starts]
    best = np.maximum.reduceat(loose, starts) if keys.size else loose
    top = np.maximum.reduceat(strict, starts) if keys.size else strict

    def first_max(v: np.ndarray, top_v: np.ndarray) -> np.ndarray:
        hit = np.flatnonzero(v == top_v[cell])
        return hit[np.r_[True, cell[hit][1:] != cell[hit][:-1]]] if hit.size else hit

    arg_strict = first_max(strict, top)
    arg_loose = first_max(loose, best)
    quoted = np.maximum(a.quoted[cell_r], w.quoted[c[arg_strict]]) >= 0.5
    credit = np.where(quoted, QUOTE_WEIGHT, 1.0) * (top >= 1.0)
    retold = best >= cfg.retell_match
    d_key = a_art[cell_r] * m + tgt[cell_w]
    d_idx = np.searchsorted(dir_keys, d_key)
    wt = a.weights[cell_r]
    out_ids, cell_dir = np.unique(d_idx, return_inverse=True)
    retold_words = np.bincount(cell_dir, weights=wt * retold, minlength=out_ids.size)
    reused_words = np.bincount(cell_dir, weights=wt * credit, minlength=out_ids.size)
    # the partner's sentences that retell: the first of a window, and the second of a pair
    win = c[arg_loose][retold] - wins.start[cell_w[retold]]
    nb = wins.n_sentences[cell_w[retold]]
    first = np.where(win < nb, win, win - nb)
    hit_dir = np.r_[d_idx[retold], d_idx[retold][win >= nb]]
    hit_sent = np.r_[first, first[win >= nb] + 1]
    conflict = np.zeros(0, dtype=np.int64)
    if cfg.conflict_match > 0:
        # in the dtype of the scores, as the per-pair product compares; whole counts
        e = np.flatnonzero(cos >= cfg.conflict_match)
        e = e[(smaller[e] > 0) & (inter_n[e] < smaller[e])]
        pw = pos_w[e]
        e = e[c[e] - wins.start[pw] < wins.n_sentences[pw]]  # the partner's single sentences
        bad_key = a_art[r[e]] * m + tgt[pos_w[e]]
        conflict = dir_ids[_sorted_unique(np.searchsorted(dir_keys, bad_key))]
    return dir_ids[out_ids], retold_words, reused_words, dir_ids[hit_dir], hit_sent, conflict


_PARALLEL_MIN_CELLS = 1 << 23
"""Sentence x window scores worth starting worker processes for."""


def _map_chunks(chunks: list[_Chunk], job: tuple[Any, ...]) -> Iterable[tuple[np.ndarray, ...]]:
    """:func:`_chunk_coverage` of each chunk, in order: in ``cfg.n_jobs`` forked worker
    processes when there is enough work (the sentence index is shared, not copied), else
    here. Each chunk's result is the same wherever it is computed."""
    cfg: ScoreConfig = job[-1]
    big = sum(c.cells for c in chunks) >= _PARALLEL_MIN_CELLS
    return fork_map(_chunk_coverage, job, chunks, cfg.n_jobs, parallel=big)


@dataclass(frozen=True)
class PairCoverage(
    Sequence[tuple[tuple[float, float, frozenset[int]], tuple[float, float, frozenset[int]]]]
):
    """What :func:`_all_coverage` finds, as arrays: per distinct direction the retold and
    reused shares and the hit sentences; per pair its two directions (``ab``: i's
    sentences in j, ``ba``: j's in i). Item ``p`` is pair p's two (retold, reused, hits)."""

    retold: np.ndarray  # float64 per direction
    reused: np.ndarray  # float64 per direction
    hits: DirectionHits
    ab: np.ndarray  # int64 per pair
    ba: np.ndarray  # int64 per pair

    def __len__(self) -> int:
        return len(self.ab)

    def _side(self, d: int) -> tuple[float, float, frozenset[int]]:
        return float(self.retold[d]), float(self.reused[d]), self.hits.of(d)

    @overload
    def __getitem__(
        self, p: int
    ) -> tuple[tuple[float, float, frozenset[int]], tuple[float, float, frozenset[int]]]: ...

    @overload
    def __getitem__(
        self, p: slice
    ) -> list[tuple[tuple[float, float, frozenset[int]], tuple[float, float, frozenset[int]]]]: ...

    def __getitem__(self, p: int | slice) -> Any:
        if isinstance(p, slice):
            return [self[k] for k in range(*p.indices(len(self)))]
        return self._side(int(self.ab[p])), self._side(int(self.ba[p]))

    def column(self, side: int, part: int) -> np.ndarray:
        """Per pair: the retold (``part`` 0) or reused (1) share of i in j (``side`` 0) or
        of j in i (1)."""
        values = self.retold if part == 0 else self.reused
        out: np.ndarray = values[self.ab if side == 0 else self.ba]
        return out


_NO_DIRECTIONS = DirectionHits(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32))


def _all_coverage(
    sent: _SentenceIndex,
    pairs: np.ndarray,
    cfg: ScoreConfig,
    progress: Callable[[int], None] | None = None,
    conflicts: np.ndarray | None = None,
) -> PairCoverage:
    """For each pair (i, j): how much of i is found in j and of j in i — each as (share of
    the source's words in sentences retold in the partner, share reused there, the partner's
    sentences that retell the source's).

    Retold: character n-gram cosine with a sentence of the partner or two adjacent ones,
    times number agreement, at least ``retell_match`` (the same facts, maybe in other words).
    Reused: :func:`_match_scores` at least 1; quoted speech counts :data:`QUOTE_WEIGHT`.

    What one article finds in another depends only on their sentences, so articles with the
    same sentences (verbatim copies of a story) are measured once: each distinct direction
    (sentences of the source, sentences of the partner) is computed by
    :func:`_direction_coverage` and shared by every pair that has it.

    ``conflicts`` (a bool per pair), when given, is set to whether i and j have a figure
    conflict (:func:`_chunk_coverage` at ``cfg.conflict_match``), found along the way."""
    n = len(pairs)
    if n == 0:
        none = np.zeros(0, dtype=np.int64)
        return PairCoverage(np.zeros(0), np.zeros(0), _NO_DIRECTIONS, none, none)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    rows = np.unique(pairs)
    # rows numbered by their sentences (the bytes of their distinct-sentence numbers: no
    # Python int per sentence), in order of first appearance
    contents = np.empty(rows.size, dtype=object)
    contents[:] = [sent.inv[s:e].tobytes() for s, e in sent.offsets.spans(rows).tolist()]
    content = np.asarray(pd.factorize(contents)[0], dtype=np.int64)
    del contents
    reps = rows[np.unique(content, return_index=True)[1]]  # each number's first row
    pos = np.searchsorted(rows, pairs)
    ca, cb = content[pos[:, 0]], content[pos[:, 1]]
    n_c = np.int64(reps.size)
    keys, d_of = np.unique(np.r_[ca * n_c + cb, cb * n_c + ca], return_inverse=True)
    state = {"dirs": 0, "pairs": 0}

    def report(dirs: int) -> None:  # directions done -> pairs, for the caller's bar
        assert progress is not None
        state["dirs"] += dirs
        pairs_done = state["dirs"] * n // keys.size
        progress(pairs_done - state["pairs"])
        state["pairs"] = pairs_done

    apart = np.zeros(keys.size, dtype=bool)
    retold, reused, hits = _direction_coverage(
        sent,
        reps[keys // n_c],
        reps[keys % n_c],
        cfg,
        None if progress is None else report,
        apart,
    )
    if conflicts is not None:
        conflicts[:] = apart[d_of[:n]]  # the direction i in j: i's sentences, j's windows
    d_of = d_of.astype(np.int64, copy=False)
    return PairCoverage(retold, reused, hits, d_of[:n], d_of[n:])


def _direction_coverage(
    sent: _SentenceIndex,
    src_rows: np.ndarray,
    dst_rows: np.ndarray,
    cfg: ScoreConfig,
    progress: Callable[[int], None] | None = None,
    conflicts: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, DirectionHits]:
    """(retold share, reused share, hit sentences) of each distinct direction: the sentences
    of ``src_rows[d]`` found in ``dst_rows[d]`` (the two may be the same article).
    ``conflicts`` (a bool per direction), when given, marks the directions with a figure
    conflict (:func:`_chunk_coverage`).

    The articles fall into the connected components of the directions' graph; the sentences
    of a component's articles meet the windows (:func:`_windows`) of its articles in one
    block, and many blocks share one sparse product (:func:`_block_columns`), so the work
    is a few large products rather than one per article. ``progress`` gets the number of
    directions done after each chunk."""
    n_dir = src_rows.size
    rows, inv = np.unique(np.r_[src_rows, dst_rows], return_inverse=True)
    lsrc, ldst = inv[:n_dir].astype(np.int64), inv[n_dir:].astype(np.int64)
    loc = np.c_[lsrc, ldst]
    m = np.int64(rows.size)
    se = sent.offsets.spans(rows)
    n_sent = se[:, 1] - se[:, 0]
    n_win = np.maximum(2 * n_sent - 1, 0)
    totals = np.array([sent.weights[s:e].sum() for s, e in se.tolist()], dtype=np.float64)
    keys = lsrc * m + ldst
    key_order = np.argsort(keys, kind="stable")
    dir_keys = keys[key_order]
    retold = np.zeros(n_dir, dtype=np.float64)
    reused = np.zeros(n_dir, dtype=np.float64)
    # each chunk's hits as distinct codes (direction * width + sentence); a direction is
    # measured in the one block that holds its source, so codes should not recur across
    # chunks (checked below)
    width = int(n_sent.max(initial=0)) + 1
    hit_parts: list[np.ndarray] = []
    degree = np.bincount(lsrc, minlength=rows.size)
    chunks = _plan_chunks(loc, n_sent, n_win)
    for chunk, (ids, rw, uw, hd, hs, fc) in zip(
        chunks, _map_chunks(chunks, (sent, rows, dir_keys, key_order, cfg)), strict=True
    ):
        retold[ids] += rw
        reused[ids] += uw
        hit_parts.append(_sorted_unique(hd * width + hs))
        if conflicts is not None:
            conflicts[fc] = True
        if progress is not None:
            progress(int(degree[np.concatenate(chunk.sources)].sum()))
    total = totals[lsrc]
    safe = np.where(total > 0, total, 1.0)
    cov = np.minimum(retold / safe, 1.0)
    cov_reused = np.minimum(reused / safe, 1.0)
    code = np.concatenate(hit_parts) if hit_parts else np.zeros(0, np.int64)
    del hit_parts
    code.sort()
    if code.size > 1 and bool((code[1:] == code[:-1]).any()):  # (not expected: see above)
        code = _sorted_unique(code)
    indptr = np.zeros(n_dir + 1, dtype=np.int64)
    np.cumsum(np.bincount(code // width, minlength=n_dir), out=indptr[1:])
    return cov, cov_reused, DirectionHits(indptr, (code % width).astype(np.int32))


def story_coverage(
    inputs: ScoringInputs,
    queries: Sequence[tuple[int, Sequence[int]]],
    cfg: ScoreConfig,
    index: _SentenceIndex | None = None,
) -> list[tuple[float, float, tuple[tuple[int, float], ...], float]]:
    """For each query (article ``src``, its possible sources ``members``): the share of
    src's words retold and reused (the ``coverage`` and reused shares of
    :func:`_all_coverage`) in the members taken together, each sentence of src matched
    against the windows of every member, and the members that retell some of it, each with
    the share of src's words it retells best, most first (ties: member order), and the
    share of src's words retold in sentences that are not mostly quoted speech (its
    narrative: independent reports of one event share what was said, not how it is told). A text cut
    and stitched from several takes or versions of one wire story is judged against them
    all, not against each take alone. Left out: members that are other reports from one
    template (:func:`templated_apart`) or carry another title (both titled, word Jaccard
    below ``short_title_jaccard``); no member counts when src's figures are not found in
    them (:func:`_figures_found`).

    ``index``: the scorer's sentence index (:attr:`ScoredPairs.sentence_index`) when it holds every
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
    if index is None or index.offsets.missing(rows).size:
        index = _SentenceIndex(inputs.sentences, rows, tokens=inputs.tokens)
    every_member = sorted({m for _, members in queries for m in members})
    wins = index.windows(every_member)
    at = {m: k for k, m in enumerate(every_member)}
    out: list[tuple[float, float, tuple[tuple[int, float], ...], float]] = []
    for src, targets in queries:
        sizes = np.array([wins.size[at[t]] for t in targets], dtype=np.int64)
        if not sizes.sum():  # no member left, or none with a sentence: nothing retold
            out.append((0.0, 0.0, (), 0.0))
            continue
        a = index.rows(src)
        if a.chars.shape[0] == 0 or a.weights.sum() <= 0:
            out.append((0.0, 0.0, (), 0.0))
            continue
        starts = np.array([wins.start[at[t]] for t in targets], dtype=np.int64)
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
                min(float(a.weights @ (retold & (a.quoted < 0.5))) / total, 1.0),
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
    """The relation of one scored pair ("" when below every bar): :func:`decide_relations`
    of one pair (``row`` holds its scores; the reused coverage each way, ``reused_a_in_b``
    and ``reused_b_in_a``, defaults to the coverage)."""
    col = {k: np.array([v], dtype=np.float64) for k, v in row.items()}
    rel = decide_relations(
        col,
        np.array([same_body]),
        np.array([short_template]),
        cfg,
        np.array([min_words], dtype=np.int64),
        np.array([other_figures]),
        np.array([_LATER_CODES[later]], dtype=np.int8),
    )
    return str(rel[0])


_LATER_CODES = {"": 0, "a": 1, "b": 2}
_RELATION_NAMES = np.array(("", *RELATIONS), dtype=object)


def decide_relations(
    scores: Mapping[str, np.ndarray],
    same_body: np.ndarray,
    short_template: np.ndarray,
    cfg: ScoreConfig,
    min_words: np.ndarray,
    other_figures: np.ndarray,
    later: np.ndarray,
) -> np.ndarray:
    """The relation of each scored pair ("" when below every bar), as an object array.

    ``scores`` maps each score name (:data:`PAIR_COLUMNS`; ``reused_a_in_b`` and
    ``reused_b_in_a`` too, else the coverage) to its array. ``same_body``: the bodies are
    one token sequence. ``short_template``: short bodies under different titles.
    ``other_figures``: the two texts report different figures (:func:`figures_disagree`),
    so below a near copy they are different reports told in the same words; it is only
    read for pairs that are neither short templates, exact nor near copies. ``later``: 1
    ("a") or 2 ("b") when that text was published at least ``rewrite_order_hours`` after
    the other (0 otherwise): only the later text can be a rewrite of the earlier one, so
    only its coverage in the earlier one counts (an earlier text whose facts reappear in a
    later, longer report written independently is not a version of it)."""
    cos = scores["tfidf_cosine"]
    cov_ab, cov_ba = scores["coverage_a_in_b"], scores["coverage_b_in_a"]
    reused_ab = scores.get("reused_a_in_b", cov_ab)
    reused_ba = scores.get("reused_b_in_a", cov_ba)
    related = np.where(cos >= cfg.related_cosine, 1 + RELATIONS.index("related"), 0)
    reused = np.where(
        later == 1, reused_ab, np.where(later == 2, reused_ba, _py_max(reused_ab, reused_ba))
    )
    retold = _py_min(cov_ab, cov_ba)
    rewrite = (min_words >= cfg.rewrite_min_words) & (
        (reused >= cfg.rewrite_coverage) | (retold >= cfg.retell_coverage)
    )
    code = np.select(
        [
            short_template,
            same_body,
            scores["jaccard"] >= cfg.near_copy_jaccard,
            other_figures,
            _py_max(scores["containment_a_in_b"], scores["containment_b_in_a"])
            >= cfg.partial_copy_containment,
            rewrite,
        ],
        [related, 1, 2, related, 3, 4],
        default=related,
    )
    out: np.ndarray = _RELATION_NAMES[code]
    return out


def _py_max(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Python's ``max(a, b)`` elementwise (``a`` unless ``b > a``; NaN as Python has it)."""
    out: np.ndarray = np.where(b > a, b, a)
    return out


def _py_min(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Python's ``min(a, b)`` elementwise (``a`` unless ``b < a``)."""
    out: np.ndarray = np.where(b < a, b, a)
    return out


def titles_apart(a: str, b: str, least: float) -> bool:
    """Both titles given and their word Jaccard below ``least``."""
    return bool(a.strip()) and bool(b.strip()) and _title_jaccard(a, b) < least


def _titles_apart(inputs: ScoringInputs, i: int, j: int, cfg: ScoreConfig) -> bool:
    """Both rows have a title and their word Jaccard is below ``short_title_jaccard``."""
    return titles_apart(inputs.titles[i], inputs.titles[j], cfg.short_title_jaccard)


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
    bodies under different titles, different figures, titles naming different subjects,
    or published more than ``version_days`` apart (the checks of :func:`pair_relation`
    that cap a pair below a near copy at ``related``)."""
    short = (
        min(len(inputs.tokens[i]), len(inputs.tokens[j])) < cfg.short_body_words
        and bool(inputs.titles[i].strip())
        and bool(inputs.titles[j].strip())
        and _title_jaccard(inputs.titles[i], inputs.titles[j]) < cfg.short_title_jaccard
    )
    return (
        short
        or _other_figures(
            inputs, i, j, figures(inputs.sentences[i]), figures(inputs.sentences[j]), cfg
        )
        or title_names_apart(inputs, i, j, cfg)
        or _days_apart(inputs.times, i, j, cfg.version_days)
    )


def _later_codes(
    times: np.ndarray | None, ii: np.ndarray, jj: np.ndarray, hours: float
) -> np.ndarray:
    """For each pair, 1 ("a") when row ``ii[n]`` was published at least ``hours`` after row
    ``jj[n]``, 2 ("b") the other way, 0 when neither or a time is unknown."""
    out = np.zeros(len(ii), dtype=np.int8)
    if times is None or not hours:
        return out
    gap = np.asarray(times[ii] - times[jj], dtype=np.float64)
    far = ~np.isnan(gap) & ~(np.abs(gap) < hours * 3600.0)
    out[far] = np.where(gap[far] > 0, 1, 2)
    return out


def _days_apart_many(
    times: np.ndarray | None, ii: np.ndarray, jj: np.ndarray, days: float
) -> np.ndarray:
    """:func:`_days_apart` of each pair (rows ``ii[n]`` and ``jj[n]``)."""
    if times is None or not days:
        return np.zeros(len(ii), dtype=bool)
    gap = np.asarray(times[ii] - times[jj], dtype=np.float64)
    out: np.ndarray = ~np.isnan(gap) & (np.abs(gap) > days * 86400.0)
    return out


def shingle_overlap(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Exact ``jaccard`` and ``containment`` each way of two shingle sets."""
    inter = float(np.intersect1d(a, b, assume_unique=True).size)
    union = a.size + b.size - inter
    return {
        "jaccard": inter / union if union else 0.0,
        "containment_a_in_b": inter / a.size if a.size else 0.0,
        "containment_b_in_a": inter / b.size if b.size else 0.0,
    }


_LOW_MARKS = np.array([1, 2, 3, 5], dtype=np.int8)
"""The mark of each value of a hash's two low bits: two marks' product is a square (1, 4,
9 or 25) exactly when the marks are equal."""
_SQUARE_MARKS = np.array([1, 4, 9, 25], dtype=np.int8)


@dataclass
class _ShingleRows:
    """Shingle sets (sorted, unique hashes) of many articles as a sparse matrix: a hash's
    high 62 bits are its column, the mark of its two low bits (:data:`_LOW_MARKS`) its
    value, so that no table of the distinct hashes is needed. A set with two hashes of one
    column (a 2**-62 chance per pair of hashes) is left out of the matrix and kept in
    ``odd``."""

    matrix: sp.csr_matrix
    sizes: np.ndarray  # the size of each set
    odd: dict[int, np.ndarray]

    @classmethod
    def build(cls, slices: Iterable[Sequence[np.ndarray]], capacity: int) -> _ShingleRows:
        """From the sets, given a slice of articles at a time, of at most ``capacity``
        hashes in all (the matrix is filled in place)."""
        cols = np.empty(capacity, dtype=np.int64)
        marks = np.empty(capacity, dtype=np.int8)
        counts: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
        sizes: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
        odd: dict[int, np.ndarray] = {}
        base = filled = 0
        for sets in slices:
            n = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
            h = np.concatenate(sets) if sets else np.zeros(0, dtype=np.uint64)
            high = (h >> np.uint64(2)).astype(np.int64)
            ends = np.cumsum(n)
            same = high[1:] == high[:-1]
            same[ends[:-1][(ends[:-1] > 0) & (ends[:-1] < h.size)] - 1] = False  # across sets
            clash = np.unique(np.searchsorted(ends, np.flatnonzero(same), side="right"))
            kept = n.copy()
            if clash.size:
                odd.update({base + int(r): sets[r] for r in clash.tolist()})
                keep = ~np.isin(np.repeat(np.arange(n.size), n), clash)
                h, high = h[keep], high[keep]
                kept[clash] = 0
            cols[filled : filled + h.size] = high
            marks[filled : filled + h.size] = _LOW_MARKS[(h & np.uint64(3)).astype(np.intp)]
            filled += h.size
            counts.append(kept)
            sizes.append(n)
            base += n.size
        ptr = np.zeros(base + 1, dtype=np.int64)
        np.cumsum(np.concatenate(counts), out=ptr[1:])
        matrix = sp.csr_matrix((marks[:filled], cols[:filled], ptr), shape=(base, 1 << 62))
        return cls(matrix, np.concatenate(sizes), odd)

    def row_set(self, r: int) -> np.ndarray:
        """The set of row r."""
        if r in self.odd:
            return self.odd[r]
        s, e = self.matrix.indptr[r], self.matrix.indptr[r + 1]
        low = np.searchsorted(_LOW_MARKS, self.matrix.data[s:e]).astype(np.uint64)
        out: np.ndarray = (self.matrix.indices[s:e].astype(np.uint64) << np.uint64(2)) | low
        return out

    def counts(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The number of hashes sets ``a[n]`` and ``b[n]`` share, for each n: the rows
        multiplied entry by entry (a product of marks is a square where the hashes are
        equal), a slice of pairs at a time; ``np.intersect1d`` for the pairs with an odd
        set."""
        m = self.matrix
        out = np.zeros(len(a), dtype=np.int64)
        for lo in range(0, len(a), _OVERLAP_PAIRS):
            hi = lo + _OVERLAP_PAIRS
            prod = sp.csr_matrix(m[a[lo:hi]].multiply(m[b[lo:hi]]))
            per_row = np.repeat(np.arange(prod.shape[0]), np.diff(prod.indptr))
            equal = np.isin(prod.data, _SQUARE_MARKS)
            out[lo : lo + prod.shape[0]] = np.bincount(per_row[equal], minlength=prod.shape[0])
        if self.odd:
            odd = np.array(sorted(self.odd), dtype=np.int64)
            for p in np.flatnonzero(np.isin(a, odd) | np.isin(b, odd)).tolist():
                sa, sb = self.row_set(int(a[p])), self.row_set(int(b[p]))
                out[p] = np.intersect1d(sa, sb, assume_unique=True).size
        return out


_OVERLAP_PAIRS = 4096
"""Pairs whose shingle rows are gathered and multiplied at a time."""


def shingle_overlaps(
    sets: Sequence[np.ndarray], a: np.ndarray, b: np.ndarray
) -> dict[str, np.ndarray]:
    """:func:`shingle_overlap` of ``sets[a[n]]`` and ``sets[b[n]]`` for each n, as arrays
    (the same values)."""
    return _overlaps(_ShingleRows.build([sets], sum(map(len, sets))), a, b)


def _pair_overlaps(
    tokens: Sequence[Sequence[str]], rows: np.ndarray, pos: np.ndarray, k: int
) -> dict[str, np.ndarray]:
    """:func:`shingle_overlaps` of the pairs ``pos`` (positions in the sorted ``rows``) of
    the texts' k-shingle sets. The rows are taken a group of connected rows at a time (the
    connected components of the pairs, packed into groups of about
    :data:`_OVERLAP_SHINGLES` shingles), so only one group's sets are held: every pair
    lies within one group and every row's set is made once. A batch that fits in one group
    is hashed as one (the sets of each group are those of :func:`shingle_sets` of its
    rows; overlaps do not depend on which other rows are hashed with them)."""
    from scipy.sparse.csgraph import connected_components

    lens = _word_counts(tokens, rows)
    n_sh = np.where(lens >= k, lens - k + 1, np.minimum(lens, 1))  # with repeats
    m = rows.size
    if int(n_sh.sum()) <= _OVERLAP_SHINGLES:
        group = np.zeros(m, dtype=np.int64)
    else:
        graph = sp.coo_matrix((np.ones(len(pos)), (pos[:, 0], pos[:, 1])), shape=(m, m))
        _, comp = connected_components(graph, directed=False)
        per_comp = np.bincount(comp, weights=n_sh).astype(np.int64)
        group = ((np.cumsum(per_comp) - per_comp) // _OVERLAP_SHINGLES)[comp]
    out = {
        name: np.zeros(len(pos), dtype=np.float64)
        for name in ("jaccard", "containment_a_in_b", "containment_b_in_a")
    }
    by_row = np.argsort(group, kind="stable")  # each group's rows in ascending order
    row_cuts = np.searchsorted(group[by_row], np.arange(int(group.max(initial=0)) + 2))
    pair_group = group[pos[:, 0]]
    by_pair = np.argsort(pair_group, kind="stable")
    pair_cuts = np.searchsorted(pair_group[by_pair], np.arange(int(group.max(initial=0)) + 2))
    for g in range(row_cuts.size - 1):
        members = by_row[row_cuts[g] : row_cuts[g + 1]]
        mine = by_pair[pair_cuts[g] : pair_cuts[g + 1]]
        if not mine.size:
            continue
        rs = rows[members].tolist()
        if isinstance(tokens, TokenTable):
            slices: Iterable[Sequence[np.ndarray]] = _table_shingle_slices(tokens, rs, k)
        else:
            slices = [shingle_sets([tokens[r] for r in rs], k)]
        sets = _ShingleRows.build(slices, int(n_sh[members].sum()))
        local = np.searchsorted(members, pos[mine])
        for name, values in _overlaps(sets, local[:, 0], local[:, 1]).items():
            out[name][mine] = values
        del sets
    return out


_OVERLAP_SHINGLES = 1 << 26
"""Shingles (with repeats) whose sets :func:`_pair_overlaps` holds at a time, about 9 bytes
each: 600 MB, where a million articles' sets at once take several GB."""


def _overlaps(rows: _ShingleRows, a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`shingle_overlaps` of the sets of ``rows``."""
    inter = rows.counts(a, b).astype(np.float64)
    na, nb = rows.sizes[a], rows.sizes[b]
    union = (na + nb) - inter

    def share(den: np.ndarray) -> np.ndarray:
        out = np.zeros(inter.size, dtype=np.float64)
        np.divide(inter, den, out=out, where=den != 0)
        return out

    return {
        "jaccard": share(union),
        "containment_a_in_b": share(na.astype(np.float64)),
        "containment_b_in_a": share(nb.astype(np.float64)),
    }


def _same_bodies(tokens: Sequence[Sequence[str]], ii: np.ndarray, jj: np.ndarray) -> np.ndarray:
    """For each pair, whether rows ``ii[n]`` and ``jj[n]`` have one non-empty token
    sequence: equal :func:`body_digest`. For a :class:`TokenTable` the code sequences are
    compared (codes number distinct tokens, and tokens hold no spaces, so equal codes
    mean equal joined tokens and the other way), the pairs of equal lengths only."""
    if not isinstance(tokens, TokenTable):
        rows = np.unique(np.r_[ii, jj]).tolist()
        digest = {r: body_digest(tokens[r]) if tokens[r] else "" for r in rows}
        return np.fromiter(
            (
                bool(digest[i]) and digest[i] == digest[j]
                for i, j in zip(ii.tolist(), jj.tolist(), strict=True)
            ),
            dtype=bool,
            count=len(ii),
        )
    ni = tokens.lengths[ii]
    out = np.zeros(len(ii), dtype=bool)
    cand = np.flatnonzero((ni == tokens.lengths[jj]) & (ni > 0))
    for lo in range(0, cand.size, _DOT_PAIRS):
        part = cand[lo : lo + _DOT_PAIRS]
        n = ni[part]
        codes_i = tokens.codes[_ranges(tokens.offsets[ii[part]], n)]
        codes_j = tokens.codes[_ranges(tokens.offsets[jj[part]], n)]
        differ = np.bincount(
            np.repeat(np.arange(part.size), n), weights=codes_i != codes_j, minlength=part.size
        )
        out[part] = differ == 0
    return out


def _word_counts(tokens: Sequence[Sequence[str]], rows: np.ndarray) -> np.ndarray:
    """The number of tokens of each of ``rows``."""
    if isinstance(tokens, TokenTable):
        out: np.ndarray = tokens.lengths[rows]
        return out
    return np.fromiter((len(tokens[r]) for r in rows.tolist()), dtype=np.int64, count=len(rows))


def _shared_figures(
    sentences: Sequence[Sequence[str]], pairs: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each pair of rows: the number of :func:`figures` of each text and the number
    they share (``len(a)``, ``len(b)``, ``len(a & b)``). Each row's figures are found once
    and held as numbers (the distinct figures numbered as they come), a slice of rows at a
    time, where a frozenset per row took about a kilobyte."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    rows, pos = np.unique(pairs, return_inverse=True)
    pos = pos.reshape(-1, 2)
    distinct, codes, n_figs = _numbered_sets(
        lambda lo, hi: [figures(sentences[r]) for r in rows[lo:hi].tolist()], rows.size
    )
    width = np.int64(max(len(distinct), 1))
    del distinct
    starts = np.cumsum(n_figs) - n_figs
    shared = np.zeros(len(pairs), dtype=np.int64)
    for lo in range(0, len(pairs), _DOT_PAIRS):
        a, b = pos[lo : lo + _DOT_PAIRS, 0], pos[lo : lo + _DOT_PAIRS, 1]
        local = np.arange(a.size, dtype=np.int64)
        # (pair, figure) keys of both sides: a figure in both texts is a key given twice
        keys = np.sort(
            np.concatenate(
                [
                    np.repeat(local, n_figs[a]) * width + codes[_ranges(starts[a], n_figs[a])],
                    np.repeat(local, n_figs[b]) * width + codes[_ranges(starts[b], n_figs[b])],
                ]
            )
        )
        twice = keys[1:][keys[1:] == keys[:-1]] // width
        shared[lo : lo + a.size] = np.bincount(twice, minlength=a.size)
    return n_figs[pos[:, 0]], n_figs[pos[:, 1]], shared


def pair_relations(
    inputs: ScoringInputs, pairs: np.ndarray, scores: Mapping[str, np.ndarray], cfg: ScoreConfig
) -> np.ndarray:
    """The relation of each pair (rows ``i < j``) from its scores (``scores``: the
    :data:`PAIR_COLUMNS` scores and the reused coverage each way) and the articles:
    :func:`decide_relations` with the short-template, same-body, figures and time-order
    checks worked out (each only for the pairs whose relation it can change); a partial
    copy or rewrite whose titles name different subjects (:func:`title_names_apart`), or
    published more than ``version_days`` after the other text, is only related."""
    ii, jj = pairs[:, 0], pairs[:, 1]
    rows, pos = np.unique(pairs, return_inverse=True)
    pos = pos.reshape(-1, 2)
    nwords = _word_counts(inputs.tokens, rows)
    min_words = np.minimum(nwords[pos[:, 0]], nwords[pos[:, 1]])
    titled = np.fromiter(
        (bool(inputs.titles[r].strip()) for r in rows.tolist()), dtype=bool, count=rows.size
    )
    title_words: dict[int, set[str]] = {}

    def titles_apart_at(p: int) -> bool:  # _titles_apart of pair p, each title split once
        if not (titled[pos[p, 0]] and titled[pos[p, 1]]):
            return False
        i, j = int(ii[p]), int(jj[p])
        for r in (i, j):
            if r not in title_words:
                title_words[r] = set(tokenize(inputs.titles[r]))
        return _word_jaccard(title_words[i], title_words[j]) < cfg.short_title_jaccard

    same_body = _same_bodies(inputs.tokens, ii, jj)
    copy = same_body | (scores["jaccard"] >= cfg.near_copy_jaccard)
    short = min_words < cfg.short_body_words
    for p in np.flatnonzero(short).tolist():
        # a short copy re-sent under a reworded headline that names the same subject
        short[p] = titles_apart_at(p) and not (
            copy[p] and title_names_same(inputs, int(ii[p]), int(jj[p]), cfg)
        )
    other = np.zeros(len(pairs), dtype=bool)
    # _other_figures of the pairs whose relation it can change, the title check last
    fewer = cfg.title_figure_min < cfg.figure_min
    reach = np.flatnonzero(~short & ~same_body & ~(scores["jaccard"] >= cfg.near_copy_jaccard))
    na, nb, shared = _shared_figures(inputs.sentences, pairs[reach])
    small = np.minimum(na, nb)

    def disagree(least: int) -> np.ndarray:  # figures_disagree, for every pair of reach
        out: np.ndarray = (small >= least) & (shared < cfg.figure_agreement * small)
        return out

    other[reach] = disagree(cfg.figure_min)
    if fewer:
        for p in reach[~other[reach] & disagree(cfg.title_figure_min)].tolist():
            other[p] = titles_apart_at(p)
    later = _later_codes(inputs.times, ii, jj, cfg.rewrite_order_hours)
    rel = decide_relations(scores, same_body, short, cfg, min_words, other, later)
    version = (rel == "partial_copy") | (rel == "rewrite")
    capped = version & _days_apart_many(inputs.times, ii, jj, cfg.version_days)
    for p in np.flatnonzero(version & ~capped).tolist():
        capped[p] = title_names_apart(inputs, int(ii[p]), int(jj[p]), cfg)
    if capped.any():
        related = scores["tfidf_cosine"][capped] >= cfg.related_cosine
        rel[capped] = _RELATION_NAMES[np.where(related, 1 + RELATIONS.index("related"), 0)]
    return rel


def _days_apart(times: np.ndarray | None, i: int, j: int, days: float) -> bool:
    """Rows i and j were published more than ``days`` apart (False when a time is unknown
    or ``days`` is 0)."""
    if times is None or not days:
        return False
    gap = float(times[i] - times[j])
    return not np.isnan(gap) and abs(gap) > days * 86400.0


def score_pairs(
    pairs: np.ndarray,
    inputs: ScoringInputs,
    cfg: ScoreConfig,
    progress: Callable[[int], None] | None = None,
    keep_unrelated: bool = False,
    sentence_index: _SentenceIndex | None = None,
) -> ScoredPairs:
    """Score candidate pairs (row indexes, ``i < j``) and decide a relation for each.

    The sentence statistics (character n-gram IDF, common words) are fitted on the pairs'
    articles, or taken from ``sentence_index`` (a :class:`ScoredPairs` ``sentence_index``
    covering every article of ``pairs``)."""
    cols = ["i", "j", *PAIR_COLUMNS[2:]]
    if len(pairs) == 0:
        return ScoredPairs(pd.DataFrame(columns=cols), PairHits.of({}), sentence_index)
    rows = np.unique(pairs)
    if sentence_index is None:
        sent = _SentenceIndex(inputs.sentences, rows, cfg.n_jobs, inputs.tokens)
    else:
        sent = sentence_index
        missing = sent.offsets.missing(rows)
        if missing.size:
            raise ValueError(f"rows {missing[:5].tolist()} are not in the sentence index")
    sigs = inputs.signatures
    x = inputs.tfidf
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    mh_all = _signature_agreement(sigs, pairs)
    cos_all = _row_dots(x, pairs[:, 0], pairs[:, 1])
    conflict = np.zeros(len(pairs), dtype=bool)
    coverage = _all_coverage(sent, pairs, cfg, progress, conflict)
    # (after the sentence work: a large batch's shingle sets are not held through it)
    tokens = inputs.tokens
    overlap = _pair_overlaps(tokens, rows, np.searchsorted(rows, pairs), inputs.shingle_size)

    column = coverage.column

    scores: dict[str, np.ndarray] = {
        "minhash_jaccard": np.asarray(mh_all, dtype=np.float64),
        **overlap,
        "tfidf_cosine": _py_min(np.ones_like(cos_all), cos_all),
        "coverage_a_in_b": column(0, 0),
        "coverage_b_in_a": column(1, 0),
    }
    reused = {"reused_a_in_b": column(0, 1), "reused_b_in_a": column(1, 1)}
    rel = pair_relations(inputs, pairs, {**scores, **reused}, cfg)
    keep = np.ones(len(pairs), dtype=bool) if keep_unrelated else rel != ""
    kept = np.flatnonzero(keep)
    hits = PairHits(pairs[kept], coverage.ab[kept], coverage.ba[kept], coverage.hits)
    flagged = kept[conflict[kept]]
    conflicts = {(i, j) for i, j in pairs[flagged].tolist()}
    if kept.size:
        names = rel[kept]
        names[names == ""] = "unrelated"
        table = pd.DataFrame(
            {
                "i": pairs[kept, 0],
                "j": pairs[kept, 1],
                "relation": names,
                **{k: v[kept] for k, v in scores.items()},
            },
            columns=cols,
        )
    else:
        table = pd.DataFrame.from_records([], columns=cols)
    measured = frozenset(conflicts) if cfg.conflict_match > 0 else None
    return ScoredPairs(table, hits, sent, measured, cfg.conflict_match)


def _signature_agreement(sigs: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Share of equal signature values of each pair of rows (the MinHash estimate of their
    Jaccard similarity): ``np.mean(sigs[i] == sigs[j], axis=1)``, a slice of pairs at a
    time (the two gathered slices of signatures are the memory)."""
    out = np.zeros(len(pairs), dtype=np.float64)
    if not sigs.shape[1]:
        return out
    for lo in range(0, len(pairs), _DOT_PAIRS):
        part = pairs[lo : lo + _DOT_PAIRS]
        out[lo : lo + len(part)] = np.mean(sigs[part[:, 0]] == sigs[part[:, 1]], axis=1)
    return out


def _row_dots(x: sp.csr_matrix, ii: np.ndarray, jj: np.ndarray) -> np.ndarray:
    """Dot product of rows ``x[ii[n]]`` and ``x[jj[n]]`` for each n (0 without columns),
    summed in the order and precision of ``x[i].multiply(x[j]).sum()``."""
    if x.shape[1] == 0:
        return np.zeros(len(ii), dtype=np.float64)
    out = np.empty(len(ii), dtype=np.float64)
    for lo in range(0, len(ii), _DOT_PAIRS):  # a slice of pairs at a time: bounded memory
        xi = sp.csr_matrix(x[ii[lo : lo + _DOT_PAIRS]])
        xj = sp.csr_matrix(x[jj[lo : lo + _DOT_PAIRS]])
        xi.sum_duplicates()  # canonical rows: the product's entries in the one-row order
        xj.sum_duplicates()
        prod = sp.csr_matrix(xi.multiply(xj))
        data, ptr = prod.data, prod.indptr.tolist()
        out[lo : lo + xi.shape[0]] = [
            data[s:e].sum() if e > s else 0.0 for s, e in itertools.pairwise(ptr)
        ]
    return out


_DOT_PAIRS = 16_384
"""Pairs whose TF-IDF rows (:func:`_row_dots`) or signatures (:func:`_signature_agreement`)
are gathered at a time."""


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
