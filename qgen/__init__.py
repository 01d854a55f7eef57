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
    from qgen.exact import diagonalize, ground_state
    from qgen.lattice import Chain, Lattice, Square, Triangular
    from qgen.models import MADE, RBM, RNN, RNN2D, Transformer
    from qgen.operators import PauliSum, heisenberg, j1j2, pauli, transverse_field_ising, xxz
    from qgen.sampling import AutoregressiveSampler, ExactSampler, MetropolisSampler
    from qgen.system import System
    from qgen.tomography import MeasurementData, run_tomography
    from qgen.vmc import SR, VMC

_LAZY = {
    # lattices and systems
    "Chain": "qgen.lattice",
    "Lattice": "qgen.lattice",
    "Square": "qgen.lattice",
    "Triangular": "qgen.lattice",
    "System": "qgen.system",
    # operators and Hamiltonians
    "PauliSum": "qgen.operators",
    "pauli": "qgen.operators",
    "heisenberg": "qgen.operators",
    "j1j2": "qgen.operators",
    "transverse_field_ising": "qgen.operators",
    "xxz": "qgen.operators",
    # exact results
    "diagonalize": "qgen.exact",
    "ground_state": "qgen.exact",
    # wave functions, samplers, the VMC driver
    "MADE": "qgen.models",
    "RBM": "qgen.models",
    "RNN": "qgen.models",
    "RNN2D": "qgen.models",
    "Transformer": "qgen.models",
    "AutoregressiveSampler": "qgen.sampling",
    "ExactSampler": "qgen.sampling",
    "MetropolisSampler": "qgen.sampling",
    "SR": "qgen.vmc",
    "VMC": "qgen.vmc",
    # tomography
    "MeasurementData": "qgen.tomography",
    "run_tomography": "qgen.tomography",
    # runs
    "load_run": "qgen.load",
}

__all__ = [
    "MADE",
    "RBM",
    "RNN",
    "RNN2D",
    "SR",
    "VMC",
    "AutoregressiveSampler",
    "Chain",
    "ExactSampler",
    "Lattice",
    "MeasurementData",
    "MetropolisSampler",
    "PauliSum",
    "QgenError",
    "Square",
    "System",
    "Transformer",
    "Triangular",
    "__version__",
    "diagonalize",
    "ground_state",
    "heisenberg",
    "j1j2",
    "load_run",
    "pauli",
    "run_tomography",
    "transverse_field_ising",
    "xxz",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # import once
        return value
    raise AttributeError(f"module 'qgen' has no attribute {name!r}")
