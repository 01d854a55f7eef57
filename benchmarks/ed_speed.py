r"""Speed and memory of exact diagonalization: qgen beside QuSpin and NetKet.

The job, the same for every code: the spin-1/2 Heisenberg chain of N sites, periodic,

.. math::  H = \sum_{i=0}^{N-1} \mathbf S_i \cdot \mathbf S_{i+1 \bmod N}, \qquad S = \sigma/2,

in the :math:`S^z = 0` sector (dimension :math:`\binom{N}{N/2}`): build the sparse
Hamiltonian matrix, then find the ground state (energy and vector) by Lanczos.

* **qgen**: ``System.from_mapping`` → ``build_hamiltonian`` → ``diagonalize(H, sector=0)``
  (which builds the CSR matrix with ``PauliSum.to_sparse`` and calls ARPACK).
* **QuSpin**: ``spin_basis_1d(N, Nup=N//2, pauli=False)``, static list
  ``[["zz", J], ["+-", J/2], ["-+", J/2]]`` on the periodic bonds, ``hamiltonian(...)``
  (symmetry, hermiticity and particle-conservation checks off: its fastest path), then
  ``H.eigsh(k=1, which="SA")``.
* **NetKet**: ``nk.hilbert.Spin(0.5, N, total_sz=0)``, ``nk.operator.Heisenberg`` on
  ``nk.graph.Chain(N)``, then ``nk.exact.lanczos_ed(H, k=1, compute_eigenvectors=True)``.
  NetKet's Heisenberg uses Pauli matrices, :math:`H = J \sum \sigma \cdot \sigma`, so its
  energy is divided by 4 before the comparison. Its first ``to_sparse`` in the
  constrained space (JIT compilation included) took 67 s at N = 22 and 267 s, with an
  8 GiB peak, at N = 24 on two cores, so NetKet is left out above ``--netket-max-sites``
  (22 by default).

*Build* runs until the sparse matrix exists (for qgen and NetKet the moment their
``to_sparse`` returns inside the diagonalization call, recorded by a thin proxy around the
operator); *eigensolve* is the rest; *total* is the whole job. Times are
``time.perf_counter`` around the job only: imports are done (and timed separately as
``import_s``) before the job starts.

Every (code, N, repeat) runs in its own fresh subprocess, so its memory is its own:
``baseline_rss_mib`` is the child's resident set right after the imports,
``peak_rss_mib`` its high-water mark (``VmHWM``) after the cold job, and
``peak_minus_baseline_mib`` what the job itself added. ``maxrss_wait4_mib`` is the
child's ``ru_maxrss`` as the parent's ``wait4`` reports it, a cross-check (on Linux it can
include the parent's resident set at spawn time; the parent imports nothing heavy). In
each child the job runs once *cold* (first call in the process: numba / JAX compilation,
first-touch allocations and all) and, for N up to ``--warm-max-sites``, once more *warm*
(a second call in the same process).

Codes run interleaved, in an order rotated every repeat, so that the load of other
processes on the machine falls on all of them alike; summary lines give the best and the
median over ``--repeat`` runs. Each energy is checked against ``energies.json``
(``heisenberg_chain_pbc_N{N}``) with the tolerance rule of ``ed_reference.py``.

Output: JSON lines on stdout (a ``"record": "meta"`` line with machine, date, versions and
commit, then ``"record": "run"`` per subprocess, then ``"summary"`` per
code and size, then ``"target"`` lines); progress on stderr. The exit code is 1 when a run
failed or an energy missed its reference.

Usage::

    python benchmarks/ed_speed.py                                  # N = 16 20 22 24, all codes
    python benchmarks/ed_speed.py --sizes 22 --codes qgen quspin --repeat 3
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from math import comb
from pathlib import Path
from typing import Any

CODES = ("qgen", "quspin", "netket")
DEFAULT_SIZES = (16, 20, 22, 24)
DEFAULT_REFERENCE = Path("/work/shared/reference/energies.json")
TARGET_SPEED_SIZE = 22
"""At this N, qgen's total time must not exceed QuSpin's (same run)."""
TARGET_LARGE_SIZE = 24
TARGET_LARGE_SECONDS = 60.0
TARGET_LARGE_MIB = 4096.0


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- inside a child process: one code, one size -----------------------------------------


def _memory_mib(field: str) -> float:
    """A memory figure of this process from ``/proc/self/status`` (``VmRSS``, ``VmHWM``), MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


class _TimedToSparse:
    """Forwards every attribute to ``operator`` and notes when its ``to_sparse`` returns."""

    def __init__(self, operator: Any) -> None:
        self._operator = operator
        self.sparse_done: float | None = None

    def to_sparse(self, *args: Any, **kwargs: Any) -> Any:
        matrix = self._operator.to_sparse(*args, **kwargs)
        self.sparse_done = time.perf_counter()
        return matrix

    def __getattr__(self, name: str) -> Any:
        return getattr(self._operator, name)


def _timings(start: float, built: float | None, energy: float, dimension: int) -> dict[str, Any]:
    end = time.perf_counter()
    return {
        "build_s": None if built is None else built - start,
        "eigensolve_s": None if built is None else end - built,
        "total_s": end - start,
        "energy": energy,
        "dimension": dimension,
    }


def _import_qgen() -> Callable[[int], dict[str, Any]]:
    from qgen.exact import diagonalize
    from qgen.system import System

    def job(n_sites: int) -> dict[str, Any]:
        start = time.perf_counter()
        system = System.from_mapping(
            {"hamiltonian": "heisenberg", "lattice": "chain", "size": n_sites, "J": 1.0}
        )
        hamiltonian = _TimedToSparse(system.build_hamiltonian())
        spectrum = diagonalize(hamiltonian, sector=0)  # type: ignore[arg-type]
        if spectrum.vectors is None or spectrum.vectors.shape[0] != spectrum.dimension:
            raise RuntimeError("qgen returned no ground-state vector")
        return _timings(start, hamiltonian.sparse_done, spectrum.ground_energy, spectrum.dimension)

    return job


def _import_quspin() -> Callable[[int], dict[str, Any]]:
    import numpy as np
    from quspin.basis import spin_basis_1d
    from quspin.operators import hamiltonian

    def job(n_sites: int) -> dict[str, Any]:
        coupling = 1.0
        start = time.perf_counter()
        basis = spin_basis_1d(n_sites, Nup=n_sites // 2, pauli=False)
        zz = [[coupling, i, (i + 1) % n_sites] for i in range(n_sites)]
        flip = [[0.5 * coupling, i, (i + 1) % n_sites] for i in range(n_sites)]
        operator = hamiltonian(
            [["zz", zz], ["+-", flip], ["-+", flip]],
            [],
            basis=basis,
            dtype=np.float64,
            check_symm=False,
            check_herm=False,
            check_pcon=False,
        )
        built = time.perf_counter()
        energies, vectors = operator.eigsh(k=1, which="SA")
        if vectors.shape[0] != basis.Ns:
            raise RuntimeError("QuSpin returned no ground-state vector")
        return _timings(start, built, float(energies[0]), int(basis.Ns))

    return job


def _import_netket() -> Callable[[int], dict[str, Any]]:
    import netket as nk

    def job(n_sites: int) -> dict[str, Any]:
        start = time.perf_counter()
        hilbert = nk.hilbert.Spin(0.5, n_sites, total_sz=0)
        graph = nk.graph.Chain(n_sites, pbc=True)
        hamiltonian = _TimedToSparse(nk.operator.Heisenberg(hilbert, graph, J=1.0))
        energies, vectors = nk.exact.lanczos_ed(hamiltonian, k=1, compute_eigenvectors=True)
        if vectors.shape[0] != hilbert.n_states:
            raise RuntimeError("NetKet returned no ground-state vector")
        # NetKet's Heisenberg is J Σ σ·σ (Pauli matrices): four times the spin-unit energy.
        energy = float(energies[0]) / 4
        return _timings(start, hamiltonian.sparse_done, energy, int(hilbert.n_states))

    return job


_IMPORTERS: dict[str, Callable[[], Callable[[int], dict[str, Any]]]] = {
    "qgen": _import_qgen,
    "quspin": _import_quspin,
    "netket": _import_netket,
}


def run_child(code: str, n_sites: int, warm: bool, output: Path) -> None:
    """Import one code, run the job cold (and warm), and write the figures to ``output``."""
    start = time.perf_counter()
    job = _IMPORTERS[code]()
    import_seconds = time.perf_counter() - start
    gc.collect()
    baseline = _memory_mib("VmRSS")
    _log(f"  [{code} N={n_sites}] imports {import_seconds:.2f} s, RSS {baseline:.0f} MiB")
    cold = job(n_sites)
    peak = _memory_mib("VmHWM")
    _log(f"  [{code} N={n_sites}] cold {cold['total_s']:.2f} s, peak {peak:.0f} MiB")
    second = None
    if warm:
        gc.collect()
        second = job(n_sites)
        _log(f"  [{code} N={n_sites}] warm {second['total_s']:.2f} s")
    figures = {
        "import_s": import_seconds,
        "baseline_rss_mib": baseline,
        "peak_rss_mib": peak,
        "peak_after_warm_mib": _memory_mib("VmHWM") if warm else None,
        "cold": cold,
        "warm": second,
    }
    output.write_text(json.dumps(figures))


# --- the parent: schedule children, check energies, summarize ----------------------------


def _spawn(code: str, n_sites: int, warm: bool, blas_threads: int | None) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; its figures and its ``wait4`` rusage."""
    environment = dict(os.environ)
    if blas_threads is not None:
        for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            environment[variable] = str(blas_threads)
    with tempfile.TemporaryDirectory(prefix="ed_speed_") as folder:
        output = Path(folder) / "figures.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--child", code]
        command += ["--sizes", str(n_sites), "--child-output", str(output)]
        if warm:
            command.append("--child-warm")
        # Child stdout goes to our stderr: some codes print, and our stdout is JSON only.
        process = subprocess.Popen(command, stdout=sys.stderr, env=environment)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        figures: dict[str, Any] = {"returncode": process.returncode}
        if process.returncode == 0 and output.exists():
            figures.update(json.loads(output.read_text()))
        figures["maxrss_wait4_mib"] = usage.ru_maxrss / 1024
    return figures


def _reference_checker(path: Path) -> Callable[[int, float], dict[str, Any]]:
    """A function ``(N, energy) -> comparison`` against ``heisenberg_chain_pbc_N{N}``."""
    # ed_reference imports qgen (and torch) only when it diagonalizes, so this stays light.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ed_reference import check_energy, load_reference, reference_energy

    entries = {entry.get("key"): entry for entry in load_reference(path)}

    def check(n_sites: int, energy: float) -> dict[str, Any]:
        entry = entries.get(f"heisenberg_chain_pbc_N{n_sites}")
        found = None if entry is None else reference_energy(entry)
        if found is None:
            return {"reference": None, "relative_error": None, "tolerance": None, "pass": None}
        reference, tolerance, _ = found
        comparison = check_energy(energy, reference, tolerance)
        comparison.pop("computed")
        return comparison

    return check


def _statistics(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"best": min(values), "median": statistics.median(values), "worst": max(values)}


def _summarize(code: str, n_sites: int, runs: list[dict[str, Any]]) -> dict[str, Any]:
    good = [run for run in runs if run.get("cold") is not None]

    def cold(name: str) -> list[float]:
        return [run["cold"][name] for run in good if run["cold"][name] is not None]

    warm_totals = [run["warm"]["total_s"] for run in good if run.get("warm")]
    return {
        "record": "summary",
        "code": code,
        "n_sites": n_sites,
        "dimension": comb(n_sites, n_sites // 2),
        "runs": len(runs),
        "failed_runs": len(runs) - len(good),
        "total_s": _statistics(cold("total_s")),
        "build_s": _statistics(cold("build_s")),
        "eigensolve_s": _statistics(cold("eigensolve_s")),
        "warm_total_s": _statistics(warm_totals),
        "baseline_rss_mib": _statistics([run["baseline_rss_mib"] for run in good]),
        "peak_rss_mib": _statistics([run["peak_rss_mib"] for run in good]),
        "peak_minus_baseline_mib": _statistics(
            [run["peak_rss_mib"] - run["baseline_rss_mib"] for run in good]
        ),
        "energy": good[0]["cold"]["energy"] if good else None,
        "pass": bool(good) and len(good) == len(runs) and all(run["pass"] for run in good),
    }


def _targets(summaries: dict[tuple[str, int], dict[str, Any]]) -> list[dict[str, Any]]:
    """The two targets, where this run measured what they need."""
    targets = []
    qgen = summaries.get(("qgen", TARGET_SPEED_SIZE))
    quspin = summaries.get(("quspin", TARGET_SPEED_SIZE))
    if qgen and quspin and qgen["total_s"] and quspin["total_s"]:
        targets.append(
            {
                "record": "target",
                "target": f"N={TARGET_SPEED_SIZE}: qgen total <= QuSpin total (median, cold)",
                "qgen_total_s": qgen["total_s"],
                "quspin_total_s": quspin["total_s"],
                "met": qgen["total_s"]["median"] <= quspin["total_s"]["median"],
                "met_by_best": qgen["total_s"]["best"] <= quspin["total_s"]["best"],
            }
        )
    large = summaries.get(("qgen", TARGET_LARGE_SIZE))
    if large and large["total_s"] and large["peak_rss_mib"]:
        targets.append(
            {
                "record": "target",
                "target": (
                    f"N={TARGET_LARGE_SIZE}: qgen total < {TARGET_LARGE_SECONDS:g} s and "
                    f"peak RSS < {TARGET_LARGE_MIB:g} MiB (worst run)"
                ),
                "qgen_total_s": large["total_s"],
                "qgen_peak_rss_mib": large["peak_rss_mib"],
                "met": large["total_s"]["worst"] < TARGET_LARGE_SECONDS
                and large["peak_rss_mib"]["worst"] < TARGET_LARGE_MIB,
            }
        )
    return targets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time 'build H in S^z=0 + Lanczos ground state' of the Heisenberg chain "
        "for qgen, QuSpin and NetKet, each run in a fresh subprocess."
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=list(DEFAULT_SIZES),
        help="chain lengths N, even (default: 16 20 22 24)",
    )
    parser.add_argument(
        "--codes",
        nargs="+",
        choices=CODES,
        default=list(CODES),
        help="codes to time (default: all)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="fresh-process runs per (code, N); summaries give best and median",
    )
    parser.add_argument(
        "--warm-max-sites",
        type=int,
        default=22,
        help="also time a warm second call for N up to this (default 22)",
    )
    parser.add_argument(
        "--netket-max-sites",
        type=int,
        default=22,
        help="skip NetKet above this N (its cold N=24 run takes ~5 min, 8 GiB; default 22)",
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="set OMP/OPENBLAS/MKL_NUM_THREADS in the children "
        "(default: leave the environment as it is)",
    )
    parser.add_argument(
        "--reference",
        type=Path,
        default=DEFAULT_REFERENCE,
        help=f"reference energies (default {DEFAULT_REFERENCE})",
    )
    parser.add_argument("--child", choices=CODES, help=argparse.SUPPRESS)
    parser.add_argument("--child-output", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-warm", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child is not None:
        run_child(args.child, args.sizes[0], args.child_warm, args.child_output)
        return 0
    if any(n < 2 or n % 2 for n in args.sizes):
        parser.error(f"--sizes: expected even chain lengths >= 2, got {args.sizes}")
    if args.repeat < 1:
        parser.error(f"--repeat: expected a positive count, got {args.repeat}")

    check = _reference_checker(args.reference)
    from ed_reference import run_description

    meta = run_description(("qgen", "numpy", "scipy", *args.codes))
    meta["blas_threads"] = args.blas_threads
    print(json.dumps(meta), flush=True)
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    failed = False
    for repeat in range(args.repeat):
        shift = repeat % len(args.codes)
        order = args.codes[shift:] + args.codes[:shift]
        for n_sites in args.sizes:
            for code in order:
                if code == "netket" and n_sites > args.netket_max_sites:
                    continue
                warm = n_sites <= args.warm_max_sites
                _log(f"ed_speed: repeat {repeat + 1}/{args.repeat}, {code}, N={n_sites}")
                figures = _spawn(code, n_sites, warm, args.blas_threads)
                record: dict[str, Any] = {
                    "record": "run",
                    "code": code,
                    "n_sites": n_sites,
                    "repeat": repeat,
                    "blas_threads": args.blas_threads,
                    **figures,
                }
                if figures.get("cold") is not None:
                    record["peak_minus_baseline_mib"] = (
                        figures["peak_rss_mib"] - figures["baseline_rss_mib"]
                    )
                    record.update(check(n_sites, figures["cold"]["energy"]))
                    if record["pass"] is None:
                        record["pass"] = True  # no reference for this N: nothing to miss
                else:
                    record["pass"] = False
                    _log(f"  FAILED: exit code {figures['returncode']}")
                failed |= not record["pass"]
                runs.setdefault((code, n_sites), []).append(record)
                print(json.dumps(record), flush=True)

    summaries = {key: _summarize(*key, value) for key, value in runs.items()}
    for summary in summaries.values():
        print(json.dumps(summary), flush=True)
    for target in _targets(summaries):
        print(json.dumps(target), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
