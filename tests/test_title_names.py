""":func:`dedup.score.title_names` (one search per text and pattern, counts over the batch)
equals the sentence-by-sentence reference: same names per title, same weights, in the same
order."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup.score as score_mod
from dedup.score import _CAP_RE, _INNER_CAP_RE, name_counts, title_names
from tests.score_reference import (
    REFERENCE_CAP_RE,
    REFERENCE_INNER_CAP_RE,
    reference_name_counts,
    reference_title_names,
)

# invented words in several cases; sentence edges, spaces, tabs and sentence ends around
# them decide which count as capitalised inside a sentence
_WORDS = ["Tarn", "tarn", "TARN", "Osk", "osk", "Élan", "élan", "Vey", "veys", "iVey", "a1", "12"]
_GLUE = [" ", " ", "  ", ". ", "! ", "? ", "\t", ", ", "-", "'", ""]


@st.composite
def _sentence(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(st.sampled_from(_GLUE), st.sampled_from(_WORDS)), max_size=8))
    tail = draw(st.sampled_from(["", ".", " ", "!"]))
    return "".join(g + w for g, w in parts) + tail


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(_WORDS), max_size=4).map(" ".join),
            st.lists(_sentence(), max_size=4),
        ),
        max_size=6,
    )
)
def test_title_names_equal_the_sentence_by_sentence_reference(
    texts: list[tuple[str, list[str]]],
) -> None:
    titles = [t for t, _ in texts]
    sentences = [s for _, s in texts]
    want = reference_title_names(titles, sentences)
    counts = name_counts(sentences)
    for got in (title_names(titles, sentences), title_names(titles, sentences, counts)):
        assert list(got.names) == want.names and len(got.names) == len(titles)
        assert list(got.weight.items()) == list(want.weight.items())
    # the same counts name other texts' words (a lede instead of the title) as well
    ledes = [s[0] if s else "" for s in sentences]
    got, want = title_names(ledes, sentences, counts), reference_title_names(ledes, sentences)
    assert list(got.names) == want.names and got.weight == want.weight


def test_a_word_after_a_sentence_opening_space_is_not_inside_a_sentence() -> None:
    # " Tarn" opens the second sentence: nothing precedes its space, so it is not a
    # capitalised word inside a sentence, and Tarn is no name
    tn = title_names(["TARN"], [["The tarn.", " Tarn rose", "Tarn fell."]])
    assert list(tn.names) == [frozenset()]
    tn = title_names(["TARN"], [["The tarn.", "Then Tarn rose", "Tarn fell."]])
    assert list(tn.names) == [frozenset({"tarn"})]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="AZaz_1É.!? \n\t-", max_size=40))
def test_title_name_searches_equal_the_plain_patterns(text: str) -> None:
    """The scorer's searches, which look back from the capital, find what the plain
    patterns find, in the same order."""
    assert _CAP_RE.findall(text) == REFERENCE_CAP_RE.findall(text)
    assert _INNER_CAP_RE.findall(text) == REFERENCE_INNER_CAP_RE.findall(text)


@pytest.mark.parametrize("rows", [1, 2, 3])
def test_case_counts_a_few_texts_at_a_time_equal_the_whole_batch(
    rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Texts searched a slice at a time: the same counts, in the same order, as the whole
    batch at once, and the same names as the sentence-by-sentence reference."""
    rng = random.Random(rows)
    glue = [g for g in _GLUE if g]
    sentences = [
        [
            "".join(rng.choice(glue) + rng.choice(_WORDS) for _ in range(rng.randrange(9)))
            for _ in range(rng.randrange(4))
        ]
        for _ in range(12)
    ]
    titles = [" ".join(rng.choices(_WORDS, k=3)) for _ in sentences]
    whole = name_counts(sentences)
    monkeypatch.setattr(score_mod, "_NAME_ROWS", rows)
    sliced = name_counts(sentences)
    assert list(sliced.counts.items()) == list(whole.counts.items())
    assert sliced.n_texts == whole.n_texts == 12
    # counted in parts by two forked workers, added up in order
    in_parts = name_counts(sentences, n_jobs=2)
    assert list(in_parts.counts.items()) == list(whole.counts.items())
    assert in_parts.n_texts == 12
    assert len(whole.counts) >= 2
    want = reference_title_names(titles, sentences)
    got = title_names(titles, sentences, sliced)  # the titles a slice at a time too
    assert list(got.names) == want.names and got.weight == want.weight
    assert any(want.names)


# ASCII and other texts side by side: accented capitals and lower-case letters, a capital
# whose lower case is longer (U+0130), curly quotes and a dash (not word characters), a
# no-break space (not the space the inner-capital pattern looks for)
_MIXED = [
    *_WORDS,
    "İz",
    "Straße",
    "ÉTANG",
    "étang",
    "\u201cTarn\u201d",
    "osk\u2014Vey",
    "Tarn\xa0Osk",
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(
            st.lists(st.tuples(st.sampled_from(_GLUE), st.sampled_from(_MIXED)), max_size=7).map(
                lambda parts: "".join(g + w for g, w in parts)
            ),
            max_size=4,
        ),
        max_size=8,
    ),
    st.integers(min_value=1, max_value=4),
)
def test_case_counts_equal_the_text_by_text_reference(
    sentences: list[list[str]], rows: int
) -> None:
    """The case counts (a slice of texts at a time, each slice's words counted at once)
    equal the three plain patterns' text by text, in the same order, ASCII and other texts
    side by side."""
    want = reference_name_counts(sentences)
    for slice_rows in (rows, score_mod._NAME_ROWS):
        original = score_mod._NAME_ROWS
        score_mod._NAME_ROWS = slice_rows
        try:
            got = name_counts(sentences)
        finally:
            score_mod._NAME_ROWS = original
        assert list(got.counts.items()) == list(want.counts.items())
        assert got.n_texts == want.n_texts


def test_case_counts_of_ascii_and_other_texts_keep_the_text_order() -> None:
    """A capitalised word met first in a non-ASCII text keeps its place before one met
    later in an ASCII text: the counts' order is the texts' order."""
    sentences = [["The Oskar vote"], ["a Tarn in Élan"], ["so Oskar and Tarn"], ["by Vey"]]
    got = name_counts(sentences)
    assert list(got.counts) == ["oskar", "tarn", "vey"]
    assert got.counts["tarn"] == (2, 2, 0)
    assert list(got.counts.items()) == list(reference_name_counts(sentences).counts.items())


def test_title_names_are_held_as_numbers_and_given_as_sets() -> None:
    """Each title's names are numbers into one array of names; indexing gives the set,
    from either end, and refuses a row past either end."""
    sentences = [["Then Tarn rose and Osk fell."], ["Later Osk rose."], ["Vey met Tarn."]]
    tn = title_names(["TARN OSK", "", "osk news"], sentences)
    assert list(tn.names) == [frozenset({"tarn", "osk"}), frozenset(), frozenset({"osk"})]
    assert tn.names[-1] == tn.names[2] and tn.names[0:2] == list(tn.names)[0:2]
    assert sorted(tn.names.table.vocab.tolist()) == ["osk", "tarn"]  # each name held once
    for bad in (3, -4):
        with pytest.raises(IndexError):
            tn.names[bad]
