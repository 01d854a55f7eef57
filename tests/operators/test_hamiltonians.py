"""Hamiltonians: conventions, Hermiticity, sign rule, energies against known exact values."""

from __future__ import annotations

import numpy as np
import pytest
from pauli_reference import kron_sum

from qgen.errors import LatticeError
from qgen.exact import diagonalize
from qgen.lattice import Chain, Square, Triangular
from qgen.operators import heisenberg, j1j2, transverse_field_ising, xxz


def _bond_labels(n: int, bonds: list[tuple[int, int]], letter: str) -> list[str]:
    labels = []
    for i, j in bonds:
        row = ["I"] * n
        row[i] = row[j] = letter
        labels.append("".join(row))
    return labels


def test_tfim_matches_its_definition():
    n = 4
    bonds = [(0, 1), (1, 2), (2, 3), (0, 3)]
    fields = ["XIII", "IXII", "IIXI", "IIIX"]
    expected = kron_sum(_bond_labels(n, bonds, "Z") + fields, [-0.7] * 4 + [-1.3] * 4)
    np.testing.assert_allclose(
        transverse_field_ising(Chain(n), J=0.7, h=1.3).to_dense(), expected, atol=1e-12
    )


def test_heisenberg_uses_spin_one_half_operators():
    n = 3
    bonds = [(0, 1), (1, 2)]
    labels, coefficients = [], []
    for letter, weight in [("X", 1.0), ("Y", 1.0), ("Z", 0.4)]:
        labels += _bond_labels(n, bonds, letter)
        coefficients += [2.0 * weight / 4] * len(bonds)
    expected = kron_sum(labels, coefficients)
    operator = xxz(Chain(n, periodic=False), delta=0.4, J=2.0)
    np.testing.assert_allclose(operator.to_dense(), expected, atol=1e-12)


def test_two_site_singlet_energy():
    # S_0 . S_1 has eigenvalues -3/4 (singlet) and 1/4 (triplet).
    energies = np.linalg.eigvalsh(heisenberg(Chain(2, periodic=False)).to_dense())
    np.testing.assert_allclose(energies, [-0.75, 0.25, 0.25, 0.25], atol=1e-12)


def test_j1j2_adds_next_nearest_bonds():
    lattice = Square(4, 4)
    difference = j1j2(lattice, J2=0.5) - heisenberg(lattice)
    expected = j1j2(lattice, J1=0.0, J2=0.5)
    assert difference.allclose(expected)
    assert len({s for s in expected.strings}) == 3 * len(lattice.bonds(2))


@pytest.mark.parametrize(
    "operator",
    [
        pytest.param(transverse_field_ising(Square(3, 3, periodic=False), h=0.5), id="tfim"),
        pytest.param(j1j2(Square(4, 4)), id="j1j2"),
        pytest.param(heisenberg(Triangular(3, 3)), id="triangular"),
    ],
)
def test_hamiltonians_are_hermitian(operator):
    assert operator.is_hermitian()


def test_sign_rule_keeps_the_spectrum_and_makes_flips_non_positive():
    lattice = Square(2, 4, periodic=(False, True))
    plain = heisenberg(lattice)
    rotated = heisenberg(lattice, sign_rule=True)
    dense = rotated.to_dense().real
    off_diagonal = dense - np.diag(np.diag(dense))
    assert off_diagonal.max() <= 0 < -off_diagonal.min()
    np.testing.assert_allclose(
        np.linalg.eigvalsh(plain.to_dense()), np.linalg.eigvalsh(dense), atol=1e-10
    )


def test_sign_rule_is_refused_on_non_bipartite_lattices():
    with pytest.raises(LatticeError, match="not bipartite"):
        heisenberg(Triangular(3, 3), sign_rule=True)
    with pytest.raises(LatticeError, match="not bipartite"):
        heisenberg(Chain(5), sign_rule=True)


# Exact energies from shared/reference/energies.json (NetKet and QuSpin agree to 1e-12).
KNOWN_ENERGIES = [
    pytest.param(heisenberg(Chain(12)), 0, -5.387390917445, id="heisenberg-chain-12"),
    pytest.param(heisenberg(Chain(16)), 0, -7.142296360617, id="heisenberg-chain-16"),
    pytest.param(heisenberg(Square(4, 4)), 0, -11.228483208429, id="heisenberg-4x4"),
    pytest.param(j1j2(Square(4, 4), J2=0.5), 0, -8.4579233514, id="j1j2-4x4"),
    pytest.param(transverse_field_ising(Chain(12)), None, -15.322595151081, id="tfim-chain-12"),
]


@pytest.mark.parametrize(("operator", "sector", "energy"), KNOWN_ENERGIES)
def test_ground_energies_match_known_values(operator, sector, energy):
    computed = diagonalize(operator, sector=sector, return_states=False).ground_energy
    assert computed == pytest.approx(energy, rel=1e-9)
