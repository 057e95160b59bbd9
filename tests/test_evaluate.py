import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from dedup.errors import InputError
from dedup.evaluate import cluster_metrics, evaluate_pairs, positive_labels, read_truth


def test_perfect_clusters() -> None:
    ids = ["a", "b", "c", "d"]
    pred = pd.Series(["x", "x", "y", "z"], index=ids)
    true = pd.Series(["1", "1", "2", "3"], index=ids)
    m = cluster_metrics(pred, true)
    assert m["precision"] == m["recall"] == m["f1"] == pytest.approx(1.0)
    assert m["ari"] == pytest.approx(1.0)
    assert m["n_true_pairs"] == 1


def test_false_merge_lowers_precision_only() -> None:
    ids = ["a", "b", "c", "d"]
    pred = pd.Series(["x", "x", "x", "z"], index=ids)
    true = pd.Series(["1", "1", "2", "3"], index=ids)
    m = cluster_metrics(pred, true)
    assert m["precision"] == pytest.approx(1 / 3)
    assert m["recall"] == pytest.approx(1.0)
    assert m["bcubed_precision"] < 1.0
    assert m["bcubed_recall"] == pytest.approx(1.0)


def test_labelled_pairs() -> None:
    clusters = pd.DataFrame({"id": ["a", "b", "c"], "cluster_id": ["x", "x", "y"]})
    truth = pd.DataFrame({"id1": ["a", "a", "b"], "id2": ["b", "c", "c"], "label": ["1", "1", "0"]})
    m = evaluate_pairs(clusters, truth).metrics
    assert m["pair_precision"] == pytest.approx(1.0)
    assert m["pair_recall"] == pytest.approx(0.5)


def test_pair_labels_graded_numbers_and_words() -> None:
    labels = pd.Series(["2", "1", "0", "-1", " Yes ", "duplicate", "no", "related", "0.5", ""])
    assert positive_labels(labels).tolist() == [
        True,
        True,
        False,
        False,
        True,
        True,
        False,
        False,
        True,
        False,
    ]


def test_labelled_pairs_graded_ari_and_errors() -> None:
    # graded labels (2 = wholly, 1 = partly derived, 0 = not): 2 and 1 are both positive
    clusters = pd.DataFrame(
        {"id": ["w", "n1", "n2", "n3", "z"], "cluster_id": ["x", "x", "y", "x", "z"]}
    )
    truth = pd.DataFrame(
        {
            "id1": ["n1", "n2", "n3", "q"],
            "id2": ["w", "w", "w", "w"],
            "label": ["2", "1", "0", "2"],
        }
    )
    articles = pd.DataFrame(
        {"id": ["w", "n1", "n2", "n3", "z"], "text": ["wire copy", "a", "b", "c", "d"]}
    )
    pairs = pd.DataFrame(
        {
            "id_a": ["n1", "n3"],
            "id_b": ["w", "w"],
            "relation": ["exact", "rewrite"],
            "coverage_a_in_b": [1.0, 0.4],
            "coverage_b_in_a": [1.0, 0.3],
        }
    )
    ev = evaluate_pairs(clusters, truth, pairs, articles)
    m = ev.metrics
    assert m["n_labelled_pairs_missing"] == 1  # q is not in the run
    assert (m["n_true_pairs"], m["n_pred_pairs"]) == (2, 2)
    assert m["precision"] == pytest.approx(0.5) and m["recall"] == pytest.approx(0.5)
    # truth groups {w, n1, n2} and {n3}; predicted {w, n1, n3} and {n2}
    assert m["ari"] == pytest.approx(
        adjusted_rand_score(["w", "w", "w", "n3"], ["x", "x", "y", "x"])
    )
    assert ev.false_merges[["id_a", "id_b", "relation"]].values.tolist() == [["n3", "w", "rewrite"]]
    assert ev.misses[["id_a", "id_b", "relation"]].values.tolist() == [["n2", "w", "not scored"]]
    assert ev.false_merges["text_b"].tolist() == ["wire copy"]


def test_truth_shape_is_checked() -> None:
    assert read_truth(pd.DataFrame({"id": ["a"], "cluster": ["1"]}))[0] == "clusters"
    assert read_truth(pd.DataFrame({"id1": ["a"], "id2": ["b"], "label": ["1"]}))[0] == "pairs"
    with pytest.raises(InputError, match="needs columns 'id, cluster'"):
        read_truth(pd.DataFrame({"x": [1]}))
