"""Mixed-state tomography: POVM data, the linear-inversion and maximum-likelihood
baselines, and outcome models trained by likelihood, against exact density matrices."""

import numpy as np
import pytest
import torch

from qgen.driver import cosine_schedule
from qgen.errors import DataError, TrainingError
from qgen.exact import (
    POVMS,
    apply_local_channel,
    closest_physical,
    density_matrix,
    ghz_product_sum,
    outcome_probabilities,
    quantum_fidelity,
    sample_outcomes,
    sample_settings,
    trace_distance,
)
from qgen.exact.density import depolarizing, min_eigenvalue
from qgen.exact.named_states import ghz_state, w_state
from qgen.tomography.baselines import linear_inversion, maximum_likelihood
from qgen.tomography.measurements import MeasurementData
from qgen.tomography.povm_data import POVMData
from qgen.tomography.povm_model import (
    POVMTrainer,
    build_povm_model,
    classical_fidelity,
    model_density_matrix,
    pauli_expectation,
)

ALL_SETTINGS = np.array([list(a + b) for a in "XYZ" for b in "XYZ"])


def noisy_ghz(n=2, p=0.1):
    return apply_local_channel(density_matrix(ghz_state(n)), depolarizing(p))


def test_pauli_records_and_pauli6_outcomes_convert_both_ways():
    psi = w_state(2)
    bases = np.repeat(ALL_SETTINGS, 3, axis=0)
    record = MeasurementData(sample_settings(psi, bases, seed=0), bases, psi)
    data = POVMData.from_measurements(record)
    assert data.povm == "pauli6"
    assert data.rho is not None
    assert np.allclose(data.rho, density_matrix(psi))
    back = data.to_measurements()
    assert (back.outcomes == record.outcomes).all()
    assert (back.bases == record.bases).all()


def test_linear_inversion_and_maximum_likelihood_agree_with_many_shots():
    rho = noisy_ghz(3, 0.05)
    data = POVMData(sample_outcomes(rho, POVMS["tetra"], 400_000, seed=1), "tetra", rho)
    linear = linear_inversion(data)
    likelihood = maximum_likelihood(data)
    assert likelihood.converged
    assert min_eigenvalue(likelihood.rho) > -1e-12
    assert np.trace(likelihood.rho).real == pytest.approx(1.0, abs=1e-12)
    # The linear estimate's statistical spread at 4e5 shots is about 0.02 in trace
    # distance (it falls as 1/sqrt(shots)); the two estimates agree far more closely.
    assert trace_distance(linear.rho, rho) < 0.04
    assert trace_distance(linear.rho, likelihood.rho) < 0.01
    assert quantum_fidelity(likelihood.rho, rho) > 0.99


def test_maximum_likelihood_beats_the_projected_linear_inversion_on_few_shots():
    rho = noisy_ghz(2, 0.05)
    bases = np.repeat(ALL_SETTINGS, 50, axis=0)
    fidelities = []
    for seed in range(4):
        record = MeasurementData(sample_settings(rho, bases, seed=seed), bases)
        data = POVMData.from_measurements(record, rho)
        linear = linear_inversion(data)
        likelihood = maximum_likelihood(data)
        assert min_eigenvalue(likelihood.rho) > -1e-12
        fidelities.append(
            (
                quantum_fidelity(closest_physical(linear.rho), rho),
                quantum_fidelity(likelihood.rho, rho),
            )
        )
    linear_mean, likelihood_mean = np.mean(fidelities, axis=0)
    assert likelihood_mean > 0.9
    assert likelihood_mean > linear_mean - 0.02


def test_linear_inversion_weights_settings_by_their_shots():
    rho = noisy_ghz(2, 0.2)
    shots = np.arange(1, 10) * 2000  # unequal shots per setting
    bases = np.concatenate(
        [np.repeat(s[None], k, axis=0) for s, k in zip(ALL_SETTINGS, shots, strict=True)]
    )
    data = POVMData.from_measurements(MeasurementData(sample_settings(rho, bases, seed=3), bases))
    assert trace_distance(linear_inversion(data).rho, rho) < 0.05


def test_outcome_model_learns_a_noisy_ghz_state():
    rho = noisy_ghz(2, 0.1)
    povm = POVMS["tetra"]
    target = outcome_probabilities(rho, povm)
    data = POVMData(sample_outcomes(rho, povm, 20000, seed=0), "tetra", rho)
    train, _ = data.split(0.1, seed=0)
    model = build_povm_model("rnn", 2, "tetra", hidden=16, seed=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    trainer = POVMTrainer(
        model,
        train,
        None,  # every epoch's state kept: a best-validation restore may pick an early one
        optimizer,
        batch_size=500,
        target=target,
        scheduler=cosine_schedule(optimizer, 40, floor=0.05),
    )
    history = trainer.run(40, progress=False)
    assert history[-1]["classical_fidelity"] > 0.995
    reconstructed = model_density_matrix(model, povm)
    assert np.trace(reconstructed).real == pytest.approx(1.0, abs=1e-10)
    assert np.allclose(reconstructed, reconstructed.conj().T)
    # The model estimates the empirical distribution, as linear inversion does: its
    # physical state is as faithful as the projected linear inversion of its training data.
    learned = quantum_fidelity(closest_physical(reconstructed), rho)
    linear = quantum_fidelity(closest_physical(linear_inversion(train).rho), rho)
    assert learned > linear - 0.03
    assert classical_fidelity(model, target) == pytest.approx(history[-1]["classical_fidelity"])


def test_pauli_expectations_from_exact_samples_at_twenty_sites():
    state = ghz_product_sum(20, depolarizing=0.05)
    povm = POVMS["tetra"]
    samples = state.sample(povm, 40000, seed=2)
    zz = pauli_expectation(samples, povm, "Z" + "I" * 18 + "Z")
    assert zz["value"] == pytest.approx(0.95**2, abs=5 * zz["error"])
    xx = pauli_expectation(samples, povm, "X" * 20)
    # <X...X> = (1 - p)^N for GHZ under local depolarizing noise.
    assert xx["value"] == pytest.approx(0.95**20, abs=5 * xx["error"])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: POVMData(torch.tensor([[0, 4]]), "tetra"), DataError, "values in \\[0, 3\\]"),
        (lambda: POVMData(torch.tensor([[0, 1]]), "sic"), DataError, "tetra"),
        (lambda: POVMData(torch.tensor([[0, 1]]), "tetra", np.eye(8) / 8), DataError, "2 sites"),
        (lambda: POVMData(torch.tensor([[0.5, 1]]), "tetra"), DataError, "integer"),
        (lambda: POVMData(torch.tensor([[0, 1]]), "tetra").to_measurements(), DataError, "Pauli-6"),
        (
            lambda: linear_inversion(POVMData(torch.zeros(2, 8, dtype=torch.long))),
            DataError,
            "N <= 7",
        ),
        (
            lambda: pauli_expectation(torch.zeros(2, 3, dtype=torch.long), POVMS["tetra"], "XQ"),
            DataError,
            "3 letters",
        ),
        (
            lambda: POVMTrainer(
                build_povm_model("made", 2, "pauli6"),
                POVMData(torch.zeros(4, 2, dtype=torch.long), "tetra"),
                None,
                torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1),
            ),
            TrainingError,
            "6 outcomes",
        ),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
