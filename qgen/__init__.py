"""qgen: generative models for quantum many-body physics, built on PyTorch.

The layers, from the bottom: :mod:`qgen.lattice` and :mod:`qgen.hilbert` (sites, bonds,
bit encodings), :mod:`qgen.operators` (Pauli-string sums, Hamiltonians, observables),
:mod:`qgen.exact` (exact diagonalization, entropies, measurements). See
``docs/conventions.md`` for units, signs and the bit encoding.

The names below are imported on first use (PEP 562), so that ``import qgen`` — and
``qgen --version`` — do not pay for torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from qgen._version import __version__
from qgen.errors import QgenError

if TYPE_CHECKING:
    from qgen.lattice import Chain, Lattice, Square, Triangular
    from qgen.operators import PauliSum, pauli
    from qgen.system import System

__all__ = [
    "Chain",
    "Lattice",
    "PauliSum",
    "QgenError",
    "Square",
    "System",
    "Triangular",
    "__version__",
    "pauli",
]

_LAZY = {
    "Chain": "qgen.lattice",
    "Lattice": "qgen.lattice",
    "Square": "qgen.lattice",
    "Triangular": "qgen.lattice",
    "PauliSum": "qgen.operators",
    "pauli": "qgen.operators",
    "System": "qgen.system",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # import once
        return value
    raise AttributeError(f"module 'qgen' has no attribute {name!r}")
