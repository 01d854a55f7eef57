"""``qgen ed``: exact ground-state energies of a system."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from qgen.cli.system_args import add_system_arguments, system_from_arguments
from qgen.errors import ConfigError, QgenError
from qgen.exact.diagonalize import METHODS, diagonalize
from qgen.exact.formulas import bethe_ansatz_energy_per_site, tfim_chain_ground_energy
from qgen.system import System, load_toml

__all__ = ["add_parser", "reference_energy", "run"]


def add_parser(subparsers: Any, name: str) -> None:
    """Register ``qgen ed`` and its flags."""
    parser = subparsers.add_parser(
        name,
        help="exact diagonalization of a system",
        description=(
            "Lowest energies by exact diagonalization (Lanczos, or dense for small spaces). "
            "With no flags: the Heisenberg chain of 16 sites, periodic."
        ),
    )
    add_system_arguments(parser)
    group = parser.add_argument_group("diagonalization")
    group.add_argument("--k", type=int, help="number of lowest states (default 1)")
    group.add_argument("--method", choices=METHODS, help="default: auto")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout (logs go to stderr)"
    )
    parser.set_defaults(run=run)


def reference_energy(system: System) -> dict[str, Any] | None:
    """A closed-form energy for the system, where one is known."""
    p = system.parameters
    if system.lattice != "chain":
        return None
    n = system.size[0]
    if system.hamiltonian == "tfim":
        try:
            energy = tfim_chain_ground_energy(n, h=p["h"], J=p["J"], periodic=system.periodic)
        except QgenError:
            return None
        return {"method": "free fermions (Pfeuty 1970)", "energy": energy, "exact": True}
    if system.hamiltonian == "heisenberg" and p["J"] > 0:
        per_site = bethe_ansatz_energy_per_site(p["J"])
        return {
            "method": "Bethe ansatz, infinite chain (per site)",
            "energy_per_site": per_site,
            "exact": False,
        }
    return None


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _ed_options(args: argparse.Namespace) -> tuple[int, str]:
    """``k`` and ``method`` from flags over the config file's ``[ed]`` table."""
    table: dict[str, Any] = {}
    if args.config is not None:
        table = load_toml(args.config).get("ed", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{args.config}: expected [ed] to be a table, got {table!r}")
        unknown = sorted(set(table) - {"k", "method"})
        if unknown:
            raise ConfigError(f"{args.config} [ed]: unknown keys {unknown}; expected k, method")
    k = args.k if args.k is not None else table.get("k", 1)
    method = args.method if args.method is not None else table.get("method", "auto")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ConfigError(f"expected a positive integer k, got {k!r}")
    if method not in METHODS:
        raise ConfigError(f"expected method in {METHODS}, got {method!r}")
    return k, method


def run(args: argparse.Namespace) -> int:
    """Diagonalize and report; returns the exit code."""
    system = system_from_arguments(args)
    k, method = _ed_options(args)
    lattice = system.build_lattice()
    hamiltonian = system.build_hamiltonian(lattice)
    _log(f"qgen ed: {system.describe()}")
    start = time.perf_counter()
    spectrum = diagonalize(hamiltonian, k, sector=system.sector, method=method, return_states=False)
    seconds = time.perf_counter() - start
    space = "full space" if spectrum.sector is None else f"S^z = {spectrum.sector.magnetization:g}"
    _log(f"qgen ed: {space}, dimension {spectrum.dimension:,}, {spectrum.method}, {seconds:.2f} s")

    n = system.n_sites
    energies = [float(e) for e in spectrum.energies]
    reference = reference_energy(system)
    result: dict[str, Any] = {
        "energy": energies[0],
        "energy_per_site": energies[0] / n,
        "energies": energies,
        "n_sites": n,
        "dimension": spectrum.dimension,
        "sector": None if spectrum.sector is None else spectrum.sector.magnetization,
        "method": spectrum.method,
        "seconds": seconds,
        "system": system.to_table(),
        "reference": reference,
    }
    if args.json:
        print(json.dumps(result))
        return 0

    print(system.describe())
    print(f"  {space}, dimension {spectrum.dimension:,} ({spectrum.method}, {seconds:.2f} s)")
    for i, energy in enumerate(energies):
        gap = f"   gap {energy - energies[0]:.12f}" if i else ""
        print(f"  E{i} = {energy:.12f}   E{i}/N = {energy / n:.12f}{gap}")
    if reference is not None and "energy" in reference:
        print(
            f"  {reference['method']}: {reference['energy']:.12f} "
            f"(difference {energies[0] - reference['energy']:.1e})"
        )
    elif reference is not None:
        print(f"  {reference['method']}: {reference['energy_per_site']:.12f}")
    return 0
