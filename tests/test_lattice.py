"""Lattices: bond counts, degenerate sizes, sublattices, orderings, translations."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qgen.errors import LatticeError
from qgen.lattice import Chain, Square, Triangular, lattice_from_name, parse_size


@pytest.mark.parametrize(
    ("lattice", "order", "n_bonds"),
    [
        pytest.param(Chain(8), 1, 8, id="chain-pbc-nn"),
        pytest.param(Chain(8, periodic=False), 1, 7, id="chain-obc-nn"),
        pytest.param(Chain(8), 2, 8, id="chain-pbc-nnn"),
        pytest.param(Chain(8, periodic=False), 2, 6, id="chain-obc-nnn"),
        pytest.param(Square(4, 4), 1, 32, id="square-pbc-nn"),
        pytest.param(Square(4, 3, periodic=False), 1, 3 * 3 + 4 * 2, id="square-obc-nn"),
        pytest.param(Square(4, 4), 2, 32, id="square-pbc-nnn"),
        pytest.param(Square(3, 3, periodic=False), 2, 8, id="square-obc-nnn"),
        pytest.param(Square(4, 3, periodic=(True, False)), 1, 4 * 3 + 4 * 2, id="cylinder"),
        pytest.param(Triangular(3, 3), 1, 27, id="triangular-pbc-nn"),
        pytest.param(Triangular(4, 4), 2, 48, id="triangular-pbc-nnn"),
        pytest.param(Triangular(3, 3, periodic=False), 1, 3 * 2 * 2 + 2 * 2, id="tri-obc-nn"),
    ],
)
def test_bond_counts(lattice, order, n_bonds):
    bonds = lattice.bonds(order)
    assert bonds.shape == (n_bonds, 2)
    assert np.all(bonds[:, 0] < bonds[:, 1])
    assert len({tuple(b) for b in bonds.tolist()}) == n_bonds


def test_every_periodic_site_has_the_coordination_number():
    for lattice, z in [(Chain(6), 2), (Square(4, 4), 4), (Triangular(4, 4), 6)]:
        degree = np.bincount(lattice.bonds().ravel(), minlength=lattice.n_sites)
        assert np.all(degree == z)


def test_bond_lengths_are_those_of_the_order():
    lattice = Triangular(4, 4, periodic=False)
    for order, length in [(1, 1.0), (2, np.sqrt(3))]:
        i, j = lattice.bonds(order).T
        distance = np.linalg.norm(lattice.positions[i] - lattice.positions[j], axis=1)
        np.testing.assert_allclose(distance, length)


@pytest.mark.parametrize(
    ("lattice", "order"),
    [
        pytest.param(Chain(2), 1, id="chain-2"),
        pytest.param(Chain(1), 1, id="chain-1"),
        pytest.param(Chain(4), 2, id="chain-4-nnn"),
        pytest.param(Square(2, 4), 1, id="square-2x4"),
        pytest.param(Square(2, 2), 2, id="square-2x2-nnn"),
        pytest.param(Triangular(3, 3), 2, id="triangular-3x3-nnn"),
    ],
)
def test_degenerate_periodic_bonds_are_refused(lattice, order):
    with pytest.raises(LatticeError, match="too small for periodic"):
        lattice.bonds(order)


def test_small_open_lattices_are_fine():
    assert Chain(2, periodic=False).bonds().tolist() == [[0, 1]]
    assert Chain(1, periodic=False).bonds().shape == (0, 2)


def test_sublattices_of_bipartite_lattices():
    np.testing.assert_array_equal(Chain(6).sublattice, [0, 1, 0, 1, 0, 1])
    square = Square(4, 4)
    x, y = square.coordinates.T
    np.testing.assert_array_equal(square.sublattice, (x + y) % 2)
    i, j = square.bonds().T
    assert np.all(square.sublattice[i] != square.sublattice[j])


@pytest.mark.parametrize(
    "lattice",
    [
        pytest.param(Chain(5), id="odd-ring"),
        pytest.param(Square(3, 4), id="odd-torus"),
        pytest.param(Triangular(4, 4), id="triangular"),
    ],
)
def test_non_bipartite_lattices_refuse_sublattices(lattice):
    assert not lattice.is_bipartite
    with pytest.raises(LatticeError, match="not bipartite"):
        _ = lattice.sublattice


def test_open_odd_lattices_are_bipartite():
    assert Chain(5, periodic=False).is_bipartite
    assert Square(3, 3, periodic=False).is_bipartite


def test_site_numbering_is_row_major():
    square = Square(3, 2)
    assert square.coordinates.tolist() == [[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [2, 1]]
    assert square.site_index([[2, 1], [3, 1], [-1, 0]]).tolist() == [5, 3, 2]


def test_snake_ordering_walks_through_neighbours():
    square = Square(4, 3, periodic=False)
    order = square.ordering("snake")
    assert sorted(order.tolist()) == list(range(12))
    bonds = {tuple(b) for b in square.bonds().tolist()}
    for a, b in itertools.pairwise(order):
        assert (min(a, b), max(a, b)) in bonds
    np.testing.assert_array_equal(square.ordering("row-major"), np.arange(12))
    with pytest.raises(LatticeError, match="ordering"):
        square.ordering("spiral")


def test_translations_are_symmetries_of_the_bonds():
    square = Square(4, 3)
    perms = square.translations()
    assert perms.shape == (12, 12)
    np.testing.assert_array_equal(perms[0], np.arange(12))
    bonds = {tuple(b) for b in square.bonds().tolist()}
    for perm in perms:
        mapped = {tuple(sorted(b)) for b in perm[square.bonds()].tolist()}
        assert mapped == bonds
    assert Square(4, 3, periodic=(True, False)).translations().shape == (4, 12)


@pytest.mark.parametrize(
    ("text", "lengths"),
    [("20", (20,)), (20, (20,)), ("4x4", (4, 4)), ("4X6", (4, 6)), ((3, 5), (3, 5))],
)
def test_parse_size(text, lengths):
    assert parse_size(text) == lengths


@pytest.mark.parametrize("bad", ["", "4x", "0", "-3", "axb", True, 2.5])
def test_parse_size_refuses_nonsense(bad):
    with pytest.raises(LatticeError, match="expected"):
        parse_size(bad)


def test_lattice_from_name():
    assert lattice_from_name("square", "4") == Square(4, 4)
    assert lattice_from_name("chain", 8, periodic=False) == Chain(8, periodic=False)
    with pytest.raises(LatticeError, match="lattice: expected one of chain, square, triangular"):
        lattice_from_name("kagome", 4)
    with pytest.raises(LatticeError, match="chain takes one length"):
        lattice_from_name("chain", "4x4")
    with pytest.raises(LatticeError, match="size such as 4x4"):
        lattice_from_name("square", "2x2x2")


def test_bonds_of_two_orders_may_not_coincide():
    with pytest.raises(LatticeError, match="both an order-1 and an order-2 bond"):
        Chain(3).bonds(2)
    assert Chain(3).bonds(1).shape == (3, 2)  # nearest neighbours alone are fine


def test_sizes_must_be_integers_and_bonds_are_read_only():
    with pytest.raises(LatticeError, match="lattice size"):
        parse_size([8.5])
    bonds = Chain(6).bonds()
    with pytest.raises(ValueError, match="read-only"):
        bonds[0, 0] = 3


@pytest.mark.parametrize(
    ("lattice", "points", "space"),
    [
        (Chain(8), 2, 16),
        (Chain(8, periodic=False), 2, 2),
        (Square(4, 4), 8, 128),
        (Square(4, 6), 4, 96),
        (Square(3, 3, periodic=False), 8, 8),
        (Square(4, 4, periodic=(True, False)), 4, 16),
        (Triangular(6, 6), 12, 432),
    ],
)
def test_point_and_space_groups_are_groups_of_bond_preserving_permutations(lattice, points, space):
    """D1, D4, D2 and D6 point groups; space groups of |translations| · |point group|."""
    for group, size in ((lattice.point_group(), points), (lattice.space_group(), space)):
        assert group.shape == (size, lattice.n_sites)
        np.testing.assert_array_equal(group[0], np.arange(lattice.n_sites))
        elements = {perm.tobytes() for perm in group}
        assert len(elements) == size
        for a in group:
            assert np.array_equal(np.sort(a), np.arange(lattice.n_sites))
            for b in group[:: max(1, size // 16)]:
                assert a[b].tobytes() in elements
            for order in lattice.bond_orders:
                bonds = {tuple(bond) for bond in lattice.bonds(order).tolist()}
                assert {tuple(sorted(bond)) for bond in a[lattice.bonds(order)].tolist()} == bonds
    # The point group keeps site 0 along periodic directions.
    if all(lattice.periodic):
        assert (lattice.point_group()[:, 0] == 0).all()
