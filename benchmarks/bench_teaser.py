"""Teaser pass: ``teaser_matches`` from token codes against the string pass it replaced
(``tests/teaser_reference.py``) on a synthetic corpus; matches checked equal.

    python benchmarks/bench_teaser.py --n 20000

Cleans the corpus and tokenises the bodies as ``newsdedup run`` does, then times each pass
in a fresh process and prints its time, the peak of the memory it allocates (traced by
``tracemalloc`` in a second run: numpy arrays and Python objects) and whether the matches
(pairs and shares) are equal.
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HERE = Path(__file__).resolve().parent


def prepare(n: int, out: Path) -> None:
    import pandas as pd

    from dedup.clean import clean_table
    from dedup.config import Config
    from dedup.pipeline import parse_times
    from dedup.textnorm import TokenTable

    corpus = HERE / "results" / f"corpus-{n}" / "articles.parquet"
    if not corpus.exists():
        subprocess.run(
            [sys.executable, str(HERE / "synth.py"), "--n", str(n), "--out", str(corpus.parent)],
            check=True,
        )
    table, sentences = clean_table(pd.read_parquet(corpus), Config().clean)
    inputs = {
        "sentences": sentences,
        "tokens": TokenTable.from_texts(table["body"]),
        "n_words": table["n_words"].to_numpy(),
        "times": parse_times(table["published_at"]),
        "titles": table["title"].tolist(),
    }
    out.write_bytes(pickle.dumps(inputs))


def one_pass(which: str, inputs: Path, out: Path) -> None:
    from dedup.config import Config

    if which == "reference":
        from tests.teaser_reference import teaser_matches
    else:
        from dedup.teaser import teaser_matches
    d = pickle.loads(inputs.read_bytes())
    sentences = d["sentences"] if which == "newsdedup" else list(d["sentences"])
    cfg = Config()
    import tracemalloc

    args = (d["tokens"], d["n_words"], d["times"], d["titles"], cfg.cluster, cfg.score)
    t = time.perf_counter()
    res = teaser_matches(sentences, *args, cfg.candidates.window_days)
    wall = time.perf_counter() - t
    tracemalloc.start()  # a second run for the memory: tracing slows every allocation
    teaser_matches(sentences, *args, cfg.candidates.window_days)
    grew = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    out.write_text(json.dumps({"wall": wall, "grew_mb": grew, "matches": res}))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=20000)
    p.add_argument("--pass", dest="one", choices=["reference", "newsdedup"])
    p.add_argument("--inputs", type=Path)
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)
    if args.one:
        one_pass(args.one, args.inputs, args.out)
        return
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "inputs.pickle"
        prepare(args.n, inputs)
        res = {}
        for which in ("reference", "newsdedup"):
            out = Path(tmp) / f"{which}.json"
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--pass",
                    which,
                    "--inputs",
                    str(inputs),
                    "--out",
                    str(out),
                ],
                check=True,
            )
            res[which] = json.loads(out.read_text())
    for which, r in res.items():
        print(
            f"{which:10} {r['wall']:7.1f} s  traced peak {r['grew_mb']:6.0f} MB  {len(r['matches'])} matches"
        )
    equal = res["reference"]["matches"] == res["newsdedup"]["matches"]
    print(f"matches equal: {equal}")
    if not equal:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
