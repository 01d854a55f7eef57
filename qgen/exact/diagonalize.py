r"""Exact diagonalization: lowest eigenstates by Lanczos, or the whole spectrum.

The Hamiltonian is built as a scipy CSR matrix in the full space or a magnetization
sector (:meth:`~qgen.operators.PauliSum.to_sparse`) and handed to ARPACK's implicitly
restarted Lanczos method (:func:`scipy.sparse.linalg.eigsh`); small matrices go to dense
:func:`numpy.linalg.eigh`. Memory is estimated first and the job refused, with a
:class:`~qgen.errors.MemoryLimitError`, when it would not fit.

Example:
    >>> from qgen.lattice import Chain
    >>> from qgen.operators.hamiltonians import heisenberg
    >>> from qgen.exact import diagonalize
    >>> spectrum = diagonalize(heisenberg(Chain(12)), sector=0)
    >>> round(spectrum.ground_energy, 9)
    -5.387390917
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as sla

from qgen._memory import check_memory
from qgen.errors import HilbertError, MemoryLimitError, QgenError
from qgen.hilbert import MagnetizationSector, as_sector
from qgen.operators.pauli import PauliSum
from qgen.validation import require_int

__all__ = ["Spectrum", "check_diagonalization_size", "diagonalize", "ground_state"]

METHODS = ("auto", "lanczos", "full")
# Below this dimension dense diagonalization is both faster and simpler than Lanczos.
_DENSE_DIMENSION = 1024
# Krylov vectors ARPACK keeps: 12 beat the default 20 for one state at N = 22 (dimension
# 7e5) in one measurement here, while one sample at N = 24 on a loaded machine favoured 20;
# not settled.
_MIN_KRYLOV = 12


@dataclass(frozen=True)
class Spectrum:
    """Lowest eigenvalues and eigenvectors of a Hamiltonian.

    Attributes:
        energies: eigenvalues in increasing order, shape ``(k,)``.
        vectors: eigenvectors as columns in the basis of ``sector`` (or the full space),
            shape ``(dimension, k)``; ``None`` when not requested.
        sector: the magnetization sector, or ``None`` for the full space.
        n_sites: number of sites.
        method: ``"lanczos"`` or ``"full"``.
    """

    energies: np.ndarray
    vectors: np.ndarray | None
    sector: MagnetizationSector | None
    n_sites: int
    method: str

    @property
    def dimension(self) -> int:
        """Dimension of the space that was diagonalized."""
        return (1 << self.n_sites) if self.sector is None else self.sector.dimension

    @property
    def ground_energy(self) -> float:
        """The lowest eigenvalue."""
        return float(self.energies[0])

    def state(self, index: int = 0) -> np.ndarray:
        """Eigenvector ``index`` as a normalized vector of the full ``2^N`` space."""
        if self.vectors is None:
            raise QgenError("eigenvectors were not computed (return_states=False)")
        if not 0 <= index < self.vectors.shape[1]:
            raise QgenError(
                f"expected a state index in 0..{self.vectors.shape[1] - 1}, got {index}"
            )
        vector = self.vectors[:, index]
        return vector if self.sector is None else self.sector.embed(vector)


def _fix_phase(vectors: np.ndarray) -> np.ndarray:
    """Make each column's largest component real and positive, so results are reproducible."""
    pivots = np.abs(vectors).argmax(axis=0)
    phases = vectors[pivots, np.arange(vectors.shape[1])]
    return vectors * (np.abs(phases) / phases)


def _lanczos_deflated(
    matrix: sp.csr_matrix, k: int, shift: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    r"""The ``k`` lowest eigenpairs, one Lanczos run at a time, each on the deflated matrix
    :math:`H + \sigma \sum_{i<n} |v_i\rangle\langle v_i|` with :math:`\sigma` above the
    spectral width.

    A single Krylov space from one start vector cannot resolve degenerate multiplets: ARPACK
    asked for several states returns one copy of a degenerate level and fills the list with
    higher levels. Each deflated run finds the lowest state orthogonal to those found, so
    every copy of a multiplet is found in turn.
    """
    dimension = matrix.shape[0]
    krylov = min(dimension - 1, _MIN_KRYLOV)
    energies: list[float] = []
    found = np.zeros((dimension, 0), dtype=matrix.dtype)
    for _ in range(k):
        start = rng.standard_normal(dimension).astype(matrix.dtype)
        if found.shape[1] == 0:
            operator: sp.csr_matrix | sla.LinearOperator = matrix
        else:
            basis = found

            def deflated(x: np.ndarray, basis: np.ndarray = basis) -> np.ndarray:
                x = x.reshape(-1)
                return matrix @ x + shift * (basis @ (basis.conj().T @ x))

            operator = sla.LinearOperator(matrix.shape, matvec=deflated, dtype=matrix.dtype)
            start -= found @ (found.conj().T @ start)
        value, vector = sla.eigsh(operator, k=1, which="SA", v0=start, ncv=krylov)
        energies.append(float(value[0]))
        found = np.column_stack([found, vector[:, 0]])
    order = np.argsort(energies, kind="stable")
    return np.asarray(energies)[order], found[:, order]


_MAX_SITES = 62
"""Beyond this a basis index no longer fits the 64-bit integers qgen stores them in."""


def check_diagonalization_size(
    n_sites: int,
    sector: MagnetizationSector | float | str | None = None,
    k: int = 1,
    memory_limit: int | None = None,
) -> None:
    """Refuse, before any operator is built, a diagonalization whose Lanczos vectors alone
    would not fit in memory (the operator's own size is checked later, by
    :func:`diagonalize`).

    Raises:
        MemoryLimitError: the space is too large; the message names its dimension.
    """
    if n_sites > _MAX_SITES:
        raise MemoryLimitError(
            f"exact diagonalization of {n_sites} sites: the space has 2^{n_sites} states; "
            f"expected N <= {_MAX_SITES} (in practice about 30, or 40 in a sector)"
        )
    resolved = as_sector(sector, n_sites)
    dimension = (1 << n_sites) if resolved is None else resolved.dimension
    where = "in the full space" if resolved is None else f"in {resolved!r}"
    check_memory(
        (_MIN_KRYLOV + k + 4) * dimension * 16,
        f"diagonalization {where} (dimension {dimension:.3g}; its Lanczos vectors alone)",
        memory_limit,
        hint="use a smaller system" if resolved is not None else "use a magnetization sector",
    )


def diagonalize(
    hamiltonian: PauliSum,
    k: int = 1,
    *,
    sector: MagnetizationSector | float | None = None,
    method: str = "auto",
    return_states: bool = True,
    seed: int = 0,
    memory_limit: float | None = None,
) -> Spectrum:
    """The ``k`` lowest eigenstates of a Hermitian operator.

    Args:
        hamiltonian: a Hermitian :class:`~qgen.operators.PauliSum`.
        k: number of eigenstates.
        sector: a :class:`~qgen.hilbert.MagnetizationSector` or total ``S^z``; the
            Hamiltonian must conserve it. ``None`` diagonalizes in the full space.
        method: ``"lanczos"`` (ARPACK; for ``k > 1`` one run per state on the matrix
            deflated by the states already found, so that degenerate multiplets come out
            whole), ``"full"`` (dense), or ``"auto"`` (dense for dimensions up to 1024 or
            when ``k`` is close to the dimension).
        return_states: also return eigenvectors.
        seed: seed of Lanczos's starting vector.
        memory_limit: bytes the job may use; by default 80% of the available memory.

    Raises:
        NotHermitianError: the operator is not Hermitian.
        HilbertError: a sector that does not exist.
        OperatorError: the operator does not conserve the sector.
        MemoryLimitError: the job would not fit in memory.
        QgenError: ``k`` or ``method`` out of range.
    """
    hamiltonian.require_hermitian("exact diagonalization")
    if method not in METHODS:
        raise QgenError(f"expected a method in {METHODS}, got {method!r}")
    resolved = as_sector(sector, hamiltonian.n_sites)
    dimension = (1 << hamiltonian.n_sites) if resolved is None else resolved.dimension
    require_int(
        k,
        "k (number of eigenpairs)",
        minimum=1,
        maximum=dimension,
        error=HilbertError,
    )
    if method == "auto":
        method = "full" if dimension <= _DENSE_DIMENSION or k >= dimension - 1 else "lanczos"
    if method == "lanczos" and k >= dimension - 1:
        raise QgenError(
            f"Lanczos needs k < dimension - 1 (k={k}, dimension={dimension}); use method='full'"
        )

    value_bytes = 8 if hamiltonian.has_real_elements else 16
    where = "in the full space" if resolved is None else f"in {resolved!r}"
    if method == "full":
        check_memory(
            3 * dimension**2 * value_bytes,
            f"dense diagonalization {where}",
            memory_limit,
            hint="use method='lanczos'" if k < dimension - 1 else "use a smaller system",
        )
    else:
        check_memory(
            hamiltonian.sparse_memory_estimate(resolved) + (_MIN_KRYLOV + k + 4) * dimension * 16,
            f"Lanczos {where}",
            memory_limit,
            hint=(
                "use a magnetization sector or a smaller system"
                if resolved is None
                else "use a smaller system"
            ),
        )

    matrix = hamiltonian.to_sparse(resolved, memory_limit)
    if method == "full":
        dense = matrix.toarray()
        if return_states:
            energies, vectors = np.linalg.eigh(dense)
            energies, vectors = energies[:k], vectors[:, :k]
        else:
            energies, vectors = np.linalg.eigvalsh(dense)[:k], None
    else:
        # An upper bound of the spectral width: |E| <= Σ|c_k| for a sum of Pauli strings.
        shift = 2.0 * float(np.abs(hamiltonian.coefficients).sum()) + 1.0
        energies, vectors = _lanczos_deflated(matrix, k, shift, np.random.default_rng(seed))
        if not return_states:
            vectors = None
    if vectors is not None:
        vectors = _fix_phase(vectors)
    return Spectrum(
        energies=np.asarray(energies, dtype=np.float64),
        vectors=vectors,
        sector=resolved,
        n_sites=hamiltonian.n_sites,
        method=method,
    )


def ground_state(
    hamiltonian: PauliSum, sector: MagnetizationSector | float | None = None
) -> tuple[float, np.ndarray]:
    """Ground-state energy and normalized state vector in the full ``2^N`` space.

    A shortcut for ``diagonalize(hamiltonian, sector=sector)``; see there.
    """
    spectrum = diagonalize(hamiltonian, 1, sector=sector)
    return spectrum.ground_energy, spectrum.state(0)
