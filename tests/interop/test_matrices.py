"""qgen.interop.from_matrix: the Pauli decomposition reproduces the matrix it came from
(to 1e-12), for dense and sparse input, and refuses what is not a 2^N × 2^N matrix."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from qgen.errors import OperatorError
from qgen.interop import MAX_DECOMPOSITION_SITES, from_matrix
from qgen.operators import pauli

TOLERANCE = 1e-12


@pytest.mark.parametrize("n_sites", [1, 2, 5])
def test_a_random_matrix_is_rebuilt_from_its_pauli_strings(n_sites):
    rng = np.random.default_rng(n_sites)
    size = 1 << n_sites
    matrix = rng.normal(size=(size, size)) + 1j * rng.normal(size=(size, size))
    operator = from_matrix(matrix)
    assert operator.n_terms == 4**n_sites  # a generic matrix needs every string
    np.testing.assert_allclose(operator.to_dense(), matrix, atol=TOLERANCE)


def test_sparse_input_and_the_coefficient_of_one_string():
    # Tr(P O) / 2^N picks out c_P: 0.3 X0 Y2 - 1.5 Z1 on three sites
    expected = pauli("X0 Y2", 3, 0.3) + pauli("Z1", 3, -1.5)
    operator = from_matrix(sp.csr_matrix(expected.to_dense()), n_sites=3)
    assert operator.allclose(expected, atol=TOLERANCE)


@pytest.mark.parametrize(
    ("matrix", "n_sites", "message"),
    [
        pytest.param(np.ones((2, 4)), None, "expected a square matrix", id="not-square"),
        pytest.param(np.eye(3), None, "expected a matrix of size 2^N, got 3x3", id="not-2^N"),
        pytest.param(np.eye(4), 3, "expected a 8x8 matrix for 3 sites", id="wrong-n"),
        pytest.param(np.full((2, 2), np.nan), None, "expected finite entries", id="nan"),
    ],
)
def test_what_is_not_an_operator_on_qubits_is_refused(matrix, n_sites, message):
    with pytest.raises(OperatorError, match=message.replace("^", r"\^")):
        from_matrix(matrix, n_sites=n_sites)


def test_too_many_sites_are_refused_before_anything_is_allocated():
    size = 1 << (MAX_DECOMPOSITION_SITES + 1)
    with pytest.raises(OperatorError, match=f"at most {MAX_DECOMPOSITION_SITES} sites"):
        from_matrix(sp.identity(size, format="csr"))
