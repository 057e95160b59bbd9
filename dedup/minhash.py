"""Vectorised MinHash over word shingles, equal value for value to datasketch 2.0.

An article is given as its list of (already lower-cased) tokens.  Its shingles are the
word ``k``-grams ``" ".join(tokens[i:i + k])``; an article with ``1..k-1`` tokens has a
single shingle made of all its tokens, and an article without tokens has none (its
signature is all max-hash, like a fresh :class:`datasketch.MinHash`).  Every shingle is
UTF-8 encoded and hashed with xxh32 (seed 0), see :func:`shingle_hash32`.

:func:`minhash_signatures` returns, for every article, exactly the ``hashvalues`` that

.. code-block:: python

    m = datasketch.MinHash(num_perm, seed=seed, hashfunc=shingle_hash32, scheme="affine32")
    m.update_batch([s.encode("utf-8") for s in shingle_strings(tokens, k)])

would hold, but without any Python-level work per shingle:

* the tokens of a chunk of articles are joined into one UTF-8 buffer; every shingle is a
  contiguous slice of it (``" ".join`` and UTF-8 encoding both concatenate), so a shingle
  is just a (start, length) pair found with numpy;
* xxh32 is evaluated for all slices at once by a numpy port of the algorithm (checked
  against :mod:`xxhash` in the tests);
* the MurmurHash3 pre-mix and the affine permutations ``a * h + b mod 2**32`` run one
  permutation at a time over the whole chunk (cache-sized, so memory stays ``O(chunk)``
  and never ``O(chunk * num_perm)``), followed by ``np.minimum.reduceat`` over the
  articles' shingle ranges.

The ``"affine64"`` scheme (xxh64 input hash, see :func:`shingle_hash64`) and the
``"legacy"`` scheme (pre-2.0 datasketch) are supported too and equally exact, but only
``"affine32"`` has the fully vectorised hash; the others hash each shingle with a C-level
``map`` over :mod:`xxhash` (``affine64``) and use slower 64-bit arithmetic.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import xxhash

if TYPE_CHECKING:
    import datasketch

__all__ = [
    "HASH_NAME",
    "HASH_NAME_64",
    "SCHEME",
    "SCHEMES",
    "MinHashParams",
    "empty_value",
    "hash_shingles",
    "jaccard_estimate",
    "minhash_signatures",
    "permutations",
    "shingle_hash32",
    "shingle_hash64",
    "shingle_strings",
    "to_datasketch",
]

HASH_NAME = "xxh32"
"""Input hash of the ``"affine32"`` and ``"legacy"`` schemes: xxh32, seed 0, of the UTF-8 shingle."""

HASH_NAME_64 = "xxh64"
"""Input hash of the ``"affine64"`` scheme: xxh64, seed 0, of the UTF-8 shingle."""

SCHEME = "affine32"
"""Default permutation scheme (datasketch 2.0's default)."""

SCHEMES = ("affine32", "affine64", "legacy")
"""Permutation schemes supported, named as in datasketch."""

U32Array = npt.NDArray[np.uint32]
U64Array = npt.NDArray[np.uint64]
I64Array = npt.NDArray[np.int64]

# Chunking: articles are processed in chunks of about this many tokens (about as many
# shingles), so that every per-shingle temporary stays in the CPU cache ...
_CHUNK_TOKENS = 1 << 16
# ... and of at most this many articles, bounding the per-chunk signature block.
_CHUNK_ARTICLES = 1 << 14
# Below this many tokens in total, worker processes cost more than they save.
_PARALLEL_MIN_TOKENS = 1_500_000

_MERSENNE_PRIME = np.uint64((1 << 61) - 1)
_MAX_HASH_32 = (1 << 32) - 1
_MAX_HASH_64 = (1 << 64) - 1

# xxh32 primes.
_P1 = np.uint32(0x9E3779B1)
_P2 = np.uint32(0x85EBCA77)
_P3 = np.uint32(0xC2B2AE3D)
_P4 = np.uint32(0x27D4EB2F)
_P5 = np.uint32(0x165667B1)
_V1_INIT = np.uint32((0x9E3779B1 + 0x85EBCA77) & _MAX_HASH_32)
_V4_INIT = np.uint32((-0x9E3779B1) & _MAX_HASH_32)
_BYTE_MASK = np.uint32(0xFF)
_LANE_INITS = (_V1_INIT, _P2, np.uint32(0), _V4_INIT)

# MurmurHash3 finalizer (datasketch's ``_fmix``) constants.
_FMIX32 = (
    np.uint32(16),
    np.uint32(0x85EBCA6B),
    np.uint32(13),
    np.uint32(0xC2B2AE35),
    np.uint32(16),
)
_FMIX64 = (
    np.uint64(33),
    np.uint64(0xFF51AFD7ED558CCD),
    np.uint64(33),
    np.uint64(0xC4CEB9FE1A85EC53),
    np.uint64(33),
)


def shingle_hash32(b: bytes) -> int:
    """Hash one UTF-8 encoded shingle the way :func:`minhash_signatures` does (xxh32, seed 0).

    Pass it as ``hashfunc`` to :class:`datasketch.MinHash` (schemes ``"affine32"`` and
    ``"legacy"``) to get the same signatures as this module.
    """
    return xxhash.xxh32_intdigest(b)


def shingle_hash64(b: bytes) -> int:
    """Hash one UTF-8 encoded shingle for the ``"affine64"`` scheme (xxh64, seed 0).

    Pass it as ``hashfunc`` to ``datasketch.MinHash(..., scheme="affine64")``.
    """
    return xxhash.xxh64_intdigest(b)


@dataclass(frozen=True)
class MinHashParams:
    """Parameters of a MinHash signature.

    Attributes:
        num_perm: number of permutations, i.e. signature length (>= 1).
        seed: seed of datasketch's permutation generator (0 <= seed < 2**32).
        shingle_size: number of words per shingle, ``k`` (>= 1).
        scheme: datasketch permutation scheme, one of :data:`SCHEMES`.
    """

    num_perm: int = 128
    seed: int = 1
    shingle_size: int = 5
    scheme: str = SCHEME

    def __post_init__(self) -> None:
        """Check every field, raising :class:`ValueError` that names the value and the fix."""
        if not _is_int(self.num_perm) or self.num_perm < 1:
            raise ValueError(
                f"num_perm must be a positive integer, got {self.num_perm!r}; "
                "pass num_perm >= 1 (128 is usual)"
            )
        if not _is_int(self.seed) or not 0 <= self.seed < 1 << 32:
            raise ValueError(
                f"seed must be an integer in [0, 2**32), got {self.seed!r}; "
                "pass a seed such as 1 (datasketch's default)"
            )
        if not _is_int(self.shingle_size) or self.shingle_size < 1:
            raise ValueError(
                f"shingle_size must be a positive integer, got {self.shingle_size!r}; "
                "pass shingle_size >= 1 (5 words is usual)"
            )
        if self.scheme not in SCHEMES:
            raise ValueError(
                f"scheme must be one of {', '.join(SCHEMES)}, got {self.scheme!r}; "
                f"pass scheme={SCHEME!r} unless you need datasketch's other schemes"
            )


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def empty_value(scheme: str = SCHEME) -> int:
    """Return the max-hash value that fills the signature of an article without shingles."""
    if scheme == "affine64":
        return _MAX_HASH_64
    if scheme in SCHEMES:
        return _MAX_HASH_32
    raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")


def _dtype(scheme: str) -> type[np.unsignedinteger[Any]]:
    return np.uint32 if scheme == "affine32" else np.uint64


# ---------------------------------------------------------------------------------------
# Shingles
# ---------------------------------------------------------------------------------------


def _check_k(k: int) -> None:
    if not _is_int(k) or k < 1:
        raise ValueError(f"shingle size k must be a positive integer, got {k!r}; pass k >= 1")


def shingle_strings(tokens: Sequence[str], k: int) -> list[str]:
    """Return the word ``k``-gram shingles of ``tokens``, each joined by single spaces.

    ``n >= k`` tokens give ``n - k + 1`` shingles; ``1 <= n < k`` tokens give one shingle
    holding all of them; no tokens give no shingles.
    """
    _check_k(k)
    if isinstance(tokens, str):
        raise TypeError("tokens must be a sequence of str tokens, not one str")
    n = len(tokens)
    if n == 0:
        return []
    if n < k:
        return [" ".join(tokens)]
    return [" ".join(tokens[i : i + k]) for i in range(n - k + 1)]


def hash_shingles(tokens: Sequence[str], k: int) -> U32Array:
    """Return the xxh32 hashes of all shingles of ``tokens``, in shingle order (uint32).

    Equal to ``[shingle_hash32(s.encode()) for s in shingle_strings(tokens, k)]``.
    Duplicated shingles give duplicated hashes.
    """
    _check_k(k)
    if isinstance(tokens, str):
        raise TypeError("tokens must be a sequence of str tokens, not one str")
    counts = np.array([len(tokens)], dtype=np.int64)
    if not len(tokens):
        return np.empty(0, dtype=np.uint32)
    ws = _Workspace()
    data = _join_tokens([tokens])
    try:
        starts, lengths, _ = _shingle_slices(data, counts, k, ws)
    except _TokenWithSpace:
        bounds = _token_bounds([tokens], len(tokens))
        starts, lengths, _ = _shingle_slices(data, counts, k, ws, bounds)
    return _xxh32_slices(data, starts, lengths, ws).copy()


# ---------------------------------------------------------------------------------------
# Permutations
# ---------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _cached_permutations(num_perm: int, seed: int, scheme: str) -> tuple[Any, Any]:
    gen = np.random.RandomState(seed)
    if scheme == "legacy":
        pairs = np.array(
            [
                (
                    gen.randint(1, _MERSENNE_PRIME, dtype=np.uint64),
                    gen.randint(0, _MERSENNE_PRIME, dtype=np.uint64),
                )
                for _ in range(num_perm)
            ],
            dtype=np.uint64,
        ).T
        a, b = pairs[0].copy(), pairs[1].copy()
    else:
        width = 32 if scheme == "affine32" else 64
        dtype = _dtype(scheme)
        a = gen.randint(0, 1 << (width - 1), num_perm, dtype=dtype) * dtype(2) + dtype(1)
        b = gen.randint(0, 1 << width, num_perm, dtype=dtype)
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


def permutations(params: MinHashParams) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """Return the permutation parameters ``(a, b)`` exactly as datasketch generates them.

    Both arrays have length ``num_perm``; dtype uint32 for ``"affine32"``, uint64 otherwise.
    The arrays are fresh copies that the caller may modify.
    """
    a, b = _cached_permutations(params.num_perm, params.seed, params.scheme)
    return a.copy(), b.copy()


# ---------------------------------------------------------------------------------------
# Scratch memory
# ---------------------------------------------------------------------------------------


class _Workspace:
    """Scratch arrays reused from one chunk of articles to the next.

    Fresh memory costs a page fault per 4 KiB on first touch, which (notably in VMs) costs
    more than the arithmetic done on it; chunk-sized temporaries are therefore kept here,
    grown on demand, and written with ``out=`` arguments.
    """

    def __init__(self) -> None:
        self._buffers: dict[str, npt.NDArray[Any]] = {}
        self._arange: I64Array = np.arange(0, dtype=np.int64)

    def get(self, name: str, size: int, dtype: npt.DTypeLike) -> npt.NDArray[Any]:
        """Return a length-``size`` array of ``dtype`` (contents undefined)."""
        buf = self._buffers.get(name)
        if buf is None or buf.size < size or buf.dtype != np.dtype(dtype):
            buf = np.empty(size + size // 4 + 64, dtype=dtype)
            self._buffers[name] = buf
        return buf[:size]

    def arange(self, size: int) -> I64Array:
        """Return ``np.arange(size)`` (read-only view of a shared array)."""
        if self._arange.size < size:
            self._arange = np.arange(size + size // 4 + 64, dtype=np.int64)
            self._arange.flags.writeable = False
        return self._arange[:size]


# ---------------------------------------------------------------------------------------
# Vectorised xxh32
# ---------------------------------------------------------------------------------------


def _rotl32(x: U32Array, r: int, tmp: U32Array) -> U32Array:
    """Rotate ``x`` left by ``r`` bits in place (``tmp`` is scratch of the same shape)."""
    np.right_shift(x, np.uint32(32 - r), out=tmp)
    np.left_shift(x, np.uint32(r), out=x)
    np.bitwise_or(x, tmp, out=x)
    return x


def _blend(h: U32Array, x: U32Array, keep: U32Array) -> None:
    """Set ``h[i] = x[i]`` where ``keep[i]`` is 1 (0: leave it), clobbering ``x``.

    ``h += (x - h) * keep`` is exact modulo 2**32 and many times faster than a masked
    ``np.copyto``.
    """
    x -= h
    x *= keep
    h += x


def _xxh32_round(acc: U32Array, lane_input: U32Array, tmp: U32Array) -> None:
    """xxh32's stripe round ``acc = rotl(acc + input * PRIME2, 13) * PRIME1``, in place.

    ``lane_input`` is clobbered.
    """
    lane_input *= _P2
    acc += lane_input
    _rotl32(acc, 13, tmp)
    acc *= _P1


def _load_words(data: bytes, ws: _Workspace) -> U32Array:
    """Return ``words`` with ``words[p]`` = the little-endian uint32 at byte ``p`` of ``data``.

    Bytes past the end read as zero, and 32 words of zero padding follow, so that the
    gathers of :func:`_xxh32_slices` never need bounds checks.
    """
    nbytes = len(data)
    words: U32Array = ws.get("words", nbytes + 32, np.uint32)
    n_full = max(nbytes - 3, 0)
    if n_full:
        # An overlapping view: consecutive uint32 values one byte apart.
        words[:n_full] = np.ndarray((n_full,), dtype="<u4", buffer=data, strides=(1,))
    tail = data[n_full:] + bytes(3)
    for i in range(nbytes - n_full):
        words[n_full + i] = int.from_bytes(tail[i : i + 4], "little")
    words[nbytes:] = 0
    return words


def _xxh32_slices(
    data: bytes, starts: npt.NDArray[Any], lengths: npt.NDArray[Any], ws: _Workspace
) -> U32Array:
    """Return ``xxh32(data[s:s + n])`` (seed 0) for every ``(s, n)``, vectorised.

    ``starts`` and ``lengths`` are int32 (or int64 for buffers of 2 GiB and more).  Every
    step of the algorithm runs over all slices at once, branch-free: a slice that a step
    does not apply to (fewer stripes, words or bytes left) computes it anyway and keeps its
    previous value (:func:`_blend` for stripes, :func:`_pick_states` for the tail), except
    for stripes that only a few long slices have, which are gathered, run and scattered
    back.  The result lives in ``ws`` (valid until its next use).
    """
    size = starts.size
    words = _load_words(data, ws)
    # Gathers take int64 indices (int32 ones would be converted on every call).
    st: I64Array = ws.get("st", size, np.int64)
    st[:] = starts
    ln: U32Array = (
        lengths.view(np.uint32) if lengths.dtype == np.int32 else lengths.astype(np.uint32)
    )
    x: U32Array = ws.get("x", size, np.uint32)
    tmp: U32Array = ws.get("tmp", size, np.uint32)
    keep: U32Array = ws.get("keep", size, np.uint32)
    left: U32Array = ws.get("left", size, np.uint32)
    pos: I64Array = ws.get("pos", size, np.int64)

    # 16-byte stripes: four accumulators, seeded with seed 0.  Reads use
    # ``np.take(words[off:], p)``, which reads ``words[p + off]`` without computing it;
    # mode "wrap" is numpy's fastest and only slices that ignore the value read out of
    # range.
    lanes: list[U32Array] = [ws.get(f"lane{i}", size, np.uint32) for i in range(4)]
    for i, (lane, init) in enumerate(zip(lanes, _LANE_INITS, strict=True)):
        np.take(words[4 * i :], st, out=x, mode="wrap")
        x *= _P2
        np.add(x, init, out=lane)
        _rotl32(lane, 13, tmp)
        lane *= _P1
    # left: stripes still to run; keep: 1 where a slice runs the current one, else 0.
    np.right_shift(lengths, 4, out=left, casting="unsafe")
    _count_down(left, keep)
    _count_down(left, keep)
    t = 1
    n_active = int(np.count_nonzero(keep))
    while 4 * n_active >= size > 0:
        # Most slices have another stripe: run it on all and blend.
        for i, lane in enumerate(lanes):
            np.take(words[16 * t + 4 * i :], st, out=x, mode="wrap")
            x *= _P2
            x += lane
            _rotl32(x, 13, tmp)
            x *= _P1
            _blend(lane, x, keep)
        t += 1
        _count_down(left, keep)
        n_active = int(np.count_nonzero(keep))
    more = np.flatnonzero(keep)
    while more.size:
        # Few slices are that long: gather them, run the stripe, scatter back.
        p = st[more]
        for i, lane in enumerate(lanes):
            xa = words[16 * t + 4 * i :][p]
            va = lane[more]
            _xxh32_round(va, xa, np.empty_like(xa))
            lane[more] = va
        t += 1
        more = more[left[more] > 0]
        left[more] -= 1
    v1, v2, v3, v4 = lanes
    merged = _rotl32(v1, 1, tmp)
    merged += _rotl32(v2, 7, tmp)
    merged += _rotl32(v3, 12, tmp)
    merged += _rotl32(v4, 18, tmp)
    h: U32Array = ws.get("h", size, np.uint32)
    h.fill(_P5)
    # Slices shorter than 16 bytes start from seed + PRIME5 instead.
    np.right_shift(ln, 4, out=left)
    np.minimum(left, 1, out=keep)
    _blend(h, merged, keep)
    h += ln

    # The tail: 0 to 3 remaining 4-byte words, then 0 to 3 remaining bytes.  Each step is
    # run on every slice, keeping every intermediate state in a row of ``states``; then
    # each slice picks the state after its own number of steps (one gather).
    states: U32Array = ws.get("states", 4 * size, np.uint32).reshape(4, size)
    pick: I64Array = ws.get("pick", size, np.int64)
    columns = ws.arange(size)
    states[0] = h
    np.bitwise_and(lengths, ~15, out=pos)
    pos += st
    for w in range(1, 4):
        np.take(words[4 * (w - 1) :], pos, out=x, mode="wrap")
        x *= _P3
        np.add(x, states[w - 1], out=states[w])
        _rotl32(states[w], 17, tmp)
        states[w] *= _P4
    np.right_shift(lengths, 2, out=pick)
    pick &= 3
    _pick_states(states, pick, columns, h)
    tail = v3
    np.bitwise_and(lengths, ~3, out=pos)
    pos += st
    np.take(words, pos, out=tail, mode="wrap")  # the remaining bytes, in its low bytes
    states[0] = h
    for j in range(1, 4):
        np.right_shift(tail, np.uint32(8 * (j - 1)), out=x)
        x &= _BYTE_MASK
        x *= _P5
        np.add(x, states[j - 1], out=states[j])
        _rotl32(states[j], 11, tmp)
        states[j] *= _P1
    np.bitwise_and(lengths, 3, out=pick)
    _pick_states(states, pick, columns, h)

    # Avalanche.
    np.right_shift(h, np.uint32(15), out=tmp)
    h ^= tmp
    h *= _P2
    np.right_shift(h, np.uint32(13), out=tmp)
    h ^= tmp
    h *= _P3
    np.right_shift(h, np.uint32(16), out=tmp)
    h ^= tmp
    return h


def _pick_states(states: U32Array, steps: I64Array, columns: I64Array, out: U32Array) -> None:
    """Set ``out[i] = states[steps[i], i]`` (``columns`` is ``arange``; ``steps`` clobbered)."""
    steps *= states.shape[1]
    steps += columns
    np.take(states.reshape(-1), steps, out=out, mode="wrap")


def _count_down(left: U32Array, keep: U32Array) -> None:
    """Set ``keep`` to 1 where ``left > 0`` (else 0) and decrement those ``left``."""
    np.minimum(left, 1, out=keep)
    left -= keep


# ---------------------------------------------------------------------------------------
# Chunks of articles
# ---------------------------------------------------------------------------------------


class _TokenWithSpace(Exception):
    """Raised when a token contains a space, so spaces do not delimit the tokens."""


def _encode(token: str) -> bytes:
    return token.encode("utf-8")


def _join_tokens(articles: Sequence[Sequence[str]]) -> bytes:
    """Return the UTF-8 bytes of all tokens of ``articles`` joined by single spaces."""
    # Joining each article first is faster than one join over a chain of all tokens;
    # articles without tokens are left out, or they would add an empty token.
    return " ".join(map(" ".join, filter(len, articles))).encode("utf-8")


def _token_bounds(articles: Sequence[Sequence[str]], total: int) -> I64Array:
    """Return token bounds computed from each token's own UTF-8 length.

    ``bounds[t]`` is the first byte of token ``t`` in :func:`_join_tokens`'s buffer and
    ``bounds[t + 1] - 1`` its end.  Slow path for tokens that contain spaces.
    """
    lengths = np.fromiter(
        map(len, map(_encode, chain.from_iterable(articles))), dtype=np.int64, count=total
    )
    bounds = np.empty(total + 1, dtype=np.int64)
    bounds[0] = 0
    np.cumsum(lengths + 1, out=bounds[1:])
    return bounds


def _shingle_slices(
    data: bytes,
    counts: I64Array,
    k: int,
    ws: _Workspace,
    bounds: I64Array | None = None,
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], I64Array]:
    """Locate every shingle of a chunk of articles in its joined token buffer ``data``.

    Returns the start byte and byte length of each shingle (articles in order, shingles in
    order within an article; int32 unless ``data`` has 2 GiB or more, views into ``ws``)
    and the number of shingles of each article.  Without ``bounds`` the tokens are located
    by the spaces, raising :class:`_TokenWithSpace` if their number does not fit.
    """
    total = int(counts.sum())
    index_type = np.int32 if len(data) < (1 << 31) - 64 else np.int64
    bnd = ws.get("bounds", total + 1, index_type)
    if bounds is None:
        is_space = ws.get("is_space", len(data), np.bool_)
        np.equal(np.frombuffer(data, dtype=np.uint8), 32, out=is_space)
        spaces = np.flatnonzero(is_space)
        if spaces.size != total - 1:
            raise _TokenWithSpace
        bnd[0] = 0
        np.add(spaces, 1, out=bnd[1:total])
        bnd[total] = len(data) + 1
    else:
        bnd[:] = bounds
    token_offsets = np.cumsum(counts) - counts
    n_shingles = np.where(counts >= k, counts - (k - 1), np.minimum(counts, 1))
    shingle_offsets = np.cumsum(n_shingles) - n_shingles
    n = int(n_shingles.sum())
    nonempty = np.flatnonzero(counts)
    # Shingle j of article a starts at token token_offsets[a] + j: a running sum of the
    # per-article jumps, plus the shingle number.
    first: I64Array = ws.get("first", n, np.int64)
    first.fill(0)
    gap = (token_offsets - shingle_offsets)[nonempty]
    first[shingle_offsets[nonempty]] = np.diff(gap, prepend=0)
    np.cumsum(first, out=first)
    first += ws.arange(n)
    # ... and ends with token first + k - 1, or with its article's last token if shorter.
    stop: I64Array = ws.get("stop", n, np.int64)
    np.add(first, k, out=stop)
    short = nonempty[counts[nonempty] < k]
    stop[shingle_offsets[short]] = token_offsets[short] + counts[short]
    starts = ws.get("starts", n, index_type)
    np.take(bnd, first, out=starts, mode="wrap")
    lengths = ws.get("lengths", n, index_type)
    np.take(bnd, stop, out=lengths, mode="wrap")
    lengths -= starts
    lengths -= 1
    return starts, lengths, n_shingles


def _fmix_inplace(h: npt.NDArray[Any], tmp: npt.NDArray[Any]) -> None:
    """Apply datasketch's MurmurHash3 finalizer to ``h`` (uint32 or uint64) in place."""
    s1, m1, s2, m2, s3 = _FMIX32 if h.dtype == np.uint32 else _FMIX64
    np.right_shift(h, s1, out=tmp)
    h ^= tmp
    h *= m1
    np.right_shift(h, s2, out=tmp)
    h ^= tmp
    h *= m2
    np.right_shift(h, s3, out=tmp)
    h ^= tmp


def _chunk_signatures(
    data: bytes,
    counts: I64Array,
    params: MinHashParams,
    out: npt.NDArray[Any],
    ws: _Workspace,
    bounds: I64Array | None = None,
) -> None:
    """Write the signatures of one chunk of articles (joined as ``data``) into ``out``."""
    scheme = params.scheme
    out.fill(empty_value(scheme))
    if not counts.any():
        return
    starts, lengths, n_shingles = _shingle_slices(data, counts, params.shingle_size, ws, bounds)
    n = starts.size
    hv: npt.NDArray[Any]
    if scheme == "affine64":
        ends = (starts + lengths).tolist()
        slices = map(data.__getitem__, map(slice, starts.tolist(), ends))
        hv = np.fromiter(map(xxhash.xxh64_intdigest, slices), dtype=np.uint64, count=n)
    else:
        hv = _xxh32_slices(data, starts, lengths, ws)
        if scheme == "legacy":
            hv = hv.astype(np.uint64)
    nonempty = np.flatnonzero(counts)
    offsets = (np.cumsum(n_shingles) - n_shingles)[nonempty]
    a, b = _cached_permutations(params.num_perm, params.seed, scheme)
    sig_t = ws.get("sig", params.num_perm * nonempty.size, out.dtype)
    sig_t = sig_t.reshape(params.num_perm, nonempty.size)
    tmp = ws.get("perm", n, hv.dtype)
    if scheme == "legacy":
        max_hash = np.uint64(_MAX_HASH_32)
        for i in range(params.num_perm):
            np.multiply(hv, a[i], out=tmp)
            tmp += b[i]
            np.remainder(tmp, _MERSENNE_PRIME, out=tmp)
            tmp &= max_hash
            np.minimum.reduceat(tmp, offsets, out=sig_t[i])
    else:
        _fmix_inplace(hv, tmp)
        for a_i, b_i, row in zip(a.tolist(), b.tolist(), sig_t, strict=True):
            np.multiply(hv, a_i, out=tmp)
            tmp += b_i
            np.minimum.reduceat(tmp, offsets, out=row)
    if nonempty.size == counts.size:
        out[...] = sig_t.T
    else:
        out[nonempty] = sig_t.T


def _chunk_signatures_tokens(
    articles: Sequence[Sequence[str]],
    counts: I64Array,
    params: MinHashParams,
    out: npt.NDArray[Any],
    ws: _Workspace,
) -> None:
    """:func:`_chunk_signatures` from the tokens, handling tokens that contain spaces."""
    data = _join_tokens(articles)
    try:
        _chunk_signatures(data, counts, params, out, ws)
    except _TokenWithSpace:
        bounds = _token_bounds(articles, int(counts.sum()))
        _chunk_signatures(data, counts, params, out, ws, bounds)


def _worker_signatures(
    jobs: list[tuple[bytes, I64Array]], params: MinHashParams
) -> tuple[npt.NDArray[Any], list[int]]:
    """Worker entry point: the stacked signatures of consecutive joined chunks.

    Also returns the numbers of the chunks it could not do because a token contains a
    space (their rows are left undefined; the parent redoes them from the tokens).
    """
    ws = _Workspace()
    n = sum(counts.size for _, counts in jobs)
    out = np.empty((n, params.num_perm), dtype=_dtype(params.scheme))
    failed = []
    row = 0
    for number, (data, counts) in enumerate(jobs):
        try:
            _chunk_signatures(data, counts, params, out[row : row + counts.size], ws)
        except _TokenWithSpace:
            failed.append(number)
        row += counts.size
    return out, failed


def _chunk_bounds(counts: I64Array) -> Iterator[tuple[int, int]]:
    """Split articles into consecutive ranges of about ``_CHUNK_TOKENS`` tokens each."""
    n = counts.size
    cumulative = np.cumsum(counts)
    start = 0
    while start < n:
        before = int(cumulative[start - 1]) if start else 0
        stop = int(np.searchsorted(cumulative, before + _CHUNK_TOKENS, side="right"))
        stop = min(max(stop, start + 1), start + _CHUNK_ARTICLES, n)
        yield start, stop
        start = stop


def _article_counts(token_lists: Sequence[Sequence[str]]) -> I64Array:
    lengths = getattr(token_lists, "lengths", None)
    if isinstance(lengths, np.ndarray):  # a :class:`dedup.textnorm.TokenTable`
        return lengths.astype(np.int64)
    if isinstance(token_lists, str) or any(isinstance(t, str) for t in token_lists):
        raise TypeError("token_lists must hold one sequence of str tokens per article, not str")
    return np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))


def _n_workers(n_jobs: int) -> int:
    if not _is_int(n_jobs) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(
            f"n_jobs must be a positive integer or -1 (all CPUs), got {n_jobs!r}; pass n_jobs=1"
        )
    return (os.cpu_count() or 1) if n_jobs == -1 else int(n_jobs)


def minhash_signatures(
    token_lists: Sequence[Sequence[str]],
    params: MinHashParams,
    *,
    n_jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> npt.NDArray[Any]:
    """Compute the MinHash signature of every article.

    Args:
        token_lists: one sequence of (lower-cased) str tokens per article.
        params: signature parameters; ``params.shingle_size`` is the shingle length ``k``.
        n_jobs: worker processes; ``-1`` means one per CPU.  Workers are only started when
            the input is large enough (about 1.5 million tokens) to repay their start-up;
            the result is identical whatever ``n_jobs`` is.
        progress: called after each chunk of articles with the number of articles done so
            far (cumulative, ending with ``len(token_lists)``).

    Returns:
        Array of shape ``(len(token_lists), params.num_perm)``, dtype uint32 for the
        ``"affine32"`` scheme (uint64 otherwise); row ``i`` equals the ``hashvalues`` of
        ``datasketch.MinHash(num_perm, seed=seed, hashfunc=shingle_hash32, scheme=scheme)``
        updated with the UTF-8 shingles of article ``i`` (:func:`shingle_hash64` for
        ``"affine64"``).  Articles without tokens get all max-hash rows.
    """
    if not isinstance(params, MinHashParams):
        raise TypeError(f"params must be a MinHashParams, got {type(params).__name__}")
    workers = _n_workers(n_jobs)
    counts = _article_counts(token_lists)
    out = np.empty((counts.size, params.num_perm), dtype=_dtype(params.scheme))
    bounds = list(_chunk_bounds(counts))
    if workers > 1 and len(bounds) > 1 and int(counts.sum()) >= _PARALLEL_MIN_TOKENS:
        _parallel(token_lists, counts, params, bounds, workers, out, progress)
        return out
    ws = _Workspace()
    for start, stop in bounds:
        _chunk_signatures_tokens(
            token_lists[start:stop], counts[start:stop], params, out[start:stop], ws
        )
        if progress is not None:
            progress(stop)
    return out


def _parallel(
    token_lists: Sequence[Sequence[str]],
    counts: I64Array,
    params: MinHashParams,
    bounds: list[tuple[int, int]],
    workers: int,
    out: npt.NDArray[Any],
    progress: Callable[[int], None] | None,
) -> None:
    """Fill ``out`` group of chunks by group of chunks in worker processes.

    The parent only joins and encodes the tokens (C-level work) and ships bytes, which
    pickle at memcpy speed; at most two groups per worker are in flight to bound memory.
    """
    per_task = max(1, min(4, len(bounds) // (2 * workers)))
    tasks = [bounds[i : i + per_task] for i in range(0, len(bounds), per_task)]
    done = 0
    ws = _Workspace()
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
        pending: dict[Future[tuple[npt.NDArray[Any], list[int]]], list[tuple[int, int]]] = {}
        queue = iter(tasks)

        def submit_next() -> None:
            task = next(queue, None)
            if task is not None:
                jobs = [(_join_tokens(token_lists[s:e]), counts[s:e]) for s, e in task]
                pending[pool.submit(_worker_signatures, jobs, params)] = task

        for _ in range(2 * workers):
            submit_next()
        while pending:
            future = next(as_completed(pending))
            task = pending.pop(future)
            submit_next()
            block, failed = future.result()
            first, last = task[0][0], task[-1][1]
            out[first:last] = block
            for number in failed:
                s, e = task[number]
                _chunk_signatures_tokens(token_lists[s:e], counts[s:e], params, out[s:e], ws)
            done += last - first
            if progress is not None:
                progress(done)


# ---------------------------------------------------------------------------------------
# datasketch interoperability and estimates
# ---------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _stacked_permutations(num_perm: int, seed: int, scheme: str) -> npt.NDArray[Any]:
    stacked = np.array(_cached_permutations(num_perm, seed, scheme))
    stacked.flags.writeable = False
    return stacked


def to_datasketch(signature: npt.ArrayLike, params: MinHashParams) -> datasketch.MinHash:
    """Wrap one signature row as a :class:`datasketch.MinHash` with the same permutations.

    The result has ``hashfunc=shingle_hash32`` (``shingle_hash64`` for ``"affine64"``), so
    updating it with more UTF-8 shingles keeps it equal to what this module would compute.
    """
    import datasketch

    values = np.asarray(signature)
    if values.ndim != 1 or values.size != params.num_perm:
        raise ValueError(
            f"signature must be one row of {params.num_perm} values, got shape {values.shape}; "
            "pass signatures[i], not the whole matrix"
        )
    hashfunc = shingle_hash64 if params.scheme == "affine64" else shingle_hash32
    return datasketch.MinHash(
        num_perm=params.num_perm,
        seed=params.seed,
        hashfunc=hashfunc,
        hashvalues=values,
        permutations=_stacked_permutations(params.num_perm, params.seed, params.scheme),
        scheme=params.scheme,
    )


def jaccard_estimate(sig_a: npt.ArrayLike, sig_b: npt.ArrayLike) -> float:
    """Estimate the Jaccard similarity of two sets from their signatures.

    The share of positions where the two signatures are equal, exactly as
    :meth:`datasketch.MinHash.jaccard` computes it.
    """
    a = np.asarray(sig_a)
    b = np.asarray(sig_b)
    if a.ndim != 1 or a.shape != b.shape or a.size == 0:
        raise ValueError(
            f"signatures must be two non-empty 1-D arrays of equal length, got shapes "
            f"{a.shape} and {b.shape}; pass one row of each signature matrix"
        )
    return float(np.count_nonzero(a == b)) / float(a.size)
