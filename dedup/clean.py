"""Clean stage: plain text, boilerplate removed, byline and dateline kept apart, sentences.

Boilerplate is found from the shape of the batch, never from phrase lists:

* a short line repeated inside one page (a "related headlines" block scraped twice);
* a line that opens by restating earlier lines of its page and is mostly made of them (a
  share box or "related" link repeating the headline and the standfirst with a link);
* a run of short lines without closing punctuation (link and headline lists, navigation);
* a line that recurs on many pages of one source around different stories (share bars,
  subscribe prompts, photo credits). Pages of one source that are versions of one story do
  not count as different stories, so an outlet running a wire story three times keeps it.
"""

from __future__ import annotations

import gc
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, pairwise

import numpy as np
import pandas as pd

from dedup.config import CleanConfig
from dedup.parallel import fork_map
from dedup.textnorm import (
    SentenceTable,
    count_words,
    plain_words,
    sentence_bounds,
    split_sentences,
    to_plain_text,
    tokenize,
)

_BYLINE_RE = re.compile(r"^(?:by|from)\s+[A-Z][\w.'’-]*(?:[ ,]+(?:and\s+)?[\w.'’@-]+){0,8}$", re.I)
_DATELINE_RE = re.compile(
    r"^(?P<dl>(?:[A-Z][\w.'’-]*(?:[ ,/]+[A-Z][\w.'’-]*){0,4},?\s*)?"
    r"(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\w*\.?\s+\d{1,2},?\s*)?"
    r"(?:\([A-Z][\w .&’'-]{0,40}\)\s*)?[-–—]+)\s+"
)
_ALLCAPS_DATELINE_RE = re.compile(
    r"^(?P<dl>[A-Z][A-Z .,'’/-]{2,40}(?:\([^)]{1,40}\))?\s*[-–—:]+)\s+"
)
_CLOSING = tuple(".!?:;\"'”’)…")


@dataclass(frozen=True)
class CleanedArticle:
    """One article after cleaning."""

    body: str
    sentences: tuple[str, ...]
    byline: str
    dateline: str
    n_boilerplate_lines: int


def _line_key(line: str) -> str:
    return " ".join(tokenize(line))


# Every ASCII character that is not a word character (``\w``) or a line break, as a space:
# after that only the non-ASCII non-word characters are left for a regex.
_ASCII_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_\n")
_ASCII_TO_SPACE = {i: (chr(i) if chr(i) in _ASCII_WORD else " ") for i in range(128)}
_STR_TABLE = str.maketrans(_ASCII_TO_SPACE)
_BYTES_TABLE = bytes(ord(_ASCII_TO_SPACE[i]) if i < 128 else i for i in range(256))
# (Starts with a character class, not a repeat, so the engine scans for it quickly.)
_SPACE_RUN = re.compile("  +")
_NON_ASCII_NON_WORD = re.compile(r"[^\w\x00-\x7f][^\w\x00-\x7f]*")


def _page_lines_keys_counts(text: str) -> tuple[list[str], list[str], list[int]]:
    """The non-blank lines of a page, their keys (:func:`_line_key`) and their word counts
    (:func:`count_words`), without a regex call per line.

    Keys: the lower-cased page with every non-word character but the line break as a space,
    then each line's words joined by one space. Lower-casing the page is lower-casing each
    line (its one context rule, final sigma, stops at a line break). Counts: lower-casing
    keeps every character's class (word or not), so a line's tokens keep their number; the
    one exception, U+0130 whose lower case is ``i`` and a combining dot, sends a page down
    the per-line path, as does a page whose tokens are not runs of ``\\w`` (letters of
    Chinese or Japanese script, combining marks: :func:`dedup.textnorm.tokenize`).
    """
    raw = text.split("\n")
    if "\u0130" in text or not (text.isascii() or plain_words(text)):
        lines = [ln for ln in raw if ln.strip()]
        return lines, [_line_key(ln) for ln in lines], [count_words(ln) for ln in lines]
    low = text.lower()
    if low.isascii():
        spaced = low.translate(_STR_TABLE)
    else:
        data = low.encode("utf-8", "surrogatepass").translate(_BYTES_TABLE)
        spaced = _NON_ASCII_NON_WORD.sub(" ", data.decode("utf-8", "surrogatepass"))
    # Only word characters, spaces and line breaks are left: collapse the runs of spaces
    # (one regex pass over the page instead of splitting every line into words).
    collapsed = _SPACE_RUN.sub(" ", spaced).split("\n")
    pairs = [(ln, sp) for ln, sp in zip(raw, collapsed, strict=True) if ln.strip()]
    keys = [sp.strip(" ") for _, sp in pairs]
    return [ln for ln, _ in pairs], keys, [k.count(" ") + 1 if k else 0 for k in keys]


def _list_runs(
    counts: Sequence[int], lines: Sequence[str], min_lines: int, max_words: int
) -> set[int]:
    """Indexes of lines inside runs of >= min_lines short unpunctuated lines."""
    if sum(map(max_words.__ge__, counts)) < min_lines:
        return set()  # too few lines of at most max_words words (a C-level count)
    short = [0 < n <= max_words for n in counts]
    out: set[int] = set()
    run: list[int] = []
    for i, (is_short, line) in enumerate(zip(short, lines, strict=True)):
        if is_short and not line.rstrip().endswith(_CLOSING):
            run.append(i)
            continue
        if len(run) >= min_lines:
            out.update(run)
        run = []
    if len(run) >= min_lines:
        out.update(run)
    return out


def _repeated_in_page(keys: Sequence[str], counts: Sequence[int], max_words: int) -> set[int]:
    """Short lines repeated in one page (every copy); long repeated lines: the later copies."""
    if len(set(keys)) == len(keys):
        return set()
    seen: dict[str, list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        if k:
            seen[k].append(i)
    out: set[int] = set()
    for idxs in seen.values():
        if len(idxs) < 2:
            continue
        if counts[idxs[0]] <= max_words:
            out.update(idxs)
        else:
            out.update(idxs[1:])
    return out


RESTATED_MIN_WORDS = 5
"""Words an earlier line needs for a later line that opens with it to count as restating it."""


def _restated_lines(keys: Sequence[str], counts: Sequence[int]) -> set[int]:
    """Lines that open with one or more earlier lines of the page (each of at least
    :data:`RESTATED_MIN_WORDS` words, run on one after another) making up at least half of
    their words: a share box or link block restating the headline and standfirst."""
    by_head: dict[str, list[str]] = defaultdict(list)
    out: set[int] = set()
    for j, (key, n) in enumerate(zip(keys, counts, strict=True)):
        words = key.split(" ")
        head = " ".join(words[:RESTATED_MIN_WORDS])
        if head in by_head and n > RESTATED_MIN_WORDS:
            rest, covered = key, 0
            while True:
                h = " ".join(rest.split(" ", RESTATED_MIN_WORDS)[:RESTATED_MIN_WORDS])
                done = next(
                    (e for e in by_head.get(h, ()) if rest == e or rest.startswith(e + " ")),
                    None,
                )
                if done is None:
                    break
                covered += done.count(" ") + 1
                rest = rest[len(done) + 1 :]
                if not rest:
                    break
            if 2 * covered >= n and covered < n:
                out.add(j)
                continue
        if n >= RESTATED_MIN_WORDS:
            by_head[head].append(key)
    return out


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)  # the size of the union, without building it


def _source_boilerplate(pages: list[list[str]], cfg: CleanConfig) -> set[str]:
    """Line keys that recur on many pages of one source around different stories."""
    n = len(pages)
    if n < cfg.source_min_pages:
        return set()
    need = max(cfg.source_min_pages, int(cfg.source_min_share * n + 0.999999))
    # Count the pages of each key in C (Counter over each page's set), then list the pages
    # (in page order) of the few keys that recur often enough.
    page_keys = [set(keys) for keys in pages]
    n_pages = Counter(chain.from_iterable(page_keys))
    frequent = {k for k, c in n_pages.items() if c >= need and k}
    if not frequent:
        return set()
    candidates: dict[str, list[int]] = {k: [] for k in n_pages if k in frequent}
    for p, keys in enumerate(page_keys):
        for k in keys & frequent:
            candidates[k].append(p)
    # A page's words (the tokens of all its lines), built only for pages that are compared.
    page_words: dict[int, set[str]] = {}
    verdict: dict[tuple[int, ...], bool] = {}
    out: set[str] = set()
    for key, ps in candidates.items():
        sig = tuple(ps)
        if sig not in verdict:
            for q in ps[:16]:
                if q not in page_words:
                    page_words[q] = set(" ".join(pages[q]).split())
            verdict[sig] = _distinct_stories(ps[:16], page_words) >= cfg.source_min_pages
        if verdict[sig]:
            out.add(key)
    return out


def _distinct_stories(pages: Sequence[int], page_words: dict[int, set[str]]) -> int:
    """How many different stories a set of pages carries (pages with word Jaccard >= 0.5 are
    versions of one story)."""
    parent = list(range(len(pages)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i in range(len(pages)):
        for j in range(i + 1, len(pages)):
            if find(i) != find(j) and _jaccard(page_words[pages[i]], page_words[pages[j]]) >= 0.5:
                parent[find(i)] = find(j)
    return len({find(i) for i in range(len(pages))})


def _assemble(
    page: list[str], counts: list[int], drop: set[int]
) -> tuple[str, list[int], str, str, int]:
    """A page's body from its lines without those in ``drop`` (the whole page when that
    leaves no word: everything looked like furniture), byline and dateline split off: the
    body, its lines' word counts, byline, dateline and the number of lines dropped."""
    if drop:
        kept = [ln for j, ln in enumerate(page) if j not in drop]
        kept_n = [c for j, c in enumerate(counts) if j not in drop]
    else:
        kept, kept_n = page, counts
    if not any(kept_n):
        kept, kept_n, drop = page, counts, set()
    kept, kept_n, byline, dateline = _split_byline_dateline(kept, kept_n)
    return "\n".join(kept), kept_n, byline, dateline, len(drop)


def _split_byline_dateline(
    lines: list[str], counts: list[int]
) -> tuple[list[str], list[int], str, str]:
    """Lines without the byline and dateline, their word counts, the byline, the dateline."""
    byline = ""
    dateline = ""
    out: list[str] = []
    out_counts: list[int] = []
    for i, (line, n) in enumerate(zip(lines, counts, strict=True)):
        if not byline and i < 4 and n <= 12 and _BYLINE_RE.match(line):
            byline = line
            continue
        out.append(line)
        out_counts.append(n)
    for i, line in enumerate(out[:3]):
        if not ("-" in line or ":" in line or "–" in line or "—" in line):
            continue  # both patterns need one of these characters
        m = _DATELINE_RE.match(line) or _ALLCAPS_DATELINE_RE.match(line)
        if not m:
            continue
        n_dl = count_words(m.group("dl"))
        if n_dl <= 10 and out_counts[i] > n_dl + 3:
            dateline = m.group("dl").rstrip(" -–—:")
            out[i] = line[m.end() :]
            out_counts[i] = count_words(out[i])
            break
    return out, out_counts, byline, dateline


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: the stage builds millions of small lists and
    tuples (no cycles), and every collection would walk them all again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class CleanedColumns:
    """The clean stage's output for a batch, column by column; sentences as offsets into
    the bodies (:class:`dedup.textnorm.SentenceTable`)."""

    body: list[str]
    sentences: SentenceTable
    byline: list[str]
    dateline: list[str]
    n_words: list[int]
    n_boilerplate_lines: list[int]


def _clean(texts: Sequence[str], sources: Sequence[str], cfg: CleanConfig) -> CleanedColumns:
    """:func:`clean_articles`, column by column."""
    with _gc_paused():
        out = _clean_in_two_passes(texts, sources, cfg)
        if out is None:  # two line keys of one source with one hash: the exact way
            out = _columns(*_clean_batch(texts, sources, cfg))
        return out


def _columns(cleaned: list[CleanedArticle], n_words: list[int]) -> CleanedColumns:
    bounds = [sentence_bounds(c.body) for c in cleaned]
    flat = np.fromiter(chain.from_iterable(bounds), dtype=np.int64)
    bodies = [c.body for c in cleaned]
    return CleanedColumns(
        bodies,
        SentenceTable(bodies, flat[0::2], flat[1::2], np.array([len(b) // 2 for b in bounds])),
        [c.byline for c in cleaned],
        [c.dateline for c in cleaned],
        n_words,
        [c.n_boilerplate_lines for c in cleaned],
    )


_key_hash: Callable[[str], int] = hash
"""The hash of a line key in the first pass (any function of the key will do: lines of a
source with one hash and different keys send the batch down the exact way)."""

_PASS_PAGES = 4096
"""Pages whose line hashes, counts and marks are gathered as Python lists before they are
packed into arrays."""


def _clean_in_two_passes(
    texts: Sequence[str], sources: Sequence[str], cfg: CleanConfig
) -> CleanedColumns | None:
    """:func:`_clean_batch` without holding every page's lines at once.

    First pass: each page's plain text (kept only where it differs from the raw text, which
    the second pass reads again), and per line its key's hash, its word count and whether a
    rule of its own page drops it (arrays, a few bytes a line). The per-source
    counts of :func:`_source_boilerplate` run on the hashes. Second pass: each page's lines
    again (split from its plain text), dropped and joined. Every line whose hash recurs
    often enough in its source to be looked at is checked against the first key seen with
    that hash; two different keys (a hash collision) give None, and the caller cleans the
    batch the exact way.

    Both passes go through the pages a part of :data:`_PART_PAGES` at a time; a batch of at
    least :data:`_PARALLEL_PAGES` pages has its parts done in ``cfg.n_jobs`` forked worker
    processes, taken back in order. Each page's result depends on its own page and on
    what the first pass found over the batch, never on the part it falls in.
    """
    n = len(texts)
    spans = list(pairwise([*range(0, n, _PART_PAGES), n]))
    parallel = n >= _PARALLEL_PAGES
    plain: list[str | None] = []  # None: the raw text is its own plain text
    line_at = np.zeros(n + 1, dtype=np.int64)
    hashes: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    marked: list[np.ndarray] = []  # lines dropped by a rule of their own page
    at = 0
    for (lo, hi), (part_plain, h, c, m, lines) in zip(
        spans,
        fork_map(_first_pass, (texts, cfg), spans, cfg.n_jobs, parallel=parallel),
        strict=True,
    ):
        plain.extend(part_plain)
        line_at[lo + 1 : hi + 1] = at + np.cumsum(lines)
        hashes.append(h)
        counts.append(c)
        marked.append(m + at)
        at += int(lines.sum())
    line_hash = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.int64)
    line_n = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int32)
    drop_own = np.zeros(at, dtype=bool)
    if marked:
        drop_own[np.concatenate(marked)] = True
    del hashes, counts, marked

    def plain_text(i: int) -> str:
        p = plain[i]
        return texts[i] if p is None else p

    looked, boiler = _source_boilerplate_hashed(
        plain_text, sources, line_at, line_hash, line_n, cfg
    )
    first_key: dict[tuple[str, int], str] = {}
    out = _Pages()
    shared = (texts, plain, sources, line_at, line_hash, line_n, drop_own, looked, boiler)
    for part in fork_map(_second_pass, shared, spans, cfg.n_jobs, parallel=parallel):
        if part is None:
            return None
        for k, v in part.first_key.items():
            if first_key.setdefault(k, v) != v:
                return None
        out.extend(part)
    flat = np.concatenate([np.zeros(0, dtype=np.int32), *out.bounds])
    sentences = SentenceTable(
        out.body, flat[0::2], flat[1::2], np.array(out.n_sent, dtype=np.int64)
    )
    return CleanedColumns(
        out.body, sentences, out.byline, out.dateline, out.n_words, out.n_boilerplate_lines
    )


_PART_PAGES = 16_384
"""Pages the two passes of :func:`_clean_in_two_passes` take at a time."""
_PARALLEL_PAGES = 2 * _PART_PAGES
"""Pages worth starting worker processes for."""


def _first_pass(
    texts: Sequence[str], cfg: CleanConfig, span: tuple[int, int]
) -> tuple[list[str | None], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The first pass of :func:`_clean_in_two_passes` over pages ``span[0]`` to
    ``span[1]``: each page's plain text (None when it is the raw text), each line's key
    hash and word count, the lines its own page drops (numbered from the part's first
    line) and each page's number of lines."""
    lo, hi = span
    plain: list[str | None] = []
    lines = np.zeros(hi - lo, dtype=np.int64)
    hashes: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    marked: list[np.ndarray] = []
    h_buf: list[int] = []
    n_buf: list[int] = []
    m_buf: list[int] = []
    at = 0
    for k, i in enumerate(range(lo, hi)):
        t = texts[i]
        text = to_plain_text(t)
        plain.append(None if text == t else text)
        page, ks, ns = _page_lines_keys_counts(text)
        d = _repeated_in_page(ks, ns, cfg.repeated_line_max_words)
        d |= _restated_lines(ks, ns)
        d |= _list_runs(ns, page, cfg.list_min_lines, cfg.list_max_words)
        h_buf.extend(map(_key_hash, ks))
        n_buf.extend(ns)
        m_buf.extend(at + j for j in d)
        at += len(ks)
        lines[k] = len(ks)
        if (k + 1) % _PASS_PAGES == 0 or i + 1 == hi:
            hashes.append(np.array(h_buf, dtype=np.int64))
            counts.append(np.array(n_buf, dtype=np.int32))
            marked.append(np.array(m_buf, dtype=np.int64))
            h_buf, n_buf, m_buf = [], [], []
    return (
        plain,
        np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.int64),
        np.concatenate(counts) if counts else np.zeros(0, dtype=np.int32),
        np.concatenate(marked) if marked else np.zeros(0, dtype=np.int64),
        lines,
    )


@dataclass
class _Pages:
    """The second pass's columns for some pages: bodies, bylines, datelines, word counts,
    dropped lines, the sentence bounds (start, end, ...) and counts, and the first key seen
    for each (source, hash) looked at."""

    body: list[str] = field(default_factory=list)
    byline: list[str] = field(default_factory=list)
    dateline: list[str] = field(default_factory=list)
    n_words: list[int] = field(default_factory=list)
    n_boilerplate_lines: list[int] = field(default_factory=list)
    bounds: list[np.ndarray] = field(default_factory=list)  # (int32 arrays, in order)
    n_sent: list[int] = field(default_factory=list)
    first_key: dict[tuple[str, int], str] = field(default_factory=dict)

    def extend(self, other: _Pages) -> None:
        """Add ``other``'s pages after these (their columns; not their keys)."""
        self.body.extend(other.body)
        self.byline.extend(other.byline)
        self.dateline.extend(other.dateline)
        self.n_words.extend(other.n_words)
        self.n_boilerplate_lines.extend(other.n_boilerplate_lines)
        self.bounds.extend(other.bounds)
        self.n_sent.extend(other.n_sent)


def _second_pass(
    texts: Sequence[str],
    plain: list[str | None],
    sources: Sequence[str],
    line_at: np.ndarray,
    line_hash: np.ndarray,
    line_n: np.ndarray,
    drop_own: np.ndarray,
    looked: dict[str, set[int]],
    boiler: dict[str, set[int]],
    span: tuple[int, int],
) -> _Pages | None:
    """The second pass of :func:`_clean_in_two_passes` over pages ``span[0]`` to
    ``span[1]``: each page's body, byline, dateline, word count and dropped lines, the
    sentence bounds and counts, and the first key seen for each (source, hash) looked at;
    None when two keys of the part share a hash."""
    out = _Pages()
    first_key = out.first_key
    bound_buf: list[int] = []
    for i in range(*span):
        own = plain[i]
        text = texts[i] if own is None else own
        plain[i] = None  # the body replaces it (here; a worker's copy of the list)
        page = [ln for ln in text.split("\n") if ln.strip()]
        lo, hi = int(line_at[i]), int(line_at[i + 1])
        counts_i = line_n[lo:hi].tolist()
        d = set(np.flatnonzero(drop_own[lo:hi]).tolist())
        if sources[i] in looked:
            look, boil = looked[sources[i]], boiler[sources[i]]
            for j, (h, c) in enumerate(zip(line_hash[lo:hi].tolist(), counts_i, strict=True)):
                if c and h in look:
                    key = _line_key(page[j])
                    if first_key.setdefault((sources[i], h), key) != key:
                        return None
                    if h in boil:
                        d.add(j)
        body, kept_n, byline, dateline, n_dropped = _assemble(page, counts_i, d)
        b = sentence_bounds(body)
        bound_buf.extend(b)
        out.n_sent.append(len(b) // 2)
        out.body.append(body)
        out.byline.append(byline)
        out.dateline.append(dateline)
        out.n_boilerplate_lines.append(n_dropped)
        # Tokens never span a line break, so the body's count is the sum over its lines.
        out.n_words.append(sum(kept_n))
    out.bounds.append(np.array(bound_buf, dtype=np.int32))
    return out


def _source_boilerplate_hashed(
    plain: Callable[[int], str],
    sources: Sequence[str],
    line_at: np.ndarray,
    line_hash: np.ndarray,
    line_n: np.ndarray,
    cfg: CleanConfig,
) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """:func:`_source_boilerplate` for every source on the hashes of the line keys: per
    source, the hashes recurring on enough pages to be looked at, and those found to be
    boilerplate. A page's words (for :func:`_distinct_stories`) come from its plain text
    again, only for pages that are compared."""
    by_source: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sources):
        if s:
            by_source[s].append(i)
    looked: dict[str, set[int]] = {}
    boiler: dict[str, set[int]] = {}
    page_words: dict[int, set[str]] = {}
    verdict: dict[tuple[int, ...], bool] = {}
    for s, idxs in by_source.items():
        n = len(idxs)
        if n < cfg.source_min_pages:
            continue
        need = max(cfg.source_min_pages, int(cfg.source_min_share * n + 0.999999))
        pages = np.asarray(idxs, dtype=np.int64)
        lens = line_at[pages + 1] - line_at[pages]
        total = int(lens.sum())
        within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
        lines = np.repeat(line_at[pages], lens) + within
        page_of = np.repeat(pages, lens)
        keep = line_n[lines] > 0  # lines with words (the empty key is never boilerplate)
        h, pg = line_hash[lines[keep]], page_of[keep]
        order = np.lexsort((pg, h))
        h, pg = h[order], pg[order]
        new = np.ones(h.size, dtype=bool)  # one count per page and hash
        new[1:] = (h[1:] != h[:-1]) | (pg[1:] != pg[:-1])
        h, pg = h[new], pg[new]
        head = np.ones(h.size, dtype=bool)
        head[1:] = h[1:] != h[:-1]
        starts = np.flatnonzero(head)
        n_pages = np.diff(np.r_[starts, h.size])
        often = np.flatnonzero(n_pages >= need)
        if not often.size:
            continue
        looked[s] = set(h[starts[often]].tolist())
        found: set[int] = set()
        for k in often.tolist():
            ps = pg[starts[k] : starts[k] + n_pages[k]].tolist()
            sig = tuple(ps)
            if sig not in verdict:
                for q in ps[:16]:
                    if q not in page_words:
                        keys = _page_lines_keys_counts(plain(q))[1]
                        page_words[q] = set(" ".join(keys).split())
                verdict[sig] = _distinct_stories(ps[:16], page_words) >= cfg.source_min_pages
            if verdict[sig]:
                found.add(int(h[starts[k]]))
        boiler[s] = found
    return looked, boiler


def _clean_batch(
    texts: Sequence[str], sources: Sequence[str], cfg: CleanConfig
) -> tuple[list[CleanedArticle], list[int]]:
    """The batch cleaned with every page's lines and keys held at once (exact; the way
    taken when two line keys of one source share a hash)."""
    parsed = [_page_lines_keys_counts(to_plain_text(t)) for t in texts]
    drop: list[set[int]] = []
    for page, ks, ns in parsed:
        d = _repeated_in_page(ks, ns, cfg.repeated_line_max_words)
        d |= _restated_lines(ks, ns)
        d |= _list_runs(ns, page, cfg.list_min_lines, cfg.list_max_words)
        drop.append(d)
    by_source: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sources):
        if s:
            by_source[s].append(i)
    for idxs in by_source.values():
        boiler = _source_boilerplate([parsed[i][1] for i in idxs], cfg)
        if boiler:
            for i in idxs:
                drop[i].update(j for j, k in enumerate(parsed[i][1]) if k in boiler)
    out: list[CleanedArticle] = []
    n_words: list[int] = []
    for (page, _, counts), d in zip(parsed, drop, strict=True):
        body, kept_n, byline, dateline, n_dropped = _assemble(page, counts, d)
        out.append(
            CleanedArticle(
                body=body,
                sentences=tuple(split_sentences(body)),
                byline=byline,
                dateline=dateline,
                n_boilerplate_lines=n_dropped,
            )
        )
        # Tokens never span a line break, so the body's count is the sum over its lines.
        n_words.append(sum(kept_n))
    return out, n_words


def clean_articles(
    texts: Sequence[str], sources: Sequence[str], cfg: CleanConfig | None = None
) -> list[CleanedArticle]:
    """Clean a batch of raw texts (plain or HTML); ``sources`` groups pages by publisher.

    Idempotent: cleaning the bodies again removes nothing more (short of a batch whose
    other pages change the per-source statistics).
    """
    c = _clean(texts, sources, cfg or CleanConfig())
    return [
        CleanedArticle(*row)
        for row in zip(
            c.body, c.sentences, c.byline, c.dateline, c.n_boilerplate_lines, strict=True
        )
    ]


def clean_table(
    articles: pd.DataFrame, cfg: CleanConfig | None = None
) -> tuple[pd.DataFrame, SentenceTable]:
    """Add ``body, byline, dateline, n_words, n_boilerplate_lines`` to a table with
    ``text`` and ``source`` columns; the sentences of each body apart, as offsets into the
    bodies (row-aligned with the table)."""
    # (the texts are read one at a time from the column, not copied into a list first)
    texts = articles["text"].reset_index(drop=True)  # (indexed by position)
    c = _clean(texts, articles["source"].fillna("").tolist(), cfg or CleanConfig())
    out = articles.copy()
    out["body"] = pd.Series(c.body, index=out.index, dtype=object)  # the sentences' strings
    out["byline"] = c.byline
    out["dateline"] = c.dateline
    out["n_words"] = c.n_words
    out["n_boilerplate_lines"] = c.n_boilerplate_lines
    return out, c.sentences


def clean_frame(articles: pd.DataFrame, cfg: CleanConfig | None = None) -> pd.DataFrame:
    """Add ``body, sentences, byline, dateline, n_words, n_boilerplate_lines`` to a table
    with ``text`` and ``source`` columns (``sentences``: a tuple of strings per row)."""
    out, sentences = clean_table(articles, cfg)
    out["body"] = out["body"].tolist()
    out.insert(out.columns.get_loc("body") + 1, "sentences", list(sentences))
    return out
