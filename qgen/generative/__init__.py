"""Generative models beside the physics workflows: flows, GANs, autoencoders and VAEs.

- :mod:`qgen.generative.flows`: RealNVP and MAF normalizing flows (exact likelihood);
  :mod:`qgen.generative.splines`: rational-quadratic spline couplings.
- :mod:`qgen.generative.gan`: a generator against a discriminator (non-saturating or
  WGAN-GP).
- :mod:`qgen.generative.autoencoders`: autoencoder and VAE (ELBO).
- :mod:`qgen.generative.training`: their drivers (seeded, logged, checkpointed, resumable).
- :mod:`qgen.generative.metrics`: energy distance and mode coverage.
- :mod:`qgen.generative.experiment`: dataset + model + training + figures + plots, as
  ``qgen generative`` runs it.
"""

from qgen.generative.autoencoders import Autoencoder, VariationalAutoencoder
from qgen.generative.flows import MAF, AffineCoupling, Flow, MaskedAutoregressiveAffine, RealNVP
from qgen.generative.gan import GAN
from qgen.generative.metrics import energy_distance, mode_coverage
from qgen.generative.splines import NeuralSplineFlow, RationalQuadraticCoupling
from qgen.generative.training import GANTrainer, LikelihoodTrainer

__all__ = [
    "GAN",
    "MAF",
    "AffineCoupling",
    "Autoencoder",
    "Flow",
    "GANTrainer",
    "LikelihoodTrainer",
    "MaskedAutoregressiveAffine",
    "NeuralSplineFlow",
    "RationalQuadraticCoupling",
    "RealNVP",
    "VariationalAutoencoder",
    "energy_distance",
    "mode_coverage",
]
