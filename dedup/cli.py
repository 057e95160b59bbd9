"""Command-line interface: ``newsdedup run | demo | eval``.

Thin by design: parse arguments, load config, call :mod:`dedup.runner`, map errors to exit
codes (0 done, 2 bad input/options/config, 1 unexpected failure).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from dedup import __version__
from dedup.config import Config, load_config
from dedup.errors import DedupError, InputError
from dedup.evaluate import evaluate_clusters, evaluate_pairs, read_truth
from dedup.ingest import csv_separator
from dedup.runner import demo_corpus_path, run_files

log = logging.getLogger("dedup")

_COLUMN_FLAGS = ("id", "text", "title", "source", "published_at", "url")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # exit 2 with one line, as argparse does
        self.exit(2, f"{self.prog}: error: {message}\n")


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE", help="TOML config file (defaults otherwise)")
    for col in _COLUMN_FLAGS:
        flag = "--" + col.replace("_", "-") + "-col"
        p.add_argument(
            flag,
            dest=f"{col}_col",
            metavar="NAME",
            help=f"input column holding the article {col.replace('_', ' ')}",
        )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("-v", "--verbose", action="store_true", help="log stage timings to stderr")


def _add_html(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--html",
        action="store_true",
        help="also write report.html: clusters and versions side by side, shared "
        "passages highlighted (self-contained, no scripts)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newsdedup",
        description="Find duplicate and near-duplicate news articles, cluster the versions "
        "of each story and report overlap scores as CSV.",
    )
    parser.add_argument("--version", action="version", version=f"newsdedup {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = sub.add_parser(
        "run",
        help="run the pipeline on articles and write CSV reports",
        description="Run the whole pipeline on INPUT (CSV, JSONL, Parquet, "
        "or a folder of .txt/.html files) and write articles.csv, pairs.csv, "
        "clusters.csv, run.json (and rejects.csv) into --out.",
    )
    run.add_argument("inputs", nargs="+", metavar="INPUT")
    run.add_argument("--out", required=True, metavar="DIR", help="output folder")
    run.add_argument(
        "--state",
        metavar="DB",
        help="state store (SQLite file) of scheduled runs: compare with earlier runs inside "
        "[state] window_days, keep story ids stable; reports cover the whole window",
    )
    _add_common(run)
    _add_html(run)

    demo = sub.add_parser(
        "demo",
        help="run on the small invented corpus shipped with newsdedup",
        description="Run the pipeline on the bundled invented demo corpus.",
    )
    demo.add_argument("--out", required=True, metavar="DIR", help="output folder")
    _add_common(demo)
    _add_html(demo)

    ev = sub.add_parser(
        "eval",
        help="score the pipeline against labelled clusters or pairs",
        description="Run the pipeline on INPUT and compare its clusters with "
        "--truth: a CSV of 'id, cluster' (labelled clusters) or 'id1, id2, "
        "label' (labelled pairs). Prints precision, recall, F1, ARI, B-cubed, "
        "and the worst false merges and misses.",
    )
    ev.add_argument("inputs", nargs="+", metavar="INPUT")
    ev.add_argument("--truth", required=True, metavar="FILE", help="labelled clusters or pairs")
    ev.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ev.add_argument("--out", metavar="DIR", help="also write the run's reports here")
    ev.add_argument("--worst", type=int, default=10, metavar="N", help="errors to list (10)")
    _add_common(ev)
    return parser


def _config_from_args(args: argparse.Namespace) -> Config:
    config = load_config(args.config)
    overrides = {
        f"{c}_col": getattr(args, f"{c}_col")
        for c in _COLUMN_FLAGS
        if getattr(args, f"{c}_col", None)
    }
    if overrides:
        config = dataclasses.replace(config, input=dataclasses.replace(config.input, **overrides))
    if getattr(args, "state", None):
        config = dataclasses.replace(
            config, state=dataclasses.replace(config.state, path=args.state)
        )
    return config


def _progress(args: argparse.Namespace) -> bool:
    return not args.no_progress and sys.stderr.isatty()


def _cmd_run(args: argparse.Namespace, inputs: Sequence[str]) -> int:
    config = _config_from_args(args)
    out = run_files(
        inputs, args.out, config, progress=_progress(args), html=getattr(args, "html", False)
    )
    c = out.manifest["counts"]
    print(
        f"{c['accepted']} articles ({c['rejected']} rejected), {c['clusters']} clusters "
        f"({c['multi_article_clusters']} with more than one version), "
        f"{len(out.result.pairs)} pairs -> {args.out}",
        file=sys.stderr,
    )
    state = c.get("state")
    if state:
        by = state.get("clusters_by_status", {})
        print(
            f"state run {state['run_id']}: {state['new']} new, {state['updated']} updated, "
            f"{state['already_stored']} already stored, {state['pruned']} pruned; "
            + (
                ", ".join(f"{v} {k}" for k, v in by.items() if k != "unchanged" and v)
                or "no cluster changed"
            ),
            file=sys.stderr,
        )
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    config = _config_from_args(args)
    truth_path = Path(args.truth)
    if not truth_path.exists():
        raise InputError(f"{truth_path}: no such truth file")
    kind, truth = read_truth(
        pd.read_csv(
            truth_path,
            sep=csv_separator(truth_path),
            dtype=str,
            keep_default_na=False,
        ),
        str(truth_path),
    )
    out = run_files(args.inputs, args.out, config, progress=_progress(args))
    res = out.result
    if kind == "clusters":
        ev = evaluate_clusters(res.clusters, res.pairs, res.articles, truth, worst=args.worst)
        metrics = ev.metrics
    else:
        ev = evaluate_pairs(res.clusters, truth, res.pairs, res.articles, worst=args.worst)
        metrics = ev.metrics
        metrics["n_articles"] = len(res.clusters)
    if args.json:
        print(json.dumps(metrics, sort_keys=True, default=float))
        return 0
    print(f"newsdedup eval: {len(res.clusters)} articles, truth {truth_path} ({kind})")
    for key in (
        "precision",
        "recall",
        "f1",
        "ari",
        "bcubed_precision",
        "bcubed_recall",
        "bcubed_f1",
    ):
        if key in metrics:
            print(f"  {key:<18} {metrics[key]:.4f}")
    for key, value in metrics.items():
        if key.startswith("n_"):
            print(f"  {key:<18} {value}")
    if ev is not None:
        with pd.option_context("display.width", 200, "display.max_colwidth", 60):
            for title, df in (("worst false merges", ev.false_merges), ("worst misses", ev.misses)):
                print(f"\n{title} ({len(df)} shown):")
                print(
                    df.to_string(index=False, float_format=lambda v: f"{v:.3f}")
                    if len(df)
                    else "  none"
                )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command == "run":
            return _cmd_run(args, args.inputs)
        if args.command == "demo":
            return _cmd_run(args, [str(demo_corpus_path())])
        if args.command == "eval":
            return _cmd_eval(args)
    except DedupError as exc:
        print(f"newsdedup: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("newsdedup: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (``newsdedup eval ... | head``)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # unexpected: one line, and the traceback with -v
        log.debug("unexpected failure", exc_info=True)
        print(
            f"newsdedup: unexpected failure: {type(exc).__name__}: {exc} (run with -v for details)",
            file=sys.stderr,
        )
        if getattr(args, "verbose", False):
            raise
        return 1
    return 2
