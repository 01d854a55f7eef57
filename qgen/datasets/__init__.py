"""Datasets for the generative models: 2D toy densities and classical Ising configurations.

:mod:`qgen.datasets.toy2d` samples the ring, concentric rings, two moons and eight
Gaussians, with their exact log-densities and entropies where known;
:mod:`qgen.datasets.ising` samples the classical 2D Ising model (checkerboard Metropolis,
Wolff clusters) and carries its exact references (enumeration, Onsager, Yang);
:func:`qgen.datasets.qucumber.qucumber_tutorial` is the folder of QuCumber's tutorial
measurement data, shipped with qgen.
"""

from qgen.datasets.base import check_samples
from qgen.datasets.ising import (
    CRITICAL_TEMPERATURE,
    CheckerboardMetropolis,
    WolffCluster,
    energy_per_site,
    exact_averages,
    lattice_symmetries,
    magnetization,
    onsager_energy_per_site,
    sample_ising,
)
from qgen.datasets.qucumber import qucumber_tutorial
from qgen.datasets.toy2d import TOY_DENSITIES, EightGaussians, ToyDensity, toy_density

__all__ = [
    "CRITICAL_TEMPERATURE",
    "TOY_DENSITIES",
    "CheckerboardMetropolis",
    "EightGaussians",
    "ToyDensity",
    "WolffCluster",
    "check_samples",
    "energy_per_site",
    "exact_averages",
    "lattice_symmetries",
    "magnetization",
    "onsager_energy_per_site",
    "qucumber_tutorial",
    "sample_ising",
    "toy_density",
]
