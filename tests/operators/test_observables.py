"""Observables as operators: definitions and exact expectation values of known states."""

from __future__ import annotations

import numpy as np
import pytest
from pauli_reference import kron_string

from qgen.errors import LatticeError, OperatorError
from qgen.exact import expectation
from qgen.lattice import Chain, Square, Triangular
from qgen.operators import (
    correlation,
    magnetization,
    sigma,
    spin_correlation,
    staggered_magnetization,
    total_sigma,
)


def test_single_site_and_total_operators():
    np.testing.assert_allclose(sigma("Y", 1, 3).to_dense(), kron_string("IYI"))
    total = kron_string("XII") + kron_string("IXI") + kron_string("IIX")
    np.testing.assert_allclose(total_sigma("X", 3).to_dense(), total)
    np.testing.assert_allclose(magnetization("X", 3).to_dense(), total / 3)
    with pytest.raises(OperatorError, match="Pauli letter"):
        sigma("W", 0, 2)


def test_correlators():
    np.testing.assert_allclose(correlation(0, 2, 3, "XY").to_dense(), kron_string("XIY"))
    np.testing.assert_allclose(correlation(1, 1, 2, "ZZ").to_dense(), np.eye(4))
    with pytest.raises(OperatorError, match="two Pauli letters"):
        correlation(0, 1, 2, "XYZ")


def test_spin_correlation_of_the_singlet():
    singlet = np.array([0, 1, -1, 0]) / np.sqrt(2)
    assert expectation(spin_correlation(0, 1, 2), singlet) == pytest.approx(-0.75)


def test_staggered_magnetization_of_the_neel_state():
    lattice = Square(2, 2, periodic=False)
    m = staggered_magnetization(lattice)
    neel = np.zeros(16)
    neel[0b0110] = 1.0  # sites 0, 3 up (sublattice A), sites 1, 2 down
    assert expectation(m, neel) == pytest.approx(1.0)
    assert expectation(m @ m, neel) == pytest.approx(1.0)
    uniform = np.zeros(16)
    uniform[0] = 1.0
    assert expectation(m, uniform) == pytest.approx(0.0)
    with pytest.raises(LatticeError, match="not bipartite"):
        staggered_magnetization(Triangular(3, 3))
    assert staggered_magnetization(Chain(4), "X").strings  # any Pauli letter works
