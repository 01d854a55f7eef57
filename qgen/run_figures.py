"""The figures of a run, drawn from its log: the ones a run writes at its end and the ones
``qgen plot`` redraws or overlays for several runs.

VMC (:func:`vmc_convergence`): three panels over the iterations — the energy with its
error band, a running mean and the exact value (in the legend, with its digits); the
relative error |E − E₀|/|E₀| on a log axis with the statistical floor σ_E/|E₀| (below it a
difference is noise); and the energy variance, which vanishes for an eigenstate. The
energy axis leaves out the first tenth of the iterations, whose far-off energies would
squash the rest into a flat line. Tomography (:func:`tomography_curves`): NLL and, with a
target, 1 − F per epoch, on whole-number epochs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qgen.plotting import new_figure, save_figure

__all__ = ["RunCurves", "run_title", "running_mean", "tomography_curves", "vmc_convergence"]


def run_title(config: dict[str, Any]) -> str:
    """The title of a run's figures, from its config tables: the system and the model."""
    if "vmc" in config:
        from qgen.system import System

        system = System.from_sources((config["system"], "the run's config"))
        return f"{system.describe()}: {config['vmc']['model']}"
    return f"tomography of {config['data']['data']}: {config['tomo']['model']}"


@dataclass
class RunCurves:
    """What a figure draws of one run: its label, log records and exact reference."""

    label: str
    history: list[dict[str, Any]]
    exact_energy: float | None = None
    final_energy: tuple[float, float] | None = None
    """The run's final estimate (value, error) from its larger final sample."""


def _column(history: Sequence[dict[str, Any]], key: str) -> np.ndarray:
    values = [record.get(key) for record in history]
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def running_mean(values: np.ndarray, window: int) -> np.ndarray:
    """The mean of the last ``window`` finite values at each point (fewer at the start).

    >>> running_mean(np.array([1.0, 2.0, 3.0, 4.0]), 2).tolist()
    [1.0, 1.5, 2.5, 3.5]
    """
    finite = np.isfinite(values)
    sums = np.cumsum(np.where(finite, values, 0.0))
    counts = np.cumsum(finite)
    shifted_sums = np.concatenate([np.zeros(window), sums[:-window]])[: len(values)]
    shifted_counts = np.concatenate([np.zeros(window), counts[:-window]])[: len(values)]
    number = counts - shifted_counts
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(number > 0, (sums - shifted_sums) / number, np.nan)


def vmc_convergence(path: str | Path, runs: Sequence[RunCurves], title: str) -> None:
    """The three-panel VMC convergence figure of ``runs`` (PNG and PDF at ``path``)."""
    figure, (energy_axis, relative_axis, variance_axis) = new_figure(3, width=4.2, height=3.4)
    figure.suptitle(title)
    exact = next((run.exact_energy for run in runs if run.exact_energy is not None), None)
    visible: list[float] = []
    for run in runs:
        iterations = _column(run.history, "iteration")
        energy = _column(run.history, "energy")
        error = _column(run.history, "energy_error")
        prefix = f"{run.label}: " if len(runs) > 1 else ""
        line = energy_axis.plot(iterations, energy, lw=0.8, alpha=0.6, label=f"{prefix}VMC")[0]
        energy_axis.fill_between(
            iterations, energy - error, energy + error, color=line.get_color(), alpha=0.2, lw=0
        )
        window = max(1, len(energy) // 20)
        energy_axis.plot(iterations, running_mean(energy, window), color=line.get_color(),
                         lw=1.6, label=f"{prefix}running mean ({window} it.)")  # fmt: skip
        if run.final_energy is not None and len(iterations):
            value, sigma = run.final_energy
            energy_axis.errorbar([iterations[-1]], [value], yerr=[sigma], fmt="o", ms=3,
                                 capsize=3, color=line.get_color(),
                                 label=f"{prefix}final {value:.6f} ± {sigma:.1e}")  # fmt: skip
        settled = energy[len(energy) // 10 :]
        visible.extend((settled[np.isfinite(settled)]).tolist())
        if run.exact_energy is not None:
            scale = abs(run.exact_energy)
            relative = np.abs(energy - run.exact_energy) / scale
            relative_axis.plot(iterations, np.where(relative > 0, relative, np.nan), lw=0.9,
                               color=line.get_color(), label=f"{prefix}|E − E₀|/|E₀|")  # fmt: skip
            relative_axis.plot(iterations, error / scale, color=line.get_color(), ls=":",
                               lw=1.2, label=f"{prefix}floor σ_E/|E₀|")  # fmt: skip
        variance = _column(run.history, "energy_variance")
        variance_axis.plot(iterations, np.where(variance > 0, variance, np.nan),
                           color=line.get_color(), lw=0.9, label=f"{prefix}Var E")  # fmt: skip
    if exact is not None:
        energy_axis.axhline(exact, color="black", ls="--", lw=1.0, label=f"exact {exact:.8f}")
        visible.append(exact)
    if visible:
        low, high = min(visible), max(visible)
        pad = 0.05 * (high - low) or 0.05 * abs(high) or 1.0
        energy_axis.set_ylim(low - pad, high + pad)
    energy_axis.set_ylabel("energy E (J)")
    relative_axis.set_ylabel("relative error")
    variance_axis.set_ylabel("energy variance (J²)")
    for axis in (relative_axis, variance_axis):
        if axis.has_data():
            axis.set_yscale("log")
    for axis in (energy_axis, relative_axis, variance_axis):
        axis.set_xlabel("iteration")
        if axis.has_data():
            axis.legend(frameon=False, fontsize="small")
    save_figure(figure, path)


def tomography_curves(path: str | Path, runs: Sequence[RunCurves], title: str) -> None:
    """NLL (training and held out) and 1 − F per epoch of ``runs`` (PNG and PDF)."""
    from matplotlib.ticker import MaxNLocator

    has_fidelity = any(np.isfinite(_column(run.history, "fidelity")).any() for run in runs)
    figure, axes = new_figure(2 if has_fidelity else 1, width=4.6, height=3.4)
    nll_axis = axes[0] if has_fidelity else axes
    figure.suptitle(title)
    for run in runs:
        epochs = _column(run.history, "epoch")
        prefix = f"{run.label}: " if len(runs) > 1 else ""
        line = nll_axis.plot(epochs, _column(run.history, "train_nll"), lw=1.0,
                             label=f"{prefix}training")[0]  # fmt: skip
        nll_axis.plot(epochs, _column(run.history, "validation_nll"), lw=1.4, ls="--",
                      color=line.get_color(), label=f"{prefix}held out")  # fmt: skip
        if has_fidelity:
            infidelity = 1 - _column(run.history, "fidelity")
            axes[1].plot(epochs, np.where(infidelity > 0, infidelity, np.nan),
                         color=line.get_color(), label=f"{prefix}1 − F")  # fmt: skip
    nll_axis.set_ylabel("NLL (nats per measurement)")
    used = [nll_axis, axes[1]] if has_fidelity else [nll_axis]
    if has_fidelity:
        axes[1].set_ylabel("infidelity 1 − F")
        if axes[1].has_data():
            axes[1].set_yscale("log")
    for axis in used:
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        if axis.has_data():
            axis.legend(frameon=False, fontsize="small")
    save_figure(figure, path)
