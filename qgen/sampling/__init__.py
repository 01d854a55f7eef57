"""Sampling from wave functions: exact enumeration, autoregressive draws, Markov chains."""

from qgen.sampling.metropolis import RULES, MetropolisSampler
from qgen.sampling.samplers import AutoregressiveSampler, ExactSampler, Sampler

__all__ = [
    "RULES",
    "AutoregressiveSampler",
    "ExactSampler",
    "MetropolisSampler",
    "Sampler",
]
