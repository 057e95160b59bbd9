"""Cluster stage: story clusters over version pairs, with a guard against bundle pages.

An edge between two versions is *mutual* when each side is mostly found in the other (or
the pair is an exact or near copy), and *directional* otherwise: the smaller side is
contained in the larger one, the *container*. Mutual edges join clusters. A container joins
the articles it contains only when they tell one story: if what it contains falls into
groups that match disjoint parts of it (a live page, a digest, a round-up carrying two
stories), it joins only the group that covers most of it, so it never chains two stories.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from dedup.config import ClusterConfig
from dedup.score import VERSION_RELATIONS


class UnionFind:
    """Disjoint sets over ``0..n-1``; the smallest index is each set's root."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = min(ra, rb), max(ra, rb)
            self.parent[hi] = lo

    def labels(self) -> np.ndarray:
        return np.array([self.find(i) for i in range(len(self.parent))], dtype=np.int64)


@dataclass(frozen=True)
class Edge:
    """A version edge between rows ``a < b`` with the share of each found in the other."""

    a: int
    b: int
    share_a_in_b: float
    share_b_in_a: float
    hits_in_b: frozenset[int]  # sentences of b matched by a
    hits_in_a: frozenset[int]  # sentences of a matched by b
    strong: bool  # exact or near copy
    weak: bool = False  # a rewrite: reworded sentences, no long shared runs of words


@dataclass(frozen=True)
class EdgeTable:
    """Version edges as arrays, one entry per pair of rows ``a < b``: the share of
    each side found in the other, whether it is an exact or near copy (``strong``) or a
    rewrite (``weak``), and the sentences each side matched (``hits``, looked up only for
    the edges that make one text the container of another)."""

    a: np.ndarray  # int64
    b: np.ndarray  # int64
    share_a_in_b: np.ndarray  # float64
    share_b_in_a: np.ndarray  # float64
    strong: np.ndarray  # bool
    weak: np.ndarray  # bool
    hits: Mapping[tuple[int, int], tuple[frozenset[int], frozenset[int]]]
    """(a, b) -> (sentences of b matched by a, sentences of a matched by b); a missing
    edge matched none."""

    @classmethod
    def of(cls, edges: Sequence[Edge]) -> EdgeTable:
        """The table of a list of :class:`Edge` records (one per pair), in their order."""
        if len({(e.a, e.b) for e in edges}) < len(edges):
            raise ValueError("an edge table holds one edge per pair of rows")
        return cls(
            a=np.array([e.a for e in edges], dtype=np.int64),
            b=np.array([e.b for e in edges], dtype=np.int64),
            share_a_in_b=np.array([e.share_a_in_b for e in edges], dtype=np.float64),
            share_b_in_a=np.array([e.share_b_in_a for e in edges], dtype=np.float64),
            strong=np.array([e.strong for e in edges], dtype=bool),
            weak=np.array([e.weak for e in edges], dtype=bool),
            hits={(e.a, e.b): (e.hits_in_b, e.hits_in_a) for e in edges},
        )

    def __len__(self) -> int:
        return len(self.a)

    def subset(self, keep: np.ndarray) -> EdgeTable:
        """The edges where ``keep`` (a boolean mask) is true, in order."""
        return EdgeTable(
            self.a[keep],
            self.b[keep],
            self.share_a_in_b[keep],
            self.share_b_in_a[keep],
            self.strong[keep],
            self.weak[keep],
            self.hits,
        )

    def matched(self, a: int, b: int) -> tuple[frozenset[int], frozenset[int]]:
        return self.hits.get((a, b), (_NONE, _NONE))


_NONE: frozenset[int] = frozenset()


def larger_of(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``max(x, y)`` element by element as Python's ``max`` takes it (``y`` only when it is
    greater, so a NaN in ``x`` is kept and one in ``y`` is not)."""
    out: np.ndarray = np.where(y > x, y, x)
    return out


def edges_from_pairs(
    table: pd.DataFrame, hits: Mapping[tuple[int, int], tuple[frozenset[int], frozenset[int]]]
) -> EdgeTable:
    """Version edges from a scored-pairs table (columns ``i, j, relation`` and scores)."""
    versions = table[table["relation"].isin(VERSION_RELATIONS)]
    relation = versions["relation"].astype(str).to_numpy()

    def col(name: str) -> np.ndarray:
        values: np.ndarray = versions[name].to_numpy(dtype=np.float64)
        return values

    return EdgeTable(
        a=versions["i"].to_numpy(dtype=np.int64),
        b=versions["j"].to_numpy(dtype=np.int64),
        share_a_in_b=larger_of(col("containment_a_in_b"), col("coverage_a_in_b")),
        share_b_in_a=larger_of(col("containment_b_in_a"), col("coverage_b_in_a")),
        strong=(relation == "exact") | (relation == "near_copy"),
        weak=relation == "rewrite",
        hits=hits,
    )


def component_labels(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each of ``n`` rows, the smallest row of its connected component over the
    edges ``a[k] - b[k]`` (what :class:`UnionFind` labels give for the same unions)."""
    from scipy.sparse.csgraph import connected_components

    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    graph = sp.csr_matrix((np.ones(len(a), dtype=np.int32), (a, b)), shape=(n, n))
    count, comp = connected_components(graph, directed=False)
    low = np.full(count, n, dtype=np.int64)
    np.minimum.at(low, comp, np.arange(n, dtype=np.int64))
    out: np.ndarray = low[comp]
    return out


def _joined(
    labels: np.ndarray, v: Sequence[int] | np.ndarray, u: Sequence[int] | np.ndarray
) -> np.ndarray:
    """``labels`` (each row's smallest row of its cluster) with row ``v[k]``'s cluster joined
    to row ``u[k]``'s."""
    labels = np.asarray(labels, dtype=np.int64)
    rows = np.arange(len(labels), dtype=np.int64)
    return component_labels(
        len(labels),
        np.concatenate([rows, np.asarray(v, dtype=np.int64)]),
        np.concatenate([labels, np.asarray(u, dtype=np.int64)]),
    )


def _run_starts(x: np.ndarray) -> np.ndarray:
    """The positions where a new value starts in the sorted array ``x``."""
    return np.flatnonzero(np.r_[True, x[1:] != x[:-1]][: len(x)])


def sibling_edges(edges: EdgeTable, times: np.ndarray, hours: float) -> np.ndarray:
    """Mask of the weak edges that only link siblings: two texts published within
    ``hours`` of each other, at least one of which already has an earlier version (a text
    it is a version of, published at least ``hours`` before it).

    Two newspapers that each rewrite one wire story are joined through the wire; a loose
    match between them adds nothing, and a loose match between a text with a known source
    and one without (an independent report of the same event sharing its quotes and facts)
    would chain the independent report into the source's story."""
    if not hours:
        return np.zeros(len(edges), dtype=bool)
    gap = hours * 3600.0
    a_first = times[edges.b] - times[edges.a] >= gap  # a published at least `hours` before b
    b_first = ~a_first & (times[edges.a] - times[edges.b] >= gap)
    has_source = np.zeros(len(times), dtype=bool)
    has_source[edges.b[a_first]] = True
    has_source[edges.a[b_first]] = True
    mask: np.ndarray = (
        edges.weak
        & ~a_first
        & ~(times[edges.a] - times[edges.b] >= gap)
        & (has_source[edges.a] != has_source[edges.b])
    )
    return mask


def sibling_rewrites(
    edges: EdgeTable,
    times: np.ndarray,
    sourced: np.ndarray,
    hours: float,
    mutual: float | None = None,
) -> np.ndarray:
    """Mask of the weak edges from a text with a possible source (``sourced``) to a text
    not published at least ``hours`` before it: such a text joins its story through its
    sources (directly or by :func:`attach_to_stories`), not through a loose match with a
    sibling written at the same time or a later text. An edge whose texts each retell at
    least ``mutual`` (when given) of the other is not a loose match and stays: a wire story
    that merely has an older candidate (a related report) keeps its full rewrites."""
    gap = hours * 3600.0
    a_sibling = sourced[edges.a] & ~(times[edges.a] - times[edges.b] >= gap)
    b_sibling = sourced[edges.b] & ~(times[edges.b] - times[edges.a] >= gap)
    loose: np.ndarray = edges.weak & (a_sibling | b_sibling)
    if mutual is not None:
        loose &= np.minimum(edges.share_a_in_b, edges.share_b_in_a) < mutual
    return loose


def cluster_rows(
    n: int,
    edges: EdgeTable,
    cfg: ClusterConfig,
    times: np.ndarray | None = None,
    sourced: np.ndarray | None = None,
) -> np.ndarray:
    """A cluster label (the smallest row index of the cluster) for each of ``n`` rows.

    With publication ``times`` (seconds, NaN unknown), weak edges between siblings
    (:func:`sibling_edges`, ``source_hours``) are left out. The result does not depend on
    the order of ``edges``.
    """
    if times is not None:
        skip = sibling_edges(edges, times, cfg.source_hours)
        if sourced is not None and cfg.story_hours:
            skip |= sibling_rewrites(edges, times, sourced, cfg.story_hours, cfg.mutual_coverage)
        edges = edges.subset(~skip)
    a, b = edges.a, edges.b
    joins = edges.strong | (
        np.minimum(edges.share_a_in_b, edges.share_b_in_a) >= cfg.mutual_coverage
    )
    mutual_root = component_labels(n, a[joins], b[joins])
    # The other edges make one side the container of the other: the larger share is the
    # contained text's.
    a_in_b = ~joins & (edges.share_a_in_b >= edges.share_b_in_a)
    b_in_a = ~joins & ~a_in_b
    container = np.concatenate([b[a_in_b], a[b_in_a]])
    member = np.concatenate([a[a_in_b], b[b_in_a]])
    order = np.lexsort((member, container))
    container, member = container[order], member[order]
    starts = _run_starts(container)
    sizes = np.diff(np.append(starts, len(container)))
    # A page containing one text joins it; a page containing several joins the group that
    # covers most of it (all of them when they tell one story).
    alone = np.repeat(sizes == 1, sizes)
    join_v, join_u = [container[alone]], [member[alone]]
    shared = member[~alone]
    near = np.isin(a, shared) & np.isin(b, shared)
    adjacent = set(zip(a[near].tolist(), b[near].tolist(), strict=True))
    for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        v = int(container[start])
        members = [
            (u, edges.matched(u, v)[0] if u < v else edges.matched(v, u)[1])
            for u in member[start : start + size].tolist()
        ]
        chosen = page_joins(members, adjacent, mutual_root, cfg.bundle_overlap)
        join_v.append(np.full(len(chosen), v, dtype=np.int64))
        join_u.append(np.asarray(chosen, dtype=np.int64))
    return component_labels(
        n, np.concatenate([a[joins], *join_v]), np.concatenate([b[joins], *join_u])
    )


def page_joins(
    members: list[tuple[int, frozenset[int]]],
    adjacent: set[tuple[int, int]],
    mutual_root: np.ndarray,
    overlap: float,
) -> list[int]:
    """The texts a page joins of those it contains (``members``, as for
    :func:`_group_contained`): all of them when they tell one story; on a bundle page (a
    live page, a digest) only the group that covers most of it."""
    groups = _group_contained(members, adjacent, mutual_root, overlap)
    if len(groups) == 1:
        return groups[0]

    def cover(g: list[int]) -> tuple[int, int]:
        covered: set[int] = set()
        for u, h in members:
            if u in g:
                covered |= h
        return (len(covered), -min(g))

    return max(groups, key=cover)


def _group_contained(
    members: list[tuple[int, frozenset[int]]],
    adjacent: set[tuple[int, int]],
    mutual_root: np.ndarray,
    overlap: float,
) -> list[list[int]]:
    """Group the articles contained in one page (``members``: each with the sentences of
    the page it matched, in row order): together when they are versions of each other
    (``adjacent``: edges as ``(a, b)``, ``a < b``) or match overlapping parts of the
    page."""
    ids = [u for u, _ in members]
    local = UnionFind(len(ids))
    for x in range(len(ids)):
        for y in range(x + 1, len(ids)):
            u, w = ids[x], ids[y]
            hu, hw = members[x][1], members[y][1]
            small = min(len(hu), len(hw))
            if (
                mutual_root[u] == mutual_root[w]
                or (min(u, w), max(u, w)) in adjacent
                or (small and len(hu & hw) >= overlap * small)
                or not small
            ):
                local.union(x, y)
    groups: dict[int, list[int]] = defaultdict(list)
    for x, u in enumerate(ids):
        groups[local.find(x)].append(u)
    return [sorted(g) for _, g in sorted(groups.items())]


def canonical_rows(
    labels: np.ndarray, times: np.ndarray, n_words: np.ndarray, ids: np.ndarray
) -> np.ndarray:
    """For each row, the canonical version of its cluster (rows with equal ``labels``):
    the earliest published (unknown times last), then the most complete (``n_words``),
    then the smallest id."""
    labels = np.asarray(labels, dtype=np.int64)
    n = len(labels)
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[np.argsort(np.asarray(ids, dtype=object), kind="stable")] = np.arange(n)
    order = np.lexsort(
        (
            id_rank,
            -np.asarray(n_words, dtype=np.int64),
            np.where(np.isnan(times), np.inf, times),
            labels,
        )
    )
    firsts = order[_run_starts(labels[order])]
    canon_of = np.zeros(n, dtype=np.int64)
    canon_of[labels[firsts]] = firsts
    out: np.ndarray = canon_of[labels]
    return out


StoryCoverage = Callable[
    [Sequence[tuple[int, Sequence[int]]]],
    list[tuple[float, float, tuple[tuple[int, float], ...], float]],
]


def attach_to_stories(
    labels: np.ndarray,
    pairs: np.ndarray,
    coverage: StoryCoverage,
    cfg: ClusterConfig,
    n_words: np.ndarray,
    min_words: int,
    times: np.ndarray | None = None,
    related: Callable[[int, int], bool] | None = None,
) -> np.ndarray:
    """Join a text to the story of its possible sources when they, taken together, cover
    it (needs publication ``times``; without them the labels are returned unchanged).

    A newspaper text cut and stitched from several takes of one wire story, or from a
    wire story and its update, may match no single text well enough to be called a
    rewrite of it. A text's possible sources are its candidate partners (``pairs``, row
    indexes) published at least ``story_hours`` before it. For each text with at least
    ``min_words`` words, possible sources, and none of them in its cluster yet,
    ``coverage`` gives the share of it retold and reused in its possible sources taken
    together and the share each source retells (:func:`dedup.score.story_coverage`).
    It joins the cluster of the source that retells most of it when the reused share
    reaches ``story_reuse`` or the retold share ``story_retell``, and the share retold in
    its sentences that are not mostly quoted speech ``story_narrative``, and with it every other
    source that retells at least ``story_part`` of it and is ``related`` to that first one
    (same topic: the takes or updates of one wire story it was stitched from). A later
    digest of two unrelated stories joins only the first."""
    if times is None or not cfg.story_hours or len(pairs) == 0:
        return labels.copy()
    labels = np.asarray(labels, dtype=np.int64)
    gap = cfg.story_hours * 3600.0
    # A text is asked about when it is long enough and no text of its cluster so far may
    # be its source: its time is less than story_hours after its cluster's earliest.
    earliest = np.full(len(labels), np.inf)
    np.fmin.at(earliest, labels, times)
    open_ = (np.asarray(n_words) >= min_words) & ~(times - earliest[labels] >= gap)
    p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    u = np.concatenate([p[:, 0], p[:, 1]])  # possible source
    v = np.concatenate([p[:, 1], p[:, 0]])  # the text asked about
    keep = open_[v] & (times[v] - times[u] >= gap)
    key = np.unique(v[keep] * len(labels) + u[keep])
    v, u = key // len(labels), key % len(labels)
    starts = _run_starts(v)
    members = [m.tolist() for m in np.split(u, starts[1:])] if len(v) else []
    queries: list[tuple[int, Sequence[int]]] = list(zip(v[starts].tolist(), members, strict=True))
    join_v: list[int] = []
    join_u: list[int] = []
    for (q, _), (retold, reused, parts, told) in zip(queries, coverage(queries), strict=True):
        if not parts or (reused < cfg.story_reuse and retold < cfg.story_retell):
            continue
        if told < cfg.story_narrative:
            continue  # it shares quoted speech with its sources, not their telling
        top = parts[0][0]
        join_v.append(q)
        join_u.append(top)
        for w, share in parts[1:]:
            if share >= cfg.story_part and related is not None and related(top, w):
                join_v.append(q)
                join_u.append(w)
    return _joined(labels, join_v, join_u)


def attach_teasers(labels: np.ndarray, matches: Sequence[tuple[int, int, float]]) -> np.ndarray:
    """Join each short text that is still alone to the cluster of the longer texts whose
    ledes retell it (``matches``: ``(short, long, share)`` rows,
    :func:`dedup.teaser.teaser_matches`) when they all are in one cluster. A sentence found
    in the ledes of several stories is a template (an opening line that reports of one
    kind share), not a teaser of one of them."""
    sizes = np.bincount(labels, minlength=len(labels))
    stories: dict[int, set[int]] = defaultdict(set)
    first: dict[int, int] = {}
    for r, p, _ in matches:
        stories[r].add(int(labels[p]))
        first.setdefault(r, p)
    alone = [r for r in sorted(stories) if sizes[labels[r]] == 1 and len(stories[r]) == 1]
    return _joined(labels, alone, [first[r] for r in alone])


def sourced_rows(pairs: np.ndarray, times: np.ndarray, hours: float) -> np.ndarray:
    """Per row: whether one of its candidate partners was published at least ``hours``
    before it (a possible source)."""
    out = np.zeros(len(times), dtype=bool)
    if not hours or len(pairs) == 0:
        return out
    p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    gap = times[p[:, 1]] - times[p[:, 0]]
    out[p[gap >= hours * 3600.0, 1]] = True
    out[p[gap <= -hours * 3600.0, 0]] = True
    return out
