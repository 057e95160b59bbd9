"""Clean stage: plain text, boilerplate removed, byline and dateline kept apart, sentences.

Boilerplate is found from the shape of the batch, never from phrase lists:

* a short line repeated inside one page (a "related headlines" block scraped twice);
* a run of short lines without closing punctuation (link and headline lists, navigation);
* a line that recurs on many pages of one source around different stories (share bars,
  subscribe prompts, photo credits). Pages of one source that are versions of one story do
  not count as different stories, so an outlet running a wire story three times keeps it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from dedup.config import CleanConfig
from dedup.textnorm import count_words, split_sentences, to_plain_text, tokenize

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


def _is_list_line(line: str, max_words: int) -> bool:
    n = count_words(line)
    return 0 < n <= max_words and not line.rstrip().endswith(_CLOSING)


def _page_lines(text: str) -> list[str]:
    return [ln for ln in text.split("\n") if ln.strip()]


def _list_runs(lines: Sequence[str], min_lines: int, max_words: int) -> set[int]:
    """Indexes of lines inside runs of >= min_lines short unpunctuated lines."""
    out: set[int] = set()
    run: list[int] = []
    for i, line in enumerate([*lines, "."]):
        if i < len(lines) and _is_list_line(line, max_words):
            run.append(i)
            continue
        if len(run) >= min_lines:
            out.update(run)
        run = []
    return out


def _repeated_in_page(keys: Sequence[str], lines: Sequence[str], max_words: int) -> set[int]:
    """Short lines repeated in one page (every copy); long repeated lines: the later copies."""
    seen: dict[str, list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        if k:
            seen[k].append(i)
    out: set[int] = set()
    for idxs in seen.values():
        if len(idxs) < 2:
            continue
        if count_words(lines[idxs[0]]) <= max_words:
            out.update(idxs)
        else:
            out.update(idxs[1:])
    return out


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _source_boilerplate(
    pages: list[list[str]], page_words: list[set[str]], cfg: CleanConfig
) -> set[str]:
    """Line keys that recur on many pages of one source around different stories."""
    n = len(pages)
    if n < cfg.source_min_pages:
        return set()
    pages_of: dict[str, list[int]] = defaultdict(list)
    for p, keys in enumerate(pages):
        for k in set(keys):
            if k:
                pages_of[k].append(p)
    need = max(cfg.source_min_pages, int(cfg.source_min_share * n + 0.999999))
    candidates = {k: ps for k, ps in pages_of.items() if len(ps) >= need}
    if not candidates:
        return set()
    verdict: dict[tuple[int, ...], bool] = {}
    out: set[str] = set()
    for key, ps in candidates.items():
        sig = tuple(ps)
        if sig not in verdict:
            verdict[sig] = _distinct_stories(ps[:16], page_words) >= cfg.source_min_pages
        if verdict[sig]:
            out.add(key)
    return out


def _distinct_stories(pages: Sequence[int], page_words: list[set[str]]) -> int:
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


def _split_byline_dateline(lines: list[str]) -> tuple[list[str], str, str]:
    byline = ""
    dateline = ""
    out: list[str] = []
    for i, line in enumerate(lines):
        if not byline and i < 4 and count_words(line) <= 12 and _BYLINE_RE.match(line):
            byline = line
            continue
        out.append(line)
    for i, line in enumerate(out[:3]):
        m = _DATELINE_RE.match(line) or _ALLCAPS_DATELINE_RE.match(line)
        if (
            m
            and count_words(m.group("dl")) <= 10
            and count_words(line) > count_words(m.group("dl")) + 3
        ):
            dateline = m.group("dl").rstrip(" -–—:")
            out[i] = line[m.end() :]
            break
    return out, byline, dateline


def clean_articles(
    texts: Sequence[str], sources: Sequence[str], cfg: CleanConfig | None = None
) -> list[CleanedArticle]:
    """Clean a batch of raw texts (plain or HTML); ``sources`` groups pages by publisher.

    Idempotent: cleaning the bodies again removes nothing more (short of a batch whose
    other pages change the per-source statistics).
    """
    cfg = cfg or CleanConfig()
    plain = [to_plain_text(t) for t in texts]
    lines = [_page_lines(t) for t in plain]
    keys = [[_line_key(ln) for ln in page] for page in lines]
    drop: list[set[int]] = []
    for page, ks in zip(lines, keys, strict=True):
        d = _repeated_in_page(ks, page, cfg.repeated_line_max_words)
        d |= _list_runs(page, cfg.list_min_lines, cfg.list_max_words)
        drop.append(d)
    by_source: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sources):
        if s:
            by_source[s].append(i)
    for idxs in by_source.values():
        words = [set(tokenize(plain[i])) for i in idxs]
        boiler = _source_boilerplate([keys[i] for i in idxs], words, cfg)
        if boiler:
            for i in idxs:
                drop[i].update(j for j, k in enumerate(keys[i]) if k in boiler)
    out: list[CleanedArticle] = []
    for page, d in zip(lines, drop, strict=True):
        kept = [ln for j, ln in enumerate(page) if j not in d]
        if not any(count_words(k) for k in kept):
            # Everything looked like furniture: keep the page rather than an empty body.
            kept, d = page, set()
        kept, byline, dateline = _split_byline_dateline(kept)
        body = "\n".join(kept)
        out.append(
            CleanedArticle(
                body=body,
                sentences=tuple(split_sentences(body)),
                byline=byline,
                dateline=dateline,
                n_boilerplate_lines=len(d),
            )
        )
    return out


def clean_frame(articles: pd.DataFrame, cfg: CleanConfig | None = None) -> pd.DataFrame:
    """Add ``body, sentences, byline, dateline, n_words, n_boilerplate_lines`` to a table
    with ``text`` and ``source`` columns."""
    cleaned = clean_articles(articles["text"].tolist(), articles["source"].fillna("").tolist(), cfg)
    out = articles.copy()
    out["body"] = [c.body for c in cleaned]
    out["sentences"] = [c.sentences for c in cleaned]
    out["byline"] = [c.byline for c in cleaned]
    out["dateline"] = [c.dateline for c in cleaned]
    out["n_words"] = [count_words(c.body) for c in cleaned]
    out["n_boilerplate_lines"] = [c.n_boilerplate_lines for c in cleaned]
    return out
