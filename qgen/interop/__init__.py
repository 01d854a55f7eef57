"""Converters between qgen and NetKet, QuTiP and OpenFermion.

* :mod:`qgen.interop.netket`: :func:`from_netket` / :func:`to_netket` (operators, with
  NetKet's 2D site numbering mapped through a ``lattice``), :func:`state_from_netket`,
  :func:`state_to_netket`, :func:`netket_site_order`;
* :mod:`qgen.interop.qutip`: :func:`to_qutip` / :func:`from_qutip` (operators, by Pauli
  decomposition), :func:`state_to_qutip` / :func:`state_from_qutip` (kets and density
  matrices);
* :mod:`qgen.interop.openfermion`: :func:`from_openfermion` / :func:`to_openfermion`;
* :mod:`qgen.interop.matrices`: :func:`from_matrix`, any ``2^N × 2^N`` matrix as a
  :class:`~qgen.operators.PauliSum`;
* :mod:`qgen.interop.states`: :func:`as_state_vector` / :func:`as_state_array`, the one
  coercion of "any state" that qgen's state-taking functions call.

The libraries are imported inside the functions that use them; a missing one raises
:class:`~qgen.errors.MissingDependencyError` naming ``pip install
"qgen-physics[crosscheck]"``. Layer: beside :mod:`qgen.operators` (it uses the lattice,
the bit encoding and the operators only), so ``qgen.exact`` and ``qgen.tomography`` can
call it. See ``docs/coming-from.md`` for the conventions of each library.
"""

from qgen.interop.matrices import MAX_DECOMPOSITION_SITES, from_matrix
from qgen.interop.netket import (
    from_netket,
    netket_site_order,
    state_from_netket,
    state_to_netket,
    to_netket,
)
from qgen.interop.openfermion import from_openfermion, to_openfermion
from qgen.interop.qutip import from_qutip, is_qobj, state_from_qutip, state_to_qutip, to_qutip
from qgen.interop.states import as_state_array, as_state_vector

__all__ = [
    "MAX_DECOMPOSITION_SITES",
    "as_state_array",
    "as_state_vector",
    "from_matrix",
    "from_netket",
    "from_openfermion",
    "from_qutip",
    "is_qobj",
    "netket_site_order",
    "state_from_netket",
    "state_from_qutip",
    "state_to_netket",
    "state_to_qutip",
    "to_netket",
    "to_openfermion",
    "to_qutip",
]
