r"""RBM wave functions for tomography: positive, or complex as amplitude and phase RBMs.

A positive state is the square root of an RBM's Boltzmann weight, and a complex one
takes its phase from a second RBM (Torlai et al., "Neural-network quantum state
tomography", Nat. Phys. 14, 447 (2018); the convention of QuCumber, Beach et al.,
SciPost Phys. 7, 009 (2019)):

.. math::  \psi(\sigma) = \exp\!\Big(-\tfrac12 F_\lambda(\sigma)
           - \tfrac{i}{2} F_\mu(\sigma)\Big),\qquad
           F(\sigma) = -a\cdot\sigma - \sum_j \operatorname{softplus}(b_j + W_j\cdot\sigma),

with :math:`F_\lambda, F_\mu` the free energies of two
:class:`~qgen.models.bernoulli_rbm.BernoulliRBM`\ s over the same visible units
(σ = 0 for spin up). ψ is not normalized: :math:`|\psi|^2 = e^{-F_\lambda}`, so
:math:`\sum_\sigma|\psi|^2 = Z_\lambda`, and :math:`|\psi|^2` is sampled by block Gibbs
chains of the amplitude RBM alone.

Example:
    >>> import torch
    >>> psi = AmplitudePhaseRBM(4, 4, phase=True, dtype=torch.float64)
    >>> x = torch.tensor([[0, 1, 1, 0]])
    >>> psi(x).dtype
    torch.complex128
    >>> samples = psi.sample(3, torch.Generator().manual_seed(0), n_steps=5)
    >>> tuple(samples.shape), samples.dtype
    ((3, 4), torch.int64)
"""

from __future__ import annotations

import math

import torch
from torch import nn

from qgen.errors import ModelError
from qgen.models.bernoulli_rbm import MAX_ENUMERATED_UNITS, BernoulliRBM
from qgen.validation import require_int

__all__ = ["AmplitudePhaseRBM"]


class AmplitudePhaseRBM(nn.Module):
    r"""RBM wave function :math:`\log\psi = -F_\lambda/2\ (-\,iF_\mu/2)`.

    Args:
        n_sites: visible units ``N`` (one per spin).
        n_hidden: hidden units of the amplitude RBM ``λ``.
        phase: add the phase RBM ``μ`` (complex ψ); without it ψ > 0.
        n_hidden_phase: hidden units of the phase RBM (default ``n_hidden``).
        dtype: parameter dtype (float32 default).
        weight_std: initial weights are :math:`\mathcal N(0, \text{weight\_std}^2)`;
            default :math:`1/\sqrt N`.
        generator: random source of the initial weights (default: torch's global one).

    ``forward(x)`` takes integer configurations ``(B, N)`` of 0/1 and returns ``log ψ``
    (real without phase, complex with it).
    """

    def __init__(
        self,
        n_sites: int,
        n_hidden: int,
        *,
        phase: bool = False,
        n_hidden_phase: int | None = None,
        dtype: torch.dtype = torch.float32,
        weight_std: float | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        require_int(n_sites, "number of sites", minimum=1, error=ModelError)
        std = 1.0 / math.sqrt(n_sites) if weight_std is None else weight_std
        self.n_sites = n_sites
        self.amplitude = BernoulliRBM(n_sites, n_hidden, dtype, weight_std=std, generator=generator)
        self.phase: BernoulliRBM | None = None
        if phase:
            self.phase = BernoulliRBM(
                n_sites,
                n_hidden if n_hidden_phase is None else n_hidden_phase,
                dtype,
                weight_std=std,
                generator=generator,
            )

    @property
    def dtype(self) -> torch.dtype:
        return self.amplitude.dtype

    @property
    def is_complex(self) -> bool:
        """Whether ``log ψ`` is complex (a phase RBM)."""
        return self.phase is not None

    @property
    def exact_partition_available(self) -> bool:
        """Whether :meth:`exact_log_partition` can enumerate the smaller layer."""
        return min(self.n_sites, self.amplitude.n_hidden) <= MAX_ENUMERATED_UNITS

    def _check(self, x: torch.Tensor) -> None:
        if x.ndim != 2 or x.shape[1] != self.n_sites:
            raise ModelError(
                f"expected configurations of shape (batch, {self.n_sites}), got {tuple(x.shape)}"
            )

    def log_psi(self, x: torch.Tensor) -> torch.Tensor:
        r""":math:`\log\psi(x) = -F_\lambda(x)/2 - iF_\mu(x)/2` (unnormalized)."""
        self._check(x)
        log_amplitude = -0.5 * self.amplitude.free_energy(x)
        if self.phase is None:
            return log_amplitude
        return torch.complex(log_amplitude, -0.5 * self.phase.free_energy(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Same as :meth:`log_psi`."""
        return self.log_psi(x)

    def exact_log_partition(self) -> torch.Tensor:
        r""":math:`\log\sum_\sigma|\psi(\sigma)|^2 = \log Z_\lambda` (float64, differentiable),
        by enumeration of the amplitude RBM's smaller layer."""
        return self.amplitude.exact_log_partition()

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        r"""Normalized :math:`\log|\psi(x)|^2/Z_\lambda` (float64; small models only)."""
        self._check(x)
        return self.amplitude.log_prob(x)

    @torch.no_grad()
    def sample_chains(
        self, initial: torch.Tensor, n_steps: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Advance Gibbs chains of the amplitude RBM from ``initial`` ``(n, N)`` by
        ``n_steps`` block steps; returns integer configurations ``(n, N)``."""
        self._check(initial)
        v = self.amplitude.sample(initial.shape[0], generator, n_steps=n_steps, initial=initial)
        return v.long()

    @torch.no_grad()
    def sample(
        self,
        n_samples: int,
        generator: torch.Generator | None = None,
        n_steps: int = 100,
        initial: torch.Tensor | None = None,
    ) -> torch.Tensor:
        r"""``n_samples`` configurations from :math:`|\psi|^2`: independent Gibbs chains of the
        amplitude RBM after ``n_steps`` steps, from ``initial`` or uniform random bits."""
        v = self.amplitude.sample(n_samples, generator, n_steps=n_steps, initial=initial)
        return v.long()

    def n_parameters(self) -> int:
        """Number of real parameters."""
        return sum(p.numel() for p in self.parameters())
