"""Teasers and share-page stubs: short pages that retell the lede of a longer story."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

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


def _invented_batch(seed: int, n: int) -> tuple[list[str], list[str], np.ndarray]:
    """Texts made of invented sentences: long stories, copies of their ledes, teasers that
    retell or reorder a lede sentence, quotes, figures, repeated sentences, a dotted
    capital I; their titles and times."""
    import random

    rng = random.Random(seed)
    names = ["Varnholt", "Kelmsby", "Ilse", "Brandvik", "Anton", "Reel", "İzmir", "Elsby"]
    common = [
        "the",
        "a",
        "of",
        "in",
        "on",
        "to",
        "and",
        "said",
        "was",
        "for",
        "with",
        "by",
        "at",
        "its",
        "after",
        "over",
    ]
    rare = [
        "marsh",
        "sluice",
        "survey",
        "harbour",
        "crane",
        "breakwater",
        "council",
        "drainage",
        "waders",
    ]
    figs = ["4,200", "1.5", "30", "7-3/4", "19-20", "2026"]

    def sentence(k: int) -> str:
        words = [rng.choice(names)] + [
            rng.choice(common if rng.random() < 0.5 else rare + names) for _ in range(k)
        ]
        if rng.random() < 0.3:
            words.insert(rng.randrange(1, len(words)), rng.choice(figs))
        s = " ".join(words) + "."
        return f'"{s}"' if rng.random() < 0.1 else s

    stories = [[sentence(rng.randint(8, 18)) for _ in range(rng.randint(3, 14))] for _ in range(6)]
    texts: list[str] = []
    titles: list[str] = []
    for _ in range(n):
        story = rng.choice(stories)
        kind = rng.random()
        if kind < 0.35:
            sents = story[: rng.randint(2, len(story))]
        elif kind < 0.7:
            sents = [rng.choice(story[:3])]
            if rng.random() < 0.5:
                words = sents[0].split()
                rng.shuffle(words[1:4])
                sents = [" ".join(words)]
            if rng.random() < 0.5:
                sents.append(sentence(rng.randint(2, 12)))
        else:
            sents = [sentence(rng.randint(3, 16)) for _ in range(rng.randint(1, 8))]
        if rng.random() < 0.2:
            sents = sents + sents[:1]
        texts.append(("\n" if rng.random() < 0.5 else " ").join(sents))
        titles.append(rng.choice(["", "Marsh drainage in Varnholt", "Harbour storm", sents[0]]))
    times = np.array([rng.choice([np.nan, 0.0, 3600.0, 4 * 86400.0, 9 * 86400.0]) for _ in texts])
    return texts, titles, times


def test_teaser_pass_from_token_codes_equals_the_string_pass() -> None:
    from dedup.textnorm import TokenTable
    from tests.teaser_reference import teaser_matches as reference

    found = 0
    for seed, n in [(1, 12), (2, 40), (3, 80), (4, 120)]:
        texts, titles, times = _invented_batch(seed, n)
        cleaned = clean_articles(texts, [""] * len(texts))
        sentences = [c.sentences for c in cleaned]
        tokens = [tokenize(c.body) for c in cleaned]
        n_words = np.array([len(t) for t in tokens])
        for cfg in (ClusterConfig(), ClusterConfig(teaser_words=40, teaser_match=0.6)):
            args = (n_words, times, titles, cfg, ScoreConfig(), 7.0)
            want = reference(sentences, tokens, *args)
            assert teaser_matches(sentences, tokens, *args) == want
            table = TokenTable.from_texts(c.body for c in cleaned)
            assert teaser_matches(sentences, table, *args) == want
            found += len(want)
    assert found > 20  # the batches do hold teasers


def test_prefix_rows_equal_the_row_by_row_selection() -> None:
    import scipy.sparse as sp

    from dedup.teaser import _prefix_rows
    from tests.teaser_reference import _prefix_rows as reference

    rng = np.random.default_rng(5)
    x = sp.random(300, 60, density=0.2, random_state=rng, format="csr")
    x.data = np.round(x.data * 4, 1) + 0.1  # ties in weight, sorted by column
    for slack in (0.0, 0.2, 0.5, 0.99):
        assert (_prefix_rows(x, slack) != reference(x, slack)).nnz == 0


def test_count_tokens_equals_tokenize() -> None:
    from dedup.textnorm import count_tokens

    texts = ["", "One two", "İstanbul is big", "naïve café—ok", "a_b c\u00b2 ΣΑΣ.", "x\ny z"]
    assert count_tokens(texts).tolist() == [len(tokenize(t)) for t in texts]


def _dated_stories(n: int) -> tuple[list[str], list[str], np.ndarray]:
    """Stories of their own words (no window shared between stories), each a long text on
    day 2k and a teaser retelling its lede some hours to eight days later or earlier."""
    texts: list[str] = []
    titles: list[str] = []
    times: list[float] = []
    offsets = [0.0, 0.5, 3.0, 6.0, 6.9, -2.0, -6.5, 7.5, 8.0]
    for k in range(n):
        words = [f"{a}{b}k{k}" for a in "bdfgklmnprstv" for b in "aeiou"]
        sents = [" ".join(["Varnholt", *words[7 * s + 1 : 7 * s + 12]]) + "." for s in range(6)]
        texts.append(" ".join(sents))
        titles.append("")
        times.append(2.0 * k * 86400.0)
        texts.append(sents[0])
        titles.append("")
        times.append((2.0 * k + offsets[k % len(offsets)]) * 86400.0)
    return texts, titles, np.array(times)


@pytest.mark.parametrize("part_texts", [None, 4, 25])
def test_evidence_slices_in_time_order_meet_only_near_windows_and_find_the_same(
    monkeypatch: pytest.MonkeyPatch, part_texts: int | None
) -> None:
    # two evidence sentences at a time, times spread over weeks (some unknown): the
    # windows picked by time give the same matches as the string pass against all; so do
    # windows made for a part of the time line at a time
    from dedup.textnorm import TokenTable
    from tests.teaser_reference import teaser_matches as reference

    monkeypatch.setattr("dedup.teaser._CHUNK", 2)
    if part_texts is not None:
        monkeypatch.setattr("dedup.teaser._PART_TEXTS", part_texts)
    found = 0
    dated = _dated_stories(27)
    batches = [(*_invented_batch(5, 60)[:2], None), (*_invented_batch(6, 120)[:2], None), dated]
    for texts, titles, given_times in batches:
        rng = np.random.default_rng(len(texts))
        days = rng.choice([0.0, 1.0, 2.5, 6.0, 7.0, 7.5, 15.0, 30.0], size=len(texts))
        spread = days * 86400.0 if given_times is None else given_times
        unknown = np.where(rng.random(len(texts)) < 0.1, np.nan, spread)
        for times in (spread, unknown):
            cleaned = clean_articles(texts, [""] * len(texts))
            sentences = [c.sentences for c in cleaned]
            tokens = [tokenize(c.body) for c in cleaned]
            n_words = np.array([len(t) for t in tokens])
            args = (n_words, times, titles, ClusterConfig(), ScoreConfig(), 7.0)
            want = reference(sentences, tokens, *args)
            table = TokenTable.from_texts(c.body for c in cleaned)
            assert teaser_matches(sentences, table, *args) == want
            found += len(want)
    assert found > 30
    # the dated stories: teasers up to seven days after their story found; further ones,
    # and teasers before their story, not
    texts, titles, times = dated
    cleaned = clean_articles(texts, [""] * len(texts))
    sentences = [c.sentences for c in cleaned]
    n_words = np.array([len(tokenize(c.body)) for c in cleaned])
    table = TokenTable.from_texts(c.body for c in cleaned)
    got = teaser_matches(
        sentences, table, n_words, times, titles, ClusterConfig(), ScoreConfig(), 7.0
    )
    apart = sorted({round(abs(times[r] - times[p]) / 86400.0, 1) for r, p, _ in got})
    assert apart == [0.0, 0.5, 3.0, 6.0, 6.9]


def test_time_parts_meet_every_near_text_and_hold_at_most_the_bound() -> None:
    from dedup.teaser import _time_parts

    rng = np.random.default_rng(11)
    slack = 2.0
    for trial in range(40):
        n_text = int(rng.integers(1, 60))
        times = rng.choice(np.arange(0.0, 30.0, 0.5), size=n_text)
        times[rng.random(n_text) < 0.15] = np.nan
        ev_time = rng.choice(
            np.r_[np.arange(0.0, 30.0, 0.5), np.nan], size=int(rng.integers(0, 40))
        )
        most = int(rng.integers(1, 12))
        met = np.zeros((ev_time.size, n_text), dtype=bool)
        seen = np.zeros(ev_time.size, dtype=int)
        for with_text, rows in _time_parts(ev_time, times, slack, most):
            mask = np.ones(n_text, dtype=bool) if with_text is None else with_text
            dated_here = np.count_nonzero(mask & ~np.isnan(times))
            # evidence in time order, unknown last
            t = ev_time[rows]
            t = np.where(np.isnan(t), np.inf, t)
            assert (np.diff(t) >= 0).all()
            if with_text is None:
                assert np.count_nonzero(~np.isnan(times)) <= most
            elif not np.isnan(ev_time[rows]).any():
                # at most the bound, unless the texts of four times the slack hold more
                t_rows = ev_time[rows]
                span = t_rows.max() - t_rows.min()
                assert dated_here <= most or span <= 2 * slack
            seen[rows] += 1
            met[np.ix_(rows, np.flatnonzero(mask))] = True
        near = np.isnan(times)[None, :] | np.isnan(ev_time)[:, None]
        near |= np.abs(times[None, :] - ev_time[:, None]) <= slack
        assert (met | ~near).all(), trial  # every near text met
        dated_ev = ~np.isnan(ev_time)
        assert (seen[dated_ev] == 1).all()  # dated evidence in one part only
        assert (seen[~dated_ev] >= 1).all()


@pytest.mark.parametrize("part_texts", [None, 20])
def test_evidence_slices_in_worker_processes_find_the_same(
    monkeypatch: pytest.MonkeyPatch, part_texts: int | None
) -> None:
    # slices of three evidence sentences: with one part its slices are shared out to two
    # forked workers, with several parts of the time line the parts are (each worker
    # making its part's windows): the same matches, shares included, as one process
    import dedup.teaser as teaser_mod
    from dedup.textnorm import TokenTable

    monkeypatch.setattr("dedup.teaser._CHUNK", 3)
    monkeypatch.setattr("dedup.teaser._PARALLEL_EVIDENCE", 6)
    if part_texts is not None:
        monkeypatch.setattr("dedup.teaser._PART_TEXTS", part_texts)
    forked: list[str] = []
    real = teaser_mod.fork_map

    def spy(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("parallel", True) and args[3] != 1 and len(args[2]) >= 2:
            forked.append(args[0].__name__)
        return real(*args, **kwargs)

    monkeypatch.setattr("dedup.teaser.fork_map", spy)
    found = 0
    for texts, titles, times in [_invented_batch(7, 80), _dated_stories(27)]:
        cleaned = clean_articles(texts, [""] * len(texts))
        sentences = [c.sentences for c in cleaned]
        table = TokenTable.from_texts(c.body for c in cleaned)
        n_words = np.array([len(tokenize(c.body)) for c in cleaned])
        args = (n_words, times, titles, ClusterConfig())
        got = {
            jobs: teaser_matches(sentences, table, *args, ScoreConfig(n_jobs=jobs), 7.0)
            for jobs in (1, 2)
        }
        assert got[2] == got[1]
        found += len(got[1])
    assert found > 10
    # the work did go to workers: the slices of the one part, or the parts
    assert ("_part_hits" if part_texts else "_slice_hits") in forked
