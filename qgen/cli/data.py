"""``qgen data``: measurement data sets of exactly known states, for tomography.

The state is the exact ground state of a system (the flags of ``qgen ed``) or a named
state (``--state ghz|w|w-phases|product:<letters>``, ``--size`` sites). It is measured
``--samples`` times in each basis, exactly, and saved with its ψ beside the data::

    qgen data --hamiltonian tfim --lattice chain --size 10 --obc --samples 10000 --out tfim10
    qgen data --state w-phases --size 8 --pairwise --samples 2000 --out w8 --format qucumber

With ``--noise``, ``--povm`` or ``--readout-error`` the data are of a mixed state: the
density matrix after local channels on every qubit, saved as ``rho.npy`` beside the
measurements (Pauli bases, or ``--samples`` outcomes of a product POVM); GHZ is sampled
exactly at any size::

    qgen data --state ghz --size 3 --noise depolarizing:0.05 --bases all --samples 100 --out g3
    qgen data --state ghz --size 40 --noise depolarizing:0.05 --povm pauli4 --samples 20000 \\
        --out ghz40
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qgen._memory import check_memory
from qgen.cli import CATALOG
from qgen.cli.command import Command, Inputs
from qgen.errors import ConfigError, DataError
from qgen.exact.density import CHANNELS
from qgen.exact.named_states import STATES, named_state
from qgen.exact.povm import MAX_DENSE_SITES, POVMS, pauli_string_expectation
from qgen.exact.states import expectation
from qgen.options import Options, option
from qgen.reference import ground_state_of
from qgen.system import System
from qgen.tomography.bases import load_basis_list, pairwise_bases
from qgen.tomography.estimators import exact_values
from qgen.tomography.files import refuse_existing_dataset, save_dataset
from qgen.tomography.measurements import measure
from qgen.tomography.mixed_data import measure_mixed, noisy_state, parse_noise
from qgen.tomography.mixed_workflow import default_observables
from qgen.tomography.povm_files import save_povm_dataset, save_setting_dataset

__all__ = ["COMMAND", "MeasurementOptions", "parse_bases"]

_EXACT_VALUES_MAX_SITES = 20


@dataclass
class MeasurementOptions(Options):
    """The ``[measurements]`` table of ``qgen data``: what to measure and where to save it."""

    table = "measurements"

    state: str | None = option(
        None,
        f"a named state instead of a ground state: {', '.join(STATES)}, dicke:<k> (k "
        "excitations) or product:<letters> (letters 0 1 + - r l; one letter repeats); "
        "needs --size",
        group="data",
        default_help="the ground state of the system",
    )
    samples: int | None = option(None, "samples per basis (required)", minimum=1, group="data")
    bases: str | None = option(
        None,
        "comma-separated bases, one letter per site (ZZXX,ZZYY) or one letter for all "
        "sites; 'all': the 3^N Pauli settings",
        group="data",
        default_help="Z",
    )
    bases_file: str | None = option(
        None, "file of bases, one per line ('X Z Y' or 'XZY')", group="data"
    )
    pairwise: bool = option(
        False,
        "all-Z plus XX, XY, YX, YY on every neighbouring pair (i, i+1), Z elsewhere",
        group="data",
    )
    noise: str | None = option(
        None,
        "local channels on every qubit, in order: CHANNEL:P,... with CHANNEL one of "
        f"{', '.join(CHANNELS)} (a mixed state)",
        group="mixed state",
    )
    povm: str | None = option(
        None,
        "sample --samples outcomes of this product POVM instead of Pauli bases",
        choices=lambda: list(POVMS),
        group="mixed state",
    )
    readout_error: float = option(
        0.0,
        "probability that a measured bit is flipped (Pauli bases or --povm pauli6)",
        minimum=0.0,
        maximum=0.5,
        group="mixed state",
    )
    out: str | None = option(
        None, "directory of the data set (required; must not hold one)", group="data"
    )
    format: str = option("npz", "file format", choices=("npz", "qucumber"), group="data")
    seed: int = option(
        0,
        "seed of the samples (and of random phases)",
        minimum=0,
        maximum=2**63 - 1,
        group="data",
    )

    def check(self) -> None:
        if self.samples is None:
            raise ConfigError("--samples: expected a positive number per basis, got none")
        if self.out is None:
            raise ConfigError("--out: expected the directory of the data set, got none")
        given = [name for name in ("bases", "bases_file") if getattr(self, name) is not None]
        given += ["pairwise"] if self.pairwise else []
        given += ["povm"] if self.povm is not None else []
        if len(given) > 1:
            raise ConfigError(
                "choose one of --bases, --bases-file, --pairwise and --povm, got "
                f"{', '.join(given)}"
            )
        parse_noise(self.noise)

    @property
    def mixed(self) -> bool:
        """Whether the data are of a mixed state (noise) or of a POVM."""
        return bool(parse_noise(self.noise)) or self.povm is not None or self.readout_error > 0


def parse_bases(text: str, n_sites: int) -> list[str]:
    """``"Z"`` → ``["ZZ…Z"]``; ``"ZZXX,ZZYY"`` → both; each one letter per site or one
    letter for every site.

    Raises:
        ConfigError: letters other than X/Y/Z, or a basis of the wrong length.
    """
    if text.strip().lower() == "all":
        if n_sites > 8:
            raise ConfigError(f"--bases all: 3^N settings, expected N <= 8, got N = {n_sites}")
        return ["".join(letters) for letters in itertools.product("XYZ", repeat=n_sites)]
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


def _target(
    options: MeasurementOptions, system: System, given: set[str]
) -> tuple[int, bool, Callable[[], np.ndarray]]:
    """The number of sites, whether the system is periodic, and how to build the state
    (validated now, built later, so that bad flags fail before any expensive work)."""
    if options.state is None:
        system.build_lattice()  # a size that does not fit the lattice fails here
        return system.n_sites, system.periodic, lambda: ground_state_of(system)
    extra = sorted(given - {"size"})
    if extra:
        raise ConfigError(
            f"--state {options.state} takes only --size from the system; got {', '.join(extra)}"
        )
    if "size" not in given:
        raise ConfigError(f"--state {options.state} needs --size (the number of sites)")
    if options.mixed and options.state == "ghz" and system.n_sites > MAX_DENSE_SITES:
        return system.n_sites, False, lambda: np.empty(0)  # the product sum needs no vector
    psi = named_state(options.state, system.n_sites, seed=options.seed)  # fails early on names
    return system.n_sites, False, lambda: psi


def _handle(inputs: Inputs) -> dict[str, Any]:
    options = inputs.tables["measurements"]
    assert isinstance(options, MeasurementOptions)
    assert inputs.system is not None
    assert options.out is not None  # MeasurementOptions.check
    assert options.samples is not None
    out = Path(options.out)
    try:
        refuse_existing_dataset(out)
    except DataError as error:
        raise DataError(f"--out: {error}") from None
    n_sites, periodic, build_state = _target(options, inputs.system, inputs.system_keys)
    if options.povm is not None:
        bases = []
    elif options.pairwise:
        bases = pairwise_bases(n_sites, periodic=periodic)
    elif options.bases_file is not None:
        bases = load_basis_list(options.bases_file, n_sites)
    else:
        bases = parse_bases(options.bases or "Z", n_sites)
    n_rows = options.samples * max(len(bases), 1)
    check_memory(
        4 * n_rows * n_sites * 8,
        f"{n_rows:,} measurements of {n_sites} sites",
        hint="use fewer --samples",
    )
    if options.state is None:
        inputs.log(f"qgen data: ground state of the {inputs.system.describe()}")
    start = time.perf_counter()
    psi = build_state()
    if options.state is None:
        inputs.log(f"qgen data: exact diagonalization in {time.perf_counter() - start:.2f} s")
        energy = complex(expectation(inputs.system.build_hamiltonian(), psi)).real
        info: dict[str, Any] = {
            "state": "ground state",
            "system": inputs.system.to_table(),
            "energy": energy,
        }
    else:
        info = {"state": options.state, "system": None}
    if options.mixed:
        return _mixed(options, psi, n_sites, bases, info, inputs)
    start = time.perf_counter()
    data = measure(psi, bases, options.samples, seed=options.seed)
    seconds = time.perf_counter() - start
    inputs.log(
        f"qgen data: {data.n_samples:,} samples in {len(bases)} bases "
        f"({options.samples:,} each, {seconds:.2f} s)"
    )
    exact = exact_values(psi) if n_sites <= _EXACT_VALUES_MAX_SITES else None
    info.update({"samples_per_basis": options.samples, "seed": options.seed, "exact": exact})
    try:
        files = save_dataset(data, out, options.format, bases=bases, info=info)
    except DataError as error:
        raise DataError(f"--out: {error}") from None
    return {
        "command": "data",
        "run_directory": str(out),
        "format": options.format,
        "n_samples": data.n_samples,
        "n_sites": n_sites,
        "bases": bases,
        **info,
        "files": {key: str(path) for key, path in files.items()},
    }


def _mixed(
    options: MeasurementOptions,
    psi: np.ndarray,
    n_sites: int,
    bases: list[str],
    info: dict[str, Any],
    inputs: Inputs,
) -> dict[str, Any]:
    """Measure the noisy state (its matrix, or GHZ's product sum beyond 12 qubits)."""
    assert options.out is not None
    assert options.samples is not None
    noise = parse_noise(options.noise)
    large_ghz = options.state == "ghz" and n_sites > MAX_DENSE_SITES
    state = noisy_state(None if large_ghz else psi, noise, ghz_sites=n_sites if large_ghz else None)
    start = time.perf_counter()
    data = measure_mixed(
        state,
        samples=options.samples,
        povm=options.povm,
        bases=bases,
        readout_error=options.readout_error,
        seed=options.seed,
    )
    seconds = time.perf_counter() - start
    what = f"{options.povm} outcomes" if options.povm else f"shots in {len(bases)} settings"
    inputs.log(f"qgen data: {data.n_samples:,} {what} ({seconds:.2f} s)")
    observables = default_observables(n_sites)
    if large_ghz:
        exact = {pauli: state.pauli_expectation(pauli) for pauli in observables}
    else:
        exact = {pauli: pauli_string_expectation(state, pauli) for pauli in observables}
    info.update(
        {
            "noise": [{"channel": name, "probability": p} for name, p in noise],
            "readout_error": options.readout_error,
            "seed": options.seed,
            "exact_observables": exact,
        }
    )
    out = Path(options.out)
    try:
        if options.povm is not None:
            info["samples"] = options.samples
            files = save_povm_dataset(data, out, info)
        else:
            info["samples_per_basis"] = options.samples
            files = save_setting_dataset(data, out, options.format, bases, info)
    except DataError as error:
        raise DataError(f"--out: {error}") from None
    return {
        "command": "data",
        "run_directory": str(out),
        "format": "npz" if options.povm else options.format,
        "povm": data.povm,
        "n_samples": data.n_samples,
        "n_sites": n_sites,
        "n_bases": len(bases),
        "bases": bases[:50],
        **info,
        "exact": None,
        "files": {key: str(path) for key, path in files.items()},
    }


def _report(result: dict[str, Any]) -> None:
    if result.get("povm") is not None and not result["bases"]:
        what = f"{result['povm']} outcomes"
    else:
        what = f"measurements in {result.get('n_bases', len(result['bases']))} bases"
    where = result["run_directory"]
    print(f"{result['n_samples']:,} {what} of {result['n_sites']} sites -> {where}")
    for key, path in result["files"].items():
        print(f"  {key:13s} {path}")
    for pauli, value in result.get("exact_observables", {}).items():
        print(f"  exact <{pauli}> = {value:+.6f}")
    exact = result["exact"]
    if exact is not None:
        curve = ", ".join(f"{value:.4f}" for value in exact["renyi2"].values())
        print(f"  exact: <sx> = {exact['sx']:.6f}, <sy> = {exact['sy']:.6f}, S2(l) = {curve}")


COMMAND = Command(
    name="data",
    help=CATALOG["data"],
    description=(
        "Exact projective measurements of a ground state (system flags as for qgen ed) "
        "or a named state, in the Z basis or a list of Pauli bases, saved with the "
        "exact psi beside them."
    ),
    tables=(MeasurementOptions,),
    handler=_handle,
    report=_report,
    system=True,
    run_options=("json", "device"),
)
