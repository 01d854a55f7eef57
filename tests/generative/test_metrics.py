"""Energy distance and mode coverage on hand-computed cases."""

from __future__ import annotations

import pytest
import torch

from qgen.errors import DataError
from qgen.generative.metrics import energy_distance, energy_distance_baseline, mode_coverage


def test_energy_distance_by_hand():
    x = torch.tensor([[0.0], [2.0]])
    y = torch.tensor([[1.0], [1.0], [4.0]])
    # E|X−Y| = (1+1+4+1+1+2)/6 = 10/6; E|X−X'| = 2; E|Y−Y'| = (0+3+3)·2/6 = 2
    assert energy_distance(x, y) == pytest.approx(2 * 10 / 6 - 2 - 2)
    assert energy_distance(x, y) == pytest.approx(energy_distance(y, x))


def test_energy_distance_separates_and_baseline_is_noise():
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(800, 2, generator=generator)
    b = torch.randn(800, 2, generator=generator)
    mean, std = energy_distance_baseline(torch.cat([a, b]), 8, generator)
    assert abs(mean) < 3 * std + 1e-3
    # For N(0, I) against N(δ, I) in 2D the energy distance grows like |δ|² for small δ
    assert energy_distance(a, b + 1.0) > 20 * std


def test_mode_coverage_counts():
    centers = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    samples = torch.cat(
        [centers[0].repeat(15, 1), centers[1].repeat(4, 1), torch.tensor([[5.0, 5.0]])]
    )
    coverage = mode_coverage(samples, centers, width=0.5)
    assert coverage.fraction_near == pytest.approx(19 / 20)
    assert coverage.mode_fractions == pytest.approx([15 / 20, 4 / 20])
    assert coverage.modes_covered == 2
    assert coverage.all_covered
    missing = mode_coverage(centers[0].repeat(10, 1), centers, width=0.5)
    assert missing.modes_covered == 1
    assert not missing.all_covered


def test_bad_input():
    with pytest.raises(DataError, match="expected 2 features per sample, got 3"):
        energy_distance(torch.zeros(4, 2), torch.zeros(4, 3))
    with pytest.raises(DataError, match="at least one sample"):
        energy_distance(torch.zeros(0, 2), torch.zeros(4, 2))
    with pytest.raises(DataError, match="at least two"):
        energy_distance(torch.zeros(1, 2), torch.zeros(4, 2))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param(
            {"width": 0.0}, "width: expected a finite number > 0, got 0.0", id="width-zero"
        ),
        pytest.param(
            {"width": -0.25}, "width: expected a finite number > 0, got -0.25", id="width-negative"
        ),
        pytest.param(
            {"width": float("nan")}, "width: expected a finite number > 0, got nan", id="width-nan"
        ),
        pytest.param(
            {"width": float("inf")}, "width: expected a finite number > 0, got inf", id="width-inf"
        ),
        pytest.param(
            {"width": 0.25, "n_widths": 0.0},
            "n_widths: expected a finite number > 0",
            id="n-widths",
        ),
    ],
)
def test_mode_coverage_refuses_a_width_that_is_not_positive(kwargs, match):
    centers = torch.tensor([[0.0, 0.0], [5.0, 0.0]])
    with pytest.raises(DataError, match=match):
        mode_coverage(centers.repeat(10, 1), centers, **kwargs)
