"""Incremental runs against the state store: stable story ids across scheduled runs.

A run with a store takes the stored articles inside the look-back window, adds the new (or
changed) input articles, and runs the pure pipeline (:func:`dedup.pipeline.run_pipeline`)
over all of them, sorted by id. Re-running the pipeline over the window, rather than scoring
new articles against frozen old results, keeps cleaning, TF-IDF statistics and scores of old
and new articles on one scale, and makes N batches give the clusters one run over the same
articles gives (inside the window) by construction. The pipeline's clusters are then mapped
onto the stored story ids (:func:`assign_stable_ids`).

An input that brings nothing new (every id already stored with the same content, the same
configuration, nothing to prune) changes nothing in the store: the run is logged and the
reports are the stored view, byte for byte what the run that made that state wrote.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dedup.config import Config
from dedup.pipeline import (
    ARTICLE_COLUMNS,
    CLUSTER_COLUMNS,
    RunResult,
    StageTimer,
    parse_times,
    run_pipeline,
)
from dedup.state import RunRecord, StateStore, StateUpdate, crash_point, extra_to_json

log = logging.getLogger(__name__)

STATUS_COLUMN = "cluster_status"
STATUSES = ("new", "grown", "merged", "split", "unchanged")
_DAY = 86400.0
_INPUT_FIELDS = ("id", "source", "published_at", "title", "url", "text")


@dataclass
class StableIds:
    """How the pipeline's clusters map onto stored story ids in one run."""

    mapping: dict[str, str]  # pipeline cluster id -> stable cluster id
    status: dict[str, str]  # stable cluster id -> new | grown | merged | split | unchanged
    created_run: dict[str, int]  # stable cluster id -> created run (-1: created now)
    merges: list[tuple[str, str]] = field(default_factory=list)  # (merged_id, into_id)


@dataclass
class IncrementalOutput:
    """A finished run with a store: the report tables and what the run did to the store."""

    result: RunResult
    run_id: int
    changed: bool
    window_start_ts: float
    counts: dict[str, Any]


def config_hash(config: Config) -> str:
    """What decides stored results: every setting except where the store lives."""
    data = config.to_dict()
    data.get("state", {}).pop("path", None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def content_hash(values: Sequence[str]) -> str:
    """Hash of an article's input fields (and carried-through columns as JSON)."""
    return hashlib.sha256(json.dumps(list(values)).encode("utf-8")).hexdigest()


def assign_stable_ids(
    members: Mapping[str, Sequence[str]],
    stored_cluster: Mapping[str, str],
    created_run: Mapping[str, int],
    taken: set[str],
) -> StableIds:
    """Map each pipeline cluster (``members``: cluster id -> article ids) onto stored ids.

    A cluster holding stored articles takes the oldest of their stored ids (created earliest,
    then the smallest id) that no other cluster took first; a stored id goes to the cluster
    holding most of its members. The other stored ids in the cluster are merged into it (the
    merge is recorded), unless another cluster kept them (a split). A cluster without stored
    articles keeps the pipeline's id (derived from its canonical article), made unique
    against ``taken``. ``stored_cluster`` covers the stored articles of this run only.
    """
    stored_members: dict[str, set[str]] = {}
    for art, cid in stored_cluster.items():
        stored_members.setdefault(cid, set()).add(art)
    counts = {
        c: Counter(stored_cluster[m] for m in ms if m in stored_cluster)
        for c, ms in members.items()
    }
    claims = sorted(
        (created_run.get(k, -1), k, -n, c) for c, cnt in counts.items() for k, n in cnt.items()
    )
    keeper: dict[str, str] = {}
    used: set[str] = set()
    for _, k, _, c in claims:
        if c not in keeper and k not in used:
            keeper[c] = k
            used.add(k)
    out = StableIds(mapping={}, status={}, created_run={})
    taken = set(taken) | used
    for c in sorted(members):
        ms = set(members[c])
        if c in keeper:
            k = keeper[c]
            merged = sorted(k2 for k2 in counts[c] if k2 != k and k2 not in used)
            used.update(merged)
            out.merges.extend((k2, k) for k2 in merged)
            before = stored_members[k]
            if merged:
                status = "merged"
            elif ms == before:
                status = "unchanged"
            elif before <= ms:
                status = "grown"
            else:
                status = "split"
            out.mapping[c], out.status[k], out.created_run[k] = k, status, created_run.get(k, -1)
            continue
        fresh, n = c, 2
        while fresh in taken:
            fresh, n = f"{c}-{n}", n + 1
        taken.add(fresh)
        out.mapping[c] = fresh
        out.status[fresh] = "split" if counts[c] else "new"
        out.created_run[fresh] = -1
    return out


def _extra_dicts(frame: pd.DataFrame, extra_columns: Sequence[str]) -> list[str]:
    if not extra_columns:
        return ["{}"] * len(frame)
    cols = [frame[c].fillna("").astype(str).tolist() for c in extra_columns]
    return [
        extra_to_json(dict(zip(extra_columns, vals, strict=True)))
        for vals in zip(*cols, strict=False)
    ]


def run_incremental(
    store: StateStore,
    incoming: pd.DataFrame,
    extra_columns: Sequence[str],
    input_checksum: str,
    config: Config,
    progress: bool = False,
) -> IncrementalOutput:
    """Compare ``incoming`` articles with the stored window, save the run in one
    transaction and return the cumulative view of the window."""
    sc = config.state
    clock = StageTimer()
    times = parse_times(incoming["published_at"]) if len(incoming) else np.empty(0)
    known = times[~np.isnan(times)]
    if known.size:
        reference = float(known.max())
        window_start = float(known.min()) - sc.window_days * _DAY
    else:
        reference = store.latest_ts() or 0.0
        window_start = reference - sc.window_days * _DAY
    prune_before = min(reference - sc.retention_days * _DAY, window_start)
    extras = list(extra_columns)
    inc = incoming.reset_index(drop=True).copy()
    for col in _INPUT_FIELDS:
        if col not in inc.columns:
            inc[col] = ""
    inc["extra_json"] = _extra_dicts(inc, extras)
    inc["content_hash"] = [
        content_hash(v)
        for v in zip(
            *(inc[c].astype(str).tolist() for c in (*_INPUT_FIELDS, "extra_json")), strict=False
        )
    ]
    inc["window_ts"] = np.where(np.isnan(times), reference, times) if len(inc) else []
    with clock.stage("state_lookup"):
        stored = store.content_hashes(inc["id"].tolist())
        n_prunable = store.count_prunable(prune_before)
    is_new = ~inc["id"].isin(list(stored))
    is_updated = ~is_new & np.array(
        [
            stored.get(i, ("", 0.0))[0] != h
            for i, h in zip(inc["id"], inc["content_hash"], strict=False)
        ],
        dtype=bool,
    )
    fresh = inc[is_new | is_updated]
    chash = config_hash(config)
    last = store.last_changing_run()
    record = RunRecord(
        input_checksum=input_checksum,
        config_hash=chash,
        reference_ts=reference,
        window_start_ts=window_start,
        n_input=len(inc),
        n_new=int(is_new.sum()),
        n_updated=int(is_updated.sum()),
        n_pruned=n_prunable,
    )
    counts: dict[str, Any] = {
        "input": len(inc),
        "new": int(is_new.sum()),
        "updated": int(is_updated.sum()),
        "already_stored": int(len(inc) - len(fresh)),
        "pruned": n_prunable,
    }
    crash_point("planned")
    if len(fresh) == 0 and n_prunable == 0 and (last is None or last[1] == chash):
        run_id = store.log_run(record)
        log.info("run %d: nothing new; the store is unchanged", run_id)
        return _from_view(store, window_start, run_id, False, counts, {}, clock.timings)

    with clock.stage("state_load"):
        window = store.load_window(window_start)
    crash_point("loaded")
    window = window[~window["id"].isin(fresh["id"])]
    stored_cluster = dict(zip(window["id"], window["cluster_id"], strict=True))
    run_id = store.next_run_id()
    fresh = fresh.assign(first_run=run_id)
    extra_cols = sorted(
        set(extras) | {k for j in window["extra_json"] for k in json.loads(j)}
    )  # union of carried-through columns, for the pipeline's table
    win_extra = [json.loads(j) for j in window["extra_json"]]
    for col in extra_cols:
        window = window.assign(**{col: [d.get(col, "") for d in win_extra]})
    keep = [*_INPUT_FIELDS, "extra_json", "content_hash", "window_ts", "first_run", *extra_cols]
    combined = pd.concat([window[keep], fresh.reindex(columns=keep, fill_value="")])
    combined = combined.sort_values("id", kind="stable").reset_index(drop=True)
    result = run_pipeline(combined[[*_INPUT_FIELDS, *extra_cols]], config, progress=progress)
    crash_point("pipeline")

    members: dict[str, list[str]] = {}
    for art, cid in zip(result.clusters["id"], result.clusters["cluster_id"], strict=True):
        members.setdefault(cid, []).append(art)
    created = store.cluster_created(stored_cluster.values())
    taken = store.known_cluster_ids(members)
    ids = assign_stable_ids(members, stored_cluster, created, taken)

    cl = result.clusters.set_index("id")
    art = combined.copy()
    art["n_words"] = result.articles["n_words"].to_numpy()
    art["n_boilerplate_lines"] = result.articles["n_boilerplate_lines"].to_numpy()
    art["cluster_id"] = [ids.mapping[c] for c in cl.loc[art["id"], "cluster_id"]]
    art["is_canonical"] = cl.loc[art["id"], "is_canonical"].astype(int).to_numpy()
    art["size"] = cl.loc[art["id"], "size"].to_numpy()
    art["similarity_to_canonical"] = cl.loc[art["id"], "similarity_to_canonical"].to_numpy()
    art["relation_to_canonical"] = cl.loc[art["id"], "relation_to_canonical"].to_numpy()
    touched = sorted(k for k, s in ids.status.items() if s != "unchanged")
    clusters = pd.DataFrame(
        {
            "cluster_id": touched,
            "created_run": [ids.created_run[k] for k in touched],
            "status": [ids.status[k] for k in touched],
        }
    )
    sig_rows = np.flatnonzero(combined["id"].isin(fresh["id"]).to_numpy())
    assert result.signatures is not None
    update = StateUpdate(
        articles=art,
        signatures=result.signatures[sig_rows],
        signature_ids=combined["id"].iloc[sig_rows].tolist(),
        scheme=result.fingerprint_scheme,
        clusters=clusters,
        merges=ids.merges,
        pairs=result.pairs,
        prune_before_ts=prune_before if n_prunable else None,
    )
    with clock.stage("state_save"):
        run_id = store.save_run(record, update)
    crash_point("committed")
    by_status = Counter(ids.status.values())
    counts["clusters_by_status"] = {s: int(by_status.get(s, 0)) for s in STATUSES}
    counts["merges"] = len(ids.merges)
    timings = {**result.timings, **clock.timings}
    return _from_view(store, window_start, run_id, True, counts, result.counts, timings, result)


def _from_view(
    store: StateStore,
    window_start: float,
    run_id: int,
    changed: bool,
    counts: dict[str, Any],
    pipeline_counts: dict[str, Any],
    timings: dict[str, float],
    computed: RunResult | None = None,
) -> IncrementalOutput:
    """The report tables: the stored articles inside the window as the store now has them."""
    t0 = time.perf_counter()
    arts, pairs = store.view(window_start)
    extra = [json.loads(j) for j in arts["extra_json"]]
    extra_cols = sorted({k for d in extra for k in d})
    for col in extra_cols:
        arts[col] = [d.get(col, "") for d in extra]
    arts["is_canonical"] = arts["is_canonical"].astype(bool)
    arts["size"] = arts.groupby("cluster_id")["id"].transform("size").astype(int)
    clusters = arts[[*CLUSTER_COLUMNS, STATUS_COLUMN]]
    clusters = clusters.sort_values(["cluster_id", "id"], kind="stable").reset_index(drop=True)
    articles = arts[[*ARTICLE_COLUMNS, STATUS_COLUMN, *extra_cols]].reset_index(drop=True)
    first = clusters.drop_duplicates("cluster_id")
    view_counts = {
        "window_articles": len(arts),
        "clusters": len(first),
        "multi_article_clusters": int((first["size"] > 1).sum()),
    }
    result = RunResult(
        articles=articles,
        pairs=pairs,
        clusters=clusters,
        counts={**pipeline_counts, **view_counts},
        timings={**timings, "state_view": round(time.perf_counter() - t0, 4)},
        memory={} if computed is None else computed.memory,
        fingerprint_scheme={} if computed is None else computed.fingerprint_scheme,
    )
    counts = {**counts, "run_id": run_id, "changed": changed, "window_start_ts": window_start}
    result.counts["state"] = counts
    return IncrementalOutput(result, run_id, changed, window_start, counts)
