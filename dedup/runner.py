"""The run as users call it: read inputs, run the pipeline, write the reports.

Shared by the CLI and the scheduled jobs so both do exactly the same thing.
"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from dedup import __version__
from dedup.config import Config
from dedup.ingest import IngestResult, read_articles
from dedup.pipeline import RunResult, run_pipeline
from dedup.report import write_report


@dataclass
class RunOutput:
    """A finished run: its ingest, its result and the files written."""

    ingest: IngestResult
    result: RunResult
    manifest: dict[str, Any]
    written: list[Path]


def demo_corpus_path() -> Path:
    """The invented demo corpus shipped inside the package."""
    return Path(str(resources.files("dedup.demo").joinpath("articles.csv")))


def build_manifest(config: Config, ingest: IngestResult, result: RunResult) -> dict[str, Any]:
    """``run.json``: version, config, input checksums, counts per stage, timings, rejects."""
    import datasketch
    import numpy
    import sklearn

    reasons = ingest.rejects["reason"].value_counts().sort_index() if len(ingest.rejects) else None
    return {
        "newsdedup_version": __version__,
        "config": config.to_dict(),
        "inputs": ingest.checksums,
        "fingerprint": result.fingerprint_scheme,
        "counts": {
            "input_rows": len(ingest.articles) + len(ingest.rejects),
            "accepted": len(ingest.articles),
            "rejected": len(ingest.rejects),
            **result.counts,
        },
        "rejects": {} if reasons is None else {str(k): int(v) for k, v in reasons.items()},
        "timings_seconds": result.timings,
        "versions": {
            "python": platform.python_version(),
            "datasketch": datasketch.__version__,
            "scikit-learn": sklearn.__version__,
            "pandas": pd.__version__,
            "numpy": numpy.__version__,
        },
    }


def run_files(
    inputs: Sequence[str | Path],
    out_dir: str | Path | None,
    config: Config,
    progress: bool = False,
    html: bool = False,
) -> RunOutput:
    """Read ``inputs``, run the pipeline and (when ``out_dir`` is given) write the reports
    (and ``report.html`` when ``html``)."""
    ingest = read_articles(inputs, config.input)
    result = run_pipeline(ingest.articles, config, progress=progress)
    manifest = build_manifest(config, ingest, result)
    written: list[Path] = []
    if out_dir is not None:
        written = write_report(
            out_dir,
            result,
            rejects=ingest.rejects,
            extra_columns=ingest.extra_columns,
            manifest=manifest,
            html=html,
            sentence_match=config.score.sentence_match,
        )
    return RunOutput(ingest, result, manifest, written)
