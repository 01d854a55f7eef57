"""Autocorrelation time, split-R̂ and error bars of Markov chains with known answers."""

from __future__ import annotations

import math

import pytest
import torch

from qgen.errors import EstimatorError, QgenError
from qgen.estimators import integrated_autocorrelation_time, mean_and_error, split_r_hat, statistics


def _ar1(phi: float, n_chains: int, length: int, seed: int) -> torch.Tensor:
    """x_t = φ x_{t−1} + sqrt(1 − φ²) ε_t, stationary with unit variance; ρ(t) = φ^t."""
    generator = torch.Generator().manual_seed(seed)
    noise = torch.randn(n_chains, length, generator=generator, dtype=torch.float64)
    x = torch.empty_like(noise)
    x[:, 0] = noise[:, 0]
    scale = math.sqrt(1 - phi**2)
    for t in range(1, length):
        x[:, t] = phi * x[:, t - 1] + scale * noise[:, t]
    return x


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.8])
def test_tau_of_an_ar1_process(phi):
    """τ = Σ_{t≥1} φ^t = φ / (1 − φ)."""
    chains = _ar1(phi, 64, 4000, seed=1)
    tau = integrated_autocorrelation_time(chains)
    assert tau == pytest.approx(phi / (1 - phi), abs=0.05 + 0.1 * phi / (1 - phi))


def test_error_bar_of_correlated_chains_covers_the_true_spread():
    """The error of the mean of AR(1) chains matches sqrt((1 + 2τ)/n)·σ with σ = 1."""
    phi, n_chains, length = 0.8, 16, 2000
    stats = statistics(_ar1(phi, n_chains, length, seed=2))
    true_error = math.sqrt((1 + 2 * phi / (1 - phi)) / (n_chains * length))
    assert stats.error == pytest.approx(true_error, rel=0.15)
    assert abs(stats.mean) < 5 * true_error
    assert stats.r_hat < 1.01


def test_split_r_hat_flags_chains_in_different_places():
    mixed = _ar1(0.3, 8, 1000, seed=3)
    assert split_r_hat(mixed) < 1.01
    shifted = mixed + torch.arange(8, dtype=torch.float64).unsqueeze(1)
    assert split_r_hat(shifted) > 1.5
    drifting = mixed + torch.linspace(0, 3, 1000, dtype=torch.float64)  # not stationary
    assert split_r_hat(drifting) > 1.1
    assert split_r_hat(torch.ones(4, 10)) is None


def test_short_chains_give_the_error_of_the_chain_means():
    values = torch.tensor([[0.0, 1.0, 2.0], [10.0, 11.0, 12.0], [5.0, 5.0, 5.0]])
    stats = statistics(values)
    assert stats.tau_corr is None
    assert stats.r_hat is None
    chain_means = values.double().mean(1)
    assert stats.error == pytest.approx(float(chain_means.std() / math.sqrt(3)))
    one_per_chain = statistics(values[:, :1])
    assert one_per_chain.error == pytest.approx(statistics(values[:, 0]).error)


@pytest.mark.parametrize("phi", [0.5, 0.8, 0.9])
def test_error_bars_of_short_correlated_chains_are_not_biased_low(phi):
    """16 chains of 64 samples (VMC's default layout): the reported error matches the
    spread of the means over 300 repetitions within 25%."""
    chains = _ar1(phi, 300 * 16, 64, seed=4).reshape(300, 16, 64)
    means = chains.mean(dim=(1, 2))
    true_error = float(means.square().mean().sqrt())
    reported = torch.tensor([statistics(c).error for c in chains])
    ratio = float(reported.square().mean().sqrt()) / true_error
    assert 0.8 < ratio < 1.25


def test_stuck_chains_get_a_large_error_and_r_hat():
    offsets = torch.linspace(-1, 1, 16, dtype=torch.float64).unsqueeze(1)
    chains = offsets + 1e-3 * _ar1(0.0, 16, 64, seed=5)
    stats = statistics(chains)
    chain_means = chains.mean(1)
    assert stats.error > 0.5 * float(chain_means.std() / 4)
    assert stats.r_hat > 10


def test_bad_chain_shapes():
    with pytest.raises(QgenError, match="length >= 4"):
        split_r_hat(torch.zeros(3, 2))
    with pytest.raises(QgenError, match="complex"):
        integrated_autocorrelation_time(torch.zeros(3, 5, dtype=torch.complex128))
    with pytest.raises(QgenError, match=r"\(n_chains, length\)"):
        statistics(torch.zeros(2, 2, 2))


def test_error_of_a_complex_mean_is_that_of_its_real_part():
    generator = torch.Generator().manual_seed(6)
    real = torch.randn(4000, generator=generator, dtype=torch.float64)
    imaginary = 10 * torch.randn(4000, generator=generator, dtype=torch.float64)
    stats = statistics(torch.complex(real, imaginary))
    assert stats.error == pytest.approx(statistics(real).error)
    assert stats.variance == pytest.approx(float(real.var() + imaginary.var()), rel=1e-9)


def test_mean_and_error_independent_and_by_chain():
    values = torch.tensor([1.0, 2.0, 3.0, 4.0])
    result = mean_and_error(values)
    assert result["value"] == 2.5
    assert result["error"] == pytest.approx(math.sqrt(5 / 3) / 2)
    # Two chains, perfectly correlated within each: the error is that of the two chain
    # means (1.5 and 3.5): std([1.5, 3.5]) / sqrt(2) = 1.
    chained = mean_and_error(values, torch.tensor([0, 0, 1, 1]))
    assert chained["value"] == 2.5
    assert chained["error"] == pytest.approx(1.0)
    with pytest.raises(EstimatorError, match="at least two values for an error bar, got 1"):
        mean_and_error(torch.zeros(1))
    with pytest.raises(EstimatorError, match="at least two independent chains, got one"):
        mean_and_error(values, torch.zeros(4))
    with pytest.raises(EstimatorError, match=r"one chain label per value \(4\), got 3"):
        mean_and_error(values, torch.zeros(3))
