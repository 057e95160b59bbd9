import gc
import os

import numpy as np

from dedup.parallel import fork_map, n_workers


def _scaled(base: np.ndarray, factor: int, item: int) -> tuple[int, int, float]:
    return item, os.getpid(), float(base[item] * factor)


def test_fork_map_keeps_order_and_shares_inputs_with_its_workers() -> None:
    base = np.arange(100, dtype=np.float64) ** 2
    items = list(range(0, 100, 7))[::-1]
    here = list(fork_map(_scaled, (base, 3), items, n_jobs=1))
    there = list(fork_map(_scaled, (base, 3), items, n_jobs=2))
    assert [r[0] for r in there] == items
    assert [r[2] for r in there] == [r[2] for r in here] == [3 * i * i for i in items]
    assert {r[1] for r in here} == {os.getpid()}
    assert os.getpid() not in {r[1] for r in there}  # computed in worker processes
    kept_here = list(fork_map(_scaled, (base, 3), items, n_jobs=2, parallel=False))
    assert {r[1] for r in kept_here} == {os.getpid()}


def test_n_workers() -> None:
    assert n_workers(3) == 3
    assert n_workers(0) == (os.cpu_count() or 1)


def test_fork_map_first_here_computes_the_first_item_in_this_process() -> None:
    base = np.arange(10, dtype=np.float64)
    got = list(fork_map(_scaled, (base, 2), [3, 4, 5], n_jobs=2, first_here=True))
    assert [r[0] for r in got] == [3, 4, 5]
    assert [r[2] for r in got] == [6.0, 8.0, 10.0]
    assert got[0][1] == os.getpid()
    assert os.getpid() not in {r[1] for r in got[1:]}


def _frozen(_: None, item: int) -> tuple[int, int]:
    return item, gc.get_freeze_count()


def test_fork_map_workers_see_the_parents_objects_frozen_and_the_parent_gets_them_back() -> None:
    keep = [[k] for k in range(1000)]  # containers made before the fork
    before = gc.get_freeze_count()
    got = list(fork_map(_frozen, (None,), [1, 2, 3], n_jobs=2))
    assert [g[0] for g in got] == [1, 2, 3]
    # the workers' collector does not walk (and so does not write to) the parent's objects
    assert all(g[1] >= len(keep) for g in got)
    assert gc.get_freeze_count() == before  # thawed again once the workers are gone
