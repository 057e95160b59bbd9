"""Text normalisation and the one tokenizer that serves MinHash, TF-IDF and alignment.

All functions are pure and idempotent where that makes sense: ``normalize_text(normalize_text(s))
== normalize_text(s)``.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from html.parser import HTMLParser
from typing import overload

import numpy as np
import pandas as pd

from dedup.parallel import fork_map, n_workers

# Scripts written without spaces between words (Chinese, Japanese): each of their letters
# is a token of its own, so that shingles and word statistics see words, not whole clauses.
_NO_SPACE_BMP = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_NO_SPACE = _NO_SPACE_BMP + "\U00020000-\U0003134f"
_NO_SPACE_RE = re.compile(f"[{_NO_SPACE}]")


def _class_ranges(code_points: Iterable[int]) -> str:
    """Code points (ascending) as the ranges of a regular-expression character class."""
    out: list[str] = []
    run: list[int] = []
    for cp in code_points:
        if run and run[-1] == cp - 1:
            run[-1] = cp
        else:
            if run:
                out.append(f"\\U{run[0]:08x}-\\U{run[1]:08x}")
            run = [cp, cp]
    if run:
        out.append(f"\\U{run[0]:08x}-\\U{run[1]:08x}")
    return "".join(out)


_MARK_POINTS = [
    cp
    for cp in itertools.chain(range(0x300, 0x20000), range(0xE0100, 0xE01F0))
    if unicodedata.category(chr(cp))[0] == "M" and not _NO_SPACE_RE.match(chr(cp))
]
"""The combining marks (Unicode category M) outside :data:`_NO_SPACE`: the vowel signs of
Devanagari or Thai, a dot above. They belong to the word they sit in, though ``\\w``
does not match them."""
_MARKS = _class_ranges(_MARK_POINTS)
_WORD_RE = re.compile(f"(?=\\w)[{_NO_SPACE}]|(?:[^\\W{_NO_SPACE}]|[{_MARKS}])+")
"""A token: a letter of a script written without spaces, or a run of the other word
characters (``\\w``) and combining marks."""
_PLAIN_WORD_RE = re.compile(r"\w+")
_SPLIT_OR_MARK = re.compile(f"[{_NO_SPACE}{_MARKS}]")
"""A character that ``\\w+`` would not tokenise as :data:`_WORD_RE` does."""
_SPLIT_OR_MARK_BMP = re.compile(
    f"[{_NO_SPACE_BMP}{_class_ranges(cp for cp in _MARK_POINTS if cp < 0x10000)}]"
)
"""The same characters below U+10000: a class the engine checks by a table, several times
faster to search than ranges reaching the other planes."""
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def plain_words(text: str) -> bool:
    """Whether ``\\w+`` finds the tokens of ``text`` (no letter of a script written without
    spaces, no combining mark): one search of a table class, and for a text with characters
    beyond U+FFFF (emoji, mostly) a look at each of them."""
    if _SPLIT_OR_MARK_BMP.search(text):
        return False
    if len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text):
        return True
    return not any(_split_or_mark(m.group()) for m in _ASTRAL.finditer(text))


def _word_pattern(text: str) -> re.Pattern[str]:
    """``\\w+`` where it finds the tokens of ``text`` (:func:`plain_words`), else the full
    token pattern (several times slower)."""
    return _PLAIN_WORD_RE if plain_words(text) else _WORD_RE


@functools.lru_cache(maxsize=4096)
def _split_or_mark(ch: str) -> bool:
    return _SPLIT_OR_MARK.match(ch) is not None


_SPACE_RE = re.compile(r"[^\S\n]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
# A run of three or more separator characters standing alone (" ### ", "***", "---"):
# a paragraph break in flattened scrapes.
_SEPARATOR_RE = re.compile(r"(?:^|\s)([#*=~_-])\1{2,}(?=\s|$)")
_SEPARATOR_CHARS = "#*=~_-"
_HTML_HINT = re.compile(
    r"<\s*(?:html|body|p|div|br|span|a|h[1-6]|li|ul|article|section|table|head)\b[^>]*>",
    re.IGNORECASE,
)
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "nav",
        "aside",
        "blockquote",
        "pre",
        "figure",
        "figcaption",
        "title",
        "dd",
        "dt",
        "hr",
    ]
)
_SKIP_TAGS = frozenset(["script", "style", "noscript", "template", "svg", "iframe"])


# ASCII bytes that are not word characters (``\\w``) as spaces, for :func:`tokenize`
_ASCII_NON_WORD_TO_SPACE = bytes(i if chr(i).isalnum() or chr(i) == "_" else 32 for i in range(128))
_ASCII_NON_WORD_TO_SPACE += bytes(range(128, 256))  # never met: the text is ASCII


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens of already normalised text: runs of word characters
    (``\\w``) and combining marks, except that each letter of Chinese and Japanese script
    is a token of its own. ASCII text (most news) is split by byte translation, the same
    tokens as the regular expression, which handles the rest."""
    if text.isascii():
        return text.lower().encode().translate(_ASCII_NON_WORD_TO_SPACE).decode().split()
    low = text.lower()
    return _word_pattern(low).findall(low)


def count_words(text: str) -> int:
    """Number of :func:`tokenize` tokens, counted without lower-casing (lower case keeps
    every character's class); ASCII text counted as :func:`tokenize` splits it."""
    if text.isascii():
        return len(text.encode().translate(_ASCII_NON_WORD_TO_SPACE).split())
    return len(_word_pattern(text).findall(text))


def looks_like_html(text: str) -> bool:
    """True when the text carries HTML block or inline tags."""
    return _HTML_HINT.search(text) is not None


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML page, one line per block element; scripts and styles dropped."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def normalize_text(text: str) -> str:
    """NFKC, unified line breaks, separator runs as paragraph breaks, collapsed spaces.

    Lines are kept (they matter for boilerplate detection); leading and trailing spaces of
    each line and blank-line runs are removed.
    """
    text = unicodedata.normalize("NFKC", text)
    # (Looking for one character is much cheaper than a replace that finds nothing.)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():
        text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    if "\x0b" in text or "\x0c" in text:
        text = text.replace("\x0b", "\n").replace("\x0c", "\n")
    if any(ch in text and ch * 3 in text for ch in _SEPARATOR_CHARS):
        # A separator needs three equal characters in a row; most texts have none. (Looking
        # for one character is much faster than looking for three.)
        text = _SEPARATOR_RE.sub("\n", text)
    visible = text.replace("\n", "")
    if not (visible if "\t" not in visible else visible.replace("\t", "")).isprintable():
        # str.isprintable() is False for every category C character (and some spaces), so
        # the per-character filter runs only on the rare text that may hold one.
        text = "".join(
            ch for ch in text if ch == "\n" or ch == "\t" or unicodedata.category(ch)[0] != "C"
        )
    # Runs of spaces collapse to one and lines are stripped (``\s`` is exactly what
    # ``str.split()`` splits at). An ASCII text whose only spaces are single ones inside
    # lines (no tab; other ASCII spaces are line breaks or control characters by now) is
    # left as it is.
    if not (
        text.isascii()
        and "  " not in text
        and "\t" not in text
        and " \n" not in text
        and "\n " not in text
        and text[:1] != " "
        and text[-1:] != " "
    ):
        text = "\n".join([" ".join(line.split()) for line in text.split("\n")])
    if "\n\n\n" in text:
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
# A line ends a sentence when it ends in ``[.!?:;]`` and closing quotes or brackets.
_SENTENCE_ENDERS = tuple(".!?:;")
_CLOSERS = "\"'”’)]"
_WRAP_CONTINUED = 0.5  # a line this full continues on the next (unless that one is indented)


def _surely_not_wrapped(lines: list[str]) -> bool:
    """Cheap exits of :func:`_wrap_width` (collapsing spaces never makes a line longer): no
    line reaches the narrowest width, or one line is wider than the widest after collapsing
    its spaces."""
    if max(map(len, lines), default=0) < _WRAP_MIN_WIDTH:
        return True
    return any(
        len(ln) > _WRAP_MAX_WIDTH and len(" ".join(ln.split())) > _WRAP_MAX_WIDTH for ln in lines
    )


def _wrap_width(words: list[list[str]], lengths: list[int]) -> int:
    """The width a page's text was wrapped at, or 0 when it does not look hard-wrapped;
    from each line's words and its length with spaces collapsed."""
    kept = [(w, n) for w, n in zip(words, lengths, strict=True) if w]
    if len(kept) < _WRAP_MIN_LINES:
        return 0
    width = max(n for _, n in kept)
    if not _WRAP_MIN_WIDTH <= width <= _WRAP_MAX_WIDTH:
        return 0
    fill = _WRAP_FILL * width
    filled = [w for w, n in kept if n >= fill]
    if len(filled) < _WRAP_FILLED_SHARE * len(kept):
        return 0
    # Lines that are whole sentences of similar length are not wrapped paragraphs. (Only
    # the last word can end in the sentence end: a word of closers alone does not.)
    open_ended = sum(1 for w in filled if not w[-1].rstrip(_CLOSERS).endswith(_SENTENCE_ENDERS))
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
        if _surely_not_wrapped(lines):
            return text
        words = [ln.split() for ln in lines]
        # Each line's length with its spaces collapsed.
        lengths = [len(" ".join(w)) for w in words]
        width = _wrap_width(words, lengths)
        if not width:
            return text
        indented = any(ln[:1].isspace() and w for ln, w in zip(lines[1:], words[1:], strict=True))
        out = [lines[0]]
        # The last output line's length with spaces collapsed (a joined line's: the two
        # lengths and one space).
        prev = lengths[0]
        for line, w, n in zip(lines[1:], words[1:], lengths[1:], strict=True):
            if (
                prev
                and w
                and not line[:1].isspace()
                and (indented or prev >= _WRAP_CONTINUED * width or prev + 1 + len(w[0]) > width)
            ):
                out[-1] = out[-1].rstrip() + " " + line.strip()
                prev += 1 + n
            else:
                out.append(line)
                prev = n
        joined = "\n".join(out)
        if joined == text:
            return text
        text = joined


def to_plain_text(raw: str) -> str:
    """Raw input (plain text or HTML) to normalised plain text; hard-wrapped paragraphs of
    plain text are joined into one line each (:func:`unwrap_lines`)."""
    if looks_like_html(raw):
        return normalize_text(html_to_text(raw))
    if "\r" in raw:
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


_ABBREV_SET = frozenset(_ABBREV)  # all shorter than seven characters
_ABBREV_TAIL = re.compile(r"(\b[\w.]+)\.$")
_DOTTED = re.compile(r"(?:\w\.)+\w")


def _is_abbrev(prefix: str) -> bool:
    # Only the last whitespace-free token can hold the match (``[\w.]`` has no space, and a
    # space before the token is a word boundary like the start of the string), so the
    # search runs on that token, not on the whole prefix.
    tail = prefix.rsplit(None, 1)
    m = _ABBREV_TAIL.search(tail[-1]) if tail else None
    if not m:
        return False
    word = m.group(1).lower()
    if word in _ABBREV_SET:
        return True
    # Initials ("J." in "John J. Smith") and dotted abbreviations ("U.S.").
    return len(word) == 1 or _DOTTED.fullmatch(word) is not None


def _sentence_openers() -> str:
    """The characters a sentence opens with after a full stop and a space, as the ranges of
    a character class: capitals (Unicode Lu and Lt: not only A-Z), digits (Nd) and the
    letters of scripts without case (Lo: Cyrillic has case, Devanagari, Arabic, Hebrew,
    Thai, Hangul and Chinese have not), below U+10000."""
    return _class_ranges(
        cp
        for cp in range(0x10000)
        if not 0xD800 <= cp < 0xE000 and unicodedata.category(chr(cp)) in _OPENER_CATEGORIES
    )


_OPENER_CATEGORIES = frozenset(["Lu", "Lt", "Lo", "Nd"])
_OPENERS = _sentence_openers()
_OTHER_ENDS = "\u0964\u061f\u06d4"
"""The danda of Hindi and other scripts of India; the Arabic question mark and the Urdu
full stop."""
_ENDS = ".!?" + _OTHER_ENDS
# A sentence boundary: ``[.!?]+`` (or another :data:`_ENDS`) and closing quotes and
# brackets (group 1), spaces, then a capitalised word (or a word of a script without case).
# Inside one line: the spaces are not line breaks. Written as a character class and then a
# repeat (not ``[.!?]+``) so that the regex engine skips quickly to the next candidate
# character.
_BOUNDARY = re.compile(f"([{_ENDS}][{_ENDS}]*[\"'”’)\\]]*)[^\\S\\n]+(?=[\"'“‘(\\[]?[{_OPENERS}])")
# The same for a text with only full stops among :data:`_ENDS`: a literal first character
# is the fastest scan of all.
_BOUNDARY_DOT = re.compile(f"(\\.\\.*[\"'”’)\\]]*)[^\\S\\n]+(?=[\"'“‘(\\[]?[{_OPENERS}])")


def _boundary(text: str) -> re.Pattern[str]:
    """:data:`_BOUNDARY`, or :data:`_BOUNDARY_DOT` when ``text`` has no other end mark."""
    if "!" in text or "?" in text:
        return _BOUNDARY
    if not text.isascii() and any(ch in text for ch in _OTHER_ENDS):
        return _BOUNDARY
    return _BOUNDARY_DOT


def _cut_unless_abbrev(m: re.Match[str]) -> str:
    """A boundary as a line break after its punctuation, or unchanged after an abbreviation.

    Only the last whitespace-free token before the full stop decides (see
    :func:`_is_abbrev`), and that token starts inside the sentence being cut, so the text from
    the start of the line gives the same answer as the text from the previous cut.
    """
    text = m.string
    at = m.start()
    if (
        text[at] == "."
        # Seven word characters before the full stop make a word longer than any listed
        # abbreviation, not one letter and not dotted (the common case, decided here).
        and not (at >= 7 and text[at - 7 : at].isalnum())
        and _is_abbrev(text[text.rfind("\n", 0, at) + 1 : at + 1])
    ):
        return m.group()
    return m.group(1) + "\n"


_CLOSERS = "\"'”’)\\]」』"
_NO_SPACE_CUT = re.compile(
    f"(?:\u3002|[!?](?=[{_CLOSERS}]*[\"'“‘「『(]?[{_NO_SPACE}]))[{_CLOSERS}]*"
)
"""The end of a sentence of Chinese or Japanese, which no space follows: an ideographic full
stop, or ``!`` or ``?`` (full-width ones after NFKC) before a letter of those scripts, and
any closing quotes or brackets after it."""


def _no_space_cuts(text: str) -> bool:
    """Whether ``text`` may hold a :data:`_NO_SPACE_CUT`."""
    return not text.isascii() and ("\u3002" in text or "!" in text or "?" in text)


def _no_space_pieces(piece: str) -> list[tuple[int, int]]:
    """Where the sentences of one line are once it is cut after each :data:`_NO_SPACE_CUT`:
    start and end of each, spaces stripped, empty ones left out."""
    out: list[tuple[int, int]] = []
    at = 0
    for end in [m.end() for m in _NO_SPACE_CUT.finditer(piece)] + [len(piece)]:
        seg = piece[at:end]
        core = seg.strip()
        if core:
            start = at + len(seg) - len(seg.lstrip())
            out.append((start, start + len(core)))
        at = end
    return out


def split_sentences(text: str) -> list[str]:
    """Split normalised text into sentences: at line breaks, after ``.!?`` followed by a
    capitalised word, except after common abbreviations and initials, and after the full
    stop of Chinese and Japanese (:data:`_NO_SPACE_CUT`)."""
    # Cut at every boundary that is not an abbreviation, then split the lines. Each piece is
    # stripped, so the spaces at a cut and at either end of a line never reach a sentence.
    boundary = _boundary(text)
    cut = boundary.sub(_cut_unless_abbrev, text)
    if _no_space_cuts(text):
        return [p[a:b] for p in cut.split("\n") for a, b in _no_space_pieces(p)]
    return [piece for piece in [p.strip() for p in cut.split("\n")] if piece]


def _cut_keep_length(m: re.Match[str]) -> str:
    """:func:`_cut_unless_abbrev` that keeps the text's length: the boundary's first space
    becomes the line break, its other spaces stay (they are stripped with the sentence)."""
    cut = _cut_unless_abbrev(m)
    if cut == m.group():
        return cut
    g = m.group()
    return cut + g[len(cut) :]


def sentence_bounds(text: str) -> list[int]:
    """Where the sentences of :func:`split_sentences` are in ``text``: start and end of
    each, one after another (``text[start:end]`` is the sentence)."""
    boundary = _boundary(text)
    cut = boundary.sub(_cut_keep_length, text)  # line breaks where split_sentences cuts
    out: list[int] = []
    at = 0
    no_space = _no_space_cuts(text)
    for piece in cut.split("\n"):
        if no_space:
            for a, b in _no_space_pieces(piece):
                out.append(at + a)
                out.append(at + b)
        else:
            core = piece.strip()
            if core:
                start = at + len(piece) - len(piece.lstrip())
                out.append(start)
                out.append(start + len(core))
        at += len(piece) + 1
    return out


class SentenceTable(Sequence[tuple[str, ...]]):
    """The sentences of many texts, held as character offsets into the texts: indexing
    gives a text's sentences (a tuple of strings) built on demand, so a batch costs eight
    bytes a sentence instead of a string object each."""

    def __init__(
        self, texts: Sequence[str], starts: np.ndarray, ends: np.ndarray, n_sentences: np.ndarray
    ) -> None:
        self.texts = texts
        self.starts = np.asarray(starts, dtype=np.int32)
        self.ends = np.asarray(ends, dtype=np.int32)
        self.offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(np.asarray(n_sentences, dtype=np.int64), out=self.offsets[1:])

    def __len__(self) -> int:
        return len(self.texts)

    @overload
    def __getitem__(self, i: int) -> tuple[str, ...]: ...

    @overload
    def __getitem__(self, i: slice) -> list[tuple[str, ...]]: ...

    def __getitem__(self, i: int | slice) -> tuple[str, ...] | list[tuple[str, ...]]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        if not -n <= i < n:
            raise IndexError("sentence table index out of range")
        i %= n
        text = self.texts[i]
        lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
        return tuple(
            text[a:b]
            for a, b in zip(self.starts[lo:hi].tolist(), self.ends[lo:hi].tolist(), strict=True)
        )

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return (self[k] for k in range(len(self)))

    def token_counts(self, rows: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
        """``len(tokenize(s))`` of every sentence, text by text (int64), from one pass over
        the characters of many texts at a time (as :func:`count_tokens`): of the texts
        ``rows`` in that order, or of every text."""
        every = rows is None
        rs = list(range(len(self))) if rows is None else np.asarray(rows, np.int64).tolist()
        n_sent = np.diff(self.offsets)[rs] if rs else np.zeros(0, dtype=np.int64)
        at = np.zeros(len(rs) + 1, dtype=np.int64)  # each text's first sentence in the out
        np.cumsum(n_sent, out=at[1:])
        out = np.zeros(int(at[-1]), dtype=np.int64)
        lo = 0
        n = len(rs)
        while lo < n:
            hi, chars = lo, 0
            while hi < n and (hi == lo or chars < _COUNT_CHARS):
                chars += len(self.texts[rs[hi]]) + 1
                hi += 1
            part = [self.texts[r] for r in rs[lo:hi]]
            big = "\n".join(part)
            cp = np.frombuffer(big.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            start = _token_starts(cp)
            before = np.zeros(cp.size + 1, dtype=np.int64)  # token starts before each char
            np.cumsum(start, out=before[1:])
            lengths = np.fromiter(map(len, part), dtype=np.int64, count=hi - lo)
            base = np.cumsum(lengths + 1) - (lengths + 1)  # each text's first char in big
            counts = n_sent[lo:hi]
            if every:
                sel: np.ndarray | slice = slice(int(self.offsets[lo]), int(self.offsets[hi]))
            else:  # the sentences of these texts in the table
                first = self.offsets[rs[lo:hi]] - (at[lo:hi] - at[lo])
                sel = np.repeat(first, counts) + np.arange(int(at[hi] - at[lo]))
            text_base = np.repeat(base, counts)
            a = text_base + self.starts[sel]
            b = text_base + self.ends[sel]
            # a token never starts at a sentence's end and runs on: the char there is not
            # a word character or the text ends (sentences end before spaces or at a cut)
            out[at[lo] : at[hi]] = before[b] - before[a]
            if "\u0130" in big:  # those sentences are counted by tokenize
                dotted = np.zeros(cp.size + 1, dtype=np.int64)
                np.cumsum(cp == 0x130, out=dotted[1:])
                texts_of = np.repeat(np.asarray(rs[lo:hi], dtype=np.int64), counts)
                where = np.arange(sel.start, sel.stop) if isinstance(sel, slice) else sel
                for k in np.flatnonzero(dotted[b] > dotted[a]).tolist():
                    j = int(where[k])
                    text = self.texts[int(texts_of[k])]
                    out[at[lo] + k] = len(tokenize(text[int(self.starts[j]) : int(self.ends[j])]))
            lo = hi
        return out


_COUNT_CHARS = 1 << 20
"""Characters :func:`count_tokens` classifies at a time."""
_ASCII_WORD_CHARS = np.array([_WORD_RE.fullmatch(chr(c)) is not None for c in range(128)])


def _token_starts(cp: np.ndarray) -> np.ndarray:
    """Whether a token of :func:`tokenize` starts at each code point: a letter of a script
    written without spaces, or a word character (``\\w`` or a combining mark, outside
    those scripts) that does not follow one."""
    word = np.zeros(cp.size, dtype=bool)
    ascii_ = cp < 128
    word[ascii_] = _ASCII_WORD_CHARS[cp[ascii_]]
    if ascii_.all():
        start = word.copy()
        start[1:] &= ~word[:-1]
        return start
    other = ~ascii_
    uniq = np.unique(cp[other])
    chars = [chr(c) for c in uniq.tolist()]
    at = np.searchsorted(uniq, cp[other])
    word[other] = np.array([_WORD_RE.fullmatch(c) is not None for c in chars])[at]
    alone = np.zeros(cp.size, dtype=bool)  # a token by itself
    alone[other] = np.array([_NO_SPACE_RE.match(c) is not None for c in chars])[at]
    alone &= word
    run = word & ~alone
    start = run.copy()
    start[1:] &= ~run[:-1]
    start |= alone
    return start


def count_tokens(texts: Sequence[str]) -> np.ndarray:
    """``len(tokenize(t))`` for each text (int64), from one pass over the characters of
    many texts at a time instead of a list of tokens per text.

    A token starts at a word character that does not follow one; the texts are joined by
    line breaks, which are not word characters. Lower-casing keeps every character's class
    and length except U+0130 (``i`` and a combining dot), whose texts are counted by
    :func:`tokenize`.
    """
    out = np.zeros(len(texts), dtype=np.int64)
    lo = 0
    while lo < len(texts):
        hi, chars = lo, 0
        while hi < len(texts) and (hi == lo or chars < _COUNT_CHARS):
            chars += len(texts[hi]) + 1
            hi += 1
        part = texts[lo:hi]
        big = "\n".join(part)
        if big.count("\n") != len(part) - 1:  # a text with a line break of its own
            out[lo:hi] = [len(tokenize(t)) for t in part]
        else:
            cp = np.frombuffer(big.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            start = _token_starts(cp)
            line = np.cumsum(cp == 10)
            out[lo:hi] = np.bincount(line[start], minlength=len(part))
            if "\u0130" in big:
                for k in np.unique(line[cp == 0x130]).tolist():
                    out[lo + k] = len(tokenize(part[k]))
        lo = hi
    return out


_TOKEN_CHUNK = 4096
"""Texts tokenised at a time by :meth:`TokenTable.from_texts`."""


def number_strings(chunks: Iterable[list[str]]) -> tuple[list[str], np.ndarray]:
    """The distinct strings of a stream of lists, in order of first appearance, and the
    number (int32) of every string in that order: ``pandas.factorize(sort=False)`` of
    their concatenation, one list at a time (only the distinct strings are kept)."""
    vocab: dict[str, int] = {}
    parts = [number_more(vocab, flat) for flat in chunks if flat]
    codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    return list(vocab), codes


def number_more(vocab: dict[str, int], flat: list[str]) -> np.ndarray:
    """The numbers (int32) of the strings of ``flat``, the strings not yet in ``vocab``
    numbered next in their order of first appearance and added to it: one step of
    :func:`number_strings`, for a caller that uses each list's numbers as they come."""
    if not flat:
        return np.zeros(0, dtype=np.int32)
    # the list's own numbering (first appearance in the list), then each of its distinct
    # strings to the batch's number: the known ones looked up, the new ones numbered next
    local, uniques = pd.factorize(np.array(flat, dtype=object))
    ids = np.fromiter(
        (vocab.setdefault(u, len(vocab)) for u in uniques.tolist()),
        dtype=np.int32,
        count=len(uniques),
    )
    out: np.ndarray = ids[local]
    return out


_PARALLEL_TEXTS = 65_536
"""Texts worth starting worker processes for in :meth:`TokenTable.from_texts`."""
_PART_TEXTS = 16_384
"""Texts tokenised by one worker's task."""


def _table_arrays(texts: Iterable[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The distinct tokens of ``texts`` in order of first appearance, every token's number
    (int32) and each text's number of tokens; a chunk of texts at a time."""
    lengths: list[int] = []

    def chunks() -> Iterator[list[str]]:
        it = iter(texts)
        while chunk := [tokenize(t) for t in itertools.islice(it, _TOKEN_CHUNK)]:
            lengths.extend(map(len, chunk))
            yield list(itertools.chain.from_iterable(chunk))

    vocab, codes = number_strings(chunks())
    return vocab, codes, np.array(lengths, dtype=np.int64)


def _table_part(
    texts: Sequence[str], bounds: tuple[int, int]
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """:func:`_table_arrays` of ``texts[lo:hi]``."""
    lo, hi = bounds
    return _table_arrays(itertools.islice(texts, lo, hi))


class TokenTable(Sequence[list[str]]):
    """The tokens (:func:`tokenize`) of many texts, held as one array of integer codes.

    Indexing gives a text's token list (a slice gives a list of them), built on demand from
    the one copy of each distinct token, so a batch costs four bytes a token instead of a
    string object each. Codes number the distinct tokens in order of first appearance
    (text by text, token by token), the order in which scikit-learn's ``CountVectorizer``
    numbers its vocabulary before sorting it.
    """

    def __init__(self, vocab: Sequence[str], codes: np.ndarray, lengths: np.ndarray) -> None:
        self.vocab = np.empty(len(vocab), dtype=object)
        self.vocab[:] = list(vocab)
        self.codes = np.asarray(codes, dtype=np.int32)
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.offsets = np.zeros(self.lengths.size + 1, dtype=np.int64)
        np.cumsum(self.lengths, out=self.offsets[1:])

    @classmethod
    def from_texts(cls, texts: Iterable[str], n_jobs: int = 1) -> TokenTable:
        """Tokenise ``texts`` a chunk at a time (only one chunk's token strings are held).

        A list of at least :data:`_PARALLEL_TEXTS` texts is split into consecutive parts
        tokenised and numbered in ``n_jobs`` forked workers (0: one per CPU); the parts'
        distinct tokens, taken in order, are numbered here. Each token's number is the
        same: a token first appears in the first part that has it, and the tokens new in
        a part come in the order of their first appearance in it."""
        if isinstance(texts, list) and len(texts) >= _PARALLEL_TEXTS and n_workers(n_jobs) > 1:
            n = len(texts)
            bounds = [*range(0, n, _PART_TEXTS), n]
            vocab: dict[str, int] = {}
            codes: list[np.ndarray] = []
            lengths: list[np.ndarray] = []
            parts = fork_map(_table_part, (texts,), list(itertools.pairwise(bounds)), n_jobs)
            for words, part_codes, part_lengths in parts:
                codes.append(number_more(vocab, words)[part_codes])
                lengths.append(part_lengths)
            return cls(list(vocab), np.concatenate(codes), np.concatenate(lengths))
        return cls(*_table_arrays(texts))

    def __len__(self) -> int:
        return int(self.lengths.size)

    @overload
    def __getitem__(self, i: int) -> list[str]: ...

    @overload
    def __getitem__(self, i: slice) -> list[list[str]]: ...

    def __getitem__(self, i: int | slice) -> list[str] | list[list[str]]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        if not -n <= i < n:
            raise IndexError("token table index out of range")
        i %= n
        out: list[str] = self.vocab[self.codes[self.offsets[i] : self.offsets[i + 1]]].tolist()
        return out

    def __iter__(self) -> Iterator[list[str]]:
        return (self[k] for k in range(len(self)))

    def rows(self, rows: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The codes of ``rows`` concatenated, and each row's number of tokens."""
        r = np.asarray(rows, dtype=np.int64)
        n = self.lengths[r]
        starts = self.offsets[r]
        total = int(n.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int32), n
        within = np.arange(total) - np.repeat(np.cumsum(n) - n, n)
        return self.codes[np.repeat(starts, n) + within], n
