"""One training loop for every generative model: seeded, logged, checkpointed, resumable.

A *learner* owns a model and its optimizers and knows two things: how to take one
optimisation step on a minibatch (:meth:`Learner.step`) and how to score held-out data
(:meth:`Learner.validation_loss`, lower is better). :func:`fit` runs epochs of shuffled
minibatches, keeps the parameters with the best held-out score, stops early when that
score has not improved for ``patience`` epochs, writes one JSON line per epoch, and
saves an atomic checkpoint from which a killed run resumes exactly (same batches, same
noise) because the random generator's state is saved with it.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import torch
from torch import nn

from qgen.datasets.base import check_samples
from qgen.errors import ConfigError
from qgen.generative.gan import GAN, discriminator_loss, generator_loss, gradient_penalty
from qgen.generative.metrics import energy_distance
from qgen.progress import epoch_progress
from qgen.runs import RunDirectory

__all__ = ["GANLearner", "Learner", "LikelihoodLearner", "TrainingConfig", "TrainingResult", "fit"]


class Learner:
    """A model with its optimizers: one step on a batch, a held-out score, a state."""

    model: nn.Module

    def step(self, batch: torch.Tensor, generator: torch.Generator) -> dict[str, float]:
        """One optimisation step; returns named losses for the log."""
        raise NotImplementedError

    def validation_loss(self, data: torch.Tensor) -> float:
        """A held-out score, lower is better, deterministic for given parameters."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """Model and optimizer states."""
        raise NotImplementedError

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`."""
        raise NotImplementedError

    def optimizers(self) -> list[torch.optim.Optimizer]:
        """The optimizers whose learning rates a schedule scales."""
        return []

    @property
    def features(self) -> int | None:
        """The data dimension the model takes (its ``features``; ``None`` if it has none),
        checked by :func:`fit` before the first step."""
        features = getattr(self.model, "features", None)
        return features if isinstance(features, int) else None

    def scale_learning_rate(self, factor: float) -> None:
        """Set every learning rate to ``factor`` times its initial value."""
        for optimizer in self.optimizers():
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
                group["lr"] = factor * group["initial_lr"]


class LikelihoodLearner(Learner):
    """Minimises the mean of ``model.loss(batch, generator)`` with Adam: the negative
    log-likelihood of a flow (``-log_prob``), a VAE's :math:`-\\mathrm{ELBO}`, an
    autoencoder's reconstruction loss."""

    def __init__(
        self,
        model: nn.Module,
        loss: Callable[[torch.Tensor, torch.Generator | None], torch.Tensor] | None = None,
        learning_rate: float = 1e-3,
        validation_seed: int = 12345,
    ) -> None:
        self.model = model
        self.loss: Callable[[torch.Tensor, torch.Generator | None], torch.Tensor] = (
            loss if loss is not None else cast(Any, model).loss
        )
        self.optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
        self.validation_seed = validation_seed

    def step(self, batch: torch.Tensor, generator: torch.Generator) -> dict[str, float]:
        self.optimizer.zero_grad()
        loss = self.loss(batch, generator).mean()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.item()}

    @torch.no_grad()
    def validation_loss(self, data: torch.Tensor) -> float:
        generator = torch.Generator().manual_seed(self.validation_seed)
        total = 0.0
        for first in range(0, data.shape[0], 4096):
            total += float(self.loss(data[first : first + 4096], generator).sum())
        return total / data.shape[0]

    def optimizers(self) -> list[torch.optim.Optimizer]:
        return [self.optimizer]

    def state_dict(self) -> dict[str, Any]:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])


class GANLearner(Learner):
    """Alternates ``critic_steps`` discriminator steps and one generator step (Adam,
    :math:`\\beta = (0.5, 0.9)`); scored by the energy distance between generated
    samples and (up to 2,000 points of) the held-out data."""

    model: GAN

    def __init__(
        self,
        model: GAN,
        learning_rate: float = 2e-4,
        critic_steps: int = 1,
        penalty: float = 10.0,
        validation_seed: int = 12345,
    ) -> None:
        self.model = model
        self.critic_steps = critic_steps
        self.penalty = penalty
        betas = (0.5, 0.9)
        self.g_optimizer = torch.optim.Adam(
            model.generator.parameters(), learning_rate, betas=betas
        )
        self.d_optimizer = torch.optim.Adam(
            model.discriminator.parameters(), learning_rate, betas=betas
        )
        self.validation_seed = validation_seed

    def step(self, batch: torch.Tensor, generator: torch.Generator) -> dict[str, float]:
        gan, n = self.model, batch.shape[0]
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
        generator = torch.Generator().manual_seed(self.validation_seed)
        return energy_distance(self.model.sample(data.shape[0], generator), data)

    def optimizers(self) -> list[torch.optim.Optimizer]:
        return [self.g_optimizer, self.d_optimizer]

    def state_dict(self) -> dict[str, Any]:
        return {
            "model": self.model.state_dict(),
            "g_optimizer": self.g_optimizer.state_dict(),
            "d_optimizer": self.d_optimizer.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.g_optimizer.load_state_dict(state["g_optimizer"])
        self.d_optimizer.load_state_dict(state["d_optimizer"])


@dataclass
class TrainingConfig:
    """How to train: epochs, minibatch size, early-stopping patience (epochs without a
    better held-out score; ``None``: never stop early), seed, tqdm progress on stderr, and
    ``cosine``: learning rates follow :math:`\\tfrac12(1 + \\cos \\pi (e-1)/E)` over
    epochs e = 1..E (Loshchilov & Hutter, ICLR 2017)."""

    epochs: int = 100
    batch_size: int = 256
    patience: int | None = 20
    seed: int = 0
    progress: bool = False
    cosine: bool = False

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"expected a positive integer {name}, got {value!r}")
        if self.patience is not None and self.patience < 1:
            raise ConfigError(f"expected a positive patience or None, got {self.patience!r}")


@dataclass
class TrainingResult:
    """What :func:`fit` did: epochs run, the best epoch and its held-out score."""

    epochs_run: int
    best_epoch: int
    best_loss: float
    stopped_early: bool
    history: list[dict[str, Any]] = field(default_factory=list)


def fit(
    learner: Learner,
    train: torch.Tensor,
    valid: torch.Tensor,
    config: TrainingConfig,
    run: RunDirectory | None = None,
) -> TrainingResult:
    """Train ``learner`` on ``train``, select by ``valid``; the model ends at its best
    held-out parameters. With ``run``, log to ``log.jsonl`` and checkpoint every epoch;
    a ``run`` opened with ``resume=True`` continues from its checkpoint.

    Raises:
        DataError: the data are not finite ``(batch, features)`` tensors with the model's
            ``features`` (for a GAN, its generator's output dimension).
    """
    train = check_samples(train, learner.features, name="training data")
    valid = check_samples(valid, dim=train.shape[1], name="held-out data")
    generator = torch.Generator().manual_seed(config.seed)
    state: dict[str, Any] = {"epoch": 0, "best_loss": math.inf, "best_epoch": 0, "best": None}
    history: list[dict[str, Any]] = []
    if run is not None and run.resume:
        saved = run.load_checkpoint()
        learner.load_state_dict(saved["learner"])
        generator.set_state(saved["generator"])
        state = {key: saved[key] for key in ("epoch", "best_loss", "best_epoch", "best")}
        run.truncate_log(lambda record: record.get("epoch", 0) <= state["epoch"])
        history = run.read_log()
    stopped_early = False
    epochs = range(state["epoch"] + 1, config.epochs + 1)
    progress = epoch_progress(epochs, config.progress)
    for epoch in progress:
        start = time.perf_counter()
        if config.cosine:
            learner.scale_learning_rate(0.5 * (1 + math.cos(math.pi * (epoch - 1) / config.epochs)))
        learner.model.train()
        order = torch.randperm(train.shape[0], generator=generator)
        sums: dict[str, float] = {}
        n_batches = 0
        for first in range(0, train.shape[0], config.batch_size):
            batch = train[order[first : first + config.batch_size]]
            for name, value in learner.step(batch, generator).items():
                sums[name] = sums.get(name, 0.0) + value
            n_batches += 1
        learner.model.eval()
        valid_loss = learner.validation_loss(valid)
        if not math.isfinite(valid_loss):
            raise ConfigError(
                f"training diverged at epoch {epoch}: held-out loss {valid_loss}; "
                "try a smaller learning rate"
            )
        if valid_loss < state["best_loss"]:
            state.update(best_loss=valid_loss, best_epoch=epoch)
            state["best"] = copy.deepcopy(learner.model.state_dict())
        state["epoch"] = epoch
        record = {
            "epoch": epoch,
            **{f"train_{name}": total / n_batches for name, total in sums.items()},
            "valid_loss": valid_loss,
            "best_valid_loss": state["best_loss"],
            "seconds": time.perf_counter() - start,
        }
        history.append(record)
        if hasattr(progress, "set_postfix"):
            progress.set_postfix(valid=f"{valid_loss:.4f}", best=f"{state['best_loss']:.4f}")
        if run is not None:
            run.append_log(record)
            run.save_checkpoint(
                {"learner": learner.state_dict(), "generator": generator.get_state(), **state}
            )
        if config.patience is not None and epoch - state["best_epoch"] >= config.patience:
            stopped_early = True
            break
    if state["best"] is not None:
        learner.model.load_state_dict(state["best"])
    learner.model.eval()
    return TrainingResult(
        state["epoch"], state["best_epoch"], state["best_loss"], stopped_early, history
    )
