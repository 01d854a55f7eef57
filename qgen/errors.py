"""The exceptions qgen raises for bad input.

Every error a user can cause is a subclass of :class:`QgenError`, raised with a
message that names what was expected and what came. The command-line interface
prints such errors as one line and exits with a non-zero code.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "HilbertError",
    "LatticeError",
    "MemoryLimitError",
    "NotHermitianError",
    "OperatorError",
    "QgenError",
]


class QgenError(Exception):
    """Base class of every error that bad input to qgen can raise."""


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


class ConfigError(QgenError, ValueError):
    """A system description (TOML file or command-line flags) that cannot be understood."""
