"""Scheduled incremental run over a drop folder.

Usage::

    python -m jobs.drop_folder jobs/drop_folder.example.toml

Each run takes the data files (``.csv``, ``.jsonl``, ``.json``, ``.parquet``) waiting in the
drop folder, runs them against the state store, writes the reports (the cumulative view of the
look-back window, with each cluster's status in this run), and only then moves the files into
the processed folder. Files whose names start with ``.`` or end in ``.tmp``/``.part`` are still
being written and wait for the next run. A run killed at any point leaves the store as it was
(or as the finished run left it) and the files in the drop folder; the next run processes them
again, and articles already stored change nothing.

The job file has a ``[job]`` table (``drop``, ``processed``, ``out``), a ``[state]`` table
(``path``, ``window_days``, ``retention_days``) and any of the pipeline's tables. Relative
paths are relative to the job file. Exit codes: 0 done (or nothing to do), 2 bad input or
config or the store is busy with another run, 1 unexpected failure.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from dedup.errors import ConfigError
from dedup.runner import run_files
from dedup.state import crash_point
from jobs.jobfile import job_path, load_job, run_job

log = logging.getLogger("jobs.drop_folder")

DATA_SUFFIXES = (".csv", ".jsonl", ".json", ".parquet")


def waiting_files(drop: Path) -> list[Path]:
    """Data files ready in the drop folder, sorted by name."""
    return sorted(
        p
        for p in drop.iterdir()
        if p.is_file()
        and p.suffix.lower() in DATA_SUFFIXES
        and not p.name.startswith(".")
        and not p.name.endswith((".tmp", ".part"))
    )


def move_aside(files: Sequence[Path], processed: Path) -> list[Path]:
    """Move processed files into ``processed`` (a name already there gets a suffix)."""
    processed.mkdir(parents=True, exist_ok=True)
    moved: list[Path] = []
    for f in files:
        target, n = processed / f.name, 1
        while target.exists():
            target, n = processed / f"{f.stem}.{n}{f.suffix}", n + 1
        try:
            f.replace(target)
        except FileNotFoundError:  # moved by a run that finished just before
            continue
        moved.append(target)
    return moved


def _path(base: Path, value: object, key: str) -> Path:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"[job] needs '{key}' (a folder path)")
    return job_path(base, value)


def _run(job_file: str) -> int:
    data, base, config = load_job(job_file)
    job = data.get("job", {})
    drop = _path(base, job.get("drop"), "drop")
    processed = _path(base, job.get("processed"), "processed")
    out = _path(base, job.get("out"), "out")
    if not config.state.path:
        raise ConfigError(f"{job_file}: [state] needs 'path' (the state store file)")
    if not drop.is_dir():
        raise ConfigError(f"{drop}: the drop folder does not exist")
    files = waiting_files(drop)
    if not files:
        log.info("nothing to do: no data files in %s", drop)
        return 0
    result = run_files(files, out, config, progress=False)
    crash_point("reported")
    moved = move_aside(files, processed)
    state_counts = result.manifest["counts"].get("state", {})
    log.info("done: %d files moved to %s; %s", len(moved), processed, state_counts)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_job(argv, "jobs.drop_folder", _run, log)


if __name__ == "__main__":
    sys.exit(main())
