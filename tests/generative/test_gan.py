"""GAN losses against their closed forms; short training; seeds."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from qgen.errors import ConfigError, DataError
from qgen.generative.gan import GAN, discriminator_loss, generator_loss, gradient_penalty
from qgen.generative.training import GANTrainer


def test_losses_at_known_logits():
    zeros = torch.zeros(5)
    assert float(discriminator_loss(zeros, zeros)) == pytest.approx(2 * math.log(2))
    assert float(generator_loss(zeros)) == pytest.approx(math.log(2))
    real, fake = torch.tensor([2.0, 4.0]), torch.tensor([-1.0, 0.0])
    assert float(discriminator_loss(real, fake, "wgan-gp")) == pytest.approx(-0.5 - 3.0)
    assert float(generator_loss(fake, "wgan-gp")) == pytest.approx(0.5)
    # −log σ(a) = log(1 + e^{−a})
    expected = (math.log1p(math.exp(-2)) + math.log1p(math.exp(-4))) / 2
    expected += (math.log1p(math.exp(-1)) + math.log1p(math.exp(0))) / 2
    assert float(discriminator_loss(real, fake)) == pytest.approx(expected)


def test_gradient_penalty_of_a_linear_critic():
    critic = nn.Linear(3, 1)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[2.0, -1.0, 2.0]]))  # |∇D| = 3 everywhere
    real, fake = torch.randn(6, 3), torch.randn(6, 3)
    penalty = gradient_penalty(critic, real, fake, torch.Generator().manual_seed(0))
    assert float(penalty.detach()) == pytest.approx((3.0 - 1.0) ** 2)


def ring_data(n: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    angle = 2 * math.pi * torch.rand(n, generator=generator)
    return torch.stack([2 * torch.cos(angle), 2 * torch.sin(angle)], 1)


def train(seed: int, loss: str = "nonsaturating", epochs: int = 12) -> tuple[GAN, list[float]]:
    torch.manual_seed(seed)
    gan = GAN(2, latent=4, hidden=32, layers=2, loss=loss)
    data = ring_data(640, 0)
    steps = 1 if loss == "nonsaturating" else 3
    trainer = GANTrainer(
        gan,
        data[:512],
        data[512:],
        lr=2e-3,
        critic_steps=steps,
        batch_size=64,
        patience=None,
        seed=seed,
    )
    before = trainer.validation_loss(data[512:])
    records = trainer.run(epochs, progress=False)
    return gan, [before, *[r["valid_loss"] for r in records]]


@pytest.mark.parametrize("loss", ["nonsaturating", "wgan-gp"])
def test_short_training_lowers_the_energy_distance(loss):
    _, curve = train(0, loss)
    assert min(curve[1:]) < 0.5 * curve[0]


def test_seeds_reproduce():
    first, _ = train(1, epochs=2)
    second, _ = train(1, epochs=2)
    third, _ = train(2, epochs=2)
    for a, b in zip(first.parameters(), second.parameters(), strict=True):
        assert torch.equal(a, b)
    assert not all(
        torch.equal(a, b) for a, b in zip(first.parameters(), third.parameters(), strict=True)
    )


def test_tanh_output_samples_spins():
    gan = GAN(9, output="tanh", hidden=8)
    samples = gan.sample(20, torch.Generator().manual_seed(0))
    assert set(samples.unique().tolist()) <= {-1.0, 1.0}


def test_sampling_and_penalty_stay_on_the_model_device():
    # The meta device stands in for an accelerator: noise drawn on the CPU would not mix.
    gan = GAN(3, latent=2, hidden=8).to("meta")
    assert gan.sample(4).device.type == "meta"
    real = torch.zeros(4, 3, device="meta")
    assert gradient_penalty(gan.discriminator, real, real).device.type == "meta"


def test_training_refuses_data_of_the_wrong_dimension():
    gan = GAN(2, latent=2, hidden=8)
    data = torch.zeros(20, 3)
    with pytest.raises(DataError, match="expected 2 features per sample, got 3"):
        GANTrainer(gan, data, data)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"loss": "hinge"}, "expected one of", id="loss"),
        pytest.param({"output": "sigmoid"}, "linear or tanh", id="output"),
        pytest.param({"latent": 0}, "latent=0", id="latent"),
    ],
)
def test_bad_configuration(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        GAN(2, **kwargs)
