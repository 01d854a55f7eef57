r"""Training a wave function on measurement data: epochs, early stopping, checkpoints.

:class:`TomographyTrainer` minimizes the negative log-likelihood of
:mod:`qgen.tomography.losses` by minibatch gradient steps of a ``torch.optim`` optimizer:

- ``method="exact"``: the exact gradient of
  :math:`\mathcal L = -\langle\log|\psi_b(\sigma)|^2\rangle_{batch} + \log Z`, with
  :math:`\log Z = 0` for autoregressive models (any ``N``) and by enumeration for RBMs
  (``N <= 20``; QuCumber-sized systems ``N <= 12`` take milliseconds);
- ``method="cd"`` (RBMs): the positive phase from the batch (rotated bases included, by
  autograd through :func:`~qgen.tomography.rotations.log_amplitudes`), the negative phase
  :math:`\partial\log Z \approx \langle -\partial F_\lambda(v)\rangle` over ``k``-step Gibbs
  chains started at the batch (CD-k) or carried over between steps (persistent CD), as in
  Torlai et al., Nat. Phys. 14, 447 (2018) and QuCumber (Beach et al., SciPost Phys. 7,
  009 (2019)).

Phases learned from rotated bases can be trapped: for a state with equal amplitudes on
two configurations (a W state's), every outcome seen in an X/Y basis has a relative phase
at which its probability vanishes, an infinite wall of the NLL, so a phase stays in the
quadrant where it started unless the two amplitudes part first.
``anneal_depolarization`` ε₀ and ``anneal_epochs`` K train epoch ``e < K`` on the
likelihood of the data read through a depolarizing channel of strength ε₀ (1 − e/K) on
the rotated sites
(:func:`~qgen.tomography.rotations.log_probabilities`), a tempered likelihood without
walls whose optimum moves continuously to the exact one at ε = 0. On 20-qubit W-state
data, maximum likelihood over the 40 amplitudes and phases (L-BFGS) from random phases
ended at fidelities 0.007–0.11 in five of six restarts, and at 0.985 in each of six with
ε annealed from 0.9 (``benchmarks/w_state_likelihood.py``).

Each epoch appends a record to the run's JSON-lines log: ``epoch`` (epochs completed),
``train_nll`` (mean over the epoch's batches, exact methods; of the depolarized
likelihood while annealing), ``validation_nll`` (exact, after the epoch; None for an RBM
too large to enumerate), ``fidelity`` with a target state (``N <= 20``),
``learning_rate``, ``depolarization`` (the ε of the epoch) and ``seconds``. With
validation data the model ends at the parameters of its lowest validation NLL, and with
``patience`` the run stops after that many epochs without a lower one
(:class:`~qgen.driver.EarlyStopping`). The trainer is a :class:`~qgen.driver.Driver`:
checkpoints hold the model, optimizer, random generator, persistent chains and the
early-stopping state, so a resumed run continues the same trajectory.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

from qgen.distributed import Ranks
from qgen.driver import Driver, EarlyStopping
from qgen.errors import TrainingError
from qgen.interop.states import as_state_array
from qgen.models.autoregressive import AutoregressiveModel
from qgen.tomography.estimators import fidelity
from qgen.tomography.losses import MAX_EXACT_SITES, exact_log_partition
from qgen.tomography.rotations import basis_codes, log_probabilities
from qgen.validation import require_float, require_int

__all__ = ["METHODS", "Measurements", "TomographyTrainer"]

METHODS = ("exact", "cd")
"""Gradient estimators: exact NLL, or contrastive divergence (RBMs)."""


class Measurements(Protocol):
    """What the trainer reads from a data set (``MeasurementData`` or the samples of
    :func:`qgen.exact.sample_measurements`)."""

    @property
    def outcomes(self) -> torch.Tensor: ...

    @property
    def bases(self) -> np.ndarray | None: ...


def _as_tensors(
    data: Measurements, name: str, n_sites: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Outcomes and basis codes, checked, on the model's ``device``."""
    outcomes = torch.as_tensor(data.outcomes)
    if outcomes.ndim != 2 or outcomes.shape[1] != n_sites or outcomes.shape[0] == 0:
        raise TrainingError(
            f"{name}: expected outcomes of shape (n > 0, {n_sites}), got {tuple(outcomes.shape)}"
        )
    if outcomes.is_floating_point() or outcomes.is_complex():
        raise TrainingError(f"{name}: expected integer outcomes, got dtype {outcomes.dtype}")
    if outcomes.min() < 0 or outcomes.max() > 1:
        raise TrainingError(f"{name}: expected outcomes 0 or 1")
    codes = basis_codes(getattr(data, "bases", None), outcomes.shape[0], n_sites)
    return outcomes.long().to(device), codes.to(device)


class TomographyTrainer(Driver):
    """Negative log-likelihood training of a wave function on measurements.

    Args:
        model: the wave function: an :class:`~qgen.models.AutoregressiveModel` (normalized)
            or an RBM wave function (:class:`~qgen.models.AmplitudePhaseRBM`),
            ``model(x)`` = :math:`\\log\\psi(x)`.
        train: training measurements (``.outcomes`` ``(n, N)`` 0/1, ``.bases`` letters or None).
        validation: held-out measurements for the validation NLL and early stopping, or None.
        optimizer: a ``torch.optim`` optimizer over the model's parameters.
        batch_size: samples per gradient step.
        method: ``"exact"`` or ``"cd"`` (RBMs only); default exact for autoregressive models
            and for RBMs of ``N <= 12``, else CD.
        cd_steps: Gibbs steps ``k`` per negative phase.
        persistent: keep the Gibbs chains between steps (PCD).
        n_chains: Gibbs chains of the negative phase (default ``batch_size``).
        patience: stop after this many epochs without a lower validation NLL (None: never).
        target_psi: the exact state vector, to log the fidelity (``N <= 20``).
        fidelity_every: epochs between fidelity evaluations.
        scheduler: an optional ``torch.optim.lr_scheduler``, stepped once per epoch.
        seed: seed of the generator that shuffles batches and runs the chains.
        ranks: the processes of a data-parallel run (see :class:`~qgen.driver.Driver`):
            every rank takes its shard of each of rank 0's batches, and the gradients are
            summed over the ranks.
    """

    counter = "epoch"
    first_count = 1
    finite_keys = ("train_nll", "validation_nll")
    unit = "epoch"
    distributable = True

    def __init__(
        self,
        model: nn.Module,
        train: Measurements,
        validation: Measurements | None,
        optimizer: torch.optim.Optimizer,
        *,
        batch_size: int = 100,
        method: str | None = None,
        cd_steps: int = 10,
        persistent: bool = False,
        n_chains: int | None = None,
        patience: int | None = None,
        target_psi: np.ndarray | None = None,
        fidelity_every: int = 1,
        scheduler: Any = None,
        anneal_depolarization: float = 0.0,
        anneal_epochs: int = 0,
        seed: int = 0,
        ranks: Ranks | None = None,
    ) -> None:
        n_sites = getattr(model, "n_sites", None)
        if not isinstance(n_sites, int):
            raise TrainingError(f"expected a model with an integer n_sites, got {n_sites!r}")
        self.n_sites = n_sites
        self.normalized = isinstance(model, AutoregressiveModel)
        self._enumerable = self.normalized or bool(
            getattr(model, "exact_partition_available", n_sites <= MAX_EXACT_SITES)
        )
        if method is None:
            method = "exact" if self.normalized or n_sites <= 12 else "cd"
        if method not in METHODS:
            raise TrainingError(f"expected a method in {METHODS}, got {method!r}")
        if method == "cd" and not hasattr(model, "sample_chains"):
            raise TrainingError(
                f"contrastive divergence needs an RBM wave function with Gibbs chains, "
                f"got {type(model).__name__}"
            )
        if method == "exact" and not self._enumerable:
            raise TrainingError(
                f"exact gradients of an unnormalized model enumerate 2^N configurations "
                f"(or 2^M hidden states): expected N <= {MAX_EXACT_SITES}, got N = {n_sites}; "
                "use method='cd'"
            )
        require_int(batch_size, "batch_size", minimum=1, error=TrainingError)
        require_int(cd_steps, "cd_steps", minimum=1, error=TrainingError)
        if patience is not None and validation is None:
            raise TrainingError("early stopping (patience) needs validation data, got none")
        require_int(fidelity_every, "fidelity_every", minimum=1, error=TrainingError)
        require_float(
            anneal_depolarization,
            "anneal_depolarization",
            minimum=0.0,
            maximum=1.0,
            error=TrainingError,
        )
        require_int(anneal_epochs, "anneal_epochs", minimum=0, error=TrainingError)
        if anneal_depolarization > 0 and anneal_epochs == 0:
            raise TrainingError("an initial depolarization needs anneal_epochs > 0 to decay over")
        stopping = None
        if validation is not None:
            stopping = EarlyStopping("validation_nll", patience=patience)
        super().__init__(
            model,
            [optimizer],
            seed=seed,
            schedulers=() if scheduler is None else [scheduler],
            early_stopping=stopping,
            ranks=ranks,
        )
        self.optimizer = optimizer
        device = self.device
        self.train_outcomes, self.train_codes = _as_tensors(train, "training data", n_sites, device)
        self.validation: tuple[torch.Tensor, torch.Tensor] | None = None
        if validation is not None:
            self.validation = _as_tensors(validation, "validation data", n_sites, device)
        self.batch_size = batch_size
        self.method = method
        self.cd_steps = cd_steps
        self.persistent = persistent
        self.n_chains = n_chains or batch_size
        self.patience = patience
        self.target_psi = (
            None
            if target_psi is None
            else np.asarray(as_state_array(target_psi, TrainingError), np.complex128)
        )
        if self.target_psi is not None and self.target_psi.shape != (1 << n_sites,):
            raise TrainingError(
                f"expected a target state of length 2^{n_sites} = {1 << n_sites}, "
                f"got shape {self.target_psi.shape}"
            )
        self.fidelity_every = fidelity_every
        self.anneal_depolarization = anneal_depolarization
        self.anneal_epochs = anneal_epochs
        self.chains: torch.Tensor | None = None

    @property
    def epoch(self) -> int:
        """Epochs completed."""
        return self.steps

    # --- losses -----------------------------------------------------------------------------

    def _log_partition(self) -> torch.Tensor | float:
        if self.normalized:
            return 0.0
        exact = getattr(self.model, "exact_log_partition", None)
        if callable(exact):
            return exact()
        return exact_log_partition(self.model, self.n_sites)

    def _negative_phase(self, batch: torch.Tensor) -> torch.Tensor:
        r"""Mean of :math:`2\,\mathrm{Re}\log\psi = -F_\lambda` over Gibbs samples (no grad
        through the samples): its gradient estimates :math:`\partial\log Z`."""
        if self.persistent:
            if self.chains is None:
                self.chains = torch.randint(
                    0,
                    2,
                    (self.n_chains, self.n_sites),
                    generator=self.generator,
                    device=self.device,
                )
            initial = self.chains
        else:
            pick = torch.randint(
                0, batch.shape[0], (self.n_chains,), generator=self.generator, device=self.device
            )
            initial = batch[pick]
        samples = self.model.sample_chains(  # type: ignore[operator]
            initial, n_steps=self.cd_steps, generator=self.generator
        )
        if self.persistent:
            self.chains = samples
        return 2.0 * self.model(samples).real.mean()

    @property
    def depolarization(self) -> float:
        r"""The depolarization :math:`\varepsilon` of the epoch being trained: the initial
        ``anneal_depolarization`` decreasing linearly to 0 over ``anneal_epochs``.

        Linear, because the phases choose their basin while ε passes through the middle of
        its range, which a linear schedule crosses slowly: on 6-qubit W states (five
        random-phase states, 12 epochs, 6 of them annealed from 0.9) it ended at fidelities
        0.98–0.997, a quadratic schedule ε₀(1 − e/K)² at 0.92–0.995 and a geometric one
        ε₀·10^(−3e/K) at 0.87–0.99."""
        if self.epoch >= self.anneal_epochs:
            return 0.0
        return self.anneal_depolarization * (1.0 - self.epoch / self.anneal_epochs)

    def batch_loss(
        self, outcomes: torch.Tensor, codes: torch.Tensor
    ) -> tuple[torch.Tensor, float | None]:
        """The surrogate loss of one batch (its gradient is the method's) and, for the exact
        methods, its value: the batch NLL (of the depolarized likelihood while annealing)."""
        data_term = -log_probabilities(
            self.model, outcomes, codes, depolarization=self.depolarization
        ).mean()
        if self.method == "cd":
            return data_term + self._negative_phase(outcomes), None
        loss = data_term + self._log_partition()
        return loss, float(loss.detach())

    @torch.no_grad()
    def nll(self, outcomes: torch.Tensor, codes: torch.Tensor) -> float | None:
        """Exact mean NLL of measurements (None for an RBM too large to enumerate)."""
        if not self._enumerable:
            return None
        values = torch.cat(
            [
                log_probabilities(self.model, part_x, part_b)
                for part_x, part_b in zip(outcomes.split(8192), codes.split(8192), strict=True)
            ]
        )
        return float(-values.to(torch.float64).mean() + float(self._log_partition()))

    def fidelity(self) -> float | None:
        """Exact fidelity with the target state, or None without one (or for ``N > 20``)."""
        if self.target_psi is None or self.n_sites > MAX_EXACT_SITES:
            return None
        with torch.no_grad():
            return fidelity(self.model, self.target_psi, method="exact").mean

    # --- one epoch ----------------------------------------------------------------------------

    def step(self) -> dict[str, Any]:
        """One pass over the shuffled training data; returns the epoch's record."""
        self.model.train()
        depolarization = self.depolarization
        n = self.train_outcomes.shape[0]
        order = torch.randperm(n, generator=self.generator, device=self.device)
        # Data parallel: every rank walks rank 0's batches and takes its shard of each;
        # the shard's loss weighted by its share of the batch, summed over the ranks, is
        # the batch's (Σ_r (n_r/n) ∇ mean_r = ∇ mean).
        order = self.ranks.broadcast(order)
        batch_nlls: list[float] = []
        for rows in order.split(self.batch_size):
            mine, share = self._shard(rows)
            loss, value = self.batch_loss(self.train_outcomes[mine], self.train_codes[mine])
            self.optimizer.zero_grad(set_to_none=True)
            (loss * share if self.ranks.distributed else loss).backward()
            for parameter in self.model.parameters():
                if parameter.grad is not None:
                    self.ranks.sum_(parameter.grad)
            self.optimizer.step()
            if value is not None:
                batch_nlls.append(value * rows.numel() * share)
        train_nll = self.ranks.sum_float(sum(batch_nlls)) / n if batch_nlls else None
        record: dict[str, Any] = {"train_nll": train_nll}
        self.model.eval()
        if self.validation is not None:
            record["validation_nll"] = self.nll(*self.validation)
        if self.target_psi is not None and (self.steps + 1) % self.fidelity_every == 0:
            record["fidelity"] = self.fidelity()
        record["depolarization"] = depolarization
        return record

    def _shard(self, rows: torch.Tensor) -> tuple[torch.Tensor, float]:
        """This rank's rows of a batch and their share of it (a batch with fewer rows than
        ranks is taken whole by each, at a share of 1/P)."""
        size = self.ranks.world_size
        if size == 1:
            return rows, 1.0
        if rows.numel() < size:
            return rows, 1.0 / size
        mine = rows[self.ranks.rank :: size]
        return mine, mine.numel() / rows.numel()

    # --- state ----------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The driver's state with the persistent Gibbs chains."""
        return {**super().state_dict(), "chains": self.chains}

    def _load_state(self, state: Mapping[str, Any]) -> None:
        super()._load_state(state)
        self.chains = state["chains"]

    def postfix(self, record: dict[str, Any]) -> str:
        parts = []
        for key, label in (("validation_nll", "val NLL"), ("train_nll", "NLL"), ("fidelity", "F")):
            value = record.get(key)
            if value is not None:
                parts.append(f"{label}={value:.4f}")
        return " ".join(parts)
