"""Histogram comparisons and error bars on cases whose answer is known."""

from __future__ import annotations

import pytest
import torch

from qgen.ebm import compare_histograms, level_edges
from qgen.errors import EstimatorError


def test_known_total_variation():
    model = torch.zeros(100)
    data = torch.cat([torch.zeros(50), torch.ones(50)])
    edges = torch.tensor([-0.5, 0.5, 1.5])
    result = compare_histograms(model, data, bins=edges, generator=torch.Generator().manual_seed(0))
    assert result["tv"] == pytest.approx(0.5)
    assert result["model_frequencies"] == [1.0, 0.0]
    assert result["data_frequencies"] == [0.5, 0.5]
    assert result["chi2_p_value"] < 1e-6


def test_same_law_is_within_noise_and_different_law_is_not():
    generator = torch.Generator().manual_seed(1)
    n = 4000
    data = torch.randn(n, generator=generator)
    chains = torch.arange(n) % 200
    same = torch.randn(n, generator=generator)
    shifted = torch.randn(n, generator=generator) + 0.3
    within = compare_histograms(same, data, chains, bins=20, generator=generator)
    # Two samples of one law: the TV is of the order of its noise level, and the χ²
    # p-value is not small (both are statements about one draw; the bounds are loose).
    assert within["tv"] < 2.5 * within["tv_noise"]
    assert within["chi2_p_value"] > 1e-3
    assert within["chi2_bins"] == 20
    outside = compare_histograms(shifted, data, chains, bins=20, generator=generator)
    assert outside["tv"] > 3 * outside["tv_noise"]
    assert outside["chi2_p_value"] < 1e-6


def test_bad_input():
    with pytest.raises(EstimatorError, match="at least two independent Markov chains, got one"):
        compare_histograms(torch.zeros(5), torch.zeros(5), torch.zeros(5, dtype=torch.long))
    with pytest.raises(EstimatorError, match=r"one chain label per data value \(5\), got 4"):
        compare_histograms(torch.zeros(5), torch.zeros(5), torch.arange(4))
    with pytest.raises(EstimatorError, match="at least 2 model and 4 data values"):
        compare_histograms(torch.zeros(1), torch.zeros(5))


def test_level_edges_put_whole_levels_in_every_bin():
    # Energies per site of a 4x4 lattice: steps of 4/16 = 0.25 from -2 to 1.
    values = torch.arange(-2.0, 1.01, 0.25)
    edges = level_edges(values, 0.25, 5)
    counts = torch.histogram(values.double(), edges).hist
    assert counts.tolist() == [3.0, 3.0, 3.0, 3.0, 1.0]  # 13 levels, 3 per bin
    assert edges[0].item() == pytest.approx(-2.125)
    with pytest.raises(EstimatorError, match="spacing > 0"):
        level_edges(values, 0.0, 5)
