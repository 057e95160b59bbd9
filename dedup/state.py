"""The state store: what scheduled runs remember between runs, in one SQLite file.

Tables (read them with ``pandas.read_sql("SELECT * FROM articles", sqlite3.connect(path))``):

* ``meta(key, value)``: ``schema_version`` and the newsdedup version that created the store;
* ``runs``: one row per run, including runs that changed nothing (``changed = 0``);
* ``articles``: every stored article: the input fields (``text`` raw, other input columns as
  JSON in ``extra_json``), ``content_hash``, ``window_ts`` (``published_at`` in seconds since
  the epoch, or the run's reference time when the date is unknown), the runs that first and
  last wrote it, and its current place: ``cluster_id, is_canonical, size,
  similarity_to_canonical, relation_to_canonical, n_words, n_boilerplate_lines``;
* ``signatures``: the MinHash signature of each article (little-endian uint32 ``BLOB``) with
  the ``num_perm, seed, shingle_size, hash, scheme`` that made it;
* ``clusters``: one row per story id: the run that created it, the last run that changed it
  and what that run did (``status``: new, grown, merged, split), ``merged_into`` when it was
  merged into an older story;
* ``cluster_merges(run_id, merged_id, into_id)``: every merge;
* ``pairs``: the scored pairs (the ``pairs.csv`` columns) of the stored articles.

Safety: one process at a time holds an exclusive ``flock`` on ``PATH.lock`` (released by the
kernel when the process dies, even by ``kill -9``); a second one fails at once with
:class:`~dedup.errors.StateError`. Every change of a run is one SQLite transaction
(``BEGIN IMMEDIATE`` ... ``COMMIT``) with the rollback journal and ``synchronous = FULL``: a run
killed at any point leaves the store exactly as it was before that run. The rollback journal
(not WAL) keeps the store a single file between runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import signal
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import pandas as pd

from dedup import __version__
from dedup.errors import StateError
from dedup.score import PAIR_COLUMNS

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
ARTICLE_FIELDS = ("id", "source", "published_at", "title", "url", "text", "extra_json")
DERIVED_FIELDS = (
    "n_words",
    "n_boilerplate_lines",
    "cluster_id",
    "is_canonical",
    "size",
    "similarity_to_canonical",
    "relation_to_canonical",
)
_PAIR_FIELDS = PAIR_COLUMNS

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    newsdedup_version TEXT NOT NULL,
    input_checksum TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    reference_ts REAL NOT NULL,
    window_start_ts REAL NOT NULL,
    n_input INTEGER NOT NULL,
    n_new INTEGER NOT NULL,
    n_updated INTEGER NOT NULL,
    n_pruned INTEGER NOT NULL,
    changed INTEGER NOT NULL
);
CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    published_at TEXT NOT NULL,
    title TEXT NOT NULL,
    url TEXT NOT NULL,
    text TEXT NOT NULL,
    extra_json TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    window_ts REAL NOT NULL,
    first_run INTEGER NOT NULL,
    last_run INTEGER NOT NULL,
    n_words INTEGER NOT NULL,
    n_boilerplate_lines INTEGER NOT NULL,
    cluster_id TEXT NOT NULL,
    is_canonical INTEGER NOT NULL,
    size INTEGER NOT NULL,
    similarity_to_canonical REAL NOT NULL,
    relation_to_canonical TEXT NOT NULL
);
CREATE INDEX articles_window ON articles(window_ts);
CREATE INDEX articles_cluster ON articles(cluster_id);
CREATE TABLE signatures (
    id TEXT PRIMARY KEY,
    num_perm INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    shingle_size INTEGER NOT NULL,
    hash TEXT NOT NULL,
    scheme TEXT NOT NULL,
    signature BLOB NOT NULL
);
CREATE TABLE clusters (
    cluster_id TEXT PRIMARY KEY,
    created_run INTEGER NOT NULL,
    last_changed_run INTEGER NOT NULL,
    status TEXT NOT NULL,
    merged_into TEXT
);
CREATE TABLE cluster_merges (
    run_id INTEGER NOT NULL,
    merged_id TEXT NOT NULL,
    into_id TEXT NOT NULL,
    PRIMARY KEY (run_id, merged_id)
);
CREATE TABLE pairs (
    id_a TEXT NOT NULL,
    id_b TEXT NOT NULL,
    relation TEXT NOT NULL,
    minhash_jaccard REAL NOT NULL,
    jaccard REAL NOT NULL,
    containment_a_in_b REAL NOT NULL,
    containment_b_in_a REAL NOT NULL,
    tfidf_cosine REAL NOT NULL,
    coverage_a_in_b REAL NOT NULL,
    coverage_b_in_a REAL NOT NULL,
    PRIMARY KEY (id_a, id_b)
) WITHOUT ROWID;
CREATE INDEX pairs_b ON pairs(id_b);
"""


def crash_point(stage: str) -> None:
    """Test hook, read in this one place: ``NEWSDEDUP_TEST_CRASH_AT=stage`` kills the process
    with SIGKILL at ``stage``; ``NEWSDEDUP_TEST_WAIT_AT=stage`` with
    ``NEWSDEDUP_TEST_WAIT_FILE=F`` creates ``F.reached`` and waits until ``F`` exists."""
    if os.environ.get("NEWSDEDUP_TEST_CRASH_AT") == stage:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get("NEWSDEDUP_TEST_WAIT_AT") == stage:
        gate = Path(os.environ["NEWSDEDUP_TEST_WAIT_FILE"])
        Path(str(gate) + ".reached").touch()
        while not gate.exists():
            time.sleep(0.02)


@dataclass(frozen=True)
class RunRecord:
    """One row of the ``runs`` table."""

    input_checksum: str
    config_hash: str
    reference_ts: float
    window_start_ts: float
    n_input: int
    n_new: int = 0
    n_updated: int = 0
    n_pruned: int = 0


@dataclass
class StateUpdate:
    """Everything one changing run writes, applied in one transaction by
    :meth:`StateStore.save_run`."""

    articles: pd.DataFrame  # ARTICLE_FIELDS + content_hash, window_ts, first_run + DERIVED
    signatures: np.ndarray  # (len(signature_ids), num_perm) uint32
    signature_ids: list[str]
    scheme: dict[str, object]
    clusters: pd.DataFrame  # cluster_id, created_run, status (touched clusters only)
    merges: list[tuple[str, str]]  # (merged_id, into_id)
    pairs: pd.DataFrame  # _PAIR_FIELDS: every pair among the articles above
    prune_before_ts: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class StateStore:
    """An open, locked state store. Use :meth:`open` as a context manager."""

    def __init__(self, path: Path, conn: sqlite3.Connection, lock_fd: int) -> None:
        self.path = path
        self.conn = conn
        self._lock_fd = lock_fd

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path) -> StateStore:
        """Lock ``path`` (non-blocking), open it, create the schema in a new store or check
        the schema version of an existing one."""
        p = Path(path)
        if p.exists() and p.is_dir():
            raise StateError(f"{p}: the state store must be a file, not a folder")
        p.parent.mkdir(parents=True, exist_ok=True)
        lock_path = Path(str(p) + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StateError(
                f"{p}: another newsdedup run is using this state store; "
                "try again when it has finished"
            ) from None
        try:
            conn = sqlite3.connect(p, isolation_level=None, timeout=0.0)
            conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = OFF")
            store = cls(p, conn, fd)
            store._ensure_schema()
        except sqlite3.DatabaseError as exc:
            os.close(fd)
            raise StateError(f"{p}: not a readable newsdedup state store ({exc})") from None
        except BaseException:
            os.close(fd)
            raise
        return store

    def _ensure_schema(self) -> None:
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master")}
        if not tables:
            self.conn.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self.conn.execute(statement)
            self.conn.executemany(
                "INSERT INTO meta(key, value) VALUES (?, ?)",
                [("schema_version", str(SCHEMA_VERSION)), ("created_by", __version__)],
            )
            self.conn.execute("COMMIT")
            return
        if "meta" not in tables:
            raise StateError(f"{self.path}: not a newsdedup state store (no meta table)")
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row else -1
        if version != SCHEMA_VERSION:
            raise StateError(
                f"{self.path}: state store schema version {version}; this newsdedup "
                f"({__version__}) reads version {SCHEMA_VERSION}"
            )

    def close(self) -> None:
        self.conn.close()
        with contextlib.suppress(OSError):
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        os.close(self._lock_fd)

    def __enter__(self) -> StateStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------------------
    def schema_version(self) -> int:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0])

    def latest_ts(self) -> float | None:
        row = self.conn.execute("SELECT MAX(window_ts) FROM articles").fetchone()
        return None if row[0] is None else float(row[0])

    def last_changing_run(self) -> tuple[int, str] | None:
        """``(run_id, config_hash)`` of the last run that changed the store."""
        row = self.conn.execute(
            "SELECT run_id, config_hash FROM runs WHERE changed = 1 ORDER BY run_id DESC LIMIT 1"
        ).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def content_hashes(self, ids: Iterable[str]) -> dict[str, tuple[str, float]]:
        """``id -> (content_hash, window_ts)`` for the given ids that are stored."""
        out: dict[str, tuple[str, float]] = {}
        id_list = list(ids)
        for start in range(0, len(id_list), 900):
            chunk = id_list[start : start + 900]
            q = ",".join("?" * len(chunk))
            for id_, h, ts in self.conn.execute(
                f"SELECT id, content_hash, window_ts FROM articles WHERE id IN ({q})", chunk
            ):
                out[str(id_)] = (str(h), float(ts))
        return out

    def load_window(self, window_start_ts: float) -> pd.DataFrame:
        """Stored articles with ``window_ts >= window_start_ts``: input fields, content
        hash, first run and current cluster id, sorted by id."""
        return pd.read_sql_query(
            "SELECT id, source, published_at, title, url, text, extra_json, content_hash, "
            "window_ts, first_run, cluster_id FROM articles WHERE window_ts >= ? ORDER BY id",
            self.conn,
            params=(window_start_ts,),
        )

    def cluster_created(self, cluster_ids: Iterable[str]) -> dict[str, int]:
        """``cluster_id -> created_run`` for stored clusters."""
        ids = sorted(set(cluster_ids))
        out: dict[str, int] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            q = ",".join("?" * len(chunk))
            for cid, run in self.conn.execute(
                f"SELECT cluster_id, created_run FROM clusters WHERE cluster_id IN ({q})", chunk
            ):
                out[str(cid)] = int(run)
        return out

    def known_cluster_ids(self, candidates: Iterable[str]) -> set[str]:
        """Which of ``candidates`` are (or were) used as cluster ids."""
        ids = sorted(set(candidates))
        out: set[str] = set()
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            q = ",".join("?" * len(chunk))
            out.update(
                str(r[0])
                for r in self.conn.execute(
                    f"SELECT cluster_id FROM clusters WHERE cluster_id IN ({q}) "
                    f"UNION SELECT merged_id FROM cluster_merges WHERE merged_id IN ({q})",
                    chunk + chunk,
                )
            )
        return out

    def view(self, window_start_ts: float) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The cumulative view of the stored articles inside the window: an articles table
        (stored fields, ``cluster_status`` from the last run that changed the store) and the
        stored pairs between them."""
        last = self.last_changing_run()
        last_id = -1 if last is None else last[0]
        arts = pd.read_sql_query(
            "SELECT a.id, a.source, a.published_at, a.title, a.url, a.extra_json, a.n_words, "
            "a.n_boilerplate_lines, a.cluster_id, a.is_canonical, "
            "a.similarity_to_canonical, a.relation_to_canonical, "
            "CASE WHEN c.last_changed_run = ? THEN c.status ELSE 'unchanged' END "
            "AS cluster_status FROM articles a LEFT JOIN clusters c ON c.cluster_id = a.cluster_id "
            "WHERE a.window_ts >= ? ORDER BY a.id",
            self.conn,
            params=(last_id, window_start_ts),
        )
        pairs = pd.read_sql_query(
            "SELECT p.* FROM pairs p JOIN articles a ON a.id = p.id_a "
            "JOIN articles b ON b.id = p.id_b WHERE a.window_ts >= ? AND b.window_ts >= ? "
            "ORDER BY p.id_a, p.id_b",
            self.conn,
            params=(window_start_ts, window_start_ts),
        )
        return arts, pairs

    # -- writing -----------------------------------------------------------------------------
    def _insert_run(self, run: RunRecord, changed: bool) -> int:
        cur = self.conn.execute(
            "INSERT INTO runs(started_at, newsdedup_version, input_checksum, config_hash, "
            "reference_ts, window_start_ts, n_input, n_new, n_updated, n_pruned, changed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                __version__,
                run.input_checksum,
                run.config_hash,
                run.reference_ts,
                run.window_start_ts,
                run.n_input,
                run.n_new,
                run.n_updated,
                run.n_pruned,
                int(changed),
            ),
        )
        assert cur.lastrowid is not None
        return int(cur.lastrowid)

    def next_run_id(self) -> int:
        row = self.conn.execute("SELECT COALESCE(MAX(run_id), 0) + 1 FROM runs").fetchone()
        return int(row[0])

    def log_run(self, run: RunRecord) -> int:
        """Record a run that changed nothing (a re-run)."""
        with self._transaction():
            return self._insert_run(run, changed=False)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StateError(f"{self.path}: cannot start a transaction ({exc})") from None
        try:
            yield
            crash_point("before_commit")
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    def save_run(self, run: RunRecord, update: StateUpdate) -> int:
        """Apply one run's changes in ONE transaction; returns the run id."""
        with self._transaction():
            run_id = self._insert_run(run, changed=True)
            a = update.articles
            cols = [*list(ARTICLE_FIELDS), "content_hash", "window_ts", "first_run"]
            cols += ["last_run", *DERIVED_FIELDS]
            rows = zip(
                *(a[c].tolist() for c in cols if c != "last_run"),
                strict=True,
            )
            li = cols.index("last_run")
            values = ((*r[:li], run_id, *r[li:]) for r in rows)
            sets = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in ("id", "first_run"))
            self.conn.executemany(
                f"INSERT INTO articles({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                f"ON CONFLICT(id) DO UPDATE SET {sets}",
                values,
            )
            crash_point("saved_articles")
            s = update.scheme
            sigs = np.ascontiguousarray(update.signatures, dtype="<u4")
            self.conn.executemany(
                "INSERT OR REPLACE INTO signatures(id, num_perm, seed, shingle_size, hash, "
                "scheme, signature) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        id_,
                        s["num_perm"],
                        s["seed"],
                        s["shingle_size"],
                        s["hash"],
                        s["scheme"],
                        sigs[k].tobytes(),
                    )
                    for k, id_ in enumerate(update.signature_ids)
                ),
            )
            c = update.clusters
            self.conn.executemany(
                "INSERT INTO clusters(cluster_id, created_run, last_changed_run, status) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(cluster_id) DO UPDATE SET "
                "last_changed_run = excluded.last_changed_run, status = excluded.status, "
                "merged_into = NULL",
                (
                    (cid, run_id if created < 0 else created, run_id, status)
                    for cid, created, status in zip(
                        c["cluster_id"], c["created_run"], c["status"], strict=True
                    )
                ),
            )
            for merged, into in update.merges:
                self.conn.execute(
                    "INSERT INTO cluster_merges(run_id, merged_id, into_id) VALUES (?, ?, ?)",
                    (run_id, merged, into),
                )
                self.conn.execute(
                    "UPDATE clusters SET merged_into = ?, last_changed_run = ?, status = 'merged' "
                    "WHERE cluster_id = ?",
                    (into, run_id, merged),
                )
                self.conn.execute(
                    "UPDATE articles SET cluster_id = ? WHERE cluster_id = ?", (into, merged)
                )
            self._replace_pairs(a["id"].tolist(), update.pairs)
            if update.prune_before_ts is not None:
                self._prune(update.prune_before_ts)
        return run_id

    def _replace_pairs(self, ids: Sequence[str], pairs: pd.DataFrame) -> None:
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS run_ids (id TEXT PRIMARY KEY)")
        self.conn.execute("DELETE FROM temp.run_ids")
        self.conn.executemany("INSERT INTO temp.run_ids(id) VALUES (?)", ((i,) for i in ids))
        self.conn.execute(
            "DELETE FROM pairs WHERE id_a IN (SELECT id FROM temp.run_ids) "
            "AND id_b IN (SELECT id FROM temp.run_ids)"
        )
        self.conn.executemany(
            f"INSERT OR REPLACE INTO pairs({', '.join(_PAIR_FIELDS)}) "
            f"VALUES ({', '.join('?' * len(_PAIR_FIELDS))})",
            zip(*(pairs[c].tolist() for c in _PAIR_FIELDS), strict=True),
        )
        self.conn.execute("DELETE FROM temp.run_ids")

    def _prune(self, before_ts: float) -> None:
        self.conn.execute(
            "DELETE FROM pairs WHERE id_a IN (SELECT id FROM articles WHERE window_ts < ?) "
            "OR id_b IN (SELECT id FROM articles WHERE window_ts < ?)",
            (before_ts, before_ts),
        )
        self.conn.execute(
            "DELETE FROM signatures WHERE id IN (SELECT id FROM articles WHERE window_ts < ?)",
            (before_ts,),
        )
        self.conn.execute("DELETE FROM articles WHERE window_ts < ?", (before_ts,))
        self.conn.execute(
            "DELETE FROM clusters WHERE cluster_id NOT IN (SELECT DISTINCT cluster_id FROM articles)"
        )

    def count_prunable(self, before_ts: float) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM articles WHERE window_ts < ?", (before_ts,)
        ).fetchone()
        return int(row[0])


def extra_to_json(values: dict[str, str]) -> str:
    """Carried-through columns as stored: compact JSON with sorted keys."""
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
