"""PNG plots of dataset statistics (matplotlib, Agg backend, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from spacevista.engine.stats.tables import numeric_values
from spacevista.records import QARecord

_COLOURS = {"tiny": "#6a3d9a", "tabletop": "#1f78b4", "indoor": "#33a02c", "outdoor": "#ff7f00", "drone": "#e31a1c"}
_PNG_META = {"Software": None}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata=_PNG_META)
    _pyplot().close(fig)
    return path


def bubble_chart(stats: dict[str, Any], path: Path) -> Path:
    """QA items per task x scale as bubbles (area proportional to count), counts written inside."""
    plt = _pyplot()
    tasks = list(stats["task_scale"])
    scales = stats["scales"]
    fig, ax = plt.subplots(figsize=(1.6 * len(scales) + 3.5, 0.42 * len(tasks) + 1.6))
    peak = max((c for by in stats["task_scale"].values() for c in by.values()), default=1)
    for yi, t in enumerate(tasks):
        for xi, s in enumerate(scales):
            c = stats["task_scale"][t].get(s, 0)
            if c:
                ax.scatter(xi, yi, s=60 + 1400 * c / peak, color=_COLOURS.get(s, "#777777"), alpha=0.55,
                           edgecolors="black", linewidths=0.5)
                ax.annotate(str(c), (xi, yi), ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(scales)), scales)
    ax.set_yticks(range(len(tasks)), tasks)
    ax.set_xlim(-0.6, len(scales) - 0.4)
    ax.set_ylim(len(tasks) - 0.5, -0.5)
    ax.grid(alpha=0.25)
    ax.set_title(f"QA items per task and scale ({stats['qa_count']} items, {stats['scene_count']} scenes)")
    return _save(fig, path)


def answer_types_chart(stats: dict[str, Any], path: Path) -> Path:
    """Stacked bars: answer types per scale."""
    plt = _pyplot()
    scales = stats["scales"]
    kinds = sorted({k for by in stats["answer_types"].values() for k in by})
    fig, ax = plt.subplots(figsize=(1.3 * len(scales) + 2.5, 3.6))
    bottom = np.zeros(len(scales))
    for kind, colour in zip(kinds, ["#4c72b0", "#dd8452", "#55a868", "#8172b3"]):
        vals = np.array([stats["answer_types"].get(s, {}).get(kind, 0) for s in scales], float)
        ax.bar(scales, vals, bottom=bottom, label=kind, color=colour)
        bottom += vals
    ax.set_ylabel("QA items")
    ax.set_ylim(0, max(bottom.max(), 1) * 1.25)  # room for the legend above the bars
    ax.set_title("Answer types per scale")
    ax.legend(frameon=False, ncols=len(kinds), loc="upper left")
    return _save(fig, path)


def numeric_chart(records: list[QARecord], path: Path) -> Path:
    """Histograms of numerical answers per task on a log axis (lengths in metres)."""
    plt = _pyplot()
    from matplotlib import ticker

    panels = [(t, u, [x for x in v if x > 0]) for t, by in numeric_values(records).items() for u, v in by.items()]
    panels = [p for p in panels if p[2]]
    cols = 3
    rows = max(1, -(-len(panels) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.6 * rows), squeeze=False)
    for ax, (task, unit, vals) in zip(axes.ravel(), panels):
        lo, hi = min(vals), max(vals)
        centre = (lo * hi) ** 0.5
        if hi / lo < 10:  # at least one decade, so the log axis gets readable ticks
            lo, hi = centre / 10 ** 0.5, centre * 10 ** 0.5
        ax.hist(vals, bins=np.geomspace(lo, hi, 16), color="#4c72b0", edgecolor="white")
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda x, _: f"{x:g}"))
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        ax.yaxis.set_major_locator(ticker.MaxNLocator(integer=True))
        ax.set_title(f"{task} (n={len(vals)})", fontsize=9)
        ax.set_xlabel(unit, fontsize=8)
        ax.tick_params(labelsize=8)
    for ax in axes.ravel()[len(panels):]:
        ax.axis("off")
    if not panels:
        axes[0, 0].text(0.5, 0.5, "no numerical answers", ha="center", va="center")
    fig.suptitle("Numerical answers per task (log scale)")
    fig.tight_layout()
    return _save(fig, path)


def letters_chart(stats: dict[str, Any], path: Path) -> Path:
    """Share of each correct letter, per number of options, against the uniform share."""
    plt = _pyplot()
    groups = stats["letters"]
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    width = 0.8 / max(1, len(groups))
    for gi, (k, counts) in enumerate(groups.items()):
        total = sum(counts.values()) or 1
        xs = np.arange(len(counts)) + gi * width
        ax.bar(xs, [c / total for c in counts.values()], width=width, label=f"{k} options (n={total})")
        ax.hlines(1 / int(k), xs[0] - width / 2, xs[-1] + width / 2, colors="black", linestyles="dotted")
    n_max = max((len(c) for c in groups.values()), default=0)
    ax.set_xticks(np.arange(n_max) + 0.4 - width / 2, [chr(65 + i) for i in range(n_max)])
    ax.set_ylabel("share of items")
    ax.set_title("Correct-letter balance (dotted: uniform)")
    if groups:
        ax.legend(frameon=False, fontsize=8)
    return _save(fig, path)


def categories_chart(stats: dict[str, Any], path: Path) -> Path:
    """The most frequent object categories in anchors, one panel per scale."""
    plt = _pyplot()
    from matplotlib import ticker

    cats = stats["categories"]
    n = max(1, len(cats))
    rows = max((len(v) for v in cats.values()), default=1)
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 3.8), squeeze=False)
    for ax, (scale, items) in zip(axes[0], cats.items()):
        names = [c for c, _ in items]
        ax.barh(range(len(names)), [v for _, v in items], height=0.65, color=_COLOURS.get(scale, "#777777"))
        ax.set_yticks(range(len(names)), names)
        ax.set_ylim(rows - 0.4, -0.6)  # most frequent on top; the same bar thickness in every panel
        ax.xaxis.set_major_locator(ticker.MaxNLocator(nbins=4, integer=True))
        ax.set_title(scale)
        ax.tick_params(labelsize=8)
    if not cats:
        axes[0, 0].text(0.5, 0.5, "no object categories in anchors", ha="center", va="center")
    fig.suptitle("Object categories per scale (mentions in QA anchors)")
    fig.tight_layout()
    return _save(fig, path)


def write_plots(records: list[QARecord], stats: dict[str, Any], out: Path) -> dict[str, Path]:
    """All plots under ``out``; returns name -> path."""
    out.mkdir(parents=True, exist_ok=True)
    return {"task_scale": bubble_chart(stats, out / "task_scale.png"),
            "answer_types": answer_types_chart(stats, out / "answer_types.png"),
            "numeric": numeric_chart(records, out / "numeric.png"),
            "letters": letters_chart(stats, out / "letters.png"),
            "categories": categories_chart(stats, out / "categories.png")}
