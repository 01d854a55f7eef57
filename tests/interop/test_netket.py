"""qgen.interop.netket against NetKet itself: operators element for element, ground-state
energies from NetKet's own Lanczos, NetKet's 2D site numbering, states, and refusals.

Tolerances: matrices and operators are compared to 1e-12 (the same numbers, reordered);
energies from two Lanczos runs to 1e-9.
"""

from __future__ import annotations

import numpy as np
import pytest
from crosscheck_references import import_netket

from qgen.errors import OperatorError
from qgen.exact import expectation, ground_state
from qgen.interop import (
    from_netket,
    netket_site_order,
    state_from_netket,
    state_to_netket,
    to_netket,
)
from qgen.lattice import Chain, Lattice, Square, Triangular
from qgen.operators import PauliSum, heisenberg, pauli, transverse_field_ising

pytest.importorskip("netket")
nk = import_netket()

TOLERANCE = 1e-12
ENERGY_TOLERANCE = 1e-9


def netket_graph(lattice: Lattice):
    """NetKet's own graph of the same shape (its site numbering, not qgen's)."""
    pbc = list(lattice.periodic)
    if isinstance(lattice, Chain):
        return nk.graph.Chain(lattice.n_sites, pbc=pbc[0])
    if isinstance(lattice, Triangular):
        return nk.graph.Triangular(list(lattice.extent), pbc=pbc)
    return nk.graph.Grid(list(lattice.extent), pbc=pbc)


def netket_ground_energy(operator) -> float:
    return float(np.min(nk.exact.lanczos_ed(operator, k=1)))


def random_pauli_sum(n_sites: int, n_terms: int, seed: int) -> PauliSum:
    rng = np.random.default_rng(seed)
    labels = ["".join(rng.choice(list("IXYZ"), size=n_sites)) for _ in range(n_terms)]
    return PauliSum(labels, list(rng.normal(size=n_terms)), n_sites=n_sites)


LATTICES = [
    pytest.param(Chain(8), id="chain-8-periodic"),
    pytest.param(Chain(7, periodic=False), id="chain-7-open"),
    pytest.param(Square(4, 2, periodic=False), id="square-4x2-open"),
    pytest.param(Square(4, 2, periodic=(True, False)), id="square-4x2-cylinder"),
    pytest.param(Square(3, 2, periodic=False), id="square-3x2-open"),
    pytest.param(Square(3, 3), id="square-3x3-periodic"),
]


@pytest.mark.parametrize(
    "lattice",
    [*LATTICES, pytest.param(Triangular(3, 2, periodic=False), id="triangular-3x2-open")],
)
def test_site_order_matches_netket_positions(lattice):
    """qgen's site i and NetKet's node order[i] sit at the same point of the plane."""
    graph = netket_graph(lattice)
    order = netket_site_order(lattice)
    positions = np.asarray(graph.positions, dtype=float).reshape(lattice.n_sites, -1)
    np.testing.assert_allclose(positions[order], lattice.positions, atol=1e-12)


@pytest.mark.parametrize("lattice", LATTICES)
def test_heisenberg_energy_agrees_with_netket_lanczos(lattice):
    """NetKet's Heisenberg (Pauli matrices) is 4× qgen's (S = σ/2), bond for bond, and the
    converted operator's ground energy is NetKet's own."""
    hilbert = nk.hilbert.Spin(0.5, lattice.n_sites)
    theirs = nk.operator.Heisenberg(hilbert, netket_graph(lattice), sign_rule=False)
    converted = from_netket(theirs, lattice=lattice)
    assert converted.allclose(4 * heisenberg(lattice), atol=TOLERANCE)
    netket_energy = netket_ground_energy(theirs)
    energy, _ = ground_state(converted)
    assert energy == pytest.approx(netket_energy, abs=ENERGY_TOLERANCE)
    ours, _ = ground_state(heisenberg(lattice))
    assert 4 * ours == pytest.approx(netket_energy, abs=ENERGY_TOLERANCE)
    # and back: qgen's model in NetKet has NetKet's energy divided by 4
    back = to_netket(heisenberg(lattice), lattice=lattice)
    assert 4 * netket_ground_energy(back) == pytest.approx(netket_energy, abs=ENERGY_TOLERANCE)


def test_a_single_bond_along_x_lands_on_the_same_bond():
    """ZZ between (0, 0) and (1, 0) of a 4×2 grid: NetKet's nodes 0 and 2, qgen's sites 0
    and 1. The lattice maps it there; without one it lands on a bond along y."""
    lattice = Square(4, 2, periodic=False)
    graph = netket_graph(lattice)
    positions = np.asarray(graph.positions, dtype=float)
    node = {tuple(p): k for k, p in enumerate(np.round(positions, 9).tolist())}
    a, b = node[(0.0, 0.0)], node[(1.0, 0.0)]
    label = ["I"] * 8
    label[a] = label[b] = "Z"
    bond = nk.operator.PauliStrings(nk.hilbert.Spin(0.5, 8), ["".join(label)], [1.0])
    assert from_netket(bond, lattice=lattice).allclose(pauli("Z0 Z1", 8))
    assert not from_netket(bond).allclose(pauli("Z0 Z1", 8))
    assert to_netket(pauli("Z0 Z1", 8), lattice=lattice).operators.tolist() == ["".join(label)]


@pytest.mark.parametrize("lattice", [Chain(6), Square(3, 2, periodic=False)], ids=str)
def test_round_trip_of_a_random_pauli_sum(lattice):
    operator = random_pauli_sum(lattice.n_sites, 20, seed=3)
    assert from_netket(to_netket(operator, lattice=lattice), lattice=lattice).allclose(operator)
    converted = to_netket(operator)  # without a lattice: the same matrix, index for index
    np.testing.assert_allclose(
        np.asarray(converted.to_dense()), operator.to_dense(), atol=TOLERANCE
    )


def test_local_operators_and_ising_convert_element_for_element():
    hilbert = nk.hilbert.Spin(0.5, 5)
    spin = nk.operator.spin
    local = spin.sigmap(hilbert, 1) @ spin.sigmam(hilbert, 0) + 0.5 * spin.sigmay(hilbert, 4)
    local = local + 2.0
    converted = from_netket(local)
    np.testing.assert_allclose(converted.to_dense(), np.asarray(local.to_dense()), atol=TOLERANCE)
    # NetKet's Ising is -h Σ X + J Σ ZZ: qgen's transverse_field_ising with J -> -J
    chain = Chain(5)
    ising = nk.operator.Ising(hilbert, netket_graph(chain), h=0.7, J=0.3)
    assert from_netket(ising).allclose(transverse_field_ising(chain, J=-0.3, h=0.7))


def test_a_sum_of_netket_operators_is_read_through_its_matrix():
    hilbert = nk.hilbert.Spin(0.5, 3)
    total = nk.operator.spin.sigmaz(hilbert, 0) + nk.operator.PauliStrings(hilbert, ["IXY"], [2.0])
    assert from_netket(total).allclose(pauli("Z0", 3) + 2 * pauli("X1 Y2", 3))


def test_inverted_ordering_is_the_same_physics():
    """With inverted_ordering=True the local states are [-1, +1]; NetKet's σᶻ is +1 on
    index 0 in both orderings, so the operator and the ground state convert alike."""
    chain = Chain(6, periodic=False)
    vectors = []
    for inverted in (False, True):
        hilbert = nk.hilbert.Spin(0.5, 6, inverted_ordering=inverted)
        theirs = nk.operator.Heisenberg(hilbert, netket_graph(chain), sign_rule=False)
        assert from_netket(nk.operator.spin.sigmaz(hilbert, 2)).allclose(pauli("Z2", 6))
        energies, states = nk.exact.lanczos_ed(theirs, k=1, compute_eigenvectors=True)
        psi = state_from_netket(states[:, 0], hilbert)
        assert expectation(heisenberg(chain), psi) == pytest.approx(
            float(energies[0]) / 4, abs=ENERGY_TOLERANCE
        )
        vectors.append(psi)
    assert abs(np.vdot(vectors[0], vectors[1])) == pytest.approx(1.0, abs=1e-9)


def test_states_of_a_2d_lattice_and_a_constrained_space():
    lattice = Square(3, 2, periodic=False)
    hilbert = nk.hilbert.Spin(0.5, 6, total_sz=0)
    theirs = nk.operator.Heisenberg(hilbert, netket_graph(lattice), sign_rule=False)
    energies, states = nk.exact.lanczos_ed(theirs, k=1, compute_eigenvectors=True)
    psi = state_from_netket(states[:, 0], hilbert, lattice=lattice)
    exact, _ = ground_state(heisenberg(lattice))
    assert expectation(heisenberg(lattice), psi) == pytest.approx(exact, abs=ENERGY_TOLERANCE)
    assert 4 * exact == pytest.approx(float(energies[0]), abs=ENERGY_TOLERANCE)
    np.testing.assert_allclose(
        state_to_netket(psi, hilbert, lattice=lattice), states[:, 0], atol=TOLERANCE
    )


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(
            lambda: nk.operator.spin.sigmaz(nk.hilbert.Spin(1.0, 2), 0), "got spin 1", id="spin-1"
        ),
        pytest.param(
            lambda: nk.operator.fermion.create(nk.hilbert.SpinOrbitalFermions(3), 0),
            "got a fermion space",
            id="fermions",
        ),
        pytest.param(
            lambda: nk.operator.BoseHubbard(
                nk.hilbert.Fock(n_max=2, N=3), nk.graph.Chain(3), U=1.0
            ),
            "got a boson",
            id="bosons",
        ),
    ],
)
def test_spaces_qgen_cannot_map_are_refused_in_one_line(make, expected):
    with pytest.raises(OperatorError, match="expected a spin-1/2 space") as caught:
        from_netket(make())
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_lattice_of_another_size_is_refused():
    operator = nk.operator.spin.sigmaz(nk.hilbert.Spin(0.5, 6), 0)
    with pytest.raises(OperatorError, match="expected a lattice of 6 sites"):
        from_netket(operator, lattice=Chain(8))
