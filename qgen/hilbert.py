"""Spin-1/2 configurations, basis indices and fixed-magnetization sectors.

Conventions (shared by every module, see ``docs/conventions.md``):

* a configuration is an integer tensor ``x`` of shape ``(batch, n_sites)`` with values
  in {0, 1}: 0 = spin up (σᶻ = +1), 1 = spin down (σᶻ = −1);
* site 0 is the most significant bit of the basis index,
  ``index = Σ_i x_i 2^(N-1-i)``, which matches QuTiP's ``tensor(op_0, op_1, …)``;
* the total magnetization is ``S^z = Σ_i σᶻ_i / 2 = (n_up − n_down) / 2``.

A :class:`MagnetizationSector` lists the basis states of one ``S^z`` in increasing
index order and finds the position of any state with two table look-ups (the
two-table scheme of H. Q. Lin, Phys. Rev. B 42, 6561 (1990)): the index of a state is
the offset of its high half plus the rank of its low half among low halves of the same
popcount.

Example:
    >>> import torch
    >>> from qgen.hilbert import configs_to_indices, MagnetizationSector
    >>> configs_to_indices(torch.tensor([[0, 1, 1]]))
    tensor([3])
    >>> MagnetizationSector(4, 0).dimension
    6
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import torch

from qgen._memory import check_memory
from qgen.errors import HilbertError

__all__ = [
    "MAX_INDEXED_SITES",
    "MagnetizationSector",
    "all_configs",
    "as_sector",
    "configs_to_indices",
    "distinct_rows",
    "indices_to_configs",
    "popcount",
]

MAX_INDEXED_SITES = 62
"""Largest number of sites whose basis index fits a signed 64-bit integer."""


def _check_indexable(n_sites: int) -> None:
    if (
        isinstance(n_sites, bool)
        or not isinstance(n_sites, int | np.integer)
        or not 1 <= n_sites <= MAX_INDEXED_SITES
    ):
        raise HilbertError(
            f"expected 1 to {MAX_INDEXED_SITES} sites for basis indices, got {n_sites}"
        )


def _bit_weights(n_sites: int, device: torch.device | None = None) -> torch.Tensor:
    """``2^(N-1-i)`` for each site ``i``: site 0 is the most significant bit."""
    return torch.tensor([1 << (n_sites - 1 - i) for i in range(n_sites)], device=device)


def configs_to_indices(x: torch.Tensor) -> torch.Tensor:
    """Basis indices ``Σ_i x_i 2^(N-1-i)`` of configurations ``x`` of shape ``(..., N)``.

    Raises:
        HilbertError: values other than 0/1, or more than 62 sites.
    """
    _check_indexable(x.shape[-1])
    if x.is_floating_point() or x.is_complex():
        raise HilbertError(f"expected an integer configuration tensor, got dtype {x.dtype}")
    if x.numel() and (x.min() < 0 or x.max() > 1):
        raise HilbertError("expected configurations with values in {0, 1}")
    return (x.to(torch.int64) * _bit_weights(x.shape[-1], x.device)).sum(-1)


def indices_to_configs(indices: torch.Tensor | np.ndarray, n_sites: int) -> torch.Tensor:
    """Configurations (int64, shape ``(..., n_sites)``) of basis indices.

    Raises:
        HilbertError: an index outside ``0 … 2^n_sites − 1``.
    """
    _check_indexable(n_sites)
    idx = torch.as_tensor(indices)
    if idx.is_floating_point() or idx.is_complex() or idx.dtype == torch.bool:
        raise HilbertError(f"expected integer basis indices, got dtype {idx.dtype}")
    idx = idx.to(torch.int64)
    if idx.numel() and (idx.min() < 0 or idx.max() >= (1 << n_sites)):
        raise HilbertError(
            f"expected basis indices in 0..{(1 << n_sites) - 1} for {n_sites} sites, "
            f"got values in {int(idx.min())}..{int(idx.max())}"
        )
    shifts = torch.arange(n_sites - 1, -1, -1, device=idx.device)
    return (idx.unsqueeze(-1) >> shifts) & 1


def distinct_rows(rows: torch.Tensor, base: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """The distinct rows of an integer tensor ``(M, L)`` with entries in ``0 … base-1``.

    Monte Carlo batches repeat configurations (a peaked ``|ψ|²`` or a Markov chain that
    stays put), and the connected configurations of a local operator coincide across
    parents, so evaluating each distinct row once saves work.

    Returns:
        ``(first, inverse)``: ``first[u]`` is the index of the first row of the ``u``-th
        distinct row and ``inverse[i]`` the distinct row of row ``i``, so that
        ``rows[first][inverse]`` equals ``rows``. Distinct rows are numbered in an
        unspecified but deterministic order.
    """
    if rows.ndim != 2:
        raise HilbertError(
            f"expected a (batch, length) tensor of rows, got shape {tuple(rows.shape)}"
        )
    n_rows, length = rows.shape
    if length * math.log2(max(base, 2)) <= MAX_INDEXED_SITES:
        # One int64 key per row: a 1D sort instead of a lexicographic one.
        weights = base ** torch.arange(length, device=rows.device, dtype=torch.int64)
        keys = (rows.to(torch.int64) * weights).sum(1)
        distinct, inverse = torch.unique(keys, return_inverse=True)
    else:
        distinct, inverse = torch.unique(rows, dim=0, return_inverse=True)
    n_distinct = distinct.shape[0]  # known on the host: no device sync
    positions = torch.arange(n_rows, device=rows.device)
    first = torch.full((n_distinct,), n_rows, dtype=torch.int64, device=rows.device)
    first = first.scatter_reduce(0, inverse, positions, reduce="amin")
    return first, inverse


def all_configs(n_sites: int, device: torch.device | str | None = None) -> torch.Tensor:
    """Every configuration of ``n_sites`` spins, in basis-index order, shape ``(2^N, N)``."""
    _check_indexable(n_sites)
    if n_sites > 30:
        raise HilbertError(f"refusing to enumerate 2^{n_sites} configurations")
    return indices_to_configs(torch.arange(1 << n_sites, device=device), n_sites)


def popcount(values: np.ndarray) -> np.ndarray:
    """Number of set bits of each non-negative 64-bit integer."""
    return np.bitwise_count(np.asarray(values, dtype=np.int64)).astype(np.int64)


def _parse_magnetization(n_sites: int, magnetization: float | str | Fraction) -> int:
    """Number of down spins (1-bits) in the sector of total S^z = ``magnetization``."""
    try:
        if isinstance(magnetization, bool):
            raise TypeError
        sz = Fraction(magnetization).limit_denominator(2)
    except (TypeError, ValueError, OverflowError):
        raise HilbertError(
            f"expected a total S^z such as 0 or 0.5, got {magnetization!r}"
        ) from None
    n_down = Fraction(n_sites, 2) - sz
    if n_down.denominator != 1 or not 0 <= n_down <= n_sites or sz != Fraction(magnetization):
        allowed = "0, ±1, ±2, …" if n_sites % 2 == 0 else "±1/2, ±3/2, …"
        raise HilbertError(
            f"no magnetization sector S^z = {magnetization} for {n_sites} sites: expected "
            f"a value in {allowed} between {-n_sites / 2:g} and {n_sites / 2:g}"
        )
    return int(n_down)


@dataclass(frozen=True)
class _LinTables:
    """Lin's two tables for a sector with ``n_down`` 1-bits, and the low halves they rank.

    ``high_offset[a]``: position of the first sector state whose high half is ``a``;
    ``low_rank[b]``: rank of the low half ``b`` among low halves of the same popcount;
    ``low_by_popcount``: all low halves sorted by popcount, then value, with group ``k``
    starting at ``group_start[k]``; ``high_valid[a]``: whether high half ``a`` occurs.
    """

    high_offset: np.ndarray
    high_valid: np.ndarray
    low_rank: np.ndarray
    low_by_popcount: np.ndarray
    group_start: np.ndarray

    @classmethod
    def build(cls, n_high: int, n_low: int, n_down: int) -> _LinTables:
        low = np.arange(1 << n_low, dtype=np.int64)
        low_count = popcount(low)
        order = np.argsort(low_count, kind="stable")
        group_start = np.searchsorted(low_count[order], np.arange(n_low + 2))
        low_rank = np.empty_like(low)
        low_rank[order] = np.arange(low.size) - group_start[low_count[order]]

        need = n_down - popcount(np.arange(1 << n_high, dtype=np.int64))
        valid = (need >= 0) & (need <= n_low)
        block = np.zeros(1 << n_high, dtype=np.int64)
        block[valid] = group_start[need[valid] + 1] - group_start[need[valid]]
        high_offset = np.concatenate(([0], np.cumsum(block)[:-1]))
        return cls(high_offset, valid, low_rank, low[order], group_start)


class MagnetizationSector:
    """The basis states of ``n_sites`` spins with total ``S^z = magnetization``.

    Args:
        n_sites: number of spin-1/2 sites (at most 62 for the basis indices).
        magnetization: total ``S^z = (n_up − n_down)/2``; an integer for even ``n_sites``
            and a half-integer for odd ``n_sites``.

    Raises:
        HilbertError: a sector that does not exist.
    """

    def __init__(self, n_sites: int, magnetization: float | str | Fraction = 0) -> None:
        # Any size for membership and counting (a Metropolis chain on 10×10); the basis
        # indices (states, index, configs) need at most 62 sites, checked where used.
        if isinstance(n_sites, bool) or not isinstance(n_sites, int | np.integer) or n_sites < 1:
            raise HilbertError(f"expected a positive number of sites, got {n_sites!r}")
        self.n_sites = n_sites
        self.n_down = _parse_magnetization(n_sites, magnetization)
        self.magnetization = float(Fraction(n_sites - 2 * self.n_down, 2))
        self.dimension = math.comb(n_sites, self.n_down)
        self._n_low = n_sites // 2
        self._tables: _LinTables | None = None
        self._states: np.ndarray | None = None

    def __repr__(self) -> str:
        return (
            f"MagnetizationSector(n_sites={self.n_sites}, magnetization={self.magnetization:g}, "
            f"dimension={self.dimension})"
        )

    @property
    def _lin_tables(self) -> _LinTables:
        _check_indexable(self.n_sites)
        if self._tables is None:
            self._tables = _LinTables.build(self.n_sites - self._n_low, self._n_low, self.n_down)
        return self._tables

    @property
    def states(self) -> np.ndarray:
        """Basis indices of the sector, sorted increasingly (int64, length ``dimension``)."""
        if self._states is None:
            _check_indexable(self.n_sites)
            # The states and the work arrays that list them: about four int64 per state.
            check_memory(32 * self.dimension, f"the basis of {self!r}")
            tables = self._lin_tables
            high = np.flatnonzero(tables.high_valid)
            need = self.n_down - popcount(high)
            first = tables.group_start[need]
            sizes = tables.group_start[need + 1] - first
            # Block b holds high half high[b] followed by every low half of popcount need[b].
            owner = np.repeat(np.arange(high.size), sizes)
            within = np.arange(self.dimension) - np.repeat(np.cumsum(sizes) - sizes, sizes)
            lows = tables.low_by_popcount[first[owner] + within]
            self._states = (high[owner] << self._n_low) | lows
        return self._states

    def index(self, states: np.ndarray) -> np.ndarray:
        """Position of each basis index in :attr:`states`, or −1 where it lies outside."""
        states = np.asarray(states, dtype=np.int64)
        tables = self._lin_tables
        mask = (1 << self._n_low) - 1
        inside = (popcount(states) == self.n_down) & ((states >> self.n_sites) == 0)
        safe = np.where(inside, states, 0)
        position = tables.high_offset[safe >> self._n_low] + tables.low_rank[safe & mask]
        return np.where(inside, position, -1)

    def configs(self, device: torch.device | str | None = None) -> torch.Tensor:
        """The sector's configurations, shape ``(dimension, n_sites)``."""
        return indices_to_configs(torch.from_numpy(self.states), self.n_sites).to(device)

    def contains(self, x: torch.Tensor) -> torch.Tensor:
        """Whether each configuration of shape ``(..., n_sites)`` lies in the sector."""
        return (x != 0).sum(-1) == self.n_down

    def embed(self, vector: np.ndarray) -> np.ndarray:
        """A sector vector (or ``(dimension, k)`` array) written in the full ``2^N`` space."""
        vector = np.asarray(vector)
        if vector.shape[0] != self.dimension:
            raise HilbertError(
                f"expected a vector of length {self.dimension} for {self!r}, got {vector.shape[0]}"
            )
        full = np.zeros((1 << self.n_sites, *vector.shape[1:]), dtype=vector.dtype)
        full[self.states] = vector
        return full


def as_sector(
    sector: MagnetizationSector | float | str | None, n_sites: int
) -> MagnetizationSector | None:
    """A sector from a :class:`MagnetizationSector`, a total ``S^z``, or ``None`` (full space).

    Raises:
        HilbertError: a sector that does not exist, or one built for another size.
    """
    if sector is None:
        return None
    if isinstance(sector, MagnetizationSector):
        if sector.n_sites != n_sites:
            raise HilbertError(f"expected a sector of {n_sites} sites, got one of {sector.n_sites}")
        return sector
    return MagnetizationSector(n_sites, sector)
