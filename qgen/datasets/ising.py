"""The classical two-dimensional Ising model on an L×L periodic square lattice.

.. math:: E(s) = -J \\sum_{\\langle ij \\rangle} s_i s_j, \\qquad
          \\pi(s) \\propto e^{-E(s)/T}, \\qquad s_i = \\pm 1,

with :math:`k_B = 1`. Spin lattices are tensors of shape ``(batch, L_x, L_y)`` holding
±1; :func:`configs_from_spins` turns them into qgen's configurations (``(batch, n_sites)``
integers, 0 = up = +1) in the sites of :class:`~qgen.lattice.Square`: the spin at
``(x, y)`` is site ``x + L_x y`` (x fastest), the one numbering of every lattice in qgen.

Samplers (batched tensor operations over many independent chains, seeded):

- :class:`CheckerboardMetropolis`: the two sublattices of the checkerboard are updated in
  turn; within a sublattice no two spins interact, so all flips are proposed at once
  (Metropolis et al. 1953).
- :class:`WolffCluster`: one Wolff cluster per chain, grown breadth-first with bond
  probability :math:`1 - e^{-2J/T}` and flipped (Wolff, PRL 62, 361 (1989)).

Exact references: :func:`exact_averages` (enumeration, up to 20 sites),
:func:`onsager_energy_per_site` (Onsager 1944) and :func:`onsager_magnetization`
(Yang 1952) of the infinite lattice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from qgen.errors import DataError, QgenError
from qgen.lattice import Square, parse_size
from qgen.validation import require_int

__all__ = [
    "CRITICAL_TEMPERATURE",
    "CheckerboardMetropolis",
    "IsingAverages",
    "WolffCluster",
    "configs_from_spins",
    "energy_per_site",
    "exact_averages",
    "lattice_shape",
    "lattice_symmetries",
    "lattices_from_sites",
    "magnetization",
    "onsager_energy_per_site",
    "onsager_entropy_per_site",
    "onsager_magnetization",
    "sample_ising",
    "sites_from_lattices",
    "spins_from_configs",
]

CRITICAL_TEMPERATURE = 2.0 / math.log(1.0 + math.sqrt(2.0))
"""Onsager's critical temperature :math:`T_c = 2J/\\ln(1+\\sqrt2) \\approx 2.269` (J = 1)."""


def lattice_shape(size: int | str | tuple[int, int]) -> tuple[int, int]:
    """The lengths :math:`(L_x, L_y)` of a lattice given as ``16``, ``"16x16"`` or a pair.

    >>> lattice_shape("4x6"), lattice_shape(5)
    ((4, 6), (5, 5))
    """
    try:
        lengths = parse_size(size)
    except QgenError as error:
        raise DataError(str(error)) from error
    if len(lengths) == 1:
        lengths = (lengths[0], lengths[0])
    if len(lengths) != 2 or min(lengths) < 3:
        raise DataError(
            f"expected an Ising lattice size such as 16 or '16x16' (lengths ≥ 3), got {size!r}"
        )
    return lengths[0], lengths[1]


def _check_temperature(temperature: float) -> float:
    if (
        not isinstance(temperature, int | float)
        or not math.isfinite(temperature)
        or temperature <= 0
    ):
        raise DataError(f"expected a positive finite temperature, got {temperature!r}")
    return float(temperature)


def _check_ferromagnetic(coupling: float, what: str) -> float:
    if (
        isinstance(coupling, bool)
        or not isinstance(coupling, int | float)
        or not math.isfinite(coupling)
        or coupling <= 0
    ):
        raise DataError(f"{what} holds for a ferromagnetic coupling J > 0, got {coupling!r}")
    return float(coupling)


def _check_spins(spins: torch.Tensor) -> torch.Tensor:
    if not isinstance(spins, torch.Tensor) or spins.dim() != 3:
        shape = tuple(spins.shape) if isinstance(spins, torch.Tensor) else type(spins).__name__
        raise DataError(f"expected spins of shape (batch, L_x, L_y), got {shape}")
    return spins


def energy_per_site(spins: torch.Tensor, coupling: float = 1.0) -> torch.Tensor:
    """:math:`E/N = -\\tfrac{J}{N}\\sum_{\\langle ij\\rangle} s_i s_j` per lattice (float64).

    >>> energy_per_site(torch.ones(1, 4, 4)).item()
    -2.0
    """
    s = _check_spins(spins).to(torch.float64)
    bonds = s * torch.roll(s, 1, dims=1) + s * torch.roll(s, 1, dims=2)
    return -coupling * bonds.sum(dim=(1, 2)) / (s.shape[1] * s.shape[2])


def magnetization(spins: torch.Tensor) -> torch.Tensor:
    """:math:`m = \\tfrac1N \\sum_i s_i` per lattice (float64)."""
    return _check_spins(spins).to(torch.float64).mean(dim=(1, 2))


def sites_from_lattices(lattices: torch.Tensor) -> torch.Tensor:
    """Values on lattices ``(batch, L_x, L_y)`` → rows ``(batch, L_x L_y)`` in the sites of
    :class:`~qgen.lattice.Square` (``(x, y)`` is site ``x + L_x y``)."""
    return lattices.transpose(1, 2).reshape(lattices.shape[0], -1)


def lattices_from_sites(rows: torch.Tensor, size: int | str | tuple[int, int]) -> torch.Tensor:
    """The inverse of :func:`sites_from_lattices` for lattices of ``size``."""
    lx, ly = lattice_shape(size)
    if rows.dim() != 2 or rows.shape[1] != lx * ly:
        raise DataError(f"expected rows of shape (batch, {lx * ly}), got {tuple(rows.shape)}")
    return rows.reshape(-1, ly, lx).transpose(1, 2)


def configs_from_spins(spins: torch.Tensor) -> torch.Tensor:
    """±1 lattices ``(batch, L_x, L_y)`` → configurations ``(batch, n_sites)`` in {0, 1},
    site ``x + L_x y`` for the spin at ``(x, y)`` (the lattice's numbering).

    >>> spins = torch.tensor([[[1, 1, 1], [-1, 1, 1]]])  # L_x = 2, L_y = 3; (1, 0) down
    >>> configs_from_spins(spins).tolist()
    [[0, 1, 0, 0, 0, 0]]
    """
    return sites_from_lattices((1 - _check_spins(spins).to(torch.int64)) // 2)


def spins_from_configs(configs: torch.Tensor, size: int | str | tuple[int, int]) -> torch.Tensor:
    """Configurations ``(batch, n_sites)`` in {0, 1} → ±1 lattices (float), shape ``size``."""
    return lattices_from_sites(1.0 - 2.0 * configs.to(torch.float32), size)


def lattice_symmetries(size: int | str | tuple[int, int]) -> torch.Tensor:
    """The symmetries of the periodic :math:`L_x \\times L_y` lattice as site permutations
    of configurations ``(batch, L_x L_y)``: the space group of
    :class:`~qgen.lattice.Square` (every translation composed with every point operation
    that maps the lattice onto itself: the 8 of :math:`D_4` when :math:`L_x = L_y`, else
    the 4 of :math:`D_2`).

    Returns a ``(G, L_x L_y)`` integer tensor whose row ``g`` gives, for each site, the
    site whose value it takes: ``configs[:, perms[g]]`` is the transformed configuration.
    Row 0 is the identity; the Ising energy and ``|m|`` are invariant under every row.

    >>> lattice_symmetries("8x8").shape, lattice_symmetries("4x6").shape
    (torch.Size([512, 64]), torch.Size([96, 24]))
    """
    lx, ly = lattice_shape(size)
    return torch.as_tensor(Square(lx, ly).space_group(), dtype=torch.long)


class _Chains:
    """Independent chains started from random (infinite-temperature) spins."""

    def __init__(
        self,
        size: int | str | tuple[int, int],
        temperature: float,
        n_chains: int,
        coupling: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> None:
        require_int(n_chains, "number of chains", minimum=1, error=DataError)
        self.shape = lattice_shape(size)
        self.temperature = _check_temperature(temperature)
        self.coupling = float(coupling)
        self.generator = generator
        bits = torch.randint(0, 2, (n_chains, *self.shape), generator=generator)
        self.spins = (1 - 2 * bits).to(torch.float32)


class CheckerboardMetropolis(_Chains):
    """Metropolis sweeps, one checkerboard sublattice at a time, over all chains at once.

    A flip of :math:`s_i` changes the energy by :math:`\\Delta E = 2 J s_i h_i` with
    :math:`h_i` the sum of the four neighbours, and is accepted with probability
    :math:`\\min(1, e^{-\\Delta E/T})`. The lengths must be even (periodic checkerboard).
    """

    def __init__(
        self,
        size: int | str | tuple[int, int],
        temperature: float,
        n_chains: int,
        coupling: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(size, temperature, n_chains, coupling, generator)
        if self.shape[0] % 2 or self.shape[1] % 2:
            raise DataError(f"checkerboard updates need even lengths, got {self.shape}")
        rows = torch.arange(self.shape[0])[:, None]
        cols = torch.arange(self.shape[1])[None, :]
        self._colors = [((rows + cols) % 2 == c) for c in (0, 1)]

    def sweep(self, n_sweeps: int = 1) -> torch.Tensor:
        """Run ``n_sweeps`` full sweeps; returns the spins (shared, not copied)."""
        beta = 1.0 / self.temperature
        for _ in range(n_sweeps):
            for color in self._colors:
                s = self.spins
                field = (
                    torch.roll(s, 1, 1)
                    + torch.roll(s, -1, 1)
                    + torch.roll(s, 1, 2)
                    + torch.roll(s, -1, 2)
                )
                delta = 2.0 * self.coupling * s * field
                uniform = torch.rand(s.shape, dtype=s.dtype, generator=self.generator)
                flip = color & (uniform < torch.exp(-beta * delta))
                self.spins = torch.where(flip, -s, s)
        return self.spins


class WolffCluster(_Chains):
    """Wolff single-cluster updates, one cluster per chain per step, grown in parallel.

    From a random seed site, each bond to an aligned neighbour outside the cluster joins
    it with probability :math:`p = 1 - e^{-2J/T}` (each bond is tried once); the cluster is
    then flipped, which is always accepted (Wolff 1989). Ferromagnetic ``coupling`` only.
    """

    def __init__(
        self,
        size: int | str | tuple[int, int],
        temperature: float,
        n_chains: int,
        coupling: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(size, temperature, n_chains, coupling, generator)
        if self.coupling <= 0:
            raise DataError(f"Wolff clusters need a ferromagnetic coupling J > 0, got {coupling}")
        self.bond_probability = 1.0 - math.exp(-2.0 * self.coupling / self.temperature)

    def step(self, n_steps: int = 1) -> torch.Tensor:
        """Flip ``n_steps`` clusters per chain; returns the spins.

        The bonds are drawn first (each aligned bond active with probability p), and the
        cluster is the seed's connected component (:mod:`scipy.sparse.csgraph`): the same
        law as trying each bond once as the cluster grows to it.
        """
        n_chains, (lx, ly) = self.spins.shape[0], self.shape
        for _ in range(n_steps):
            s = self.spins
            active = []
            for dim in (1, 2):
                uniform = torch.rand(s.shape, dtype=s.dtype, generator=self.generator)
                active.append((s == torch.roll(s, -1, dim)) & (uniform < self.bond_probability))
            seed = torch.randint(0, lx * ly, (n_chains,), generator=self.generator)
            labels = _bond_components(active[0], active[1])
            chosen = labels.reshape(n_chains, -1)[torch.arange(n_chains), seed]
            cluster = labels == chosen[:, None, None]
            self.spins = torch.where(cluster, -s, s)
        return self.spins


def _bond_components(down: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
    """Connected-component labels ``(chains, L_x, L_y)`` of the active-bond graph.

    ``down[c, i, j]`` joins site (i, j) to (i + 1, j), ``right`` to (i, j + 1), periodic.
    """
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n_chains, lx, ly = down.shape
    index = np.arange(n_chains * lx * ly).reshape(n_chains, lx, ly)
    sources, targets = [], []
    for bond, neighbour in ((down, np.roll(index, -1, 1)), (right, np.roll(index, -1, 2))):
        mask = bond.numpy()
        sources.append(index[mask])
        targets.append(neighbour[mask])
    rows, cols = np.concatenate(sources), np.concatenate(targets)
    n = index.size
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return torch.from_numpy(labels.reshape(n_chains, lx, ly))


def sample_ising(
    size: int | str | tuple[int, int],
    temperature: float,
    n_samples: int,
    *,
    method: str = "hybrid",
    n_chains: int | None = None,
    thermalization: int = 200,
    spacing: int = 5,
    coupling: float = 1.0,
    seed: int = 0,
) -> torch.Tensor:
    """Equilibrium spin lattices ``(n_samples, L_x, L_y)`` (int8, ±1) at ``temperature``.

    ``n_chains`` chains (default ``min(n_samples, 512)``) are thermalized for
    ``thermalization`` steps and then recorded every ``spacing`` steps. A step is one
    checkerboard sweep (``"metropolis"``), one Wolff cluster (``"wolff"``), or both
    (``"hybrid"``, the default: local moves plus cluster moves decorrelate at every T).
    Same ``seed``, same samples. Sample ``k`` comes from chain ``k mod n_chains`` (one
    record of every chain, then the next): samples of one chain are correlated, those of
    different chains independent, so error bars come from per-chain means.

    >>> sample_ising("4x4", 2.5, 3, seed=1).shape
    torch.Size([3, 4, 4])
    """
    if method not in ("metropolis", "wolff", "hybrid"):
        raise DataError(f"unknown Ising method {method!r}; expected metropolis, wolff or hybrid")
    require_int(n_samples, "number of samples", minimum=1, error=DataError)
    chains = min(n_samples, 512) if n_chains is None else n_chains
    generator = torch.Generator().manual_seed(seed)
    local = CheckerboardMetropolis(size, temperature, chains, coupling, generator)
    cluster = (
        WolffCluster(size, temperature, chains, coupling, generator)
        if method != "metropolis"
        else None
    )

    def advance(n: int) -> None:
        for _ in range(n):
            if method != "wolff":
                local.sweep()
            if cluster is not None:
                cluster.spins = local.spins
                local.spins = cluster.step()

    advance(thermalization)
    recorded = []
    total = 0
    while total < n_samples:
        advance(spacing)
        recorded.append(local.spins.clone())
        total += chains
    return torch.cat(recorded)[:n_samples].to(torch.int8)


@dataclass(frozen=True)
class IsingAverages:
    """Exact thermal averages per site: energy, its square, |m| and m²."""

    energy_per_site: float
    energy_squared: float
    abs_magnetization: float
    magnetization_squared: float


def exact_averages(
    size: int | str | tuple[int, int], temperature: float, coupling: float = 1.0
) -> IsingAverages:
    """Thermal averages by enumeration of all :math:`2^N` states (N ≤ 20).

    >>> exact = exact_averages(3, 1e-3)  # ground state: all spins aligned
    >>> round(exact.energy_per_site, 6), round(exact.abs_magnetization, 6)
    (-2.0, 1.0)
    """
    lx, ly = lattice_shape(size)
    temperature = _check_temperature(temperature)
    n = lx * ly
    if n > 20:
        raise DataError(f"exact enumeration is limited to 20 sites, got {lx}x{ly} = {n}")
    states = torch.arange(2**n, dtype=torch.int64)
    bits = (states[:, None] >> torch.arange(n - 1, -1, -1)) & 1
    spins = (1 - 2 * bits).to(torch.float64).reshape(-1, lx, ly)
    e = energy_per_site(spins, coupling)
    m = magnetization(spins)
    weights = torch.softmax(-e * n / temperature, dim=0)
    return IsingAverages(
        energy_per_site=float((weights * e).sum()),
        energy_squared=float((weights * e**2).sum()),
        abs_magnetization=float((weights * m.abs()).sum()),
        magnetization_squared=float((weights * m**2).sum()),
    )


def onsager_energy_per_site(temperature: float, coupling: float = 1.0) -> float:
    """Onsager's energy per site of the infinite square lattice (J > 0):

    .. math:: u = -J \\coth 2K \\left[1 + \\tfrac{2}{\\pi}(2\\tanh^2 2K - 1) K_1(k)\\right],
              \\quad k = \\frac{2 \\sinh 2K}{\\cosh^2 2K}, \\quad K = J/T,

    with :math:`K_1` the complete elliptic integral of the first kind (Onsager 1944).

    >>> round(onsager_energy_per_site(CRITICAL_TEMPERATURE), 6)  # -√2
    -1.414214
    """
    from scipy.special import ellipk

    coupling = _check_ferromagnetic(coupling, "Onsager's energy")
    big_k = coupling / _check_temperature(temperature)
    k = 2.0 * math.sinh(2 * big_k) / math.cosh(2 * big_k) ** 2
    prefactor = 2.0 * math.tanh(2 * big_k) ** 2 - 1.0
    # At T_c, k = 1 and K_1 diverges logarithmically while the prefactor vanishes linearly.
    elliptic = float(ellipk(k * k)) if k < 1.0 else 0.0
    factor = 1.0 + (2.0 / math.pi) * prefactor * elliptic if abs(prefactor) > 1e-12 else 1.0
    return -coupling / math.tanh(2 * big_k) * factor


def onsager_entropy_per_site(temperature: float, coupling: float = 1.0) -> float:
    """Entropy per site of the infinite lattice, by thermodynamic integration of
    Onsager's energy over the inverse temperature:

    .. math:: s(\\beta) = \\log 2 + \\beta u(\\beta) - \\int_0^\\beta u(\\beta')\\, d\\beta',

    (from :math:`\\partial_\\beta s = \\beta\\, \\partial_\\beta u` and
    :math:`s(0) = \\log 2`); the integral is adaptive quadrature with a break point at
    :math:`\\beta_c`. :math:`N s` is the entropy of the Boltzmann distribution of N spins up
    to finite-size corrections, so no model's held-out NLL can lie below it.

    >>> round(onsager_entropy_per_site(1e6), 6)  # T → ∞
    0.693147
    >>> onsager_entropy_per_site(0.3) < 1e-8  # T → 0
    True
    """
    from scipy.integrate import quad

    coupling = _check_ferromagnetic(coupling, "Onsager's entropy")
    beta = 1.0 / _check_temperature(temperature)
    beta_c = 1.0 / (CRITICAL_TEMPERATURE * coupling)

    def energy(b: float) -> float:
        return onsager_energy_per_site(1.0 / b, coupling) if b > 0 else 0.0

    points = [beta_c] if beta > beta_c else None
    integral, _ = quad(energy, 0.0, beta, points=points, limit=200, epsabs=1e-12)
    return math.log(2.0) + beta * energy(beta) - integral


def onsager_magnetization(temperature: float, coupling: float = 1.0) -> float:
    """Yang's spontaneous magnetization :math:`(1 - \\sinh^{-4} 2K)^{1/8}` below
    :math:`T_c`, zero above (Yang 1952).

    >>> onsager_magnetization(3.0)
    0.0
    """
    coupling = _check_ferromagnetic(coupling, "Yang's magnetization")
    big_k = coupling / _check_temperature(temperature)
    value = 1.0 - math.sinh(2 * big_k) ** -4
    return value**0.125 if value > 0 else 0.0
