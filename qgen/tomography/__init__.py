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
from qgen.tomography.states import (
    ghz_state,
    ground_state_of,
    load_basis_list,
    named_state,
    pairwise_bases,
    product_state,
    w_state,
    w_state_with_phases,
    z_basis,
)

__all__ = [
    "MeasurementData",
    "ghz_state",
    "ground_state_of",
    "load_basis_list",
    "load_measurements",
    "load_psi",
    "named_state",
    "pairwise_bases",
    "product_state",
    "save_measurements",
    "save_psi",
    "w_state",
    "w_state_with_phases",
    "z_basis",
]
