import random
from collections.abc import Sequence

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dedup.cluster import (
    Edge,
    UnionFind,
    attach_to_stories,
    choose_canonical,
    cluster_rows,
    sibling_rewrites,
    sourced_rows,
)
from dedup.config import ClusterConfig

CFG = ClusterConfig()


def edge(
    a: int,
    b: int,
    ab: float,
    ba: float,
    hb: set[int] = frozenset(),
    ha: set[int] = frozenset(),
    strong: bool = False,
) -> Edge:
    return Edge(a, b, ab, ba, frozenset(hb), frozenset(ha), strong)


def test_mutual_edges_join() -> None:
    labels = cluster_rows(3, [edge(0, 1, 0.9, 0.9)], CFG)
    assert labels[0] == labels[1] != labels[2]


def test_bundle_page_does_not_chain_two_stories() -> None:
    # row 2 is a live page: story 0 matches its sentences 0-4, story 1 its sentences 5-9
    edges = [
        edge(0, 2, 1.0, 0.5, hb={0, 1, 2, 3, 4}),
        edge(1, 2, 1.0, 0.5, hb={5, 6, 7, 8, 9}),
    ]
    labels = cluster_rows(3, edges, CFG)
    assert labels[0] != labels[1]
    assert labels[2] in (labels[0], labels[1])


def test_wire_with_many_partial_rewrites_stays_one_story() -> None:
    # rows 1..3 each reuse overlapping parts of wire row 0
    edges = [
        edge(0, 1, 0.3, 0.8, ha={0, 1, 2}),
        edge(0, 2, 0.3, 0.8, ha={1, 2, 3}),
        edge(0, 3, 0.2, 0.9, ha={0, 3}),
    ]
    labels = cluster_rows(4, edges, CFG)
    assert len(set(labels.tolist())) == 1


@given(st.integers(min_value=2, max_value=12), st.randoms(use_true_random=False))
def test_clusters_are_a_partition_independent_of_edge_order(n: int, rnd: random.Random) -> None:
    edges = []
    for _ in range(n):
        a, b = sorted(rnd.sample(range(n), 2))
        hb = frozenset(rnd.sample(range(6), 3))
        ha = frozenset(rnd.sample(range(6), 3))
        edges.append(edge(a, b, rnd.random(), rnd.random(), hb, ha, rnd.random() < 0.2))
    labels = cluster_rows(n, edges, CFG)
    shuffled = edges[:]
    rnd.shuffle(shuffled)
    assert np.array_equal(labels, cluster_rows(n, shuffled, CFG))
    assert len(labels) == n
    assert all(labels[i] <= i for i in range(n))  # the root is the smallest member


def test_union_find() -> None:
    uf = UnionFind(4)
    uf.union(3, 1)
    uf.union(1, 2)
    assert uf.labels().tolist() == [0, 1, 1, 1]


def test_canonical_earliest_then_longest() -> None:
    times = np.array([100.0, 50.0, 50.0, np.nan])
    words = np.array([10, 5, 9, 100])
    assert choose_canonical([0, 1, 2, 3], times, words, ["a", "b", "c", "d"]) == 2
    assert choose_canonical([0, 1], np.array([np.nan, np.nan]), np.array([1, 2]), ["a", "b"]) == 1


def test_weak_sibling_edge_does_not_chain_an_independent_report() -> None:
    # 0: wire (earlier); 1: newspaper rewritten from it; 2: independent report of the same
    # day that loosely matches the newspaper only.
    hour = 3600.0
    times = np.array([0.0, 20 * hour, 21 * hour])
    source = Edge(0, 1, 0.3, 0.9, frozenset({0}), frozenset({0}), False, weak=True)
    sibling = Edge(1, 2, 0.9, 0.3, frozenset({0}), frozenset({0}), False, weak=True)
    guard = ClusterConfig(source_hours=6.0)
    with_guard = cluster_rows(3, [source, sibling], guard, times)
    assert with_guard[0] == with_guard[1] != with_guard[2]
    without_times = cluster_rows(3, [source, sibling], guard)
    assert without_times[0] == without_times[1] == without_times[2]
    copy = Edge(1, 2, 0.9, 0.9, frozenset({0}), frozenset({0}), True)
    strong = cluster_rows(3, [source, copy], guard, times)
    assert len(set(cluster_rows(3, [source, sibling], CFG, times))) == 1  # off by default
    assert strong[0] == strong[1] == strong[2]


def test_story_pass_judges_a_later_text_against_its_earlier_partners() -> None:
    # 0, 1: two wire takes (one cluster each); 2: a newspaper a day later; 3: a text of
    # the same hour as the newspaper.
    hour = 3600.0
    times = np.array([0.0, 2 * hour, 24 * hour, 24 * hour])
    labels = np.arange(4)
    pairs = np.array([[0, 2], [1, 2], [2, 3]])
    words = np.array([300, 300, 300, 300])
    asked: list[tuple[int, list[int]]] = []
    Parts = tuple[tuple[int, float], ...]

    def attach(
        found: tuple[float, float, Parts],
        min_words: int = 25,
        with_times: bool = True,
        related: bool = False,
        narrative: float | None = None,
    ) -> list[int]:
        told = found[0] if narrative is None else narrative  # default: nothing quoted

        def coverage(
            queries: Sequence[tuple[int, Sequence[int]]],
        ) -> list[tuple[float, float, Parts, float]]:
            asked.extend((v, list(m)) for v, m in queries)
            return [(*found, told)] * len(queries)

        out = attach_to_stories(
            labels,
            pairs,
            coverage,
            CFG,
            words,
            min_words,
            times if with_times else None,
            lambda u, w: related,
        )
        return [int(x) for x in out]

    joined = attach((0.3, 0.25, ((1, 0.2), (0, 0.1))))
    assert asked == [(2, [0, 1])]  # only the newspaper has sources; the sibling is no source
    assert joined[2] == joined[1] != joined[0]
    assert joined[3] == 3
    both = attach((0.3, 0.25, ((1, 0.2), (0, 0.1))), related=True)
    assert both[0] == both[1] == both[2] != both[3]
    small_part = attach((0.3, 0.25, ((1, 0.2), (0, 0.02))), related=True)
    assert small_part[2] == small_part[1] != small_part[0]
    assert attach((0.5, 0.1, ((1, 0.5),))) == [0, 1, 2, 3]  # below both bars
    retold = attach((0.7, 0.1, ((0, 0.7),)))
    assert retold[2] == retold[0]
    # retold through quoted speech only: an independent report of the same event
    assert attach((0.7, 0.1, ((0, 0.7),)), narrative=0.2) == [0, 1, 2, 3]
    assert attach((0.3, 0.25, ((1, 0.3),)), narrative=0.1) == [0, 1, 2, 3]
    assert attach((1.0, 1.0, ((0, 1.0),)), min_words=400) == [0, 1, 2, 3]
    asked.clear()
    assert attach((1.0, 1.0, ((0, 1.0),)), with_times=False) == [0, 1, 2, 3]
    assert not asked


def test_text_with_a_source_does_not_chain_through_a_sibling() -> None:
    hour = 3600.0
    times = np.array([0.0, 20 * hour, 21 * hour])
    pairs = np.array([[0, 1], [1, 2]])
    sourced = sourced_rows(pairs, times, CFG.story_hours)
    assert sourced.tolist() == [False, True, False]
    source = Edge(0, 1, 0.3, 0.9, frozenset({0}), frozenset({0}), False, weak=True)
    sibling = Edge(1, 2, 0.9, 0.3, frozenset({0}), frozenset({0}), False, weak=True)
    assert sibling_rewrites([source, sibling], times, sourced, CFG.story_hours) == {1}
    labels = cluster_rows(3, [source, sibling], CFG, times, sourced)
    assert labels[0] == labels[1] != labels[2]
    copy = Edge(1, 2, 0.9, 0.9, frozenset({0}), frozenset({0}), True)
    assert len(set(cluster_rows(3, [source, copy], CFG, times, sourced))) == 1


def test_a_wire_story_with_an_older_related_candidate_keeps_its_full_rewrites() -> None:
    """Row 1 (a wire story) has an older candidate, row 0 (a related report), so it has a
    possible source; row 2, published later, retells all of it and it all of row 2. That
    mutual retelling stays; a loose one-sided match from row 1 to row 3 does not."""
    hour = 3600.0
    times = np.array([0.0, 20 * hour, 30 * hour, 30 * hour])
    pairs = np.array([[0, 1], [1, 2], [1, 3]])
    sourced = sourced_rows(pairs, times, CFG.story_hours)
    assert sourced[1]
    full = Edge(1, 2, 1.0, 1.0, frozenset({0}), frozenset({0}), False, weak=True)
    loose = Edge(1, 3, 0.9, 0.3, frozenset({0}), frozenset({0}), False, weak=True)
    assert sibling_rewrites([full, loose], times, sourced, CFG.story_hours) == {0, 1}
    assert sibling_rewrites(
        [full, loose], times, sourced, CFG.story_hours, CFG.mutual_coverage
    ) == {1}
    labels = cluster_rows(4, [full, loose], CFG, times, sourced)
    assert labels[1] == labels[2] != labels[3]
