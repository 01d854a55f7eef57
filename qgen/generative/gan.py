"""Generative adversarial networks: a generator against a discriminator (or critic).

The generator :math:`G` maps noise :math:`z \\sim \\mathcal N(0, I)` to samples; the
discriminator :math:`D` returns a logit. Two objectives:

- ``"nonsaturating"`` (Goodfellow et al., NeurIPS 2014): :math:`D` minimises the
  cross-entropy :math:`-\\log\\sigma(D(x)) - \\log(1 - \\sigma(D(G(z))))`; :math:`G`
  minimises :math:`-\\log\\sigma(D(G(z)))`, whose gradient does not vanish when
  :math:`D` wins early.
- ``"wgan-gp"`` (Gulrajani et al., NeurIPS 2017): the critic minimises
  :math:`\\mathbb E[D(G(z))] - \\mathbb E[D(x)] + \\lambda\\,\\mathbb E[(\\|\\nabla_{\\hat x}
  D(\\hat x)\\| - 1)^2]` on random interpolates :math:`\\hat x`; :math:`G` minimises
  :math:`-\\mathbb E[D(G(z))]`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from qgen.errors import ConfigError
from qgen.generative.networks import mlp

__all__ = [
    "GAN",
    "LOSSES",
    "discriminator_loss",
    "generator_loss",
    "gradient_penalty",
]

LOSSES = ("nonsaturating", "wgan-gp")


def discriminator_loss(
    real_logits: torch.Tensor, fake_logits: torch.Tensor, loss: str = "nonsaturating"
) -> torch.Tensor:
    """The discriminator's (critic's) loss, without the gradient penalty.

    >>> logits = torch.zeros(4)
    >>> round(float(discriminator_loss(logits, logits)), 6)  # 2 log 2
    1.386294
    """
    if loss == "nonsaturating":
        return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
    return fake_logits.mean() - real_logits.mean()


def generator_loss(fake_logits: torch.Tensor, loss: str = "nonsaturating") -> torch.Tensor:
    """:math:`-\\log \\sigma(D(G(z)))` (non-saturating) or :math:`-D(G(z))` (WGAN)."""
    if loss == "nonsaturating":
        return F.softplus(-fake_logits).mean()
    return -fake_logits.mean()


def gradient_penalty(
    critic: nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """:math:`\\mathbb E[(\\|\\nabla D(\\hat x)\\|_2 - 1)^2]`, :math:`\\hat x = \\epsilon x +
    (1-\\epsilon)\\tilde x`, :math:`\\epsilon \\sim U[0,1]` (Gulrajani et al. 2017)."""
    epsilon = torch.rand(
        real.shape[0], 1, generator=generator, dtype=real.dtype, device=real.device
    )
    mixed = (epsilon * real + (1 - epsilon) * fake.detach()).requires_grad_(True)
    (gradient,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return ((gradient.norm(dim=1) - 1) ** 2).mean()


class _Discriminator(nn.Module):
    def __init__(self, features: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.network = mlp(features, 1, hidden, layers, activation=nn.LeakyReLU)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.network(x).squeeze(-1)


class GAN(nn.Module):
    """A generator and a discriminator for data of ``features`` dimensions.

    ``output="tanh"`` bounds the generator's outputs to (−1, 1) (±1 spins; ``sample``
    then returns their signs); ``"linear"`` leaves them free (2D densities).

    >>> gan = GAN(2, latent=3, hidden=8)
    >>> gan.sample(4, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([4, 2])
    """

    def __init__(
        self,
        features: int,
        latent: int = 8,
        hidden: int = 128,
        layers: int = 3,
        loss: str = "nonsaturating",
        output: str = "linear",
    ) -> None:
        super().__init__()
        if loss not in LOSSES:
            raise ConfigError(f"unknown GAN loss {loss!r}; expected one of {LOSSES}")
        if output not in ("linear", "tanh"):
            raise ConfigError(f"unknown generator output {output!r}; expected linear or tanh")
        if min(features, latent, hidden, layers) < 1:
            raise ConfigError(
                f"GAN: expected positive sizes, got features={features}, latent={latent}, "
                f"hidden={hidden}, layers={layers}"
            )
        self.features = features
        self.latent = latent
        self.loss = loss
        self.output = output
        self.generator = mlp(latent, features, hidden, layers)
        self.discriminator = _Discriminator(features, hidden, layers)

    def generate(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """:math:`G(z)` for ``n`` noise draws (differentiable)."""
        parameter = next(self.generator.parameters())
        z = torch.randn(
            n, self.latent, generator=generator, dtype=parameter.dtype, device=parameter.device
        )
        out = self.generator(z)
        return torch.tanh(out) if self.output == "tanh" else out

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` samples (signs of the outputs for ``output="tanh"``)."""
        x = self.generate(n, generator)
        return torch.where(x >= 0, 1.0, -1.0).to(x.dtype) if self.output == "tanh" else x
