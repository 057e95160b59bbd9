"""The plain datasketch script a user would write, as the speed and memory baseline.

One ``MinHash(num_perm=128)`` per article updated with its word 5-shingles, a
``MinHashLSH(threshold=0.5)`` with every article inserted and then queried, and connected
components of the candidate pairs as clusters:

    python benchmarks/baseline_datasketch.py CORPUS_DIR [--truth CORPUS_DIR/truth.csv]

Prints one JSON object: stage times, peak RSS and (with a truth file) the adjusted Rand index.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from datasketch import MinHash, MinHashLSH

WORD = re.compile(r"\w+")


def read_corpus(path: Path) -> pd.DataFrame:
    if path.is_dir():
        p = path / "articles.parquet"
        path = p if p.exists() else path / "articles.csv"
    if path.suffix == ".parquet":
        return pd.read_parquet(path, columns=["id", "text"])
    return pd.read_csv(path, usecols=["id", "text"], dtype=str, keep_default_na=False)


def components(n: int, pairs: list[tuple[int, int]]) -> np.ndarray:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(i) for i in range(n)])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("corpus", type=Path, help="folder with articles.parquet/csv, or the file")
    p.add_argument("--truth", type=Path, help="truth clusters (id, cluster)")
    p.add_argument("--num-perm", type=int, default=128)
    p.add_argument("--threshold", type=float, default=0.5)
    p.add_argument("--shingle", type=int, default=5)
    p.add_argument(
        "--hashfunc",
        choices=("sha1", "xxh32"),
        default="sha1",
        help="sha1: datasketch's default; xxh32: the hash newsdedup uses",
    )
    args = p.parse_args(argv)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    df = read_corpus(args.corpus)
    timings["read"] = time.perf_counter() - t

    kwargs = {}
    if args.hashfunc == "xxh32":
        from dedup.minhash import shingle_hash32

        kwargs["hashfunc"] = shingle_hash32
    t = time.perf_counter()
    sigs = []
    k = args.shingle
    for text in df["text"]:
        toks = WORD.findall(text.lower())
        sh = [" ".join(toks[i : i + k]) for i in range(max(1, len(toks) - k + 1))]
        m = MinHash(num_perm=args.num_perm, **kwargs)
        m.update_batch([s.encode("utf-8") for s in sh])
        sigs.append(m)
    timings["minhash"] = time.perf_counter() - t

    t = time.perf_counter()
    lsh = MinHashLSH(threshold=args.threshold, num_perm=args.num_perm)
    for i, m in enumerate(sigs):
        lsh.insert(i, m)
    timings["lsh_insert"] = time.perf_counter() - t
    t = time.perf_counter()
    pairs = []
    for i, m in enumerate(sigs):
        for j in lsh.query(m):
            if j > i:
                pairs.append((i, j))
    timings["lsh_query"] = time.perf_counter() - t

    t = time.perf_counter()
    labels = components(len(df), pairs)
    timings["components"] = time.perf_counter() - t
    out: dict[str, object] = {
        "n_articles": len(df),
        "n_pairs": len(pairs),
        "n_clusters": int(np.unique(labels).size),
        "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
        "total_seconds": round(sum(timings.values()), 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    if args.truth:
        from sklearn.metrics import adjusted_rand_score

        truth = pd.read_csv(args.truth, dtype=str).set_index("id")["cluster"]
        out["ari"] = round(float(adjusted_rand_score(truth.loc[df["id"]].to_numpy(), labels)), 4)
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
