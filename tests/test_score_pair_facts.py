"""The scorer's pair facts and relations, worked out for all pairs at once, against the
per-pair reference (tests/score_reference.py): shingle overlaps, same bodies, figures, the
relation rule and the whole relation with its title, figure and time checks. All texts are
invented."""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

import numpy as np
import pytest

import dedup.score as score_mod
from dedup.config import ScoreConfig
from dedup.fingerprint import build_tfidf
from dedup.minhash import MinHashParams, minhash_signatures
from dedup.score import (
    PAIR_COLUMNS,
    ScoringInputs,
    _same_bodies,
    body_digest,
    decide_relation,
    decide_relations,
    figures,
    pair_relations,
    score_pairs,
    shingle_overlap,
    shingle_overlaps,
    shingle_sets,
)
from dedup.textnorm import TokenTable, tokenize
from tests.score_reference import (
    article_facts,
    pair_relation,
    reference_decide_relation,
    reference_figures,
    reference_score_pairs,
)

CFG = ScoreConfig()
NAMES = ["Bramwell", "Osterly", "Tarnby", "Eastmere", "Zenith", "Carrow", "Hadleigh", "Wenlock"]
WORDS = ["port", "strike", "talks", "wages", "board", "dividend", "shares", "the", "of", "said"]
FIGS = ["4,200", "1.5", "30", "19-20", "7-3/4", "2025", "12", "0.25"]


def _all_pairs(n: int) -> np.ndarray:
    ii, jj = np.triu_indices(n, k=1)
    out: np.ndarray = np.c_[ii, jj].astype(np.int64)
    return out


@pytest.mark.parametrize("k", [1, 3])
def test_shingle_overlaps_equal_the_per_pair_overlap(
    k: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Empty sets, one-token articles, equal and overlapping articles; slices of 3 pairs."""
    monkeypatch.setattr(score_mod, "_DOT_PAIRS", 3)
    rng = np.random.default_rng(k)
    arts: list[list[str]] = [[], [], ["port"], ["port", "strike", "talks"]]
    for _ in range(25):
        if rng.random() < 0.4:
            base = arts[int(rng.integers(0, len(arts)))]
            arts.append([*base, *rng.choice(WORDS, int(rng.integers(0, 4))).tolist()])
        else:
            arts.append(rng.choice(WORDS, int(rng.integers(0, 20))).tolist())
    arts.append(list(arts[-1]))  # an equal twin
    sets = shingle_sets(arts, k)
    pairs = _all_pairs(len(arts))
    got = shingle_overlaps(sets, pairs[:, 0], pairs[:, 1])
    for n, (i, j) in enumerate(pairs.tolist()):
        want = shingle_overlap(sets[i], sets[j])
        for key, value in want.items():
            assert got[key][n] == value, (key, i, j)
    assert (got["jaccard"] == 1.0).any() and (got["jaccard"] == 0.0).any()
    assert ((got["jaccard"] > 0) & (got["jaccard"] < 1)).any()


def test_shingle_overlaps_of_only_empty_sets() -> None:
    sets = shingle_sets([[], []], 3)
    got = shingle_overlaps(sets, np.array([0]), np.array([1]))
    assert {k: v.tolist() for k, v in got.items()} == {
        "jaccard": [0.0],
        "containment_a_in_b": [0.0],
        "containment_b_in_a": [0.0],
    }


def test_same_bodies_equal_equal_digests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Token tables (codes compared) and token lists (digests) against equal non-empty
    body digests: empty bodies, equal bodies, equal lengths with other tokens, a body that
    is the start of another."""
    monkeypatch.setattr(score_mod, "_DOT_PAIRS", 2)
    texts = [
        "",
        "",
        "The port strike ended.",
        "The port strike ended.",
        "The port strike began.",
        "The port strike ended. Talks resume.",
        "the PORT strike, ended!",
        "Über café naïve",
        "über café naïve",
    ]
    table = TokenTable.from_texts(texts)
    lists = [tokenize(t) for t in texts]
    pairs = _all_pairs(len(texts))
    want = [
        bool(lists[i]) and body_digest(lists[i]) == body_digest(lists[j]) for i, j in pairs.tolist()
    ]
    for tokens in (table, lists):
        got = _same_bodies(tokens, pairs[:, 0], pairs[:, 1])
        assert got.tolist() == want
    assert sum(want) == 3 + 1  # rows 2, 3 and 6 (one body written three ways); 7 and 8


@pytest.mark.parametrize("seed", range(3))
def test_figures_of_joined_sentences_equal_sentence_by_sentence(seed: int) -> None:
    """Figures at the edges of sentences ("4," ending one, "5" opening the next, a lone
    fraction) are not joined across them."""
    rng = np.random.default_rng(seed)
    marks = ["", ",", ".", "-", "/", ":", " ", "-3/4", "1/2"]
    for _ in range(200):
        sents = [
            "".join(rng.choice([*FIGS, *marks, "4", "5", "a"], int(rng.integers(0, 6))).tolist())
            for _ in range(int(rng.integers(0, 5)))
        ]
        assert figures(sents) == reference_figures(sents), sents
    assert figures(["Rates rose to 4,", "5 pct from 7-", "3/4."]) == {"4", "5", "7", "3/4"}


def test_decide_relations_equal_the_per_pair_rule() -> None:
    """Every combination of flags and scores on and around the bars, NaN included (taken
    as Python's ``max`` and ``min`` take it)."""
    cfg = CFG
    values = [0.0, 0.1, cfg.rewrite_coverage, cfg.retell_coverage, 0.6, 0.8, 1.0, math.nan]
    rng = np.random.default_rng(0)
    keys = (*PAIR_COLUMNS[4:], "reused_a_in_b", "reused_b_in_a")  # the scores a rule reads
    rows = [{k: float(rng.choice(values)) for k in keys} for _ in range(3000)]
    flags = list(itertools.product([False, True], [False, True], [False, True], ["", "a", "b"]))
    cases = [(row, *flags[n % len(flags)], [5, 25, 100][n % 3]) for n, row in enumerate(rows)]
    want = [
        reference_decide_relation(row, same, short, cfg, words, other, later)
        for row, same, short, other, later, words in cases
    ]
    got = decide_relations(
        {k: np.array([c[0][k] for c in cases]) for k in keys},
        np.array([c[1] for c in cases]),
        np.array([c[2] for c in cases]),
        cfg,
        np.array([c[5] for c in cases]),
        np.array([c[3] for c in cases]),
        np.array([{"": 0, "a": 1, "b": 2}[c[4]] for c in cases], dtype=np.int8),
    )
    assert got.tolist() == want
    assert set(want) == {"", "exact", "near_copy", "partial_copy", "rewrite", "related"}
    one = [
        decide_relation(row, same, short, cfg, w, other, later)
        for row, same, short, other, later, w in cases[:300]
    ]
    assert one == want[:300]
    # without the reused coverage the coverage stands in for it
    plain = {k: v for k, v in rows[0].items() if not k.startswith("reused")}
    assert decide_relation(plain, False, False, cfg, 100) == reference_decide_relation(
        plain, False, False, cfg, 100
    )


def _figure(rng: np.random.Generator) -> str:
    return str(rng.integers(1, 500)) + ("" if rng.random() < 0.5 else f".{rng.integers(1, 10)}")


def _sentence(rng: np.random.Generator, name: str) -> str:
    words = rng.choice([*WORDS, *FIGS, "", ""], int(rng.integers(3, 12))).tolist()
    words = [w or _figure(rng) for w in words]
    if rng.random() < 0.6:  # the article's subject inside the sentence
        words.insert(int(rng.integers(1, len(words))), name)
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _corpus(rng: np.random.Generator, n: int) -> tuple[list[list[str]], list[str]]:
    """Articles about one name each, many copies and edits of others (some with other
    figures, or the one template about another name), some short or empty; titles naming
    the subject or others, upper-cased or blank."""
    arts: list[list[str]] = []
    titles: list[str] = []
    subjects: list[str] = []
    for k in range(n):
        subject = str(rng.choice(NAMES))
        if k and rng.random() < 0.6:
            base = int(rng.integers(0, k))
            keep = 0.9 if rng.random() < 0.5 else 1.0  # an edit or a whole copy
            sents = [s for s in arts[base] if rng.random() < keep]
            if rng.random() < 0.2:  # other figures in the same wording
                sents = [
                    " ".join(_figure(rng) if w[0].isdigit() else w for w in s.split())
                    for s in sents
                ]
            if rng.random() < 0.3:  # the template filled in for another subject
                sents = [x.replace(subjects[base], subject) for x in sents]
                title = f"{subject} sets dividend".upper()
            else:
                subject = subjects[base]
                title = titles[base] if rng.random() < 0.5 else ""
            if rng.random() < 0.2:
                sents.append(_sentence(rng, subject))
            elif sents and rng.random() < 0.3:  # one word more: a near copy
                sents[-1] += " Port"
        elif rng.random() < 0.05:
            sents, title = [], ""
        else:
            sents = [_sentence(rng, subject) for _ in range(int(rng.integers(1, 10)))]
            title = ""
        if not title and rng.random() < 0.8:
            title = " ".join(
                rng.choice([subject, *NAMES, *WORDS], int(rng.integers(1, 5))).tolist()
            )
            title = title.upper() if rng.random() < 0.5 else title
        arts.append(sents)
        titles.append(title)
        subjects.append(subject)
    return arts, titles


def _inputs(seed: int, n: int) -> tuple[ScoringInputs, np.ndarray]:
    rng = np.random.default_rng(seed)
    arts, titles = _corpus(rng, n)
    tokens = [tokenize(" ".join(s)) for s in arts]
    times = rng.integers(0, 8, size=n).astype(np.float64) * 3600.0 * 20
    times[rng.random(n) < 0.15] = np.nan
    inputs = ScoringInputs(
        ids=[str(i) for i in range(n)],
        tokens=tokens,
        sentences=arts,
        titles=titles,
        signatures=minhash_signatures(tokens, MinHashParams()),
        tfidf=build_tfidf(tokens, 1.0),
        shingle_size=3,
        times=times,
    )
    pairs = _all_pairs(n)
    return inputs, pairs[rng.random(len(pairs)) < 0.5]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("table", [False, True])
def test_pair_relations_equal_the_per_pair_relation(seed: int, table: bool) -> None:
    """Titles (blank, naming others), figures, short bodies, unknown and far-apart times,
    and a config under which the title and figure checks decide more pairs."""
    inputs, pairs = _inputs(seed, 50)
    if table:
        inputs = dataclasses.replace(
            inputs, tokens=TokenTable.from_texts(" ".join(s) for s in inputs.sentences)
        )
    rng = np.random.default_rng(seed)
    seen: set[str] = set()
    for cfg in (
        CFG,
        dataclasses.replace(
            CFG, short_body_words=200, rewrite_coverage=0.0, figure_min=2, version_days=1.0
        ),
        # figures told apart only under different titles
        dataclasses.replace(CFG, figure_min=1000, title_figure_min=2, short_title_jaccard=0.3),
    ):
        facts = article_facts(inputs, np.unique(pairs))
        rows = [
            {
                **shingle_overlap(facts.sets[i], facts.sets[j]),
                "tfidf_cosine": float(rng.random()),
                "coverage_a_in_b": float(rng.random()),
                "coverage_b_in_a": float(rng.random()),
                "reused_a_in_b": float(rng.random()),
                "reused_b_in_a": float(rng.random()),
            }
            for i, j in pairs.tolist()
        ]
        want = [
            pair_relation(inputs, facts, i, j, row, cfg)
            for (i, j), row in zip(pairs.tolist(), rows, strict=True)
        ]
        scores = {k: np.array([r[k] for r in rows]) for k in rows[0]}
        got = pair_relations(dataclasses.replace(inputs, title_names=None), pairs, scores, cfg)
        assert got.tolist() == want
        seen |= set(want)
    assert seen == {"", "exact", "near_copy", "partial_copy", "rewrite", "related"}


@pytest.mark.parametrize("seed", range(2))
def test_scorer_with_titles_and_times_equals_per_pair_reference(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole table (values and types), hits and order, with titles and unknown times."""
    monkeypatch.setattr(score_mod, "_DOT_PAIRS", 5)
    inputs, pairs = _inputs(10 + seed, 40)
    for keep in (True, False):
        new = score_pairs(pairs, inputs, CFG, keep_unrelated=keep)
        ref = reference_score_pairs(pairs, inputs, CFG, keep_unrelated=keep)
        assert new.table.equals(ref.table)
        assert list(new.table.dtypes) == list(ref.table.dtypes)
        assert list(new.hits.items()) == list(ref.hits.items())
    assert set(new.table["relation"]) > {"exact", "related"}


@pytest.mark.parametrize("table", [False, True])
def test_shingle_overlaps_a_group_of_connected_rows_at_a_time(
    table: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pairs in several connected groups, the shingle sets made a few groups at a time:
    the same table as the per-pair reference, with more than one set matrix built, and
    each row's set made once."""
    inputs, pairs = _inputs(21, 60)
    if table:
        inputs = dataclasses.replace(
            inputs, tokens=TokenTable.from_texts(" ".join(s) for s in inputs.sentences)
        )
    pairs = pairs[pairs[:, 0] // 12 == pairs[:, 1] // 12]  # five groups of 12 rows
    builds: list[int] = []
    real = score_mod._ShingleRows.build

    def counted(slices: Any, capacity: int) -> Any:
        out = real(slices, capacity)
        builds.append(out.matrix.shape[0])
        return out

    monkeypatch.setattr(score_mod._ShingleRows, "build", counted)
    monkeypatch.setattr(score_mod, "_OVERLAP_SHINGLES", 400)
    got = score_pairs(pairs, inputs, CFG, keep_unrelated=True)
    assert len(builds) > 1
    assert sum(builds) == np.unique(pairs).size
    want = reference_score_pairs(pairs, inputs, CFG, keep_unrelated=True)
    assert got.table.equals(want.table)
    assert (got.table["jaccard"] > 0).any() and (got.table["jaccard"] < 1).any()


def test_scorer_keeping_no_pair_gives_the_empty_table() -> None:
    sentences = [["Port talks."], ["Court ruling."], [], []]
    tokens = [tokenize(" ".join(x)) for x in sentences]
    inputs = ScoringInputs(
        ids=["a", "b", "c", "d"],
        tokens=tokens,
        sentences=sentences,
        titles=["", "", "", ""],
        signatures=minhash_signatures(tokens, MinHashParams()),
        tfidf=build_tfidf(tokens, 1.0),
        shingle_size=3,
    )
    pairs = np.array([[0, 1], [2, 3]])
    new = score_pairs(pairs, inputs, CFG)
    ref = reference_score_pairs(pairs, inputs, CFG)
    assert new.table.empty and new.table.equals(ref.table)
    assert list(new.table.columns) == list(ref.table.columns)
    assert list(new.table.dtypes) == list(ref.table.dtypes)
    assert score_pairs(pairs, inputs, CFG, keep_unrelated=True).table["relation"].tolist() == [
        "unrelated",
        "unrelated",
    ]


def test_shingle_overlaps_of_hashes_that_share_their_high_bits() -> None:
    """Hashes that differ only in their two low bits (one matrix column): equal hashes
    counted, unequal not; a set holding two of one column (kept aside) against the others,
    and such hashes at the edge of two neighbouring sets (not a clash)."""
    top = np.uint64(0xFFFFFFFFFFFFFFFC)
    raw = [
        [4, 5],  # one column twice: kept aside
        [5, 9],
        [4],
        [5],
        [],
        [int(top), int(top) + 3],  # the last column, twice
        [int(top) + 3],
        [6, 8, 13],
        [7, 12, 13],  # 12 and 13: one column
    ]
    sets = [np.array(s, dtype=np.uint64) for s in raw]
    pairs = _all_pairs(len(sets))
    got = shingle_overlaps(sets, pairs[:, 0], pairs[:, 1])
    for n, (i, j) in enumerate(pairs.tolist()):
        for key, value in shingle_overlap(sets[i], sets[j]).items():
            assert got[key][n] == value, (key, i, j)
    rows = score_mod._ShingleRows.build([sets[:4], sets[4:]], sum(map(len, sets)))
    assert sorted(rows.odd) == [0, 5, 8]
    for r, s in enumerate(sets):
        assert rows.row_set(r).tolist() == s.tolist()


@pytest.mark.parametrize("step", [1, 3, 4096])
def test_shared_figures_equal_the_sets(step: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each pair's figure counts and shared figures (rows numbered a slice at a time, pairs
    counted a slice at a time) equal those of the two texts' figure sets."""
    monkeypatch.setattr(score_mod, "_NAME_ROWS", step)
    monkeypatch.setattr(score_mod, "_DOT_PAIRS", max(step, 2))
    rng = np.random.default_rng(step)
    pool = ["4,200", "1.5", "7-3/4", "19-20", "0.25", *map(str, range(30)), "rose", "fell"]
    texts = [
        [" ".join(rng.choice(pool, int(rng.integers(0, 5))).tolist()) for _ in range(2)]
        for _ in range(30)
    ]
    pairs = _all_pairs(30)
    pairs = pairs[rng.random(len(pairs)) < 0.4]
    na, nb, shared = score_mod._shared_figures(texts, pairs)
    sets = [figures(t) for t in texts]
    assert na.tolist() == [len(sets[i]) for i, _ in pairs.tolist()]
    assert nb.tolist() == [len(sets[j]) for _, j in pairs.tolist()]
    assert shared.tolist() == [len(sets[i] & sets[j]) for i, j in pairs.tolist()]
    assert shared.max() >= 2 and (shared == 0).any()
