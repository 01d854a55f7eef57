"""Exact results: diagonalization, state properties, density matrices, measurements in
Pauli bases and product POVMs, and closed forms."""

from qgen.exact.density import (
    CHANNELS,
    apply_local_channel,
    check_density_matrix,
    closest_physical,
    density_matrix,
    purity,
    quantum_fidelity,
    trace_distance,
)
from qgen.exact.diagonalize import Spectrum, diagonalize, ground_state
from qgen.exact.formulas import bethe_ansatz_energy_per_site, tfim_chain_ground_energy
from qgen.exact.measurement import (
    MeasurementSamples,
    measurement_probabilities,
    rotate_to_basis,
    sample_measurements,
)
from qgen.exact.povm import POVM, POVMS, outcome_probabilities, sample_outcomes, sample_settings
from qgen.exact.product_sum import ProductSum, ghz_product_sum
from qgen.exact.states import (
    entanglement_spectrum,
    expectation,
    reduced_density_matrix,
    renyi_entropy,
    variance,
    von_neumann_entropy,
)

__all__ = [
    "CHANNELS",
    "POVM",
    "POVMS",
    "MeasurementSamples",
    "ProductSum",
    "Spectrum",
    "apply_local_channel",
    "bethe_ansatz_energy_per_site",
    "check_density_matrix",
    "closest_physical",
    "density_matrix",
    "diagonalize",
    "entanglement_spectrum",
    "expectation",
    "ghz_product_sum",
    "ground_state",
    "measurement_probabilities",
    "outcome_probabilities",
    "purity",
    "quantum_fidelity",
    "reduced_density_matrix",
    "renyi_entropy",
    "rotate_to_basis",
    "sample_measurements",
    "sample_outcomes",
    "sample_settings",
    "tfim_chain_ground_energy",
    "trace_distance",
    "variance",
    "von_neumann_entropy",
]
