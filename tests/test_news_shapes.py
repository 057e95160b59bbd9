"""The shapes real news takes, each with an invented fixture, through the whole pipeline."""

from __future__ import annotations

import pandas as pd

from dedup.config import Config
from dedup.pipeline import RunResult, run_pipeline
from tests.conftest import OTHER, REWRITE, WIRE, cluster_of, run_dated

FLOOD = [
    "Officials in Marrow County opened a new flood barrier on Friday after two years of work.",
    "The barrier cost 80 million crowns and protects 12,000 homes, the county engineer said.",
    "Residents had campaigned for the project since the floods that swept the valley in 2019.",
    "Engineer Tomas Varga said the steel gates could be raised in under forty minutes.",
    "The national weather office expects heavy rain across the region later this month.",
    "Opposition councillors questioned whether the budget overruns had been justified.",
]
ELECTION = [
    "Voters in the republic of Ostria elected a new parliament on Sunday in a tight race.",
    "The centre-left Alliance won 61 of 150 seats, according to the electoral commission.",
    "Turnout reached 72 percent, the highest since the constitution was adopted in 1991.",
    "Alliance leader Ida Brandt said she would begin coalition talks on Monday morning.",
    "The governing Liberal bloc lost 19 seats and its leader conceded late on Sunday.",
    "Markets in the capital opened higher on Monday as investors welcomed the result.",
]


def _run(texts: dict[str, str], titles: dict[str, str] | None = None) -> RunResult:
    ids = list(texts)
    frame = pd.DataFrame(
        {
            "id": ids,
            "source": [f"site-{i}" for i in range(len(ids))],
            "published_at": ["2026-03-03T08:00:00"] * len(ids),
            "title": [(titles or {}).get(i, "") for i in ids],
            "text": [texts[i] for i in ids],
        }
    )
    return run_pipeline(frame, Config())


def _relation(res: RunResult, a: str, b: str) -> str:
    a, b = min(a, b), max(a, b)
    p = res.pairs
    hit = p[(p["id_a"] == a) & (p["id_b"] == b)]
    return str(hit["relation"].iloc[0]) if len(hit) else ""


def test_write_through_chain_is_one_story() -> None:
    v1 = "\n".join(FLOOD[:3])
    v2 = "\n".join(FLOOD[:5])
    v3 = "\n".join([FLOOD[1], *FLOOD[3:]])  # new top, first paragraph dropped
    res = _run({"v1": v1, "v2": v2, "v3": v3, "x": OTHER})
    c = cluster_of(res)
    assert c["v1"] == c["v2"] == c["v3"] != c["x"]


def test_teaser_page_joins_its_story() -> None:
    teaser = FLOOD[0] + "\n" + FLOOD[1] + "\nRead the full story"
    res = _run({"wire": "\n".join(FLOOD), "teaser": teaser, "x": OTHER})
    c = cluster_of(res)
    assert c["teaser"] == c["wire"] != c["x"]


def test_caption_only_page_is_not_a_version() -> None:
    caption = "Workers stand on the new steel gates in Marrow County. Photo: Lena Holm"
    res = _run({"wire": "\n".join(FLOOD), "caption": caption})
    c = cluster_of(res)
    assert c["caption"] != c["wire"]
    assert _relation(res, "wire", "caption") in ("", "related")


def test_digest_page_never_chains_two_stories() -> None:
    digest = "\n".join(["Morning briefing", *FLOOD[:4], *ELECTION[:4], "Sign up for more"])
    res = _run(
        {"flood": "\n".join(FLOOD), "vote": "\n".join(ELECTION), "digest": digest},
    )
    c = cluster_of(res)
    assert c["flood"] != c["vote"]
    assert c["digest"] in (c["flood"], c["vote"])


def test_live_page_with_many_stories_never_chains_them() -> None:
    live = "\n".join([*ELECTION[:3], *FLOOD[:3], WIRE.split("\n")[0], WIRE.split("\n")[1]])
    res = _run(
        {
            "flood": "\n".join(FLOOD),
            "vote": "\n".join(ELECTION),
            "port": WIRE,
            "live": live,
        }
    )
    c = cluster_of(res)
    assert len({c["flood"], c["vote"], c["port"]}) == 3


def test_commentary_quoting_one_article_is_not_a_version() -> None:
    commentary = "\n".join(
        [
            "Columnist Ada Voss on why the barrier debate misses the point.",
            "Every generation of planners promises that the next wall will be the last one.",
            "We were told so after the dyke of 1962 and again after the pumping station of 1988.",
            "This week the county announced its new scheme in glowing terms:",
            f'"{FLOOD[0]} {FLOOD[1]}"',
            "What the announcement leaves out is who will maintain the gates in thirty years.",
            "Maintenance budgets are the first to be cut when money is tight, as it always is.",
            "Nor does it ask why new homes are still being approved on the lowest fields.",
            "A barrier protects the houses behind it and moves the water onto someone else.",
            "Until the county plans for the whole river, it will keep building walls.",
        ]
    )
    res = _run({"wire": "\n".join(FLOOD), "column": commentary})
    c = cluster_of(res)
    assert c["wire"] != c["column"]
    assert _relation(res, "wire", "column") in ("", "related")


def test_independent_articles_sharing_a_quote_are_related_not_versions() -> None:
    quote = '"We have been patient for eighteen months," union leader Maria Okonkwo said.'
    a = "\n".join(
        [
            "Hundreds of dock workers gathered at the gates of Portvale harbour before dawn.",
            "Many had brought flasks of tea and folding chairs, expecting a long day.",
            quote,
            "Local shop owners said trade had already slowed as lorries stayed away.",
            "Ferry passengers were told to expect delays of several hours on Wednesday.",
        ]
    )
    b = "\n".join(
        [
            "The Portvale walkout is the first national port strike in a generation.",
            "Analysts at Norrbank estimate that exports of timber and ore could fall sharply.",
            quote,
            "The transport ministry has so far refused to intervene in the wage dispute.",
            "Previous stoppages in 1979 and 1994 each lasted more than a fortnight.",
        ]
    )
    res = _run({"a": a, "b": b})
    c = cluster_of(res)
    assert c["a"] != c["b"]
    assert _relation(res, "a", "b") in ("", "related")


def _earnings(company: str, shr: str, net: str, rev: str, prev: tuple[str, str, str]) -> str:
    return (
        f"{company} reported quarterly results on Tuesday.\n"
        f"Shr {shr} cts vs {prev[0]} cts.\n"
        f"Net {net} mln vs {prev[1]} mln.\n"
        f"Revs {rev} mln vs {prev[2]} mln.\n"
        "The company said results were in line with its outlook for the year and that it "
        "expected to maintain its dividend at the current level.\n"
        "It will publish its annual report in the second half of next month."
    )


def test_templated_earnings_reports_are_different_stories() -> None:
    texts = {
        "e1": _earnings("Halvard Mills Inc", "41", "12.6", "310.2", ("38", "11.9", "298.7")),
        "e2": _earnings("Halvard Mills Inc", "17", "4.1", "88.3", ("22", "5.6", "91.0")),
        "e3": _earnings("Halvard Mills Inc", "93", "57.0", "702.5", ("85", "51.2", "655.1")),
    }
    res = _run(texts, {"e1": "HALVARD Q1", "e2": "ORSK Q1", "e3": "TEMBE Q1"})
    c = cluster_of(res)
    assert len(set(c.values())) == 3


def _result(home: str, away: str, score: str, scorer: str, minute: str) -> str:
    return (
        f"{home} beat {away} {score} in the league on Saturday.\n"
        f"{scorer} scored the winning goal in the {minute}th minute after a corner kick.\n"
        "The home side move up to third place in the table with eleven games to play.\n"
        "Attendance at the ground was reported as a sell-out for the first time this season."
    )


def test_templated_sports_results_are_different_stories() -> None:
    texts = {
        "r1": _result("Harwick", "Elsby", "2-1", "Jon Marek", "78"),
        "r2": _result("Tarnby", "Quill", "3-0", "Aled Price", "12"),
        "r3": _result("Osterholm", "Varde", "1-0", "Sami Lund", "55"),
    }
    res = _run(texts)
    c = cluster_of(res)
    assert len(set(c.values())) == 3


def test_rewrite_of_the_wire_joins_it() -> None:
    res = _run({"wire": WIRE, "rewrite": REWRITE, "x": OTHER})
    c = cluster_of(res)
    assert c["wire"] == c["rewrite"] != c["x"]
    assert _relation(res, "wire", "rewrite") == "rewrite"


TAKE_ONE = [
    "Former harbour commissioner Harlen Voss went on trial at Dunmarsh Crown Court on Monday accused of taking bribes worth 340,000 crowns.",
    "Prosecutor Elin Marsh told the jury that Voss steered dredging contracts to a firm run by his brother-in-law between 2019 and 2022.",
    "The court heard that payments were routed through a sailing club in Kessock whose accounts Voss controlled.",
    "Voss, 58, of Tarrow Lane, denies six counts of corruption and two of misconduct in public office.",
    "Marsh said the scheme came to light when a junior clerk noticed duplicate invoices in the port ledger.",
    "The trial, expected to last three weeks, was adjourned until Tuesday morning.",
    "Brightwater Marine was dissolved in 2023 and its director is expected to give evidence later in the trial.",
    "The jury was shown bank statements covering four years of transfers between the club and the firm.",
    "Marsh said the commissioner had approved each dredging contract without putting it out to tender.",
    "Voss was granted bail on condition that he lives at his home address and surrenders his passport.",
]
TAKE_TWO = [
    "The clerk who raised the alarm, Nadia Okafor, told the court she was warned to keep quiet by a senior manager.",
    "She said she had found 17 invoices for the same stretch of channel, each signed off by the commissioner's office.",
    "Under cross-examination she agreed she had never seen Voss handle any of the payments himself.",
    "Defence barrister Tobias Reyne suggested the duplicates were clerical errors made during a software upgrade.",
    "Okafor replied that the errors only ever favoured one contractor, Brightwater Marine.",
    "Judge Helena Quist told jurors not to discuss the case with anyone outside the court.",
    "Okafor said she later moved to a job in the council's planning department.",
    "The court was shown emails in which the manager asked her to delete a spreadsheet.",
    "Reyne said the manager would deny ever sending the messages.",
    "The hearing continues on Wednesday with evidence from a forensic accountant.",
]
STITCHED = [
    "It was meant to be the quiet job of keeping Dunmarsh harbour deep enough for the ferries.",
    "Instead, according to the prosecution, it became a private cash machine for one of the town's best-known men.",
    "Former harbour commissioner Harlen Voss went on trial at Dunmarsh Crown Court accused of taking bribes worth 340,000 crowns.",
    "Neighbours on his leafy street describe a generous host who threw summer parties for the whole lane.",
    "One former colleague, who asked not to be named, said the port office had long been run like a family business.",
    "The court heard that payments were routed through a sailing club in Kessock whose accounts Voss controlled.",
    "Local councillors have already called for an independent review of every contract signed since 2015.",
    "The clerk who raised the alarm, Nadia Okafor, said she was warned to keep quiet by a senior manager.",
    "Ferry operators say the silting of the channel has forced them to cancel sailings at low tide for years.",
    "Okafor told the jury that the errors only ever favoured one contractor, Brightwater Marine.",
    "The harbour board said in a statement it was cooperating fully and had tightened its procurement rules.",
    "A spokesman for the town's mayor declined to comment while the case continued.",
]
QUAYSIDE = [
    "Dunmarsh harbour has struggled with silting for more than a decade, and ferry crews know every shallow bend.",
    "As the trial of former commissioner Harlen Voss began, fishermen on the quay spoke of frustration rather than surprise.",
    "Skipper Ewan Dalby said the channel had never been dredged as often as the invoices suggested.",
    "Others defended Voss, pointing to the new marina and the jobs it brought to the town.",
    "The harbour board has promised a full audit once the criminal case is over.",
    "The trial continues.",
]


def test_newspaper_stitched_from_two_wire_takes_joins_the_story() -> None:
    # Two takes of a court report on the wire; next morning a newspaper keeps two
    # sentences of each among its own material: no take alone holds enough of it to call
    # it a rewrite, the two together do.
    texts = {
        "take1": ("2026-03-03T08:00:00", "\n".join(TAKE_ONE)),
        "take2": ("2026-03-03T11:00:00", "\n".join(TAKE_TWO)),
        "paper": ("2026-03-04T06:00:00", "\n".join(STITCHED)),
        "quay": ("2026-03-04T06:00:00", "\n".join(QUAYSIDE)),
    }
    res = run_dated(texts)
    c = cluster_of(res)
    assert c["paper"] in (c["take1"], c["take2"])
    assert c["quay"] not in (c["take1"], c["take2"], c["paper"])
    assert _relation(res, "paper", "take1") in ("", "related")
    assert _relation(res, "paper", "take2") in ("", "related")
    # without publication times no text is known to be a source: pairs alone decide
    no_times = {k: ("", t) for k, (_, t) in texts.items()}
    c = cluster_of(run_dated(no_times))
    assert c["paper"] not in (c["take1"], c["take2"])


def test_later_report_holding_a_short_wire_snap_is_not_its_version() -> None:
    # A two-sentence snap on the wire; the next day a long report of the same trial, written
    # on its own, retells the snap's two facts among its own material. All of the snap is
    # found in the report, but only the later text can have been written from the earlier.
    snap = "\n".join([TAKE_ONE[0], TAKE_ONE[3]])
    retold = [
        "Harlen Voss, the former harbour commissioner, went on trial at Dunmarsh Crown Court "
        "on Monday, accused of taking 340,000 crowns in bribes.",
        "Voss, 58, who lives on Tarrow Lane, denies six counts of corruption as well as two "
        "counts of misconduct in public office.",
    ]
    report = "\n".join([*QUAYSIDE, *retold, *STITCHED[6:]])
    texts = {"snap": ("2026-03-03T08:00:00", snap), "report": ("2026-03-04T06:00:00", report)}
    res = run_dated(texts)
    c = cluster_of(res)
    assert c["snap"] != c["report"]
    assert _relation(res, "snap", "report") in ("", "related")
    unordered = run_dated({k: ("", t) for k, (_, t) in texts.items()})
    assert _relation(unordered, "snap", "report") == "rewrite"


def test_next_day_digest_never_chains_two_stories() -> None:
    digest = "\n".join(["Morning briefing", *FLOOD[:4], *ELECTION[:4], "Sign up for more"])
    texts = {
        "flood": ("2026-03-03T08:00:00", "\n".join(FLOOD)),
        "vote": ("2026-03-03T09:00:00", "\n".join(ELECTION)),
        "digest": ("2026-03-04T06:00:00", digest),
    }
    c = cluster_of(run_dated(texts))
    assert c["flood"] != c["vote"]
    assert c["digest"] in (c["flood"], c["vote"])


# Invented stories in Chinese, which is written without spaces between words.
FLOOD_ZH = [
    "新华社北京3月5日电，国务院今天发布关于加强城市防洪工作的通知。",
    "通知要求各地在汛期到来之前完成排水管网的检查和维修。",
    "据统计，去年全国共有二百一十个城市发生内涝，直接经济损失超过三百亿元。",
    "专家指出，老旧城区的排水能力普遍不足，需要加快改造。",
    "通知还要求建立城市内涝预警机制，及时向公众发布信息，并做好人员转移安置准备。",
    "水利部有关负责人表示，今年将投入专项资金支持中西部地区的防洪设施建设。",
]
MATCH_ZH = (
    "本报讯 昨日，市足球队在主场以二比一战胜来访的客队，取得本赛季第五场胜利。"
    "上半场双方均无建树，下半场第六十分钟主队率先破门。"
    "客队随后扳平比分，但主队在终场前五分钟再入一球锁定胜局。主教练赛后表示，球队的防守还需要加强。"
)


def test_chinese_wire_story_and_its_edited_cut_copy_are_one_story() -> None:
    # The copy drops the dateline and the last paragraph and rewords a few words; its
    # sentences follow one another without spaces, as Chinese is written.
    edited = [
        FLOOD_ZH[0].replace("新华社北京3月5日电，", ""),
        FLOOD_ZH[1].replace("和", "与"),
        FLOOD_ZH[2],
        FLOOD_ZH[3].replace("指出", "认为"),
        FLOOD_ZH[4],
    ]
    res = _run({"wire": "".join(FLOOD_ZH), "copy": "".join(edited), "match": MATCH_ZH})
    cid = cluster_of(res)
    assert cid["wire"] == cid["copy"] != cid["match"]
    assert _relation(res, "wire", "copy") in {"partial_copy", "near_duplicate", "rewrite"}
    pair = res.pairs.iloc[0]
    assert (pair["id_a"], pair["id_b"]) == ("copy", "wire")
    # the copy is held in the wire, which has a paragraph more: sentences are cut at the
    # ideographic full stop, so the coverage sees the missing one
    assert pair["coverage_a_in_b"] == 1.0 > pair["coverage_b_in_a"]
    assert pair["containment_a_in_b"] > 0.9 > pair["containment_b_in_a"] > 0.5
