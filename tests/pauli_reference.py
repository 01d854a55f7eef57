"""An independent dense construction of Pauli strings by Kronecker products, for tests."""

from __future__ import annotations

from functools import reduce

import numpy as np

PAULI_MATRICES = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}


def kron_string(label: str) -> np.ndarray:
    """Dense matrix of a dense Pauli label (site 0 leftmost, the most significant bit)."""
    return reduce(np.kron, [PAULI_MATRICES[c] for c in label])


def kron_sum(labels: list[str], coefficients: list[complex]) -> np.ndarray:
    """Dense matrix of a weighted sum of Pauli labels."""
    return sum(c * kron_string(s) for c, s in zip(coefficients, labels, strict=True))
