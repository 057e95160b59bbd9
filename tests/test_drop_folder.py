"""The drop-folder job: new files in, reports out, files moved aside after the commit."""

from __future__ import annotations

import ast
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd

from jobs.drop_folder import main, waiting_files
from tests.test_state import BATCHES, ROOT, _write


def _job(tmp_path: Path) -> Path:
    for d in ("incoming", "processed"):
        (tmp_path / d).mkdir()
    job = tmp_path / "job.toml"
    job.write_text(
        '[job]\ndrop = "incoming"\nprocessed = "processed"\nout = "reports"\n'
        '[state]\npath = "state.db"\n'
    )
    return job


def test_drop_folder_runs_and_moves_files(tmp_path: Path) -> None:
    job = _job(tmp_path)
    assert main([str(job)]) == 0  # nothing to do
    assert not (tmp_path / "state.db").exists()
    _write(BATCHES[0], tmp_path / "incoming" / "b1.csv")
    (tmp_path / "incoming" / ".b2.csv.part").write_text("id,text\n")  # still arriving
    assert main([str(job)]) == 0
    assert [p.name for p in (tmp_path / "processed").iterdir()] == ["b1.csv"]
    assert [p.name for p in (tmp_path / "incoming").iterdir()] == [".b2.csv.part"]
    first = pd.read_csv(tmp_path / "reports" / "clusters.csv")
    _write(BATCHES[1], tmp_path / "incoming" / "b2.csv")
    _write(BATCHES[0], tmp_path / "incoming" / "b1.csv")  # the same file sent again
    assert main([str(job)]) == 0
    assert sorted(p.name for p in (tmp_path / "processed").iterdir()) == [
        "b1.1.csv",
        "b1.csv",
        "b2.csv",
    ]
    second = pd.read_csv(tmp_path / "reports" / "clusters.csv").set_index("id")
    assert len(second) == 5
    a1 = first.set_index("id").loc["a1", "cluster_id"]
    assert second.loc["a1", "cluster_id"] == second.loc["a2", "cluster_id"] == a1
    con = sqlite3.connect(tmp_path / "state.db")
    assert pd.read_sql("SELECT COUNT(*) AS n FROM articles", con)["n"].item() == 5


def test_files_stay_when_killed_before_the_move(tmp_path: Path) -> None:
    job = _job(tmp_path)
    _write(BATCHES[0], tmp_path / "incoming" / "b1.csv")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSDEDUP_TEST_CRASH_AT": "reported"}
    proc = subprocess.run(
        [sys.executable, "-m", "jobs.drop_folder", str(job)], env=env, cwd=ROOT, timeout=120
    )
    assert proc.returncode == -9
    assert waiting_files(tmp_path / "incoming") == [tmp_path / "incoming" / "b1.csv"]
    assert main([str(job)]) == 0  # processed again: nothing new, files moved now
    assert waiting_files(tmp_path / "incoming") == []
    runs = pd.read_sql("SELECT changed FROM runs", sqlite3.connect(tmp_path / "state.db"))
    assert runs["changed"].tolist() == [1, 0]


def test_job_without_state_path_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    job = tmp_path / "job.toml"
    job.write_text('[job]\ndrop = "in"\nprocessed = "p"\nout = "r"\n')
    assert main([str(job)]) == 2


def test_airflow_dag_imports_airflow_only_inside_itself() -> None:
    tree = ast.parse((ROOT / "jobs" / "airflow_dag.py").read_text())
    imported = {
        n.module.split(".")[0] if isinstance(n, ast.ImportFrom) and n.module else ""
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom)
    }
    assert "airflow" in imported
    for path in [*(ROOT / "dedup").glob("*.py"), *(ROOT / "jobs").glob("*.py")]:
        if path.name != "airflow_dag.py":
            assert "airflow" not in path.read_text().replace("airflow_dag", ""), path
    assert "max_active_runs=1" in (ROOT / "jobs" / "airflow_dag.py").read_text()


def test_systemd_units_point_at_the_job() -> None:
    service = (ROOT / "jobs" / "systemd" / "newsdedup.service").read_text()
    timer = (ROOT / "jobs" / "systemd" / "newsdedup.timer").read_text()
    assert "Type=oneshot" in service and "-m jobs.drop_folder" in service
    assert "OnCalendar=" in timer
    assert "jobs.drop_folder" in (ROOT / "jobs" / "crontab.example").read_text()
