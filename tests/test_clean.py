import pandas as pd

from dedup.clean import clean_articles, clean_frame
from dedup.config import CleanConfig

STORY = [
    "Officials in Marrow County opened a new flood barrier on Friday after two years of work.",
    "The barrier cost 80 million and protects 12,000 homes, the county engineer said.",
    "Residents had campaigned for the project since the floods of 2019.",
]
HEADLINES = [
    "Mayor of Tarn resigns over budget row",
    "Late goal sends Harwick into the cup final",
    "Train fares to rise by four percent",
    "New museum wing opens to the public",
]


def test_repeated_headline_block_is_removed_everywhere() -> None:
    page = "\n".join(STORY + HEADLINES + ["   " + h for h in HEADLINES])
    (c,) = clean_articles([page], [""])
    assert c.n_boilerplate_lines == 8
    assert c.body == "\n".join(STORY)


def test_headline_list_run_is_removed() -> None:
    page = "\n".join([*STORY, "Related", *HEADLINES])
    (c,) = clean_articles([page], [""])
    assert all(h not in c.body for h in HEADLINES)
    assert all(s in c.body for s in STORY)


DISTINCT = [
    "The harbour master of Quill Bay closed the pier after storms damaged its timber supports.",
    "A rare orchid was found flowering in the botanical gardens for the first time since 1987.",
    "Farmers near Oster reported an early barley harvest thanks to a dry, warm summer.",
    "The regional rail operator ordered twelve electric trains for its coastal line.",
    "Students at Fenwick college built a solar car that will race across the desert in May.",
]


def _stories(n: int) -> list[str]:
    return DISTINCT[:n]


def test_source_furniture_removed_but_story_kept() -> None:
    furniture = "Share on Facebook Share on X Email"
    pages = [f"{s}\n{furniture}" for s in _stories(5)]
    cleaned = clean_articles(pages, ["site"] * 5)
    assert all(furniture not in c.body for c in cleaned)
    assert all(c.n_boilerplate_lines == 1 for c in cleaned)


def test_versions_of_one_story_from_one_source_keep_their_text() -> None:
    story = "\n".join(STORY)
    pages = [story, story + "\nAn added paragraph with new details about the barrier.", story]
    cleaned = clean_articles(pages, ["outlet"] * 3, CleanConfig(source_min_pages=3))
    assert all(STORY[0] in c.body for c in cleaned)


def test_byline_and_dateline_kept_apart() -> None:
    page = "By Anna Lindqvist\nMARROW, June 4 (Wirenews) - " + " ".join(STORY)
    (c,) = clean_articles([page], [""])
    assert c.byline == "By Anna Lindqvist"
    assert c.dateline.startswith("MARROW, June 4 (Wirenews)")
    assert c.body.startswith("Officials in Marrow County")


def test_cleaning_is_idempotent() -> None:
    page = "\n".join(STORY + HEADLINES + HEADLINES)
    (once,) = clean_articles([page], [""])
    (twice,) = clean_articles([once.body], [""])
    assert twice.body == once.body
    assert twice.n_boilerplate_lines == 0


def test_clean_frame_counts() -> None:
    df = pd.DataFrame({"text": ["\n".join(STORY)], "source": [""]})
    out = clean_frame(df)
    assert out.loc[0, "n_words"] > 30
    assert len(out.loc[0, "sentences"]) == 3
