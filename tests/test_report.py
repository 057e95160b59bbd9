from pathlib import Path

import pandas as pd

from dedup.report import atomic_write_text, frame_to_csv, neutralise_cell


def test_formula_cells_are_neutralised() -> None:
    for bad in ("=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"):
        assert neutralise_cell(bad) == "'" + bad
    assert neutralise_cell("Plain title") == "Plain title"
    assert neutralise_cell("") == ""


def test_float_format_and_bools() -> None:
    df = pd.DataFrame({"id": ["a"], "x": [0.123456], "flag": [True]})
    assert frame_to_csv(df) == "id,x,flag\na,0.1235,true\n"


def test_header_written_for_empty_frame() -> None:
    assert frame_to_csv(pd.DataFrame(columns=["id_a", "id_b"])) == "id_a,id_b\n"


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "out" / "f.csv"
    atomic_write_text(target, "a\n")
    atomic_write_text(target, "b\n")
    assert target.read_text() == "b\n"
    assert [p.name for p in target.parent.iterdir()] == ["f.csv"]
