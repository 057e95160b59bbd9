import random
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dedup.cluster import (
    Edge,
    EdgeTable,
    UnionFind,
    attach_teasers,
    attach_to_stories,
    canonical_rows,
    cluster_rows,
    sibling_edges,
    sibling_rewrites,
    sourced_rows,
)
from dedup.config import ClusterConfig
from tests import cluster_reference as ref

CFG = ClusterConfig()


def _marked(mask: np.ndarray) -> set[int]:
    return set(np.flatnonzero(mask).tolist())


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
    labels = cluster_rows(3, EdgeTable.of([edge(0, 1, 0.9, 0.9)]), CFG)
    assert labels[0] == labels[1] != labels[2]


def test_bundle_page_does_not_chain_two_stories() -> None:
    # row 2 is a live page: story 0 matches its sentences 0-4, story 1 its sentences 5-9
    edges = [
        edge(0, 2, 1.0, 0.5, hb={0, 1, 2, 3, 4}),
        edge(1, 2, 1.0, 0.5, hb={5, 6, 7, 8, 9}),
    ]
    labels = cluster_rows(3, EdgeTable.of(edges), CFG)
    assert labels[0] != labels[1]
    assert labels[2] in (labels[0], labels[1])


def test_wire_with_many_partial_rewrites_stays_one_story() -> None:
    # rows 1..3 each reuse overlapping parts of wire row 0
    edges = [
        edge(0, 1, 0.3, 0.8, ha={0, 1, 2}),
        edge(0, 2, 0.3, 0.8, ha={1, 2, 3}),
        edge(0, 3, 0.2, 0.9, ha={0, 3}),
    ]
    labels = cluster_rows(4, EdgeTable.of(edges), CFG)
    assert len(set(labels.tolist())) == 1


@given(st.integers(min_value=2, max_value=12), st.randoms(use_true_random=False))
def test_clusters_are_a_partition_independent_of_edge_order(n: int, rnd: random.Random) -> None:
    edges = []
    for a, b in sorted({tuple(sorted(rnd.sample(range(n), 2))) for _ in range(n)}):
        hb = frozenset(rnd.sample(range(6), 3))
        ha = frozenset(rnd.sample(range(6), 3))
        edges.append(edge(a, b, rnd.random(), rnd.random(), hb, ha, rnd.random() < 0.2))
    labels = cluster_rows(n, EdgeTable.of(edges), CFG)
    shuffled = edges[:]
    rnd.shuffle(shuffled)
    assert np.array_equal(labels, cluster_rows(n, EdgeTable.of(shuffled), CFG))
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
    one = np.zeros(4, dtype=np.int64)
    assert canonical_rows(one, times, words, np.array(["a", "b", "c", "d"])).tolist() == [2] * 4
    unknown = canonical_rows(np.zeros(2), np.array([np.nan, np.nan]), np.array([1, 2]), ["a", "b"])
    assert unknown.tolist() == [1, 1]
    ties = canonical_rows(
        np.array([0, 0, 2]), np.array([5.0, 5.0, 1.0]), np.array([3, 3, 1]), ["b", "a", "c"]
    )
    assert ties.tolist() == [1, 1, 2]  # then the smallest id; each cluster its own


def test_weak_sibling_edge_does_not_chain_an_independent_report() -> None:
    # 0: wire (earlier); 1: newspaper rewritten from it; 2: independent report of the same
    # day that loosely matches the newspaper only.
    hour = 3600.0
    times = np.array([0.0, 20 * hour, 21 * hour])
    source = Edge(0, 1, 0.3, 0.9, frozenset({0}), frozenset({0}), False, weak=True)
    sibling = Edge(1, 2, 0.9, 0.3, frozenset({0}), frozenset({0}), False, weak=True)
    guard = ClusterConfig(source_hours=6.0)
    with_guard = cluster_rows(3, EdgeTable.of([source, sibling]), guard, times)
    assert with_guard[0] == with_guard[1] != with_guard[2]
    without_times = cluster_rows(3, EdgeTable.of([source, sibling]), guard)
    assert without_times[0] == without_times[1] == without_times[2]
    copy = Edge(1, 2, 0.9, 0.9, frozenset({0}), frozenset({0}), True)
    strong = cluster_rows(3, EdgeTable.of([source, copy]), guard, times)
    assert (
        len(set(cluster_rows(3, EdgeTable.of([source, sibling]), CFG, times))) == 1
    )  # off by default
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
    assert _marked(
        sibling_rewrites(EdgeTable.of([source, sibling]), times, sourced, CFG.story_hours)
    ) == {1}
    labels = cluster_rows(3, EdgeTable.of([source, sibling]), CFG, times, sourced)
    assert labels[0] == labels[1] != labels[2]
    copy = Edge(1, 2, 0.9, 0.9, frozenset({0}), frozenset({0}), True)
    assert len(set(cluster_rows(3, EdgeTable.of([source, copy]), CFG, times, sourced))) == 1


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
    assert _marked(
        sibling_rewrites(EdgeTable.of([full, loose]), times, sourced, CFG.story_hours)
    ) == {0, 1}
    assert _marked(
        sibling_rewrites(
            EdgeTable.of([full, loose]), times, sourced, CFG.story_hours, CFG.mutual_coverage
        )
    ) == {1}
    labels = cluster_rows(4, EdgeTable.of([full, loose]), CFG, times, sourced)
    assert labels[1] == labels[2] != labels[3]


def _random_edges(n: int, rnd: random.Random) -> list[Edge]:
    pairs = sorted({tuple(sorted(rnd.sample(range(n), 2))) for _ in range(2 * n)})
    out = []
    for a, b in pairs:
        strong = rnd.random() < 0.1
        out.append(
            Edge(
                a,
                b,
                rnd.choice([0.2, 0.5, 0.9, rnd.random()]),
                rnd.choice([0.2, 0.5, 0.9, rnd.random()]),
                frozenset(rnd.sample(range(8), rnd.randint(0, 4))),
                frozenset(rnd.sample(range(8), rnd.randint(0, 4))),
                strong,
                weak=not strong and rnd.random() < 0.5,
            )
        )
    return out


def _random_times(n: int, rnd: random.Random) -> np.ndarray:
    hour = 3600.0
    return np.array([np.nan if rnd.random() < 0.1 else rnd.randint(0, 60) * hour for _ in range(n)])


@given(st.integers(min_value=2, max_value=30), st.randoms(use_true_random=False))
def test_cluster_rows_equal_the_edge_by_edge_reference(n: int, rnd: random.Random) -> None:
    """Sibling masks and labels equal the first implementation's (Edge lists, a Python
    union-find) with and without times, sources and guards; bundle pages included."""
    edges = _random_edges(n, rnd)
    table = EdgeTable.of(edges)
    times = _random_times(n, rnd)
    pairs = np.array([(e.a, e.b) for e in edges], dtype=np.int64).reshape(-1, 2)
    sourced = sourced_rows(pairs, times, 12.0)
    for cfg in (CFG, ClusterConfig(source_hours=6.0), ClusterConfig(story_hours=0.0)):
        assert _marked(sibling_edges(table, times, 6.0)) == ref.reference_sibling_edges(
            edges, times, 6.0
        )
        assert _marked(
            sibling_rewrites(table, times, sourced, 12.0, cfg.mutual_coverage)
        ) == ref.reference_sibling_rewrites(edges, times, sourced, 12.0, cfg.mutual_coverage)
        for args in ((), (times,), (times, sourced)):
            got = cluster_rows(n, table, cfg, *args)
            assert got.tolist() == ref.reference_cluster_rows(n, edges, cfg, *args).tolist()


def test_cluster_rows_reference_check_sees_a_bundle_page() -> None:
    """The random comparison above meets bundle pages: a page containing two groups that
    match disjoint parts of it joins only one of them."""
    edges = [
        Edge(0, 2, 1.0, 0.4, frozenset({0, 1, 2}), frozenset({0}), False),
        Edge(1, 2, 1.0, 0.3, frozenset({5, 6}), frozenset({0}), False),
    ]
    got = cluster_rows(3, EdgeTable.of(edges), CFG)
    assert got.tolist() == ref.reference_cluster_rows(3, edges, CFG).tolist() == [0, 1, 0]


@given(st.integers(min_value=2, max_value=30), st.randoms(use_true_random=False))
def test_story_and_teaser_passes_equal_the_reference(n: int, rnd: random.Random) -> None:
    """The text-by-text story pass and teaser pass give the first implementation's labels,
    and the story pass asks the same questions in the same order."""
    edges = _random_edges(n, rnd)
    times = _random_times(n, rnd)
    labels = ref.reference_cluster_rows(n, edges, CFG)
    pairs = np.array([(e.a, e.b) for e in edges], dtype=np.int64).reshape(-1, 2)
    words = np.array([rnd.choice([10, 30, 300]) for _ in range(n)])
    answers = {
        v: (rnd.random(), rnd.random(), rnd.random()) for v in range(n)
    }  # retold, reused, told

    def coverage(asked: list[tuple[int, list[int]]]) -> Callable[..., Any]:
        def answer(queries: Sequence[tuple[int, Sequence[int]]]) -> list[Any]:
            asked.extend((v, list(m)) for v, m in queries)
            out = []
            for v, members in queries:
                retold, reused, told = answers[v]
                parts = tuple((u, (u * 7 % 10) / 10) for u in members)
                out.append((retold, reused, parts, told))
            return out

        return answer

    related = lambda u, w: (u + w) % 3 != 0  # noqa: E731
    # the edges' clusters, and every text alone (so that many texts are asked about)
    for start in (labels, np.arange(n)):
        for min_words in (25, 100):
            seen: list[tuple[int, list[int]]] = []
            expected: list[tuple[int, list[int]]] = []
            got = attach_to_stories(
                start, pairs, coverage(seen), CFG, words, min_words, times, related
            )
            want = ref.reference_attach_to_stories(
                start, pairs, coverage(expected), CFG, words, min_words, times, related
            )
            assert seen == expected
            assert got.tolist() == want.tolist()
    matches = [(rnd.randrange(n), rnd.randrange(n), 0.5) for _ in range(n // 2)]
    matches = [(r, p, s) for r, p, s in matches if r != p]
    assert (
        attach_teasers(labels, matches).tolist()
        == ref.reference_attach_teasers(labels, matches).tolist()
    )


@given(st.integers(min_value=1, max_value=30), st.randoms(use_true_random=False))
def test_canonical_rows_equal_choose_canonical(n: int, rnd: random.Random) -> None:
    labels = np.array([rnd.randrange(n) for _ in range(n)])
    times = _random_times(n, rnd)
    words = np.array([rnd.choice([5, 9, 9, 40]) for _ in range(n)])
    ids = [f"id{rnd.randrange(10**6):06d}-{k}" for k in range(n)]
    got = canonical_rows(labels, times, words, np.array(ids, dtype=object))
    for lab in set(labels.tolist()):
        members = np.flatnonzero(labels == lab).tolist()
        want = ref.choose_canonical(members, times, words, ids)
        assert set(got[members].tolist()) == {want}


def test_texts_contained_in_one_page_that_are_versions_of_each_other_stay_together() -> None:
    """Page 3 contains rows 0 and 1, which match disjoint parts of it but are versions of
    each other (0 is contained in 1): one story, so the page joins both. Page 1 is itself
    a bundle of 0 and 2 and joins only 2, so 0 reaches the story through page 3 alone."""
    edges = [
        Edge(0, 1, 0.9, 0.2, frozenset({0}), frozenset({0}), False),
        Edge(1, 2, 0.2, 0.9, frozenset({0}), frozenset({5, 6, 7}), False),
        Edge(0, 3, 0.9, 0.2, frozenset({0}), frozenset({0}), False),
        Edge(1, 3, 0.9, 0.2, frozenset({4, 5, 6}), frozenset({0}), False),
    ]
    want = ref.reference_cluster_rows(4, edges, CFG).tolist()
    assert want == [0, 0, 0, 0]
    assert cluster_rows(4, EdgeTable.of(edges), CFG).tolist() == want


def test_story_pass_with_many_questions_equals_the_reference() -> None:
    """Six texts a day after six earlier ones, each paired with some of them: six questions
    at once, asked and answered as the first implementation asks and answers them."""
    hour = 3600.0
    times = np.array([0.0] * 6 + [24 * hour] * 6)
    pairs = np.array(
        [(u, v) for v in range(6, 12) for u in range(6) if (u + v) % 3], dtype=np.int64
    )
    words = np.full(12, 300)

    def coverage(asked: list[tuple[int, list[int]]]) -> Callable[..., Any]:
        def answer(queries: Sequence[tuple[int, Sequence[int]]]) -> list[Any]:
            asked.extend((v, list(m)) for v, m in queries)
            return [(0.7, 0.3, tuple((u, 0.5) for u in m), 0.7) for _, m in queries]

        return answer

    seen: list[tuple[int, list[int]]] = []
    expected: list[tuple[int, list[int]]] = []
    labels = np.arange(12)
    got = attach_to_stories(
        labels, pairs, coverage(seen), CFG, words, 25, times, lambda u, w: u % 2 == w % 2
    )
    want = ref.reference_attach_to_stories(
        labels, pairs, coverage(expected), CFG, words, 25, times, lambda u, w: u % 2 == w % 2
    )
    assert seen == expected and len(seen) == 6
    assert got.tolist() == want.tolist()
    assert len(set(got.tolist())) < 12
