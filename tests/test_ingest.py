import json
from pathlib import Path

import pandas as pd
import pytest

from dedup.config import InputConfig
from dedup.errors import InputError
from dedup.ingest import read_articles


def test_csv_standard_columns_and_extras(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    pd.DataFrame({"id": ["1", "2"], "text": ["a b c", "d e f"], "lang": ["en", "fr"]}).to_csv(
        p, index=False
    )
    res = read_articles([p])
    assert list(res.articles.columns) == [
        "id",
        "source",
        "published_at",
        "title",
        "text",
        "url",
        "lang",
    ]
    assert res.extra_columns == ["lang"]
    assert len(res.rejects) == 0
    assert str(p) in res.checksums


def test_rejects_empty_missing_and_duplicate(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    pd.DataFrame(
        {"id": ["1", "", "3", "1"], "text": ["words here", "orphan", "   ", "dup text"]}
    ).to_csv(p, index=False)
    res = read_articles([p])
    assert res.articles["id"].tolist() == ["1"]
    assert sorted(res.rejects["reason"]) == [
        "duplicate id (first occurrence kept)",
        "empty text",
        "missing id",
    ]


def test_duplicate_ids_error_mode(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    pd.DataFrame({"id": ["1", "1"], "text": ["x", "y"]}).to_csv(p, index=False)
    with pytest.raises(InputError, match="duplicate id '1'"):
        read_articles([p], InputConfig(duplicate_ids="error"))


def test_missing_text_column_names_file_and_column(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    pd.DataFrame({"id": ["1"], "words": ["x"]}).to_csv(p, index=False)
    with pytest.raises(InputError, match=r"a\.csv: no column 'text'.*--text-col"):
        read_articles([p])


def test_column_mapping(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    pd.DataFrame({"doc": ["1"], "body": ["x y"], "headline": ["H"]}).to_csv(p, index=False)
    res = read_articles([p], InputConfig(id_col="doc", text_col="body", title_col="headline"))
    assert res.articles.loc[0, "title"] == "H"
    assert res.articles.loc[0, "text"] == "x y"


def test_missing_file() -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        read_articles(["/nonexistent/input.csv"])


def test_undecodable_csv_row_is_rejected(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_bytes(b"id,text\n1,good text\n2,bad \xff\xfe text\n")
    res = read_articles([p])
    assert res.articles["id"].tolist() == ["1"]
    assert res.rejects["reason"].tolist() == ["undecodable bytes (not UTF-8)"]


def test_jsonl_with_bad_line(tmp_path: Path) -> None:
    p = tmp_path / "a.jsonl"
    p.write_text(
        json.dumps({"id": "a", "text": "hello world"})
        + "\n{not json\n"
        + json.dumps({"id": "b", "text": "more", "n": 3})
        + "\n"
    )
    res = read_articles([p])
    assert res.articles["id"].tolist() == ["a", "b"]
    assert res.articles.loc[1, "n"] == "3"
    assert res.rejects["reason"].str.startswith("invalid JSON").tolist() == [True]


def test_parquet(tmp_path: Path) -> None:
    p = tmp_path / "a.parquet"
    pd.DataFrame({"id": ["x"], "text": ["some text"]}).to_parquet(p)
    assert read_articles([p]).articles["id"].tolist() == ["x"]


def test_parquet_read_in_batches_and_texts_checked_in_slices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # batches of 3 rows and content checks of 2 texts: every row lands where it belongs,
    # across the seams, and the frame is what pandas reads (an index column included)
    monkeypatch.setattr("dedup.ingest._PARQUET_BATCH", 3)
    monkeypatch.setattr("dedup.ingest._CHECK_ROWS", 2)
    texts = ["one", " ", "three", "four", "\u00a0\n", "six", "seven", ""]
    df = pd.DataFrame(
        {
            "id": [f"a{k}" for k in range(8)],
            "text": texts,
            "n": list(range(8)),
        },
        index=pd.Index([f"r{k}" for k in range(8)], name="key"),
    )
    p = tmp_path / "a.parquet"
    df.to_parquet(p)
    res = read_articles([p])
    kept = [k for k, t in enumerate(texts) if t.strip()]
    assert res.articles["id"].tolist() == [f"a{k}" for k in kept]
    assert res.articles["text"].tolist() == [texts[k] for k in kept]
    assert res.articles["n"].tolist() == [str(k) for k in kept]
    assert res.rejects["id"].tolist() == ["a1", "a4", "a7"]
    assert set(res.rejects["reason"]) == {"empty text"}
    assert "key" not in res.articles.columns  # pandas' index, not a column of the input


def test_folder_of_txt_and_html(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text("plain story")
    (tmp_path / "two.html").write_text("<p>html story</p>")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\xfa")
    (tmp_path / "skip.md").write_text("ignored")
    res = read_articles([tmp_path])
    assert res.articles["id"].tolist() == ["one", "two"]
    assert res.rejects["id"].tolist() == ["bad"]


def test_unknown_suffix(tmp_path: Path) -> None:
    p = tmp_path / "a.xlsx"
    p.write_text("x")
    with pytest.raises(InputError, match="unknown input type"):
        read_articles([p])


def test_common_column_names_are_recognised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    p = tmp_path / "wire.csv"
    pd.DataFrame(
        {
            "NewID": ["7", "8"],
            "Headline": ["Port strike ends", "Port strike ends early"],
            "body": ["Dock workers returned on Monday.", "Dock workers went back Monday."],
            "publisher": ["Harbour Times", "Coast Daily"],
            "date": ["2026-03-02T09:00:00", "2026-03-02T11:30:00"],
            "topics": ["labour", "labour"],
        }
    ).to_csv(p, index=False)
    with caplog.at_level("WARNING", logger="dedup.ingest"):
        arts = read_articles([p]).articles
    assert arts["id"].tolist() == ["7", "8"]
    assert arts["text"].tolist()[0] == "Dock workers returned on Monday."
    assert arts["title"].tolist()[1] == "Port strike ends early"
    assert arts["source"].tolist() == ["Harbour Times", "Coast Daily"]
    assert arts["published_at"].tolist()[0] == "2026-03-02T09:00:00"
    assert arts["topics"].tolist() == ["labour", "labour"]  # other columns carried through
    assert "reading column 'body' as text" in caplog.text


def test_aliases_never_override_names_given_or_present(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    pd.DataFrame(
        {
            "id": ["1"],
            "text": ["the story"],
            "body": ["other"],
            "date": ["2026-01-01"],
            "when": ["x"],
        }
    ).to_csv(p, index=False)
    arts = read_articles([p], InputConfig(published_at_col="when")).articles
    assert arts["text"].tolist() == ["the story"]  # the standard name wins over the alias
    assert arts["body"].tolist() == ["other"]
    assert arts["published_at"].tolist() == ["x"]  # the configured name wins
    assert arts["date"].tolist() == ["2026-01-01"]


def test_tab_separated_input(tmp_path: Path) -> None:
    p = tmp_path / "a.tsv"
    p.write_text("id\ttext\ttitle\n1\tA story, with commas, in it.\tOne, two\n", encoding="utf-8")
    arts = read_articles([p]).articles
    assert arts[["id", "text", "title"]].values.tolist() == [
        ["1", "A story, with commas, in it.", "One, two"]
    ]
