"""Typed, frozen configuration, validated when built and loaded from TOML.

Every stage has its own ``...Config`` dataclass; :class:`Config` holds them all. Limits are
declared as data (:data:`_LIMITS`) and checked with one uniform message, so the rule in the
message is always the rule in the check.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from dedup.errors import ConfigError

# (section, key) -> (low, high, inclusive_low); None means unbounded.
_LIMITS: dict[tuple[str, str], tuple[float | None, float | None]] = {
    ("fingerprint", "num_perm"): (16, 1024),
    ("fingerprint", "shingle_size"): (1, 12),
    ("fingerprint", "seed"): (0, 2**31 - 1),
    ("fingerprint", "n_jobs"): (0, 64),
    ("candidates", "lsh_threshold"): (0.05, 1.0),
    ("candidates", "tfidf_min_cosine"): (0.0, 1.0),
    ("candidates", "tfidf_top_k"): (1, 1000),
    ("candidates", "window_days"): (0, 36500),
    ("candidates", "max_bucket"): (2, None),
    ("candidates", "max_df"): (0.0, 1.0),
    ("candidates", "n_jobs"): (0, 64),
    ("clean", "source_min_pages"): (2, None),
    ("clean", "source_min_share"): (0.0, 1.0),
    ("clean", "list_min_lines"): (2, None),
    ("clean", "list_max_words"): (1, None),
    ("clean", "repeated_line_max_words"): (1, None),
    ("clean", "n_jobs"): (0, 64),
    ("score", "near_copy_jaccard"): (0.0, 1.0),
    ("score", "partial_copy_containment"): (0.0, 1.0),
    ("score", "rewrite_coverage"): (0.0, 1.0),
    ("score", "rewrite_min_words"): (0, None),
    ("score", "rewrite_order_hours"): (0.0, None),
    ("score", "sentence_match"): (0.01, 1.0),
    ("score", "reuse_match"): (0.01, 1.0),
    ("score", "retell_match"): (0.01, 1.0),
    ("score", "retell_coverage"): (0.0, 1.0),
    ("score", "related_cosine"): (0.0, 1.0),
    ("score", "short_body_words"): (0, None),
    ("score", "short_title_jaccard"): (0.0, 1.0),
    ("score", "figure_min"): (1, None),
    ("score", "figure_agreement"): (0.0, 1.0),
    ("score", "title_names_missing"): (0.0, 1.0),
    ("score", "title_figure_min"): (1, None),
    ("score", "version_days"): (0.0, None),
    ("score", "stock_days"): (0, None),
    ("score", "conflict_match"): (0.0, 1.0),
    ("score", "lede_names_missing"): (0.0, 1.0),
    ("score", "n_jobs"): (0, 64),
    ("cluster", "mutual_coverage"): (0.0, 1.0),
    ("cluster", "bundle_overlap"): (0.0, 1.0),
    ("state", "window_days"): (0, 36500),
    ("state", "retention_days"): (0, 36500),
    ("cluster", "source_hours"): (0.0, None),
    ("cluster", "story_reuse"): (0.0, 1.0),
    ("cluster", "story_retell"): (0.0, 1.0),
    ("cluster", "story_hours"): (0.0, None),
    ("cluster", "story_part"): (0.0, 1.0),
    ("cluster", "story_narrative"): (0.0, 1.0),
    ("cluster", "teaser_words"): (0, None),
    ("cluster", "teaser_match"): (0.0, 1.0),
}


def _check(section: str, obj: Any) -> None:
    for f in fields(obj):
        limits = _LIMITS.get((section, f.name))
        if limits is None:
            continue
        value = getattr(obj, f.name)
        low, high = limits
        if (low is not None and value < low) or (high is not None and value > high):
            lo = "-inf" if low is None else f"{low:g}"
            hi = "inf" if high is None else f"{high:g}"
            raise ConfigError(
                f"The '{f.name}' parameter of [{section}] must be in [{lo}, {hi}]. "
                f"Got {value!r} instead."
            )


@dataclass(frozen=True)
class InputConfig:
    """How input columns are named and what to do with duplicate ids."""

    id_col: str = "id"
    text_col: str = "text"
    title_col: str = "title"
    source_col: str = "source"
    published_at_col: str = "published_at"
    url_col: str = "url"
    duplicate_ids: str = "reject"  # "reject" or "error"

    def __post_init__(self) -> None:
        if self.duplicate_ids not in ("reject", "error"):
            raise ConfigError(
                "The 'duplicate_ids' parameter of [input] must be 'reject' or 'error'. "
                f"Got {self.duplicate_ids!r} instead."
            )


@dataclass(frozen=True)
class CleanConfig:
    """Boilerplate removal settings.

    A line is site boilerplate when it recurs on at least ``source_min_pages`` pages of one
    source (and on at least ``source_min_share`` of that source's pages), around at least
    ``source_min_pages`` different stories. A run of ``list_min_lines`` or more short lines
    (at most ``list_max_words`` words, no closing punctuation) is a link or headline list.
    Short lines repeated inside one page are dropped in every copy.
    """

    source_min_pages: int = 3
    source_min_share: float = 0.05
    list_min_lines: int = 4
    list_max_words: int = 16
    repeated_line_max_words: int = 30
    n_jobs: int = 0
    """Worker processes for cleaning large batches (0: one per CPU)."""


@dataclass(frozen=True)
class FingerprintConfig:
    """MinHash and TF-IDF settings (datasketch and scikit-learn names)."""

    num_perm: int = 128
    seed: int = 1
    shingle_size: int = 5
    n_jobs: int = 0
    """Worker processes for the signatures of large batches (0: one per CPU)."""


@dataclass(frozen=True)
class CandidateConfig:
    """How candidate pairs are found: LSH for copies, TF-IDF neighbours for rewrites."""

    lsh_threshold: float = 0.3
    tfidf_min_cosine: float = 0.2
    tfidf_top_k: int = 20
    window_days: float = 7.0
    max_bucket: int = 1000
    max_df: float = 0.5
    n_jobs: int = 0
    """Worker processes for the TF-IDF neighbours of large batches (0: one per CPU)."""


@dataclass(frozen=True)
class ScoreConfig:
    """Relation thresholds; each has a plain meaning (see the README)."""

    near_copy_jaccard: float = 0.8
    partial_copy_containment: float = 0.6
    rewrite_coverage: float = 0.3
    rewrite_min_words: int = 25
    rewrite_order_hours: float = 3.0
    sentence_match: float = 0.6
    reuse_match: float = 0.35
    retell_match: float = 0.35
    retell_coverage: float = 0.5
    related_cosine: float = 0.25
    short_body_words: int = 40
    short_title_jaccard: float = 0.5
    figure_min: int = 3
    figure_agreement: float = 0.5
    title_names_missing: float = 0.5
    """Two titled texts name different subjects when each title that has names has this
    share of them (by weight) nowhere in the other text: below a near copy they are then
    only related."""
    title_figure_min: int = 1
    """Figures each text needs for the figures check when both have titles and the titles
    differ (word Jaccard below ``short_title_jaccard``): a re-headlined re-send keeps its
    figures."""
    version_days: float = 4.0
    """A partial copy or rewrite is published within this many days of the other text;
    texts further apart are only related (0: no limit)."""
    stock_days: int = 3
    """A sentence retold by reports already judged other stories (``related``) published on
    at least this many calendar days other than its own is stock wording of a templated
    report: it carries no weight in the coverage of the pairs judged again (0: off; see
    :mod:`dedup.stock`)."""
    conflict_match: float = 0.6
    """Two texts below a near copy with a sentence each of at least this character n-gram
    cosine (figures not weighed) that carry other figures fill one template with other
    figures: they are only related (0: off; see :func:`dedup.stock.separate_templates`)."""
    lede_check: bool = True
    """Two texts below a near copy under other titles (word Jaccard below
    ``short_title_jaccard``) are only related when neither first sentence is retold in the
    other (see :func:`dedup.stock.separate_templates`)."""
    lede_names_missing: float = 0.5
    """Two texts below a near copy under other titles whose ledes are retold in each other
    are only related when each lede has at least this share of its names (by weight, as
    :func:`dedup.score.title_names` finds them) missing from the other lede: one template
    sentence filled in for two subjects (0: off; see :func:`dedup.stock.separate_templates`)."""
    n_jobs: int = 0
    """Worker processes for the sentence alignment of large batches (0: one per CPU)."""


@dataclass(frozen=True)
class ClusterConfig:
    """Clustering guards: when two versions count as mutual, and when a page is a bundle;
    the story pass (``story_*``): a text published at least ``story_hours`` after some of its
    candidate partners joins the story of those possible sources when ``story_reuse`` of its
    words are reused, or ``story_retell`` retold, in all of them taken together, and
    ``story_narrative`` of its words are in sentences that are not mostly quoted speech and
    are retold there (sharing only quotes is an independent report of the same event; it
    joins with the related sources that each retell ``story_part`` of it). A text of at most
    ``teaser_words`` words (0 = off) that is still alone joins the story of a longer text
    published within the candidate window when one of its sentences has ``teaser_match``
    of its rarity-weighted words in that text's lede (its first ``teaser_words`` words):
    a teaser, snippet or share-page stub of the story."""

    mutual_coverage: float = 0.7
    bundle_overlap: float = 0.2
    source_hours: float = 0.0
    story_reuse: float = 0.2
    story_retell: float = 0.6
    story_hours: float = 3.0
    story_part: float = 0.05
    story_narrative: float = 0.3
    teaser_words: int = 150
    teaser_match: float = 0.8


@dataclass(frozen=True)
class StateConfig:
    """The state store of scheduled runs (``--state`` overrides ``path``; empty: no store).

    New articles are compared with stored articles published at most ``window_days`` before
    the earliest new one; stored articles older than ``retention_days`` before the newest new
    one are deleted. ``retention_days`` must be at least ``window_days``.
    """

    path: str = ""
    window_days: float = 7.0
    retention_days: float = 30.0

    def __post_init__(self) -> None:
        if self.retention_days < self.window_days:
            raise ConfigError(
                "The 'retention_days' parameter of [state] must be at least 'window_days' "
                f"({self.window_days:g}). Got {self.retention_days!r} instead."
            )


@dataclass(frozen=True)
class Config:
    """The whole configuration; ``Config()`` is the documented default."""

    input: InputConfig = field(default_factory=InputConfig)
    clean: CleanConfig = field(default_factory=CleanConfig)
    fingerprint: FingerprintConfig = field(default_factory=FingerprintConfig)
    candidates: CandidateConfig = field(default_factory=CandidateConfig)
    score: ScoreConfig = field(default_factory=ScoreConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    state: StateConfig = field(default_factory=StateConfig)

    def __post_init__(self) -> None:
        for f in fields(self):
            _check(f.name, getattr(self, f.name))

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """The configuration as plain data, for ``run.json``."""
        return {f.name: dataclasses.asdict(getattr(self, f.name)) for f in fields(self)}


_SECTIONS: dict[str, type[Any]] = {
    "input": InputConfig,
    "clean": CleanConfig,
    "fingerprint": FingerprintConfig,
    "candidates": CandidateConfig,
    "score": ScoreConfig,
    "cluster": ClusterConfig,
    "state": StateConfig,
}


def _build_section(name: str, cls: type[Any], values: Mapping[str, Any]) -> Any:
    known = {f.name: f for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(
                f"Unknown key '{key}' in [{name}]; known keys: {', '.join(sorted(known))}."
            )
        default = getattr(cls(), key)
        if isinstance(default, bool) or not isinstance(default, int | float | str):
            kwargs[key] = value
        elif isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            kwargs[key] = float(value)
        elif type(value) is not type(default):
            raise ConfigError(
                f"The '{key}' parameter of [{name}] must be of type "
                f"{type(default).__name__}. Got {value!r} instead."
            )
        else:
            kwargs[key] = value
    return cls(**kwargs)


def config_from_mapping(data: Mapping[str, Any], base: Config | None = None) -> Config:
    """Build a :class:`Config` from nested plain data (a parsed TOML document).

    Tables not known here (``[job]``, …) are left to their own readers.
    """
    base = base or Config()
    parts: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        current = dataclasses.asdict(getattr(base, name))
        table = data.get(name, {})
        if not isinstance(table, Mapping):
            raise ConfigError(f"[{name}] must be a table of keys. Got {table!r} instead.")
        current.update(table)
        parts[name] = _build_section(name, cls, current)
    return Config(**parts)


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file; errors name the file."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML ({exc})") from None


def load_config(path: str | Path | None) -> Config:
    """Load a TOML config file (``None``: the defaults)."""
    if path is None:
        return Config()
    try:
        return config_from_mapping(read_config_file(path))
    except ConfigError as exc:
        if str(path) in str(exc):
            raise
        raise ConfigError(f"{path}: {exc}") from None
