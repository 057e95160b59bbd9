"""The analysts' exploration helpers, on the tiny invented fixture."""

from pathlib import Path

import pandas as pd
import pytest

from dedup import explore as ex
from dedup.cli import main
from dedup.score import align_sentences
from dedup.textnorm import split_sentences
from tests.conftest import OTHER, REWRITE, WIRE


@pytest.fixture
def run_dir(tiny_csv: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    assert main(["run", str(tiny_csv), "--out", str(out), "--no-progress"]) == 0
    return out


def test_load_run_types(run_dir: Path) -> None:
    run = ex.load_run(run_dir)
    assert set(run.articles["id"]) == {"w1", "w2", "r1", "o1"}
    assert run.clusters["is_canonical"].dtype == bool
    assert pd.api.types.is_float_dtype(run.pairs["jaccard"])
    assert run.rejects.empty
    assert run.manifest["counts"]["accepted"] == 4


def test_biggest_cluster_and_its_versions(run_dir: Path) -> None:
    run = ex.load_run(run_dir)
    top = ex.biggest_clusters(run, 1).iloc[0]
    assert top["size"] == 3
    assert top["canonical_id"] == "w1"  # earliest published
    versions = ex.cluster_versions(run, top["cluster_id"])
    assert versions["id"].tolist() == ["w1", "w2", "r1"]  # oldest first
    by_id = versions.set_index("id")
    assert by_id.loc["w1", "relation_to_canonical"] == "canonical"
    assert pd.isna(by_id.loc["w1", "jaccard"])
    assert by_id.loc["r1", "relation_to_canonical"] == "rewrite"
    # the copy with a share button is entirely contained in the wire text
    assert by_id.loc["w2", "coverage_in_other"] == pytest.approx(1.0, abs=0.05)
    with pytest.raises(KeyError):
        ex.cluster_versions(run, "no-such-cluster")


def test_republishers_counts_versions_by_outlet(run_dir: Path) -> None:
    table = ex.republishers(ex.load_run(run_dir))
    assert table.loc["wire", "site-a"] == 1
    assert table.loc["wire", "site-b"] == 1
    assert "site-c" not in table.columns  # a singleton republishes nobody


def test_overlap_scores_long_form(run_dir: Path) -> None:
    run = ex.load_run(run_dir)
    long = ex.overlap_scores(run, relations=["rewrite"])
    assert set(long["relation"]) == {"rewrite"}
    assert len(long) == (run.pairs["relation"] == "rewrite").sum() * len(ex.SCORE_COLUMNS)


def test_align_sentences_kinds() -> None:
    a = split_sentences(WIRE)
    b = split_sentences(WIRE.replace("nine container vessels", "several ships") + "\n" + OTHER)
    al_a, al_b = align_sentences(a, b)
    assert [x.kind for x in al_a] == ["verbatim"] * 4 + ["reworded", "verbatim"]
    assert [x.match for x in al_a] == [0, 1, 2, 3, 4, 5]
    assert [x.kind for x in al_b[-3:]] == ["only"] * 3
    assert all(x.match == -1 for x in al_b[-3:])


def test_align_sentences_numbers_must_agree() -> None:
    a = ["The union said 4,200 members joined the strike on Monday."]
    b = ["The union said 1,900 members joined the strike on Monday."]
    assert align_sentences(a, b)[0][0].kind == "only"
    assert align_sentences(a, a)[0][0].kind == "verbatim"


def test_align_split_sentence_matches_two() -> None:
    a = ["The port authority said it would seek an injunction and called the walkout unlawful."]
    b = ["The port authority said it would seek an injunction.", "It called the walkout unlawful."]
    (m,), _ = align_sentences(a, b)
    assert (m.match, m.match_span, m.kind) == (0, 2, "reworded")  # "and" became "It"
    c = ["The port authority said it would seek an injunction;", "it called the walkout unlawful."]
    d = ["The port authority said it would seek an injunction; it called the walkout unlawful."]
    (m,), _ = align_sentences(d, c)
    assert (m.match, m.match_span, m.kind) == (0, 2, "verbatim")


def test_align_empty_side() -> None:
    al_a, al_b = align_sentences(["One sentence here."], [])
    assert [x.kind for x in al_a] == ["only"] and al_b == []


def test_compare_versions_added_and_cut() -> None:
    a = split_sentences(WIRE)
    b = [*split_sentences(REWRITE)[:3], "A brand new closing line about ferries and fog."]
    comp = ex.compare_versions(a, b)
    assert "A brand new closing line about ferries and fog." in comp.added
    assert any("Elsby" in s for s in comp.cut)
    summary = comp.summary().set_index(["side", "kind"])
    assert summary["sentences"].groupby("side").sum().to_dict() == {"a": len(a), "b": len(b)}


def test_load_texts_matches_run(tiny_csv: Path) -> None:
    texts = ex.load_texts([tiny_csv])
    assert len(texts) == 4
    assert "Okonkwo" in texts.loc["w1", "body"]
    assert any("Elsby" in s for s in texts.loc["r1", "sentences"])


def test_truth_pairs_from_clusters_and_labelled_pairs() -> None:
    clusters = pd.DataFrame({"id": ["a", "b", "c", "d"], "cluster": ["x", "x", "x", "y"]})
    assert ex.truth_pairs(clusters) == {("a", "b"), ("a", "c"), ("b", "c")}
    labelled = pd.DataFrame(
        {"id1": ["b", "c", "a"], "id2": ["a", "d", "d"], "label": ["1", "0", "duplicate"]}
    )
    assert ex.truth_pairs(labelled) == {("a", "b"), ("a", "d")}


def test_threshold_sweep_hand_computed() -> None:
    zeros = dict.fromkeys(ex.SCORE_COLUMNS, 0.0)
    pairs = pd.DataFrame(
        [
            {"id_a": "a", "id_b": "b", "relation": "near_copy", **zeros, "coverage_a_in_b": 0.9},
            {"id_a": "a", "id_b": "c", "relation": "rewrite", **zeros, "coverage_b_in_a": 0.6},
            {"id_a": "b", "id_b": "d", "relation": "related", **zeros, "containment_a_in_b": 0.4},
        ]
    )
    positives = {("a", "b"), ("a", "c"), ("c", "e")}
    sweep = ex.threshold_sweep(pairs, positives, [0.3, 0.5, 0.8]).set_index("threshold")
    # 0.3: calls all three, 2 right; 3 positives (c-e never scored)
    assert sweep.loc[0.3, ["tp", "fp", "fn"]].tolist() == [2, 1, 1]
    assert sweep.loc[0.3, "precision"] == pytest.approx(2 / 3)
    assert sweep.loc[0.5, "precision"] == 1.0
    assert sweep.loc[0.5, "recall"] == pytest.approx(2 / 3)
    assert sweep.loc[0.8, "recall"] == pytest.approx(1 / 3)
    # restricted to the articles of the run, c-e is not a positive to find
    inside = ex.threshold_sweep(pairs, positives, [0.5], ids=["a", "b", "c", "d"])
    assert inside.loc[0, "recall"] == 1.0
    assert ex.best_threshold(sweep.reset_index())["threshold"] == 0.5
