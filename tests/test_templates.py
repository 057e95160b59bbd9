"""Templated reports (dividend notices, earnings tables, money-market reports): one template
filled in for different companies or days shares its wording but tells different stories;
a re-send of one report stays one story. All texts are invented."""

import copy
import dataclasses
import functools
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pytest

import dedup.score as score_mod
from dedup.config import Config, ScoreConfig
from dedup.pipeline import RunResult, run_pipeline
from dedup.score import (
    ScoringInputs,
    _SentenceIndex,
    figures,
    score_pairs,
    title_names,
    title_names_apart,
)
from dedup.stock import _lede, lede_names_apart, ledes_apart, separate_templates
from dedup.textnorm import SentenceTable, sentence_bounds, split_sentences
from tests.score_reference import reference_figure_conflict, reference_ledes_apart
from tests.test_score import _inputs

CFG = ScoreConfig()


def _dividend(company: str, short: str) -> str:
    return (
        f"{company} said its board of directors declared a regular quarterly dividend of "
        "20 cts per share, payable April 15 to shareholders of record on March 23. "
        f"{short} said the dividend is unchanged from the previous quarter and reflects "
        "the steady cash flow of its operations during the year. "
        f"{short} has paid a dividend every quarter for more than ten years, "
        f"a spokesman for {short} said in a statement."
    )


BRAMWELL = _dividend("Bramwell Foods Corp", "Bramwell")
OSTERLY = _dividend("Osterly Mills Inc", "Osterly")
BRAMWELL_TITLE = "BRAMWELL FOODS <BRWF> DECLARES QUARTERLY DIVIDEND"
OSTERLY_TITLE = "OSTERLY MILLS <OSTM> SETS QUARTERLY DIVIDEND"


def _earnings(company: str, figs: tuple[str, ...]) -> str:
    a, b, c, d, e, f = figs
    return (
        f"{company} reported first quarter results. Shr {a} cts vs {b} cts. "
        f"Net {c} mln dlrs vs {d} mln dlrs. Revenues {e} mln dlrs vs {f} mln dlrs. "
        f"{company} said the results were in line with its expectations for the quarter "
        "and that it sees further growth in the rest of the year."
    )


def _money_market(day: str, figs: tuple[str, str, str]) -> str:
    a, b, c = figs
    return (
        f"The Bank of Eastmere said it provided the money market with {a} mln crowns of "
        f"assistance on {day}, bringing its total help so far to {b} mln crowns. "
        f"The bank had earlier forecast a shortage of around {c} mln crowns in the system. "
        "Dealers said the assistance was in line with expectations and rates were steady."
    )


def _run(rows: list[tuple[str, str, str, str]]) -> RunResult:
    frame = pd.DataFrame(
        {
            "id": [r[0] for r in rows],
            "source": ["wire"] * len(rows),
            "published_at": [r[1] for r in rows],
            "title": [r[2] for r in rows],
            "text": [r[3] for r in rows],
        }
    )
    return run_pipeline(frame, Config())


def _labels(res: RunResult) -> dict[str, str]:
    return dict(zip(res.clusters["id"], res.clusters["cluster_id"], strict=True))


def test_title_names_are_the_words_texts_write_capitalised() -> None:
    tn = title_names(
        [BRAMWELL_TITLE, OSTERLY_TITLE, ""], [[BRAMWELL], [OSTERLY], ["dividends rose."]]
    )
    assert {"bramwell", "foods"} <= tn.names[0]
    assert "dividend" not in tn.names[0]  # written in lower case in the texts
    assert "quarterly" not in tn.names[0]
    assert {"osterly", "mills"} <= tn.names[1]
    assert tn.names[2] == frozenset()


def test_words_that_only_open_sentences_are_not_names() -> None:
    texts = [
        ["Harvest yields rose in the north. Harvest prices fell."],
        ["Harvest festivals drew large crowds in Tarnby this week."],
    ]
    tn = title_names(["HARVEST YIELDS RISE", "TARNBY HARVEST FESTIVAL"], texts)
    assert tn.names[0] == frozenset()  # "Harvest" is capitalised only as a first word
    assert tn.names[1] == frozenset({"tarnby"})


def test_dividend_notices_of_two_companies_are_only_related() -> None:
    titled = _inputs([BRAMWELL, OSTERLY], [BRAMWELL_TITLE, OSTERLY_TITLE])
    assert title_names_apart(titled, 0, 1, CFG)
    row = score_pairs(np.array([[0, 1]]), titled, CFG, keep_unrelated=True).table.iloc[0]
    assert row["relation"] in ("related", "unrelated")
    # the same texts without titles: the text alone cannot tell them apart
    plain = _inputs([BRAMWELL, OSTERLY])
    assert not title_names_apart(plain, 0, 1, CFG)
    row = score_pairs(np.array([[0, 1]]), plain, CFG, keep_unrelated=True).table.iloc[0]
    assert row["relation"] in ("partial_copy", "rewrite", "near_copy")


def test_reheadlined_resend_names_the_same_subject() -> None:
    resend_title = "BRAMWELL <BRWF> KEEPS DIVIDEND UNCHANGED"
    inputs = _inputs([BRAMWELL, BRAMWELL, OSTERLY], [BRAMWELL_TITLE, resend_title, OSTERLY_TITLE])
    assert not title_names_apart(inputs, 0, 1, CFG)
    assert title_names_apart(inputs, 1, 2, CFG)


def test_other_figures_under_other_headlines_are_other_reports() -> None:
    rest = (
        "Rates were steady in quiet trade and dealers expected little change before the "
        "weekend. The bank said it would review conditions again in the afternoon session "
        "as it usually does."
    )
    a = f"Dealers said the central bank added 350 mln crowns to the market. {rest}"
    b = f"Dealers said the central bank added 37 mln crowns to the market. {rest}"
    other_titles = ["CENTRAL BANK ADDS FUNDS", "MONEY MARKET GIVEN HELP"]
    row = score_pairs(
        np.array([[0, 1]]), _inputs([a, b], other_titles), CFG, keep_unrelated=True
    ).table.iloc[0]
    assert row["relation"] in ("related", "unrelated")
    # one figure each is too few to tell without titles, or under one headline
    for titles in (None, ["CENTRAL BANK ADDS FUNDS"] * 2):
        row = score_pairs(
            np.array([[0, 1]]), _inputs([a, b], titles), CFG, keep_unrelated=True
        ).table.iloc[0]
        assert row["relation"] in ("near_copy", "partial_copy", "rewrite")


def test_templated_reports_stay_apart_and_resends_stay_together() -> None:
    edited = BRAMWELL.replace("the company said in a statement", "it said in a statement")
    res = _run(
        [
            ("div-bram", "1987-03-02T09:00:00", BRAMWELL_TITLE, BRAMWELL),
            ("div-bram-rpt", "1987-03-02T13:10:00", "BRAMWELL FOODS DIVIDEND UNCHANGED", edited),
            ("div-oster", "1987-03-02T11:00:00", OSTERLY_TITLE, OSTERLY),
            (
                "earn-kelby",
                "1987-03-03T09:00:00",
                "KELBY TOOLS <KLB> 1ST QTR NET",
                _earnings("Kelby Tools Inc", ("12", "19", "4.1", "5.3", "88.2", "91.7")),
            ),
            (
                "earn-kelby-2",
                "1987-03-04T09:00:00",
                "KELBY TOOLS <KLB> 1ST QTR NET",
                _earnings("Kelby Tools Inc", ("31", "27", "9.6", "8.8", "140.5", "133.9")),
            ),
            (
                "mm-mon",
                "1987-03-02T15:00:00",
                "EASTMERE MONEY MARKET GIVEN HELP",
                _money_market("Monday", ("350", "412", "600")),
            ),
            (
                "mm-tue",
                "1987-03-03T15:00:00",
                "EASTMERE MONEY MARKET GIVEN HELP",
                _money_market("Tuesday", ("37", "129", "250")),
            ),
        ]
    )
    lab = _labels(res)
    assert lab["div-bram"] == lab["div-bram-rpt"]  # a re-send: one story
    assert lab["div-bram"] != lab["div-oster"]  # another company's notice
    assert lab["earn-kelby"] != lab["earn-kelby-2"]  # other figures
    assert lab["mm-mon"] != lab["mm-tue"]  # another day's figures


def test_one_title_without_names_is_judged_by_the_other() -> None:
    plain_title = "QUARTERLY DIVIDEND DECLARED"  # no names: nothing to compare on this side
    inputs = _inputs([BRAMWELL, OSTERLY, BRAMWELL], [plain_title, OSTERLY_TITLE, plain_title])
    assert title_names_apart(inputs, 0, 1, CFG)  # Osterly occurs nowhere in the other
    assert not title_names_apart(inputs, 0, 2, CFG)  # neither title names anyone


def test_a_rate_and_its_fraction_are_one_figure() -> None:
    found = figures(["Prime rate raised to 7-3/4 pct from 7-1/2, effective March 19-20."])
    assert {"7-3/4", "7-1/2", "19", "20"} == found


def test_versions_are_published_within_version_days() -> None:
    monday = _money_market("Monday", ("350", "412", "600"))
    resend = (
        f"{monday} Money market dealers added that the central bank would probably offer "
        "further help later in the week if the shortage persisted, and that overnight "
        "rates had eased from their early highs as the assistance came through."
    )
    day = 86400.0
    for gap_days, versions in ((1.0, True), (5.0, False)):
        inputs = _inputs([monday, resend])
        inputs.times = np.array([0.0, gap_days * day])
        row = score_pairs(np.array([[0, 1]]), inputs, CFG, keep_unrelated=True).table.iloc[0]
        assert (row["relation"] in ("partial_copy", "rewrite")) == versions
        assert row["relation"] != "exact"
    # an exact copy stays one whatever the gap
    inputs = _inputs([monday, monday])
    inputs.times = np.array([0.0, 5.0 * day])
    row = score_pairs(np.array([[0, 1]]), inputs, CFG, keep_unrelated=True).table.iloc[0]
    assert row["relation"] == "exact"


# Two notices of one money market on one day: one template sentence, other figures.
_NOTICE_REST = (
    "This compares with the bank's estimate of a shortage in the system of around 700 mln "
    "crowns today. Dealers said the bank was expected to give more help later as the "
    "shortage was large for the time of year."
)
MORNING = (
    "The Bank of Eastmere said it provided the money market with 37 mln crowns of "
    f"assistance in the morning session. {_NOTICE_REST}"
)
AFTERNOON = (
    "The Bank of Eastmere said it provided the money market with 456 mln crowns of "
    f"assistance in the afternoon session. {_NOTICE_REST}"
)
# a version of the morning notice: its figures, and one more
MORNING_RETOLD = (
    "The Bank of Eastmere said it provided the money market with 37 mln crowns of "
    "assistance in the morning session. It was the bank's first operation of the day, at "
    "1030 local time. "
    f"{_NOTICE_REST}"
)

# One grain market's opening and closing reports of one day: other ledes, one shared
# background sentence, no figures.
OPENING = (
    "Dorval wheat futures opened firmer, holding gains of two to three cents a bushel in "
    "light early trade. Yesterday's sharp rise in weekly export inspections to nearly "
    "twice last year's pace, plus talk of fresh buying by overseas mills, supported the "
    "market from the start, traders said. Two local houses were the featured buyers of the "
    "nearby contract, pit brokers said."
)
CLOSING = (
    "Dorval wheat futures closed at or near the session highs, up four to six cents a "
    "bushel, with the nearby month settling at a new contract peak. Slow farmer selling, "
    "yesterday's sharp rise in weekly export inspections to nearly twice last year's pace, "
    "plus talk of fresh buying by overseas mills, lifted prices through the afternoon, "
    "traders said. Many dealers were puzzled by heavy buying from one large commission "
    "house late in the day."
)
# the opening report rewritten under a new headline: its lede is retold
OPENING_REWRITE = (
    "Wheat futures at Dorval opened higher, holding gains of two to three cents a bushel "
    "in thin early dealings. A sharp rise in weekly export inspections yesterday to nearly "
    "twice last year's pace, plus talk of fresh buying by overseas mills, supported prices "
    "from the start, traders said."
)
OPENING_TITLE = "DORVAL WHEAT FUTURES OPEN FIRMER"
CLOSING_TITLE = "DORVAL WHEAT CLOSES AT SESSION HIGHS"
REWRITE_TITLE = "EXPORT DEMAND LIFTS GRAIN PRICES IN EARLY DEALINGS"


def _ledes_apart(inputs: ScoringInputs, hits: Mapping) -> bool:
    """:func:`ledes_apart` of rows 0 and 1."""
    return bool(ledes_apart(inputs, hits, np.array([[0, 1]]), CFG)[0])


def _separated(texts: list[str], titles: list[str] | None = None) -> tuple[str, str]:
    """The relation of rows 0 and 1 as scored, and after :func:`separate_templates`."""
    inputs = _inputs(texts, titles)
    scored = score_pairs(np.array([[0, 1]]), inputs, CFG)
    before = scored.table.iloc[0]["relation"] if len(scored.table) else ""
    after = separate_templates(scored, inputs, CFG).table
    return str(before), str(after.iloc[0]["relation"]) if len(after) else ""


def test_one_template_sentence_with_other_figures_is_another_report() -> None:
    three = _inputs([MORNING, AFTERNOON, MORNING_RETOLD])
    got = score_pairs(np.array([[0, 1], [0, 2]]), three, CFG, keep_unrelated=True).conflicts
    assert got == frozenset({(0, 1)})  # (0, 2): a figure added, none other: no conflict
    titles = ["EASTMERE MONEY MARKET GIVEN EARLY HELP", "EASTMERE MONEY MARKET GIVEN MORE HELP"]
    before, apart = _separated([MORNING, AFTERNOON], titles)
    assert before in ("partial_copy", "rewrite")  # most of the wording is shared
    assert apart in ("related", "")
    before, after = _separated([MORNING, MORNING_RETOLD])
    assert before in ("partial_copy", "rewrite") and after == before
    off = dataclasses.replace(CFG, conflict_match=0.0)
    inputs = _inputs([MORNING, AFTERNOON], titles)
    scored = score_pairs(np.array([[0, 1]]), inputs, off)
    assert separate_templates(scored, inputs, off).table.equals(scored.table)
    # scored without the conflicts: the template pass measures them itself
    assert scored.conflicts is None
    alone = separate_templates(scored, inputs, CFG).table
    assert alone["relation"].tolist() == ([apart] if apart else [])


def test_reports_under_other_titles_whose_ledes_differ_are_other_reports() -> None:
    inputs = _inputs([OPENING, CLOSING], [OPENING_TITLE, CLOSING_TITLE])
    scored = score_pairs(np.array([[0, 1]]), inputs, CFG)
    assert _ledes_apart(inputs, scored.hits)
    inputs.times = np.array([0.4, 0.7]) * 86400.0  # one day: still apart
    assert _ledes_apart(inputs, scored.hits)
    inputs.times = np.array([0.4, 1.7]) * 86400.0  # other days are the stock pass's
    assert not _ledes_apart(inputs, scored.hits)
    before, after = _separated([OPENING, CLOSING], [OPENING_TITLE, CLOSING_TITLE])
    assert before == "rewrite"  # the shared background sentence
    assert after in ("related", "")
    # under one title the lede check does not apply (a re-send may change its lede)
    before, after = _separated([OPENING, CLOSING], [OPENING_TITLE, OPENING_TITLE])
    assert after == before == "rewrite"
    # a rewrite under a new headline retells the lede
    before, after = _separated([OPENING, OPENING_REWRITE], [OPENING_TITLE, REWRITE_TITLE])
    assert after == before == "rewrite"
    # a version with a new lede that retells the rest of the text stays a version
    rest = CLOSING.split(". ", 1)[1]
    new_lede = f"Grain traders in Dorval ended a busy week in good spirits on Friday. {rest}"
    inputs = _inputs([CLOSING, new_lede], [CLOSING_TITLE, REWRITE_TITLE])
    scored = score_pairs(np.array([[0, 1]]), inputs, CFG)
    assert _ledes_apart(inputs, scored.hits)
    before, after = _separated([CLOSING, new_lede], [CLOSING_TITLE, REWRITE_TITLE])
    assert before in ("partial_copy", "rewrite") and after == before


def test_a_days_reports_of_one_template_are_other_stories_in_the_pipeline() -> None:
    res = _run(
        [
            ("open", "1987-04-06T09:40:00", OPENING_TITLE, OPENING),
            ("open-rw", "1987-04-06T10:05:00", REWRITE_TITLE, OPENING_REWRITE),
            ("close", "1987-04-06T14:20:00", CLOSING_TITLE, CLOSING),
            ("mm-am", "1987-04-06T08:10:00", "EASTMERE MONEY MARKET GIVEN EARLY HELP", MORNING),
            ("mm-am-rw", "1987-04-06T08:30:00", "EASTMERE MONEY MARKET HELP", MORNING_RETOLD),
            ("mm-pm", "1987-04-06T13:50:00", "EASTMERE MONEY MARKET GIVEN MORE HELP", AFTERNOON),
        ]
    )
    lab = _labels(res)
    assert lab["open"] == lab["open-rw"]
    assert lab["close"] != lab["open"]
    assert lab["mm-am"] == lab["mm-am-rw"]
    rel = {(a, b): r for a, b, r in res.pairs[["id_a", "id_b", "relation"]].itertuples(index=False)}
    assert rel[("mm-am", "mm-am-rw")] in ("partial_copy", "rewrite")
    # other figures in the template sentence: the afternoon notice is no version of either
    assert rel[("mm-am", "mm-pm")] == rel[("mm-am-rw", "mm-pm")] == "related"


def test_the_lede_is_the_first_sentence_with_a_stop() -> None:
    assert _lede(["Market report", "Wheat rose in early trade.", "Corn fell."]) == 1
    assert _lede(["Wheat rose in early trade.", "Corn fell."]) == 0
    assert _lede(["No stop here", "nor here"]) == 0


TEMPLATE_SENTENCES = (
    "The Bank of Eastmere said it gave the market {a} mln crowns of help on {w}.",
    "The bank {v} a shortage of about {a} mln crowns in the system {w}.",
    "Dealers said rates {v} at {a} pct after the {w} operation of {b} mln.",
    "Wheat futures at Dorval {v} {a} to {b} cents a bushel in {w} dealings.",
    "Shr {a} cts vs {b} cts, net {v} {a} mln dlrs vs {b} mln dlrs.",
)
TEMPLATE_FILL = {
    "a": ("12", "4,200", "1.5", "30", "6-1/8", "19-20", "250"),
    "b": ("12", "30", "75", "2.25", "4,200"),
    "w": ("Monday", "early", "late", "thin", "afternoon"),
    "v": ("rose", "fell", "held", "eased", "firmed"),
}
PLAIN_WORDS = ("traders", "said", "the", "market", "was", "quiet", "and", "steady", "today")
TITLE_WORDS = ("EASTMERE", "MONEY", "MARKET", "HELP", "WHEAT", "OPENS", "CLOSES", "FIRM", "DIV")


def _template_articles(rng: np.random.Generator, n: int) -> list[str]:
    """Invented reports: template sentences filled with random figures and words, plain
    sentences without figures, retold versions of earlier reports with a figure changed or
    kept, and a few empty texts."""
    texts: list[str] = []
    for k in range(n):
        draw = rng.random()
        if k and draw < 0.35:  # another version of an earlier report
            base = split_sentences(texts[int(rng.integers(0, k))])
            sents = [s for s in base if rng.random() < 0.85]
            if sents and rng.random() < 0.5:
                at = int(rng.integers(0, len(sents)))
                fig = TEMPLATE_FILL["a"][int(rng.integers(0, len(TEMPLATE_FILL["a"])))]
                sents[at] = figure_re.sub(fig, sents[at], count=1)
        elif draw < 0.4:
            sents = []
        else:
            sents = []
            for _ in range(int(rng.integers(1, 6))):
                if rng.random() < 0.7:
                    tpl = TEMPLATE_SENTENCES[int(rng.integers(0, len(TEMPLATE_SENTENCES)))]
                    fill = {
                        key: v[int(rng.integers(0, len(v)))] for key, v in TEMPLATE_FILL.items()
                    }
                    sents.append(tpl.format(**fill))
                else:
                    words = rng.choice(PLAIN_WORDS, size=int(rng.integers(3, 9)))
                    sents.append(" ".join(words).capitalize() + ".")
        texts.append(" ".join(sents))
    return texts


figure_re = re.compile(r"\d+(?:[.,:/]\d+)*")


def _title(rng: np.random.Generator) -> str:
    draw = rng.random()
    if draw < 0.1:
        return ""
    if draw < 0.15:
        return "   "
    return " ".join(rng.choice(TITLE_WORDS, size=int(rng.integers(1, 5))))


CONFLICT_BARS = (0.3, 0.6, 1.0)


def _conflict_fixture(seed: int) -> tuple[list[str], list[list[str]], np.ndarray]:
    """Many invented reports, their sentences and every pair of them."""
    rng = np.random.default_rng(seed)
    texts = _template_articles(rng, 40)
    sents = [split_sentences(t) for t in texts]
    ii, jj = np.triu_indices(len(sents), k=1)
    return texts, sents, np.c_[ii, jj]


@functools.cache
def _reference_conflicts(seed: int) -> dict[float, list[bool]]:
    """:func:`reference_figure_conflict` of every pair of the fixture, at each bar, on an
    index whose rows are all made at once (the scorer makes them on demand)."""
    _, sents, pairs = _conflict_fixture(seed)
    index = _SentenceIndex(sents, np.unique(pairs))
    whole = copy.copy(index)
    whole.matrix = index.matrix.all_rows()
    return {
        bar: [reference_figure_conflict(whole, i, j, bar) for i, j in pairs.tolist()]
        for bar in CONFLICT_BARS
    }


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(
    ("block", "chunk", "jobs"), [(1, 1, 1), (40, 200, 2), (1 << 20, 1 << 20, 1)]
)
def test_scorer_figure_conflicts_equal_the_per_pair_check(
    seed: int, block: int, chunk: int, jobs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every pair of many invented reports under several bars, with blocks split and
    chunks of every size, here and in worker processes."""
    texts, _, pairs = _conflict_fixture(seed)
    monkeypatch.setattr(score_mod, "_BLOCK_CELLS", block)
    monkeypatch.setattr(score_mod, "_CHUNK_CELLS", chunk)
    if jobs > 1:
        monkeypatch.setattr(score_mod, "_PARALLEL_MIN_CELLS", 0)
    want = _reference_conflicts(seed)
    # found by the scorer along with the coverage, for every pair it scores
    n_all = len(pairs)
    inputs = _inputs(texts)
    for bar in CONFLICT_BARS:
        cfg = dataclasses.replace(CFG, conflict_match=bar, n_jobs=jobs)
        scored = score_pairs(pairs, inputs, cfg, keep_unrelated=True)
        assert len(scored.table) == n_all
        upper = zip(pairs.tolist(), want[bar], strict=True)
        assert scored.conflicts == frozenset((i, j) for (i, j), f in upper if f), bar
        assert scored.conflict_match == bar
        if bar == CFG.conflict_match:  # conflicts found, and not everywhere
            assert scored.conflicts is not None and 0 < len(scored.conflicts) < n_all // 2
    off = dataclasses.replace(CFG, conflict_match=0.0)
    assert score_pairs(pairs, inputs, off).conflicts is None


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("timed", ["none", "days", "some unknown"])
def test_batched_ledes_apart_equal_the_per_pair_check(seed: int, timed: str) -> None:
    """Every pair of many invented reports, with the hits the scorer found and with random
    hits, titles apart or not (or missing), of one day or others (or unknown)."""
    rng = np.random.default_rng(seed)
    texts = _template_articles(rng, 50)
    # a heading line without a stop before some ledes
    texts = [f"EASTMERE REPORT {t}" if t and rng.random() < 0.2 else t for t in texts]
    titles = [_title(rng) for _ in texts]
    inputs = _inputs(texts, titles)
    if timed != "none":
        inputs.times = rng.integers(0, 3, size=len(texts)) * 86400.0 + rng.random(len(texts))
        if timed == "some unknown":
            inputs.times[rng.random(len(texts)) < 0.3] = np.nan
    ii, jj = np.triu_indices(len(texts), k=1)
    pairs = np.c_[ii, jj]
    scored = score_pairs(pairs, inputs, CFG, keep_unrelated=True)
    width = max(len(s) for s in inputs.sentences) + 1
    invented = {
        (i, j): (
            frozenset(rng.integers(0, width, size=2).tolist()),
            frozenset(rng.integers(0, width, size=2).tolist()),
        )
        for i, j in pairs.tolist()
        if rng.random() < 0.6
    }
    for hits in (scored.hits, invented, {}):
        got = ledes_apart(inputs, hits, pairs, CFG)
        want = [reference_ledes_apart(inputs, hits, i, j, CFG) for i, j in pairs.tolist()]
        assert got.tolist() == want
        assert 0 < got.sum() < len(pairs)


def _rate_notice(lender: str, short: str, when: str) -> str:
    return (
        f"{lender} said it has raised its base lending rate to 9-1/4 pct from nine pct, "
        f"effective {when}. The move follows similar increases by other lenders in the "
        "Dorval region over the last two days, after money market rates rose sharply. "
        f"A {short} spokesman said the higher rate reflected the cost of funds and that "
        "further increases were possible if money market rates stayed firm in the Dorval "
        "market this month."
    )


HARBOURNE = _rate_notice("Harbourne Savings Bank", "Harbourne", "immediately")
KESWICK = _rate_notice("Keswick Trust Co", "Keswick", "tomorrow")
HARBOURNE_TITLE = "HARBOURNE SAVINGS <HBSV> RAISES BASE RATE"
KESWICK_TITLE = "MORE DORVAL LENDERS LIFT BASE RATES"
# a re-send of Harbourne's notice, reworded a little under a new headline
HARBOURNE_RESENT = (
    "Harbourne Savings Bank said it has lifted its base lending rate to 9-1/4 pct from nine "
    "pct, effective immediately. The increase follows similar moves by other lenders in the "
    "Dorval region over the past two days, after money market rates rose sharply. A "
    "Harbourne spokesman said the higher rate reflected the cost of funds, and further "
    "increases were possible if money market rates stayed firm in the Dorval market."
)
HARBOURNE_RESENT_TITLE = "DORVAL BASE LENDING RATE UP AT HARBOURNE"


def _relations(table: pd.DataFrame) -> dict[tuple[int, int], str]:
    return {
        (int(i), int(j)): str(r)
        for i, j, r in zip(table["i"], table["j"], table["relation"], strict=True)
    }


def test_one_rate_notice_filled_in_for_two_lenders_is_two_reports() -> None:
    texts = [HARBOURNE, KESWICK, HARBOURNE_RESENT]
    titles = [HARBOURNE_TITLE, KESWICK_TITLE, HARBOURNE_RESENT_TITLE]
    inputs = _inputs(texts, titles)
    # same figures, and the titles' names do not tell them apart: one title names only
    # the region, which the other text names too
    assert not title_names_apart(inputs, 0, 1, CFG)
    assert figures(inputs.sentences[0]) == figures(inputs.sentences[1])
    scored = score_pairs(np.array([[0, 1], [0, 2], [1, 2]]), inputs, CFG)
    rel = _relations(scored.table)
    assert rel[(0, 1)] in ("partial_copy", "rewrite")
    assert rel[(0, 2)] in ("partial_copy", "rewrite")
    got = lede_names_apart(inputs, scored.hits, np.array([[0, 1], [0, 2], [1, 2]]), CFG)
    # each lede names its own lender; the re-send's lede names the same one
    assert got.tolist() == [True, False, True]
    after = separate_templates(scored, inputs, CFG).table
    rel = _relations(after)
    assert rel.get((0, 1), "") in ("related", "")
    assert rel.get((1, 2), "") in ("related", "")
    assert rel[(0, 2)] in ("partial_copy", "rewrite")
    # off at 0
    off = dataclasses.replace(CFG, lede_names_missing=0.0)
    assert not lede_names_apart(inputs, scored.hits, np.array([[0, 1]]), off).any()
    # under titles that share their words the check does not apply
    same = _inputs(texts, [HARBOURNE_TITLE, HARBOURNE_TITLE, HARBOURNE_TITLE])
    scored = score_pairs(np.array([[0, 1]]), same, CFG)
    assert not lede_names_apart(same, scored.hits, np.array([[0, 1]]), CFG).any()


def test_the_batch_case_counts_are_made_once_for_titles_and_ledes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The title check and the lede check find names with one set of the batch's case
    counts, kept on the scoring inputs, and the ledes are named as with counts made anew."""
    calls: list[int] = []
    real = score_mod.name_counts

    def counted(sentences: Sequence[Sequence[str]], n_jobs: int = 1) -> score_mod.NameCounts:
        calls.append(len(sentences))
        return real(sentences, n_jobs)

    monkeypatch.setattr(score_mod, "name_counts", counted)
    texts = [HARBOURNE, KESWICK, HARBOURNE_RESENT]
    titles = [HARBOURNE_TITLE, KESWICK_TITLE, HARBOURNE_RESENT_TITLE]
    inputs = _inputs(texts, titles)
    pairs = np.array([[0, 1], [0, 2], [1, 2]])
    scored = score_pairs(pairs, inputs, CFG)
    assert not title_names_apart(inputs, 0, 1, CFG)
    got = lede_names_apart(inputs, scored.hits, pairs, CFG)
    assert calls == [3]
    assert inputs.name_counts is not None
    fresh = lede_names_apart(_inputs(texts, titles), scored.hits, pairs, CFG)
    assert got.tolist() == fresh.tolist() == [True, False, True]


def test_lede_checks_read_a_sentence_table_as_sentence_lists() -> None:
    """The pipeline's sentences are a table of offsets: the lede checks count its
    sentences from the offsets and decide as they do on lists of sentences."""
    texts = [HARBOURNE, KESWICK, HARBOURNE_RESENT, ""]
    titles = [HARBOURNE_TITLE, KESWICK_TITLE, HARBOURNE_RESENT_TITLE, "EMPTY"]
    inputs = _inputs(texts, titles)
    bounds = [sentence_bounds(t) for t in texts]
    flat = np.array([b for bs in bounds for b in bs], dtype=np.int64)
    table = SentenceTable(texts, flat[0::2], flat[1::2], [len(b) // 2 for b in bounds])
    assert list(table) == [tuple(s) for s in inputs.sentences]
    tabled = dataclasses.replace(inputs, sentences=table)
    pairs = np.array([[0, 1], [0, 2], [1, 2], [0, 3]])
    scored = score_pairs(pairs, inputs, CFG)
    got = lede_names_apart(tabled, scored.hits, pairs, CFG)
    assert got.tolist() == lede_names_apart(inputs, scored.hits, pairs, CFG).tolist()
    assert got.tolist() == [True, False, True, False]
    days = ledes_apart(tabled, scored.hits, pairs, CFG)
    assert days.tolist() == ledes_apart(inputs, scored.hits, pairs, CFG).tolist()


def test_two_lenders_rate_notices_are_other_stories_in_the_pipeline() -> None:
    res = _run(
        [
            ("hb", "1987-04-06T09:40:00", HARBOURNE_TITLE, HARBOURNE),
            ("hb-resent", "1987-04-06T10:05:00", HARBOURNE_RESENT_TITLE, HARBOURNE_RESENT),
            ("kw", "1987-04-06T14:20:00", KESWICK_TITLE, KESWICK),
        ]
    )
    lab = _labels(res)
    assert lab["hb"] == lab["hb-resent"]
    assert lab["kw"] != lab["hb"]
