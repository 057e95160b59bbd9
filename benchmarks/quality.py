"""Quality benchmark: run newsdedup with ONE config on every labelled set in ../shared/data
and print ONE table.

    python benchmarks/quality.py [--data DIR] [--config FILE] [--skip reuters,bbc] [--show N]

The texts are copyrighted: they are read from the data folder, adapted inputs are written to a
temporary folder (never into the repository) and nothing is kept. When the data folder is
absent the benchmark says so and exits 0.

Sets and what is measured (see ../shared/data/README.md):

* ``census``, ``spotify`` (articlecomparisons): pairwise P/R/F1, ARI, B-cubed F1.
* ``meter``: the same, plus per-label join rates: a newspaper article is *joined* when it
  shares a predicted cluster with any PA text of its story.
* ``seeds``: relation of the wire/rewrite pair, same cluster, boilerplate lines kept.
* ``semeval``: share of pairs people scored dissimilar (overall >= 3) that were called a
  version or put in one cluster (should be ~0), and of pairs scored similar (<= 1.5).
* ``reuters``: exact-duplicate group recall, J5 >= 0.9 group recall, merged pairs with
  different titles (templated-report suspects) listed for a person to check, and all pairs
  that share a cluster (chained ones too) with how many have different titles.
* ``bbc``: exact-duplicate group recall and pairwise P/R/F1 against the J5 >= 0.9 groups.
* ``msrp``: the sentence reuse match (score >= 1) as a paraphrase classifier.
"""

from __future__ import annotations

import argparse
import gzip
import math
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dedup.config import Config, load_config  # noqa: E402
from dedup.evaluate import cluster_metrics  # noqa: E402
from dedup.runner import run_files  # noqa: E402
from dedup.score import VERSION_RELATIONS, sentence_pair_similarity  # noqa: E402
from dedup.textnorm import tokenize  # noqa: E402

Row = dict[str, Any]


def _read(path: Path, **kw: Any) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kw)


def _run(frame: pd.DataFrame, config: Config, tmp: Path, name: str) -> Any:
    path = tmp / f"{name}.csv"
    frame.to_csv(path, index=False)
    t0 = time.perf_counter()
    out = run_files([path], None, config)
    out.seconds = time.perf_counter() - t0
    return out


def _cluster_row(out: Any, truth: pd.DataFrame) -> Row:
    pred = out.result.clusters.set_index("id")["cluster_id"]
    true = truth.set_index("id")["cluster"]
    common = pred.index.intersection(true.index)
    m = cluster_metrics(pred.loc[common], true.loc[common])
    return {
        "n": m["n_articles"],
        "P": m["precision"],
        "R": m["recall"],
        "F1": m["f1"],
        "ARI": m["ari"],
        "B3F1": m["bcubed_f1"],
        "sec": out.seconds,
    }


def _same(out: Any) -> Callable[[str, str], bool]:
    pmap = out.result.clusters.set_index("id")["cluster_id"].to_dict()
    return lambda a, b: a in pmap and b in pmap and pmap[a] == pmap[b]


def _pair_relations(out: Any) -> dict[tuple[str, str], str]:
    p = out.result.pairs
    return {
        (min(a, b), max(a, b)): r
        for a, b, r in zip(p["id_a"], p["id_b"], p["relation"], strict=True)
    }


def articlecomparisons(data: Path, config: Config, tmp: Path, name: str) -> Row:
    d = data / "articlecomparisons"
    arts = _read(d / f"{name}_articles.csv")
    frame = pd.DataFrame(
        {
            "id": arts["id"],
            "source": arts["publisher"],
            "published_at": arts["scrape_time"],
            "text": arts["text"],
        }
    )
    out = _run(frame, config, tmp, name)
    row = _cluster_row(out, _read(d / f"{name}_clusters.csv"))
    row["note"] = _worst_note(out, _read(d / f"{name}_clusters.csv"))
    return row


def _worst_note(out: Any, truth: pd.DataFrame) -> str:
    same = _same(out)
    tmap = truth.set_index("id")["cluster"].to_dict()
    ids = sorted(tmap)
    fm, miss = [], []
    for x in range(len(ids)):
        for y in range(x + 1, len(ids)):
            a, b = ids[x], ids[y]
            if same(a, b) and tmap[a] != tmap[b]:
                fm.append(f"{a}+{b}")
            elif tmap[a] == tmap[b] and not same(a, b):
                miss.append(f"{a}/{b}")
    return f"false merges {' '.join(fm[:6]) or '-'}; misses {' '.join(miss[:6]) or '-'}"


def meter(data: Path, config: Config, tmp: Path) -> Row:
    d = data / "meter"
    arts = _read(d / "articles.csv")
    labels = _read(d / "labels.csv")
    arts = arts[arts["id"].isin(set(labels["id"]))]
    frame = arts[["id", "source", "published_at", "title", "text"]]
    out = _run(frame, config, tmp, "meter")
    truth = _read(d / "clusters.csv")
    row = _cluster_row(out, truth)
    pmap = out.result.clusters.set_index("id")["cluster_id"].to_dict()
    pa_clusters: dict[str, set[str]] = {}
    for rec in labels.itertuples(index=False):
        if rec.label == "source":
            pa_clusters.setdefault(rec.cluster, set()).add(pmap[rec.id])
    rates: dict[str, list[bool]] = {}
    for rec in labels.itertuples(index=False):
        if rec.label != "source":
            joined = pmap[rec.id] in pa_clusters.get(rec.cluster, set())
            rates.setdefault(rec.label, []).append(joined)
    for label, key in (
        ("wholly-derived", "wholly"),
        ("partially-derived", "partially"),
        ("non-derived", "non"),
    ):
        v = rates.get(label, [])
        row[key] = float(np.mean(v)) if v else math.nan
    row["note"] = (
        f"joined: wholly {row['wholly']:.0%} (>=90%), partially {row['partially']:.0%} "
        f"(>=75%), non {row['non']:.0%} (<=10%)"
    )
    return row


_SEED_BOILER = (14, 37)  # 1-based lines of the wire page that are site furniture


def seeds(data: Path, config: Config, tmp: Path) -> Row:
    d = data / "seeds"
    wire = (d / "wire_reuters.txt").read_text(encoding="utf-8")
    rewrite = (d / "rewrite_outlet.txt").read_text(encoding="utf-8")
    frame = pd.DataFrame(
        {"id": ["wire_reuters", "rewrite_outlet"], "source": ["", ""], "text": [wire, rewrite]}
    )
    out = _run(frame, config, tmp, "seeds")
    rel = _pair_relations(out).get(("rewrite_outlet", "wire_reuters"), "unpaired")
    same = _same(out)("wire_reuters", "rewrite_outlet")
    body = out.result.articles.set_index("id").loc["wire_reuters", "body"]
    body_keys = {" ".join(tokenize(ln)) for ln in body.split("\n")}
    lo, hi = _SEED_BOILER
    boiler = [ln for ln in wire.split("\n")[lo - 1 : hi] if tokenize(ln)]
    kept = sum(1 for ln in boiler if " ".join(tokenize(ln)) in body_keys)
    story = [ln for ln in wire.split("\n")[1 : lo - 1] if tokenize(ln)]
    lost = sum(1 for ln in story if " ".join(tokenize(ln)) not in body_keys)
    ok = rel == "rewrite" and same and kept == 0
    return {
        "n": 2,
        "F1": 1.0 if same else 0.0,
        "sec": out.seconds,
        "note": f"relation {rel}, same cluster {same}, boilerplate lines kept {kept}/"
        f"{len(boiler)}, story lines lost {lost}/{len(story)} -> {'PASS' if ok else 'FAIL'}",
    }


def semeval(data: Path, config: Config, tmp: Path) -> Row:
    d = data / "semeval2022"
    arts = _read(d / "articles_train.csv")
    pairs = _read(d / "pairs_train.csv")
    frame = pd.DataFrame(
        {"id": arts["id"], "source": "", "title": arts["title"], "text": arts["text"]}
    )
    out = _run(frame, config, tmp, "semeval")
    rels = _pair_relations(out)
    same = _same(out)
    bad_far, n_far, near_joined, n_near = [], 0, 0, 0
    for rec in pairs.itertuples(index=False):
        a, b = min(rec.id1, rec.id2), max(rec.id1, rec.id2)
        rel = rels.get((a, b), "")
        version = rel in VERSION_RELATIONS or same(a, b)
        score = float(rec.overall)
        if score >= 3:
            n_far += 1
            if version:
                bad_far.append(f"{a}_{b}:{rel or 'cluster'}({score:.2f})")
        if score <= 1.5:
            n_near += 1
            near_joined += version
    share = len(bad_far) / n_far if n_far else 0.0
    return {
        "n": len(arts),
        "far_bad": share,
        "sec": out.seconds,
        "note": f"dissimilar pairs called versions {len(bad_far)}/{n_far} ({share:.1%}, <=1%) "
        f"{' '.join(bad_far[:4])}; similar pairs joined {near_joined}/{n_near}",
    }


def _group_recall(
    dups: pd.DataFrame, same: Callable[[str, str], bool], mask: pd.Series
) -> tuple[int, int, list[str]]:
    groups: dict[str, set[str]] = {}
    for rec in dups[mask].itertuples(index=False):
        groups.setdefault(str(rec.group), set()).update((str(rec.id1), str(rec.id2)))
    found, missed = 0, []
    for _g, ids in sorted(groups.items()):
        s = sorted(ids)
        if all(same(s[0], x) for x in s[1:]):
            found += 1
        else:
            missed.append("/".join(s))
    return found, len(groups), missed


def reuters(data: Path, config: Config, tmp: Path, show: int) -> Row:
    d = data / "reuters21578"
    with gzip.open(d / "reuters21578.csv.gz", "rt", encoding="utf-8") as fh:
        arts = pd.read_csv(fh, dtype=str, keep_default_na=False)
    frame = pd.DataFrame(
        {
            "id": arts["newid"],
            "source": "",
            "published_at": arts["date"],
            "title": arts["title"],
            "text": arts["body"],
        }
    )
    out = _run(frame, config, tmp, "reuters")
    same = _same(out)
    dups = pd.read_csv(d / "duplicates.csv")
    exact = dups["exact_after_ws_norm"].astype(str).str.lower() == "true"
    ex_found, ex_total, ex_missed = _group_recall(dups, same, exact)
    j_found, j_total, _ = _group_recall(dups, same, pd.Series(True, index=dups.index))
    # Merged pairs whose titles differ: where templated reports would be wrongly joined.
    titles = arts.set_index("newid")["title"].to_dict()
    bodies = arts.set_index("newid")["body"].to_dict()
    p = out.result.pairs
    p = p[p["relation"].isin(VERSION_RELATIONS)]
    suspects = []
    for rec in p.itertuples(index=False):
        ta, tb = set(tokenize(titles[rec.id_a])), set(tokenize(titles[rec.id_b]))
        tj = len(ta & tb) / len(ta | tb) if ta | tb else 1.0
        if tj < 0.5 and same(rec.id_a, rec.id_b):
            suspects.append((rec.id_a, rec.id_b, rec.relation, tj))
    # Every pair of articles that share a cluster (chained ones too) with different titles.
    clusters = out.result.clusters
    in_cluster, apart = 0, 0
    for ids in clusters[clusters["size"] > 1].groupby("cluster_id")["id"]:
        members = sorted(ids[1])
        for x in range(len(members)):
            tx = set(tokenize(titles[members[x]]))
            for y in range(x + 1, len(members)):
                ty = set(tokenize(titles[members[y]]))
                in_cluster += 1
                apart += len(tx & ty) < 0.5 * len(tx | ty)
    rnd = random.Random(7)
    sample = rnd.sample(suspects, min(show, len(suspects))) if show else []
    if sample:
        print(f"\nreuters: {len(sample)} of {len(suspects)} merged pairs with title Jaccard < 0.5")
        for a, b, rel, tj in sorted(sample, key=lambda t: (int(t[0]), int(t[1]))):
            print(f"  {a}/{b} {rel} tj={tj:.2f}")
            print(f"    A {titles[a][:70]} | {' '.join(bodies[a].split()[:18])}")
            print(f"    B {titles[b][:70]} | {' '.join(bodies[b].split()[:18])}")
    return {
        "n": len(arts),
        "exact_rec": ex_found / ex_total if ex_total else math.nan,
        "sec": out.seconds,
        "note": f"exact groups {ex_found}/{ex_total}, J5>=0.9 groups {j_found}/{j_total}, "
        f"merged different-title pairs {len(suspects)}; same-cluster pairs {in_cluster}, "
        f"{apart} with title Jaccard < 0.5; missed exact {' '.join(ex_missed[:5])}",
    }


def bbc(data: Path, config: Config, tmp: Path) -> Row:
    d = data / "bbc"
    arts = _read(d / "bbc.csv")
    frame = pd.DataFrame(
        {"id": arts["id"], "source": "", "title": arts["title"], "text": arts["text"]}
    )
    out = _run(frame, config, tmp, "bbc")
    dups = pd.read_csv(d / "duplicates.csv", dtype={"id1": str, "id2": str})
    same = _same(out)
    exact = dups["exact_after_ws_norm"].astype(str).str.lower() == "true"
    ex_found, ex_total, _ = _group_recall(dups, same, exact)
    cluster = {i: f"s_{i}" for i in arts["id"]}
    for rec in dups.itertuples(index=False):
        g = f"g_{rec.group}"
        cluster[rec.id1] = cluster[rec.id2] = g
    truth = pd.DataFrame({"id": list(cluster), "cluster": list(cluster.values())})
    row = _cluster_row(out, truth)
    row["exact_rec"] = ex_found / ex_total if ex_total else math.nan
    row["note"] = f"exact groups {ex_found}/{ex_total}; truth = J5>=0.9 groups (P is a floor)"
    return row


def msrp(data: Path, config: Config, tmp: Path) -> Row:
    rows: list[Row] = []
    for split in ("train", "test"):
        df = pd.read_csv(
            data / "msrp" / f"{split}.tsv", sep="\t", quoting=3, dtype=str, keep_default_na=False
        )
        t0 = time.perf_counter()
        sims = sentence_pair_similarity(
            list(zip(df["sentence1"], df["sentence2"], strict=True)), config.score
        )
        secs = time.perf_counter() - t0
        y = df["label"].astype(int).to_numpy() == 1
        pred = sims >= 1.0
        tp = int((pred & y).sum())
        prec = tp / max(1, int(pred.sum()))
        rec = tp / max(1, int(y.sum()))
        acc = float((pred == y).mean())
        rows.append({"split": split, "P": prec, "R": rec, "acc": acc, "sec": secs, "sims": sims})
    tr, te = rows
    neg = tr["sims"][
        pd.read_csv(data / "msrp" / "train.tsv", sep="\t", quoting=3, dtype=str)["label"]
        .astype(int)
        .to_numpy()
        == 0
    ]
    return {
        "n": 5801,
        "P": te["P"],
        "R": te["R"],
        "F1": 2 * te["P"] * te["R"] / (te["P"] + te["R"]),
        "sec": tr["sec"] + te["sec"],
        "note": f"test acc {te['acc']:.3f} at sentence_match {config.score.sentence_match} / "
        f"reuse_match {config.score.reuse_match}; "
        f"train P {tr['P']:.3f} R {tr['R']:.3f}; negatives' median score (match >= 1) "
        f"{float(np.median(neg)):.2f}",
    }


COLUMNS = ("set", "n", "P", "R", "F1", "ARI", "B3F1", "sec")


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "-" if math.isnan(v) else f"{v:.3f}" if v <= 1.0 else f"{v:.1f}"
    return "-" if v is None else str(v)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"), metavar="DIR")
    ap.add_argument("--config", metavar="FILE", help="TOML config (defaults otherwise)")
    ap.add_argument("--skip", default="", help="comma-separated sets to skip")
    ap.add_argument("--only", default="", help="comma-separated sets to run")
    ap.add_argument("--show", type=int, default=50, help="Reuters suspect pairs to list (50)")
    args = ap.parse_args(argv)
    data = Path(args.data)
    if not data.is_dir():
        print(f"quality: no labelled data at {data}; skipping (nothing to measure).")
        return 0
    config = load_config(args.config)
    skip = {s for s in args.skip.split(",") if s}
    only = {s for s in args.only.split(",") if s}
    sets: list[tuple[str, Callable[[Path], Row]]] = [
        ("census", lambda t: articlecomparisons(data, config, t, "census")),
        ("spotify", lambda t: articlecomparisons(data, config, t, "spotify")),
        ("meter", lambda t: meter(data, config, t)),
        ("seeds", lambda t: seeds(data, config, t)),
        ("semeval", lambda t: semeval(data, config, t)),
        ("msrp", lambda t: msrp(data, config, t)),
        ("bbc", lambda t: bbc(data, config, t)),
        ("reuters", lambda t: reuters(data, config, t, args.show)),
    ]
    results: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="newsdedup-quality-") as tmpdir:
        for name, fn in sets:
            if name in skip or (only and name not in only):
                continue
            if not (data / _FOLDER[name]).exists():
                print(f"quality: {name}: data folder missing, skipped", file=sys.stderr)
                continue
            row = fn(Path(tmpdir))
            row["set"] = name
            results.append(row)
            print(f"  done {name} in {row.get('sec', 0):.1f}s", file=sys.stderr)
    print()
    print(" | ".join(f"{c:>7}" for c in COLUMNS) + " | note")
    for row in results:
        cells = [f"{_fmt(row.get(c)):>7}" for c in COLUMNS]
        print(" | ".join(cells) + " | " + str(row.get("note", "")))
    return 0


_FOLDER = {
    "census": "articlecomparisons",
    "spotify": "articlecomparisons",
    "meter": "meter",
    "seeds": "seeds",
    "semeval": "semeval2022",
    "msrp": "msrp",
    "bbc": "bbc",
    "reuters": "reuters21578",
}

if __name__ == "__main__":
    raise SystemExit(main())
