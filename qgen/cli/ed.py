"""``qgen ed``: exact ground-state energies of a system."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from qgen.cli import CATALOG
from qgen.cli.command import Command, Inputs
from qgen.errors import ConfigError
from qgen.exact.diagonalize import METHODS, check_diagonalization_size, diagonalize
from qgen.options import Options, option
from qgen.system import System

__all__ = ["COMMAND", "EDOptions", "reference_energy"]


@dataclass
class EDOptions(Options):
    """The ``[ed]`` table: how many states and how."""

    table = "ed"

    k: int = option(1, "number of lowest states", minimum=1, group="diagonalization")
    method: str = option(
        "auto",
        "eigensolver (auto: dense for small spaces, else Lanczos)",
        choices=METHODS,
        group="diagonalization",
    )


def reference_energy(system: System) -> dict[str, Any] | None:
    """A closed-form energy for the system where its registration knows one: exact for
    this finite system, or per site in the infinite one."""
    spec = system.spec
    if spec is None:
        return None
    exact = spec.exact_energy(system) if spec.exact_energy is not None else None
    if exact is not None:
        return {"method": exact.source, "energy": exact.energy, "exact": True}
    limit = spec.limit(system) if spec.limit is not None else None
    if limit is not None:
        return {"method": limit[0], "energy_per_site": limit[1], "exact": False}
    return None


def _handle(inputs: Inputs) -> dict[str, Any]:
    system = inputs.system
    assert system is not None
    options = inputs.tables["ed"]
    assert isinstance(options, EDOptions)
    lattice = system.build_lattice()
    check_diagonalization_size(system.n_sites, system.sector, options.k)  # before O(N^2) work
    hamiltonian = system.build_hamiltonian(lattice)
    inputs.log(f"qgen ed: {system.describe()}")
    start = time.perf_counter()
    spectrum = diagonalize(
        hamiltonian, options.k, sector=system.sector, method=options.method, return_states=False
    )
    seconds = time.perf_counter() - start
    space = "full space" if spectrum.sector is None else f"S^z = {spectrum.sector.magnetization:g}"
    inputs.log(
        f"qgen ed: {space}, dimension {spectrum.dimension:,}, {spectrum.method}, {seconds:.2f} s"
    )
    n = system.n_sites
    energies = [float(e) for e in spectrum.energies]
    if not all(math.isfinite(e) for e in energies):
        raise ConfigError(
            f"the energies overflowed to {energies[0]}: expected couplings whose sums stay "
            f"finite in double precision, got {system.describe()}"
        )
    return {
        "command": "ed",
        "description": system.describe(),
        "space": space,
        "energy": energies[0],
        "energy_per_site": energies[0] / n,
        "energies": energies,
        "units": {"energy": "J"},
        "n_sites": n,
        "dimension": spectrum.dimension,
        "sector": None if spectrum.sector is None else spectrum.sector.magnetization,
        "method": spectrum.method,
        "seconds": seconds,
        "system": system.to_table(),
        "reference": reference_energy(system),
    }


def _report(result: dict[str, Any]) -> None:
    print(result["description"])
    print(
        f"  {result['space']}, dimension {result['dimension']:,} "
        f"({result['method']}, {result['seconds']:.2f} s)"
    )
    energies, n = result["energies"], result["n_sites"]
    for i, energy in enumerate(energies):
        gap = f"   gap {energy - energies[0]:.12f}" if i else ""
        print(f"  E{i} = {energy:.12f}   E{i}/N = {energy / n:.12f}{gap}")
    reference = result["reference"]
    if reference is not None and "energy" in reference:
        print(
            f"  {reference['method']}: {reference['energy']:.12f} "
            f"(difference {energies[0] - reference['energy']:.1e})"
        )
    elif reference is not None:
        print(f"  {reference['method']}: {reference['energy_per_site']:.12f}")


COMMAND = Command(
    name="ed",
    help=CATALOG["ed"],
    description=(
        "Lowest energies by exact diagonalization (Lanczos, or dense for small spaces). "
        "With no flags: the Heisenberg chain of 16 sites, periodic."
    ),
    tables=(EDOptions,),
    handler=_handle,
    report=_report,
    system=True,
    run_options=("json", "device"),
    cpu_reason=" (exact diagonalization uses SciPy's sparse eigensolvers)",
)
