"""VAE: the ELBO against closed forms and against the exact log-likelihood; training; seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from qgen.datasets.ising import configs_from_spins, sample_ising
from qgen.errors import ConfigError, DataError
from qgen.generative.autoencoders import Autoencoder, VariationalAutoencoder
from qgen.generative.training import LikelihoodTrainer


def vae(
    likelihood: str, features: int = 3, latent: int = 1, seed: int = 0
) -> VariationalAutoencoder:
    torch.manual_seed(seed)
    return VariationalAutoencoder(features, latent, hidden=8, likelihood=likelihood).double()


def exact_log_likelihood(model: VariationalAutoencoder, x: torch.Tensor) -> torch.Tensor:
    """log p(x) = log ∫ N(z; 0, 1) p(x|z) dz for a one-dimensional latent, Gauss–Hermite."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(120)
    z = torch.from_numpy(nodes)[:, None]
    log_w = torch.from_numpy(np.log(weights / math.sqrt(2 * math.pi)))
    values = [
        torch.logsumexp(log_w + model.decoder.log_likelihood(row.expand(len(z), -1), z), 0)
        for row in x
    ]
    return torch.stack(values)


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_elbo_bounds_the_exact_log_likelihood(likelihood):
    model = vae(likelihood)
    generator = torch.Generator().manual_seed(0)
    if likelihood == "bernoulli":
        x = torch.bernoulli(torch.full((4, 3), 0.5, dtype=torch.float64), generator=generator)
    else:
        x = torch.randn(4, 3, generator=generator, dtype=torch.float64)
    with torch.no_grad():
        exact = exact_log_likelihood(model, x)
        elbo = torch.stack([model.elbo(x, generator) for _ in range(4000)]).mean(0)
    # E_q[ELBO] = log p(x) − KL(q(z|x) || p(z|x)) ≤ log p(x); 4000 draws leave ≪ 0.05 noise.
    assert bool((elbo <= exact + 0.05).all())


def test_kl_and_reconstruction_terms_match_torch_distributions():
    model = vae("bernoulli", features=4, latent=2)
    x = torch.tensor([[0.0, 1.0, 1.0, 0.0]], dtype=torch.float64)
    mean, log_variance = model.encode(x)
    q = torch.distributions.Normal(mean, (0.5 * log_variance).exp())
    p = torch.distributions.Normal(torch.zeros_like(mean), torch.ones_like(mean))
    kl = torch.distributions.kl_divergence(q, p).sum()
    generator = torch.Generator().manual_seed(5)
    z = mean + (0.5 * log_variance).exp() * torch.randn(
        mean.shape, generator=torch.Generator().manual_seed(5), dtype=torch.float64
    )
    logits = model.decoder.network(z)
    log_px = torch.distributions.Bernoulli(logits=logits).log_prob(x).sum()
    elbo = model.elbo(x, generator).detach()
    assert float(elbo[0]) == pytest.approx(float((log_px - kl).detach()), abs=1e-12)


def ising_bits(n: int) -> torch.Tensor:
    return configs_from_spins(sample_ising("4x4", 2.0, n, seed=0)).to(torch.float32)


@pytest.mark.parametrize("kind", [VariationalAutoencoder, Autoencoder])
def test_short_training_lowers_the_loss_on_ising(kind):
    data = ising_bits(600)
    torch.manual_seed(0)
    model = kind(16, latent=2, hidden=32, likelihood="bernoulli")
    trainer = LikelihoodTrainer(model, data[:500], data[500:], lr=3e-3, batch_size=50)
    before = trainer.validation_loss(data[500:])
    trainer.run(15, progress=False)
    best = trainer.early_stopping.best_value
    assert best < before - 1.0
    # below the 16 log 2 nats of uniform bits
    assert best < 16 * math.log(2)


def test_seeds_reproduce():
    data = ising_bits(200)

    def train(seed: int) -> list[torch.Tensor]:
        torch.manual_seed(seed)
        model = VariationalAutoencoder(16, 2, hidden=8, likelihood="bernoulli")
        LikelihoodTrainer(model, data, data, batch_size=50, seed=seed).run(2, progress=False)
        return [p.detach().clone() for p in model.parameters()]

    assert all(torch.equal(a, b) for a, b in zip(train(3), train(3), strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(train(3), train(4), strict=True))


def test_autoencoder_samples_from_fitted_latent():
    torch.manual_seed(0)
    model = Autoencoder(2, latent=2, hidden=8)
    data = torch.randn(100, 2, generator=torch.Generator().manual_seed(0))
    model.fit_latent(data)
    codes = model.encode(data).detach().double()
    assert torch.allclose(model.latent_mean, codes.mean(0).float(), atol=1e-5)
    assert model.sample(7, torch.Generator().manual_seed(1)).shape == (7, 2)


def test_gaussian_autoencoder_samples_are_decoded_means():
    # The plain autoencoder's unit width is no noise model: a sample is d(z) exactly, with
    # z drawn from the fitted Gaussian (the same generator draws the same codes).
    torch.manual_seed(0)
    model = Autoencoder(2, latent=2, hidden=8)
    model.fit_latent(torch.randn(200, 2, generator=torch.Generator().manual_seed(0)))
    samples = model.sample(500, torch.Generator().manual_seed(1))
    noise = torch.randn(500, 2, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        means = model.decoder.mean(model.latent_mean + noise @ model.latent_factor.T)
    spread = float((samples - means).pow(2).sum(-1).mean())
    assert spread < 1e-10  # was 2 (one unit of variance per feature) when samples were noisy


def test_bernoulli_autoencoder_samples_are_bits():
    torch.manual_seed(0)
    model = Autoencoder(16, latent=2, hidden=8, likelihood="bernoulli")
    model.fit_latent(ising_bits(50))
    assert set(model.sample(40, torch.Generator().manual_seed(1)).unique().tolist()) <= {0.0, 1.0}


@pytest.mark.parametrize("kind", [VariationalAutoencoder, Autoencoder])
@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_sampling_stays_on_the_model_device(kind, likelihood):
    # The meta device stands in for an accelerator: noise drawn on the CPU would not mix.
    model = kind(3, latent=2, hidden=8, likelihood=likelihood).to("meta")
    assert model.sample(5).device.type == "meta"


@pytest.mark.parametrize("kind", [VariationalAutoencoder, Autoencoder])
@pytest.mark.parametrize(
    "values",
    [
        pytest.param([[1.0, -1.0, 1.0, -1.0]], id="spins"),
        pytest.param([[0.0, 0.5, 1.0, 0.0]], id="fraction"),
        pytest.param([[0.0, 1.0, 2.0, 0.0]], id="two"),
    ],
)
def test_bernoulli_likelihood_refuses_data_that_are_not_bits(kind, values):
    model = kind(4, 2, hidden=8, likelihood="bernoulli")
    with pytest.raises(DataError, match=r"expected data with values in \{0, 1\}.*got values"):
        model.loss(torch.tensor(values))


def test_bad_input():
    model = VariationalAutoencoder(4, 2, hidden=8, likelihood="bernoulli")
    with pytest.raises(DataError, match="expected 4 features per sample, got 5"):
        model.elbo(torch.zeros(2, 5))
    with pytest.raises(DataError, match="NaN or inf"):
        model.elbo(torch.full((2, 4), math.nan))
    with pytest.raises(ConfigError, match="unknown likelihood 'poisson'"):
        VariationalAutoencoder(4, likelihood="poisson")
