r"""Mixed-state tomography with a generative model of POVM outcomes.

An autoregressive model (Transformer, RNN or MADE with local dimension ``K``) learns the
outcome distribution :math:`P(\mathbf a)` of a product POVM by maximum likelihood; the
state it stands for is

.. math:: \rho_{model} = \sum_{\mathbf a} P(\mathbf a) \otimes_k Q_{a_k},

Hermitian and of unit trace but not always positive (Carrasquilla, Torlai, Melko, Aolita,
Nat. Mach. Intell. 1, 155 (2019); Cha et al., Mach. Learn.: Sci. Technol. 3, 01LT01
(2022)). :func:`model_density_matrix` builds it by enumeration (``N <= 8``) and
:func:`~qgen.exact.density.closest_physical` makes it a state. Observables need no
enumeration: for a Pauli string :math:`\langle\otimes_k\sigma_k\rangle = \mathbb E_{\mathbf
a\sim P}\prod_k \mathrm{Tr}(\sigma_k Q_{a_k})`, estimated from model samples at any ``N``
with its error bar (:func:`pauli_expectation`). The classical fidelity with a known
distribution is the Bhattacharyya coefficient :math:`F_c = \sum_{\mathbf a}
\sqrt{P(\mathbf a)\,P_{target}(\mathbf a)}` of Carrasquilla et al.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from qgen.driver import Driver, initial_parameters, model_device
from qgen.errors import DataError, TrainingError
from qgen.estimators.statistics import mean_and_error
from qgen.exact.density import closest_physical, quantum_fidelity
from qgen.exact.povm import PAULI_MATRICES, POVM, POVMS, operator_sum, single_site_values
from qgen.models.autoregressive import AutoregressiveModel
from qgen.models.made import MADE
from qgen.models.rnn import RNN
from qgen.models.transformer import Transformer
from qgen.tomography.povm_data import POVMData
from qgen.tomography.selection import SignificantEarlyStopping
from qgen.validation import require_int

__all__ = [
    "MAX_ENUMERATED_SITES",
    "POVM_MODELS",
    "POVMTrainer",
    "build_povm_model",
    "classical_fidelity",
    "classical_fidelity_monte_carlo",
    "likelihood_projection",
    "model_density_matrix",
    "model_probabilities",
    "pauli_expectation",
    "pauli_expectation_of_model",
]

MAX_ENUMERATED_SITES = 8
"""Largest ``N`` whose ``K^N`` outcomes are enumerated for ρ and the exact fidelities."""

POVM_MODELS = {"transformer": Transformer, "rnn": RNN, "made": MADE}
"""Outcome models of mixed-state tomography."""


def build_povm_model(
    name: str,
    n_sites: int,
    povm: str,
    *,
    hidden: int | None = None,
    layers: int | None = None,
    heads: int = 4,
    seed: int = 0,
) -> AutoregressiveModel:
    """An outcome model of local dimension ``K`` of ``povm``, its parameters drawn from
    ``seed`` (the global random state untouched)."""
    if name not in POVM_MODELS:
        raise DataError(f"model: expected one of {', '.join(POVM_MODELS)}, got {name!r}")
    options: dict[str, Any] = {"local_dim": POVMS[povm].size}
    if layers is not None:
        options["layers"] = layers
    if name == "transformer":
        options.update(width=hidden or 32, heads=heads)
    elif hidden is not None or name == "rnn":
        options["hidden"] = hidden or 32
    with initial_parameters(seed):
        return POVM_MODELS[name](n_sites, **options)


def _every_outcome(n_sites: int, size: int, device: torch.device | None = None) -> torch.Tensor:
    if n_sites > MAX_ENUMERATED_SITES:
        raise DataError(
            f"enumerating the {size}^N outcomes: expected N <= {MAX_ENUMERATED_SITES}, "
            f"got N = {n_sites}"
        )
    index = torch.arange(size**n_sites, device=device)
    powers = size ** torch.arange(n_sites - 1, -1, -1, device=device)
    return (index[:, None] // powers) % size


@torch.no_grad()
def model_probabilities(model: AutoregressiveModel) -> np.ndarray:
    """:math:`P(\\mathbf a)` of all ``K^N`` outcomes (site 0 the most significant digit)."""
    outcomes = _every_outcome(model.n_sites, model.local_dim, model_device(model))
    log_p = torch.cat([model.log_prob(part) for part in outcomes.split(65536)])
    probabilities = log_p.double().exp().cpu().numpy()
    return probabilities / probabilities.sum()


def model_density_matrix(model: AutoregressiveModel, povm: POVM) -> np.ndarray:
    r""":math:`\rho_{model} = \sum_{\mathbf a} P(\mathbf a)\otimes_k Q_{a_k}` (``N <= 8``):
    Hermitian, unit trace, possibly with negative eigenvalues."""
    if model.local_dim != povm.size:
        raise DataError(f"a model of {model.local_dim} outcomes per site cannot read {povm}")
    rho = operator_sum(model_probabilities(model), povm.duals)
    return 0.5 * (rho + rho.conj().T)


def pauli_expectation(samples: torch.Tensor, povm: POVM, pauli: str) -> dict[str, float]:
    r"""``{"value", "error"}`` of :math:`\langle\otimes_k\sigma_k\rangle` from outcome
    samples: the mean of :math:`\prod_k \mathrm{Tr}(\sigma_k Q_{a_k})` and its standard
    error. ``pauli`` is one letter I/X/Y/Z per site."""
    outcomes = torch.as_tensor(samples).long()
    if len(pauli) != outcomes.shape[1] or set(pauli) - set(PAULI_MATRICES):
        raise DataError(
            f"pauli: expected {outcomes.shape[1]} letters from I, X, Y, Z, got {pauli!r}"
        )
    values = torch.ones(outcomes.shape[0], dtype=torch.float64, device=outcomes.device)
    for site, letter in enumerate(pauli):
        if letter != "I":
            factor = torch.from_numpy(single_site_values(povm, PAULI_MATRICES[letter]).real)
            factor = factor.to(outcomes.device)
            values = values * factor[outcomes[:, site]]
    return mean_and_error(values)


@torch.no_grad()
def pauli_expectation_of_model(
    model: AutoregressiveModel,
    povm: POVM,
    pauli: str,
    n_samples: int,
    generator: torch.Generator,
) -> dict[str, float]:
    r"""``{"value", "error"}`` of :math:`\langle\otimes_k\sigma_k\rangle` by sequential
    importance sampling of the model: site ``k``'s outcome is drawn from
    :math:`q_k(a) \propto P(a\,|\,a_{<k})\,|t_k(a)|` with :math:`t_k(a) =
    \mathrm{Tr}(\sigma_k Q_a)`, and each sample weighs :math:`\prod_k \mathrm{sign}\,
    t_k(a_k) \sum_a P(a\,|\,a_{<k})|t_k(a)|`, an unbiased estimate of
    :math:`\sum_{\mathbf a}P(\mathbf a)\prod_k t_k(a_k)`. For Pauli-6 this draws only
    outcomes in the measured basis of each non-identity site, so the weights are
    :math:`\prod_k 3 P(b_k\,|\,a_{<k}) \approx 1` where plain sampling
    (:func:`pauli_expectation`) averages values :math:`\pm 3^{|S|}` seen once in
    :math:`3^{|S|}` samples: the variance no longer grows exponentially with the
    support ``|S|`` of the string."""
    require_int(n_samples, "n_samples", minimum=2, error=DataError)
    n_sites = model.n_sites
    if len(pauli) != n_sites or set(pauli) - set(PAULI_MATRICES):
        raise DataError(f"pauli: expected {n_sites} letters from I, X, Y, Z, got {pauli!r:.80}")
    if model.n_tokens != n_sites:
        raise DataError("the sequential estimator reads models of one site per token")
    device = model_device(model)
    values = {
        letter: torch.from_numpy(single_site_values(povm, PAULI_MATRICES[letter]).real).to(device)
        for letter in set(pauli)
    }
    outcomes = torch.zeros(n_samples, n_sites, dtype=torch.long, device=device)
    log_weight = torch.zeros(n_samples, dtype=torch.float64, device=device)
    sign = torch.ones(n_samples, dtype=torch.float64, device=device)
    order = [int(site) for site in model.order]
    for k, site in enumerate(order):
        conditional = model.log_conditionals(outcomes)[:, k].double().exp()
        traces = values[pauli[site]]
        proposal = conditional * traces.abs()
        total = proposal.sum(-1)
        choice = torch.multinomial(proposal / total[:, None], 1, generator=generator)[:, 0]
        outcomes[:, site] = choice
        log_weight += total.log()
        sign *= torch.sign(traces[choice])
    return mean_and_error(sign * log_weight.exp())


def classical_fidelity(model: AutoregressiveModel, target: np.ndarray) -> float:
    r""":math:`F_c = \sum_{\mathbf a}\sqrt{P(\mathbf a) P_{target}(\mathbf a)}` by
    enumeration, for a target distribution over all ``K^N`` outcomes."""
    return float(np.sqrt(model_probabilities(model) * np.asarray(target)).sum())


@torch.no_grad()
def classical_fidelity_monte_carlo(
    model: AutoregressiveModel,
    target_log_prob: Callable[[torch.Tensor], torch.Tensor],
    n_samples: int,
    generator: torch.Generator,
) -> dict[str, float]:
    r"""``{"value", "error"}`` of :math:`F_c = \mathbb E_{\mathbf a\sim P}
    \sqrt{P_{target}(\mathbf a)/P(\mathbf a)}` from ``n_samples`` model samples, at any
    ``N``; ``target_log_prob`` gives :math:`\log P_{target}` of outcome rows (for GHZ with
    local noise, :meth:`~qgen.exact.product_sum.ProductSum.log_probabilities`)."""
    require_int(n_samples, "n_samples", minimum=2, error=DataError)
    samples = model.sample(n_samples, generator)
    log_ratio = target_log_prob(samples).double() - model.log_prob(samples).double()
    return mean_and_error((0.5 * log_ratio).exp())


def likelihood_projection(model: AutoregressiveModel, povm: POVM) -> np.ndarray:
    r"""The density matrix whose outcome distribution is closest to the model's in
    relative entropy, :math:`\arg\max_{\rho\ge0}\sum_{\mathbf a}P(\mathbf a)\log
    \mathrm{Tr}(\rho M_{\mathbf a})` (the maximum-likelihood fit of
    :func:`~qgen.tomography.baselines.fit_likelihood` to the model's distribution,
    ``N <= 7``): a physical output that, unlike the 2-norm projection, weighs each
    outcome by how well it is known."""
    from qgen.tomography.baselines import MAX_BASELINE_SITES, fit_likelihood

    if model.n_sites > MAX_BASELINE_SITES:
        raise DataError(
            f"the likelihood projection: expected N <= {MAX_BASELINE_SITES}, got {model.n_sites}"
        )
    return fit_likelihood(model_probabilities(model), povm, model.n_sites).rho


class POVMTrainer(Driver):
    """Negative log-likelihood training of an outcome model on POVM data.

    Each epoch's record: ``train_nll`` (mean over its batches), ``validation_nll`` and
    ``validation_loss_significance`` (with validation data: how many paired standard
    errors it lies above the best epoch's; ``patience`` epochs in a row more than 2 above
    stop the run and restore the best epoch, and a run whose last epoch is more than 2
    above ends at the best, :class:`~qgen.tomography.selection.SignificantEarlyStopping`;
    otherwise the last epoch is kept) and, every ``fidelity_every``
    epochs, with a ``target`` distribution of all ``K^N`` outcomes the
    ``classical_fidelity``, with a ``target_rho`` the ``fidelity`` of the model's state
    after the 2-norm projection.
    """

    counter = "epoch"
    first_count = 1
    finite_keys = ("train_nll", "validation_nll")
    unit = "epoch"

    def __init__(
        self,
        model: AutoregressiveModel,
        train: POVMData,
        validation: POVMData | None,
        optimizer: torch.optim.Optimizer,
        *,
        batch_size: int = 100,
        patience: int | None = None,
        target: np.ndarray | None = None,
        target_rho: np.ndarray | None = None,
        fidelity_every: int = 1,
        scheduler: Any = None,
        seed: int = 0,
    ) -> None:
        if not isinstance(model, AutoregressiveModel):
            raise TrainingError(f"expected an autoregressive model, got {type(model).__name__}")
        if model.local_dim != train.measurement.size or model.n_sites != train.n_sites:
            raise TrainingError(
                f"the model has {model.n_sites} sites of {model.local_dim} outcomes; the data "
                f"{train.n_sites} sites of {train.measurement.size} ({train.povm})"
            )
        require_int(batch_size, "batch_size", minimum=1, error=TrainingError)
        require_int(fidelity_every, "fidelity_every", minimum=1, error=TrainingError)
        if patience is not None and validation is None:
            raise TrainingError("early stopping (patience) needs validation data, got none")
        stopping = None
        if validation is not None:
            stopping = SignificantEarlyStopping("validation_nll", patience=patience)
        super().__init__(
            model,
            [optimizer],
            seed=seed,
            schedulers=() if scheduler is None else [scheduler],
            early_stopping=stopping,
        )
        self.optimizer = optimizer
        self.train_outcomes = train.outcomes.to(self.device)
        self.validation = None if validation is None else validation.outcomes.to(self.device)
        self.povm = train.measurement
        self.batch_size = batch_size
        self.target = target
        self.target_rho = target_rho
        self.fidelity_every = fidelity_every

    @torch.no_grad()
    def log_likelihoods(self, outcomes: torch.Tensor) -> torch.Tensor:
        """:math:`\\log P(\\mathbf a)` of every row of ``outcomes`` (float64)."""
        model: Any = self.model
        return torch.cat([model.log_prob(part) for part in outcomes.split(16384)]).double()

    def nll(self, outcomes: torch.Tensor) -> float:
        """Mean negative log-likelihood of ``outcomes`` (float64)."""
        return float(-self.log_likelihoods(outcomes).mean())

    def step(self) -> dict[str, Any]:
        """One pass over the shuffled training outcomes; returns the epoch's record."""
        model: Any = self.model
        model.train()
        n = self.train_outcomes.shape[0]
        order = torch.randperm(n, generator=self.generator, device=self.device)
        total = 0.0
        for rows in order.split(self.batch_size):
            loss = -model.log_prob(self.train_outcomes[rows]).mean()
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            total += float(loss.detach()) * rows.numel()
        model.eval()
        record: dict[str, Any] = {"train_nll": total / n}
        if self.validation is not None:
            held_out = self.log_likelihoods(self.validation)
            record["validation_nll"] = float(-held_out.mean())
            if isinstance(self.early_stopping, SignificantEarlyStopping):
                self.early_stopping.observe(held_out)
                record["validation_loss_significance"] = self.early_stopping.significance()
        if (self.steps + 1) % self.fidelity_every == 0:
            if self.target is not None:
                record["classical_fidelity"] = classical_fidelity(model, self.target)
            if self.target_rho is not None:
                rho = closest_physical(model_density_matrix(model, self.povm))
                record["fidelity"] = quantum_fidelity(rho, self.target_rho)
        return record

    def postfix(self, record: dict[str, Any]) -> str:
        parts = [f"NLL={record['train_nll']:.4f}"]
        if record.get("validation_nll") is not None:
            parts.append(f"val={record['validation_nll']:.4f}")
        if record.get("classical_fidelity") is not None:
            parts.append(f"Fc={record['classical_fidelity']:.4f}")
        return " ".join(parts)
