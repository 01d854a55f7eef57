"""Variational Monte Carlo: stochastic reconfiguration and the driver."""

from qgen.vmc.driver import VMC, clip_local_energies, surrogate_loss
from qgen.vmc.sr import SR, log_derivatives

__all__ = [
    "SR",
    "VMC",
    "clip_local_energies",
    "log_derivatives",
    "surrogate_loss",
]
