r"""Density matrices of ``N`` qubits: checks, local noise channels, distances, projection.

A density matrix is a complex128 array of shape ``(2^N, 2^N)`` in basis-index order
(site 0 the most significant bit, as for state vectors): Hermitian, positive
semi-definite and of unit trace. Local channels act on every qubit alike through their
Kraus operators :math:`\rho \mapsto \sum_r K_r \rho K_r^\dagger` (Nielsen & Chuang,
ch. 8):

- depolarizing: :math:`\rho \mapsto (1-p)\rho + p\,\mathrm{Tr}(\rho)\,\mathbb 1/2`;
- dephasing: :math:`\rho \mapsto (1-p)\rho + p\,Z\rho Z`;
- amplitude damping: :math:`K_0 = |0\rangle\langle0| + \sqrt{1-\gamma}\,|1\rangle\langle1|`,
  :math:`K_1 = \sqrt\gamma\,|0\rangle\langle1|` (decay to :math:`|0\rangle`, σᶻ = +1).

Distances: the Uhlmann fidelity :math:`F = (\mathrm{Tr}\sqrt{\sqrt\rho\,\sigma\sqrt\rho})^2`,
the trace distance :math:`\tfrac12\|\rho-\sigma\|_1`, the purity :math:`\mathrm{Tr}\rho^2`.
:func:`closest_physical` maps a Hermitian, unit-trace matrix with negative eigenvalues to
the closest density matrix (Smolin, Gambetta, Smith, PRL 108, 070502 (2012)).

Example:
    >>> import numpy as np
    >>> from qgen.exact.density import apply_local_channel, depolarizing, purity
    >>> bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    >>> rho = apply_local_channel(np.outer(bell, bell.conj()), depolarizing(0.1))
    >>> round(purity(rho), 6)  # (1 + 3 (1 - p)^4) / 4
    0.742075
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from qgen.errors import DataError, HilbertError
from qgen.interop.states import as_state_array
from qgen.registry import Registry
from qgen.validation import require_float

__all__ = [
    "CHANNELS",
    "RHO_TOLERANCE",
    "amplitude_damping",
    "apply_local_channel",
    "check_density_matrix",
    "closest_physical",
    "density_matrix",
    "dephasing",
    "depolarizing",
    "min_eigenvalue",
    "purity",
    "quantum_fidelity",
    "trace_distance",
]

RHO_TOLERANCE = 1e-8
r"""Largest accepted deviation of a density matrix from Hermitian, unit trace and
positive semi-definite (its most negative eigenvalue)."""

Kraus = tuple[np.ndarray, ...]

_PAULI_Z = np.diag([1.0, -1.0]).astype(np.complex128)
_PAULIS = (
    np.array([[0, 1], [1, 0]], dtype=np.complex128),
    np.array([[0, -1j], [1j, 0]], dtype=np.complex128),
    _PAULI_Z,
)


def _probability(p: float, name: str) -> float:
    return require_float(p, name, minimum=0.0, maximum=1.0, error=HilbertError)


def depolarizing(p: float) -> Kraus:
    r"""Kraus operators of :math:`\rho \mapsto (1-p)\rho + p\,\mathbb 1/2`:
    :math:`\sqrt{1-3p/4}\,\mathbb 1` and :math:`\sqrt{p/4}\,\sigma^{x,y,z}`."""
    p = _probability(p, "depolarizing probability")
    identity = np.sqrt(1 - 0.75 * p) * np.eye(2, dtype=np.complex128)
    return (identity, *(np.sqrt(p / 4) * sigma for sigma in _PAULIS))


def dephasing(p: float) -> Kraus:
    r"""Kraus operators of :math:`\rho \mapsto (1-p)\rho + p\,Z\rho Z`."""
    p = _probability(p, "dephasing probability")
    return (np.sqrt(1 - p) * np.eye(2, dtype=np.complex128), np.sqrt(p) * _PAULI_Z)


def amplitude_damping(gamma: float) -> Kraus:
    r"""Kraus operators of amplitude damping to :math:`|0\rangle` with probability γ."""
    gamma = _probability(gamma, "amplitude-damping probability")
    keep = np.array([[1, 0], [0, np.sqrt(1 - gamma)]], dtype=np.complex128)
    decay = np.array([[0, np.sqrt(gamma)], [0, 0]], dtype=np.complex128)
    return (keep, decay)


CHANNELS: Registry[Callable[[float], Kraus]] = Registry("noise channel")
"""Local noise channels by name: a function of the channel's probability → Kraus operators."""
CHANNELS.register("depolarizing", depolarizing)
CHANNELS.register("dephasing", dephasing)
CHANNELS.register("amplitude-damping", amplitude_damping)


def _as_matrix(rho: object) -> np.ndarray:
    """A density matrix given as any state :func:`~qgen.interop.as_state_array` reads
    (numpy, torch, a QuTiP ``Qobj``), as a complex128 array."""
    return np.asarray(as_state_array(rho, DataError), dtype=np.complex128)


def _n_qubits(size: int, source: str) -> int:
    if size < 2 or size & (size - 1):
        raise DataError(f"{source}: expected a matrix of size 2^N, got {size}x{size}")
    return size.bit_length() - 1


def check_density_matrix(
    rho: object, n_sites: int | None = None, source: str = "rho", tolerance: float = RHO_TOLERANCE
) -> np.ndarray:
    """``rho`` as a read-only complex128 density matrix, checked.

    Raises:
        DataError: not a finite square matrix of size ``2^N`` (``2^n_sites`` when given),
            or not Hermitian, of unit trace and positive semi-definite to ``tolerance``;
            the message names ``source`` and the deviation.
    """
    try:
        matrix = np.array(as_state_array(rho, DataError), dtype=np.complex128)
    except (TypeError, ValueError):
        raise DataError(f"{source}: expected a complex matrix, got {rho!r:.80}") from None
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise DataError(f"{source}: expected a square matrix, got shape {matrix.shape}")
    n = _n_qubits(matrix.shape[0], source)
    if n_sites is not None and n != n_sites:
        raise DataError(
            f"{source}: expected a density matrix of {n_sites} sites "
            f"({1 << n_sites}x{1 << n_sites}), got {matrix.shape[0]}x{matrix.shape[0]}"
        )
    if not np.isfinite(matrix).all():
        raise DataError(f"{source}: expected finite entries, got NaN or infinity")
    asymmetry = float(np.abs(matrix - matrix.conj().T).max())
    if asymmetry > tolerance:
        raise DataError(
            f"{source}: expected a Hermitian matrix, got |rho - rho^dagger| = {asymmetry:.2e}"
        )
    trace = float(np.trace(matrix).real)
    if abs(trace - 1) > tolerance:
        raise DataError(
            f"{source}: expected unit trace, got {trace:.10g} (off by {trace - 1:+.2e})"
        )
    lowest = min_eigenvalue(matrix)
    if lowest < -tolerance:
        raise DataError(
            f"{source}: expected a positive semi-definite matrix, got eigenvalue {lowest:.3e}"
        )
    matrix.flags.writeable = False
    return matrix


def density_matrix(psi: np.ndarray) -> np.ndarray:
    r""":math:`|\psi\rangle\langle\psi|` of a state vector (normalized here)."""
    vector = np.asarray(as_state_array(psi, HilbertError), dtype=np.complex128)
    if vector.ndim != 1:
        raise HilbertError(f"expected a state vector, got shape {vector.shape}")
    _n_qubits(vector.size, "psi")
    norm = np.linalg.norm(vector)
    if not np.isfinite(norm) or norm == 0:
        raise HilbertError(f"expected a non-zero, finite state vector, got norm {norm}")
    vector = vector / norm
    return np.outer(vector, vector.conj())


def apply_local_channel(
    rho: np.ndarray, kraus: Sequence[np.ndarray], sites: Sequence[int] | None = None
) -> np.ndarray:
    r"""The channel with Kraus operators ``kraus`` applied to each of ``sites`` (all by
    default): :math:`\rho \mapsto \sum_r K_r^{(i)} \rho K_r^{(i)\dagger}`, site after site."""
    matrix = _as_matrix(rho)
    n = _n_qubits(matrix.shape[0], "rho")
    chosen = range(n) if sites is None else sites
    operators = np.asarray(kraus, dtype=np.complex128)
    completeness = np.einsum("rji,rjk->ik", operators.conj(), operators)
    if not np.allclose(completeness, np.eye(2), atol=1e-12):
        raise HilbertError("expected Kraus operators with sum K^dagger K = 1")
    tensor = matrix.reshape((2,) * (2 * n))
    for site in chosen:
        if not 0 <= site < n:
            raise HilbertError(f"site: expected an integer in [0, {n - 1}], got {site}")
        # Row index `site` and column index `n + site`: K on the left, K^dagger on the right.
        moved = np.moveaxis(tensor, (site, n + site), (0, 1))
        moved = np.einsum("ria,abz,rjb->ijz", operators, moved.reshape(2, 2, -1), operators.conj())
        tensor = np.moveaxis(moved.reshape((2, 2, *tensor.shape[2:])), (0, 1), (site, n + site))
    return np.ascontiguousarray(tensor.reshape(matrix.shape))


def min_eigenvalue(rho: np.ndarray) -> float:
    """The smallest eigenvalue of the Hermitian part of ``rho``."""
    matrix = _as_matrix(rho)
    return float(np.linalg.eigvalsh(0.5 * (matrix + matrix.conj().T))[0])


def purity(rho: np.ndarray) -> float:
    r""":math:`\mathrm{Tr}\,\rho^2` (1 for a pure state, :math:`2^{-N}` for the maximally
    mixed one)."""
    matrix = _as_matrix(rho)
    return float(np.vdot(matrix.conj().T, matrix).real)


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(0.5 * (matrix + matrix.conj().T))
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.conj().T


def quantum_fidelity(rho: np.ndarray, sigma: np.ndarray) -> float:
    r"""Uhlmann fidelity :math:`F = (\mathrm{Tr}\sqrt{\sqrt\rho\,\sigma\sqrt\rho})^2`
    (Jozsa, J. Mod. Opt. 41, 2315 (1994)): 1 for equal states,
    :math:`\langle\psi|\sigma|\psi\rangle` for a pure ρ.
    Both arguments must be density matrices of the same size."""
    first = _as_matrix(rho)
    second = _as_matrix(sigma)
    if first.shape != second.shape:
        raise HilbertError(
            f"expected two matrices of one size, got {first.shape} and {second.shape}"
        )
    root = _psd_sqrt(first)
    inner = np.linalg.eigvalsh(0.5 * (root @ second @ root + (root @ second @ root).conj().T))
    return float(np.sqrt(np.clip(inner, 0.0, None)).sum() ** 2)


def trace_distance(rho: np.ndarray, sigma: np.ndarray) -> float:
    r""":math:`\tfrac12\|\rho-\sigma\|_1`, half the sum of the absolute eigenvalues of the
    difference."""
    difference = _as_matrix(rho) - _as_matrix(sigma)
    return float(0.5 * np.abs(np.linalg.eigvalsh(0.5 * (difference + difference.conj().T))).sum())


def closest_physical(rho: np.ndarray) -> np.ndarray:
    r"""The density matrix closest to a Hermitian, unit-trace ``rho`` in the 2-norm.

    The eigenvectors stay; the eigenvalues :math:`\mu_1 \ge \dots \ge \mu_d` become the
    closest probability vector: from the smallest, a negative eigenvalue is set to 0 and
    its weight spread evenly over the ones above, until the next one stays non-negative
    (Smolin, Gambetta, Smith, PRL 108, 070502 (2012), Algorithm 1). A density matrix is
    returned unchanged (to rounding).
    """
    matrix = _as_matrix(rho)
    hermitian = 0.5 * (matrix + matrix.conj().T)
    values, vectors = np.linalg.eigh(hermitian)
    values = values[::-1] / values.sum()  # descending, unit trace
    vectors = vectors[:, ::-1]
    kept = values.copy()
    spill = 0.0
    count = values.size
    while count > 0 and values[count - 1] + spill / count < 0:
        spill += values[count - 1]
        kept[count - 1] = 0.0
        count -= 1
    kept[:count] = values[:count] + spill / count
    return (vectors * kept) @ vectors.conj().T
