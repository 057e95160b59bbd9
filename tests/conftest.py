"""Shared fixtures: tiny invented news texts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

from dedup.config import Config
from dedup.pipeline import RunResult, run_pipeline

# Property tests check results, never speed: no per-example deadline (a busy machine made
# a 200 ms default fail a correct example).
settings.register_profile("newsdedup", deadline=None)
settings.load_profile("newsdedup")

WIRE = (
    "PORTVALE, March 3 (Wirenews) - Dock workers at the port of Portvale walked off the job on "
    "Tuesday, halting cargo traffic at the country's second-largest harbour.\n"
    "The union said 4,200 members joined the strike after talks on wages collapsed late on Monday.\n"
    '"We have been patient for eighteen months," union leader Maria Okonkwo told reporters.\n'
    "The port authority said it would seek an injunction and called the walkout unlawful.\n"
    "Shipping lines diverted at least nine container vessels to the northern port of Elsby.\n"
    "Economists warned the stoppage could cost the economy 30 million crowns a day."
)
REWRITE = (
    "Cargo traffic ground to a halt in Portvale on Tuesday as dock workers went on strike.\n"
    "Some 4,200 union members stopped work once wage negotiations broke down on Monday night.\n"
    'Union chief Maria Okonkwo said her members had "been patient for eighteen months".\n'
    "Port officials branded the action unlawful and said they would ask a court to stop it.\n"
    "At least nine container ships were sent to Elsby in the north instead.\n"
    "Each day of the strike could cost 30 million crowns, according to economists."
)
OTHER = (
    "The city orchestra of Lindenholm opened its winter season with a programme of new works.\n"
    "Conductor Pavel Ishikawa led the premiere of a symphony by a local composer.\n"
    "Tickets for the remaining concerts are expected to sell out within days."
)


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    df = pd.DataFrame(
        {
            "id": ["w1", "w2", "r1", "o1"],
            "source": ["wire", "site-a", "site-b", "site-c"],
            "published_at": [
                "2026-03-03T08:00:00",
                "2026-03-03T09:30:00",
                "2026-03-03T12:00:00",
                "2026-03-03T10:00:00",
            ],
            "title": ["Port strike", "Port strike halts cargo", "Strike at Portvale", "Concert"],
            "text": [WIRE, WIRE + "\nShare on Facebook", REWRITE, OTHER],
        }
    )
    path = tmp_path / "articles.csv"
    df.to_csv(path, index=False)
    return path


def run_dated(texts: dict[str, tuple[str, str]], config: Config | None = None) -> RunResult:
    """Run the pipeline on articles given as id -> (published_at, text), each from its own
    source and without a title."""
    ids = list(texts)
    frame = pd.DataFrame(
        {
            "id": ids,
            "source": [f"site-{i}" for i in range(len(ids))],
            "published_at": [texts[i][0] for i in ids],
            "title": [""] * len(ids),
            "text": [texts[i][1] for i in ids],
        }
    )
    return run_pipeline(frame, config or Config())


def cluster_of(res: RunResult) -> dict[str, str]:
    """Each article's cluster id."""
    return dict(zip(res.clusters["id"], res.clusters["cluster_id"], strict=True))
