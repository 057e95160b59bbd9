"""Templated reports (dividend notices, earnings tables, money-market reports): one template
filled in for different companies or days shares its wording but tells different stories;
a re-send of one report stays one story. All texts are invented."""

import numpy as np
import pandas as pd

from dedup.config import Config, ScoreConfig
from dedup.pipeline import RunResult, run_pipeline
from dedup.score import figures, score_pairs, title_names, title_names_apart
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
