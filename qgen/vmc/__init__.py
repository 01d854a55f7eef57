"""Variational Monte Carlo: local estimators, stochastic reconfiguration, the driver."""

from qgen.vmc.driver import (
    VMC,
    Callback,
    NonFiniteError,
    VMCError,
    clip_local_energies,
    surrogate_loss,
)
from qgen.vmc.local_energy import local_values
from qgen.vmc.sr import SR, SRError, log_derivatives

__all__ = [
    "SR",
    "VMC",
    "Callback",
    "NonFiniteError",
    "SRError",
    "VMCError",
    "clip_local_energies",
    "local_values",
    "log_derivatives",
    "surrogate_loss",
]
