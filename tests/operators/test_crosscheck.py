"""Cross-checks of qgen's sparse matrices against QuTiP and NetKet, to 1e-12.

The reference operators come from :mod:`crosscheck_references` (in ``tests/``), which
builds them with QuTiP's and NetKet's own tools and explains the conventions involved;
``benchmarks/sparse_crosscheck.py`` runs the same comparisons at larger sizes.
"""

from __future__ import annotations

import itertools
import warnings
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import torch
from crosscheck_references import (
    Model,
    bonds_by_distance,
    chain,
    max_difference,
    netket_basis_indices,
    netket_bonds,
    netket_hilbert,
    netket_operator,
    netket_pauli_sum,
    pauli_label,
    qutip_hamiltonian,
    qutip_pauli_sum,
    random_pauli_sum,
    square,
    triangular,
)

from qgen.hilbert import MagnetizationSector, indices_to_configs
from qgen.operators import PauliSum

TOLERANCE = 1e-12


# --- the cases -----------------------------------------------------------------------------------


MODELS = [
    pytest.param(Model("tfim", *chain(8), {"J": 1.3, "h": 0.7}), id="tfim-chain8-periodic"),
    pytest.param(Model("tfim", *chain(6, False), {"J": 0.8, "h": 1.9}), id="tfim-chain6-open"),
    pytest.param(
        Model("tfim", *square(3, 2, False), {"J": 1.0, "h": 0.4}), id="tfim-square3x2-open"
    ),
    pytest.param(Model("heisenberg", *chain(8)), id="heisenberg-chain8-periodic"),
    pytest.param(
        Model("heisenberg", *chain(8), {"J": 1.0}, sign_rule=True),
        id="heisenberg-chain8-periodic-sign-rule",
    ),
    pytest.param(Model("heisenberg", *chain(8, False), {"delta": 0.6}), id="xxz-chain8-open"),
    pytest.param(
        Model("heisenberg", *chain(6), {"J": 0.9, "delta": 2.3}), id="xxz-chain6-periodic"
    ),
    pytest.param(Model("heisenberg", *square(2, 3, False), {"J2": 0.5}), id="j1j2-square2x3-open"),
    pytest.param(
        Model("heisenberg", *square(4, 2, (True, False)), {"J": 1.1, "J2": 0.4}),
        id="j1j2-square4x2-periodic-x",
    ),
    pytest.param(Model("heisenberg", *triangular(3, 3)), id="heisenberg-triangular3x3-periodic"),
]

# Models that conserve S^z and have an S^z = 0 sector (an even number of sites).
SECTOR_MODELS = [
    pytest.param(param.values[0], id=param.id)
    for param in MODELS
    if param.values[0].conserves_sz and param.values[0].n_sites % 2 == 0
]


def seeded_pauli_sum(seed: int) -> tuple[list[str], np.ndarray]:
    """A random Pauli sum on 5 to 7 sites, with an identity term and a repeated string."""
    rng = np.random.default_rng(seed)
    n_sites = int(rng.integers(5, 8))
    n_terms = int(rng.integers(6, 16))
    return random_pauli_sum(rng, n_sites, n_terms, identity_and_repeat=True)


RANDOM_SEEDS = [pytest.param(seed, id=f"random-pauli-seed{seed}") for seed in range(4)]


def half_filling_states(n_sites: int) -> np.ndarray:
    """Basis indices with S^z = 0 (n_sites/2 set bits), increasing."""
    return np.array([s for s in range(1 << n_sites) if bin(s).count("1") == n_sites // 2])


@pytest.mark.parametrize("model", MODELS)
def test_qutip_bonds_match_qgen_lattice(model: Model) -> None:
    lattice = model.lattice()
    for order in (1, 2) if model.coupling("J2", 0.0) else (1,):
        expected = sorted(bonds_by_distance(model, order))
        assert sorted(map(tuple, lattice.bonds(order).tolist())) == expected


# --- QuTiP ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def qutip() -> ModuleType:
    return pytest.importorskip("qutip")


@pytest.mark.usefixtures("qutip")
@pytest.mark.parametrize("model", MODELS)
def test_model_matches_qutip(model: Model) -> None:
    reference = qutip_hamiltonian(model).full()
    matrix = model.qgen_operator().to_sparse()
    assert matrix.shape == (2**model.n_sites,) * 2
    assert max_difference(matrix, reference) <= TOLERANCE


@pytest.mark.usefixtures("qutip")
@pytest.mark.parametrize("model", SECTOR_MODELS)
def test_sector_matches_qutip(model: Model) -> None:
    sector = MagnetizationSector(model.n_sites, 0)
    np.testing.assert_array_equal(sector.states, half_filling_states(model.n_sites))
    reference = qutip_hamiltonian(model).full()[np.ix_(sector.states, sector.states)]
    matrix = model.qgen_operator().to_sparse(sector=0)
    assert max_difference(matrix, reference) <= TOLERANCE


@pytest.mark.usefixtures("qutip")
@pytest.mark.parametrize("seed", RANDOM_SEEDS)
def test_random_pauli_sum_matches_qutip(seed: int) -> None:
    labels, coefficients = seeded_pauli_sum(seed)
    reference = qutip_pauli_sum(labels, coefficients).full()
    matrix = PauliSum(labels, coefficients).to_sparse()
    assert matrix.dtype == np.complex128
    assert max_difference(matrix, reference) <= TOLERANCE


@pytest.mark.usefixtures("qutip")
@pytest.mark.parametrize("seed", [pytest.param(seed, id=f"dm-xxz-seed{seed}") for seed in (0, 1)])
def test_complex_sector_matches_qutip(seed: int) -> None:
    """An S^z-conserving sum with imaginary elements (Dzyaloshinskii-Moriya, XY − YX)."""
    rng = np.random.default_rng(100 + seed)
    n = 6
    strings, coefficients = [], []
    for i, j in itertools.combinations(range(n), 2):
        exchange, anisotropy, dm = rng.normal(size=3)
        # XX + YY and XY − YX with equal weights conserve S^z; XY − YX is imaginary.
        for pair, weight in (("XX", exchange), ("YY", exchange), ("ZZ", anisotropy)):
            strings.append(pauli_label(n, {i: pair[0], j: pair[1]}))
            coefficients.append(weight)
        for pair, weight in (("XY", dm), ("YX", -dm)):
            strings.append(pauli_label(n, {i: pair[0], j: pair[1]}))
            coefficients.append(weight)
    for i in range(n):
        strings.append(pauli_label(n, {i: "Z"}))
        coefficients.append(rng.normal())
    operator = PauliSum(strings, coefficients)
    assert not operator.has_real_elements
    reference = qutip_pauli_sum(strings, coefficients).full()
    sector = MagnetizationSector(n, 0)
    matrix = operator.to_sparse(sector=sector)
    assert matrix.dtype == np.complex128
    assert max_difference(matrix, reference[np.ix_(sector.states, sector.states)]) <= TOLERANCE
    assert max_difference(operator.to_sparse(), reference) <= TOLERANCE


@pytest.mark.usefixtures("qutip")
@pytest.mark.parametrize(
    ("labels", "coefficients"),
    [
        pytest.param(["XYZI", "YYII", "IZZY"], [0.3, -1.2, 0.7], id="real-coefficients-odd-y"),
        pytest.param(["XIXI", "ZZZZ", "IYIY"], [0.5j, 1.0, -0.25], id="complex-coefficient"),
    ],
)
def test_connected_rows_match_qutip(labels: list[str], coefficients: list[complex]) -> None:
    """Rows rebuilt from ``connected(x)`` equal the rows of QuTiP's matrix."""
    reference = qutip_pauli_sum(labels, coefficients).full()
    operator = PauliSum(labels, coefficients)
    n = operator.n_sites
    rows = np.arange(1 << n)
    x_conn, mels = operator.connected(indices_to_configs(torch.from_numpy(rows), n))
    weights = 1 << np.arange(n - 1, -1, -1)
    columns = x_conn.numpy() @ weights
    rebuilt = np.zeros((1 << n, 1 << n), dtype=np.complex128)
    np.add.at(rebuilt, (np.repeat(rows, columns.shape[1]), columns.ravel()), mels.numpy().ravel())
    assert max_difference(rebuilt, reference) <= TOLERANCE


# --- NetKet --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def netket() -> ModuleType:
    # jax and flax may warn while NetKet imports them; that is not what these tests check.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("netket")


@pytest.mark.usefixtures("netket")
def test_netket_spin_conventions() -> None:
    """What the permutations below rely on: +1 is σᶻ = +1, and the basis order."""
    hilbert = netket_hilbert(3)
    states = np.asarray(hilbert.all_states())
    for site in range(3):
        pauli_z = netket_pauli_sum(hilbert, [pauli_label(3, {site: "Z"})], [1.0]).to_dense()
        np.testing.assert_array_equal(pauli_z, np.diag(states[:, site]))
    # With inverted_ordering=False NetKet's full basis is qgen's basis, unpermuted.
    np.testing.assert_array_equal(netket_basis_indices(hilbert), np.arange(8))


# NetKet compiles (jax / numba) for every new operator class and shape, a few seconds each
# on a small machine (its first LocalOperator costs ~7 s, its first total_sz basis ~5 s);
# the default run keeps the cheap paths and marks the rest slow (run them with -m slow).
FAST_NETKET_CASES = {
    "tfim-chain8-periodic",  # nk.operator.Ising
    "xxz-chain8-open",  # nk.operator.PauliStrings, real weights
    "random-pauli-seed0",  # nk.operator.PauliStrings, complex weights
}


def netket_cases(params: list[Any]) -> list[Any]:
    """``params`` with every case outside :data:`FAST_NETKET_CASES` marked slow."""
    return [
        pytest.param(
            *param.values,
            id=param.id,
            marks=() if param.id in FAST_NETKET_CASES else pytest.mark.slow,
        )
        for param in params
    ]


@pytest.mark.usefixtures("netket")
@pytest.mark.parametrize("model", MODELS)
def test_netket_bonds_match_qgen_lattice(model: Model) -> None:
    lattice = model.lattice()
    for order, pairs in netket_bonds(model).items():
        assert sorted(map(tuple, lattice.bonds(order).tolist())) == pairs


@pytest.mark.usefixtures("netket")
@pytest.mark.parametrize("model", netket_cases(MODELS))
def test_model_matches_netket(model: Model) -> None:
    hilbert = netket_hilbert(model.n_sites)
    reference = netket_operator(model, hilbert).to_sparse()
    order = netket_basis_indices(hilbert)  # row k of NetKet's matrix is qgen's state order[k]
    matrix = model.qgen_operator().to_sparse()[order][:, order]
    assert max_difference(matrix, reference) <= TOLERANCE


@pytest.mark.usefixtures("netket")
@pytest.mark.parametrize("seed", netket_cases(RANDOM_SEEDS))
def test_random_pauli_sum_matches_netket(seed: int) -> None:
    labels, coefficients = seeded_pauli_sum(seed)
    hilbert = netket_hilbert(len(labels[0]))
    reference = netket_pauli_sum(hilbert, labels, coefficients).to_sparse()
    order = netket_basis_indices(hilbert)
    matrix = PauliSum(labels, coefficients).to_sparse()[order][:, order]
    assert max_difference(matrix, reference) <= TOLERANCE


@pytest.mark.slow
@pytest.mark.usefixtures("netket")
@pytest.mark.parametrize("model", SECTOR_MODELS)
def test_sector_matches_netket(model: Model) -> None:
    hilbert = netket_hilbert(model.n_sites, total_sz=0)
    reference = netket_operator(model, hilbert).to_sparse()
    sector = MagnetizationSector(model.n_sites, 0)
    # NetKet's constrained basis is its own order (decreasing index in NetKet 3.23):
    # position[k] is where NetKet's k-th state sits in qgen's sector.
    position = sector.index(netket_basis_indices(hilbert))
    assert sorted(position.tolist()) == list(range(sector.dimension))
    matrix = model.qgen_operator().to_sparse(sector=sector)[position][:, position]
    assert max_difference(matrix, reference) <= TOLERANCE
