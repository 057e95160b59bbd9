"""End-to-end tests through the command line, as a user runs it."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dedup.cli import build_parser, main
from dedup.runner import demo_corpus_path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ("run", "demo", "eval")


def test_help_of_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    for cmd in COMMANDS:
        with pytest.raises(SystemExit) as exc:
            main([cmd, "--help"])
        assert exc.value.code == 0
        assert "usage: newsdedup " + cmd in capsys.readouterr().out


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for cmd in sub.choices:  # type: ignore[union-attr]
        assert f"newsdedup {cmd}" in readme


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert re.match(r"newsdedup \d+\.\d+", capsys.readouterr().out)


def test_run_writes_contract_files(tiny_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["run", str(tiny_csv), "--out", str(out), "--no-progress"]) == 0
    clusters = pd.read_csv(out / "clusters.csv", dtype=str)
    assert list(clusters.columns) == [
        "id",
        "cluster_id",
        "is_canonical",
        "size",
        "similarity_to_canonical",
        "relation_to_canonical",
    ]
    cid = clusters.set_index("id")["cluster_id"]
    assert cid["w1"] == cid["w2"] == cid["r1"] != cid["o1"]
    pairs = pd.read_csv(out / "pairs.csv", dtype=str)
    assert list(pairs.columns)[:3] == ["id_a", "id_b", "relation"]
    assert (pairs["id_a"] < pairs["id_b"]).all()
    rel = {(a, b): r for a, b, r in zip(pairs.id_a, pairs.id_b, pairs.relation, strict=True)}
    assert rel[("r1", "w1")] == "rewrite"
    articles = pd.read_csv(out / "articles.csv", dtype=str)
    assert list(articles.columns) == [
        "id",
        "source",
        "published_at",
        "title",
        "n_words",
        "n_boilerplate_lines",
        "cluster_id",
    ]
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["counts"]["accepted"] == 4
    assert manifest["fingerprint"]["scheme"] == "affine32"
    memory = manifest["peak_memory_mb_after_stage"]
    assert set(memory) == set(manifest["timings_seconds"])  # one entry per stage
    peaks = [memory[k] for k in ("clean", "fingerprint", "candidates", "score", "cluster")]
    assert peaks == sorted(peaks) and peaks[0] > 10  # a peak only grows; MiB, not KiB


def test_same_input_same_bytes(tiny_csv: Path, tmp_path: Path) -> None:
    outs = [tmp_path / "a", tmp_path / "b"]
    for o in outs:
        assert main(["run", str(tiny_csv), "--out", str(o), "--no-progress"]) == 0
    for name in ("articles.csv", "pairs.csv", "clusters.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes()


def test_demo_matches_expected_clusters(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--no-progress"]) == 0
    got = pd.read_csv(out / "clusters.csv", dtype=str).set_index("id")["cluster_id"]
    expected = pd.read_csv(demo_corpus_path().with_name("expected_clusters.csv"), dtype=str)
    exp = expected.set_index("id")["cluster"]
    assert set(got.index) == set(exp.index)
    # same partition: two articles share a predicted cluster iff they share an expected one
    mapping = pd.crosstab(got, exp.loc[got.index])
    assert ((mapping > 0).sum(axis=0) == 1).all(), "an expected story was split"
    assert ((mapping > 0).sum(axis=1) == 1).all(), "two expected stories were merged"


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dedup", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_missing_input_exits_2_with_one_line(tmp_path: Path) -> None:
    proc = _run_cli("run", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "nope.csv: no such file or folder" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_text_column_exits_2(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    pd.DataFrame({"id": ["1"], "words": ["x"]}).to_csv(p, index=False)
    proc = _run_cli("run", str(p), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert "no column 'text'" in proc.stderr
    assert proc.stderr.strip().count("\n") == 0


def test_empty_text_row_goes_to_rejects(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    pd.DataFrame({"id": ["1", "2"], "text": ["some words here", ""]}).to_csv(p, index=False)
    assert main(["run", str(p), "--out", str(tmp_path / "o"), "--no-progress"]) == 0
    rej = pd.read_csv(tmp_path / "o" / "rejects.csv", dtype=str)
    assert rej["id"].tolist() == ["2"]
    assert rej["reason"].tolist() == ["empty text"]


def test_bad_option_exits_2(tmp_path: Path) -> None:
    proc = _run_cli("run", "--out", str(tmp_path))
    assert proc.returncode == 2


def test_eval_json(tiny_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    truth = tmp_path / "truth.csv"
    pd.DataFrame({"id": ["w1", "w2", "r1", "o1"], "cluster": ["s", "s", "s", "o"]}).to_csv(
        truth, index=False
    )
    assert main(["eval", str(tiny_csv), "--truth", str(truth), "--json", "--no-progress"]) == 0
    m = json.loads(capsys.readouterr().out)
    for key in ("precision", "recall", "f1", "ari", "n_articles", "n_pred_pairs", "n_true_pairs"):
        assert key in m
    assert m["f1"] == pytest.approx(1.0)
    assert m["n_true_pairs"] == 3
