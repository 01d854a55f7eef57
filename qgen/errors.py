"""Every exception qgen raises for bad input or a run that cannot go on, in one place.

Each error a user can cause is a subclass of :class:`QgenError`, raised with a message
that names what was expected and what came. The command-line interface prints such
errors as one line and exits with code 2.

The hierarchy follows the layers: lattices and bit encodings, operators, data, models,
samplers, estimators, training, run directories and configuration. Several also derive
from the builtin error that a Python user would catch for them (``ValueError``,
``MemoryError``).
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataError",
    "EstimatorError",
    "HilbertError",
    "LatticeError",
    "MemoryLimitError",
    "MissingDependencyError",
    "ModelError",
    "NonFiniteError",
    "NotHermitianError",
    "OperatorError",
    "QgenError",
    "RunDirectoryError",
    "SamplerError",
    "TrainingError",
]


class QgenError(Exception):
    """Base class of every error that bad input to qgen can raise."""


class ConfigError(QgenError, ValueError):
    """An option, a TOML table or a combination of settings that cannot be understood."""


class LatticeError(QgenError, ValueError):
    """A lattice that cannot be built as asked (bad size, degenerate bonds, not bipartite)."""


class HilbertError(QgenError, ValueError):
    """A configuration, basis index or magnetization sector that does not exist."""


class OperatorError(QgenError, ValueError):
    """A malformed Pauli string, mismatched sizes, or an operator unfit for the request."""


class NotHermitianError(OperatorError):
    """A non-Hermitian operator where a Hermitian one is required."""


class MemoryLimitError(QgenError, MemoryError):
    """A job whose estimated memory exceeds the limit; raised before allocating."""


class MissingDependencyError(QgenError, ImportError):
    """An optional library (NetKet, QuTiP, OpenFermion, …) that a function needs is not
    installed; the message names the ``pip install`` that brings it."""


class DataError(QgenError, ValueError):
    """Data that cannot be used as asked: a file, shape, basis, value or name that does
    not fit (measurement records, state vectors, sample tensors, datasets)."""


class ModelError(QgenError, ValueError):
    """A model that cannot be built or used as asked (sizes, sectors, local dimensions)."""


class SamplerError(QgenError, ValueError):
    """A sampler asked for something it cannot do (a sector it leaves, too many chains)."""


class EstimatorError(QgenError, ValueError):
    """An estimate that cannot be made from what was given (too few samples, sizes)."""


class TrainingError(QgenError, ValueError):
    """A driver given pieces that do not fit or settings with which it cannot train."""


class NonFiniteError(TrainingError):
    """A monitored value or a parameter became NaN or infinite; the run stops, and the
    last checkpoint written before it stays intact."""


class RunDirectoryError(QgenError):
    """A run directory that cannot be used as asked (exists, missing, or mismatched)."""
