import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from dedup.config import ScoreConfig
from dedup.fingerprint import build_tfidf
from dedup.minhash import MinHashParams, minhash_signatures, shingle_strings
from dedup.score import (
    ScoringInputs,
    decide_relation,
    score_pairs,
    shingle_overlap,
    shingle_sets,
    story_coverage,
    templated_apart,
)
from dedup.textnorm import split_sentences, tokenize
from tests.conftest import OTHER, REWRITE, WIRE

CFG = ScoreConfig()


def _inputs(texts: list[str], titles: list[str] | None = None) -> ScoringInputs:
    tokens = [tokenize(t) for t in texts]
    return ScoringInputs(
        ids=[str(i) for i in range(len(texts))],
        tokens=tokens,
        sentences=[split_sentences(t) for t in texts],
        titles=titles or [""] * len(texts),
        signatures=minhash_signatures(tokens, MinHashParams()),
        tfidf=build_tfidf(tokens, 1.0),
        shingle_size=5,
    )


def _score(texts: list[str], titles: list[str] | None = None) -> dict[str, object]:
    res = score_pairs(
        np.array([[0, 1]]), _inputs(texts, titles), ScoreConfig(), keep_unrelated=True
    )
    return dict(res.table.iloc[0])


def test_exact_copy() -> None:
    row = _score([WIRE, WIRE])
    assert row["relation"] == "exact"
    assert row["jaccard"] == 1.0
    assert row["coverage_a_in_b"] == 1.0


def test_truncation_is_partial_copy_with_one_sided_containment() -> None:
    head = "\n".join(WIRE.split("\n")[:3])
    row = _score([head, WIRE])
    assert row["relation"] == "partial_copy"
    assert row["containment_a_in_b"] == 1.0
    assert row["containment_b_in_a"] < 0.6


def test_rewrite_has_low_jaccard_but_high_coverage() -> None:
    row = _score([WIRE, REWRITE])
    assert row["jaccard"] < 0.2
    assert row["coverage_b_in_a"] >= 0.5
    assert row["relation"] == "rewrite"


def test_unrelated_texts_are_not_versions() -> None:
    row = _score([WIRE, OTHER])
    assert row["relation"] in ("related", "unrelated")
    assert row["coverage_a_in_b"] < 0.2


def test_short_templated_reports_with_different_titles_are_not_copies() -> None:
    body = "Qtly div 12 cts vs 12 cts prior. Pay April 15. Record March 30."
    row = _score([body, body], ["ACME CORP SETS QUARTERLY", "ZENITH BANK DECLARES DIVIDEND"])
    assert row["relation"] not in ("exact", "near_copy", "partial_copy", "rewrite")


_NOTICE = "Qtly div 12 cts vs 12 cts prior. Pay April 15. Record March 30."
_NAMES = (
    "Analysts said Acme Corp and Zenith Bank would both report next week, and shares of Acme "
    "Corp rose while Zenith Bank fell in early trading on the exchange."
)


def _notice_relation(title_a: str, title_b: str) -> object:
    """The relation of two identical short notices under the given titles, in a batch whose
    third text names the companies."""
    inputs = _inputs([_NOTICE, _NOTICE, _NAMES], [title_a, title_b, "BANK SHARES MOVE"])
    res = score_pairs(np.array([[0, 1]]), inputs, ScoreConfig(), keep_unrelated=True)
    return res.table.iloc[0]["relation"]


def test_short_copy_under_reworded_titles_naming_one_company_is_exact() -> None:
    # a re-send: the same notice, the headline reworded, the company the same
    assert _notice_relation("ACME CORP SETS QUARTERLY", "ACME CORP DECLARES QTLY DIV") == "exact"


def test_short_copy_under_titles_naming_two_companies_stays_apart() -> None:
    # one template filled in for two companies: the same words, other subjects
    rel = _notice_relation("ACME CORP SETS QUARTERLY", "ZENITH BANK DECLARES QTLY DIV")
    assert rel not in ("exact", "near_copy", "partial_copy", "rewrite")
    # a title whose names are partly missing from the other text is not the same subject
    rel = _notice_relation("ACME CORP SETS QUARTERLY", "ACME ZENITH DECLARES QTLY DIV")
    assert rel not in ("exact", "near_copy", "partial_copy", "rewrite")


def test_short_retelling_under_reworded_titles_naming_one_company_stays_apart() -> None:
    # the names agree, but only a copy is lifted out of the short-template check: two
    # short texts that retell each other under other headlines may be two reports
    a = (
        "Acme Corp said it completed the purchase of the Delta plant from Omega Industries "
        "for an undisclosed sum, and that the plant would keep all of its staff and managers."
    )
    b = (
        "Acme Corp said it completed the purchase of the Delta plant from Omega Industries. "
        "The company said the plant would keep all of its staff and managers, and gave no price."
    )
    titles = ["ACME CORP COMPLETES PLANT PURCHASE", "ACME CORP BUYS DELTA PLANT", "X"]
    res = score_pairs(
        np.array([[0, 1]]), _inputs([a, b, _NAMES], titles), ScoreConfig(), keep_unrelated=True
    )
    row = res.table.iloc[0]
    assert row["coverage_a_in_b"] >= CFG.retell_coverage  # a rewrite but for the check
    assert row["relation"] not in ("exact", "near_copy", "partial_copy", "rewrite")


def test_decide_relation_order() -> None:
    cfg = ScoreConfig()
    base = {
        "jaccard": 0.9,
        "containment_a_in_b": 0.9,
        "containment_b_in_a": 0.9,
        "tfidf_cosine": 0.9,
        "coverage_a_in_b": 0.9,
        "coverage_b_in_a": 0.9,
    }
    assert decide_relation(base, True, False, cfg, 100) == "exact"
    assert decide_relation(base, False, False, cfg, 100) == "near_copy"
    low = {**base, "jaccard": 0.1, "containment_a_in_b": 0.1, "containment_b_in_a": 0.1}
    assert decide_relation(low, False, False, cfg, 100) == "rewrite"
    assert decide_relation(low, False, False, cfg, 5) == "related"


words = st.lists(
    st.sampled_from(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]),
    min_size=0,
    max_size=40,
)


@given(words, words)
def test_jaccard_symmetric_and_bounded(a: list[str], b: list[str]) -> None:
    ta, tb = " ".join(a), " ".join(b)
    inputs = _inputs([ta or "x", tb or "y"])
    r1 = score_pairs(np.array([[0, 1]]), inputs, ScoreConfig(), keep_unrelated=True).table.iloc[0]
    inputs2 = _inputs([tb or "y", ta or "x"])
    r2 = score_pairs(np.array([[0, 1]]), inputs2, ScoreConfig(), keep_unrelated=True).table.iloc[0]
    assert 0.0 <= r1["jaccard"] <= 1.0
    assert r1["jaccard"] == r2["jaccard"]
    assert r1["containment_a_in_b"] == r2["containment_b_in_a"]
    assert r1["jaccard"] <= min(r1["containment_a_in_b"], r1["containment_b_in_a"]) + 1e-12


def test_shingle_set_is_unique_and_sorted() -> None:
    (s,) = shingle_sets([["a", "b", "c", "d", "e", "a", "b", "c", "d", "e"]], 5)
    assert np.all(s[1:] > s[:-1])
    assert s.size == 5


@pytest.mark.parametrize("k", [1, 2, 5])
def test_shingle_sets_give_the_overlaps_of_the_shingle_strings(k: int) -> None:
    """Jaccard and containment from the hashed sets equal those of the sets of shingle
    strings, for short (fewer than k tokens), empty and overlapping articles."""
    rng = np.random.default_rng(k)
    vocab = ["port", "strike", "union", "talks", "wages", "the", "a", "of", "4,200", "Über"]
    arts: list[list[str]] = [[], ["port"], ["port", "strike"]]
    for _ in range(40):
        if arts and rng.random() < 0.5:
            base = arts[int(rng.integers(0, len(arts)))]
            arts.append([*base[: int(rng.integers(0, len(base) + 1))], "union", "talks"])
        else:
            arts.append(
                [vocab[int(t)] for t in rng.integers(0, len(vocab), int(rng.integers(0, 30)))]
            )
    sets = shingle_sets(arts, k)
    assert [s.size for s in sets] == [len(set(shingle_strings(a, k))) for a in arts]
    overlaps = 0
    for i in range(len(arts)):
        for j in range(len(arts)):
            a, b = set(shingle_strings(arts[i], k)), set(shingle_strings(arts[j], k))
            got = shingle_overlap(sets[i], sets[j])
            inter = len(a & b)
            overlaps += inter > 0 and i != j
            assert got["jaccard"] == (inter / len(a | b) if a | b else 0.0)
            assert got["containment_a_in_b"] == (inter / len(a) if a else 0.0)
    assert overlaps > 10


def test_empty_tfidf_is_handled() -> None:
    assert build_tfidf([[], []], 1.0).shape == (2, 0)
    assert isinstance(build_tfidf([["a"], ["b"]], 1.0), sp.csr_matrix)


def test_cut_and_reworded_copy_is_a_rewrite_by_reused_phrasing() -> None:
    # A short newspaper piece cut from a long wire story: it keeps runs of the wire's
    # wording in every sentence but retells only part of the wire.
    wire = "\n".join(
        [
            WIRE,
            "The harbour master said smaller ferries would keep sailing on their usual routes.",
            "Talks between the union and the port owners are due to resume next week.",
            "The last strike at Portvale, in 2019, lasted four days and ended with a pay deal.",
            "Farmers in the valley fear their grain will rot in silos if the dispute drags on.",
            "A spokeswoman for the ministry of transport declined to comment on Tuesday evening.",
        ]
    )
    cut = (
        "Dock workers at Portvale walked off the job yesterday, halting cargo traffic at the "
        "country's second-largest harbour after talks on wages collapsed late on Monday.\n"
        "The port authority called the walkout unlawful and said it would seek an injunction.\n"
        "Shipping lines diverted nine container vessels to the northern port of Elsby."
    )
    row = _score([wire, cut])
    assert row["coverage_a_in_b"] < 0.5  # the cut piece retells well under half of the wire
    assert row["relation"] == "rewrite"


def test_shared_quote_alone_is_not_reuse() -> None:
    quote = '"We have been patient for eighteen months and we will not wait any longer."'
    a = "\n".join(
        [
            "Hundreds of dock workers gathered at the gates of Portvale harbour before dawn.",
            quote,
            "Many had brought flasks of tea and folding chairs, expecting a long day.",
        ]
    )
    b = "\n".join(
        [
            "Analysts at Norrbank estimate that exports of timber could fall sharply.",
            quote,
            "The transport ministry has so far refused to intervene in the dispute.",
        ]
    )
    assert _score([a, b])["relation"] in ("related", "unrelated")


def test_quotations_of_other_languages_count_as_quoted() -> None:
    from dedup.score import _quoted_shares_many

    shares = _quoted_shares_many(
        [
            [
                "«Мы не будем ждать», — сказал он.",
                "Er sagte: „Wir warten nicht länger.“",
                "彼は「もう待たない」と述べた。",
                "Il a dit : « nous n'attendrons plus ».",
                "No quotation here at all.",
            ]
        ]
    )
    assert (shares[:4] > 0.4).all() and shares[4] == 0.0


def test_decide_relation_uses_the_later_texts_reuse_when_ordered() -> None:
    cfg = ScoreConfig()
    row = {
        "jaccard": 0.05,
        "containment_a_in_b": 0.05,
        "containment_b_in_a": 0.05,
        "tfidf_cosine": 0.5,
        "coverage_a_in_b": 0.1,
        "coverage_b_in_a": 0.1,
        "reused_a_in_b": 0.1,  # the earlier text a: little of it is in b
        "reused_b_in_a": 0.8,  # the later text b: mostly reused from a
    }
    assert decide_relation(row, False, False, cfg, 100, later="b") == "rewrite"
    assert decide_relation(row, False, False, cfg, 100, later="a") == "related"
    assert decide_relation(row, False, False, cfg, 100) == "rewrite"


def test_story_coverage_unites_the_sources() -> None:
    w = WIRE.split("\n")
    take1, take2 = "\n".join(w[:3]), "\n".join(w[3:])
    stitched = "\n".join([w[0], w[4], OTHER])
    inputs = _inputs([take1, take2, stitched, OTHER])
    one, two, both, none = story_coverage(inputs, [(2, [0]), (2, [1]), (2, [0, 1]), (2, [])], CFG)
    assert 0 < one[1] < both[1] and 0 < two[1] < both[1]
    assert both[1] >= one[1] + two[1] - 1e-9  # disjoint takes: their shares add up
    assert both[0] >= max(one[0], two[0])
    assert [m for m, _ in one[2]] == [0] and [m for m, _ in two[2]] == [1]
    assert {m for m, _ in both[2]} == {0, 1}  # each take retells its part
    assert sum(share for _, share in both[2]) <= 1.0
    assert none == (0.0, 0.0, (), 0.0)


def test_story_coverage_tells_narrative_from_shared_quotes() -> None:
    w = WIRE.split("\n")
    quote = w[2]  # the union leader's words, in quotation marks
    own = "\n".join(
        [
            "Lorries queued for miles outside Portvale as the harbour gates stayed shut.",
            quote,
            "Shop owners near the quay said trade had slowed to a trickle by noon.",
        ]
    )
    told = "\n".join([w[0], w[1], OTHER])
    inputs = _inputs([WIRE, own, told])
    quoted, narrative = story_coverage(inputs, [(1, [0]), (2, [0])], CFG)
    assert quoted[0] > 0 and quoted[3] == 0.0  # it retells the wire only through a quote
    assert narrative[3] == narrative[0] > 0  # no quotes: all it retells is narrative


def test_story_coverage_leaves_out_reports_with_other_figures() -> None:
    a = "Shares of Halvard rose 12.5 percent to 41.20 crowns on volume of 3,400 lots."
    b = "Shares of Halvard rose 7.5 percent to 38.10 crowns on volume of 1,900 lots."
    inputs = _inputs([a, b, a])
    assert templated_apart(inputs, 0, 1, CFG)
    assert not templated_apart(inputs, 0, 2, CFG)
    assert story_coverage(inputs, [(0, [1])], CFG) == [(0.0, 0.0, (), 0.0)]
    assert story_coverage(inputs, [(0, [2])], CFG)[0][1] == 1.0


def test_story_coverage_needs_the_texts_figures_and_a_like_title() -> None:
    w = WIRE.split("\n")
    stitched = "\n".join([w[0], w[4], OTHER])
    own_figures = stitched.replace("4,200", "3,100").replace("nine", "17") + (
        "\nThe 2,950 members met on 14 May and 22 June."
    )
    inputs = _inputs([WIRE, stitched, own_figures], ["Port strike", "", ""])
    (ok, own) = story_coverage(inputs, [(1, [0]), (2, [0])], CFG)
    assert ok[1] > 0 and ok[2]
    assert own == (0.0, 0.0, (), 0.0)  # its figures are not in the source: another report
    titled = _inputs([WIRE, stitched, stitched], ["Port strike", "Port strike spreads", "Concert"])
    like, unlike = story_coverage(titled, [(1, [0]), (2, [0])], CFG)
    assert like[1] > 0
    assert unlike == (0.0, 0.0, (), 0.0)  # both titled, different titles
