"""Charts of an insights report, drawn with matplotlib (no screen: the Agg backend)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt

from bot.services.insights.report import BY_KEY, TRENDED, Report


def trend_png(report: Report) -> bytes:
    """The weekly trend of the trended headline numbers, one small panel each, as a PNG."""
    weeks = [week.start for week in report.weekly]
    figure, axes = plt.subplots(len(TRENDED), 1, figsize=(7, 1.6 * len(TRENDED)), sharex=True)
    try:
        for axis, key in zip(axes, TRENDED, strict=True):
            values = [week.values.get(key) for week in report.weekly]
            points = [(w, v) for w, v in zip(weeks, values, strict=True) if v is not None]
            if points:
                axis.plot([w for w, _ in points], [v for _, v in points], marker="o")
            axis.set_title(f"{BY_KEY[key].label} ({BY_KEY[key].unit})", fontsize=9, loc="left")
            axis.grid(alpha=0.3)
        figure.autofmt_xdate()
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=110)
        return out.getvalue()
    finally:
        plt.close(figure)
