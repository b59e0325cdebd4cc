"""Renders the figures of docs/BENCHMARKS.md from a JSON spec written by bench/report/plots.ts.

Spec: {"figures": [{"file", "title", "footer", "panels": [{"title", "kind": "line"|"bar",
"xlabel", "ylabel", "xscale"?, "yscale"?, "categories"? (bar), "series": [{"label", "x", "y"}],
"hlines"?: [{"y", "label"}]}]}]}. One row of panels per figure; the footer carries the run date,
the Bun version and the exact command, so a PNG lifted out of the page still says where it
came from.
"""

import json
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.ticker  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402


def draw_line(ax, panel):
    for s in panel["series"]:
        points = [(x, y) for x, y in zip(s["x"], s["y"]) if y is not None]
        if not points:
            continue
        xs, ys = zip(*points)
        ax.plot(xs, ys, marker="o", label=s["label"])
    if panel.get("xscale"):
        ax.set_xscale(panel["xscale"])
        # Label the measured load levels themselves rather than powers of ten.
        ticks = sorted({x for s in panel["series"] for x in s["x"]})
        ax.set_xticks(ticks, [f"{x:,}" for x in ticks], rotation=45 if len(ticks) > 6 else 0)
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    if panel.get("yscale"):
        ax.set_yscale(panel["yscale"])
        ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:,.0f}" if y >= 1 else f"{y:g}"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def draw_bar(ax, panel):
    categories = panel["categories"]
    series = panel["series"]
    width = 0.8 / max(1, len(series))
    for i, s in enumerate(series):
        xs = [c + (i - (len(series) - 1) / 2) * width for c in range(len(categories))]
        ys = [0 if y is None else y for y in s["y"]]
        bars = ax.bar(xs, ys, width=width, label=s["label"])
        if panel.get("annotate"):
            ax.bar_label(bars, labels=[f"{y:,.0f}" if y else "" for y in ys], fontsize=7)
    ax.set_xticks(range(len(categories)), categories)
    if panel.get("yscale"):
        ax.set_yscale(panel["yscale"])


def main(spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    for fig_spec in spec["figures"]:
        panels = fig_spec["panels"]
        fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 4.6), squeeze=False)
        for ax, panel in zip(axes[0], panels):
            (draw_bar if panel["kind"] == "bar" else draw_line)(ax, panel)
            for h, style in zip(panel.get("hlines", []), ["--", ":", "-."]):
                ax.axhline(h["y"], color="grey", linestyle=style, linewidth=1, label=h["label"])
            ax.set_title(panel["title"], fontsize=11)
            ax.set_xlabel(panel.get("xlabel", ""))
            ax.set_ylabel(panel.get("ylabel", ""))
            ax.grid(True, which="major", alpha=0.3)
            ax.legend(fontsize=8)
        fig.suptitle(fig_spec["title"], fontsize=13)
        footer = textwrap.fill(fig_spec["footer"], width=int(95 * len(panels)))
        lines = footer.count("\n") + 1
        fig.text(0.01, 0.01, footer, fontsize=7, color="dimgray", ha="left", va="bottom")
        fig.tight_layout(rect=(0, 0.035 * (lines + 0.5), 1, 0.95))
        fig.savefig(fig_spec["file"], dpi=110)
        plt.close(fig)


if __name__ == "__main__":
    main(sys.argv[1])
