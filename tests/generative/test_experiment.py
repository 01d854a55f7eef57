"""One experiment end to end: held-out figures with honest error bars and true
reconstruction errors."""

from __future__ import annotations

import math

import pytest
import torch

from qgen.datasets.ising import energy_per_site, lattices_from_sites, magnetization
from qgen.generative.autoencoders import Autoencoder, VariationalAutoencoder
from qgen.generative.experiment import (
    ISING_CHAINS,
    GenerativeOptions,
    held_out_chains,
    run_experiment,
    split_data,
)


def chain_means(values: torch.Tensor, n_chains: int) -> tuple[float, float]:
    """Mean and its error bar from the per-chain time averages of independent chains
    (values ordered as sample_ising records them: sample k from chain k mod n_chains)."""
    per_chain = values.to(torch.float64).reshape(-1, n_chains).mean(dim=0)
    return float(per_chain.mean()), float(per_chain.std()) / math.sqrt(n_chains)


def test_ising_data_error_bars_come_from_per_chain_means():
    # 4096 training samples: the held-out sets hold 1024 = 2 × 512 each and the test set
    # starts at 5120 = 10 × 512, so test sample j comes from chain j mod 512.
    experiment = GenerativeOptions(
        model="ae",
        dataset="ising",
        size="4x4",
        temperature=2.0,
        samples=4096,
        epochs=1,
        hidden=8,
        batch_size=1024,
    )
    assert torch.equal(held_out_chains(experiment), torch.arange(1024) % ISING_CHAINS)
    summary = run_experiment(experiment, plots=False)
    test = lattices_from_sites(split_data(experiment)[2], "4x4")
    data = summary["ising"]["data"]
    assert data["independent_chains"] == ISING_CHAINS
    for key, values in (
        ("energy_per_site", energy_per_site(test)),
        ("abs_magnetization", magnetization(test).abs()),
    ):
        mean, error = chain_means(values, ISING_CHAINS)
        assert data[key]["value"] == pytest.approx(mean, rel=1e-12)
        assert data[key]["error"] == pytest.approx(error, rel=1e-9)
        # Not the error of independent samples, which the chains' correlations violate.
        naive = float(values.std()) / math.sqrt(values.numel())
        assert abs(data[key]["error"] - naive) > 1e-6 * naive


@pytest.mark.parametrize("kind", [Autoencoder, VariationalAutoencoder])
def test_gaussian_reconstruction_error_is_the_squared_error(kind):
    torch.manual_seed(0)
    model = kind(3, latent=2, hidden=8)
    x = torch.randn(6, 3, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = ((x - model.reconstruct(x)) ** 2).sum(-1)
        assert torch.allclose(model.reconstruction_error(x), expected, atol=0, rtol=1e-6)
        # A perfect reconstruction has zero error (the loss would report (D/2) log 2π).
        model.reconstruct = lambda data: data
        assert torch.equal(model.reconstruction_error(x), torch.zeros(6))


@pytest.mark.parametrize("kind", [Autoencoder, VariationalAutoencoder])
def test_bernoulli_reconstruction_error_counts_wrong_bits(kind):
    model = kind(4, latent=2, hidden=8, likelihood="bernoulli")
    x = torch.tensor([[0.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    with torch.no_grad():
        model.reconstruct = lambda data: 0.05 + 0.9 * data  # confident and right
        assert torch.equal(model.reconstruction_error(x), torch.zeros(2))
        model.reconstruct = lambda data: torch.tensor([[0.2, 0.7, 0.4, 0.9], [0.6] * 4])
        assert torch.equal(model.reconstruction_error(x), torch.tensor([2.0, 0.0]))


@pytest.mark.parametrize(
    ("dataset", "measure"),
    [
        pytest.param("ring", "squared error", id="gaussian"),
        pytest.param("ising", "Hamming distance", id="bernoulli"),
    ],
)
def test_experiment_reports_the_reconstruction_error(dataset, measure):
    ising = {"size": "4x4", "temperature": 2.0} if dataset == "ising" else {}
    experiment = GenerativeOptions(
        model="ae", dataset=dataset, samples=200, epochs=1, hidden=8, **ising
    )
    summary = run_experiment(experiment, plots=False)
    assert "reconstruction_loss" not in summary
    reconstruction = summary["reconstruction_error"]
    assert reconstruction["kind"].startswith(measure)
    assert reconstruction["value"] >= 0.0
    if dataset == "ising":
        assert reconstruction["value"] <= 16.0
