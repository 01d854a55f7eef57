"""Lazy imports of the optional libraries that :mod:`qgen.interop` converts to and from.

qgen never imports NetKet, QuTiP or OpenFermion at module level: each converter asks for
its library here, inside the function that needs it, and a missing library is reported
as a :class:`~qgen.errors.MissingDependencyError` that names the install command.
"""

from __future__ import annotations

import importlib
import warnings
from types import ModuleType

from qgen.errors import MissingDependencyError

__all__ = ["CROSSCHECK_INSTALL", "require_library"]

CROSSCHECK_INSTALL = 'pip install "qgen-physics[crosscheck]"'
"""The install command of the extra that holds NetKet and QuTiP."""

_INSTALL = {
    "netket": CROSSCHECK_INSTALL,
    "qutip": CROSSCHECK_INSTALL,
    "openfermion": "pip install openfermion",
}


def require_library(name: str, purpose: str) -> ModuleType:
    """``import name``, or a :class:`MissingDependencyError` naming ``purpose`` and the
    install command.

    Warnings raised while the library itself imports (jax and flax, under NetKet, warn
    about their own internals) are silenced: they are not about the caller's code.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return importlib.import_module(name)
    except ImportError as error:
        install = _INSTALL.get(name, f"pip install {name}")
        raise MissingDependencyError(
            f"{purpose}: expected the library {name!r} to be installed, got "
            f"{type(error).__name__}: {error}; install it with {install}"
        ) from None
