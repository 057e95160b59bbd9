"""Fingerprint stage: MinHash signatures (datasketch-compatible) and a TF-IDF matrix.

One tokenizer (:func:`dedup.textnorm.tokenize`) serves both, so a shingle and a TF-IDF term
are made of the same tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from dedup.config import CandidateConfig, FingerprintConfig
from dedup.minhash import HASH_NAME, SCHEME, MinHashParams, minhash_signatures


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
