"""Work split over the machine's cores: forked worker processes that share the parent's
in-memory inputs (copy on write) instead of receiving copies.

Used where one stage's work falls into independent pieces (score chunks, blocks of TF-IDF
neighbours). Results come back in input order and are the same wherever they are computed,
so the output never depends on the number of workers.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_SHARED: tuple[Callable[..., Any], tuple[Any, ...]] | None = None
"""The function and the inputs the workers share (inherited when they are forked)."""


def n_workers(n_jobs: int) -> int:
    """Worker processes for ``n_jobs`` (0: one per CPU)."""
    return (os.cpu_count() or 1) if n_jobs <= 0 else n_jobs


def _call(item: Any) -> Any:
    assert _SHARED is not None
    fn, shared = _SHARED
    return fn(*shared, item)


def fork_map(
    fn: Callable[..., R],
    shared: tuple[Any, ...],
    items: Sequence[T],
    n_jobs: int,
    parallel: bool = True,
    first_here: bool = False,
) -> Iterator[R]:
    """``fn(*shared, item)`` for each item, in order: in ``n_jobs`` forked worker processes
    (0: one per CPU) when ``parallel`` and there are at least two items, else here.
    ``shared`` is never pickled (the workers inherit it); items and results are. With
    ``first_here`` the first item is computed here while the workers take the others (for
    a first result too large to ship back cheaply)."""
    global _SHARED
    workers = min(n_workers(n_jobs), len(items))
    forkable = "fork" in multiprocessing.get_all_start_methods()
    previous = _SHARED
    _SHARED = (fn, shared)
    try:
        if workers < 2 or not parallel or not forkable:
            yield from map(_call, items)
            return
        ctx = multiprocessing.get_context("fork")
        # The workers start with the parent's pages, shared until written. A collection in
        # a worker would write to every container object it walks (and so copy the page
        # under it); objects made before the fork are moved out of its reach for the time
        # the workers live.
        gc.freeze()
        try:
            yield from _forked(ctx, items, workers, first_here)
        finally:
            gc.unfreeze()
    finally:
        _SHARED = previous


def _forked(ctx: Any, items: Sequence[T], workers: int, first_here: bool) -> Iterator[Any]:
    """:func:`_call` of each item, in order, in forked workers (see :func:`fork_map`)."""
    if first_here:
        with ProcessPoolExecutor(max_workers=workers - 1, mp_context=ctx) as pool:
            rest = [pool.submit(_call, item) for item in items[1:]]
            yield _call(items[0])
            for future in rest:
                yield future.result()
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        yield from pool.map(_call, items)
