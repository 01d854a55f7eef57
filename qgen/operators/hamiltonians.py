r"""Spin Hamiltonians on any :class:`~qgen.lattice.Lattice`, as :class:`PauliSum` operators.

Conventions (those of ``shared/reference/energies.json``):

* transverse-field Ising, Pauli matrices: :math:`H = -J \sum_{\langle ij\rangle} Z_i Z_j
  - h \sum_i X_i`;
* Heisenberg / XXZ / J1-J2 with spin operators :math:`S = \sigma/2`:
  :math:`H = \sum_{n} J_n \sum_{\langle ij\rangle_n} (S^x_i S^x_j + S^y_i S^y_j
  + \Delta S^z_i S^z_j)`, with :math:`J_1 = J` on nearest and :math:`J_2` on
  next-nearest bonds. Codes that use Pauli matrices report four times these energies.

Bonds are those of :meth:`~qgen.lattice.Lattice.bonds`, each counted once.

Example:
    >>> from qgen.lattice import Chain
    >>> from qgen.operators.hamiltonians import heisenberg
    >>> heisenberg(Chain(4)).n_terms
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


def transverse_field_ising(lattice: Lattice, J: float = 1.0, h: float = 1.0) -> PauliSum:
    r"""Transverse-field Ising model :math:`H = -J \sum_{\langle ij\rangle} Z_i Z_j - h \sum_i X_i`.

    References:
        P. Pfeuty, Ann. Phys. 57, 79 (1970) (the chain's exact solution).
    """
    n = lattice.n_sites
    coupling = -float(J) * _two_site_strings(n, lattice.bonds(1), "Z")
    field = PauliSum([f"X{i}" for i in range(n)], n_sites=n)
    return coupling - float(h) * field


def heisenberg(
    lattice: Lattice,
    J: float = 1.0,
    *,
    delta: float = 1.0,
    J2: float = 0.0,
    sign_rule: bool = False,
) -> PauliSum:
    r"""Heisenberg / XXZ / J1-J2 model in spin units (:math:`S = \sigma/2`).

    .. math:: H = J \sum_{\langle ij\rangle} (S^x_i S^x_j + S^y_i S^y_j + \Delta S^z_i S^z_j)
              + J_2 \sum_{\langle\langle ij\rangle\rangle} (\dots)

    Args:
        lattice: the lattice; next-nearest bonds are used only when ``J2 != 0``.
        J: nearest-neighbour coupling (J > 0 antiferromagnetic).
        delta: anisotropy Δ of the S^z S^z term (1 = isotropic Heisenberg).
        J2: next-nearest-neighbour coupling.
        sign_rule: apply the Marshall sign rule, :math:`H \to U H U^\dagger` with
            :math:`U = \prod_{i \in B} \sigma^z_i` on sublattice B; the spectrum is
            unchanged and nearest-neighbour flips become non-positive (stoquastic for
            J2 = 0, J > 0).

    Raises:
        LatticeError: ``sign_rule`` on a lattice that is not bipartite.

    References:
        W. Marshall, Proc. R. Soc. A 232, 48 (1955) (sign rule).
    """
    n = lattice.n_sites
    couplings = [(1, float(J)), (2, float(J2))]
    operator = PauliSum.zero(n)
    for order, strength in couplings:
        if strength == 0.0 and order > 1:
            continue
        flips = _two_site_strings(n, lattice.bonds(order), "XY")
        diagonal = _two_site_strings(n, lattice.bonds(order), "Z")
        operator = operator + (strength / 4) * (flips + float(delta) * diagonal)
    return apply_sign_rule(operator, lattice) if sign_rule else operator


def apply_sign_rule(operator: PauliSum, lattice: Lattice) -> PauliSum:
    r"""The Marshall sign rule: :math:`U O U^\dagger` with :math:`U = \prod_{i \in B} \sigma^z_i`.

    B is the sublattice of sites labelled 1 (site 0 is on A).

    Raises:
        LatticeError: the lattice is not bipartite.
    """
    return operator.rotated_by_z(np.flatnonzero(lattice.sublattice == 1))


def xxz(lattice: Lattice, delta: float, J: float = 1.0, *, sign_rule: bool = False) -> PauliSum:
    r"""XXZ model :math:`H = J \sum (S^x S^x + S^y S^y + \Delta S^z S^z)`.

    See :func:`heisenberg`.
    """
    return heisenberg(lattice, J, delta=delta, sign_rule=sign_rule)


def j1j2(
    lattice: Lattice, J2: float = 0.5, J1: float = 1.0, *, sign_rule: bool = False
) -> PauliSum:
    r"""J1-J2 Heisenberg model :math:`H = J_1 \sum_{\langle ij\rangle} S_i \cdot S_j
    + J_2 \sum_{\langle\langle ij\rangle\rangle} S_i \cdot S_j` (see :func:`heisenberg`)."""
    return heisenberg(lattice, J1, J2=J2, sign_rule=sign_rule)
