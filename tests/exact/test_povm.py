"""Product POVMs, density matrices and exact outcome sampling against closed forms."""

import numpy as np
import pytest
import torch

from qgen.errors import DataError, HilbertError, QgenError
from qgen.exact.density import (
    amplitude_damping,
    apply_local_channel,
    check_density_matrix,
    closest_physical,
    density_matrix,
    dephasing,
    depolarizing,
    min_eigenvalue,
    purity,
    quantum_fidelity,
    trace_distance,
)
from qgen.exact.measurement import measurement_probabilities
from qgen.exact.named_states import ghz_state, w_state
from qgen.exact.povm import (
    POVMS,
    operator_sum,
    outcome_probabilities,
    sample_outcomes,
    sample_settings,
    single_site_values,
)
from qgen.exact.product_sum import ghz_product_sum

SIGMA = {
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.diag([1.0, -1.0]).astype(complex),
}


def random_rho(n, seed=0, rank=None):
    rng = np.random.default_rng(seed)
    d = 1 << n
    a = rng.normal(size=(d, rank or d)) + 1j * rng.normal(size=(d, rank or d))
    rho = a @ a.conj().T
    return rho / np.trace(rho).real


def index_of(outcomes, base):
    weights = base ** torch.arange(outcomes.shape[1] - 1, -1, -1)
    return (outcomes * weights).sum(1).numpy()


@pytest.mark.parametrize("name", ["tetra", "pauli4", "pauli6"])
def test_duals_reconstruct_every_single_qubit_state(name):
    povm = POVMS[name]
    assert np.allclose(povm.elements.sum(0), np.eye(2), atol=1e-14)
    assert all(np.linalg.eigvalsh(m).min() > -1e-14 for m in povm.elements)
    for seed in range(5):
        rho = random_rho(1, seed)
        probabilities = np.einsum("ij,aji->a", rho, povm.elements).real
        assert np.allclose(np.einsum("a,aij->ij", probabilities, povm.duals), rho, atol=1e-13)


def test_tetrahedral_overlap_is_the_sic_one():
    overlap = POVMS["tetra"].overlap
    assert np.allclose(np.diag(overlap), 1 / 4)
    assert np.allclose(overlap[~np.eye(4, dtype=bool)], 1 / 12)


@pytest.mark.parametrize("name", ["tetra", "pauli4", "pauli6"])
def test_many_qubit_probabilities_and_inversion(name):
    povm = POVMS[name]
    rho = random_rho(3, seed=4)
    probabilities = outcome_probabilities(rho, povm)
    assert probabilities.shape == (povm.size**3,)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-12)
    # Against the explicit Kronecker products for a few outcomes.
    for index in (0, 7, povm.size**3 - 1):
        a = np.unravel_index(index, (povm.size,) * 3)
        element = np.kron(np.kron(povm.elements[a[0]], povm.elements[a[1]]), povm.elements[a[2]])
        assert probabilities[index] == pytest.approx(np.trace(rho @ element).real, abs=1e-14)
    assert np.allclose(operator_sum(probabilities, povm.duals), rho, atol=1e-12)
    # Observables: <X0 Y1 Z2> = sum_a P(a) prod_k Tr(O_k Q_ak).
    factors = [single_site_values(povm, SIGMA[b]) for b in "XYZ"]
    values = np.einsum("a,b,c->abc", *factors).reshape(-1)
    exact = np.trace(rho @ np.kron(np.kron(SIGMA["X"], SIGMA["Y"]), SIGMA["Z"]))
    assert (probabilities * values).sum() == pytest.approx(exact, abs=1e-12)


def test_pauli6_outcomes_are_pauli_basis_outcomes():
    psi = w_state(3)
    probabilities = outcome_probabilities(density_matrix(psi), POVMS["pauli6"]).reshape(6, 6, 6)
    # P(basis b, outcome s) = (1/3)^N p_b(s) with the encoding of qgen.exact.measurement.
    basis = measurement_probabilities(psi, "XZY").reshape(2, 2, 2)
    assert np.allclose(probabilities[0:2, 4:6, 2:4], basis / 27, atol=1e-15)


@pytest.mark.parametrize("name", ["tetra", "pauli4", "pauli6"])
def test_exact_samples_follow_the_distribution(name):
    povm = POVMS[name]
    rho = random_rho(3, seed=1, rank=2)
    n = 60000
    samples = sample_outcomes(rho, povm, n, seed=2)
    counts = np.bincount(index_of(samples, povm.size), minlength=povm.size**3)
    expected = outcome_probabilities(rho, povm) * n
    chi2 = ((counts - expected) ** 2 / np.maximum(expected, 1e-9)).sum()
    dof = povm.size**3 - 1
    assert chi2 < dof + 5 * np.sqrt(2 * dof)  # 5 standard deviations of chi^2


def test_settings_samples_of_a_mixed_state():
    rho = apply_local_channel(density_matrix(ghz_state(3)), depolarizing(0.2))
    bases = np.array([list("XXX")] * 40000)
    samples = sample_settings(rho, bases, seed=0)
    parity = (1 - 2 * samples).prod(1).double()
    # <XXX> of GHZ through depolarizing p on each qubit: (1 - p)^3.
    assert float(parity.mean()) == pytest.approx(0.8**3, abs=5 * float(parity.std()) / 200)


def test_channels_and_distances():
    rho = density_matrix(ghz_state(2))
    noisy = apply_local_channel(rho, depolarizing(0.3))
    expected = (
        0.7**2 * rho
        + 0.7
        * 0.3
        * (
            np.kron(np.eye(2) / 2, np.trace(rho.reshape(2, 2, 2, 2), axis1=0, axis2=2))
            + np.kron(np.trace(rho.reshape(2, 2, 2, 2), axis1=1, axis2=3), np.eye(2) / 2)
        )
        + 0.09 * np.eye(4) / 4
    )
    assert np.allclose(noisy, expected, atol=1e-14)
    dephased = apply_local_channel(rho, dephasing(0.5))  # Z with p = 1/2 kills coherences
    assert abs(dephased[0, 3]) < 1e-15
    assert dephased[0, 0] == pytest.approx(0.5)
    damped = apply_local_channel(density_matrix(np.array([0, 1.0])), amplitude_damping(0.25))
    assert np.allclose(damped, np.diag([0.25, 0.75]))
    assert quantum_fidelity(rho, noisy) == pytest.approx(
        np.vdot(ghz_state(2), noisy @ ghz_state(2)).real
    )
    assert quantum_fidelity(noisy, noisy) == pytest.approx(1.0, abs=1e-10)
    assert trace_distance(rho, np.eye(4) / 4) == pytest.approx(0.75)
    assert purity(np.eye(4) / 4) == pytest.approx(0.25)


def simplex_projection(values):
    """Euclidean projection onto the probability simplex (Duchi et al., ICML 2008)."""
    mu = np.sort(values)[::-1]
    sums = np.cumsum(mu) - 1
    rho = np.nonzero(mu - sums / np.arange(1, mu.size + 1) > 0)[0][-1]
    return np.maximum(values - sums[rho] / (rho + 1), 0)


@pytest.mark.parametrize(
    "values", [[0.6, 0.5, 0.07, -0.17], [0.6, 0.5, 0.0, -0.1], [1.3, -0.1, -0.2, 0.0]]
)
def test_closest_physical_is_the_projection_of_the_spectrum(values):
    rng = np.random.default_rng(0)
    unitary, _ = np.linalg.qr(rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4)))
    rho = (unitary * values) @ unitary.conj().T
    projected = closest_physical(rho)
    expected = (unitary * simplex_projection(np.array(values))) @ unitary.conj().T
    assert np.allclose(projected, expected, atol=1e-12)
    assert min_eigenvalue(projected) > -1e-12
    assert np.trace(projected).real == pytest.approx(1.0)


def test_closest_physical_keeps_a_density_matrix():
    physical = random_rho(2, 3)
    assert np.allclose(closest_physical(physical), physical, atol=1e-12)


def test_ghz_product_sum_matches_the_dense_state():
    state = ghz_product_sum(4, depolarizing=0.1, channels=[("dephasing", 0.05)])
    dense = apply_local_channel(
        apply_local_channel(density_matrix(ghz_state(4)), depolarizing(0.1)), dephasing(0.05)
    )
    assert np.allclose(state.density_matrix(), dense, atol=1e-14)
    povm = POVMS["pauli6"]
    every = torch.tensor(np.array(np.unravel_index(np.arange(6**4), (6,) * 4)).T)
    exact = outcome_probabilities(dense, povm)
    assert np.allclose(state.log_probabilities(every, povm).exp().numpy(), exact, atol=1e-14)
    n = 60000
    counts = np.bincount(index_of(state.sample(povm, n, seed=1), 6), minlength=6**4)
    chi2 = ((counts - exact * n) ** 2 / (exact * n)).sum()
    assert chi2 < 6**4 - 1 + 5 * np.sqrt(2 * (6**4 - 1))


def test_ghz_product_sum_at_80_sites_has_the_exact_correlator():
    state = ghz_product_sum(80, depolarizing=0.05)
    povm = POVMS["pauli6"]
    samples = state.sample(povm, 20000, seed=0)
    # <Z0 Z79> = (1 - p)^2 for GHZ with local depolarizing noise, estimated through the duals.
    z = torch.from_numpy(single_site_values(POVMS["pauli6"], SIGMA["Z"]).real)
    values = z[samples[:, 0]] * z[samples[:, 79]]
    error = float(values.std()) / np.sqrt(values.numel())
    assert float(values.mean()) == pytest.approx(0.95**2, abs=5 * error)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: check_density_matrix(np.eye(2)), DataError, "unit trace"),
        (lambda: check_density_matrix(np.array([[0.5, 0.1], [0.2, 0.5]])), DataError, "Hermitian"),
        (lambda: check_density_matrix(np.diag([1.2, -0.2])), DataError, "positive semi-definite"),
        (lambda: check_density_matrix(np.eye(3) / 3), DataError, "size 2\\^N"),
        (lambda: check_density_matrix(np.eye(4) / 4, n_sites=3), DataError, "3 sites"),
        (lambda: POVMS["sic"], QgenError, "tetra"),
        (lambda: depolarizing(1.5), HilbertError, "depolarizing probability"),
        (
            lambda: sample_outcomes(np.zeros((1 << 13, 1)), POVMS["tetra"], 2),
            HilbertError,
            "N <= 12",
        ),
        (lambda: sample_settings(np.eye(4) / 4, np.array([list("XQ")])), DataError, "X, Y, Z"),
        (lambda: operator_sum(np.ones(5), POVMS["tetra"].duals), DataError, "4\\^N"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
