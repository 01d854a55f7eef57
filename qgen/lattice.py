"""Lattices: sites, neighbour bonds, sublattices and site orderings.

A lattice here is a Bravais lattice with one site per unit cell, of extent
``L_1 × … × L_d`` with periodic or open boundaries in each direction. Sites are
numbered row-major, the first coordinate running fastest: on a square lattice
site ``(x, y)`` has index ``x + L_x · y``.

Bonds are unordered pairs of sites, listed once each. On small periodic lattices
a bond can wrap onto itself or onto another bond (a periodic chain of two sites
would hold the bond 0–1 twice); such lattices are refused for that bond order
with a :class:`~qgen.errors.LatticeError` instead of silently double-counting.

Example:
    >>> from qgen.lattice import Square
    >>> lattice = Square(4, 4)
    >>> lattice.n_sites, len(lattice.bonds()), len(lattice.bonds(order=2))
    (16, 32, 32)
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import ClassVar

import numpy as np

from qgen.errors import LatticeError
from qgen.registry import Registry
from qgen.validation import require_int

__all__ = [
    "LATTICES",
    "Chain",
    "Lattice",
    "Square",
    "Triangular",
    "lattice_from_name",
    "parse_size",
]

ORDERINGS = ("row-major", "snake")


class Lattice:
    """A Bravais lattice with one site per unit cell.

    Args:
        extent: number of cells along each lattice direction.
        periodic: periodic boundaries, for all directions at once or one flag per direction.
        basis: real-space lattice vectors, one row per direction.
        neighbour_vectors: for each bond order (1 = nearest, 2 = next-nearest), the
            displacements in lattice coordinates, one per ± pair.
        name: short name used in messages and configs.
    """

    name: str = "lattice"

    def __init__(
        self,
        extent: Sequence[int],
        periodic: bool | Sequence[bool],
        basis: np.ndarray,
        neighbour_vectors: dict[int, Sequence[tuple[int, ...]]],
        name: str | None = None,
    ) -> None:
        if name is not None:
            self.name = name
        extent = tuple(extent)
        for length in extent:
            require_int(
                length, f"{self.name} lattice lengths {extent!r}", minimum=1, error=LatticeError
            )
        self.extent: tuple[int, ...] = tuple(int(length) for length in extent)
        if isinstance(periodic, bool | np.bool_):
            self.periodic: tuple[bool, ...] = (bool(periodic),) * len(self.extent)
        else:
            self.periodic = tuple(bool(p) for p in periodic)
            if len(self.periodic) != len(self.extent):
                raise LatticeError(
                    f"{self.name} lattice: expected {len(self.extent)} periodicity flags, "
                    f"got {len(self.periodic)}"
                )
        self.basis = np.asarray(basis, dtype=float)
        self._neighbour_vectors = {k: tuple(v) for k, v in neighbour_vectors.items()}
        self._bond_cache: dict[int, np.ndarray] = {}

    # --- sites -----------------------------------------------------------------------------

    @property
    def ndim(self) -> int:
        """Number of lattice directions."""
        return len(self.extent)

    @property
    def n_sites(self) -> int:
        """Number of sites."""
        return math.prod(self.extent)

    @cached_property
    def coordinates(self) -> np.ndarray:
        """Integer cell coordinates, shape ``(n_sites, ndim)``; row ``i`` belongs to site ``i``."""
        grids = np.meshgrid(*[np.arange(length) for length in self.extent], indexing="ij")
        # Fortran order makes the first coordinate run fastest (row-major site numbering).
        return np.stack([g.ravel(order="F") for g in grids], axis=1)

    @cached_property
    def positions(self) -> np.ndarray:
        """Real-space positions, shape ``(n_sites, ndim)``."""
        return self.coordinates @ self.basis

    def site_index(self, coordinates: np.ndarray | Sequence[int]) -> np.ndarray:
        """Site indices of integer cell coordinates (shape ``(..., ndim)``), wrapped where periodic.

        Raises:
            LatticeError: a coordinate outside an open direction.
        """
        coords = np.array(coordinates, dtype=np.int64)
        if coords.shape[-1] != self.ndim:
            raise LatticeError(
                f"{self!r}: expected coordinates with {self.ndim} components, "
                f"got shape {coords.shape}"
            )
        index = np.zeros(coords.shape[:-1], dtype=np.int64)
        stride = 1
        for axis, (length, periodic) in enumerate(zip(self.extent, self.periodic, strict=True)):
            c = coords[..., axis]
            if periodic:
                c = np.mod(c, length)
            elif np.any((c < 0) | (c >= length)):
                raise LatticeError(
                    f"{self!r}: coordinate along direction {axis} outside 0..{length - 1} "
                    "with open boundaries"
                )
            index += c * stride
            stride *= length
        return index

    # --- bonds -----------------------------------------------------------------------------

    @property
    def bond_orders(self) -> tuple[int, ...]:
        """The neighbour orders this lattice defines (1 = nearest, 2 = next-nearest)."""
        return tuple(sorted(self._neighbour_vectors))

    def bonds(self, order: int = 1) -> np.ndarray:
        """Bonds of the given neighbour order as an ``(n_bonds, 2)`` array with ``i < j``.

        Each bond appears once. Raises :class:`LatticeError` when the lattice is too small
        for periodic boundaries at this order (a bond would wrap onto a site itself or be
        counted twice).
        """
        if order not in self._bond_cache:
            bonds = self._build_bonds(order)
            bonds.flags.writeable = False  # the cached array is shared with every caller
            self._bond_cache[order] = bonds
        return self._bond_cache[order]

    def _build_bonds(self, order: int) -> np.ndarray:
        if order not in self._neighbour_vectors:
            raise LatticeError(
                f"{self!r}: expected a bond order in {self.bond_orders}, got {order!r}"
            )
        seen: dict[tuple[int, int], tuple[int, ...]] = {}
        pairs: list[tuple[int, int]] = []
        for vector in self._neighbour_vectors[order]:
            target = self.coordinates + np.asarray(vector)
            inside = np.ones(self.n_sites, dtype=bool)
            for axis, (length, periodic) in enumerate(zip(self.extent, self.periodic, strict=True)):
                if not periodic:
                    inside &= (target[:, axis] >= 0) & (target[:, axis] < length)
            sources = np.flatnonzero(inside)
            targets = self.site_index(target[inside])
            for i, j in zip(sources.tolist(), targets.tolist(), strict=True):
                if i == j:
                    raise LatticeError(
                        f"{self!r}: the order-{order} bond along {vector} from site {i} wraps "
                        "back onto the same site; this lattice is too small for periodic "
                        "boundaries at that order (use a larger size or open boundaries)"
                    )
                key = (min(i, j), max(i, j))
                if key in seen:
                    raise LatticeError(
                        f"{self!r}: the order-{order} bond {key[0]}-{key[1]} arises twice "
                        f"(along {seen[key]} and along {vector}), so it would be counted "
                        "twice; this lattice is too small for periodic boundaries at that "
                        "order (use a larger size or open boundaries)"
                    )
                seen[key] = vector
                pairs.append(key)
        for lower in (o for o in self.bond_orders if o < order):
            shared = set(seen) & {tuple(b) for b in self.bonds(lower).tolist()}
            if shared:
                i, j = min(shared)
                raise LatticeError(
                    f"{self!r}: the pair {i}-{j} is both an order-{lower} and an order-{order} "
                    "bond, so a coupling on both orders would count it twice; this lattice is "
                    "too small for periodic boundaries at that order (use a larger size or "
                    "open boundaries)"
                )
        if not pairs:
            return np.zeros((0, 2), dtype=np.int64)
        return np.array(sorted(pairs), dtype=np.int64)

    # --- sublattices -----------------------------------------------------------------------

    @cached_property
    def _two_colouring(self) -> np.ndarray | None:
        """Sublattice labels from a breadth-first 2-colouring of nearest-neighbour bonds."""
        bonds = self.bonds(1)
        neighbours: list[list[int]] = [[] for _ in range(self.n_sites)]
        for i, j in bonds.tolist():
            neighbours[i].append(j)
            neighbours[j].append(i)
        colour = np.full(self.n_sites, -1, dtype=np.int64)
        for start in range(self.n_sites):
            if colour[start] >= 0:
                continue
            colour[start] = 0
            queue = deque([start])
            while queue:
                site = queue.popleft()
                for other in neighbours[site]:
                    if colour[other] < 0:
                        colour[other] = 1 - colour[site]
                        queue.append(other)
                    elif colour[other] == colour[site]:
                        return None
        return colour

    @property
    def is_bipartite(self) -> bool:
        """Whether nearest-neighbour bonds only join sites of two different sublattices."""
        return self._two_colouring is not None

    @property
    def sublattice(self) -> np.ndarray:
        """Sublattice label (0 = A, 1 = B) of every site; site 0 is on A.

        Raises:
            LatticeError: the lattice is not bipartite (e.g. triangular, or a periodic
                direction of odd length).
        """
        colouring = self._two_colouring
        if colouring is None:
            raise LatticeError(
                f"{self!r} is not bipartite: expected a lattice whose nearest-neighbour bonds "
                "join two sublattices (chain or square, with even lengths in periodic "
                "directions)"
            )
        return colouring.copy()

    # --- orderings and symmetries ----------------------------------------------------------

    def ordering(self, kind: str = "row-major") -> np.ndarray:
        """A path through all sites for autoregressive models: ``order[k]`` is the k-th site.

        ``"row-major"`` follows the site numbering; ``"snake"`` reverses every other row
        so that consecutive sites along the path are always neighbours (as the 2D RNN of
        Hibat-Allah et al., Phys. Rev. Research 2, 023358 (2020) uses).
        """
        if kind == "row-major":
            return np.arange(self.n_sites, dtype=np.int64)
        if kind == "snake":
            if self.ndim == 1:
                return np.arange(self.n_sites, dtype=np.int64)
            if self.ndim != 2:
                raise LatticeError(f"{self!r}: the snake ordering is defined for 1D and 2D only")
            lx, ly = self.extent
            rows = np.arange(lx * ly, dtype=np.int64).reshape(ly, lx)
            rows[1::2] = rows[1::2, ::-1]
            return rows.ravel()
        raise LatticeError(f"expected an ordering in {ORDERINGS}, got {kind!r}")

    def translations(self) -> np.ndarray:
        """All lattice translations along periodic directions, as site permutations.

        Returns an array of shape ``(n_translations, n_sites)`` whose row ``t`` maps site
        ``i`` to site ``perm[t, i]``; row 0 is the identity.
        """
        shifts = [
            range(length) if p else range(1)
            for length, p in zip(self.extent, self.periodic, strict=True)
        ]
        grid = np.stack(np.meshgrid(*[np.array(s) for s in shifts], indexing="ij"), axis=-1)
        perms = [self.site_index(self.coordinates + shift) for shift in grid.reshape(-1, self.ndim)]
        return np.stack(perms)

    def point_group(self) -> np.ndarray:
        """The lattice's point operations (rotations and reflections) as site permutations.

        Every integer matrix ``M`` with entries in {−1, 0, 1} and ``det M = ±1`` is tried
        as a map of cell coordinates, ``c → M c`` along periodic directions (keeping site
        0) and moved back onto the cells along open ones; it is kept when it permutes the
        sites and maps the bonds of every order onto bonds of the same order. The result
        is closed under composition. That gives the 8 operations of D4 on a square
        ``L × L`` lattice, the 4 of D2 on a rectangle, the 12 of D6 on a periodic
        triangular ``L × L`` lattice, and the reflection of a chain.

        Returns an array of shape ``(n_operations, n_sites)`` in the convention of
        :meth:`translations` (row ``g`` maps site ``i`` to ``perm[g, i]``); row 0 is the
        identity.
        """
        perms = [np.arange(self.n_sites)]
        for entries in itertools.product((-1, 0, 1), repeat=self.ndim * self.ndim):
            matrix = np.array(entries, dtype=np.int64).reshape(self.ndim, self.ndim)
            if round(abs(np.linalg.det(matrix))) == 1:
                perm = self._linear_permutation(matrix)
                if perm is not None:
                    perms.append(perm)
        return _closure(perms)

    def _linear_permutation(self, matrix: np.ndarray) -> np.ndarray | None:
        """The site permutation of ``c → M c`` (shifted onto the cells along open
        directions) if it is a symmetry of the lattice and its bonds, else None."""
        image = self.coordinates @ matrix.T
        for axis, (length, periodic) in enumerate(zip(self.extent, self.periodic, strict=True)):
            if not periodic:
                image[:, axis] -= image[:, axis].min()
                if image[:, axis].max() >= length:
                    return None
        perm = self.site_index(image)
        if np.unique(perm).size != self.n_sites:
            return None
        for order in self.bond_orders:
            try:
                bonds = self.bonds(order)
            except LatticeError:
                continue  # an order this lattice is too small for has no bonds to keep
            mapped = np.sort(perm[bonds], axis=1)
            if {tuple(b) for b in mapped.tolist()} != {tuple(b) for b in bonds.tolist()}:
                return None
        return perm

    def space_group(self) -> np.ndarray:
        """The translations and point operations together: every composition of them, as
        site permutations in the convention of :meth:`translations` (row 0 the identity).

        For a periodic ``4 × 4`` square lattice these are the 128 = 16 · 8 symmetries.
        """
        return _closure([*self.translations(), *self.point_group()])

    # --- description -----------------------------------------------------------------------

    @property
    def size_label(self) -> str:
        """The size as written on the command line: ``"20"`` or ``"4x4"``."""
        return "x".join(str(length) for length in self.extent)

    @property
    def boundary_label(self) -> str:
        """``"periodic"``, ``"open"``, or a per-direction mix such as ``"periodic-open"``."""
        if all(self.periodic):
            return "periodic"
        if not any(self.periodic):
            return "open"
        return "-".join("periodic" if p else "open" for p in self.periodic)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.size_label}, {self.boundary_label})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Lattice)
            and self.name == other.name
            and self.extent == other.extent
            and self.periodic == other.periodic
        )

    def __hash__(self) -> int:
        return hash((self.name, self.extent, self.periodic))


def _closure(perms: Sequence[np.ndarray]) -> np.ndarray:
    """The group generated by the permutations ``perms`` (the first one the identity), as
    ``(n_elements, n_sites)`` rows in order of discovery."""
    elements = {perm.tobytes(): perm for perm in perms}
    generators = list(elements.values())
    frontier = list(generators)
    while frontier:
        found = []
        for element in frontier:
            for generator in generators:
                product = generator[element]
                if product.tobytes() not in elements:
                    elements[product.tobytes()] = product
                    found.append(product)
        frontier = found
    return np.stack(list(elements.values()))


class Chain(Lattice):
    """A one-dimensional chain of ``length`` sites; next-nearest neighbours are ``i, i+2``."""

    name = "chain"

    def __init__(self, length: int, periodic: bool = True) -> None:
        super().__init__(
            extent=(length,),
            periodic=periodic,
            basis=np.eye(1),
            neighbour_vectors={1: [(1,)], 2: [(2,)]},
        )


class Square(Lattice):
    """An ``lx × ly`` square lattice; next-nearest neighbours are along the diagonals."""

    name = "square"

    def __init__(self, lx: int, ly: int, periodic: bool | Sequence[bool] = True) -> None:
        super().__init__(
            extent=(lx, ly),
            periodic=periodic,
            basis=np.eye(2),
            neighbour_vectors={1: [(1, 0), (0, 1)], 2: [(1, 1), (1, -1)]},
        )


class Triangular(Lattice):
    """An ``lx × ly`` triangular lattice (six nearest neighbours per site).

    Lattice vectors a1 = (1, 0) and a2 = (1/2, √3/2); nearest neighbours along a1, a2 and
    a2 − a1; next-nearest neighbours (distance √3) along a1 + a2, 2a2 − a1 and 2a1 − a2.
    Never bipartite.
    """

    name = "triangular"
    _BASIS: ClassVar[np.ndarray] = np.array([[1.0, 0.0], [0.5, math.sqrt(3) / 2]])

    def __init__(self, lx: int, ly: int, periodic: bool | Sequence[bool] = True) -> None:
        super().__init__(
            extent=(lx, ly),
            periodic=periodic,
            basis=self._BASIS,
            neighbour_vectors={
                1: [(1, 0), (0, 1), (-1, 1)],
                2: [(1, 1), (-1, 2), (2, -1)],
            },
        )


def parse_size(size: int | str | Sequence[int]) -> tuple[int, ...]:
    """Parse a lattice size: ``20``, ``"20"``, ``"4x4"`` or ``(4, 4)``.

    Raises:
        LatticeError: anything else, or non-positive lengths.
    """
    if isinstance(size, bool):
        raise LatticeError(f"expected a lattice size such as 20 or '4x4', got {size!r}")
    message = f"expected a lattice size such as 20 or '4x4', got {size!r}"
    if isinstance(size, int | np.integer):
        lengths: tuple[int, ...] = (int(size),)
    elif isinstance(size, str):
        parts = size.lower().replace("×", "x").split("x")
        try:
            lengths = tuple(int(p) for p in parts)
        except ValueError:
            raise LatticeError(message) from None
    else:
        try:
            items = list(size)
        except TypeError:
            raise LatticeError(message) from None
        if not all(isinstance(p, int | np.integer) and not isinstance(p, bool) for p in items):
            raise LatticeError(message)
        lengths = tuple(int(p) for p in items)
    if not lengths or any(length < 1 for length in lengths):
        raise LatticeError(f"expected positive lattice lengths, got {size!r}")
    return lengths


def _chain(lengths: tuple[int, ...], periodic: bool) -> Lattice:
    if len(lengths) != 1:
        label = "x".join(map(str, lengths))
        raise LatticeError(f"a chain takes one length such as 20, got size {label}")
    return Chain(lengths[0], periodic=periodic)


def _two_dimensional(kind: type[Square] | type[Triangular]) -> LatticeBuilder:
    def build(lengths: tuple[int, ...], periodic: bool) -> Lattice:
        if len(lengths) == 1:
            lengths = (lengths[0], lengths[0])
        if len(lengths) != 2:
            label = "x".join(map(str, lengths))
            raise LatticeError(
                f"a {kind.__name__.lower()} lattice takes a size such as 4x4, got {label}"
            )
        return kind(lengths[0], lengths[1], periodic=periodic)

    return build


LatticeBuilder = Callable[[tuple[int, ...], bool], Lattice]
"""``build(lengths, periodic)``: a lattice from its lengths, raising LatticeError."""

LATTICES: Registry[LatticeBuilder] = Registry("lattice")
"""Lattices by name: ``qgen … --lattice NAME`` and the ``lattice`` key of ``[system]``."""
LATTICES.register("chain", _chain)
LATTICES.register("square", _two_dimensional(Square))
LATTICES.register("triangular", _two_dimensional(Triangular))


def lattice_from_name(name: str, size: int | str | Sequence[int], periodic: bool = True) -> Lattice:
    """Build a lattice from its registered name (``chain``, ``square``, ``triangular``)
    and size. A chain takes one length (``20``); a 2D lattice takes two (``"4x4"``), or
    one length for a square ``L × L`` lattice.

    Raises:
        LatticeError: an unknown name or a size that does not fit the lattice.
    """
    if name not in LATTICES:
        raise LatticeError(f"lattice: expected one of {', '.join(LATTICES)}, got {name!r}")
    return LATTICES[name](parse_size(size), periodic)
