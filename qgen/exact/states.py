r"""Properties of exact state vectors: expectation values and entanglement entropies.

State vectors live in the full ``2^N`` space in the basis-index order of
:mod:`qgen.hilbert` (site 0 the most significant bit). They need not be normalized;
every function normalizes first. Numpy arrays, torch tensors, QuTiP kets and NetKet
states are accepted (:func:`qgen.interop.as_state_vector`).

Entropies are in nats. For a bipartition A|B with Schmidt values :math:`s_i`, the
reduced density matrix :math:`\rho_A` has eigenvalues :math:`\lambda_i = s_i^2` and

.. math:: S_1 = -\sum_i \lambda_i \ln \lambda_i, \qquad
          S_\alpha = \frac{1}{1-\alpha} \ln \sum_i \lambda_i^\alpha .

Example:
    >>> import numpy as np
    >>> from qgen.exact import renyi_entropy
    >>> bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    >>> round(renyi_entropy(bell, [0], alpha=2), 12)  # ln 2
    0.69314718056
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from qgen.errors import HilbertError, OperatorError
from qgen.interop.states import as_state_array
from qgen.operators.pauli import PauliSum

__all__ = [
    "entanglement_spectrum",
    "expectation",
    "reduced_density_matrix",
    "renyi_entropy",
    "variance",
    "von_neumann_entropy",
]


def _as_state(psi: np.ndarray) -> tuple[np.ndarray, int]:
    """Normalized copy of a state vector and its number of sites; any state that
    :func:`~qgen.interop.as_state_array` reads (numpy, torch, a QuTiP ket, NetKet)."""
    vector = as_state_array(psi, HilbertError)
    if vector.ndim != 1 or vector.size < 2 or vector.size & (vector.size - 1):
        raise HilbertError(f"expected a state vector of length 2^N, got shape {vector.shape}")
    norm = np.linalg.norm(vector)
    if not np.isfinite(norm) or norm == 0:
        raise HilbertError(f"expected a non-zero, finite state vector, got norm {norm}")
    return vector / norm, vector.size.bit_length() - 1


def _check_operator(operator: PauliSum, n_sites: int) -> None:
    if operator.n_sites != n_sites:
        raise OperatorError(
            f"the operator acts on {operator.n_sites} sites, the state has {n_sites}"
        )


def expectation(operator: PauliSum, psi: np.ndarray) -> complex | float:
    r""":math:`\langle\psi|O|\psi\rangle / \langle\psi|\psi\rangle`.

    Returns a float for Hermitian operators and a complex number otherwise.
    """
    state, n_sites = _as_state(psi)
    _check_operator(operator, n_sites)
    value = complex(np.vdot(state, operator.apply(state)))
    return value.real if operator.is_hermitian() else value


def variance(operator: PauliSum, psi: np.ndarray) -> float:
    r"""Variance :math:`\langle O^2\rangle - \langle O\rangle^2` of a Hermitian operator.

    Zero for eigenstates: the zero-variance check of exact and variational states.
    """
    operator.require_hermitian("the variance")
    state, n_sites = _as_state(psi)
    _check_operator(operator, n_sites)
    applied = operator.apply(state)
    mean = np.vdot(state, applied).real
    return max(float(np.vdot(applied, applied).real - mean**2), 0.0)


def _subsystem(subsystem: Sequence[int] | np.ndarray, n_sites: int) -> list[int]:
    array = np.atleast_1d(np.asarray(subsystem))
    integral = array.size == 0 or np.issubdtype(array.dtype, np.integer)
    sites = [int(s) for s in array.astype(np.int64)] if integral else []
    if not integral or len(set(sites)) != len(sites) or any(not 0 <= s < n_sites for s in sites):
        raise HilbertError(
            f"expected distinct sites in 0..{n_sites - 1} for the subsystem, got {list(subsystem)}"
        )
    return sites


def _bipartite_matrix(psi: np.ndarray, subsystem: Sequence[int]) -> np.ndarray:
    """ψ reshaped to a (2^|A|, 2^|B|) matrix, rows indexed by the sites of A in the given order."""
    state, n_sites = _as_state(psi)
    sites = _subsystem(subsystem, n_sites)
    rest = [s for s in range(n_sites) if s not in sites]
    tensor = state.reshape((2,) * n_sites).transpose(sites + rest)
    return tensor.reshape(2 ** len(sites), 2 ** len(rest))


def reduced_density_matrix(psi: np.ndarray, subsystem: Sequence[int]) -> np.ndarray:
    r"""Reduced density matrix :math:`\rho_A = \mathrm{Tr}_B |\psi\rangle\langle\psi|`.

    Rows and columns follow the sites of A in the order given (first site most significant).
    """
    matrix = _bipartite_matrix(psi, subsystem)
    return matrix @ matrix.conj().T


def entanglement_spectrum(psi: np.ndarray, subsystem: Sequence[int]) -> np.ndarray:
    r"""Eigenvalues :math:`\lambda_i` of :math:`\rho_A` (squared Schmidt values), decreasing."""
    matrix = _bipartite_matrix(psi, subsystem)
    singular = np.linalg.svd(matrix, compute_uv=False)
    return singular**2


def renyi_entropy(psi: np.ndarray, subsystem: Sequence[int], alpha: float = 2.0) -> float:
    r"""Rényi-α entropy :math:`S_\alpha(\rho_A)` in nats.

    ``alpha = 1`` gives the von Neumann entropy, ``alpha = inf`` the min-entropy
    :math:`-\ln \lambda_\max`, ``alpha = 0`` the log of the Schmidt rank.
    """
    if not alpha >= 0:
        raise HilbertError(f"expected a Rényi index alpha >= 0, got {alpha}")
    weights = entanglement_spectrum(psi, subsystem)
    weights = weights[weights > 1e-15]
    if alpha == 1:
        entropy = -np.sum(weights * np.log(weights))
    elif math.isinf(alpha):
        entropy = -np.log(weights.max())
    else:
        entropy = np.log(np.sum(weights**alpha)) / (1.0 - alpha)
    return max(float(entropy), 0.0)  # rounding can leave -1e-16 for product states


def von_neumann_entropy(psi: np.ndarray, subsystem: Sequence[int]) -> float:
    r"""Von Neumann entropy :math:`-\mathrm{Tr}\,\rho_A \ln \rho_A` in nats."""
    return renyi_entropy(psi, subsystem, alpha=1.0)
