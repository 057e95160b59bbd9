"""Stock wording (:mod:`dedup.stock`): sentences retold on many different days are the
template of a daily report, not a story's own. All texts are invented."""

import dataclasses

import numpy as np
import pandas as pd

from dedup.config import Config, ScoreConfig
from dedup.pipeline import RunResult, run_pipeline
from dedup.stock import stock_sentences

DAY = 86_400.0

# A daily futures round-up: the same three sentences, reworded a little every day, and one
# sentence of the day's own news.
STOCK = (
    "Hog futures on the Brannock exchange {v} higher in {a} trade as packers {b} cash prices "
    "at the terminal markets, {c} said.",
    "Cattle futures {w} steady to firm with {a2} coming from a {b2} tone in wholesale beef "
    "and light fund buying, {c} said.",
    "Feeder cattle {x} mixed as traders {a3} positions ahead of the weekly cattle on feed "
    "report {b3} from the agriculture office.",
)
SLOTS = (
    {"v": "closed", "a": "moderate", "b": "bid up", "c": "traders", "w": "ended"},
    {"v": "ended", "a": "active", "b": "raised", "c": "dealers", "w": "closed"},
    {"v": "finished", "a": "light", "b": "lifted", "c": "brokers", "w": "settled"},
    {"v": "settled", "a": "brisk", "b": "pushed up", "c": "analysts", "w": "finished"},
    {"v": "closed", "a": "steady", "b": "increased", "c": "market sources", "w": "ended"},
)
MORE = (
    {"a2": "support", "b2": "firmer", "x": "finished", "a3": "evened", "b3": "due"},
    {"a2": "backing", "b2": "stronger", "x": "settled", "a3": "squared", "b3": "expected"},
    {"a2": "help", "b2": "steadier", "x": "closed", "a3": "balanced", "b3": "scheduled"},
    {"a2": "strength", "b2": "better", "x": "ended", "a3": "adjusted", "b3": "coming"},
    {"a2": "gains", "b2": "solid", "x": "finished", "a3": "trimmed", "b3": "out"},
)
OWN = (
    "Heavy rain in the northern feedlots slowed deliveries to the yards on Monday. Buyers "
    "at the Dunmore auction paid more for light calves than a week earlier.",
    "A large packer in Dunmore shut its plant for repairs on Tuesday. The plant is expected "
    "to reopen next week once new cooling equipment has been fitted by contractors.",
    "Export sales of pork to Veldria rose sharply in the latest week. Shippers said demand "
    "from restaurants there had picked up after a slow start to the spring season.",
    "Traders noted a new record for cash hog prices at Ferris on Thursday. Several feeders "
    "held back animals in the hope that prices would climb further before the weekend.",
    "The exchange extended trading hours for the holiday week on Friday. Clearing members "
    "were told to keep extra staff on hand for the longer sessions ahead.",
)
# the day's figures: days 1 and 2 happen to report the same prices
PRICES = (("50", "52"), ("51", "53"), ("51", "53"), ("49", "50"), ("54", "56"))
TITLES = (
    "BRANNOCK LIVESTOCK FUTURES CLOSE HIGHER",
    "HOG FUTURES FIRM AT BRANNOCK ON PACKER BIDS",
    "CATTLE STEADY, HOGS UP IN BRANNOCK TRADE",
    "BRANNOCK MEAT FUTURES END MIXED",
    "LIVESTOCK PRICES EDGE UP IN QUIET SESSION",
)


def _round_up(day: int) -> str:
    slots = {**SLOTS[day], **MORE[day]}
    low, high = PRICES[day]
    prices = f"Hogs were quoted at {low} to {high} cents a pound."
    return " ".join([*(s.format(**slots) for s in STOCK), prices, OWN[day]])


# One story, told once by a wire and republished or lightly rewritten by several outlets on
# the same day.
STORY = (
    "Firefighters in Calderport rescued eleven people from a burning apartment block on "
    "Harbour Road early on Saturday, the city fire service said. The blaze began in a "
    "ground floor kitchen and spread to the stairwell, trapping residents on the upper "
    "floors. Crews used two ladder trucks to reach the balconies and carried a baby and "
    "an elderly man to safety. Three residents were taken to Calderport General Hospital "
    "with smoke inflammation and were said to be in a stable condition. The fire service "
    "said the cause of the fire was being investigated and urged residents to check their "
    "smoke alarms."
)
STORY_REWORDED = (
    "Eleven people were rescued by firefighters from a burning apartment block on Harbour "
    "Road in Calderport early on Saturday, according to the city fire service. The fire "
    "started in a kitchen on the ground floor and spread into the stairwell, trapping "
    "residents on upper floors. Using two ladder trucks, crews reached the balconies and "
    "carried an elderly man and a baby to safety. Three people were taken to Calderport "
    "General Hospital with smoke inhalation and are in a stable condition. The cause of the "
    "blaze is being investigated, the fire service said, urging residents to test their "
    "smoke alarms."
)


def _run(rows: list[tuple[str, str, str, str]], stock_days: int | None = None) -> RunResult:
    score = ScoreConfig()
    if stock_days is not None:
        score = dataclasses.replace(score, stock_days=stock_days)
    frame = pd.DataFrame(
        {
            "id": [r[0] for r in rows],
            "source": [f"site-{k}" for k in range(len(rows))],
            "published_at": [r[1] for r in rows],
            "title": [r[2] for r in rows],
            "text": [r[3] for r in rows],
        }
    )
    return run_pipeline(frame, Config(score=score))


def _round_ups() -> list[tuple[str, str, str, str]]:
    return [(f"day{d}", f"2021-03-0{d + 1}T18:00:00", TITLES[d], _round_up(d)) for d in range(5)]


def _relations(res: RunResult) -> dict[tuple[str, str], str]:
    p = res.pairs
    return dict(zip(zip(p["id_a"], p["id_b"], strict=True), p["relation"], strict=True))


def test_a_sentence_retold_on_three_other_days_is_stock() -> None:
    times = np.array([0.0, DAY, 2 * DAY, 2 * DAY + 60, np.nan, 3 * DAY]) + 3600.0
    hits = {
        (0, 1): (frozenset({0}), frozenset({0})),
        (0, 2): (frozenset({0}), frozenset({0, 1})),
        (0, 4): (frozenset({2}), frozenset({2})),
        (0, 5): (frozenset({1}), frozenset({0})),
        (2, 3): (frozenset({1}), frozenset({1})),
    }
    # row 0's sentence 0 is retold by rows 1, 2 and 5, of days 1, 2 and 3 (its own: 0)
    assert stock_sentences(hits, times, 3) == {0: frozenset({0})}
    # at one other day: row 0's sentence 1 (retold on day 2), rows 1 and 2's sentence 0 and
    # row 5's sentence 1 (retold by row 0 on day 0); not row 2's sentence 1, retold only by
    # row 3 of its own day, nor row 0's sentence 2, retold only by row 4, which has no time
    assert stock_sentences(hits, times, 1) == {
        0: frozenset({0, 1}),
        1: frozenset({0}),
        2: frozenset({0}),
        5: frozenset({1}),
    }
    # only partners already judged other stories count
    apart = {(0, 1), (0, 2)}
    assert stock_sentences(hits, times, 2, apart) == {0: frozenset({0})}
    assert stock_sentences(hits, times, 3, apart) == {}
    assert stock_sentences(hits, None, 3) == {}
    assert stock_sentences(hits, times, 0) == {}


def test_many_copies_on_one_day_are_not_stock() -> None:
    times = np.full(6, 5 * DAY + 100.0)
    hits = {(0, k): (frozenset({0, 1, 2}), frozenset({0, 1, 2})) for k in range(1, 6)}
    assert stock_sentences(hits, times, 1) == {}


def test_daily_round_ups_sharing_only_stock_wording_are_related() -> None:
    rows = _round_ups()
    # Without the discount the two round-ups with the same prices retell each other's
    # reworded stock sentences: a rewrite. The others report other prices: related.
    before = _relations(_run(rows, stock_days=0))
    assert before[("day1", "day2")] == "rewrite"
    assert sorted(set(before.values())) == ["related", "rewrite"]
    res = _run(rows)
    after = _relations(res)
    assert set(after) == set(before)
    assert set(after.values()) == {"related"}
    assert res.clusters["cluster_id"].nunique() == len(rows)


def test_one_story_republished_by_many_outlets_stays_one_story() -> None:
    rows = [
        (f"copy{k}", f"2021-03-06T0{k}:30:00", "ELEVEN RESCUED FROM CALDERPORT FIRE", STORY)
        for k in range(1, 5)
    ]
    rows.append(("reworded", "2021-03-06T09:00:00", "CALDERPORT FIRE", STORY_REWORDED))
    # the next day's round-ups of the futures template go in the same batch
    rows += _round_ups()
    res = _run(rows)
    labels = dict(zip(res.clusters["id"], res.clusters["cluster_id"], strict=True))
    story = {labels[r[0]] for r in rows[:5]}
    assert len(story) == 1
    assert _relations(res)[("copy1", "reworded")] == "rewrite"
    assert len({labels[r[0]] for r in rows[5:]}) == 5


def test_a_story_syndicated_over_several_days_keeps_its_reworded_version() -> None:
    # the wire's story is republished verbatim on five days and reworded by one outlet:
    # its sentences are retold on many days, but only by versions of the story
    rows = [
        (f"copy{d}", f"2021-03-0{d + 1}T10:00:00", "ELEVEN RESCUED FROM CALDERPORT FIRE", STORY)
        for d in range(5)
    ]
    rows.append(("reworded", "2021-03-03T12:00:00", "CALDERPORT FIRE", STORY_REWORDED))
    res = _run(rows)
    labels = dict(zip(res.clusters["id"], res.clusters["cluster_id"], strict=True))
    assert len(set(labels.values())) == 1
    assert _relations(res)[("copy0", "reworded")] == "rewrite"
