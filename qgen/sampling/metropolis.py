r"""Metropolis–Hastings sampling of ``|ψ(x)|²`` with many parallel chains.

All chains move at once as one batched tensor update, on the device of the model. A
step proposes ``x'`` from a symmetric rule and accepts it with probability

.. math::  A(x\to x') = \min\big(1,\ |\psi(x')/\psi(x)|^{2\beta}\big)

(Metropolis et al., J. Chem. Phys. 21, 1087 (1953); Hastings, Biometrika 57, 97 (1970)),
with ``β = 1`` unless parallel tempering is on. Rules:

- ``"local"``: flip one random site;
- ``"exchange"``: swap the spins at the two ends of a random lattice bond, which keeps
  the magnetization, so that the chains stay in the sector they start in.

A *sweep* is ``sweep_size`` steps (default ``N``); one sample per chain is kept after
every sweep. The chains persist between calls to :meth:`MetropolisSampler.sample` (and
in :meth:`~MetropolisSampler.state_dict`), so that each VMC iteration starts from the
last one's equilibrium; ``burn_in`` sweeps thermalize fresh chains once, and
``discard`` sweeps re-thermalize them at the start of every call (the wave function
changed in between).

Parallel tempering (Swendsen & Wang, PRL 57, 2607 (1986); Hukushima & Nemoto, J. Phys.
Soc. Jpn. 65, 1604 (1996)) runs ``R`` replicas of each chain at ``β_r = 1 − r/R`` and
after each sweep proposes to exchange neighbouring replicas ``r, r+1`` with probability
``min(1, exp[(β_r − β_{r+1})(ℓ_{r+1} − ℓ_r)])``, ``ℓ = log|ψ|²``; only ``β = 1`` chains
are returned. It helps where ``|ψ|²`` has separated modes.

Samples are returned time-major: sample ``t`` of chain ``c`` is row ``t·n_chains + c``,
so ``values.reshape(-1, n_chains).T`` gives ``(n_chains, length)`` for the error
analysis of :func:`qgen.estimators.statistics` (autocorrelation time, split-R̂).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from qgen.errors import SamplerError
from qgen.hilbert import MagnetizationSector
from qgen.models.rbm import RBMForm
from qgen.registry import Registry
from qgen.sampling.rbm_sweep import rbm_sweep
from qgen.sampling.samplers import _check_count
from qgen.validation import require_int

__all__ = ["RULES", "MetropolisRule", "MetropolisSampler"]


@dataclass(frozen=True)
class MetropolisRule:
    """A symmetric proposal, as the XOR masks of its moves: ``moves(n_sites, bonds)``
    gives ``(n_moves, n_sites)`` 0/1 rows, one drawn uniformly per step. With ``swaps``
    each mask marks two sites whose spins are exchanged (a move is applied only where
    they differ), which conserves the magnetization; ``uses_bonds``: the moves are built
    from the lattice bonds the sampler is given."""

    moves: Callable[[int, torch.Tensor | None], torch.Tensor]
    uses_bonds: bool
    swaps: bool
    description: str


def _single_flips(n_sites: int, bonds: torch.Tensor | None) -> torch.Tensor:
    return torch.eye(n_sites, dtype=torch.long)


def _bond_exchanges(n_sites: int, bonds: torch.Tensor | None) -> torch.Tensor:
    assert bonds is not None  # the sampler checks that a bond rule has bonds
    moves = torch.zeros(bonds.shape[0], n_sites, dtype=torch.long)
    moves[torch.arange(bonds.shape[0]).unsqueeze(1), bonds] = 1
    return moves


RULES: Registry[MetropolisRule] = Registry("Metropolis rule")
"""Proposal rules by name (``qgen vmc --sampler NAME``)."""
RULES.register("local", MetropolisRule(_single_flips, False, False, "flip one random site"))
RULES.register(
    "exchange",
    MetropolisRule(_bond_exchanges, True, True, "swap the spins at the ends of a random bond"),
)


def _positive_int(name: str, value: object, minimum: int = 1) -> int:
    return require_int(value, name, minimum=minimum, error=SamplerError)


class MetropolisSampler:
    """Batched Metropolis–Hastings chains over ``|ψ|²``.

    Args:
        model: a wave function (``model(x)`` returns ``log ψ(x)``).
        n_sites: number of sites.
        rule: ``"local"`` (single spin flips) or ``"exchange"`` (swaps along ``bonds``).
        n_chains: number of parallel chains (at ``β = 1``).
        bonds: ``(n_bonds, 2)`` site pairs for the exchange rule (e.g. ``lattice.bonds()``).
        magnetization: the total ``S^z`` of the chains' initial states; required by the
            exchange rule, which cannot leave the sector. Fresh chains start uniformly at
            random in it (or in the whole space when None).
        sweep_size: steps between kept samples (default ``n_sites``).
        burn_in: sweeps run once on fresh chains.
        discard: sweeps run at the start of every :meth:`sample` call; None: a tenth of
            the samples per chain (at least one sweep), as NetKet does.
        n_replicas: replicas for parallel tempering (1: off).
        initial: ``(n_chains, n_sites)`` initial configurations (else random).
        incremental: for an RBM on the CPU (a model with ``rbm_form()``), run the sweeps
            with incremental updates of its pre-activations in NumPy
            (:mod:`qgen.sampling.rbm_sweep`): the same chains (float64), several times faster with
            few chains. False: call the model at every step, as for any other model.

    Example:
        >>> import torch
        >>> from qgen.models import RBM
        >>> from qgen.sampling import MetropolisSampler
        >>> sampler = MetropolisSampler(RBM(6), 6, n_chains=4)
        >>> sampler.sample(8, torch.Generator().manual_seed(0)).shape
        torch.Size([8, 6])
    """

    independent = False

    def __init__(
        self,
        model: nn.Module,
        n_sites: int,
        *,
        rule: str = "local",
        n_chains: int = 16,
        bonds: np.ndarray | torch.Tensor | None = None,
        magnetization: float | None = None,
        sweep_size: int | None = None,
        burn_in: int = 20,
        discard: int | None = None,
        n_replicas: int = 1,
        initial: torch.Tensor | None = None,
        incremental: bool = True,
    ) -> None:
        self.model = model
        self.incremental = bool(incremental)
        self.n_sites = _positive_int("number of sites", n_sites)
        if rule not in RULES:
            raise SamplerError(f"rule: expected one of {', '.join(RULES)}, got {rule!r}")
        self.rule = rule
        self.spec = RULES[rule]
        self.n_chains = _positive_int("number of chains", n_chains)
        self.sweep_size = _positive_int("sweep size", n_sites if sweep_size is None else sweep_size)
        self.burn_in = _positive_int("number of burn-in sweeps", burn_in, minimum=0)
        self.discard = None if discard is None else _positive_int("discard", discard, minimum=0)
        self.n_replicas = _positive_int("number of replicas", n_replicas)
        self.sector = None if magnetization is None else MagnetizationSector(n_sites, magnetization)
        self.magnetization = magnetization
        self.bonds = self._check_bonds(bonds) if self.spec.uses_bonds else None
        if self.spec.swaps and self.sector is None:
            raise SamplerError(
                f"the {rule} rule keeps the magnetization of its initial states, so it needs "
                "the sector to start in: pass magnetization= (or use the local rule)"
            )
        self.betas = 1.0 - torch.arange(self.n_replicas, dtype=torch.float64) / self.n_replicas
        self._chains: torch.Tensor | None = None  # (n_replicas * n_chains, n_sites)
        self._moves: torch.Tensor | None = None
        if initial is not None:
            self._chains = self._check_initial(initial).repeat(self.n_replicas, 1)
        self._thermalized = False
        self.acceptance: float | None = None
        """Fraction of accepted moves at ``β = 1`` in the last :meth:`sample` call."""
        self.swap_acceptance: float | None = None
        """Fraction of accepted replica exchanges in the last call (parallel tempering)."""

    # --- checks --------------------------------------------------------------------------

    def _check_bonds(self, bonds: np.ndarray | torch.Tensor | None) -> torch.Tensor:
        if bonds is None:
            raise SamplerError(f"the {self.rule} rule needs bonds=, the site pairs it moves")
        if isinstance(bonds, torch.Tensor):
            bonds = bonds.detach().cpu().numpy()
        pairs = torch.as_tensor(np.array(bonds), dtype=torch.long)
        if pairs.ndim != 2 or pairs.shape[1] != 2 or pairs.shape[0] == 0:
            raise SamplerError(f"expected bonds of shape (n_bonds, 2), got {tuple(pairs.shape)}")
        if int(pairs.min()) < 0 or int(pairs.max()) >= self.n_sites:
            raise SamplerError(f"expected bond sites in [0, {self.n_sites}), got {pairs.tolist()}")
        if bool((pairs[:, 0] == pairs[:, 1]).any()):
            raise SamplerError(f"expected bonds between two different sites, got {pairs.tolist()}")
        return pairs

    def _check_initial(self, initial: torch.Tensor) -> torch.Tensor:
        shape = (self.n_chains, self.n_sites)
        if not isinstance(initial, torch.Tensor) or tuple(initial.shape) != shape:
            got = tuple(initial.shape) if isinstance(initial, torch.Tensor) else type(initial)
            raise SamplerError(f"expected initial configurations of shape {shape}, got {got}")
        if ((initial != 0) & (initial != 1)).any():
            raise SamplerError("expected initial configurations with values in {0, 1}")
        if self.sector is not None and not bool(self.sector.contains(initial).all()):
            outside = int((~self.sector.contains(initial)).sum())
            raise SamplerError(
                f"{outside} of {self.n_chains} initial configurations lie outside the "
                f"requested sector S^z = {self.magnetization}"
            )
        return initial.to(torch.long)

    # --- chains --------------------------------------------------------------------------

    def _device(self) -> torch.device:
        parameter = next(self.model.parameters(), None)
        return torch.device("cpu") if parameter is None else parameter.device

    def _random_states(self, count: int, generator: torch.Generator) -> torch.Tensor:
        device = generator.device
        if self.sector is None:
            return torch.randint(0, 2, (count, self.n_sites), generator=generator, device=device)
        n_down = self.sector.n_down
        keys = torch.rand(count, self.n_sites, generator=generator, device=device)
        ranks = keys.argsort(dim=1).argsort(dim=1)
        return (ranks < n_down).to(torch.long)

    def _log_weight(self, x: torch.Tensor) -> torch.Tensor:
        """``log|ψ(x)|²`` in float64."""
        return 2.0 * self.model(x).real.to(torch.float64)

    def _move_table(self, device: torch.device) -> torch.Tensor:
        """The moves as XOR masks ``(n_moves, n_sites)``: one site set per local move, both
        ends of a bond per exchange move; cached on ``device``."""
        if self._moves is None or self._moves.device != device:
            self._moves = self.spec.moves(self.n_sites, self.bonds).to(device)
        return self._moves

    def _proposal_masks(self, count: int, generator: torch.Generator) -> torch.Tensor:
        """One sweep's proposals ``(sweep_size, count, n_sites)``, uniform over the moves."""
        moves = self._move_table(generator.device)
        which = torch.randint(
            0, moves.shape[0], (self.sweep_size, count), generator=generator, device=moves.device
        )
        return moves[which]

    def _sweeps(
        self,
        chains: torch.Tensor,
        log_weight: torch.Tensor,
        n_sweeps: int,
        generator: torch.Generator,
        keep: list[torch.Tensor] | None,
        counts: list[torch.Tensor],
    ) -> tuple[torch.Tensor, torch.Tensor]:
        count, device = chains.shape[0], chains.device
        betas = self.betas.to(device).repeat_interleave(self.n_chains)
        exchange = self.spec.swaps
        form = self._rbm_form(device) if n_sweeps else None
        for _ in range(n_sweeps):
            # Random numbers for the whole sweep at once: fewer, larger tensor operations.
            masks = self._proposal_masks(count, generator)
            uniform = torch.rand(
                self.sweep_size, count, generator=generator, device=device, dtype=torch.float64
            )
            thresholds = torch.log(uniform) / betas
            if form is not None:
                chains, log_weight, accepted = rbm_sweep(
                    form, chains, log_weight, masks, thresholds, exchange
                )
            else:
                chains, log_weight, accepted = self._sweep(
                    chains, log_weight, masks, thresholds, exchange
                )
            counts[0] += accepted[:, : self.n_chains].sum(0)
            counts[1] += self.sweep_size * self.n_chains
            if self.n_replicas > 1:
                chains, log_weight = self._exchange_replicas(chains, log_weight, generator, counts)
            if keep is not None:
                keep.append(chains[: self.n_chains])
        return chains, log_weight

    def _sweep(
        self,
        chains: torch.Tensor,
        log_weight: torch.Tensor,
        masks: torch.Tensor,
        thresholds: torch.Tensor,
        exchange: bool,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One sweep through the model, for any model on any device; returns the chains,
        their log weights and the accepted proposals ``(sweep_size, count)``."""
        accepted = []
        # unbind: one call for all steps' views instead of an indexing op per step
        for mask, threshold in zip(masks.unbind(0), thresholds.unbind(0), strict=True):
            if exchange:  # swapping equal spins changes nothing: flip only unequal pairs
                mask = mask * ((chains * mask).sum(1, keepdim=True) == 1)
            proposal = chains ^ mask
            proposal_weight = self._log_weight(proposal)
            accept = threshold < proposal_weight - log_weight
            chains = torch.where(accept.unsqueeze(1), proposal, chains)
            log_weight = torch.where(accept, proposal_weight, log_weight)
            accepted.append(accept)
        return chains, log_weight, torch.stack(accepted)

    def _rbm_form(self, device: torch.device) -> RBMForm | None:
        """The model's :class:`~qgen.models.rbm.RBMForm` where the incremental
        NumPy sweep applies (an RBM on the CPU, ``incremental`` on), else ``None``."""
        if not self.incremental or device.type != "cpu":
            return None
        form = getattr(self.model, "rbm_form", None)
        return form() if callable(form) else None

    def _exchange_replicas(
        self,
        chains: torch.Tensor,
        log_weight: torch.Tensor,
        generator: torch.Generator,
        counts: list[torch.Tensor],
    ) -> tuple[torch.Tensor, torch.Tensor]:
        replicas, n = self.n_replicas, self.n_chains
        states = chains.view(replicas, n, self.n_sites).clone()
        weights = log_weight.view(replicas, n).clone()
        betas = self.betas.to(chains.device)
        for lower in range(replicas - 1):
            upper = lower + 1
            log_ratio = (betas[lower] - betas[upper]) * (weights[upper] - weights[lower])
            uniform = torch.rand(n, generator=generator, device=chains.device, dtype=torch.float64)
            swap = torch.log(uniform) < log_ratio
            swapped_lower = torch.where(swap.unsqueeze(1), states[upper], states[lower])
            swapped_upper = torch.where(swap.unsqueeze(1), states[lower], states[upper])
            states[lower], states[upper] = swapped_lower, swapped_upper
            weight_lower = torch.where(swap, weights[upper], weights[lower])
            weight_upper = torch.where(swap, weights[lower], weights[upper])
            weights[lower], weights[upper] = weight_lower, weight_upper
            counts[2] += swap.sum()
            counts[3] += n
        return states.view(-1, self.n_sites), weights.view(-1)

    # --- the interface -------------------------------------------------------------------

    def samples_per_chain(self, n_samples: int) -> int:
        """Samples each chain contributes to a request of ``n_samples``."""
        return math.ceil(n_samples / self.n_chains)

    @torch.no_grad()
    def sample(self, n_samples: int, generator: torch.Generator) -> torch.Tensor:
        """``n_chains · ⌈n_samples / n_chains⌉`` configurations, time-major (see module).

        A trivial exchange (two equal spins) counts as a proposed and accepted move, as in
        NetKet, so the acceptance rate includes them."""
        _check_count(n_samples)
        device = self._device()
        if generator.device != device:
            raise SamplerError(
                f"expected a generator on the model's device {device}, got {generator.device}"
            )
        length = self.samples_per_chain(n_samples)
        if self._chains is None:
            self._chains = self._random_states(self.n_replicas * self.n_chains, generator)
        chains = self._chains.to(device)
        log_weight = self._log_weight(chains)
        warmup = self.discard if self.discard is not None else max(1, length // 10)
        if not self._thermalized:
            warmup += self.burn_in
        counts = self._new_counts(device)
        chains, log_weight = self._sweeps(chains, log_weight, warmup, generator, None, counts)
        kept: list[torch.Tensor] = []
        counts = self._new_counts(device)
        chains, log_weight = self._sweeps(chains, log_weight, length, generator, kept, counts)
        self._chains = chains
        self._thermalized = True
        accepted, proposed, swaps, swaps_proposed = (float(c.sum()) for c in counts)
        self.acceptance = accepted / proposed
        self.swap_acceptance = swaps / swaps_proposed if swaps_proposed else None
        return torch.cat(kept)

    def _new_counts(self, device: torch.device) -> list[torch.Tensor]:
        """Accepted moves per chain, proposals; accepted and proposed replica swaps."""
        return [
            torch.zeros(self.n_chains, dtype=torch.long, device=device),
            torch.zeros((), dtype=torch.long, device=device),
            torch.zeros((), dtype=torch.long, device=device),
            torch.zeros((), dtype=torch.long, device=device),
        ]

    def _settings(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "n_chains": self.n_chains,
            "n_replicas": self.n_replicas,
            "magnetization": None if self.sector is None else self.sector.magnetization,
        }

    def state_dict(self) -> dict[str, Any]:
        """The chains (to continue them), whether they are thermalized, and the settings
        they belong to."""
        return {
            "chains": None if self._chains is None else self._chains.cpu(),
            "thermalized": self._thermalized,
            "settings": self._settings(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue saved chains; refuse chains of other settings or outside the sector."""
        saved = state.get("settings")
        if saved is not None and saved != self._settings():
            raise SamplerError(
                f"the saved chains belong to a sampler with {saved}, not {self._settings()}"
            )
        chains = state.get("chains")
        if chains is not None:
            expected = (self.n_replicas * self.n_chains, self.n_sites)
            if tuple(chains.shape) != expected:
                raise SamplerError(
                    f"expected saved chains of shape {expected}, got {tuple(chains.shape)}"
                )
            if ((chains != 0) & (chains != 1)).any():
                raise SamplerError("expected saved chains with values in {0, 1}")
            if self.sector is not None and not bool(self.sector.contains(chains).all()):
                raise SamplerError(
                    f"the saved chains lie outside the sector S^z = {self.magnetization}"
                )
        self._chains = None if chains is None else chains.clone()
        self._thermalized = bool(state.get("thermalized", chains is not None))

    def __repr__(self) -> str:
        return (
            f"MetropolisSampler(rule={self.rule!r}, n_chains={self.n_chains}, "
            f"sweep_size={self.sweep_size}, n_replicas={self.n_replicas})"
        )
