"""State-store benchmark: N new articles against a store of M stored articles.

    python benchmarks/state_bench.py --stored 1000000 --new 10000

Builds (once, cached under ``--work``) a synthetic store of ``--stored`` invented articles
spread over ``--days`` days, then times ``newsdedup run NEW.csv --state STORE`` in a child
process on ``--new`` articles dated on the last day (wall time, peak RSS of the child, stage
timings from ``run.json``), and then the same run again (a no-op re-run).

The text is invented: random words made of syllables, drawn with a fixed seed; a share of the
articles are versions (copies with edited sentences) of earlier ones, so clusters exist.
Stored rows are written straight into the store in one transaction (executemany) with their
cluster assignment known by construction and random signatures (the store keeps signatures for
reference; runs recompute them from the text, so their values do not change the timing).
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

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dedup.incremental import content_hash  # noqa: E402
from dedup.pipeline import cluster_id_for  # noqa: E402
from dedup.score import PAIR_COLUMNS  # noqa: E402
from dedup.state import RunRecord, StateStore, StateUpdate, extra_to_json  # noqa: E402

_SYL = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]  # 70 syllables
_DAY = 86400.0
_T0 = pd.Timestamp("2026-01-01T00:00:00", tz="UTC")


def vocabulary(rng: np.random.Generator, size: int = 40000) -> np.ndarray:
    syl = np.array(_SYL)
    words = {"".join(rng.choice(syl, rng.integers(2, 4))) for _ in range(size * 2)}  # unique words
    return np.array(sorted(words)[:size])


def make_articles(
    n: int, start_day: float, days: float, seed: int, prefix: str, dup_share: float = 0.3
) -> pd.DataFrame:
    """``n`` invented articles published uniformly over ``days`` days from ``start_day``."""
    rng = np.random.default_rng(seed)
    vocab = vocabulary(np.random.default_rng(0))
    lengths = rng.integers(60, 140, n)
    word_idx = rng.zipf(1.2, int(lengths.sum())) % len(vocab)
    words = vocab[word_idx]
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    texts: list[str] = []
    for k in range(n):
        w = words[bounds[k] : bounds[k + 1]]
        sents = [" ".join(w[i : i + 12]) + "." for i in range(0, len(w), 12)]
        texts.append("\n".join(sents))
    versions = np.flatnonzero(rng.random(n) < dup_share)
    for k in versions:
        if k == 0:
            continue
        src = int(rng.integers(max(0, k - 200), k))  # a version of a recent article
        lines = texts[src].split("\n")
        lines[int(rng.integers(len(lines)))] = " ".join(rng.choice(vocab, 10)) + "."
        texts[k] = "\n".join(lines)
    ts = np.sort(start_day * _DAY + rng.random(n) * days * _DAY)
    published = (_T0 + pd.to_timedelta(ts, unit="s")).strftime("%Y-%m-%dT%H:%M:%S")
    return pd.DataFrame(
        {
            "id": [f"{prefix}{k:07d}" for k in range(n)],
            "source": [f"source-{k % 40}" for k in range(n)],
            "published_at": list(published),
            "title": [t.split(".")[0][:60] for t in texts],
            "url": "",
            "text": texts,
        }
    ), ts


def build_store(path: Path, n: int, days: float, num_perm: int = 128) -> float:
    t0 = time.perf_counter()
    arts, ts = make_articles(n, 0.0, days, seed=1, prefix="s")
    arts["extra_json"] = "{}"
    arts["content_hash"] = [
        content_hash(v)
        for v in zip(
            *(arts[c].tolist() for c in ("id", "source", "published_at", "title", "url", "text")),
            arts["extra_json"].tolist(),
            strict=True,
        )
    ]
    arts["window_ts"] = (ts + (_T0 - pd.Timestamp(0, tz="UTC")).total_seconds()).tolist()
    arts["first_run"] = 1
    arts["n_words"] = arts["text"].str.count(" ") + 1
    arts["n_boilerplate_lines"] = 0
    arts["cluster_id"] = [cluster_id_for(i) for i in arts["id"]]
    arts["is_canonical"] = 1
    arts["size"] = 1
    arts["similarity_to_canonical"] = 1.0
    arts["relation_to_canonical"] = "canonical"
    rng = np.random.default_rng(2)
    sigs = rng.integers(0, 2**32, (n, num_perm), dtype=np.uint32)
    scheme = {"num_perm": num_perm, "seed": 1, "shingle_size": 5, "hash": "xxh32", "scheme": "x"}
    pairs = pd.DataFrame(columns=list(PAIR_COLUMNS))
    clusters = pd.DataFrame({"cluster_id": arts["cluster_id"], "created_run": -1, "status": "new"})
    print(f"generated {n} stored articles in {time.perf_counter() - t0:.1f}s", flush=True)
    with StateStore.open(path) as store:
        record = RunRecord("synthetic", "synthetic", float(arts["window_ts"].max()), 0.0, n, n)
        store.save_run(
            record,
            StateUpdate(
                articles=arts,
                signatures=sigs,
                signature_ids=arts["id"].tolist(),
                scheme=scheme,
                clusters=clusters,
                merges=[],
                pairs=pairs,
            ),
        )
    _ = extra_to_json
    return time.perf_counter() - t0


# A small parent for each timed run: on Linux a child's peak RSS starts from its parent's RSS
# at fork, so the run is started from this fresh, small interpreter, not from the benchmark.
_WRAPPER = (
    "import json,resource,subprocess,sys,time;t=time.perf_counter();"
    "p=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE,text=True);"
    "print(json.dumps({'rc':p.returncode,'wall':time.perf_counter()-t,'err':p.stderr,"
    "'peak_kib':resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))"
)


def timed_run(inputs: list[Path], out: Path, extra: list[str]) -> dict[str, object]:
    """Run ``newsdedup run`` in a child; wall time, peak RSS, stage timings."""
    cmd = [sys.executable, "-m", "dedup", "run", *map(str, inputs), "--out", str(out)]
    cmd += [*extra, "--no-progress", "-v"]
    proc = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *cmd], cwd=ROOT, capture_output=True, text=True
    )
    res = json.loads(proc.stdout)
    if res["rc"] != 0:
        raise SystemExit(f"run failed ({res['rc']}): {res['err'][-2000:]}")
    manifest = json.loads((out / "run.json").read_text())
    timings = manifest["timings_seconds"]
    stages = {k: v for k, v in timings.items() if not k.startswith("state_")}
    return {
        "wall_seconds": round(res["wall"], 2),
        "pipeline_seconds": round(sum(stages.values()), 2),
        "outside_pipeline_seconds": round(res["wall"] - sum(stages.values()), 2),
        "peak_rss_mib": round(res["peak_kib"] / 1024, 1),
        "stage_timings": timings,
        "state": manifest["counts"].get("state"),
        "summary": res["err"].strip().splitlines()[-2:],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stored", type=int, default=1_000_000)
    ap.add_argument("--new", type=int, default=10_000)
    ap.add_argument("--days", type=float, default=365.0, help="days the store spans")
    ap.add_argument("--window-days", type=float, default=7.0)
    ap.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "results" / "state")
    ap.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--baseline", action="store_true", help="also time a run without --state")
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    base = a.work / f"store-{a.stored}-{a.days:g}d.db"
    if a.build_only:
        tmp = base.with_suffix(".building")
        tmp.unlink(missing_ok=True)
        seconds = build_store(tmp, a.stored, a.days)
        tmp.replace(base)
        Path(str(tmp) + ".lock").unlink(missing_ok=True)
        print(f"built {base.name} in {seconds:.1f}s ({base.stat().st_size / 2**20:.0f} MiB)")
        return 0
    if not base.exists():  # built in a child, so this process stays small
        subprocess.run([sys.executable, __file__, *sys.argv[1:], "--build-only"], check=True)
    store = a.work / "store-under-test.db"
    subprocess.run(["cp", "--reflink=auto", str(base), str(store)], check=True)
    new, _ = make_articles(a.new, a.days - 1.0, 1.0, seed=7, prefix="n")
    new_csv = a.work / f"new-{a.new}.csv"
    new.drop(columns=["url"]).to_csv(new_csv, index=False)
    config = a.work / "config.toml"
    config.write_text(
        f"[state]\nwindow_days = {a.window_days}\nretention_days = {max(a.days, a.window_days) + 30}\n"
    )
    state = ["--state", str(store), "--config", str(config)]
    first = timed_run([new_csv], a.work / "out-run", state)
    again = timed_run([new_csv], a.work / "out-rerun", state)
    baseline = timed_run([new_csv], a.work / "out-plain", []) if a.baseline else None
    report = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "stored": a.stored,
        "new": a.new,
        "days": a.days,
        "window_days": a.window_days,
        "store_mib": round(store.stat().st_size / 2**20, 1),
        "run": first,
        "rerun_same_input": again,
        "baseline_without_state": baseline,
    }
    print(json.dumps(report, indent=2))
    (a.work / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
