"""Autoencoders and variational autoencoders.

An autoencoder compresses :math:`x` to a code :math:`z = e(x)` and decodes
:math:`\\hat x = d(z)`, trained on the reconstruction error. A VAE makes both maps
probabilistic,
:math:`q_\\phi(z|x) = \\mathcal N(\\mu_\\phi(x), \\mathrm{diag}\\,\\sigma_\\phi^2(x))`
and :math:`p_\\theta(x|z)`, with prior :math:`p(z) = \\mathcal N(0, I)`, and maximises
the evidence lower bound

.. math:: \\log p_\\theta(x) \\ge \\mathrm{ELBO}(x)
          = \\mathbb E_{q_\\phi(z|x)}[\\log p_\\theta(x|z)]
          - \\mathrm{KL}(q_\\phi(z|x) \\,\\|\\, p(z)),

with :math:`z = \\mu + \\sigma \\odot \\epsilon`, :math:`\\epsilon \\sim \\mathcal N(0, I)`
(the reparameterization trick) so that gradients pass through the sampling.

Decoders (``likelihood``): ``"bernoulli"`` for binary data such as Ising configurations
(logits per feature; the data must hold only 0 and 1), ``"gaussian"`` for continuous data
(mean per feature, one learned log-width per feature).

References: Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from qgen.datasets.base import check_samples
from qgen.errors import ConfigError, DataError
from qgen.generative.networks import mlp

__all__ = ["LIKELIHOODS", "RECONSTRUCTION_ERRORS", "Autoencoder", "VariationalAutoencoder"]

LIKELIHOODS = ("bernoulli", "gaussian")

RECONSTRUCTION_ERRORS = {
    "gaussian": "squared error |x - x_hat|^2 summed over features",
    "bernoulli": "Hamming distance between x and the rounded decoder mean (bits wrong)",
}
"""What :meth:`Autoencoder.reconstruction_error` measures for each likelihood."""


class _Decoder(nn.Module):
    """:math:`\\log p(x|z)` per sample, the decoder's mean, and samples from it."""

    def __init__(self, latent: int, features: int, hidden: int, layers: int, likelihood: str):
        super().__init__()
        if likelihood not in LIKELIHOODS:
            raise ConfigError(f"unknown likelihood {likelihood!r}; expected one of {LIKELIHOODS}")
        self.likelihood = likelihood
        self.network = mlp(latent, features, hidden, layers)
        self.log_width = nn.Parameter(torch.zeros(features)) if likelihood == "gaussian" else None

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        out = self.network(z)
        if self.log_width is None:
            _check_binary(x)
            return -F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(-1)
        width = self.log_width.exp()
        squared = ((x - out) / width) ** 2
        return -(0.5 * squared + self.log_width + 0.5 * math.log(2 * math.pi)).sum(-1)

    def mean(self, z: torch.Tensor) -> torch.Tensor:
        out = self.network(z)
        return torch.sigmoid(out) if self.log_width is None else out

    def sample(self, z: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        mean = self.mean(z)
        if self.log_width is None:
            return torch.bernoulli(mean, generator=generator)
        noise = torch.randn(mean.shape, generator=generator, dtype=mean.dtype, device=mean.device)
        return mean + self.log_width.exp() * noise


def _check_binary(x: torch.Tensor) -> None:
    """A Bernoulli likelihood is a density only on {0, 1}: elsewhere the binary
    cross-entropy is still finite, and the ELBO would be a silent wrong number."""
    binary = (x == 0) | (x == 1)
    if not bool(binary.all()):
        found = x[~binary].unique()
        shown = ", ".join(f"{float(v):g}" for v in found[:4])
        more = f" and {found.numel() - 4} more" if found.numel() > 4 else ""
        raise DataError(
            "bernoulli likelihood: expected data with values in {0, 1} (spins ±1 map to "
            f"bits by configs_from_spins), got values {shown}{more}"
        )


def _reconstruction_error(x: torch.Tensor, mean: torch.Tensor, likelihood: str) -> torch.Tensor:
    if likelihood == "bernoulli":
        _check_binary(x)
        return (x != (mean > 0.5).to(x.dtype)).to(x.dtype).sum(-1)
    return ((x - mean) ** 2).sum(-1)


class _EncoderDecoder(nn.Module):
    """What both autoencoders share: an MLP encoder to ``codes`` numbers per sample (the
    code, or a VAE's mean and log-variance), the decoder, and the reconstruction error."""

    def __init__(
        self, features: int, latent: int, hidden: int, layers: int, likelihood: str, codes: int
    ) -> None:
        super().__init__()
        if min(features, latent, hidden, layers) < 1:
            raise ConfigError(
                f"autoencoder: expected positive sizes, got features={features}, "
                f"latent={latent}, hidden={hidden}, layers={layers}"
            )
        self.features, self.latent, self.likelihood = features, latent, likelihood
        self.encoder = mlp(features, codes, hidden, layers)
        self.decoder = _Decoder(latent, features, hidden, layers, likelihood)

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def reconstruction_error(self, x: torch.Tensor) -> torch.Tensor:
        """Per sample, zero for a perfect reconstruction :math:`\\hat x` =
        :meth:`reconstruct`: :math:`\\|x - \\hat x\\|^2` (``"gaussian"``), or the number of
        bits where :math:`x` differs from :math:`\\hat x` rounded (``"bernoulli"``); see
        :data:`RECONSTRUCTION_ERRORS`. Not the loss, whose Gaussian normalisation adds
        :math:`\\tfrac D2 \\log 2\\pi`."""
        return _reconstruction_error(x, self.reconstruct(x), self.likelihood)


class Autoencoder(_EncoderDecoder):
    """Deterministic autoencoder, trained on :math:`-\\log p(x | z = e(x))` (binary
    cross-entropy for ``"bernoulli"``, squared error for ``"gaussian"``).

    It samples by decoding draws from a Gaussian fitted to the codes of the training
    data (:meth:`fit_latent`): a plain autoencoder has no prior of its own. For
    ``"gaussian"`` a sample is the decoder's mean: the unit width of the squared error is
    not a learned noise model, and adding N(0, I) would only blur the samples. For
    ``"bernoulli"`` the bits are drawn from the decoded probabilities.

    >>> model = Autoencoder(4, latent=2, hidden=8, likelihood="bernoulli")
    >>> model.loss(torch.ones(3, 4)).shape
    torch.Size([3])
    """

    latent_mean: torch.Tensor
    latent_factor: torch.Tensor

    def __init__(
        self,
        features: int,
        latent: int = 2,
        hidden: int = 128,
        layers: int = 2,
        likelihood: str = "gaussian",
    ) -> None:
        super().__init__(features, latent, hidden, layers, likelihood, latent)
        if likelihood == "gaussian" and self.decoder.log_width is not None:
            self.decoder.log_width.requires_grad_(False)  # unit width: plain squared error
        self.register_buffer("latent_mean", torch.zeros(latent))
        self.register_buffer("latent_factor", torch.eye(latent))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The code :math:`z = e(x)`."""
        return self.encoder(check_samples(x, self.features, name="autoencoder input"))

    def loss(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Reconstruction loss :math:`-\\log p(x | e(x))` per sample."""
        return -self.decoder.log_likelihood(x, self.encode(x))

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """The decoder's mean at the code of ``x``."""
        return self.decoder.mean(self.encode(x))

    @torch.no_grad()
    def fit_latent(self, x: torch.Tensor) -> None:
        """Fit :math:`\\mathcal N(m, C)` to the codes of ``x`` (for :meth:`sample`)."""
        codes = self.encode(x).to(torch.float64)
        covariance = torch.cov(codes.T).reshape(self.latent, self.latent)
        covariance += 1e-6 * torch.eye(self.latent, dtype=torch.float64, device=codes.device)
        self.latent_mean.copy_(codes.mean(0))
        self.latent_factor.copy_(torch.linalg.cholesky(covariance))

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Decode ``n`` codes drawn from the fitted Gaussian: the decoder's mean
        (``"gaussian"``) or bits drawn from it (``"bernoulli"``)."""
        mean = self.latent_mean
        noise = torch.randn(
            n, self.latent, generator=generator, dtype=mean.dtype, device=mean.device
        )
        z = mean + noise @ self.latent_factor.T
        if self.likelihood == "gaussian":
            return self.decoder.mean(z)
        return self.decoder.sample(z, generator)


class VariationalAutoencoder(_EncoderDecoder):
    """VAE with a diagonal Gaussian encoder and a Bernoulli or Gaussian decoder.

    >>> vae = VariationalAutoencoder(4, latent=2, hidden=8, likelihood="bernoulli")
    >>> x = torch.bernoulli(torch.full((5, 4), 0.5), generator=torch.Generator().manual_seed(0))
    >>> bool((vae.elbo(x, torch.Generator().manual_seed(1)) <= 0).all())  # log p ≤ 0 for bits
    True
    """

    def __init__(
        self,
        features: int,
        latent: int = 2,
        hidden: int = 128,
        layers: int = 2,
        likelihood: str = "gaussian",
    ) -> None:
        super().__init__(features, latent, hidden, layers, likelihood, 2 * latent)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance of :math:`q(z|x)`."""
        x = check_samples(x, self.features, name="VAE input")
        mean, log_variance = self.encoder(x).chunk(2, dim=-1)
        return mean, log_variance.clamp(-12.0, 8.0)

    def elbo(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """One-sample ELBO per sample; the KL to :math:`\\mathcal N(0, I)` is analytic,
        :math:`\\tfrac12\\sum_j(\\mu_j^2 + \\sigma_j^2 - 1 - \\log\\sigma_j^2)`."""
        mean, log_variance = self.encode(x)
        noise = torch.randn(mean.shape, generator=generator, dtype=mean.dtype, device=mean.device)
        z = mean + torch.exp(0.5 * log_variance) * noise
        kl = 0.5 * (mean**2 + log_variance.exp() - 1.0 - log_variance).sum(-1)
        return self.decoder.log_likelihood(x, z) - kl

    def loss(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """:math:`-\\mathrm{ELBO}` per sample (an upper bound on :math:`-\\log p(x)`)."""
        return -self.elbo(x, generator)

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """The decoder's mean at the encoder's mean."""
        return self.decoder.mean(self.encode(x)[0])

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Ancestral samples: :math:`z \\sim \\mathcal N(0, I)`, :math:`x \\sim p(x|z)`."""
        parameter = next(self.parameters())
        z = torch.randn(
            n, self.latent, generator=generator, dtype=parameter.dtype, device=parameter.device
        )
        return self.decoder.sample(z, generator)
