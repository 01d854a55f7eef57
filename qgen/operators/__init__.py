"""Operators: Pauli-string sums, Hamiltonians and observables."""

from qgen.operators.hamiltonians import heisenberg, j1j2, transverse_field_ising, xxz
from qgen.operators.observables import (
    correlation,
    magnetization,
    sigma,
    spin_correlation,
    staggered_magnetization,
    total_sigma,
)
from qgen.operators.pauli import PauliSum, pauli

__all__ = [
    "PauliSum",
    "correlation",
    "heisenberg",
    "j1j2",
    "magnetization",
    "pauli",
    "sigma",
    "spin_correlation",
    "staggered_magnetization",
    "total_sigma",
    "transverse_field_ising",
    "xxz",
]
