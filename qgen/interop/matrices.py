r"""Any matrix on :math:`N` qubits as a :class:`~qgen.operators.PauliSum`, by Pauli
decomposition.

The Pauli strings :math:`P` on :math:`N` sites are an orthogonal basis of the
:math:`2^N \times 2^N` matrices, :math:`\mathrm{Tr}(P P') = 2^N \delta_{PP'}`, so

.. math:: O = \sum_P c_P P, \qquad c_P = \frac{\mathrm{Tr}(P\,O)}{2^N}.

The :math:`4^N` coefficients are computed one site at a time (each site's row and column
index pair becomes one of I, X, Y, Z), in :math:`O(N 4^N)` operations instead of
:math:`4^N` traces. Rows and columns follow qgen's basis order: site 0 is the most
significant bit and bit 0 is spin up (σᶻ = +1), as in QuTiP's ``tensor(op_0, op_1, …)``.

A non-Hermitian matrix gives complex coefficients: a :class:`PauliSum` holds those too
(:meth:`~qgen.operators.PauliSum.is_hermitian` tells which it is).

Example:
    >>> import numpy as np
    >>> from qgen.interop import from_matrix
    >>> from_matrix(np.diag([1.0, -1.0, -1.0, 1.0])).strings   # Z ⊗ Z
    ['ZZ']
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from qgen._memory import check_memory
from qgen.errors import OperatorError
from qgen.operators import PauliSum

__all__ = ["MAX_DECOMPOSITION_SITES", "from_matrix"]

MAX_DECOMPOSITION_SITES = 12
"""The most sites a dense Pauli decomposition is made for (4^12 coefficients, 268 MB)."""

# _PAULI_WEIGHTS[p, 2 r + c] = P_p[c, r] / 2, so that Σ_{rc} W[p, 2r + c] M[r, c]
# = Tr(P_p M) / 2; p runs over I, X, Y, Z.
_PAULI_MATRICES = np.array(
    [[[1, 0], [0, 1]], [[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]],
    dtype=np.complex128,
)
_PAULI_WEIGHTS = 0.5 * _PAULI_MATRICES.transpose(0, 2, 1).reshape(4, 4)
# Bit masks (x, z) of I, X, Y, Z: Y = i X Z carries both.
_X_BIT = np.array([False, True, True, False])
_Z_BIT = np.array([False, False, True, True])


def _square_matrix(matrix: object, n_sites: int | None, what: str) -> tuple[np.ndarray, int]:
    """``matrix`` as a dense complex ``2^N × 2^N`` array and its number of sites."""
    shape = getattr(matrix, "shape", None)
    if shape is None:
        matrix = np.asarray(matrix)
        shape = matrix.shape
    if len(shape) != 2 or shape[0] != shape[1]:
        raise OperatorError(f"{what}: expected a square matrix, got shape {tuple(shape)}")
    size = int(shape[0])
    if size < 2 or size & (size - 1):
        raise OperatorError(f"{what}: expected a matrix of size 2^N, got {size}x{size}")
    n = size.bit_length() - 1
    if n_sites is not None and n != n_sites:
        raise OperatorError(
            f"{what}: expected a {1 << n_sites}x{1 << n_sites} matrix for {n_sites} sites, "
            f"got {size}x{size}"
        )
    if n > MAX_DECOMPOSITION_SITES:
        raise OperatorError(
            f"{what}: expected at most {MAX_DECOMPOSITION_SITES} sites for a dense Pauli "
            f"decomposition, got {n}; build the operator from its terms instead"
        )
    # The dense matrix and the coefficient tensor, with one work copy of each.
    check_memory(4 * (4**n) * 16, f"the Pauli decomposition of {what} ({n} sites)")
    dense = sp.csr_array(matrix).toarray() if sp.issparse(matrix) else np.asarray(matrix)
    dense = np.asarray(dense, dtype=np.complex128)
    if not np.isfinite(dense).all():
        raise OperatorError(f"{what}: expected finite entries, got NaN or infinity")
    return dense, n


def _pauli_coefficients(dense: np.ndarray, n_sites: int) -> np.ndarray:
    r"""All :math:`c_P = \mathrm{Tr}(P O)/2^N` as a tensor of shape ``(4,) * n_sites``,
    index ``p_i`` ∈ (I, X, Y, Z) on site ``i``."""
    n = n_sites
    tensor = dense.reshape((2,) * (2 * n))
    # Interleave (r_0, c_0, r_1, c_1, …) and fuse each pair into one axis of size 4.
    order = [axis for site in range(n) for axis in (site, n + site)]
    tensor = tensor.transpose(order).reshape((4,) * n)
    for site in range(n):
        tensor = np.moveaxis(np.tensordot(_PAULI_WEIGHTS, tensor, axes=([1], [site])), 0, site)
    return tensor


def from_matrix(matrix: object, n_sites: int | None = None, atol: float = 1e-12) -> PauliSum:
    r"""The Pauli decomposition :math:`O = \sum_P \mathrm{Tr}(P O)/2^N \, P` of a matrix.

    Args:
        matrix: a ``2^N × 2^N`` matrix (numpy array, scipy sparse matrix, or anything
            ``numpy.asarray`` reads), rows and columns in qgen's basis order.
        n_sites: the number of sites, checked against the size when given.
        atol: coefficients with :math:`|c_P| \le` ``atol`` are dropped.

    Returns:
        The :class:`PauliSum` (complex coefficients for a non-Hermitian matrix).

    Raises:
        OperatorError: not a square matrix of size ``2^N``, more than
            :data:`MAX_DECOMPOSITION_SITES` sites, or non-finite entries.
    """
    dense, n = _square_matrix(matrix, n_sites, "the matrix")
    return _from_dense(dense, n, atol)


def _from_dense(dense: np.ndarray, n_sites: int, atol: float) -> PauliSum:
    coefficients = _pauli_coefficients(dense, n_sites)
    codes = np.argwhere(np.abs(coefficients) > atol)  # (K, N) Pauli codes per site
    values = coefficients[tuple(codes.T)] if codes.size else np.zeros(0, np.complex128)
    # The bit masks of the strings that survive, built directly: 4^N labels would be slow.
    return PauliSum._from_arrays(n_sites, _X_BIT[codes], _Z_BIT[codes], values)
