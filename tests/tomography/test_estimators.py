"""Estimators from a model, held against exact values of the state the model represents.

The exact model returns log ψ of a known state, times an arbitrary complex constant (the
estimators must not depend on the normalization); samples are drawn exactly from |ψ|².
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from qgen.errors import EstimatorError
from qgen.exact import (
    expectation,
    ground_state,
    reduced_density_matrix,
    renyi_entropy,
    sample_measurements,
)
from qgen.exact.named_states import ghz_state, product_state, w_state, w_state_with_phases
from qgen.hilbert import all_configs
from qgen.lattice import Chain
from qgen.models import RNN
from qgen.models.registry import build_model
from qgen.operators.hamiltonians import transverse_field_ising
from qgen.operators.observables import correlation, magnetization
from qgen.tomography.estimators import (
    ExactWaveFunction,
    correlator,
    exact_values,
    fidelity,
    kl_divergence,
    observable,
    renyi2,
    renyi2_curve,
    state_vector,
    swap_values,
)
from qgen.tomography.estimators import magnetization as model_magnetization

SCALE = 3.7 * np.exp(0.4j)  # an unnormalized model with an arbitrary global phase


def tfim_ground_state(n_sites: int = 6) -> np.ndarray:
    return ground_state(transverse_field_ising(Chain(n_sites, periodic=False), J=1.0, h=1.0))[1]


def random_state(n_sites: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=1 << n_sites) + 1j * rng.normal(size=1 << n_sites)
    return psi / np.linalg.norm(psi)


STATES = {
    "tfim-6": lambda: tfim_ground_state(6),
    "random-complex-5": lambda: random_state(5, 0),
    "w-phases-6": lambda: w_state_with_phases(6, seed=2),  # zero amplitudes: log psi = -inf
}


@pytest.fixture(params=list(STATES), scope="module")
def state(request):
    return STATES[request.param]()


def exact_samples(psi: np.ndarray, n_samples: int, seed: int) -> torch.Tensor:
    n_sites = psi.size.bit_length() - 1
    return sample_measurements(psi, "Z" * n_sites, n_samples, seed=seed).outcomes


def assert_within(stats, exact: float, n_sigma: float = 5.0) -> None:
    """Within n_sigma error bars (an estimate without noise must be exact)."""
    assert abs(stats.mean - exact) <= n_sigma * stats.error + 1e-12, (stats, exact)


# --- fidelity and KL -------------------------------------------------------------------------


def test_fidelity_of_the_exact_model_is_one(state):
    result = fidelity(ExactWaveFunction(SCALE * state), state)
    assert result.mean == pytest.approx(1, abs=1e-10)
    assert result.error == 0


def test_fidelity_is_the_squared_overlap():
    a, b = random_state(4, 1), random_state(4, 2)
    exact = abs(np.vdot(a, b)) ** 2
    assert fidelity(ExactWaveFunction(SCALE * b), a).mean == pytest.approx(exact, abs=1e-12)
    # a model evaluated in small chunks gives the same number
    small_chunks = fidelity(ExactWaveFunction(b), a, chunk_size=3).mean
    assert small_chunks == pytest.approx(exact, abs=1e-12)


def test_state_vector_is_normalized_even_for_huge_log_amplitudes():
    psi = random_state(4, 3)
    model = ExactWaveFunction(psi)
    model.log_amplitudes += 800.0  # exp(800) overflows float64: the shift must avoid that
    vector = state_vector(model, 4)
    assert np.linalg.norm(vector) == pytest.approx(1, abs=1e-12)
    assert abs(np.vdot(psi, vector)) == pytest.approx(1, abs=1e-12)


def test_monte_carlo_fidelity_agrees_with_enumeration():
    target = tfim_ground_state(6)
    other = ground_state(transverse_field_ising(Chain(6, periodic=False), J=1.0, h=0.6))[1]
    model = ExactWaveFunction(SCALE * other)
    exact = fidelity(model, target).mean
    assert 0.5 < exact < 0.99
    samples = exact_samples(other, 4000, seed=1)
    estimate = fidelity(model, target, samples, method="monte-carlo", seed=2)
    assert_within(estimate, exact)
    # the exact model makes both ratios constant: no noise at all
    perfect = fidelity(
        ExactWaveFunction(SCALE * target), target, samples[:50], method="monte-carlo"
    )
    assert perfect.mean == pytest.approx(1, abs=1e-12)
    assert perfect.error == pytest.approx(0, abs=1e-12)


def test_monte_carlo_fidelity_with_given_target_samples():
    target, other = random_state(4, 4), random_state(4, 5)
    model = ExactWaveFunction(other)
    estimate = fidelity(
        model,
        target,
        exact_samples(other, 4000, seed=6),
        method="monte-carlo",
        target_samples=exact_samples(target, 4000, seed=7),
    )
    assert_within(estimate, abs(np.vdot(target, other)) ** 2)


def test_kl_divergence():
    psi = random_state(4, 8)
    model = ExactWaveFunction(SCALE * psi)
    assert kl_divergence(model, psi) == pytest.approx(0, abs=1e-12)
    assert kl_divergence(model, psi, ["XZYZ", "YYXX"]) == pytest.approx(0, abs=1e-12)
    # W with random phases has the W state's Z distribution, not its X distribution
    w, phased = w_state(4), w_state_with_phases(4, seed=1)
    assert kl_divergence(ExactWaveFunction(w), phased) == pytest.approx(0, abs=1e-12)
    assert kl_divergence(ExactWaveFunction(w), phased, "XXZZ") > 1e-3
    # zero model probability where the target has weight: infinite
    assert kl_divergence(ExactWaveFunction(ghz_state(4)), w) == math.inf


# --- observables -----------------------------------------------------------------------------


def test_magnetizations_within_error_bars(state):
    n_sites = state.size.bit_length() - 1
    model = ExactWaveFunction(SCALE * state)
    samples = exact_samples(state, 4000, seed=10)
    for letter in "XYZ":
        exact = expectation(magnetization(letter, n_sites), state)
        estimate = model_magnetization(model, samples, letter)
        if letter == "Y" and np.allclose(state.imag, 0):
            # a real state has <sigma^y> = 0 exactly, and so does every local estimate
            assert estimate.mean == pytest.approx(exact, abs=1e-12)
        else:
            assert_within(estimate, exact)


def test_correlator_within_error_bars(state):
    n_sites = state.size.bit_length() - 1
    model = ExactWaveFunction(SCALE * state)
    samples = exact_samples(state, 4000, seed=11)
    for letters in ("XX", "XY", "ZZ"):
        exact = expectation(correlation(0, 3, n_sites, letters), state)
        assert_within(correlator(model, samples, 0, 3, letters), exact)


def test_energy_of_an_eigenstate_has_zero_variance():
    hamiltonian = transverse_field_ising(Chain(6, periodic=False), J=1.0, h=1.0)
    energy, psi = ground_state(hamiltonian)
    stats = observable(ExactWaveFunction(SCALE * psi), hamiltonian, exact_samples(psi, 500, 12))
    assert stats.mean == pytest.approx(energy, abs=1e-9)
    assert stats.variance == pytest.approx(0, abs=1e-9)


# --- Rényi-2 ---------------------------------------------------------------------------------


def test_swap_estimator_averages_to_the_purity():
    """Averaging Swap over all pairs with weights p(x)p(y) gives Tr rho_A^2 exactly."""
    psi = random_state(4, 13)
    model = ExactWaveFunction(SCALE * psi)
    configs = all_configs(4)
    x = configs.repeat_interleave(16, dim=0)
    y = configs.repeat(16, 1)
    probabilities = torch.from_numpy(np.abs(psi) ** 2)
    weights = probabilities.repeat_interleave(16) * probabilities.repeat(16)
    for subsystem in ([0], [0, 2], [1, 2, 3]):
        rho = reduced_density_matrix(psi, subsystem)
        purity = np.trace(rho @ rho).real
        values = swap_values(model, x, y, subsystem)
        assert complex((weights * values).sum()) == pytest.approx(purity, abs=1e-12)


def test_renyi2_within_error_bars(state):
    n_sites = state.size.bit_length() - 1
    model = ExactWaveFunction(SCALE * state)
    samples_a = exact_samples(state, 4000, seed=14)
    samples_b = exact_samples(state, 4000, seed=15)
    curve = renyi2_curve(model, samples_a, samples_b)
    assert list(curve) == list(range(1, n_sites // 2 + 1))
    for size, estimate in curve.items():
        assert_within(estimate, renyi_entropy(state, list(range(size)), alpha=2))
    # any subsystem, not only the first sites; one sample set split in halves
    estimate = renyi2(model, torch.cat([samples_a, samples_b]), None, [0, 2, 4])
    assert_within(estimate, renyi_entropy(state, [0, 2, 4], alpha=2))


def test_renyi2_of_a_product_state_is_zero_without_noise():
    psi = np.kron(random_state(2, 16), random_state(2, 17))
    model = ExactWaveFunction(psi)
    samples = exact_samples(psi, 200, seed=18)
    estimate = renyi2(model, samples, None, [0, 1])
    assert estimate.mean == pytest.approx(0, abs=1e-12)
    assert estimate.error == pytest.approx(0, abs=1e-12)


# --- a real model: an RNN with a phase, sampled by itself ---------------------------------


def test_estimators_on_an_autoregressive_model():
    torch.manual_seed(0)
    model = RNN(6, hidden=8, phase=True, dtype=torch.float64)
    psi = state_vector(model, 6)
    target = tfim_ground_state(6)
    samples = model.sample(3000, generator=torch.Generator().manual_seed(19))
    exact = fidelity(model, target).mean
    assert exact == pytest.approx(abs(np.vdot(target, psi)) ** 2, abs=1e-12)
    assert_within(fidelity(model, target, samples, method="monte-carlo"), exact)
    assert_within(model_magnetization(model, samples, "Y"), expectation(magnetization("Y", 6), psi))
    assert_within(renyi2(model, samples, None, [0, 1]), renyi_entropy(psi, [0, 1], alpha=2))


def test_exact_values_of_known_states():
    ghz = exact_values(ghz_state(6))
    assert ghz["renyi2"] == pytest.approx({1: math.log(2), 2: math.log(2), 3: math.log(2)})
    assert (ghz["sx"], ghz["sy"], ghz["sz"]) == pytest.approx((0, 0, 0), abs=1e-14)
    plus = exact_values(product_state("+r0+"), sizes=[1, 3])
    assert (plus["sx"], plus["sy"], plus["sz"]) == pytest.approx((0.5, 0.25, 0.25))
    assert plus["renyi2"] == pytest.approx({1: 0, 3: 0}, abs=1e-12)


# --- bad requests ----------------------------------------------------------------------------


def test_bad_requests():
    psi = random_state(3, 20)
    model = ExactWaveFunction(psi)
    samples = exact_samples(psi, 10, seed=21)
    with pytest.raises(EstimatorError, match="same size, got 10 and 9"):
        renyi2(model, samples, samples[:9], [0])
    with pytest.raises(EstimatorError, match=r"distinct sites in 0..2, got \[0, 0\]"):
        renyi2(model, samples, None, [0, 0])
    with pytest.raises(EstimatorError, match=r"distinct sites in 0..2, got \[3\]"):
        swap_values(model, samples, samples, [3])
    with pytest.raises(EstimatorError, match="expected 3 sites per sample, got 2"):
        observable(model, magnetization("X", 3), samples[:, :2])
    with pytest.raises(EstimatorError, match="expected integer configurations"):
        model_magnetization(model, samples.double())
    with pytest.raises(EstimatorError, match="needs samples"):
        fidelity(model, psi, method="monte-carlo")
    with pytest.raises(EstimatorError, match="expected method"):
        fidelity(model, psi, method="sampled")
    with pytest.raises(EstimatorError, match="length 2\\^N"):
        fidelity(model, np.ones(6))
    with pytest.raises(EstimatorError, match=r"subsystem sizes in 1..2, got 3"):
        renyi2_curve(model, samples, sizes=[3])
    with pytest.raises(EstimatorError, match="N <= 20"):
        state_vector(model, 21)


@pytest.mark.parametrize("name", ["rnn", "transformer"])
def test_state_vector_of_a_projected_model_enumerates_its_sector(name: str) -> None:
    """Evaluated on the sector only, the vector equals the full enumeration (ψ = 0 outside)."""
    torch.manual_seed(0)
    model = build_model(name, Chain(8), hidden=8, heads=2, phase=True, magnetization=1)
    with torch.no_grad():
        full = torch.exp(model(all_configs(8)).to(torch.complex128)).numpy()
    np.testing.assert_allclose(state_vector(model, 8), full / np.linalg.norm(full), atol=1e-12)
