"""Estimators that every workflow shares: local values of an operator (the VMC energy and
tomography's observables alike) and the statistics of Monte Carlo samples (mean, error
with the autocorrelation time, split-R̂, V-score)."""

from qgen.estimators.local_values import DEFAULT_CHUNK_SIZE, local_values
from qgen.estimators.statistics import (
    Stats,
    integrated_autocorrelation_time,
    mean_and_error,
    split_r_hat,
    statistics,
    v_score,
)

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "Stats",
    "integrated_autocorrelation_time",
    "local_values",
    "mean_and_error",
    "split_r_hat",
    "statistics",
    "v_score",
]
