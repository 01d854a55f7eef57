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
from qgen.ebm.errors import EBMError, check_binary_data
from qgen.ebm.experiment import EBMExperiment, ising_data, run_ebm
from qgen.ebm.metrics import compare_histograms, level_edges, mean_and_error
from qgen.ebm.reference import IsingThermodynamics, ising_thermodynamics
from qgen.ebm.training import CDConfig, CDTrainer, TrainingHistory, train_rbm

__all__ = [
    "CDConfig",
    "CDTrainer",
    "EBMError",
    "EBMExperiment",
    "IsingThermodynamics",
    "LogPartitionEstimate",
    "TrainingHistory",
    "annealed_log_partition",
    "base_visible_bias",
    "check_binary_data",
    "compare_histograms",
    "ising_data",
    "ising_thermodynamics",
    "level_edges",
    "log_partition",
    "mean_and_error",
    "negative_log_likelihood",
    "run_ebm",
    "train_rbm",
]
