r"""Spin Hamiltonians on any :class:`~qgen.lattice.Lattice`, as :class:`PauliSum` operators.

Conventions (those of ``shared/reference/energies.json``):

* transverse-field Ising, Pauli matrices: :math:`H = -J \sum_{\langle ij\rangle} Z_i Z_j
  - h \sum_i X_i`;
* Heisenberg / XXZ / J1-J2 with spin operators :math:`S = \sigma/2`:
  :math:`H = \sum_{n} J_n \sum_{\langle ij\rangle_n} (S^x_i S^x_j + S^y_i S^y_j
  + \Delta S^z_i S^z_j)`, with :math:`J_1 = J` on nearest and :math:`J_2` on
  next-nearest bonds. Codes that use Pauli matrices report four times these energies.

Bonds are those of :meth:`~qgen.lattice.Lattice.bonds`, each counted once.

Couplings are keyword-only, each model naming its own (``J``, ``delta``, ``J1``, ``J2``,
``h``).

Example:
    >>> from qgen.lattice import Chain
    >>> from qgen.operators.hamiltonians import heisenberg
    >>> heisenberg(Chain(4), J=1.0).n_terms
    12
"""

from __future__ import annotations

import numpy as np

from qgen.lattice import Lattice
from qgen.operators.pauli import PauliSum

__all__ = ["apply_sign_rule", "heisenberg", "j1j2", "transverse_field_ising", "xxz"]


def _two_site_strings(n_sites: int, bonds: np.ndarray, letters: str) -> PauliSum:
    """``Σ_bonds σ^a_i σ^a_j`` for each letter ``a`` in ``letters``, all with weight 1."""
    labels = [f"{a}{i} {a}{j}" for i, j in bonds.tolist() for a in letters]
    return PauliSum(labels, n_sites=n_sites)


def transverse_field_ising(lattice: Lattice, *, J: float = 1.0, h: float = 1.0) -> PauliSum:
    r"""Transverse-field Ising model :math:`H = -J \sum_{\langle ij\rangle} Z_i Z_j - h \sum_i X_i`.

    References:
        P. Pfeuty, Ann. Phys. 57, 79 (1970) (the chain's exact solution).
    """
    n = lattice.n_sites
    coupling = -float(J) * _two_site_strings(n, lattice.bonds(1), "Z")
    field = PauliSum([f"X{i}" for i in range(n)], n_sites=n)
    return coupling - float(h) * field


def _exchange(
    lattice: Lattice, couplings: dict[int, float], delta: float, sign_rule: bool
) -> PauliSum:
    r""":math:`\sum_n J_n \sum_{\langle ij\rangle_n} (S^x_i S^x_j + S^y_i S^y_j
    + \Delta S^z_i S^z_j)` over the bonds of each order ``n`` (1: nearest, 2: next-nearest),
    with ``S = σ/2``."""
    n = lattice.n_sites
    operator = PauliSum.zero(n)
    for order, strength in couplings.items():
        if strength == 0.0 and order > 1:
            continue  # a lattice too small for next-nearest bonds still takes J2 = 0
        flips = _two_site_strings(n, lattice.bonds(order), "XY")
        diagonal = _two_site_strings(n, lattice.bonds(order), "Z")
        operator = operator + (float(strength) / 4) * (flips + float(delta) * diagonal)
    return apply_sign_rule(operator, lattice) if sign_rule else operator


def heisenberg(lattice: Lattice, *, J: float = 1.0, sign_rule: bool = False) -> PauliSum:
    r"""Heisenberg model in spin units (:math:`S = \sigma/2`),
    :math:`H = J \sum_{\langle ij\rangle} \mathbf S_i \cdot \mathbf S_j`.

    Args:
        lattice: the lattice (its nearest-neighbour bonds).
        J: the coupling (J > 0 antiferromagnetic).
        sign_rule: apply the Marshall sign rule, :math:`H \to U H U^\dagger` with
            :math:`U = \prod_{i \in B} \sigma^z_i` on sublattice B; the spectrum is
            unchanged and nearest-neighbour flips become non-positive (stoquastic for
            J > 0 on a bipartite lattice).

    Raises:
        LatticeError: ``sign_rule`` on a lattice that is not bipartite.

    References:
        W. Marshall, Proc. R. Soc. A 232, 48 (1955) (sign rule).
    """
    return _exchange(lattice, {1: J}, 1.0, sign_rule)


def xxz(
    lattice: Lattice, *, J: float = 1.0, delta: float = 1.0, sign_rule: bool = False
) -> PauliSum:
    r"""XXZ model :math:`H = J \sum_{\langle ij\rangle} (S^x_i S^x_j + S^y_i S^y_j
    + \Delta S^z_i S^z_j)`; ``delta`` = 1 is the Heisenberg model (see :func:`heisenberg`)."""
    return _exchange(lattice, {1: J}, delta, sign_rule)


def j1j2(
    lattice: Lattice, *, J1: float = 1.0, J2: float = 0.5, sign_rule: bool = False
) -> PauliSum:
    r"""J1-J2 Heisenberg model :math:`H = J_1 \sum_{\langle ij\rangle} \mathbf S_i \cdot
    \mathbf S_j + J_2 \sum_{\langle\langle ij\rangle\rangle} \mathbf S_i \cdot \mathbf S_j`
    on nearest and next-nearest bonds (see :func:`heisenberg`; the Marshall rule makes
    the J1 part stoquastic, not the J2 part)."""
    return _exchange(lattice, {1: J1, 2: J2}, 1.0, sign_rule)


def apply_sign_rule(operator: PauliSum, lattice: Lattice) -> PauliSum:
    r"""The Marshall sign rule: :math:`U O U^\dagger` with :math:`U = \prod_{i \in B} \sigma^z_i`.

    B is the sublattice of sites labelled 1 (site 0 is on A).

    Raises:
        LatticeError: the lattice is not bipartite.
    """
    return operator.rotated_by_z(np.flatnonzero(lattice.sublattice == 1))
