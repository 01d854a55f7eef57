"""qgen.interop.as_state_vector, and the state-taking functions of qgen that call it: a
QuTiP ket, a torch tensor or a NetKet state is the same state as its numpy vector.

Each value is compared with the one computed from the numpy vector, to 1e-12."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qgen.errors import DataError, EstimatorError, HilbertError
from qgen.exact import (
    expectation,
    ground_state,
    quantum_fidelity,
    renyi_entropy,
    sample_measurements,
)
from qgen.interop import as_state_vector, state_to_qutip
from qgen.lattice import Chain
from qgen.operators import heisenberg
from qgen.tomography.estimators import ExactWaveFunction, fidelity
from qgen.tomography.measurements import MeasurementData

TOLERANCE = 1e-12


@pytest.fixture(scope="module")
def ground():
    """The Heisenberg chain's ground state: ``(hamiltonian, energy, psi)``."""
    hamiltonian = heisenberg(Chain(6))
    energy, psi = ground_state(hamiltonian)
    return hamiltonian, energy, psi


def test_numpy_and_torch_give_the_same_vector(ground):
    _, _, psi = ground
    assert as_state_vector(psi) is psi  # a numpy array passes through
    np.testing.assert_array_equal(as_state_vector(torch.from_numpy(psi)), psi)
    np.testing.assert_array_equal(as_state_vector(psi.tolist()), psi)


def test_exact_functions_take_a_torch_tensor_and_a_qutip_ket(ground):
    qutip = pytest.importorskip("qutip")
    hamiltonian, energy, psi = ground
    ket = state_to_qutip(psi)
    assert isinstance(ket, qutip.Qobj)
    for state in (torch.from_numpy(psi), ket):
        assert expectation(hamiltonian, state) == pytest.approx(energy, abs=TOLERANCE)
        assert renyi_entropy(state, [0, 1, 2]) == pytest.approx(
            renyi_entropy(psi, [0, 1, 2]), abs=TOLERANCE
        )
    drawn = sample_measurements(ket, "XXXXXX", 50, seed=3).outcomes
    assert torch.equal(drawn, sample_measurements(psi, "XXXXXX", 50, seed=3).outcomes)
    rho = 0.5 * np.outer(psi, psi.conj()) + 0.5 * np.eye(64) / 64
    sigma = np.eye(64) / 64
    assert quantum_fidelity(state_to_qutip(rho), state_to_qutip(sigma)) == pytest.approx(
        quantum_fidelity(rho, sigma), abs=TOLERANCE
    )


def test_tomography_takes_a_qutip_target(ground):
    pytest.importorskip("qutip")
    _, _, psi = ground
    ket = state_to_qutip(psi)
    model = ExactWaveFunction(ket)
    assert fidelity(model, ket).mean == pytest.approx(1.0, abs=1e-12)
    data = MeasurementData(torch.zeros((1, 6), dtype=torch.int64), np.full((1, 6), "Z"), ket)
    np.testing.assert_allclose(data.psi, psi, atol=TOLERANCE)


def test_a_netket_variational_state_is_read_through_its_space(ground):
    pytest.importorskip("netket")
    from crosscheck_references import import_netket

    nk = import_netket()
    hamiltonian, _, _ = ground
    hilbert = nk.hilbert.Spin(0.5, 6, total_sz=0)
    state = nk.vqs.FullSumState(hilbert, nk.models.RBM(alpha=1), seed=0)
    vector = as_state_vector(state)  # 2^6 amplitudes, zero outside S^z = 0
    assert vector.shape == (64,)
    energy = state.expect(nk.operator.Heisenberg(hilbert, nk.graph.Chain(6), sign_rule=False))
    assert expectation(hamiltonian, vector) == pytest.approx(float(energy.mean.real) / 4, abs=1e-9)


def test_what_is_not_a_state_is_refused_naming_what_is():
    with pytest.raises(DataError, match="a QuTiP Qobj"):
        as_state_vector(object())
    with pytest.raises(DataError, match=r"got shape \(4, 4\) \(a density matrix\?\)"):
        as_state_vector(np.eye(4))
    with pytest.raises(HilbertError, match="a QuTiP Qobj"):
        expectation(heisenberg(Chain(3)), {"psi": 1})
    with pytest.raises(EstimatorError, match="a QuTiP Qobj"):
        ExactWaveFunction(object())
