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
