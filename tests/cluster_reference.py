"""The cluster stage as it was first written, over lists of :class:`Edge` records and a
Python union-find: the reference that :mod:`dedup.cluster`'s array versions (an
:class:`~dedup.cluster.EdgeTable`, sibling masks, connected components) and
:func:`dedup.pipeline._describe_clusters` must equal, label for label and row for row.
What one page joins of the texts it contains (:func:`dedup.cluster.page_joins`) is shared:
what is checked here is the batching, not that decision."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from dedup.cluster import Edge, StoryCoverage, UnionFind, page_joins
from dedup.config import ClusterConfig, Config
from dedup.pipeline import CLUSTER_COLUMNS, cluster_id_for
from dedup.score import VERSION_RELATIONS, ScoredPairs, ScoringInputs, score_pairs


def choose_canonical(
    members: Sequence[int], times: np.ndarray, n_words: np.ndarray, ids: Sequence[str]
) -> int:
    """The canonical version: earliest published, then most complete, then smallest id."""

    def key(r: int) -> tuple[float, int, str]:
        t = times[r]
        return (np.inf if np.isnan(t) else float(t), -int(n_words[r]), ids[r])

    return min(members, key=key)


def _may_source(times: np.ndarray, u: int, v: int, hours: float) -> bool:
    """Whether ``u`` was published at least ``hours`` before ``v`` (False when either
    time is unknown)."""
    return bool(times[v] - times[u] >= hours * 3600.0)


def reference_edges(
    table: pd.DataFrame, hits: dict[tuple[int, int], tuple[frozenset[int], frozenset[int]]]
) -> list[Edge]:
    """:func:`dedup.cluster.edges_from_pairs` as first written."""
    out: list[Edge] = []
    versions = table[table["relation"].isin(VERSION_RELATIONS)]
    for rec in versions.itertuples(index=False):
        i, j = int(rec.i), int(rec.j)
        hb, ha = hits.get((i, j), (frozenset(), frozenset()))
        out.append(
            Edge(
                a=i,
                b=j,
                share_a_in_b=max(float(rec.containment_a_in_b), float(rec.coverage_a_in_b)),
                share_b_in_a=max(float(rec.containment_b_in_a), float(rec.coverage_b_in_a)),
                hits_in_b=hb,
                hits_in_a=ha,
                strong=rec.relation in ("exact", "near_copy"),
                weak=rec.relation == "rewrite",
            )
        )
    return out


def reference_sibling_edges(edges: Sequence[Edge], times: np.ndarray, hours: float) -> set[int]:
    """:func:`dedup.cluster.sibling_edges` as first written."""
    if not hours:
        return set()
    gap = hours * 3600.0

    def before(x: int, y: int) -> bool:  # x published at least `hours` before y
        return bool(times[y] - times[x] >= gap)

    has_source = np.zeros(len(times), dtype=bool)
    for e in edges:
        if before(e.a, e.b):
            has_source[e.b] = True
        elif before(e.b, e.a):
            has_source[e.a] = True
    return {
        k
        for k, e in enumerate(edges)
        if e.weak
        and not before(e.a, e.b)
        and not before(e.b, e.a)
        and (has_source[e.a] != has_source[e.b])
    }


def reference_sibling_rewrites(
    edges: Sequence[Edge],
    times: np.ndarray,
    sourced: np.ndarray,
    hours: float,
    mutual: float | None = None,
) -> set[int]:
    """:func:`dedup.cluster.sibling_rewrites` as first written."""
    gap = hours * 3600.0

    def sibling(x: int, y: int) -> bool:  # x has a possible source and y is not one of them
        return bool(sourced[x]) and not times[x] - times[y] >= gap

    return {
        k
        for k, e in enumerate(edges)
        if e.weak
        and (mutual is None or min(e.share_a_in_b, e.share_b_in_a) < mutual)
        and (sibling(e.a, e.b) or sibling(e.b, e.a))
    }


def reference_cluster_rows(
    n: int,
    edges: Sequence[Edge],
    cfg: ClusterConfig,
    times: np.ndarray | None = None,
    sourced: np.ndarray | None = None,
) -> np.ndarray:
    """:func:`dedup.cluster.cluster_rows` as first written."""
    if times is not None:
        skip = reference_sibling_edges(edges, times, cfg.source_hours)
        if sourced is not None and cfg.story_hours:
            skip |= reference_sibling_rewrites(
                edges, times, sourced, cfg.story_hours, cfg.mutual_coverage
            )
        edges = [e for k, e in enumerate(edges) if k not in skip]
    uf = UnionFind(n)
    contained: dict[int, list[tuple[int, frozenset[int]]]] = defaultdict(list)
    adjacent: set[tuple[int, int]] = set()
    for e in edges:
        adjacent.add((min(e.a, e.b), max(e.a, e.b)))
        if e.strong or min(e.share_a_in_b, e.share_b_in_a) >= cfg.mutual_coverage:
            uf.union(e.a, e.b)
        elif e.share_a_in_b >= e.share_b_in_a:
            contained[e.b].append((e.a, e.hits_in_b))
        else:
            contained[e.a].append((e.b, e.hits_in_a))
    mutual_root = uf.labels()
    for v in sorted(contained):
        for u in page_joins(sorted(contained[v]), adjacent, mutual_root, cfg.bundle_overlap):
            uf.union(v, u)
    return uf.labels()


def reference_attach_to_stories(
    labels: np.ndarray,
    pairs: np.ndarray,
    coverage: StoryCoverage,
    cfg: ClusterConfig,
    n_words: np.ndarray,
    min_words: int,
    times: np.ndarray | None = None,
    related: Callable[[int, int], bool] | None = None,
) -> np.ndarray:
    """:func:`dedup.cluster.attach_to_stories` as first written."""
    if times is None or not cfg.story_hours or len(pairs) == 0:
        return labels.copy()
    clusters: dict[int, list[int]] = defaultdict(list)
    for r, lab in enumerate(labels.tolist()):
        clusters[lab].append(r)
    partners: dict[int, set[int]] = defaultdict(set)
    for i, j in np.asarray(pairs, dtype=np.int64).reshape(-1, 2).tolist():
        partners[i].add(j)
        partners[j].add(i)
    queries: list[tuple[int, Sequence[int]]] = []
    for v in sorted(partners):
        if n_words[v] < min_words or any(
            _may_source(times, u, v, cfg.story_hours) for u in clusters[int(labels[v])]
        ):
            continue
        members = [u for u in sorted(partners[v]) if _may_source(times, u, v, cfg.story_hours)]
        if members:
            queries.append((v, members))
    uf = UnionFind(len(labels))
    for r, lab in enumerate(labels.tolist()):
        uf.union(r, lab)
    for (v, _), (retold, reused, parts, told) in zip(queries, coverage(queries), strict=True):
        if not parts or (reused < cfg.story_reuse and retold < cfg.story_retell):
            continue
        if told < cfg.story_narrative:
            continue  # it shares quoted speech with its sources, not their telling
        top = parts[0][0]
        uf.union(v, top)
        for u, share in parts[1:]:
            if share >= cfg.story_part and related is not None and related(top, u):
                uf.union(v, u)
    return uf.labels()


def reference_attach_teasers(
    labels: np.ndarray, matches: Sequence[tuple[int, int, float]]
) -> np.ndarray:
    """:func:`dedup.cluster.attach_teasers` as first written."""
    sizes = np.bincount(labels, minlength=len(labels))
    stories: dict[int, set[int]] = defaultdict(set)
    first: dict[int, int] = {}
    for r, p, _ in matches:
        stories[r].add(int(labels[p]))
        first.setdefault(r, p)
    uf = UnionFind(len(labels))
    for r, lab in enumerate(labels.tolist()):
        uf.union(r, lab)
    for r in sorted(stories):
        if sizes[labels[r]] == 1 and len(stories[r]) == 1:
            uf.union(r, first[r])
    return uf.labels()


def reference_describe_clusters(
    table: pd.DataFrame,
    labels: np.ndarray,
    times: np.ndarray,
    scored_pairs: ScoredPairs,
    inputs: ScoringInputs,
    config: Config,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`dedup.pipeline._describe_clusters` as first written."""
    scored = scored_pairs.table
    ids = table["id"].tolist()
    n_words = table["n_words"].to_numpy()
    members: dict[int, list[int]] = {}
    for r, lab in enumerate(labels.tolist()):
        members.setdefault(lab, []).append(r)
    canon: dict[int, int] = {
        lab: choose_canonical(m, times, n_words, ids) for lab, m in members.items()
    }
    known = {
        (int(i), int(j)): k for k, (i, j) in enumerate(zip(scored["i"], scored["j"], strict=True))
    }
    need = sorted(
        {
            (min(r, canon[lab]), max(r, canon[lab]))
            for lab, m in members.items()
            if len(m) > 1
            for r in m
            if r != canon[lab]
        }
        - set(known)
    )
    extra = score_pairs(
        np.array(need, dtype=np.int64).reshape(-1, 2),
        inputs,
        config.score,
        keep_unrelated=True,
        sentence_index=scored_pairs.sentence_index,
    ).table
    lookup = pd.concat([scored, extra], ignore_index=True).drop_duplicates(["i", "j"])
    by_pair = {
        (int(i), int(j)): rec
        for (i, j), rec in zip(
            zip(lookup["i"], lookup["j"], strict=True), lookup.itertuples(index=False), strict=True
        )
    }
    rows: list[dict[str, object]] = []
    for lab, m in members.items():
        c = canon[lab]
        cluster_id = cluster_id_for(ids[c])
        for r in m:
            if r == c:
                sim, rel = 1.0, "canonical"
            else:
                rec = by_pair[(min(r, c), max(r, c))]
                if r < c:
                    sim = max(rec.containment_a_in_b, rec.coverage_a_in_b)
                else:
                    sim = max(rec.containment_b_in_a, rec.coverage_b_in_a)
                rel = rec.relation if rec.relation in VERSION_RELATIONS else "chained"
            rows.append(
                {
                    "id": ids[r],
                    "cluster_id": cluster_id,
                    "is_canonical": r == c,
                    "size": len(m),
                    "similarity_to_canonical": float(sim),
                    "relation_to_canonical": rel,
                }
            )
    clusters = pd.DataFrame(rows, columns=list(CLUSTER_COLUMNS))
    clusters = clusters.sort_values(["cluster_id", "id"], kind="stable").reset_index(drop=True)
    return clusters, extra
