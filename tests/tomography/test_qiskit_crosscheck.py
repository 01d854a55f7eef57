"""qgen's density-matrix baselines against Qiskit Experiments' StateTomography fitters on
the same counts (``benchmarks/qiskit_crosscheck.py`` runs the comparison at 3 qubits).

Qiskit's matrices put qubit 0 in the least significant bit, qgen's site 0 in the most;
its counts files (``save_counts``, little-endian) are what the experiment's circuits get.
"""

from __future__ import annotations

import itertools
import json
from types import SimpleNamespace

import numpy as np
import pytest

from qgen.exact import (
    POVMS,
    apply_local_channel,
    closest_physical,
    density_matrix,
    outcome_probabilities,
    sample_settings,
    trace_distance,
)
from qgen.exact.density import depolarizing, min_eigenvalue
from qgen.exact.named_states import ghz_state
from qgen.tomography.baselines import linear_inversion, maximum_likelihood
from qgen.tomography.counts import save_counts
from qgen.tomography.measurements import MeasurementData
from qgen.tomography.povm_data import POVMData

N_SITES = 2
SHOTS = 30  # per setting: few, so that linear inversion has negative eigenvalues


def to_little_endian(rho: np.ndarray) -> np.ndarray:
    """Reverse the qubit order of a matrix (qgen's order ↔ Qiskit's; its own inverse)."""
    n = rho.shape[0].bit_length() - 1
    axes = [*range(n - 1, -1, -1), *range(2 * n - 1, n - 1, -1)]
    return rho.reshape((2,) * (2 * n)).transpose(axes).reshape(rho.shape)


@pytest.fixture(scope="module")
def qiskit():
    pytest.importorskip("qiskit_experiments")
    pytest.importorskip("cvxpy")
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import DensityMatrix
    from qiskit_experiments.framework import ExperimentData
    from qiskit_experiments.library import StateTomography

    experiment = StateTomography(QuantumCircuit(N_SITES))
    return SimpleNamespace(
        experiment=experiment, ExperimentData=ExperimentData, DensityMatrix=DensityMatrix
    )


def circuit_setting(circuit) -> str:
    """The counts-file setting of a tomography circuit (rightmost letter: qubit 0), read
    from its ``PauliMeas*`` instructions."""
    letters = {}
    for instruction in circuit.data:
        if instruction.operation.name.startswith("PauliMeas"):
            qubit = circuit.find_bit(instruction.qubits[0]).index
            letters[qubit] = instruction.operation.name.removeprefix("PauliMeas")
    return "".join(letters[q] for q in reversed(range(circuit.num_qubits)))


def test_basis_order_bit_order_and_signs_match_qiskits_circuits(qiskit):
    experiment = qiskit.experiment
    # The m_idx metadata index the letters Z, X, Y (Qiskit's PauliMeasurementBasis).
    for circuit in experiment.circuits():
        m_idx = circuit.metadata["m_idx"]
        assert circuit_setting(circuit) == "".join("ZXY"[i] for i in reversed(m_idx))
    # Qiskit's simulated circuits on a random complex state give qgen's Pauli-6
    # probabilities of the same setting and bitstring read as a little-endian counts file.
    rng = np.random.default_rng(7)
    dimension = 1 << N_SITES
    a = rng.normal(size=(dimension, dimension)) + 1j * rng.normal(size=(dimension, dimension))
    rho = a @ a.conj().T / np.trace(a @ a.conj().T).real
    pauli6 = outcome_probabilities(rho, POVMS["pauli6"])
    state = qiskit.DensityMatrix(to_little_endian(rho))
    for circuit in experiment.circuits():
        setting = circuit_setting(circuit)
        rotation = circuit.remove_final_measurements(inplace=False)
        probabilities = state.evolve(rotation).probabilities_dict()
        assert len(probabilities) == dimension
        for bitstring, probability in probabilities.items():
            index = 0
            for letter, bit in zip(setting[::-1], bitstring[::-1], strict=True):
                index = 6 * index + 2 * "XYZ".index(letter) + int(bit)
            assert probability == pytest.approx(3**N_SITES * pauli6[index], abs=1e-12)


@pytest.fixture(scope="module")
def fits(qiskit, tmp_path_factory):
    """One data set's qgen and Qiskit estimates, all as qgen (big-endian) matrices."""
    rho = apply_local_channel(density_matrix(ghz_state(N_SITES)), depolarizing(0.05))
    settings = ["".join(s) for s in itertools.product("XYZ", repeat=N_SITES)]
    letters = np.repeat(np.array([list(s) for s in settings]), SHOTS, axis=0)
    record = MeasurementData(sample_settings(rho, letters, seed=3), letters)
    data = POVMData.from_measurements(record, rho)
    path = save_counts(record, tmp_path_factory.mktemp("counts") / "counts.json")
    counts = json.loads(path.read_text())["counts"]

    experiment = qiskit.experiment
    experiment_data = qiskit.ExperimentData(experiment=experiment)
    experiment_data.add_data(
        [
            {"counts": counts[circuit_setting(c)], "metadata": dict(c.metadata)}
            for c in experiment.circuits()
        ]
    )

    def qiskit_fit(fitter, **options):
        analysis = experiment.analysis.copy()
        analysis.set_options(fitter=fitter, target=None, **options)
        done = analysis.run(experiment_data, replace_results=True).block_for_results()
        assert done.analysis_status().name == "DONE", done.errors()
        results = done.analysis_results(dataframe=True)
        state = results[results["name"] == "state"].iloc[0]
        return to_little_endian(np.asarray(state["value"].data))

    tight = {"eps_abs": 1e-10, "eps_rel": 1e-10}  # SCS's defaults miss PSD by ~1e-5
    return SimpleNamespace(
        rho=rho,
        linear=linear_inversion(data).rho,
        mle=maximum_likelihood(data),
        qiskit_linear_raw=qiskit_fit("linear_inversion", rescale_positive=False),
        qiskit_linear_rescaled=qiskit_fit("linear_inversion"),
        qiskit_constrained={
            name: qiskit_fit(name, fitter_options=tight)
            for name in ("cvxpy_linear_lstsq", "cvxpy_gaussian_lstsq")
        },
    )


def test_linear_inversion_equals_qiskits_raw_and_projected(fits):
    assert min_eigenvalue(fits.linear) < 0  # the projection below does something
    assert np.abs(fits.linear - fits.qiskit_linear_raw).max() < 1e-8
    # Qiskit's default rescale_positive is the eigenvalue projection of closest_physical.
    projected = closest_physical(fits.linear)
    assert np.abs(projected - fits.qiskit_linear_rescaled).max() < 1e-8


@pytest.mark.parametrize("fitter", ["cvxpy_linear_lstsq", "cvxpy_gaussian_lstsq"])
def test_mle_and_qiskits_constrained_fits_agree_to_the_statistical_error(fits, fitter):
    constrained = fits.qiskit_constrained[fitter]
    mle = fits.mle.rho
    assert fits.mle.converged
    for estimate in (mle, constrained):
        assert min_eigenvalue(estimate) > -1e-8
        assert np.trace(estimate).real == pytest.approx(1.0, abs=1e-8)
        assert np.abs(estimate - estimate.conj().T).max() < 1e-10
    # Different likelihoods (Poisson against weighted least squares): the estimates differ,
    # but by less than the farther of the two is from the state that was measured.
    apart = trace_distance(mle, constrained)
    assert 1e-6 < apart < max(trace_distance(mle, fits.rho), trace_distance(constrained, fits.rho))
