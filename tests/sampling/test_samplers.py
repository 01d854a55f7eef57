"""Samplers and Monte Carlo statistics."""

from __future__ import annotations

import math

import pytest
import torch
from model_zoo import make
from scipy import stats as scipy_stats

from qgen.errors import SamplerError
from qgen.estimators import statistics, v_score
from qgen.hilbert import MagnetizationSector, configs_to_indices
from qgen.sampling import AutoregressiveSampler, ExactSampler


def test_exact_sampler_histogram_matches_the_probabilities():
    model = make("rnn", "phase")
    sampler = ExactSampler(model, 8)
    samples = sampler.sample(20_000, torch.Generator().manual_seed(0))
    counts = torch.bincount(configs_to_indices(samples), minlength=256).double()
    with torch.no_grad():
        expected = model.log_prob(sampler.configs()).exp() * 20_000
    _, p_value = scipy_stats.chisquare(counts.numpy(), expected.numpy())
    assert p_value > 1e-4


def test_exact_sampler_in_a_sector_enumerates_only_the_sector():
    model = make("rnn", "positive")
    sampler = ExactSampler(model, 8, magnetization=1)
    assert sampler.configs().shape == (MagnetizationSector(8, 1).dimension, 8)
    assert sampler.probabilities().sum().item() == pytest.approx(1.0, abs=1e-12)
    assert (sampler.sample(50, torch.Generator().manual_seed(0)).sum(1) == 3).all()


def test_samplers_refuse_bad_counts_and_models():
    model = make("rnn", "positive")
    with pytest.raises(SamplerError, match="number of samples: expected an integer ≥ 1"):
        ExactSampler(model, 8).sample(0, torch.Generator())
    with pytest.raises(SamplerError, match="sample\\(\\) method"):
        AutoregressiveSampler(torch.nn.Linear(2, 2))


def test_statistics_of_known_values():
    values = torch.tensor([1.0, 2.0, 3.0, 4.0])
    result = statistics(values)
    assert result.mean == 2.5
    assert result.variance == pytest.approx(5 / 3)
    assert result.error == pytest.approx(math.sqrt(5 / 3 / 4))
    complex_result = statistics(torch.tensor([1 + 1j, 3 - 1j]))
    assert complex_result.mean == 2.0
    assert complex_result.mean_imag == 0.0
    assert complex_result.variance == pytest.approx(2 * 2 / 1)  # |±(1 - 1j)|² = 2, n - 1 = 1


def test_v_score_is_n_var_over_e_squared():
    result = statistics(torch.tensor([-1.0, -3.0]))
    assert v_score(result, 10) == pytest.approx(10 * 2.0 / 4.0)
