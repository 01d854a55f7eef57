r"""Cross-check qgen's sparse matrices against NetKet and QuTiP at benchmark sizes.

For every Hamiltonian (chains of 10-12 sites, 4×3 square, 3×3 triangular) and five
seeded random Pauli sums (8 sites, 20 terms, complex coefficients) the script builds the
matrix with qgen and, independently, with each reference code, and prints one JSON line
per (operator, sector, reference): sizes, number of stored entries and the largest
elementwise difference. Sectors: the full space, and for models that conserve
:math:`S^z` the sector of smallest :math:`|S^z|` (0, or 1/2 for an odd number of sites).

The references come from ``tests/crosscheck_references.py``, shared with the test
``tests/operators/test_crosscheck.py``, which builds them without qgen's lattice code
with QuTiP's and NetKet's own tools and explains their conventions. The QuTiP matrix
of a sector is the full matrix restricted to the rows and columns of
:attr:`qgen.hilbert.MagnetizationSector.states`; NetKet's basis (``total_sz`` for a
sector) is mapped onto qgen's through ``hilbert.all_states()``.

Timings (``*_seconds``) include NetKet's jax/numba compilation on first use: they show
where time goes, not a fair speed comparison.

Usage::

    python benchmarks/sparse_crosscheck.py [--tolerance 1e-12] [--seed 2024]

Exits with status 1 when any difference exceeds the tolerance or a comparison fails.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import scipy.sparse as sp

import qgen
from qgen.hilbert import MagnetizationSector
from qgen.operators import PauliSum

# The reference builders live beside the test that shares them, in the repository's tests/
# folder, which is on pytest's pythonpath but is not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from crosscheck_references import (
    Model,
    chain,
    max_difference,
    netket_basis_indices,
    netket_hilbert,
    netket_operator,
    netket_pauli_sum,
    qutip_hamiltonian,
    qutip_pauli_sum,
    random_pauli_sum,
    square,
    triangular,
)

MODELS = {
    "tfim-chain12-periodic": Model("tfim", *chain(12), {"J": 1.0, "h": 0.9}),
    "tfim-chain10-open": Model("tfim", *chain(10, False), {"J": 0.7, "h": 1.3}),
    "tfim-square4x3-periodic": Model("tfim", *square(4, 3, True), {"J": 1.0, "h": 3.0}),
    "tfim-triangular3x3-periodic": Model("tfim", *triangular(3, 3), {"h": 2.0}),
    "heisenberg-chain12-periodic": Model("heisenberg", *chain(12)),
    "heisenberg-chain12-periodic-sign-rule": Model("heisenberg", *chain(12), sign_rule=True),
    "xxz-chain12-open": Model("heisenberg", *chain(12, False), {"delta": 0.5}),
    "xxz-chain10-periodic": Model("heisenberg", *chain(10), {"J": 0.8, "delta": 1.7}),
    "j1j2-chain12-periodic": Model("heisenberg", *chain(12), {"J2": 0.5}),
    "heisenberg-square4x3-open": Model("heisenberg", *square(4, 3, False)),
    "j1j2-square4x3-periodic": Model("heisenberg", *square(4, 3, True), {"J2": 0.5}),
    "heisenberg-triangular3x3-periodic": Model("heisenberg", *triangular(3, 3)),
}


def random_pauli_sums(seed: int, count: int = 5, n_sites: int = 8, n_terms: int = 20) -> list:
    """``count`` random sums: ``(name, labels, complex coefficients)``."""
    rng = np.random.default_rng(seed)
    return [(f"random-pauli-{k}", *random_pauli_sum(rng, n_sites, n_terms)) for k in range(count)]


def qutip_csr(operator: Any) -> sp.csr_matrix:
    """A QuTiP ``Qobj`` as a SciPy CSR matrix."""
    return sp.csr_matrix(operator.to("csr").data_as("csr_matrix"))


# --- comparison --------------------------------------------------------------------------------


def timed(build: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = build()
    return result, time.perf_counter() - start


def smallest_sz(n_sites: int) -> Fraction:
    return Fraction(n_sites % 2, 2)


@dataclass
class Case:
    """One operator: how qgen builds it, and how each reference builds it in a sector."""

    name: str
    n_sites: int
    build_qgen: Callable[[], PauliSum]
    build_qutip: Callable[[], sp.csr_matrix]
    build_netket: Callable[[Any], Any]  # NetKet's operator on a given NetKet Hilbert space
    sectors: list[Fraction | None]


def cases(seed: int) -> list[Case]:
    result = []
    for name, model in MODELS.items():
        sectors: list[Fraction | None] = [None]
        if model.conserves_sz:
            sectors.append(smallest_sz(model.n_sites))
        result.append(
            Case(
                name,
                model.n_sites,
                model.qgen_operator,
                lambda m=model: qutip_csr(qutip_hamiltonian(m)),
                lambda hilbert, m=model: netket_operator(m, hilbert),
                sectors,
            )
        )
    for name, labels, coefficients in random_pauli_sums(seed):
        result.append(
            Case(
                name,
                len(labels[0]),
                lambda labels=labels, c=coefficients: PauliSum(labels, c),
                lambda labels=labels, c=coefficients: qutip_csr(qutip_pauli_sum(labels, c)),
                lambda hilbert, labels=labels, c=coefficients: netket_pauli_sum(hilbert, labels, c),
                [None],
            )
        )
    return result


def compare(
    case: Case,
    reference: str,
    sector_sz: Fraction | None,
    qgen_matrix: sp.csr_matrix,
    tolerance: float,
) -> dict[str, Any]:
    """One JSON record: qgen's matrix (in ``sector_sz``) against ``reference``."""
    sector = None if sector_sz is None else MagnetizationSector(case.n_sites, sector_sz)
    if reference == "qutip":
        full, seconds = timed(case.build_qutip)
        matrix = full if sector is None else full[sector.states][:, sector.states]
        ours = qgen_matrix
    else:
        hilbert = netket_hilbert(case.n_sites, None if sector_sz is None else float(sector_sz))
        matrix, seconds = timed(lambda: case.build_netket(hilbert).to_sparse())
        indices = netket_basis_indices(hilbert)
        position = indices if sector is None else sector.index(indices)
        if sorted(position.tolist()) != list(range(qgen_matrix.shape[0])):
            raise ValueError("NetKet's basis is not a permutation of qgen's")
        ours = qgen_matrix[position][:, position]
    difference = max_difference(sp.csr_matrix(ours), sp.csr_matrix(matrix))
    return {
        "operator": case.name,
        "reference": reference,
        "sector_sz": None if sector_sz is None else str(sector_sz),
        "n_sites": case.n_sites,
        "dimension": int(qgen_matrix.shape[0]),
        "nnz": int(qgen_matrix.nnz),
        "reference_nnz": int(sp.csr_matrix(matrix).nnz),
        "max_abs_difference": difference,
        "passed": difference <= tolerance,
        "reference_seconds": round(seconds, 4),
    }


def import_references() -> dict[str, ModuleType | None]:
    modules: dict[str, ModuleType | None] = {}
    for name in ("netket", "qutip"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # jax/flax may warn on import
            try:
                modules[name] = __import__(name)
            except ImportError:
                modules[name] = None
    return modules


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tolerance", type=float, default=1e-12)
    parser.add_argument("--seed", type=int, default=2024, help="seed of the random Pauli sums")
    args = parser.parse_args(argv)

    modules = import_references()
    header = {
        "benchmark": "sparse_crosscheck",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()} {platform.processor()}".strip(),
        "python": platform.python_version(),
        "qgen": qgen.__version__,
        "netket": getattr(modules["netket"], "__version__", None),
        "qutip": getattr(modules["qutip"], "__version__", None),
        "tolerance": args.tolerance,
        "seed": args.seed,
    }
    print(json.dumps(header), flush=True)

    failures = 0
    for case in cases(args.seed):
        for sector_sz in case.sectors:
            sector_arg = None if sector_sz is None else float(sector_sz)
            qgen_matrix, qgen_seconds = timed(
                lambda c=case, s=sector_arg: c.build_qgen().to_sparse(s)
            )
            for reference, module in modules.items():
                if module is None:
                    print(
                        json.dumps(
                            {
                                "operator": case.name,
                                "reference": reference,
                                "skipped": "not installed",
                            }
                        ),
                        flush=True,
                    )
                    continue
                try:
                    record = compare(case, reference, sector_sz, qgen_matrix, args.tolerance)
                except Exception as error:  # report and go on with the other cases
                    record = {
                        "operator": case.name,
                        "reference": reference,
                        "sector_sz": None if sector_sz is None else str(sector_sz),
                        "error": f"{type(error).__name__}: {error}",
                        "passed": False,
                    }
                record["qgen_seconds"] = round(qgen_seconds, 4)
                failures += not record["passed"]
                print(json.dumps(record), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
