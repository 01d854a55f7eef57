"""Exact results: diagonalization, state properties, measurements and closed forms."""

from qgen.exact.diagonalize import Spectrum, diagonalize, ground_state
from qgen.exact.formulas import bethe_ansatz_energy_per_site, tfim_chain_ground_energy
from qgen.exact.measurement import (
    MeasurementSamples,
    measurement_probabilities,
    rotate_to_basis,
    sample_measurements,
)
from qgen.exact.states import (
    entanglement_spectrum,
    expectation,
    reduced_density_matrix,
    renyi_entropy,
    variance,
    von_neumann_entropy,
)

__all__ = [
    "MeasurementSamples",
    "Spectrum",
    "bethe_ansatz_energy_per_site",
    "diagonalize",
    "entanglement_spectrum",
    "expectation",
    "ground_state",
    "measurement_probabilities",
    "reduced_density_matrix",
    "renyi_entropy",
    "rotate_to_basis",
    "sample_measurements",
    "tfim_chain_ground_energy",
    "variance",
    "von_neumann_entropy",
]
