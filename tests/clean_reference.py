"""The straightforward clean stage that the fast one in :mod:`dedup.clean` and
:mod:`dedup.textnorm` replaced: regexes over the whole text in :func:`normalize_text`, an
unconditional hard-wrap measure in :func:`unwrap_lines`, the abbreviation search over the whole
sentence head in :func:`split_sentences`, and one ``tokenize``/``count_words`` call per line for
keys and counts in :func:`clean_articles`. The fast stage must give equal results."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence

import pandas as pd

from dedup.clean import CleanedArticle
from dedup.config import CleanConfig
from dedup.textnorm import count_words, html_to_text, looks_like_html, tokenize

_SPACE_RE = re.compile(r"[^\S\n]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_SEPARATOR_RE = re.compile(r"(?:^|\s)([#*=~_-])\1{2,}(?=\s|$)")


def normalize_text(text: str) -> str:
    """NFKC, unified line breaks, separator runs as paragraph breaks, collapsed spaces.

    Lines are kept (they matter for boilerplate detection); leading and trailing spaces of
    each line and blank-line runs are removed.
    """
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n").replace("\x0b", "\n").replace("\x0c", "\n")
    text = _SEPARATOR_RE.sub("\n", text)
    if not text.replace("\n", "").replace("\t", "").isprintable():
        # str.isprintable() is False for every category C character (and some spaces), so
        # the per-character filter runs only on the rare text that may hold one.
        text = "".join(
            ch for ch in text if ch == "\n" or ch == "\t" or unicodedata.category(ch)[0] != "C"
        )
    text = _SPACE_RE.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()


# Hard-wrapped text (teletype and e-mail copy): the lines of a paragraph are filled up to a
# fixed width, so most lines are almost as long as the longest one, which is well under a
# paragraph.
_WRAP_MIN_WIDTH = 40
_WRAP_MAX_WIDTH = 100
_WRAP_MIN_LINES = 3
_WRAP_FILL = 0.8  # a filled line is at least this share of the width
_WRAP_FILLED_SHARE = 0.5  # share of the lines that are filled
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)\]]*$")
_WRAP_CONTINUED = 0.5  # a line this full continues on the next (unless that one is indented)


def _wrap_width(lines: list[str]) -> int:
    """The width a page's text was wrapped at, or 0 when it does not look hard-wrapped."""
    kept = [" ".join(ln.split()) for ln in lines if ln.strip()]
    lengths = [len(ln) for ln in kept]
    if len(lengths) < _WRAP_MIN_LINES:
        return 0
    width = max(lengths)
    if not _WRAP_MIN_WIDTH <= width <= _WRAP_MAX_WIDTH:
        return 0
    filled = [ln for ln, n in zip(kept, lengths, strict=True) if n >= _WRAP_FILL * width]
    if len(filled) < _WRAP_FILLED_SHARE * len(lengths):
        return 0
    # Lines that are whole sentences of similar length are not wrapped paragraphs.
    open_ended = sum(1 for ln in filled if not _SENTENCE_END.search(ln))
    return width if open_ended >= _WRAP_FILLED_SHARE * len(filled) else 0


def unwrap_lines(text: str) -> str:
    """Join the lines of hard-wrapped paragraphs (line breaks already unified to ``\n``).

    A page is hard-wrapped when its longest line is 40-100 characters and at least half of
    its lines are filled to 80% of that width, and at least half of those do not end a
    sentence (whole sentences of similar length are not wrapped). Blank lines and indented lines stay breaks
    (they start paragraphs and table rows). When the page marks its paragraphs by indenting
    them, every other line continues the one before; otherwise a line continues the one
    before when that one is filled to half the width or the line's first word would not
    have fitted on it. Other pages are returned unchanged. Repeated until nothing changes,
    so unwrapping twice is unwrapping once.
    """
    while True:
        lines = text.split("\n")
        width = _wrap_width(lines)
        if not width:
            return text
        indented = any(ln[:1].isspace() and ln.strip() for ln in lines[1:])
        out = [lines[0]]
        for line in lines[1:]:
            prev = " ".join(out[-1].split())
            words = line.split()
            if (
                prev
                and words
                and not line[:1].isspace()
                and (
                    indented
                    or len(prev) >= _WRAP_CONTINUED * width
                    or len(prev) + 1 + len(words[0]) > width
                )
            ):
                out[-1] = out[-1].rstrip() + " " + line.strip()
            else:
                out.append(line)
        joined = "\n".join(out)
        if joined == text:
            return text
        text = joined


def to_plain_text(raw: str) -> str:
    """Raw input (plain text or HTML) to normalised plain text; hard-wrapped paragraphs of
    plain text are joined into one line each (:func:`unwrap_lines`)."""
    if looks_like_html(raw):
        return normalize_text(html_to_text(raw))
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    return normalize_text(unwrap_lines(raw))


_ABBREV = [
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sen",
    "rep",
    "gov",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "st",
    "jr",
    "sr",
    "inc",
    "corp",
    "co",
    "ltd",
    "vs",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.k",
    "e.g",
    "i.e",
    "etc",
    "approx",
]


def _is_abbrev(prefix: str) -> bool:
    m = re.search(r"(\b[\w.]+)\.$", prefix)
    if not m:
        return False
    word = m.group(1).lower()
    if word in _ABBREV:
        return True
    # Initials ("J." in "John J. Smith") and dotted abbreviations ("U.S.").
    return len(word) == 1 or bool(re.fullmatch(r"(?:\w\.)+\w", word))


# a capital (not only A-Z), a digit, or a letter of a script without case, below U+10000
_OPENERS = "".join(
    chr(c)
    for c in range(0x10000)
    if not 0xD800 <= c < 0xE000 and unicodedata.category(chr(c)) in ("Lu", "Lt", "Lo", "Nd")
)
# ends: full stop, ! and ?, the danda, the Arabic question mark, the Urdu full stop
_BOUNDARY = re.compile(
    "[.!?\u0964\u061f\u06d4]+[\"'”’)\\]]*\\s+(?=[\"'“‘(\\[]?[" + re.escape(_OPENERS) + "])"
)


def split_sentences(text: str) -> list[str]:
    """Split normalised text into sentences: at line breaks, and after ``.!?`` followed by
    a capitalised word, except after common abbreviations and initials."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        start = 0
        for m in _BOUNDARY.finditer(line):
            end = m.end()
            head = line[start : m.start() + 1]
            if _is_abbrev(head):
                continue
            piece = line[start:end].strip()
            if piece:
                out.append(piece)
            start = end
        tail = line[start:].strip()
        if tail:
            out.append(tail)
    # Chinese and Japanese: also after each ideographic full stop, and after ! or ? before a
    # letter of those scripts (with the closing quotes and brackets that follow)
    return [
        q.strip()
        for piece in out
        for q in _NO_SPACE_CUT.sub(lambda m: m.group() + "\n", piece).split("\n")
        if q.strip()
    ]


_NO_SPACE = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
_NO_SPACE_CUT = re.compile(
    f"(?:\u3002|[!?](?=[\"'”’)\\]」』]*[\"'“‘「『(]?[{_NO_SPACE}]))[\"'”’)\\]」』]*"
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


def _restated_lines(keys: list[str], min_words: int = 5) -> set[int]:
    """Lines that open with one or more earlier lines of the page (each of at least
    ``min_words`` words, taken first to last, the first that fits each time) making up at
    least half of their words, and are longer than them: a share box restating the
    headline. A restated line is not itself an earlier line for later ones."""
    out: set[int] = set()
    earlier: list[str] = []
    for j, key in enumerate(keys):
        n = len(key.split()) if key else 0
        if n > min_words:
            rest, covered = key, 0
            while rest:
                found = [e for e in earlier if rest == e or rest.startswith(e + " ")]
                if not found:
                    break
                covered += len(found[0].split())
                rest = rest[len(found[0]) + 1 :]
            if 2 * covered >= n and covered < n:
                out.add(j)
                continue
        if n >= min_words:
            earlier.append(key)
    return out


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
        d |= _restated_lines(ks)
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
