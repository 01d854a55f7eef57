r"""An autoregressive wave function made symmetric under a group of lattice symmetries,
keeping exact sampling.

For a group :math:`G` of site permutations :math:`T_g` and an autoregressive model
:math:`\psi(x) = \sqrt{p(x)}\,e^{i\phi(x)}`,

.. math::  p_G(x) = \frac{1}{|G|}\sum_{g\in G} p(T_g x), \qquad
           \phi_G(x) = \arg \sum_{g\in G} \psi(T_g x), \qquad
           \psi_G(x) = \sqrt{p_G(x)}\, e^{i\phi_G(x)} .

The Born distribution :math:`p_G` is a mixture of the model's distribution over the group,
so it is normalized and sampled exactly: draw :math:`y \sim p`, pick :math:`g` uniformly
and return :math:`T_g^{-1} y`. The phase is that of the amplitude average, which carries
the sign structure of a frustrated state better than the phase of one orientation. This
is the symmetrization of Hibat-Allah, Melko & Carrasquilla, "Supplementing recurrent
neural network wave functions with symmetry and annealing to improve accuracy",
arXiv:2207.14314 (2022); Reh, Schmitt & Gärttner, Phys. Rev. B 107, 195115 (2023) compare
it with averaging amplitudes, which loses exact sampling. ``ψ_G`` is invariant,
``ψ_G(T_h x) = ψ_G(x)`` for every ``h ∈ G``: the trivial representation, the symmetry
sector of the Heisenberg and J1-J2 ground states on periodic ``L × L`` lattices with
``L`` even. With ``spin_flip`` the group also holds the global spin inversion
``x → 1 − x`` times each permutation (a symmetry of the Heisenberg, J1-J2 and
transverse-field Ising Hamiltonians, even on their ground states in the ``S^z = 0``
sector of the 4×4 lattice).

Every evaluation costs ``|G|`` evaluations of the model; the group of
:meth:`~qgen.lattice.Lattice.point_group` (8 operations on a square lattice) is the
cheap choice, :meth:`~qgen.lattice.Lattice.space_group` (``8 L²``) the complete one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import numpy as np
import torch
from torch import nn

from qgen.errors import ModelError
from qgen.models.autoregressive import AutoregressiveModel

__all__ = ["SymmetrizedModel"]

# Elements of the per-sample Jacobians held at once (|G| rows per sample, P columns).
_JACOBIAN_ELEMENTS = 1 << 24
_ORBIT_ROWS = 1 << 16
"""Orbit rows (samples × |G|) per prefix-tree evaluation."""


class SymmetrizedModel(nn.Module):
    """``model`` averaged over the site permutations ``permutations``.

    Args:
        model: an autoregressive model over ``N`` sites.
        permutations: a group of site permutations, shape ``(|G|, N)``, in the convention
            of :meth:`~qgen.lattice.Lattice.translations` (row ``g`` maps site ``i`` to
            ``permutations[g, i]``), e.g. ``lattice.point_group()``.
        spin_flip: also average over the global spin inversion (doubles the group).

    Raises:
        ModelError: a row that is not a permutation of the ``N`` sites, rows that are not
            closed under composition (not a group, so ψ_G would not be symmetric), or a
            spin inversion for a model projected on ``S^z ≠ 0`` (it maps the sector to
            ``−S^z``).
    """

    model: AutoregressiveModel
    gather: torch.Tensor
    scatter: torch.Tensor
    flips: torch.Tensor

    def __init__(
        self,
        model: AutoregressiveModel,
        permutations: np.ndarray | torch.Tensor,
        spin_flip: bool = False,
    ) -> None:
        super().__init__()
        if not isinstance(model, AutoregressiveModel):
            raise ModelError(
                f"expected an autoregressive model to symmetrize, got {type(model).__name__}"
            )
        perms = np.asarray(permutations)
        n = model.n_sites
        if perms.ndim != 2 or perms.shape[1] != n or perms.shape[0] < 1:
            raise ModelError(
                f"expected permutations of shape (n_operations, {n}), got {perms.shape}"
            )
        if not np.array_equal(np.sort(perms, axis=1), np.broadcast_to(np.arange(n), perms.shape)):
            raise ModelError(f"expected each row to be a permutation of the {n} sites")
        perms = perms.astype(np.int64)
        known = {row.tobytes() for row in perms}
        if len(known) != len(perms):
            raise ModelError(
                f"expected distinct permutations, got {len(perms) - len(known)} repeated"
            )
        for a in perms:
            for b in perms:
                if a[b].tobytes() not in known:
                    raise ModelError(
                        f"the {len(perms)} permutations are not closed under composition, so "
                        "they are not a group and the averaged wave function would not be "
                        "symmetric; pass e.g. lattice.point_group() or lattice.space_group()"
                    )
        if spin_flip and model.n_ones is not None and 2 * model.n_ones != n:
            raise ModelError(
                f"the spin inversion maps S^z to -S^z, so it needs a model in S^z = 0 or "
                f"without the U(1) projection, not one with {model.n_ones} down spins of {n}"
            )
        self.model = model
        self.n_sites = n
        self.spin_flip = bool(spin_flip)
        flips = np.zeros(len(perms), dtype=np.int64)
        if spin_flip:
            perms = np.concatenate([perms, perms])
            flips = np.concatenate([flips, np.ones_like(flips)])
        # (T_g x)_i = x_{perm_g[i]} XOR flip_g: gathering with a permutation applies T_g;
        # sampling needs T_g^{-1}, which gathers with the inverse permutation (the
        # inversion commutes with permutations and is its own inverse).
        inverse = np.argsort(perms, axis=1)
        self.register_buffer("flips", torch.from_numpy(flips)[:, None], persistent=False)
        self.register_buffer("gather", torch.from_numpy(perms), persistent=False)
        self.register_buffer("scatter", torch.from_numpy(inverse), persistent=False)

    @property
    def n_operations(self) -> int:
        """``|G|``."""
        return int(self.gather.shape[0])

    @property
    def dtype(self) -> torch.dtype:
        return self.model.dtype

    @property
    def is_complex(self) -> bool:
        return self.model.is_complex

    def _orbit(self, x: torch.Tensor) -> torch.Tensor:
        """``T_g x`` for every sample and operation, flattened to ``(B·|G|, N)``."""
        if x.ndim != 2 or x.shape[1] != self.n_sites:
            raise ModelError(
                f"expected configurations of shape (batch, {self.n_sites}), got {tuple(x.shape)}"
            )
        orbit = x[:, self.gather]
        if self.spin_flip:
            orbit = orbit ^ self.flips.to(x.dtype)
        return orbit.reshape(-1, self.n_sites)

    def _average(self, log_psi_orbit: torch.Tensor) -> torch.Tensor:
        """``log ψ_G`` from the model's ``log ψ(T_g x)``, shape ``(B, |G|)``."""
        log_prob = 2.0 * log_psi_orbit.real
        log_prob_g = torch.logsumexp(log_prob, dim=1) - math.log(self.n_operations)
        if not log_psi_orbit.is_complex():
            return 0.5 * log_prob_g
        # arg Σ_g ψ(T_g x), with the largest amplitude factored out against overflow.
        total = torch.exp(log_psi_orbit - _finite_max(log_psi_orbit)).sum(dim=1)
        return torch.complex(0.5 * log_prob_g, torch.angle(total))

    def log_psi(self, x: torch.Tensor) -> torch.Tensor:
        """``log ψ_G(x) = ½ log p_G(x) + i φ_G(x)``."""
        values = self.model.log_psi(self._orbit(x))
        return self._average(values.reshape(x.shape[0], self.n_operations))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Same as :meth:`log_psi`."""
        return self.log_psi(x)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """``log p_G(x)`` (``-inf`` outside the model's U(1) sector)."""
        return 2.0 * self.log_psi(x).real

    @torch.no_grad()
    def log_psi_shared_prefixes(self, x: torch.Tensor) -> torch.Tensor:
        """:meth:`log_psi` (no graph) through the model's prefix tree over the orbits, at
        most :data:`_ORBIT_ROWS` rows at a time (the tree's memory grows with its rows)."""
        chunk = max(1, _ORBIT_ROWS // self.n_operations)
        parts = []
        for part in x.split(chunk):
            values = self.model.log_psi_shared_prefixes(self._orbit(part))
            parts.append(self._average(values.reshape(part.shape[0], self.n_operations)))
        return torch.cat(parts)

    def log_psi_jacobian(self, x: torch.Tensor) -> torch.Tensor:
        r"""Per-sample ``∂ log ψ_G(x) / ∂θ``, shape ``(B, P)``, from the model's own.

        With :math:`a_g = \log\psi(T_g x)`, :math:`\pi_g = p(T_g x) / \sum_h p(T_h x)` and
        :math:`c_g = \psi(T_g x) / \sum_h \psi(T_h x)`,

        .. math::  \partial \log|\psi_G| = \sum_g \pi_g\, \mathrm{Re}\,\partial a_g, \qquad
                   \partial \phi_G = \mathrm{Im} \sum_g c_g\, \partial a_g .
        """
        n_parameters = sum(p.numel() for p in self.model.parameters() if p.requires_grad)
        chunk = max(1, _JACOBIAN_ELEMENTS // max(self.n_operations * n_parameters, 1))
        return torch.cat([self._jacobian_chunk(part) for part in x.split(chunk)])

    def _weights(self, log_psi_orbit: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(π, c)``, shape ``(B, |G|)``, from the orbit's ``log ψ`` ``(B·|G|,)``."""
        values = log_psi_orbit.reshape(-1, self.n_operations)
        weights = torch.softmax(2.0 * values.real, dim=1)
        coefficients = torch.exp(values - _finite_max(values))
        return weights, coefficients / coefficients.sum(dim=1, keepdim=True)

    def _jacobian_chunk(self, x: torch.Tensor) -> torch.Tensor:
        orbit = self._orbit(x)
        # Every autoregressive model of qgen has one (not the base class: SR falls back to
        # torch.func for models without).
        model_jacobian = cast(Callable[..., torch.Tensor], self.model.log_psi_jacobian)
        if self.model.jacobian_combines:  # weighted sums inside the layers' backward pass
            return model_jacobian(orbit, combine=self._weights)
        with torch.no_grad():
            weights, coefficients = self._weights(self.model.log_psi(orbit))
        jacobian = model_jacobian(orbit).reshape(*weights.shape, -1)
        amplitude = torch.einsum("bg,bgp->bp", weights.to(jacobian.real.dtype), jacobian.real)
        if not jacobian.is_complex():
            return amplitude
        phase = torch.einsum("bg,bgp->bp", coefficients.to(jacobian.dtype), jacobian).imag
        return torch.complex(amplitude, phase)

    @torch.no_grad()
    def sample(
        self, n_samples: int, generator: torch.Generator | None = None, **options: Any
    ) -> torch.Tensor:
        """Exact samples from ``p_G``: model samples under uniformly drawn ``T_g^{-1}``.

        ``options`` go to the model's :meth:`~AutoregressiveModel.sample`.
        """
        y = self.model.sample(n_samples, generator, **options)
        g = torch.randint(self.n_operations, (n_samples,), generator=generator, device=y.device)
        x = torch.gather(y, 1, self.scatter[g])
        return x ^ self.flips[g].to(x.dtype) if self.spin_flip else x

    def n_parameters(self) -> int:
        """Number of trainable parameters (those of the model)."""
        return self.model.n_parameters()

    def extra_repr(self) -> str:
        return f"n_operations={self.n_operations}, spin_flip={self.spin_flip}"


def _finite_max(log_values: torch.Tensor) -> torch.Tensor:
    """The largest real part per row ``(B, 1)``, 0 where all are ``-inf`` (outside the
    U(1) sector), to factor out of ``exp`` without ``-inf - (-inf)``."""
    largest = log_values.real.amax(dim=1, keepdim=True).detach()
    return torch.where(torch.isfinite(largest), largest, torch.zeros_like(largest))
