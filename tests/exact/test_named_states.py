"""Named target states against their exact properties; bases lists."""

from __future__ import annotations

import numpy as np
import pytest

from qgen.datasets import qucumber_tutorial
from qgen.errors import DataError
from qgen.exact import (
    expectation,
    measurement_probabilities,
    renyi_entropy,
    tfim_chain_ground_energy,
    von_neumann_entropy,
)
from qgen.exact.named_states import (
    ghz_state,
    named_state,
    product_state,
    w_state,
    w_state_with_phases,
)
from qgen.operators.observables import correlation, magnetization, sigma
from qgen.operators.pauli import PauliSum
from qgen.reference import ground_state_of
from qgen.system import System
from qgen.tomography.bases import load_basis_list, pairwise_bases, z_basis

QUCUMBER = qucumber_tutorial(1).parent


@pytest.mark.parametrize(
    "name", ["ghz", "w", "w-phases", "product:0", "product:+", "product:r", "product:0+1-rl"]
)
def test_named_states_are_normalized(name):
    psi = named_state(name, 6)
    assert psi.shape == (64,)
    assert psi.dtype == np.complex128
    assert np.linalg.norm(psi) == pytest.approx(1, abs=1e-14)


@pytest.mark.parametrize("n_sites", [2, 5, 8])
def test_ghz_entanglement_and_correlations(n_sites):
    psi = ghz_state(n_sites)
    for size in range(1, n_sites):
        sites = list(range(size))
        assert renyi_entropy(psi, sites, alpha=2) == pytest.approx(np.log(2), abs=1e-12)
        assert von_neumann_entropy(psi, sites) == pytest.approx(np.log(2), abs=1e-12)
    assert expectation(correlation(0, n_sites - 1, n_sites, "ZZ"), psi) == pytest.approx(1)
    assert expectation(PauliSum("X" * n_sites), psi) == pytest.approx(1)  # parity
    assert expectation(magnetization("Z", n_sites), psi) == pytest.approx(0, abs=1e-14)


@pytest.mark.parametrize("n_sites", [3, 6])
def test_w_state_entanglement_and_magnetization(n_sites):
    psi = w_state(n_sites)
    for size in range(1, n_sites):
        p = size / n_sites
        exact = -np.log(p**2 + (1 - p) ** 2)
        assert renyi_entropy(psi, list(range(size)), alpha=2) == pytest.approx(exact, abs=1e-12)
    # one spin down: <sigma^z_i> = 1 - 2/N, and the number of down spins is exactly 1.
    assert expectation(sigma("Z", 0, n_sites), psi) == pytest.approx(1 - 2 / n_sites)
    down = (
        PauliSum.identity(n_sites) * n_sites
        - PauliSum([f"Z{i}" for i in range(n_sites)], n_sites=n_sites)
    ) / 2
    assert expectation(down, psi) == pytest.approx(1)


def test_w_state_with_phases():
    n = 5
    psi = w_state_with_phases(n, seed=3)
    plain = w_state(n)
    # Same Z-basis distribution and entanglement as the W state (the phases are local).
    assert np.allclose(np.abs(psi), np.abs(plain), atol=1e-15)
    for size in (1, 2):
        sites = list(range(size))
        assert renyi_entropy(psi, sites) == pytest.approx(renyi_entropy(plain, sites), abs=1e-12)
    # ... but not the same X-basis distribution.
    x_basis = "XX" + "Z" * (n - 2)
    difference = measurement_probabilities(psi, x_basis) - measurement_probabilities(plain, x_basis)
    assert np.abs(difference).max() > 1e-3
    assert np.array_equal(psi, w_state_with_phases(n, seed=3))
    assert not np.allclose(psi, w_state_with_phases(n, seed=4))


@pytest.mark.parametrize(
    ("letter", "basis", "operator", "value"),
    [
        pytest.param("0", "Z", "Z", 1, id="up"),
        pytest.param("1", "Z", "Z", -1, id="down"),
        pytest.param("+", "X", "X", 1, id="plus"),
        pytest.param("-", "X", "X", -1, id="minus"),
        pytest.param("r", "Y", "Y", 1, id="plus-i"),
        pytest.param("l", "Y", "Y", -1, id="minus-i"),
    ],
)
def test_product_states_are_eigenstates(letter, basis, operator, value):
    n = 3
    psi = product_state(letter, n)
    assert expectation(magnetization(operator, n), psi) == pytest.approx(value, abs=1e-14)
    # Measured in their own basis they give one outcome: 0 for +1, 1 (all ones) for -1.
    probabilities = measurement_probabilities(psi, basis * n)
    assert probabilities[0 if value == 1 else -1] == pytest.approx(1, abs=1e-14)
    assert renyi_entropy(psi, [0]) == pytest.approx(0, abs=1e-12)


def test_neel_product_state():
    psi = product_state("0101")
    assert np.flatnonzero(psi).tolist() == [0b0101]
    assert named_state("product:0101", 4).tolist() == psi.tolist()


def test_ground_state_of_a_system():
    system = System.from_mapping(
        {"hamiltonian": "tfim", "lattice": "chain", "size": 8, "boundary": "open"}
    )
    psi = ground_state_of(system)
    exact = tfim_chain_ground_energy(8, h=1.0, J=1.0, periodic=False)
    assert np.linalg.norm(psi) == pytest.approx(1, abs=1e-12)
    assert expectation(system.build_hamiltonian(), psi) == pytest.approx(exact, abs=1e-9)


def test_ground_state_in_a_sector():
    system = System.from_mapping({"hamiltonian": "heisenberg", "size": 6, "sector": 0})
    psi = ground_state_of(system)
    assert psi.shape == (64,)
    assert expectation(magnetization("Z", 6), psi) == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(
            lambda: named_state("bell", 4), r"state: expected one of .* got 'bell'", id="name"
        ),
        pytest.param(lambda: product_state("01x"), r"got \['x'\]", id="letter"),
        pytest.param(lambda: product_state("01", 3), "expected 3 letters", id="length"),
        pytest.param(lambda: product_state(""), "expected a string", id="empty"),
        pytest.param(
            lambda: ghz_state(1), "number of sites: expected an integer ≥ 2, got 1", id="ghz-1"
        ),
        pytest.param(lambda: w_state(40), "refusing", id="too-big"),
        pytest.param(lambda: pairwise_bases(4, "XQ"), "pair letters", id="pair-letters"),
    ],
)
def test_bad_requests(call, match):
    with pytest.raises(DataError, match=match):
        call()


# --- bases -----------------------------------------------------------------------------------


def test_z_basis():
    assert z_basis(4) == ["ZZZZ"]


@pytest.mark.parametrize(("n_sites", "periodic"), [(2, False), (5, False), (5, True)])
def test_pairwise_bases(n_sites, periodic):
    bases = pairwise_bases(n_sites, periodic=periodic)
    pairs = n_sites - 1 + (periodic and n_sites > 2)
    assert len(bases) == 1 + 4 * pairs == len(set(bases))
    assert bases[0] == "Z" * n_sites
    for basis in bases[1:]:
        rotated = [i for i, letter in enumerate(basis) if letter != "Z"]
        assert len(rotated) == 2
        i, j = rotated
        assert j - i == 1 or (periodic and (i, j) == (0, n_sites - 1))


def test_pairwise_bases_with_z_letters_are_listed_once():
    bases = pairwise_bases(3, letters="XYZ")
    assert len(bases) == len(set(bases))
    # all-Z, two-site bases on (0,1) and (1,2), and single-site rotations on each site
    assert len(bases) == 1 + 2 * 4 + 3 * 2


def test_qucumber_bases_lists():
    assert load_basis_list(QUCUMBER / "tutorial2" / "qubits_bases.txt") == [
        "ZZ",
        "XZ",
        "ZX",
        "YZ",
        "ZY",
    ]
    bases = load_basis_list(QUCUMBER / "tutorial3" / "N2_IC_bases.txt", n_sites=2)
    assert sorted(bases) == sorted(a + b for a in "XYZ" for b in "XYZ")


def test_bad_bases_list(tmp_path):
    path = tmp_path / "bases.txt"
    path.write_text("ZZ\nXA\n")
    with pytest.raises(DataError, match=r"bases.txt, line 2: expected basis letters .* 'A'"):
        load_basis_list(path)
    path.write_text("ZZ\nXZ\n")
    with pytest.raises(DataError, match=r"bases.txt, line 1: expected 3 basis letters"):
        load_basis_list(path, n_sites=3)
