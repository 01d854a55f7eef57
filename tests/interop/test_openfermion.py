"""qgen.interop.openfermion: a duck-typed stand-in always, OpenFermion itself when it is
installed (its matrices from ``get_sparse_operator``, compared to 1e-12)."""

from __future__ import annotations

import numpy as np
import pytest

from qgen.errors import OperatorError
from qgen.interop import from_openfermion, to_openfermion
from qgen.operators import PauliSum, pauli

TOLERANCE = 1e-12


class Terms:
    """What a QubitOperator looks like from outside: a ``.terms`` dict."""

    def __init__(self, terms: dict) -> None:
        self.terms = terms


def test_terms_carry_over_one_to_one():
    stand_in = Terms({((0, "X"), (2, "Y")): 0.5, (): -1.0, ((1, "Z"),): 2j})
    expected = pauli("X0 Y2", 3, 0.5) + pauli("", 3, -1.0) + pauli("Z1", 3, 2j)
    assert from_openfermion(stand_in).allclose(expected)
    assert from_openfermion(stand_in, n_sites=5).n_sites == 5


def test_bad_input_is_refused_in_one_line():
    fermionic = Terms({((0, 1), (1, 0)): 1.0})  # a FermionOperator's a†_0 a_1
    with pytest.raises(OperatorError, match="jordan_wigner") as caught:
        from_openfermion(fermionic)
    assert "\n" not in str(caught.value)
    with pytest.raises(OperatorError, match=r"expected qubits 0..1 for n_sites=2, got qubit 2"):
        from_openfermion(Terms({((2, "X"),): 1.0}), n_sites=2)
    with pytest.raises(OperatorError, match=r"with a \.terms dict\), got dict"):
        from_openfermion({((0, "X"),): 1.0})


def test_with_openfermion_matrices_agree_and_round_trip():
    openfermion = pytest.importorskip("openfermion")
    rng = np.random.default_rng(0)
    labels = ["".join(rng.choice(list("IXYZ"), size=4)) for _ in range(15)]
    operator = PauliSum(labels, list(rng.normal(size=15) + 1j * rng.normal(size=15)))
    theirs = to_openfermion(operator)
    assert isinstance(theirs, openfermion.QubitOperator)
    matrix = openfermion.get_sparse_operator(theirs, n_qubits=4).toarray()
    np.testing.assert_allclose(matrix, operator.to_dense(), atol=TOLERANCE)
    assert from_openfermion(theirs, n_sites=4).allclose(operator, atol=TOLERANCE)


def test_a_jordan_wigner_hopping_is_xx_plus_yy():
    openfermion = pytest.importorskip("openfermion")
    hopping = openfermion.FermionOperator("0^ 1") + openfermion.FermionOperator("1^ 0")
    with pytest.raises(OperatorError, match="a FermionOperator"):
        from_openfermion(hopping)
    qubits = from_openfermion(openfermion.jordan_wigner(hopping))
    assert qubits.allclose(0.5 * (pauli("X0 X1", 2) + pauli("Y0 Y1", 2)))
