r"""The variational Monte Carlo driver.

Each iteration draws ``n`` samples ``x ~ |ψ_θ|²``, computes the local energies
``E_loc(x) = (Hψ)(x)/ψ(x)`` and moves ``θ`` along the energy gradient

.. math::  \partial_{\theta_k} E = 2\,\mathrm{Re}\,\big\langle (O_k - \langle O_k\rangle)^*
           (E_{loc} - \langle E_{loc}\rangle)\big\rangle,\qquad
           O_k = \partial_{\theta_k}\log\psi,

either through autograd on the surrogate loss
``L = 2 Re mean[ log ψ(x)^* · (E_loc − Ē)_detached ]`` (for any ``torch.optim``
optimizer) or preconditioned by stochastic reconfiguration (:class:`~qgen.vmc.sr.SR`).

With a temperature schedule ``T(t)`` the driver minimizes the variational free energy
``F = E − T S`` with ``S = −⟨log |ψ|²⟩`` (variational annealing: Hibat-Allah, Inack,
Wiersema, Melko, Carrasquilla, Nat. Mach. Intell. 3, 952 (2021)): the local energy in
the gradient becomes ``E_loc + T log |ψ(x)|²``.

The record of iteration ``t`` describes the parameters *before* its update (as NetKet
does). :class:`VMC` is a :class:`~qgen.driver.Driver`: its ``run`` logs JSON lines,
checkpoints atomically, resumes on the same trajectory, and stops with
:class:`~qgen.errors.NonFiniteError` on a NaN or infinite energy, leaving the last
checkpoint intact.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import nn

from qgen.distributed import Ranks
from qgen.driver import Driver, rank_seed, seed_for
from qgen.errors import NonFiniteError, TrainingError
from qgen.estimators.local_values import DEFAULT_CHUNK_SIZE, local_values
from qgen.estimators.statistics import Stats, statistics, v_score
from qgen.hilbert import distinct_rows
from qgen.operators.pauli import PauliSum
from qgen.sampling.samplers import Sampler
from qgen.validation import require_float, require_int
from qgen.vmc.sr import SR

__all__ = ["VMC", "SignProblemWarning", "clip_local_energies", "surrogate_loss"]


def surrogate_loss(
    log_psi: torch.Tensor,
    local_values: torch.Tensor,
    sample_rows: torch.Tensor | None = None,
    *,
    mean: torch.Tensor | None = None,
    n_total: int | None = None,
) -> torch.Tensor:
    r"""A loss whose gradient is the energy gradient of a normalized or unnormalized ψ,

    .. math::  \partial_k E = 2\,\mathrm{Re}\,\big\langle \partial_k\log\psi^*(x)\,
               (E_{loc}(x) - \langle E_{loc}\rangle)\big\rangle

    (Becca & Sorella 2017, ch. 6), through autograd on ``log_psi`` with the local values
    held fixed. With ``sample_rows``, ``log_psi`` has one entry per distinct sample and
    sample ``s`` is entry ``sample_rows[s]``: each entry's residuals are summed. In a
    multi-process run ``mean`` is ``⟨E_loc⟩`` over every rank's samples and ``n_total``
    their number, so that the sum of the ranks' gradients is the gradient.
    """
    dtype = torch.complex128 if local_values.is_complex() or log_psi.is_complex() else torch.float64
    centre = local_values.mean() if mean is None else mean
    residual = (local_values - centre).to(dtype)
    n = residual.shape[0] if n_total is None else n_total
    if sample_rows is not None:
        residual = residual.new_zeros(log_psi.shape[0]).index_add(0, sample_rows, residual)
    return 2.0 * (log_psi.conj() * residual).real.sum() / n


def clip_local_energies(
    values: torch.Tensor, width: float, reference: torch.Tensor | None = None
) -> torch.Tensor:
    r"""Local energies with outliers of the real part pulled in, for the gradient only.

    The real parts are clipped to :math:`m \pm w\,\langle|E_{loc} - m|\rangle` with
    :math:`m` their median and :math:`w` = ``width``; imaginary parts are kept. A few
    configurations where :math:`|\psi|` nearly vanishes give local energies far from the
    rest, and the gradient estimated from them is dominated by those few samples; the
    clipped estimate has far less variance and a small bias. This is the clipping of
    FermiNet (Pfau, Spencer, Matthews & Foulkes, Phys. Rev. Research 2, 033429 (2020)).
    The energy that the driver reports is never clipped. ``reference`` (default
    ``values``) are the values whose median and spread set the bounds: every rank's, in a
    multi-process run.
    """
    require_float(width, "clip_width", minimum=0.0, inclusive=False, error=TrainingError)
    real = values.real
    pool = real if reference is None else reference.real.flatten()
    median = pool.median()
    spread = (pool - median).abs().mean()
    clipped = real.clamp(median - width * spread, median + width * spread)
    return torch.complex(clipped, values.imag) if values.is_complex() else clipped


class SignProblemWarning(UserWarning):
    """A positive wave function on a Hamiltonian whose ground state has signs."""


def _carries_signs(model: nn.Module) -> bool:
    """Whether ``log ψ`` can be complex (a phase or sign head, complex parameters)."""
    flag = getattr(model, "is_complex", None)
    if flag is not None:
        return bool(flag)
    return any(parameter.is_complex() for parameter in model.parameters())


class VMC(Driver):
    """Variational Monte Carlo for the ground state of ``hamiltonian``.

    Args:
        hamiltonian: the Hamiltonian (Hermitian :class:`~qgen.operators.PauliSum`).
        model: the wave function (``model(x)`` returns ``log ψ(x)``).
        sampler: where configurations come from (see :mod:`qgen.sampling`).
        optimizer: a ``torch.optim`` optimizer over ``model``'s parameters (with SR: SGD
            with the learning rate ``η``).
        n_samples: samples per iteration, in all: in a multi-process run each rank draws
            ``⌈n_samples / world_size⌉`` (:meth:`~qgen.distributed.Ranks.share`).
        preconditioner: :class:`~qgen.vmc.sr.SR` or None (plain gradient).
        scheduler: an optional ``torch.optim.lr_scheduler``, stepped once per iteration.
        temperature: ``T(iteration)`` for variational annealing, or None.
        exact_energy: the exact ground-state energy, to report relative errors.
        seed: seed of the sampling generator.
        chunk_size: most configurations per model call in local energies.
        clip_width: clip the local energies that enter the gradient at this many mean
            absolute deviations from their median (:func:`clip_local_energies`); None:
            no clipping.
        ranks: the processes of a multi-process run (see :class:`~qgen.driver.Driver`):
            the statistics come from every rank's local energies, the gradient and SR's
            matrices are summed over the ranks.
    """

    counter = "iteration"
    finite_keys = ("energy", "energy_variance")
    distributable = True

    def __init__(
        self,
        hamiltonian: PauliSum,
        model: nn.Module,
        sampler: Sampler,
        optimizer: torch.optim.Optimizer,
        n_samples: int,
        *,
        preconditioner: SR | None = None,
        scheduler: Any = None,
        temperature: Callable[[int], float] | None = None,
        exact_energy: float | None = None,
        seed: int = 0,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        clip_width: float | None = None,
        ranks: Ranks | None = None,
    ) -> None:
        hamiltonian.require_hermitian("VMC")
        if clip_width is not None:
            require_float(
                clip_width, "clip_width", minimum=0.0, inclusive=False, error=TrainingError
            )
        self.n_samples = require_int(n_samples, "n_samples", minimum=1, error=TrainingError)
        n_sites = getattr(model, "n_sites", hamiltonian.n_sites)
        if n_sites != hamiltonian.n_sites:
            raise TrainingError(
                f"the model has {n_sites} sites but the Hamiltonian acts on {hamiltonian.n_sites}"
            )
        super().__init__(
            model,
            [optimizer],
            seed=seed,
            schedulers=() if scheduler is None else [scheduler],
            ranks=ranks,
        )
        self.samples_per_rank = self.ranks.share(self.n_samples)
        if not _carries_signs(model) and not hamiltonian.is_stoquastic():
            warnings.warn(
                "the Hamiltonian has positive off-diagonal elements in the Z basis (it is "
                "not stoquastic), so its ground state has signs that this model without a "
                "phase cannot carry: the energy will stay above the ground state. For a "
                "bipartite antiferromagnet build it with sign_rule=True (the Marshall sign "
                "rule, as the CLI does); otherwise use a model with a phase (phase=True)",
                SignProblemWarning,
                stacklevel=2,
            )
        self.hamiltonian = hamiltonian
        self.sampler = sampler
        self.optimizer = optimizer
        self.preconditioner = preconditioner
        self.temperature = temperature
        self.exact_energy = exact_energy
        self.chunk_size = chunk_size
        self.clip_width = clip_width

    @property
    def n_sites(self) -> int:
        return self.hamiltonian.n_sites

    @property
    def iteration(self) -> int:
        """Iterations completed."""
        return self.steps

    # --- one iteration ---------------------------------------------------------------------

    def _everyone(self, values: torch.Tensor) -> torch.Tensor:
        """Per-sample values of every rank: ``(n,)`` for independent samples, ``(chains,
        length)`` for Markov chains (this rank's samples are time-major over its chains)."""
        if self.sampler.independent:
            return self.ranks.gather(values)
        n_chains = int(getattr(self.sampler, "n_chains", 1))
        return self.ranks.gather(values.reshape(-1, n_chains).T)

    def _mean(self, values: torch.Tensor, everyone: torch.Tensor) -> torch.Tensor:
        """The mean of per-sample ``values`` over every rank's samples (``everyone``)."""
        if not self.ranks.distributed:
            return values.mean()
        return self.ranks.sum(values.sum()) / everyone.numel()

    def _energy_record(self, stats: Stats) -> dict[str, Any]:
        record: dict[str, Any] = {
            "energy": stats.mean,
            "energy_error": stats.error,
            "energy_variance": stats.variance,
            "v_score": v_score(stats, self.n_sites),
            "energy_imag": stats.mean_imag,
            "n_samples": stats.n_samples,
        }
        if not self.sampler.independent:
            record["tau_corr"] = stats.tau_corr
            record["r_hat"] = stats.r_hat
            record["acceptance"] = getattr(self.sampler, "acceptance", None)
            swaps = getattr(self.sampler, "swap_acceptance", None)
            if swaps is not None:
                record["swap_acceptance"] = swaps
        if self.exact_energy is not None:
            record["exact_energy"] = self.exact_energy
            scale = abs(self.exact_energy)
            record["relative_error"] = abs(stats.mean - self.exact_energy) / scale
            record["relative_error_error"] = stats.error / scale
        return record

    def step(self) -> dict[str, Any]:
        """One iteration: sample, estimate, update. Returns its record."""
        self.model.train()
        x = self.sampler.sample(self.samples_per_rank, self.generator)
        # The model sees each distinct sample once (a peaked |ψ|² repeats samples).
        first, inverse = distinct_rows(x)
        distinct = x[first]
        # The plain gradient needs log ψ(x) with its graph; SR only its value.
        log_psi = self.model(distinct) if self.preconditioner is None else None
        with torch.no_grad():
            log_psi_distinct = log_psi.detach() if log_psi is not None else self.model(distinct)
            energies = local_values(
                self.hamiltonian,
                self.model,
                distinct,
                log_psi_distinct,
                chunk_size=self.chunk_size,
            )[inverse]
            log_psi_x = log_psi_distinct[inverse]
        everyone = self._everyone(energies)
        stats = statistics(everyone)
        if not (math.isfinite(stats.mean) and math.isfinite(stats.variance)):
            # Before the update, so that the model keeps its last good parameters.
            raise NonFiniteError(
                f"iteration {self.steps}: the energy is {stats.mean} ± {stats.error}; "
                "lower the learning rate, raise the diagonal shift, or resume from the "
                "last checkpoint"
            )
        record = self._energy_record(stats)
        objective = energies
        if self.clip_width is not None:
            objective = clip_local_energies(energies, self.clip_width, everyone)
        if self.temperature is not None:
            temperature = float(self.temperature(self.steps))
            log_prob = 2.0 * log_psi_x.real.to(torch.float64)
            objective = objective + temperature * log_prob
            entropy = float(-self._mean(log_prob, everyone))
            record["temperature"] = temperature
            record["entropy"] = entropy
            record["free_energy"] = stats.mean - temperature * entropy

        self.optimizer.zero_grad(set_to_none=True)
        if log_psi is None:
            assert self.preconditioner is not None  # for mypy: set exactly when log_psi is not
            direction = self.preconditioner.direction(
                self.model, distinct, objective, inverse, ranks=self.ranks
            )
            self._set_gradients(direction)
        else:
            mean = self._mean(objective, everyone)
            loss = surrogate_loss(log_psi, objective, inverse, mean=mean, n_total=everyone.numel())
            loss.backward()
            for parameter in self.model.parameters():
                if parameter.grad is not None:  # each rank's share of the gradient
                    self.ranks.sum_(parameter.grad)
        record["learning_rate"] = self.optimizer.param_groups[0]["lr"]
        self.optimizer.step()
        return record

    def _set_gradients(self, direction: torch.Tensor) -> None:
        offset = 0
        for parameter in self.model.parameters():
            if not parameter.requires_grad:
                continue
            size = parameter.numel()
            parameter.grad = direction[offset : offset + size].view_as(parameter).to(parameter)
            offset += size

    # --- estimates ---------------------------------------------------------------------------

    @torch.no_grad()
    def estimate(
        self, n_samples: int, operator: PauliSum | None = None, seed: int | None = None
    ) -> Stats:
        """Monte Carlo estimate of ``⟨operator⟩`` (default: the energy) from fresh samples.

        ``seed`` gives the estimate its own generator, so that it does not change the
        training trajectory; by default the run's ``"estimate"`` stream
        (:func:`~qgen.driver.seed_for`).
        """
        operator = self.hamiltonian if operator is None else operator
        generator = torch.Generator(device=self.generator.device).manual_seed(
            rank_seed(seed_for(self.seed, "estimate") if seed is None else seed, self.ranks.rank)
        )
        self.model.eval()
        # Markov chains continue from where training left them, and are put back after.
        chains = None if self.sampler.independent else self.sampler.state_dict()
        x = self.sampler.sample(self.ranks.share(n_samples), generator)
        if chains is not None:
            self.sampler.load_state_dict(chains)
        values = local_values(operator, self.model, x, chunk_size=self.chunk_size)
        return statistics(self._everyone(values))

    def estimate_record(self, n_samples: int) -> dict[str, Any]:
        """:meth:`estimate` of the energy as a record (energy, error, variance, V-score, ...)."""
        return {"n_samples": n_samples, **self._energy_record(self.estimate(n_samples))}

    # --- state -------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The driver's state with the sampler's chains and the preconditioner's memory."""
        return {
            **super().state_dict(),
            **self.per_rank("sampler", self.sampler.state_dict()),
            "preconditioner": None
            if self.preconditioner is None
            else self.preconditioner.state_dict(),
        }

    def _load_state(self, state: Mapping[str, Any]) -> None:
        super()._load_state(state)
        chains, same_ranks = self.own_rank_state(state, "sampler")
        if same_ranks:  # at another process count the chains are new and thermalize again
            self.sampler.load_state_dict(chains)
        if self.preconditioner is not None and state.get("preconditioner") is not None:
            self.preconditioner.load_state_dict(state["preconditioner"])

    def postfix(self, record: dict[str, Any]) -> str:
        text = f"E={record['energy']:.6f}±{record['energy_error']:.1e}"
        if record.get("relative_error") is not None:
            text += f" rel={record['relative_error']:.1e}"
        return text
