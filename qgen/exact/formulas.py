r"""Closed-form ground-state energies, against which ED and variational results are checked.

Example:
    >>> from qgen.exact.formulas import tfim_chain_ground_energy
    >>> round(tfim_chain_ground_energy(10, h=1.0), 9)
    -12.784906443
"""

from __future__ import annotations

import math

import numpy as np

from qgen.errors import QgenError

__all__ = ["bethe_ansatz_energy_per_site", "tfim_chain_ground_energy"]


def tfim_chain_ground_energy(
    n_sites: int, h: float = 1.0, J: float = 1.0, periodic: bool = True
) -> float:
    r"""Ground-state energy of the transverse-field Ising chain by free fermions.

    :math:`H = -J \sum_i Z_i Z_{i+1} - h \sum_i X_i` (Pauli matrices). After a
    Jordan–Wigner transformation the Hamiltonian is quadratic in Majorana fermions,
    :math:`H = \tfrac{i}{2}\sum_j (h\,\gamma_{2j-1}\gamma_{2j} + J\,\gamma_{2j}\gamma_{2j+1})`
    up to signs, and :math:`E_0 = -\sum_k \epsilon_k / 2` with the single-particle energies
    :math:`\epsilon_k = 2 s_k`, :math:`s_k` the singular values of the :math:`N \times N`
    matrix :math:`B = h\,\mathbb{1} + J\,T`, :math:`T` the shift by one site.

    * open chain: :math:`T` without the corner element;
    * periodic chain: the ground state lies in the even-fermion-parity sector, where the
      fermions see antiperiodic boundaries (corner element :math:`-J`); this gives
      :math:`E_0 = -\sum_k \sqrt{J^2 + h^2 - 2 J h \cos k}`, :math:`k = \pi(2n+1)/N`.

    Args:
        n_sites: chain length (≥ 1; ≥ 3 when periodic, so that no bond is counted twice).
        h: transverse field.
        J: Ising coupling.
        periodic: periodic or open boundaries.

    Raises:
        QgenError: a chain too short, or an antiferromagnetic (J < 0) periodic chain of odd
            length, which is frustrated and not covered by this formula.

    References:
        P. Pfeuty, Ann. Phys. 57, 79 (1970).
    """
    minimum = 3 if periodic else 1
    if not np.isfinite(h) or not np.isfinite(J):
        raise QgenError(f"expected finite couplings, got h={h}, J={J}")
    if isinstance(n_sites, bool) or not isinstance(n_sites, int | np.integer) or n_sites < minimum:
        raise QgenError(
            f"expected a chain of at least {minimum} sites "
            f"({'periodic' if periodic else 'open'}), got {n_sites}"
        )
    if periodic and J < 0 and n_sites % 2 == 1:
        raise QgenError(
            "the free-fermion formula covers J >= 0, or an even periodic chain; got J < 0 "
            f"with {n_sites} sites"
        )
    if periodic:
        # The spectrum is even in h (conjugation by Π Z_i) and, on an even ring, in J
        # (rotation of every other spin); the formula holds for J, h >= 0.
        coupling, field = abs(J), abs(h)
        k = np.pi * (2 * np.arange(n_sites) + 1) / n_sites
        return -float(np.sum(np.sqrt(coupling**2 + field**2 - 2 * coupling * field * np.cos(k))))
    matrix = np.diag(np.full(n_sites, float(h))) + np.diag(np.full(n_sites - 1, float(J)), 1)
    return -float(np.linalg.svd(matrix, compute_uv=False).sum())


def bethe_ansatz_energy_per_site(J: float = 1.0) -> float:
    r"""Energy per site of the infinite spin-1/2 Heisenberg chain, :math:`e_0 = J(1/4 - \ln 2)`.

    For :math:`H = J \sum_i S_i \cdot S_j` with :math:`S = \sigma/2` and J > 0.
    Finite periodic chains approach it as :math:`e_0 - \pi^2 J / (12 N^2)` (conformal
    field theory with c = 1 and spin-wave velocity πJ/2; logarithmic corrections aside).

    References:
        H. Bethe, Z. Phys. 71, 205 (1931); L. Hulthén, Ark. Mat. Astron. Fys. 26A (1938).
    """
    if J <= 0:
        raise QgenError(f"expected an antiferromagnetic coupling J > 0, got {J}")
    return J * (0.25 - math.log(2.0))
