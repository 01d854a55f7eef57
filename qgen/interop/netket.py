r"""NetKet's spin-1/2 operators and states, to and from qgen.

The conventions, and what the converters do about each:

* **Operators are the same operators.** :func:`from_netket` and :func:`to_netket` keep
  every matrix element: a NetKet operator and its :class:`~qgen.operators.PauliSum`
  have the same spectrum. NetKet's ``sigmax/sigmay/sigmaz`` and its ``Heisenberg`` are
  written with Pauli matrices, qgen's spin models with :math:`S = \sigma/2`, so
  ``nk.operator.Heisenberg(hilbert, graph, J=J, sign_rule=False)`` converts to
  ``heisenberg(lattice, J=4 * J)``: the energies of the two codes' *models* differ by 4,
  the converted operator does not. NetKet's ``Heisenberg`` also applies the Marshall
  sign rule by default on bipartite graphs (same spectrum, other eigenvectors).
* **Basis.** NetKet's operators act on the *index* of a local state: index 0 is
  :math:`\sigma^z = +1`, which is qgen's bit 0 (spin up). In NetKet's default ordering
  (``Spin(0.5, N)``, local states ``[+1, -1]``) that is the value +1; with
  ``inverted_ordering=True`` (local states ``[-1, +1]``) it is the value −1. For
  ``nk.hilbert.Qubit`` it is the value 0. In every case NetKet's full-space index of a
  configuration (site 0 the most significant digit) equals qgen's basis index.
* **Site numbering.** NetKet's ``Grid``, ``Square`` and ``Triangular`` graphs number the
  cells with the *last* coordinate running fastest, qgen's lattices with the *first*
  (:mod:`qgen.lattice`): site ``(x, y)`` of an ``Lx × Ly`` lattice is NetKet's node
  ``x·Ly + y`` and qgen's site ``x + Lx·y``. Given a ``lattice``, every converter here
  relabels the sites accordingly (:func:`netket_site_order`); without one, NetKet's node
  ``k`` becomes qgen's site ``k`` (right for chains, wrong for 2D graphs).

Only spin-1/2 spaces can be mapped; an operator on spin > 1/2, fermions or bosons is
refused with an :class:`~qgen.errors.OperatorError`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from qgen.errors import OperatorError
from qgen.hilbert import MAX_INDEXED_SITES
from qgen.interop._imports import require_library
from qgen.interop.matrices import MAX_DECOMPOSITION_SITES, _from_dense, from_matrix
from qgen.lattice import Lattice
from qgen.operators import PauliSum

__all__ = [
    "from_netket",
    "netket_site_order",
    "state_from_netket",
    "state_to_netket",
    "to_netket",
]

_EXPECTED_SPACE = "a spin-1/2 space (nk.hilbert.Spin(0.5, N) or nk.hilbert.Qubit(N))"


def netket_site_order(lattice: Lattice) -> np.ndarray:
    """``order[i]``: the node of NetKet's graph of the same shape that sits on qgen's site ``i``.

    NetKet numbers the cells of an ``L_1 × … × L_d`` lattice in C order (last coordinate
    fastest), qgen in Fortran order (first coordinate fastest); on a chain the order is
    the identity.

    Example:
        >>> from qgen.lattice import Square
        >>> netket_site_order(Square(3, 2, periodic=False)).tolist()
        [0, 2, 4, 1, 3, 5]
    """
    coordinates = np.asarray(lattice.coordinates)
    return np.ravel_multi_index(tuple(coordinates.T), lattice.extent).astype(np.int64)


def _netket(purpose: str) -> ModuleType:
    return require_library("netket", purpose)


def _check_hilbert(nk: ModuleType, hilbert: Any, what: str) -> int:
    """The number of sites of a NetKet spin-1/2 space; any other space is refused."""
    if hilbert is None:
        raise OperatorError(f"{what}: expected a NetKet object with a .hilbert, got None")
    spaces = nk.hilbert
    if isinstance(hilbert, spaces.SpinOrbitalFermions):
        kind = "a fermion space"
    elif isinstance(hilbert, spaces.Fock):
        kind = "a boson (Fock) space"
    elif isinstance(hilbert, spaces.Spin | spaces.Qubit) and hilbert.local_size == 2:
        return int(hilbert.size)
    elif isinstance(hilbert, spaces.Spin):
        kind = f"spin {(hilbert.local_size - 1) / 2:g} ({hilbert.local_size} local states)"
    else:
        kind = f"a {type(hilbert).__name__} space"
    raise OperatorError(
        f"{what} on {hilbert!r}: expected {_EXPECTED_SPACE}, got {kind}; "
        "qgen maps spin-1/2 sites only"
    )


def _site_order(lattice: Lattice | None, n_sites: int, what: str) -> np.ndarray:
    if lattice is None:
        return np.arange(n_sites)
    if lattice.n_sites != n_sites:
        raise OperatorError(
            f"{what}: expected a lattice of {n_sites} sites (as many as the NetKet space), "
            f"got {lattice!r} with {lattice.n_sites}"
        )
    return netket_site_order(lattice)


def _relabel(labels: list[str], order: np.ndarray) -> list[str]:
    """Dense labels in NetKet's node order → labels in qgen's site order."""
    return ["".join(label[k] for k in order.tolist()) for label in labels]


def from_netket(operator: Any, lattice: Lattice | None = None) -> PauliSum:
    r"""A NetKet operator on spin-1/2 sites as a :class:`PauliSum`, element for element.

    ``PauliStrings`` are read string by string; ``LocalOperator`` (``Heisenberg``,
    ``GraphOperator``, sums and products of ``nk.operator.spin.*``) by the Pauli
    decomposition of each local matrix; ``Ising`` through its local operator; any other
    operator on up to :data:`~qgen.interop.matrices.MAX_DECOMPOSITION_SITES` unconstrained
    sites through its dense matrix.

    Args:
        operator: the NetKet operator.
        lattice: the qgen lattice matching the NetKet graph the operator was built on.
            Given, NetKet's node ``order[i]`` (:func:`netket_site_order`) becomes qgen's
            site ``i``, so that a bond of NetKet's 2D graph lands on the same bond of
            ``lattice``. Without it node ``k`` becomes site ``k``.

    Raises:
        OperatorError: the operator acts on spin > 1/2, fermions or bosons, the lattice
            has another number of sites, or the operator is of a kind that cannot be read.
        MissingDependencyError: NetKet is not installed.
    """
    nk = _netket("from_netket")
    what = f"NetKet operator {type(operator).__name__}"
    n = _check_hilbert(nk, getattr(operator, "hilbert", None), what)
    order = _site_order(lattice, n, what)
    if hasattr(operator, "to_local_operator") and not isinstance(
        operator, nk.operator.PauliStringsJax | nk.operator.PauliStringsNumba
    ):
        operator = operator.to_local_operator()
    if isinstance(operator, nk.operator.PauliStringsJax | nk.operator.PauliStringsNumba):
        labels = [str(label) for label in np.asarray(operator.operators).tolist()]
        weights = np.asarray(operator.weights, dtype=np.complex128)
        return PauliSum(_relabel(labels, order), list(weights), n_sites=n)
    if isinstance(operator, nk.operator.LocalOperatorJax | nk.operator.LocalOperatorNumba):
        return _from_local_operator(operator, n, np.argsort(order))
    if operator.hilbert.constrained or n > MAX_DECOMPOSITION_SITES:
        raise OperatorError(
            f"{what}: expected a PauliStrings or LocalOperator, or an operator on at most "
            f"{MAX_DECOMPOSITION_SITES} unconstrained sites to read densely, got {n} sites"
            + (" with a constraint" if operator.hilbert.constrained else "")
        )
    permuted = _from_dense(np.asarray(operator.to_dense(), dtype=np.complex128), n, 1e-12)
    return PauliSum(_relabel(permuted.strings, order), list(permuted.coefficients), n_sites=n)


def _from_local_operator(operator: Any, n_sites: int, site_of_node: np.ndarray) -> PauliSum:
    """Σ over the local terms of their Pauli decompositions, placed on qgen's sites."""
    total = PauliSum.identity(n_sites, complex(np.asarray(operator.constant)))
    for matrix, acting_on in zip(operator.operators, operator.acting_on, strict=True):
        dense = matrix.todense() if hasattr(matrix, "todense") else matrix
        local = from_matrix(np.asarray(dense, dtype=np.complex128))
        sites = [int(site_of_node[int(node)]) for node in np.asarray(acting_on).tolist()]
        labels = [
            " ".join(f"{letter}{site}" for letter, site in zip(label, sites, strict=True))
            for label in local.strings
        ]
        total = total + PauliSum(labels, list(local.coefficients), n_sites=n_sites)
    return total


def to_netket(
    pauli_sum: PauliSum, hilbert: Any | None = None, lattice: Lattice | None = None
) -> Any:
    """A :class:`PauliSum` as NetKet's ``PauliStrings``, element for element.

    Args:
        pauli_sum: the operator.
        hilbert: a NetKet spin-1/2 space of ``pauli_sum.n_sites`` sites; by default
            ``nk.hilbert.Spin(0.5, n_sites)``.
        lattice: given, qgen's site ``i`` becomes NetKet's node ``order[i]``
            (:func:`netket_site_order`), for use with NetKet's graph of that shape.

    Raises:
        OperatorError: a space that is not spin-1/2 or of another size.
        MissingDependencyError: NetKet is not installed.
    """
    nk = _netket("to_netket")
    n = pauli_sum.n_sites
    if hilbert is None:
        hilbert = nk.hilbert.Spin(0.5, n)
    what = "to_netket"
    if _check_hilbert(nk, hilbert, what) != n:
        raise OperatorError(f"{what}: expected a NetKet space of {n} sites, got {hilbert!r}")
    site_of_node = np.argsort(_site_order(lattice, n, what))
    labels = _relabel(pauli_sum.strings, site_of_node) if pauli_sum.n_terms else ["I" * n]
    weights = pauli_sum.coefficients if pauli_sum.n_terms else np.zeros(1)
    if pauli_sum.is_hermitian(atol=0.0):
        weights = weights.real
    return nk.operator.PauliStrings(hilbert, labels, weights)


def _basis_indices(nk: ModuleType, hilbert: Any, order: np.ndarray, what: str) -> np.ndarray:
    """qgen's basis index of each of NetKet's basis states, in NetKet's order."""
    n = _check_hilbert(nk, hilbert, what)
    if n > MAX_INDEXED_SITES:
        raise OperatorError(f"{what}: expected at most {MAX_INDEXED_SITES} sites, got {n}")
    values = np.asarray(hilbert.all_states())
    local = np.asarray(hilbert.local_states)
    # A site's bit is the index of its local state: index 0 is σᶻ = +1, qgen's bit 0.
    bits = np.argmax(values[..., None] == local, axis=-1)[:, order]
    return bits.astype(np.int64) @ (1 << np.arange(n - 1, -1, -1, dtype=np.int64))


def state_from_netket(vector: Any, hilbert: Any, lattice: Lattice | None = None) -> np.ndarray:
    """A NetKet state vector (``vstate.to_array()``, ``lanczos_ed`` eigenvectors) as qgen's.

    Args:
        vector: amplitudes in the order of ``hilbert.all_states()``; a constrained space
            (``total_sz``) gives the amplitudes of its sector only.
        hilbert: the NetKet spin-1/2 space of the vector.
        lattice: relabel NetKet's nodes onto qgen's sites (see :func:`from_netket`).

    Returns:
        A complex128 vector of length ``2^N`` in qgen's basis order (zero outside the
        sector of a constrained space), with the normalization it came with.
    """
    nk = _netket("state_from_netket")
    what = "state_from_netket"
    n = _check_hilbert(nk, hilbert, what)
    indices = _basis_indices(nk, hilbert, _site_order(lattice, n, what), what)
    amplitudes = np.asarray(vector, dtype=np.complex128).reshape(-1)
    if amplitudes.size != indices.size:
        raise OperatorError(
            f"{what}: expected {indices.size} amplitudes (the states of {hilbert!r}), "
            f"got {amplitudes.size}"
        )
    psi = np.zeros(1 << n, dtype=np.complex128)
    psi[indices] = amplitudes
    return psi


def state_to_netket(psi: Any, hilbert: Any, lattice: Lattice | None = None) -> np.ndarray:
    """qgen's state vector in the order of ``hilbert.all_states()`` (the inverse of
    :func:`state_from_netket`; a constrained space keeps its sector's amplitudes)."""
    nk = _netket("state_to_netket")
    what = "state_to_netket"
    n = _check_hilbert(nk, hilbert, what)
    vector = np.asarray(psi, dtype=np.complex128).reshape(-1)
    if vector.size != 1 << n:
        raise OperatorError(f"{what}: expected {1 << n} amplitudes, got {vector.size}")
    return vector[_basis_indices(nk, hilbert, _site_order(lattice, n, what), what)]
