"""Giving freed memory back to the system between the steps of a run.

Both allocators behind a run keep the blocks it frees for later use: Arrow's (the string
columns of the tables) and the C library's (Python's large objects and NumPy arrays). After
a step that built and dropped large temporaries they can hold several times what is still
in use; :func:`release_memory` hands the free part back, so the next step (and the worker
processes it forks, which start with the parent's pages) starts from what is really held.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _libc() -> Any:
    """The GNU C library (for ``malloc_trim``), or None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        lib = ctypes.CDLL(name)
        return lib if hasattr(lib, "malloc_trim") else None
    except OSError:
        return None


def release_memory(collect: bool = False) -> None:
    """Return the free memory of Arrow's pool and of the C heap to the system (where they
    can); with ``collect``, first the garbage in reference cycles (reading a table leaves
    some behind that hold whole columns; a collection walks every live container, so it
    is not done after every stage)."""
    if collect:
        gc.collect()
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pandas reads Parquet through pyarrow
        pa = None
    if pa is not None:
        pa.default_memory_pool().release_unused()
    lib = _libc()
    if lib is not None:
        lib.malloc_trim(0)
