"""Scheduled batch run: read a TOML job file and call the library.

Usage::

    python -m jobs.scheduled_run jobs/example.toml

The job file has a ``[job]`` table (``inputs``, ``out``) and any of the pipeline's config
tables (``[input]``, ``[clean]``, ``[fingerprint]``, ``[candidates]``, ``[score]``,
``[cluster]``) and ``[state]`` (an incremental run against a state store; a relative
``path`` is relative to the job file). Exit codes: 0 done, 2 bad input or config, 1 unexpected failure.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from dedup.config import config_from_mapping, read_config_file
from dedup.errors import ConfigError, DedupError
from dedup.runner import run_files

log = logging.getLogger("jobs.scheduled_run")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print("usage: python -m jobs.scheduled_run JOB.toml", file=sys.stderr)
        return 0 if args and args[0] in ("-h", "--help") else 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        data = read_config_file(args[0])
        job = data.get("job", {})
        inputs = job.get("inputs")
        out = job.get("out")
        if not isinstance(inputs, list) or not inputs or not isinstance(out, str):
            raise ConfigError(
                f"{args[0]}: [job] needs 'inputs' (a list of files or folders) and 'out' (a folder)"
            )
        base = Path(args[0]).resolve().parent
        paths = [str((base / p) if not Path(p).is_absolute() else Path(p)) for p in inputs]
        out_dir = (base / out) if not Path(out).is_absolute() else Path(out)
        config = config_from_mapping(data)
        if config.state.path and not Path(config.state.path).is_absolute():
            state = dataclasses.replace(config.state, path=str(base / config.state.path))
            config = dataclasses.replace(config, state=state)
        result = run_files(paths, out_dir, config, progress=False)
    except DedupError as exc:
        log.error("%s", exc)
        return 2
    except Exception:
        log.exception("unexpected failure")
        return 1
    log.info("done: %s", result.manifest["counts"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
