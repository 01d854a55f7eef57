"""Training the generative models: one :class:`~qgen.driver.Driver` step is one epoch.

:class:`GenerativeTrainer` shuffles the training data with the driver's seeded generator,
takes one optimisation step per minibatch (:meth:`GenerativeTrainer.update`), scores the
held-out data (:meth:`GenerativeTrainer.validation_loss`, lower is better), and keeps the
parameters with the best held-out score through the driver's
:class:`~qgen.driver.EarlyStopping` (stopping after ``patience`` epochs without a better
one; ``min_epochs`` and ``smoothing`` keep a noisy score from ending a run on an early
dip). The driver's ``run`` writes one JSON line per epoch and saves atomic checkpoints
from which a killed run resumes exactly (same batches, same noise).

:class:`LikelihoodTrainer` minimises a per-sample loss (a flow's −log p, a VAE's −ELBO,
an autoencoder's reconstruction error); :class:`GANTrainer` alternates critic and
generator steps.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, cast

import torch
from torch import nn

from qgen.datasets.base import check_samples
from qgen.driver import Driver, EarlyStopping, cosine_schedule
from qgen.errors import TrainingError
from qgen.generative.gan import GAN, discriminator_loss, generator_loss, gradient_penalty
from qgen.generative.metrics import energy_distance
from qgen.validation import require_int

__all__ = ["GANTrainer", "GenerativeTrainer", "LikelihoodTrainer"]

VALIDATION_SEED = 12345
"""The fixed seed of the noise a held-out score draws (a VAE's latent samples, a GAN's
generated points), so that the score is a deterministic function of the parameters."""

Loss = Callable[[torch.Tensor, torch.Generator | None], torch.Tensor]


class GenerativeTrainer(Driver):
    """Minibatch epochs over ``train``, selected and stopped on ``valid``.

    Args:
        model: the generative model.
        optimizers: its optimizers (a GAN has two).
        train, valid: training and held-out samples ``(n, features)``.
        batch_size: samples per update.
        patience: stop after this many epochs without a better held-out score (None:
            run every epoch); the best epoch's parameters are restored either way.
        min_epochs: never stop before this many epochs.
        smoothing: judge an exponential moving average of the score with this weight.
        cosine: decay every learning rate by a cosine to 0 over this many epochs.
        seed: seed of the generator that shuffles the batches and draws the noise.

    Raises:
        DataError: the data are not finite ``(n, features)`` tensors with the model's
            ``features`` (for a GAN, its generator's output dimension).
    """

    counter = "epoch"
    first_count = 1
    finite_keys = ("valid_loss",)
    unit = "epoch"

    def __init__(
        self,
        model: nn.Module,
        optimizers: Sequence[torch.optim.Optimizer],
        train: torch.Tensor,
        valid: torch.Tensor,
        *,
        batch_size: int = 256,
        patience: int | None = 20,
        min_epochs: int = 0,
        smoothing: float = 0.0,
        cosine: int | None = None,
        seed: int = 0,
    ) -> None:
        features = getattr(model, "features", None)
        self.train = check_samples(
            train, features if isinstance(features, int) else None, name="training data"
        )
        self.valid = check_samples(valid, dim=self.train.shape[1], name="held-out data")
        self.batch_size = require_int(batch_size, "batch_size", minimum=1, error=TrainingError)
        schedulers = [] if cosine is None else [cosine_schedule(o, cosine) for o in optimizers]
        stopping = EarlyStopping(
            "valid_loss", patience=patience, min_steps=min_epochs, smoothing=smoothing
        )
        super().__init__(
            model, optimizers, seed=seed, schedulers=schedulers, early_stopping=stopping
        )

    @abstractmethod
    def update(self, batch: torch.Tensor) -> dict[str, float]:
        """One optimisation step on a minibatch; returns named losses for the log."""

    @abstractmethod
    def validation_loss(self, data: torch.Tensor) -> float:
        """A held-out score of ``data``, lower is better, deterministic for given parameters."""

    def step(self) -> dict[str, Any]:
        self.model.train()
        order = torch.randperm(self.train.shape[0], generator=self.generator)
        sums: dict[str, float] = {}
        n_batches = 0
        for rows in order.split(self.batch_size):
            for name, value in self.update(self.train[rows]).items():
                sums[name] = sums.get(name, 0.0) + value
            n_batches += 1
        self.model.eval()
        return {
            **{f"train_{name}": total / n_batches for name, total in sums.items()},
            "valid_loss": self.validation_loss(self.valid),
        }


class LikelihoodTrainer(GenerativeTrainer):
    """Minimises the mean of ``loss(batch, generator)`` (default ``model.loss``) with Adam:
    the negative log-likelihood of a flow (``-log_prob``), a VAE's
    :math:`-\\mathrm{ELBO}`, an autoencoder's reconstruction loss. The held-out score is
    the same loss."""

    def __init__(
        self,
        model: nn.Module,
        train: torch.Tensor,
        valid: torch.Tensor,
        *,
        loss: Loss | None = None,
        lr: float = 1e-3,
        **options: Any,
    ) -> None:
        self.loss: Loss = loss if loss is not None else cast(Any, model).loss
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        super().__init__(model, [self.optimizer], train, valid, **options)

    def update(self, batch: torch.Tensor) -> dict[str, float]:
        self.optimizer.zero_grad()
        loss = self.loss(batch, self.generator).mean()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.item()}

    @torch.no_grad()
    def validation_loss(self, data: torch.Tensor) -> float:
        generator = torch.Generator().manual_seed(VALIDATION_SEED)
        total = sum(float(self.loss(part, generator).sum()) for part in data.split(4096))
        return total / data.shape[0]


class GANTrainer(GenerativeTrainer):
    """Alternates ``critic_steps`` discriminator steps and one generator step (Adam,
    :math:`\\beta = (0.5, 0.9)`); scored by the energy distance between generated samples
    and (up to 2,000 points of) the held-out data."""

    model: GAN

    def __init__(
        self,
        model: GAN,
        train: torch.Tensor,
        valid: torch.Tensor,
        *,
        lr: float = 2e-4,
        critic_steps: int = 1,
        penalty: float = 10.0,
        **options: Any,
    ) -> None:
        self.critic_steps = require_int(
            critic_steps, "critic_steps", minimum=1, error=TrainingError
        )
        self.penalty = penalty
        betas = (0.5, 0.9)
        self.g_optimizer = torch.optim.Adam(model.generator.parameters(), lr, betas=betas)
        self.d_optimizer = torch.optim.Adam(model.discriminator.parameters(), lr, betas=betas)
        super().__init__(model, [self.g_optimizer, self.d_optimizer], train, valid, **options)

    def update(self, batch: torch.Tensor) -> dict[str, float]:
        gan, n, generator = self.model, batch.shape[0], self.generator
        for _ in range(self.critic_steps):
            self.d_optimizer.zero_grad()
            fake = gan.generate(n, generator).detach()
            d_loss = discriminator_loss(gan.discriminator(batch), gan.discriminator(fake), gan.loss)
            if gan.loss == "wgan-gp":
                d_loss = d_loss + self.penalty * gradient_penalty(
                    gan.discriminator, batch, fake, generator
                )
            d_loss.backward()
            self.d_optimizer.step()
        self.g_optimizer.zero_grad()
        g_loss = generator_loss(gan.discriminator(gan.generate(n, generator)), gan.loss)
        g_loss.backward()
        self.g_optimizer.step()
        return {"discriminator_loss": d_loss.item(), "generator_loss": g_loss.item()}

    def validation_loss(self, data: torch.Tensor) -> float:
        data = data[:2000]
        generator = torch.Generator().manual_seed(VALIDATION_SEED)
        return energy_distance(self.model.sample(data.shape[0], generator), data)
