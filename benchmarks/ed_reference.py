r"""Exact diagonalization against the shared reference energies.

For every entry of ``shared/reference/energies.json`` that exact diagonalization can
reach (``n_sites`` at most ``--max-sites``, 24 by default, and a key that names a system
qgen knows), this script builds the system with
:meth:`qgen.system.System.from_mapping`, finds its ground-state energy with
:func:`qgen.exact.diagonalize`, and compares it with the reference:

* Heisenberg and J1-J2 models conserve :math:`S^z`; their ground state lies in the
  :math:`S^z = 0` sector (SU(2)-symmetric antiferromagnets, even N), so they are
  diagonalized there;
* the transverse-field Ising model does not conserve :math:`S^z` and is diagonalized in
  the full :math:`2^N` space.

The reference is ``E0``, or ``E0_per_site · n_sites`` when only the energy per site is
given. The test passes when

.. math::  |E_{\mathrm{qgen}} - E_{\mathrm{ref}}| \le \mathrm{tol} \cdot |E_{\mathrm{ref}}|,
           \qquad \mathrm{tol} = \max\!\left(10^{-9},\;
           \frac{\tfrac12 \cdot 10^{-d}}{|E_{\mathrm{printed}}|}\right),

where :math:`d` is the number of decimals the file prints for the reference (half a unit
in its last digit): a reference given to fewer digits cannot be held to 1e-9. The file is
parsed with ``parse_float=Decimal`` so those digits survive.

Output: one JSON object per line on stdout: a ``"record": "meta"`` line (machine, date,
versions, commit), one ``"record": "entry"`` line per entry with ``"status"`` ``"pass"``,
``"fail"``, ``"error"`` or ``"skipped"``, and a ``"record": "summary"`` line; progress on
stderr. The exit code is 1 when any reached entry fails or errs.

``peak_rss_mib`` is the process's high-water mark so far, so it is one entry's own peak
only when that entry is the largest so far (or run alone with ``--keys``).

Usage::

    python benchmarks/ed_reference.py                      # every entry up to 24 sites
    python benchmarks/ed_reference.py --max-sites 20       # a quick run
    python benchmarks/ed_reference.py --keys j1j2_square_pbc_4x6_J2_0.5
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_REFERENCE",
    "ED_MAX_SITES",
    "RELATIVE_TOLERANCE",
    "check_energy",
    "load_reference",
    "reference_energy",
    "run_description",
    "system_table",
]

DEFAULT_REFERENCE = Path("/work/shared/reference/energies.json")
ED_MAX_SITES = 24
"""Largest system this benchmark diagonalizes (S^z = 0 of 24 sites: 2,704,156 states)."""
RELATIVE_TOLERANCE = 1e-9
"""Relative tolerance for references printed with enough digits."""

# heisenberg_chain_pbc_N20, j1j2_square_pbc_4x6_J2_0.5, tfim_chain_obc_N10_h1, ...
_KEY = re.compile(
    r"^(?P<model>heisenberg|j1j2|tfim)_(?P<lattice>chain|square)_(?P<boundary>pbc|obc)_"
    r"(?:N(?P<length>\d+)|(?P<lx>\d+)x(?P<ly>\d+))"
    r"(?:_J2_(?P<j2>[0-9.]+))?(?:_h(?P<h>[0-9.]+))?$"
)
# Models whose ground state is found in the S^z = 0 sector.
_U1_MODELS = ("heisenberg", "j1j2")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _peak_rss_mib() -> float:
    """This process's resident-set high-water mark in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_model() -> str | None:
    """The CPU model name as ``lscpu`` prints it (``/proc/cpuinfo`` as a fallback)."""
    try:
        listing = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        listing = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    for line in listing.splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return None


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _git_state() -> dict[str, Any]:
    """Commit of the repository holding this script, and whether ``qgen/`` differs from it."""
    root = Path(__file__).resolve().parents[1]

    def git(*arguments: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(root), *arguments], capture_output=True, text=True, check=True
            )
        except (OSError, subprocess.CalledProcessError):
            return None
        return done.stdout.strip()

    changes = git("status", "--porcelain", "--", "qgen")
    return {"commit": git("rev-parse", "--short", "HEAD"), "qgen_modified": bool(changes)}


def run_description(packages: tuple[str, ...] = ("qgen", "numpy", "scipy")) -> dict[str, Any]:
    """Machine, date, versions and commit: the record that goes with every set of figures."""
    versions = {}
    for package in packages:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "record": "meta",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "versions": versions,
        "git": _git_state(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
    }


def load_reference(path: str | Path = DEFAULT_REFERENCE) -> list[dict[str, Any]]:
    """The entries of a reference file, with every JSON float kept as a :class:`Decimal`.

    Keeping the decimal string matters: the tolerance follows the digits printed.
    """
    with Path(path).open() as handle:
        document = json.load(handle, parse_float=Decimal)
    entries = document.get("entries") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected an object with an 'entries' list")
    return entries


def _half_unit(value: Decimal) -> Decimal:
    """Half a unit in the last printed digit of ``value``."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):
        raise ValueError(f"expected a finite reference value, got {value}")
    return Decimal(5) * Decimal(10) ** (exponent - 1)


def reference_energy(entry: dict[str, Any]) -> tuple[float, float, str] | None:
    """``(E0, relative tolerance, field used)`` of an entry, or ``None`` if it has neither.

    ``E0`` is preferred; otherwise ``E0_per_site · n_sites``. The tolerance is
    :data:`RELATIVE_TOLERANCE`, widened to half a unit in the last printed digit
    relative to the printed value when the file gives fewer digits.
    """
    for field in ("E0", "E0_per_site"):
        printed = entry.get(field)
        if printed is None:
            continue
        printed = Decimal(printed) if not isinstance(printed, Decimal) else printed
        if printed == 0:
            raise ValueError(f"{entry.get('key')}: a zero reference {field} has no relative error")
        digits_tolerance = float(_half_unit(printed) / abs(printed))
        energy = float(printed * (int(entry["n_sites"]) if field == "E0_per_site" else 1))
        return energy, max(RELATIVE_TOLERANCE, digits_tolerance), field
    return None


def check_energy(computed: float, reference: float, tolerance: float) -> dict[str, Any]:
    """Relative error of ``computed`` against ``reference`` and whether it is within tolerance."""
    relative_error = abs(computed - reference) / abs(reference)
    return {
        "reference": reference,
        "computed": computed,
        "relative_error": relative_error,
        "tolerance": tolerance,
        "pass": relative_error <= tolerance,
    }


def system_table(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The ``[system]`` table of an entry's key, or ``None`` when qgen has no such system.

    Parameters come from the entry's fields ``J2`` and ``h`` where present, else from the
    key (``_J2_0.5``, ``_h1``).
    """
    match = _KEY.match(str(entry.get("key", "")))
    if match is None:
        return None
    model, lattice = match["model"], match["lattice"]
    if lattice == "chain":
        if match["length"] is None:
            return None
        size: int | str = int(match["length"])
    else:
        if match["lx"] is None:
            return None
        size = f"{match['lx']}x{match['ly']}"
    table: dict[str, Any] = {
        "hamiltonian": model,
        "lattice": lattice,
        "size": size,
        "boundary": "periodic" if match["boundary"] == "pbc" else "open",
    }
    if model == "j1j2":
        j2 = entry.get("J2", match["j2"])
        if j2 is None:
            return None
        table["J2"] = float(j2)
    elif match["j2"] is not None:
        return None
    if model == "tfim":
        h = entry.get("h", match["h"])
        if h is None:
            return None
        table["h"] = float(h)
    elif match["h"] is not None:
        return None
    if model in _U1_MODELS:
        table["sector"] = 0
    return table


def _diagonalize(table: dict[str, Any]) -> dict[str, Any]:
    """Ground-state energy of the system ``table`` describes, with its dimension and timing."""
    # qgen (and so torch) is imported here, not at the top, so that ed_speed.py can reuse
    # the reference parsing above without loading torch into its light parent process.
    from qgen.exact import diagonalize
    from qgen.system import System

    start = time.perf_counter()
    system = System.from_mapping(table)
    hamiltonian = system.build_hamiltonian()
    spectrum = diagonalize(hamiltonian, sector=system.sector, return_states=False)
    seconds = time.perf_counter() - start
    return {
        "computed": spectrum.ground_energy,
        "dimension": spectrum.dimension,
        "sector": None if spectrum.sector is None else spectrum.sector.magnetization,
        "method": spectrum.method,
        "seconds": seconds,
        "n_sites": system.n_sites,
        "system": system.describe(),
    }


def _skip(entry: dict[str, Any], reason: str) -> dict[str, Any]:
    return {
        "record": "entry",
        "key": entry.get("key"),
        "n_sites": entry.get("n_sites"),
        "status": "skipped",
        "reason": reason,
    }


def run_entry(entry: dict[str, Any], max_sites: int) -> dict[str, Any]:
    """One JSON record for one reference entry: skipped, or diagonalized and compared."""
    n_sites = entry.get("n_sites")
    if n_sites is None:
        return _skip(entry, "n_sites is null (a thermodynamic-limit value)")
    if n_sites > max_sites:
        return _skip(entry, f"n_sites {n_sites} > max_sites {max_sites}")
    table = system_table(entry)
    if table is None:
        return _skip(entry, "the key does not name a system qgen knows")
    reference = reference_energy(entry)
    if reference is None:
        return _skip(entry, "no E0 or E0_per_site")
    energy, tolerance, field = reference
    record: dict[str, Any] = {
        "record": "entry",
        "key": entry["key"],
        "n_sites": n_sites,
        "reference_field": field,
    }
    try:
        result = _diagonalize(table)
    except Exception as error:  # reported as a failed entry; the run goes on
        record.update(
            status="error",
            error=f"{type(error).__name__}: {error}",
            reference=energy,
            tolerance=tolerance,
            **{"pass": False},
        )
        return record
    if result["n_sites"] != n_sites:
        record.update(
            status="error",
            reference=energy,
            tolerance=tolerance,
            **{"pass": False},
            error=f"the key builds {result['n_sites']} sites, the entry says {n_sites}",
        )
        return record
    comparison = check_energy(result["computed"], energy, tolerance)
    record.update(comparison)
    record.update(
        status="pass" if comparison["pass"] else "fail",
        seconds=result["seconds"],
        dimension=result["dimension"],
        sector=result["sector"],
        method=result["method"],
        peak_rss_mib=round(_peak_rss_mib(), 1),
        system=result["system"],
    )
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Compare qgen's exact ground-state energies with the reference file."
    )
    parser.add_argument(
        "--reference",
        type=Path,
        default=DEFAULT_REFERENCE,
        help=f"reference energies (default {DEFAULT_REFERENCE})",
    )
    parser.add_argument(
        "--max-sites",
        type=int,
        default=ED_MAX_SITES,
        help=f"skip entries with more sites (default {ED_MAX_SITES})",
    )
    parser.add_argument("--keys", nargs="+", metavar="KEY", help="only these entries (exact keys)")
    args = parser.parse_args(argv)
    if args.max_sites > ED_MAX_SITES:
        parser.error(f"--max-sites: at most {ED_MAX_SITES} (larger sectors do not fit memory)")

    entries = load_reference(args.reference)
    if args.keys:
        known = {entry.get("key") for entry in entries}
        missing = sorted(set(args.keys) - known)
        if missing:
            parser.error(f"--keys: not in {args.reference}: {', '.join(missing)}")
        entries = [entry for entry in entries if entry.get("key") in args.keys]

    print(json.dumps(run_description()), flush=True)
    counts = {"pass": 0, "fail": 0, "error": 0, "skipped": 0}
    for entry in entries:
        _log(f"ed_reference: {entry.get('key')} ...")
        record = run_entry(entry, args.max_sites)
        counts[record["status"]] += 1
        if record["status"] == "skipped":
            _log(f"  skipped: {record['reason']}")
        elif record["status"] == "error":
            _log(f"  ERROR: {record['error']}")
        else:
            _log(
                f"  {record['status']}: {record['computed']:.12f} vs {record['reference']:.12f}"
                f" (relative error {record['relative_error']:.1e}, tolerance "
                f"{record['tolerance']:.1e}), {record['seconds']:.2f} s"
            )
        print(json.dumps(record), flush=True)
    print(
        json.dumps(
            {
                "record": "summary",
                **counts,
                "reference_file": str(args.reference),
                "max_sites": args.max_sites,
            }
        ),
        flush=True,
    )
    return 1 if counts["fail"] or counts["error"] else 0


if __name__ == "__main__":
    sys.exit(main())
