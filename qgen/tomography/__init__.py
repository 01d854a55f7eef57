"""Quantum state tomography: measurement data and bases, likelihood training,
estimators from a model.

Reconstruct a state from projective measurements in Pauli bases (Torlai et al.,
"Neural-network quantum state tomography", Nat. Phys. 14, 447 (2018)), then estimate what
was never measured; reconstruct a mixed state as a physical density matrix from product-POVM
outcomes or device counts (Carrasquilla et al., Nat. Mach. Intell. 1, 155 (2019)).
"""

from qgen.tomography.baselines import linear_inversion, maximum_likelihood
from qgen.tomography.bases import load_basis_list, pairwise_bases, z_basis
from qgen.tomography.counts import load_counts, save_counts
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
from qgen.tomography.mixed_workflow import run_mixed_tomography
from qgen.tomography.povm_data import POVMData
from qgen.tomography.povm_files import load_povm_data
from qgen.tomography.rotations import log_amplitudes, log_probabilities
from qgen.tomography.training import TomographyTrainer
from qgen.tomography.workflow import TomographyOptions, run_tomography

__all__ = [
    "ExactWaveFunction",
    "MeasurementData",
    "POVMData",
    "TomographyOptions",
    "TomographyTrainer",
    "correlator",
    "fidelity",
    "kl_divergence",
    "linear_inversion",
    "load_basis_list",
    "load_counts",
    "load_density_matrix",
    "load_measurements",
    "load_povm_data",
    "load_psi",
    "log_amplitudes",
    "log_probabilities",
    "magnetization",
    "maximum_likelihood",
    "negative_log_likelihood",
    "observable",
    "pairwise_bases",
    "renyi2",
    "renyi2_curve",
    "run_mixed_tomography",
    "run_tomography",
    "save_counts",
    "save_measurements",
    "save_psi",
    "state_vector",
    "swap_values",
    "z_basis",
]
