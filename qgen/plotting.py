"""Small, headless plotting helpers shared by the workflows (PNG files, written atomically).

matplotlib is imported inside each function, with the non-interactive ``Agg`` backend, so
that importing qgen never opens a display or pays matplotlib's import time.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from qgen.runs import atomic_write_bytes

__all__ = ["new_figure", "save_figure", "series_plot"]


def new_figure(n_columns: int = 1, width: float = 5.0, height: float = 3.6) -> tuple[Any, Any]:
    """A figure with ``n_columns`` axes side by side, on the Agg backend."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width * n_columns, height), layout="constrained")
    axes = figure.subplots(1, n_columns, squeeze=False)[0]
    return figure, axes if n_columns > 1 else axes[0]


def save_figure(figure: Any, path: str | Path, dpi: int = 120) -> None:
    """Render ``figure`` to PNG and write it atomically."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    atomic_write_bytes(path, buffer.getvalue())


def series_plot(
    path: str | Path,
    x: Sequence[float],
    series: Mapping[str, Sequence[float | None]],
    xlabel: str,
    ylabel: str,
    log_y: bool = False,
    errors: Mapping[str, Sequence[float | None]] | None = None,
    hlines: Mapping[str, float] | None = None,
) -> None:
    """Plot named series against ``x`` (``None`` points are skipped) and save a PNG.

    ``errors`` gives optional error bars per series (drawn as a band); ``hlines`` draws
    labelled horizontal reference lines (an exact energy, say).
    """
    figure, axis = new_figure()
    for name, values in series.items():
        points = [(a, b) for a, b in zip(x, values, strict=True) if b is not None]
        if not points:
            continue
        xs, ys = zip(*points, strict=True)
        line = axis.plot(xs, ys, label=name, lw=1.2)[0]
        if errors is not None and name in errors:
            bars = [e for e, v in zip(errors[name], values, strict=True) if v is not None]
            if all(e is not None for e in bars):
                low = [y - e for y, e in zip(ys, bars, strict=True)]
                high = [y + e for y, e in zip(ys, bars, strict=True)]
                axis.fill_between(xs, low, high, color=line.get_color(), alpha=0.25, lw=0)
    for name, value in (hlines or {}).items():
        axis.axhline(value, color="black", ls="--", lw=1.0, label=name)
    if log_y:
        axis.set_yscale("log")
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.legend(frameon=False)
    save_figure(figure, path)
