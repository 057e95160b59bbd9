"""An Airflow DAG for hourly incremental newsdedup runs over a drop folder.

Copy this file into your Airflow ``dags/`` folder and set ``NEWSDEDUP_JOB`` (the job file,
see ``jobs/drop_folder.example.toml``) in the environment of the workers, where newsdedup is
installed. Airflow is imported only here; newsdedup itself does not need it.

``max_active_runs=1`` keeps Airflow from starting overlapping runs; the state store's lock
refuses them anyway (exit 2, reported as a failed task).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.python import PythonOperator


def _run_newsdedup() -> None:
    from jobs.drop_folder import main

    code = main([os.environ.get("NEWSDEDUP_JOB", "jobs/drop_folder.example.toml")])
    if code != 0:
        raise RuntimeError(f"newsdedup drop-folder job failed with exit code {code}")


with DAG(
    dag_id="newsdedup_incremental",
    description="Deduplicate new articles against the state store every hour",
    schedule=timedelta(hours=1),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=10)},
    tags=["newsdedup"],
) as dag:
    PythonOperator(task_id="drop_folder_run", python_callable=_run_newsdedup)
