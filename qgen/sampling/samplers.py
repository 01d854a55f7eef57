"""Samplers: where the configurations of a VMC iteration come from.

A sampler draws configurations from ``|ψ(x)|²`` of the wave function it holds:

- :class:`AutoregressiveSampler` — exact, independent samples from an autoregressive
  model, token by token;
- :class:`ExactSampler` — enumerates every configuration (of a magnetization sector, if
  given), computes ``|ψ|²`` and draws from it: exact for any wave function, for small N.

Both return independent samples, so error bars need no autocorrelation correction
(``n_chains`` is the number of samples, each its own chain of length one). Markov-chain
samplers (:class:`~qgen.sampling.metropolis.MetropolisSampler`) share the same interface,
set ``independent = False``, return their samples time-major over ``n_chains`` chains,
and keep their chains in :meth:`state_dict`.
"""

from __future__ import annotations

from typing import Any, Protocol

import torch
from torch import nn

from qgen._memory import check_memory
from qgen.errors import SamplerError
from qgen.hilbert import MagnetizationSector, all_configs
from qgen.validation import require_int

__all__ = ["AutoregressiveSampler", "ExactSampler", "Sampler"]


class Sampler(Protocol):
    """What the VMC driver needs of a sampler."""

    independent: bool
    """Whether samples are independent (True) or Markov chains (False)."""

    def sample(self, n_samples: int, generator: torch.Generator) -> torch.Tensor:
        """At least ``n_samples`` configurations ``(n, n_sites)`` from ``|ψ|²`` (Markov
        chains round up to a multiple of their number of chains)."""
        ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


def _check_count(n_samples: int) -> None:
    require_int(n_samples, "number of samples", minimum=1, error=SamplerError)


class AutoregressiveSampler:
    """Exact independent samples from an autoregressive model's ``sample`` method."""

    independent = True

    def __init__(self, model: nn.Module) -> None:
        if not callable(getattr(model, "sample", None)):
            raise SamplerError(
                f"the autoregressive sampler needs a model with a sample() method, "
                f"got {type(model).__name__}"
            )
        self.model = model

    def sample(self, n_samples: int, generator: torch.Generator) -> torch.Tensor:
        _check_count(n_samples)
        return self.model.sample(n_samples, generator)  # type: ignore[operator]

    def __repr__(self) -> str:
        return "AutoregressiveSampler()"

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


class ExactSampler:
    """Samples drawn from ``|ψ|²`` computed on every configuration.

    Args:
        model: a wave function (``log_psi(x)``).
        n_sites: number of sites.
        magnetization: restrict to a total-:math:`S^z` sector (None: all ``2^N``).
        memory_limit: bytes allowed for the enumerated configurations and amplitudes.
    """

    independent = True

    def __init__(
        self,
        model: nn.Module,
        n_sites: int,
        magnetization: float | None = None,
        memory_limit: float | None = None,
    ) -> None:
        self.model = model
        self.n_sites = n_sites
        dimension = (
            2**n_sites
            if magnetization is None
            else MagnetizationSector(n_sites, magnetization).dimension
        )
        check_memory(
            dimension * (n_sites * 8 + 64),
            f"enumerating {dimension:,} configurations for exact sampling",
            memory_limit,
            hint="use the autoregressive or a Markov-chain sampler",
        )
        self.magnetization = magnetization
        self._configs: torch.Tensor | None = None

    def configs(self, device: torch.device | None = None) -> torch.Tensor:
        """Every configuration the sampler draws from."""
        if self._configs is None:
            self._configs = (
                all_configs(self.n_sites)
                if self.magnetization is None
                else MagnetizationSector(self.n_sites, self.magnetization).configs()
            )
        if device is not None and self._configs.device != torch.device(device):
            self._configs = self._configs.to(device)  # kept there: no copy per iteration
        return self._configs

    def _device(self) -> torch.device:
        parameter = next(self.model.parameters(), None)
        return torch.device("cpu") if parameter is None else parameter.device

    @torch.no_grad()
    def probabilities(self) -> torch.Tensor:
        """``|ψ(x)|² / Σ|ψ|²`` over :meth:`configs`, in float64."""
        log_psi = self.model(self.configs(self._device()))
        log_weight = 2.0 * log_psi.real.to(torch.float64)
        return torch.softmax(log_weight, dim=0)

    def sample(self, n_samples: int, generator: torch.Generator) -> torch.Tensor:
        _check_count(n_samples)
        probabilities = self.probabilities()
        index = torch.multinomial(probabilities, n_samples, replacement=True, generator=generator)
        return self.configs(self._device())[index]

    def __repr__(self) -> str:
        return f"ExactSampler(n_sites={self.n_sites}, magnetization={self.magnetization})"

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass
