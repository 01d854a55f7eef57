"""Entanglement entropies of states whose values are known in closed form."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from qgen.errors import HilbertError, OperatorError
from qgen.exact import (
    entanglement_spectrum,
    expectation,
    reduced_density_matrix,
    renyi_entropy,
    von_neumann_entropy,
)
from qgen.operators import pauli


def ghz(n: int) -> np.ndarray:
    state = np.zeros(2**n)
    state[0] = state[-1] = 1 / np.sqrt(2)
    return state


def random_state(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    state = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    return state / np.linalg.norm(state)


@pytest.mark.parametrize("alpha", [0.5, 1.0, 2.0, 3.0, math.inf])
def test_product_state_has_no_entanglement(alpha):
    plus = np.ones(2) / np.sqrt(2)
    product = np.kron(np.kron(plus, [1, 0]), plus)
    assert renyi_entropy(product, [0, 2], alpha) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0, 2.0, math.inf])
def test_bell_and_ghz_states_carry_one_bit(alpha):
    bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    assert renyi_entropy(bell, [0], alpha) == pytest.approx(math.log(2))
    for cut in ([0], [0, 1], [1, 3], [4]):
        assert renyi_entropy(ghz(5), cut, alpha) == pytest.approx(math.log(2))


def test_maximally_entangled_pairs_add_up():
    bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    two_pairs = np.kron(bell, bell)  # pairs (0,1) and (2,3)
    assert von_neumann_entropy(two_pairs, [0, 2]) == pytest.approx(2 * math.log(2))
    assert von_neumann_entropy(two_pairs, [0, 1]) == pytest.approx(0.0, abs=1e-12)


def test_complementary_subsystems_have_equal_entropies():
    state = random_state(7)
    for alpha in (1.0, 2.0, 3.5):
        assert renyi_entropy(state, [0, 4, 5], alpha) == pytest.approx(
            renyi_entropy(state, [1, 2, 3, 6], alpha)
        )


def test_renyi_entropies_decrease_with_alpha():
    state = random_state(8, seed=3)
    values = [renyi_entropy(state, [0, 1, 2, 3], a) for a in (0.5, 1.0, 2.0, 5.0, math.inf)]
    assert all(a >= b - 1e-12 for a, b in itertools.pairwise(values))


def test_reduced_density_matrix_is_a_density_matrix():
    state = random_state(5, seed=1)
    rho = reduced_density_matrix(state, [3, 1])
    assert rho.shape == (4, 4)
    np.testing.assert_allclose(rho, rho.conj().T, atol=1e-12)
    assert np.trace(rho).real == pytest.approx(1.0)
    np.testing.assert_allclose(
        np.sort(np.linalg.eigvalsh(rho))[::-1], entanglement_spectrum(state, [1, 3]), atol=1e-12
    )
    # site order of the subsystem sets the row order: <Z_3> from rho_A with site 3 first
    z_first = np.kron(np.diag([1, -1]), np.eye(2))
    assert np.trace(rho @ z_first).real == pytest.approx(expectation(pauli("Z3", 5), state))


def test_unnormalized_states_are_normalized_first():
    bell = np.array([1, 0, 0, 1.0])
    assert renyi_entropy(bell, [0]) == pytest.approx(math.log(2))
    assert expectation(pauli("Z0 Z1", 2), 3 * bell) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(lambda: renyi_entropy(np.ones(6), [0]), "length 2\\^N", id="length"),
        pytest.param(lambda: renyi_entropy(np.zeros(4), [0]), "non-zero", id="zero"),
        pytest.param(lambda: renyi_entropy(ghz(3), [0, 0]), "distinct sites", id="repeat"),
        pytest.param(lambda: renyi_entropy(ghz(3), [3]), "distinct sites in 0..2", id="range"),
        pytest.param(lambda: renyi_entropy(ghz(3), [0], alpha=-1), "alpha", id="alpha"),
    ],
)
def test_bad_states_and_subsystems_are_refused(call, match):
    with pytest.raises(HilbertError, match=match):
        call()


def test_operator_and_state_sizes_must_match():
    with pytest.raises(OperatorError, match="3 sites, the state has 2"):
        expectation(pauli("Z0", 3), np.ones(4))


def test_non_integer_sites_are_refused():
    with pytest.raises(HilbertError, match="distinct sites"):
        renyi_entropy(ghz(3), [0.5])
