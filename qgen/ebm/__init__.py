"""Classical energy-based models: a Bernoulli RBM trained by CD-k or persistent CD on
binary data, its log partition function by annealed importance sampling, and comparisons
of its samples with Monte Carlo data through physical observables.

The model itself is :class:`qgen.models.bernoulli_rbm.BernoulliRBM`.
"""

from qgen.ebm.ais import (
    LogPartitionEstimate,
    annealed_log_partition,
    base_visible_bias,
    log_partition,
    negative_log_likelihood,
)
from qgen.ebm.experiment import EBMOptions, ising_data, run_ebm
from qgen.ebm.metrics import compare_histograms, level_edges
from qgen.ebm.reference import IsingThermodynamics, ising_thermodynamics
from qgen.ebm.training import ContrastiveDivergence

__all__ = [
    "ContrastiveDivergence",
    "EBMOptions",
    "IsingThermodynamics",
    "LogPartitionEstimate",
    "annealed_log_partition",
    "base_visible_bias",
    "compare_histograms",
    "ising_data",
    "ising_thermodynamics",
    "level_edges",
    "log_partition",
    "negative_log_likelihood",
    "run_ebm",
]
