import pandas as pd
import pytest

from dedup.errors import InputError
from dedup.evaluate import cluster_metrics, evaluate_pairs, read_truth


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
    m = evaluate_pairs(clusters, truth)
    assert m["pair_precision"] == pytest.approx(1.0)
    assert m["pair_recall"] == pytest.approx(0.5)


def test_truth_shape_is_checked() -> None:
    assert read_truth(pd.DataFrame({"id": ["a"], "cluster": ["1"]}))[0] == "clusters"
    assert read_truth(pd.DataFrame({"id1": ["a"], "id2": ["b"], "label": ["1"]}))[0] == "pairs"
    with pytest.raises(InputError, match="needs columns 'id, cluster'"):
        read_truth(pd.DataFrame({"x": [1]}))
