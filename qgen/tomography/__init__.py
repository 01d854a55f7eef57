"""Quantum state tomography: measurement data and bases, likelihood training,
estimators from a model.

Reconstruct a state from projective measurements in Pauli bases (Torlai et al.,
"Neural-network quantum state tomography", Nat. Phys. 14, 447 (2018)), then estimate what
was never measured.
"""

from qgen.tomography.bases import load_basis_list, pairwise_bases, z_basis
from qgen.tomography.estimators import (
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
from qgen.tomography.files import (
    load_density_matrix,
    load_measurements,
    load_psi,
    save_measurements,
    save_psi,
)
from qgen.tomography.losses import negative_log_likelihood
from qgen.tomography.measurements import MeasurementData
from qgen.tomography.rotations import log_amplitudes, log_probabilities
from qgen.tomography.training import TomographyTrainer
from qgen.tomography.workflow import TomographyOptions, run_tomography

__all__ = [
    "ExactWaveFunction",
    "MeasurementData",
    "TomographyOptions",
    "TomographyTrainer",
    "correlator",
    "fidelity",
    "kl_divergence",
    "load_basis_list",
    "load_density_matrix",
    "load_measurements",
    "load_psi",
    "log_amplitudes",
    "log_probabilities",
    "magnetization",
    "negative_log_likelihood",
    "observable",
    "pairwise_bases",
    "renyi2",
    "renyi2_curve",
    "run_tomography",
    "save_measurements",
    "save_psi",
    "state_vector",
    "swap_values",
    "z_basis",
]
