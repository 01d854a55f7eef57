r"""Contrastive-divergence training of a Bernoulli RBM: CD-k and persistent CD.

The log-likelihood gradient of an RBM is a difference of two expectations,

.. math:: -\nabla_\theta \log p(v) = \nabla_\theta F(v)
          - \mathbb E_{v' \sim p}\big[\nabla_\theta F(v')\big],

the second of which is intractable. **CD-k** (Hinton 2002) replaces the model sample
:math:`v'` by the end of a k-step block Gibbs chain started at the data point;
**persistent CD** (Tieleman 2008) keeps one set of chains across updates and advances them
k steps per update, so that they stay close to the slowly changing model. Either way one
step minimizes the surrogate loss

.. math:: L = \overline{F(v_\text{data})} - \overline{F(v_\text{chain})}

with the chain samples held fixed, with any :mod:`torch.optim` optimizer.

:func:`train_rbm` runs epochs of shuffled minibatches with a seeded generator, a tqdm
progress bar, one JSON line per epoch, and a checkpoint (model, optimizer, generator and
persistent chains) from which a killed run resumes exactly.

References:
    Hinton, Neural Computation 14, 1771 (2002);
    Tieleman, *Training restricted Boltzmann machines using approximations to the
    likelihood gradient*, ICML 2008.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from qgen.ebm.errors import (
    EBMError,
    check_binary_data,
    check_positive_float,
    check_positive_int,
)
from qgen.models.bernoulli_rbm import BernoulliRBM
from qgen.progress import epoch_progress
from qgen.runs import RunDirectory

__all__ = [
    "METHODS",
    "OPTIMIZERS",
    "CDConfig",
    "CDTrainer",
    "TrainingHistory",
    "tie_biases",
    "train_rbm",
]

METHODS = ("cd", "pcd")
OPTIMIZERS = ("sgd", "adam")


@dataclass
class CDConfig:
    r"""How to train: ``method`` ``"cd"`` (CD-k) or ``"pcd"`` (persistent CD), ``k`` Gibbs
    steps per update, epochs, minibatch size, learning rate, ``optimizer`` (``"sgd"``
    with ``momentum``, or ``"adam"``), L2 ``weight_decay``, persistent chains (default:
    one per minibatch row), seed, and tqdm progress on stderr.

    ``symmetric`` imposes the spin-flip symmetry :math:`p(v) = p(\mathbf 1 - v)` of a
    model without field (the Ising model's :math:`\mathbb Z_2`) by tying the biases to the
    weights, :math:`a = -\tfrac12 W^\top \mathbf 1` and :math:`b = -\tfrac12 W \mathbf 1`
    (then :math:`F(\mathbf 1 - v) = F(v)`: the ±1 RBM without biases, in 0/1 units), and
    following the gradient of the loss with respect to :math:`W` through the tie.
    ``cosine`` scales the learning rate by :math:`\tfrac12(1 + \cos \pi (e-1)/E)` in
    epoch e of E (Loshchilov & Hutter, ICLR 2017)."""

    method: str = "cd"
    k: int = 1
    epochs: int = 20
    batch_size: int = 100
    learning_rate: float = 0.01
    optimizer: str = "sgd"
    momentum: float = 0.9
    weight_decay: float = 0.0
    persistent_chains: int | None = None
    symmetric: bool = False
    cosine: bool = False
    seed: int = 0
    progress: bool = False

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise EBMError(f"unknown training method {self.method!r}; expected one of {METHODS}")
        if self.optimizer not in OPTIMIZERS:
            raise EBMError(f"unknown optimizer {self.optimizer!r}; expected one of {OPTIMIZERS}")
        check_positive_int(self.k, "number of Gibbs steps k (cd-k)")
        check_positive_int(self.epochs, "number of epochs")
        check_positive_int(self.batch_size, "batch size")
        check_positive_float(self.learning_rate, "learning rate")
        check_positive_float(self.weight_decay, "weight decay", allow_zero=True)
        if not 0 <= self.momentum < 1:
            raise EBMError(f"expected a momentum in [0, 1), got {self.momentum!r}")
        if self.persistent_chains is not None:
            check_positive_int(self.persistent_chains, "number of persistent chains")

    def build_optimizer(self, model: BernoulliRBM) -> torch.optim.Optimizer:
        """The :mod:`torch.optim` optimizer this config names, over ``model``'s parameters."""
        if self.optimizer == "sgd":
            return torch.optim.SGD(
                model.parameters(),
                lr=self.learning_rate,
                momentum=self.momentum,
                weight_decay=self.weight_decay,
            )
        return torch.optim.Adam(
            model.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
        )


@dataclass
class TrainingHistory:
    """The epochs run and their log records."""

    epochs_run: int
    records: list[dict[str, Any]] = field(default_factory=list)


class CDTrainer:
    """One RBM, its optimizer and (for PCD) its persistent chains; :meth:`step` does one
    update on a minibatch.

    Example:
        >>> rbm = BernoulliRBM(6, 3, generator=torch.Generator().manual_seed(0))
        >>> trainer = CDTrainer(rbm, CDConfig(method="pcd", k=2))
        >>> data = torch.randint(0, 2, (10, 6)).float()
        >>> sorted(trainer.step(data, torch.Generator().manual_seed(1)))
        ['free_energy_gap', 'reconstruction_error']
    """

    def __init__(self, model: BernoulliRBM, config: CDConfig) -> None:
        if not isinstance(model, BernoulliRBM):
            raise EBMError(f"expected a BernoulliRBM, got {type(model).__name__}")
        self.model = model
        self.config = config
        self.optimizer = config.build_optimizer(model)
        self.chains: torch.Tensor | None = None
        if config.symmetric:
            tie_biases(model)

    def negative_samples(self, batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """The chain samples of this update: k Gibbs steps from the batch (CD) or from the
        persistent chains (PCD, started from uniform bits on first use)."""
        model, k = self.model, self.config.k
        if self.config.method == "cd":
            return model.sample(batch.shape[0], generator, n_steps=k, initial=batch)
        if self.chains is None:
            n = self.config.persistent_chains or self.config.batch_size
            self.chains = model.sample(n, generator, n_steps=0)
        self.chains = model.sample(self.chains.shape[0], generator, n_steps=k, initial=self.chains)
        return self.chains

    def step(self, batch: torch.Tensor, generator: torch.Generator) -> dict[str, float]:
        r"""One update; returns the free-energy gap :math:`L` and the mean squared
        one-step reconstruction error :math:`\overline{(v - p(v \mid h(v)))^2}`."""
        model = self.model
        batch = batch.to(device=model.device, dtype=model.dtype)
        negative = self.negative_samples(batch, generator)
        self.optimizer.zero_grad()
        loss = model.free_energy(batch).mean() - model.free_energy(negative).mean()
        loss.backward()
        if self.config.symmetric:
            _tied_gradient(model)
        self.optimizer.step()
        if self.config.symmetric:
            tie_biases(model)
        with torch.no_grad():
            reconstruction = model.visible_probabilities(model.hidden_probabilities(batch).round())
            error = float(((batch - reconstruction) ** 2).mean())
        return {"free_energy_gap": loss.item(), "reconstruction_error": error}

    def state_dict(self) -> dict[str, Any]:
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "chains": self.chains,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        chains = state.get("chains")
        self.chains = None if chains is None else chains.to(self.model.device, self.model.dtype)


def tie_biases(model: BernoulliRBM) -> None:
    r"""Set :math:`a = -\tfrac12 W^\top \mathbf 1`, :math:`b = -\tfrac12 W \mathbf 1`, which
    makes :math:`p(v) = p(\mathbf 1 - v)` exactly (see :class:`CDConfig`)."""
    with torch.no_grad():
        model.visible_bias.copy_(-0.5 * model.weights.sum(0))
        model.hidden_bias.copy_(-0.5 * model.weights.sum(1))


def _tied_gradient(model: BernoulliRBM) -> None:
    r"""Chain rule through the tie: :math:`dL/dW_{ji} \mathrel{+}= -\tfrac12
    (\partial L/\partial a_i + \partial L/\partial b_j)`; the biases' own gradients
    are dropped (they follow W)."""
    a, b, w = model.visible_bias, model.hidden_bias, model.weights
    if w.grad is None or a.grad is None or b.grad is None:
        return
    with torch.no_grad():
        w.grad.add_(-0.5 * (a.grad[None, :] + b.grad[:, None]))
        a.grad.zero_()
        b.grad.zero_()


def train_rbm(
    model: BernoulliRBM,
    data: torch.Tensor,
    config: CDConfig,
    run: RunDirectory | None = None,
    evaluate: Callable[[BernoulliRBM, int], dict[str, Any]] | None = None,
    symmetries: torch.Tensor | None = None,
) -> TrainingHistory:
    """Train ``model`` on binary ``data`` ``(n, n_visible)`` by CD-k or PCD.

    Each epoch shuffles the data with the seeded generator and makes one update per
    minibatch; ``evaluate(model, epoch)`` (an NLL estimate, say) adds its figures to the
    epoch's record. With ``run``, each record is appended to ``log.jsonl`` and a checkpoint
    saved; a ``run`` opened with ``resume=True`` continues from its checkpoint.

    ``symmetries`` ``(G, n_visible)``, site permutations of a group under which the data's
    distribution is invariant (:func:`~qgen.datasets.ising.lattice_symmetries`), augments
    the data: each row of each minibatch is replaced by its image ``row[perms[g]]`` under a
    uniformly drawn group element g. The data then stand for a symmetric distribution with
    up to G times as many configurations, which narrows an RBM's generalization gap where
    more data is what it lacks (docs/ebm.md has the measurement).

    Raises:
        DataError: ``data`` is not a ``(batch, n_visible)`` tensor of 0s and 1s.
        EBMError: ``symmetries`` are not permutations of the visible units.
    """
    trainer = CDTrainer(model, config)
    x = check_binary_data(data, model.n_visible, name="training data")
    x = x.to(device=model.device, dtype=model.dtype)
    perms = (
        None if symmetries is None else _check_symmetries(symmetries, model.n_visible).to(x.device)
    )
    generator = torch.Generator(device=model.device).manual_seed(config.seed)
    first_epoch = 1
    records: list[dict[str, Any]] = []
    if run is not None and run.resume:
        saved = run.load_checkpoint()
        trainer.load_state_dict(saved["trainer"])
        generator.set_state(saved["generator"])
        first_epoch = int(saved["epoch"]) + 1
        run.truncate_log(lambda record: record.get("epoch", 0) < first_epoch)
        records = run.read_log()
    epochs = range(first_epoch, config.epochs + 1)
    progress = epoch_progress(epochs, config.progress)
    for epoch in progress:
        start = time.perf_counter()
        if config.cosine:
            factor = 0.5 * (1 + math.cos(math.pi * (epoch - 1) / config.epochs))
            for group in trainer.optimizer.param_groups:
                group["lr"] = factor * config.learning_rate
        order = torch.randperm(x.shape[0], generator=generator, device=x.device)
        sums: dict[str, float] = {}
        n_batches = 0
        for first in range(0, x.shape[0], config.batch_size):
            batch = x[order[first : first + config.batch_size]]
            if perms is not None:
                g = torch.randint(
                    perms.shape[0], (batch.shape[0],), generator=generator, device=x.device
                )
                batch = batch.gather(1, perms[g])
            try:
                losses = trainer.step(batch, generator)
            except RuntimeError as error:  # torch.bernoulli refuses NaN probabilities
                if _finite(model):
                    raise
                raise EBMError(_diverged(epoch)) from error
            for name, value in losses.items():
                sums[name] = sums.get(name, 0.0) + value
            n_batches += 1
        if not all(math.isfinite(value) for value in sums.values()) or not _finite(model):
            raise EBMError(_diverged(epoch))
        record: dict[str, Any] = {
            "epoch": epoch,
            **{name: total / n_batches for name, total in sums.items()},
            "learning_rate": trainer.optimizer.param_groups[0]["lr"],
            "train_seconds": time.perf_counter() - start,
        }
        if evaluate is not None:
            record.update(evaluate(model, epoch))
        records.append(record)
        if hasattr(progress, "set_postfix") and "nll" in record:
            progress.set_postfix(nll=f"{record['nll']:.3f}")
        if run is not None:
            run.append_log(record)
            run.save_checkpoint(
                {
                    "trainer": trainer.state_dict(),
                    "generator": generator.get_state(),
                    "epoch": epoch,
                }
            )
    return TrainingHistory(epochs_run=config.epochs if records else 0, records=records)


def _check_symmetries(symmetries: torch.Tensor, n_visible: int) -> torch.Tensor:
    if (
        not isinstance(symmetries, torch.Tensor)
        or symmetries.dim() != 2
        or symmetries.shape[1] != n_visible
        or symmetries.is_floating_point()
    ):
        got = (
            f"{tuple(symmetries.shape)} {symmetries.dtype}"
            if isinstance(symmetries, torch.Tensor)
            else type(symmetries).__name__
        )
        raise EBMError(f"expected symmetries as an integer tensor (G, {n_visible}), got {got}")
    perms = symmetries.long()
    expected = torch.arange(n_visible, device=perms.device)
    if not bool((perms.sort(dim=1).values == expected).all()):
        raise EBMError(f"expected each row of symmetries to be a permutation of 0..{n_visible - 1}")
    return perms


def _finite(model: BernoulliRBM) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in model.parameters())


def _diverged(epoch: int) -> str:
    return (
        f"training diverged at epoch {epoch} (non-finite parameters or losses); "
        "try a smaller learning rate"
    )
