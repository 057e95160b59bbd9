"""Deterministic synthetic news corpus with known story clusters.

Every word is invented (syllables drawn from a seeded generator), so the corpus can be made at
any size, shipped nowhere and regenerated bit for bit:

    python benchmarks/synth.py --n 20000 --out benchmarks/results/corpus-20k

writes ``articles.parquet`` (``id, source, published_at, title, text``) and ``truth.csv``
(``id, cluster``). A story is written once by a wire and then published by other sources
within a few days as

* ``verbatim``: the same text;
* ``wrapped``: the same text inside the source's boilerplate (share bar, "more" link lists,
  a footer) — every non-wire source wraps its pages;
* ``truncated``: the first 40-70 % of the sentences;
* ``edited``: a few words changed, one sentence dropped and one added;
* ``reworded``: most sentences reworded (words swapped for fixed "synonyms", neighbours
  swapped, sentence order shuffled locally), the figures kept.

Some stories are about the same event as another story (they share its names and topic
words) but are written independently: ``related``, not versions, so a separate cluster.
Publication dates run at ``--per-day`` articles a day, so a bigger corpus spans more days
and the number of articles inside any time window stays the same.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

VARIANTS = ("verbatim", "truncated", "edited", "reworded")
VARIANT_P = (0.35, 0.2, 0.25, 0.2)
START = datetime(2025, 1, 1, tzinfo=UTC)


class Vocabulary:
    """Invented words with Zipf frequencies, a synonym for each, and figures."""

    def __init__(self, rng: np.random.Generator, size: int = 60_000) -> None:
        onsets = [*"bcdfghjklmnprstvwz", "br", "cl", "dr", "gr", "pl", "st", "tr", "sh", "th"]
        vowels = [*"aeiou", "ai", "ea", "ou", "io"]
        codas = ["", "", "n", "r", "s", "l", "m", "t", "nd", "rk"]
        syl = np.array([o + v + c for o in onsets for v in vowels for c in codas], dtype=object)
        words: set[str] = set()
        out: list[str] = []
        while len(out) < size:
            n = int(rng.integers(1, 4))
            w = "".join(syl[rng.integers(0, syl.size, n)].tolist())
            if w not in words:
                words.add(w)
                out.append(w)
        self.words = np.array(out, dtype=object)
        ranks = np.arange(1, size + 1, dtype=np.float64)
        p = 1.0 / ranks**1.05
        self.cdf = np.cumsum(p / p.sum())
        self.synonym = rng.permutation(size)  # a fixed "synonym" for each word
        self.size = size

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.minimum(np.searchsorted(self.cdf, rng.random(n)), self.size - 1)


class Generator:
    """Stories, their versions and their sources, from one seed."""

    def __init__(self, seed: int, n_sources: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.vocab = Vocabulary(self.rng)
        self.n_sources = n_sources
        self.sources = [
            f"{self._name(2).title()} {self._name(1).title()}" for _ in range(n_sources)
        ]
        self.wires = list(range(min(5, n_sources)))
        # per-source boilerplate: a share bar line, a footer, a "more stories" list
        self.header = [
            self._sentence_text(int(self.rng.integers(3, 6)), period=False)
            for _ in range(n_sources)
        ]
        self.footer = [self._sentence_text(int(self.rng.integers(8, 14))) for _ in range(n_sources)]

    def _name(self, n: int) -> str:
        return " ".join(self.vocab.words[self.rng.integers(2000, self.vocab.size, n)].tolist())

    def _sentence_text(self, n: int, period: bool = True) -> str:
        w = self.vocab.words[self.vocab.sample(self.rng, n)].tolist()
        s = " ".join(w)
        s = s[:1].upper() + s[1:]
        return s + "." if period else s

    def story(self, topic: np.ndarray) -> list[np.ndarray]:
        """Sentences as arrays of word ids (negative ids are figures)."""
        rng = self.rng
        n_sent = int(rng.integers(6, 22))
        out = []
        for _ in range(n_sent):
            ln = int(rng.integers(8, 26))
            s = self.vocab.sample(rng, ln)
            k = int(rng.integers(1, 4))
            s[rng.integers(0, ln, k)] = topic[rng.integers(0, topic.size, k)]
            if rng.random() < 0.3:
                s[int(rng.integers(0, ln))] = -int(rng.integers(2, 100_000))
            out.append(s)
        return out

    def text(self, sents: list[np.ndarray]) -> str:
        words = self.vocab.words
        lines: list[str] = []
        para: list[str] = []
        for s in sents:
            toks = [str(-x) if x < 0 else words[x] for x in s.tolist()]
            t = " ".join(toks)
            para.append(t[:1].upper() + t[1:] + ".")
            if len(para) >= 2 or self.rng.random() < 0.5:
                lines.append(" ".join(para))
                para = []
        if para:
            lines.append(" ".join(para))
        return "\n".join(lines)

    def variant(self, sents: list[np.ndarray], kind: str) -> list[np.ndarray]:
        rng = self.rng
        if kind == "verbatim":
            return sents
        if kind == "truncated":
            k = max(2, int(len(sents) * rng.uniform(0.4, 0.7)))
            return sents[:k]
        if kind == "edited":
            out = [s.copy() for s in sents]
            for s in out:
                m = rng.random(s.size) < 0.03
                s[m & (s >= 0)] = self.vocab.sample(rng, int(m.sum()))[: int((m & (s >= 0)).sum())]
            if len(out) > 3:
                del out[int(rng.integers(1, len(out)))]
            out.insert(
                int(rng.integers(1, len(out) + 1)), self.vocab.sample(rng, int(rng.integers(8, 20)))
            )
            return out
        # reworded
        out = []
        for s in sents:
            s = s.copy()
            words = s >= 0
            m = words & (rng.random(s.size) < 0.45)
            s[m] = self.vocab.synonym[s[m]]
            if s.size > 3 and rng.random() < 0.5:
                i = int(rng.integers(0, s.size - 1))
                s[i], s[i + 1] = s[i + 1], s[i]
            out.append(s)
        for i in range(0, len(out) - 1, 3):
            if rng.random() < 0.4:
                out[i], out[i + 1] = out[i + 1], out[i]
        return out

    def wrap(self, body: str, source: int) -> str:
        if source in self.wires:
            return body
        more = [self._sentence_text(int(self.rng.integers(4, 9)), period=False) for _ in range(4)]
        return "\n".join([self.header[source], body, "More stories", *more, self.footer[source]])


def generate(
    n: int, seed: int = 7, per_day: int = 3000, n_sources: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` articles and their truth clusters."""
    g = Generator(seed, n_sources or max(20, min(400, n // 250)))
    rng = g.rng
    span_days = max(1.0, n / per_day)
    ids: list[str] = []
    srcs: list[int] = []
    times: list[float] = []
    titles: list[str] = []
    texts: list[str] = []
    clusters: list[str] = []
    story_no = 0
    prev_topic: np.ndarray | None = None
    prev_t = 0.0
    while len(ids) < n:
        related = prev_topic is not None and rng.random() < 0.1
        topic = (
            prev_topic
            if related and prev_topic is not None
            else rng.integers(2000, g.vocab.size, 12)
        )
        t0 = prev_t + rng.uniform(0, 0.5) if related else rng.uniform(0, span_days)
        sents = g.story(topic)
        title_ids = np.r_[topic[:3], g.vocab.sample(rng, int(rng.integers(4, 8)))]
        # versions per story: many singletons, some big syndications
        n_ver = int(min(40, rng.geometric(0.35)))
        wire = int(rng.choice(g.wires))
        for v in range(n_ver):
            if len(ids) >= n:
                break
            src = wire if v == 0 else int(rng.integers(0, g.n_sources))
            kind = "verbatim" if v == 0 else str(rng.choice(VARIANTS, p=VARIANT_P))
            body = g.text(g.variant(sents, kind))
            t = t0 + (0 if v == 0 else float(rng.exponential(0.6)))
            t = min(t, t0 + 4.0)
            ids.append(f"s{story_no:07d}-{v:02d}")
            srcs.append(src)
            times.append(t)
            title = g.text([title_ids if kind != "reworded" else g.vocab.synonym[title_ids]])
            titles.append(title.rstrip("."))
            texts.append(g.wrap(body, src))
            clusters.append(f"story{story_no:07d}")
        prev_topic, prev_t = topic, t0
        story_no += 1
    order = rng.permutation(len(ids))  # input order says nothing about clusters
    published = [
        (START + timedelta(days=float(times[i]))).strftime("%Y-%m-%dT%H:%M:%SZ") for i in order
    ]
    articles = pd.DataFrame(
        {
            "id": [ids[i] for i in order],
            "source": pd.Categorical([g.sources[srcs[i]] for i in order]),
            "published_at": published,
            "title": [titles[i] for i in order],
            "text": [texts[i] for i in order],
        }
    )
    truth = pd.DataFrame({"id": articles["id"], "cluster": [clusters[i] for i in order]})
    return articles, truth


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, required=True, help="number of articles")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--per-day", type=int, default=3000, help="articles published per day")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    articles, truth = generate(args.n, args.seed, args.per_day)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.format == "parquet":
        table = pa.Table.from_pandas(articles.astype({"source": str}), preserve_index=False)
        pq.write_table(table, args.out / "articles.parquet")
    else:
        articles.to_csv(args.out / "articles.csv", index=False)
    truth.to_csv(args.out / "truth.csv", index=False)
    n_clusters = truth["cluster"].nunique()
    print(
        f"{len(articles)} articles, {n_clusters} stories, "
        f"{int((truth['cluster'].value_counts() > 1).sum())} with several versions, "
        f"{time.perf_counter() - t0:.1f}s -> {args.out}"
    )


if __name__ == "__main__":
    main()
