r"""QuTiP ``Qobj`` operators and states, to and from qgen.

QuTiP and qgen share the basis: ``tensor(op_0, op_1, …)`` puts site 0 on the most
significant bit, and ``basis(2, 0)`` is :math:`\sigma^z = +1`, qgen's bit 0 (spin up), so
no permutation or sign is involved. A qubit ``Qobj`` has ``dims`` ``[[2, …, 2], [2, …, 2]]``
(an operator or density matrix) or ``[[2, …, 2], [1]]`` (a ket).

Operators go to QuTiP as their sparse matrix and come back by Pauli decomposition,
:math:`c_P = \mathrm{Tr}(P\,O)/2^N` (:func:`~qgen.interop.matrices.from_matrix`); a
non-Hermitian ``Qobj`` gives complex coefficients. States go both ways as vectors (kets)
or density matrices.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qgen.errors import DataError, OperatorError, QgenError
from qgen.interop._imports import require_library
from qgen.interop.matrices import from_matrix
from qgen.operators import PauliSum

__all__ = ["from_qutip", "is_qobj", "state_from_qutip", "state_to_qutip", "to_qutip"]


def is_qobj(value: object) -> bool:
    """Whether ``value`` is a QuTiP ``Qobj`` (checked without importing QuTiP)."""
    return type(value).__module__.split(".")[0] == "qutip" and hasattr(value, "full")


def _qubit_sites(
    qobj: Any, n_sites: int | None, what: str, error: type[QgenError] = OperatorError
) -> int:
    """The number of qubits of a ``Qobj``, from its ``dims`` (or its size and ``n_sites``)."""
    dims = qobj.dims
    rows = [int(d) for d in dims[0]] if isinstance(dims[0], list) else None
    if rows is not None and rows and all(d == 2 for d in rows):
        n = len(rows)
        if n_sites is None or n_sites == n:
            return n
    size = int(qobj.shape[0])
    if n_sites is not None and size == 1 << n_sites:
        return n_sites
    wanted = f"{n_sites} " if n_sites is not None else ""
    hint = "" if n_sites is not None else f", or n_sites with a size 2^n_sites (got {size})"
    raise error(
        f"{what}: expected a Qobj on {wanted}qubits, dims [[2, …, 2], …] (one 2 per site)"
        f"{hint}, got dims {dims}"
    )


def to_qutip(pauli_sum: PauliSum) -> Any:
    """A :class:`PauliSum` as a QuTiP operator (sparse, ``dims [[2]*N, [2]*N]``).

    Raises:
        MemoryLimitError: the sparse matrix would not fit in memory.
        MissingDependencyError: QuTiP is not installed.
    """
    qutip = require_library("qutip", "to_qutip")
    n = pauli_sum.n_sites
    return qutip.Qobj(
        pauli_sum.to_sparse(), dims=[[2] * n, [2] * n], isherm=pauli_sum.is_hermitian()
    )


def from_qutip(qobj: Any, n_sites: int | None = None, atol: float = 1e-12) -> PauliSum:
    r"""A QuTiP operator on qubits as a :class:`PauliSum`, by Pauli decomposition.

    Args:
        qobj: an operator ``Qobj`` with qubit ``dims``.
        n_sites: read a ``Qobj`` of size ``2^n_sites`` as that many qubits whatever its
            ``dims`` (a ``Qobj(matrix)`` made from a plain array has ``dims [[4], [4]]``).
        atol: Pauli coefficients with :math:`|c_P| \le` ``atol`` are dropped.

    Raises:
        OperatorError: not an operator, not on qubits, or more than
            :data:`~qgen.interop.matrices.MAX_DECOMPOSITION_SITES` sites.
        MissingDependencyError: QuTiP is not installed.
    """
    require_library("qutip", "from_qutip")
    what = "from_qutip"
    if not is_qobj(qobj):
        raise OperatorError(f"{what}: expected a QuTiP Qobj, got {type(qobj).__name__}")
    if not qobj.isoper:
        raise OperatorError(f"{what}: expected an operator (type 'oper'), got type {qobj.type!r}")
    n = _qubit_sites(qobj, n_sites, what)
    return from_matrix(qobj.full(), n_sites=n, atol=atol)


def state_to_qutip(psi: Any, n_sites: int | None = None) -> Any:
    """A qgen state as a QuTiP ``Qobj``: a vector of length ``2^N`` becomes a ket, a
    ``2^N × 2^N`` matrix a density matrix (``oper``). Amplitudes are copied as they are,
    not normalized.

    Raises:
        DataError: neither a vector nor a square matrix of size ``2^N`` (``2^n_sites``).
        MissingDependencyError: QuTiP is not installed.
    """
    from qgen.interop.states import as_state_array

    qutip = require_library("qutip", "state_to_qutip")
    array = as_state_array(psi)
    size = array.shape[0] if array.ndim in (1, 2) else 0
    square = array.ndim == 1 or array.shape == (size, size)
    n = size.bit_length() - 1
    if not square or size < 2 or size != 1 << n or (n_sites is not None and n != n_sites):
        expected = "2^N" if n_sites is None else f"2^{n_sites} = {1 << n_sites}"
        raise DataError(
            f"state_to_qutip: expected a state vector of length {expected} or a square "
            f"density matrix of that size, got shape {array.shape}"
        )
    if array.ndim == 1:
        return qutip.Qobj(array.reshape(-1, 1), dims=[[2] * n, [1]])
    return qutip.Qobj(array, dims=[[2] * n, [2] * n])


def state_from_qutip(qobj: Any, n_sites: int | None = None) -> np.ndarray:
    """A QuTiP state in qgen's basis order: a ket as a complex128 vector of length ``2^N``,
    a density matrix (``oper``) as a ``2^N × 2^N`` complex128 matrix.

    Args:
        qobj: a ket or density matrix on qubits.
        n_sites: read a ``Qobj`` of size ``2^n_sites`` as that many qubits (see
            :func:`from_qutip`).

    Raises:
        DataError: a bra, a superoperator, or a ``Qobj`` not on qubits.
    """
    what = "state_from_qutip"
    if not is_qobj(qobj):
        raise DataError(f"{what}: expected a QuTiP Qobj, got {type(qobj).__name__}")
    if qobj.isbra:
        raise DataError(f"{what}: expected a ket or a density matrix, got a bra; pass qobj.dag()")
    if not (qobj.isket or qobj.isoper):
        raise DataError(f"{what}: expected a ket or a density matrix, got type {qobj.type!r}")
    _qubit_sites(qobj, n_sites, what, DataError)
    if qobj.isket and math.prod(qobj.shape) != qobj.shape[0]:
        raise DataError(f"{what}: expected a ket of one column, got shape {qobj.shape}")
    matrix = np.asarray(qobj.full(), dtype=np.complex128)
    return matrix.reshape(-1) if qobj.isket else matrix
