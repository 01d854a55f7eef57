"""Figures of merit for samples: energy distance and mode coverage.

The energy distance between distributions P and Q,

.. math:: D^2(P, Q) = 2\\,\\mathbb E|X - Y| - \\mathbb E|X - X'| - \\mathbb E|Y - Y'|,

is zero iff P = Q (Székely & Rizzo 2013). It is estimated here with U-statistics (the
within-sample means leave out the diagonal), so its expectation is exactly
:math:`D^2` and may come out slightly negative for equal distributions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from qgen.datasets.base import check_samples
from qgen.errors import DataError
from qgen.validation import require_float

__all__ = ["ModeCoverage", "energy_distance", "energy_distance_baseline", "mode_coverage"]


def _mean_distance(x: torch.Tensor, y: torch.Tensor, same: bool) -> float:
    total = 0.0
    for start in range(0, x.shape[0], 1024):
        total += float(torch.cdist(x[start : start + 1024], y).sum())
    pairs = x.shape[0] * (y.shape[0] - 1) if same else x.shape[0] * y.shape[0]
    return total / pairs


def energy_distance(x: torch.Tensor, y: torch.Tensor) -> float:
    """The U-statistic estimate of :math:`D^2` between samples ``x`` and ``y`` (float64).

    >>> x = torch.tensor([[0.0], [1.0]])
    >>> energy_distance(x, x + 10.0)  # 2·10 − 1 − 1
    18.0
    """
    x = check_samples(x, name="energy distance, first sample").to(torch.float64)
    y = check_samples(y, dim=x.shape[1], name="energy distance, second sample").to(torch.float64)
    if min(x.shape[0], y.shape[0]) < 2:
        raise DataError("energy distance: expected at least two samples on each side")
    return (
        2.0 * _mean_distance(x, y, False) - _mean_distance(x, x, True) - _mean_distance(y, y, True)
    )


def energy_distance_baseline(
    data: torch.Tensor, n_splits: int = 10, generator: torch.Generator | None = None
) -> tuple[float, float]:
    """Mean and standard deviation of the energy distance between two random halves of
    ``data`` over ``n_splits`` splits: the noise floor for a perfect model."""
    data = check_samples(data, name="held-out data")
    half = data.shape[0] // 2
    values = []
    for _ in range(n_splits):
        order = torch.randperm(data.shape[0], generator=generator)
        values.append(energy_distance(data[order[:half]], data[order[half : 2 * half]]))
    mean = sum(values) / len(values)
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / max(1, len(values) - 1))
    return mean, spread


@dataclass(frozen=True)
class ModeCoverage:
    """Samples near a mode (within ``n_widths`` widths), and each mode's share of them."""

    fraction_near: float
    mode_fractions: list[float]
    modes_covered: int
    all_covered: bool


def mode_coverage(
    samples: torch.Tensor,
    centers: torch.Tensor,
    width: float,
    n_widths: float = 3.0,
    min_fraction: float = 0.05,
    min_near: float = 0.95,
) -> ModeCoverage:
    """Assign each sample to its nearest centre; a sample is near if within
    ``n_widths × width``; a mode is covered if it holds ≥ ``min_fraction`` of all samples.
    ``all_covered``: every mode covered and ≥ ``min_near`` of samples near a mode.

    >>> centers = torch.tensor([[0.0, 0.0], [5.0, 0.0]])
    >>> mode_coverage(centers.repeat(10, 1), centers, 0.1).all_covered
    True

    Raises:
        DataError: ``width`` or ``n_widths`` not positive and finite (a zero radius would
            report no sample near any mode), or samples and centres of different dimension.
    """
    for name, value in (("width", width), ("n_widths", n_widths)):
        require_float(value, f"mode coverage {name}", minimum=0.0, inclusive=False, error=DataError)
    samples = check_samples(samples, dim=centers.shape[1], name="samples").to(torch.float64)
    distances = torch.cdist(samples, centers.to(torch.float64))
    nearest = distances.min(dim=1)
    near = nearest.values <= n_widths * width
    counts = torch.bincount(nearest.indices[near], minlength=centers.shape[0])
    fractions = (counts.to(torch.float64) / samples.shape[0]).tolist()
    covered = sum(f >= min_fraction for f in fractions)
    fraction_near = float(near.to(torch.float64).mean())
    return ModeCoverage(
        fraction_near,
        fractions,
        covered,
        covered == centers.shape[0] and fraction_near >= min_near,
    )
