"""The analysts' notebooks run top to bottom on the demo corpus, and are stored clean."""

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

if os.environ.get("CI"):  # never skipped in CI: the dev extras must be there
    import nbclient
    import nbformat
else:
    nbformat = pytest.importorskip("nbformat", reason="notebook tests need the dev extras")
    nbclient = pytest.importorskip("nbclient", reason="notebook tests need the dev extras")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_three_notebooks_exist() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01-explore-clusters.ipynb",
        "02-tune-thresholds.ipynb",
        "03-compare-versions.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_is_stripped(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first_code.metadata.get("tags", []), "first code cell: parameters"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: outputs must be stripped"
            assert cell.execution_count is None, f"{path.name}: execution counts stripped"


_RUNS: dict[Path, tuple[object, float]] = {}


def _execute(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, float]:
    """Execute a notebook once per session (kernel python3, cwd notebooks/)."""
    if path in _RUNS:
        return _RUNS[path]
    # No display: the inline backend renders with Agg into the cell outputs (PNG).
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    t0 = time.perf_counter()
    client.execute()
    _RUNS[path] = (nb, time.perf_counter() - t0)
    return _RUNS[path]


def _text(cell: object) -> str:
    return "".join(
        o.get("text", "")
        for o in cell.outputs
        if o.get("output_type") == "stream"  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(
    path: Path, monkeypatch: pytest.MonkeyPatch, record_property: Callable[[str, object], None]
) -> None:
    nb, seconds = _execute(path, monkeypatch)
    record_property("seconds", round(seconds, 2))
    print(f"{path.name}: {seconds:.1f}s")
    cells = [c for c in nb.cells if c.cell_type == "code"]  # type: ignore[attr-defined]
    assert all(
        o.get("output_type") != "error" for c in cells for o in c.outputs
    )  # nbclient raises on errors too
    images = sum(1 for c in cells for o in c.outputs if "image/png" in o.get("data", {}))
    expected_plots = {"01": 3, "02": 1, "03": 0}[path.name[:2]]
    assert images >= expected_plots, f"{path.name}: {images} plots"
    if path.name.startswith("03"):
        html = "".join(o.get("data", {}).get("text/html", "") for c in cells for o in c.outputs)
        assert '<mark class="reworded"' in html or '<mark class="verbatim"' in html
    assert seconds < 120


def test_tune_thresholds_headline_matches_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    from dedup import explore as ex
    from dedup.config import Config
    from dedup.runner import demo_corpus_path, run_files

    path = ROOT / "notebooks" / "02-tune-thresholds.ipynb"
    nb, _ = _execute(path, monkeypatch)
    cell = next(c for c in nb.cells if "headline" in c.metadata.get("tags", []))  # type: ignore[attr-defined]
    got = json.loads(_text(cell).strip().splitlines()[-1])

    demo = demo_corpus_path()
    result = run_files([demo], None, Config()).result
    truth = pd.read_csv(demo.with_name("expected_clusters.csv"), dtype=str, keep_default_na=False)
    thresholds = [round(0.05 * k, 2) for k in range(2, 20)]
    best = ex.best_threshold(
        ex.threshold_sweep(
            result.pairs, ex.truth_pairs(truth), thresholds, ids=result.articles["id"]
        )
    )
    assert got["threshold"] == pytest.approx(best["threshold"])
    assert got["precision"] == pytest.approx(best["precision"])
    assert got["recall"] == pytest.approx(best["recall"])
    # the demo corpus's versions are all found by the scores at their best point
    assert got["recall"] == pytest.approx(1.0)
    assert got["f1"] >= 0.95
