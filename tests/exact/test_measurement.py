"""Exact measurement sampling in product Pauli bases."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qgen.errors import HilbertError
from qgen.exact import (
    expectation,
    ground_state,
    measurement_probabilities,
    rotate_to_basis,
    sample_measurements,
)
from qgen.hilbert import configs_to_indices
from qgen.lattice import Chain
from qgen.operators import pauli, transverse_field_ising


@pytest.mark.parametrize(
    ("state", "basis"),
    [
        pytest.param(np.array([1, 1]) / np.sqrt(2), "X", id="plus"),
        pytest.param(np.array([1, 1j]) / np.sqrt(2), "Y", id="plus-i"),
        pytest.param(np.array([1, 0]), "Z", id="up"),
    ],
)
def test_plus_one_eigenstates_give_outcome_zero(state, basis):
    np.testing.assert_allclose(measurement_probabilities(state, basis), [1, 0], atol=1e-12)
    flipped = pauli("Z0", 1).apply(state) if basis != "Z" else np.array([0, 1])
    np.testing.assert_allclose(measurement_probabilities(flipped, basis), [0, 1], atol=1e-12)


def test_rotation_is_unitary_and_site_resolved():
    state = ground_state(transverse_field_ising(Chain(6), h=0.7))[1]
    rotated = rotate_to_basis(state, "XYZZXY")
    assert np.linalg.norm(rotated) == pytest.approx(1.0)
    # <X_0> from the X-basis distribution equals the operator expectation
    p = measurement_probabilities(state, "XZZZZZ").reshape(2, -1).sum(1)
    assert p[0] - p[1] == pytest.approx(expectation(pauli("X0", 6), state))


def test_samples_follow_the_exact_distribution():
    state = ground_state(transverse_field_ising(Chain(4), h=1.0))[1]
    basis = "XZYX"
    n = 40_000
    samples = sample_measurements(state, basis, n, seed=7)
    assert samples.outcomes.shape == (n, 4)
    assert samples.outcomes.dtype == torch.int64
    assert (samples.bases == np.array(list(basis))).all()
    counts = np.bincount(configs_to_indices(samples.outcomes).numpy(), minlength=16)
    p = measurement_probabilities(state, basis)
    sigma = np.sqrt(n * p * (1 - p)) + 1e-9
    assert np.all(np.abs(counts - n * p) < 5 * sigma + 1)


def test_seeds_reproduce_and_bases_stack():
    state = np.ones(8) / np.sqrt(8)
    first = sample_measurements(state, ["XXX", "ZZZ"], 50, seed=3)
    second = sample_measurements(state, ["XXX", "ZZZ"], 50, seed=3)
    torch.testing.assert_close(first.outcomes, second.outcomes)
    assert first.outcomes.shape == (100, 3)
    assert (first.outcomes[:50] == 0).all()  # |+++> in the X basis
    assert first.bases[:50].tolist() == [["X"] * 3] * 50
    assert first.bases[50:].tolist() == [["Z"] * 3] * 50
    generator = torch.Generator().manual_seed(3)
    torch.testing.assert_close(
        sample_measurements(state, ["XXX", "ZZZ"], 50, seed=generator).outcomes, first.outcomes
    )


@pytest.mark.parametrize(
    ("bases", "n_samples", "match"),
    [
        pytest.param("XQZ", 5, "letters from X, Y, Z", id="letter"),
        pytest.param("XZ", 5, "3 letters", id="length"),
        pytest.param([], 5, "at least one", id="empty"),
        pytest.param("ZZZ", 0, "number of samples: expected an integer ≥ 1", id="zero-samples"),
    ],
)
def test_bad_bases_are_refused(bases, n_samples, match):
    with pytest.raises(HilbertError, match=match):
        sample_measurements(np.ones(8), bases, n_samples)
