"""The whole pipeline on in-memory values: articles table in, result tables out.

No file is read or written here; :mod:`dedup.ingest` and :mod:`dedup.report` do that.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from dedup.candidates import find_candidate_pairs
from dedup.clean import clean_table
from dedup.cluster import (
    attach_teasers,
    attach_to_stories,
    canonical_rows,
    cluster_rows,
    edges_from_pairs,
    larger_of,
    sourced_rows,
)
from dedup.config import Config
from dedup.fingerprint import fingerprint
from dedup.memory import release_memory
from dedup.score import (
    PAIR_COLUMNS,
    VERSION_RELATIONS,
    ScoredPairs,
    ScoringInputs,
    score_pairs,
    story_coverage,
)
from dedup.stock import discount_stock, separate_templates
from dedup.teaser import teaser_matches
from dedup.textnorm import TokenTable

log = logging.getLogger(__name__)

CLUSTER_COLUMNS = (
    "id",
    "cluster_id",
    "is_canonical",
    "size",
    "similarity_to_canonical",
    "relation_to_canonical",
)
ARTICLE_COLUMNS = (
    "id",
    "source",
    "published_at",
    "title",
    "n_words",
    "n_boilerplate_lines",
    "cluster_id",
)


@dataclass
class RunResult:
    """What a run produced, ready for :mod:`dedup.report`."""

    articles: pd.DataFrame  # the input table (less its raw text) plus body, n_words, ...
    pairs: pd.DataFrame  # PAIR_COLUMNS, sorted
    clusters: pd.DataFrame  # CLUSTER_COLUMNS, sorted
    counts: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    memory: dict[str, float] = field(default_factory=dict)
    """Peak memory of the process (MiB) at the end of each stage."""
    fingerprint_scheme: dict[str, object] = field(default_factory=dict)
    signatures: np.ndarray | None = None  # (n, num_perm) uint32, row-aligned with articles
    sentences: Sequence[Sequence[str]] | None = None
    """Each article's sentences, row-aligned with ``articles`` (None: split from the bodies)."""


def peak_memory_mb() -> float | None:
    """Peak resident memory of this process so far, in MiB (None where the platform does
    not say). Worker processes are not included."""
    try:
        import resource
    except ImportError:  # not on Unix
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0), 1)


class StageTimer:
    """Seconds per named stage (``run.json`` timings), the process's peak memory at the
    end of each stage, and the stages' progress bars."""

    def __init__(self, progress: bool = False) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}
        self.memory: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        yield
        release_memory()
        self.timings[name] = round(time.perf_counter() - t0, 4)
        peak = peak_memory_mb()
        if peak is not None:
            self.memory[name] = peak
        log.info("stage %s: %.2fs", name, self.timings[name])

    def bar(self, total: int, desc: str) -> Any:
        return tqdm(total=total, desc=desc, disable=not self.progress, unit="it", leave=False)


def parse_times(values: pd.Series) -> np.ndarray:
    """Seconds since the epoch (float64) for each ``published_at``; NaN when unknown."""
    ts = pd.to_datetime(values.replace("", None), errors="coerce", utc=True, format="mixed")
    seconds = (ts - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)
    return np.asarray(seconds.to_numpy(dtype=float, na_value=np.nan), dtype=np.float64)


def _row_dot(x: Any, u: int, w: int) -> float:
    """Dot product of rows u and w of a sparse matrix (the TF-IDF cosine)."""
    return float(x[u].multiply(x[w]).sum())


def cluster_id_for(canonical_id: str) -> str:
    """A cluster id derived from its canonical article's id: the same story gets the same
    id in every run that names the same canonical version."""
    return "c" + hashlib.sha1(canonical_id.encode("utf-8")).hexdigest()[:12]


def run_pipeline(
    articles: pd.DataFrame, config: Config, progress: bool = False, release_input: bool = False
) -> RunResult:
    """Clean, fingerprint, find candidates, score, cluster. ``articles`` has at least the
    columns ``id, source, published_at, title, text`` (strings).

    The raw texts are needed only by the clean stage: the result's table has the cleaned
    ``body`` instead. With ``release_input`` (a caller that has no further use for them)
    the ``text`` column of ``articles`` itself is deleted after cleaning, so that a large
    batch does not hold its raw texts through the later stages."""
    release_memory(collect=True)  # what reading the input left behind
    st = StageTimer(progress)
    counts: dict[str, Any] = {"articles": len(articles)}
    with st.stage("clean"):
        table, sentences = clean_table(articles.reset_index(drop=True), config.clean)
        table = table.drop(columns="text")
        if release_input:
            del articles["text"]
        counts["boilerplate_lines"] = int(table["n_boilerplate_lines"].sum())
    with st.stage("fingerprint"):
        tokens = TokenTable.from_texts(table["body"].tolist(), config.fingerprint.n_jobs)
        with st.bar(len(tokens), "fingerprint") as bar:
            # minhash_signatures reports the number done so far, tqdm wants increments
            fps = fingerprint(
                tokens, config.fingerprint, config.candidates, lambda done: bar.update(done - bar.n)
            )
    times = parse_times(table["published_at"])
    with st.stage("candidates"):
        with st.bar(len(tokens), "candidates") as bar:
            pairs, cand_counts = find_candidate_pairs(
                fps.signatures, fps.tfidf, times, config.candidates, bar.update
            )
        # Teasers: short texts whose sentence retells a longer text's lede; their pairs
        # are scored like the others.
        teasers = teaser_matches(
            sentences,
            tokens,
            table["n_words"].to_numpy(),
            times,
            table["title"].tolist(),
            config.cluster,
            config.score,
            config.candidates.window_days,
        )
        if teasers:
            extra_pairs = np.sort(np.array([(r, p) for r, p, _ in teasers], dtype=np.int64), axis=1)
            pairs = np.unique(np.concatenate([pairs, extra_pairs]), axis=0)
            cand_counts = {
                "lsh": cand_counts["lsh"],
                "tfidf": cand_counts["tfidf"],
                "teaser": len(teasers),
                "total": len(pairs),
            }
        counts["candidates"] = cand_counts
    inputs = ScoringInputs(
        ids=table["id"].tolist(),
        tokens=tokens,
        sentences=sentences,
        titles=table["title"].tolist(),
        signatures=fps.signatures,
        tfidf=fps.tfidf,
        shingle_size=config.fingerprint.shingle_size,
        times=times,
    )
    with st.stage("score"):
        with st.bar(len(pairs), "score") as bar:
            scored = score_pairs(pairs, inputs, config.score, bar.update)
        scored = discount_stock(scored, inputs, config.score)
        scored = separate_templates(scored, inputs, config.score)
        counts["pairs"] = {
            str(k): int(v) for k, v in scored.table["relation"].value_counts().sort_index().items()
        }
    with st.stage("cluster"):
        edges = edges_from_pairs(scored.table, scored.hits)
        sourced = sourced_rows(pairs, times, config.cluster.story_hours)
        labels = cluster_rows(len(table), edges, config.cluster, times, sourced)
        labels = attach_to_stories(
            labels,
            pairs,
            lambda queries: story_coverage(inputs, queries, config.score, scored.sentence_index),
            config.cluster,
            tokens.lengths,
            config.score.rewrite_min_words,
            times,
            lambda u, w: float(_row_dot(fps.tfidf, u, w)) >= config.score.related_cosine,
        )
        labels = attach_teasers(labels, teasers)
        clusters, extra = _describe_clusters(table, labels, times, scored, inputs, config)
        counts["clusters"] = int(clusters["cluster_id"].nunique())
        counts["multi_article_clusters"] = int(
            (clusters.drop_duplicates("cluster_id")["size"] > 1).sum()
        )
    ids = np.asarray(table["id"].tolist(), dtype=object)
    all_pairs = pd.concat([scored.table, extra], ignore_index=True)
    all_pairs = all_pairs[all_pairs["relation"] != "unrelated"].drop_duplicates(["i", "j"])
    pairs_out = pd.DataFrame(
        {
            "id_a": ids[all_pairs["i"].to_numpy(dtype=np.int64)],
            "id_b": ids[all_pairs["j"].to_numpy(dtype=np.int64)],
        }
    )
    pairs_out["relation"] = all_pairs["relation"].astype(str).to_numpy()
    for col in PAIR_COLUMNS[3:]:
        pairs_out[col] = all_pairs[col].to_numpy(dtype=np.float64)
    swap = pairs_out["id_a"] > pairs_out["id_b"]
    if swap.any():
        pairs_out.loc[swap, ["id_a", "id_b"]] = pairs_out.loc[swap, ["id_b", "id_a"]].to_numpy()
        for x, y in (
            ("containment_a_in_b", "containment_b_in_a"),
            ("coverage_a_in_b", "coverage_b_in_a"),
        ):
            pairs_out.loc[swap, [x, y]] = pairs_out.loc[swap, [y, x]].to_numpy()
    pairs_out = pairs_out.sort_values(["id_a", "id_b"], kind="stable").reset_index(drop=True)
    cid = dict(zip(clusters["id"], clusters["cluster_id"], strict=True))
    table["cluster_id"] = table["id"].map(cid)
    return RunResult(
        articles=table,
        pairs=pairs_out,
        clusters=clusters,
        counts=counts,
        timings=st.timings,
        memory=st.memory,
        fingerprint_scheme=fps.scheme,
        signatures=fps.signatures,
        sentences=sentences,
    )


def _describe_clusters(
    table: pd.DataFrame,
    labels: np.ndarray,
    times: np.ndarray,
    scored_pairs: ScoredPairs,
    inputs: ScoringInputs,
    config: Config,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cluster ids, canonical versions and each member's relation to its canonical.

    A member that was not a candidate pair with its canonical is scored against it with
    the candidates' sentence statistics, so that its scores are on the same scale."""
    scored = scored_pairs.table
    ids = np.asarray(table["id"].tolist(), dtype=object)
    n = len(ids)
    labels = np.asarray(labels, dtype=np.int64)
    canon = canonical_rows(labels, times, table["n_words"].to_numpy(), ids)
    is_canon = canon == np.arange(n)
    firsts = np.flatnonzero(is_canon)
    size = np.bincount(labels, minlength=n)[labels]
    member = np.flatnonzero(~is_canon)  # in clusters of two or more
    lo = np.minimum(member, canon[member])
    hi = np.maximum(member, canon[member])
    known = scored["i"].to_numpy(dtype=np.int64) * n + scored["j"].to_numpy(dtype=np.int64)
    need = np.setdiff1d(lo * n + hi, known)
    extra = score_pairs(
        np.column_stack([need // n, need % n]).astype(np.int64).reshape(-1, 2),
        inputs,
        config.score,
        keep_unrelated=True,
        sentence_index=scored_pairs.sentence_index,
    ).table
    lookup = pd.concat([scored, extra], ignore_index=True).drop_duplicates(["i", "j"])
    keys = lookup["i"].to_numpy(dtype=np.int64) * n + lookup["j"].to_numpy(dtype=np.int64)
    by_key = np.argsort(keys, kind="stable")
    want = lo * n + hi
    at = by_key[np.minimum(np.searchsorted(keys, want, sorter=by_key), len(keys) - 1)]
    if not np.array_equal(keys[at], want):
        raise RuntimeError("a cluster member was not scored against its canonical")

    def col(name: str) -> np.ndarray:
        values: np.ndarray = lookup[name].to_numpy(dtype=np.float64)[at]
        return values

    first = member < canon[member]  # the member is the pair's side a
    sim = np.ones(n)
    sim[member] = np.where(
        first,
        larger_of(col("containment_a_in_b"), col("coverage_a_in_b")),
        larger_of(col("containment_b_in_a"), col("coverage_b_in_a")),
    )
    relation = lookup["relation"].astype(str).to_numpy(dtype=object)[at]
    rel = np.full(n, "canonical", dtype=object)
    rel[member] = np.where(np.isin(relation, sorted(VERSION_RELATIONS)), relation, "chained")
    cluster_ids = np.asarray([cluster_id_for(x) for x in ids[firsts].tolist()], dtype=object)
    id_of_label = np.empty(n, dtype=np.int64)
    id_of_label[labels[firsts]] = np.arange(len(firsts))
    clusters = pd.DataFrame(
        {
            "id": ids,
            "cluster_id": cluster_ids[id_of_label[labels]],
            "is_canonical": is_canon,
            "size": size,
            "similarity_to_canonical": sim,
            "relation_to_canonical": rel,
        },
        columns=list(CLUSTER_COLUMNS),
    )
    clusters = clusters.sort_values(["cluster_id", "id"], kind="stable").reset_index(drop=True)
    return clusters, extra
