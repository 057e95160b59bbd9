import re

from hypothesis import given
from hypothesis import strategies as st

from dedup.textnorm import (
    count_words,
    html_to_text,
    looks_like_html,
    normalize_text,
    sentence_bounds,
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
        assert tokenize(text) == _reference_tokens(text.lower())
        assert count_words(text) == len(_reference_tokens(text))
    ascii_text = s.encode("ascii", "replace").decode()
    assert tokenize(ascii_text) == re.findall(r"\w+", ascii_text.lower())


def _no_space_letter(ch: str) -> bool:
    cp = ord(ch)
    ranges = [
        (0x3040, 0x30FF),  # hiragana, katakana
        (0x31F0, 0x31FF),
        (0x3400, 0x4DBF),  # CJK extension A
        (0x4E00, 0x9FFF),  # CJK unified ideographs
        (0xF900, 0xFAFF),
        (0xFF66, 0xFF9F),  # half-width katakana
        (0x20000, 0x3134F),
    ]
    return any(lo <= cp <= hi for lo, hi in ranges)


def _reference_tokens(text: str) -> list[str]:
    """Tokens character by character: a letter of Chinese or Japanese script alone; a run
    of the other word characters (alphanumeric or underscore) and combining marks."""
    import unicodedata

    out: list[str] = []
    run = ""
    for ch in text:
        word = ch.isalnum() or ch == "_"
        if word and _no_space_letter(ch):
            out += [run, ch] if run else [ch]
            run = ""
        elif (word or unicodedata.category(ch).startswith("M")) and not _no_space_letter(ch):
            run += ch
        else:
            out += [run] if run else []
            run = ""
    return out + ([run] if run else [])


_SCRIPTS = (
    "abcXYZ019_ .,!?'\"-\n"
    "éİıßΣσς"  # Latin, dotted capital I, Greek
    "\u0301\u0307\u0308"  # combining marks
    "हिन्दीसमाचार।"  # Devanagari with vowel signs and virama, danda
    "กรุงเทพ"  # Thai with marks
    "北京时间日本語のカタカナ、。「」"  # Chinese, Japanese, their punctuation
    "\u3099ー・ｶﾞ"  # a kana mark, the prolonged sound mark, a middle dot, half-width kana
    "서울시"  # Hangul (written with spaces)
    "“”’—😀\U00020000\U0001d165"  # quotes, a dash, an emoji, an extension B letter, a mark
    "\U000e0100\ufe0f"  # variation selectors (marks), the last of the mark ranges
)


@given(st.text(alphabet=st.sampled_from(_SCRIPTS), max_size=80))
def test_tokens_of_many_scripts_follow_the_character_rule(s: str) -> None:
    from dedup.textnorm import count_tokens

    assert tokenize(s) == _reference_tokens(s.lower())
    assert count_words(s) == len(_reference_tokens(s))
    assert count_tokens([s, "x " + s]).tolist() == [len(tokenize(s)), len(tokenize(s)) + 1]


def test_chinese_and_japanese_letters_are_tokens_and_marks_stay_in_their_word() -> None:
    assert tokenize("国务院今天发布通知") == list("国务院今天发布通知")
    assert tokenize("東京都は5日、発表した") == [*"東京都は", "5", *"日", *"発表した"]
    assert tokenize("कीमतें बढ़ीं") == ["कीमतें", "बढ़ीं"]  # vowel signs are not separators
    assert tokenize("İzmir") == ["i\u0307zmir"]  # its lower case: i and a combining dot
    assert tokenize("서울 시장은") == ["서울", "시장은"]


def test_chinese_sentences_end_at_the_ideographic_full_stop() -> None:
    text = normalize_text("国务院发布通知。通知要求检查！“专家说。”下一句 He said. The end?真的吗")
    want = [
        "国务院发布通知。",
        "通知要求检查!",
        "“专家说。”",
        "下一句 He said.",
        "The end?",
        "真的吗",
    ]
    assert split_sentences(text) == want
    bounds = sentence_bounds(text)
    assert [text[a:b] for a, b in zip(bounds[::2], bounds[1::2], strict=True)] == want


def test_sentences_of_scripts_without_ascii_capitals_are_cut() -> None:
    assert split_sentences("Он сказал. Это было вчера. Élysée said. 12 died.") == [
        "Он сказал.",
        "Это было вчера.",
        "Élysée said.",
        "12 died.",
    ]
    assert split_sentences("वह आया। फिर गया। अब नहीं") == ["वह आया।", "फिर गया।", "अब नहीं"]
    assert split_sentences("هل جاء؟ نعم. لا") == ["هل جاء؟", "نعم.", "لا"]
    # a lower-case word after a full stop still goes on the sentence
    assert split_sentences("He said. the end. Über alles. ähnlich") == [
        "He said. the end.",
        "Über alles. ähnlich",
    ]
