"""Sampling from wave functions and the statistics of Monte Carlo estimates."""

from qgen.sampling.samplers import AutoregressiveSampler, ExactSampler, Sampler, SamplerError
from qgen.sampling.statistics import Stats, statistics, v_score

__all__ = [
    "AutoregressiveSampler",
    "ExactSampler",
    "Sampler",
    "SamplerError",
    "Stats",
    "statistics",
    "v_score",
]
