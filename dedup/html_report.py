"""``report.html``: a self-contained page for a person to read a run's story clusters.

For every cluster with more than one version the page lists the versions, and for each
scored pair of versions shows the two texts side by side, the sentences they share
highlighted (``<mark class="verbatim">`` for the same words, ``<mark class="reworded">`` for
a close match in other words) and the pair's scores.

Safety: every piece of text (ids, titles, sources, sentences, scores) goes through
:func:`html.escape`; the page loads nothing (no script, no external asset) and carries a
Content-Security-Policy that forbids scripts and network access, as defence in depth.
Building the page is pure; :mod:`dedup.report` writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import pandas as pd

from dedup.pipeline import RunResult
from dedup.score import PAIR_COLUMNS, VERSION_RELATIONS, SentenceAlignment, align_sentences
from dedup.textnorm import split_sentences

#: At most this many clusters (the biggest first) and pairs per cluster are shown, so the
#: page stays readable and small on a large run; the page says when some were left out.
MAX_CLUSTERS = 200
MAX_PAIRS_PER_CLUSTER = 30

CSP = "default-src 'none'; style-src 'unsafe-inline'"

_STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-top: 2px solid #888;
  padding-top: .5em; }
table.members, table.scores { border-collapse: collapse; margin: .5em 0; font-size: .9em; }
table.members td, table.members th, table.scores td, table.scores th {
  border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
.pair { margin: 1em 0 2em 0; }
.side { display: flex; gap: 1.5em; }
.text { flex: 1; border: 1px solid #ddd; padding: .5em; line-height: 1.45; }
.text h4 { margin: 0 0 .4em 0; }
mark.verbatim { background: #ffe066; }
mark.reworded { background: #a5d8ff; }
.legend mark { padding: 0 .3em; }
.note { color: #666; font-size: .9em; }
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _text_html(sentences: Sequence[str], alignment: Sequence[SentenceAlignment]) -> str:
    parts: list[str] = []
    for sentence, al in zip(sentences, alignment, strict=True):
        if al.kind == "only":
            parts.append(f'<span class="only">{_e(sentence)}</span>')
        else:
            title = f"{al.kind}, similarity {al.similarity:.2f}, sentence {al.match + 1}"
            parts.append(f'<mark class="{al.kind}" title="{_e(title)}">{_e(sentence)}</mark>')
    return " ".join(parts)


def side_by_side_html(
    id_a: str,
    sentences_a: Sequence[str],
    id_b: str,
    sentences_b: Sequence[str],
    sentence_match: float = 0.35,
    label_a: str = "",
    label_b: str = "",
    with_style: bool = False,
) -> str:
    """Two versions side by side, shared sentences in ``<mark>`` (an HTML fragment; with
    ``with_style`` it carries its own ``<style>``, e.g. for a notebook)."""
    al_a, al_b = align_sentences(sentences_a, sentences_b, sentence_match)
    out = [f"<style>{_STYLE}</style>"] if with_style else []
    out.append('<div class="side">')
    for art_id, label, sents, al in (
        (id_a, label_a, sentences_a, al_a),
        (id_b, label_b, sentences_b, al_b),
    ):
        shared = sum(1 for x in al if x.kind != "only")
        extra = f" &middot; {_e(label)}" if label else ""
        out.append(
            f'<div class="text"><h4>{_e(art_id)}{extra}'
            f" &middot; {shared} of {len(sents)} sentences shared</h4>"
            f"<p>{_text_html(sents, al)}</p></div>"
        )
    out.append("</div>")
    return "".join(out)


def _pair_html(
    row: pd.Series, info: dict[str, dict[str, object]], sentence_match: float
) -> list[str]:
    a, b = str(row["id_a"]), str(row["id_b"])
    head = "".join(f"<th>{_e(c)}</th>" for c in PAIR_COLUMNS[3:])
    cells = "".join(f"<td>{float(row[c]):.4f}</td>" for c in PAIR_COLUMNS[3:])
    return [
        '<div class="pair">',
        f"<h3>{_e(a)} &harr; {_e(b)}: {_e(row['relation'])}</h3>",
        f'<table class="scores"><tr>{head}</tr><tr>{cells}</tr></table>',
        side_by_side_html(
            a,
            info[a]["sentences"],  # type: ignore[arg-type]
            b,
            info[b]["sentences"],  # type: ignore[arg-type]
            sentence_match,
            label_a=str(info[a]["source"]),
            label_b=str(info[b]["source"]),
        ),
        "</div>",
    ]


def _canonical_first(pairs: pd.DataFrame, canon: str) -> pd.DataFrame:
    """Pairs with the canonical version first, and the canonical on the left (a)."""
    out = pairs.copy()
    swap = (out["id_b"] == canon).to_numpy()
    for x, y in (
        ("id_a", "id_b"),
        ("containment_a_in_b", "containment_b_in_a"),
        ("coverage_a_in_b", "coverage_b_in_a"),
    ):
        out.loc[swap, [x, y]] = out.loc[swap, [y, x]].to_numpy()
    out["_canon"] = out["id_a"] != canon
    out = out.sort_values(["_canon", "id_a", "id_b"], kind="stable")
    return out.drop(columns="_canon")


def render_html(result: RunResult, sentence_match: float = 0.35, title: str = "") -> str:
    """The whole page as a string (deterministic for the same result)."""
    arts = result.articles
    if "sentences" in arts:
        sentences = arts["sentences"].tolist()
    elif result.sentences is not None:
        sentences = result.sentences
    else:
        sentences = [split_sentences(b) for b in arts["body"].tolist()]
    info: dict[str, dict[str, object]] = {
        str(r["id"]): {
            "sentences": tuple(sentences[k]),
            "source": r["source"],
            "title": r["title"],
            "published_at": r["published_at"],
            "n_words": r["n_words"],
        }
        for k, r in enumerate(
            arts[["id", "source", "title", "published_at", "n_words"]].to_dict("records")
        )
    }
    cl = result.clusters
    multi = cl[cl["size"] > 1]
    order = (
        multi.drop_duplicates("cluster_id")
        .sort_values(["size", "cluster_id"], ascending=[False, True], kind="stable")["cluster_id"]
        .tolist()
    )
    shown = order[:MAX_CLUSTERS]
    cid = dict(zip(cl["id"].astype(str), cl["cluster_id"], strict=True))
    pairs = result.pairs
    in_cluster = pairs[
        pairs["relation"].isin(VERSION_RELATIONS)
        & (pairs["id_a"].map(cid) == pairs["id_b"].map(cid))
    ]
    heading = title or "newsdedup report"
    body: list[str] = [
        f"<h1>{_e(heading)}</h1>",
        f'<p class="summary">{len(arts)} articles, {cl["cluster_id"].nunique()} clusters, '
        f"{len(order)} with more than one version, {len(pairs)} scored pairs.</p>",
        '<p class="legend">Highlights: <mark class="verbatim">shared verbatim</mark> '
        '<mark class="reworded">reworded</mark>; plain text is only in that version.</p>',
    ]
    if len(order) > len(shown):
        body.append(
            f'<p class="note">The {len(shown)} biggest of {len(order)} clusters are shown.</p>'
        )
    for k, cluster_id in enumerate(shown, start=1):
        members = cl[cl["cluster_id"] == cluster_id].sort_values(
            ["is_canonical", "id"], ascending=[False, True], kind="stable"
        )
        canon = str(members.iloc[0]["id"])
        body.append(
            f'<section class="cluster" id="cluster-{_e(cluster_id)}">'
            f'<h2 class="cluster-title">Story {k}: {_e(info[canon]["title"] or canon)} '
            f'<span class="note">({_e(cluster_id)}, {len(members)} versions)</span></h2>'
        )
        rows = "".join(
            f"<tr><td>{_e(m.id)}</td><td>{_e(info[str(m.id)]['source'])}</td>"
            f"<td>{_e(info[str(m.id)]['published_at'])}</td>"
            f"<td>{_e(info[str(m.id)]['title'])}</td>"
            f"<td>{_e(m.relation_to_canonical)}</td>"
            f"<td>{float(m.similarity_to_canonical):.4f}</td></tr>"
            for m in members.itertuples(index=False)
        )
        body.append(
            '<table class="members"><tr><th>id</th><th>source</th><th>published</th>'
            "<th>title</th><th>relation to canonical</th><th>similarity to canonical</th></tr>"
            f"{rows}</table>"
        )
        ids = set(members["id"].astype(str))
        cp = _canonical_first(in_cluster[in_cluster["id_a"].isin(ids)], canon)
        for _, row in cp.head(MAX_PAIRS_PER_CLUSTER).iterrows():
            body.extend(_pair_html(row, info, sentence_match))
        if len(cp) > MAX_PAIRS_PER_CLUSTER:
            body.append(
                f'<p class="note">{MAX_PAIRS_PER_CLUSTER} of {len(cp)} pairs are shown.</p>'
            )
        body.append("</section>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{_e(heading)}</title><style>{_STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
