"""Small, headless plotting helpers shared by the workflows (PNG and PDF files, written
atomically).

matplotlib is imported inside each function, with the non-interactive ``Agg`` backend, so
that importing qgen never opens a display or pays matplotlib's import time.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from qgen.runs import atomic_write_bytes

__all__ = ["density_matrix_bars", "new_figure", "save_figure", "series_plot"]

_MAX_BAR_SITES = 5


def new_figure(n_columns: int = 1, width: float = 5.0, height: float = 3.6) -> tuple[Any, Any]:
    """A figure with ``n_columns`` axes side by side, on the Agg backend."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width * n_columns, height), layout="constrained")
    axes = figure.subplots(1, n_columns, squeeze=False)[0]
    return figure, axes if n_columns > 1 else axes[0]


def save_figure(figure: Any, path: str | Path, dpi: int = 150) -> None:
    """Render ``figure`` to PNG at ``path`` and, beside it, to PDF (vector, for a paper),
    each written atomically."""
    path = Path(path)
    for target, options in (
        (path, {"format": "png", "dpi": dpi}),
        (path.with_suffix(".pdf"), {"format": "pdf"}),
    ):
        buffer = io.BytesIO()
        figure.savefig(buffer, **options)
        atomic_write_bytes(target, buffer.getvalue())


def series_plot(
    path: str | Path,
    x: Sequence[float],
    series: Mapping[str, Sequence[float | None]],
    xlabel: str,
    ylabel: str,
    log_y: bool = False,
    errors: Mapping[str, Sequence[float | None]] | None = None,
    hlines: Mapping[str, float] | None = None,
    integer_x: bool = False,
) -> None:
    """Plot named series against ``x`` (``None`` points are skipped) and save a PNG.

    ``errors`` gives optional error bars per series (drawn as a band); ``hlines`` draws
    labelled horizontal reference lines (an exact energy, say); ``integer_x`` puts ticks
    on whole numbers only (epochs).
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
    if integer_x:
        from matplotlib.ticker import MaxNLocator

        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.legend(frameon=False)
    save_figure(figure, path)


def density_matrix_bars(
    path: str | Path, rho: Any, target: Any = None, title: str = "reconstruction"
) -> None:
    """3D bars of :math:`|\\rho_{ij}|` (the figure of Cha et al. 2022), beside the
    target's when given; basis states labelled by their bits, site 0 first. Up to
    5 qubits (1,024 bars); larger matrices are drawn as images."""
    import numpy as np

    panels = [(title, np.abs(np.asarray(rho)))]
    if target is not None:
        panels.append(("target", np.abs(np.asarray(target))))
    size = panels[0][1].shape[0]
    n_sites = size.bit_length() - 1
    labels = [format(i, f"0{n_sites}b") for i in range(size)]
    top = max(float(matrix.max()) for _, matrix in panels)
    figure, _ = new_figure(len(panels), width=4.6, height=4.2)
    for axis in figure.axes:
        axis.remove()
    for column, (title, matrix) in enumerate(panels, start=1):
        if n_sites > _MAX_BAR_SITES:
            axis = figure.add_subplot(1, len(panels), column)
            image = axis.imshow(matrix, vmin=0, vmax=top, cmap="viridis")
            figure.colorbar(image, ax=axis, label="|rho_ij|")
            axis.set_title(title)
            continue
        axis = figure.add_subplot(1, len(panels), column, projection="3d")
        rows, columns = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
        axis.bar3d(
            rows.ravel() - 0.4, columns.ravel() - 0.4, 0, 0.8, 0.8, matrix.ravel(), shade=True
        )
        axis.set_zlim(0, top)
        ticks = range(size) if size <= 8 else range(0, size, size // 8)
        axis.set_xticks(list(ticks), [labels[i] for i in ticks], fontsize=6)
        axis.set_yticks(list(ticks), [labels[i] for i in ticks], fontsize=6)
        axis.set_zlabel("|rho_ij|")
        axis.set_box_aspect(None, zoom=0.85)  # room for the axis labels
        axis.set_title(title)
    save_figure(figure, path)
