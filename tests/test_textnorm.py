import re

from hypothesis import given
from hypothesis import strategies as st

from dedup.textnorm import (
    count_words,
    html_to_text,
    looks_like_html,
    normalize_text,
    split_sentences,
    to_plain_text,
    tokenize,
    unwrap_lines,
)


def test_tokenize_lowercases_words() -> None:
    assert tokenize("Hello, World! 42 times") == ["hello", "world", "42", "times"]


def test_normalize_nfkc_and_whitespace() -> None:
    assert normalize_text("ﬁne\u00a0day  \r\n\n\n\nnext") == "fine day\n\nnext"


def test_separator_runs_become_line_breaks() -> None:
    assert normalize_text("First paragraph. ### Second paragraph.") == (
        "First paragraph.\nSecond paragraph."
    )


@given(st.text())
def test_normalize_is_idempotent(s: str) -> None:
    once = normalize_text(s)
    assert normalize_text(once) == once


def test_html_to_text_drops_scripts_and_keeps_blocks() -> None:
    html = "<html><body><p>One &amp; two</p><script>alert(1)</script><p>Three</p></body></html>"
    assert looks_like_html(html)
    text = normalize_text(html_to_text(html))
    assert text == "One & two\n\nThree"
    assert "alert" not in to_plain_text(html)


def test_plain_text_is_not_taken_for_html() -> None:
    assert not looks_like_html("Profits rose 5% <to 3m> in March")


def test_split_sentences_keeps_abbreviations() -> None:
    text = "Mr. Smith met Dr. Jones in the U.S. on Monday. They agreed! Talks resume in May."
    assert split_sentences(text) == [
        "Mr. Smith met Dr. Jones in the U.S. on Monday.",
        "They agreed!",
        "Talks resume in May.",
    ]


def test_split_sentences_splits_lines() -> None:
    assert split_sentences("A headline\nThe body starts here.") == [
        "A headline",
        "The body starts here.",
    ]


def _slow_normalize(text: str) -> str:
    import unicodedata

    from dedup import textnorm as tn

    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n").replace("\x0b", "\n").replace("\x0c", "\n")
    text = tn._SEPARATOR_RE.sub("\n", text)
    text = "".join(
        ch for ch in text if ch == "\n" or ch == "\t" or unicodedata.category(ch)[0] != "C"
    )
    text = tn._SPACE_RE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return tn._MANY_NEWLINES.sub("\n\n", text).strip()


@given(
    st.text(alphabet=st.sampled_from(list("ab c\n\t.\u00a0\u200b\x00\x07\ufeff\u2028é\u0301-#")))
)
def test_normalize_text_fast_path_matches_the_character_filter(text: str) -> None:
    assert normalize_text(text) == _slow_normalize(text)


WRAPPED = (
    "NORDHAVN, March 4 - The harbour board of Nordhavn said on\n"
    "Wednesday it would extend the northern quay by 300 metres to\n"
    "take the larger container ships now calling at the port.\n"
    "    The work is expected to cost 45 mln crowns and to take two\n"
    "years, a board spokesman told reporters at the harbour office.\n"
    "    Shipping lines welcomed the plan.\n"
    "    Reuter"
)


def test_unwrap_joins_hard_wrapped_paragraphs_at_indents() -> None:
    assert unwrap_lines(WRAPPED).split("\n") == [
        "NORDHAVN, March 4 - The harbour board of Nordhavn said on Wednesday it would extend "
        "the northern quay by 300 metres to take the larger container ships now calling at "
        "the port.",
        "    The work is expected to cost 45 mln crowns and to take two years, a board "
        "spokesman told reporters at the harbour office.",
        "    Shipping lines welcomed the plan.",
        "    Reuter",
    ]
    sentences = split_sentences(to_plain_text(WRAPPED))
    assert sentences[1].startswith("The work is expected") and sentences[1].endswith("office.")


def test_unwrap_keeps_blank_line_paragraphs_apart() -> None:
    text = (
        "The harbour board of Nordhavn said on Wednesday that it\n"
        "would extend the northern quay by 300 metres next year.\n"
        "\n"
        "Shipping lines welcomed the plan and said that larger\n"
        "ships would call at the port more often from then on.\n"
    )
    assert unwrap_lines(text).split("\n") == [
        "The harbour board of Nordhavn said on Wednesday that it would extend the northern "
        "quay by 300 metres next year.",
        "",
        "Shipping lines welcomed the plan and said that larger ships would call at the port "
        "more often from then on.",
        "",
    ]


def test_unwrap_leaves_unwrapped_pages_and_lists_alone() -> None:
    paragraphs = (
        "The harbour board of Nordhavn said on Wednesday that it would extend the northern "
        "quay by 300 metres.\nShipping lines welcomed the plan.\nMore ships will call."
    )
    headlines = "Home\nNews\nSport\nWeather\nHarbour board plans longer quay\nContact us"
    assert unwrap_lines(paragraphs) == paragraphs
    assert unwrap_lines(headlines) == headlines


@given(st.text(alphabet=" \nabc.", max_size=300))
def test_unwrap_is_idempotent(s: str) -> None:
    once = unwrap_lines(s)
    assert unwrap_lines(once) == once


@given(st.text(alphabet=st.characters(max_codepoint=0x17F), max_size=60))
def test_tokenize_and_count_words_ascii_path_is_the_regular_expression(s: str) -> None:
    for text in (s, s.encode("ascii", "replace").decode()):  # any text, then ASCII only
        assert tokenize(text) == re.findall(r"\w+", text.lower())
        assert count_words(text) == len(re.findall(r"\w+", text))
