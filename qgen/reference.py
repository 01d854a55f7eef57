"""Exact and tabulated ground-state energies for a :class:`~qgen.system.System`.

``exact_ground_energy`` returns, in order of preference (the Hamiltonian's registration,
:class:`~qgen.system.HamiltonianSpec`, says which apply):

1. a tabulated value from ``qgen/data/reference_energies.json`` (exact diagonalization,
   free fermions or quantum Monte Carlo, each with its source) when the system matches
   an entry exactly (same Hamiltonian, lattice, size, boundary and couplings), or a
   closed form for this finite system (the free-fermion energy of the Ising chain);
2. exact diagonalization by Lanczos when the space (or magnetization sector) is small
   enough (at most ``max_dimension`` states);
3. None.

A total energy is reported only where one is known for this very size; per-site values
of infinite systems are not used as references for a finite run.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from qgen.exact.diagonalize import diagonalize, ground_state
from qgen.hilbert import MAX_INDEXED_SITES, MagnetizationSector
from qgen.system import ReferenceEnergy, System

__all__ = ["exact_ground_energy", "ground_state_of", "tabulated_energy"]

DEFAULT_MAX_DIMENSION = 3_000_000
"""Largest space diagonalized on the fly (a 24-site chain's S^z = 0 sector: 2.7 M)."""


@cache
def _table() -> dict[str, dict[str, Any]]:
    text = resources.files("qgen.data").joinpath("reference_energies.json").read_text("utf-8")
    return {entry["key"]: entry for entry in json.loads(text)["entries"]}


def tabulated_energy(system: System) -> ReferenceEnergy | None:
    """The tabulated total ground-state energy of ``system``, if the table has it."""
    spec = system.spec
    key = None if spec is None or spec.table_key is None else spec.table_key(system)
    entry = _table().get(key) if key is not None else None
    if entry is None:
        return None
    if entry.get("E0") is not None:
        energy = float(entry["E0"])
    elif entry.get("E0_per_site") is not None and entry.get("n_sites") == system.n_sites:
        energy = float(entry["E0_per_site"]) * system.n_sites
    else:
        return None
    return ReferenceEnergy(energy, f"{entry['method']} ({entry['source']})")


def exact_ground_energy(
    system: System,
    magnetization: float | None = None,
    max_dimension: int = DEFAULT_MAX_DIMENSION,
) -> ReferenceEnergy | None:
    """The ground-state energy of ``system`` (in a magnetization sector, if given).

    A tabulated value is used for the full space, and for the ``S^z = 0`` sector of the
    Heisenberg-type models on an even number of sites, where the ground state lies
    (Lieb & Mattis, J. Math. Phys. 3, 749 (1962)).
    """
    n = system.n_sites
    spec = system.spec
    sector_holds_ground_state = magnetization is None or (
        magnetization == 0 and n % 2 == 0 and spec is not None and spec.zero_sector_ground_state
    )
    if sector_holds_ground_state:
        tabulated = tabulated_energy(system)
        if tabulated is not None:
            return tabulated
        closed_form = (
            None if spec is None or spec.exact_energy is None else spec.exact_energy(system)
        )
        if closed_form is not None:
            return closed_form
    if n > MAX_INDEXED_SITES:  # no basis index of that size: far beyond ED anyway
        return None
    dimension = 2**n if magnetization is None else MagnetizationSector(n, magnetization).dimension
    if dimension > max_dimension:
        return None
    hamiltonian = system.build_hamiltonian()
    spectrum = diagonalize(hamiltonian, 1, sector=magnetization, return_states=False)
    where = "full space" if magnetization is None else f"S^z = {magnetization:g}"
    return ReferenceEnergy(
        float(spectrum.energies[0]),
        f"exact diagonalization in qgen ({spectrum.method}, {where}, dimension {dimension:,})",
    )


def ground_state_of(system: System) -> np.ndarray:
    """The exact ground state of a system (as ``qgen ed`` builds it), normalized, full space.

    In the system's magnetization sector when it has one; with the sign rule when asked.
    """
    hamiltonian = system.build_hamiltonian()
    _, psi = ground_state(hamiltonian, sector=system.sector)
    return np.asarray(psi, dtype=np.complex128)
