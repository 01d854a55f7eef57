r"""Operators as weighted sums of Pauli strings.

A :class:`PauliSum` is :math:`O = \sum_k c_k P_k` with :math:`P_k = \otimes_i \sigma^{a_{ki}}_i`,
:math:`a \in \{I, X, Y, Z\}`. One representation serves every workflow: exact
diagonalization (:meth:`PauliSum.to_sparse`, :meth:`PauliSum.apply`), local estimators
in VMC and observables in tomography (:meth:`PauliSum.connected`).

Each string is stored as two bit masks, ``x`` (sites carrying X or Y) and ``z`` (sites
carrying Z or Y), with :math:`Y = i X Z`. On a basis state :math:`|s\rangle`
(bit 1 = spin down),

.. math::  P_k |s\rangle = i^{n_Y} (-1)^{s \cdot z_k} |s \oplus x_k\rangle ,

so a string connects ``s`` to the one state ``s ⊕ x_k``. Strings are grouped by that
flip mask; for a row ``x`` the matrix element to ``x ⊕ f`` is

.. math::  \langle x | O | x \oplus f\rangle
           = \sum_{k: x_k = f} c_k\, i^{n_Y} (-1)^{f \cdot z_k}\, (-1)^{x \cdot z_k},

one matrix product over all strings for a whole batch: no loop over samples or states.

Example:
    >>> from qgen.operators import PauliSum
    >>> op = PauliSum(["X0 X1", "Y0 Y1"], [0.5, 0.5], n_sites=2)
    >>> op.to_dense().real
    array([[0., 0., 0., 0.],
           [0., 0., 1., 0.],
           [0., 1., 0., 0.],
           [0., 0., 0., 0.]])
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
import torch

from qgen._memory import check_memory
from qgen.errors import NotHermitianError, OperatorError
from qgen.hilbert import (
    MAX_INDEXED_SITES,
    MagnetizationSector,
    as_sector,
    configs_to_indices,
    popcount,
)
from qgen.validation import require_int

__all__ = ["PauliSum", "pauli"]

_LETTER_BITS = {"I": (False, False), "X": (True, False), "Y": (True, True), "Z": (False, True)}
_INDEXED_TOKEN = re.compile(r"^([IXYZ])(\d+)$")
_DENSE_LABEL = re.compile(r"^[IXYZ]+$")
# Merged coefficients below this, relative to the sum of the magnitudes that were merged
# into them, are treated as cancelled exactly.
_ZERO_TOLERANCE = 1e-14

Scalar = complex | float | int
_SECTOR_HINT = "use a magnetization sector or a smaller system"
_SMALLER_HINT = "use a smaller system"


def _parse_label(label: str, n_sites: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Bit masks ``(x, z)`` of one Pauli string, dense (``"XIZ"``) or indexed (``"X0 Z2"``)."""
    if not isinstance(label, str):
        raise OperatorError(f"expected a Pauli string such as 'X0 X1' or 'XXI', got {label!r}")
    text = label.strip()
    tokens = [t for t in re.split(r"[\s*]+", text) if t]
    if len(tokens) == 1 and _DENSE_LABEL.match(tokens[0]) and not _INDEXED_TOKEN.match(tokens[0]):
        dense = tokens[0]
        if n_sites is not None and len(dense) != n_sites and dense != "I":
            raise OperatorError(
                f"Pauli string {label!r} has {len(dense)} letters, expected {n_sites} "
                "(one per site), or write it indexed like 'X0 Z3'"
            )
        if dense == "I" and n_sites is not None:
            dense = "I" * n_sites
        bits = np.array([_LETTER_BITS[c] for c in dense], dtype=bool).reshape(-1, 2)
        return bits[:, 0], bits[:, 1]
    if n_sites is None:
        raise OperatorError(
            f"the indexed Pauli string {label!r} needs n_sites "
            "(how many sites the operator acts on)"
        )
    x = np.zeros(n_sites, dtype=bool)
    z = np.zeros(n_sites, dtype=bool)
    used: set[int] = set()
    for token in tokens:
        match = _INDEXED_TOKEN.match(token)
        if match is None:
            raise OperatorError(
                f"cannot parse {token!r} in Pauli string {label!r}: expected tokens like "
                "'X0', 'Y3', 'Z12' (a letter I/X/Y/Z and a site index) separated by spaces"
            )
        letter, site = match.group(1), int(match.group(2))
        if site >= n_sites:
            raise OperatorError(
                f"Pauli string {label!r} names site {site}, expected sites 0..{n_sites - 1}"
            )
        if site in used:
            raise OperatorError(
                f"Pauli string {label!r} names site {site} twice; write the product of the "
                "two operators explicitly (PauliSum products are supported)"
            )
        used.add(site)
        x[site], z[site] = _LETTER_BITS[letter]
    return x, z


def _as_coefficient(value: object) -> complex:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if not isinstance(value, numbers.Number) or isinstance(value, bool):
        raise OperatorError(f"expected a number as coefficient, got {value!r}")
    coefficient = complex(value)  # type: ignore[call-overload]
    if not np.isfinite(coefficient):
        raise OperatorError(f"expected a finite coefficient, got {value!r}")
    return coefficient


@dataclass(frozen=True)
class _FlipGroups:
    """Strings grouped by flip mask, in the form every kernel uses.

    ``flips[g]`` is the flip mask of group ``g``; string ``k`` belongs to group
    ``group[k]`` and contributes ``weight[k] · (-1)^{x·z[k]}`` to ``⟨x|O|x ⊕ flips[g]⟩``.
    """

    flips: np.ndarray  # (G, N) bool
    group: np.ndarray  # (K,) int64
    z: np.ndarray  # (K, N) bool
    weight: np.ndarray  # (K,) complex128
    is_real: bool

    @property
    def n_groups(self) -> int:
        return int(self.flips.shape[0])


def _pack(bits: np.ndarray) -> np.ndarray:
    """Basis indices of bit rows (site 0 most significant): ``(..., N) bool -> (...) int64``."""
    return configs_to_indices(torch.from_numpy(bits.astype(np.int64))).numpy()


class PauliSum:
    r"""A weighted sum of Pauli strings on ``n_sites`` spin-1/2 sites.

    Args:
        strings: Pauli strings, dense (``"XXIZ"``, one letter per site) or indexed
            (``"X0 X1"``, ``"Z3"``; sites not named carry the identity; ``""`` is the
            identity).
        coefficients: one number per string (default: all 1).
        n_sites: number of sites; required for indexed strings, inferred from dense ones.

    Raises:
        OperatorError: a malformed string, a site out of range, or mismatched lengths.

    Operators combine with ``+``, ``-``, scalar ``*`` and ``/``, and the operator product
    ``@`` (also ``*`` between two operators, and ``**`` with a non-negative integer).
    Results are simplified: equal strings are merged and cancelled ones dropped.
    """

    def __init__(
        self,
        strings: str | Sequence[str],
        coefficients: Sequence[Scalar] | Scalar | None = None,
        *,
        n_sites: int | None = None,
    ) -> None:
        if isinstance(strings, str):
            strings = [strings]
            if coefficients is not None and not isinstance(coefficients, Sequence | np.ndarray):
                coefficients = [coefficients]
        strings = list(strings)
        if coefficients is None:
            coeffs = [1.0 + 0j] * len(strings)
        else:
            if isinstance(coefficients, torch.Tensor):
                coefficients = coefficients.detach().cpu().numpy()
            if not isinstance(coefficients, Sequence | np.ndarray):
                raise OperatorError(
                    f"expected one coefficient per string ({len(strings)}), got {coefficients!r}"
                )
            coeffs = [_as_coefficient(c) for c in coefficients]
            if len(coeffs) != len(strings):
                raise OperatorError(
                    f"expected one coefficient per string: {len(strings)} strings, "
                    f"{len(coeffs)} coefficients"
                )
        if n_sites is not None:
            n_sites = require_int(n_sites, "number of sites", minimum=1, error=OperatorError)
        parsed = [_parse_label(s, n_sites) for s in strings]
        if n_sites is None:
            if not parsed:
                raise OperatorError("an empty PauliSum needs n_sites")
            n_sites = len(parsed[0][0])
            for label, (x, _) in zip(strings, parsed, strict=True):
                if len(x) != n_sites:
                    raise OperatorError(
                        f"Pauli strings of different lengths: {strings[0]!r} and {label!r}"
                    )
        self._set(
            n_sites,
            np.array([p[0] for p in parsed], dtype=bool).reshape(-1, n_sites),
            np.array([p[1] for p in parsed], dtype=bool).reshape(-1, n_sites),
            np.array(coeffs, dtype=np.complex128),
        )

    # --- construction ----------------------------------------------------------------------

    def _set(self, n_sites: int, x: np.ndarray, z: np.ndarray, coeffs: np.ndarray) -> None:
        """Store strings after merging equal ones and dropping cancelled ones."""
        self.n_sites = n_sites
        if len(coeffs):
            keys = np.concatenate([x, z], axis=1)
            unique, inverse = np.unique(keys, axis=0, return_inverse=True)
            inverse = inverse.ravel()
            merged = np.zeros(len(unique), dtype=np.complex128)
            np.add.at(merged, inverse, coeffs)
            # A sum of several contributions that cancels leaves rounding noise; make it an
            # exact zero, judged against the size of what was summed. Single strings are
            # kept however small their coefficient.
            summed = np.zeros(len(unique))
            np.add.at(summed, inverse, np.abs(coeffs))
            several = np.bincount(inverse, minlength=len(unique)) > 1
            noise = several[:, None] & (
                np.abs(np.stack([merged.real, merged.imag], axis=1))
                <= _ZERO_TOLERANCE * summed[:, None]
            )
            merged.real[noise[:, 0]] = 0.0
            merged.imag[noise[:, 1]] = 0.0
            keep = merged != 0
            x, z, coeffs = unique[keep, :n_sites], unique[keep, n_sites:], merged[keep]
        self._x = x.reshape(-1, n_sites)
        self._z = z.reshape(-1, n_sites)
        self._coeffs = coeffs
        for attribute in ("_groups", "_torch_cache"):
            self.__dict__.pop(attribute, None)

    @classmethod
    def _from_arrays(
        cls, n_sites: int, x: np.ndarray, z: np.ndarray, coeffs: np.ndarray
    ) -> PauliSum:
        op = cls.__new__(cls)
        op._set(n_sites, x, z, np.asarray(coeffs, dtype=np.complex128))
        return op

    @classmethod
    def identity(cls, n_sites: int, coefficient: Scalar = 1.0) -> PauliSum:
        """``coefficient`` times the identity on ``n_sites`` sites."""
        return cls([""], [coefficient], n_sites=n_sites)

    @classmethod
    def zero(cls, n_sites: int) -> PauliSum:
        """The zero operator on ``n_sites`` sites."""
        return cls([], [], n_sites=n_sites)

    # --- inspection ------------------------------------------------------------------------

    @property
    def n_terms(self) -> int:
        """Number of distinct Pauli strings."""
        return len(self._coeffs)

    @property
    def coefficients(self) -> np.ndarray:
        """Coefficients ``c_k`` (complex128), in the order of :attr:`strings`."""
        return self._coeffs.copy()

    @property
    def strings(self) -> list[str]:
        """Dense labels (``"XIZY"``) of the strings, in the order of :attr:`coefficients`."""
        letters = np.array(["I", "X", "Z", "Y"])
        codes = self._x.astype(int) + 2 * self._z.astype(int)
        return ["".join(row) for row in letters[codes]]

    def terms(self) -> Iterator[tuple[complex, str]]:
        """``(coefficient, dense label)`` pairs."""
        yield from zip(self._coeffs.tolist(), self.strings, strict=True)

    def is_hermitian(self, atol: float = 1e-12) -> bool:
        """Whether ``O = O†``: Pauli strings are Hermitian, so all coefficients must be real."""
        return bool(np.all(np.abs(self._coeffs.imag) <= atol))

    def require_hermitian(self, what: str = "this operation") -> None:
        """Raise :class:`NotHermitianError` unless the operator is Hermitian."""
        if not self.is_hermitian():
            worst = int(np.argmax(np.abs(self._coeffs.imag)))
            raise NotHermitianError(
                f"{what} requires a Hermitian operator (real coefficients), got the string "
                f"{self.strings[worst]} with coefficient {self._coeffs[worst]:.6g}"
            )

    def allclose(self, other: PauliSum, atol: float = 1e-12) -> bool:
        """Whether two operators have the same strings with coefficients within ``atol``."""
        difference = self - other
        return bool(np.all(np.abs(difference._coeffs) <= atol))

    def __repr__(self) -> str:
        shown = [f"({c.real:+.6g}{c.imag:+.6g}j)·{s}" for c, s in list(self.terms())[:6]]
        more = f" + … ({self.n_terms - 6} more)" if self.n_terms > 6 else ""
        body = " + ".join(shown) if shown else "0"
        return f"PauliSum(n_sites={self.n_sites}, {body}{more})"

    # --- algebra ---------------------------------------------------------------------------

    def _coerce(self, other: object) -> PauliSum | None:
        if isinstance(other, PauliSum):
            if other.n_sites != self.n_sites:
                raise OperatorError(
                    f"cannot combine operators on {self.n_sites} and {other.n_sites} sites"
                )
            return other
        if isinstance(other, numbers.Number) and not isinstance(other, bool):
            return PauliSum.identity(self.n_sites, _as_coefficient(other))
        return None

    def __add__(self, other: object) -> PauliSum:
        rhs = self._coerce(other)
        if rhs is None:
            return NotImplemented
        return PauliSum._from_arrays(
            self.n_sites,
            np.concatenate([self._x, rhs._x]),
            np.concatenate([self._z, rhs._z]),
            np.concatenate([self._coeffs, rhs._coeffs]),
        )

    __radd__ = __add__

    def __neg__(self) -> PauliSum:
        return PauliSum._from_arrays(self.n_sites, self._x, self._z, -self._coeffs)

    def __sub__(self, other: object) -> PauliSum:
        rhs = self._coerce(other)
        if rhs is None:
            return NotImplemented
        return self + (-rhs)

    def __rsub__(self, other: object) -> PauliSum:
        return (-self) + other

    def __mul__(self, other: object) -> PauliSum:
        if isinstance(other, PauliSum):
            return self @ other
        if isinstance(other, numbers.Number) and not isinstance(other, bool):
            factor = _as_coefficient(other)
            return PauliSum._from_arrays(self.n_sites, self._x, self._z, self._coeffs * factor)
        return NotImplemented

    def __rmul__(self, other: object) -> PauliSum:
        if isinstance(other, numbers.Number) and not isinstance(other, bool):
            return self * other
        return NotImplemented

    def __truediv__(self, other: object) -> PauliSum:
        if isinstance(other, numbers.Number) and not isinstance(other, bool):
            divisor = _as_coefficient(other)
            if divisor == 0:
                raise OperatorError("cannot divide an operator by zero")
            return self * (1.0 / divisor)
        return NotImplemented

    def __matmul__(self, other: object) -> PauliSum:
        r"""Operator product :math:`AB`.

        With :math:`P = i^{y} X^{x} Z^{z}` per string (``y`` = number of Y),
        :math:`X^{x_1} Z^{z_1} X^{x_2} Z^{z_2} = (-1)^{z_1 \cdot x_2} X^{x_1 \oplus x_2}
        Z^{z_1 \oplus z_2}`, so :math:`P_1 P_2 = i^{y_1 + y_2 - y} (-1)^{z_1 \cdot x_2} P`.
        """
        rhs = self._coerce(other)
        if rhs is None or not isinstance(other, PauliSum):
            return NotImplemented
        x1, z1 = self._x[:, None, :], self._z[:, None, :]
        x2, z2 = rhs._x[None, :, :], rhs._z[None, :, :]
        x, z = x1 ^ x2, z1 ^ z2
        y1 = (x1 & z1).sum(-1)
        y2 = (x2 & z2).sum(-1)
        y = (x & z).sum(-1)
        swaps = (z1 & x2).sum(-1)
        phase = 1j ** ((y1 + y2 - y) % 4) * (-1.0) ** (swaps % 2)
        coeffs = self._coeffs[:, None] * rhs._coeffs[None, :] * phase
        n = self.n_sites
        return PauliSum._from_arrays(n, x.reshape(-1, n), z.reshape(-1, n), coeffs.ravel())

    def __pow__(self, exponent: int) -> PauliSum:
        require_int(exponent, "power", minimum=0, error=OperatorError)
        result = PauliSum.identity(self.n_sites)
        for _ in range(exponent):
            result = result @ self
        return result

    def commutes_with(self, other: PauliSum) -> bool:
        """Whether :math:`[A, B] = AB - BA` vanishes (up to rounding)."""
        return (self @ other - other @ self).n_terms == 0

    def conserves_magnetization(self) -> bool:
        r"""Whether the operator commutes with :math:`S^z = \tfrac12 \sum_i Z_i`, so that it
        acts within each magnetization sector."""
        n = self.n_sites
        total = PauliSum([f"Z{i}" for i in range(n)], [0.5] * n, n_sites=n)
        return self.commutes_with(total)

    def adjoint(self) -> PauliSum:
        """The Hermitian conjugate ``O†`` (Pauli strings are Hermitian: conjugate coefficients)."""
        return PauliSum._from_arrays(self.n_sites, self._x, self._z, self._coeffs.conj())

    def rotated_by_z(self, sites: Sequence[int] | np.ndarray) -> PauliSum:
        r"""The rotated operator :math:`U O U^\dagger`, :math:`U = \prod_{i \in S} \sigma^z_i`.

        Strings with an odd number of X or Y on ``sites`` change sign. With ``sites`` one
        sublattice of a bipartite lattice this is the Marshall sign rule (W. Marshall,
        Proc. R. Soc. A 232, 48 (1955)), which makes the Heisenberg antiferromagnet's
        off-diagonal elements non-positive.
        """
        indices = np.asarray(sites)
        if indices.size and (
            not np.issubdtype(indices.dtype, np.integer)
            or indices.min() < 0
            or indices.max() >= self.n_sites
        ):
            raise OperatorError(
                f"expected site indices in 0..{self.n_sites - 1}, got {np.ravel(indices).tolist()}"
            )
        mask = np.zeros(self.n_sites, dtype=bool)
        mask[indices.astype(np.int64)] = True
        odd = (self._x & mask).sum(-1) % 2 == 1
        return PauliSum._from_arrays(
            self.n_sites, self._x, self._z, np.where(odd, -self._coeffs, self._coeffs)
        )

    # --- grouped form ----------------------------------------------------------------------

    @cached_property
    def _groups(self) -> _FlipGroups:
        if self.n_terms == 0:
            return _FlipGroups(
                flips=np.zeros((1, self.n_sites), dtype=bool),
                group=np.zeros(0, dtype=np.int64),
                z=np.zeros((0, self.n_sites), dtype=bool),
                weight=np.zeros(0, dtype=np.complex128),
                is_real=True,
            )
        flips, group = np.unique(self._x, axis=0, return_inverse=True)
        # weight = c · i^{n_Y} · (-1)^{f·z}, and f·z = n_Y for a string's own flip mask.
        n_y = (self._x & self._z).sum(-1)
        weight = self._coeffs * (-1j) ** (n_y % 4)
        is_real = bool(np.all(weight.imag == 0))
        return _FlipGroups(flips, group.ravel(), self._z, weight, is_real)

    @property
    def has_real_elements(self) -> bool:
        """Whether every matrix element in the σᶻ basis is real (e.g. no odd number of Y)."""
        return self._groups.is_real

    @property
    def flip_masks(self) -> np.ndarray:
        """The distinct flip masks, ``(n_flip_masks, n_sites)`` bool, in the order of the
        groups that :meth:`connected` returns (an all-false row is the diagonal)."""
        return self._groups.flips.copy()

    @property
    def n_flip_masks(self) -> int:
        """Number of distinct flip masks: the most connected states any configuration has."""
        return self._groups.n_groups

    # --- batches of configurations (torch) -------------------------------------------------

    def _torch_groups(
        self, device: torch.device
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        cache: dict[torch.device, tuple[torch.Tensor, torch.Tensor, torch.Tensor]]
        cache = self.__dict__.setdefault("_torch_cache", {})
        if device not in cache:
            groups = self._groups
            dtype = torch.float64 if groups.is_real else torch.complex128
            weight = groups.weight.real if groups.is_real else groups.weight
            coupling = np.zeros((len(groups.weight), groups.n_groups), dtype=weight.dtype)
            coupling[np.arange(len(groups.weight)), groups.group] = weight
            cache[device] = (
                torch.as_tensor(groups.flips, device=device),
                torch.as_tensor(groups.z.T.astype(np.float64), device=device),
                torch.as_tensor(coupling, dtype=dtype, device=device),
            )
        return cache[device]

    def connected(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        r"""Connected configurations and matrix elements for a batch.

        Args:
            x: configurations of shape ``(..., n_sites)`` with values in {0, 1}.

        Returns:
            ``(x_conn, mels)`` with ``x_conn`` of shape ``(..., G, n_sites)`` (same dtype
            and device as ``x``) and ``mels[..., g] = ⟨x|O|x_conn[..., g]⟩`` of shape
            ``(..., G)``, where ``G`` = :attr:`n_flip_masks`. The width is fixed: entries
            whose element vanishes for a given ``x`` are kept with ``mels = 0``.
            ``mels`` is float64 for operators with real matrix elements, else complex128.
        """
        if x.shape[-1] != self.n_sites:
            raise OperatorError(
                f"expected configurations with {self.n_sites} sites, got shape {tuple(x.shape)}"
            )
        if x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
            raise OperatorError(f"expected an integer configuration tensor, got dtype {x.dtype}")
        flips, z_columns, coupling = self._torch_groups(x.device)
        x_conn = x.unsqueeze(-2) ^ flips.to(x.dtype)
        counts = x.to(torch.float64) @ z_columns
        signs = 1.0 - 2.0 * torch.remainder(counts, 2.0)
        mels = signs.to(coupling.dtype) @ coupling
        return x_conn, mels

    def is_stoquastic(self, n_probes: int = 256, atol: float = 1e-12) -> bool:
        """Whether no off-diagonal element is positive (or complex) in the Z basis, probed
        on ``n_probes`` random configurations (a fixed seed): only then can a ground state
        be chosen positive, so that a model without a phase or sign can be exact. The
        antiferromagnetic Heisenberg model is not, the Marshall sign rule makes it so."""
        generator = torch.Generator().manual_seed(0)
        x = torch.randint(0, 2, (n_probes, self.n_sites), generator=generator)
        flips = self._torch_groups(x.device)[0]
        off_diagonal = flips.any(dim=-1)
        _, mels = self.connected(x)
        mels = mels[:, off_diagonal]
        if torch.is_complex(mels):
            if bool((mels.imag.abs() > atol).any()):
                return False
            mels = mels.real
        return not bool((mels > atol).any())

    # --- exact linear algebra (numpy / scipy) ----------------------------------------------

    def _basis_states(self, sector: MagnetizationSector | None) -> np.ndarray:
        if self.n_sites > MAX_INDEXED_SITES:
            raise OperatorError(f"exact linear algebra needs at most {MAX_INDEXED_SITES} sites")
        if sector is None:
            return np.arange(1 << self.n_sites, dtype=np.int64)
        return sector.states

    def _group_elements(self, states: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
        """For each flip group: its packed flip mask and ``⟨s|O|s ⊕ f⟩`` for every state."""
        groups = self._groups
        dtype = np.float64 if groups.is_real else np.complex128
        weights = groups.weight.real if groups.is_real else groups.weight
        flip_ints = _pack(groups.flips)
        z_ints = _pack(groups.z)
        for g, flip in enumerate(flip_ints.tolist()):
            elements = np.zeros(states.shape, dtype=dtype)
            for k in np.flatnonzero(groups.group == g).tolist():
                if z_ints[k] == 0:
                    elements += weights[k]
                else:
                    odd = popcount(states & z_ints[k]) & 1
                    elements += weights[k] * (1 - 2 * odd)
            yield flip, elements

    def sparse_memory_estimate(self, sector: MagnetizationSector | float | None = None) -> int:
        """Upper bound in bytes of the work and result of :meth:`to_sparse`."""
        resolved = as_sector(sector, self.n_sites)
        dimension = (1 << self.n_sites) if resolved is None else resolved.dimension
        value_bytes = 8 if self._groups.is_real else 16
        # The CSR result (value and column per potential entry) plus state-sized work
        # arrays: basis, row pointers, fill positions, one group's elements and rows.
        per_entry = value_bytes + 4
        return int(dimension * self.n_flip_masks * per_entry + dimension * (48 + value_bytes))

    def to_sparse(
        self,
        sector: MagnetizationSector | float | None = None,
        memory_limit: float | None = None,
    ) -> sp.csr_matrix:
        """The operator as a scipy CSR matrix, in the full space or a magnetization sector.

        Args:
            sector: a :class:`~qgen.hilbert.MagnetizationSector` or a total ``S^z``; rows and
                columns follow the sector's :attr:`~qgen.hilbert.MagnetizationSector.states`.
            memory_limit: bytes the build may use; by default 80% of the available memory.

        Returns:
            float64 CSR for operators with real matrix elements, complex128 otherwise.

        Raises:
            OperatorError: the operator connects the sector to states outside it
                (it does not conserve the magnetization).
            MemoryLimitError: the estimated memory exceeds what is available.
        """
        resolved = as_sector(sector, self.n_sites)
        where = "the full space" if resolved is None else repr(resolved)
        check_memory(
            self.sparse_memory_estimate(resolved),
            f"the sparse matrix in {where}",
            memory_limit,
            hint=_SECTOR_HINT if resolved is None else _SMALLER_HINT,
        )
        states = self._basis_states(resolved)
        dimension = states.size
        # Two passes over the flip groups: count the entries of every row, then write each
        # group's entries straight into their CSR slots. Recomputing the elements costs less
        # than holding COO pieces beside the result (peak memory ≈ the CSR matrix itself).
        counts = np.zeros(dimension, dtype=np.int64)
        for _, elements in self._group_elements(states):
            counts += elements != 0
        indptr = np.zeros(dimension + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        del counts
        n_entries = int(indptr[-1])
        index_dtype = np.int32 if max(dimension, n_entries) < 2**31 else np.int64
        columns = np.empty(n_entries, dtype=index_dtype)
        values = np.empty(n_entries, dtype=np.float64 if self.has_real_elements else np.complex128)
        next_slot = indptr[:-1].copy()
        for flip, elements in self._group_elements(states):
            rows = np.flatnonzero(elements)
            slots = next_slot[rows]
            columns[slots] = self._columns(states, flip, rows, resolved)
            values[slots] = elements[rows]
            next_slot[rows] += 1
        matrix = sp.csr_matrix(
            (values, columns, indptr.astype(index_dtype)), shape=(dimension, dimension)
        )
        matrix.sort_indices()  # rows were filled group by group; make them canonical
        return matrix

    def _columns(
        self,
        states: np.ndarray,
        flip: int,
        rows: np.ndarray,
        sector: MagnetizationSector | None,
    ) -> np.ndarray:
        """Basis positions of ``states[rows] ⊕ flip``; refuses states outside the sector."""
        targets = states[rows] ^ flip
        if sector is None:
            return targets
        position = sector.index(targets)
        if np.any(position < 0):
            raise OperatorError(
                f"the operator does not conserve the magnetization: it connects {sector!r} "
                "to states outside it; use the full space (sector=None)"
            )
        return position

    def to_dense(self, sector: MagnetizationSector | float | None = None) -> np.ndarray:
        """The operator as a dense complex matrix (small systems only)."""
        return np.asarray(self.to_sparse(sector).toarray(), dtype=np.complex128)

    def apply(
        self, vector: np.ndarray, sector: MagnetizationSector | float | None = None
    ) -> np.ndarray:
        """Matrix-free product ``O v`` for a state vector in the full space or a sector.

        Uses memory of a few vectors only, so it serves observables of large states whose
        sparse matrix would not fit.
        """
        resolved = as_sector(sector, self.n_sites)
        states = self._basis_states(resolved)
        vector = np.asarray(vector)
        if vector.shape[0] != states.size:
            raise OperatorError(
                f"expected a vector of length {states.size}, got shape {vector.shape}"
            )
        result_dtype = np.result_type(
            vector.dtype, np.float64 if self._groups.is_real else np.complex128
        )
        result = np.zeros(vector.shape, dtype=result_dtype)
        for flip, elements in self._group_elements(states):
            rows = np.flatnonzero(elements)
            source = vector[self._columns(states, flip, rows, resolved)]
            result[rows] += elements[rows].reshape((-1,) + (1,) * (vector.ndim - 1)) * source
        return result


def pauli(label: str, n_sites: int | None = None, coefficient: Scalar = 1.0) -> PauliSum:
    """One Pauli string as an operator: ``pauli("X0 X1", 4)``, ``pauli("XXII")``."""
    return PauliSum([label], [coefficient], n_sites=n_sites)
