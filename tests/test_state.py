"""The state store and incremental runs: ids stable across runs, one transaction per run,
one run at a time, idempotent re-runs, batches equal to one run, crash safety."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.cli import main
from dedup.config import ConfigError, config_from_mapping
from dedup.errors import StateError
from dedup.incremental import assign_stable_ids
from dedup.state import SCHEMA_VERSION, StateStore

ROOT = Path(__file__).resolve().parents[1]
_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "ta",
    "vo",
    "si",
    "pe",
    "du",
    "ga",
    "le",
    "mo",
    "ni",
    "ra",
    "te",
    "bu",
    "so",
    "fa",
    "ze",
]
_WORDS = [a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in _SYLLABLES]  # 8,000 words


def _story(seed: int, n_sentences: int = 8) -> list[str]:
    rng = random.Random(seed)
    return [
        " ".join(rng.choice(_WORDS) for _ in range(rng.randint(10, 16))).capitalize() + "."
        for _ in range(n_sentences)
    ]


def _article(id_: str, story: int, day: int, variant: int = 0, hour: int = 8) -> dict[str, str]:
    """An invented article: a version of story ``story`` (variant 0 is the original,
    others drop a sentence and add one of their own)."""
    sents = _story(story)
    if variant:
        sents = sents[: -1 - variant % 2] + _story(1000 + story * 10 + variant, 1)
    return {
        "id": id_,
        "source": f"site-{variant}",
        "published_at": f"2026-05-{day:02d}T{hour:02d}:00:00",
        "title": f"Story {story} version {variant}",
        "text": "\n".join(sents),
        "section": f"s{story}",
    }


# Three stories (1, 2, 3) and a singleton (9), over three days.
BATCHES = [
    [_article("a1", 1, 1), _article("b1", 2, 1), _article("z1", 9, 1)],
    [_article("a2", 1, 2, 1), _article("c1", 3, 2)],
    [_article("a3", 1, 3, 2), _article("b2", 2, 3, 1), _article("c2", 3, 3, 3)],
]


def _write(rows: list[dict[str, str]], path: Path) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _run(inputs: list[Path], state: Path, out: Path, *extra: str) -> int:
    return main(["run", *map(str, inputs), "--state", str(state), "--out", str(out), *extra])


def _dump(db: Path, skip_runs: bool = False) -> dict[str, list[tuple[object, ...]]]:
    con = sqlite3.connect(db)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        out: dict[str, list[tuple[object, ...]]] = {}
        for name in sorted(names):
            if skip_runs and name == "runs":
                continue
            out[name] = sorted(con.execute(f"SELECT * FROM {name}").fetchall(), key=repr)
        return out
    finally:
        con.close()


def _clusters(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "clusters.csv", dtype=str, keep_default_na=False)


def _partition(df: pd.DataFrame) -> set[frozenset[str]]:
    return {frozenset(g["id"]) for _, g in df.groupby("cluster_id")}


@pytest.fixture
def batches(tmp_path: Path) -> list[Path]:
    return [_write(b, tmp_path / f"batch{k}.csv") for k, b in enumerate(BATCHES, 1)]


def test_new_store_has_schema_version_and_reads_with_pandas(
    batches: list[Path], tmp_path: Path
) -> None:
    db = tmp_path / "state.db"
    assert _run(batches[:1], db, tmp_path / "out") == 0
    con = sqlite3.connect(db)
    meta = pd.read_sql("SELECT * FROM meta", con).set_index("key")["value"]
    assert int(meta["schema_version"]) == SCHEMA_VERSION
    arts = pd.read_sql("SELECT id, cluster_id FROM articles ORDER BY id", con)
    assert arts["id"].tolist() == ["a1", "b1", "z1"]
    sig = pd.read_sql("SELECT num_perm, scheme, signature FROM signatures", con)
    assert (sig["num_perm"] == 128).all() and sig["signature"].map(len).eq(128 * 4).all()
    con.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("state.db")) == [
        "state.db",
        "state.db.lock",
    ]  # one file (plus the lock file), no journal left behind


def test_store_of_another_schema_version_is_refused(batches: list[Path], tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    assert _run(batches[:1], db, tmp_path / "out") == 0
    with StateStore.open(db) as store:  # written by this version, read back by the next run
        assert store.schema_version() == SCHEMA_VERSION
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(StateError, match="schema version 99"):
        StateStore.open(db)
    assert _run(batches[1:2], db, tmp_path / "out2") == 2


def test_not_a_store_is_exit_2(
    tmp_path: Path, batches: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.db"
    bad.write_text("this is not sqlite\n" * 100)
    assert _run(batches[:1], bad, tmp_path / "out") == 2
    assert "state store" in capsys.readouterr().err


def test_three_runs_keep_cluster_ids_and_report_status(batches: list[Path], tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    seen: list[pd.DataFrame] = []
    for k, batch in enumerate(batches, 1):
        assert _run([batch], db, tmp_path / f"out{k}") == 0
        seen.append(_clusters(tmp_path / f"out{k}").set_index("id"))
    c1, c2, c3 = seen
    assert c1.loc["a1", "cluster_id"] == c2.loc["a2", "cluster_id"] == c3.loc["a3", "cluster_id"]
    assert c1.loc["b1", "cluster_id"] == c3.loc["b2", "cluster_id"]
    assert c2.loc["c1", "cluster_id"] == c3.loc["c2", "cluster_id"]
    assert set(c1["cluster_status"]) == {"new"}
    assert c2.loc["a1", "cluster_status"] == "grown"
    assert c2.loc["b1", "cluster_status"] == "unchanged"
    assert c2.loc["c1", "cluster_status"] == "new"
    assert c3.loc["z1", "cluster_status"] == "unchanged"
    assert c3.loc[["a1", "b1", "c1"], "cluster_status"].tolist() == ["grown"] * 3
    assert len(c3) == 8  # the cumulative view: every stored article in the window
    arts = pd.read_csv(tmp_path / "out3" / "articles.csv", dtype=str, keep_default_na=False)
    assert list(arts.columns)[-2:] == ["cluster_status", "section"]  # carried through


def test_batches_give_the_clusters_and_pairs_of_one_run(
    batches: list[Path], tmp_path: Path
) -> None:
    for k, batch in enumerate(batches, 1):
        assert _run([batch], tmp_path / "batched.db", tmp_path / f"b{k}") == 0
    assert _run(batches, tmp_path / "once.db", tmp_path / "once") == 0
    assert main(["run", *map(str, batches), "--out", str(tmp_path / "plain")]) == 0
    batched, once = _clusters(tmp_path / "b3"), _clusters(tmp_path / "once")
    assert _partition(batched) == _partition(once) == _partition(_clusters(tmp_path / "plain"))
    assert len(_partition(once)) == 4
    assert (tmp_path / "b3" / "pairs.csv").read_bytes() == (
        tmp_path / "once" / "pairs.csv"
    ).read_bytes()


def test_rerun_changes_nothing_and_gives_the_same_bytes(
    batches: list[Path], tmp_path: Path
) -> None:
    db = tmp_path / "state.db"
    assert _run(batches[:2], db, tmp_path / "first") == 0
    before = _dump(db, skip_runs=True)
    assert _run(batches[:2], db, tmp_path / "again") == 0
    assert _dump(db, skip_runs=True) == before
    runs = pd.read_sql("SELECT changed FROM runs ORDER BY run_id", sqlite3.connect(db))
    assert runs["changed"].tolist() == [1, 0]
    for name in ("articles.csv", "clusters.csv", "pairs.csv"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "again" / name).read_bytes()


def test_changed_article_is_an_update(
    batches: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "state.db"
    assert _run(batches[:1], db, tmp_path / "o1") == 0
    edited = [dict(BATCHES[0][2], text=_article("x", 2, 1)["text"])]  # z1 now tells story 2
    assert _run([_write(edited, tmp_path / "edit.csv")], db, tmp_path / "o2") == 0
    assert "0 new, 1 updated" in capsys.readouterr().err
    c = _clusters(tmp_path / "o2").set_index("id")
    assert c.loc["z1", "cluster_id"] == c.loc["b1", "cluster_id"]
    assert c.loc["b1", "cluster_status"] == "grown"


def test_window_and_retention(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    cfg = tmp_path / "c.toml"
    cfg.write_text("[state]\nwindow_days = 3\nretention_days = 10\n")
    old = [_article("o1", 1, 1), _article("o2", 2, 7)]
    late = [_article("n1", 1, 9, 1)]  # o1 is 8 days older: outside the window
    later = [_article("m1", 3, 18)]  # 17 days after o1, 11 after o2: both pruned
    for k, rows in enumerate((old, late, later)):
        path = _write(rows, tmp_path / f"in{k}.csv")
        assert _run([path], db, tmp_path / f"o{k}", "--config", str(cfg)) == 0
    ids1 = _clusters(tmp_path / "o1").set_index("id")
    assert sorted(ids1.index) == ["n1", "o2"]  # o1 outside the window
    assert ids1.loc["n1", "cluster_status"] == "new"  # not compared with o1
    stored = pd.read_sql("SELECT id FROM articles ORDER BY id", sqlite3.connect(db))
    assert stored["id"].tolist() == ["m1", "n1"]


def test_state_config_table(tmp_path: Path) -> None:
    cfg = config_from_mapping({"state": {"path": "s.db", "window_days": 2}, "job": {"x": 1}})
    assert cfg.state.path == "s.db" and cfg.state.window_days == 2.0
    with pytest.raises(ConfigError, match="retention_days"):
        config_from_mapping({"state": {"window_days": 10, "retention_days": 5}})
    with pytest.raises(ConfigError, match="Unknown key 'windw_days'"):
        config_from_mapping({"state": {"windw_days": 10}})


# -- stable id mapping (pure) ----------------------------------------------------------------


def test_merge_keeps_the_older_id_and_records_it() -> None:
    ids = assign_stable_ids(
        {"cX": ["a", "b", "n"]},
        stored_cluster={"a": "old", "b": "young"},
        created_run={"old": 1, "young": 2},
        taken=set(),
    )
    assert ids.mapping == {"cX": "old"}
    assert ids.merges == [("young", "old")]
    assert ids.status == {"old": "merged"}


def test_split_keeps_the_id_with_the_larger_part() -> None:
    ids = assign_stable_ids(
        {"c1": ["a"], "c2": ["b", "c"], "c3": ["n"]},
        stored_cluster={"a": "k", "b": "k", "c": "k"},
        created_run={"k": 1},
        taken={"c3"},
    )
    assert ids.mapping["c2"] == "k" and ids.mapping["c1"] == "c1"
    assert ids.status == {"k": "split", "c1": "split", "c3-2": "new"}
    assert ids.merges == []


def test_unchanged_and_grown() -> None:
    ids = assign_stable_ids(
        {"p": ["a", "b"], "q": ["c", "n"]},
        stored_cluster={"a": "k1", "b": "k1", "c": "k2"},
        created_run={"k1": 1, "k2": 1},
        taken=set(),
    )
    assert ids.status == {"k1": "unchanged", "k2": "grown"}


# -- one run at a time; crashes --------------------------------------------------------------


def _cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.Popen(
        [sys.executable, "-m", "dedup", *args, "--no-progress"],
        env=full,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_second_run_on_a_busy_store_exits_2(
    batches: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, gate = tmp_path / "state.db", tmp_path / "gate"
    first = _cli(
        ["run", str(batches[0]), "--state", str(db), "--out", str(tmp_path / "o1")],
        {"NEWSDEDUP_TEST_WAIT_AT": "loaded", "NEWSDEDUP_TEST_WAIT_FILE": str(gate)},
    )
    try:
        deadline = time.monotonic() + 60
        while not Path(str(gate) + ".reached").exists():
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert _run(batches[1:2], db, tmp_path / "o2") == 2
        assert "another newsdedup run is using this state store" in capsys.readouterr().err
    finally:
        gate.touch()
        _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert len(_clusters(tmp_path / "o1")) == 3
    assert _run(batches[1:2], db, tmp_path / "o3") == 0  # the lock is free again


@pytest.mark.parametrize(
    "stage",
    ["locked", "planned", "loaded", "pipeline", "saved_articles", "before_commit", "committed"],
)
def test_kill_9_leaves_the_store_as_before_and_the_next_run_recovers(
    stage: str, batches: list[Path], tmp_path: Path
) -> None:
    db = tmp_path / "state.db"
    assert _run(batches[:1], db, tmp_path / "o1") == 0
    reference = tmp_path / "reference.db"
    shutil.copy(db, reference)
    assert _run(batches[1:2], reference, tmp_path / "ref") == 0  # uninterrupted
    before = _dump(db)

    proc = _cli(
        ["run", str(batches[1]), "--state", str(db), "--out", str(tmp_path / "o2")],
        {"NEWSDEDUP_TEST_CRASH_AT": stage},
    )
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == -9, err
    if stage == "committed":  # killed after the commit, before the reports
        assert _dump(db, skip_runs=True) == _dump(reference, skip_runs=True)
    else:
        assert _dump(db) == before

    assert _run(batches[1:2], db, tmp_path / "o2") == 0
    assert _dump(db, skip_runs=True) == _dump(reference, skip_runs=True)
    for name in ("articles.csv", "clusters.csv", "pairs.csv"):
        assert (tmp_path / "o2" / name).read_bytes() == (tmp_path / "ref" / name).read_bytes()


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([f"a{i}" for i in range(12)]),
        st.tuples(st.integers(0, 4), st.one_of(st.none(), st.integers(0, 3))),
        min_size=1,
    )
)
def test_stable_ids_are_a_one_to_one_relabelling(
    spec: dict[str, tuple[int, int | None]],
) -> None:
    """Each article: (pipeline cluster, stored cluster or None for a new article)."""
    members: dict[str, list[str]] = {}
    for art, (c, _) in spec.items():
        members.setdefault(f"p{c}", []).append(art)
    stored = {art: f"k{k}" for art, (_, k) in spec.items() if k is not None}
    created = {f"k{k}": k % 2 for k in range(4)}
    ids = assign_stable_ids(members, stored, created, taken={"p0"})
    values = list(ids.mapping.values())
    assert len(set(values)) == len(values)  # distinct clusters keep distinct ids
    merged = {m for m, _ in ids.merges}
    assert not merged & set(values)  # a merged id is never reused
    for c, k in ids.mapping.items():
        holders = {stored[a] for a in members[c] if a in stored}
        assert (k in holders) or (k not in set(stored.values()) and k != "p0")
        if holders and k in holders:  # the kept id is the oldest one available
            assert all(created[k] <= created[h] or h in values for h in holders)
    for m, into in ids.merges:  # the older id survives
        assert created[into] <= created[m]
    assert set(ids.status) == set(values)
