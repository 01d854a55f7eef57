"""Quantum state tomography: measurement data, target states, estimators from a model.

Reconstruct a state from projective measurements in Pauli bases (Torlai et al.,
"Neural-network quantum state tomography", Nat. Phys. 14, 447 (2018)), then estimate what
was never measured.
"""

from qgen.tomography.data import (
    MeasurementData,
    load_density_matrix,
    load_measurements,
    load_psi,
    save_measurements,
    save_psi,
)
from qgen.tomography.estimators import (
    EstimatorError,
    ExactWaveFunction,
    correlator,
    fidelity,
    kl_divergence,
    magnetization,
    observable,
    renyi2,
    renyi2_curve,
    state_vector,
    swap_values,
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
    "EstimatorError",
    "ExactWaveFunction",
    "MeasurementData",
    "correlator",
    "fidelity",
    "ghz_state",
    "ground_state_of",
    "kl_divergence",
    "load_basis_list",
    "load_density_matrix",
    "load_measurements",
    "load_psi",
    "magnetization",
    "named_state",
    "observable",
    "pairwise_bases",
    "product_state",
    "renyi2",
    "renyi2_curve",
    "save_measurements",
    "save_psi",
    "state_vector",
    "swap_values",
    "w_state",
    "w_state_with_phases",
    "z_basis",
]
