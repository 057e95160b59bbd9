"""The run as users call it: read inputs, run the pipeline, write the reports.

Shared by the CLI and the scheduled jobs so both do exactly the same thing.
"""

from __future__ import annotations

import hashlib
import json
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
from dedup.pipeline import ARTICLE_COLUMNS, RunResult, run_pipeline
from dedup.report import STATE_COLUMNS, write_report

_FIXED = {*ARTICLE_COLUMNS, *STATE_COLUMNS}


@dataclass
class RunOutput:
    """A finished run: its ingest, its result and the files written. The ingest's
    articles no longer have their ``text`` column (given up after cleaning; the result's
    articles have the cleaned ``body``)."""

    ingest: IngestResult
    result: RunResult
    manifest: dict[str, Any]
    written: list[Path]


def demo_corpus_path() -> Path:
    """The invented demo corpus shipped inside the package."""
    return Path(str(resources.files("dedup.demo").joinpath("articles.csv")))


def build_manifest(config: Config, ingest: IngestResult, result: RunResult) -> dict[str, Any]:
    """``run.json``: version, config, input checksums, counts per stage, timings, the
    process's peak memory after each stage, rejects."""
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
        "peak_memory_mb_after_stage": result.memory,
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
    (and ``report.html`` when ``html``).

    With ``config.state.path`` set, the run goes through the state store
    (:mod:`dedup.incremental`): the reports are the cumulative view of the look-back window.
    """
    ingest = read_articles(inputs, config.input)
    if config.state.path:
        from dedup.incremental import run_incremental
        from dedup.state import StateStore, crash_point

        checksum = hashlib.sha256(
            json.dumps(sorted(ingest.checksums.values())).encode()
        ).hexdigest()
        with StateStore.open(config.state.path) as store:
            crash_point("locked")
            inc = run_incremental(
                store, ingest.articles, ingest.extra_columns, checksum, config, progress
            )
            result = inc.result
            manifest = build_manifest(config, ingest, result)
            files = (
                []
                if out_dir is None
                else write_report(
                    out_dir,
                    result,
                    rejects=ingest.rejects,
                    extra_columns=[c for c in result.articles.columns if c not in _FIXED],
                    manifest=manifest,
                    html=html,
                    sentence_match=config.score.retell_match,
                )
            )
        return RunOutput(ingest, result, manifest, files)
    # the raw texts are not used after cleaning: ``ingest.articles`` gives them up
    result = run_pipeline(ingest.articles, config, progress=progress, release_input=True)
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
            sentence_match=config.score.retell_match,
        )
    return RunOutput(ingest, result, manifest, written)
