"""Quantum state tomography: measurement data, target states, estimators from a model.

Reconstruct a state from projective measurements in Pauli bases (Torlai et al.,
"Neural-network quantum state tomography", Nat. Phys. 14, 447 (2018)), then estimate what
was never measured.
"""

from qgen.tomography.data import (
    MeasurementData,
    load_measurements,
    load_psi,
    save_measurements,
    save_psi,
)

__all__ = [
    "MeasurementData",
    "load_measurements",
    "load_psi",
    "save_measurements",
    "save_psi",
]
