"""Clean stage: ``clean_frame`` against the straightforward implementation it replaced
(``tests/clean_reference.py``) on a synthetic corpus; outputs checked equal, every column.

    python benchmarks/bench_clean.py --n 20000 [--repeat 3] [--profile]

Prints the best of ``--repeat`` timings of each and their ratio; ``--profile`` adds the top
functions of a cProfile run of the new stage.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dedup.clean import clean_frame  # noqa: E402
from tests import clean_reference  # noqa: E402

HERE = Path(__file__).resolve().parent


def load_corpus(n: int) -> pd.DataFrame:
    corpus = HERE / "results" / f"corpus-{n}" / "articles.parquet"
    if not corpus.exists():
        subprocess.run(
            [sys.executable, str(HERE / "synth.py"), "--n", str(n), "--out", str(corpus.parent)],
            check=True,
        )
    return pd.read_parquet(corpus)


def best_time(fn: Callable[[], pd.DataFrame], repeat: int) -> tuple[float, pd.DataFrame]:
    best = float("inf")
    out = pd.DataFrame()
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=20000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--profile", action="store_true")
    args = p.parse_args(argv)
    articles = load_corpus(args.n)
    t_old, old = best_time(lambda: clean_reference.clean_frame(articles), args.repeat)
    t_new, new = best_time(lambda: clean_frame(articles), args.repeat)
    equal = list(new.columns) == list(old.columns) and all(
        new[c].tolist() == old[c].tolist() for c in old.columns
    )
    n = len(articles)
    print(
        f"clean_frame, {n:,} articles (best of {args.repeat}): reference {t_old:.2f}s "
        f"({1000 * t_old / n:.3f} ms/article), newsdedup {t_new:.2f}s "
        f"({1000 * t_new / n:.3f} ms/article): {t_old / t_new:.2f}x; output equal: {equal}"
    )
    if args.profile:
        prof = cProfile.Profile()
        prof.runcall(clean_frame, articles)
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)
    if not equal:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
