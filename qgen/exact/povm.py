r"""Informationally complete product POVMs: elements, overlap matrix, duals, exact outcomes.

A single-qubit POVM has ``K`` positive elements :math:`M_a` with :math:`\sum_a M_a = \mathbb 1`;
on ``N`` qubits the product POVM :math:`M_{\mathbf a} = \otimes_k M_{a_k}` gives the outcome
distribution :math:`P(\mathbf a) = \mathrm{Tr}(\rho M_{\mathbf a})`. With the overlap
matrix :math:`T_{ab} = \mathrm{Tr}(M_a M_b)` and the duals
:math:`Q_a = \sum_b T^{+}_{ab} M_b` (the pseudo-inverse, since Pauli-6 is overcomplete),
every state is its outcome distribution read back,

.. math:: \rho = \sum_{\mathbf a} P(\mathbf a)\, \otimes_k Q_{a_k},

the map of Carrasquilla, Torlai, Melko, Aolita, Nat. Mach. Intell. 1, 155 (2019). The
POVMs of :data:`POVMS`:

- ``tetra``: :math:`M_a = \tfrac14(\mathbb 1 + \mathbf s_a\cdot\boldsymbol\sigma)` with the
  four vectors of a regular tetrahedron (the SIC-POVM; Carrasquilla et al.);
- ``pauli4``: :math:`\tfrac13|0\rangle\langle0|`, :math:`\tfrac13|{+}\rangle\langle{+}|`,
  :math:`\tfrac13|{+i}\rangle\langle{+i}|` and the rest of the identity (Carrasquilla et al.);
- ``pauli6``: a uniformly random Pauli basis per qubit, outcome ± (Cha et al., Mach.
  Learn.: Sci. Technol. 3, 01LT01 (2022)); outcome ``2 b + s`` for basis ``b`` ∈ X, Y, Z
  (0, 1, 2) and ``s`` = 0 for the +1 eigenvalue, 1 for −1, the encoding of
  :mod:`qgen.exact.measurement`, so a Pauli-basis record is a Pauli-6 record.

Outcome vectors are ordered with site 0 the most significant digit (base ``K``).

Example:
    >>> import numpy as np
    >>> from qgen.exact.povm import POVMS, outcome_probabilities, operator_sum
    >>> povm = POVMS["tetra"]
    >>> rho = np.diag([0.75, 0.25]).astype(complex)
    >>> bool(np.allclose(operator_sum(outcome_probabilities(rho, povm), povm.duals), rho))
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from qgen.errors import DataError, HilbertError
from qgen.exact.density import check_density_matrix
from qgen.exact.measurement import BASIS_ROTATIONS
from qgen.interop.states import as_state_array
from qgen.registry import Registry
from qgen.validation import require_int

__all__ = [
    "MAX_DENSE_SITES",
    "PAULI6_BASES",
    "PAULI_MATRICES",
    "POVM",
    "POVMS",
    "operator_sum",
    "outcome_probabilities",
    "sample_outcomes",
    "sample_settings",
    "single_site_values",
]

MAX_DENSE_SITES = 12
"""Largest number of qubits whose density matrix qgen builds and samples exactly."""

PAULI6_BASES = "XYZ"
"""The basis letter of Pauli-6 outcome ``a`` is ``PAULI6_BASES[a // 2]``."""

PAULI_MATRICES = {
    "I": np.eye(2, dtype=np.complex128),
    "X": np.array([[0, 1], [1, 0]], dtype=np.complex128),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=np.complex128),
    "Z": np.diag([1.0, -1.0]).astype(np.complex128),
}
"""The single-qubit Pauli matrices by letter (the letters of Pauli strings)."""

_IDENTITY = PAULI_MATRICES["I"]
_SIGMAS = (PAULI_MATRICES["X"], PAULI_MATRICES["Y"], PAULI_MATRICES["Z"])


def pauli_string_expectation(rho: np.ndarray, pauli: str) -> float:
    r""":math:`\mathrm{Tr}(\rho\,\otimes_k\sigma_k)` of a density matrix (site 0 the most
    significant qubit), by one single-site product per letter, not a ``4^N`` operator;
    ``pauli`` is one letter I/X/Y/Z per site."""
    matrix = np.asarray(rho, dtype=np.complex128)
    n_sites = matrix.shape[0].bit_length() - 1
    if len(pauli) != n_sites or set(pauli) - set(PAULI_MATRICES):
        raise DataError(f"pauli: expected {n_sites} letters from I, X, Y, Z, got {pauli!r:.80}")
    tensor = matrix.reshape((2,) * n_sites + (-1,))
    for site, letter in enumerate(pauli):
        if letter != "I":
            product = np.tensordot(PAULI_MATRICES[letter], tensor, axes=([1], [site]))
            tensor = np.moveaxis(product, 0, site)
    return float(np.trace(tensor.reshape(matrix.shape)).real)


@dataclass(frozen=True, eq=False)
class POVM:
    """A single-qubit POVM of ``K`` elements, applied on every site.

    Attributes:
        name: the registry name.
        elements: complex128 array ``(K, 2, 2)`` of positive operators summing to 1.
        labels: a short label per outcome (plots, files).
    """

    name: str
    elements: np.ndarray
    labels: tuple[str, ...]
    overlap: np.ndarray = field(init=False, repr=False)
    duals: np.ndarray = field(init=False, repr=False)
    kraus: np.ndarray = field(init=False, repr=False)
    kraus_outcome: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        elements = np.asarray(self.elements, dtype=np.complex128)
        if elements.ndim != 3 or elements.shape[1:] != (2, 2) or len(self.labels) != len(elements):
            raise HilbertError(f"expected (K, 2, 2) elements with K labels, got {elements.shape}")
        if not np.allclose(elements.sum(axis=0), _IDENTITY, atol=1e-12):
            raise HilbertError(f"POVM {self.name!r}: expected elements that sum to the identity")
        overlap = np.einsum("aij,bji->ab", elements, elements).real
        duals = np.einsum("ab,bij->aij", np.linalg.pinv(overlap), elements)
        # Each element as a sum of rank-1 terms sqrt(mu) <v|: what exact sampling collapses on.
        bras, owners = [], []
        for a, element in enumerate(elements):
            values, vectors = np.linalg.eigh(element)
            for value, vector in zip(values, vectors.T, strict=True):
                if value > 1e-12:
                    bras.append(np.sqrt(value) * vector.conj())
                    owners.append(a)
        for name, value in (
            ("elements", elements),
            ("overlap", overlap),
            ("duals", duals),
            ("kraus", np.array(bras)),
            ("kraus_outcome", np.array(owners, dtype=np.int64)),
        ):
            value.flags.writeable = False
            object.__setattr__(self, name, value)

    @property
    def size(self) -> int:
        """The number of outcomes ``K`` per site."""
        return int(self.elements.shape[0])

    def __repr__(self) -> str:
        return f"POVM({self.name!r}, K={self.size})"


def _projector(vector: np.ndarray) -> np.ndarray:
    return np.outer(vector, vector.conj())


def tetrahedral() -> POVM:
    """The symmetric informationally complete (tetrahedral) POVM."""
    vectors = np.array(
        [
            [0.0, 0.0, 1.0],
            [2 * np.sqrt(2) / 3, 0.0, -1 / 3],
            [-np.sqrt(2) / 3, np.sqrt(2 / 3), -1 / 3],
            [-np.sqrt(2) / 3, -np.sqrt(2 / 3), -1 / 3],
        ]
    )
    elements = np.array([0.25 * (_IDENTITY + np.einsum("i,ijk->jk", s, _SIGMAS)) for s in vectors])
    return POVM("tetra", elements, ("t0", "t1", "t2", "t3"))


def pauli4() -> POVM:
    """Three of the six Pauli projectors, a third each, and the rest of the identity."""
    first = [_projector(BASIS_ROTATIONS[b][0].conj()) / 3 for b in "ZXY"]
    elements = np.array([*first, _IDENTITY - sum(first)])
    return POVM("pauli4", elements, ("z+", "x+", "y+", "rest"))


def pauli6() -> POVM:
    """A uniformly random Pauli basis, then its projective measurement: six outcomes."""
    elements = np.array(
        [_projector(BASIS_ROTATIONS[b][s].conj()) / 3 for b in PAULI6_BASES for s in range(2)]
    )
    return POVM("pauli6", elements, ("x+", "x-", "y+", "y-", "z+", "z-"))


POVMS: Registry[POVM] = Registry("POVM")
"""The product POVMs by name."""
for _povm in (tetrahedral(), pauli4(), pauli6()):
    POVMS.register(_povm.name, _povm)


def _sites_of(size: int, base: int, what: str) -> int:
    n, power = 0, 1
    while power < size:
        power *= base
        n += 1
    if power != size or n == 0:
        raise DataError(f"{what}: expected {base}^N entries, got {size}")
    return n


def _check_dense(n_sites: int) -> None:
    if n_sites > MAX_DENSE_SITES:
        raise HilbertError(
            f"exact outcome distributions build the 2^N x 2^N density matrix: expected "
            f"N <= {MAX_DENSE_SITES}, got N = {n_sites}"
        )


def outcome_probabilities(rho: np.ndarray, povm: POVM, *, check: bool = True) -> np.ndarray:
    r"""The exact distribution :math:`P(\mathbf a) = \mathrm{Tr}(\rho\,\otimes_k M_{a_k})` of
    all ``K^N`` outcomes (site 0 the most significant digit), float64.

    Contracted site by site (:math:`O(K^{N+1})` operations, never a ``K^N × 4^N`` matrix).
    ``check=False`` skips the density-matrix checks (for the iterates of a fit, which are
    density matrices by construction).
    """
    _check_dense(_sites_of(np.shape(rho)[0], 2, "rho"))
    matrix = check_density_matrix(rho, tolerance=1e-6) if check else np.asarray(rho)
    n = matrix.shape[0].bit_length() - 1
    # tensor[a, i, r, j, s]: outcomes of the sites done, row and column of the rest.
    tensor = matrix.reshape(1, 2, 1 << (n - 1), 2, 1 << (n - 1))
    for k in range(n):
        contracted = np.einsum("airjs,bji->abrs", tensor, povm.elements)
        rest = 1 << (n - k - 1)
        tensor = contracted.reshape(-1, 2, rest // 2, 2, rest // 2) if k < n - 1 else contracted
    return np.clip(tensor.reshape(-1).real, 0.0, None)


def probabilities_of_outcomes(rho: np.ndarray, povm: POVM, outcomes: np.ndarray) -> np.ndarray:
    r""":math:`P(\mathbf a) = \mathrm{Tr}(\rho \otimes_k M_{a_k})` of given outcome rows
    (``N <= 12``), without the ``K^N`` table: site by site, each distinct prefix of the
    rows contracts ρ once (outcome rows that share their first sites share the work)."""
    matrix = np.asarray(rho, dtype=np.complex128)
    n_sites = matrix.shape[0].bit_length() - 1
    _check_dense(n_sites)
    rows = np.asarray(outcomes, dtype=np.int64)
    if rows.ndim != 2 or rows.shape[1] != n_sites:
        raise DataError(f"outcomes: expected shape (n, {n_sites}), got {rows.shape}")
    if rows.size and (rows.min() < 0 or rows.max() >= povm.size):
        raise DataError(f"outcomes: expected values in [0, {povm.size - 1}] of {povm.name}")
    result = np.empty(rows.shape[0])

    def contract(tensor: np.ndarray, members: np.ndarray, site: int) -> None:
        if site == n_sites:
            result[members] = float(np.real(tensor))
            return
        remaining = n_sites - site  # axis 0: this site's row index, axis `remaining`: its column
        for outcome in np.unique(rows[members, site]):
            chosen = members[rows[members, site] == outcome]
            reduced = np.tensordot(povm.elements[outcome], tensor, axes=([0, 1], [remaining, 0]))
            contract(reduced, chosen, site + 1)

    contract(matrix.reshape((2,) * (2 * n_sites)), np.arange(rows.shape[0]), 0)
    return np.clip(result, 0.0, None)


def operator_sum(weights: np.ndarray, operators: np.ndarray) -> np.ndarray:
    r""":math:`\sum_{\mathbf a} w(\mathbf a)\, \otimes_k O_{a_k}` for weights on all ``K^N``
    outcomes and ``operators`` of shape ``(K, 2, 2)`` (the duals give ρ from P, the
    elements give the likelihood's :math:`R` operator)."""
    operators = np.asarray(operators, dtype=np.complex128)
    k_outcomes = operators.shape[0]
    values = np.asarray(weights)
    n = _sites_of(values.size, k_outcomes, "outcome weights")
    _check_dense(n)
    # tensor[A, b, I, J]: outcomes of the sites before, this site's, row/column of those after.
    tensor = values.reshape(-1, k_outcomes, 1, 1).astype(np.complex128)
    dimension = 1
    for _ in range(n):
        grown = np.einsum("abIJ,bij->aiIjJ", tensor, operators)
        dimension *= 2
        tensor = grown.reshape(-1, dimension, dimension)
        if tensor.shape[0] > 1:
            tensor = tensor.reshape(-1, k_outcomes, dimension, dimension)
    return tensor.reshape(dimension, dimension)


def single_site_values(povm: POVM, operator: np.ndarray) -> np.ndarray:
    r""":math:`\mathrm{Tr}(O\,Q_a)` for each outcome ``a``: the per-site factor of the
    estimator :math:`\langle\otimes_k O_k\rangle = \sum_{\mathbf a} P(\mathbf a)\prod_k
    \mathrm{Tr}(O_k Q_{a_k})`."""
    return np.einsum("ij,aji->a", np.asarray(operator, dtype=np.complex128), povm.duals)


def _mixture(rho_or_psi: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Weights and pure states of a density matrix's eigen-decomposition (or one ψ)."""
    array = np.asarray(as_state_array(rho_or_psi), dtype=np.complex128)
    if array.ndim == 1:
        n = _sites_of(array.size, 2, "psi")
        return np.ones(1), (array / np.linalg.norm(array))[None, :], n
    _check_dense(_sites_of(array.shape[0], 2, "rho"))
    matrix = check_density_matrix(array, tolerance=1e-6)
    n = matrix.shape[0].bit_length() - 1
    values, vectors = np.linalg.eigh(matrix)
    keep = values > 1e-14
    weights = values[keep] / values[keep].sum()
    return weights, vectors[:, keep].T, n


def _collapse_sequentially(
    states: torch.Tensor, bras: torch.Tensor, generator: torch.Generator
) -> torch.Tensor:
    """Measure site after site: at each site the rank-1 term ``j`` is drawn with probability
    :math:`\\|\\langle v_j|\\phi\\rangle\\|^2` and the state collapses on it.

    Args:
        states: ``(B, 2^N)`` complex128 pure states.
        bras: ``(B or 1, N, J, 2)`` the rank-1 terms available at each site.
    Returns:
        ``(B, N)`` int64 index ``j`` drawn at each site.
    """
    batch, size = states.shape
    n = size.bit_length() - 1
    drawn = torch.empty(batch, n, dtype=torch.int64)
    phi = states
    for k in range(n):
        phi = phi.reshape(batch, 2, -1)
        amplitudes = torch.einsum("bjx,bxr->bjr", bras[:, k].expand(batch, -1, -1), phi)
        weights = amplitudes.abs().square().sum(-1)
        choice = torch.multinomial(weights / weights.sum(-1, keepdim=True), 1, generator=generator)
        drawn[:, k] = choice[:, 0]
        chosen = amplitudes[torch.arange(batch), choice[:, 0]]
        phi = chosen / weights.gather(1, choice).sqrt()
    return drawn


def _batches(n_samples: int, n_sites: int) -> list[int]:
    per_batch = max(1, (1 << 22) >> n_sites)
    return [min(per_batch, n_samples - start) for start in range(0, n_samples, per_batch)]


def sample_outcomes(
    rho_or_psi: np.ndarray, povm: POVM, n_samples: int, seed: int = 0
) -> torch.Tensor:
    r"""``n_samples`` exact draws of product-POVM outcomes of a density matrix or a state
    vector (``N <= 12``): an eigenstate of ρ drawn by its weight, then each site's outcome
    from its conditional distribution given the sites before (the chain rule, by
    sequential collapse on the elements' rank-1 terms).

    Returns:
        int64 tensor ``(n_samples, N)`` of outcomes in ``0 … K-1``.
    """
    n_samples = require_int(n_samples, "number of samples", minimum=1, error=HilbertError)
    weights, states, n = _mixture(rho_or_psi)
    _check_dense(n)
    generator = torch.Generator().manual_seed(seed)
    bras = torch.from_numpy(np.array(povm.kraus)).expand(1, n, -1, -1)
    owners = torch.from_numpy(np.array(povm.kraus_outcome))
    vectors = torch.from_numpy(np.ascontiguousarray(states))
    parts = []
    for batch in _batches(n_samples, n):
        which = torch.multinomial(torch.from_numpy(weights), batch, True, generator=generator)
        parts.append(owners[_collapse_sequentially(vectors[which], bras, generator)])
    return torch.cat(parts)


def sample_settings(rho_or_psi: np.ndarray, bases: np.ndarray, seed: int = 0) -> torch.Tensor:
    """Exact projective outcomes of a density matrix or state vector, one sample per row of
    ``bases`` (letters X/Y/Z per site, as in :mod:`qgen.exact.measurement`): 0 for the +1
    eigenvalue, 1 for −1."""
    weights, states, n = _mixture(rho_or_psi)
    _check_dense(n)
    letters = np.asarray(bases)
    if letters.ndim != 2 or letters.shape[1] != n or letters.shape[0] == 0:
        raise DataError(f"bases: expected shape (n_samples, {n}), got {letters.shape}")
    if not np.isin(letters, list(BASIS_ROTATIONS)).all():
        raise DataError("bases: expected the letters X, Y, Z")
    codes = np.searchsorted(np.array(sorted(BASIS_ROTATIONS)), letters)
    rotations = np.array([BASIS_ROTATIONS[b] for b in sorted(BASIS_ROTATIONS)])
    generator = torch.Generator().manual_seed(seed)
    vectors = torch.from_numpy(np.ascontiguousarray(states))
    parts, start = [], 0
    for batch in _batches(letters.shape[0], n):
        bras = torch.from_numpy(rotations[codes[start : start + batch]])  # (B, N, 2, 2)
        which = torch.multinomial(torch.from_numpy(weights), batch, True, generator=generator)
        parts.append(_collapse_sequentially(vectors[which], bras, generator))
        start += batch
    return torch.cat(parts)
