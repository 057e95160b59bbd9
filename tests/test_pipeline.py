import pandas as pd

from dedup.config import Config
from dedup.pipeline import run_pipeline
from tests.conftest import OTHER, REWRITE, WIRE


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
