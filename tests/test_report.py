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


def test_every_free_text_column_is_neutralised_end_to_end(tmp_path: Path) -> None:
    from dedup.cli import main
    from tests.conftest import OTHER, WIRE

    df = pd.DataFrame(
        {
            "id": ["-7", "b2", "c3", "d4"],
            "source": ["=HYPERLINK(1)", "+wire", "@site", "plain"],
            "published_at": ["=NOW()", "2026-03-03T09:00:00", "2026-03-03T10:00:00", ""],
            "title": ["-2+3", "\tTabbed", "\rReturn", "Fine title"],
            "text": [WIRE, WIRE, OTHER, ""],  # d4 is rejected: empty text
            "desk": ["=cmd|' /C calc'!A0", "news", "-", "x"],
        }
    )
    src = tmp_path / "in.jsonl"  # JSON keeps a lone carriage return inside a cell
    df.to_json(src, orient="records", lines=True)
    out = tmp_path / "out"
    assert main(["run", str(src), "--out", str(out), "--no-progress"]) == 0
    arts = pd.read_csv(out / "articles.csv", dtype=str, keep_default_na=False).set_index("id")
    assert arts.loc["-7", "source"] == "'=HYPERLINK(1)"  # the id itself stays as it is
    assert arts.loc["-7", "published_at"] == "'=NOW()"
    assert arts.loc["-7", "title"] == "'-2+3"
    assert arts.loc["-7", "desk"] == "'=cmd|' /C calc'!A0"
    assert arts.loc["b2", "source"] == "'+wire"
    assert arts.loc["b2", "title"] == "'\tTabbed"
    assert arts.loc["b2", "published_at"] == "2026-03-03T09:00:00"
    assert arts.loc["c3", "source"] == "'@site"
    assert arts.loc["c3", "desk"] == "'-"
    assert arts.loc["c3", "title"] == "'\nReturn"  # a lone CR would split the CSV row
    assert arts.loc["c3", "n_words"].isdigit()
    free = ("source", "published_at", "title", "desk")
    for col in free:
        assert not arts[col].str.match(r"[=+\-@\t\r]").any(), col
    rej = pd.read_csv(out / "rejects.csv", dtype=str, keep_default_na=False)
    assert rej["id"].tolist() == ["d4"] and rej["row"].tolist() == ["4"]
    assert not rej["reason"].str.match(r"[=+\-@\t\r]").any()
    pairs = pd.read_csv(out / "pairs.csv", dtype=str, keep_default_na=False)
    assert "-7" in set(pairs["id_a"]) | set(pairs["id_b"])  # ids are never altered


def test_rejects_file_cell_is_neutralised() -> None:
    from dedup.report import _neutralise

    rej = pd.DataFrame({"file": ["=x.csv"], "row": ["3"], "id": ["=id"], "reason": ["-bad"]})
    out = _neutralise(rej, ["file", "reason"])
    assert out.loc[0, "file"] == "'=x.csv" and out.loc[0, "reason"] == "'-bad"
