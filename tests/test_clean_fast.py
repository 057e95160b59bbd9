"""The fast clean stage against the straightforward one it replaced (tests/clean_reference.py):
equal results on invented texts and on generated ones, and the character facts the fast
paths rest on."""

from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import clean, textnorm
from dedup.config import CleanConfig
from tests import clean_reference as ref

# Characters that exercise every branch: ASCII and non-ASCII spaces, line and paragraph
# separators, control and format characters, separator runs, sentence punctuation, quotes,
# abbreviation dots, the dotted capital I, Greek sigma next to case-ignorable apostrophes,
# compatibility characters that NFKC changes, combining marks and HTML-looking brackets.
ALPHABET = list(
    "abcxyzABCXYZ019_ \n\n\n\t\r.,.!?;:'\"()[]-#*=~<>/&"
    "\u00a0\u1680\u2003\u3000\u2028\u2029\x0b\x0c\x1c\x85\x00\x07\u200b\ufeff"
    "éÉßİıΣσςΑ’“”‘…–—ﬁ①\u0301\u0307"
)
WORDS = [
    "Mr.",
    "Dr.",
    "U.S.",
    "J.",
    "e.g.",
    "Inc.",
    "said.",
    "Sept.",
    "approx.",
    "Corp.",
    "ΑΣ",
    "İstanbul",
    "the",
    "The",
    "harbour",
    "42",
    "(Wire)",
    '"Yes!"',
    "ok?",
    "---",
    "###",
    "By",
    "MARROW,",
    "June",
    "4",
    "-",
    "Σ'Α",
    "café",
    "naïve",
    "x_y",
]
SEPARATORS = [" ", " ", " ", "  ", "\n", "\n", "\n\n", "\n\n\n", "\t", " \n ", "\r\n", "\u00a0"]


def _texts() -> st.SearchStrategy[str]:
    chars = st.text(alphabet=st.sampled_from(ALPHABET), max_size=200)
    tokens = st.lists(
        st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=80
    ).map(lambda ts: "".join(w + s for w, s in ts))
    return st.one_of(chars, tokens, st.text(max_size=120))


# Pages in the shape of news: long paragraphs, short headline lists, furniture lines.
STORY_LINES = [
    "Officials in Quill Bay opened a new flood barrier on Friday after two years of work.",
    "The barrier cost 80 million crowns and protects 12,000 homes, the county engineer said.",
    "Residents had campaigned for it since the floods of 2019. Mr. Olsen thanked them.",
    "The rail operator ordered twelve electric trains for its coastal line!",
    "Students at Fenwick college built a solar car; it will race in the U.S. in May.",
    "MARROW, June 4 (Wirenews) - The harbour board said it would extend the quay by 300 metres.",
    "By Anna Lindqvist",
    "QUILL BAY: The ferry company said on Monday that it would add two sailings a day.",
    "Oster, Sept. 3 (Wirenews) — Farmers reported an early barley harvest this year.",
    "A rare orchid flowered in the botanical gardens for the first time since 1987.",
]
FURNITURE_LINES = [
    "Share on Facebook Share on X Email",
    "Subscribe to our newsletter",
    "Photo: Staff",
    "Mayor of Tarn resigns over budget row",
    "Late goal sends Harwick into the cup final",
    "Train fares to rise by four percent",
    "New museum wing opens to the public",
    "Related",
    "İstanbul ferry timetable",
]


def _pages() -> st.SearchStrategy[list[tuple[str, str]]]:
    line = st.one_of(
        st.sampled_from(STORY_LINES), st.sampled_from(FURNITURE_LINES), _texts().map(str.strip)
    )
    page = st.lists(line, min_size=0, max_size=14).map("\n".join)
    source = st.sampled_from(["", "a", "a", "b", "c"])
    return st.lists(st.tuples(page, source), min_size=1, max_size=12)


def _frame(batch: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({"text": [t for t, _ in batch], "source": [s for _, s in batch]})


@given(_texts())
def test_normalize_text_matches_reference(text: str) -> None:
    assert textnorm.normalize_text(text) == ref.normalize_text(text)


@given(_texts())
def test_to_plain_text_and_unwrap_match_reference(text: str) -> None:
    assert textnorm.unwrap_lines(text) == ref.unwrap_lines(text)
    assert textnorm.to_plain_text(text) == ref.to_plain_text(text)


WRAP_WORDS = [
    "harbour",
    "board",
    "said.",
    'it."',
    "(Wire)",
    "end.)",
    '"',
    "’",
    "rates:",
    "yes!'",
    "up;",
    "Mr.",
    "12,000",
    "the",
    "quay",
]


@given(
    st.lists(st.lists(st.sampled_from(WRAP_WORDS), min_size=1, max_size=40), max_size=8),
    st.integers(30, 90),
    st.booleans(),
)
def test_unwrap_of_hard_wrapped_copy_matches_reference(
    paragraphs: list[list[str]], width: int, indent: bool
) -> None:
    # Hard-wrapped copy: each paragraph filled to the width, some indented or blank-separated.
    lines: list[str] = []
    for i, para in enumerate(paragraphs):
        line = "    " if indent and i % 2 else ""
        for word in para:
            if len(line) + len(word) + 1 > width and line.strip():
                lines.append(line)
                line = ""
            line = f"{line} {word}" if line.strip() else line + word
        lines.append(line)
        if not indent and i % 3 == 2:
            lines.append("")
    text = "\n".join(lines)
    assert textnorm.unwrap_lines(text) == ref.unwrap_lines(text)
    assert textnorm.to_plain_text(text) == ref.to_plain_text(text)


@given(_texts())
def test_split_sentences_matches_reference(text: str) -> None:
    assert textnorm.split_sentences(text) == ref.split_sentences(text)
    plain = textnorm.to_plain_text(text)
    assert textnorm.split_sentences(plain) == ref.split_sentences(plain)


def test_split_sentences_on_invented_news() -> None:
    text = (
        'MARROW, June 4 (Wirenews) - Mr. J. Olsen met Dr. Lee in the U.S. on Monday. "We agreed!" '
        "he said. Talks resume in Sept. 2027?  Yes. (Officials) declined.\n\n"
        "A second paragraph. Its end\n   indented line. 12 people came."
    )
    assert textnorm.split_sentences(text) == ref.split_sentences(text)
    assert len(textnorm.split_sentences(text)) == 9


@given(_texts())
def test_line_keys_and_counts_match_per_line_calls(text: str) -> None:
    plain = textnorm.to_plain_text(text)
    lines, keys, counts = clean._page_lines_keys_counts(plain)
    assert lines == ref._page_lines(plain)
    assert keys == [ref._line_key(ln) for ln in lines]
    assert counts == [textnorm.count_words(ln) for ln in lines]


def test_line_keys_on_dotted_capital_i_and_final_sigma() -> None:
    # U+0130 lower-cases to "i" and a combining dot: one word becomes two keys' tokens.
    # Sigma before an apostrophe and a capital is not final in the line.
    plain = "İstanbul ΑΣ'Α news\nΑΣ. ΑΣ\n\nx_y, 42 café—naïve"
    lines, keys, counts = clean._page_lines_keys_counts(plain)
    assert keys == [ref._line_key(ln) for ln in lines]
    assert counts == [textnorm.count_words(ln) for ln in lines] == [4, 2, 4]
    plain = plain.replace("İ", "I")
    lines, keys, counts = clean._page_lines_keys_counts(plain)
    assert keys == [ref._line_key(ln) for ln in lines]
    assert keys[0] == "istanbul ασ α news"
    assert counts == [textnorm.count_words(ln) for ln in lines] == [4, 2, 4]


@settings(max_examples=150, deadline=None)
@given(_pages(), st.integers(2, 4))
def test_clean_frame_matches_reference(batch: list[tuple[str, str]], min_pages: int) -> None:
    cfg = CleanConfig(source_min_pages=min_pages, source_min_share=0.05)
    frame = _frame(batch)
    pd.testing.assert_frame_equal(clean.clean_frame(frame, cfg), ref.clean_frame(frame, cfg))
    texts = [t for t, _ in batch]
    sources = [s for _, s in batch]
    assert clean.clean_articles(texts, sources, cfg) == ref.clean_articles(texts, sources, cfg)


def test_clean_frame_matches_reference_on_invented_batch() -> None:
    furniture = "\n".join(FURNITURE_LINES[:3])
    names = ["Anna Lindqvist", "Tomas Berg", "Ida Holm", "Jon Ek", "Mia Dahl", "Per Lund"]
    stories = [STORY_LINES[i] for i in (0, 1, 2, 9, 7, 8)]
    pages = [f"By {n}\n{s}\n{furniture}" for n, s in zip(names, stories, strict=True)]
    pages.append("\n".join(STORY_LINES[:3] + FURNITURE_LINES[3:7] + FURNITURE_LINES[3:7]))
    pages.append("<html><body><p>One &amp; two.</p><p>Three</p></body></html>")
    frame = _frame([(p, "site") for p in pages])
    new = clean.clean_frame(frame)
    pd.testing.assert_frame_equal(new, ref.clean_frame(frame))
    # The batch does exercise the rules: furniture and the repeated headline block go.
    assert new["n_boilerplate_lines"].tolist()[:7] == [3] * 6 + [8]
    assert new["byline"].tolist()[:6] == [f"By {n}" for n in names]
    assert new["dateline"].tolist()[3:6] == ["", "QUILL BAY", "Oster, Sept. 3 (Wirenews)"]


def test_character_facts_behind_the_fast_paths() -> None:
    # A word of seven characters is never a listed abbreviation (split_sentences skips it).
    assert max(map(len, textnorm._ABBREV)) < 7
    everything = "".join(chr(cp) for cp in range(sys.maxunicode + 1) if not 0xD800 <= cp < 0xE000)
    # ``\s`` is what str.split() and str.strip() treat as space.
    assert re.findall(r"\s", everything) == [ch for ch in everything if ch.isspace()]
    # Lower-casing keeps a character's class (word or not), but for U+0130.
    word = re.compile(r"\w")
    changed = [
        ch
        for ch in everything
        if ch.lower() != ch
        and any((word.match(x) is None) != (word.match(ch) is None) for x in ch.lower())
    ]
    assert changed == ["\u0130"]
    # Lower-casing never makes or removes a line break.
    assert everything.lower().count("\n") == 1


def test_line_hash_collisions_take_the_exact_way(monkeypatch: pytest.MonkeyPatch) -> None:
    furniture = "\n".join(FURNITURE_LINES[:3])
    pages = [f"{s}\n{furniture}" for s in STORY_LINES[:6]]
    frame = _frame([(p, "site") for p in pages] + [(STORY_LINES[6], "site")])
    want = ref.clean_frame(frame)
    calls: list[int] = []
    exact = clean._clean_batch

    def spy(*args: object) -> object:
        calls.append(1)
        return exact(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(clean, "_clean_batch", spy)
    pd.testing.assert_frame_equal(clean.clean_frame(frame), want)
    assert calls == []  # distinct hashes: the two passes
    monkeypatch.setattr(clean, "_key_hash", lambda key: len(key) % 3)
    pd.testing.assert_frame_equal(clean.clean_frame(frame), want)
    assert calls == [1]  # colliding hashes found, the batch cleaned the exact way
    assert want["n_boilerplate_lines"].tolist()[:6] == [3] * 6


@given(_texts())
def test_sentence_table_holds_the_split_sentences(text: str) -> None:
    texts = [text, textnorm.to_plain_text(text), "", "One. Two three."]
    bounds = [textnorm.sentence_bounds(t) for t in texts]
    flat = np.array([b for bs in bounds for b in bs], dtype=np.int64)
    table = textnorm.SentenceTable(texts, flat[0::2], flat[1::2], [len(b) // 2 for b in bounds])
    assert list(table) == [tuple(textnorm.split_sentences(t)) for t in texts]
    assert table.token_counts().tolist() == [
        len(textnorm.tokenize(s)) for t in texts for s in textnorm.split_sentences(t)
    ]
    # the counts of some texts, in any order (repeats allowed), a few characters at a time
    for rows in ([3, 0], [1, 1, 2], []):
        want = [len(textnorm.tokenize(s)) for r in rows for s in textnorm.split_sentences(texts[r])]
        assert table.token_counts(rows).tolist() == want


OTHER_SCRIPT_PIECES = [
    "Он сказал",
    "это",
    "वह आया",
    "फिर",
    "هل جاء",
    "Élysée",
    "über",
    "Mr",
    "12",
    "国务院",
    ".",
    "!",
    "?",
    "\u0964",
    "\u061f",
    "\u06d4",
    "\u3002",
    " ",
    "  ",
    "\n",
    "“",
    "”",
    "(",
]


@given(st.lists(st.sampled_from(OTHER_SCRIPT_PIECES), max_size=40).map("".join))
def test_split_sentences_of_other_scripts_matches_reference(text: str) -> None:
    assert textnorm.split_sentences(text) == ref.split_sentences(text)
    bounds = textnorm.sentence_bounds(text)
    pieces = [text[a:b] for a, b in zip(bounds[::2], bounds[1::2], strict=True)]
    assert pieces == ref.split_sentences(text)


def test_token_counts_of_chosen_texts_a_few_characters_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = [
        "One. Two three.\nİstanbul said. Four five six.",
        "",
        "国务院发布通知。通知要求检查!",
        "Он сказал. Это было вчера.",
        "A lone line",
    ]
    bounds = [textnorm.sentence_bounds(t) for t in texts]
    flat = np.array([b for bs in bounds for b in bs], dtype=np.int64)
    table = textnorm.SentenceTable(texts, flat[0::2], flat[1::2], [len(b) // 2 for b in bounds])
    monkeypatch.setattr(textnorm, "_COUNT_CHARS", 10)
    for rows in (None, [4, 0, 2], [0, 0], [3, 1, 2, 4, 0]):
        chosen = range(len(texts)) if rows is None else rows
        want = [len(textnorm.tokenize(s)) for r in chosen for s in table[r]]
        assert table.token_counts(rows).tolist() == want


def test_headline_restated_with_share_buttons_matches_reference() -> None:
    # the headline twice, the second time run on into the share buttons: a restated line
    text = (
        "Late goal sends Harwick into the cup final\n\n"
        "Late goal sends Harwick into the cup final\nShare on Facebook Share on X Email"
    )
    frame = pd.DataFrame({"text": [text], "source": [""]})
    cfg = CleanConfig(source_min_pages=2, source_min_share=0.05)
    got = clean.clean_frame(frame, cfg)
    pd.testing.assert_frame_equal(got, ref.clean_frame(frame, cfg))
    assert got["body"].tolist() == ["Late goal sends Harwick into the cup final"]


def test_parts_cleaned_in_worker_processes_match_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # parts of three pages, shared out to two forked workers: each source's furniture is
    # still found over all its pages, and hash collisions between parts still send the
    # batch the exact way
    furniture = "\n".join(FURNITURE_LINES[:3])
    pages = [(f"{s}\n{furniture}", "site") for s in STORY_LINES[:8]]
    pages += [(f"By Ida Holm\n{s}\n{FURNITURE_LINES[5]}", "other") for s in STORY_LINES[2:7]]
    pages.append(("<html><body><p>One &amp; two.</p><p>Three</p></body></html>", "other"))
    frame = _frame(pages)
    want = ref.clean_frame(frame)
    monkeypatch.setattr(clean, "_PART_PAGES", 3)
    monkeypatch.setattr(clean, "_PARALLEL_PAGES", 6)
    shared_out: list[int] = []
    real = clean.fork_map

    def spy(fn: object, shared: object, items: list[object], n_jobs: int, parallel: bool) -> object:
        shared_out.append(len(items) if parallel else 0)
        return real(fn, shared, items, n_jobs, parallel=parallel)  # type: ignore[arg-type]

    monkeypatch.setattr(clean, "fork_map", spy)
    cfg = CleanConfig(n_jobs=2)
    got = clean.clean_frame(frame, cfg)
    pd.testing.assert_frame_equal(got, want)
    assert shared_out == [5, 5]  # both passes, 14 pages in parts of 3
    # (the fixture exercises the rules: the site's furniture goes from 7 of its 8 pages)
    assert got["n_boilerplate_lines"].tolist()[:8].count(3) == 7
    # three story lines of one hash, one in each of three parts: each part alone sees no
    # collision, the parts' keys taken together do
    apart = {clean._line_key(STORY_LINES[k]) for k in (0, 3, 6)}
    exact = clean._clean_batch
    calls: list[int] = []

    def spy_exact(*args: object) -> object:
        calls.append(1)
        return exact(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(clean, "_clean_batch", spy_exact)
    monkeypatch.setattr(clean, "_key_hash", lambda key: 7 if key in apart else hash(key))
    pd.testing.assert_frame_equal(clean.clean_frame(frame, cfg), want)
    assert calls == [1]
