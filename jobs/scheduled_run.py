"""Scheduled batch run: read a TOML job file and call the library.

Usage::

    python -m jobs.scheduled_run jobs/example.toml

The job file has a ``[job]`` table (``inputs``, ``out``) and any of the pipeline's config
tables (``[input]``, ``[clean]``, ``[fingerprint]``, ``[candidates]``, ``[score]``,
``[cluster]``) and ``[state]`` (an incremental run against a state store; a relative
``path`` is relative to the job file). Exit codes: 0 done, 2 bad input or config, 1 unexpected failure.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from dedup.errors import ConfigError
from dedup.runner import run_files
from jobs.jobfile import job_path, load_job, run_job

log = logging.getLogger("jobs.scheduled_run")


def _run(job_file: str) -> int:
    data, base, config = load_job(job_file)
    job = data.get("job", {})
    inputs = job.get("inputs")
    out = job.get("out")
    if not isinstance(inputs, list) or not inputs or not isinstance(out, str):
        raise ConfigError(
            f"{job_file}: [job] needs 'inputs' (a list of files or folders) and 'out' (a folder)"
        )
    paths = [str(job_path(base, p)) for p in inputs]
    result = run_files(paths, job_path(base, out), config, progress=False)
    log.info("done: %s", result.manifest["counts"])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_job(argv, "jobs.scheduled_run", _run, log)


if __name__ == "__main__":
    sys.exit(main())
