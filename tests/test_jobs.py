from pathlib import Path

import pandas as pd

from jobs.scheduled_run import main


def test_scheduled_run_from_toml(tiny_csv: Path, tmp_path: Path) -> None:
    job = tmp_path / "job.toml"
    job.write_text(
        f'[job]\ninputs = ["{tiny_csv.name}"]\nout = "out"\n[candidates]\nwindow_days = 2\n'
    )
    assert main([str(job)]) == 0
    assert len(pd.read_csv(tmp_path / "out" / "clusters.csv")) == 4


def test_scheduled_run_bad_job_file(tmp_path: Path) -> None:
    job = tmp_path / "job.toml"
    job.write_text("[job]\nout = 'x'\n")
    assert main([str(job)]) == 2
