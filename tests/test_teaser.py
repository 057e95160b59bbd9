"""Teasers and share-page stubs: short pages that retell the lede of a longer story."""

from __future__ import annotations

import numpy as np

from dedup.clean import clean_articles
from dedup.cluster import attach_teasers
from dedup.config import ClusterConfig, Config, ScoreConfig
from dedup.teaser import teaser_matches
from dedup.textnorm import tokenize
from tests.conftest import cluster_of, run_dated

STORY = [
    "Engineers in the coastal town of Varnholt began draining the old salt marsh on Monday, "
    "ending a ten-year dispute over the land.",
    "Court papers filed on Friday showed that a forgotten survey of the marsh had persuaded "
    "the regional council to drop its objections to the drainage scheme.",
    '"This is a sad day for the birds and for everyone who walks here," said Ilse Brandvik, '
    "who led the campaign against the scheme.",
    "The council says the drained land will hold a school, a clinic and two hundred homes.",
    "Campaigners argued that the marsh shelters rare waders every spring and autumn.",
    "The survey, drawn up by a retired hydrologist, found that the marsh had been shrinking "
    "for decades because of a blocked sluice.",
    "Its author, Anton Reel, died last year and his papers were found by his daughter.",
    "Lawyers for the campaigners said they would study the survey before deciding whether "
    "to appeal against the ruling.",
    "Work on the first drainage channel is expected to take about six weeks.",
    "The town's mayor said the homes were badly needed and the marsh had been neglected.",
    "Birdwatchers plan a farewell walk across the marsh on Saturday morning.",
    "The regional council will publish the full survey on its website next week.",
]
# A share-page stub: widget lines, the headline, a standfirst that paraphrases the
# story's second paragraph, and a share box restating both with a link.
HEADLINE = "Forgotten survey clears way for Varnholt marsh drainage"
STANDFIRST = (
    "A forgotten survey of the marsh persuaded the regional council to drop its objections "
    "to the drainage scheme"
)
STUB = "\n".join(
    [
        "Mail Chat Share Print More",
        HEADLINE,
        STANDFIRST,
        "Send to a friend",
        f"{HEADLINE} {STANDFIRST} Read this story at example.test: "
        "https://example.test/news/2026/03/03/varnholt-marsh/1234567",
        "SendClose",
        "The link is on its way to your friend.",
        "Done!",
        "Your post is now on your timeline.",
        "Add a comment",
    ]
)
OTHER_STORY = [
    "The harbour of Kelmsby reopened on Tuesday after a week of storms closed it to ships.",
    "Fishing crews said they had lost most of the season's best catch while tied up.",
    "The harbour master said the breakwater had held, but two cranes were damaged.",
    "Insurers expect claims from the storm to run into millions of crowns.",
]


def test_share_stub_joins_the_story_it_teases() -> None:
    texts = {
        "wire": ("2026-03-03T07:50:00", "\n".join(STORY)),
        "copy": ("2026-03-03T11:05:00", "\n".join(STORY[:10])),
        "stub": ("2026-03-03T09:20:00", STUB),
        "harbour": ("2026-03-03T08:30:00", "\n".join(OTHER_STORY)),
    }
    res = run_dated(texts)
    c = cluster_of(res)
    assert c["stub"] == c["wire"] == c["copy"] != c["harbour"]
    assert res.counts["candidates"]["teaser"] == 2  # the stub found both ledes
    off = run_dated(texts, Config(cluster=ClusterConfig(teaser_words=0)))
    assert "teaser" not in off.counts["candidates"]


def test_share_box_restating_headline_and_standfirst_is_boilerplate() -> None:
    body = clean_articles([STUB], [""])[0].body
    assert "https" not in body
    assert body.count(STANDFIRST) == 1
    assert HEADLINE in body


def test_short_report_sharing_only_a_quote_stays_apart() -> None:
    quote_only = "\n".join(
        [
            "Birdwatchers gathered at the edge of the Varnholt marsh as the diggers arrived.",
            STORY[2],
            "Some had travelled from the capital to see the waders one last time.",
        ]
    )
    res = run_dated(
        {
            "wire": ("2026-03-03T07:50:00", "\n".join(STORY)),
            "other": ("2026-03-03T09:20:00", quote_only),
        }
    )
    c = cluster_of(res)
    assert c["wire"] != c["other"]
    p = res.pairs
    rel = p[(p["id_a"] == "other") & (p["id_b"] == "wire")]["relation"].tolist()
    assert rel in ([], ["related"])


def _matches(texts: list[str], titles: list[str] | None = None) -> list[tuple[int, int, float]]:
    cleaned = clean_articles(texts, [""] * len(texts))
    tokens = [tokenize(c.body) for c in cleaned]
    return teaser_matches(
        [c.sentences for c in cleaned],
        tokens,
        np.array([len(t) for t in tokens]),
        np.zeros(len(texts)),
        titles or [""] * len(texts),
        ClusterConfig(),
        ScoreConfig(),
        7.0,
    )


def test_teaser_matches_the_lede_not_a_later_paragraph() -> None:
    teaser = HEADLINE + "\n" + STANDFIRST + "."
    assert [(r, p) for r, p, _ in _matches(["\n".join(STORY), teaser])] == [(1, 0)]
    # The same sentence paraphrasing a paragraph far below the lede is no teaser.
    late = "\n".join(STORY[2:] + STORY[:2])
    long_late = late + "\n" + "\n".join(OTHER_STORY * 3)
    assert _matches([long_late, teaser]) == []


def test_teaser_needs_the_words_in_order_and_its_figures() -> None:
    shuffled = " ".join(reversed(STANDFIRST.split())) + "."
    assert _matches(["\n".join(STORY), HEADLINE + "\n" + shuffled]) == []
    with_figure = STANDFIRST + " in 1987."
    assert _matches(["\n".join(STORY), HEADLINE + "\n" + with_figure]) == []


def test_teaser_of_different_titles_is_another_report() -> None:
    teaser = HEADLINE + "\n" + STANDFIRST + "."
    titles = ["Marsh drainage begins in Varnholt", "Quarterly results of Varnholt Dairy"]
    assert _matches(["\n".join(STORY), teaser], titles) == []


def test_teaser_matching_several_stories_is_a_template_and_stays_alone() -> None:
    labels = np.array([0, 1, 2, 3])  # row 3 alone; rows 0..2 three different stories
    assert attach_teasers(labels, [(3, 0, 1.0), (3, 2, 0.9)]).tolist() == [0, 1, 2, 3]
    assert attach_teasers(labels, [(3, 1, 0.9)]).tolist() == [0, 1, 2, 1]
    joined = np.array([0, 0, 2, 3])  # rows 0 and 1 are one story
    assert attach_teasers(joined, [(3, 0, 1.0), (3, 1, 0.9)]).tolist() == [0, 0, 2, 0]
    # a text already in a cluster is not moved
    assert attach_teasers(np.array([0, 1, 1]), [(2, 0, 1.0)]).tolist() == [0, 1, 1]


def test_document_frequency_from_token_codes_equals_the_list_path() -> None:
    from dedup.teaser import _document_frequency
    from dedup.textnorm import TokenTable

    texts = [
        "The port strike ended on Monday",
        "Strike strike strike at the port",
        "",
        "Monday was quiet at the harbour and the port",
    ] * 3
    table = TokenTable.from_texts(texts)
    vocab = {w: i for i, w in enumerate(["port", "strike", "monday", "harbour", "absent"])}
    by_codes = _document_frequency(table, vocab)
    by_lists = _document_frequency([list(t) for t in table], vocab)
    assert by_codes.tolist() == by_lists.tolist() == [9.0, 6.0, 6.0, 3.0, 0.0]
