"""qgen: generative models for quantum many-body physics, built on PyTorch.

The layers, from the bottom: :mod:`qgen.lattice` and :mod:`qgen.hilbert` (sites, bonds,
bit encodings), :mod:`qgen.operators` (Pauli-string sums, Hamiltonians, observables),
:mod:`qgen.exact` (exact diagonalization, entropies, measurements). See
``docs/conventions.md`` for units, signs and the bit encoding.
"""

from qgen._version import __version__
from qgen.errors import QgenError
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
