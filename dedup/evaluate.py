"""Evaluation: compare predicted story clusters with labelled clusters or labelled pairs.

Pure functions over in-memory tables; the CLI reads the truth file and prints the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from dedup.cluster import UnionFind
from dedup.errors import InputError
from dedup.score import VERSION_RELATIONS

_TRUE_WORDS = frozenset({"true", "yes", "y", "duplicate", "dup", "same", "version", "positive"})


def positive_labels(labels: pd.Series) -> np.ndarray:
    """Which pair labels mean "same story": a number above 0 (``1``, or graded labels such as
    ``2`` for a stronger match) or a yes-word (``true``, ``yes``, ``duplicate``, ``same``,
    ...); ``0``, negative numbers and any other word mean different."""
    text = labels.astype(str).str.strip().str.lower()
    numbers = pd.to_numeric(text, errors="coerce")
    positive: np.ndarray = ((numbers > 0) | (numbers.isna() & text.isin(_TRUE_WORDS))).to_numpy(
        dtype=bool
    )
    return positive


@dataclass
class Evaluation:
    """Scores of one run against the truth, and the worst errors for a person to read."""

    metrics: dict[str, Any]
    false_merges: pd.DataFrame = field(default_factory=pd.DataFrame)
    misses: pd.DataFrame = field(default_factory=pd.DataFrame)


def _pairs_count(sizes: pd.Series | np.ndarray) -> int:
    s = np.asarray(sizes, dtype=np.int64)
    return int((s * (s - 1) // 2).sum())


def cluster_metrics(pred: pd.Series, true: pd.Series) -> dict[str, float | int]:
    """Pairwise precision/recall/F1 over same-cluster pairs, ARI and B-cubed P/R/F1.

    ``pred`` and ``true`` are cluster labels indexed by the same article ids.
    """
    df = pd.DataFrame({"p": pred.astype(str), "t": true.astype(str)})
    n_pred = _pairs_count(df.groupby("p").size())
    n_true = _pairs_count(df.groupby("t").size())
    tp = _pairs_count(df.groupby(["p", "t"]).size())
    precision = tp / n_pred if n_pred else 1.0
    recall = tp / n_true if n_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    # B-cubed: per article, the share of its predicted cluster that is truly its own, etc.
    cell = df.groupby(["p", "t"])["p"].transform("size")
    psize = df.groupby("p")["p"].transform("size")
    tsize = df.groupby("t")["t"].transform("size")
    b_p = float((cell / psize).mean()) if len(df) else 1.0
    b_r = float((cell / tsize).mean()) if len(df) else 1.0
    b_f = 2 * b_p * b_r / (b_p + b_r) if b_p + b_r else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "ari": float(adjusted_rand_score(df["t"], df["p"])) if len(df) else 1.0,
        "bcubed_precision": b_p,
        "bcubed_recall": b_r,
        "bcubed_f1": b_f,
        "n_articles": len(df),
        "n_pred_pairs": n_pred,
        "n_true_pairs": n_true,
        "n_true_positive_pairs": tp,
        "n_pred_clusters": int(df["p"].nunique()),
        "n_true_clusters": int(df["t"].nunique()),
    }


def read_truth(df: pd.DataFrame, source: str = "truth") -> tuple[str, pd.DataFrame]:
    """Recognise a truth table: ``("clusters", id/cluster)`` or ``("pairs", id1/id2/label)``."""
    cols = {c.lower(): c for c in df.columns}
    if "id" in cols and "cluster" in cols:
        out = df[[cols["id"], cols["cluster"]]].astype(str)
        out.columns = ["id", "cluster"]
        return "clusters", out.drop_duplicates("id")
    if {"id1", "id2", "label"} <= set(cols):
        out = df[[cols["id1"], cols["id2"], cols["label"]]].astype(str)
        out.columns = ["id1", "id2", "label"]
        return "pairs", out
    raise InputError(
        f"{source}: a truth file needs columns 'id, cluster' (labelled clusters) or "
        f"'id1, id2, label' (labelled pairs); got {', '.join(map(str, df.columns))}"
    )


def _snippet(text: str, n: int = 12) -> str:
    return " ".join(str(text).split()[:n])


def evaluate_clusters(
    clusters: pd.DataFrame,
    pairs: pd.DataFrame,
    articles: pd.DataFrame,
    truth: pd.DataFrame,
    worst: int = 10,
) -> Evaluation:
    """Score ``clusters.csv``-shaped predictions against ``id, cluster`` truth labels."""
    pred = clusters.set_index("id")["cluster_id"]
    true = truth.set_index("id")["cluster"]
    common = pred.index.intersection(true.index)
    metrics = cluster_metrics(pred.loc[common], true.loc[common])
    metrics["n_truth_ids_missing"] = len(true.index.difference(pred.index))
    body = (
        articles.set_index("id")["body"] if "body" in articles else articles.set_index("id")["text"]
    )
    tmap, pmap = true.to_dict(), pred.to_dict()

    def describe(rows: list[dict[str, Any]]) -> pd.DataFrame:
        for r in rows:
            r["text_a"] = _snippet(body.get(r["id_a"], ""))
            r["text_b"] = _snippet(body.get(r["id_b"], ""))
        return pd.DataFrame(rows)

    scored = pairs.set_index(["id_a", "id_b"])
    fm: list[dict[str, Any]] = []
    for rec in pairs.itertuples(index=False):
        a, b = rec.id_a, rec.id_b
        same_pred = a in tmap and b in tmap and pmap.get(a) == pmap.get(b)
        if same_pred and tmap[a] != tmap[b] and rec.relation in VERSION_RELATIONS:
            fm.append({**rec._asdict()})
    fm.sort(key=lambda r: -max(r["coverage_a_in_b"], r["coverage_b_in_a"], r["jaccard"]))
    misses: list[dict[str, Any]] = []
    by_true: dict[str, list[str]] = {}
    for i in common:
        by_true.setdefault(tmap[i], []).append(i)
    for members in by_true.values():
        members = sorted(members)
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                a, b = members[x], members[y]
                if pmap[a] != pmap[b]:
                    if (a, b) in scored.index:
                        rec = scored.loc[(a, b)]
                        misses.append({"id_a": a, "id_b": b, **rec.to_dict()})
                    else:
                        misses.append({"id_a": a, "id_b": b, "relation": "not scored"})
    misses.sort(
        key=lambda r: (
            r["relation"] == "not scored",
            -max(r.get("coverage_a_in_b", 0), r.get("coverage_b_in_a", 0)),
        )
    )
    return Evaluation(metrics, describe(fm[:worst]), describe(misses[:worst]))


def evaluate_pairs(
    clusters: pd.DataFrame,
    truth: pd.DataFrame,
    pairs: pd.DataFrame | None = None,
    articles: pd.DataFrame | None = None,
    worst: int = 10,
) -> Evaluation:
    """Pair-level precision, recall and F1 against ``id1, id2, label`` truth (labels read by
    :func:`positive_labels`): a pair is predicted positive when both articles share a
    predicted cluster. ``ari`` compares the predicted clusters with the connected groups of
    the positive pairs, over the articles the labelled pairs name. With ``pairs`` and
    ``articles`` (the run's tables) the worst errors are listed: negative pairs put in one
    cluster, positive pairs kept apart, with their scores when the pair was scored."""
    pmap = clusters.set_index("id")["cluster_id"].to_dict()
    present = truth["id1"].isin(pmap) & truth["id2"].isin(pmap)
    table = truth[present.to_numpy()]
    positive = positive_labels(table["label"])
    id1 = table["id1"].astype(str).tolist()
    id2 = table["id2"].astype(str).tolist()
    predicted = np.array([pmap[a] == pmap[b] for a, b in zip(id1, id2, strict=True)], dtype=bool)
    tp = int((predicted & positive).sum())
    fp = int((predicted & ~positive).sum())
    fn = int((~predicted & positive).sum())
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    named = sorted(set(id1) | set(id2))
    at = {i: k for k, i in enumerate(named)}
    groups = UnionFind(len(named))  # the connected groups of the positive pairs
    for a, b, p in zip(id1, id2, positive, strict=True):
        if p:
            groups.union(at[a], at[b])
    ari = (
        float(adjusted_rand_score(groups.labels(), [str(pmap[i]) for i in named])) if named else 1.0
    )
    metrics: dict[str, Any] = {
        "pair_precision": precision,
        "pair_recall": recall,
        "pair_f1": f1,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "ari": ari,
        "n_labelled_pairs": len(table),
        "n_labelled_pairs_missing": int((~present).sum()),
        "n_pred_pairs": tp + fp,
        "n_true_pairs": tp + fn,
    }
    if pairs is None or articles is None:
        return Evaluation(metrics)
    scored = {(r["id_a"], r["id_b"]): r for r in pairs.to_dict("records")}
    text = articles.set_index("id")["body" if "body" in articles else "text"]

    def rows(mask: np.ndarray) -> pd.DataFrame:
        out = []
        for k in np.flatnonzero(mask):
            a, b = sorted((id1[k], id2[k]))
            rec = scored.get((a, b), {"id_a": a, "id_b": b, "relation": "not scored"})
            out.append(
                {
                    **rec,
                    "text_a": _snippet(text.get(a, "")),
                    "text_b": _snippet(text.get(b, "")),
                }
            )
        out.sort(
            key=lambda r: (
                r["relation"] == "not scored",
                -max(r.get("coverage_a_in_b", 0.0), r.get("coverage_b_in_a", 0.0)),
                r["id_a"],
                r["id_b"],
            )
        )
        return pd.DataFrame(out[:worst])

    return Evaluation(metrics, rows(predicted & ~positive), rows(~predicted & positive))
