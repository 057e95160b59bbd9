import pandas as pd
import pytest

from dedup import pipeline
from dedup.config import Config
from dedup.pipeline import run_pipeline
from dedup.runner import demo_corpus_path
from tests import cluster_reference as ref
from tests.conftest import OTHER, REWRITE, WIRE
from tests.test_news_shapes import ELECTION, FLOOD, QUAYSIDE, STITCHED, TAKE_ONE, TAKE_TWO


def _frame() -> pd.DataFrame:
    texts = {"w": WIRE, "w2": "Share this story\n" + WIRE, "r": REWRITE, "x": OTHER}
    return pd.DataFrame(
        {
            "id": list(texts),
            "source": ["wire", "site-a", "site-b", "site-c"],
            "published_at": ["2026-03-03T08:00:00"] * len(texts),
            "title": [""] * len(texts),
            "text": list(texts.values()),
        }
    )


def test_release_input_gives_up_the_raw_texts_and_changes_no_output() -> None:
    kept, given = _frame(), _frame()
    a = run_pipeline(kept, Config())
    b = run_pipeline(given, Config(), release_input=True)
    assert "text" in kept.columns  # by default the caller's table is left as it was
    assert "text" not in given.columns
    assert list(given.columns) == ["id", "source", "published_at", "title"]
    for name in ("pairs", "clusters", "articles"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert "text" not in a.articles.columns and "body" in a.articles.columns
    assert len(a.pairs) >= 2  # the copies and the rewrite were found


def _dated_shapes() -> pd.DataFrame:
    """Two wire takes and a newspaper stitched from both (the story pass joins it), a
    digest of two stories (a bundle page), a teaser page and an unrelated text."""
    digest = "\n".join(["Morning briefing", *FLOOD[:4], *ELECTION[:4], "Sign up for more"])
    texts = {
        "take1": ("2026-03-03T08:00:00", "\n".join(TAKE_ONE)),
        "take2": ("2026-03-03T11:00:00", "\n".join(TAKE_TWO)),
        "paper": ("2026-03-04T06:00:00", "\n".join(STITCHED)),
        "quay": ("2026-03-04T06:00:00", "\n".join(QUAYSIDE)),
        "flood": ("2026-03-03T08:00:00", "\n".join(FLOOD)),
        "vote": ("2026-03-03T09:00:00", "\n".join(ELECTION)),
        "digest": ("2026-03-04T06:00:00", digest),
        "teaser": ("2026-03-03T10:00:00", FLOOD[0] + "\nRead the full story"),
        "other": ("", OTHER),
    }
    return pd.DataFrame(
        {
            "id": list(texts),
            "source": [f"site-{k}" for k in range(len(texts))],
            "published_at": [t for t, _ in texts.values()],
            "title": [""] * len(texts),
            "text": [x for _, x in texts.values()],
        }
    )


@pytest.mark.parametrize("corpus", ["demo", "shapes"])
def test_cluster_stage_equals_the_first_implementation(
    corpus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo corpus (copies, wrapped copies, rewrites, updates) and dated news shapes
    (a stitched newspaper, a digest, a teaser) clustered with the array cluster stage and
    with the first one (Edge lists, a Python union-find, a dict per pair and per member)
    give equal tables."""
    if corpus == "demo":
        frame = pd.read_csv(demo_corpus_path(), dtype=str, keep_default_na=False)
    else:
        frame = _dated_shapes()
    fast = run_pipeline(frame.copy(), Config())
    for name, reference in (
        ("edges_from_pairs", ref.reference_edges),
        ("cluster_rows", ref.reference_cluster_rows),
        ("attach_to_stories", ref.reference_attach_to_stories),
        ("attach_teasers", ref.reference_attach_teasers),
        ("_describe_clusters", ref.reference_describe_clusters),
    ):
        monkeypatch.setattr(pipeline, name, reference)
    slow = run_pipeline(frame.copy(), Config())
    for name in ("pairs", "clusters", "articles"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name))
    assert fast.clusters["size"].max() > 2  # the stage had clusters to join and describe
    if corpus == "shapes":
        c = dict(zip(fast.clusters["id"], fast.clusters["cluster_id"], strict=True))
        assert c["paper"] in (c["take1"], c["take2"])  # joined by the story pass
        assert c["flood"] != c["vote"] and c["digest"] in (c["flood"], c["vote"])
