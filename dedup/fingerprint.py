"""Fingerprint stage: MinHash signatures (datasketch-compatible) and a TF-IDF matrix.

One tokenizer (:func:`dedup.textnorm.tokenize`) serves both, so a shingle and a TF-IDF term
are made of the same tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

from dedup.config import CandidateConfig, FingerprintConfig
from dedup.minhash import HASH_NAME, SCHEME, MinHashParams, minhash_signatures
from dedup.textnorm import TokenTable


@dataclass
class Fingerprints:
    """Per-article fingerprints, row-aligned with the articles table."""

    signatures: np.ndarray  # (n, num_perm) uint32
    tfidf: sp.csr_matrix  # (n, n_terms) float32, rows L2-normalised
    params: MinHashParams

    @property
    def scheme(self) -> dict[str, object]:
        """What made the signatures; recorded in run.json and next to stored signatures."""
        return {
            "num_perm": self.params.num_perm,
            "seed": self.params.seed,
            "shingle_size": self.params.shingle_size,
            "hash": HASH_NAME,
            "scheme": SCHEME,
        }


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def build_tfidf(token_lists: Sequence[list[str]], max_df: float) -> sp.csr_matrix:
    """Word TF-IDF (sublinear tf, smoothed idf, L2 rows) over pre-tokenised articles."""
    if isinstance(token_lists, TokenTable):
        return _table_tfidf(token_lists, max_df)
    if not token_lists or not any(token_lists):
        return sp.csr_matrix((len(token_lists), 0), dtype=np.float32)
    vec = TfidfVectorizer(
        analyzer=_identity,
        sublinear_tf=True,
        max_df=max_df if len(token_lists) >= 20 else 1.0,
        dtype=np.float32,
    )
    try:
        matrix = vec.fit_transform(token_lists)
    except ValueError:  # every term pruned by max_df
        vec.set_params(max_df=1.0)
        matrix = vec.fit_transform(token_lists)
    return sp.csr_matrix(matrix, dtype=np.float32)


_COUNT_ROWS = 8192
"""Articles counted at a time by :func:`_table_tfidf`."""


def _table_counts(table: TokenTable) -> sp.csr_matrix:
    """Article x token count matrix of a :class:`TokenTable` as scikit-learn's
    ``CountVectorizer`` has it before sorting its vocabulary: columns numbered in order of
    first appearance (the table's codes), sorted in each row, float32 counts."""
    n, n_terms = len(table), np.int64(max(len(table.vocab), 1))
    indptr = np.zeros(n + 1, dtype=np.int64)
    data: list[np.ndarray] = []
    indices: list[np.ndarray] = []
    for lo in range(0, n, _COUNT_ROWS):
        hi = min(n, lo + _COUNT_ROWS)
        codes = table.codes[table.offsets[lo] : table.offsets[hi]].astype(np.int64)
        rows = np.repeat(np.arange(hi - lo, dtype=np.int64), table.lengths[lo:hi])
        keys, counts = np.unique(rows * n_terms + codes, return_counts=True)
        data.append(counts.astype(np.float32))
        indices.append((keys % n_terms).astype(np.int32))
        indptr[lo + 1 : hi + 1] = np.cumsum(np.bincount(keys // n_terms, minlength=hi - lo))
        indptr[lo + 1 : hi + 1] += indptr[lo]
    nnz = int(indptr[-1])
    index_type = np.int32 if nnz <= np.iinfo(np.int32).max else np.int64
    x = sp.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0, np.float32),
            np.concatenate(indices).astype(index_type) if indices else np.zeros(0, index_type),
            indptr.astype(index_type),
        ),
        shape=(n, len(table.vocab)),
    )
    x.has_sorted_indices = True
    return x


def _table_tfidf(table: TokenTable, max_df: float) -> sp.csr_matrix:
    """:func:`build_tfidf` of a :class:`TokenTable`, equal value for value to the
    ``TfidfVectorizer`` path: the same count matrix built from the codes (no Python object
    per token), then scikit-learn's own steps (vocabulary sorted by string, terms in more
    than ``max_df`` of the articles dropped, :class:`TfidfTransformer`)."""
    n = len(table)
    if n == 0 or table.codes.size == 0:
        return sp.csr_matrix((n, 0), dtype=np.float32)
    x = _table_counts(table)
    remap = np.empty(len(table.vocab), dtype=x.indices.dtype)
    remap[np.argsort(table.vocab, kind="stable")] = np.arange(len(table.vocab))
    x.indices = remap[x.indices]  # vocabulary sorted by string; rows keep their order
    x.has_sorted_indices = False
    dfs = np.bincount(x.indices, minlength=x.shape[1])
    share = max_df if n >= 20 else 1.0
    kept = np.flatnonzero((dfs <= share * n) & (dfs >= 1))
    if kept.size == 0:  # every term pruned by max_df
        kept = np.flatnonzero(dfs >= 1)
    x = sp.csr_matrix(x[:, kept])
    tfidf = TfidfTransformer(sublinear_tf=True)
    tfidf.fit(x)
    return sp.csr_matrix(tfidf.transform(x, copy=False), dtype=np.float32)


def fingerprint(
    token_lists: Sequence[list[str]],
    fp: FingerprintConfig,
    cand: CandidateConfig,
    progress: Callable[[int], None] | None = None,
) -> Fingerprints:
    """MinHash signatures and TF-IDF vectors for each article's tokens."""
    params = MinHashParams(num_perm=fp.num_perm, seed=fp.seed, shingle_size=fp.shingle_size)
    n_jobs = -1 if fp.n_jobs == 0 else fp.n_jobs  # 0: one worker per CPU
    sigs = minhash_signatures(token_lists, params, n_jobs=n_jobs, progress=progress)
    return Fingerprints(signatures=sigs, tfidf=build_tfidf(token_lists, cand.max_df), params=params)
