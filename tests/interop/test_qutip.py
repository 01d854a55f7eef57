"""qgen.interop.qutip against QuTiP: matrices built with QuTiP's own tensor products, the
Pauli decomposition, states both ways, an eigenstate's energy, and refusals.

Tolerances: matrices and amplitudes to 1e-12 (the same numbers); energies to 1e-10.
"""

from __future__ import annotations

import numpy as np
import pytest
from crosscheck_references import (
    Model,
    chain,
    qutip_hamiltonian,
    qutip_pauli_sum,
    random_pauli_sum,
    square,
)

from qgen.errors import DataError, MissingDependencyError, OperatorError
from qgen.exact import density_matrix, expectation, ground_state, purity
from qgen.interop import from_qutip, state_from_qutip, state_to_qutip, to_qutip
from qgen.operators import PauliSum

qutip = pytest.importorskip("qutip")

TOLERANCE = 1e-12


def random_state(n_sites: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=1 << n_sites) + 1j * rng.normal(size=1 << n_sites)
    return psi / np.linalg.norm(psi)


@pytest.mark.parametrize("n_sites", [1, 3, 5])
def test_a_random_pauli_sum_is_quTiPs_tensor_product_sum(n_sites):
    labels, coefficients = random_pauli_sum(np.random.default_rng(n_sites), n_sites, 12)
    operator = PauliSum(labels, coefficients)
    reference = qutip_pauli_sum(labels, coefficients)  # QuTiP's tensor(), term by term
    converted = to_qutip(operator)
    assert converted.dims == [[2] * n_sites, [2] * n_sites]
    np.testing.assert_allclose(converted.full(), reference.full(), atol=TOLERANCE)
    # and back by Pauli decomposition: the same strings and (complex) coefficients
    assert from_qutip(reference).allclose(operator, atol=TOLERANCE)


@pytest.mark.parametrize(
    "model",
    [
        pytest.param(Model("heisenberg", *chain(6, periodic=True)), id="heisenberg-chain-6"),
        pytest.param(Model("tfim", *square(3, 2, (False, False)), {"h": 0.8}), id="tfim-3x2"),
    ],
)
def test_quTiPs_hamiltonian_decomposes_into_qgens(model):
    assert from_qutip(qutip_hamiltonian(model)).allclose(model.qgen_operator(), atol=TOLERANCE)


def test_an_eigenstate_from_qutip_has_qgens_energy():
    model = Model("heisenberg", *chain(8, periodic=True))
    energy, ket = qutip_hamiltonian(model).groundstate()
    exact, psi = ground_state(model.qgen_operator())
    assert energy == pytest.approx(exact, abs=1e-10)
    assert expectation(model.qgen_operator(), ket) == pytest.approx(exact, abs=1e-10)
    assert qutip.expect(to_qutip(model.qgen_operator()), state_to_qutip(psi)) == pytest.approx(
        exact, abs=1e-10
    )


def test_states_round_trip():
    psi = random_state(4, seed=0)
    ket = state_to_qutip(psi)
    assert ket.isket
    assert ket.dims == [[2] * 4, [1]]
    np.testing.assert_array_equal(state_from_qutip(ket), psi)
    # site 0 is the most significant qubit in both: |1⟩ ⊗ |0⟩ ⊗ |0⟩ is index 4
    down_up_up = qutip.tensor(qutip.basis(2, 1), qutip.basis(2, 0), qutip.basis(2, 0))
    np.testing.assert_array_equal(state_from_qutip(down_up_up), np.eye(8)[4])


def test_density_matrices_round_trip():
    rho = 0.7 * density_matrix(random_state(3, 1)) + 0.3 * np.eye(8) / 8
    converted = state_to_qutip(rho)
    assert converted.isoper
    assert converted.dims == [[2] * 3, [2] * 3]
    np.testing.assert_array_equal(state_from_qutip(converted), rho)
    assert purity(converted) == pytest.approx((converted * converted).tr().real, abs=1e-12)


def test_a_flat_qobj_needs_n_sites():
    flat = qutip.Qobj(np.diag([1.0, -1.0, -1.0, 1.0]))  # dims [[4], [4]]
    with pytest.raises(OperatorError, match=r"or n_sites with a size 2\^n_sites"):
        from_qutip(flat)
    assert from_qutip(flat, n_sites=2).strings == ["ZZ"]


def test_a_non_hermitian_operator_keeps_complex_coefficients():
    raising = qutip.tensor(qutip.sigmap(), qutip.qeye(2))
    converted = from_qutip(raising)
    assert not converted.is_hermitian()
    np.testing.assert_allclose(converted.to_dense(), raising.full(), atol=TOLERANCE)


@pytest.mark.parametrize(
    ("make", "error", "expected"),
    [
        pytest.param(lambda: qutip.qeye(3), OperatorError, "dims [[3], [3]]", id="qutrit-operator"),
        pytest.param(lambda: qutip.basis(2, 0), OperatorError, "got type 'ket'", id="ket-as-op"),
    ],
)
def test_operators_of_the_wrong_kind_are_refused_in_one_line(make, error, expected):
    with pytest.raises(error, match="from_qutip: expected") as caught:
        from_qutip(make())
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(
            lambda: qutip.tensor(qutip.basis(3, 0), qutip.basis(2, 0)), "[[3, 2], [1]]", id="qutrit"
        ),
        pytest.param(lambda: qutip.basis(2, 0).dag(), "got a bra", id="bra"),
    ],
)
def test_states_of_the_wrong_kind_are_refused_in_one_line(make, expected):
    with pytest.raises(DataError, match="state_from_qutip: expected") as caught:
        state_from_qutip(make())
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_state_of_the_wrong_size_is_refused():
    with pytest.raises(DataError, match=r"expected a state vector of length 2\^3 = 8"):
        state_to_qutip(np.ones(4), n_sites=3)


def test_without_qutip_the_error_names_the_install(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "qutip", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "qgen-physics\[crosscheck\]"'):
        to_qutip(PauliSum(["Z"]))
