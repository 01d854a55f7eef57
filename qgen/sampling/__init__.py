"""Sampling from wave functions (exact, autoregressive, Markov chains) and the statistics
of Monte Carlo estimates."""

from qgen.sampling.metropolis import RULES, MetropolisSampler
from qgen.sampling.samplers import AutoregressiveSampler, ExactSampler, Sampler, SamplerError
from qgen.sampling.statistics import (
    Stats,
    integrated_autocorrelation_time,
    split_r_hat,
    statistics,
    v_score,
)

__all__ = [
    "RULES",
    "AutoregressiveSampler",
    "ExactSampler",
    "MetropolisSampler",
    "Sampler",
    "SamplerError",
    "Stats",
    "integrated_autocorrelation_time",
    "split_r_hat",
    "statistics",
    "v_score",
]
