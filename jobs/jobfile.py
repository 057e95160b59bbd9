"""What the scheduled jobs share: the ``JOB.toml`` argument, logging, paths relative to the
job file, and exit codes (0 done, 2 bad input or config or a busy store, 1 unexpected)."""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dedup.config import Config, config_from_mapping, read_config_file
from dedup.errors import DedupError


def job_path(base: Path, value: str) -> Path:
    """``value`` as a path, relative to the job file's folder ``base`` unless absolute."""
    p = Path(value)
    return p if p.is_absolute() else base / p


def load_job(job_file: str) -> tuple[dict[str, Any], Path, Config]:
    """The parsed job file, its folder, and the pipeline config with a relative
    ``[state] path`` taken relative to the job file."""
    data = read_config_file(job_file)
    base = Path(job_file).resolve().parent
    config = config_from_mapping(data)
    if config.state.path:
        state = dataclasses.replace(config.state, path=str(job_path(base, config.state.path)))
        config = dataclasses.replace(config, state=state)
    return data, base, config


def run_job(
    argv: Sequence[str] | None, module: str, body: Callable[[str], int], log: logging.Logger
) -> int:
    """Check the one ``JOB.toml`` argument, set up logging and run ``body(job_file)``,
    mapping errors to exit codes."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print(f"usage: python -m {module} JOB.toml", file=sys.stderr)
        return 0 if args and args[0] in ("-h", "--help") else 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        return body(args[0])
    except DedupError as exc:
        log.error("%s", exc)
        return 2
    except Exception:
        log.exception("unexpected failure")
        return 1
