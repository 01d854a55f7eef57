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

:class:`ContrastiveDivergence` is a :class:`~qgen.driver.Driver` whose step is an epoch
of shuffled minibatches drawn with its seeded generator; the driver's ``run`` logs one
JSON line per epoch and checkpoints the model, optimizer, generator and persistent
chains, from which a killed run resumes exactly.

References:
    Hinton, Neural Computation 14, 1771 (2002);
    Tieleman, *Training restricted Boltzmann machines using approximations to the
    likelihood gradient*, ICML 2008.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from qgen.datasets.base import check_binary_data
from qgen.driver import Driver
from qgen.errors import TrainingError
from qgen.models.bernoulli_rbm import BernoulliRBM
from qgen.validation import require_choice, require_int

__all__ = ["METHODS", "ContrastiveDivergence", "tie_biases"]

METHODS = ("cd", "pcd")
"""CD-k (chains started at the data) and persistent CD (chains kept across updates)."""


class ContrastiveDivergence(Driver):
    r"""Train a :class:`~qgen.models.bernoulli_rbm.BernoulliRBM` on binary ``data`` by
    CD-k or persistent CD; one step is one epoch.

    Args:
        model: the RBM.
        data: training configurations ``(n, n_visible)`` of 0s and 1s.
        optimizer: a ``torch.optim`` optimizer over the RBM's parameters.
        method: ``"cd"`` or ``"pcd"``.
        k: Gibbs steps per update.
        batch_size: configurations per update.
        persistent_chains: PCD chains (default: ``batch_size``).
        symmetric: impose the spin-flip symmetry :math:`p(v) = p(\mathbf 1 - v)` of a
            model without field (the Ising model's :math:`\mathbb Z_2`) by tying the
            biases to the weights, :math:`a = -\tfrac12 W^\top \mathbf 1` and
            :math:`b = -\tfrac12 W \mathbf 1` (then :math:`F(\mathbf 1 - v) = F(v)`: the
            ±1 RBM without biases, in 0/1 units), following the gradient through the tie.
        symmetries: ``(G, n_visible)`` site permutations of a group under which the data's
            distribution is invariant (:func:`~qgen.datasets.ising.lattice_symmetries`):
            each row of each minibatch is replaced by its image ``row[perms[g]]`` under a
            uniformly drawn element g, so that the data stand for a symmetric distribution
            with up to G times as many configurations (docs/ebm.md has the measurement).
        evaluate: ``evaluate(model, epoch)`` adds its figures (an NLL estimate, say) to
            the epoch's record.
        scheduler: an optional learning-rate scheduler, stepped once per epoch.
        seed: seed of the generator that shuffles, augments and runs the chains.

    Raises:
        DataError: ``data`` is not a ``(batch, n_visible)`` tensor of 0s and 1s.
        TrainingError: a model other than a Bernoulli RBM, bad settings, or
            ``symmetries`` that are not permutations of the visible units.

    Example:
        >>> rbm = BernoulliRBM(6, 3, generator=torch.Generator().manual_seed(0))
        >>> data = torch.randint(0, 2, (10, 6), generator=torch.Generator().manual_seed(1))
        >>> driver = ContrastiveDivergence(rbm, data, torch.optim.SGD(rbm.parameters(), 0.01))
        >>> sorted(driver.update(data[:5]))
        ['free_energy_gap', 'reconstruction_error']
    """

    model: BernoulliRBM
    counter = "epoch"
    first_count = 1
    finite_keys = ("free_energy_gap", "reconstruction_error")
    unit = "epoch"

    def __init__(
        self,
        model: BernoulliRBM,
        data: torch.Tensor,
        optimizer: torch.optim.Optimizer,
        *,
        method: str = "cd",
        k: int = 1,
        batch_size: int = 100,
        persistent_chains: int | None = None,
        symmetric: bool = False,
        symmetries: torch.Tensor | None = None,
        evaluate: Callable[[BernoulliRBM, int], dict[str, Any]] | None = None,
        scheduler: Any = None,
        seed: int = 0,
    ) -> None:
        if not isinstance(model, BernoulliRBM):
            raise TrainingError(f"expected a BernoulliRBM, got {type(model).__name__}")
        self.method = require_choice(method, "method", METHODS, error=TrainingError)
        self.k = require_int(k, "k (Gibbs steps of CD-k)", minimum=1, error=TrainingError)
        self.batch_size = require_int(batch_size, "batch_size", minimum=1, error=TrainingError)
        if persistent_chains is not None:
            require_int(persistent_chains, "persistent_chains", minimum=1, error=TrainingError)
        self.persistent_chains = persistent_chains or batch_size
        super().__init__(
            model, [optimizer], seed=seed, schedulers=() if scheduler is None else [scheduler]
        )
        self.data = check_binary_data(data, model.n_visible, name="training data").to(
            device=model.device, dtype=model.dtype
        )
        self.perms = (
            None
            if symmetries is None
            else _check_symmetries(symmetries, model.n_visible).to(self.data.device)
        )
        self.optimizer = optimizer
        self.symmetric = symmetric
        self.evaluate = evaluate
        self.chains: torch.Tensor | None = None
        if symmetric:
            tie_biases(model)

    def negative_samples(self, batch: torch.Tensor) -> torch.Tensor:
        """The chain samples of this update: k Gibbs steps from the batch (CD) or from the
        persistent chains (PCD, started from uniform bits on first use)."""
        model, generator = self.model, self.generator
        if self.method == "cd":
            return model.sample(batch.shape[0], generator, n_steps=self.k, initial=batch)
        if self.chains is None:
            self.chains = model.sample(self.persistent_chains, generator, n_steps=0)
        self.chains = model.sample(
            self.chains.shape[0], generator, n_steps=self.k, initial=self.chains
        )
        return self.chains

    def update(self, batch: torch.Tensor) -> dict[str, float]:
        r"""One update on a minibatch; returns the free-energy gap :math:`L` and the mean
        squared one-step reconstruction error :math:`\overline{(v - p(v \mid h(v)))^2}`."""
        model = self.model
        batch = batch.to(device=model.device, dtype=model.dtype)
        negative = self.negative_samples(batch)
        self.optimizer.zero_grad()
        loss = model.free_energy(batch).mean() - model.free_energy(negative).mean()
        loss.backward()
        if self.symmetric:
            _tied_gradient(model)
        self.optimizer.step()
        if self.symmetric:
            tie_biases(model)
        with torch.no_grad():
            reconstruction = model.visible_probabilities(model.hidden_probabilities(batch).round())
            error = float(((batch - reconstruction) ** 2).mean())
        return {"free_energy_gap": loss.item(), "reconstruction_error": error}

    def step(self) -> dict[str, Any]:
        """One epoch of shuffled (and, with ``symmetries``, augmented) minibatches."""
        x, generator = self.data, self.generator
        order = torch.randperm(x.shape[0], generator=generator, device=x.device)
        sums: dict[str, float] = {}
        n_batches = 0
        for rows in order.split(self.batch_size):
            batch = x[rows]
            if self.perms is not None:
                g = torch.randint(
                    self.perms.shape[0], (batch.shape[0],), generator=generator, device=x.device
                )
                batch = batch.gather(1, self.perms[g])
            for name, value in self.update(batch).items():
                sums[name] = sums.get(name, 0.0) + value
            n_batches += 1
        record: dict[str, Any] = {name: total / n_batches for name, total in sums.items()}
        if self.evaluate is not None:
            record.update(self.evaluate(self.model, self.steps + 1))
        return record

    def state_dict(self) -> dict[str, Any]:
        """The driver's state with the persistent chains."""
        return {**super().state_dict(), "chains": self.chains}

    def _load_state(self, state: Mapping[str, Any]) -> None:
        super()._load_state(state)
        chains = state["chains"]
        self.chains = None if chains is None else chains.to(self.model.device, self.model.dtype)


def tie_biases(model: BernoulliRBM) -> None:
    r"""Set :math:`a = -\tfrac12 W^\top \mathbf 1`, :math:`b = -\tfrac12 W \mathbf 1`, which
    makes :math:`p(v) = p(\mathbf 1 - v)` exactly (see :class:`ContrastiveDivergence`)."""
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
        raise TrainingError(f"expected symmetries as an integer tensor (G, {n_visible}), got {got}")
    perms = symmetries.long()
    expected = torch.arange(n_visible, device=perms.device)
    if not bool((perms.sort(dim=1).values == expected).all()):
        raise TrainingError(
            f"expected each row of symmetries to be a permutation of 0..{n_visible - 1}"
        )
    return perms
