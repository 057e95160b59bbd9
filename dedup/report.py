"""Report stage: the CSV files, ``run.json`` and the rejects file.

This module and the state store are the only places that write files. Every file is written
to a temporary name in the output folder and renamed, so a reader never sees half a file.
Output is deterministic: fixed columns, sorted rows, floats with 4 decimals, ``\\n`` line
ends, UTF-8.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from dedup.html_report import render_html
from dedup.pipeline import ARTICLE_COLUMNS, CLUSTER_COLUMNS, RunResult
from dedup.score import PAIR_COLUMNS

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Added after the contract columns by runs with a state store (new, grown, merged, ...).
STATE_COLUMNS = ("cluster_status",)


def neutralise_cell(value: str) -> str:
    """Make a free-text cell safe to open in a spreadsheet (OWASP CSV injection advice):
    a cell that starts with ``= + - @``, a tab or a carriage return gets a leading ``'``."""
    if value and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _neutralise(df: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Neutralise free-text columns, and turn carriage returns inside them into ``\n``:
    Python 3.11's CSV writer leaves a field with a lone ``\r`` unquoted when rows end with
    ``\n``, which would split the row for every reader."""
    out = df.copy()
    for col in columns:
        if col in out.columns:
            text = out[col].fillna("").astype(str).map(neutralise_cell)
            out[col] = text.str.replace("\r\n", "\n").str.replace("\r", "\n")
    return out


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def frame_to_csv(df: pd.DataFrame) -> str:
    """CSV text with the house format: 4-decimal floats, ``\\n`` line ends, header always."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map({True: "true", False: "false"})
        elif pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(lambda v: "" if pd.isna(v) else f"{v:.4f}")
    text = out.to_csv(index=False, lineterminator="\n")
    return str(text)


def articles_frame(result: RunResult, extra_columns: Iterable[str] = ()) -> pd.DataFrame:
    """``articles.csv`` rows: the contract columns, then the carried-through columns."""
    state = [c for c in STATE_COLUMNS if c in result.articles.columns]
    extra = [c for c in extra_columns if c in result.articles.columns and c not in state]
    df = result.articles[list(ARTICLE_COLUMNS) + state + extra]
    df = _neutralise(df, ["source", "published_at", "title", *extra])
    return df.sort_values("id", kind="stable").reset_index(drop=True)


def write_report(
    out_dir: str | Path,
    result: RunResult,
    *,
    rejects: pd.DataFrame | None = None,
    extra_columns: Iterable[str] = (),
    manifest: dict[str, Any] | None = None,
    html: bool = False,
    sentence_match: float = 0.35,
) -> list[Path]:
    """Write ``articles.csv``, ``pairs.csv``, ``clusters.csv``, ``run.json`` (and
    ``rejects.csv`` when rows were rejected, ``report.html`` when ``html``) into ``out_dir``;
    returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def put(name: str, text: str) -> None:
        atomic_write_text(out / name, text)
        written.append(out / name)

    put("articles.csv", frame_to_csv(articles_frame(result, extra_columns)))
    put("pairs.csv", frame_to_csv(result.pairs[list(PAIR_COLUMNS)]))
    state = [c for c in STATE_COLUMNS if c in result.clusters.columns]
    put("clusters.csv", frame_to_csv(result.clusters[list(CLUSTER_COLUMNS) + state]))
    stale = out / "rejects.csv"
    if rejects is not None and len(rejects):
        rej = _neutralise(rejects.sort_values(["file", "row"], kind="stable"), ["file", "reason"])
        put("rejects.csv", frame_to_csv(rej))
    elif stale.exists():
        stale.unlink()
    if html:
        put("report.html", render_html(result, sentence_match))
    if manifest is not None:
        put("run.json", json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
    return written
