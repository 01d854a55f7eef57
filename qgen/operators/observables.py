r"""Observables as :class:`PauliSum` operators, usable by ED, VMC and tomography alike.

Pauli-matrix units throughout (:math:`\sigma^a`, eigenvalues ±1); divide by 2 for spin
units.

Example:
    >>> from qgen.operators.observables import total_sigma, correlation
    >>> total_sigma("X", 3).strings
    ['IIX', 'IXI', 'XII']
    >>> correlation(0, 2, 3, "ZZ").strings
    ['ZIZ']
"""

from __future__ import annotations

import numpy as np

from qgen.errors import OperatorError
from qgen.lattice import Lattice
from qgen.operators.pauli import PauliSum

__all__ = [
    "correlation",
    "magnetization",
    "sigma",
    "spin_correlation",
    "staggered_magnetization",
    "total_sigma",
]

_LETTERS = ("X", "Y", "Z")


def _letter(letter: str) -> str:
    if letter not in _LETTERS:
        raise OperatorError(f"expected a Pauli letter in {_LETTERS}, got {letter!r}")
    return letter


def sigma(letter: str, site: int, n_sites: int) -> PauliSum:
    r"""The single-site Pauli operator :math:`\sigma^a_i`, ``letter`` ∈ {X, Y, Z}."""
    return PauliSum([f"{_letter(letter)}{site}"], n_sites=n_sites)


def total_sigma(letter: str, n_sites: int) -> PauliSum:
    r""":math:`\sum_i \sigma^a_i`."""
    return PauliSum([f"{_letter(letter)}{i}" for i in range(n_sites)], n_sites=n_sites)


def magnetization(letter: str, n_sites: int) -> PauliSum:
    r"""Site-averaged magnetization :math:`\frac{1}{N}\sum_i \sigma^a_i`."""
    return total_sigma(letter, n_sites) / n_sites


def correlation(i: int, j: int, n_sites: int, letters: str = "ZZ") -> PauliSum:
    r"""Two-point correlator :math:`\sigma^a_i \sigma^b_j` with ``letters = "ab"``.

    For ``i == j`` this is the product :math:`\sigma^a_i\sigma^b_i` (the identity when
    ``a == b``).
    """
    if len(letters) != 2:
        raise OperatorError(f"expected two Pauli letters such as 'ZZ' or 'XY', got {letters!r}")
    return sigma(letters[0], i, n_sites) @ sigma(letters[1], j, n_sites)


def spin_correlation(i: int, j: int, n_sites: int) -> PauliSum:
    r"""Spin-spin correlator in spin units.

    :math:`\mathbf S_i \cdot \mathbf S_j = \tfrac14 (X_i X_j + Y_i Y_j + Z_i Z_j)`.
    """
    return sum((correlation(i, j, n_sites, a + a) for a in _LETTERS), PauliSum.zero(n_sites)) / 4


def staggered_magnetization(lattice: Lattice, letter: str = "Z") -> PauliSum:
    r"""Staggered magnetization :math:`m_s = \frac{1}{N}\sum_i (-1)^{\eta_i} \sigma^a_i`.

    :math:`\eta_i` is the sublattice of site ``i`` (0 = A, 1 = B). On a finite lattice
    :math:`\langle m_s\rangle = 0` by symmetry; the order parameter is
    :math:`\langle m_s^2\rangle`, available as ``m @ m``.

    Raises:
        LatticeError: the lattice is not bipartite.
    """
    signs = 1.0 - 2.0 * lattice.sublattice.astype(np.float64)
    n = lattice.n_sites
    labels = [f"{_letter(letter)}{i}" for i in range(n)]
    return PauliSum(labels, (signs / n).tolist(), n_sites=n)
