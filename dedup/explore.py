"""Exploration helpers for analysts (notebooks call these and define nothing reusable).

* :func:`load_run` reads a run's output folder into DataFrames;
* :func:`biggest_clusters`, :func:`cluster_versions`, :func:`republishers`,
  :func:`overlap_scores` are the views analysts would otherwise build by hand;
* :func:`load_texts` reads the run's input again and cleans it exactly as the run did, so
  :func:`compare_versions` can show which sentences two versions share verbatim, which are
  reworded and which are only in one (added or cut);
* :func:`truth_pairs` and :func:`threshold_sweep` give precision and recall of a score
  against labelled clusters or pairs at a range of thresholds.

Like :mod:`dedup.ingest`, this module reads files (a run's CSV reports); it writes none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dedup.clean import clean_frame
from dedup.config import Config
from dedup.evaluate import positive_labels, read_truth
from dedup.ingest import read_articles
from dedup.score import PAIR_COLUMNS, align_sentences
from dedup.textnorm import count_words

#: The overlap scores of ``pairs.csv``.
SCORE_COLUMNS = PAIR_COLUMNS[3:]


@dataclass
class Run:
    """A run's reports as DataFrames (ids and free text as strings)."""

    articles: pd.DataFrame
    pairs: pd.DataFrame
    clusters: pd.DataFrame
    rejects: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)


def _read(path: Path, numeric: Iterable[str] = ()) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in numeric:
        if col in df.columns:
            df[col] = pd.to_numeric(df[col])
    return df


def load_run(out_dir: str | Path) -> Run:
    """Read ``articles.csv``, ``pairs.csv``, ``clusters.csv``, ``rejects.csv`` (empty when
    absent) and ``run.json`` from a run's output folder."""
    out = Path(out_dir)
    clusters = _read(out / "clusters.csv", ["size", "similarity_to_canonical"])
    clusters["is_canonical"] = clusters["is_canonical"] == "true"
    rejects_path = out / "rejects.csv"
    manifest_path = out / "run.json"
    return Run(
        articles=_read(out / "articles.csv", ["n_words", "n_boilerplate_lines"]),
        pairs=_read(out / "pairs.csv", SCORE_COLUMNS),
        clusters=clusters,
        rejects=_read(rejects_path)
        if rejects_path.exists()
        else pd.DataFrame(columns=["file", "row", "id", "reason"]),
        manifest=json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest_path.exists()
        else {},
    )


def _canonicals(run: Run) -> pd.DataFrame:
    canon = run.clusters[run.clusters["is_canonical"]][["cluster_id", "id"]]
    return canon.rename(columns={"id": "canonical_id"})


def biggest_clusters(run: Run, n: int = 10) -> pd.DataFrame:
    """The ``n`` clusters with the most versions: size, number of outlets, first and last
    publication, and the canonical version's id, source and title."""
    members = run.clusters.merge(
        run.articles[["id", "source", "published_at", "title"]], on="id", how="left"
    )
    agg = members.groupby("cluster_id").agg(
        size=("id", "size"),
        n_sources=("source", "nunique"),
        first_published=("published_at", "min"),
        last_published=("published_at", "max"),
    )
    canon = _canonicals(run).merge(
        run.articles[["id", "source", "title"]], left_on="canonical_id", right_on="id"
    )
    canon = canon.drop(columns="id").set_index("cluster_id")
    out = agg.join(canon[["canonical_id", "source", "title"]]).reset_index()
    out = out.rename(columns={"source": "canonical_source", "title": "canonical_title"})
    out = out.sort_values(["size", "cluster_id"], ascending=[False, True], kind="stable")
    return out.head(n).reset_index(drop=True)


def _oriented_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """Every pair twice, as (id, other) with the scores seen from ``id``."""
    a = pairs.rename(columns={"id_a": "id", "id_b": "other"})
    b = pairs.rename(
        columns={
            "id_b": "id",
            "id_a": "other",
            "containment_a_in_b": "containment_b_in_a",
            "containment_b_in_a": "containment_a_in_b",
            "coverage_a_in_b": "coverage_b_in_a",
            "coverage_b_in_a": "coverage_a_in_b",
        }
    )
    both = pd.concat([a, b[a.columns]], ignore_index=True)
    return both.rename(
        columns={
            "containment_a_in_b": "containment_in_other",
            "containment_b_in_a": "containment_of_other",
            "coverage_a_in_b": "coverage_in_other",
            "coverage_b_in_a": "coverage_of_other",
        }
    )


def cluster_versions(run: Run, cluster_id: str) -> pd.DataFrame:
    """The versions of one cluster, oldest first: source, time, title, words, relation and
    similarity to the canonical version, and the pair scores against the canonical
    (``*_in_other``: share of this version found in the canonical; NaN when the pair was not
    scored, e.g. the canonical itself)."""
    members = run.clusters[run.clusters["cluster_id"] == cluster_id]
    if members.empty:
        raise KeyError(f"no cluster {cluster_id!r} in this run")
    canon = str(members[members["is_canonical"]]["id"].iloc[0])
    cols = ["id", "source", "published_at", "title", "n_words"]
    out = members.merge(run.articles[cols], on="id", how="left")
    pairs = _oriented_pairs(run.pairs)
    vs = pairs[pairs["other"] == canon].drop(columns="other")
    vs = vs.rename(columns={"relation": "pair_relation"})
    out = out.merge(vs, on="id", how="left")
    keep = [
        "id",
        "source",
        "published_at",
        "title",
        "n_words",
        "is_canonical",
        "relation_to_canonical",
        "similarity_to_canonical",
        "jaccard",
        "containment_in_other",
        "coverage_in_other",
        "coverage_of_other",
        "tfidf_cosine",
    ]
    out = out[keep].sort_values(["published_at", "id"], kind="stable")
    return out.reset_index(drop=True)


def republishers(run: Run) -> pd.DataFrame:
    """Who republishes whom: rows are the outlet of a cluster's canonical version, columns
    the outlet of each other version, cells the number of versions."""
    canon = _canonicals(run)
    members = run.clusters[~run.clusters["is_canonical"]].merge(canon, on="cluster_id")
    src = dict(zip(run.articles["id"], run.articles["source"].replace("", "(none)"), strict=True))
    table = pd.crosstab(
        members["canonical_id"].map(src).rename("original"),
        members["id"].map(src).rename("republisher"),
    )
    return table


def overlap_scores(run: Run, relations: Sequence[str] | None = None) -> pd.DataFrame:
    """``pairs.csv`` in long form (``relation, score, value``) for distribution plots."""
    pairs = run.pairs
    if relations is not None:
        pairs = pairs[pairs["relation"].isin(list(relations))]
    long = pairs.melt(
        id_vars=["id_a", "id_b", "relation"],
        value_vars=list(SCORE_COLUMNS),
        var_name="score",
        value_name="value",
    )
    return long.reset_index(drop=True)


def load_texts(inputs: Sequence[str | Path], config: Config | None = None) -> pd.DataFrame:
    """The run's input read and cleaned as the run did it: ``id, source, title, body,
    sentences`` indexed by id (use the same config as the run)."""
    config = config or Config()
    ingest = read_articles(inputs, config.input)
    table = clean_frame(ingest.articles.reset_index(drop=True), config.clean)
    return table[["id", "source", "title", "body", "sentences"]].set_index("id", drop=False)


@dataclass
class Comparison:
    """Two versions sentence by sentence.

    ``a`` and ``b`` have one row per sentence: ``sentence``, ``kind`` (``verbatim``,
    ``reworded``, ``only``), ``match`` (index of the other version's sentence, -1 when none),
    ``match_span`` (1, or 2 when it matched two adjacent sentences) and ``similarity``.
    """

    a: pd.DataFrame
    b: pd.DataFrame

    @property
    def cut(self) -> list[str]:
        """Sentences of a that b does not have."""
        return [str(s) for s in self.a[self.a["kind"] == "only"]["sentence"]]

    @property
    def added(self) -> list[str]:
        """Sentences of b that a does not have."""
        return [str(s) for s in self.b[self.b["kind"] == "only"]["sentence"]]

    def summary(self) -> pd.DataFrame:
        """Sentences and words per kind, for each side."""
        rows = []
        for side, df in (("a", self.a), ("b", self.b)):
            words = df["sentence"].map(count_words)
            for kind in ("verbatim", "reworded", "only"):
                sel = df["kind"] == kind
                rows.append(
                    {
                        "side": side,
                        "kind": kind,
                        "sentences": int(sel.sum()),
                        "words": int(words[sel].sum()),
                    }
                )
        return pd.DataFrame(rows)


def compare_versions(
    sentences_a: Sequence[str], sentences_b: Sequence[str], sentence_match: float = 0.35
) -> Comparison:
    """Align two versions with the scorer's sentence matching (``sentence_match`` is the
    run's ``[score] retell_match``, the bar behind the coverage columns)."""
    al_a, al_b = align_sentences(sentences_a, sentences_b, sentence_match)

    def frame(sents: Sequence[str], als: Sequence[Any]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "sentence": list(sents),
                "kind": [x.kind for x in als],
                "match": [x.match for x in als],
                "match_span": [x.match_span for x in als],
                "similarity": [x.similarity for x in als],
            },
            columns=["sentence", "kind", "match", "match_span", "similarity"],
        )

    return Comparison(frame(sentences_a, al_a), frame(sentences_b, al_b))


def truth_pairs(truth: pd.DataFrame) -> set[tuple[str, str]]:
    """The positive pairs ``(id1, id2)`` with ``id1 < id2`` of labelled clusters
    (``id, cluster``) or labelled pairs (``id1, id2, label``)."""
    kind, table = read_truth(truth)
    out: set[tuple[str, str]] = set()
    if kind == "clusters":
        for _, grp in table.groupby("cluster"):
            ids = sorted(grp["id"].astype(str))
            out.update(combinations(ids, 2))
    else:
        pos = table[positive_labels(table["label"])]
        for x, y in zip(pos["id1"].astype(str), pos["id2"].astype(str), strict=True):
            out.add((min(x, y), max(x, y)))
    return out


def version_score(pairs: pd.DataFrame) -> pd.Series:
    """One number per pair for threshold sweeps: the largest share of either version found
    in the other (shingle containment or sentence coverage, either way)."""
    cols = ["containment_a_in_b", "containment_b_in_a", "coverage_a_in_b", "coverage_b_in_a"]
    return pairs[cols].max(axis=1)


def threshold_sweep(
    pairs: pd.DataFrame,
    positives: set[tuple[str, str]],
    thresholds: Sequence[float] | np.ndarray,
    score: str | None = None,
    ids: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Pair precision, recall and F1 when a pair is called a version if its score reaches
    each threshold. ``score`` is a column of ``pairs`` (default :func:`version_score`).

    Pairs the run never scored count as not called, so recall is against every labelled
    positive pair (among ``ids`` when given, e.g. the articles of the run).
    """
    values = version_score(pairs) if score is None else pairs[score]
    keys = [
        (min(a, b), max(a, b))
        for a, b in zip(pairs["id_a"].astype(str), pairs["id_b"].astype(str), strict=True)
    ]
    is_pos = np.array([k in positives for k in keys], dtype=bool)
    vals = values.to_numpy(dtype=np.float64)
    if ids is not None:
        keep = set(ids)
        positives = {p for p in positives if p[0] in keep and p[1] in keep}
    n_pos = len(positives)
    rows = []
    for t in thresholds:
        called = vals >= float(t)
        tp = int((called & is_pos).sum())
        fp = int((called & ~is_pos).sum())
        fn = n_pos - tp
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / n_pos if n_pos else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append(
            {
                "threshold": float(t),
                "precision": precision,
                "recall": recall,
                "f1": f1,
                "tp": tp,
                "fp": fp,
                "fn": fn,
            }
        )
    return pd.DataFrame(rows)


def best_threshold(sweep: pd.DataFrame) -> pd.Series:
    """The row of a sweep with the highest F1 (the lowest such threshold on ties)."""
    best = sweep[sweep["f1"] == sweep["f1"].max()].sort_values("threshold", kind="stable")
    return best.iloc[0]
