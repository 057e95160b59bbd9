"""Speed and memory: ``newsdedup run`` against the plain datasketch script, side by side.

    python benchmarks/bench_speed.py --n 20000 [--n 100000 ...] [--skip-baseline]

For each size: generates (or reuses) the synthetic corpus in ``benchmarks/results/``, runs the
baseline (:mod:`baseline_datasketch`) and ``newsdedup run`` as subprocesses on it, measures
wall time and peak RSS of each, reads the stage timings from ``run.json``, scores both
clusterings against the known truth (ARI) and prints a table with the ratios. Everything is
written to ``benchmarks/results/`` (git-ignored), with the machine and library versions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def child_peak(cmd: list[str], log: Path) -> tuple[float, float, str]:
    """Run ``cmd`` in a fresh interpreter that reports its own child's peak RSS, so that
    ``RUSAGE_CHILDREN`` covers exactly one command."""
    wrapper = (
        "import json,os,resource,subprocess,sys,time;"
        "t=time.perf_counter();"
        "p=subprocess.run(sys.argv[1:],stdout=subprocess.PIPE,text=True);"
        "w=time.perf_counter()-t;"
        "r=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024.0;"
        "sys.stdout.write(json.dumps({'rc':p.returncode,'wall':w,'peak':r,'out':p.stdout}))"
    )
    with log.open("w") as err:
        proc = subprocess.run(
            [sys.executable, "-c", wrapper, *cmd], stdout=subprocess.PIPE, stderr=err, text=True
        )
    res = json.loads(proc.stdout)
    if res["rc"]:
        raise SystemExit(f"{' '.join(cmd)} failed ({res['rc']}); see {log}")
    return float(res["wall"]), float(res["peak"]), str(res["out"])


def ari(truth_csv: Path, clusters_csv: Path) -> float:
    from sklearn.metrics import adjusted_rand_score

    truth = pd.read_csv(truth_csv, dtype=str).set_index("id")["cluster"]
    pred = pd.read_csv(clusters_csv, dtype=str, usecols=["id", "cluster_id"])
    return float(adjusted_rand_score(truth.loc[pred["id"]].to_numpy(), pred["cluster_id"]))


def versions() -> dict[str, str]:
    import datasketch
    import numpy
    import scipy
    import sklearn

    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
        "datasketch": datasketch.__version__,
    }


def machine() -> dict[str, object]:
    mem = 0
    try:
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) // 1024
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "memory_mb": mem,
    }


def bench_size(n: int, args: argparse.Namespace) -> dict[str, object]:
    corpus = RESULTS / f"corpus-{n}"
    if not (corpus / "articles.parquet").exists():
        subprocess.run(
            [sys.executable, str(HERE / "synth.py"), "--n", str(n), "--out", str(corpus)],
            check=True,
        )
    truth = corpus / "truth.csv"
    row: dict[str, object] = {"n": n}
    if not args.skip_baseline:
        wall, peak, out = child_peak(
            [
                sys.executable,
                str(HERE / "baseline_datasketch.py"),
                str(corpus),
                "--truth",
                str(truth),
            ],
            RESULTS / f"baseline-{n}.log",
        )
        base = json.loads(out)
        row["baseline"] = {"wall": wall, "peak_mb": peak, **base}
    out_dir = RESULTS / f"run-{n}"
    cmd = [
        sys.executable,
        "-m",
        "dedup",
        "run",
        str(corpus / "articles.parquet"),
        "--out",
        str(out_dir),
    ]
    cmd += ["--no-progress"]
    if args.config:
        cmd += ["--config", str(args.config)]
    wall, peak, _ = child_peak(cmd, RESULTS / f"run-{n}.log")
    manifest = json.loads((out_dir / "run.json").read_text())
    row["newsdedup"] = {
        "wall": wall,
        "peak_mb": peak,
        "timings_seconds": manifest.get("timings_seconds", {}),
        "counts": manifest.get("counts", {}),
        "ari": ari(truth, out_dir / "clusters.csv"),
    }
    return row


def print_row(row: dict[str, object]) -> None:
    nd = row["newsdedup"]
    assert isinstance(nd, dict)
    print(f"\n== {row['n']:,} articles ==")
    print(f"{'':24}{'wall s':>10}{'peak MB':>10}{'ARI':>8}")
    base = row.get("baseline")
    if isinstance(base, dict):
        print(
            f"{'datasketch baseline':24}{base['wall']:10.1f}{base['peak_mb']:10.0f}{base.get('ari', float('nan')):8.4f}"
        )
    print(f"{'newsdedup run':24}{nd['wall']:10.1f}{nd['peak_mb']:10.0f}{nd['ari']:8.4f}")
    if isinstance(base, dict):
        print(f"speed-up (baseline wall / newsdedup wall): {base['wall'] / nd['wall']:.2f}x")
        bt = base["timings_seconds"]
        print("baseline stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in bt.items()))
    print(
        "newsdedup stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in nd["timings_seconds"].items())
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--n", type=int, action="append", help="corpus size (repeatable); 20000 by default"
    )
    p.add_argument("--skip-baseline", action="store_true", help="only run newsdedup")
    p.add_argument("--config", type=Path, help="newsdedup config file")
    args = p.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.n or [20000]:
        row = bench_size(n, args)
        print_row(row)
        rows.append(row)
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        ta, tb = a["newsdedup"]["wall"], b["newsdedup"]["wall"]  # type: ignore[index]
        print(
            f"\ngrowth {a['n']:,} -> {b['n']:,}: time x{tb / ta:.2f} for size x{b['n'] / a['n']:.1f}"
        )  # type: ignore[operator]
    stamp = time.strftime("%Y%m%dT%H%M%S")
    out = {"machine": machine(), "versions": versions(), "rows": rows}
    path = RESULTS / f"speed-{stamp}.json"
    path.write_text(json.dumps(out, indent=2))
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
