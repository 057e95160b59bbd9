"""Micro-benchmarks of the two kernels against the plain datasketch loop, same inputs:

* fingerprint: ``minhash_signatures`` vs ``MinHash(num_perm, seed, hashfunc=shingle_hash32)``
  + ``update_batch`` per article (signatures checked equal, value for value);
* candidates: ``lsh_candidate_pairs`` vs ``MinHashLSH`` insert + query on the same
  signatures (candidate sets checked equal), time and peak traced memory.

    python benchmarks/bench_kernels.py --n 20000
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from datasketch import MinHash, MinHashLSH

from dedup.lsh import lsh_candidate_pairs, optimal_bands
from dedup.minhash import MinHashParams, minhash_signatures, shingle_hash32, shingle_strings
from dedup.textnorm import tokenize

HERE = Path(__file__).resolve().parent


def load_tokens(n: int) -> list[list[str]]:
    corpus = HERE / "results" / f"corpus-{n}" / "articles.parquet"
    if not corpus.exists():
        import subprocess
        import sys

        subprocess.run(
            [sys.executable, str(HERE / "synth.py"), "--n", str(n), "--out", str(corpus.parent)],
            check=True,
        )
    texts = pd.read_parquet(corpus, columns=["text"])["text"].tolist()
    return [tokenize(t) for t in texts]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=20000)
    p.add_argument("--n-jobs", type=int, default=1)
    p.add_argument("--threshold", type=float, default=0.5)
    args = p.parse_args(argv)
    tokens = load_tokens(args.n)
    params = MinHashParams(num_perm=128, seed=1, shingle_size=5)

    t = time.perf_counter()
    ours = minhash_signatures(tokens, params, n_jobs=args.n_jobs)
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    theirs = []
    for toks in tokens:
        m = MinHash(num_perm=128, seed=1, hashfunc=shingle_hash32)
        m.update_batch([s.encode("utf-8") for s in shingle_strings(toks, 5)])
        theirs.append(m)
    t_theirs = time.perf_counter() - t
    equal = all(np.array_equal(ours[i], m.hashvalues) for i, m in enumerate(theirs))
    print(
        f"fingerprint, {args.n:,} articles: datasketch loop {t_theirs:.2f}s, "
        f"newsdedup {t_ours:.2f}s (n_jobs={args.n_jobs}): {t_theirs / t_ours:.1f}x; "
        f"signatures equal: {equal}"
    )

    b, r = optimal_bands(args.threshold, 128)

    def banding() -> np.ndarray:
        return lsh_candidate_pairs(ours, b, r)

    def datasketch_lsh() -> set[tuple[int, int]]:
        lsh = MinHashLSH(threshold=args.threshold, num_perm=128)
        for i, m in enumerate(theirs):
            lsh.insert(i, m)
        found = set()
        for i, m in enumerate(theirs):
            for j in lsh.query(m):
                if j != i:
                    found.add((min(i, j), max(i, j)))
        return found

    # time without tracing (tracemalloc slows Python allocations), then trace memory
    t = time.perf_counter()
    pairs = banding()
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    found = datasketch_lsh()
    t_theirs = time.perf_counter() - t
    mem = []
    for fn in (banding, datasketch_lsh):
        tracemalloc.start()
        fn()
        mem.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    mem_ours, mem_theirs = mem
    same = found == set(map(tuple, pairs.tolist()))
    print(
        f"LSH (b={b}, r={r}), {len(pairs):,} pairs: MinHashLSH insert+query {t_theirs:.2f}s "
        f"{mem_theirs:.0f} MB, banding {t_ours:.2f}s {mem_ours:.0f} MB: "
        f"{t_theirs / t_ours:.1f}x; same candidates: {same}"
    )


if __name__ == "__main__":
    main()
