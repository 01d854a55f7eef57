"""Mixed-state tomography through ``qgen tomo --mixed`` (its function, its defaults),
beside qgen's maximum likelihood and linear inversion on the same shots.

Cases:

- ``ghz3``: the headline case of Cha et al., Mach. Learn.: Sci. Technol. 3, 01LT01
  (2022): GHZ on 3 qubits with local depolarizing noise p = 0.05, all 27 Pauli settings x
  100 shots, one data set per seed;
- ``tutorial3``: QuCumber's tutorial 3 (a 2-qubit mixed state, 9 settings; ``--shots``
  100 or 1000 per setting, the files in ../shared/data/qucumber/tutorial3);
- ``w6``: the pure 6-qubit W state, all 729 settings x 100 shots = 72,900 Pauli-6 samples.

Per seed: the model's fidelity with the true rho after each projection (likelihood, the
command's default up to 7 qubits, and the 2-norm projection of Smolin et al.), its most
negative eigenvalue before projection, the classical fidelity, the training time; MLE's
and projected linear inversion's fidelities. JSON lines: meta, one record per seed and
model, a summary per model (mean and sample standard deviation over seeds).

    python benchmarks/mixed_tomography.py --case ghz3 --models rnn transformer
    python benchmarks/mixed_tomography.py --case tutorial3 --shots 100
    python benchmarks/mixed_tomography.py --case w6 --seeds 0 --batch-size 1000
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from _generative_common import emit, meta

from qgen.datasets import qucumber_tutorial
from qgen.exact import apply_local_channel, closest_physical, density_matrix, quantum_fidelity
from qgen.exact.density import depolarizing
from qgen.exact.named_states import ghz_state, w_state
from qgen.tomography.baselines import linear_inversion, maximum_likelihood
from qgen.tomography.mixed_data import measure_mixed
from qgen.tomography.mixed_workflow import run_mixed_tomography
from qgen.tomography.povm_data import POVMData
from qgen.tomography.povm_files import load_povm_data
from qgen.tomography.workflow import TomographyOptions

TUTORIAL3 = qucumber_tutorial(3)


def _all_settings(n_sites: int) -> list[str]:
    return ["".join(p) for p in itertools.product("XYZ", repeat=n_sites)]


def case_data(case: str, shots: int, seed: int) -> POVMData:
    if case == "ghz3":
        rho = apply_local_channel(density_matrix(ghz_state(3)), depolarizing(0.05))
        return measure_mixed(rho, samples=shots, bases=_all_settings(3), seed=seed)
    if case == "w6":
        rho = density_matrix(w_state(6))
        return measure_mixed(rho, samples=shots, bases=_all_settings(6), seed=seed)
    stem = TUTORIAL3 / f"N2_W_state_{shots}_samples"
    return load_povm_data(
        f"{stem}_data.txt",
        bases=f"{stem}_bases.txt",
        format="qucumber",
        target_rho=TUTORIAL3 / "N2_W_state_target_real.txt",
        target_rho_imag=TUTORIAL3 / "N2_W_state_target_imag.txt",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="ghz3", choices=["ghz3", "tutorial3", "w6"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--models", nargs="+", default=["rnn", "transformer"])
    parser.add_argument("--shots", type=int, default=100, help="shots per Pauli setting")
    parser.add_argument("--epochs", type=int, default=None, help="default: the command's")
    parser.add_argument("--batch-size", type=int, default=None, help="default: the command's")
    args = parser.parse_args()
    torch.set_num_threads(1)
    emit(meta("mixed_tomography.py", vars(args)))
    rows: dict[str, list[dict]] = {model: [] for model in args.models}
    for seed in args.seeds:
        data = case_data(args.case, args.shots, seed)
        assert data.rho is not None
        start = time.perf_counter()
        mle = maximum_likelihood(data)
        mle_seconds = time.perf_counter() - start
        linear = linear_inversion(data).rho
        baselines = {
            "fidelity_mle": quantum_fidelity(mle.rho, data.rho),
            "mle_seconds": mle_seconds,
            "fidelity_linear_projected": quantum_fidelity(closest_physical(linear), data.rho),
        }
        for model in args.models:
            settings = {"model": model, "mixed": True, "seed": seed}
            if args.epochs is not None:
                settings["epochs"] = args.epochs
            if args.batch_size is not None:
                settings["batch_size"] = args.batch_size
            options = TomographyOptions.from_sources((settings, "benchmark"))
            with tempfile.TemporaryDirectory() as out:
                summary = run_mixed_tomography(
                    data, options, Path(out) / "run", progress=False, log=lambda _: None
                )
                raw = np.load(Path(out) / "run" / "rho_unprojected.npy")
            row = {
                "record": args.case,
                "seed": seed,
                "model": model,
                "n_samples": data.n_samples,
                f"fidelity_{summary['projection']}": summary["fidelity"],
                "fidelity_frobenius": quantum_fidelity(closest_physical(raw), data.rho),
                "min_eigenvalue_before_projection": summary["min_eigenvalue_before_projection"],
                "classical_fidelity": summary["classical_fidelity"],
                "epochs": summary["epochs"],
                "best_epoch": summary["best_epoch"],
                "seconds": summary["seconds"],
                **baselines,
            }
            rows[model].append(row)
            emit(row)
    for model, records in rows.items():
        summary_row: dict[str, object] = {
            "record": "summary",
            "model": model,
            "seeds": len(records),
        }
        keys = [k for k in records[0] if k.startswith("fidelity") or k == "seconds"]
        for key in keys:
            values = np.array([r[key] for r in records], dtype=float)
            summary_row[key] = {
                "mean": float(values.mean()),
                "sd": float(values.std(ddof=1)) if len(values) > 1 else None,
            }
        emit(summary_row)


if __name__ == "__main__":
    main()
