"""``qgen data``: measurement data sets of exactly known states, for tomography.

The state is the exact ground state of a system (the flags of ``qgen ed``) or a named
state (``--state ghz|w|w-phases|product:<letters>``, ``--size`` sites). It is measured
``--samples`` times in each basis, exactly, and saved with its ψ beside the data::

    qgen data --hamiltonian tfim --lattice chain --size 10 --obc --samples 10000 --out tfim10
    qgen data --state w-phases --size 8 --pairwise --samples 2000 --out w8 --format qucumber
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from qgen.cli.system_args import (
    add_system_arguments,
    system_from_arguments,
    system_table_from_arguments,
)
from qgen.errors import ConfigError, DataError, QgenError
from qgen.exact.states import expectation
from qgen.lattice import parse_size
from qgen.runs import to_json
from qgen.system import System
from qgen.tomography.data import measure, refuse_existing_dataset, save_dataset
from qgen.tomography.estimators import exact_values
from qgen.tomography.states import (
    STATES,
    ground_state_of,
    load_basis_list,
    named_state,
    pairwise_bases,
)

__all__ = ["add_parser", "parse_bases", "run"]

_EXACT_VALUES_MAX_SITES = 20


def add_parser(subparsers: Any, name: str) -> None:
    """Register ``qgen data`` and its flags."""
    parser = subparsers.add_parser(
        name,
        help="measurement data of an exactly known state (for tomography)",
        description=(
            "Exact projective measurements of a ground state (system flags as for qgen ed) "
            "or a named state, in the Z basis or a list of Pauli bases, saved with the "
            "exact psi beside them."
        ),
    )
    add_system_arguments(parser)
    group = parser.add_argument_group("data")
    group.add_argument(
        "--state",
        help=f"a named state instead of a ground state: {', '.join(STATES)} or "
        "product:<letters> (letters 0 1 + - r l; one letter repeats); needs --size",
    )
    group.add_argument("--samples", type=int, required=True, help="samples per basis")
    bases = group.add_mutually_exclusive_group()
    bases.add_argument(
        "--bases",
        help="comma-separated bases, one letter per site (ZZXX,ZZYY) or one letter for all "
        "sites (default: Z)",
    )
    bases.add_argument("--bases-file", help="file of bases, one per line ('X Z Y' or 'XZY')")
    bases.add_argument(
        "--pairwise",
        action="store_true",
        help="all-Z plus XX, XY, YX, YY on every neighbouring pair (i, i+1), Z elsewhere",
    )
    group.add_argument("--out", required=True, help="directory of the data set (must not hold one)")
    group.add_argument("--format", choices=("npz", "qucumber"), default="npz", help="default npz")
    group.add_argument("--seed", type=int, default=0, help="seed of the samples (and phases)")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout (logs go to stderr)"
    )
    parser.set_defaults(run=run)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_bases(text: str, n_sites: int) -> list[str]:
    """``"Z"`` → ``["ZZ…Z"]``; ``"ZZXX,ZZYY"`` → both; each one letter per site or one
    letter for every site.

    Raises:
        ConfigError: letters other than X/Y/Z, or a basis of the wrong length.
    """
    bases = []
    for item in text.split(","):
        basis = item.strip()
        if len(basis) == 1:
            basis *= n_sites
        if len(basis) != n_sites or set(basis) - set("XYZ"):
            raise ConfigError(
                f"--bases: expected bases of {n_sites} letters from X, Y, Z (or one letter "
                f"for every site), separated by commas; got {item.strip()!r}"
            )
        bases.append(basis)
    return bases


def _target(args: argparse.Namespace) -> tuple[int, bool, Callable[[], np.ndarray]]:
    """The number of sites, whether the system is periodic, and how to build the state
    (validated now, built later, so that bad flags fail before any expensive work)."""
    table, source = system_table_from_arguments(args)
    if args.state is None:
        system = System.from_mapping(table, source=source)
        system.build_lattice()  # a size that does not fit the lattice fails here
        return system.n_sites, system.periodic, lambda: _ground_state(system)
    extra = sorted(set(table) - {"size"})
    if extra:
        raise ConfigError(
            f"--state {args.state} takes only --size from the system; got {', '.join(extra)} "
            f"({source})"
        )
    if "size" not in table:
        raise ConfigError(f"--state {args.state} needs --size (the number of sites)")
    try:
        n_sites = math.prod(parse_size(table["size"]))
    except QgenError as error:
        raise ConfigError(f"--size: {error}") from None
    psi = named_state(args.state, n_sites, seed=args.seed)  # cheap: fails early on bad names
    return n_sites, False, lambda: psi


def _ground_state(system: System) -> np.ndarray:
    _log(f"qgen data: ground state of the {system.describe()}")
    start = time.perf_counter()
    psi = ground_state_of(system)
    _log(f"qgen data: exact diagonalization in {time.perf_counter() - start:.2f} s")
    return psi


def _describe_state(args: argparse.Namespace, psi: np.ndarray) -> dict[str, Any]:
    if args.state is not None:
        return {"state": args.state, "system": None}
    system = system_from_arguments(args)
    energy = complex(expectation(system.build_hamiltonian(), psi)).real
    return {"state": "ground state", "system": system.to_table(), "energy": energy}


def run(args: argparse.Namespace) -> int:
    """Measure, save, report; returns the exit code."""
    if isinstance(args.samples, bool) or args.samples is None or args.samples < 1:
        raise ConfigError(f"--samples: expected a positive number per basis, got {args.samples}")
    out = Path(args.out)
    try:
        refuse_existing_dataset(out)
    except DataError as error:
        raise DataError(f"--out: {error}") from None
    n_sites, periodic, build_state = _target(args)
    if args.pairwise:
        bases = pairwise_bases(n_sites, periodic=periodic)
    elif args.bases_file is not None:
        bases = load_basis_list(args.bases_file, n_sites)
    else:
        bases = parse_bases(args.bases or "Z", n_sites)
    psi = build_state()
    info = _describe_state(args, psi)
    start = time.perf_counter()
    data = measure(psi, bases, args.samples, seed=args.seed)
    seconds = time.perf_counter() - start
    _log(
        f"qgen data: {data.n_samples:,} samples in {len(bases)} bases "
        f"({args.samples:,} each, {seconds:.2f} s)"
    )
    exact = exact_values(psi) if n_sites <= _EXACT_VALUES_MAX_SITES else None
    info = {
        **info,
        "samples_per_basis": args.samples,
        "seed": args.seed,
        "exact": exact,
    }
    try:
        files = save_dataset(data, out, args.format, bases=bases, info=info)
    except DataError as error:
        raise DataError(f"--out: {error}") from None
    result: dict[str, Any] = {
        "out": str(out),
        "format": args.format,
        "n_samples": data.n_samples,
        "n_sites": n_sites,
        "bases": bases,
        **info,
        "files": {key: str(path) for key, path in files.items()},
    }
    if args.json:
        print(to_json(result))
        return 0
    print(f"{data.n_samples:,} measurements of {n_sites} sites in {len(bases)} bases -> {out}")
    for key, path in files.items():
        print(f"  {key:13s} {path}")
    if exact is not None:
        curve = ", ".join(f"{value:.4f}" for value in exact["renyi2"].values())
        print(f"  exact: <sx> = {exact['sx']:.6f}, <sy> = {exact['sy']:.6f}, S2(l) = {curve}")
    return 0
