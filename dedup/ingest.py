"""Read articles from CSV, JSONL, Parquet or a folder of .txt/.html files.

This is one of the few places that read files. The result is an articles table with the
columns ``id, source, published_at, title, text, url`` plus any extra input columns, and a
rejects table (``file, row, id, reason``): no row is dropped without a reason.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dedup.config import InputConfig
from dedup.errors import InputError
from dedup.memory import release_memory

log = logging.getLogger(__name__)

#: The standard article columns, in output order.
STANDARD_COLUMNS = ("id", "source", "published_at", "title", "text", "url")
REJECT_COLUMNS = ("file", "row", "id", "reason")
_FOLDER_SUFFIXES = (".txt", ".html", ".htm")

#: Common other names of the standard columns, tried in this order (ignoring case) when a
#: column keeps its default name and the input has no column of that name. Only names that
#: mean one thing are listed (not ``story`` or ``domain``, which some corpora use for labels).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("article_id", "doc_id", "docid", "newid", "guid", "uid"),
    "text": ("body", "content", "article", "article_text", "full_text", "maintext"),
    "title": ("headline", "heading"),
    "source": ("publisher", "outlet", "publication", "site", "source_name", "feed"),
    "published_at": (
        "published",
        "publish_date",
        "published_date",
        "pub_date",
        "date_published",
        "datetime",
        "date",
        "timestamp",
        "time",
        "created_at",
        "scrape_time",
        "crawl_time",
    ),
    "url": ("link", "uri", "href"),
}
_DEFAULTS = InputConfig()


@dataclass
class IngestResult:
    """Accepted articles, rejected rows, and a checksum per input file."""

    articles: pd.DataFrame
    rejects: pd.DataFrame
    checksums: dict[str, str] = field(default_factory=dict)

    @property
    def extra_columns(self) -> list[str]:
        return [c for c in self.articles.columns if c not in STANDARD_COLUMNS]


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# Undecodable bytes are replaced by this private-use character while reading, so the rows
# that held them can be rejected one by one instead of failing the whole file.
_BAD_BYTE = "\U0010fffd"


def _mark_bad_bytes(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeDecodeError):
        raise err
    return _BAD_BYTE, err.end


codecs.register_error("newsdedup-mark", _mark_bad_bytes)


def _has_surrogates(value: str) -> bool:
    return _BAD_BYTE in value


def csv_separator(path: Path) -> str:
    """Tab for a file named ``.tsv`` (or ``.tsv.gz``), else comma."""
    return "\t" if ".tsv" in [x.lower() for x in path.suffixes[-2:]] else ","


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(
            path,
            sep=csv_separator(path),
            dtype=str,
            keep_default_na=False,
            encoding="utf-8",
            encoding_errors="newsdedup-mark",
        )
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty (expected a header row)") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc})") from None


def _read_jsonl(path: Path) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    rows: list[dict[str, object]] = []
    bad: list[dict[str, str]] = []
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                bad.append(_reject(path, lineno, "", "undecodable bytes (not UTF-8)"))
                continue
            except json.JSONDecodeError as exc:
                bad.append(_reject(path, lineno, "", f"invalid JSON ({exc.msg})"))
                continue
            if not isinstance(obj, dict):
                bad.append(_reject(path, lineno, "", "a JSON line must be an object"))
                continue
            row: dict[str, object] = {str(k): "" if v is None else str(v) for k, v in obj.items()}
            row["__row__"] = lineno
            rows.append(row)
    df = pd.DataFrame(rows)
    for col in df.columns:
        if col != "__row__":
            df[col] = df[col].fillna("").astype(str)
    return df, bad


_CHECK_ROWS = 65_536
"""Texts checked for content at a time by :func:`read_articles`."""
_PARQUET_BATCH = 65_536
"""Rows decoded at a time when reading Parquet."""


def _read_parquet(path: Path) -> pd.DataFrame:
    """A Parquet file as a frame, one column at a time in batches of rows: only the columns'
    Arrow arrays and one batch's decoding buffers are held (reading the whole table at once
    holds about three times its text while it decodes)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        schema = pf.schema_arrow
        columns = {}
        for name in schema.names:
            batches = pf.iter_batches(batch_size=_PARQUET_BATCH, columns=[name])
            chunks = [b.column(0) for b in batches]
            columns[name] = pa.chunked_array(chunks, type=schema.field(name).type)
        table = pa.table(columns).replace_schema_metadata(schema.metadata)
        del columns
        df = table.to_pandas(self_destruct=True)
        del table
    except Exception as exc:  # pyarrow raises many types for a bad file
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    for col in df.columns:
        if isinstance(df[col].dtype, pd.StringDtype):
            df[col] = df[col].fillna("")  # strings already: kept in Arrow, no object per value
        else:
            df[col] = (
                df[col].map(lambda v: "" if v is None or v is pd.NA else str(v)).astype(object)
            )
    return df


def _read_folder(path: Path) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    rows: list[dict[str, object]] = []
    bad: list[dict[str, str]] = []
    files = sorted(
        p for p in path.iterdir() if p.is_file() and p.suffix.lower() in _FOLDER_SUFFIXES
    )
    for i, f in enumerate(files, start=1):
        try:
            text = f.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            bad.append(_reject(f, i, f.stem, "undecodable bytes (not UTF-8)"))
            continue
        except OSError as exc:
            raise InputError(f"{f}: cannot read the file ({exc.strerror})") from None
        rows.append({"id": f.stem, "text": text, "__row__": i, "__file__": str(f)})
    return pd.DataFrame(rows, columns=["id", "text", "__row__", "__file__"]), bad


def _reject(path: Path | str, row: int | str, id_: str, reason: str) -> dict[str, str]:
    return {"file": str(path), "row": str(row), "id": id_, "reason": reason}


def _folder_checksum(path: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(
        p for p in path.iterdir() if p.is_file() and p.suffix.lower() in _FOLDER_SUFFIXES
    ):
        h.update(f.name.encode())
        h.update(_sha256_file(f).encode())
    return h.hexdigest()


def _with_aliases(
    mapping: dict[str, str], columns: list[str], cfg: InputConfig, path: Path
) -> dict[str, str]:
    """``mapping`` (input name -> standard name) with a well-known other name used for every
    standard column that keeps its default name and is missing from ``columns``: first the
    same name in other case (``Text``), then :data:`COLUMN_ALIASES` in order."""
    present = {str(c).lower(): str(c) for c in reversed(columns) if str(c) != "__row__"}
    out = dict(mapping)
    taken = set(mapping) & set(map(str, columns))
    for name in STANDARD_COLUMNS:
        configured = getattr(cfg, f"{name}_col")
        if configured != getattr(_DEFAULTS, f"{name}_col") or configured in columns:
            continue
        for alias in (name, *COLUMN_ALIASES[name]):
            found = present.get(alias)
            if found is not None and found not in taken:
                del out[configured]
                out[found] = name
                taken.add(found)
                log.warning("%s: reading column '%s' as %s", path, found, name)
                break
    return out


def _load_one(path: Path, cfg: InputConfig) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    """Read one input into the standard columns; raise InputError for a bad file."""
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    bad: list[dict[str, str]] = []
    mapping = {
        cfg.id_col: "id",
        cfg.text_col: "text",
        cfg.title_col: "title",
        cfg.source_col: "source",
        cfg.published_at_col: "published_at",
        cfg.url_col: "url",
    }
    if path.is_dir():
        df, bad = _read_folder(path)
        mapping = {}
    else:
        suffix = (
            "".join(path.suffixes[-2:]).lower() if path.suffix == ".gz" else path.suffix.lower()
        )
        try:
            if suffix in (".csv", ".csv.gz", ".tsv", ".tsv.gz"):
                df = _read_csv(path)
            elif suffix in (".jsonl", ".ndjson", ".jsonl.gz"):
                df, bad = _read_jsonl(path)
            elif suffix in (".parquet", ".pq"):
                df = _read_parquet(path)
            else:
                raise InputError(
                    f"{path}: unknown input type '{path.suffix}'; "
                    "use .csv, .jsonl, .parquet or a folder of .txt/.html files"
                )
        except PermissionError:
            raise InputError(f"{path}: cannot read the file (permission denied)") from None
        if "__row__" not in df.columns:
            df["__row__"] = range(2, len(df) + 2)  # CSV: line 1 is the header
        mapping = _with_aliases(mapping, list(df.columns), cfg, path)
        inverse = {std: col for col, std in mapping.items()}
        for required_in, required in ((inverse["id"], "id"), (inverse["text"], "text")):
            if required_in not in df.columns:
                flag = f"--{required}-col"
                cols = ", ".join(str(c) for c in df.columns if c != "__row__")
                raise InputError(
                    f"{path}: no column '{required_in}' (columns: {cols}); "
                    f"name the {required} column with {flag} or [input] {required}_col"
                )
        clash = [c for c in STANDARD_COLUMNS if c in df.columns and mapping.get(c, c) != c]
        df = df.drop(columns=clash).rename(columns=mapping)
        df["__file__"] = str(path)
    for col in STANDARD_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    return df, bad


def read_articles(paths: Sequence[str | Path], cfg: InputConfig | None = None) -> IngestResult:
    """Read every input and return accepted articles and rejected rows.

    Rejected (with a reason): a missing or empty id or text, undecodable bytes, invalid JSON,
    and a duplicate id (the first occurrence is kept) unless ``duplicate_ids = "error"``.
    """
    cfg = cfg or InputConfig()
    if not paths:
        raise InputError("no input given: name a CSV, JSONL, Parquet file or a folder")
    frames: list[pd.DataFrame] = []
    rejects: list[dict[str, str]] = []
    checksums: dict[str, str] = {}
    for raw in paths:
        path = Path(raw)
        df, bad = _load_one(path, cfg)
        checksums[str(path)] = _folder_checksum(path) if path.is_dir() else _sha256_file(path)
        rejects.extend(bad)
        frames.append(df)
    if len(frames) == 1:
        data = frames[0].reset_index(drop=True)
    else:
        data = pd.concat(frames, ignore_index=True, sort=False) if frames else pd.DataFrame()
    for col in data.columns:
        if col not in ("__row__",):
            data[col] = data[col].fillna("").astype(str)
    keep: list[int] = []
    seen: set[str] = set()
    text_cols = [c for c in data.columns if not c.startswith("__")]
    # whole columns at a time (a cell lookup per value costs more than the check)
    bad_bytes = np.zeros(len(data), dtype=bool)
    for c in text_cols:
        bad_bytes |= data[c].str.contains(_BAD_BYTE, regex=False).to_numpy(dtype=bool)
    # a slice of the texts at a time as Python strings (all at once would copy the text)
    texts = data["text"]
    empty = np.zeros(len(data), dtype=bool)
    for lo in range(0, len(data), _CHECK_ROWS):
        part = texts.iloc[lo : lo + _CHECK_ROWS].tolist()
        empty[lo : lo + len(part)] = [not str(t).strip() for t in part]
    for idx, r, f, id_raw, no_text, bad_k in zip(
        data.index.tolist(),
        data["__row__"].tolist(),
        data["__file__"].tolist(),
        data["id"].tolist(),
        empty.tolist(),
        bad_bytes.tolist(),
        strict=True,
    ):
        id_ = str(id_raw).strip()
        if bad_k:
            shown = "" if _has_surrogates(id_) else id_
            rejects.append(_reject(f, r, shown, "undecodable bytes (not UTF-8)"))
            continue
        if not id_:
            rejects.append(_reject(f, r, "", "missing id"))
            continue
        if no_text:
            rejects.append(_reject(f, r, id_, "empty text"))
            continue
        if id_ in seen:
            if cfg.duplicate_ids == "error":
                raise InputError(
                    f"{f}: row {r}: duplicate id '{id_}' "
                    '(set [input] duplicate_ids = "reject" to reject later copies)'
                )
            rejects.append(_reject(f, r, id_, "duplicate id (first occurrence kept)"))
            continue
        seen.add(id_)
        keep.append(idx)
    # every row kept (the usual case): the table itself, not a copy of it
    articles = data if len(keep) == len(data) else data.loc[keep].copy()
    articles["id"] = articles["id"].str.strip()
    extra = [c for c in articles.columns if c not in STANDARD_COLUMNS and not c.startswith("__")]
    articles = articles[list(STANDARD_COLUMNS) + extra].reset_index(drop=True)
    rej = pd.DataFrame(rejects, columns=list(REJECT_COLUMNS))
    del data, frames
    release_memory()  # the copies made on the way: several times the text
    if rejects:
        log.warning("%d input rows rejected; see rejects.csv", len(rejects))
    return IngestResult(articles=articles, rejects=rej, checksums=checksums)
